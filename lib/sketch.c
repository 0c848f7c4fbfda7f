/*
 * sketch.c - relative-error quantile sketch with logarithmic buckets
 * (the DDSketch idea: Masson, Rim and Lee, VLDB 2019).
 *
 * Mapping. A magnitude x = 2^e (1 + s), 0 <= s < 1, goes to bucket
 * floor(M * (e + P(s))) with P(s) = A s^3 + B s^2 + C s, a cubic that
 * follows log2(1 + s) closely (P(0) = 0, P(1) = 1, increasing), so the
 * index needs no call to log(). In units of ln x a bucket is at most
 * 1 / (M * min g) wide, g(s) = (1 + s) P'(s) = d(e + P) / d ln x, whose
 * minimum on [0, 1) is C = 10/7 (at s = 0). With M = 1 / (C ln gamma),
 * gamma = (1 + a) / (1 - a), every bucket [lo, hi) has hi / lo <= gamma, and
 * its representative 2 lo hi / (lo + hi) is within a of every value in it.
 * a is alpha shrunk by 1e-5 of itself so that rounding in the index
 * computation cannot push a value across the bound. The cubic costs about
 * 1 % more buckets than the exact logarithm.
 *
 * Stores. Positive and negative magnitudes each have a dense array of
 * counts over a window of bucket indices, uint16 counts until one would
 * exceed 65535, then uint64. A window never spans more than max_buckets
 * indices: when it would, every index below hi - max_buckets + 1 is folded
 * into that one (the state then depends only on the multiset of values,
 * which is what makes merges order-independent).
 *
 * Sum. An exact fixed-point accumulator over the whole double range: a
 * double is m 2^(p - 1075) with an integer m < 2^53 and 1 <= p <= 2046, and
 * m << (p mod 48) is added to 48-bit digits p / 48 .. p / 48 + 2 of an array
 * of int64 (16 bits of headroom: normalised every 2^14 additions). The
 * normalised digits are canonical, so the sum is the same in any order.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "quantile_internal.h"
#include "sketch_internal.h"
#include "limits_internal.h"

#define CUBIC_A (6.0 / 35.0)
#define CUBIC_B (-3.0 / 5.0)
#define CUBIC_C (10.0 / 7.0)

#define MANT_MASK ((UINT64_C(1) << 52) - 1)
#define SUM_BITS 48
#define SUM_MASK ((UINT64_C(1) << SUM_BITS) - 1)
#define SUM_DIGITS 46 /* digit 45 weighs 2^1085: room for 2^64 values near DBL_MAX */
#define SUM_HEADROOM (1u << 14)

#define ALPHA_MIN 1e-6
#define ALPHA_MAX 0.5
#define BUCKETS_MIN 16u
#define BUCKETS_MAX 1000000u
#define SLACK 16 /* spare buckets added on the side a window grows */

typedef struct {
    void *counts;   /* cap counters, uint16_t or uint64_t */
    int64_t base;   /* bucket index of counts[0] */
    uint32_t cap;   /* never more than max_buckets */
    int32_t lo, hi; /* non-empty index range; lo > hi when empty */
    uint8_t wide;   /* counters are uint64_t */
    uint8_t collapsed;
} store;

struct kpi_sketch {
    double alpha;
    uint32_t max_buckets;
    uint32_t sum_pending; /* additions since the sum was normalised */
    double mult;          /* M */
    int32_t index_min, index_max; /* indices of DBL_MIN and DBL_MAX */
    uint64_t count, zeros;
    double min, max;
    store pos, neg;
    int64_t sum[SUM_DIGITS];
};

/* ---- checksum ---------------------------------------------------------- */

static const uint32_t crc_nibble[16] = {
    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
    0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t kpi__crc32(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ crc_nibble[crc & 15];
        crc = (crc >> 4) ^ crc_nibble[crc & 15];
    }
    return ~crc;
}

/* ---- mapping ----------------------------------------------------------- */

static inline uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static inline double double_of(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* e + P(s) for a magnitude given by its bits (a normal double). */
static inline double log2_approx(uint64_t b)
{
    int e = (int)((b >> 52) & 0x7ff) - 1023;
    double s = double_of((b & MANT_MASK) | UINT64_C(0x3ff0000000000000)) - 1.0;
    return (double)e + ((CUBIC_A * s + CUBIC_B) * s + CUBIC_C) * s;
}

static inline int32_t index_of_bits(const kpi_sketch *sk, uint64_t b)
{
    /* floor by truncating a positive number: y + 2^30 is exact to 2^-22 of a
     * bucket, well inside the margin taken off alpha */
    double y = log2_approx(b) * sk->mult + 0x1p30;
    return (int32_t)((int64_t)y - (INT64_C(1) << 30));
}

int32_t kpi__sketch_index(const kpi_sketch *sketch, double x)
{
    return index_of_bits(sketch, bits_of(fabs(x)));
}

/* The magnitude whose e + P(s) is t. */
static double inverse_log2(double t)
{
    double e = floor(t), p = t - e, s = p;
    for (int k = 0; k < 8; k++) { /* Newton; P is increasing, P' >= 0.74 */
        double f = ((CUBIC_A * s + CUBIC_B) * s + CUBIC_C) * s - p;
        double d = (3 * CUBIC_A * s + 2 * CUBIC_B) * s + CUBIC_C;
        s -= f / d;
        if (s < 0)
            s = 0;
        if (s > 1)
            s = 1;
    }
    return ldexp(1.0 + s, (int)e);
}

void kpi__sketch_bounds(const kpi_sketch *sketch, int32_t index, double *lo, double *hi)
{
    *lo = inverse_log2((double)index / sketch->mult);
    *hi = inverse_log2((double)(index + 1) / sketch->mult);
}

/* The value reported for bucket @index: 2 lo hi / (lo + hi), without overflow. */
static double representative(const kpi_sketch *sk, int32_t index)
{
    double t1 = (double)index / sk->mult, t2 = (double)(index + 1) / sk->mult;
    double e1 = floor(t1), e2 = floor(t2);
    double m1 = inverse_log2(t1 - e1), m2 = inverse_log2(t2 - e2); /* in [1, 2] */
    double ratio = ldexp(m2 / m1, (int)(e2 - e1));                 /* hi / lo */
    return ldexp(m1, (int)e1) * (2.0 * ratio / (1.0 + ratio));
}

/* ---- stores ------------------------------------------------------------ */

static inline uint64_t store_get(const store *s, int64_t i)
{
    if (i < s->base || i >= s->base + (int64_t)s->cap)
        return 0;
    size_t off = (size_t)(i - s->base);
    return s->wide ? ((const uint64_t *)s->counts)[off] : ((const uint16_t *)s->counts)[off];
}

static inline void store_put(store *s, int64_t i, uint64_t v)
{
    size_t off = (size_t)(i - s->base);
    if (s->wide)
        ((uint64_t *)s->counts)[off] = v;
    else
        ((uint16_t *)s->counts)[off] = (uint16_t)v;
}

static void store_clear(store *s)
{
    kpi__free(s->counts);
    memset(s, 0, sizeof *s);
    s->lo = INT32_MAX;
    s->hi = INT32_MIN;
}

/* The fast path: one value into an allocated, non-saturated counter. */
static inline bool store_try_inc(store *s, int32_t i)
{
    uint64_t off = (uint64_t)((int64_t)i - s->base);
    if (off >= s->cap)
        return false;
    if (!s->wide) {
        uint16_t *c = (uint16_t *)s->counts + off;
        if (*c == UINT16_MAX)
            return false;
        ++*c;
    } else {
        ++((uint64_t *)s->counts)[off];
    }
    if (i < s->lo)
        s->lo = i;
    if (i > s->hi)
        s->hi = i;
    return true;
}

/*
 * Adds @n to bucket @i, growing, widening or collapsing the window as
 * needed. On KPI_ENOMEM the store is unchanged.
 */
static kpi_status store_add(store *s, int32_t i, uint64_t n, uint32_t max_buckets)
{
    bool empty = s->lo > s->hi;
    int64_t lo = empty ? i : (i < s->lo ? i : s->lo);
    int64_t hi = empty ? i : (i > s->hi ? i : s->hi);
    bool collapsing = hi - lo + 1 > (int64_t)max_buckets;
    if (collapsing)
        lo = hi - max_buckets + 1;
    int64_t at = i < lo ? lo : i;
    uint64_t folded = 0; /* existing counts that land in bucket lo */
    if (collapsing && !empty)
        for (int64_t j = s->lo; j <= lo && j <= s->hi; j++)
            folded += store_get(s, j);
    uint64_t new_at = (collapsing && at == lo ? folded : store_get(s, at)) + n;
    bool wide = s->wide || new_at > UINT16_MAX || folded > UINT16_MAX;

    if (collapsing || wide != s->wide || lo < s->base || hi >= s->base + (int64_t)s->cap) {
        int64_t need = hi - lo + 1;
        int64_t cap = need + SLACK > (int64_t)max_buckets ? (int64_t)max_buckets : need + SLACK;
        int64_t base = lo;
        if (!empty && i < s->lo)
            base = hi - cap + 1; /* growing downwards: spare room below */
        size_t width = wide ? sizeof(uint64_t) : sizeof(uint16_t);
        void *counts = kpi__calloc((size_t)cap, width);
        if (!counts)
            return KPI_ENOMEM;
        store t = *s;
        t.counts = counts;
        t.base = base;
        t.cap = (uint32_t)cap;
        t.wide = wide;
        if (!empty)
            for (int64_t j = s->lo; j <= s->hi; j++) {
                uint64_t c = store_get(s, j);
                if (c) {
                    int64_t k = j < lo ? lo : j;
                    store_put(&t, k, store_get(&t, k) + c);
                }
            }
        kpi__free(s->counts);
        *s = t;
        if (!empty && s->lo < lo)
            s->lo = (int32_t)lo;
    }
    store_put(s, at, store_get(s, at) + n);
    if (at < s->lo)
        s->lo = (int32_t)at;
    if (at > s->hi)
        s->hi = (int32_t)at;
    if (collapsing)
        s->collapsed = 1;
    return KPI_OK;
}

static kpi_status store_copy(store *dst, const store *src)
{
    *dst = *src;
    dst->counts = NULL;
    if (src->cap) {
        size_t width = src->wide ? sizeof(uint64_t) : sizeof(uint16_t);
        dst->counts = kpi__reallocarray(NULL, src->cap, width);
        if (!dst->counts)
            return KPI_ENOMEM;
        memcpy(dst->counts, src->counts, src->cap * width);
    }
    return KPI_OK;
}

static uint64_t store_total(const store *s)
{
    uint64_t t = 0;
    for (int64_t j = s->lo; j <= s->hi; j++)
        t += store_get(s, j);
    return t;
}

static uint32_t store_nonempty(const store *s)
{
    uint32_t k = 0;
    for (int64_t j = s->lo; j <= s->hi; j++)
        k += store_get(s, j) != 0;
    return k;
}

/* ---- exact sum --------------------------------------------------------- */

static inline void sum_add(kpi_sketch *sk, uint64_t b)
{
    int p = (int)((b >> 52) & 0x7ff);
    uint64_t m = b & MANT_MASK;
    if (p)
        m |= UINT64_C(1) << 52;
    else
        p = 1;
    int k = p / SUM_BITS, sh = p % SUM_BITS;
    kpi__u128 v = (kpi__u128)m << sh; /* < 2^100: three digits */
    int64_t d0 = (int64_t)((uint64_t)v & SUM_MASK);
    int64_t d1 = (int64_t)((uint64_t)(v >> SUM_BITS) & SUM_MASK);
    int64_t d2 = (int64_t)(uint64_t)(v >> (2 * SUM_BITS));
    if (b >> 63) {
        sk->sum[k] -= d0;
        sk->sum[k + 1] -= d1;
        sk->sum[k + 2] -= d2;
    } else {
        sk->sum[k] += d0;
        sk->sum[k + 1] += d1;
        sk->sum[k + 2] += d2;
    }
}

/* Carries so that digits 0..N-2 lie in [0, 2^48): the canonical form. */
static void sum_normalise(int64_t *d)
{
    for (int k = 0; k < SUM_DIGITS - 1; k++) {
        int64_t low = (int64_t)((uint64_t)d[k] & SUM_MASK);
        d[k + 1] += (d[k] - low) / (INT64_C(1) << SUM_BITS);
        d[k] = low;
    }
}

static inline void sum_tick(kpi_sketch *sk)
{
    if (++sk->sum_pending == SUM_HEADROOM) {
        sum_normalise(sk->sum);
        sk->sum_pending = 0;
    }
}

/* The exact sum rounded to double: the magnitude's digits added from the
 * top (the same bits whatever the order the values came in). */
static double sum_value(const kpi_sketch *sk)
{
    int64_t d[SUM_DIGITS];
    memcpy(d, sk->sum, sizeof d);
    sum_normalise(d);
    bool neg = d[SUM_DIGITS - 1] < 0;
    if (neg) { /* -D: negate every digit and carry again */
        for (int k = 0; k < SUM_DIGITS; k++)
            d[k] = -d[k];
        sum_normalise(d);
    }
    double t = 0;
    for (int k = SUM_DIGITS - 1; k >= 0; k--)
        if (d[k])
            t += ldexp((double)d[k], SUM_BITS * k - 1075);
    return neg ? -t : t;
}

/* ---- life cycle -------------------------------------------------------- */

static void init_settings(kpi_sketch *sk, double alpha, uint32_t max_buckets)
{
    double a = alpha * (1.0 - 1e-5);
    sk->alpha = alpha;
    sk->max_buckets = max_buckets;
    sk->mult = 1.0 / (CUBIC_C * log((1.0 + a) / (1.0 - a)));
    sk->index_min = index_of_bits(sk, bits_of(DBL_MIN));
    sk->index_max = index_of_bits(sk, bits_of(DBL_MAX));
}

static void clear_contents(kpi_sketch *sk)
{
    store_clear(&sk->pos);
    store_clear(&sk->neg);
    sk->count = sk->zeros = 0;
    sk->min = sk->max = 0.0;
    sk->sum_pending = 0;
    memset(sk->sum, 0, sizeof sk->sum);
}

static kpi_status check_settings(double alpha, uint32_t max_buckets)
{
    if (!(alpha >= ALPHA_MIN && alpha <= ALPHA_MAX))
        return kpi__fail(KPI_EINVAL, "sketch alpha %g is outside [%g, %g] (0.01 is 1 %%)",
                         alpha, ALPHA_MIN, ALPHA_MAX);
    if (max_buckets < BUCKETS_MIN || max_buckets > BUCKETS_MAX)
        return kpi__fail(KPI_EINVAL, "sketch max_buckets %u is outside [%u, %u]",
                         (unsigned)max_buckets, BUCKETS_MIN, BUCKETS_MAX);
    return KPI_OK;
}

static kpi_sketch *alloc_sketch(double alpha, uint32_t max_buckets)
{
    kpi_sketch *sk = kpi__calloc(1, sizeof *sk);
    if (!sk)
        return NULL;
    init_settings(sk, alpha, max_buckets);
    clear_contents(sk);
    return sk;
}

kpi_status kpi_sketch_new(kpi_sketch **out, const kpi_sketch_options *opts)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_sketch_new: out must not be NULL");
    kpi_sketch_options def = KPI_SKETCH_OPTIONS_INIT;
    if (!opts)
        opts = &def;
    if (opts->size < sizeof(kpi_sketch_options))
        return kpi__fail(KPI_EINVAL, "kpi_sketch_new: opts->size is %zu, expected %zu "
                                     "(initialise with KPI_SKETCH_OPTIONS_INIT)",
                         opts->size, sizeof(kpi_sketch_options));
    kpi_status st = check_settings(opts->alpha, opts->max_buckets);
    if (st)
        return st;
    kpi_sketch *sk = alloc_sketch(opts->alpha, opts->max_buckets);
    if (!sk)
        return KPI_ENOMEM;
    *out = sk;
    return KPI_OK;
}

void kpi_sketch_free(kpi_sketch *sketch)
{
    if (!sketch)
        return;
    kpi__free(sketch->pos.counts);
    kpi__free(sketch->neg.counts);
    kpi__free(sketch);
}

void kpi_sketch_reset(kpi_sketch *sketch)
{
    if (sketch)
        clear_contents(sketch);
}

/* ---- insertion --------------------------------------------------------- */

static inline void note_min_max(kpi_sketch *sk, double x)
{
    if (sk->count == 0) {
        sk->min = sk->max = x;
    } else {
        if (x < sk->min)
            sk->min = x;
        if (x > sk->max)
            sk->max = x;
    }
}

/* One finite value; -0.0 arrives as +0.0. */
static inline kpi_status add_one(kpi_sketch *sk, double x)
{
    uint64_t b = bits_of(x);
    uint64_t mag = b & ~(UINT64_C(1) << 63);
    if (mag < bits_of(DBL_MIN)) {
        sk->zeros++;
    } else {
        int32_t i = index_of_bits(sk, mag);
        store *s = (b >> 63) ? &sk->neg : &sk->pos;
        if (!store_try_inc(s, i)) {
            kpi_status st = store_add(s, i, 1, sk->max_buckets);
            if (st)
                return st;
        }
    }
    note_min_max(sk, x);
    sk->count++;
    sum_add(sk, b);
    sum_tick(sk);
    return KPI_OK;
}

/*
 * The fast path of kpi_sketch_add_n: the positive store's window and the
 * running figures live in locals (with -fno-strict-aliasing every counter
 * store would otherwise reload them). Values must be finite.
 */
static kpi_status add_batch(kpi_sketch *sk, const double *v, size_t n)
{
    const uint64_t tiny = bits_of(DBL_MIN);
    store *pos = &sk->pos;
    kpi_status st = KPI_OK;
    size_t i = 0;
    if (n && sk->count == 0) { /* the first value seeds min and max */
        st = add_one(sk, v[0] + 0.0);
        i = 1;
    }
    double mn = sk->min, mx = sk->max;
    uint64_t zeros = sk->zeros, count = sk->count;
    uint32_t pending = sk->sum_pending;
    int32_t lo = pos->lo, hi = pos->hi;
    /* the three sum digits the last value touched, kept in registers */
    int cur = 0;
    int64_t r0 = 0, r1 = 0, r2 = 0;
    for (; i < n && !st; i++) {
        double x = v[i] + 0.0; /* -0.0 becomes +0.0 */
        uint64_t b = bits_of(x);
        if (b - tiny < (UINT64_C(0x7ff) << 52) - tiny) { /* positive normal */
            int32_t k = index_of_bits(sk, b);
            uint64_t off = (uint64_t)((int64_t)k - pos->base);
            if (KPI__LIKELY(off < pos->cap && !pos->wide &&
                            ((uint16_t *)pos->counts)[off] != UINT16_MAX)) {
                ((uint16_t *)pos->counts)[off]++;
                lo = k < lo ? k : lo;
                hi = k > hi ? k : hi;
            } else {
                pos->lo = lo;
                pos->hi = hi;
                if (!store_try_inc(pos, k))
                    st = store_add(pos, k, 1, sk->max_buckets);
                lo = pos->lo;
                hi = pos->hi;
                if (st)
                    break;
            }
        } else if ((b << 1) < (tiny << 1)) {
            zeros++;
        } else {
            int32_t k = index_of_bits(sk, b & ~(UINT64_C(1) << 63));
            if (!store_try_inc(&sk->neg, k) && (st = store_add(&sk->neg, k, 1, sk->max_buckets)))
                break;
        }
        mn = x < mn ? x : mn;
        mx = x > mx ? x : mx;
        count++;
        /* the exact sum, as in sum_add() */
        int p = (int)((b >> 52) & 0x7ff);
        uint64_t m = (b & MANT_MASK) | ((uint64_t)(p != 0) << 52);
        p += p == 0;
        int k = p / SUM_BITS;
        kpi__u128 w = (kpi__u128)m << (p % SUM_BITS);
        int64_t neg = -(int64_t)(b >> 63);
        if (k != cur) {
            sk->sum[cur] += r0;
            sk->sum[cur + 1] += r1;
            sk->sum[cur + 2] += r2;
            r0 = r1 = r2 = 0;
            cur = k;
        }
        r0 += ((int64_t)((uint64_t)w & SUM_MASK) ^ neg) - neg;
        r1 += ((int64_t)((uint64_t)(w >> SUM_BITS) & SUM_MASK) ^ neg) - neg;
        r2 += ((int64_t)(uint64_t)(w >> (2 * SUM_BITS)) ^ neg) - neg;
        if (++pending == SUM_HEADROOM) {
            sk->sum[cur] += r0;
            sk->sum[cur + 1] += r1;
            sk->sum[cur + 2] += r2;
            r0 = r1 = r2 = 0;
            sum_normalise(sk->sum);
            pending = 0;
        }
    }
    sk->sum[cur] += r0;
    sk->sum[cur + 1] += r1;
    sk->sum[cur + 2] += r2;
    sk->sum_pending = pending;
    sk->count = count;
    pos->lo = lo;
    pos->hi = hi;
    sk->zeros = zeros;
    sk->min = mn;
    sk->max = mx;
    return st;
}

static kpi_status check_value(double x, size_t index)
{
    if (x != x) {
        kpi__fail(KPI_EINVAL, "value %zu is NaN; a sketch takes finite numbers", index);
        kpi__error_set_position(0, 0, (long long)index);
        return KPI_EINVAL;
    }
    if (x - x != 0) {
        kpi__fail(KPI_ERANGE, "value %zu is %s; a sketch takes finite numbers", index,
                  x > 0 ? "+inf" : "-inf");
        kpi__error_set_position(0, 0, (long long)index);
        return KPI_ERANGE;
    }
    return KPI_OK;
}

kpi_status kpi_sketch_add(kpi_sketch *sketch, double value)
{
    kpi__error_reset();
    if (!sketch)
        return kpi__fail(KPI_EINVAL, "kpi_sketch_add: sketch must not be NULL");
    kpi_status st = check_value(value, 0);
    if (st)
        return st;
    return add_one(sketch, value + 0.0);
}

kpi_status kpi_sketch_add_n(kpi_sketch *sketch, const double *values, size_t n)
{
    kpi__error_reset();
    if (!sketch || (!values && n))
        return kpi__fail(KPI_EINVAL, "kpi_sketch_add_n: sketch and values must not be NULL");
    /* x - x is 0 for finite x, NaN for NaN and infinities */
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += values[i] - values[i];
    if (acc != 0)
        for (size_t i = 0; i < n; i++) {
            kpi_status st = check_value(values[i], i);
            if (st)
                return st;
        }
    return add_batch(sketch, values, n);
}

/* ---- merge ------------------------------------------------------------- */

static kpi_status store_merge_into(store *t, const store *src, uint32_t max_buckets)
{
    for (int64_t j = src->lo; j <= src->hi; j++) {
        uint64_t c = store_get(src, j);
        if (c && store_add(t, (int32_t)j, c, max_buckets))
            return KPI_ENOMEM;
    }
    if (src->collapsed)
        t->collapsed = 1;
    return KPI_OK;
}

kpi_status kpi_sketch_merge(kpi_sketch *dst, const kpi_sketch *src)
{
    kpi__error_reset();
    if (!dst || !src || dst == src)
        return kpi__fail(KPI_EINVAL, "kpi_sketch_merge: dst and src must be two distinct sketches");
    if (dst->alpha != src->alpha || dst->max_buckets != src->max_buckets)
        return kpi__fail(KPI_EMISMATCH,
                         "cannot merge a sketch with alpha %g and %u buckets into one with "
                         "alpha %g and %u buckets; both need the same settings",
                         src->alpha, (unsigned)src->max_buckets, dst->alpha,
                         (unsigned)dst->max_buckets);
    if (src->count == 0)
        return KPI_OK;
    store pos, neg;
    memset(&neg, 0, sizeof neg);
    if (store_copy(&pos, &dst->pos))
        return KPI_ENOMEM;
    if (store_copy(&neg, &dst->neg) || store_merge_into(&pos, &src->pos, dst->max_buckets) ||
        store_merge_into(&neg, &src->neg, dst->max_buckets)) {
        kpi__free(pos.counts);
        kpi__free(neg.counts);
        return KPI_ENOMEM;
    }
    kpi__free(dst->pos.counts);
    kpi__free(dst->neg.counts);
    dst->pos = pos;
    dst->neg = neg;
    if (dst->count == 0) {
        dst->min = src->min;
        dst->max = src->max;
    } else {
        if (src->min < dst->min)
            dst->min = src->min;
        if (src->max > dst->max)
            dst->max = src->max;
    }
    dst->count += src->count;
    dst->zeros += src->zeros;
    int64_t add[SUM_DIGITS];
    memcpy(add, src->sum, sizeof add);
    sum_normalise(add);
    sum_normalise(dst->sum);
    for (int k = 0; k < SUM_DIGITS; k++)
        dst->sum[k] += add[k];
    sum_normalise(dst->sum);
    dst->sum_pending = 0;
    return KPI_OK;
}

/* ---- queries ----------------------------------------------------------- */

kpi_status kpi_sketch_quantile(const kpi_sketch *sketch, kpi_dec q, double *out)
{
    kpi__error_reset();
    if (!sketch || !out)
        return kpi__fail(KPI_EINVAL, "kpi_sketch_quantile: sketch and out must not be NULL");
    if (q < 0 || q > KPI_DEC_ONE)
        return kpi__fail(KPI_ERANGE, "quantile %lld x 10^-9 is outside [0, 1]", (long long)q);
    if (sketch->count == 0)
        return kpi__fail(KPI_ENA, "the sketch is empty: no quantile");
    uint64_t n = sketch->count;
    uint64_t rank = kpi__quantile_position((size_t)n, q, KPI_QUANTILE_LOWER).lo;
    if (rank == 0) {
        *out = sketch->min;
        return KPI_OK;
    }
    if (rank == n - 1) {
        *out = sketch->max;
        return KPI_OK;
    }
    double v = 0.0;
    uint64_t seen = 0;
    const store *neg = &sketch->neg, *pos = &sketch->pos;
    bool found = false;
    for (int64_t j = neg->hi; j >= neg->lo && !found; j--) { /* most negative first */
        seen += store_get(neg, j);
        if (seen > rank) {
            v = -representative(sketch, (int32_t)j);
            found = true;
        }
    }
    if (!found) {
        seen += sketch->zeros;
        if (seen > rank)
            found = true; /* v = 0 */
    }
    for (int64_t j = pos->lo; j <= pos->hi && !found; j++) {
        seen += store_get(pos, j);
        if (seen > rank) {
            v = representative(sketch, (int32_t)j);
            found = true;
        }
    }
    if (v < sketch->min)
        v = sketch->min;
    if (v > sketch->max)
        v = sketch->max;
    *out = v;
    return KPI_OK;
}

static size_t store_memory(const store *s)
{
    return (size_t)s->cap * (s->wide ? sizeof(uint64_t) : sizeof(uint16_t));
}

kpi_status kpi_sketch_stats_get(const kpi_sketch *sketch, kpi_sketch_stats *out)
{
    kpi__error_reset();
    if (!sketch || !out)
        return kpi__fail(KPI_EINVAL, "kpi_sketch_stats_get: sketch and out must not be NULL");
    if (out->size < sizeof(kpi_sketch_stats))
        return kpi__fail(KPI_EINVAL, "kpi_sketch_stats_get: out->size is %zu, expected %zu "
                                     "(initialise with KPI_SKETCH_STATS_INIT)",
                         out->size, sizeof(kpi_sketch_stats));
    kpi_sketch_stats s = KPI_SKETCH_STATS_INIT;
    s.count = sketch->count;
    s.zeros = sketch->zeros;
    s.negatives = store_total(&sketch->neg);
    s.min = sketch->min;
    s.max = sketch->max;
    s.sum = sum_value(sketch);
    if (sketch->pos.collapsed)
        s.collapsed += store_get(&sketch->pos, sketch->pos.lo);
    if (sketch->neg.collapsed)
        s.collapsed += store_get(&sketch->neg, sketch->neg.lo);
    s.buckets = store_nonempty(&sketch->pos) + store_nonempty(&sketch->neg);
    s.memory = sizeof *sketch + store_memory(&sketch->pos) + store_memory(&sketch->neg);
    *out = s;
    return KPI_OK;
}

/* ---- serialisation ----------------------------------------------------- */

static const unsigned char MAGIC[4] = {'K', 'P', 'S', 'K'};
#define MIN_SIZE (KPI__SK_OFF_SUM + 2 + 8 + 8 + 4) /* empty sum, two empty stores, CRC */

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* The digit range of the normalised sum: first digit and count (0 when zero). */
static void sum_span(const int64_t *d, int *first, int *count)
{
    int lo = 0, hi = SUM_DIGITS - 1;
    while (lo < SUM_DIGITS && d[lo] == 0)
        lo++;
    while (hi >= lo && d[hi] == 0)
        hi--;
    *first = lo < SUM_DIGITS ? lo : 0;
    *count = hi >= lo ? hi - lo + 1 : 0;
}

static size_t store_bytes(const store *s)
{
    size_t n = 8;
    for (int64_t j = s->lo; j <= s->hi; j++)
        n += varint_size(store_get(s, j));
    return n;
}

static size_t write_store(unsigned char *p, const store *s)
{
    bool empty = s->lo > s->hi;
    uint32_t n = empty ? 0 : (uint32_t)(s->hi - s->lo + 1);
    put_le(p, (uint32_t)(empty ? 0 : s->lo), 4);
    put_le(p + 4, n, 4);
    size_t k = 8;
    for (int64_t j = s->lo; j <= s->hi; j++)
        k += put_varint(p + k, store_get(s, j));
    return k;
}

kpi_status kpi_sketch_serialize(const kpi_sketch *sketch, void *buf, size_t cap, size_t *out_size)
{
    kpi__error_reset();
    if (!sketch || !out_size || (!buf && cap))
        return kpi__fail(KPI_EINVAL, "kpi_sketch_serialize: sketch and out_size must not be NULL");
    int64_t d[SUM_DIGITS];
    memcpy(d, sketch->sum, sizeof d);
    sum_normalise(d);
    int first, digits;
    sum_span(d, &first, &digits);
    size_t total = KPI__SK_OFF_SUM + 2 + 8 * (size_t)digits + store_bytes(&sketch->pos) +
                   store_bytes(&sketch->neg) + 4;
    if (!buf) {
        *out_size = total;
        return KPI_OK;
    }
    if (cap < total)
        return kpi__fail(KPI_ELIMIT, "the serialised sketch needs %zu bytes, the buffer has %zu",
                         total, cap);
    if (total > UINT32_MAX)
        return kpi__fail(KPI_ELIMIT, "the serialised sketch would exceed 4 GiB");
    unsigned char *p = buf;
    memcpy(p, MAGIC, 4);
    put_le(p + KPI__SK_OFF_VERSION, KPI__SK_VERSION, 2);
    put_le(p + KPI__SK_OFF_FLAGS, (unsigned)sketch->pos.collapsed | (unsigned)sketch->neg.collapsed << 1, 2);
    put_le(p + KPI__SK_OFF_TOTAL, total, 4);
    put_le(p + KPI__SK_OFF_ALPHA, bits_of(sketch->alpha), 8);
    put_le(p + KPI__SK_OFF_MAXB, sketch->max_buckets, 4);
    put_le(p + KPI__SK_OFF_COUNT, sketch->count, 8);
    put_le(p + KPI__SK_OFF_ZEROS, sketch->zeros, 8);
    put_le(p + KPI__SK_OFF_MIN, bits_of(sketch->min), 8);
    put_le(p + KPI__SK_OFF_MAX, bits_of(sketch->max), 8);
    p[KPI__SK_OFF_SUM] = (unsigned char)first;
    p[KPI__SK_OFF_SUM + 1] = (unsigned char)digits;
    size_t k = KPI__SK_OFF_SUM + 2;
    for (int i = 0; i < digits; i++, k += 8)
        put_le(p + k, (uint64_t)d[first + i], 8);
    k += write_store(p + k, &sketch->pos);
    k += write_store(p + k, &sketch->neg);
    put_le(p + k, kpi__crc32(0, p, k), 4);
    *out_size = total;
    return KPI_OK;
}

/* Records a decoding failure at byte @offset. */
static kpi_status bad_at(kpi_status code, size_t offset, const char *fmt, ...) KPI__PRINTF(3, 4);
static kpi_status bad_at(kpi_status code, size_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kpi__vfail(code, fmt, ap);
    va_end(ap);
    kpi__error_set_position(0, 0, (long long)offset);
    return code;
}

static kpi_status read_varint(const unsigned char *p, size_t *pos, size_t end, uint64_t *out)
{
    size_t start = *pos;
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= end)
            return bad_at(KPI_ECORRUPT, start, "bucket count runs past the end of the data");
        unsigned char c = p[(*pos)++];
        if (shift == 63 && c > 1)
            return bad_at(KPI_ECORRUPT, start, "bucket count exceeds 64 bits");
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            if (c == 0 && shift > 0)
                return bad_at(KPI_ECORRUPT, start, "bucket count is not in its shortest form");
            *out = v;
            return KPI_OK;
        }
    }
    return bad_at(KPI_ECORRUPT, start, "bucket count exceeds 64 bits");
}

static kpi_status read_store(kpi_sketch *sk, store *s, const unsigned char *p, size_t *pos,
                             size_t end, bool collapsed, uint64_t *total, const char *name)
{
    size_t at = *pos;
    if (end - at < 8)
        return bad_at(KPI_ECORRUPT, at, "%s store header runs past the end of the data", name);
    int32_t lo = (int32_t)(uint32_t)get_le(p + at, 4);
    uint32_t n = (uint32_t)get_le(p + at + 4, 4);
    *pos += 8;
    if (n == 0) {
        if (lo != 0)
            return bad_at(KPI_ECORRUPT, at, "empty %s store has first index %d, expected 0", name, lo);
        if (collapsed)
            return bad_at(KPI_ECORRUPT, KPI__SK_OFF_FLAGS, "empty %s store is flagged collapsed", name);
        return KPI_OK;
    }
    if (n > sk->max_buckets)
        return bad_at(KPI_ECORRUPT, at + 4, "%s store has %u buckets, more than the %u allowed",
                      name, (unsigned)n, (unsigned)sk->max_buckets);
    if (lo < sk->index_min || (int64_t)lo + n - 1 > sk->index_max)
        return bad_at(KPI_ECORRUPT, at, "%s store indices %d..%lld lie outside %d..%d", name,
                      lo, (long long)lo + n - 1, (int)sk->index_min, (int)sk->index_max);
    if (collapsed && n != sk->max_buckets)
        return bad_at(KPI_ECORRUPT, KPI__SK_OFF_FLAGS,
                      "%s store is flagged collapsed but spans %u buckets, not %u", name,
                      (unsigned)n, (unsigned)sk->max_buckets);
    size_t first = *pos;
    uint64_t largest = 0;
    for (uint32_t k = 0; k < n; k++) { /* check everything before allocating */
        size_t cat = *pos;
        uint64_t c;
        kpi_status st = read_varint(p, pos, end, &c);
        if (st)
            return st;
        if (c == 0 && (k == 0 || k == n - 1))
            return bad_at(KPI_ECORRUPT, cat, "%s store's %s bucket is empty", name,
                          k == 0 ? "first" : "last");
        if (c > UINT64_MAX - *total)
            return bad_at(KPI_ECORRUPT, cat, "bucket counts overflow 64 bits");
        *total += c;
        if (c > largest)
            largest = c;
    }
    s->wide = largest > UINT16_MAX;
    s->counts = kpi__calloc(n, s->wide ? sizeof(uint64_t) : sizeof(uint16_t));
    if (!s->counts)
        return KPI_ENOMEM;
    s->base = lo;
    s->cap = n;
    s->lo = lo;
    s->hi = (int32_t)(lo + (int64_t)n - 1);
    for (uint32_t k = 0; k < n; k++) {
        uint64_t c;
        read_varint(p, &first, end, &c);
        store_put(s, lo + (int64_t)k, c);
    }
    s->collapsed = collapsed;
    return KPI_OK;
}

static kpi_status decode(kpi_sketch **out, const unsigned char *p, size_t size)
{
    if (size < 4 || memcmp(p, MAGIC, 4) != 0) {
        if (size < 4 && memcmp(p, MAGIC, size) == 0)
            return bad_at(KPI_ECORRUPT, size, "truncated: %zu bytes, not even a header", size);
        return bad_at(KPI_ECORRUPT, 0, "not a kpiscore sketch (magic is not \"KPSK\")");
    }
    if (size < KPI__SK_OFF_ALPHA)
        return bad_at(KPI_ECORRUPT, size, "truncated: %zu bytes, not even a header", size);
    unsigned version = (unsigned)get_le(p + KPI__SK_OFF_VERSION, 2);
    if (version == 0)
        return bad_at(KPI_ECORRUPT, KPI__SK_OFF_VERSION, "format version 0 does not exist");
    if (version > KPI__SK_VERSION)
        return bad_at(KPI_EVERSION, KPI__SK_OFF_VERSION,
                      "sketch format version %u is newer than this library's %u", version,
                      (unsigned)KPI__SK_VERSION);
    size_t total = (size_t)get_le(p + KPI__SK_OFF_TOTAL, 4);
    if (total < MIN_SIZE)
        return bad_at(KPI_ECORRUPT, KPI__SK_OFF_TOTAL, "stated length %zu is below the minimum %d",
                      total, MIN_SIZE);
    if (size < total)
        return bad_at(KPI_ECORRUPT, size, "truncated: %zu bytes of %zu", size, total);
    if (size > total)
        return bad_at(KPI_ECORRUPT, total, "%zu unexpected bytes after the sketch", size - total);
    size_t end = total - 4;
    uint32_t crc = (uint32_t)get_le(p + end, 4);
    if (crc != kpi__crc32(0, p, end))
        return bad_at(KPI_ECORRUPT, end, "checksum mismatch: the data is corrupt");
    unsigned flags = (unsigned)get_le(p + KPI__SK_OFF_FLAGS, 2);
    if (flags > 3)
        return bad_at(KPI_ECORRUPT, KPI__SK_OFF_FLAGS, "unknown flags 0x%x", flags);
    double alpha = double_of(get_le(p + KPI__SK_OFF_ALPHA, 8));
    uint32_t maxb = (uint32_t)get_le(p + KPI__SK_OFF_MAXB, 4);
    if (!(alpha >= ALPHA_MIN && alpha <= ALPHA_MAX))
        return bad_at(KPI_ECORRUPT, KPI__SK_OFF_ALPHA, "alpha %g is outside [%g, %g]", alpha,
                      ALPHA_MIN, ALPHA_MAX);
    if (maxb < BUCKETS_MIN || maxb > BUCKETS_MAX)
        return bad_at(KPI_ECORRUPT, KPI__SK_OFF_MAXB, "max_buckets %u is outside [%u, %u]",
                      (unsigned)maxb, BUCKETS_MIN, BUCKETS_MAX);
    uint64_t count = get_le(p + KPI__SK_OFF_COUNT, 8);
    uint64_t zeros = get_le(p + KPI__SK_OFF_ZEROS, 8);
    double mn = double_of(get_le(p + KPI__SK_OFF_MIN, 8));
    double mx = double_of(get_le(p + KPI__SK_OFF_MAX, 8));
    if (mn - mn != 0 || (count == 0 && bits_of(mn) != 0))
        return bad_at(KPI_ECORRUPT, KPI__SK_OFF_MIN, "minimum %g is not possible here", mn);
    if (mx - mx != 0 || (count == 0 && bits_of(mx) != 0) || mx < mn)
        return bad_at(KPI_ECORRUPT, KPI__SK_OFF_MAX, "maximum %g is not possible here (minimum %g)",
                      mx, mn);
    int first = p[KPI__SK_OFF_SUM], digits = p[KPI__SK_OFF_SUM + 1];
    if (first + digits > SUM_DIGITS || (digits == 0 && first != 0))
        return bad_at(KPI_ECORRUPT, KPI__SK_OFF_SUM, "sum digits %d..%d lie outside 0..%d", first,
                      first + digits - 1, SUM_DIGITS - 1);
    size_t pos = KPI__SK_OFF_SUM + 2;
    if (end - pos < 8 * (size_t)digits)
        return bad_at(KPI_ECORRUPT, pos, "sum digits run past the end of the data");

    kpi_sketch *sk = alloc_sketch(alpha, maxb);
    if (!sk)
        return KPI_ENOMEM;
    kpi_status st = KPI_OK;
    for (int i = 0; i < digits && !st; i++, pos += 8) {
        int64_t d = (int64_t)get_le(p + pos, 8);
        bool top = first + i == SUM_DIGITS - 1;
        if ((!top && (d < 0 || (uint64_t)d > SUM_MASK)) || (d == 0 && (i == 0 || i == digits - 1)))
            st = bad_at(KPI_ECORRUPT, pos, "sum digit %d is not in canonical form", first + i);
        sk->sum[first + i] = d;
    }
    uint64_t in_stores = 0;
    if (!st)
        st = read_store(sk, &sk->pos, p, &pos, end, flags & 1, &in_stores, "positive");
    if (!st)
        st = read_store(sk, &sk->neg, p, &pos, end, (flags >> 1) & 1, &in_stores, "negative");
    if (!st && pos != end)
        st = bad_at(KPI_ECORRUPT, pos, "%zu unexpected bytes before the checksum", end - pos);
    if (!st && (zeros > count || in_stores != count - zeros))
        st = bad_at(KPI_ECORRUPT, KPI__SK_OFF_COUNT,
                    "count %llu differs from the zero bucket (%llu) plus the buckets (%llu)",
                    (unsigned long long)count, (unsigned long long)zeros,
                    (unsigned long long)in_stores);
    if (!st && count > 0 && ((sk->neg.lo <= sk->neg.hi) != (mn <= -DBL_MIN) ||
                       (sk->pos.lo <= sk->pos.hi) != (mx >= DBL_MIN)))
        st = bad_at(KPI_ECORRUPT, KPI__SK_OFF_MIN,
                    "minimum %g and maximum %g disagree with the signs of the buckets", mn, mx);
    if (st) {
        kpi_sketch_free(sk);
        return st;
    }
    sk->count = count;
    sk->zeros = zeros;
    sk->min = mn;
    sk->max = mx;
    *out = sk;
    return KPI_OK;
}

kpi_status kpi_sketch_deserialize(kpi_sketch **out, const void *data, size_t size)
{
    kpi__error_reset();
    if (!out || (!data && size))
        return kpi__fail(KPI_EINVAL, "kpi_sketch_deserialize: out and data must not be NULL");
    if (!data)
        return bad_at(KPI_ECORRUPT, 0, "truncated: 0 bytes, not even a header");
    if (size > kpi__limits()->state_bytes)
        return bad_at(KPI_ELIMIT, kpi__limits()->state_bytes,
                      "a sketch of %zu bytes exceeds the limit of %zu (state_bytes)", size,
                      kpi__limits()->state_bytes);
    return decode(out, data, size);
}
