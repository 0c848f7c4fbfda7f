/*
 * metrics_sketch.c - the sketch store of a KPI_METRIC_QUANTILE_SKETCH
 * metric: a kpi_sketch per (agent, period, population) plus a short
 * buffer of values not yet in it.
 *
 * The sketch's state depends only on the multiset of values it was given
 * (sketch.h), so flushing the buffer at any moment, merging in any order
 * and reading through a temporary copy all give the same bits.
 *
 * Memory per store: the sketch (sketch.h: about 600 bytes plus 2 to 8 bytes
 * per bucket between the smallest and largest magnitude, at most
 * 2 x buckets x 8) plus at most 256 pending values (2 KiB).
 */
#include <string.h>

#include "metrics_internal.h"

#define PEND_MIN 16
#define PEND_MAX KPI__SKS_PEND_MAX

void kpi__sks_free(kpi__skstore *s)
{
    kpi_sketch_free(s->sk);
    kpi__free(s->pend);
    memset(s, 0, sizeof *s);
}

bool kpi__sks_empty(const kpi__skstore *s)
{
    return s->npend == 0 && s->nsk == 0;
}

size_t kpi__sks_bytes(const kpi__skstore *s)
{
    size_t n = sizeof *s + (size_t)s->cappend * sizeof *s->pend;
    kpi_sketch_stats st = KPI_SKETCH_STATS_INIT;
    if (s->sk && kpi_sketch_stats_get(s->sk, &st) == KPI_OK)
        n += st.memory;
    return n;
}

/*
 * Adds @n values to @sk in blocks through the sketch's fast path;
 * *added receives how many went in (all of them on success).
 */
static kpi_status add_values(kpi_sketch *sk, const int64_t *v, size_t n, size_t *added)
{
    double block[PEND_MAX];
    *added = 0;
    while (*added < n) {
        size_t k = n - *added < PEND_MAX ? n - *added : PEND_MAX;
        for (size_t i = 0; i < k; i++)
            block[i] = (double)v[*added + i]; /* exact below 2^53 */
        kpi_sketch_stats before = KPI_SKETCH_STATS_INIT, after = KPI_SKETCH_STATS_INIT;
        kpi_sketch_stats_get(sk, &before);
        kpi_status st = kpi_sketch_add_n(sk, block, k);
        if (st != KPI_OK) { /* a prefix of the block may be in */
            kpi_sketch_stats_get(sk, &after);
            *added += (size_t)(after.count - before.count);
            return kpi__fail(st, "a sketched quantile could not grow its buckets");
        }
        *added += k;
    }
    return KPI_OK;
}

kpi_status kpi__sks_flush(kpi__skstore *s, const kpi_sketch_options *o)
{
    if (s->npend == 0)
        return KPI_OK;
    if (!s->sk) {
        kpi_status st = kpi_sketch_new(&s->sk, o);
        if (st != KPI_OK)
            return st;
    }
    size_t added;
    kpi_status st = add_values(s->sk, s->pend, s->npend, &added);
    s->nsk += added;
    memmove(s->pend, s->pend + added, (s->npend - added) * sizeof *s->pend);
    s->npend -= (uint32_t)added;
    return st;
}

kpi_status kpi__sks_reserve(kpi__skstore *s, uint32_t k, const kpi_sketch_options *o)
{
    if (s->npend + k > PEND_MAX) {
        kpi_status st = kpi__sks_flush(s, o);
        if (st != KPI_OK)
            return st;
    }
    if (s->cappend - s->npend >= k)
        return KPI_OK;
    uint32_t cap = s->cappend ? 2 * s->cappend : PEND_MIN;
    cap = cap > PEND_MAX ? PEND_MAX : cap;
    cap = cap < s->npend + k ? s->npend + k : cap;
    int64_t *grown = kpi__reallocarray(s->pend, cap, sizeof *grown);
    if (!grown)
        return KPI_ENOMEM;
    s->pend = grown;
    s->cappend = cap;
    return KPI_OK;
}

kpi_status kpi__sks_append_slow(kpi__skstore *s, int64_t v, const kpi_sketch_options *o)
{
    kpi_status st = kpi__sks_reserve(s, 1, o);
    if (st != KPI_OK)
        return st;
    s->pend[s->npend++] = v;
    return KPI_OK;
}

/* Adds everything in @s to @dst. */
static kpi_status absorb(kpi_sketch *dst, const kpi__skstore *s)
{
    kpi_status st = KPI_OK;
    if (s->sk && s->nsk)
        st = kpi_sketch_merge(dst, s->sk);
    size_t added;
    if (st == KPI_OK && s->npend)
        st = add_values(dst, s->pend, s->npend, &added);
    return st;
}

kpi_status kpi__sks_view(const kpi__skstore *a, const kpi__skstore *b, const kpi_sketch_options *o,
                         kpi_sketch **out, bool *owned)
{
    if (!b && a->npend == 0 && a->sk) {
        *out = a->sk;
        *owned = false;
        return KPI_OK;
    }
    kpi_sketch *n = NULL;
    kpi_status st = kpi_sketch_new(&n, o);
    if (st == KPI_OK)
        st = absorb(n, a);
    if (st == KPI_OK && b)
        st = absorb(n, b);
    if (st != KPI_OK) {
        kpi_sketch_free(n);
        return st;
    }
    *out = n;
    *owned = true;
    return KPI_OK;
}
