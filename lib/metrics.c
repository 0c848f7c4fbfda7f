/*
 * metrics.c - the accumulator object: cells per (period, agent), periods
 * kept in time order, growth, reset and compaction.
 */
#include <string.h>

#include "metrics_internal.h"

kpi_status kpi__metrics_new_schema(kpi__schema *s, kpi_period period, int32_t offset_min,
                                   uint32_t max_agents, size_t agents, kpi_metrics **out)
{
    kpi_metrics *m = kpi__calloc(1, sizeof *m);
    if (!m)
        return KPI_ENOMEM;
    m->s = kpi__schema_ref(s);
    m->period = period;
    m->offset_min = offset_min;
    m->max_agents = max_agents;
    m->agents = m->agents_cap = agents;
    *out = m;
    return KPI_OK;
}

kpi_status kpi__metrics_new_like(const kpi_metrics *proto, size_t agents, kpi_metrics **out)
{
    return kpi__metrics_new_schema(proto->s, proto->period, proto->offset_min, proto->max_agents,
                                   agents, out);
}

kpi_status kpi_metrics_new(kpi_metrics **out, const kpi_metric_registry *reg,
                           const kpi_metrics_options *options)
{
    kpi__error_reset();
    if (!out || !reg)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_new: out and reg must not be NULL");
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    if (options) {
        if (options->size < sizeof o)
            return kpi__fail(KPI_EINVAL, "kpi_metrics_new: options->size is %zu; set options "
                             "with KPI_METRICS_OPTIONS_INIT", options->size);
        o = *options;
    }
    if (!kpi__period_valid(o.period))
        return kpi__fail(KPI_EINVAL, "kpi_metrics_new: options.period %d is not a KPI_PERIOD_*",
                         (int)o.period);
    if (o.utc_offset_minutes < -1080 || o.utc_offset_minutes > 1080)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_new: options.utc_offset_minutes %d is outside "
                         "-1080..1080 (UTC-18:00..UTC+18:00)", (int)o.utc_offset_minutes);
    if (o.max_agents == 0 || o.agents > o.max_agents)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_new: options.agents (%u) must not exceed "
                         "options.max_agents (%u), which must not be 0", (unsigned)o.agents,
                         (unsigned)o.max_agents);
    kpi__schema *s;
    kpi_status st = kpi__schema_new(reg, &s);
    if (st != KPI_OK)
        return st;
    st = kpi__metrics_new_schema(s, o.period, o.utc_offset_minutes, o.max_agents, o.agents, out);
    kpi__schema_unref(s);
    return st;
}

static void period_free(const kpi_metrics *m, kpi__mperiod *p)
{
    if (p->stores)
        for (size_t i = 0; i < p->cap_agents * m->s->stores; i++)
            kpi__qs_free(&p->stores[i]);
    if (p->sketches)
        for (size_t i = 0; i < p->cap_agents * m->s->sketches; i++)
            kpi__sks_free(&p->sketches[i]);
    kpi__free(p->sketches);
    kpi__free(p->stores);
    kpi__free(p->cells);
}

void kpi_metrics_reset(kpi_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nperiods; i++)
        period_free(m, &m->periods[i]);
    m->nperiods = 0;
}

void kpi_metrics_free(kpi_metrics *m)
{
    if (!m)
        return;
    kpi_metrics_reset(m);
    kpi__free(m->periods);
    kpi__schema_unref(m->s);
    kpi__free(m);
}

const kpi_metric_registry *kpi_metrics_registry(const kpi_metrics *m)
{
    return m ? m->s->reg : NULL;
}

size_t kpi_metrics_agent_count(const kpi_metrics *m)
{
    return m ? m->agents : 0;
}

size_t kpi_metrics_period_count(const kpi_metrics *m)
{
    return m ? m->nperiods : 0;
}

/* Grows one period's arrays from @old to @cap agents, zeroing the new part. */
static bool period_grow(const kpi_metrics *m, kpi__mperiod *p, size_t old, size_t cap)
{
    size_t W = m->s->words, Q = m->s->stores;
    uint64_t *cells = kpi__reallocarray(p->cells, cap, W * sizeof *cells);
    if (!cells)
        return false;
    p->cells = cells;
    memset(cells + old * W, 0, (cap - old) * W * sizeof *cells);
    if (Q) {
        kpi__qstore *st = kpi__reallocarray(p->stores, cap, Q * sizeof *st);
        if (!st)
            return false;
        p->stores = st;
        memset(st + old * Q, 0, (cap - old) * Q * sizeof *st);
    }
    size_t K = m->s->sketches;
    if (K) {
        kpi__skstore *sk = kpi__reallocarray(p->sketches, cap, K * sizeof *sk);
        if (!sk)
            return false;
        p->sketches = sk;
        memset(sk + old * K, 0, (cap - old) * K * sizeof *sk);
    }
    return true;
}

kpi_status kpi__metrics_reserve(kpi_metrics *m, size_t agents)
{
    if (agents <= m->agents_cap)
        return KPI_OK;
    size_t cap = m->agents_cap + m->agents_cap / 2;
    cap = cap < agents ? agents : cap;
    cap = cap > m->max_agents ? agents : cap;
    /* a period grown before a later one fails keeps its larger, zeroed arrays */
    for (size_t i = 0; i < m->nperiods; i++) {
        kpi__mperiod *p = &m->periods[i];
        if (p->cap_agents < cap) {
            if (!period_grow(m, p, p->cap_agents, cap))
                return KPI_ENOMEM;
            p->cap_agents = cap;
        }
    }
    m->agents_cap = cap;
    return KPI_OK;
}

/* Binary search: the index of @key, or where it would go. */
static size_t period_search(const kpi_metrics *m, int64_t key, bool *found)
{
    size_t lo = 0, hi = m->nperiods;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->periods[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < m->nperiods && m->periods[lo].key == key;
    return lo;
}

kpi_status kpi__metrics_period_at(kpi_metrics *m, int64_t key, bool create, size_t *index)
{
    bool found;
    size_t at = period_search(m, key, &found);
    if (found || !create) {
        *index = at;
        return found ? KPI_OK : KPI_ENOTFOUND;
    }
    if (m->nperiods == m->capperiods) {
        size_t cap = m->capperiods ? 2 * m->capperiods : 4;
        kpi__mperiod *grown = kpi__reallocarray(m->periods, cap, sizeof *grown);
        if (!grown)
            return KPI_ENOMEM;
        m->periods = grown;
        m->capperiods = cap;
    }
    kpi__mperiod p;
    memset(&p, 0, sizeof p);
    p.key = key;
    kpi__period_bounds(m->period, m->offset_min, key, &p.start_ms, &p.end_ms);
    if (m->agents_cap && !period_grow(m, &p, 0, m->agents_cap)) {
        period_free(m, &p);
        return KPI_ENOMEM;
    }
    p.cap_agents = m->agents_cap;
    memmove(&m->periods[at + 1], &m->periods[at], (m->nperiods - at) * sizeof p);
    m->periods[at] = p;
    m->nperiods++;
    *index = at;
    return KPI_OK;
}

void kpi__metrics_period_remove(kpi_metrics *m, size_t index)
{
    period_free(m, &m->periods[index]);
    memmove(&m->periods[index], &m->periods[index + 1],
            (m->nperiods - index - 1) * sizeof m->periods[0]);
    m->nperiods--;
}

kpi_status kpi_metrics_period_find(const kpi_metrics *m, int64_t time_ms, size_t *index)
{
    kpi__error_reset();
    if (!m || !index)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_period_find: m and index must not be NULL");
    int64_t key = kpi__period_key(m->period, kpi__local_day(time_ms, m->offset_min));
    bool found;
    size_t at = period_search(m, key, &found);
    if (!found)
        return kpi__fail(KPI_ENOTFOUND, "no data in the %s holding time %lld",
                         kpi_period_name(m->period), (long long)time_ms);
    *index = at;
    return KPI_OK;
}

kpi_status kpi_metrics_period_range(const kpi_metrics *m, size_t index, int64_t *start_ms,
                                    int64_t *end_ms)
{
    kpi__error_reset();
    if (!m || !start_ms || !end_ms)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_period_range: arguments must not be NULL");
    if (index >= m->nperiods)
        return kpi__fail(KPI_ENOTFOUND, "no period %zu (there are %zu)", index, m->nperiods);
    *start_ms = m->periods[index].start_ms;
    *end_ms = m->periods[index].end_ms;
    return KPI_OK;
}

size_t kpi_metrics_period_label(const kpi_metrics *m, size_t index, char *buf, size_t size)
{
    if (!m || index >= m->nperiods || (!buf && size))
        return 0;
    return kpi__period_format(m->period, m->periods[index].key, buf, size);
}

bool kpi__cell_empty(const kpi_metrics *m, const kpi__mperiod *p, size_t agent)
{
    size_t W = m->s->words, Q = m->s->stores;
    for (size_t w = 0; w < W; w++)
        if (p->cells[agent * W + w])
            return false;
    for (size_t q = 0; q < Q; q++)
        if (!kpi__qs_empty(&p->stores[agent * Q + q]))
            return false;
    for (size_t k = 0; k < m->s->sketches; k++)
        if (!kpi__sks_empty(&p->sketches[agent * m->s->sketches + k]))
            return false;
    return true;
}

kpi_status kpi_metrics_compact(kpi_metrics *m)
{
    kpi__error_reset();
    if (!m)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_compact: m must not be NULL");
    kpi__scratch tmp = {NULL, 0}; /* one sort buffer for every store */
    for (size_t i = 0; i < m->nperiods; i++)
        for (size_t j = 0; j < m->agents * m->s->stores; j++) {
            kpi__qstore *s = &m->periods[i].stores[j];
            kpi_status st = kpi__qs_compact_with(s, &tmp);
            if (st != KPI_OK) {
                kpi__free(tmp.v);
                return st;
            }
            kpi__free(s->pend); /* reads need no buffer; ingestion regrows it */
            s->pend = NULL;
            s->cappend = 0;
        }
    kpi__free(tmp.v);
    for (size_t i = 0; i < m->nperiods; i++)
        for (size_t j = 0; j < m->agents * m->s->sketches; j++) {
            kpi__skstore *s = &m->periods[i].sketches[j];
            kpi_status st = kpi__sks_flush(s, &m->s->skopts[j % m->s->sketches]);
            if (st != KPI_OK)
                return st;
            kpi__free(s->pend);
            s->pend = NULL;
            s->cappend = 0;
        }
    return KPI_OK;
}

size_t kpi_metrics_memory(const kpi_metrics *m)
{
    if (!m)
        return 0;
    size_t total = sizeof *m + m->capperiods * sizeof m->periods[0];
    for (size_t i = 0; i < m->nperiods; i++) {
        const kpi__mperiod *p = &m->periods[i];
        total += p->cap_agents * m->s->words * sizeof(uint64_t);
        for (size_t j = 0; j < p->cap_agents * m->s->stores; j++)
            total += kpi__qs_bytes(&p->stores[j]);
        for (size_t j = 0; j < p->cap_agents * m->s->sketches; j++)
            total += kpi__sks_bytes(&p->sketches[j]);
    }
    return total;
}

/* ---- cell arithmetic shared by merge and roll-up ------------------------ */

bool kpi__cell_words_fit(const kpi__schema *s, const uint64_t *dst, const uint64_t *src)
{
    for (uint32_t w = 0; w < s->words; w++) {
        switch (s->wkind[w]) {
        case KPI__W_ADD: {
            uint64_t r;
            if (__builtin_add_overflow(dst[w], src[w], &r))
                return false;
            break;
        }
        case KPI__W_SUM_LO: {
            kpi__i128 r;
            uint32_t h = s->hi_of[w];
            if (__builtin_add_overflow(kpi__sum_get(dst[w], dst[h]), kpi__sum_get(src[w], src[h]),
                                       &r))
                return false;
            break;
        }
        default: /* sums of squares saturate into their flag; min/max cannot overflow */
            break;
        }
    }
    return true;
}

void kpi__cell_words_add(const kpi__schema *s, uint64_t *dst, const uint64_t *src)
{
    for (uint32_t w = 0; w < s->words; w++) {
        switch (s->wkind[w]) {
        case KPI__W_ADD:
            dst[w] += src[w];
            break;
        case KPI__W_SUM_LO: {
            uint32_t h = s->hi_of[w];
            kpi__sum_set(dst + w, dst + h, kpi__sum_get(dst[w], dst[h]) + kpi__sum_get(src[w], src[h]));
            break;
        }
        case KPI__W_MAXU:
            dst[w] = src[w] > dst[w] ? src[w] : dst[w];
            break;
        case KPI__W_SQ_LO: {
            kpi__i128 r;
            bool over = dst[w + 2] || src[w + 2] ||
                        __builtin_add_overflow(kpi__pair_get(dst + w), kpi__pair_get(src + w), &r);
            kpi__pair_set(dst + w, over ? 0 : r);
            dst[w + 2] = over;
            break;
        }
        default: /* high words and flags are handled with their low word */
            break;
        }
    }
}

/* ---- renumbering agents ----------------------------------------------------- */

kpi_status kpi__metrics_relabel(kpi_metrics *m, const uint32_t *map, size_t agents)
{
    const size_t W = m->s->words, Q = m->s->stores, K = m->s->sketches;
    const size_t cap = agents > m->agents_cap ? agents : m->agents_cap;
    const size_t np = m->nperiods;
    uint64_t **cells = kpi__calloc(np ? np : 1, sizeof *cells);
    kpi__qstore **stores = kpi__calloc(np ? np : 1, sizeof *stores);
    kpi__skstore **sketches = kpi__calloc(np ? np : 1, sizeof *sketches);
    bool ok = cells && stores && sketches;
    for (size_t i = 0; ok && i < np; i++) {
        cells[i] = kpi__calloc(cap * W > 0 ? cap * W : 1, sizeof **cells);
        stores[i] = Q ? kpi__calloc(cap * Q, sizeof **stores) : NULL;
        sketches[i] = K ? kpi__calloc(cap * K, sizeof **sketches) : NULL;
        ok = cells[i] && (!Q || stores[i]) && (!K || sketches[i]);
    }
    if (!ok) {
        for (size_t i = 0; cells && stores && sketches && i < np; i++) {
            kpi__free(cells[i]);
            kpi__free(stores[i]);
            kpi__free(sketches[i]);
        }
        kpi__free(cells);
        kpi__free(stores);
        kpi__free(sketches);
        return KPI_ENOMEM;
    }
    for (size_t i = 0; i < np; i++) {
        kpi__mperiod *p = &m->periods[i];
        for (size_t a = 0; a < m->agents; a++) {
            memcpy(cells[i] + (size_t)map[a] * W, p->cells + a * W, W * sizeof *cells[i]);
            if (Q) /* the stores move: their buffers change owner */
                memcpy(stores[i] + (size_t)map[a] * Q, p->stores + a * Q, Q * sizeof *stores[i]);
            if (K)
                memcpy(sketches[i] + (size_t)map[a] * K, p->sketches + a * K,
                       K * sizeof *sketches[i]);
        }
        kpi__free(p->cells);
        kpi__free(p->stores);
        kpi__free(p->sketches);
        p->cells = cells[i];
        p->stores = stores[i];
        p->sketches = sketches[i];
        p->cap_agents = cap;
    }
    kpi__free(cells);
    kpi__free(stores);
    kpi__free(sketches);
    m->agents_cap = cap;
    m->agents = agents;
    return KPI_OK;
}
