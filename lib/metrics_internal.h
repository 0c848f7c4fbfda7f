/*
 * metrics_internal.h - what the metrics files share: the registry's
 * entries, the compiled cell layout (schema), the exact-quantile store and
 * the accumulator itself.
 */
#ifndef KPISCORE_METRICS_INTERNAL_H
#define KPISCORE_METRICS_INTERNAL_H

#include <stdatomic.h>

#include "internal.h"
#include "kpiscore/metrics.h"
#include "kpiscore/sketch.h"
#include "quantile_internal.h"

#define KPI__TERMS_MAX 16
#define KPI__ID_MAX 64

/* ---- registry (metrics_registry.c) ------------------------------------- */

typedef struct {
    kpi_metric_def def; /* its pointers point into this entry's copies */
    char *id;
    char *name;
    kpi_metric_term *num;
    kpi_metric_term *den;
} kpi__metric_entry;

struct kpi_metric_registry {
    char *events[KPI_EVENT_MAX];   /* names; NULL where no kind is defined */
    bool event_owned[KPI_EVENT_MAX];
    kpi__metric_entry *metrics;
    size_t count, cap;
};

/* Deep copy. */
kpi_status kpi__registry_clone(const kpi_metric_registry *reg, kpi_metric_registry **out);
/* FNV-1a 64 of what the definitions compute (ids, kinds, terms, events; not labels). */
uint64_t kpi__registry_fingerprint(const kpi_metric_registry *reg);
bool kpi__event_defined(const kpi_metric_registry *reg, unsigned code);

/* FNV-1a 64 */
#define KPI__FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define KPI__FNV_PRIME UINT64_C(0x100000001b3)
static inline uint64_t kpi__fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * KPI__FNV_PRIME;
    return h;
}

/* ---- exact-quantile store (metrics_quantile.c) -------------------------- */

typedef struct {
    int64_t value;
    uint64_t count;
} kpi__run;

/*
 * Values of one (agent, period, population): runs sorted by value, plus
 * values appended since the last compaction, unsorted.
 */
typedef struct {
    int64_t *pend;
    kpi__run *runs;
    uint32_t npend, cappend;
    uint32_t nruns, capruns;
} kpi__qstore;

/* A sorted run view of a store: the store's own runs, or a merged copy. */
typedef struct {
    const kpi__run *runs;
    size_t n;
    kpi__run *owned;
} kpi__qview;

void kpi__qs_free(kpi__qstore *s);
bool kpi__qs_empty(const kpi__qstore *s);
size_t kpi__qs_bytes(const kpi__qstore *s);
/* Scratch space reused across compactions. */
typedef struct {
    int64_t *v;
    size_t cap;
} kpi__scratch;
/* Sorts the pending values into the runs (the buffer is kept, empty). */
kpi_status kpi__qs_compact(kpi__qstore *s);
kpi_status kpi__qs_compact_with(kpi__qstore *s, kpi__scratch *tmp);
/* Merging without sorting: true when @src has no runs and its values fit
 * @dst's buffer within the bound; then kpi__qs_reserve(dst, src->npend)
 * (may fail; within the bound it only grows the buffer) and take (cannot
 * fail) copy them over unsorted. */
bool kpi__qs_takes_unsorted(const kpi__qstore *dst, const kpi__qstore *src);
void kpi__qs_take_unsorted(kpi__qstore *dst, const kpi__qstore *src);
/* Sorted view of everything in @s (allocates only when values are pending). */
kpi_status kpi__qs_view(const kpi__qstore *s, kpi__qview *v);
void kpi__qview_free(kpi__qview *v);
/* Merged runs of two sorted run arrays into a new exact-size array. */
kpi_status kpi__runs_merge(const kpi__run *a, size_t na, const kpi__run *b, size_t nb,
                           kpi__run **out, size_t *nout);
/* The q quantile of sorted runs, scaled down by @divisor, rounded once. */
kpi_status kpi__runs_quantile(const kpi__run *runs, size_t n, kpi_dec q,
                              kpi_quantile_method method, int64_t divisor, kpi_round mode,
                              kpi_dec *out);
/* The @nq quantiles @q of everything in @s (not empty), scaled down by
 * @divisor, each rounded once. Values not yet sorted are not sorted: the
 * neighbours each quantile needs are selected in a copy. */
kpi_status kpi__qs_quantiles(const kpi__qstore *s, const kpi_dec *q, size_t nq,
                             kpi_quantile_method method, int64_t divisor, kpi_round mode,
                             kpi_dec *out);
/* Sorts @n values ascending; @tmp holds @n more. */
void kpi__sort_i64(int64_t *v, size_t n, int64_t *tmp);

/* Makes room for @k more pending values (compacting first when the buffer
 * is long), so that as many appends need no check. Room past the buffer's
 * bound is given when @k asks for it: a staged window reserves what it
 * brings each store, and kpi__qs_settle() restores the bound after it. */
kpi_status kpi__qs_reserve(kpi__qstore *s, uint32_t k);
/* Brings a store whose buffer passed its bound within a batch back within
 * it: compacts its values when there are more than the bound, and frees or
 * shrinks a buffer still longer than the bound (room a window reserved for
 * records its filter left out). An allocation failure leaves the store
 * valid, over its bound until its next reservation compacts it. @tmp:
 * scratch reused across stores. */
void kpi__qs_settle(kpi__qstore *s, kpi__scratch *tmp);
/* Appends one value; grows or compacts. Out of line: the hot loop calls it. */
kpi_status kpi__qs_append_slow(kpi__qstore *s, int64_t v);
static inline kpi_status kpi__qs_append(kpi__qstore *s, int64_t v)
{
    if (KPI__LIKELY(s->npend < s->cappend)) {
        s->pend[s->npend++] = v;
        return KPI_OK;
    }
    return kpi__qs_append_slow(s, v);
}

/* ---- sketch store (metrics_sketch.c) ------------------------------------ */

/*
 * A sketched quantile of one (agent, period, population): the sketch
 * (made on first use) plus values not yet added to it. The buffer makes
 * the hot path an append that can be taken back, and feeds the sketch in
 * blocks through its fast path.
 */
typedef struct {
    kpi_sketch *sk;
    uint64_t nsk; /* values in sk */
    int64_t *pend;
    uint32_t npend, cappend;
} kpi__skstore;

void kpi__sks_free(kpi__skstore *s);
bool kpi__sks_empty(const kpi__skstore *s);
size_t kpi__sks_bytes(const kpi__skstore *s);
/* Moves the pending values into the sketch (nothing lost on failure). */
kpi_status kpi__sks_flush(kpi__skstore *s, const kpi_sketch_options *o);
/*
 * A sketch holding everything in @a and @b (@b may be NULL): @a's own
 * sketch when nothing needs adding (*owned false), else a new one.
 */
kpi_status kpi__sks_view(const kpi__skstore *a, const kpi__skstore *b, const kpi_sketch_options *o,
                         kpi_sketch **out, bool *owned);
kpi_status kpi__sks_append_slow(kpi__skstore *s, int64_t v, const kpi_sketch_options *o);
/* The most values a sketch store keeps pending. */
#define KPI__SKS_PEND_MAX 256
/* Room for @k more pending values (k <= KPI__SKS_PEND_MAX), flushing the
 * pending ones into the sketch first when they would not all fit (nothing
 * is lost on failure). */
kpi_status kpi__sks_reserve(kpi__skstore *s, uint32_t k, const kpi_sketch_options *o);
static inline kpi_status kpi__sks_append(kpi__skstore *s, int64_t v, const kpi_sketch_options *o)
{
    if (KPI__LIKELY(s->npend < s->cappend)) {
        s->pend[s->npend++] = v;
        return KPI_OK;
    }
    return kpi__sks_append_slow(s, v, o);
}

/* ---- compiled layout (metrics_layout.c) --------------------------------- */

/*
 * A cell is W uint64 words for one (agent, period) plus Q quantile stores.
 * Word kinds say how two cells merge.
 */
enum {
    KPI__W_ADD = 0,   /* a count: add */
    KPI__W_SUM_LO,    /* low word of a 128-bit sum (see kpi__sum_get); its high word
                       * is elsewhere in the cell, at kpi__schema.hi_of[this word] */
    KPI__W_SUM_HI,
    KPI__W_MAXU,      /* an order-preserving key: keep the larger (min/max) */
    KPI__W_SQ_LO,     /* low word of a 128-bit sum of squares; next: high; then its flag */
    KPI__W_SQ_HI,
    KPI__W_STICKY,    /* 1 once the sum of squares passed 2^127 (then kept at 0) */
    KPI__W_PAD        /* keeps the next count 16-byte aligned; always 0 */
};

/* What one record of an event kind does beyond its count and sum. */
enum { KPI__OP_CNT, KPI__OP_SUM, KPI__OP_MAXU, KPI__OP_SQ, KPI__OP_Q, KPI__OP_SK };

typedef struct {
    uint8_t op;
    uint32_t off;      /* word offset, or quantile store index */
    uint32_t hi_word;  /* SUM: word offset of the sum's high word */
    int64_t lo;        /* the record counts when lo <= value <= lo + span */
    uint64_t span;
    uint64_t mask;     /* MAXU: xor giving the order-preserving key */
} kpi__op;

/* Whether @op counts value @v: one unsigned compare, no branch. */
static inline bool kpi__op_passes(const kpi__op *op, int64_t v)
{
    return (uint64_t)v - (uint64_t)op->lo <= op->span;
}

/* Per (code, excused): where its count and sum go and its extra ops. */
typedef struct {
    uint32_t cnt, sum;
    uint32_t op_begin, op_end;
    uint32_t nq;       /* its first nq ops append to quantile stores, exact or sketched */
    uint32_t q1;       /* the first one's slot (kpi__op_slot; when nq > 0) */
} kpi__evdesc;

/*
 * kpi__schema.hot: per event variant, the offset of its count word (its
 * sum follows it) and whether it has extra ops, or a lone unfiltered
 * quantile append: one load in the hot loop.
 */
#define KPI__HOT_OPS UINT32_C(0x80000000)
#define KPI__HOT_QONLY UINT32_C(0x40000000) /* its only op: an unfiltered quantile append */
#define KPI__HOT_WORD UINT32_C(0x3fffffff)

/* A word (count) or word pair (sum) a metric reads, with its sign. */
typedef struct {
    uint32_t off;
    bool sum;
    bool negate;
} kpi__ref;

typedef struct {
    kpi__ref *num, *den;  /* RATIO/TOTAL: num and den; population kinds: sums and counts */
    uint32_t nnum, nden;
    int32_t sq, max, min; /* word offsets, -1 when unused */
    int32_t q;            /* quantile store, -1 when unused */
    int32_t sk;           /* sketch store, -1 when unused */
    int64_t divisor;      /* raw units per reported unit */
} kpi__mcompiled;

typedef struct {
    atomic_size_t refs;
    kpi_metric_registry *reg; /* own copy */
    uint64_t fingerprint;
    uint32_t words, stores;   /* W, Q */
    uint32_t sketches;        /* K: sketch stores per cell */
    kpi_sketch_options *skopts; /* [K] */
    uint8_t *wkind;           /* [words] */
    uint32_t *hi_of;          /* [words]: a SUM_LO word's high word (0 for other kinds) */
    kpi__evdesc desc[2 * KPI_EVENT_MAX]; /* [code * 2 + excused] */
    uint32_t hot[2 * KPI_EVENT_MAX];     /* the hot loop's copy of desc: cnt | KPI__HOT_OPS */
    uint32_t most_nq;                    /* the most quantile appends of one variant */
    /* When every quantile append goes to one exact store per agent (slot
     * qone; no sketches): per variant, 1 if its records append there, else
     * 0, so a window's values per store are counted without a branch.
     * qone is -1 otherwise. */
    int32_t qone;
    uint8_t qadd[2 * KPI_EVENT_MAX];
    kpi__op *ops;
    size_t nops;
    kpi__mcompiled *metrics;  /* [reg->count] */
    uint64_t defined;         /* event codes defined */
} kpi__schema;

/*
 * The slot of a quantile append among its agent's Q + K quantile stores:
 * an exact store's index, or Q + a sketch store's index. Staged ingestion
 * numbers every store of a period agent * (Q + K) + slot.
 */
static inline uint32_t kpi__op_slot(const kpi__schema *s, const kpi__op *o)
{
    return o->op == KPI__OP_Q ? o->off : s->stores + o->off;
}

kpi_status kpi__schema_new(const kpi_metric_registry *reg, kpi__schema **out);
kpi__schema *kpi__schema_ref(kpi__schema *s);
void kpi__schema_unref(kpi__schema *s);

/* ---- periods (metrics_period.c) ----------------------------------------- */

#define KPI__DAY_MS INT64_C(86400000)

bool kpi__period_valid(kpi_period p);
/* Local day number (days since 1970-01-01 in the zone) of instant @t. */
int64_t kpi__local_day(int64_t t, int32_t offset_min);
/* Key (local day of the first day) of the period holding local day @day. */
int64_t kpi__period_key(kpi_period p, int64_t day);
/* [start, end) in UTC ms of the period with key @key, clamped to int64. */
void kpi__period_bounds(kpi_period p, int32_t offset_min, int64_t key, int64_t *start,
                        int64_t *end);
size_t kpi__period_format(kpi_period p, int64_t key, char *buf, size_t size);

/* ---- the accumulator (metrics.c) ---------------------------------------- */

typedef struct {
    int64_t key;
    int64_t start_ms, end_ms;
    size_t cap_agents;    /* >= the accumulator's agents_cap */
    uint64_t *cells;      /* [cap_agents * W] */
    kpi__qstore *stores;  /* [cap_agents * Q] */
    kpi__skstore *sketches; /* [cap_agents * K] */
} kpi__mperiod;

struct kpi_metrics {
    kpi__schema *s;
    kpi_period period;
    int32_t offset_min;
    uint32_t max_agents;
    size_t agents, agents_cap;
    kpi__mperiod *periods;
    size_t nperiods, capperiods;
};

/* An empty accumulator sharing @proto's schema and options. */
/* Drops the ids added to each level (agent, team, centre) after the first
 * @keep[level]: undoes kpi_agents_add() calls made by a failed operation. */
void kpi__agents_truncate(kpi_agents *agents, const size_t keep[3]);

kpi_status kpi__metrics_new_like(const kpi_metrics *proto, size_t agents, kpi_metrics **out);
kpi_status kpi__metrics_new_schema(kpi__schema *s, kpi_period period, int32_t offset_min,
                                   uint32_t max_agents, size_t agents, kpi_metrics **out);
/* Makes room for @agents agent indexes in every period (count unchanged). */
kpi_status kpi__metrics_reserve(kpi_metrics *m, size_t agents);
/* Index of the period with @key; creates it (in key order) when @create. */
kpi_status kpi__metrics_period_at(kpi_metrics *m, int64_t key, bool create, size_t *index);
void kpi__metrics_period_remove(kpi_metrics *m, size_t index);
bool kpi__cell_empty(const kpi_metrics *m, const kpi__mperiod *p, size_t agent);

/* kpi_metrics_add_batch() without resetting the error record (arguments checked). */
kpi_status kpi__metrics_add(kpi_metrics *m, const uint32_t *agent, const uint16_t *event,
                            const int64_t *value, const int64_t *time_ms, size_t n);
/*
 * Renumbers the agents of @m: agent a becomes map[a] (distinct, < @agents).
 * On failure (KPI_ENOMEM) @m is unchanged.
 */
kpi_status kpi__metrics_relabel(kpi_metrics *m, const uint32_t *map, size_t agents);

/* The agent with the @len bytes at @id (no NUL inside), if any. */
bool kpi__agents_lookup(const kpi_agents *agents, const char *id, size_t len, uint32_t *index);

/*
 * Merges @src into @dst, which may take @src's contents instead of copying
 * them when @dst holds no period yet (@src is then left empty).
 */
kpi_status kpi__metrics_absorb(kpi_metrics *dst, kpi_metrics *src);

/* kpi_metrics_merge() without resetting the error record. */
kpi_status kpi__metrics_merge(kpi_metrics *dst, const kpi_metrics *src);

/* Cell words of @src added to @dst: false (nothing changed) on overflow. */
bool kpi__cell_words_fit(const kpi__schema *s, const uint64_t *dst, const uint64_t *src);
void kpi__cell_words_add(const kpi__schema *s, uint64_t *dst, const uint64_t *src);

/*
 * A 128-bit sum is two words apart in the cell: a low word the hot loop
 * updates next to its count, and a high word it touches only when the low
 * word overflows as a signed number (the value then moves by 2^64). The
 * value is lo, read as signed, plus hi * 2^64, modulo 2^128: every 128-bit
 * value has exactly one (lo, hi).
 */
static inline kpi__i128 kpi__sum_get(uint64_t lo, uint64_t hi)
{
    return (kpi__i128)(((kpi__u128)hi << 64) + (kpi__u128)(kpi__i128)(int64_t)lo);
}
static inline void kpi__sum_set(uint64_t *lo, uint64_t *hi, kpi__i128 v)
{
    *lo = (uint64_t)v;
    *hi = (uint64_t)(((kpi__u128)v - (kpi__u128)(kpi__i128)(int64_t)*lo) >> 64);
}
/* The high word's part of adding @v, once lo + v overflowed. */
static inline void kpi__sum_carry(uint64_t *hi, int64_t v)
{
    *hi += v < 0 ? UINT64_MAX : 1;
}
/* Adds a signed 64-bit value (wraps only past 2^127: 2^64 rows). */
static inline void kpi__sum_add64(uint64_t *lo, uint64_t *hi, int64_t v)
{
    int64_t r;
    if (KPI__UNLIKELY(__builtin_add_overflow((int64_t)*lo, v, &r)))
        kpi__sum_carry(hi, v);
    *lo = (uint64_t)r;
}

/* 128-bit two's complement value of the adjacent word pair at @w (sums of squares). */
static inline kpi__i128 kpi__pair_get(const uint64_t *w)
{
    return (kpi__i128)(((kpi__u128)w[1] << 64) | w[0]);
}
static inline void kpi__pair_set(uint64_t *w, kpi__i128 v)
{
    w[0] = (uint64_t)v;
    w[1] = (uint64_t)((kpi__u128)v >> 64);
}

#endif /* KPISCORE_METRICS_INTERNAL_H */
