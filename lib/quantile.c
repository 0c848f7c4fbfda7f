/*
 * quantile.c - numpy's quantile methods with exact positions.
 *
 * numpy computes a "virtual index" into the sorted values from n and q in
 * float64; here it is an exact rational in units of 1/(24 * 10^9): q is a
 * kpi_dec (10^-9 units) and every plotting-position constant (0, 1/3, 3/8,
 * 1/2, 1) is a multiple of 1/24.
 */
#include <string.h>

#include "quantile_internal.h"

#define UNIT ((kpi__i128)24 * KPI_DEC_ONE) /* one whole index position */

static const char *const method_names[] = {
    "inverted_cdf", "averaged_inverted_cdf", "closest_observation",
    "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
    "normal_unbiased", "lower", "higher", "midpoint", "nearest",
};

bool kpi__quantile_method_valid(kpi_quantile_method method)
{
    return method >= KPI_QUANTILE_INVERTED_CDF && method <= KPI_QUANTILE_NEAREST;
}

const char *kpi_quantile_method_name(kpi_quantile_method method)
{
    return kpi__quantile_method_valid(method) ? method_names[method] : NULL;
}

kpi_status kpi_quantile_method_parse(const char *name, kpi_quantile_method *out)
{
    kpi__error_reset();
    if (!name || !out)
        return kpi__fail(KPI_EINVAL, "kpi_quantile_method_parse: name and out must not be NULL");
    for (kpi_quantile_method m = 0; m <= KPI_QUANTILE_NEAREST; m++) {
        if (strcmp(name, method_names[m]) == 0) {
            *out = m;
            return KPI_OK;
        }
    }
    return kpi__fail(KPI_ENOTFOUND,
                     "unknown quantile method '%s' (numpy's names: inverted_cdf, "
                     "averaged_inverted_cdf, closest_observation, interpolated_inverted_cdf, "
                     "hazen, weibull, linear, median_unbiased, normal_unbiased, lower, higher, "
                     "midpoint, nearest)", name);
}

/* floor(v / UNIT) and the remainder v - floor * UNIT (0 <= rem < UNIT). */
static kpi__i128 floor_position(kpi__i128 v, kpi__i128 *rem)
{
    kpi__i128 f = v / UNIT;
    if (v % UNIT != 0 && v < 0)
        f--;
    *rem = v - f * UNIT;
    return f;
}

static size_t clamp_index(kpi__i128 i, size_t n)
{
    if (i < 0)
        return 0;
    if (i > (kpi__i128)(n - 1))
        return n - 1;
    return (size_t)i;
}

static kpi__quantile_pick single(size_t i)
{
    kpi__quantile_pick p = {i, i, 0, 1};
    return p;
}

/* The continuous methods: interpolate between floor and floor + 1, clamped. */
static kpi__quantile_pick continuous(size_t n, kpi__i128 vi, bool averaged)
{
    if (vi >= (kpi__i128)(n - 1) * UNIT)
        return single(n - 1);
    if (vi < 0)
        return single(0);
    kpi__i128 rem;
    kpi__i128 f = floor_position(vi, &rem);
    kpi__quantile_pick p = {(size_t)f, (size_t)f + 1, rem, UNIT};
    if (averaged) { /* H&F 2: the mean of both at an exact jump, else the upper one */
        p.num = 1;
        p.den = rem == 0 ? 2 : 1;
    }
    return p;
}

kpi__quantile_pick kpi__quantile_position(size_t n, kpi_dec q, kpi_quantile_method method)
{
    const kpi__i128 N = (kpi__i128)n, Q = q;
    const kpi__i128 nq = N * Q * 24;            /* n*q in UNITs */
    const kpi__i128 n1q = (N - 1) * Q * 24;     /* (n-1)*q in UNITs */
    /* plotting positions alpha, beta in 24ths: index = n q + alpha + q (1 - alpha - beta) - 1 */
    static const int alpha24[] = {[KPI_QUANTILE_INTERPOLATED_INVERTED_CDF] = 0,
                                  [KPI_QUANTILE_HAZEN] = 12, [KPI_QUANTILE_WEIBULL] = 0,
                                  [KPI_QUANTILE_MEDIAN_UNBIASED] = 8,
                                  [KPI_QUANTILE_NORMAL_UNBIASED] = 9};
    static const int beta24[] = {[KPI_QUANTILE_INTERPOLATED_INVERTED_CDF] = 24,
                                 [KPI_QUANTILE_HAZEN] = 12, [KPI_QUANTILE_WEIBULL] = 0,
                                 [KPI_QUANTILE_MEDIAN_UNBIASED] = 8,
                                 [KPI_QUANTILE_NORMAL_UNBIASED] = 9};
    kpi__i128 rem, f;
    switch (method) {
    case KPI_QUANTILE_INVERTED_CDF:
        f = floor_position(nq - UNIT, &rem);
        return single(clamp_index(rem == 0 ? f : f + 1, n));
    case KPI_QUANTILE_AVERAGED_INVERTED_CDF:
        return continuous(n, nq - UNIT, true);
    case KPI_QUANTILE_CLOSEST_OBSERVATION:
        /* index n q - 3/2; at an exact position keep it when odd (0-based), as numpy does */
        f = floor_position(nq - UNIT - UNIT / 2, &rem);
        return single(clamp_index(rem == 0 && (f & 1) ? f : f + 1, n));
    case KPI_QUANTILE_INTERPOLATED_INVERTED_CDF:
    case KPI_QUANTILE_HAZEN:
    case KPI_QUANTILE_WEIBULL:
    case KPI_QUANTILE_MEDIAN_UNBIASED:
    case KPI_QUANTILE_NORMAL_UNBIASED: {
        kpi__i128 a = alpha24[method], b = beta24[method];
        kpi__i128 vi = nq + a * KPI_DEC_ONE + Q * (24 - a - b) - UNIT;
        return continuous(n, vi, false);
    }
    case KPI_QUANTILE_LINEAR:
        return continuous(n, n1q, false);
    case KPI_QUANTILE_LOWER:
        f = floor_position(n1q, &rem);
        return single(clamp_index(f, n));
    case KPI_QUANTILE_HIGHER:
        f = floor_position(n1q, &rem);
        return single(clamp_index(rem == 0 ? f : f + 1, n));
    case KPI_QUANTILE_MIDPOINT: {
        f = floor_position(n1q, &rem);
        if (rem == 0)
            return single(clamp_index(f, n));
        kpi__quantile_pick p = {(size_t)f, (size_t)f + 1, 1, 2};
        return p;
    }
    case KPI_QUANTILE_NEAREST:
    default:
        /* round half to even, like numpy.around */
        f = floor_position(n1q, &rem);
        if (2 * rem > UNIT || (2 * rem == UNIT && (f & 1)))
            f++;
        return single(clamp_index(f, n));
    }
}

kpi_status kpi__quantile_interpolate(kpi_dec lo, kpi_dec hi, const kpi__quantile_pick *pick,
                                     kpi_round mode, kpi_dec *out)
{
    kpi__i128 v = (kpi__i128)lo * pick->den + ((kpi__i128)hi - lo) * pick->num;
    v = kpi__div_round(v, pick->den, mode);
    if (!kpi__i128_fits(v))
        return kpi__fail(KPI_EOVERFLOW, "quantile does not fit in a kpi_dec");
    *out = (kpi_dec)v;
    return KPI_OK;
}

kpi_status kpi_quantile_sorted(const kpi_dec *sorted, size_t n, kpi_dec q,
                               kpi_quantile_method method, kpi_round mode, kpi_dec *out)
{
    kpi__error_reset();
    if (!out || (!sorted && n > 0))
        return kpi__fail(KPI_EINVAL, "kpi_quantile_sorted: sorted and out must not be NULL");
    if (!kpi__quantile_method_valid(method))
        return kpi__fail(KPI_EINVAL, "kpi_quantile_sorted: unknown method %d", (int)method);
    if (!kpi__round_valid(mode))
        return kpi__fail(KPI_EINVAL, "kpi_quantile_sorted: unknown rounding mode %d", (int)mode);
    if (q < 0 || q > KPI_DEC_ONE)
        return kpi__fail(KPI_ERANGE, "quantile must be between 0 and 1");
    if (n == 0)
        return kpi__fail(KPI_ENA, "the quantile of no values is not available");
    for (size_t i = 1; i < n; i++)
        if (sorted[i] < sorted[i - 1])
            return kpi__fail(KPI_EINVAL,
                             "kpi_quantile_sorted: values must be ascending (value %zu is below "
                             "value %zu)", i, i - 1);
    kpi__quantile_pick p = kpi__quantile_position(n, q, method);
    return kpi__quantile_interpolate(sorted[p.lo], sorted[p.hi], &p, mode, out);
}
