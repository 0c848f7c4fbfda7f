/*
 * percentrank.c - percentile rank of a value against a set it need not be
 * in: Excel's PERCENTRANK.INC/.EXC (with interpolation) and scipy's
 * percentileofscore kinds.
 */
#include <math.h>
#include <string.h>

#include "rank_internal.h"

/* Number of sorted[0..n) below x (strict) or at most x (!strict). */
static size_t count_below(const kpi_dec *sorted, size_t n, kpi_dec x, bool strict)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strict ? sorted[mid] < x : sorted[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Excel between neighbours a < x < b with S values below x: the value just
 * below counts at its last index (S - 1), the one above at its first (S),
 * as Excel and gnumeric interpolate.
 */
static kpi__frac excel_between(kpi_dec a, kpi_dec x, kpi_dec b, size_t S, size_t N,
                               kpi_pct_kind kind)
{
    kpi__i128 lo = (kpi__i128)x - a, hi = (kpi__i128)b - x, span = (kpi__i128)b - a;
    kpi__i128 s = (kpi__i128)S;
    kpi__frac f;
    if (kind == KPI_PCT_EXCEL_INC) {
        f.num = (s - 1) * hi + s * lo;
        f.den = ((kpi__i128)N - 1) * span;
    } else {
        f.num = s * hi + (s + 1) * lo;
        f.den = ((kpi__i128)N + 1) * span;
    }
    return f;
}

kpi_status kpi_percentrank_of(kpi_dec *out, double *out_f64, const kpi_dec *values, size_t n,
                              const kpi_dec *x, size_t m, const kpi_rank_options *opt)
{
    kpi__error_reset();
    kpi_rank_options o;
    kpi_status st = kpi__rank_options_load(&o, opt, "kpi_percentrank_of");
    if (st != KPI_OK)
        return st;
    if (!opt)
        o.pct_kind = KPI_PCT_EXCEL_INC;
    if (o.pct_kind == KPI_PCT_RANK)
        return kpi__fail(KPI_EINVAL, "kpi_percentrank_of: opt->pct_kind KPI_PCT_RANK (pandas) is "
                                     "defined only for members of the set; use kpi_rank(), or "
                                     "KPI_PCT_SCIPY_RANK for any value");
    if (!out && !out_f64)
        return kpi__fail(KPI_EINVAL, "kpi_percentrank_of: out and out_f64 are both NULL");
    if ((n > 0 && !values) || (m > 0 && !x))
        return kpi__fail(KPI_EINVAL, "kpi_percentrank_of: values and x must not be NULL");
    if (n > KPI__RANK_MAX_N)
        return kpi__fail(KPI_ELIMIT, "kpi_percentrank_of: n is %zu; at most %zu values", n,
                         KPI__RANK_MAX_N);
    if (n == 0)
        return kpi__fail(KPI_ENA, "the percentile rank against an empty set is not available");
    bool excel = o.pct_kind == KPI_PCT_EXCEL_INC || o.pct_kind == KPI_PCT_EXCEL_EXC;
    size_t *order = kpi__malloc(n * sizeof *order);
    kpi_dec *sorted = kpi__malloc(n * sizeof *sorted);
    if (!order || !sorted) {
        kpi__free(order);
        kpi__free(sorted);
        return KPI_ENOMEM;
    }
    size_t cnt;
    st = kpi__rank_sort(order, sorted, &cnt, values, n, KPI_RANK_ASC, NULL, KPI_RANK_ASC, NULL, NULL);
    /* check every query before writing any output */
    for (size_t j = 0; st == KPI_OK && excel && j < m; j++) {
        if (x[j] < sorted[0] || x[j] > sorted[n - 1]) {
            char xs[32], lim[32];
            kpi_dec_format(x[j], -1, KPI_ROUND_HALF_UP, xs, sizeof xs);
            kpi_dec_format(x[j] < sorted[0] ? sorted[0] : sorted[n - 1], -1, KPI_ROUND_HALF_UP,
                           lim, sizeof lim);
            st = kpi__fail(KPI_ERANGE,
                           "x[%zu] = %s is %s the %s value %s of the set: %s is #N/A there",
                           j, xs, x[j] < sorted[0] ? "below" : "above",
                           x[j] < sorted[0] ? "smallest" : "largest", lim,
                           o.pct_kind == KPI_PCT_EXCEL_INC ? "PERCENTRANK.INC" : "PERCENTRANK.EXC");
        }
    }
    for (size_t j = 0; st == KPI_OK && j < m; j++) {
        size_t L = count_below(sorted, n, x[j], true), W = count_below(sorted, n, x[j], false);
        kpi__frac f;
        if (excel && W == L) {
            f = excel_between(sorted[L - 1], x[j], sorted[L], L, n, o.pct_kind);
        } else {
            kpi__standing s = {L, W - L, L, 0, n, 0};
            f = kpi__pct_frac(&s, o.pct_kind, o.method);
        }
        kpi_dec d = kpi__pct_dec(f, o.pct_kind, o.significance, o.pct_round);
        if (out)
            out[j] = d;
        if (out_f64)
            out_f64[j] = kpi__pct_double(f, o.pct_kind, d);
    }
    kpi__free(order);
    kpi__free(sorted);
    return st;
}
