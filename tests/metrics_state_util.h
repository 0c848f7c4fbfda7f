/*
 * metrics_state_util.h - comparing accumulators by their saved state: equal
 * accumulators give equal bytes, so one memcmp checks every count, sum and
 * quantile store at once. Include after cmocka.h.
 */
#ifndef KPI_TEST_METRICS_STATE_UTIL_H
#define KPI_TEST_METRICS_STATE_UTIL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <kpiscore.h>

/* A state save of @m, malloc'd. */
static uint8_t *save(const kpi_metrics *m, size_t *n)
{
    assert_int_equal(kpi_metrics_save(m, NULL, 0, n), KPI_OK);
    uint8_t *b = malloc(*n);
    assert_non_null(b);
    assert_int_equal(kpi_metrics_save(m, b, *n, n), KPI_OK);
    return b;
}

static bool same_state(const kpi_metrics *a, const kpi_metrics *b)
{
    size_t na, nb;
    uint8_t *x = save(a, &na), *y = save(b, &nb);
    bool same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

#endif /* KPI_TEST_METRICS_STATE_UTIL_H */
