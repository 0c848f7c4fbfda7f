/*
 * test_bad_inputs.c - the catalogue of bad events CSV files (tests/bad/csv/)
 * and bad saved states (tests/bad/states/), data-driven: each directory's
 * expected.tsv gives, per file, the status, the location (CSV: line,
 * column, byte offset; states: byte offset) and a fragment of the message.
 * The plans of tests/bad/plans/ are run by tests/test_plan.c.
 *
 * Every CSV case is read three ways (the whole buffer on one thread, on two
 * threads, and streamed in 7-byte pieces), which must agree; a failure must
 * leave the accumulator and the agent map as they were. Every state case
 * must leave the output untouched. The buffers are exactly the file's size,
 * so the sanitizer builds catch any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static const struct {
    const char *name;
    kpi_status code;
} statuses[] = {
    {"OK", KPI_OK},           {"EINVAL", KPI_EINVAL},       {"EPARSE", KPI_EPARSE},
    {"ERANGE", KPI_ERANGE},   {"EOVERFLOW", KPI_EOVERFLOW}, {"ENOMEM", KPI_ENOMEM},
    {"ENOTFOUND", KPI_ENOTFOUND}, {"EVERSION", KPI_EVERSION}, {"ECORRUPT", KPI_ECORRUPT},
    {"ELIMIT", KPI_ELIMIT},   {"EMISMATCH", KPI_EMISMATCH}, {"EINPUT", KPI_EINPUT},
    {"EDUPLICATE", KPI_EDUPLICATE},
};

static kpi_status status_named(const char *name)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (strcmp(statuses[i].name, name) == 0)
            return statuses[i].code;
    fail_msg("expected.tsv: unknown status '%s'", name);
    return KPI_OK;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Calls @check(file, fields) for every row of @dir/expected.tsv with @nfields
 * tab-separated fields; returns the number of rows. */
typedef void (*row_fn)(const char *dir, char **field);

static int each_row(const char *dir, int nfields, row_fn check)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/bad/%s/expected.tsv", KPI_SOURCE_ROOT, dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char row[1024];
    int cases = 0;
    while (fgets(row, sizeof row, f)) {
        if (row[0] == '#' || row[0] == '\n')
            continue;
        row[strcspn(row, "\n")] = '\0';
        char *field[8];
        char *p = row;
        for (int i = 0; i < nfields; i++) {
            field[i] = p;
            p = strchr(p, '\t');
            if (i < nfields - 1) {
                if (!p)
                    fail_msg("%s: row '%s' has fewer than %d fields", path, row, nfields);
                *p++ = '\0';
            }
        }
        check(dir, field);
        cases++;
    }
    fclose(f);
    return cases;
}

/* ---- events CSV ---------------------------------------------------------------------------- */

typedef struct {
    kpi_status st;
    long line, column;
    long long offset;
    char msg[512];
} outcome;

static outcome outcome_now(kpi_status st)
{
    outcome o = {st, 0, 0, -1, ""};
    if (st != KPI_OK) {
        const kpi_error *e = kpi_error_last();
        o.line = kpi_error_line(e);
        o.column = kpi_error_column(e);
        o.offset = kpi_error_offset(e);
        snprintf(o.msg, sizeof o.msg, "%s", kpi_error_message(e));
        if (strcmp(kpi_error_source(e), "bad.csv") != 0)
            fail_msg("source is '%s', expected bad.csv", kpi_error_source(e));
    }
    return o;
}

static unsigned char *state_of(const kpi_metrics *m, size_t *n)
{
    kpi_status st = kpi_metrics_save(m, NULL, 0, n);
    assert_true(st == KPI_OK || st == KPI_ERANGE);
    unsigned char *b = malloc(*n);
    assert_int_equal(kpi_metrics_save(m, b, *n, n), KPI_OK);
    return b;
}

/* One read of @data into a fresh accumulator and agent map {a1, a2}. */
static outcome ingest(const unsigned char *data, size_t len, int how)
{
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK);
    kpi_agents *agents;
    assert_int_equal(kpi_agents_new(&agents), KPI_OK);
    assert_int_equal(kpi_agents_add(agents, "a1", "t1", "c1", NULL), KPI_OK);
    assert_int_equal(kpi_agents_add(agents, "a2", "t1", "c1", NULL), KPI_OK);
    /* one row already in, so "unchanged" is not "empty" */
    uint32_t ag = 1;
    uint16_t ev;
    assert_int_equal(kpi_metric_registry_event_find(reg, "consult", &ev), KPI_OK);
    int64_t value = 4, when = INT64_C(1782867600000); /* 2026-07-01 09:00+08:00 */
    assert_int_equal(kpi_metrics_add_batch(m, &ag, &ev, &value, &when, 1), KPI_OK);
    size_t before_n;
    unsigned char *before = state_of(m, &before_n);

    kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
    o.source = "bad.csv";
    kpi_status st = KPI_OK;
    kpi_metrics_csv *stream = NULL;
    if (how < 2) {
        o.threads = how ? 2 : 1;
        st = kpi_metrics_ingest_csv(m, agents, data, len, &o, NULL);
    } else {
        assert_int_equal(kpi_metrics_csv_new(&stream, m, agents, &o), KPI_OK);
        for (size_t at = 0; st == KPI_OK && at < len; at += 7)
            st = kpi_metrics_csv_feed(stream, data + at, len - at < 7 ? len - at : 7);
        if (st == KPI_OK)
            st = kpi_metrics_csv_finish(stream, NULL);
    }
    outcome r = outcome_now(st);
    kpi_metrics_csv_free(stream);
    size_t after_n;
    unsigned char *after = state_of(m, &after_n);
    if (st != KPI_OK) {
        assert_int_equal(after_n, before_n);
        assert_memory_equal(after, before, before_n);
        assert_int_equal(kpi_agents_count(agents, KPI_LEVEL_AGENT), 2);
    }
    free(after);
    free(before);
    kpi_agents_free(agents);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
    return r;
}

static void check_csv(const char *dir, char **field)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/bad/%s/%s", KPI_SOURCE_ROOT, dir, field[0]);
    size_t len;
    unsigned char *data = read_file(path, &len);
    kpi_status want = status_named(field[1]);
    outcome got[3];
    for (int how = 0; how < 3; how++)
        got[how] = ingest(data, len, how);
    free(data);
    const outcome *g = &got[0];
    if (g->st != want ||
        (want != KPI_OK && (g->line != atol(field[2]) || g->column != atol(field[3]) ||
                            g->offset != atoll(field[4]) || !strstr(g->msg, field[5]))))
        fail_msg("%s: expected %s %s:%s @%s '%s'\n  got %s %ld:%ld @%lld '%s'", field[0], field[1], field[2],
                 field[3], field[4], field[5], kpi_status_str(g->st), g->line, g->column, g->offset, g->msg);
    static const char *const ways[] = {"one thread", "two threads", "streamed"};
    for (int how = 1; how < 3; how++)
        if (got[how].st != g->st || got[how].line != g->line || got[how].column != g->column ||
            got[how].offset != g->offset || strcmp(got[how].msg, g->msg) != 0)
            fail_msg("%s: %s gives %s %ld:%ld @%lld '%s', one thread %s %ld:%ld @%lld '%s'", field[0], ways[how],
                     kpi_status_str(got[how].st), got[how].line, got[how].column, got[how].offset, got[how].msg,
                     kpi_status_str(g->st), g->line, g->column, g->offset, g->msg);
}

static void test_bad_csv(void **state)
{
    (void)state;
    assert_true(each_row("csv", 6, check_csv) >= 30);
}

/* ---- states ------------------------------------------------------------------------------------ */

static void check_state(const char *dir, char **field)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/bad/%s/%s", KPI_SOURCE_ROOT, dir, field[0]);
    size_t len;
    unsigned char *data = read_file(path, &len);
    kpi_status want = status_named(field[1]), st;
    if (strncmp(field[0], "sketch-", 7) == 0) {
        kpi_sketch *s = (kpi_sketch *)1;
        st = kpi_sketch_deserialize(&s, data, len);
        if (st != KPI_OK)
            assert_true(s == (kpi_sketch *)1);
        else
            kpi_sketch_free(s);
    } else {
        kpi_metric_registry *reg;
        assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
        kpi_metrics *m = (kpi_metrics *)1;
        st = kpi_metrics_load(&m, reg, data, len, 0);
        if (st != KPI_OK)
            assert_true(m == (kpi_metrics *)1);
        else
            kpi_metrics_free(m);
        kpi_error_last(); /* the record survives the frees below */
        kpi_metric_registry_free(reg);
    }
    free(data);
    const kpi_error *e = kpi_error_last();
    if (st != want || (want != KPI_OK && (kpi_error_offset(e) != atoll(field[2]) ||
                                          !strstr(kpi_error_message(e), field[3]))))
        fail_msg("%s: expected %s @%s '%s'\n  got %s @%lld '%s'", field[0], field[1], field[2], field[3],
                 kpi_status_str(st), kpi_error_offset(e), kpi_error_message(e));
}

static void test_bad_states(void **state)
{
    (void)state;
    assert_true(each_row("states", 4, check_state) >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_csv),
        cmocka_unit_test(test_bad_states),
    };
    return cmocka_run_group_tests_name("bad_inputs", tests, NULL, NULL);
}
