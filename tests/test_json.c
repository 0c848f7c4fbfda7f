/* test_json.c - plan JSON with positions: exact numbers, paths, lines and columns. */
#define _DEFAULT_SOURCE /* mkstemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <cmocka.h>

#include "json_internal.h"
#include "lint_internal.h"

static const char plan[] =
    "{\n"
    "  \"kpiscore\": 1,\n"
    "  \"name\": \"客服考核\",\n"
    "  \"rubric\": {\n"
    "    \"items\": [\n"
    "      {\"id\": \"conversion\", \"points\": 30, \"rate\": 0.1, \"pct\": \"1.5%\"},\n"
    "      {\"id\": \"reply\", \"points\": 5, \"enabled\": true, \"bad\": \"12x\", \"money\": 1234.56}\n"
    "    ]\n"
    "  }\n"
    "}\n";

static kpi__json *load(const char *text)
{
    kpi__json *doc = NULL;
    kpi_status st = kpi__json_parse(&doc, text, strlen(text), "plan.json");
    if (st != KPI_OK)
        fail_msg("parse failed: %s", kpi_error_text(kpi_error_last()));
    return doc;
}

static const json_t *item(kpi__json *doc, size_t i)
{
    json_t *items = json_object_get(json_object_get(kpi__json_root(doc), "rubric"), "items");
    return json_array_get(items, i);
}

static void enter_item(kpi__json *doc, size_t i)
{
    kpi__json_push_key(doc, "rubric");
    kpi__json_push_key(doc, "items");
    kpi__json_push_index(doc, i);
}

static void test_exact_numbers(void **state)
{
    (void)state;
    kpi__json *doc = load(plan);
    enter_item(doc, 0);
    kpi_dec d;
    bool present;
    assert_int_equal(kpi__json_get_dec(doc, item(doc, 0), "rate", true, &d, &present), KPI_OK);
    assert_true(present);
    assert_true(d == 100000000); /* exactly 0.1, read from its digits */
    assert_int_equal(kpi__json_get_dec(doc, item(doc, 0), "pct", true, &d, NULL), KPI_OK);
    assert_true(d == 15000000);
    assert_int_equal(kpi__json_get_dec(doc, item(doc, 0), "points", true, &d, NULL), KPI_OK);
    assert_true(d == KPI_DEC_INT(30));
    d = 7;
    assert_int_equal(kpi__json_get_dec(doc, item(doc, 0), "absent", false, &d, &present), KPI_OK);
    assert_false(present);
    assert_true(d == 7);
    kpi__json_pop(doc);
    kpi__json_push_index(doc, 1);
    kpi_money m;
    assert_int_equal(kpi__json_get_money(doc, item(doc, 1), "money", true, &m, NULL), KPI_OK);
    assert_true(m == 123456);
    bool b = false;
    assert_int_equal(kpi__json_get_bool(doc, item(doc, 1), "enabled", true, &b, NULL), KPI_OK);
    assert_true(b);
    const char *s;
    assert_int_equal(kpi__json_get_string(doc, item(doc, 1), "id", true, &s, NULL), KPI_OK);
    assert_string_equal(s, "reply");
    assert_string_equal(kpi__json_path(doc), "rubric.items[1]");
    kpi__json_free(doc);
}

static void test_errors_have_locations(void **state)
{
    (void)state;
    kpi__json *doc = load(plan);
    enter_item(doc, 1);
    kpi_dec d;
    /* a bad numeric string: the column of the bad character in the file */
    assert_int_equal(kpi__json_get_dec(doc, item(doc, 1), "bad", true, &d, NULL), KPI_EPARSE);
    const kpi_error *e = kpi_error_last();
    assert_string_equal(kpi_error_source(e), "plan.json");
    assert_string_equal(kpi_error_path(e), "rubric.items[1].bad");
    assert_int_equal(kpi_error_line(e), 7);
    /* line 7 is `      {"id": "reply", "points": 5, "enabled": true, "bad": "12x", ...`:
     * the value "12x" opens at column 60, so 'x' is at column 63 */
    assert_int_equal(kpi_error_column(e), 63);
    /* a wrong type names what was expected (internal readers do not clear
     * the record: the public plan loader does, once per call) */
    kpi_error_clear();
    assert_int_equal(kpi__json_get_string(doc, item(doc, 1), "points", true, &(const char *){0}, NULL), KPI_EPLAN);
    assert_string_equal(kpi_error_message(kpi_error_last()), "expected a string, not a number");
    assert_string_equal(kpi_error_path(kpi_error_last()), "rubric.items[1].points");
    assert_int_equal(kpi_error_column(kpi_error_last()), 33);
    /* a singleton (true) is located by its path */
    kpi_error_clear();
    assert_int_equal(kpi__json_get_dec(doc, item(doc, 1), "enabled", true, &d, NULL), KPI_EPLAN);
    assert_int_equal(kpi_error_line(kpi_error_last()), 7);
    assert_int_equal(kpi_error_column(kpi_error_last()), 47);
    /* a missing key is reported at its object */
    kpi_error_clear();
    assert_int_equal(kpi__json_get_dec(doc, item(doc, 1), "target", true, &d, NULL), KPI_EPLAN);
    assert_string_equal(kpi_error_message(kpi_error_last()), "missing required key 'target'");
    assert_string_equal(kpi_error_path(kpi_error_last()), "rubric.items[1]");
    assert_int_equal(kpi_error_column(kpi_error_last()), 7);
    /* unknown keys list the expected ones */
    kpi_error_clear();
    static const char *const allowed[] = {"id", "points", NULL};
    assert_int_equal(kpi__json_check_keys(doc, item(doc, 1), allowed), KPI_EPLAN);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "unknown key 'enabled' (expected one of: id, points)"));
    static const char *const kinds[] = {"linear", "bands", NULL};
    int k;
    kpi_error_clear();
    assert_int_equal(kpi__json_get_enum(doc, item(doc, 1), "id", true, kinds, &k, NULL), KPI_EPLAN);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "expected one of: \"linear\", \"bands\""));
    int64_t n;
    kpi_error_clear();
    assert_int_equal(kpi__json_get_int(doc, item(doc, 1), "points", true, 10, 20, &n, NULL), KPI_ERANGE);
    kpi_error_clear();
    assert_int_equal(kpi__json_get_int(doc, item(doc, 1), "money", true, 0, 9999, &n, NULL), KPI_EPLAN);
    assert_string_equal(kpi_error_message(kpi_error_last()), "expected a whole number, not a fraction");
    kpi__json_free(doc);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    kpi__json *doc = (kpi__json *)1;
    const char *text = "{\n  \"a\": 1,\n  \"a\": 2\n}";
    assert_int_equal(kpi__json_parse(&doc, text, strlen(text), "dup.json"), KPI_EPARSE);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "duplicate"));
    assert_int_equal(kpi_error_line(kpi_error_last()), 3);
    assert_true(doc == (kpi__json *)1);
    text = "{\"a\": [1, 2,, 3]}";
    assert_int_equal(kpi__json_parse(&doc, text, strlen(text), "bad.json"), KPI_EPARSE);
    assert_int_equal(kpi_error_line(kpi_error_last()), 1);
    assert_int_equal(kpi_error_column(kpi_error_last()), 13);
    assert_string_equal(kpi_error_source(kpi_error_last()), "bad.json");
    assert_int_equal(kpi__json_parse(&doc, "", 0, "empty.json"), KPI_EPARSE);
    /* regression (fuzz_json): jansson accepted text cut at a NUL byte */
    static const char with_nul[] = "{\"a\": 1\0, \"b\": [1]}";
    assert_int_equal(kpi__json_parse(&doc, with_nul, sizeof with_nul - 1, "nul.json"), KPI_EPARSE);
    assert_int_equal(kpi_error_column(kpi_error_last()), 8);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "NUL byte"));
    text = "{\"a\": \"\xff\"}";
    assert_int_equal(kpi__json_parse(&doc, text, strlen(text), "utf8.json"), KPI_EPARSE);
    /* a BOM is skipped, and columns count from after it: jansson reports the
     * bad literal "tru" (columns 17-19) where it gave up, at its last letter */
    text = "\xEF\xBB\xBF{\"x\": \"\xE6\x88\x91\", \"y\": tru}";
    assert_int_equal(kpi__json_parse(&doc, text, strlen(text), "bom.json"), KPI_EPARSE);
    assert_int_equal(kpi_error_column(kpi_error_last()), 19);
}

static void test_odd_keys_and_lint_positions(void **state)
{
    (void)state;
    const char *text = "{\"metrics\": {\"a.b\": {\"x\": 1},\n \"回复\\u7387\": {\"x\": [10, {\"y\": null}]}}}";
    kpi__json *doc = load(text);
    kpi__json_push_key(doc, "metrics");
    kpi__json_push_key(doc, "a.b");
    assert_string_equal(kpi__json_path(doc), "metrics[\"a.b\"]");
    kpi__json_pop(doc);
    kpi__json_push_key(doc, "回复率");
    assert_string_equal(kpi__json_path(doc), "metrics.回复率");
    kpi__json_pop(doc);
    kpi__json_pop(doc);
    assert_string_equal(kpi__json_path(doc), "");
    kpi_lint *lint;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    kpi__lint_add(lint, KPI_LINT_WARNING, "t", "metrics.回复率.x[1].y", "null here");
    kpi__lint_add(lint, KPI_LINT_WARNING, "t", "metrics[\"a.b\"].x", "one");
    kpi__lint_add(lint, KPI_LINT_WARNING, "t", "metrics.nope", "absent");
    kpi__json_locate_lint(doc, lint, 0);
    assert_int_equal(kpi_lint_line(lint, 0), 2);
    assert_int_equal(kpi_lint_column(lint, 0), 31);
    assert_int_equal(kpi_lint_line(lint, 1), 1);
    assert_int_equal(kpi_lint_column(lint, 1), 27);
    assert_int_equal(kpi_lint_line(lint, 2), 0);
    kpi_lint_free(lint);
    kpi__json_free(doc);
}

static void test_files(void **state)
{
    (void)state;
    kpi__json *doc = NULL;
    assert_int_equal(kpi__json_load_file(&doc, "/nonexistent/plan.json", 1 << 20), KPI_EIO);
    assert_string_equal(kpi_error_source(kpi_error_last()), "/nonexistent/plan.json");
    char path[] = "/tmp/kpi_json_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < 3000; i++)
        fputs("{\"k\": [1, 2, 3]}\n", f) ;
    fclose(f);
    assert_int_equal(kpi__json_load_file(&doc, path, 4096), KPI_ELIMIT);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "4096 bytes"));
    /* within the limit it is read, and the trailing documents are a syntax error at line 2 */
    assert_int_equal(kpi__json_load_file(&doc, path, 1 << 20), KPI_EPARSE);
    assert_int_equal(kpi_error_line(kpi_error_last()), 2);
    f = fopen(path, "w");
    fputs("{\"kpiscore\": 1}", f);
    fclose(f);
    assert_int_equal(kpi__json_load_file(&doc, path, 1 << 20), KPI_OK);
    assert_string_equal(kpi__json_source(doc), path);
    kpi__json_free(doc);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_numbers),
        cmocka_unit_test(test_errors_have_locations),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_odd_keys_and_lint_positions),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
