/* quantile_internal.h - where a quantile falls among n sorted values. */
#ifndef KPISCORE_QUANTILE_INTERNAL_H
#define KPISCORE_QUANTILE_INTERNAL_H

#include "internal.h"
#include "kpiscore/quantile.h"

/*
 * The quantile is x[lo] + (x[hi] - x[lo]) * num / den for the values x[0..n)
 * sorted ascending (0 <= num <= den, den > 0; hi is lo, or lo + 1 when
 * num > 0). Any store of sorted values
 * (an array, run-length pairs of value and count) can use it.
 */
typedef struct {
    size_t lo;
    size_t hi;
    kpi__i128 num;
    kpi__i128 den;
} kpi__quantile_pick;

/* Requires n > 0, 0 <= q <= 1 and a valid method (callers check). */
kpi__quantile_pick kpi__quantile_position(size_t n, kpi_dec q, kpi_quantile_method method);

/* Interpolates between two neighbours as the pick says, rounding once. */
kpi_status kpi__quantile_interpolate(kpi_dec lo, kpi_dec hi, const kpi__quantile_pick *pick,
                                     kpi_round mode, kpi_dec *out);

/* true for KPI_QUANTILE_* values. */
bool kpi__quantile_method_valid(kpi_quantile_method method);

#endif /* KPISCORE_QUANTILE_INTERNAL_H */
