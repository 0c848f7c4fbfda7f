/*
 * test_alloc_failure.c - the allocation-failure sweeps the module suites do
 * not have: the month-end run end to end (kpi_run_new ... kpi_run_evaluate
 * on the sample plan with metrics, grades, tiers and pay), kpi_run_evaluate
 * alone on a built run, kpi_metrics_ingest_csv on one and on two threads,
 * and kpi_plan_lint.
 *
 * Each operation is first run with a counting allocator to learn how many
 * allocations N it makes; then for k = 1 ... N the k-th allocation alone
 * fails. Every such run must return KPI_ENOMEM (or, where a failure is
 * absorbed, succeed with the very same results), leak nothing (the suite
 * runs under valgrind and ASan in scripts/test), and leave the objects it
 * was given usable: the same call retried with memory succeeds with the
 * reference results. (The other public operations are swept in their
 * module's suite: plan loading and scoring in test_plan, rubric building
 * and scoring in test_rubric, the CSV reader in test_csv, the streaming
 * and one-thread events CSV in test_metrics_csv, accumulators in
 * test_metrics, sketches in test_sketch, tiers in test_tiers, ranks in
 * test_rank, plan sections in test_plan_sections.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

/* ---- the failing allocator ------------------------------------------------------------------ */

static atomic_long calls;   /* allocations made since the count was reset */
static atomic_long fail_at; /* the allocation (1-based) that fails; 0: none */

static bool should_fail(void)
{
    long n = atomic_fetch_add(&calls, 1) + 1;
    return n == atomic_load(&fail_at);
}

static void *t_malloc(size_t size, void *user)
{
    (void)user;
    return should_fail() ? NULL : malloc(size);
}

static void *t_realloc(void *p, size_t size, void *user)
{
    (void)user;
    return should_fail() ? NULL : realloc(p, size);
}

static void t_free(void *p, void *user)
{
    (void)user;
    free(p);
}

static int hooks_on(void **state)
{
    (void)state;
    atomic_store(&fail_at, 0);
    return kpi_set_allocator(t_malloc, t_realloc, t_free, NULL) == KPI_OK ? 0 : -1;
}

static int hooks_off(void **state)
{
    (void)state;
    return kpi_set_allocator(NULL, NULL, NULL, NULL) == KPI_OK ? 0 : -1;
}

/* Starts counting; the @k-th allocation from now fails (0: none). */
static void arm(long k)
{
    atomic_store(&calls, 0);
    atomic_store(&fail_at, k);
}

static long disarm(void)
{
    atomic_store(&fail_at, 0);
    return atomic_load(&calls);
}

/* ---- the sample month ------------------------------------------------------------------------ */

#define AGENTS 3
static const char *const ids[AGENTS] = {"A001", "A002", "A003"};
static const char *const teams[AGENTS] = {"一组", "二组", "一组"};

/* A small July: per agent 12 consultations with replies, orders, payments,
 * suborders, one refund and a sales target. */
static char *events_csv(size_t *len)
{
    size_t cap = 16384, n = 0;
    char *t = malloc(cap);
    n += (size_t)snprintf(t + n, cap - n, "agent,time,event,value\n");
    for (int a = 0; a < AGENTS; a++) {
        n += (size_t)snprintf(t + n, cap - n, "%s,2026-07-01 00:00:00,sales_target,%d\n", ids[a],
                              2000000 + 300000 * a);
        for (int i = 0; i < 12; i++) {
            int d = 1 + (i * 7 + a) % 28;
            n += (size_t)snprintf(t + n, cap - n, "%s,2026-07-%02d 09:%02d:00,consult,1\n", ids[a], d, i);
            n += (size_t)snprintf(t + n, cap - n, "%s,2026-07-%02d 09:%02d:30,reply,%d\n", ids[a], d, i,
                                  20000 + 1700 * ((i + a) % 9));
            if ((i + a) % 3 != 0) {
                n += (size_t)snprintf(t + n, cap - n, "%s,2026-07-%02d 10:%02d:00,order,1\n", ids[a], d, i);
                n += (size_t)snprintf(t + n, cap - n, "%s,2026-07-%02d 10:%02d:10,payment,%d\n", ids[a], d, i,
                                      150000 + 23000 * ((i * 5 + a) % 7));
                n += (size_t)snprintf(t + n, cap - n, "%s,2026-07-%02d 10:%02d:10,suborder,1\n", ids[a], d, i);
            }
        }
        n += (size_t)snprintf(t + n, cap - n, "%s,2026-07-20 12:00:00,refund,%d\n", ids[a], 15900 + a);
    }
    assert_true(n < cap);
    *len = n;
    return t;
}

typedef struct {
    kpi_plan *plan;
    kpi_metrics *metrics;
    kpi_agents *agents;
    char *csv;
    size_t csv_len;
} month;

static void month_load(month *mo)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/data/sample/plan.json", KPI_SOURCE_ROOT);
    assert_int_equal(kpi_plan_load_file(&mo->plan, path, NULL), KPI_OK);
    mo->csv = events_csv(&mo->csv_len);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    assert_int_equal(kpi_plan_metrics_options(mo->plan, &o), KPI_OK);
    assert_int_equal(kpi_metrics_new(&mo->metrics, kpi_plan_metric_registry(mo->plan), &o), KPI_OK);
    assert_int_equal(kpi_agents_new(&mo->agents), KPI_OK);
    for (int a = 0; a < AGENTS; a++)
        assert_int_equal(kpi_agents_add(mo->agents, ids[a], teams[a], "杭州", NULL), KPI_OK);
    kpi_metrics_csv_options co = KPI_METRICS_CSV_OPTIONS_INIT;
    assert_int_equal(kpi_metrics_ingest_csv(mo->metrics, mo->agents, mo->csv, mo->csv_len, &co, NULL), KPI_OK);
}

static void month_free(month *mo)
{
    kpi_agents_free(mo->agents);
    kpi_metrics_free(mo->metrics);
    kpi_plan_free(mo->plan);
    free(mo->csv);
}

static unsigned char *saved(const kpi_metrics *m, size_t *n)
{
    kpi_status st = kpi_metrics_save(m, NULL, 0, n);
    assert_true(st == KPI_OK || st == KPI_ERANGE);
    unsigned char *b = malloc(*n);
    assert_int_equal(kpi_metrics_save(m, b, *n, n), KPI_OK);
    return b;
}

/* What a run reports, as text: one line per row plus each agent's explanation. */
static char *results(const kpi_run *run)
{
    size_t cap = 1 << 16, n = 0;
    char *t = malloc(cap);
    t[0] = '\0';
    for (size_t i = 0; i < kpi_run_count(run); i++) {
        kpi_run_row r = KPI_RUN_ROW_INIT;
        assert_int_equal(kpi_run_row_get(run, i, &r), KPI_OK);
        n += (size_t)snprintf(t + n, cap - n, "%s %d %lld %lld %lld %lld\n", r.id, (int)r.outcome,
                              (long long)r.score, (long long)r.rank, (long long)r.pct, (long long)r.pay);
        n += kpi_run_explain(run, r.agent, t + n, cap - n);
        assert_true(n < cap);
    }
    return t;
}

/* kpi_run_new ... kpi_run_evaluate; the run in *out (NULL on failure). */
static kpi_status run_month(const month *mo, kpi_run **out)
{
    kpi_run *run = NULL;
    *out = NULL;
    kpi_status st = kpi_run_new(&run, mo->plan);
    for (int a = 0; st == KPI_OK && a < AGENTS; a++)
        st = kpi_run_add_agent(run, ids[a], ids[a], teams[a], "杭州");
    for (int a = 0; st == KPI_OK && a < AGENTS; a++)
        st = kpi_run_set_field(run, ids[a], "post_salary", 300000);
    if (st == KPI_OK)
        st = kpi_run_set_metrics(run, mo->metrics, mo->agents);
    for (int a = 0; st == KPI_OK && a < AGENTS; a++) {
        static const char *const assist[] = {"3", "5", "4"}, *const exec[] = {"6", "8", "7"};
        st = kpi_run_set_input(run, ids[a], "2026-07", "assist", assist[a]);
        if (st == KPI_OK)
            st = kpi_run_set_input(run, ids[a], "2026-07", "execution", exec[a]);
        if (st == KPI_OK && a == 1)
            st = kpi_run_set_input(run, ids[a], "2026-07", "complaints", "1");
    }
    if (st == KPI_OK)
        st = kpi_run_evaluate(run, "2026-07");
    if (st == KPI_OK)
        *out = run;
    else
        kpi_run_free(run);
    return st;
}

static void check_absorbed(const char *what, long k, kpi_status st)
{
    if (st != KPI_ENOMEM)
        fail_msg("%s: allocation %ld failed, status %s: %s", what, k, kpi_status_str(st),
                 kpi_error_text(kpi_error_last()));
    assert_int_equal(kpi_error_code(kpi_error_last()), KPI_ENOMEM);
}

/* ---- the sweeps -------------------------------------------------------------------------------- */

static void test_run_end_to_end(void **state)
{
    (void)state;
    month mo;
    month_load(&mo);
    size_t state_n;
    unsigned char *state_before = saved(mo.metrics, &state_n);
    kpi_run *run;
    arm(0);
    assert_int_equal(run_month(&mo, &run), KPI_OK);
    long total = disarm();
    char *want = results(run);
    assert_true(kpi_run_count(run) == AGENTS);
    assert_non_null(strstr(want, "A00"));
    kpi_run_free(run);
    assert_true(total > 100);
    long absorbed = 0;
    for (long k = 1; k <= total; k++) {
        arm(k);
        kpi_status st = run_month(&mo, &run);
        disarm();
        if (st == KPI_OK) { /* a failure the run absorbed: the results must not change */
            char *got = results(run);
            assert_string_equal(got, want);
            free(got);
            kpi_run_free(run);
            absorbed++;
            continue;
        }
        check_absorbed("kpi_run_*", k, st);
        assert_null(run);
    }
    assert_true(absorbed * 10 < total);
    /* the plan, the accumulator and the agent map are as they were */
    size_t after_n;
    unsigned char *state_after = saved(mo.metrics, &after_n);
    assert_int_equal(after_n, state_n);
    assert_memory_equal(state_after, state_before, state_n);
    assert_int_equal(run_month(&mo, &run), KPI_OK);
    char *again = results(run);
    assert_string_equal(again, want);
    free(again);
    kpi_run_free(run);
    free(state_after);
    free(state_before);
    free(want);
    month_free(&mo);
}

static void test_run_evaluate_retry(void **state)
{
    (void)state;
    month mo;
    month_load(&mo);
    kpi_run *run;
    assert_int_equal(run_month(&mo, &run), KPI_OK);
    char *want = results(run);
    arm(0);
    assert_int_equal(kpi_run_evaluate(run, "2026-07"), KPI_OK);
    long total = disarm();
    char *same = results(run);
    assert_string_equal(same, want); /* evaluating again gives the same */
    free(same);
    assert_true(total > 10);
    for (long k = 1; k <= total; k++) {
        arm(k);
        kpi_status st = kpi_run_evaluate(run, "2026-07");
        disarm();
        if (st != KPI_OK)
            check_absorbed("kpi_run_evaluate", k, st);
        /* the same run, retried with memory */
        assert_int_equal(kpi_run_evaluate(run, "2026-07"), KPI_OK);
        char *got = results(run);
        assert_string_equal(got, want);
        free(got);
    }
    kpi_run_free(run);
    free(want);
    month_free(&mo);
}

static void test_ingest_csv(void **state)
{
    (void)state;
    month mo;
    month_load(&mo);
    const kpi_metric_registry *reg = kpi_plan_metric_registry(mo.plan);
    kpi_metrics_options mo_opts = KPI_METRICS_OPTIONS_INIT;
    assert_int_equal(kpi_plan_metrics_options(mo.plan, &mo_opts), KPI_OK);
    for (unsigned threads = 1; threads <= 2; threads++) {
        kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
        o.threads = threads;
        o.flags = KPI_METRICS_CSV_ADD_AGENTS;
        /* the reference: into a fresh accumulator and an empty map */
        kpi_metrics *ref;
        kpi_agents *ref_ag;
        assert_int_equal(kpi_metrics_new(&ref, reg, &mo_opts), KPI_OK);
        assert_int_equal(kpi_agents_new(&ref_ag), KPI_OK);
        arm(0);
        assert_int_equal(kpi_metrics_ingest_csv(ref, ref_ag, mo.csv, mo.csv_len, &o, NULL), KPI_OK);
        long total = disarm();
        assert_true(total > 5);
        size_t ref_n;
        unsigned char *ref_state = saved(ref, &ref_n);
        kpi_metrics *m;
        kpi_agents *ag;
        assert_int_equal(kpi_metrics_new(&m, reg, &mo_opts), KPI_OK);
        assert_int_equal(kpi_agents_new(&ag), KPI_OK);
        size_t empty_n;
        unsigned char *empty = saved(m, &empty_n);
        for (long k = 1; k <= total; k++) {
            arm(k);
            kpi_metrics_csv_result res = KPI_METRICS_CSV_RESULT_INIT;
            kpi_status st = kpi_metrics_ingest_csv(m, ag, mo.csv, mo.csv_len, &o, &res);
            disarm();
            if (st == KPI_OK) { /* absorbed: then it must have done the whole job */
                size_t n;
                unsigned char *got = saved(m, &n);
                assert_int_equal(n, ref_n);
                assert_memory_equal(got, ref_state, n);
                free(got);
                kpi_metrics_free(m);
                assert_int_equal(kpi_metrics_new(&m, reg, &mo_opts), KPI_OK);
                kpi_agents_free(ag);
                assert_int_equal(kpi_agents_new(&ag), KPI_OK);
                continue;
            }
            check_absorbed(threads == 1 ? "kpi_metrics_ingest_csv" : "kpi_metrics_ingest_csv, 2 threads", k, st);
            size_t n;
            unsigned char *got = saved(m, &n);
            if (n != empty_n || memcmp(got, empty, n) != 0) /* nothing reached the accumulator or the map */
                fail_msg("threads %u, allocation %ld of %ld: the accumulator changed on failure (%s)", threads, k,
                         total, kpi_error_text(kpi_error_last()));
            free(got);
            if (kpi_agents_count(ag, KPI_LEVEL_AGENT) != 0)
                fail_msg("threads %u, allocation %ld of %ld: the agent map grew to %zu on failure", threads, k, total, kpi_agents_count(ag, KPI_LEVEL_AGENT));
        }
        /* the same accumulator and map, retried with memory */
        assert_int_equal(kpi_metrics_ingest_csv(m, ag, mo.csv, mo.csv_len, &o, NULL), KPI_OK);
        size_t n;
        unsigned char *got = saved(m, &n);
        assert_int_equal(n, ref_n);
        assert_memory_equal(got, ref_state, n);
        assert_int_equal(kpi_agents_count(ag, KPI_LEVEL_AGENT), AGENTS);
        free(got);
        free(empty);
        free(ref_state);
        kpi_agents_free(ag);
        kpi_metrics_free(m);
        kpi_agents_free(ref_ag);
        kpi_metrics_free(ref);
    }
    month_free(&mo);
}

static char *findings(const kpi_lint *lint)
{
    size_t cap = 1 << 16, n = 0;
    char *t = malloc(cap);
    t[0] = '\0';
    for (size_t i = 0; i < kpi_lint_count(lint); i++) {
        n += (size_t)snprintf(t + n, cap - n, "%s %s %ld:%ld %s %s\n", kpi_severity_name(kpi_lint_severity(lint, i)),
                              kpi_lint_code(lint, i), kpi_lint_line(lint, i), kpi_lint_column(lint, i),
                              kpi_lint_path(lint, i), kpi_lint_message(lint, i));
        assert_true(n < cap);
    }
    return t;
}

static void test_plan_lint(void **state)
{
    (void)state;
    static const char *const plans[] = {"examples/data/sample/plan.json", "examples/plans/seed001-month-end.json"};
    for (size_t p = 0; p < sizeof plans / sizeof plans[0]; p++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", KPI_SOURCE_ROOT, plans[p]);
        kpi_plan *plan;
        assert_int_equal(kpi_plan_load_file(&plan, path, NULL), KPI_OK);
        kpi_lint *lint;
        assert_int_equal(kpi_lint_new(&lint), KPI_OK);
        arm(0);
        assert_int_equal(kpi_plan_lint(plan, lint), KPI_OK);
        long total = disarm();
        char *want = findings(lint);
        assert_true(kpi_lint_count(lint) > 0); /* both plans have findings (jumps, end points) */
        kpi_lint_free(lint);
        for (long k = 1; k <= total; k++) {
            assert_int_equal(kpi_lint_new(&lint), KPI_OK);
            arm(k);
            kpi_status st = kpi_plan_lint(plan, lint);
            disarm();
            if (st != KPI_OK)
                check_absorbed("kpi_plan_lint", k, st);
            kpi_lint_count(lint); /* the list stays usable */
            kpi_lint_free(lint);
            /* the same plan, retried with memory */
            assert_int_equal(kpi_lint_new(&lint), KPI_OK);
            assert_int_equal(kpi_plan_lint(plan, lint), KPI_OK);
            char *got = findings(lint);
            assert_string_equal(got, want);
            free(got);
            kpi_lint_free(lint);
        }
        free(want);
        kpi_plan_free(plan);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_end_to_end),
        cmocka_unit_test(test_run_evaluate_retry),
        cmocka_unit_test(test_ingest_csv),
        cmocka_unit_test(test_plan_lint),
    };
    return cmocka_run_group_tests_name("alloc_failure", tests, hooks_on, hooks_off);
}
