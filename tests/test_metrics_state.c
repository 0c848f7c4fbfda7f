/* test_metrics_state.c - the serialised accumulator: round trips, and corrupt,
 * truncated, future-version and foreign states rejected with a status and
 * the byte offset, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics_internal.h"

#define T_NOV INT64_C(1793464200000) /* 2026-11-01T00:30+08:00 */
#define T_DEC (T_NOV + INT64_C(30) * 86400000)

static kpi_metric_registry *small_registry(void)
{
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, 0), KPI_OK);
    kpi_metric_term t = KPI_METRIC_TERM_INIT;
    t.events = KPI_EVENT_BIT(KPI_EVENT_REPLY);
    kpi_metric_def d = KPI_METRIC_DEF_INIT;
    d.num = &t;
    d.num_count = 1;
    d.id = "rt_var";
    d.kind = KPI_METRIC_VARIANCE;
    assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    d.id = "rt_p90";
    d.kind = KPI_METRIC_QUANTILE;
    assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    return reg;
}

/* One agent, two months, replies 5, 5, 9 ms in November and 7 ms in December. */
static kpi_metrics *small_metrics(const kpi_metric_registry *reg)
{
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK);
    uint32_t a[4] = {0, 0, 0, 0};
    uint16_t e[4] = {KPI_EVENT_REPLY, KPI_EVENT_REPLY, KPI_EVENT_REPLY, KPI_EVENT_REPLY};
    int64_t v[4] = {5, 9, 5, 7}, t[4] = {T_NOV, T_NOV, T_NOV, T_DEC};
    assert_int_equal(kpi_metrics_add_batch(m, a, e, v, t, 4), KPI_OK);
    return m;
}

static uint8_t *save(const kpi_metrics *m, size_t *n)
{
    assert_int_equal(kpi_metrics_save(m, NULL, 0, n), KPI_OK);
    uint8_t *b = malloc(*n + 64);
    assert_non_null(b);
    assert_int_equal(kpi_metrics_save(m, b, *n, n), KPI_OK);
    return b;
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_checksum(uint8_t *b, size_t n)
{
    put_le(b + n - 8, kpi__fnv1a(KPI__FNV_OFFSET, b, n - 8), 8);
}

static size_t skip_varint(const uint8_t *b, size_t off)
{
    while (b[off] & 0x80)
        off++;
    return off + 1;
}

static void test_round_trip(void **state)
{
    (void)state;
    kpi_metric_registry *reg = small_registry();
    kpi_metrics *m = small_metrics(reg);
    size_t n;
    uint8_t *b = save(m, &n);
    assert_memory_equal(b, "KPIMSTAT\x03\x00\x30\x00", 12);
    kpi_metrics *back;
    assert_int_equal(kpi_metrics_load(&back, reg, b, n, 0), KPI_OK);
    assert_int_equal(kpi_metrics_period_count(back), 2);
    kpi_dec v;
    assert_int_equal(kpi_metrics_quantile(back, 0, 0, 1, KPI_DEC_ONE / 2, KPI_QUANTILE_LINEAR, &v), KPI_OK);
    assert_true(v == KPI_DEC_INT(5));
    assert_int_equal(kpi_metrics_value(back, 0, 0, 0, &v), KPI_OK);
    assert_true(v == KPI_DEC_INT(16) / 3); /* sample variance of 5, 5, 9 */
    size_t n2;
    uint8_t *b2 = save(back, &n2);
    assert_int_equal(n, n2);
    assert_memory_equal(b, b2, n);
    /* too small a buffer: KPI_ERANGE with the size */
    size_t need;
    assert_int_equal(kpi_metrics_save(m, b2, n - 1, &need), KPI_ERANGE);
    assert_int_equal(need, n);
    assert_int_equal(kpi_metrics_save(m, NULL, 5, &need), KPI_EINVAL);
    /* an empty accumulator saves and loads */
    kpi_metrics *empty;
    assert_int_equal(kpi_metrics_new(&empty, reg, NULL), KPI_OK);
    free(b2);
    b2 = save(empty, &n2);
    assert_int_equal(n2, 48 + 8);
    kpi_metrics_free(back);
    assert_int_equal(kpi_metrics_load(&back, reg, b2, n2, 0), KPI_OK);
    assert_int_equal(kpi_metrics_period_count(back), 0);
    /* another registry: refused */
    kpi_metric_registry *builtins;
    assert_int_equal(kpi_metric_registry_new(&builtins, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics *other = NULL;
    assert_int_equal(kpi_metrics_load(&other, builtins, b, n, 0), KPI_EMISMATCH);
    assert_int_equal(kpi_error_offset(kpi_error_last()), 16);
    assert_null(other);
    kpi_metric_registry_free(builtins);
    free(b);
    free(b2);
    kpi_metrics_free(empty);
    kpi_metrics_free(back);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

/* ---- corrupt states ---------------------------------------------------------- */

typedef struct {
    const char *name;
    kpi_status code;
    long long offset;  /* expected kpi_error_offset(); -2: the checksum's */
    const char *fragment;
} expect;

static void check_load(const kpi_metric_registry *reg, const uint8_t *b, size_t n, size_t max,
                       const expect *x)
{
    kpi_metrics *out = NULL;
    kpi_status st = kpi_metrics_load(&out, reg, b, n, max);
    long long off = kpi_error_offset(kpi_error_last());
    long long want = x->offset == -2 ? (long long)n - 8 : x->offset;
    if (st != x->code || off != want || !strstr(kpi_error_message(kpi_error_last()), x->fragment))
        fail_msg("%s: got status %d offset %lld '%s'; expected %d at %lld with '%s'", x->name, st,
                 off, kpi_error_message(kpi_error_last()), x->code, want, x->fragment);
    assert_null(out);
}

/* A mutation of a good state; returns the new size. */
typedef size_t (*mutate_fn)(uint8_t *b, size_t n, const kpi_metrics *m);

static size_t cut_to(uint8_t *b, size_t n, size_t keep) { (void)b; (void)n; return keep; }
static size_t m_empty(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; return cut_to(b, n, 0); }
static size_t m_seven(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; return cut_to(b, n, 7); }
static size_t m_magic(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; b[3] = 'X'; return n; }
static size_t m_short(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; return cut_to(b, n, 40); }
static size_t m_v0(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; put_le(b + 8, 0, 2); return n; }
static size_t m_v2(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; put_le(b + 8, 2, 2); return n; }
static size_t m_v4(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; put_le(b + 8, 4, 2); return n; }
static size_t m_hlen(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; put_le(b + 10, 47, 2); return n; }
static size_t m_flags(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; b[12] = 1; return n; }
static size_t m_fp(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; b[20] ^= 1; return n; }
static size_t m_kind(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; b[24] = 9; return n; }
static size_t m_resv(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; b[26] = 1; return n; }
static size_t m_tz(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; put_le(b + 28, 2000, 4); return n; }
static size_t m_words(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; b[40]++; return n; }
static size_t m_stores(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; b[44]++; return n; }
static size_t m_agents(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; put_le(b + 32, 0xffffffffu, 4); return n; }
static size_t m_periods(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; put_le(b + 36, 1000000, 4); return n; }

/* body: 48 = key of November (a delta from day 0), then December's delta */
static size_t m_key_order(uint8_t *b, size_t n, const kpi_metrics *m)
{
    (void)m;
    size_t k1 = skip_varint(b, 48);
    b[k1] = 0; /* December's key = November's: not ascending */
    fix_checksum(b, n);
    return n;
}

static size_t m_key_start(uint8_t *b, size_t n, const kpi_metrics *m)
{
    (void)m;
    b[48] ^= 2; /* November's key +-1 day: not the first of a month */
    fix_checksum(b, n);
    return n;
}

/* Offset of word @w of period @p's only cell. */
static size_t word_offset(const uint8_t *b, const kpi_metrics *m, size_t p, size_t w)
{
    size_t off = skip_varint(b, skip_varint(b, 48));
    for (size_t i = 0; i < p * m->s->words + w; i++)
        off = skip_varint(b, off);
    return off;
}

/* Offset of the first store's run count (after its kind tag). */
static size_t stores_offset(const uint8_t *b, const kpi_metrics *m)
{
    return skip_varint(b, word_offset(b, m, 2, 0));
}

static size_t pad_word(const kpi_metrics *m)
{
    for (size_t w = 0; w < m->s->words; w++)
        if (m->s->wkind[w] == KPI__W_PAD)
            return w;
    fail_msg("no padding word in the layout");
    return 0;
}


static size_t sticky_word(const kpi_metrics *m)
{
    for (size_t w = 0; w < m->s->words; w++)
        if (m->s->wkind[w] == KPI__W_STICKY)
            return w;
    fail_msg("no overflow flag in the layout");
    return 0;
}

static size_t m_sticky(uint8_t *b, size_t n, const kpi_metrics *m)
{
    b[word_offset(b, m, 0, sticky_word(m))] = 4; /* zigzag 4 = 2: a flag is 0 or 1 */
    fix_checksum(b, n);
    return n;
}

static size_t m_sticky_kept(uint8_t *b, size_t n, const kpi_metrics *m)
{
    b[word_offset(b, m, 0, sticky_word(m))] = 2; /* flag 1 while the sum is kept */
    fix_checksum(b, n);
    return n;
}

/* stores: November [n=2: 5 x2, 9 x1], December [n=1: 7 x1] */
static size_t m_runs_order(uint8_t *b, size_t n, const kpi_metrics *m)
{
    size_t s = stores_offset(b, m);
    assert_int_equal(b[s], 2);
    b[s + 3] = 0; /* 9 - 5 = 4 becomes 0: not strictly ascending */
    fix_checksum(b, n);
    return n;
}

static size_t m_run_zero(uint8_t *b, size_t n, const kpi_metrics *m)
{
    size_t s = stores_offset(b, m);
    b[s + 2] = 0; /* value 5 seen 0 times */
    fix_checksum(b, n);
    return n;
}

static size_t m_run_count(uint8_t *b, size_t n, const kpi_metrics *m)
{
    size_t s = stores_offset(b, m);
    b[s] = 100; /* 100 runs in a few bytes */
    fix_checksum(b, n);
    return n;
}

static size_t m_key_huge(uint8_t *b, size_t n, const kpi_metrics *m)
{
    size_t k1 = skip_varint(b, 48), len = k1 - 48;
    static const uint8_t huge[9] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    memmove(b + 48 + 9, b + k1, n - k1); /* November's key near 2^62 days */
    memcpy(b + 48, huge, 9);
    fix_checksum(b, n + 9 - len);
    (void)m;
    return n + 9 - len;
}

static size_t m_wide_varint(uint8_t *b, size_t n, const kpi_metrics *m)
{
    size_t s = word_offset(b, m, 0, 0);
    memmove(b + s + 10, b + s + 1, n - s - 1); /* 10 bytes, the last > 1: past 64 bits */
    for (int i = 0; i < 9; i++)
        b[s + i] = 0xff;
    b[s + 9] = 0x02;
    fix_checksum(b, n + 9);
    (void)m;
    return n + 9;
}

static size_t m_extra(uint8_t *b, size_t n, const kpi_metrics *m)
{
    (void)m;
    memmove(b + n - 8 + 3, b + n - 8, 8);
    memset(b + n - 8, 0, 3); /* three bytes after the body */
    fix_checksum(b, n + 3);
    return n + 3;
}

static size_t m_truncated_body(uint8_t *b, size_t n, const kpi_metrics *m)
{
    (void)m;
    memmove(b + n - 8 - 2, b + n - 8, 8); /* the last two body bytes gone */
    fix_checksum(b, n - 2);
    return n - 2;
}

static size_t m_checksum(uint8_t *b, size_t n, const kpi_metrics *m) { (void)m; b[n - 1] ^= 0x40; return n; }

static size_t m_body_bit(uint8_t *b, size_t n, const kpi_metrics *m)
{
    /* December's reply count 1 -> 3: well formed */
    b[word_offset(b, m, 1, m->s->desc[2 * KPI_EVENT_REPLY].cnt)] ^= 0x04;
    return n;
}

static void test_corrupt_states(void **state)
{
    (void)state;
    kpi_metric_registry *reg = small_registry();
    kpi_metrics *m = small_metrics(reg);
    size_t n;
    uint8_t *good = save(m, &n);
    struct { mutate_fn f; expect x; } cases[] = {
        {m_empty, {"empty", KPI_ECORRUPT, 0, "magic"}},
        {m_seven, {"7 bytes", KPI_ECORRUPT, 0, "magic"}},
        {m_magic, {"bad magic", KPI_ECORRUPT, 0, "not a kpiscore metrics state"}},
        {m_short, {"short header", KPI_ECORRUPT, 40, "truncated"}},
        {m_v0, {"version 0", KPI_ECORRUPT, 8, "version 0"}},
        {m_v2, {"version 2", KPI_EVERSION, 8, "development build"}},
        {m_v4, {"version 4", KPI_EVERSION, 8, "newer than this library"}},
        {m_hlen, {"header length", KPI_ECORRUPT, 10, "header length"}},
        {m_flags, {"flags", KPI_EVERSION, 12, "unknown flags"}},
        {m_fp, {"fingerprint", KPI_EMISMATCH, 16, "other metric definitions"}},
        {m_kind, {"period kind", KPI_ECORRUPT, 24, "period kind"}},
        {m_resv, {"reserved", KPI_ECORRUPT, 25, "reserved"}},
        {m_tz, {"utc offset", KPI_ECORRUPT, 28, "UTC offset"}},
        {m_words, {"words", KPI_ECORRUPT, 40, "words per cell"}},
        {m_stores, {"stores", KPI_ECORRUPT, 44, "quantile stores"}},
        {m_agents, {"agents", KPI_ECORRUPT, 32, "exceed the body"}},
        {m_periods, {"periods", KPI_ECORRUPT, 32, "exceed the body"}},
        {m_key_order, {"key order", KPI_ECORRUPT, -1, "out of order"}},
        {m_key_start, {"key start", KPI_ECORRUPT, 48, "not a period start"}},
        {m_sticky, {"flag 2", KPI_ECORRUPT, -1, "overflow flag"}},
        {m_sticky_kept, {"flag with sum", KPI_ECORRUPT, -1, "overflow flag"}},
        {m_runs_order, {"runs order", KPI_ECORRUPT, -1, "strictly ascending"}},
        {m_run_zero, {"run count 0", KPI_ECORRUPT, -1, "run count is 0"}},
        {m_run_count, {"run count", KPI_ECORRUPT, -1, "run count exceeds"}},
        {m_key_huge, {"huge key", KPI_ECORRUPT, 48, "not a period start"}},
        {m_wide_varint, {"65-bit number", KPI_ECORRUPT, -1, "does not fit 64 bits"}},
        {m_extra, {"extra bytes", KPI_ECORRUPT, -1, "unexpected bytes"}},
        {m_truncated_body, {"truncated body", KPI_ECORRUPT, -1, "run count exceeds the body"}},
        {m_checksum, {"checksum", KPI_ECORRUPT, -2, "checksum"}},
        {m_body_bit, {"flipped count", KPI_ECORRUPT, -2, "checksum"}},
    };
    /* offsets that depend on the varint layout, computed from the good state */
    size_t k1 = skip_varint(good, 48), so = stores_offset(good, m);
    long long at[] = {[17] = (long long)k1,
                      [19] = (long long)word_offset(good, m, 0, sticky_word(m)),
                      [20] = (long long)word_offset(good, m, 0, sticky_word(m)),
                      [21] = (long long)so + 3, [22] = (long long)so + 2, [23] = (long long)so,
                      [25] = (long long)word_offset(good, m, 0, 0),
                      [26] = (long long)n - 8, [27] = -1};
    uint8_t *b = malloc(n + 64);
    assert_non_null(b);
    size_t ncases = sizeof cases / sizeof cases[0];
    assert_true(ncases >= 20);
    for (size_t i = 0; i < ncases; i++) {
        memcpy(b, good, n);
        size_t len = cases[i].f(b, n, m);
        expect x = cases[i].x;
        if (x.offset == -1 && i < sizeof at / sizeof at[0] && at[i] >= 0)
            x.offset = at[i];
        if (i == 27) /* the last run count is cut short: the body ends inside it */
            x.offset = (long long)len - 8 - 1;
        check_load(reg, b, len, 0, &x);
    }
    /* the size limit */
    expect lim = {"limit", KPI_ELIMIT, (long long)n - 1, "exceeds the limit"};
    kpi_error_clear();
    check_load(reg, good, n, n - 1, &lim);
    kpi_metrics *out;
    assert_int_equal(kpi_metrics_load(&out, reg, good, n, n), KPI_OK);
    kpi_metrics_free(out);
    assert_int_equal(kpi_metrics_load(&out, NULL, good, n, 0), KPI_EINVAL);
    assert_int_equal(kpi_metrics_load(&out, reg, NULL, n, 0), KPI_EINVAL);
    free(b);
    free(good);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

/*
 * fuzz_state, first minutes: a number written with a redundant continuation
 * byte ("f2 00" for 0x72) loaded, then saved back one byte shorter, so a
 * state's bytes were not its only encoding. Overlong numbers are now refused.
 */
/* The words that keep counts aligned must read 0 (the built-in layout has some). */
static void test_padding_word(void **state)
{
    (void)state;
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.period = KPI_PERIOD_ALL;
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, &o), KPI_OK);
    uint32_t a = 0;
    uint16_t e = KPI_EVENT_CALL_ANSWERED;
    int64_t v = 15000;
    assert_int_equal(kpi_metrics_add_batch(m, &a, &e, &v, NULL, 1), KPI_OK);
    size_t n;
    uint8_t *b = save(m, &n);
    /* body: one period key (0), then the cell's words, one byte each but the sums' */
    size_t off = skip_varint(b, 48), pad = pad_word(m);
    for (size_t w = 0; w < pad; w++)
        off = skip_varint(b, off);
    assert_int_equal(b[off], 0);
    b[off] = 2;
    fix_checksum(b, n);
    expect x = {"padding word", KPI_ECORRUPT, (long long)off, "padding word is not 0"};
    check_load(reg, b, n, 0, &x);
    free(b);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

static void test_overlong_varint_rejected(void **state)
{
    (void)state;
    kpi_metric_registry *reg = small_registry();
    kpi_metrics *m = small_metrics(reg);
    size_t n;
    uint8_t *good = save(m, &n);
    size_t at = word_offset(good, m, 0, 0);
    assert_true(good[at] < 0x80); /* a one-byte number */
    uint8_t *b = malloc(n + 1);
    assert_non_null(b);
    memcpy(b, good, at);
    b[at] = (uint8_t)(good[at] | 0x80);
    b[at + 1] = 0;
    memcpy(b + at + 2, good + at + 1, n - at - 1);
    fix_checksum(b, n + 1);
    expect x = {"overlong number", KPI_ECORRUPT, (long long)at, "shortest form"};
    check_load(reg, b, n + 1, 0, &x);
    /* the shortest form of the same state still loads and saves to itself */
    kpi_metrics *back;
    assert_int_equal(kpi_metrics_load(&back, reg, good, n, 0), KPI_OK);
    size_t n2;
    uint8_t *again = save(back, &n2);
    assert_int_equal(n2, n);
    assert_memory_equal(again, good, n);
    free(again);
    kpi_metrics_free(back);
    free(b);
    free(good);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

/* Every truncation and every single-byte change of a larger state: rejected, never a crash. */
static void test_mutations_never_crash(void **state)
{
    (void)state;
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.period = KPI_PERIOD_DAY;
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, &o), KPI_OK);
    uint32_t a[64];
    uint16_t e[64];
    int64_t v[64], t[64];
    for (int i = 0; i < 64; i++) {
        a[i] = (uint32_t)(i % 3);
        e[i] = (uint16_t)(i % KPI_EVENT_BUILTIN_COUNT) | (i % 7 == 0 ? KPI_EVENT_EXCUSED : 0);
        v[i] = (i * 7919) % 50000 - 100;
        t[i] = T_NOV + (int64_t)(i % 4) * 86400000;
    }
    assert_int_equal(kpi_metrics_add_batch(m, a, e, v, t, 64), KPI_OK);
    size_t n;
    uint8_t *good = save(m, &n), *b = malloc(n);
    assert_non_null(b);
    size_t rejected = 0;
    for (size_t len = 0; len < n; len++) {
        kpi_metrics *out = NULL;
        kpi_status st = kpi_metrics_load(&out, reg, good, len, 0);
        assert_true(st == KPI_ECORRUPT);
        assert_true(kpi_error_offset(kpi_error_last()) >= 0 &&
                    kpi_error_offset(kpi_error_last()) <= (long long)len);
        rejected++;
    }
    static const uint8_t flips[] = {0x01, 0x80, 0xff, 0x10};
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < sizeof flips; f++) {
            memcpy(b, good, n);
            b[i] ^= flips[f];
            kpi_metrics *out = NULL;
            kpi_status st = kpi_metrics_load(&out, reg, b, n, 0);
            if (st == KPI_OK) /* never: the checksum covers every byte */
                fail_msg("byte %zu ^ 0x%02x was accepted", i, flips[f]);
            assert_true(st == KPI_ECORRUPT || st == KPI_EVERSION || st == KPI_EMISMATCH);
            assert_true(kpi_error_offset(kpi_error_last()) >= 0 &&
                        kpi_error_offset(kpi_error_last()) < (long long)n);
            rejected++;
        }
    assert_true(rejected > 1000);
    free(b);
    free(good);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_corrupt_states),
        cmocka_unit_test(test_padding_word),
        cmocka_unit_test(test_overlong_varint_rejected),
        cmocka_unit_test(test_mutations_never_crash),
    };
    return cmocka_run_group_tests_name("metrics_state", tests, NULL, NULL);
}
