/*
 * metrics_layout.c - compiles a registry into the layout of one cell: which
 * words count and sum each event kind, which extra words (threshold counts,
 * min/max, sums of squares) and quantile stores the metrics need, and what
 * each record of each kind does to them.
 *
 * Every referenced event kind gets a count and a 128-bit sum; kinds nothing
 * reads share a sink. A record's excused variant shares its kind's words
 * unless some metric leaves excused records out. Filtered aggregates and
 * the values of MIN/MAX/VARIANCE/QUANTILE metrics live in "populations":
 * (event variants, filter) pairs shared by every metric that names them.
 */
#include <string.h>

#include "metrics_internal.h"

typedef struct {
    uint64_t vmask[2]; /* event codes accepted, [0] normal, [1] excused */
    kpi_filter filter;
    int64_t x;
    int32_t cnt, sum, sq, min, max, q;
} pop;

/* A sketch store: one per (population, alpha, buckets). */
typedef struct {
    size_t pop;
    kpi_dec alpha;
    uint32_t buckets;
} skdef;

typedef struct {
    kpi__schema *s;
    uint32_t cap_words;
    pop *pops;
    size_t npops, cap_pops;
    skdef *sks; /* [s->sketches] */
    bool split[KPI_EVENT_MAX];
} builder;

static int32_t alloc_words(builder *b, const uint8_t *kinds, uint32_t n)
{
    kpi__schema *s = b->s;
    if (s->words + n > b->cap_words) {
        uint32_t cap = b->cap_words ? 2 * b->cap_words : 64;
        uint8_t *grown = kpi__realloc(s->wkind, cap);
        if (!grown)
            return -1;
        s->wkind = grown;
        b->cap_words = cap;
    }
    memcpy(s->wkind + s->words, kinds, n);
    s->words += n;
    return (int32_t)(s->words - n);
}

static const uint8_t k_cnt[] = {KPI__W_ADD};
static const uint8_t k_sum[] = {KPI__W_SUM_LO, KPI__W_SUM_HI};
static const uint8_t k_sq[] = {KPI__W_SQ_LO, KPI__W_SQ_HI, KPI__W_STICKY};
static const uint8_t k_maxu[] = {KPI__W_MAXU};

static pop *find_pop(builder *b, const uint64_t vmask[2], kpi_filter filter, int64_t x)
{
    if (filter == KPI_FILTER_NONE)
        x = 0;
    for (size_t i = 0; i < b->npops; i++) {
        pop *p = &b->pops[i];
        if (p->vmask[0] == vmask[0] && p->vmask[1] == vmask[1] && p->filter == filter && p->x == x)
            return p;
    }
    if (b->npops == b->cap_pops) {
        size_t cap = b->cap_pops ? 2 * b->cap_pops : 16;
        pop *grown = kpi__reallocarray(b->pops, cap, sizeof *grown);
        if (!grown)
            return NULL;
        b->pops = grown;
        b->cap_pops = cap;
    }
    pop *p = &b->pops[b->npops++];
    p->vmask[0] = vmask[0];
    p->vmask[1] = vmask[1];
    p->filter = filter;
    p->x = x;
    p->cnt = p->sum = p->sq = p->min = p->max = p->q = -1;
    return p;
}

/* Gives the population's aggregate @field its words; false on ENOMEM. */
static bool need(builder *b, int32_t *field, const uint8_t *kinds, uint32_t n)
{
    if (*field < 0)
        *field = alloc_words(b, kinds, n);
    return *field >= 0;
}

static bool add_ref(kpi__ref **refs, uint32_t *n, uint32_t off, bool sum, bool negate)
{
    kpi__ref *grown = kpi__reallocarray(*refs, *n + 1, sizeof **refs);
    if (!grown)
        return false;
    grown[*n].off = off;
    grown[*n].sum = sum;
    grown[*n].negate = negate;
    *refs = grown;
    (*n)++;
    return true;
}

/* Refs to the per-kind words of the event variants in @vmask. */
static bool base_refs(builder *b, const uint64_t vmask[2], bool sum, bool negate,
                      kpi__ref **refs, uint32_t *n)
{
    for (unsigned e = 0; e < KPI_EVENT_MAX; e++) {
        for (unsigned v = 0; v < 2; v++) {
            if (!(vmask[v] >> e & 1) || (v == 1 && !b->split[e]))
                continue;
            const kpi__evdesc *d = &b->s->desc[2 * e + v];
            if (!add_ref(refs, n, sum ? d->sum : d->cnt, sum, negate))
                return false;
        }
    }
    return true;
}

static void term_vmask(const kpi_metric_term *t, uint64_t vmask[2])
{
    vmask[0] = t->events;
    vmask[1] = (t->flags & KPI_TERM_EXCLUDE_EXCUSED) ? 0 : t->events;
}

/* Count or sum of (vmask, filter): base words when unfiltered, else a population's. */
static bool agg_ref(builder *b, const uint64_t vm[2], kpi_filter filter, int64_t x, bool sum,
                    bool neg, kpi__ref **refs, uint32_t *nrefs)
{
    if (filter == KPI_FILTER_NONE)
        return base_refs(b, vm, sum, neg, refs, nrefs);
    pop *p = find_pop(b, vm, filter, x);
    if (!p)
        return false;
    int32_t *field = sum ? &p->sum : &p->cnt;
    if (!need(b, field, sum ? k_sum : k_cnt, sum ? 2 : 1))
        return false;
    return add_ref(refs, nrefs, (uint32_t)*field, sum, neg);
}

static bool compile_terms(builder *b, const kpi_metric_term *t, size_t n, kpi__ref **refs,
                          uint32_t *nrefs)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t vm[2];
        term_vmask(&t[i], vm);
        if (!agg_ref(b, vm, t[i].filter, t[i].threshold, t[i].agg == KPI_AGG_SUM,
                     (t[i].flags & KPI_TERM_NEGATE) != 0, refs, nrefs))
            return false;
    }
    return true;
}

/* The sketch store of population @p with @d's settings (made when new). */
static int32_t sketch_store(builder *b, const pop *p, const kpi_metric_def *d)
{
    size_t pi = (size_t)(p - b->pops);
    for (uint32_t k = 0; k < b->s->sketches; k++)
        if (b->sks[k].pop == pi && b->sks[k].alpha == d->sketch_alpha &&
            b->sks[k].buckets == d->sketch_buckets)
            return (int32_t)k;
    skdef *grown = kpi__reallocarray(b->sks, b->s->sketches + 1, sizeof *grown);
    if (!grown)
        return -1;
    b->sks = grown;
    b->sks[b->s->sketches] = (skdef){pi, d->sketch_alpha, d->sketch_buckets};
    return (int32_t)b->s->sketches++;
}

static bool compile_metric(builder *b, const kpi_metric_def *d, kpi__mcompiled *c)
{
    c->sq = c->min = c->max = c->q = c->sk = -1;
    static const int64_t divisors[] = {1, 1, 100, 1000, 100, 1};
    c->divisor = divisors[d->unit];
    if (d->kind == KPI_METRIC_TOTAL || d->kind == KPI_METRIC_RATIO)
        return compile_terms(b, d->num, d->num_count, &c->num, &c->nnum) &&
               compile_terms(b, d->den, d->den_count, &c->den, &c->nden);
    /* a population: the union of the terms' event variants, one filter */
    uint64_t vm[2] = {0, 0};
    for (size_t i = 0; i < d->num_count; i++) {
        uint64_t t[2];
        term_vmask(&d->num[i], t);
        vm[0] |= t[0];
        vm[1] |= t[1];
    }
    kpi_filter f = d->num[0].filter;
    int64_t x = d->num[0].threshold;
    if (!agg_ref(b, vm, f, x, true, false, &c->num, &c->nnum) ||
        !agg_ref(b, vm, f, x, false, false, &c->den, &c->nden))
        return false;
    pop *p = find_pop(b, vm, f, x);
    if (!p)
        return false;
    switch (d->kind) {
    case KPI_METRIC_VARIANCE:
        if (!need(b, &p->sq, k_sq, 3))
            return false;
        c->sq = p->sq;
        break;
    case KPI_METRIC_MIN:
        if (!need(b, &p->min, k_maxu, 1))
            return false;
        c->min = p->min;
        break;
    case KPI_METRIC_MAX:
        if (!need(b, &p->max, k_maxu, 1))
            return false;
        c->max = p->max;
        break;
    case KPI_METRIC_QUANTILE:
        if (p->q < 0)
            p->q = (int32_t)b->s->stores++;
        c->q = p->q;
        break;
    case KPI_METRIC_QUANTILE_SKETCH:
        if ((c->sk = sketch_store(b, p, d)) < 0)
            return false;
        break;
    default: /* MEAN reads the counts and sums alone */
        break;
    }
    return true;
}

/* Which kinds are read at all, and which need their excused records apart. */
static void mark_events(builder *b, const kpi_metric_registry *reg, uint64_t *used)
{
    *used = 0;
    for (size_t i = 0; i < reg->count; i++) {
        const kpi_metric_def *d = &reg->metrics[i].def;
        bool pop_kind = d->kind != KPI_METRIC_TOTAL && d->kind != KPI_METRIC_RATIO;
        uint64_t all = 0, kept_excused = 0;
        for (int side = 0; side < 2; side++) {
            const kpi_metric_term *t = side ? d->den : d->num;
            size_t n = side ? d->den_count : d->num_count;
            for (size_t j = 0; j < n; j++) {
                *used |= t[j].events;
                bool excl = (t[j].flags & KPI_TERM_EXCLUDE_EXCUSED) != 0;
                if (pop_kind) {
                    all |= t[j].events;
                    kept_excused |= excl ? 0 : t[j].events;
                } else if (excl && t[j].filter == KPI_FILTER_NONE) {
                    for (unsigned e = 0; e < KPI_EVENT_MAX; e++)
                        b->split[e] |= (t[j].events >> e & 1) != 0;
                }
            }
        }
        if (pop_kind && d->num[0].filter == KPI_FILTER_NONE)
            for (unsigned e = 0; e < KPI_EVENT_MAX; e++)
                b->split[e] |= ((all & ~kept_excused) >> e & 1) != 0;
    }
}

static bool assign_base(builder *b, uint64_t used)
{
    /* words 0..2: the sink for kinds nothing reads */
    int32_t sink = alloc_words(b, k_cnt, 1);
    if (sink < 0 || alloc_words(b, k_sum, 2) < 0)
        return false;
    for (unsigned e = 0; e < KPI_EVENT_MAX; e++) {
        kpi__evdesc *d = &b->s->desc[2 * e];
        d[0].cnt = d[1].cnt = 0;
        d[0].sum = d[1].sum = 1;
        if (!(used >> e & 1))
            continue;
        for (unsigned v = 0; v < (b->split[e] ? 2u : 1u); v++) {
            int32_t c = alloc_words(b, k_cnt, 1), s = alloc_words(b, k_sum, 2);
            if (c < 0 || s < 0)
                return false;
            d[v].cnt = (uint32_t)c;
            d[v].sum = (uint32_t)s;
        }
        if (!b->split[e])
            d[1] = d[0];
    }
    return true;
}

/* The values an op counts, as lo .. lo + span; false when none passes (the
 * op is then left out: its words stay 0, as they would anyway). */
static bool op_filter(kpi__op *op, kpi_filter f, int64_t x)
{
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    if (f == KPI_FILTER_LE) {
        hi = x;
    } else if (f == KPI_FILTER_GT) {
        if (x == INT64_MAX)
            return false; /* nothing is greater */
        lo = x + 1;
    }
    op->lo = lo;
    op->span = (uint64_t)hi - (uint64_t)lo;
    return true;
}

/* One pass of emit_ops(): the quantile appends, or all other ops. */
static size_t emit_pass(builder *b, unsigned e, unsigned v, bool quantiles, kpi__op *out)
{
    size_t n = 0;
    for (size_t i = 0; i < b->npops; i++) {
        const pop *p = &b->pops[i];
        if (!(p->vmask[v] >> e & 1))
            continue;
        kpi__op op;
        memset(&op, 0, sizeof op);
        if (!op_filter(&op, p->filter, p->x))
            continue;
        const struct { int32_t field; uint8_t code; uint64_t mask; } aggs[] = {
            {p->q, KPI__OP_Q, 0}, {p->cnt, KPI__OP_CNT, 0}, {p->sum, KPI__OP_SUM, 0},
            {p->sq, KPI__OP_SQ, 0}, {p->min, KPI__OP_MAXU, ~(UINT64_C(1) << 63)},
            {p->max, KPI__OP_MAXU, UINT64_C(1) << 63},
        };
        for (size_t k = 0; k < sizeof aggs / sizeof aggs[0]; k++) {
            if (aggs[k].field < 0 || (aggs[k].code == KPI__OP_Q) != quantiles)
                continue;
            if (out) {
                op.op = aggs[k].code;
                op.off = (uint32_t)aggs[k].field;
                op.mask = aggs[k].mask;
                out[n] = op;
            }
            n++;
        }
        for (uint32_t k = 0; quantiles && k < b->s->sketches; k++) {
            if (b->sks[k].pop != i)
                continue;
            if (out) {
                op.op = KPI__OP_SK;
                op.off = k;
                op.mask = 0;
                out[n] = op;
            }
            n++;
        }
    }
    return n;
}


/*
 * Ops of one event variant into @out (or only counted), quantile and
 * sketch appends first: they are the only ops that can fail, and are
 * undone on failure.
 */
static size_t emit_ops(builder *b, unsigned e, unsigned v, kpi__op *out)
{
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        n += emit_pass(b, e, v, pass == 0, out ? out + n : NULL);
    return n;
}

static bool assign_ops(builder *b)
{
    kpi__schema *s = b->s;
    size_t total = 0;
    for (unsigned di = 0; di < 2 * KPI_EVENT_MAX; di++)
        total += emit_ops(b, di / 2, di % 2, NULL);
    s->ops = kpi__calloc(total ? total : 1, sizeof *s->ops);
    if (!s->ops)
        return false;
    for (unsigned di = 0; di < 2 * KPI_EVENT_MAX; di++) {
        s->desc[di].op_begin = (uint32_t)s->nops;
        s->nops += emit_ops(b, di / 2, di % 2, s->ops + s->nops);
        s->desc[di].op_end = (uint32_t)s->nops;
    }
    return true;
}

/* Words a group starting with a word of this kind spans (a sum's high word
 * is placed on its own). */
static uint32_t group_words(uint8_t kind)
{
    return kind == KPI__W_SQ_LO ? 3 : 1;
}

/*
 * Reorders the cell for the hot loop: each event kind's count and sum low
 * word start at an even word, so the 16-byte pair never straddles a cache
 * line, and are followed by the extra words its records update: a record
 * touches one line. The sums' high words, touched only on overflow, go last.
 * Padding words stay 0. Offsets everywhere are renumbered.
 */
static bool cluster_words(kpi__schema *s)
{
    /* at most one padding word per event variant, plus one at the end */
    const uint32_t W = s->words, cap = W + 2 * KPI_EVENT_MAX + 1;
    uint32_t next = 0;
    uint32_t *to = kpi__malloc(W * sizeof *to);
    uint8_t *kinds = kpi__malloc(cap);
    uint32_t *hi_of = kpi__calloc(cap, sizeof *hi_of);
    if (!to || !kinds || !hi_of) {
        kpi__free(to);
        kpi__free(kinds);
        kpi__free(hi_of);
        return false;
    }
    for (uint32_t w = 0; w < W; w++)
        to[w] = UINT32_MAX;
    memset(kinds, KPI__W_PAD, cap);
    /* place the group starting at @w (if not placed yet) */
#define PLACE(w_)                                                     \
    do {                                                              \
        uint32_t w0 = (w_);                                           \
        if (to[w0] == UINT32_MAX)                                     \
            for (uint32_t g = 0; g < group_words(s->wkind[w0]); g++)  \
                to[w0 + g] = next++;                                  \
    } while (0)
    for (unsigned di = 0; di < 2 * KPI_EVENT_MAX; di++) {
        const kpi__evdesc *d = &s->desc[di];
        if (to[d->cnt] == UINT32_MAX)
            next += next & 1;
        PLACE(d->cnt);
        PLACE(d->sum);
        for (uint32_t o = d->op_begin; o < d->op_end; o++)
            if (s->ops[o].op < KPI__OP_Q) /* Q and SK name stores, not words */
                PLACE(s->ops[o].off);
    }
    for (uint32_t w = 0; w < W; w++) /* words nothing updates (none today), then high words */
        if (s->wkind[w] != KPI__W_SQ_HI && s->wkind[w] != KPI__W_STICKY &&
            s->wkind[w] != KPI__W_SUM_HI)
            PLACE(w);
    for (uint32_t w = 0; w < W; w++)
        if (s->wkind[w] == KPI__W_SUM_HI)
            PLACE(w);
#undef PLACE
    for (uint32_t w = 0; w < W; w++) {
        kinds[to[w]] = s->wkind[w];
        if (s->wkind[w] == KPI__W_SUM_LO) /* allocated as (low, high) by alloc_words */
            hi_of[to[w]] = to[w + 1];
    }
    kpi__free(s->wkind);
    s->wkind = kinds;
    s->hi_of = hi_of;
    s->words = next + (next & 1); /* cells stay 16-byte aligned one after another */
    for (unsigned di = 0; di < 2 * KPI_EVENT_MAX; di++) {
        s->desc[di].cnt = to[s->desc[di].cnt];
        s->desc[di].sum = to[s->desc[di].sum];
    }
    for (size_t o = 0; o < s->nops; o++)
        if (s->ops[o].op < KPI__OP_Q) {
            s->ops[o].off = to[s->ops[o].off];
            s->ops[o].hi_word = hi_of[s->ops[o].off];
        }
    for (size_t i = 0; i < s->reg->count; i++) {
        kpi__mcompiled *c = &s->metrics[i];
        for (uint32_t k = 0; k < c->nnum; k++)
            c->num[k].off = to[c->num[k].off];
        for (uint32_t k = 0; k < c->nden; k++)
            c->den[k].off = to[c->den[k].off];
        int32_t *offs[] = {&c->sq, &c->min, &c->max};
        for (int k = 0; k < 3; k++)
            if (*offs[k] >= 0)
                *offs[k] = (int32_t)to[*offs[k]];
    }
    kpi__free(to);
    return true;
}

static void schema_free(kpi__schema *s)
{
    if (!s)
        return;
    if (s->metrics && s->reg)
        for (size_t i = 0; i < s->reg->count; i++) {
            kpi__free(s->metrics[i].num);
            kpi__free(s->metrics[i].den);
        }
    kpi__free(s->metrics);
    kpi_metric_registry_free(s->reg);
    kpi__free(s->wkind);
    kpi__free(s->hi_of);
    kpi__free(s->ops);
    kpi__free(s->skopts);
    kpi__free(s);
}

/* The hot loop's table (every kind's sum low word follows its count:
 * assign_base allocates them together, cluster_words keeps them so), each
 * variant's quantile appends, and qone/qadd when they all go to one store. */
static void hot_table(kpi__schema *s)
{
    s->qone = s->sketches == 0 && s->stores > 0 ? -2 : -1; /* -2: no slot seen yet */
    for (unsigned di = 0; di < 2 * KPI_EVENT_MAX; di++) {
        kpi__evdesc *d = &s->desc[di];
        d->nq = 0; /* quantile appends, exact and sketched, come first (emit_ops) */
        while (d->op_begin + d->nq < d->op_end && (s->ops[d->op_begin + d->nq].op == KPI__OP_Q ||
                                                   s->ops[d->op_begin + d->nq].op == KPI__OP_SK))
            d->nq++;
        d->q1 = d->nq ? kpi__op_slot(s, &s->ops[d->op_begin]) : 0;
        s->most_nq = d->nq > s->most_nq ? d->nq : s->most_nq;
        s->qadd[di] = d->nq != 0;
        if (d->nq > 1 || (d->nq == 1 && s->qone >= 0 && (uint32_t)s->qone != d->q1))
            s->qone = -1;
        else if (d->nq == 1 && s->qone == -2)
            s->qone = (int32_t)d->q1;
        const bool qonly = d->op_end - d->op_begin == 1 && d->nq == 1 &&
                           s->ops[d->op_begin].lo == INT64_MIN &&
                           s->ops[d->op_begin].span == UINT64_MAX;
        s->hot[di] = d->cnt | (qonly                         ? KPI__HOT_QONLY
                               : d->op_begin != d->op_end ? KPI__HOT_OPS
                                                          : 0);
    }
    if (s->qone < 0)
        s->qone = -1;
}

/* The sketch options of every sketch store. */
static bool sketch_options(builder *b)
{
    kpi__schema *s = b->s;
    s->skopts = kpi__calloc(s->sketches ? s->sketches : 1, sizeof *s->skopts);
    if (!s->skopts)
        return false;
    for (uint32_t k = 0; k < s->sketches; k++) {
        kpi_sketch_options o = KPI_SKETCH_OPTIONS_INIT;
        o.alpha = (double)b->sks[k].alpha / (double)KPI_DEC_ONE;
        o.max_buckets = b->sks[k].buckets;
        s->skopts[k] = o;
    }
    return true;
}

kpi_status kpi__schema_new(const kpi_metric_registry *reg, kpi__schema **out)
{
    kpi__schema *s = kpi__calloc(1, sizeof *s);
    if (!s)
        return KPI_ENOMEM;
    atomic_init(&s->refs, 1);
    builder b;
    memset(&b, 0, sizeof b);
    b.s = s;
    bool ok = kpi__registry_clone(reg, &s->reg) == KPI_OK;
    if (ok) {
        s->fingerprint = kpi__registry_fingerprint(reg);
        for (unsigned e = 0; e < KPI_EVENT_MAX; e++)
            if (kpi__event_defined(reg, e))
                s->defined |= UINT64_C(1) << e;
        s->metrics = kpi__calloc(reg->count ? reg->count : 1, sizeof *s->metrics);
        ok = s->metrics != NULL;
    }
    uint64_t used = 0;
    if (ok) {
        mark_events(&b, reg, &used);
        ok = assign_base(&b, used);
    }
    for (size_t i = 0; ok && i < reg->count; i++)
        ok = compile_metric(&b, &s->reg->metrics[i].def, &s->metrics[i]);
    ok = ok && assign_ops(&b) && cluster_words(s) && sketch_options(&b);
    if (ok)
        hot_table(s);
    kpi__free(b.pops);
    kpi__free(b.sks);
    if (!ok) {
        schema_free(s);
        return KPI_ENOMEM;
    }
    *out = s;
    return KPI_OK;
}

kpi__schema *kpi__schema_ref(kpi__schema *s)
{
    atomic_fetch_add(&s->refs, 1);
    return s;
}

void kpi__schema_unref(kpi__schema *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        schema_free(s);
}
