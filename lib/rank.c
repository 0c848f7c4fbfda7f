/*
 * rank.c - ranks and per-score percentile ranks.
 *
 * One stable LSD radix sort puts the scores in rank order (group, score,
 * key, input index); a walk over the runs of equal scores then gives every
 * score its counts (before, tied, group size), from which each definition's
 * rank and percentile rank follow as exact fractions.
 */
#include <math.h>
#include <string.h>

#include "rank_internal.h"

static const char *const method_names[] = {"competition", "modified", "dense", "ordinal",
                                           "fractional"};
static const char *const kind_names[] = {"rank", "strict", "weak", "mean",
                                         "scipy_rank", "excel_inc", "excel_exc"};

const char *kpi_rank_method_name(kpi_rank_method method)
{
    return method >= KPI_RANK_COMPETITION && method <= KPI_RANK_FRACTIONAL ? method_names[method]
                                                                           : NULL;
}

const char *kpi_pct_kind_name(kpi_pct_kind kind)
{
    return kind >= KPI_PCT_RANK && kind <= KPI_PCT_EXCEL_EXC ? kind_names[kind] : NULL;
}

/* ---- the sort ------------------------------------------------------------ */

typedef struct {
    uint64_t key;
    size_t idx;
} pair;

/* Digits up to 13 bits: 3 passes cover the 37 bits of scores 0..100 to 9 places. */
enum { MAX_BITS = 13, MAX_PASSES = 5, MAX_BUCKETS = 1 << MAX_BITS };

/* Maps a kpi_dec to an unsigned key whose ascending order is the rank order. */
static inline uint64_t dec_key(kpi_dec v, kpi_rank_order dir)
{
    uint64_t u = (uint64_t)v ^ (UINT64_C(1) << 63);
    return dir == KPI_RANK_DESC ? ~u : u;
}

static inline kpi_dec key_dec(uint64_t k, kpi_rank_order dir)
{
    return (kpi_dec)((dir == KPI_RANK_DESC ? ~k : k) ^ (UINT64_C(1) << 63));
}

/*
 * Stable LSD radix sort of a[0..m) by key. Only the bits in which keys
 * differ from the smallest are sorted, in as few passes of at most 13 bits
 * as they need. Returns the buffer (a or b) that holds the result.
 */
static pair *radix(pair *a, pair *b, size_t m, size_t *hist)
{
    uint64_t lo = a[0].key, hi = a[0].key;
    for (size_t i = 1; i < m; i++) {
        lo = a[i].key < lo ? a[i].key : lo;
        hi = a[i].key > hi ? a[i].key : hi;
    }
    int bits = 0;
    for (uint64_t r = hi - lo; r; r >>= 1)
        bits++;
    if (bits == 0)
        return a;
    int passes = (bits + MAX_BITS - 1) / MAX_BITS, width = (bits + passes - 1) / passes;
    size_t buckets = (size_t)1 << width, mask = buckets - 1;
    memset(hist, 0, sizeof(size_t) * (size_t)passes * buckets);
    for (size_t i = 0; i < m; i++) {
        uint64_t k = a[i].key - lo;
        for (int d = 0; d < passes; d++)
            hist[(size_t)d * buckets + ((k >> (d * width)) & mask)]++;
    }
    for (int d = 0; d < passes; d++) {
        size_t *h = hist + (size_t)d * buckets;
        int shift = d * width;
        if (h[((a[0].key - lo) >> shift) & mask] == m)
            continue;
        size_t sum = 0;
        for (size_t v = 0; v < buckets; v++) {
            size_t t = h[v];
            h[v] = sum;
            sum += t;
        }
        for (size_t i = 0; i < m; i++)
            b[h[((a[i].key - lo) >> shift) & mask]++] = a[i];
        pair *t = a;
        a = b;
        b = t;
    }
    return a;
}

kpi_status kpi__rank_sort(size_t *order, kpi_dec *vals, size_t *m_out, const kpi_dec *scores,
                          size_t n, kpi_rank_order dir, const kpi_dec *key, kpi_rank_order key_dir,
                          const uint32_t *group, const uint8_t *include)
{
    size_t m = 0;
    if (n == 0) {
        *m_out = 0;
        return KPI_OK;
    }
    size_t bytes_pairs = n * sizeof(pair);
    char *mem = kpi__malloc(2 * bytes_pairs + sizeof(size_t) * MAX_PASSES * MAX_BUCKETS);
    if (!mem)
        return KPI_ENOMEM;
    pair *buf0 = (pair *)mem, *buf1 = (pair *)(mem + bytes_pairs), *a = buf0;
    size_t *hist = (size_t *)(mem + 2 * bytes_pairs);
    /* least significant key first: the stable passes keep the earlier orders */
    for (size_t i = 0; i < n; i++)
        if (!include || include[i])
            a[m++] = (pair){key ? dec_key(key[i], key_dir) : dec_key(scores[i], dir), i};
    if (m > 0) {
        if (key) {
            a = radix(a, a == buf0 ? buf1 : buf0, m, hist);
            for (size_t i = 0; i < m; i++)
                a[i].key = dec_key(scores[a[i].idx], dir);
        }
        a = radix(a, a == buf0 ? buf1 : buf0, m, hist);
        if (group) {
            for (size_t i = 0; i < m; i++)
                a[i].key = group[a[i].idx];
            a = radix(a, a == buf0 ? buf1 : buf0, m, hist);
        }
    }
    for (size_t i = 0; i < m; i++) {
        order[i] = a[i].idx;
        vals[i] = group ? scores[a[i].idx] : key_dec(a[i].key, dir);
    }
    kpi__free(mem);
    *m_out = m;
    return KPI_OK;
}

/* ---- the walk ------------------------------------------------------------ */

kpi_status kpi__rank_walk(const size_t *order, size_t m, const kpi_dec *vals,
                          const uint32_t *group, kpi__standing_fn fn, void *ctx)
{
    size_t g0 = 0;
    while (g0 < m) {
        size_t g1 = m;
        if (group) {
            uint32_t g = group[order[g0]];
            for (g1 = g0 + 1; g1 < m && group[order[g1]] == g; g1++)
                ;
        }
        kpi__standing s = {0, 0, 0, 0, g1 - g0, 1};
        for (size_t k = g0 + 1; k < g1; k++)
            s.distinct += vals[k] != vals[k - 1];
        for (size_t a = g0, b; a < g1; a = b) {
            kpi_dec v = vals[a];
            for (b = a + 1; b < g1 && vals[b] == v; b++)
                ;
            s.before = a - g0;
            s.tied = b - a;
            s.dense++;
            for (size_t k = a; k < b; k++) {
                s.position = k - g0;
                kpi_status st = fn(ctx, k, order[k], &s);
                if (st != KPI_OK)
                    return st;
            }
        }
        g0 = g1;
    }
    return KPI_OK;
}

/* ---- definitions --------------------------------------------------------- */

kpi_dec kpi__rank_value(const kpi__standing *s, kpi_rank_method method)
{
    switch (method) {
    case KPI_RANK_MODIFIED: return KPI_DEC_INT(s->before + s->tied);
    case KPI_RANK_DENSE: return KPI_DEC_INT(s->dense);
    case KPI_RANK_ORDINAL: return KPI_DEC_INT(s->position + 1);
    case KPI_RANK_FRACTIONAL: return (kpi_dec)(2 * s->before + s->tied + 1) * (KPI_DEC_ONE / 2);
    case KPI_RANK_COMPETITION:
    default: return KPI_DEC_INT(s->before + 1);
    }
}

static kpi__frac frac(kpi__i128 num, kpi__i128 den)
{
    kpi__frac f = {num, den};
    return f;
}

kpi__frac kpi__pct_frac(const kpi__standing *s, kpi_pct_kind kind, kpi_rank_method method)
{
    kpi__i128 L = (kpi__i128)s->before, E = (kpi__i128)s->tied, N = (kpi__i128)s->count;
    switch (kind) {
    case KPI_PCT_STRICT: return frac(L, N);
    case KPI_PCT_WEAK: return frac(L + E, N);
    case KPI_PCT_MEAN: return frac(2 * L + E, 2 * N);
    case KPI_PCT_SCIPY_RANK: return E > 0 ? frac(2 * L + E + 1, 2 * N) : frac(L, N);
    case KPI_PCT_EXCEL_INC: return N == 1 ? frac(1, 1) : frac(L, N - 1);
    case KPI_PCT_EXCEL_EXC: return N == 1 ? frac(1, 1) : frac(L + 1, N + 1);
    case KPI_PCT_RANK:
    default:
        switch (method) {
        case KPI_RANK_MODIFIED: return frac(L + E, N);
        case KPI_RANK_DENSE: return frac((kpi__i128)s->dense, (kpi__i128)s->distinct);
        case KPI_RANK_ORDINAL: return frac((kpi__i128)s->position + 1, N);
        case KPI_RANK_FRACTIONAL: return frac(2 * L + E + 1, 2 * N);
        case KPI_RANK_COMPETITION:
        default: return frac(L + 1, N);
        }
    }
}

static bool excel_kind(kpi_pct_kind kind)
{
    return kind == KPI_PCT_EXCEL_INC || kind == KPI_PCT_EXCEL_EXC;
}

/* a / b for a >= 0, b > 0 in 64 bits, rounded with mode (the hot path of a batch) */
static uint64_t udiv_round(uint64_t a, uint64_t b, kpi_round mode)
{
    uint64_t q = a / b, r = a % b;
    switch (mode) {
    case KPI_ROUND_HALF_UP: return q + (r >= b - r);
    case KPI_ROUND_HALF_EVEN: return q + (r > b - r || (r == b - r && (q & 1)));
    case KPI_ROUND_HALF_DOWN: return q + (r > b - r);
    case KPI_ROUND_UP:
    case KPI_ROUND_CEILING: return q + (r != 0);
    default: return q;
    }
}

kpi_dec kpi__pct_dec(kpi__frac f, kpi_pct_kind kind, int sig, kpi_round mode)
{
    if (f.num >= 0 && f.num < ((kpi__i128)1 << 33) && f.den < ((kpi__i128)1 << 62)) {
        if (excel_kind(kind))
            return (kpi_dec)((uint64_t)f.num * (uint64_t)kpi__pow10(sig) / (uint64_t)f.den *
                             (uint64_t)kpi__pow10(KPI_DEC_PLACES - sig));
        return (kpi_dec)udiv_round((uint64_t)f.num * KPI_DEC_ONE, (uint64_t)f.den, mode);
    }
    if (excel_kind(kind)) {
        /* Excel truncates to `significance` digits; the fraction is >= 0 */
        kpi__i128 digits = f.num * kpi__pow10(sig) / f.den;
        return (kpi_dec)(digits * kpi__pow10(KPI_DEC_PLACES - sig));
    }
    return (kpi_dec)kpi__div_round(f.num * KPI_DEC_ONE, f.den, mode);
}

double kpi__pct_double(kpi__frac f, kpi_pct_kind kind, kpi_dec reported)
{
    if (excel_kind(kind))
        return (double)reported / 1e9;
    /* both exact in a double for any set this library accepts: one rounding, like pandas */
    return (double)f.num / (double)f.den;
}

/* ---- options ------------------------------------------------------------- */

kpi_status kpi__rank_options_load(kpi_rank_options *out, const kpi_rank_options *in,
                                  const char *fn)
{
    const kpi_rank_options defaults = KPI_RANK_OPTIONS_INIT;
    *out = defaults;
    if (!in)
        return KPI_OK;
    if (in->size != sizeof *in)
        return kpi__fail(KPI_EINVAL,
                         "%s: opt->size is %zu, expected %zu: initialise the options with "
                         "KPI_RANK_OPTIONS_INIT", fn, in->size, sizeof *in);
    *out = *in;
    if (!kpi_rank_method_name(out->method))
        return kpi__fail(KPI_EINVAL, "%s: opt->method %d is not a KPI_RANK_* method", fn,
                         (int)out->method);
    if (out->order != KPI_RANK_DESC && out->order != KPI_RANK_ASC)
        return kpi__fail(KPI_EINVAL, "%s: opt->order %d is neither KPI_RANK_DESC nor KPI_RANK_ASC",
                         fn, (int)out->order);
    if (out->key_order != KPI_RANK_DESC && out->key_order != KPI_RANK_ASC)
        return kpi__fail(KPI_EINVAL,
                         "%s: opt->key_order %d is neither KPI_RANK_DESC nor KPI_RANK_ASC", fn,
                         (int)out->key_order);
    if (!kpi_pct_kind_name(out->pct_kind))
        return kpi__fail(KPI_EINVAL, "%s: opt->pct_kind %d is not a KPI_PCT_* kind", fn,
                         (int)out->pct_kind);
    if (out->significance < 1 || out->significance > KPI_DEC_PLACES)
        return kpi__fail(KPI_EINVAL, "%s: opt->significance is %d; it must be 1..9 digits", fn,
                         (int)out->significance);
    if (!kpi__round_valid(out->pct_round))
        return kpi__fail(KPI_EINVAL, "%s: opt->pct_round %d is not a KPI_ROUND_* mode", fn,
                         (int)out->pct_round);
    if (out->eligibility != KPI_ELIGIBLE_RANK_AMONG && out->eligibility != KPI_ELIGIBLE_GATE)
        return kpi__fail(KPI_EINVAL, "%s: opt->eligibility %d is not a KPI_ELIGIBLE_* value", fn,
                         (int)out->eligibility);
    return KPI_OK;
}

/* ---- kpi_rank ------------------------------------------------------------ */

typedef struct {
    kpi_dec *ranks;
    kpi_dec *pcts;
    double *pcts_f64;
    const kpi_rank_options *opt;
} rank_ctx;

static kpi_status write_standing(void *vctx, size_t k, size_t i, const kpi__standing *s)
{
    (void)k;
    rank_ctx *c = vctx;
    if (c->ranks)
        c->ranks[i] = kpi__rank_value(s, c->opt->method);
    if (c->pcts || c->pcts_f64) {
        kpi__frac f = kpi__pct_frac(s, c->opt->pct_kind, c->opt->method);
        kpi_dec d = kpi__pct_dec(f, c->opt->pct_kind, c->opt->significance, c->opt->pct_round);
        if (c->pcts)
            c->pcts[i] = d;
        if (c->pcts_f64)
            c->pcts_f64[i] = kpi__pct_double(f, c->opt->pct_kind, d);
    }
    return KPI_OK;
}

kpi_status kpi_rank(kpi_dec *ranks, kpi_dec *pcts, double *pcts_f64, const kpi_dec *scores,
                    size_t n, const kpi_rank_options *opt)
{
    kpi__error_reset();
    kpi_rank_options o;
    kpi_status st = kpi__rank_options_load(&o, opt, "kpi_rank");
    if (st != KPI_OK)
        return st;
    if (!ranks && !pcts && !pcts_f64)
        return kpi__fail(KPI_EINVAL, "kpi_rank: ranks, pcts and pcts_f64 are all NULL; pass at "
                                     "least one output array");
    if (n > 0 && !scores)
        return kpi__fail(KPI_EINVAL, "kpi_rank: scores must not be NULL when n is %zu", n);
    if (n > KPI__RANK_MAX_N)
        return kpi__fail(KPI_ELIMIT, "kpi_rank: n is %zu; at most %zu scores can be ranked at once",
                         n, KPI__RANK_MAX_N);
    if (n == 0)
        return KPI_OK;
    size_t *order = kpi__malloc(n * sizeof *order), m;
    kpi_dec *vals = kpi__malloc(n * sizeof *vals);
    if (!order || !vals) {
        kpi__free(order);
        kpi__free(vals);
        return KPI_ENOMEM;
    }
    const uint8_t *include = o.eligibility == KPI_ELIGIBLE_RANK_AMONG ? o.eligible : NULL;
    st = kpi__rank_sort(order, vals, &m, scores, n, o.order, o.key, o.key_order, o.group, include);
    if (st == KPI_OK) {
        for (size_t i = 0; include && i < n; i++) {
            if (include[i])
                continue;
            if (ranks)
                ranks[i] = 0;
            if (pcts)
                pcts[i] = 0;
            if (pcts_f64)
                pcts_f64[i] = NAN;
        }
        rank_ctx c = {ranks, pcts, pcts_f64, &o};
        st = kpi__rank_walk(order, m, vals, o.group, write_standing, &c);
    }
    kpi__free(order);
    kpi__free(vals);
    return st;
}
