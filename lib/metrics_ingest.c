/*
 * metrics_ingest.c - the columnar hot path: n rows of (agent, event, value,
 * time) from caller-owned arrays into the cells, and the same split over
 * threads with per-thread accumulators merged at the end.
 */
#include <stdio.h>
#include <string.h>

#include "metrics_internal.h"

/*
 * Largest agent index and largest event code (excused bit cleared) of a
 * batch, 16 bytes at a time with the compiler's portable vector types (the
 * plain loops are not vectorised at -O2): the batch is checked at memory
 * speed.
 */
typedef uint32_t kpi__v4u32 __attribute__((vector_size(16)));
typedef int16_t kpi__v8i16 __attribute__((vector_size(16)));

static void batch_maxima(const uint32_t *agent, const uint16_t *event, size_t n, uint32_t *amax,
                         unsigned *emax)
{
    kpi__v4u32 va = {0, 0, 0, 0};
    kpi__v8i16 ve = {0, 0, 0, 0, 0, 0, 0, 0};
    const kpi__v8i16 code = {0x7fff, 0x7fff, 0x7fff, 0x7fff, 0x7fff, 0x7fff, 0x7fff, 0x7fff};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        kpi__v4u32 a0, a1;
        kpi__v8i16 e;
        memcpy(&a0, agent + i, sizeof a0);
        memcpy(&a1, agent + i + 4, sizeof a1);
        memcpy(&e, event + i, sizeof e);
        kpi__v4u32 m = (kpi__v4u32)(va > a0);
        va = (va & m) | (a0 & ~m);
        m = (kpi__v4u32)(va > a1);
        va = (va & m) | (a1 & ~m);
        e &= code; /* non-negative as int16 */
        kpi__v8i16 me = (kpi__v8i16)(ve > e);
        ve = (ve & me) | (e & ~me);
    }
    uint32_t a = 0;
    unsigned e = 0;
    for (int k = 0; k < 4; k++)
        a = va[k] > a ? va[k] : a;
    for (int k = 0; k < 8; k++)
        e = (unsigned)ve[k] > e ? (unsigned)ve[k] : e;
    for (; i < n; i++) {
        unsigned c = event[i] & ~KPI_EVENT_EXCUSED;
        a = agent[i] > a ? agent[i] : a;
        e = c > e ? c : e;
    }
    *amax = a;
    *emax = e;
}

/* Checks the whole batch before anything is added; grows the agent range. */
static kpi_status check_batch(kpi_metrics *m, const uint32_t *agent, const uint16_t *event,
                              size_t n)
{
    uint32_t amax;
    unsigned emax;
    batch_maxima(agent, event, n, &amax, &emax);
    /* codes below the first undefined one are all defined: the usual case needs no more */
    const uint64_t defined = m->s->defined;
    const unsigned dense = ~defined ? (unsigned)__builtin_ctzll(~defined) : 64;
    bool bad = n && (emax >= dense || amax >= m->max_agents);
    if (bad && n && amax < m->max_agents) { /* gaps between defined codes: look closer */
        uint64_t seen = 0;
        bool high = false;
        for (size_t i = 0; i < n; i++) {
            unsigned c = event[i] & ~KPI_EVENT_EXCUSED;
            high |= c >= KPI_EVENT_MAX;
            seen |= UINT64_C(1) << (c & 63);
        }
        bad = high || (seen & ~defined) != 0;
    }
    if (bad) {
        for (size_t i = 0; i < n; i++) {
            unsigned c = event[i] & ~KPI_EVENT_EXCUSED;
            if (c >= KPI_EVENT_MAX || !(defined >> c & 1)) {
                kpi__fail(KPI_EINVAL, "row %zu: event code %u is not a defined event kind", i, c);
                kpi__error_set_position(0, 0, (long long)i);
                return KPI_EINVAL;
            }
            if (agent[i] >= m->max_agents) {
                kpi__fail(KPI_ELIMIT, "row %zu: agent index %u is not below max_agents (%u)", i,
                          (unsigned)agent[i], (unsigned)m->max_agents);
                kpi__error_set_position(0, 0, (long long)i);
                return KPI_ELIMIT;
            }
        }
    }
    if (n && (size_t)amax + 1 > m->agents) {
        kpi_status st = kpi__metrics_reserve(m, (size_t)amax + 1);
        if (st != KPI_OK)
            return st;
        m->agents = (size_t)amax + 1;
    }
    return KPI_OK;
}

/* Where the rows of the current period go. */
typedef struct {
    uint64_t *cells;
    kpi__qstore *stores;
    kpi__skstore *sketches;
    uint64_t start, span; /* the period holds t when (uint64)t - start < span */
    int64_t key;
    bool made;            /* the move made the period (it has no row yet) */
    uint32_t slot0;       /* staged slots of its stores start here (0 but in
                           * a chunk of interleaved periods) */
} cursor;

/* After a failure at a period's first row: the period the move made goes
 * again, so a failed batch leaves no empty period behind. */
static void cursor_undo(kpi_metrics *m, const cursor *cur)
{
    size_t at;
    if (cur->made && kpi__metrics_period_at(m, cur->key, false, &at) == KPI_OK)
        kpi__metrics_period_remove(m, at);
}

/* Key of the period holding instant @t (0 without time grouping). */
static int64_t period_key_of(const kpi_metrics *m, int64_t t)
{
    return m->period == KPI_PERIOD_ALL
               ? 0
               : kpi__period_key(m->period, kpi__local_day(t, m->offset_min));
}

/* The period with @key, made when missing; *made says which (for cursor_undo). */
static kpi_status period_find_or_make(kpi_metrics *m, int64_t key, size_t *at, bool *made)
{
    kpi_status st = kpi__metrics_period_at(m, key, false, at);
    *made = st == KPI_ENOTFOUND;
    return *made ? kpi__metrics_period_at(m, key, true, at) : st;
}

/* The cursor on period @at; @made says whether the caller just made it. */
static cursor cursor_at(const kpi_metrics *m, size_t at, bool made)
{
    const kpi__mperiod *p = &m->periods[at];
    cursor cur = {p->cells,
                  p->stores,
                  p->sketches,
                  (uint64_t)p->start_ms,
                  (uint64_t)p->end_ms - (uint64_t)p->start_ms,
                  p->key,
                  made,
                  0};
    if (m->period == KPI_PERIOD_ALL)
        cur.span = UINT64_MAX;
    return cur;
}

static kpi_status cursor_move(kpi_metrics *m, int64_t t, cursor *cur)
{
    size_t at;
    bool made;
    kpi_status st = period_find_or_make(m, period_key_of(m, t), &at, &made);
    if (st == KPI_OK)
        *cur = cursor_at(m, at, made);
    return st;
}

/* Whether rows need the period test: a time column and time grouping. */
static bool rows_timed(const kpi_metrics *m, const int64_t *time)
{
    return time && m->period != KPI_PERIOD_ALL;
}

/*
 * Quantile values (exact or sketched) of a chunk of rows on their way to
 * their stores: appended in row order (sequential writes), then moved
 * store by store into buffers whose room was reserved before the window of
 * chunks began.
 * Appending straight to 10 000 buffers from the hot loop costs a cache
 * miss a value.
 */
typedef struct {
    uint32_t *slot;     /* the store in its period: agent * (Q + K) + kpi__op_slot() */
    int64_t *val;
    size_t n, cap;
    uint32_t *incoming; /* per store: values the window may bring */
    int64_t **next;     /* per store with room reserved: where its next value goes */
} qstage;

/*
 * The extra ops of one record; on failure nothing of the record stays.
 * @stage NULL: quantile values go straight to their stores' buffers;
 * otherwise to the stage, as slot @qbase + kpi__op_slot() (cannot fail).
 * Inlined into the row loops: a call saving and restoring registers for
 * every row with a threshold count cost more than the ops.
 */
static inline __attribute__((always_inline)) kpi_status
apply_ops(const kpi__schema *s, const kpi__op *op, const kpi__op *end, uint64_t *c,
          kpi__qstore *stores, size_t qbase, qstage *stage, kpi__skstore *sketches, int64_t v)
{
    for (const kpi__op *o = op; o < end; o++) {
        const bool pass = kpi__op_passes(o, v);
        switch (o->op) {
        case KPI__OP_Q:
        case KPI__OP_SK:
            if (pass && stage) { /* room reserved: cannot fail */
                stage->slot[stage->n] = (uint32_t)(qbase + kpi__op_slot(s, o));
                stage->val[stage->n++] = v;
            } else if (pass) {
                kpi_status st = o->op == KPI__OP_Q
                                    ? kpi__qs_append(&stores[o->off], v)
                                    : kpi__sks_append(&sketches[o->off], v, &s->skopts[o->off]);
                if (st != KPI_OK) { /* only without a stage: staged appends cannot fail */
                    for (const kpi__op *u = op; u < o; u++) /* the earlier appends */
                        if (kpi__op_passes(u, v)) {
                            if (u->op == KPI__OP_Q)
                                stores[u->off].npend--;
                            else
                                sketches[u->off].npend--;
                        }
                    return st;
                }
            }
            break;
        case KPI__OP_CNT:
            c[o->off] += pass;
            break;
        case KPI__OP_SUM:
            kpi__sum_add64(c + o->off, c + o->hi_word, pass ? v : 0);
            break;
        case KPI__OP_MAXU: {
            uint64_t k = (uint64_t)v ^ o->mask;
            if (pass && k > c[o->off])
                c[o->off] = k;
            break;
        }
        default: { /* KPI__OP_SQ: saturates into its flag, identically in any order */
            uint64_t *w = c + o->off;
            kpi__i128 r;
            if (!pass || w[2])
                break;
            if (__builtin_add_overflow(kpi__pair_get(w), (kpi__i128)v * v, &r)) {
                kpi__pair_set(w, 0);
                w[2] = 1;
            } else {
                kpi__pair_set(w, r);
            }
            break;
        }
        }
    }
    return KPI_OK;
}

/* Rows ahead whose cell line is fetched early: cells are random accesses
 * into megabytes, and the loop would otherwise wait on each. */
#define PREFETCH 16
/* Periods a row loop keeps at hand besides its current one: enough for a
 * year of months in no time order (with 4, twelve interleaved months cost
 * calendar arithmetic on most rows: 2.4 times the time). */
#define RECENT 16

/* Index of a record's event variant in kpi__schema.hot and .desc. */
static inline unsigned variant(unsigned e)
{
    return ((e & ~(unsigned)KPI_EVENT_EXCUSED) << 1) | (e >> 15);
}

/* One record's count and sum; @c is the count's word, @word its offset in the cell. */
static inline __attribute__((always_inline)) void add_base(const kpi__schema *s, uint64_t *c,
                                                           uint32_t word, int64_t v)
{
    int64_t sum;
    if (KPI__UNLIKELY(__builtin_add_overflow((int64_t)c[1], v, &sum)))
        kpi__sum_carry(c - word + s->hi_of[word + 1], v);
    c[1] = (uint64_t)sum;
    c[0]++;
}

/*
 * Adds checked rows; *done = rows fully added (all of them on success).
 * Inlined twice, with @timed constant, so the untimed loop has no period
 * test at all; the period's bounds and cells stay in registers.
 */
static inline __attribute__((always_inline)) kpi_status
run_rows(kpi_metrics *m, const uint32_t *agent, const uint16_t *event, const int64_t *value,
         const int64_t *time, size_t n, cursor cur, qstage *shared, size_t *done, bool timed)
{
    /* the stage in a local copy, as in qstage_flush() */
    qstage local = shared ? *shared : (qstage){0};
    qstage *const stage = shared ? &local : NULL;
    const kpi__schema *s = m->s;
    const size_t W = s->words;
    const uint32_t *hot = s->hot;
    kpi_status st = KPI_OK;
    size_t i = 0, first = 0; /* first: the current period's first row here */
    uint64_t *cells = cur.cells;
    uint64_t start = cur.start, span = cur.span;
    uint32_t slot0 = cur.slot0;
    /* Each row's word (offset from the period's cells) and hot entry are
     * computed once, PREFETCH rows ahead, when its line is fetched. */
    size_t ring_off[PREFETCH];
    uint32_t ring_hot[PREFETCH];
    /* the current period, at[ci], and those left last, for rows in no
     * time order: finding a period and its bounds from a time costs more
     * than the row (a move only changes ci: no cursor is copied) */
    cursor at[RECENT + 1];
    at[0] = cur;
    size_t nat = 1, ci = 0, oldest = 0;
    for (size_t j = 0; j < n && j < PREFETCH; j++) {
        ring_hot[j] = hot[variant(event[j])];
        ring_off[j] = agent[j] * W + (ring_hot[j] & KPI__HOT_WORD);
        __builtin_prefetch(cells + ring_off[j], 1);
    }
    for (; i < n; i++) {
        if (timed && KPI__UNLIKELY((uint64_t)time[i] - start >= span)) {
            at[ci].made = false; /* it has rows now */
            size_t k = 0;
            while (k < nat && (k == ci || (uint64_t)time[i] - at[k].start >= at[k].span))
                k++;
            if (k == nat) { /* a free place, else that of the one kept longest */
                k = nat > RECENT ? oldest++ % nat : nat;
                cursor moved;
                if ((st = cursor_move(m, time[i], &moved)) != KPI_OK)
                    goto out;
                at[k] = moved;
                nat += k == nat;
            }
            ci = k;
            cells = at[ci].cells;
            start = at[ci].start;
            span = at[ci].span;
            slot0 = at[ci].slot0;
            first = i;
        }
        const uint32_t h = ring_hot[i % PREFETCH];
        uint64_t *word = cells + ring_off[i % PREFETCH];
        if (KPI__LIKELY(i + PREFETCH < n)) {
            const size_t j = i + PREFETCH;
            const uint32_t hj = hot[variant(event[j])];
            const size_t off = agent[j] * W + (hj & KPI__HOT_WORD);
            /* rows in no time order: fetch row j's line in its own period
             * when it is one kept at hand (its offset stays relative: row
             * j adds it to the cells of its period when its turn comes) */
            const uint64_t *cj = cells;
            if (timed && KPI__UNLIKELY((uint64_t)time[j] - start >= span))
                for (size_t k = 0; k < nat; k++)
                    if ((uint64_t)time[j] - at[k].start < at[k].span)
                        cj = at[k].cells;
            __builtin_prefetch(cj + off, 1);
            ring_hot[j % PREFETCH] = hj;
            ring_off[j % PREFETCH] = off;
        }
        if (stage) { /* a kind whose only op is an unfiltered quantile: staged without a branch */
            stage->slot[stage->n] = (uint32_t)(slot0 + agent[i] * (s->stores + s->sketches) +
                                               s->desc[variant(event[i])].q1);
            stage->val[stage->n] = value[i];
            stage->n += (h & KPI__HOT_QONLY) != 0;
        }
        if (KPI__UNLIKELY(h & (stage ? KPI__HOT_OPS : KPI__HOT_OPS | KPI__HOT_QONLY))) {
            const kpi__evdesc *d = &s->desc[variant(event[i])];
            const size_t a = agent[i];
            st = apply_ops(s, s->ops + d->op_begin, s->ops + d->op_end, cells + a * W,
                           at[ci].stores + a * s->stores,
                           slot0 + a * (s->stores + s->sketches), stage,
                           at[ci].sketches + a * s->sketches, value[i]);
            if (st != KPI_OK) {
                if (i == first)
                    cursor_undo(m, &at[ci]);
                goto out;
            }
        }
        add_base(s, word, h & KPI__HOT_WORD, value[i]);
    }
out:
    if (shared)
        shared->n = local.n;
    *done = i;
    return st;
}

/*
 * The first row of [from, n) whose time is outside [start, start + span),
 * or n. Blocks of rows are tested without a branch per row (the largest
 * time - start, unsigned, of each block against span, so the test runs at
 * about the speed of reading the column), and the block holding such a
 * row is scanned again for it.
 */
static size_t period_end(const int64_t *time, size_t from, size_t n, uint64_t start,
                         uint64_t span)
{
    enum { BLOCK = 1024 };
    size_t i = from;
    for (; i + BLOCK <= n; i += BLOCK) {
        uint64_t far0 = 0, far1 = 0; /* the farthest from start, two rows at a time */
        for (size_t r = i; r < i + BLOCK; r += 2) {
            const uint64_t d0 = (uint64_t)time[r] - start, d1 = (uint64_t)time[r + 1] - start;
            far0 = d0 > far0 ? d0 : far0;
            far1 = d1 > far1 ? d1 : far1;
        }
        if ((far0 > far1 ? far0 : far1) >= span)
            break;
    }
    while (i < n && (uint64_t)time[i] - start < span)
        i++;
    return i;
}

/* Rows through run_rows() without staging: those up to the first row's
 * period's end without the period test (found first, at the speed of
 * reading the time column), the rest with it. */
static kpi_status run_span(kpi_metrics *m, const uint32_t *agent, const uint16_t *event,
                           const int64_t *value, const int64_t *time, size_t n, size_t *done)
{
    const bool timed = rows_timed(m, time);
    cursor cur;
    kpi_status st = n ? cursor_move(m, timed ? time[0] : 0, &cur) : KPI_OK;
    if (st != KPI_OK || n == 0) {
        *done = 0;
        return st;
    }
    const size_t end = timed ? period_end(time, 0, n, cur.start, cur.span) : n;
    st = run_rows(m, agent, event, value, NULL, end, cur, NULL, done, false);
    if (st != KPI_OK || end == n)
        return st;
    cur.made = false; /* it has rows now */
    size_t rest;
    st = run_rows(m, agent + end, event + end, value + end, time + end, n - end, cur, NULL, &rest,
                  true);
    *done += rest;
    return st;
}

/* Rows per staged chunk, the batches too small to be worth staging, and the
 * most values a window may bring one exact store (far more than a period
 * of anyone's records; kept so that no count can wrap and no buffer pass
 * kpi__qs_reserve's limit of 2^31 values) or one sketch store (its pending
 * buffer). An exact store may pass its memory bound within a window:
 * lanes_settle() compacts it after. */
#define QCHUNK 262144
#define QSTAGE_MIN 16384
#define QSTORE_ROOM (UINT32_C(1) << 30)
_Static_assert((QSTORE_ROOM & (QSTORE_ROOM - 1)) == 0, "qstage_count_one tests it with an or");
#define SKETCH_ROOM KPI__SKS_PEND_MAX

/* The most values a window may bring slot @slot; @room: an exact store's. */
static inline uint32_t slot_room(const kpi__schema *s, uint32_t slot, uint32_t room)
{
    return slot < s->stores ? room : SKETCH_ROOM;
}

static void qstage_free(qstage *q)
{
    kpi__free(q->slot);
    kpi__free(q->val);
    kpi__free(q->incoming);
    kpi__free(q->next);
}

/* Moves the staged values into the room reserved for them, in row order,
 * through the stores' next free slots (a table small enough to stay in
 * cache, where the stores' headers are not), fetching each slot a few
 * values ahead. */
static void qstage_flush(qstage *q)
{
    /* in locals: the stores through next may alias *q for all the compiler
     * knows (a lane's stage is shared with its thread), so q's fields would
     * be read again after each value */
    const uint32_t *slot = q->slot;
    const int64_t *val = q->val;
    int64_t **next = q->next;
    const size_t n = q->n;
    for (size_t k = 0; k < n; k++) {
        if (KPI__LIKELY(k + PREFETCH < n))
            __builtin_prefetch(next[slot[k + PREFETCH]], 1);
        *next[slot[k]]++ = val[k];
    }
    q->n = 0;
}

/* The pending buffer and count of slot @j (kpi__op_slot) of agent @a. */
static inline void slot_pending(const kpi__schema *s, const cursor *pc, size_t a, size_t j,
                                int64_t **pend, uint32_t **npend)
{
    const size_t Q = s->stores, K = s->sketches;
    if (j < Q) {
        *pend = pc->stores[a * Q + j].pend;
        *npend = &pc->stores[a * Q + j].npend;
    } else {
        *pend = pc->sketches[a * K + j - Q].pend;
        *npend = &pc->sketches[a * K + j - Q].npend;
    }
}

/*
 * Counts what rows [from, *end) may bring each store (every row of a kind
 * with a quantile op counts, passing its filter or not), cutting *end
 * short after the first row that fills a store (@room values for an exact
 * one; a period's end is cut already). Inlined twice, with @sketches
 * constant.
 */
static inline __attribute__((always_inline)) void
qstage_count(const kpi__schema *s, uint32_t *incoming, const uint32_t *agent,
             const uint16_t *event, size_t from, size_t *end, uint32_t room, bool sketches)
{
    const size_t Q = s->stores, P = Q + s->sketches;
    for (size_t r = from; r < *end; r++) {
        const kpi__evdesc *d = &s->desc[variant(event[r])];
        /* without a branch: a row with no quantile op adds 0 to its agent's
         * first store (q1 is 0 then); more ops than one are rare */
        uint32_t *first = &incoming[agent[r] * P + d->q1];
        const uint32_t k = *first + (d->nq != 0);
        *first = k;
        bool full = k >= (sketches ? slot_room(s, d->q1, room) : room);
        for (uint32_t j = 1; KPI__UNLIKELY(j < d->nq); j++) {
            const uint32_t slot = kpi__op_slot(s, &s->ops[d->op_begin + j]);
            full |= ++incoming[agent[r] * P + slot] >= slot_room(s, slot, room);
        }
        if (KPI__UNLIKELY(full)) {
            *end = r + 1;
            break;
        }
    }
}

/*
 * qstage_count() for a schema whose appends all go to store s->qone:
 * the store's address does not wait for the event's table entry, and no
 * row branches. False (counts left half made) when some store would reach
 * @room (a power of two): the caller counts again with qstage_count(),
 * which cuts the window there.
 */
static bool qstage_count_one(const kpi__schema *s, uint32_t *incoming, const uint32_t *agent,
                             const uint16_t *event, size_t from, size_t end, uint32_t room)
{
    const size_t P = s->stores;
    uint32_t *first = incoming + s->qone, seen = 0;
    for (size_t r = from; r < end; r++) {
        const uint32_t k = first[agent[r] * P] + s->qadd[variant(event[r])];
        first[agent[r] * P] = k;
        seen |= k;
    }
    return seen < room; /* room is a power of two: no k reached it */
}

/*
 * Counts what the window from row @from may bring each store into
 * @incoming (@nstores counters), cutting *end at the end of the period @pc
 * holds (when @time) and after the first row that fills a store (@room
 * values for an exact one, a power of two). The period's end is found a
 * span of rows at a time, so a window cut short by a full store costs no
 * test of the rows after it.
 */
static void qstage_count_window(const kpi__schema *s, uint32_t *incoming, size_t nstores,
                                const uint32_t *agent, const uint16_t *event,
                                const int64_t *time, size_t from, size_t *end, const cursor *pc,
                                uint32_t room)
{
    enum { SPAN = 65536 };
    memset(incoming, 0, nstores * sizeof *incoming);
    if (s->qone >= 0) { /* counted the quick way unless some store fills */
        size_t r = from, stop = *end;
        bool fits = true;
        while (fits && r < stop) {
            size_t next = stop - r > SPAN ? r + SPAN : stop;
            if (time && (next = period_end(time, r, next, pc->start, pc->span)) < r + SPAN)
                stop = next;
            fits = qstage_count_one(s, incoming, agent, event, r, next, room);
            r = next;
        }
        if (fits) {
            *end = stop;
            return;
        }
        memset(incoming, 0, nstores * sizeof *incoming);
    }
    for (size_t r = from; r < *end;) {
        size_t next = *end - r > SPAN ? r + SPAN : *end, cut;
        if (time && (next = period_end(time, r, next, pc->start, pc->span)) < r + SPAN)
            *end = next;
        cut = next;
        if (s->sketches) /* two copies, so that the usual case tests no room per slot */
            qstage_count(s, incoming, agent, event, r, &cut, room, true);
        else
            qstage_count(s, incoming, agent, event, r, &cut, room, false);
        if (cut < next) {
            *end = cut;
            return;
        }
        r = next;
    }
}

/*
 * The rows from @from on whose periods last fewer than @least rows each
 * (0 when the period of row @from lasts that long): times interleaving
 * periods, which staging would pay a window for each.
 */
static size_t short_runs(const kpi_metrics *m, const int64_t *time, size_t from, size_t n,
                         size_t least)
{
    /* the bounds of the last periods seen: interleaved rows come back to
     * the same few periods, and a period's bounds cost calendar arithmetic */
    uint64_t starts[RECENT], spans[RECENT];
    size_t seen = 0;
    size_t i = from;
    while (i < n) {
        size_t k = 0;
        while (k < seen && k < RECENT && (uint64_t)time[i] - starts[k] >= spans[k])
            k++;
        if (k == seen || k == RECENT) {
            int64_t start, end;
            kpi__period_bounds(m->period, m->offset_min, period_key_of(m, time[i]), &start,
                               &end);
            k = seen++ % RECENT;
            starts[k] = (uint64_t)start;
            spans[k] = (uint64_t)end - (uint64_t)start;
        }
        const uint64_t start = starts[k], span = spans[k];
        size_t j = i + 1;
        while (j < n && j - i < least && (uint64_t)time[j] - (uint64_t)start < span)
            j++;
        if (j - i >= least) /* a long run starts at i */
            break;
        i = j;
    }
    return i - from;
}

/* Most periods a chunk of interleaved rows may hold (each takes a slice
 * of counts and next slots as large as the lane's). */
#define INTERLEAVE_MAX 16

/* Room for chunks of interleaved rows (run_interleaved()), made when
 * first needed. */
typedef struct {
    uint32_t *agent;
    uint16_t *event;
    int64_t *value;
    uint8_t *period;       /* per row of the chunk: its period's index */
    uint32_t *incoming;    /* [most * stores]: each period's counts */
    int64_t **next;        /* [most * stores] */
    cursor cur[INTERLEAVE_MAX];
    size_t rows[INTERLEAVE_MAX];
    size_t most;           /* periods a chunk may hold */
} interleave;

/*
 * One worker of a staged window: a share of its rows, counted, staged and
 * moved into the room reserved for them by their own stage. The first
 * lane adds its rows' cells to the caller's accumulator, the others to a
 * helper's (added to the caller's once the batch is done), while all move
 * their values into the caller's stores: each lane's values go after the
 * values of the lanes before it, so every buffer holds its values in row
 * order, as one lane would leave them.
 */
typedef struct {
    kpi_metrics *m;      /* whose cells the lane's rows add to */
    qstage q;
    cursor cur;          /* the window's period in m */
    const cursor *pc;    /* the window's period in the caller's accumulator */
    const uint32_t *agent;
    const uint16_t *event;
    const int64_t *value;
    size_t from, end;    /* the lane's rows */
    uint32_t room;       /* the most values they may bring one exact store (a power of two) */
} lane;

static void interleave_free(interleave *iv)
{
    kpi__free(iv->agent);
    kpi__free(iv->event);
    kpi__free(iv->value);
    kpi__free(iv->period);
    kpi__free(iv->incoming);
    kpi__free(iv->next);
    memset(iv, 0, sizeof *iv);
}

/*
 * Whether @iv has room for interleaved chunks of up to @rows rows over
 * @nstores stores (made when first needed: as many periods a chunk as fit
 * 4 Mi counts, their slots within 32 bits). False when it cannot have it:
 * such rows then go the direct way.
 */
static bool interleave_ready(interleave *iv, size_t rows, size_t nstores)
{
    if (iv->agent)
        return true;
    const size_t most = ((size_t)1 << 22) / (nstores ? nstores : 1);
    iv->most = most < 1 ? 1 : most > INTERLEAVE_MAX ? INTERLEAVE_MAX : most;
    if ((uint64_t)iv->most * nstores >= UINT32_MAX)
        return false;
    iv->agent = kpi__malloc(rows * sizeof *iv->agent);
    iv->event = kpi__malloc(rows * sizeof *iv->event);
    iv->value = kpi__malloc(rows * sizeof *iv->value);
    iv->period = kpi__malloc(rows);
    iv->incoming = kpi__malloc(iv->most * nstores * sizeof *iv->incoming);
    iv->next = kpi__malloc(iv->most * nstores * sizeof *iv->next);
    if (iv->agent && iv->event && iv->value && iv->period && iv->incoming && iv->next)
        return true;
    interleave_free(iv);
    return false;
}

/* Each lane's stage (rows of up to QCHUNK), counts and next slots for
 * @nstores stores; false on ENOMEM (the lanes then freed). */
static bool lanes_alloc(lane *lanes, unsigned nlanes, size_t rows, size_t most, size_t nstores)
{
    bool ok = true;
    unsigned t = 0;
    for (; ok && t < nlanes; t++) {
        qstage *q = &lanes[t].q;
        *q = (qstage){kpi__malloc(rows * most * sizeof *q->slot),
                      kpi__malloc(rows * most * sizeof *q->val), 0, rows * most,
                      kpi__malloc(nstores * sizeof *q->incoming),
                      kpi__malloc(nstores * sizeof *q->next)};
        ok = q->slot && q->val && q->incoming && q->next;
    }
    while (!ok && t > 0)
        qstage_free(&lanes[--t].q);
    return ok;
}

/* Counts the lane's rows (their period is known: no time test). */
static void *lane_count(void *arg)
{
    lane *l = arg;
    const kpi__schema *s = l->m->s;
    qstage_count_window(s, l->q.incoming, l->m->agents * (s->stores + s->sketches), l->agent,
                        l->event, NULL, l->from, &l->end, l->pc, l->room);
    return NULL;
}

/* Adds the lane's rows, QCHUNK at a time through its stage (cannot fail:
 * the rows stay in one period and their values go to reserved room). */
static void *lane_rows(void *arg)
{
    lane *l = arg;
    for (size_t i = l->from; i < l->end;) {
        const size_t stop = l->end - i > QCHUNK ? i + QCHUNK : l->end;
        size_t did;
        run_rows(l->m, l->agent + i, l->event + i, l->value + i, NULL, stop - i, l->cur, &l->q,
                 &did, false);
        qstage_flush(&l->q);
        i += did;
    }
    return NULL;
}

/*
 * Reserves room in every store of the window's period *pc for what the
 * lanes counted, and sets each lane's next slots: its values go after the
 * room counted for the lanes before it. All that can fail happens here,
 * before the rows.
 */
static kpi_status lanes_reserve(kpi_metrics *m, lane *lanes, unsigned nlanes, const cursor *pc)
{
    const kpi__schema *s = m->s;
    const size_t Q = s->stores, K = s->sketches;
    for (size_t a = 0, i = 0; a < m->agents; a++)
        for (size_t j = 0; j < Q + K; j++, i++) {
            uint32_t total = 0; /* each lane counts below its room: no wrap */
            for (unsigned t = 0; t < nlanes; t++)
                total += lanes[t].q.incoming[i];
            if (!total)
                continue;
            /* a sketch store may move its pending values into the sketch first */
            kpi_status st = j < Q ? kpi__qs_reserve(&pc->stores[a * Q + j], total)
                                  : kpi__sks_reserve(&pc->sketches[a * K + j - Q], total,
                                                     &s->skopts[j - Q]);
            if (st != KPI_OK)
                return st;
            int64_t *pend;
            uint32_t *npend;
            slot_pending(s, pc, a, j, &pend, &npend);
            int64_t *next = pend + *npend;
            for (unsigned t = 0; t < nlanes; t++) {
                lanes[t].q.next[i] = next;
                next += lanes[t].q.incoming[i];
            }
        }
    return KPI_OK;
}

/*
 * After a window's rows: each store that took values counts them, and an
 * exact store that passed its memory bound is compacted. A lane's room
 * was counted for every record of a kind with a quantile op, but only
 * records passing the op's filter brought a value: a lane's values move
 * down to close the room the lanes before it left unused, so the buffer
 * holds them in row order with no gap.
 */
static void lanes_settle(const lane *lanes, unsigned nlanes, const cursor *pc, size_t agents,
                         kpi__scratch *tmp)
{
    const kpi__schema *s = lanes[0].m->s;
    const size_t Q = s->stores, P = Q + s->sketches;
    for (size_t a = 0, i = 0; a < agents; a++)
        for (size_t j = 0; j < P; j++, i++) {
            uint64_t total = 0;
            for (unsigned t = 0; t < nlanes; t++)
                total += lanes[t].q.incoming[i];
            if (!total)
                continue;
            int64_t *pend;
            uint32_t *npend;
            slot_pending(s, pc, a, j, &pend, &npend);
            int64_t *to = pend + *npend, *start = to;
            for (unsigned t = 0; t < nlanes; t++) {
                const size_t took = (size_t)(lanes[t].q.next[i] - start);
                if (to != start)
                    memmove(to, start, took * sizeof *to);
                to += took;
                start += lanes[t].q.incoming[i];
            }
            *npend = (uint32_t)(to - pend);
            if (j < Q)
                kpi__qs_settle(&pc->stores[a * Q + j], tmp);
        }
}

/*
 * The fewest rows worth a thread: each costs cells of its own for every
 * agent (zeroed, then added to the caller's) and, as a lane, a pass over
 * every store. Measured for a month of 10 000 agents on 2 cores: two
 * threads lost to one up to about 200 rows per agent and thread, and won
 * from about 400.
 */
static size_t thread_rows(const kpi_metrics *m)
{
    return m->agents > 4 ? 256 * m->agents : 1024;
}

/*
 * One window: rows from @from in the period of row @from (*pc, made in
 * @m) up to its end or where a store would fill; returns where it ended.
 * With helpers, the rows are shared among 1 + @nhelpers lanes working in
 * parallel (only without sketches: their small room must be counted over
 * the window in order). On failure (before any row) nothing is added.
 */
static kpi_status run_window(kpi_metrics *m, kpi_metrics *const *helpers, unsigned nhelpers,
                             lane *lanes, const uint32_t *agent, const uint16_t *event,
                             const int64_t *value, const int64_t *time, size_t from, size_t n,
                             bool timed, kpi__scratch *tmp, size_t *end)
{
    const kpi__schema *s = m->s;
    cursor pc;
    kpi_status st = cursor_move(m, time ? time[from] : 0, &pc);
    if (st != KPI_OK)
        return st;
    *end = n;
    unsigned nlanes = 1;
    if (nhelpers && !s->sketches) { /* the window's end first, then a share of it per lane */
        if (timed)
            *end = period_end(time, from, n, pc.start, pc.span);
        const size_t shares = (*end - from) / thread_rows(m);
        nlanes = shares < 1 ? 1 : shares < nhelpers + 1 ? (unsigned)shares : nhelpers + 1;
    }
    unsigned shift = 0; /* each lane's room: a power of two, all of them within QSTORE_ROOM */
    while ((1u << shift) < nlanes)
        shift++;
    for (unsigned t = 0; t < nlanes; t++) {
        lane *l = &lanes[t];
        l->m = t ? helpers[t - 1] : m;
        l->pc = &pc;
        l->agent = agent;
        l->event = event;
        l->value = value;
        l->from = from + (*end - from) * t / nlanes;
        l->end = from + (*end - from) * (t + 1) / nlanes;
        l->room = QSTORE_ROOM >> shift;
        if (t && (st = cursor_move(l->m, time ? time[from] : 0, &l->cur)) != KPI_OK)
            break;
    }
    if (st == KPI_OK && nlanes == 1) {
        qstage_count_window(s, lanes[0].q.incoming, m->agents * (s->stores + s->sketches), agent,
                            event, timed ? time : NULL, from, end, &pc, QSTORE_ROOM);
        lanes[0].end = *end;
    } else if (st == KPI_OK) {
        const size_t nstores = m->agents * (s->stores + s->sketches);
        kpi__parallel(lanes, sizeof *lanes, nlanes, lane_count);
        for (unsigned t = 0; t < nlanes; t++) /* a lane cut short ends the window */
            if (lanes[t].end < from + (*end - from) * (t + 1) / nlanes) {
                *end = lanes[t].end;
                for (unsigned u = t + 1; u < nlanes; u++) {
                    lanes[u].from = lanes[u].end = *end;
                    memset(lanes[u].q.incoming, 0, nstores * sizeof *lanes[u].q.incoming);
                }
                break;
            }
    }
    if (st == KPI_OK)
        st = lanes_reserve(m, lanes, nlanes, &pc);
    if (st != KPI_OK) {
        cursor_undo(m, &pc); /* no row of it went in: it does not exist yet */
        return st;
    }
    lanes[0].cur = pc;
    lanes[0].cur.made = false; /* rows cannot fail here */
    kpi__parallel(lanes, sizeof *lanes, nlanes, lane_rows);
    lanes_settle(lanes, nlanes, &pc, m->agents, tmp);
    return KPI_OK;
}

/* The cells of each helper's periods added to @m's (every period a lane
 * used was made in @m first; a helper's period without its twin in @m
 * has no rows). Cannot fail. */
static void add_helper_cells(kpi_metrics *m, kpi_metrics *const *helpers, unsigned nhelpers)
{
    const size_t W = m->s->words;
    for (unsigned h = 0; h < nhelpers; h++)
        for (size_t i = 0; i < helpers[h]->nperiods; i++) {
            const kpi__mperiod *p = &helpers[h]->periods[i];
            size_t at;
            if (kpi__metrics_period_at(m, p->key, false, &at) != KPI_OK)
                continue;
            for (size_t a = 0; a < helpers[h]->agents; a++)
                kpi__cell_words_add(m->s, m->periods[at].cells + a * W, p->cells + a * W);
        }
}

/*
 * Rows whose periods interleave (an unsorted quarter), staged a chunk at a
 * time instead of appended value by value: each chunk's rows are gathered
 * period by period (in row order within each) into columns of the lane's
 * own, every period of the chunk is made and every store's room reserved
 * before any row goes in, then each period's rows run as a window's do.
 * The chunk goes in whole or not at all, so after a failure the rows
 * before the offset are exactly those in. A chunk that would hold more
 * periods than the counts can take (days in no order) ends at the first
 * row of one too many, and one shorter than @least rows, or whose rows
 * would fill a store, goes the direct way.
 */
static kpi_status run_interleaved(kpi_metrics *m, lane *l, interleave *iv, const uint32_t *agent,
                                  const uint16_t *event, const int64_t *value,
                                  const int64_t *time, size_t n, size_t least, kpi__scratch *tmp,
                                  size_t *done)
{
    const kpi__schema *s = m->s;
    const size_t ns = m->agents * (s->stores + s->sketches);
    l->m = m; /* the first lane adds to the caller's accumulator */
    size_t c0 = 0;
    kpi_status st = KPI_OK;
    while (st == KPI_OK && c0 < n) {
        size_t c1 = n - c0 > QCHUNK ? c0 + QCHUNK : n, np = 0, last = 0;
        /* 1. each row's period among the chunk's, made when new */
        for (size_t r = c0; st == KPI_OK && r < c1; r++) {
            const uint64_t t = (uint64_t)time[r];
            if (np == 0 || t - iv->cur[last].start >= iv->cur[last].span) {
                last = 0;
                while (last < np && t - iv->cur[last].start >= iv->cur[last].span)
                    last++;
                if (last == iv->most) { /* one period too many */
                    c1 = r;
                    break;
                }
                if (last == np) {
                    if ((st = cursor_move(m, time[r], &iv->cur[np])) != KPI_OK)
                        break;
                    iv->rows[np++] = 0;
                }
            }
            iv->period[r - c0] = (uint8_t)last;
            iv->rows[last]++;
        }
        bool whole = st == KPI_OK && c1 - c0 >= least;
        /* 2. gathered period by period; 3. counted, each period's slice of
         * the counts apart */
        size_t at[INTERLEAVE_MAX];
        for (size_t k = 0, sum = 0; whole && k < np; k++) {
            at[k] = sum;
            sum += iv->rows[k];
        }
        for (size_t r = c0; whole && r < c1; r++) {
            const size_t j = at[iv->period[r - c0]]++;
            iv->agent[j] = agent[r];
            iv->event[j] = event[r];
            iv->value[j] = value[r];
        }
        for (size_t k = 0, from = 0; whole && k < np; from += iv->rows[k++]) {
            size_t cut = iv->rows[k];
            memset(iv->incoming + k * ns, 0, ns * sizeof *iv->incoming);
            if (s->sketches)
                qstage_count(s, iv->incoming + k * ns, iv->agent + from, iv->event + from, 0,
                             &cut, QSTORE_ROOM, true);
            else
                qstage_count(s, iv->incoming + k * ns, iv->agent + from, iv->event + from, 0,
                             &cut, QSTORE_ROOM, false);
            whole = cut == iv->rows[k];
        }
        /* 4. room for all of it: a view of the lane on each period's slice */
        lane view = *l;
        for (size_t k = 0; whole && st == KPI_OK && k < np; k++) {
            view.q.incoming = iv->incoming + k * ns;
            view.q.next = iv->next + k * ns;
            st = lanes_reserve(m, &view, 1, &iv->cur[k]);
        }
        if (st != KPI_OK || !whole) { /* nothing of the chunk went in */
            while (np > 0)
                cursor_undo(m, &iv->cur[--np]);
            if (st != KPI_OK)
                break;
            size_t did; /* the direct way: a chunk of days, or a store filling */
            st = run_span(m, agent + c0, event + c0, value + c0, time + c0, c1 - c0, &did);
            c0 += did;
            continue;
        }
        /* 5. each period's rows, as a window's: they cannot fail now */
        int64_t **next = l->q.next;
        l->q.next = iv->next;
        for (size_t k = 0, from = 0; k < np; from += iv->rows[k++]) {
            cursor c = iv->cur[k];
            c.made = false;
            c.slot0 = (uint32_t)(k * ns);
            size_t did;
            run_rows(m, iv->agent + from, iv->event + from, iv->value + from, NULL, iv->rows[k],
                     c, &l->q, &did, false);
        }
        qstage_flush(&l->q);
        l->q.next = next;
        for (size_t k = 0; k < np; k++) {
            view.q.incoming = iv->incoming + k * ns;
            view.q.next = iv->next + k * ns;
            lanes_settle(&view, 1, &iv->cur[k], m->agents, tmp);
        }
        c0 = c1;
    }
    *done = c0;
    return st;
}

/*
 * For accumulators with exact quantiles: window by window, each in one
 * period (so the rows need no period test) and as long as no store would
 * take more than its room, with room reserved once for all of it: a
 * month's batch of exact quantiles is one window, so each buffer is
 * allocated once at its final size (growing it value by value cost copies
 * and fresh pages twice over). The window's rows go through staging
 * QCHUNK at a time, shared among 1 + @nhelpers lanes (helpers: empty
 * accumulators like @m, for the cells of the other lanes' rows).
 */
static kpi_status run_staged(kpi_metrics *m, kpi_metrics *const *helpers, unsigned nhelpers,
                             const uint32_t *agent, const uint16_t *event, const int64_t *value,
                             const int64_t *time, size_t n, size_t *done)
{
    const kpi__schema *s = m->s;
    const size_t rows = n < QCHUNK ? n : QCHUNK, most = s->most_nq ? s->most_nq : 1;
    const size_t nstores = m->agents * (s->stores + s->sketches);
    lane lanes[64];
    interleave iv = {0}; /* for rows in no time order, the first lane's */
    const bool allocated = lanes_alloc(lanes, nhelpers + 1, rows, most, nstores);
    kpi_status st = allocated ? KPI_OK : KPI_ENOMEM;
    kpi__scratch tmp = {NULL, 0}; /* for stores settle compacts */
    /* A window costs a pass over every store (counts, room, settling):
     * rows whose periods change more often than this go the direct way. */
    const size_t short_run = nstores / 8 > 1024 ? nstores / 8 : 1024;
    const bool timed = rows_timed(m, time);
    size_t i = 0;
    while (st == KPI_OK && i < n) {
        const size_t mixed = timed ? short_runs(m, time, i, n, short_run) : 0;
        size_t did = 0;
        if (mixed && interleave_ready(&iv, rows, nstores))
            st = run_interleaved(m, &lanes[0], &iv, agent + i, event + i, value + i, time + i, mixed,
                                 short_run, &tmp, &did);
        else if (mixed)
            st = run_span(m, agent + i, event + i, value + i, time + i, mixed, &did);
        else
            st = run_window(m, helpers, nhelpers, lanes, agent, event, value, time, i, n, timed,
                            &tmp, &did);
        i = mixed ? i + did : st == KPI_OK ? did : i;
    }
    for (unsigned t = 0; allocated && t <= nhelpers; t++)
        qstage_free(&lanes[t].q);
    interleave_free(&iv);
    add_helper_cells(m, helpers, nhelpers);
    kpi__free(tmp.v);
    *done = i;
    return st;
}

/* Whether a batch of @n rows is staged (its quantile values moved into
 * reserved room; staged slots are 32-bit store indexes). */
static bool batch_staged(const kpi_metrics *m, size_t n)
{
    const uint64_t slots = (uint64_t)m->agents * (m->s->stores + m->s->sketches);
    return slots && n >= QSTAGE_MIN && slots < UINT32_MAX;
}

/* Adds checked rows, staged with 1 + @nhelpers lanes or straight. */
static kpi_status run_batch(kpi_metrics *m, kpi_metrics *const *helpers, unsigned nhelpers,
                            const uint32_t *agent, const uint16_t *event, const int64_t *value,
                            const int64_t *time, size_t n)
{
    size_t done;
    kpi_status st = batch_staged(m, n)
                        ? run_staged(m, helpers, nhelpers, agent, event, value, time, n, &done)
                        : run_span(m, agent, event, value, time, n, &done);
    if (st != KPI_OK)
        kpi__error_set_position(0, 0, (long long)done);
    return st;
}

static kpi_status check_args(const kpi_metrics *m, const uint32_t *agent, const uint16_t *event,
                             const int64_t *value, const int64_t *time, size_t n, const char *fn)
{
    if (!m)
        return kpi__fail(KPI_EINVAL, "%s: m must not be NULL", fn);
    if (n && (!agent || !event || !value))
        return kpi__fail(KPI_EINVAL, "%s: the agent, event and value columns must not be NULL",
                         fn);
    if (n && !time && m->period != KPI_PERIOD_ALL)
        return kpi__fail(KPI_EINVAL, "%s: a %s accumulator needs the time column", fn,
                         kpi_period_name(m->period));
    return KPI_OK;
}

/*
 * After a failed batch: the agent range grown for the whole batch shrinks
 * back to what the rows before the error's offset need, so the accumulator
 * is exactly the one those rows make (buffers reserved for the agents given
 * back are empty and freed).
 */
static kpi_status settle_agents(kpi_metrics *m, size_t before, const uint32_t *agent, size_t n,
                                kpi_status st)
{
    if (st == KPI_OK || m->agents <= before)
        return st;
    long long off = kpi_error_offset(kpi_error_last());
    size_t done = off > 0 ? ((unsigned long long)off < n ? (size_t)off : n) : 0, need = before;
    for (size_t i = 0; i < done; i++)
        need = (size_t)agent[i] + 1 > need ? (size_t)agent[i] + 1 : need;
    const size_t Q = m->s->stores;
    for (size_t p = 0; p < m->nperiods; p++)
        for (size_t j = need * Q; j < m->agents * Q; j++)
            kpi__qs_free(&m->periods[p].stores[j]);
    m->agents = need < m->agents ? need : m->agents;
    return st;
}

kpi_status kpi_metrics_add_batch(kpi_metrics *m, const uint32_t *agent, const uint16_t *event,
                                 const int64_t *value, const int64_t *time_ms, size_t n)
{
    kpi__error_reset();
    kpi_status st = check_args(m, agent, event, value, time_ms, n, "kpi_metrics_add_batch");
    if (st != KPI_OK)
        return st;
    return kpi__metrics_add(m, agent, event, value, time_ms, n);
}

kpi_status kpi__metrics_add(kpi_metrics *m, const uint32_t *agent, const uint16_t *event,
                            const int64_t *value, const int64_t *time_ms, size_t n)
{
    const size_t before = m->agents;
    kpi_status st = check_batch(m, agent, event, n);
    if (st == KPI_OK)
        st = run_batch(m, NULL, 0, agent, event, value, time_ms, n);
    return settle_agents(m, before, agent, n, st);
}

/* ---- threads -------------------------------------------------------------- */

typedef struct {
    kpi_metrics *m;
    const uint32_t *agent;
    const uint16_t *event;
    const int64_t *value, *time;
    size_t n, first;
    kpi_status status;
    long long offset;
    char message[256];
} slice;

static void *slice_run(void *arg)
{
    slice *sl = arg;
    kpi__error_reset();
    sl->status = run_batch(sl->m, NULL, 0, sl->agent, sl->event, sl->value, sl->time, sl->n);
    if (sl->status != KPI_OK) {
        const kpi_error *e = kpi_error_last();
        snprintf(sl->message, sizeof sl->message, "%s", kpi_error_message(e));
        sl->offset = kpi_error_offset(e) + (long long)sl->first;
    }
    return NULL;
}

/*
 * Exact quantiles without sketches: each window's rows shared among
 * @threads lanes that move their values straight into the stores' room
 * (nothing to copy or merge afterwards but the other lanes' cells), so
 * the buffers end as one thread leaves them.
 */
static kpi_status add_lanes(kpi_metrics *m, const uint32_t *agent, const uint16_t *event,
                            const int64_t *value, const int64_t *time, size_t n,
                            unsigned threads)
{
    kpi_metrics *helpers[63];
    unsigned nhelpers = 0;
    kpi_status st = KPI_OK;
    while (st == KPI_OK && nhelpers < threads - 1)
        if ((st = kpi__metrics_new_like(m, m->agents, &helpers[nhelpers])) == KPI_OK)
            nhelpers++;
    if (st == KPI_OK)
        st = run_batch(m, helpers, nhelpers, agent, event, value, time, n);
    else
        kpi__error_set_position(0, 0, 0); /* no row went in */
    for (unsigned h = 0; h < nhelpers; h++)
        kpi_metrics_free(helpers[h]);
    return st;
}

kpi_status kpi_metrics_add_batch_threads(kpi_metrics *m, const uint32_t *agent,
                                         const uint16_t *event, const int64_t *value,
                                         const int64_t *time_ms, size_t n, unsigned threads)
{
    kpi__error_reset();
    const char *fn = "kpi_metrics_add_batch_threads";
    kpi_status st = check_args(m, agent, event, value, time_ms, n, fn);
    if (st != KPI_OK)
        return st;
    if (threads < 1 || threads > 64)
        return kpi__fail(KPI_EINVAL, "%s: threads is %u; use 1 to 64", fn, threads);
    const size_t before = m->agents;
    st = check_batch(m, agent, event, n);
    if (st != KPI_OK)
        return st;
    const size_t worth = n / thread_rows(m); /* small batches are not worth a thread */
    if (threads > worth)
        threads = worth > 1 ? (unsigned)worth : 1;
    if (threads == 1)
        return settle_agents(m, before, agent, n,
                             run_batch(m, NULL, 0, agent, event, value, time_ms, n));
    if (batch_staged(m, n) && m->s->stores && !m->s->sketches)
        return settle_agents(m, before, agent, n, add_lanes(m, agent, event, value, time_ms, n,
                                                           threads));
    slice sl[64];
    memset(sl, 0, sizeof sl);
    for (unsigned t = 0; t < threads; t++) {
        size_t a = n * t / threads, b = n * (t + 1) / threads;
        sl[t] = (slice){t == 0 ? m : NULL, agent + a, event + a, value + a, time_ms ? time_ms + a : NULL,
                        b - a, a, KPI_OK, -1, ""};
        if (t > 0 && (st = kpi__metrics_new_like(m, m->agents, &sl[t].m)) != KPI_OK)
            break;
    }
    if (st == KPI_OK)
        kpi__parallel(sl, sizeof *sl, threads, slice_run);
    /*
     * The rows before the first failing slice's offset are all in once the
     * slices up to it (its own prefix included) are merged, in order; a
     * merge that fails leaves m as it was, so the offset is then its slice's
     * first row.
     */
    if (st == KPI_OK)
        kpi__error_reset(); /* the slices' own failures are told below */
    else
        kpi__error_set_position(0, 0, 0); /* no slice ran */
    unsigned first_bad = threads;
    for (unsigned t = 0; st == KPI_OK && t < threads && first_bad == threads; t++)
        if (sl[t].status != KPI_OK)
            first_bad = t;
    for (unsigned t = 1; st == KPI_OK && t < threads && t <= first_bad; t++)
        if ((st = kpi__metrics_merge(m, sl[t].m)) != KPI_OK)
            kpi__error_set_position(0, 0, (long long)sl[t].first);
    if (st == KPI_OK && first_bad < threads) {
        st = kpi__fail(sl[first_bad].status, "%s", sl[first_bad].message);
        kpi__error_set_position(0, 0, sl[first_bad].offset);
    }
    for (unsigned t = 1; t < threads; t++)
        kpi_metrics_free(sl[t].m);
    return settle_agents(m, before, agent, n, st);
}
