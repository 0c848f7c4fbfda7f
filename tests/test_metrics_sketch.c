/* test_metrics_sketch.c - KPI_METRIC_QUANTILE_SKETCH in the accumulators:
 * within alpha of the exact quantile, merge-order and thread independence,
 * the state with sketch stores, roll-ups, allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "metrics_internal.h"
#include "alloc_countdown.h"
#include "metrics_state_util.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

typedef struct {
    uint32_t *a;
    uint16_t *e;
    int64_t *v, *t;
    size_t n;
} cols;

/*
 * @agents agents, about @per response times each: log-uniform between
 * 10 ms and 1 h (so with many distinct values), whole milliseconds, some
 * repeated; plus consultations. One month in Beijing.
 */
static cols make_rows(uint32_t agents, size_t per, uint64_t seed)
{
    rng_state = seed;
    size_t n = (size_t)agents * per * 2;
    cols c = {malloc(n * 4), malloc(n * 2), malloc(n * 8), malloc(n * 8), 0};
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd();
        c.a[i] = (uint32_t)(r % agents);
        if (r >> 63) {
            double u = (double)(rnd() >> 11) / 9007199254740992.0;
            c.e[i] = KPI_EVENT_REPLY;
            c.v[i] = (r >> 40) % 7 == 0 ? 30000 : (int64_t)(10.0 * pow(360000.0, u));
        } else {
            c.e[i] = KPI_EVENT_CONSULT;
            c.v[i] = 1;
        }
        c.t[i] = INT64_C(1793464200000) + (int64_t)(rnd() % (INT64_C(29) * 86400000));
        c.n++;
    }
    return c;
}

static void cols_free(cols *c)
{
    free(c->a);
    free(c->e);
    free(c->v);
    free(c->t);
}

/* Exact p90 (lower), the same sketched at 1 % and at 5 %. */
static kpi_metric_registry *registry(size_t *exact, size_t *sk1, size_t *sk5)
{
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, 0), KPI_OK);
    kpi_metric_term t = KPI_METRIC_TERM_INIT;
    t.events = KPI_EVENT_BIT(KPI_EVENT_REPLY);
    kpi_metric_def d = KPI_METRIC_DEF_INIT;
    d.num = &t;
    d.num_count = 1;
    d.unit = KPI_UNIT_SECOND;
    d.method = KPI_QUANTILE_LOWER;
    d.id = "p90";
    d.kind = KPI_METRIC_QUANTILE;
    assert_int_equal(kpi_metric_registry_add(reg, &d, exact), KPI_OK);
    d.id = "p90_sketch";
    d.kind = KPI_METRIC_QUANTILE_SKETCH;
    assert_int_equal(kpi_metric_registry_add(reg, &d, sk1), KPI_OK);
    d.id = "p90_sketch5";
    d.sketch_alpha = KPI_DEC_ONE / 20;
    assert_int_equal(kpi_metric_registry_add(reg, &d, sk5), KPI_OK);
    return reg;
}

static kpi_metrics *fresh(const kpi_metric_registry *reg)
{
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK);
    return m;
}

static void add(kpi_metrics *m, const cols *c, size_t from, size_t to)
{
    kpi_status st = kpi_metrics_add_batch(m, c->a + from, c->e + from, c->v + from, c->t + from,
                                          to - from);
    if (st != KPI_OK)
        fail_msg("add: %s", kpi_error_text(kpi_error_last()));
}

/* ---- accuracy --------------------------------------------------------------- */

static void check_within(const kpi_metrics *m, size_t exact, size_t sk, kpi_dec alpha,
                         uint32_t agents)
{
    const kpi_dec qs[] = {0, KPI_DEC_ONE / 10, KPI_DEC_ONE / 2, 9 * (KPI_DEC_ONE / 10),
                          99 * (KPI_DEC_ONE / 100), KPI_DEC_ONE};
    for (uint32_t a = 0; a < agents; a++) {
        kpi_dec e[6], s[6];
        assert_int_equal(kpi_metrics_quantiles(m, a, 0, exact, qs, 6, KPI_QUANTILE_LOWER, e), KPI_OK);
        assert_int_equal(kpi_metrics_quantiles(m, a, 0, sk, qs, 6, KPI_QUANTILE_LOWER, s), KPI_OK);
        for (int i = 0; i < 6; i++) {
            /* alpha relative, plus one unit of the last place for the rounding to 10^-9 */
            double bound = (double)alpha / KPI_DEC_ONE * (double)llabs(e[i]) + 1.0;
            if (fabs((double)s[i] - (double)e[i]) > bound)
                fail_msg("agent %u q[%d]: sketch %lld, exact %lld, bound %.0f", a, i,
                         (long long)s[i], (long long)e[i], bound);
            if (i == 0 || i == 5) /* min and max are exact */
                assert_int_equal(s[i], e[i]);
        }
        kpi_dec v, ve;
        assert_int_equal(kpi_metrics_value(m, a, 0, sk, &v), KPI_OK);
        assert_int_equal(kpi_metrics_value(m, a, 0, exact, &ve), KPI_OK);
        assert_int_equal(v, s[3]);
        assert_int_equal(ve, e[3]);
    }
}

static void test_within_alpha_of_exact(void **state)
{
    (void)state;
    size_t exact, sk1, sk5;
    kpi_metric_registry *reg = registry(&exact, &sk1, &sk5);
    /* the defaults read back, stated */
    assert_int_equal(kpi_metric_registry_def(reg, sk1)->sketch_alpha, KPI_DEC_ONE / 100);
    assert_int_equal(kpi_metric_registry_def(reg, sk1)->sketch_buckets, 2048);
    assert_int_equal(kpi_metric_registry_def(reg, exact)->kind, KPI_METRIC_QUANTILE);
    assert_int_equal(kpi_metric_registry_def(reg, exact)->sketch_alpha, 0);
    cols c = make_rows(40, 2000, 7);
    kpi_metrics *m = fresh(reg);
    add(m, &c, 0, c.n);
    check_within(m, exact, sk1, KPI_DEC_ONE / 100, 40);
    check_within(m, exact, sk5, KPI_DEC_ONE / 20, 40);
    /* compacting moves the pending values into the sketches: same answers */
    assert_int_equal(kpi_metrics_compact(m), KPI_OK);
    check_within(m, exact, sk1, KPI_DEC_ONE / 100, 40);
    /* bounded memory: values from 10 ms to 1 h at 1 % fit in 2 KiB per agent-metric */
    size_t bytes;
    assert_int_equal(kpi_metrics_quantile_memory(m, 0, 0, sk1, &bytes), KPI_OK);
    assert_true(bytes <= 2048);
    size_t ebytes;
    assert_int_equal(kpi_metrics_quantile_memory(m, 0, 0, exact, &ebytes), KPI_OK);
    assert_true(ebytes > bytes);
    /* raw: count, sum, exact min and max */
    kpi_metric_raw rs = KPI_METRIC_RAW_INIT, re = KPI_METRIC_RAW_INIT;
    assert_int_equal(kpi_metrics_raw(m, 3, 0, sk1, &rs), KPI_OK);
    assert_int_equal(kpi_metrics_raw(m, 3, 0, exact, &re), KPI_OK);
    assert_memory_equal(&rs, &re, sizeof rs);
    /* a sketch reports "lower" only; an agent without rows is N/A */
    kpi_dec v;
    assert_int_equal(kpi_metrics_quantile(m, 0, 0, sk1, KPI_DEC_ONE / 2, KPI_QUANTILE_LINEAR, &v),
                     KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "is sketched"));
    assert_int_equal(kpi_metrics_value(m, 5000, 0, sk1, &v), KPI_ENA);
    assert_int_equal(kpi_metrics_quantile(m, 0, 0, sk1, KPI_DEC_ONE * 2, KPI_QUANTILE_LOWER, &v),
                     KPI_ERANGE);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
    cols_free(&c);
}

/* ---- merge order, threads, roll-up ---------------------------------------- */

static void test_merge_order_independent(void **state)
{
    (void)state;
    size_t exact, sk1, sk5;
    kpi_metric_registry *reg = registry(&exact, &sk1, &sk5);
    cols c = make_rows(50, 200, 11);
    kpi_metrics *one = fresh(reg);
    add(one, &c, 0, c.n);
    rng_state = 99;
    for (int trial = 0; trial < 12; trial++) {
        /* five parts at random cuts, merged in a random order, or in a tree */
        size_t cut[6] = {0, 0, 0, 0, 0, c.n};
        for (int k = 1; k < 5; k++)
            cut[k] = (size_t)(rnd() % c.n);
        for (int i = 1; i < 5; i++) /* sort the cuts */
            for (int j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
                size_t t = cut[j];
                cut[j] = cut[j - 1];
                cut[j - 1] = t;
            }
        kpi_metrics *part[5];
        for (int k = 0; k < 5; k++) {
            part[k] = fresh(reg);
            add(part[k], &c, cut[k], cut[k + 1]);
            if (rnd() % 2)
                assert_int_equal(kpi_metrics_compact(part[k]), KPI_OK);
        }
        int order[5] = {0, 1, 2, 3, 4};
        for (int k = 4; k > 0; k--) {
            int j = (int)(rnd() % (uint64_t)(k + 1)), t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        if (trial % 2) {
            for (int k = 1; k < 5; k++)
                assert_int_equal(kpi_metrics_merge(part[order[0]], part[order[k]]), KPI_OK);
            assert_true(same_state(part[order[0]], one));
        } else {
            assert_int_equal(kpi_metrics_merge(part[order[0]], part[order[1]]), KPI_OK);
            assert_int_equal(kpi_metrics_merge(part[order[2]], part[order[3]]), KPI_OK);
            assert_int_equal(kpi_metrics_merge(part[order[2]], part[order[4]]), KPI_OK);
            assert_int_equal(kpi_metrics_merge(part[order[2]], part[order[0]]), KPI_OK);
            assert_true(same_state(part[order[2]], one));
        }
        for (int k = 0; k < 5; k++)
            kpi_metrics_free(part[k]);
    }
    for (unsigned threads = 2; threads <= 4; threads++) {
        kpi_metrics *mt = fresh(reg);
        assert_int_equal(kpi_metrics_add_batch_threads(mt, c.a, c.e, c.v, c.t, c.n, threads), KPI_OK);
        assert_true(same_state(mt, one));
        kpi_metrics_free(mt);
    }
    /* definitions with another alpha do not merge */
    kpi_metric_registry *other;
    assert_int_equal(kpi_metric_registry_new(&other, 0), KPI_OK);
    for (size_t i = 0; i < kpi_metric_registry_count(reg); i++) {
        kpi_metric_def d = *kpi_metric_registry_def(reg, i);
        if (i == sk5)
            d.sketch_alpha = KPI_DEC_ONE / 50;
        assert_int_equal(kpi_metric_registry_add(other, &d, NULL), KPI_OK);
    }
    kpi_metrics *mo = fresh(other);
    assert_int_equal(kpi_metrics_merge(mo, one), KPI_EMISMATCH);
    kpi_metrics_free(mo);
    kpi_metric_registry_free(other);
    /* roll-up: the team's sketch is the merge of its members' */
    kpi_agents *ag;
    assert_int_equal(kpi_agents_new(&ag), KPI_OK);
    for (int i = 0; i < 50; i++) {
        char id[8];
        snprintf(id, sizeof id, "A%d", i);
        assert_int_equal(kpi_agents_add(ag, id, "t", "c", NULL), KPI_OK);
    }
    kpi_metrics *team;
    assert_int_equal(kpi_metrics_rollup(&team, one, ag, KPI_LEVEL_TEAM), KPI_OK);
    kpi_metrics *all = fresh(reg);
    for (size_t i = 0; i < c.n; i++)
        c.a[i] = 0;
    add(all, &c, 0, c.n);
    assert_true(same_state(team, all));
    kpi_metrics_free(all);
    kpi_metrics_free(team);
    kpi_agents_free(ag);
    kpi_metrics_free(one);
    kpi_metric_registry_free(reg);
    cols_free(&c);
}

/* ---- state --------------------------------------------------------------- */

static void test_state_round_trip(void **state)
{
    (void)state;
    size_t exact, sk1, sk5;
    kpi_metric_registry *reg = registry(&exact, &sk1, &sk5);
    cols c = make_rows(30, 100, 5);
    kpi_metrics *m = fresh(reg);
    add(m, &c, 0, c.n);
    size_t n;
    uint8_t *b = save(m, &n);
    assert_int_equal(b[8] | b[9] << 8, 3);
    kpi_metrics *back;
    assert_int_equal(kpi_metrics_load(&back, reg, b, n, 0), KPI_OK);
    assert_true(same_state(back, m));
    check_within(back, exact, sk1, KPI_DEC_ONE / 100, 30);
    for (uint32_t a = 0; a < 30; a++) {
        kpi_dec x, y;
        assert_int_equal(kpi_metrics_value(m, a, 0, sk5, &x), KPI_OK);
        assert_int_equal(kpi_metrics_value(back, a, 0, sk5, &y), KPI_OK);
        assert_int_equal(x, y);
    }
    /* a compacted accumulator saves the same bytes */
    assert_int_equal(kpi_metrics_compact(m), KPI_OK);
    size_t n2;
    uint8_t *b2 = save(m, &n2);
    assert_true(n2 == n && memcmp(b, b2, n) == 0);
    free(b2);

    /* a development-format header on it is refused */
    uint8_t *bad = malloc(n);
    memcpy(bad, b, n);
    bad[8] = 1;
    kpi_metrics *x = NULL;
    assert_int_equal(kpi_metrics_load(&x, reg, bad, n, 0), KPI_EVERSION);
    assert_int_equal(kpi_error_offset(kpi_error_last()), 8);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "version 1"));
    /* every byte flip and truncation is refused cleanly (the checksum at least) */
    for (size_t i = 0; i < n; i += 1 + n / 300) {
        memcpy(bad, b, n);
        bad[i] ^= 0x5a;
        kpi_status st = kpi_metrics_load(&x, reg, bad, n, 0);
        assert_true(st == KPI_ECORRUPT || st == KPI_EVERSION || st == KPI_EMISMATCH);
        assert_null(x);
        st = kpi_metrics_load(&x, reg, b, i, 0);
        assert_true(st == KPI_ECORRUPT);
    }
    free(bad);

    /* without sketches: the same version, exact stores tagged 0 */
    kpi_metric_registry *plain;
    assert_int_equal(kpi_metric_registry_new(&plain, 0), KPI_OK);
    assert_int_equal(kpi_metric_registry_add(plain, kpi_metric_registry_def(reg, exact), NULL), KPI_OK);
    kpi_metrics *pm = fresh(plain);
    add(pm, &c, 0, c.n);
    size_t pn;
    uint8_t *pb = save(pm, &pn);
    assert_int_equal(pb[8] | pb[9] << 8, 3);
    assert_int_equal(kpi_metrics_load(&x, plain, pb, pn, 0), KPI_OK);
    assert_true(same_state(x, pm));
    kpi_metrics_free(x);
    /* and a state of other definitions is a mismatch, not a crash */
    assert_int_equal(kpi_metrics_load(&x, plain, b, n, 0), KPI_EMISMATCH);
    free(pb);
    kpi_metrics_free(pm);
    kpi_metric_registry_free(plain);

    free(b);
    kpi_metrics_free(back);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
    cols_free(&c);
}

/* A state whose store tag is flipped (0 <-> 1) is refused at the tag. */
static void test_state_store_tag(void **state)
{
    (void)state;
    size_t exact, sk1, sk5;
    kpi_metric_registry *reg = registry(&exact, &sk1, &sk5);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.period = KPI_PERIOD_ALL;
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, &o), KPI_OK);
    uint32_t a = 0;
    uint16_t e = KPI_EVENT_REPLY;
    int64_t v = 5; /* one agent, one value: body = key, words, then stores */
    assert_int_equal(kpi_metrics_add_batch(m, &a, &e, &v, NULL, 1), KPI_OK);
    size_t n;
    uint8_t *b = save(m, &n);
    /* the first store (exact): tag 0, 1 run, value 5 (zigzag 10), count 1 */
    size_t W = m->s->words, at = 48 + 1 + W; /* all words here fit one byte each */
    for (size_t w = 0; w < W; w++)
        assert_true(b[48 + 1 + w] < 0x80);
    assert_int_equal(b[at], 0);
    assert_int_equal(b[at + 1], 1);
    assert_int_equal(b[at + 2], 10);
    assert_int_equal(b[at + 3], 1);
    assert_int_equal(b[at + 4], 1); /* the first sketch store's tag */
    b[at] = 1;
    kpi_metrics *x = NULL;
    assert_int_equal(kpi_metrics_load(&x, reg, b, n, 0), KPI_ECORRUPT);
    assert_int_equal(kpi_error_offset(kpi_error_last()), (long long)at);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "kind tag"));
    free(b);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

/* ---- allocation failures ---------------------------------------------------- */


static void test_allocation_failures(void **state)
{
    (void)state;
    size_t exact, sk1, sk5;
    kpi_metric_registry *reg = registry(&exact, &sk1, &sk5);
    cols c = make_rows(4, 150, 3);
    kpi_metrics *full = fresh(reg);
    add(full, &c, 0, c.n);
    assert_int_equal(kpi_set_allocator(fail_malloc, fail_realloc, plain_free, NULL), KPI_OK);
    for (int op = 0; op < 2; op++) {
        bool done = false;
        for (long k = 0; !done && k < 100000; k++) {
            kpi_metrics *m = fresh(reg), *half = NULL;
            if (op == 1) {
                half = fresh(reg);
                add(half, &c, c.n / 2, c.n);
                add(m, &c, 0, c.n / 2);
            }
            alloc_countdown = k;
            kpi_status st = op == 0 ? kpi_metrics_add_batch(m, c.a, c.e, c.v, c.t, c.n)
                                    : kpi_metrics_merge(m, half);
            alloc_countdown = -1;
            done = st == KPI_OK;
            if (!done) {
                assert_int_equal(st, KPI_ENOMEM);
                if (op == 0) { /* the rows before the offset are in: add the rest */
                    long long off = kpi_error_offset(kpi_error_last());
                    assert_true(off >= 0 && (size_t)off <= c.n);
                    add(m, &c, (size_t)off, c.n);
                } else { /* a failed merge changed nothing */
                    assert_int_equal(kpi_metrics_merge(m, half), KPI_OK);
                }
            }
            assert_true(same_state(m, full));
            kpi_metrics_free(m);
            kpi_metrics_free(half);
        }
        assert_true(done);
    }
    assert_int_equal(kpi_set_allocator(NULL, NULL, NULL, NULL), KPI_OK);
    kpi_metrics_free(full);
    kpi_metric_registry_free(reg);
    cols_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_alpha_of_exact),
        cmocka_unit_test(test_merge_order_independent),
        cmocka_unit_test(test_state_round_trip),
        cmocka_unit_test(test_state_store_tag),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("metrics_sketch", tests, NULL, NULL);
}
