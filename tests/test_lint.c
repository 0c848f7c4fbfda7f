/* test_lint.c - the list of findings modules append to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lint_internal.h"

static void test_add_and_read(void **state)
{
    (void)state;
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_lint_count(lint), 0);
    for (int i = 0; i < 20; i++) /* grows past its first capacity */
        assert_int_equal(kpi__lint_add(lint, i % 3, "tier-gap", "bands[1]",
                                       "values in (%d, %d) have no tier", 85 + i, 95), KPI_OK);
    assert_int_equal(kpi_lint_count(lint), 20);
    assert_int_equal(kpi_lint_count_at_least(lint, KPI_LINT_WARNING), 13);
    assert_int_equal(kpi_lint_count_at_least(lint, KPI_LINT_ERROR), 6);
    assert_string_equal(kpi_lint_code(lint, 4), "tier-gap");
    assert_string_equal(kpi_lint_message(lint, 4), "values in (89, 95) have no tier");
    assert_int_equal(kpi_lint_severity(lint, 4), KPI_LINT_WARNING);
    assert_string_equal(kpi_severity_name(kpi_lint_severity(lint, 5)), "error");
    /* out of range reads are harmless */
    assert_string_equal(kpi_lint_code(lint, 99), "");
    assert_int_equal(kpi_lint_line(lint, 99), 0);
    assert_int_equal(kpi_lint_count(NULL), 0);
    kpi_lint_free(lint);
    kpi_lint_free(NULL);
}

static void test_prefix_and_position(void **state)
{
    (void)state;
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi__lint_add(lint, KPI_LINT_NOTE, "a", "rubric", "kept"), KPI_OK);
    assert_int_equal(kpi__lint_add(lint, KPI_LINT_WARNING, "bracket-jump", "rows[2].from", "jump"), KPI_OK);
    assert_int_equal(kpi__lint_add(lint, KPI_LINT_WARNING, "bracket-gap", "[3]", "gap"), KPI_OK);
    assert_int_equal(kpi__lint_add(lint, KPI_LINT_WARNING, "x", NULL, "no path"), KPI_OK);
    assert_int_equal(kpi__lint_prefix(lint, 1, "pay.schedules[0]"), KPI_OK);
    assert_string_equal(kpi_lint_path(lint, 0), "rubric");
    assert_string_equal(kpi_lint_path(lint, 1), "pay.schedules[0].rows[2].from");
    assert_string_equal(kpi_lint_path(lint, 2), "pay.schedules[0][3]");
    assert_string_equal(kpi_lint_path(lint, 3), "pay.schedules[0]");
    kpi__lint_set_position(lint, 1, 12, 7);
    assert_int_equal(kpi_lint_line(lint, 1), 12);
    assert_int_equal(kpi_lint_column(lint, 1), 7);
    assert_int_equal(kpi_lint_new(NULL), KPI_EINVAL);
    kpi_lint_free(lint);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_read),
        cmocka_unit_test(test_prefix_and_position),
    };
    return cmocka_run_group_tests_name("lint", tests, NULL, NULL);
}
