/*
 * test_tsan.c - one shared plan used from many threads at once, run under
 * ThreadSanitizer by scripts/test (build-tsan, clang-14 -fsanitize=thread)
 * and as an ordinary unit test everywhere else.
 *
 * Eight threads score every agent with the plan's rubric, classify the
 * totals with its tier table and price sales with its commission schedule,
 * all on the one loaded plan; meanwhile four more threads build, fill,
 * merge and save their own metrics accumulators from the plan's shared
 * registry, each filling one of them on three threads of its own (lanes
 * sharing the exact quantiles' buffers). Every thread's results must
 * equal a single-threaded run's, status for status and byte for byte. A
 * kpi_run scoring its agents on three threads gives the rows of one.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "plan_internal.h"

#define SCORERS 8
#define BUILDERS 4
#define AGENTS 300
#define ROWS 40000 /* a half of 20 000: staged (16 384 rows or more) */

struct result {
    kpi_status score_status;
    kpi_dec total;
    kpi_outcome outcome;
    kpi_status tier_status;
    size_t tier;
    kpi_status pay_status;
    kpi_money pay;
    char explain[256];
};

struct shared {
    const kpi_plan *plan;
    const kpi_tier_table *table;
    const kpi_schedule *schedule;
    struct result *got; /* AGENTS results per thread */
    unsigned char *state;
    size_t state_size;
    kpi_status status;
};

static void score_agents(const struct shared *sh, struct result *out)
{
    const kpi_rubric *rubric = kpi_plan_rubric(sh->plan);
    kpi_inputs *in = NULL;
    if (kpi_inputs_new(&in) != KPI_OK)
        return;
    for (size_t a = 0; a < AGENTS; a++) {
        struct result *r = &out[a];
        memset(r, 0, sizeof *r);
        kpi_inputs_clear(in);
        for (size_t i = 0; i < kpi_rubric_input_count(rubric); i++) {
            const char *name;
            kpi_rubric_input(rubric, i, &name, NULL, NULL);
            /* from 0.00 to 1.29: rates, some scores and times below their bands */
            kpi_inputs_set_number(in, name, (kpi_dec)((a * 7 + i * 13) % 130) * (KPI_DEC_ONE / 100));
        }
        kpi_scorecard *card = NULL;
        r->score_status = kpi_rubric_score(&card, rubric, in);
        if (r->score_status == KPI_OK) {
            r->total = kpi_scorecard_total(card);
            r->outcome = kpi_scorecard_outcome(card);
            kpi_scorecard_explain(card, r->explain, sizeof r->explain);
            kpi_scorecard_free(card);
        }
        r->tier_status = kpi_tier_table_classify(sh->table, r->total, &r->tier);
        r->pay_status = kpi_schedule_eval(sh->schedule, (kpi_money)a * 2345678, &r->pay, NULL);
    }
    kpi_inputs_free(in);
}

/* Builds two accumulators from the plan's registry, fills each with half
 * of a fixed set of rows (times interleaving two months, then the months
 * in order; the second half on @threads threads), merges them and saves
 * the result. */
static kpi_status build_state(const kpi_plan *plan, unsigned threads, unsigned char **bytes,
                              size_t *size)
{
    const kpi_metric_registry *reg = kpi_plan_metric_registry(plan);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    kpi_status st = kpi_plan_metrics_options(plan, &o);
    uint16_t kinds[3];
    if (st == KPI_OK)
        st = kpi_metric_registry_event_find(reg, "consult", &kinds[0]);
    if (st == KPI_OK)
        st = kpi_metric_registry_event_find(reg, "payment", &kinds[1]);
    if (st == KPI_OK)
        st = kpi_metric_registry_event_find(reg, "reply", &kinds[2]);
    uint32_t *ag = malloc(ROWS * sizeof *ag);
    uint16_t *ev = malloc(ROWS * sizeof *ev);
    int64_t *val = malloc(ROWS * sizeof *val), *ms = malloc(ROWS * sizeof *ms);
    for (size_t i = 0; i < ROWS; i++) {
        /* the second half on 16 agents: 20 000 rows are then worth three
         * threads (256 rows per agent and thread) */
        ag[i] = (uint32_t)(i * 31 % (i < ROWS / 2 ? AGENTS : 16));
        ev[i] = kinds[i % 3];
        val[i] = (int64_t)(i * 97 % 5000) + 1;
        const size_t day = i < ROWS / 2 ? i % 59 : (i - ROWS / 2) * 59 / (ROWS - ROWS / 2);
        ms[i] = INT64_C(1767196800000) + (int64_t)day * INT64_C(86400000);
    }
    kpi_metrics *m1 = NULL, *m2 = NULL;
    if (st == KPI_OK)
        st = kpi_metrics_new(&m1, reg, &o);
    if (st == KPI_OK)
        st = kpi_metrics_new(&m2, reg, &o);
    if (st == KPI_OK)
        st = kpi_metrics_add_batch(m1, ag, ev, val, ms, ROWS / 2);
    if (st == KPI_OK)
        st = kpi_metrics_add_batch_threads(m2, ag + ROWS / 2, ev + ROWS / 2, val + ROWS / 2,
                                           ms + ROWS / 2, ROWS - ROWS / 2, threads);
    if (st == KPI_OK)
        st = kpi_metrics_merge(m1, m2);
    size_t n = 0;
    if (st == KPI_OK) {
        kpi_status sized = kpi_metrics_save(m1, NULL, 0, &n);
        if (sized != KPI_OK && sized != KPI_ERANGE)
            st = sized;
    }
    unsigned char *buf = st == KPI_OK ? malloc(n) : NULL;
    if (st == KPI_OK)
        st = kpi_metrics_save(m1, buf, n, &n);
    if (st == KPI_OK) {
        *bytes = buf;
        *size = n;
    } else {
        free(buf);
    }
    kpi_metrics_free(m1);
    kpi_metrics_free(m2);
    free(ag), free(ev), free(val), free(ms);
    return st;
}

static void *scorer(void *arg)
{
    struct shared *sh = arg;
    score_agents(sh, sh->got);
    return NULL;
}

static void *builder(void *arg)
{
    struct shared *sh = arg;
    sh->status = build_state(sh->plan, 3, &sh->state, &sh->state_size);
    return NULL;
}

static void test_shared_plan_from_many_threads(void **unused)
{
    (void)unused;
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/plans/seed001-month-end.json", KPI_SOURCE_ROOT);
    kpi_plan *plan = NULL;
    assert_int_equal(kpi_plan_load_file(&plan, path, NULL), KPI_OK);
    assert_non_null(plan->tiers);
    assert_non_null(plan->pay);
    const kpi_tier_table *table = plan->tiers->items[0].table;
    const kpi_schedule *schedule = NULL;
    for (size_t i = 0; i < plan->pay->count && !schedule; i++)
        schedule = plan->pay->items[i].schedule;
    assert_non_null(table);
    assert_non_null(schedule);

    /* the single-threaded reference */
    struct shared ref = {plan, table, schedule, calloc(AGENTS, sizeof(struct result)), NULL, 0, 0};
    score_agents(&ref, ref.got);
    assert_int_equal(build_state(plan, 1, &ref.state, &ref.state_size), KPI_OK);
    size_t scored = 0, paid = 0;
    for (size_t a = 0; a < AGENTS; a++) {
        scored += ref.got[a].score_status == KPI_OK;
        paid += ref.got[a].pay_status == KPI_OK && ref.got[a].pay > 0;
    }
    assert_true(scored > AGENTS / 2); /* the comparison below is about real scorecards */
    assert_true(paid > AGENTS / 2);

    struct shared sh[SCORERS + BUILDERS];
    pthread_t tid[SCORERS + BUILDERS];
    for (size_t t = 0; t < SCORERS + BUILDERS; t++) {
        sh[t] = ref;
        sh[t].got = calloc(AGENTS, sizeof(struct result));
        sh[t].state = NULL;
        sh[t].status = KPI_EINVAL;
        assert_int_equal(pthread_create(&tid[t], NULL, t < SCORERS ? scorer : builder, &sh[t]), 0);
    }
    for (size_t t = 0; t < SCORERS + BUILDERS; t++)
        assert_int_equal(pthread_join(tid[t], NULL), 0);
    for (size_t t = 0; t < SCORERS + BUILDERS; t++) {
        if (t < SCORERS) {
            for (size_t a = 0; a < AGENTS; a++) {
                const struct result *g = &sh[t].got[a], *w = &ref.got[a];
                assert_int_equal(g->score_status, w->score_status);
                assert_true(g->total == w->total);
                assert_int_equal(g->outcome, w->outcome);
                assert_int_equal(g->tier_status, w->tier_status);
                assert_int_equal(g->tier, w->tier);
                assert_int_equal(g->pay_status, w->pay_status);
                assert_true(g->pay == w->pay);
                assert_string_equal(g->explain, w->explain);
            }
        } else {
            assert_int_equal(sh[t].status, KPI_OK);
            assert_int_equal(sh[t].state_size, ref.state_size);
            assert_memory_equal(sh[t].state, ref.state, ref.state_size);
        }
        free(sh[t].got);
        free(sh[t].state);
    }
    free(ref.got);
    free(ref.state);
    kpi_plan_free(plan);
}

/* A run of the plan scoring 1 600 agents on three threads (shares of the
 * agents reading one accumulator at once) gives the rows of one thread. */
static void test_run_scored_on_threads(void **unused)
{
    (void)unused;
    enum { N = 1600 };
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/plans/seed001-month-end.json", KPI_SOURCE_ROOT);
    kpi_plan *plan = NULL;
    assert_int_equal(kpi_plan_load_file(&plan, path, NULL), KPI_OK);
    const kpi_metric_registry *reg = kpi_plan_metric_registry(plan);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    assert_int_equal(kpi_plan_metrics_options(plan, &o), KPI_OK);
    kpi_metrics *m;
    kpi_agents *agents;
    assert_int_equal(kpi_metrics_new(&m, reg, &o), KPI_OK);
    assert_int_equal(kpi_agents_new(&agents), KPI_OK);
    kpi_run *run[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(kpi_run_new(&run[k], plan), KPI_OK);
    uint16_t kinds[3];
    assert_int_equal(kpi_metric_registry_event_find(reg, "consult", &kinds[0]), KPI_OK);
    assert_int_equal(kpi_metric_registry_event_find(reg, "payment", &kinds[1]), KPI_OK);
    assert_int_equal(kpi_metric_registry_event_find(reg, "reply", &kinds[2]), KPI_OK);
    for (uint32_t a = 0; a < N; a++) {
        char id[16];
        snprintf(id, sizeof id, "B%04u", a);
        uint32_t idx;
        assert_int_equal(kpi_agents_add(agents, id, "T", "C", &idx), KPI_OK);
        for (int k = 0; k < 2; k++) {
            assert_int_equal(kpi_run_add_agent(run[k], id, NULL, "T", "C"), KPI_OK);
            assert_int_equal(kpi_run_set_field(run[k], id, "post_salary", 300000), KPI_OK);
        }
        for (uint32_t e = 0; e < 3 + a % 9; e++) {
            uint16_t ev = kinds[e % 3];
            int64_t v = (int64_t)(a * 97 + e * 31) % 5000 + 1;
            int64_t t = INT64_C(1767196800000) + (int64_t)e * INT64_C(3600000);
            assert_int_equal(kpi_metrics_add_batch(m, &idx, &ev, &v, &t, 1), KPI_OK);
        }
    }
    assert_int_equal(kpi_run_set_threads(run[1], 3), KPI_OK);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(kpi_run_set_metrics(run[k], m, agents), KPI_OK);
        kpi_status st = kpi_run_evaluate(run[k], NULL);
        if (st != KPI_OK)
            fail_msg("evaluate: %s", kpi_error_text(kpi_error_last()));
    }
    for (size_t i = 0; i < N; i++) {
        kpi_run_row r0 = KPI_RUN_ROW_INIT, r1 = KPI_RUN_ROW_INIT;
        assert_int_equal(kpi_run_row_get(run[0], i, &r0), KPI_OK);
        assert_int_equal(kpi_run_row_get(run[1], i, &r1), KPI_OK);
        assert_string_equal(r0.id, r1.id);
        assert_true(r0.score == r1.score && r0.rank == r1.rank && r0.pay == r1.pay);
    }
    for (int k = 0; k < 2; k++)
        kpi_run_free(run[k]);
    kpi_metrics_free(m);
    kpi_agents_free(agents);
    kpi_plan_free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_plan_from_many_threads),
        cmocka_unit_test(test_run_scored_on_threads),
    };
    return cmocka_run_group_tests_name("tsan", tests, NULL, NULL);
}
