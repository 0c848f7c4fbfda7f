/* test_run.c - the month-end run: metrics and grades in, scorecards, ranks and explanations out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kpiscore.h"

static const char plan_text[] =
    "{\"kpiscore\": 1, \"name\": \"测试方案\", \"period\": \"month\",\n"
    " \"metrics\": {\"utc_offset\": \"+08:00\"},\n"
    " \"inputs\": {\n"
    "   \"conversion\": {\"kind\": \"number\", \"label\": \"咨询转化率\", \"metric\": \"conversion\"},\n"
    "   \"reply\": {\"kind\": \"number\", \"label\": \"回复率\", \"metric\": \"reply_rate\"},\n"
    "   \"execution\": {\"kind\": \"number\", \"label\": \"执行力\"},\n"
    "   \"qa\": {\"kind\": \"list\", \"label\": \"监听\"}\n"
    " },\n"
    " \"rubric\": {\"total\": 100, \"na\": \"zero\", \"pass_mark\": 60, \"items\": [\n"
    "   {\"id\": \"conversion\", \"points\": 50, \"rule\": \"linear\", \"input\": \"conversion\", \"target\": \"50%\"},\n"
    "   {\"id\": \"reply\", \"points\": 20, \"rule\": \"linear\", \"input\": \"reply\", \"target\": \"100%\"},\n"
    "   {\"id\": \"execution\", \"points\": 30, \"rule\": \"score\", \"input\": \"execution\"}\n"
    " ]}}\n";

/* 2026-09-01 00:30 in Beijing is 2026-08-31 16:30 UTC */
#define SEP1_0030_BEIJING INT64_C(1788193800000)
#define AUG15_NOON_BEIJING INT64_C(1786766400000)

struct fixture {
    kpi_plan *plan;
    kpi_metrics *metrics;
    kpi_agents *agents;
    kpi_run *run;
};

static void add_events(struct fixture *f, uint32_t agent, uint16_t event, int n, int64_t when)
{
    for (int i = 0; i < n; i++) {
        int64_t value = 1, t = when + i;
        assert_int_equal(kpi_metrics_add_batch(f->metrics, &agent, &event, &value, &t, 1), KPI_OK);
    }
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_int_equal(kpi_plan_load_buffer(&f->plan, plan_text, strlen(plan_text), "test.json", NULL), KPI_OK);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    assert_int_equal(kpi_plan_metrics_options(f->plan, &o), KPI_OK);
    assert_int_equal(o.utc_offset_minutes, 480);
    assert_int_equal(kpi_metrics_new(&f->metrics, kpi_plan_metric_registry(f->plan), &o), KPI_OK);
    assert_int_equal(kpi_agents_new(&f->agents), KPI_OK);
    const char *ids[] = {"A", "B", "C", "D"}, *teams[] = {"T1", "T1", "T2", "T2"};
    for (int i = 0; i < 4; i++) {
        uint32_t idx;
        assert_int_equal(kpi_agents_add(f->agents, ids[i], teams[i], "centre", &idx), KPI_OK);
    }
    /* September (the first consult of each agent is at 00:30 Beijing on the 1st) */
    int consults[] = {10, 10, 10, 0}, orders[] = {5, 2, 1, 0}, replies[] = {10, 8, 5, 0};
    for (uint32_t a = 0; a < 4; a++) {
        add_events(f, a, KPI_EVENT_CONSULT, consults[a], SEP1_0030_BEIJING);
        add_events(f, a, KPI_EVENT_ORDER, orders[a], SEP1_0030_BEIJING + 100);
        add_events(f, a, KPI_EVENT_REPLY, replies[a], SEP1_0030_BEIJING + 200);
    }
    /* August: only A and B */
    add_events(f, 0, KPI_EVENT_CONSULT, 4, AUG15_NOON_BEIJING);
    add_events(f, 0, KPI_EVENT_ORDER, 1, AUG15_NOON_BEIJING);
    add_events(f, 1, KPI_EVENT_CONSULT, 4, AUG15_NOON_BEIJING);
    add_events(f, 1, KPI_EVENT_ORDER, 2, AUG15_NOON_BEIJING);
    assert_int_equal(kpi_run_new(&f->run, f->plan), KPI_OK);
    const char *names[] = {"甲", "乙", "丙", "丁"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(kpi_run_add_agent(f->run, ids[i], names[i], teams[i], "centre"), KPI_OK);
    assert_int_equal(kpi_run_set_metrics(f->run, f->metrics, f->agents), KPI_OK);
    const char *exec[] = {"30", "24", "20", "30"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(kpi_run_set_input(f->run, ids[i], "2026-09", "execution", exec[i]), KPI_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    kpi_run_free(f->run);
    kpi_metrics_free(f->metrics);
    kpi_agents_free(f->agents);
    kpi_plan_free(f->plan);
    free(f);
    return 0;
}

static void test_scores_ranks_and_order(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(kpi_run_evaluate(f->run, NULL), KPI_OK); /* the latest */
    assert_string_equal(kpi_run_evaluated_period(f->run), "2026-09");
    assert_int_equal(kpi_run_period_count(f->run), 2);
    assert_string_equal(kpi_run_period(f->run, 0), "2026-08");
    assert_string_equal(kpi_run_period(f->run, 1), "2026-09");
    assert_int_equal(kpi_run_count(f->run), 4);
    /* A: 5/10 = 50 % of a 50 % target -> 50; replies 10/10 -> 20; execution 30 -> 100
     * B: 20 % -> 20; 80 % -> 16; 24 -> 60 (the pass mark: pass)
     * C: 10 % -> 10; 50 % -> 10; 20 -> 40 (fail)
     * D: no consults: both ratios N/A, counted as zero; 30 -> 30 (fail) */
    const char *ids[] = {"A", "B", "C", "D"};
    const int64_t totals[] = {100, 60, 40, 30};
    const kpi_outcome outcomes[] = {KPI_OUTCOME_PASS, KPI_OUTCOME_PASS, KPI_OUTCOME_FAIL, KPI_OUTCOME_FAIL};
    const int64_t team_ranks[] = {1, 2, 1, 2};
    for (size_t i = 0; i < 4; i++) {
        kpi_run_row row = KPI_RUN_ROW_INIT;
        assert_int_equal(kpi_run_row_get(f->run, i, &row), KPI_OK);
        assert_string_equal(row.id, ids[i]);
        assert_true(row.score == KPI_DEC_INT(totals[i]));
        assert_int_equal(row.outcome, outcomes[i]);
        assert_true(row.rank == KPI_DEC_INT((int64_t)i + 1));
        assert_true(row.team_rank == KPI_DEC_INT(team_ranks[i]));
        assert_true(row.pay == 0); /* no "pay" section */
        assert_non_null(kpi_run_scorecard(f->run, row.agent));
        assert_null(kpi_run_payslip(f->run, row.agent));
    }
    kpi_run_row row = KPI_RUN_ROW_INIT;
    assert_int_equal(kpi_run_row_get(f->run, 4, &row), KPI_ERANGE);
    /* the explanation names the agent, the period and the items' labels */
    char text[4096];
    size_t n = kpi_run_explain(f->run, 1, text, sizeof text);
    assert_true(n > 0 && n < sizeof text);
    assert_non_null(strstr(text, "B 乙 (T1) · 2026-09"));
    assert_non_null(strstr(text, "咨询转化率") ? strstr(text, "咨询转化率") : strstr(text, "conversion"));
    /* a small buffer gets the same length back and a terminated prefix */
    char small[8];
    assert_int_equal(kpi_run_explain(f->run, 1, small, sizeof small), n);
    assert_int_equal(strlen(small), 7);
}

static void test_history_period(void **state)
{
    struct fixture *f = *state;
    /* August: A 1/4 = 25 % -> 25, B 2/4 -> 50; no replies and no grades: 0 */
    assert_int_equal(kpi_run_evaluate(f->run, "2026-08"), KPI_OK);
    kpi_run_row row = KPI_RUN_ROW_INIT;
    assert_int_equal(kpi_run_row_get(f->run, 0, &row), KPI_OK);
    assert_string_equal(row.id, "B");
    assert_true(row.score == KPI_DEC_INT(50));
    assert_int_equal(kpi_run_row_get(f->run, 1, &row), KPI_OK);
    assert_string_equal(row.id, "A");
    assert_true(row.score == KPI_DEC_INT(25));
}

static void test_errors(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(kpi_run_evaluate(f->run, "2026-10"), KPI_ENOTFOUND);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "no data for period '2026-10'"));
    assert_int_equal(kpi_run_count(f->run), 0);
    assert_int_equal(kpi_run_add_agent(f->run, "A", NULL, NULL, NULL), KPI_EDUPLICATE);
    assert_int_equal(kpi_run_set_input(f->run, "Z", "2026-09", "execution", "1"), KPI_ENOTFOUND);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "unknown agent 'Z'"));
    assert_int_equal(kpi_run_set_input(f->run, "A", "2026-09", "speed", "1"), KPI_ENOTFOUND);
    assert_int_equal(kpi_run_set_input(f->run, "A", "2026-09", "execution", "2x"), KPI_EPARSE);
    assert_int_equal(kpi_error_column(kpi_error_last()), 2);
    assert_int_equal(kpi_run_set_input(f->run, "A", "2026-09", "qa", "88;9x;70"), KPI_EPARSE);
    assert_int_equal(kpi_error_column(kpi_error_last()), 5);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "item 2 of the list"));
    /* an evaluator's value outside what the rule accepts names agent and period */
    assert_int_equal(kpi_run_set_input(f->run, "C", "2026-09", "execution", "31"), KPI_OK);
    assert_int_equal(kpi_run_evaluate(f->run, "2026-09"), KPI_EINPUT);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "agent C, period 2026-09"));
    assert_int_equal(kpi_run_set_input(f->run, "C", "2026-09", "execution", "20"), KPI_OK);
    assert_int_equal(kpi_run_evaluate(f->run, "2026-09"), KPI_OK);
    assert_int_equal(kpi_run_new(NULL, f->plan), KPI_EINVAL);
}

/* A sketched quantile feeding a score is an approximation in someone's pay:
 * lint says so, at the input that reads it. */
static void test_sketch_feeding_a_score_is_linted(void **state)
{
    (void)state;
    static const char text[] =
        "{\"kpiscore\": 1, \"name\": \"p90\",\n"
        " \"metrics\": {\"define\": {\n"
        "   \"reply_p90\": {\"kind\": \"sketch\", \"unit\": \"second\", \"alpha\": \"1%\", \"q\": \"0.9\",\n"
        "                 \"method\": \"lower\", \"numerator\": [{\"sum\": \"reply\"}]},\n"
        "   \"reply_p90_exact\": {\"kind\": \"quantile\", \"unit\": \"second\", \"q\": \"0.9\",\n"
        "                 \"numerator\": [{\"sum\": \"reply\"}]}}},\n"
        " \"inputs\": {\"p90\": {\"kind\": \"number\", \"metric\": \"reply_p90\"},\n"
        "            \"p90x\": {\"kind\": \"number\", \"metric\": \"reply_p90_exact\"}},\n"
        " \"rubric\": {\"total\": 10, \"items\": [\n"
        "   {\"id\": \"a\", \"points\": 5, \"rule\": \"linear\", \"input\": \"p90\", \"better\": \"lower\", \"target\": 30, \"limit\": 60},\n"
        "   {\"id\": \"b\", \"points\": 5, \"rule\": \"linear\", \"input\": \"p90x\", \"better\": \"lower\", \"target\": 30, \"limit\": 60}]}}\n";
    kpi_plan *plan = NULL;
    assert_int_equal(kpi_plan_load_buffer(&plan, text, strlen(text), "p90.json", NULL), KPI_OK);
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_plan_lint(plan, lint), KPI_OK);
    size_t found = 0;
    for (size_t i = 0; i < kpi_lint_count(lint); i++) {
        if (strcmp(kpi_lint_code(lint, i), "sketch-feeds-score") != 0)
            continue;
        found++;
        assert_string_equal(kpi_lint_path(lint, i), "inputs.p90.metric");
        assert_int_equal(kpi_lint_severity(lint, i), KPI_LINT_WARNING);
        assert_int_equal(kpi_lint_line(lint, i), 7);
        assert_non_null(strstr(kpi_lint_message(lint, i), "'reply_p90', a sketched quantile"));
    }
    assert_int_equal(found, 1); /* the exact quantile is not flagged */
    kpi_lint_free(lint);
    kpi_plan_free(plan);
}

/* kpi_run_set_threads(): 2 000 agents in two months, scored on one and on
 * three threads, give the same rows and explanations; an invalid input
 * fails with the first failing agent's message, whatever the threads. */
static void test_threads(void **state)
{
    (void)state;
    enum { N = 2000 };
    kpi_plan *plan;
    assert_int_equal(kpi_plan_load_buffer(&plan, plan_text, strlen(plan_text), "test.json", NULL),
                     KPI_OK);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    assert_int_equal(kpi_plan_metrics_options(plan, &o), KPI_OK);
    kpi_metrics *m;
    kpi_agents *agents;
    assert_int_equal(kpi_metrics_new(&m, kpi_plan_metric_registry(plan), &o), KPI_OK);
    assert_int_equal(kpi_agents_new(&agents), KPI_OK);
    kpi_run *run[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(kpi_run_new(&run[k], plan), KPI_OK);
    for (uint32_t a = 0; a < N; a++) {
        char id[16], team[8], grade[8];
        snprintf(id, sizeof id, "A%04u", a);
        snprintf(team, sizeof team, "T%u", a % 7);
        uint32_t idx;
        assert_int_equal(kpi_agents_add(agents, id, team, "centre", &idx), KPI_OK);
        /* consults, orders and replies varying by agent, in August and September */
        const uint16_t kinds[] = {KPI_EVENT_CONSULT, KPI_EVENT_ORDER, KPI_EVENT_REPLY};
        const int counts[] = {10 + (int)(a % 7), (int)(a % 9), (int)(a * 7 % 11)};
        for (int month = 0; month < 2; month++)
            for (int k = 0; k < 3; k++)
                add_events(&(struct fixture){NULL, m, agents, NULL}, idx, kinds[k],
                           counts[k] - month, month ? SEP1_0030_BEIJING : AUG15_NOON_BEIJING);
        snprintf(grade, sizeof grade, "%u", a * 13 % 31);
        for (int k = 0; k < 2; k++) {
            assert_int_equal(kpi_run_add_agent(run[k], id, NULL, team, "centre"), KPI_OK);
            if (a % 10) /* every tenth has no grade: N/A, counted as zero */
                assert_int_equal(kpi_run_set_input(run[k], id, "2026-09", "execution", grade),
                                 KPI_OK);
        }
    }
    for (int k = 0; k < 2; k++)
        assert_int_equal(kpi_run_set_metrics(run[k], m, agents), KPI_OK);
    assert_int_equal(kpi_run_set_threads(run[1], 3), KPI_OK);
    for (int k = 0; k < 2; k++)
        assert_int_equal(kpi_run_evaluate(run[k], NULL), KPI_OK);
    assert_int_equal(kpi_run_count(run[0]), N);
    assert_int_equal(kpi_run_count(run[1]), N);
    static char a_text[4096], b_text[4096];
    size_t passed = 0;
    for (size_t i = 0; i < N; i++) {
        kpi_run_row r0 = KPI_RUN_ROW_INIT, r1 = KPI_RUN_ROW_INIT;
        assert_int_equal(kpi_run_row_get(run[0], i, &r0), KPI_OK);
        assert_int_equal(kpi_run_row_get(run[1], i, &r1), KPI_OK);
        assert_string_equal(r0.id, r1.id);
        assert_true(r0.score == r1.score && r0.rank == r1.rank && r0.team_rank == r1.team_rank &&
                    r0.pct == r1.pct);
        assert_int_equal(r0.outcome, r1.outcome);
        passed += r0.outcome == KPI_OUTCOME_PASS;
        kpi_run_explain(run[0], r0.agent, a_text, sizeof a_text);
        kpi_run_explain(run[1], r1.agent, b_text, sizeof b_text);
        assert_string_equal(a_text, b_text);
    }
    assert_true(passed > N / 10 && passed < N - N / 10); /* scores that differ */
    /* two invalid inputs (31 points of 30), in different threads' shares */
    for (int k = 0; k < 2; k++) {
        assert_int_equal(kpi_run_set_input(run[k], "A1700", "2026-09", "execution", "31"), KPI_OK);
        assert_int_equal(kpi_run_set_input(run[k], "A0900", "2026-09", "execution", "31"), KPI_OK);
        assert_int_equal(kpi_run_evaluate(run[k], NULL), KPI_EINPUT);
        assert_non_null(strstr(kpi_error_message(kpi_error_last()), "agent A0900, period 2026-09"));
        assert_int_equal(kpi_run_count(run[k]), 0);
    }
    assert_int_equal(kpi_run_set_threads(NULL, 2), KPI_EINVAL);
    assert_int_equal(kpi_run_set_threads(run[0], 0), KPI_EINVAL);
    assert_int_equal(kpi_run_set_threads(run[0], 65), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "threads is 65"));
    for (int k = 0; k < 2; k++)
        kpi_run_free(run[k]);
    kpi_metrics_free(m);
    kpi_agents_free(agents);
    kpi_plan_free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scores_ranks_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test(test_sketch_feeding_a_score_is_linted),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
