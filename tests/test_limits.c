/*
 * test_limits.c - kpi_limits: the setting itself, and every limit reached
 * through the reader that enforces it (plan bytes, JSON depth, rubric items,
 * bands, bracket rows, tier tables, label length, CSV record length and
 * field count, state bytes). Each one just over its limit is KPI_ELIMIT
 * naming the limit, with a location; just at it loads.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static int reset_limits(void **state)
{
    (void)state;
    assert_int_equal(kpi_limits_set(NULL), KPI_OK);
    return 0;
}

static void set_limit(size_t offset, size_t value)
{
    kpi_limits l = KPI_LIMITS_INIT;
    *(size_t *)((char *)&l + offset) = value;
    assert_int_equal(kpi_limits_set(&l), KPI_OK);
}
#define SET(field, value) set_limit(offsetof(kpi_limits, field), (value))

/* A growable text buffer. */
typedef struct {
    char *p;
    size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (t->n + (size_t)k + 1 > t->cap) {
        t->cap = 2 * (t->n + (size_t)k + 1);
        t->p = realloc(t->p, t->cap);
        assert_non_null(t->p);
    }
    va_start(ap, fmt);
    vsnprintf(t->p + t->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    t->n += (size_t)k;
}

/* Loads @t; expects @code, and for a failure the limit's name in the message,
 * the path and the line (column 0 means "any"). */
static void expect_load(const text *t, kpi_status code, const char *fragment, const char *path, long line,
                        long column)
{
    kpi_plan *plan = NULL;
    kpi_status st = kpi_plan_load_buffer(&plan, t->p, t->n, "limits.json", NULL);
    const kpi_error *e = kpi_error_last();
    if (st != code)
        fail_msg("expected %s, got %s: %s", kpi_status_str(code), kpi_status_str(st), kpi_error_text(e));
    if (code == KPI_OK) {
        kpi_plan_free(plan);
        return;
    }
    assert_null(plan);
    if (!strstr(kpi_error_message(e), fragment))
        fail_msg("'%s' not in '%s'", fragment, kpi_error_message(e));
    assert_string_equal(kpi_error_source(e), "limits.json");
    if (path)
        assert_string_equal(kpi_error_path(e), path);
    assert_int_equal(kpi_error_line(e), line);
    if (column)
        assert_int_equal(kpi_error_column(e), column);
}

/* A plan whose rubric has @items items of @bands bands each, and whose
 * "tiers" has @tables tables of @bands bands, and a schedule of @rows rows. */
static text make_plan(size_t items, size_t bands, size_t tables, size_t rows)
{
    text t = {0};
    put(&t, "{\n\"kpiscore\": 1,\n\"name\": \"limits\",\n\"inputs\": {\"x\": {\"kind\": \"number\"}},\n");
    put(&t, "\"rubric\": {\"total\": %zu, \"items\": [\n", items);
    for (size_t i = 0; i < items; i++) {
        put(&t, "%s{\"id\": \"i%zu\", \"points\": 1, \"rule\": \"bands\", \"input\": \"x\", \"bands\": [",
            i ? ",\n" : "", i);
        for (size_t b = 0; b < bands; b++)
            put(&t, "%s{\"at_least\": %zu, \"below\": %zu, \"points\": 1}", b ? ", " : "", b, b + 1);
        put(&t, "]}");
    }
    put(&t, "]},\n\"tiers\": [\n");
    for (size_t k = 0; k < tables; k++) {
        put(&t, "%s{\"id\": \"t%zu\", \"bands\": [", k ? ",\n" : "", k);
        for (size_t b = 0; b < bands; b++)
            put(&t, "%s{\"label\": \"b%zu\", \"range\": \"[%zu, %zu)\"}", b ? ", " : "", b, b, b + 1);
        put(&t, "]}");
    }
    put(&t, "],\n\"pay\": {\"schedules\": {\"s\": {\"mode\": \"whole\", \"rows\": [\n");
    for (size_t r = 0; r < rows; r++)
        put(&t, "%s{\"from\": %zu, \"to\": %zu, \"rate\": \"1%%\"}", r ? ", " : "", r * 100, r * 100 + 100);
    put(&t, "]}},\n\"items\": [{\"id\": \"c\", \"kind\": \"schedule\", \"schedule\": \"s\", \"basis\": \"x\"}]}\n}\n");
    return t;
}

/* ---- the setting ----------------------------------------------------------------------------- */

static void test_get_set_defaults(void **state)
{
    (void)state;
    kpi_limits l = KPI_LIMITS_INIT;
    assert_int_equal(kpi_limits_get(&l), KPI_OK);
    assert_int_equal(l.size, sizeof l);
    assert_int_equal(l.plan_bytes, (size_t)16 << 20);
    assert_int_equal(l.json_depth, 64);
    assert_int_equal(l.rubric_items, 1000);
    assert_int_equal(l.bands, 1000);
    assert_int_equal(l.bracket_rows, 1000);
    assert_int_equal(l.tiers, 100);
    assert_int_equal(l.label_bytes, 1024);
    assert_int_equal(l.csv_line_bytes, (size_t)1 << 20);
    assert_int_equal(l.csv_fields, 4096);
    assert_int_equal(l.state_bytes, (size_t)1 << 30);

    l.bands = 7;
    l.tiers = 0; /* the default */
    assert_int_equal(kpi_limits_set(&l), KPI_OK);
    kpi_limits got = KPI_LIMITS_INIT;
    assert_int_equal(kpi_limits_get(&got), KPI_OK);
    assert_int_equal(got.bands, 7);
    assert_int_equal(got.tiers, 100);

    /* bad values name the field and change nothing */
    kpi_limits bad = got;
    bad.json_depth = 1025;
    assert_int_equal(kpi_limits_set(&bad), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "json_depth"));
    bad = got;
    bad.csv_line_bytes = 15;
    assert_int_equal(kpi_limits_set(&bad), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "csv_line_bytes"));
    bad = got;
    bad.csv_fields = 65537;
    assert_int_equal(kpi_limits_set(&bad), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "csv_fields"));
    bad = got;
    bad.size = 8;
    assert_int_equal(kpi_limits_set(&bad), KPI_EINVAL);
    assert_int_equal(kpi_limits_get(&bad), KPI_EINVAL);
    assert_int_equal(kpi_limits_get(NULL), KPI_EINVAL);
    kpi_limits again = KPI_LIMITS_INIT;
    assert_int_equal(kpi_limits_get(&again), KPI_OK);
    assert_memory_equal(&again, &got, sizeof got);

    /* NULL restores every default */
    assert_int_equal(kpi_limits_set(NULL), KPI_OK);
    assert_int_equal(kpi_limits_get(&again), KPI_OK);
    assert_int_equal(again.bands, 1000);
}

/* ---- plans ----------------------------------------------------------------------------------- */

static void test_plan_bytes(void **state)
{
    (void)state;
    text t = make_plan(1, 1, 1, 1);
    SET(plan_bytes, t.n);
    expect_load(&t, KPI_OK, NULL, NULL, 0, 0);
    SET(plan_bytes, t.n - 1);
    expect_load(&t, KPI_ELIMIT, "plan_bytes", NULL, 0, 0);
    /* a per-call max_bytes wins over the setting */
    kpi_plan_options o = KPI_PLAN_OPTIONS_INIT;
    o.max_bytes = t.n;
    kpi_plan *plan;
    assert_int_equal(kpi_plan_load_buffer(&plan, t.p, t.n, "limits.json", &o), KPI_OK);
    kpi_plan_free(plan);
    /* and the file reader too */
    char path[] = "/tmp/kpi_limits_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fwrite(t.p, 1, t.n, f);
    fclose(f);
    assert_int_equal(kpi_plan_load_file(&plan, path, NULL), KPI_ELIMIT);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "plan_bytes"));
    remove(path);
    free(t.p);
}

static void test_json_depth(void **state)
{
    (void)state;
    /* 64 levels (the default) load as far as the plan reader, 65 do not */
    for (int depth = 64; depth <= 65; depth++) {
        text t = {0};
        put(&t, "{\"kpiscore\": 1, \"name\": \"deep\", \"x\": ");
        for (int i = 1; i < depth; i++)
            put(&t, "[");
        for (int i = 1; i < depth; i++)
            put(&t, "]");
        put(&t, "}");
        kpi_plan *plan = NULL;
        kpi_status st = kpi_plan_load_buffer(&plan, t.p, t.n, "limits.json", NULL);
        if (depth == 64) {
            assert_int_equal(st, KPI_EPLAN); /* "x" is not a plan key: past the limit check */
        } else {
            assert_int_equal(st, KPI_ELIMIT);
            assert_non_null(strstr(kpi_error_message(kpi_error_last()), "json_depth"));
            assert_int_equal(kpi_error_line(kpi_error_last()), 1);
            /* the prefix is 37 bytes; the 64th '[' is the 65th level */
            assert_int_equal(kpi_error_column(kpi_error_last()), 38 + 63);
            assert_int_equal(kpi_error_offset(kpi_error_last()), 37 + 63);
        }
        free(t.p);
    }
    /* a million levels: refused at once, no recursion in the reader */
    size_t n = 1000000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    kpi_plan *plan = NULL;
    assert_int_equal(kpi_plan_load_buffer(&plan, deep, n, "limits.json", NULL), KPI_ELIMIT);
    assert_int_equal(kpi_error_offset(kpi_error_last()), 64);
    free(deep);
    SET(json_depth, 3);
    text t = make_plan(1, 1, 1, 1); /* the first item (line 6) is the 4th level: {"rubric": {"items": [{ */
    expect_load(&t, KPI_ELIMIT, "nested deeper than 3 levels", "", 6, 1);
    free(t.p);
}

static void test_rubric_items(void **state)
{
    (void)state;
    text t = make_plan(3, 1, 1, 1);
    SET(rubric_items, 3);
    expect_load(&t, KPI_OK, NULL, NULL, 0, 0);
    SET(rubric_items, 2);
    expect_load(&t, KPI_ELIMIT, "3 items are more than the limit of 2 (rubric_items)", "rubric.items", 5, 0);
    free(t.p);
}

static void test_bands(void **state)
{
    (void)state;
    text t = make_plan(1, 3, 1, 1);
    SET(bands, 3);
    expect_load(&t, KPI_OK, NULL, NULL, 0, 0);
    SET(bands, 2);
    expect_load(&t, KPI_ELIMIT, "3 bands are more than the limit of 2 (bands)", "rubric.items[0].bands", 6, 0);
    free(t.p);
    /* a tier table's bands, with the rubric's within the limit */
    text u = make_plan(1, 2, 1, 1);
    char *tier_bands = strstr(u.p, "\"tiers\"");
    assert_non_null(tier_bands);
    tier_bands = strstr(tier_bands, "]");
    const char extra[] = ", {\"label\": \"c\", \"range\": \"[2, 3)\"}";
    text v = {0};
    put(&v, "%.*s%s%s", (int)(tier_bands - u.p), u.p, extra, tier_bands);
    expect_load(&v, KPI_ELIMIT, "3 bands are more than the limit of 2 (bands)", "tiers[0].bands", 8, 0);
    free(u.p);
    free(v.p);
}

static void test_bracket_rows_and_tiers(void **state)
{
    (void)state;
    text t = make_plan(1, 1, 3, 4);
    SET(bracket_rows, 4);
    expect_load(&t, KPI_OK, NULL, NULL, 0, 0);
    SET(bracket_rows, 3);
    expect_load(&t, KPI_ELIMIT, "4 rows are more than the limit of 3 (bracket_rows)", "pay.schedules.s.rows", 11, 0);
    kpi_limits_set(NULL);
    SET(tiers, 2);
    expect_load(&t, KPI_ELIMIT, "3 tier tables are more than the limit of 2 (tiers)", "tiers", 7, 10);
    free(t.p);
}

static void test_label_bytes(void **state)
{
    (void)state;
    char *label = malloc(1200);
    memset(label, 'a', 1200);
    text t = {0};
    put(&t, "{\"kpiscore\": 1, \"name\": \"%.*s\"}", 1024, label);
    expect_load(&t, KPI_OK, NULL, NULL, 0, 0);
    t.n = 0;
    put(&t, "{\"kpiscore\": 1,\n \"name\": \"%.*s\"}", 1025, label);
    expect_load(&t, KPI_ELIMIT, "a string of 1025 bytes is longer than the limit of 1024 bytes (label_bytes)",
                "", 2, 10);
    t.n = 0;
    put(&t, "{\"kpiscore\": 1, \"%.*s\": 1}", 1100, label);
    expect_load(&t, KPI_ELIMIT, "a key of 1100 bytes", "", 1, 17);
    /* a note may be long; Chinese labels count bytes as written */
    t.n = 0;
    put(&t, "{\"kpiscore\": 1, \"name\": \"n\", \"note\" : \"%.*s\"}", 1200, label);
    expect_load(&t, KPI_OK, NULL, NULL, 0, 0);
    SET(label_bytes, 8); /* "kpiscore" */
    t.n = 0;
    put(&t, "{\"kpiscore\": 1, \"name\": \"优秀\"}");
    expect_load(&t, KPI_OK, NULL, NULL, 0, 0);
    t.n = 0;
    put(&t, "{\"kpiscore\": 1, \"name\": \"优秀员\"}");
    expect_load(&t, KPI_ELIMIT, "9 bytes", "", 1, 25);
    free(t.p);
    free(label);
}

/* ---- events CSV -------------------------------------------------------------------------------- */

static kpi_status ingest(const char *csv)
{
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.period = KPI_PERIOD_ALL;
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, &o), KPI_OK);
    kpi_agents *agents;
    assert_int_equal(kpi_agents_new(&agents), KPI_OK);
    kpi_metrics_csv_options co = KPI_METRICS_CSV_OPTIONS_INIT;
    co.flags = KPI_METRICS_CSV_ADD_AGENTS;
    co.source = "events.csv";
    kpi_status st = kpi_metrics_ingest_csv(m, agents, csv, strlen(csv), &co, NULL);
    kpi_agents_free(agents);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
    return st;
}

static void test_csv_limits(void **state)
{
    (void)state;
    const char *csv = "agent,event,value\nzhang,consult,1\nli_wei_long_name,consult,2\n";
    assert_int_equal(ingest(csv), KPI_OK);
    SET(csv_line_bytes, 20);
    assert_int_equal(ingest(csv), KPI_ELIMIT);
    const kpi_error *e = kpi_error_last();
    assert_non_null(strstr(kpi_error_message(e), "max_record_bytes"));
    assert_string_equal(kpi_error_source(e), "events.csv");
    assert_int_equal(kpi_error_line(e), 3);
    SET(csv_fields, 2);
    assert_int_equal(ingest(csv), KPI_ELIMIT);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "max_fields"));
    assert_int_equal(kpi_error_line(kpi_error_last()), 1);
    assert_int_equal(kpi_error_column(kpi_error_last()), 13);
    /* explicit reader options still win */
    kpi_csv_options o = KPI_CSV_OPTIONS_INIT;
    o.max_fields = 3;
    o.max_record_bytes = 64;
    kpi_csv_reader *r;
    assert_int_equal(kpi_csv_reader_new(&r, &o), KPI_OK);
    kpi_csv_reader_free(r);
}

/* ---- states ------------------------------------------------------------------------------------ */

static void test_state_bytes(void **state)
{
    (void)state;
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK);
    size_t n;
    assert_int_equal(kpi_metrics_save(m, NULL, 0, &n), KPI_OK);
    unsigned char *buf = malloc(n);
    assert_int_equal(kpi_metrics_save(m, buf, n, &n), KPI_OK);
    kpi_metrics *back;
    SET(state_bytes, n);
    assert_int_equal(kpi_metrics_load(&back, reg, buf, n, 0), KPI_OK);
    kpi_metrics_free(back);
    SET(state_bytes, n - 1);
    back = NULL;
    assert_int_equal(kpi_metrics_load(&back, reg, buf, n, 0), KPI_ELIMIT);
    assert_null(back);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "state_bytes"));
    assert_int_equal(kpi_error_offset(kpi_error_last()), (long long)n - 1);
    assert_int_equal(kpi_metrics_load(&back, reg, buf, n, n), KPI_OK); /* the call's max_bytes wins */
    kpi_metrics_free(back);
    free(buf);

    kpi_sketch *s;
    assert_int_equal(kpi_sketch_new(&s, NULL), KPI_OK);
    assert_int_equal(kpi_sketch_add(s, 3.5), KPI_OK);
    assert_int_equal(kpi_sketch_serialize(s, NULL, 0, &n), KPI_OK);
    buf = malloc(n);
    assert_int_equal(kpi_sketch_serialize(s, buf, n, &n), KPI_OK);
    kpi_sketch *sb = NULL;
    assert_int_equal(kpi_sketch_deserialize(&sb, buf, n), KPI_ELIMIT);
    assert_null(sb);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "state_bytes"));
    SET(state_bytes, n);
    assert_int_equal(kpi_sketch_deserialize(&sb, buf, n), KPI_OK);
    kpi_sketch_free(sb);
    kpi_sketch_free(s);
    free(buf);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_get_set_defaults, reset_limits),
        cmocka_unit_test_teardown(test_plan_bytes, reset_limits),
        cmocka_unit_test_teardown(test_json_depth, reset_limits),
        cmocka_unit_test_teardown(test_rubric_items, reset_limits),
        cmocka_unit_test_teardown(test_bands, reset_limits),
        cmocka_unit_test_teardown(test_bracket_rows_and_tiers, reset_limits),
        cmocka_unit_test_teardown(test_label_bytes, reset_limits),
        cmocka_unit_test_teardown(test_csv_limits, reset_limits),
        cmocka_unit_test_teardown(test_state_bytes, reset_limits),
    };
    return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
