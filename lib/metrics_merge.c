/*
 * metrics_merge.c - exact merging of accumulators, and roll-ups of agents
 * to teams and centres (a merge of cells into group cells).
 *
 * Counts and 128-bit sums add, min/max keep the extreme, sums of squares
 * saturate into a flag identically in any order, and exact-quantile runs
 * merge by value: every operation is associative and commutative, so any
 * split of the rows, merged in any order, gives the same cells.
 */
#include <string.h>

#include "metrics_internal.h"

/* The runs of @dst merged with everything in @src (a new array). */
static kpi_status store_merged(const kpi__qstore *dst, const kpi__qstore *src, kpi__run **out,
                               size_t *n)
{
    kpi__qview v;
    kpi_status st = kpi__qs_view(src, &v);
    if (st != KPI_OK)
        return st;
    st = kpi__runs_merge(dst->runs, dst->nruns, v.runs, v.n, out, n);
    kpi__qview_free(&v);
    if (st == KPI_OK && *n > UINT32_MAX) {
        kpi__free(*out);
        return kpi__fail(KPI_ELIMIT, "an exact quantile would hold more than 2^32 distinct values");
    }
    return st;
}

static void store_take(kpi__qstore *dst, kpi__run *runs, size_t n)
{
    kpi__free(dst->runs);
    dst->runs = runs;
    dst->nruns = dst->capruns = (uint32_t)n;
}

/* A new sketch holding everything in @dst and @src; *n its value count. */
static kpi_status sketch_merged(const kpi__schema *s, size_t k, const kpi__skstore *dst,
                                const kpi__skstore *src, kpi_sketch **out, uint64_t *n)
{
    bool owned;
    kpi_status st = kpi__sks_view(dst, src, &s->skopts[k], out, &owned);
    *n = dst->nsk + dst->npend + src->nsk + src->npend;
    return st; /* with a second store the view is always a new sketch */
}

static void sketch_take(kpi__skstore *dst, kpi_sketch *sk, uint64_t n)
{
    kpi_sketch_free(dst->sk);
    dst->sk = sk;
    dst->nsk = n;
    dst->npend = 0;
}

static kpi_status check_compatible(const kpi_metrics *a, const kpi_metrics *b)
{
    if (a->s->fingerprint != b->s->fingerprint)
        return kpi__fail(KPI_EMISMATCH, "the accumulators were built from different metric "
                         "definitions (fingerprints %016llx and %016llx)",
                         (unsigned long long)a->s->fingerprint,
                         (unsigned long long)b->s->fingerprint);
    if (a->period != b->period || a->offset_min != b->offset_min)
        return kpi__fail(KPI_EMISMATCH, "the accumulators group time differently (%s at UTC%+d min "
                         "and %s at UTC%+d min)", kpi_period_name(a->period), (int)a->offset_min,
                         kpi_period_name(b->period), (int)b->offset_min);
    return KPI_OK;
}

typedef struct {
    kpi__qstore *dst;
    kpi__run *runs;
    size_t n;
    const kpi__qstore *unsorted; /* instead of runs: values to copy, room reserved */
    kpi__skstore *skdst;         /* a sketch swap instead when set */
    kpi_sketch *sk;
} pending_swap;

kpi_status kpi__metrics_merge(kpi_metrics *dst, const kpi_metrics *src)
{
    kpi_status st = check_compatible(dst, src);
    if (st != KPI_OK)
        return st;
    const kpi__schema *s = dst->s;
    const size_t W = s->words, Q = s->stores, K = s->sketches;
    /* 1. would any sum overflow? (nothing changed yet) */
    for (size_t i = 0; i < src->nperiods; i++) {
        size_t at;
        if (kpi__metrics_period_at(dst, src->periods[i].key, false, &at) != KPI_OK)
            continue;
        size_t both = dst->agents < src->agents ? dst->agents : src->agents;
        for (size_t a = 0; a < both; a++)
            if (!kpi__cell_words_fit(s, dst->periods[at].cells + a * W,
                                     src->periods[i].cells + a * W))
                return kpi__fail(KPI_EOVERFLOW, "merging would overflow a count or sum of agent "
                                 "%zu", a);
    }
    /* 2. make room: agents, periods, merged quantile runs (undone on failure) */
    st = kpi__metrics_reserve(dst, src->agents);
    if (st != KPI_OK)
        return st;
    size_t nswaps = 0;
    int64_t *created = kpi__calloc(src->nperiods + 1, sizeof *created);
    size_t ncreated = 0;
    pending_swap *swaps = NULL;
    if (!created)
        return KPI_ENOMEM;
    for (size_t i = 0; st == KPI_OK && i < src->nperiods; i++) {
        size_t at;
        if (kpi__metrics_period_at(dst, src->periods[i].key, false, &at) == KPI_OK)
            continue;
        st = kpi__metrics_period_at(dst, src->periods[i].key, true, &at);
        if (st == KPI_OK)
            created[ncreated++] = src->periods[i].key;
    }
    size_t want = 0;
    for (size_t i = 0; st == KPI_OK && i < src->nperiods; i++) {
        for (size_t j = 0; j < src->agents * Q; j++)
            want += !kpi__qs_empty(&src->periods[i].stores[j]);
        for (size_t j = 0; j < src->agents * K; j++)
            want += !kpi__sks_empty(&src->periods[i].sketches[j]);
    }
    if (st == KPI_OK && want && !(swaps = kpi__calloc(want, sizeof *swaps)))
        st = KPI_ENOMEM;
    for (size_t i = 0; st == KPI_OK && i < src->nperiods; i++) {
        size_t at;
        kpi__metrics_period_at(dst, src->periods[i].key, false, &at);
        for (size_t j = 0; st == KPI_OK && j < src->agents * Q; j++) {
            const kpi__qstore *from = &src->periods[i].stores[j];
            if (kpi__qs_empty(from))
                continue;
            pending_swap *sw = &swaps[nswaps];
            sw->dst = &dst->periods[at].stores[j];
            if (kpi__qs_takes_unsorted(sw->dst, from)) { /* read by selection: no sort */
                sw->unsorted = from;
                st = kpi__qs_reserve(sw->dst, from->npend);
            } else {
                st = store_merged(sw->dst, from, &sw->runs, &sw->n);
            }
            nswaps += st == KPI_OK;
        }
        for (size_t j = 0; st == KPI_OK && j < src->agents * K; j++) {
            const kpi__skstore *from = &src->periods[i].sketches[j];
            if (kpi__sks_empty(from))
                continue;
            pending_swap *sw = &swaps[nswaps];
            sw->skdst = &dst->periods[at].sketches[j];
            uint64_t n;
            st = sketch_merged(s, j % K, sw->skdst, from, &sw->sk, &n);
            sw->n = (size_t)n;
            nswaps += st == KPI_OK;
        }
    }
    if (st != KPI_OK) {
        for (size_t k = 0; k < nswaps; k++) {
            kpi__free(swaps[k].runs);
            kpi_sketch_free(swaps[k].sk);
        }
        for (size_t k = 0; k < ncreated; k++) {
            size_t at;
            kpi__metrics_period_at(dst, created[k], false, &at);
            kpi__metrics_period_remove(dst, at);
        }
        kpi__free(swaps);
        kpi__free(created);
        return st;
    }
    /* 3. apply: nothing can fail from here on */
    for (size_t i = 0; i < src->nperiods; i++) {
        size_t at;
        kpi__metrics_period_at(dst, src->periods[i].key, false, &at);
        for (size_t a = 0; a < src->agents; a++)
            kpi__cell_words_add(s, dst->periods[at].cells + a * W, src->periods[i].cells + a * W);
    }
    for (size_t k = 0; k < nswaps; k++) {
        if (swaps[k].skdst)
            sketch_take(swaps[k].skdst, swaps[k].sk, swaps[k].n);
        else if (swaps[k].unsorted)
            kpi__qs_take_unsorted(swaps[k].dst, swaps[k].unsorted);
        else
            store_take(swaps[k].dst, swaps[k].runs, swaps[k].n);
    }
    if (src->agents > dst->agents)
        dst->agents = src->agents;
    kpi__free(swaps);
    kpi__free(created);
    return KPI_OK;
}

kpi_status kpi__metrics_absorb(kpi_metrics *dst, kpi_metrics *src)
{
    kpi_status st = check_compatible(dst, src);
    if (st != KPI_OK || dst->nperiods != 0)
        return st == KPI_OK ? kpi__metrics_merge(dst, src) : st;
    /* dst is empty: its cells would be a copy of src's, so take them */
    if ((st = kpi__metrics_reserve(src, dst->agents)) != KPI_OK)
        return st;
    kpi__mperiod *periods = dst->periods;
    size_t cap = dst->capperiods;
    dst->periods = src->periods;
    dst->nperiods = src->nperiods;
    dst->capperiods = src->capperiods;
    dst->agents_cap = src->agents_cap;
    dst->agents = src->agents > dst->agents ? src->agents : dst->agents;
    src->periods = periods;
    src->capperiods = cap;
    src->nperiods = 0;
    return KPI_OK;
}

kpi_status kpi_metrics_merge(kpi_metrics *dst, const kpi_metrics *src)
{
    kpi__error_reset();
    if (!dst || !src)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_merge: dst and src must not be NULL");
    if (dst == src)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_merge: dst and src must differ");
    return kpi__metrics_merge(dst, src);
}

/* ---- roll-ups -------------------------------------------------------------- */

static kpi_status group_of(const kpi_agents *agents, kpi_level level, size_t agent, uint32_t *g)
{
    if (agent >= kpi_agents_count(agents, KPI_LEVEL_AGENT))
        return kpi__fail(KPI_ENOTFOUND, "agent index %zu has rows but is not in the agent map "
                         "(%zu agents)", agent, kpi_agents_count(agents, KPI_LEVEL_AGENT));
    kpi_status st = kpi_agents_parent(agents, KPI_LEVEL_AGENT, (uint32_t)agent, g);
    if (st == KPI_OK && level == KPI_LEVEL_CENTRE)
        st = kpi_agents_parent(agents, KPI_LEVEL_TEAM, *g, g);
    return st;
}

static kpi_status rollup_period(kpi_metrics *out, const kpi_metrics *m, const kpi__mperiod *p,
                                const kpi_agents *agents, kpi_level level)
{
    const kpi__schema *s = m->s;
    const size_t W = s->words, Q = s->stores, K = s->sketches;
    size_t at;
    kpi_status st = kpi__metrics_period_at(out, p->key, true, &at);
    for (size_t a = 0; st == KPI_OK && a < m->agents; a++) {
        if (kpi__cell_empty(m, p, a))
            continue;
        uint32_t g;
        if ((st = group_of(agents, level, a, &g)) != KPI_OK)
            break;
        kpi__mperiod *q = &out->periods[at];
        if (!kpi__cell_words_fit(s, q->cells + (size_t)g * W, p->cells + a * W))
            return kpi__fail(KPI_EOVERFLOW, "rolling up would overflow a count or sum of group %u",
                             (unsigned)g);
        kpi__cell_words_add(s, q->cells + (size_t)g * W, p->cells + a * W);
        for (size_t k = 0; st == KPI_OK && k < Q; k++) {
            const kpi__qstore *from = &p->stores[a * Q + k];
            if (kpi__qs_empty(from))
                continue;
            kpi__qstore *to = &q->stores[(size_t)g * Q + k];
            if (kpi__qs_takes_unsorted(to, from)) { /* a small group: no sort */
                if ((st = kpi__qs_reserve(to, from->npend)) == KPI_OK)
                    kpi__qs_take_unsorted(to, from);
                continue;
            }
            kpi__run *runs;
            size_t n;
            if ((st = store_merged(to, from, &runs, &n)) == KPI_OK)
                store_take(to, runs, n);
        }
        for (size_t k = 0; st == KPI_OK && k < K; k++) {
            const kpi__skstore *from = &p->sketches[a * K + k];
            if (kpi__sks_empty(from))
                continue;
            kpi__skstore *to = &q->sketches[(size_t)g * K + k];
            kpi_sketch *sk;
            uint64_t n;
            if ((st = sketch_merged(s, k, to, from, &sk, &n)) == KPI_OK)
                sketch_take(to, sk, n);
        }
    }
    return st;
}

kpi_status kpi_metrics_rollup(kpi_metrics **out, const kpi_metrics *m, const kpi_agents *agents,
                              kpi_level level)
{
    kpi__error_reset();
    if (!out || !m || !agents)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_rollup: out, m and agents must not be NULL");
    if (level != KPI_LEVEL_TEAM && level != KPI_LEVEL_CENTRE)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_rollup: level must be KPI_LEVEL_TEAM or "
                         "KPI_LEVEL_CENTRE (got %d)", (int)level);
    size_t groups = kpi_agents_count(agents, level);
    kpi_metrics *r = NULL;
    kpi_status st = kpi__metrics_new_schema(m->s, m->period, m->offset_min,
                                            groups > m->max_agents ? (uint32_t)groups : m->max_agents,
                                            groups, &r);
    for (size_t i = 0; st == KPI_OK && i < m->nperiods; i++)
        st = rollup_period(r, m, &m->periods[i], agents, level);
    if (st != KPI_OK) {
        kpi_metrics_free(r);
        return st;
    }
    *out = r;
    return KPI_OK;
}
