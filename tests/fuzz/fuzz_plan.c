/*
 * fuzz_plan.c - the plan loader on arbitrary bytes. A plan that loads is
 * then linted, and its rubric scores an agent whose inputs are built from
 * the plan's own declarations (a few values per kind: boundaries, zero,
 * negatives, huge numbers, N/A); its tier tables classify and its pay
 * schedules evaluate the same values. None of it may crash, leak or hit
 * undefined behaviour; a failure must leave the output untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "plan_internal.h"

static const kpi_dec probes[] = {
    0, KPI_DEC_ONE, -KPI_DEC_ONE, KPI_DEC_INT(60), KPI_DEC_INT(90) - 1, KPI_DEC_INT(100),
    KPI_DEC_ONE / 2, INT64_MAX, INT64_MIN + 1,
};
#define NPROBES (sizeof probes / sizeof probes[0])

static void set_input(kpi_inputs *in, const char *name, kpi_input_kind kind, unsigned k,
                      const uint8_t *data, size_t size)
{
    kpi_dec v = probes[(k + (size ? data[k % size] : 0)) % NPROBES];
    switch (kind) {
    case KPI_INPUT_NUMBER:
        if (k % 5 == 4)
            kpi_inputs_set_na(in, name);
        else if (k % 5 == 3)
            kpi_inputs_set_ratio(in, name, (int64_t)k, 7);
        else
            kpi_inputs_set_number(in, name, v);
        break;
    case KPI_INPUT_COUNT:
        kpi_inputs_set_count(in, name, (int64_t)(k % 4) * (k % 3 == 2 ? INT64_C(1) << 40 : 1));
        break;
    case KPI_INPUT_GRADE: {
        static const char *const grades[] = {"优", "良", "合格", "A", "", "不及格"};
        kpi_inputs_set_label(in, name, grades[k % 6]);
        break;
    }
    case KPI_INPUT_LIST: {
        kpi_dec list[4] = {v, KPI_DEC_INT(85), probes[k % NPROBES], KPI_DEC_INT(3)};
        kpi_inputs_set_list(in, name, list, k % 5);
        break;
    }
    default:
        break;
    }
}

static void score(const kpi_plan *plan, const uint8_t *data, size_t size)
{
    const kpi_rubric *rubric = kpi_plan_rubric(plan);
    if (!rubric)
        return;
    kpi_inputs *in = NULL;
    if (kpi_inputs_new(&in) != KPI_OK)
        return;
    for (unsigned round = 0; round < 3; round++) {
        kpi_inputs_clear(in);
        for (size_t i = 0; i < kpi_rubric_input_count(rubric); i++) {
            const char *name;
            kpi_input_kind kind;
            if (kpi_rubric_input(rubric, i, &name, &kind, NULL) == KPI_OK)
                set_input(in, name, kind, round * 7 + (unsigned)i, data, size);
        }
        kpi_scorecard *card = (kpi_scorecard *)1;
        kpi_status st = kpi_rubric_score(&card, rubric, in);
        if (st != KPI_OK) {
            if (card != (kpi_scorecard *)1)
                abort(); /* outputs are never written on failure */
            continue;
        }
        char buf[512];
        kpi_scorecard_explain(card, buf, sizeof buf);
        for (size_t i = 0; i < kpi_scorecard_line_count(card); i++) {
            kpi_score_line line = KPI_SCORE_LINE_INIT;
            kpi_scorecard_line(card, i, &line);
        }
        kpi_scorecard_free(card);
    }
    kpi_inputs_free(in);
}

static void tiers_and_pay(const kpi_plan *plan)
{
    if (plan->tiers)
        for (size_t t = 0; t < plan->tiers->count; t++) {
            const kpi_tier_table *table = plan->tiers->items[t].table;
            for (size_t k = 0; table && k < NPROBES; k++) {
                size_t band;
                kpi_tier_table_classify(table, probes[k], &band);
            }
        }
    if (plan->pay)
        for (size_t p = 0; p < plan->pay->count; p++) {
            const kpi_schedule *s = plan->pay->items[p].schedule;
            for (size_t k = 0; s && k < NPROBES; k++) {
                kpi_money out;
                kpi_pay_why why = KPI_PAY_WHY_INIT;
                kpi_schedule_eval(s, probes[k] / 10000, &out, &why);
                kpi_schedule_eval_ratio(s, probes[k], 100000, &out, &why);
            }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kpi_plan *plan = NULL;
    if (kpi_plan_load_buffer(&plan, (const char *)data, size, "fuzz.json", NULL) != KPI_OK) {
        if (plan)
            abort();
        return 0;
    }
    kpi_lint *lint = NULL;
    if (kpi_lint_new(&lint) == KPI_OK) {
        kpi_plan_lint(plan, lint);
        for (size_t i = 0; i < kpi_lint_count(lint); i++) {
            kpi_lint_line(lint, i);
            kpi_lint_path(lint, i);
        }
        kpi_lint_free(lint);
    }
    score(plan, data, size);
    tiers_and_pay(plan);
    kpi_plan_free(plan);
    return 0;
}
