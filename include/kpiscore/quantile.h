/*
 * kpiscore/quantile.h - quantiles with the definitions people check
 * against: numpy's 13 `percentile`/`quantile` methods (Hyndman & Fan 1996),
 * computed exactly.
 *
 * Excel/LibreOffice PERCENTILE.INC is KPI_QUANTILE_LINEAR and PERCENTILE.EXC
 * is KPI_QUANTILE_WEIBULL (which Excel rejects outside [1/(n+1), n/(n+1)]
 * while numpy clamps; kpiscore clamps like numpy).
 *
 * The quantile q is an exact kpi_dec in [0, 1] (0.9 is the 90th
 * percentile), and the position arithmetic is exact, so a method that picks
 * one order statistic never picks a neighbour because of binary rounding.
 * Where numpy's float64 arithmetic lands on the other side of an exact
 * integer position, kpiscore follows the exact value.
 *
 * Pure functions; thread-safe.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_QUANTILE_H
#define KPISCORE_QUANTILE_H

#include "common.h"
#include "decimal.h"

#ifdef __cplusplus
extern "C" {
#endif

/** numpy's `method=` names, in numpy's documentation order. */
typedef int32_t kpi_quantile_method;
enum {
    KPI_QUANTILE_INVERTED_CDF = 0,          /**< H&F 1: smallest x with F(x) >= q */
    KPI_QUANTILE_AVERAGED_INVERTED_CDF = 1, /**< H&F 2: as 1, averaging at jumps */
    KPI_QUANTILE_CLOSEST_OBSERVATION = 2,   /**< H&F 3: nearest order statistic, even at ties */
    KPI_QUANTILE_INTERPOLATED_INVERTED_CDF = 3, /**< H&F 4: p(k) = k/n */
    KPI_QUANTILE_HAZEN = 4,                 /**< H&F 5: p(k) = (k - 1/2)/n */
    KPI_QUANTILE_WEIBULL = 5,               /**< H&F 6: p(k) = k/(n+1); PERCENTILE.EXC */
    KPI_QUANTILE_LINEAR = 6,                /**< H&F 7: p(k) = (k-1)/(n-1); numpy's default, PERCENTILE.INC */
    KPI_QUANTILE_MEDIAN_UNBIASED = 7,       /**< H&F 8: p(k) = (k - 1/3)/(n + 1/3) */
    KPI_QUANTILE_NORMAL_UNBIASED = 8,       /**< H&F 9: p(k) = (k - 3/8)/(n + 1/4) */
    KPI_QUANTILE_LOWER = 9,                 /**< x[floor((n-1)q)] */
    KPI_QUANTILE_HIGHER = 10,               /**< x[ceil((n-1)q)] */
    KPI_QUANTILE_MIDPOINT = 11,             /**< mean of lower and higher */
    KPI_QUANTILE_NEAREST = 12               /**< x[round((n-1)q)], ties to even index */
};

/** numpy's name of a method ("linear", "weibull", ...), or NULL. @since 1.0 */
KPI_API const char *kpi_quantile_method_name(kpi_quantile_method method);

/**
 * Looks a method up by numpy's name.
 * @return KPI_OK; KPI_ENOTFOUND (the message lists the names); KPI_EINVAL on NULL.
 * @since 1.0
 */
KPI_API kpi_status kpi_quantile_method_parse(const char *name, kpi_quantile_method *out);

/**
 * The @p q quantile of @p n values sorted ascending, by @p method.
 *
 * Interpolating methods form the exact value and round it once to 9 places
 * with @p mode.
 *
 * @param sorted  the values, ascending (checked: KPI_EINVAL if not)
 * @param n       how many; 0 gives KPI_ENA (no data)
 * @param q       the quantile, 0 <= q <= 1 (KPI_ERANGE otherwise)
 * @return KPI_OK; KPI_ENA for n = 0; KPI_ERANGE; KPI_EINVAL; KPI_EOVERFLOW.
 * @since 1.0
 */
KPI_API kpi_status kpi_quantile_sorted(const kpi_dec *sorted, size_t n, kpi_dec q,
                                       kpi_quantile_method method, kpi_round mode,
                                       kpi_dec *out);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_QUANTILE_H */
