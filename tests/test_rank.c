/* test_rank.c - ranks and percentile ranks: every definition with ties, empty
 * and single inputs, groups, eligibility, Excel vectors from gnumeric. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rank_internal.h"
#include "percentrank_vectors.h"

#define D(x) ((kpi_dec)((x) * 1000000000.0 + ((x) < 0 ? -0.5 : 0.5))) /* test literals only */

static void expect_ranks(const kpi_dec *scores, size_t n, kpi_rank_method method,
                         kpi_rank_order order, const double *want)
{
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.method = method;
    o.order = order;
    kpi_dec got[16];
    assert_int_equal(kpi_rank(got, NULL, NULL, scores, n, &o), KPI_OK);
    for (size_t i = 0; i < n; i++)
        if (got[i] != D(want[i]))
            fail_msg("%s: rank[%zu] = %lld, want %g", kpi_rank_method_name(method), i,
                     (long long)got[i], want[i]);
}

static void test_methods_with_ties(void **state)
{
    (void)state;
    /* high to low: 90, 85, 85, 70 (input order shuffled) */
    const kpi_dec s[4] = {D(85), D(90), D(70), D(85)};
    expect_ranks(s, 4, KPI_RANK_COMPETITION, KPI_RANK_DESC, (double[]){2, 1, 4, 2});
    expect_ranks(s, 4, KPI_RANK_MODIFIED, KPI_RANK_DESC, (double[]){3, 1, 4, 3});
    expect_ranks(s, 4, KPI_RANK_DENSE, KPI_RANK_DESC, (double[]){2, 1, 3, 2});
    expect_ranks(s, 4, KPI_RANK_ORDINAL, KPI_RANK_DESC, (double[]){2, 1, 4, 3});
    expect_ranks(s, 4, KPI_RANK_FRACTIONAL, KPI_RANK_DESC, (double[]){2.5, 1, 4, 2.5});
    /* low to high */
    expect_ranks(s, 4, KPI_RANK_COMPETITION, KPI_RANK_ASC, (double[]){2, 4, 1, 2});
    expect_ranks(s, 4, KPI_RANK_MODIFIED, KPI_RANK_ASC, (double[]){3, 4, 1, 3});
    expect_ranks(s, 4, KPI_RANK_FRACTIONAL, KPI_RANK_ASC, (double[]){2.5, 4, 1, 2.5});
    /* all tied */
    const kpi_dec same[3] = {D(60), D(60), D(60)};
    expect_ranks(same, 3, KPI_RANK_COMPETITION, KPI_RANK_DESC, (double[]){1, 1, 1});
    expect_ranks(same, 3, KPI_RANK_MODIFIED, KPI_RANK_DESC, (double[]){3, 3, 3});
    expect_ranks(same, 3, KPI_RANK_FRACTIONAL, KPI_RANK_DESC, (double[]){2, 2, 2});
    expect_ranks(same, 3, KPI_RANK_ORDINAL, KPI_RANK_DESC, (double[]){1, 2, 3});
    /* negative scores and the extremes order correctly */
    const kpi_dec ext[4] = {INT64_MIN, -1, 0, INT64_MAX};
    expect_ranks(ext, 4, KPI_RANK_COMPETITION, KPI_RANK_DESC, (double[]){4, 3, 2, 1});
    /* 30 % x 76 + 70 % x 96 is exactly 90: it ties with a 90 given directly */
    kpi_dec a, b, ninety;
    assert_int_equal(kpi_dec_mul(D(0.3), D(76), KPI_ROUND_HALF_UP, &a), KPI_OK);
    assert_int_equal(kpi_dec_mul(D(0.7), D(96), KPI_ROUND_HALF_UP, &b), KPI_OK);
    assert_int_equal(kpi_dec_add(a, b, &ninety), KPI_OK);
    const kpi_dec t[3] = {ninety, D(90), D(89.999999999)};
    expect_ranks(t, 3, KPI_RANK_COMPETITION, KPI_RANK_DESC, (double[]){1, 1, 3});
}

static void test_ordinal_key_then_index(void **state)
{
    (void)state;
    const kpi_dec s[5] = {D(80), D(80), D(80), D(95), D(80)};
    const kpi_dec key[5] = {D(3), D(7), D(3), D(0), D(9)}; /* e.g. target attainment */
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.method = KPI_RANK_ORDINAL;
    o.key = key;
    kpi_dec r[5];
    assert_int_equal(kpi_rank(r, NULL, NULL, s, 5, &o), KPI_OK);
    /* 95 first; then key 9, 7, then the two 3s by input index */
    const double want[5] = {4, 3, 5, 1, 2};
    for (int i = 0; i < 5; i++)
        assert_true(r[i] == D(want[i]));
    o.key_order = KPI_RANK_ASC; /* smaller key first: 3 (index 0), 3 (index 2), 7, 9 */
    assert_int_equal(kpi_rank(r, NULL, NULL, s, 5, &o), KPI_OK);
    const double want2[5] = {2, 4, 3, 1, 5};
    for (int i = 0; i < 5; i++)
        assert_true(r[i] == D(want2[i]));
}

static void test_empty_and_single(void **state)
{
    (void)state;
    kpi_dec r = 77, p = 77;
    double f = 77;
    assert_int_equal(kpi_rank(&r, &p, &f, NULL, 0, NULL), KPI_OK);
    assert_true(r == 77 && p == 77);
    kpi_dec one = D(42);
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    const struct { kpi_pct_kind kind; double want; } cases[] = {
        {KPI_PCT_RANK, 1}, {KPI_PCT_STRICT, 0}, {KPI_PCT_WEAK, 1}, {KPI_PCT_MEAN, 0.5},
        {KPI_PCT_SCIPY_RANK, 1}, {KPI_PCT_EXCEL_INC, 1}, {KPI_PCT_EXCEL_EXC, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        o.pct_kind = cases[c].kind;
        for (kpi_rank_method m = KPI_RANK_COMPETITION; m <= KPI_RANK_FRACTIONAL; m++) {
            o.method = m;
            assert_int_equal(kpi_rank(&r, &p, &f, &one, 1, &o), KPI_OK);
            assert_true(r == KPI_DEC_ONE);
            assert_true(p == D(cases[c].want));
            assert_true(f == cases[c].want);
        }
    }
    /* percentile of a value against an empty set is not available */
    assert_int_equal(kpi_percentrank_of(&p, NULL, NULL, 0, &one, 1, NULL), KPI_ENA);
}

static void test_pct_kinds(void **state)
{
    (void)state;
    /* {1, 2, 2, 3} low to high, the value 2: L = 1, E = 2, N = 4 */
    const kpi_dec s[4] = {D(2), D(1), D(3), D(2)};
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.order = KPI_RANK_ASC;
    const struct { kpi_pct_kind kind; kpi_rank_method method; kpi_dec want; double f; } cases[] = {
        {KPI_PCT_RANK, KPI_RANK_FRACTIONAL, 625000000, 0.625},   /* pandas average: 2.5 / 4 */
        {KPI_PCT_RANK, KPI_RANK_COMPETITION, 500000000, 0.5},    /* min: 2 / 4 */
        {KPI_PCT_RANK, KPI_RANK_MODIFIED, 750000000, 0.75},      /* max: 3 / 4 */
        {KPI_PCT_RANK, KPI_RANK_DENSE, 666666667, 2.0 / 3},      /* dense: 2 / 3, half-even */
        {KPI_PCT_STRICT, KPI_RANK_COMPETITION, 250000000, 0.25},
        {KPI_PCT_WEAK, KPI_RANK_COMPETITION, 750000000, 0.75},
        {KPI_PCT_MEAN, KPI_RANK_COMPETITION, 500000000, 0.5},
        {KPI_PCT_SCIPY_RANK, KPI_RANK_COMPETITION, 625000000, 0.625},
        {KPI_PCT_EXCEL_INC, KPI_RANK_COMPETITION, 333000000, 0.333}, /* 1/3 truncated to 3 digits */
        {KPI_PCT_EXCEL_EXC, KPI_RANK_COMPETITION, 400000000, 0.4},   /* 2/5 */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        o.pct_kind = cases[c].kind;
        o.method = cases[c].method;
        kpi_dec p[4];
        double f[4];
        assert_int_equal(kpi_rank(NULL, p, f, s, 4, &o), KPI_OK);
        if (p[0] != cases[c].want || p[3] != cases[c].want || f[0] != cases[c].f)
            fail_msg("case %zu: got %lld (%.17g), want %lld", c, (long long)p[0], f[0],
                     (long long)cases[c].want);
    }
    /* ordinal (pandas "first") breaks the tie by index: 2/4 and 3/4 */
    o.pct_kind = KPI_PCT_RANK;
    o.method = KPI_RANK_ORDINAL;
    kpi_dec p[4];
    assert_int_equal(kpi_rank(NULL, p, NULL, s, 4, &o), KPI_OK);
    assert_true(p[0] == 500000000 && p[3] == 750000000);
    /* significance: 1/3 with 5 digits, and truncation, never rounding: 2/3 -> 0.66 */
    o.pct_kind = KPI_PCT_EXCEL_INC;
    o.significance = 5;
    assert_int_equal(kpi_rank(NULL, p, NULL, s, 4, &o), KPI_OK);
    assert_true(p[0] == 333330000);
    o.significance = 2;
    o.order = KPI_RANK_DESC; /* mirrored: 2 has 1 above it among 4 -> 1/3, 1 -> 3/3, 3 -> 0 */
    assert_int_equal(kpi_rank(NULL, p, NULL, s, 4, &o), KPI_OK);
    assert_true(p[0] == 330000000 && p[1] == KPI_DEC_ONE && p[2] == 0);
}

static void test_percentrank_of_gnumeric(void **state)
{
    (void)state;
    size_t count = sizeof percentrank_vectors / sizeof percentrank_vectors[0];
    assert_true(count > 500);
    for (size_t i = 0; i < count; i++) {
        kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
        o.pct_kind = percentrank_vectors[i].exc ? KPI_PCT_EXCEL_EXC : KPI_PCT_EXCEL_INC;
        o.significance = percentrank_vectors[i].sig;
        kpi_dec x = percentrank_vectors[i].x, got;
        double f;
        assert_int_equal(kpi_percentrank_of(&got, &f, percentrank_vectors[i].set,
                                            (size_t)percentrank_vectors[i].n, &x, 1, &o), KPI_OK);
        if (got != percentrank_vectors[i].expected)
            fail_msg("vector %zu: n=%d x=%lld %s sig %d: got %lld, gnumeric %lld", i,
                     percentrank_vectors[i].n, x, percentrank_vectors[i].exc ? "EXC" : "INC",
                     percentrank_vectors[i].sig, (long long)got, percentrank_vectors[i].expected);
        assert_true(f == (double)got / 1e9);
    }
}

static void test_percentrank_of_cases(void **state)
{
    (void)state;
    const kpi_dec set[4] = {D(3), D(2), D(1), D(2)};
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.pct_kind = KPI_PCT_EXCEL_INC;
    kpi_dec x[3] = {D(2.5), D(2), D(2.9)}, out[3];
    assert_int_equal(kpi_percentrank_of(out, NULL, set, 4, x, 3, &o), KPI_OK);
    /* between 2 (last index 2 of 3) and 3: 2/3 + 0.5 x 1/3 = 5/6 -> 0.833 */
    assert_true(out[0] == 833000000 && out[1] == 333000000 && out[2] == 966000000);
    o.significance = 1; /* 0.9666 truncates to 0.9, where rounding would give 1.0 */
    assert_int_equal(kpi_percentrank_of(out, NULL, set, 4, x, 3, &o), KPI_OK);
    assert_true(out[2] == 900000000);
    /* outside the set: #N/A in Excel, KPI_ERANGE naming the index; outputs untouched */
    kpi_dec bad[2] = {D(2), D(3.5)}, keep[2] = {7, 7};
    assert_int_equal(kpi_percentrank_of(keep, NULL, set, 4, bad, 2, &o), KPI_ERANGE);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "x[1] = 3.5 is above the largest value 3"));
    assert_true(keep[0] == 7 && keep[1] == 7);
    /* scipy kinds work anywhere: weak of 3.5 is 1, strict of 0 is 0, mean of 2 is (1+3)/2/4 */
    o.pct_kind = KPI_PCT_WEAK;
    assert_int_equal(kpi_percentrank_of(keep, NULL, set, 4, bad, 2, &o), KPI_OK);
    assert_true(keep[0] == D(0.75) && keep[1] == KPI_DEC_ONE);
    o.pct_kind = KPI_PCT_MEAN;
    assert_int_equal(kpi_percentrank_of(keep, NULL, set, 4, bad, 1, &o), KPI_OK);
    assert_true(keep[0] == D(0.5));
    o.pct_kind = KPI_PCT_SCIPY_RANK; /* a value not in the set: strict = weak */
    kpi_dec between = D(1.5);
    assert_int_equal(kpi_percentrank_of(keep, NULL, set, 4, &between, 1, &o), KPI_OK);
    assert_true(keep[0] == D(0.25));
    o.pct_kind = KPI_PCT_RANK;
    assert_int_equal(kpi_percentrank_of(keep, NULL, set, 4, &between, 1, &o), KPI_EINVAL);
}

static void test_groups_and_order_independence(void **state)
{
    (void)state;
    /* two teams; ranks within each, and the same ranks whatever the input order */
    kpi_dec s[8] = {D(90), D(80), D(80), D(70), D(95), D(80), D(60), D(60)};
    uint32_t g[8] = {7, 7, 7, 7, 3, 3, 3, 3};
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.group = g;
    o.pct_kind = KPI_PCT_RANK;
    kpi_dec r[8], p[8];
    assert_int_equal(kpi_rank(r, p, NULL, s, 8, &o), KPI_OK);
    const double want[8] = {1, 2, 2, 4, 1, 2, 3, 3};
    for (int i = 0; i < 8; i++)
        assert_true(r[i] == D(want[i]));
    assert_true(p[3] == KPI_DEC_ONE && p[4] == D(0.25));
    /* reversed input */
    kpi_dec s2[8], r2[8];
    uint32_t g2[8];
    for (int i = 0; i < 8; i++) {
        s2[i] = s[7 - i];
        g2[i] = g[7 - i];
    }
    o.group = g2;
    assert_int_equal(kpi_rank(r2, NULL, NULL, s2, 8, &o), KPI_OK);
    for (int i = 0; i < 8; i++)
        assert_true(r2[i] == r[7 - i]);
    /* overall (no groups) */
    o.group = NULL;
    assert_int_equal(kpi_rank(r, NULL, NULL, s, 8, &o), KPI_OK);
    assert_true(r[4] == D(1) && r[0] == D(2) && r[1] == D(3) && r[6] == D(7));
}

static void test_eligibility(void **state)
{
    (void)state;
    kpi_dec s[4] = {D(99), D(90), D(80), D(70)};
    uint8_t ok[4] = {0, 1, 1, 1};
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.eligible = ok;
    kpi_dec r[4], p[4];
    double f[4];
    assert_int_equal(kpi_rank(r, p, f, s, 4, &o), KPI_OK);
    assert_true(r[0] == 0 && p[0] == 0 && isnan(f[0]));
    assert_true(r[1] == D(1) && r[3] == D(3) && p[3] == KPI_DEC_ONE);
    o.eligibility = KPI_ELIGIBLE_GATE; /* kpi_rank ranks everyone then */
    assert_int_equal(kpi_rank(r, NULL, NULL, s, 4, &o), KPI_OK);
    assert_true(r[0] == D(1) && r[1] == D(2));
}

static void test_errors(void **state)
{
    (void)state;
    kpi_dec s[2] = {1, 2}, r[2] = {5, 5};
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.method = 9;
    assert_int_equal(kpi_rank(r, NULL, NULL, s, 2, &o), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "opt->method 9"));
    o = (kpi_rank_options){0};
    assert_int_equal(kpi_rank(r, NULL, NULL, s, 2, &o), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "KPI_RANK_OPTIONS_INIT"));
    o = (kpi_rank_options)KPI_RANK_OPTIONS_INIT;
    o.significance = 0;
    assert_int_equal(kpi_rank(r, NULL, NULL, s, 2, &o), KPI_EINVAL);
    o.significance = 3;
    o.pct_kind = 7;
    assert_int_equal(kpi_rank(r, NULL, NULL, s, 2, &o), KPI_EINVAL);
    assert_int_equal(kpi_rank(NULL, NULL, NULL, s, 2, NULL), KPI_EINVAL);
    assert_int_equal(kpi_rank(r, NULL, NULL, NULL, 2, NULL), KPI_EINVAL);
    assert_true(r[0] == 5 && r[1] == 5);
    assert_string_equal(kpi_rank_method_name(KPI_RANK_FRACTIONAL), "fractional");
    assert_null(kpi_rank_method_name(5));
    assert_string_equal(kpi_pct_kind_name(KPI_PCT_EXCEL_EXC), "excel_exc");
    assert_null(kpi_pct_kind_name(-1));
}

/* ---- allocation failures ------------------------------------------------ */

static int alloc_count, alloc_fail_at;
static void *t_malloc(size_t size, void *u)
{
    (void)u;
    return ++alloc_count == alloc_fail_at ? NULL : malloc(size);
}
static void *t_realloc(void *p, size_t size, void *u)
{
    (void)u;
    return ++alloc_count == alloc_fail_at ? NULL : realloc(p, size);
}
static void t_free(void *p, void *u)
{
    (void)u;
    free(p);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    kpi_dec s[5] = {D(3), D(1), D(2), D(2), D(5)}, r[5] = {9, 9, 9, 9, 9}, x = D(2.5), out = 9;
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.pct_kind = KPI_PCT_EXCEL_INC;
    assert_int_equal(kpi_set_allocator(t_malloc, t_realloc, t_free, NULL), KPI_OK);
    int failures = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 10; alloc_fail_at++) {
        alloc_count = 0;
        kpi_status st = kpi_rank(r, NULL, NULL, s, 5, NULL);
        if (st == KPI_ENOMEM) {
            failures++;
            assert_true(r[0] == 9);
        } else {
            assert_int_equal(st, KPI_OK);
        }
        alloc_count = 0;
        st = kpi_percentrank_of(&out, NULL, s, 5, &x, 1, &o);
        if (st == KPI_ENOMEM) {
            failures++;
            assert_true(out == 9);
        } else {
            assert_int_equal(st, KPI_OK);
        }
    }
    assert_int_equal(kpi_set_allocator(NULL, NULL, NULL, NULL), KPI_OK);
    assert_true(failures >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_methods_with_ties),
        cmocka_unit_test(test_ordinal_key_then_index),
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_pct_kinds),
        cmocka_unit_test(test_percentrank_of_gnumeric),
        cmocka_unit_test(test_percentrank_of_cases),
        cmocka_unit_test(test_groups_and_order_independence),
        cmocka_unit_test(test_eligibility),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("rank", tests, NULL, NULL);
}
