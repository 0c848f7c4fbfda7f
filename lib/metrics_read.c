/*
 * metrics_read.c - reading results: a metric's value for one (agent,
 * period) as an exact kpi_dec or N/A, its raw counts and sums, and exact
 * quantiles by any of numpy's methods.
 */
#include <math.h>
#include <string.h>

#include "metrics_internal.h"


typedef struct {
    const kpi__schema *s;
    const kpi__mcompiled *c;
    const kpi_metric_def *def;
    const uint64_t *cell;        /* NULL: an agent without rows */
    const kpi__qstore *store;    /* NULL when none or no rows */
    const kpi__skstore *sketch;  /* NULL when none or no rows */
    const kpi_sketch_options *skopts;
} target;

static kpi_status locate(const kpi_metrics *m, uint32_t agent, size_t period, size_t metric,
                         const char *fn, target *t)
{
    if (!m)
        return kpi__fail(KPI_EINVAL, "%s: m must not be NULL", fn);
    if (metric >= m->s->reg->count)
        return kpi__fail(KPI_ENOTFOUND, "%s: no metric %zu (there are %zu)", fn, metric,
                         m->s->reg->count);
    if (period >= m->nperiods)
        return kpi__fail(KPI_ENOTFOUND, "%s: no period %zu (there are %zu)", fn, period,
                         m->nperiods);
    t->s = m->s;
    t->c = &m->s->metrics[metric];
    t->def = &m->s->reg->metrics[metric].def;
    t->cell = NULL;
    t->store = NULL;
    t->sketch = NULL;
    t->skopts = t->c->sk >= 0 ? &m->s->skopts[t->c->sk] : NULL;
    if (agent < m->agents) {
        const kpi__mperiod *p = &m->periods[period];
        t->cell = p->cells + (size_t)agent * m->s->words;
        if (t->c->q >= 0)
            t->store = &p->stores[(size_t)agent * m->s->stores + (size_t)t->c->q];
        if (t->c->sk >= 0)
            t->sketch = &p->sketches[(size_t)agent * m->s->sketches + (size_t)t->c->sk];
    }
    return KPI_OK;
}

/* A count, or with @sum the 128-bit sum whose low word is at @off. */
static kpi__i128 word(const target *t, uint32_t off, bool sum)
{
    if (!t->cell)
        return 0;
    return sum ? kpi__sum_get(t->cell[off], t->cell[t->s->hi_of[off]]) : (kpi__i128)t->cell[off];
}

/* Sum of signed refs; false when it passes the 128-bit range. */
static bool refs_sum(const target *t, const kpi__ref *r, uint32_t n, kpi__i128 *out)
{
    kpi__i128 acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        kpi__i128 v = word(t, r[i].off, r[i].sum);
        if (r[i].negate ? __builtin_sub_overflow(acc, v, &acc) : __builtin_add_overflow(acc, v, &acc))
            return false;
    }
    *out = acc;
    return true;
}

static kpi_status overflow(const target *t)
{
    return kpi__fail(KPI_EOVERFLOW, "metric '%s': the result does not fit", t->def->id);
}

/* num / den in the metric's unit, rounded once; N/A for den = 0. */
static kpi_status ratio(const target *t, kpi__i128 num, kpi__i128 den, kpi_dec *out)
{
    if (den == 0)
        return kpi__fail(KPI_ENA, "metric '%s' is not available: its denominator is 0",
                         t->def->id);
    kpi__i128 scaled, d;
    if (__builtin_mul_overflow(num, (kpi__i128)KPI_DEC_ONE, &scaled) ||
        __builtin_mul_overflow(den, (kpi__i128)t->c->divisor, &d))
        return overflow(t);
    kpi__i128 v = kpi__div_round(scaled, d, t->def->round);
    if (!kpi__i128_fits(v))
        return overflow(t);
    *out = (kpi_dec)v;
    return KPI_OK;
}

static kpi_status variance(const target *t, kpi__i128 sum, kpi__i128 n, kpi_dec *out)
{
    bool population = (t->def->flags & KPI_METRIC_POPULATION) != 0;
    if (n < (population ? 1 : 2))
        return kpi__fail(KPI_ENA, "metric '%s' is not available: %s", t->def->id,
                         n == 0 ? "no values" : "the sample variance of one value");
    if (word(t, (uint32_t)t->c->sq + 2, false))
        return overflow(t);
    kpi__i128 sq = kpi__pair_get(t->cell + t->c->sq), nq, s2, num, den, div2; /* n > 0: a cell */
    /* n * sum(x^2) - sum(x)^2 over n^2 or n (n - 1), exact */
    if (__builtin_mul_overflow(n, sq, &nq) || __builtin_mul_overflow(sum, sum, &s2) ||
        __builtin_sub_overflow(nq, s2, &num) ||
        __builtin_mul_overflow(n, population ? n : n - 1, &den) ||
        __builtin_mul_overflow((kpi__i128)t->c->divisor, (kpi__i128)t->c->divisor, &div2) ||
        __builtin_mul_overflow(den, div2, &den))
        return overflow(t);
    kpi__i128 scaled;
    if (__builtin_mul_overflow(num, (kpi__i128)KPI_DEC_ONE, &scaled))
        return overflow(t);
    kpi__i128 v = kpi__div_round(scaled, den, t->def->round);
    if (!kpi__i128_fits(v))
        return overflow(t);
    *out = (kpi_dec)v;
    return KPI_OK;
}

static int64_t extreme(const target *t, int32_t off, uint64_t mask)
{
    return (int64_t)((uint64_t)word(t, (uint32_t)off, false) ^ mask);
}

static kpi_status quantile_of(const target *t, kpi_dec q, kpi_quantile_method method,
                              kpi_dec *out)
{
    if (!t->store || kpi__qs_empty(t->store))
        return kpi__fail(KPI_ENA, "metric '%s' is not available: no values", t->def->id);
    return kpi__qs_quantiles(t->store, &q, 1, method, t->c->divisor, t->def->round, out);
}

/*
 * The sketch's q quantile (numpy "lower", within alpha) in the metric's
 * unit: the sketch's double, scaled and rounded to the nearest 10^-9 once.
 */
static kpi_status sketch_quantiles(const target *t, const kpi_dec *q, size_t n, kpi_dec *out)
{
    if (!t->sketch || kpi__sks_empty(t->sketch))
        return kpi__fail(KPI_ENA, "metric '%s' is not available: no values", t->def->id);
    kpi_sketch *sk;
    bool owned;
    kpi_status st = kpi__sks_view(t->sketch, NULL, t->skopts, &sk, &owned);
    for (size_t i = 0; st == KPI_OK && i < n; i++) {
        double x;
        if ((st = kpi_sketch_quantile(sk, q[i], &x)) != KPI_OK)
            break;
        double scaled = nearbyint(x * (double)(KPI_DEC_ONE / t->c->divisor));
        if (!(fabs(scaled) < 9.2e18)) {
            st = overflow(t);
            break;
        }
        out[i] = (kpi_dec)scaled;
    }
    if (owned)
        kpi_sketch_free(sk);
    return st;
}

kpi_status kpi_metrics_value(const kpi_metrics *m, uint32_t agent, size_t period, size_t metric,
                             kpi_dec *out)
{
    kpi__error_reset();
    target t;
    kpi_status st = locate(m, agent, period, metric, "kpi_metrics_value", &t);
    if (st != KPI_OK)
        return st;
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_value: out must not be NULL");
    kpi__i128 num, den;
    if (!refs_sum(&t, t.c->num, t.c->nnum, &num) || !refs_sum(&t, t.c->den, t.c->nden, &den))
        return overflow(&t);
    switch (t.def->kind) {
    case KPI_METRIC_TOTAL:
        return ratio(&t, num, 1, out);
    case KPI_METRIC_RATIO:
        if ((t.def->flags & KPI_METRIC_COMPLEMENT) && den != 0 && __builtin_sub_overflow(den, num, &num))
            return overflow(&t);
        return ratio(&t, num, den, out);
    case KPI_METRIC_MEAN:
        if (den == 0)
            return kpi__fail(KPI_ENA, "metric '%s' is not available: no values", t.def->id);
        return ratio(&t, num, den, out);
    case KPI_METRIC_VARIANCE:
        return variance(&t, num, den, out);
    case KPI_METRIC_MIN:
    case KPI_METRIC_MAX:
        if (den == 0)
            return kpi__fail(KPI_ENA, "metric '%s' is not available: no values", t.def->id);
        return ratio(&t, t.def->kind == KPI_METRIC_MIN ? extreme(&t, t.c->min, ~(UINT64_C(1) << 63))
                                                       : extreme(&t, t.c->max, UINT64_C(1) << 63),
                     1, out);
    case KPI_METRIC_QUANTILE_SKETCH: {
        kpi_dec v;
        st = sketch_quantiles(&t, &t.def->q, 1, &v);
        if (st == KPI_OK)
            *out = v;
        return st;
    }
    default:
        return quantile_of(&t, t.def->q, t.def->method, out);
    }
}

kpi_status kpi_metrics_raw(const kpi_metrics *m, uint32_t agent, size_t period, size_t metric,
                           kpi_metric_raw *out)
{
    kpi__error_reset();
    target t;
    kpi_status st = locate(m, agent, period, metric, "kpi_metrics_raw", &t);
    if (st != KPI_OK)
        return st;
    if (!out || out->size < sizeof *out)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_raw: out must be set with KPI_METRIC_RAW_INIT");
    kpi__i128 num, den;
    if (!refs_sum(&t, t.c->num, t.c->nnum, &num) || !refs_sum(&t, t.c->den, t.c->nden, &den) ||
        !kpi__i128_fits(num) || !kpi__i128_fits(den))
        return overflow(&t);
    int64_t lo = 0, hi = 0;
    if (t.c->min >= 0 && den)
        lo = extreme(&t, t.c->min, ~(UINT64_C(1) << 63));
    if (t.c->max >= 0 && den)
        hi = extreme(&t, t.c->max, UINT64_C(1) << 63);
    if (t.sketch && !kpi__sks_empty(t.sketch)) {
        kpi_sketch *sk;
        bool owned;
        if ((st = kpi__sks_view(t.sketch, NULL, t.skopts, &sk, &owned)) != KPI_OK)
            return st;
        kpi_sketch_stats ss = KPI_SKETCH_STATS_INIT;
        kpi_sketch_stats_get(sk, &ss);
        lo = (int64_t)ss.min; /* exact for |values| below 2^53 */
        hi = (int64_t)ss.max;
        if (owned)
            kpi_sketch_free(sk);
        kpi__error_reset();
    }
    if (t.store && !kpi__qs_empty(t.store)) {
        kpi__qview v;
        if ((st = kpi__qs_view(t.store, &v)) != KPI_OK)
            return st;
        lo = v.runs[0].value;
        hi = v.runs[v.n - 1].value;
        kpi__qview_free(&v);
    }
    out->num = (int64_t)num;
    out->den = (int64_t)den;
    out->min = lo;
    out->max = hi;
    return KPI_OK;
}

kpi_status kpi_metrics_quantiles(const kpi_metrics *m, uint32_t agent, size_t period,
                                 size_t metric, const kpi_dec *q, size_t n,
                                 kpi_quantile_method method, kpi_dec *out)
{
    kpi__error_reset();
    target t;
    kpi_status st = locate(m, agent, period, metric, "kpi_metrics_quantile", &t);
    if (st != KPI_OK)
        return st;
    if ((!q || !out) && n)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_quantile: q and out must not be NULL");
    bool sketched = t.def->kind == KPI_METRIC_QUANTILE_SKETCH;
    if (t.def->kind != KPI_METRIC_QUANTILE && !sketched)
        return kpi__fail(KPI_EINVAL, "metric '%s' is not a quantile", t.def->id);
    if (!kpi__quantile_method_valid(method))
        return kpi__fail(KPI_EINVAL, "kpi_metrics_quantile: unknown method %d", (int)method);
    if (sketched && method != KPI_QUANTILE_LOWER)
        return kpi__fail(KPI_EINVAL, "metric '%s' is sketched: it reports numpy's 'lower' "
                         "(KPI_QUANTILE_LOWER) within alpha, no other method", t.def->id);
    for (size_t i = 0; i < n; i++)
        if (q[i] < 0 || q[i] > KPI_DEC_ONE)
            return kpi__fail(KPI_ERANGE, "quantile %zu must be between 0 and 1", i);
    if (sketched) {
        kpi_dec *tmp = kpi__malloc((n ? n : 1) * sizeof *tmp);
        if (!tmp)
            return KPI_ENOMEM;
        if ((st = sketch_quantiles(&t, q, n, tmp)) == KPI_OK)
            memcpy(out, tmp, n * sizeof *out);
        kpi__free(tmp);
        return st;
    }
    if (!t.store || kpi__qs_empty(t.store))
        return kpi__fail(KPI_ENA, "metric '%s' is not available: no values", t.def->id);
    kpi_dec *tmp = kpi__malloc((n ? n : 1) * sizeof *tmp); /* out is untouched on failure */
    if (!tmp)
        return KPI_ENOMEM;
    st = kpi__qs_quantiles(t.store, q, n, method, t.c->divisor, t.def->round, tmp);
    if (st == KPI_OK)
        memcpy(out, tmp, n * sizeof *out);
    kpi__free(tmp);
    return st;
}

kpi_status kpi_metrics_quantile(const kpi_metrics *m, uint32_t agent, size_t period,
                                size_t metric, kpi_dec q, kpi_quantile_method method,
                                kpi_dec *out)
{
    if (!out) {
        kpi__error_reset();
        return kpi__fail(KPI_EINVAL, "kpi_metrics_quantile: out must not be NULL");
    }
    return kpi_metrics_quantiles(m, agent, period, metric, &q, 1, method, out);
}

kpi_status kpi_metrics_quantile_memory(const kpi_metrics *m, uint32_t agent, size_t period,
                                       size_t metric, size_t *bytes)
{
    kpi__error_reset();
    target t;
    kpi_status st = locate(m, agent, period, metric, "kpi_metrics_quantile_memory", &t);
    if (st != KPI_OK)
        return st;
    if (!bytes || (t.def->kind != KPI_METRIC_QUANTILE && t.def->kind != KPI_METRIC_QUANTILE_SKETCH))
        return kpi__fail(KPI_EINVAL, "kpi_metrics_quantile_memory: needs a quantile metric "
                         "and a non-NULL bytes");
    if (t.def->kind == KPI_METRIC_QUANTILE_SKETCH)
        *bytes = t.sketch ? kpi__sks_bytes(t.sketch) : sizeof(kpi__skstore);
    else
        *bytes = t.store ? kpi__qs_bytes(t.store) : sizeof(kpi__qstore);
    return KPI_OK;
}
