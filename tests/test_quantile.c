/* test_quantile.c - numpy's 13 quantile methods, computed exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "quantile_internal.h"
#include "quantile_vectors.h"

static void test_against_numpy_vectors(void **state)
{
    (void)state;
    size_t count = sizeof quantile_vectors / sizeof quantile_vectors[0];
    assert_true(count > 500);
    for (size_t i = 0; i < count; i++) {
        kpi_dec got;
        int m = quantile_vectors[i].method;
        assert_int_equal(kpi_quantile_sorted(quantile_vectors[i].x, (size_t)quantile_vectors[i].n,
                                             quantile_vectors[i].q, m, KPI_ROUND_HALF_EVEN, &got),
                         KPI_OK);
        long long diff = got - quantile_vectors[i].expected;
        /* H&F 8 and 9 have thirds and eighths of a position: numpy's float64
         * result and the exact one rounded to 9 places may differ in the last place */
        long long tolerance = (m == KPI_QUANTILE_MEDIAN_UNBIASED || m == KPI_QUANTILE_NORMAL_UNBIASED) ? 1 : 0;
        if (diff > tolerance || diff < -tolerance)
            fail_msg("vector %zu: n=%d q=%lld %s: got %lld, numpy %lld", i, quantile_vectors[i].n,
                     quantile_vectors[i].q, kpi_quantile_method_name(m), (long long)got,
                     quantile_vectors[i].expected);
    }
}

static void test_exact_positions(void **state)
{
    (void)state;
    /* p90 of 1..10 by linear: index 8.1 -> 9 + 0.1 = 9.1 */
    kpi_dec x[10];
    for (int i = 0; i < 10; i++)
        x[i] = KPI_DEC_INT(i + 1);
    kpi_dec got;
    assert_int_equal(kpi_quantile_sorted(x, 10, 900000000, KPI_QUANTILE_LINEAR, KPI_ROUND_HALF_UP, &got), KPI_OK);
    assert_true(got == 9100000000);
    /* inverted_cdf at q = 0.3, n = 10: n q = 3 exactly, so the 3rd value (3), never the 4th */
    assert_int_equal(kpi_quantile_sorted(x, 10, 300000000, KPI_QUANTILE_INVERTED_CDF, KPI_ROUND_HALF_UP, &got), KPI_OK);
    assert_true(got == KPI_DEC_INT(3));
    /* a third of a unit rounds once, as asked */
    kpi_dec y[2] = {0, 1};
    assert_int_equal(kpi_quantile_sorted(y, 2, 500000000, KPI_QUANTILE_MEDIAN_UNBIASED, KPI_ROUND_DOWN, &got), KPI_OK);
    assert_true(got == 0);
    kpi__quantile_pick p = kpi__quantile_position(3, KPI_DEC_ONE / 2, KPI_QUANTILE_MIDPOINT);
    assert_true(p.lo == 1 && p.hi == 1);
    p = kpi__quantile_position(4, KPI_DEC_ONE / 2, KPI_QUANTILE_MIDPOINT);
    assert_true(p.lo == 1 && p.hi == 2 && p.num * 2 == p.den);
}

static void test_errors_and_edges(void **state)
{
    (void)state;
    kpi_dec x[3] = {1, 2, 3}, got = 77;
    assert_int_equal(kpi_quantile_sorted(x, 0, 0, KPI_QUANTILE_LINEAR, KPI_ROUND_HALF_UP, &got), KPI_ENA);
    assert_int_equal(kpi_quantile_sorted(x, 3, KPI_DEC_ONE + 1, KPI_QUANTILE_LINEAR, KPI_ROUND_HALF_UP, &got), KPI_ERANGE);
    assert_int_equal(kpi_quantile_sorted(x, 3, -1, KPI_QUANTILE_LINEAR, KPI_ROUND_HALF_UP, &got), KPI_ERANGE);
    assert_int_equal(kpi_quantile_sorted(x, 3, 0, 13, KPI_ROUND_HALF_UP, &got), KPI_EINVAL);
    assert_int_equal(kpi_quantile_sorted(x, 3, 0, KPI_QUANTILE_LINEAR, 42, &got), KPI_EINVAL);
    kpi_dec unsorted[3] = {3, 1, 2};
    assert_int_equal(kpi_quantile_sorted(unsorted, 3, 0, KPI_QUANTILE_LINEAR, KPI_ROUND_HALF_UP, &got), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "ascending"));
    assert_true(got == 77);
    /* extremes do not overflow the interpolation */
    kpi_dec wide[2] = {INT64_MIN, INT64_MAX};
    assert_int_equal(kpi_quantile_sorted(wide, 2, KPI_DEC_ONE / 2, KPI_QUANTILE_LINEAR, KPI_ROUND_FLOOR, &got), KPI_OK);
    assert_true(got == -1);
    kpi_quantile_method m;
    assert_int_equal(kpi_quantile_method_parse("weibull", &m), KPI_OK);
    assert_int_equal(m, KPI_QUANTILE_WEIBULL);
    assert_int_equal(kpi_quantile_method_parse("excel", &m), KPI_ENOTFOUND);
    for (m = 0; m <= KPI_QUANTILE_NEAREST; m++) {
        kpi_quantile_method back;
        assert_int_equal(kpi_quantile_method_parse(kpi_quantile_method_name(m), &back), KPI_OK);
        assert_int_equal(back, m);
    }
    assert_null(kpi_quantile_method_name(-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_numpy_vectors),
        cmocka_unit_test(test_exact_positions),
        cmocka_unit_test(test_errors_and_edges),
    };
    return cmocka_run_group_tests_name("quantile", tests, NULL, NULL);
}
