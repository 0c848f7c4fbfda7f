/* test_plan_sections.c - the plan's "tiers" and "pay" sections: every key
 * and kind read into struct kpi__plan_tiers / kpi__plan_pay, seed 001's
 * tables as written and their lint with JSON paths, lines and columns, the
 * accessors, and an allocation-failure sweep over load + lint. (The bad
 * plans of both sections are in tests/bad/plans/, checked by test_plan.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan_internal.h"
#include "alloc_countdown.h"

#ifndef KPI_SOURCE_ROOT
#error "KPI_SOURCE_ROOT must name the source tree"
#endif

#define OK(call)                                                                       \
    do {                                                                               \
        kpi_status ok_st_ = (call);                                                    \
        if (ok_st_ != KPI_OK)                                                          \
            fail_msg("%s failed: %s", #call, kpi_error_text(kpi_error_last()));        \
    } while (0)

static kpi_dec D(const char *text)
{
    kpi_dec v = 0;
    if (kpi_dec_parse(text, KPI_NTS, &v) != KPI_OK)
        fail_msg("bad number '%s'", text);
    return v;
}

static kpi_money M(const char *text)
{
    kpi_money v = 0;
    if (kpi_money_parse(text, KPI_NTS, &v) != KPI_OK)
        fail_msg("bad amount '%s'", text);
    return v;
}

static void example_path(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/examples/plans/%s", KPI_SOURCE_ROOT, name);
}

static kpi_plan *load_example(const char *name)
{
    char path[512];
    example_path(path, sizeof path, name);
    kpi_plan *plan = NULL;
    OK(kpi_plan_load_file(&plan, path, NULL));
    return plan;
}

static kpi_plan *load_text(const char *text)
{
    kpi_plan *plan = NULL;
    OK(kpi_plan_load_buffer(&plan, text, strlen(text), "sections.json", NULL));
    return plan;
}

static kpi_money pay_for(const kpi_schedule *s, kpi_money amount)
{
    kpi_money out = 0;
    OK(kpi_schedule_eval(s, amount, &out, NULL));
    return out;
}

/* The finding with this code whose path is @path; fails listing them all. */
static size_t finding(const kpi_lint *lint, const char *code, const char *path)
{
    for (size_t i = 0; i < kpi_lint_count(lint); i++)
        if (strcmp(kpi_lint_code(lint, i), code) == 0 && strcmp(kpi_lint_path(lint, i), path) == 0)
            return i;
    for (size_t i = 0; i < kpi_lint_count(lint); i++)
        print_message("  %ld:%ld %s %s: %s\n", kpi_lint_line(lint, i), kpi_lint_column(lint, i),
                      kpi_lint_code(lint, i), kpi_lint_path(lint, i), kpi_lint_message(lint, i));
    fail_msg("no %s finding at %s", code, path);
    return 0;
}

static void expect_finding(const kpi_lint *lint, const char *code, const char *path, long line, long column,
                           const char *fragment)
{
    size_t i = finding(lint, code, path);
    if (kpi_lint_line(lint, i) != line || kpi_lint_column(lint, i) != column ||
        !strstr(kpi_lint_message(lint, i), fragment))
        fail_msg("%s at %s: expected %ld:%ld '%s', got %ld:%ld '%s'", code, path, line, column, fragment,
                 kpi_lint_line(lint, i), kpi_lint_column(lint, i), kpi_lint_message(lint, i));
}

/* ---- seed 001 month end: the example file ------------------------------------------------ */

static void test_seed001_month_end_structs(void **state)
{
    (void)state;
    kpi_plan *plan = load_example("seed001-month-end.json");
    const struct kpi__plan_tiers *tiers = plan->tiers;
    assert_non_null(tiers);
    assert_int_equal(tiers->count, 2);

    /* 六's grades: min of the last two periods, bands "90-100", "80-90", "70-80" with ends unstated */
    const struct kpi__plan_tier *g = &tiers->items[0];
    assert_string_equal(g->id, "grade");
    assert_string_equal(g->label, "等级");
    assert_non_null(strstr(g->note, "minimum of the last two"));
    assert_int_equal(g->kind, KPI__TIERS_TABLE);
    assert_non_null(g->table);
    assert_null(g->forced);
    assert_int_equal(g->basis, KPI_TIER_BY_SCORE);
    assert_int_equal(g->scope, KPI__SCOPE_ALL);
    assert_int_equal(g->periods, 2);
    assert_int_equal(g->how, KPI_PERIODS_MIN);
    assert_null(g->gate);
    assert_int_equal(g->nbands, 3);
    assert_string_equal(g->bands[1].label, "中级");
    assert_true(g->bands[1].from == D("80") && g->bands[1].to == D("90"));
    assert_int_equal(g->bands[1].from_end, KPI_END_UNSTATED);
    assert_int_equal(g->bands[1].to_end, KPI_END_UNSTATED);
    assert_int_equal(kpi_tier_table_count(g->table), 3);
    size_t band = 9;
    OK(kpi_tier_table_classify(g->table, D("95"), &band));
    assert_int_equal(band, 0);
    OK(kpi_tier_table_classify(g->table, D("85.5"), &band));
    assert_int_equal(band, 1);
    /* 90 as written belongs to nobody: the table says so instead of guessing */
    assert_int_equal(kpi_tier_table_classify(g->table, D("90"), &band), KPI_EPLAN);
    assert_int_equal(kpi_tier_table_classify(g->table, D("69.99"), &band), KPI_ENOTFOUND);

    /* the awards: 5 % / 10 % at most, the rest; ties at a cut excluded */
    const struct kpi__plan_tier *a = &tiers->items[1];
    assert_string_equal(a->id, "awards");
    assert_int_equal(a->kind, KPI__TIERS_FORCED);
    assert_non_null(a->forced);
    assert_null(a->table);
    assert_int_equal(a->rank.method, KPI_RANK_COMPETITION);
    assert_int_equal(a->rank.order, KPI_RANK_DESC);
    assert_int_equal(a->periods, 0);
    /* 40 agents: 5 % is 2, 10 % is 4; scores 100, 99, ... */
    kpi_dec scores[40];
    for (int i = 0; i < 40; i++)
        scores[i] = KPI_DEC_INT(100 - i);
    kpi_tiering *res;
    OK(kpi_forced_apply(&res, a->forced, scores, 40, &a->rank));
    kpi_tier_row row = KPI_TIER_ROW_INIT;
    OK(kpi_tiering_row(res, 1, &row));
    assert_string_equal(row.label, "最佳客服");
    OK(kpi_tiering_row(res, 2, &row));
    assert_string_equal(row.label, "优秀客服");
    OK(kpi_tiering_row(res, 6, &row));
    assert_string_equal(row.label, "其他");
    kpi_tiering_free(res);

    const struct kpi__plan_pay *pay = plan->pay;
    assert_non_null(pay);
    assert_int_equal(pay->count, 5);
    assert_int_equal(pay->nschedules, 2);
    const struct kpi__plan_pay_item *it = pay->items;
    assert_int_equal(it[0].kind, KPI__PAY_AGENT_FIELD);
    assert_string_equal(it[0].field, "post_salary");
    assert_string_equal(it[0].label, "岗位工资");

    /* 第9条 as written: DOMAIN.md §4's worked values */
    assert_int_equal(it[1].kind, KPI__PAY_SCHEDULE);
    assert_string_equal(it[1].schedule_name, "personal");
    assert_string_equal(it[1].basis, "sales");
    assert_null(it[1].ratio_of);
    assert_int_equal(it[1].schedule_def.mode, KPI_BRACKET_FORMULA);
    assert_int_equal(it[1].schedule_def.basis, KPI_BASIS_AMOUNT);
    assert_int_equal(it[1].rounding, KPI_ROUND_HALF_UP);
    assert_int_equal(it[1].places, 2);
    assert_true(pay_for(it[1].schedule, M("12000")) == M("180.00"));
    assert_true(pay_for(it[1].schedule, M("18000")) == M("210.00"));
    assert_true(pay_for(it[1].schedule, M("22000")) == M("330.00"));
    assert_true(pay_for(it[1].schedule, M("30000")) == M("600.00"));
    assert_true(pay_for(it[1].schedule, M("14999.99")) == M("225.00"));
    assert_true(pay_for(it[1].schedule, M("15000")) == M("150.00"));
    assert_true(pay_for(it[1].schedule, M("25000.01")) == M("500.00"));
    kpi_money out = 7;
    assert_int_equal(kpi_schedule_eval(it[1].schedule, M("20000.50"), &out, NULL), KPI_ENOTFOUND);
    /* the rows as the pay tests encode the table */
    const struct kpi__plan_schedule *s = &pay->schedules[0];
    assert_string_equal(s->name, "personal");
    assert_string_equal(s->path, "pay.schedules.personal");
    assert_int_equal(s->nrows, 4);
    assert_true(s->used);
    assert_true(s->rows[0].from == 0 && s->rows[0].to == M("15000") && s->rows[0].ends == KPI_ENDS_LOWER);
    assert_true(s->rows[0].rate == D("1.5%") && s->rows[0].base == 0 && s->rows[0].anchor == KPI_ANCHOR_FROM);
    assert_true(s->rows[1].ends == KPI_ENDS_BOTH && s->rows[1].base == M("150"));
    assert_true(s->rows[2].from == M("20001") && s->rows[2].anchor == M("20000") && s->rows[2].base == M("250"));
    assert_true(s->rows[3].from == M("25000") && s->rows[3].to == KPI_UNBOUNDED_ABOVE);
    assert_true(s->rows[3].ends == KPI_ENDS_UPPER && s->rows[3].anchor == 0 && s->rows[3].rate == D("2%"));

    /* 第10条: the pool and the growth bonus (a fixed-amount ratio schedule) */
    assert_int_equal(it[2].kind, KPI__PAY_POOL);
    assert_string_equal(it[2].basis, "public_sales");
    assert_true(it[2].rate == D("0.005"));
    assert_int_equal(it[2].scope, KPI__SCOPE_ALL);
    assert_int_equal(it[2].split, KPI__SPLIT_EQUAL);
    assert_null(it[2].weight);
    assert_int_equal(it[3].schedule_def.mode, KPI_BRACKET_FIXED);
    assert_int_equal(it[3].schedule_def.basis, KPI_BASIS_RATIO);
    OK(kpi_schedule_eval_ratio(it[3].schedule, D("24.99%"), 0, &out, NULL));
    assert_true(out == 0);
    OK(kpi_schedule_eval_ratio(it[3].schedule, D("25%"), 0, &out, NULL));
    assert_true(out == M("50"));
    OK(kpi_schedule_eval_ratio(it[3].schedule, D("-10%"), 0, &out, NULL));
    assert_true(out == 0);
    OK(kpi_schedule_eval_ratio(it[3].schedule, D("50%"), 0, &out, NULL));
    assert_true(out == M("100"));

    /* 第12条: first 3 months running -> 200 once */
    assert_int_equal(it[4].kind, KPI__PAY_STREAK);
    assert_int_equal(it[4].streak_on, KPI__STREAK_RANK);
    assert_int_equal(it[4].rank, 1);
    assert_int_equal(it[4].length, 3);
    assert_int_equal(it[4].fire, KPI_STREAK_ONCE);
    assert_true(it[4].amount == M("200"));
    assert_non_null(strstr(it[4].note, "第12条"));

    /* the public accessors */
    assert_int_equal(kpi_plan_tier_count(plan), 2);
    assert_string_equal(kpi_plan_tier_label(plan, 1), "评优");
    assert_string_equal(kpi_plan_tier_label(plan, 2), "");
    assert_int_equal(kpi_plan_pay_count(plan), 5);
    assert_string_equal(kpi_plan_pay_label(plan, 1), "个人提成");
    assert_string_equal(kpi_plan_pay_label(plan, 5), "");
    assert_int_equal(kpi_plan_tier_count(NULL), 0);
    assert_string_equal(kpi_plan_pay_label(NULL, 0), "");
    kpi_plan_free(plan);
}

static void test_seed001_month_end_lint(void **state)
{
    (void)state;
    kpi_plan *plan = load_example("seed001-month-end.json");
    kpi_lint *lint;
    OK(kpi_lint_new(&lint));
    OK(kpi_plan_lint(plan, lint));
    /* 第9条 as written (DOMAIN.md §4): rows written as "range" strings are located at the row */
    expect_finding(lint, "bracket-jump", "pay.schedules.personal.rows[1].from", 69, 11,
                   "jump at 15,000.00: 225.00 just below (rows[0]) vs 150.00 at 15,000.00 (rows[1])");
    expect_finding(lint, "bracket-jump", "pay.schedules.personal.rows[1].from", 69, 11,
                   "rows[0].rate 1% instead of 1.5%");
    expect_finding(lint, "bracket-decrease", "pay.schedules.personal.rows[1].from", 69, 11,
                   "pay falls from 225.00 to 150.00 at 15,000.00");
    expect_finding(lint, "bracket-gap", "pay.schedules.personal.rows[2].from", 70, 11,
                   "bases in (20,000.00, 20,001.00) fall in no row");
    expect_finding(lint, "bracket-jump", "pay.schedules.personal.rows[3].from", 71, 11,
                   "jump at 25,000.00: 450.00 at 25,000.00 (rows[2]) vs 500.00 just above (rows[3])");
    expect_finding(lint, "bracket-uncovered", "pay.schedules.personal.rows[0].from", 68, 11, "net refund");
    /* 六's grades as written: 80 and 90 need an owner */
    expect_finding(lint, "tier-end-unowned", "tiers[0].bands[1]", 48, 8,
                   "90 is an end of both '高级' and '中级' and the table does not say which owns it");
    expect_finding(lint, "tier-end-unowned", "tiers[0].bands[2]", 49, 8,
                   "80 is an end of both '中级' and '初级'");
    expect_finding(lint, "tier-uncovered", "tiers[0].bands[2]", 49, 8, "scores below 70 have no tier");
    /* the growth bonus steps (notes), and nothing else: the inputs pay reads are not "unused" */
    expect_finding(lint, "bracket-jump", "pay.schedules.growth.rows[1].from", 78, 11,
                   "the pay steps from 0.00 (rows[0]) to 50.00 (rows[1]) from the ratio 0.25");
    for (size_t i = 0; i < kpi_lint_count(lint); i++)
        assert_string_not_equal(kpi_lint_code(lint, i), "unused-input");
    assert_int_equal(kpi_lint_count(lint), 11);
    assert_int_equal(kpi_lint_count_at_least(lint, KPI_LINT_WARNING), 6);
    kpi_lint_free(lint);
    kpi_plan_free(plan);
}

/* ---- every key and kind ------------------------------------------------------------------ */

static const char all_kinds[] =
    "{\n"
    "  \"kpiscore\": 1, \"name\": \"all kinds\",\n"
    "  \"rounding\": {\"mode\": \"half_even\", \"places\": 4},\n"
    "  \"inputs\": {\"x\": {\"kind\": \"number\"}, \"sales\": {\"kind\": \"number\"}, \"target\": {\"kind\": \"number\"},\n"
    "             \"complaints\": {\"kind\": \"count\"}, \"attainment\": {\"kind\": \"number\"}},\n"
    "  \"rubric\": {\"total\": 130, \"items\": [{\"id\": \"x\", \"points\": 130, \"rule\": \"score\", \"input\": \"x\"}],\n"
    "             \"gates\": [{\"id\": \"kpi_bonus\", \"at_least\": {\"share\": \"70%\"}}]},\n"
    "  \"tiers\": [\n"
    "    {\"id\": \"pct\", \"basis\": \"percentile\", \"within\": \"team\", \"gate\": \"kpi_bonus\",\n"
    "     \"periods\": {\"last\": 3, \"how\": \"mean\"},\n"
    "     \"rank\": {\"method\": \"fractional\", \"order\": \"asc\", \"percentile\": \"excel_inc\", \"significance\": 4},\n"
    "     \"bands\": [\n"
    "       {\"label\": \"前列\", \"from\": 0, \"from_end\": \"closed\", \"to\": \"20%\", \"to_end\": \"closed\"},\n"
    "       {\"label\": \"中间\", \"range\": \"(20%, 80%)\"},\n"
    "       {\"label\": \"后列\", \"from\": \"80%\", \"from_end\": \"closed\", \"to\": 1}]},\n"
    "    {\"id\": \"open\", \"label\": \"开放\", \"within\": \"centre\",\n"
    "     \"bands\": [{\"label\": \"高\", \"range\": \"[90, 1,000)\"}, {\"label\": \"中\", \"range\": \"80\xE2\x80\x93" "90\"},\n"
    "                {\"label\": \"低\", \"range\": \"(, 60)\"}, {\"label\": \"点\", \"range\": \"[1,000, 1,000]\"},\n"
    "                {\"label\": \"顶\", \"range\": \"(1000, +inf)\"}]},\n"
    "    {\"id\": \"forced\", \"within\": \"team\", \"rounding\": \"half_up\", \"ties\": \"key\",\n"
    "     \"quotas\": [{\"label\": \"A\", \"count\": 1, \"limit\": \"exactly\"}, {\"label\": \"B\", \"share\": \"70%\"},\n"
    "                {\"label\": \"C\", \"rest\": true}]}\n"
    "  ],\n"
    "  \"pay\": {\n"
    "    \"schedules\": {\n"
    "      \"tax\": {\"mode\": \"marginal\", \"negative\": \"clawback\", \"cap\": \"\xC2\xA5" "1,000\", \"floor\": -500,\n"
    "              \"rounding\": {\"mode\": \"down\", \"places\": 1},\n"
    "              \"rows\": [{\"from\": 0, \"to\": 10000, \"ends\": \"lower\", \"rate\": \"1%\"},\n"
    "                       {\"from\": 10000, \"rate\": \"2%\"}]},\n"
    "      \"attain\": {\"mode\": \"whole\", \"basis\": \"ratio\", \"negative\": \"zero\",\n"
    "                 \"rows\": [{\"range\": \"[0, 100%)\", \"rate\": \"1%\"}, {\"range\": \"[100%, )\", \"rate\": \"3%\"}]},\n"
    "      \"spare\": {\"mode\": \"fixed\", \"rows\": [{\"range\": \"[0, )\", \"base\": 10}]}\n"
    "    },\n"
    "    \"items\": [\n"
    "      {\"id\": \"base\", \"label\": \"基本工资\", \"kind\": \"amount\", \"amount\": \"2,000\", \"rounding\": {\"places\": 0}},\n"
    "      {\"id\": \"post\", \"kind\": \"agent_field\", \"field\": \"post_salary\"},\n"
    "      {\"id\": \"tax\", \"kind\": \"schedule\", \"schedule\": \"tax\", \"basis\": \"sales\"},\n"
    "      {\"id\": \"attain\", \"kind\": \"schedule\", \"schedule\": \"attain\", \"basis\": \"attainment\",\n"
    "       \"ratio_of\": \"target\", \"rounding\": {\"mode\": \"up\", \"places\": 2}},\n"
    "      {\"id\": \"pool\", \"kind\": \"pool\", \"basis\": \"sales\", \"rate\": \"0.5%\", \"within\": \"team\",\n"
    "       \"split\": \"weight\", \"weight\": \"score\"},\n"
    "      {\"id\": \"bonus\", \"label\": \"绩效奖金\", \"kind\": \"score_bonus\", \"pool\": 1000, \"gate\": \"70%\",\n"
    "       \"rounding\": {\"mode\": \"half_up\", \"places\": 2}},\n"
    "      {\"id\": \"fine\", \"kind\": \"fine\", \"steps\": [50, 100, 200], \"past\": \"fail\", \"count\": \"complaints\"},\n"
    "      {\"id\": \"failing\", \"kind\": \"streak\", \"on\": \"fail\", \"length\": 3, \"fire\": \"while\", \"within\": \"team\"}\n"
    "    ]\n"
    "  }\n"
    "}\n";

static void test_every_key_and_kind(void **state)
{
    (void)state;
    kpi_plan *plan = load_text(all_kinds);
    const struct kpi__plan_tier *t = plan->tiers->items;
    assert_int_equal(plan->tiers->count, 3);
    /* explicit ends, percentile basis, team scope, gate, periods and ranking options */
    assert_string_equal(t[0].label, "pct"); /* the id when no label */
    assert_int_equal(t[0].basis, KPI_TIER_BY_PERCENTILE);
    assert_int_equal(t[0].scope, KPI__SCOPE_TEAM);
    assert_string_equal(t[0].gate, "kpi_bonus");
    assert_int_equal(t[0].periods, 3);
    assert_int_equal(t[0].how, KPI_PERIODS_MEAN);
    assert_int_equal(t[0].rank.method, KPI_RANK_FRACTIONAL);
    assert_int_equal(t[0].rank.order, KPI_RANK_ASC);
    assert_int_equal(t[0].rank.pct_kind, KPI_PCT_EXCEL_INC);
    assert_int_equal(t[0].rank.significance, 4);
    assert_true(t[0].bands[0].from == 0 && t[0].bands[0].to == D("0.2"));
    assert_int_equal(t[0].bands[0].from_end, KPI_END_CLOSED);
    assert_int_equal(t[0].bands[0].to_end, KPI_END_CLOSED);
    assert_int_equal(t[0].bands[1].from_end, KPI_END_OPEN);
    assert_int_equal(t[0].bands[1].to_end, KPI_END_OPEN);
    assert_int_equal(t[0].bands[2].to_end, KPI_END_UNSTATED); /* explicit "to" without "to_end" */
    size_t band;
    OK(kpi_tier_table_classify(t[0].table, D("0.2"), &band));
    assert_int_equal(band, 0);
    OK(kpi_tier_table_classify(t[0].table, D("0.8"), &band));
    assert_int_equal(band, 2);
    /* interval notation: "+inf", an en dash, an open lower end, thousands commas */
    assert_int_equal(t[1].scope, KPI__SCOPE_CENTRE);
    assert_int_equal(t[1].periods, 0);
    assert_true(t[1].bands[0].to == D("1000") && t[1].bands[0].to_end == KPI_END_OPEN);
    assert_true(t[1].bands[0].from == D("90") && t[1].bands[0].from_end == KPI_END_CLOSED);
    assert_int_equal(t[1].bands[4].to_end, KPI_END_UNBOUNDED);
    assert_true(t[1].bands[1].from == D("80") && t[1].bands[1].to == D("90"));
    assert_int_equal(t[1].bands[1].from_end, KPI_END_UNSTATED);
    assert_int_equal(t[1].bands[2].from_end, KPI_END_UNBOUNDED);
    assert_true(t[1].bands[2].to == D("60") && t[1].bands[2].to_end == KPI_END_OPEN);
    assert_true(t[1].bands[3].from == D("1000") && t[1].bands[3].to == D("1000"));
    OK(kpi_tier_table_classify(t[1].table, D("90"), &band)); /* [90 owns 90 over the unstated end */
    assert_int_equal(band, 0);
    OK(kpi_tier_table_classify(t[1].table, D("1000"), &band));
    assert_int_equal(band, 3); /* "[1,000, 1,000]": the ends split at ", " */
    OK(kpi_tier_table_classify(t[1].table, D("1000.5"), &band));
    assert_int_equal(band, 4);
    /* quotas: count, exactly, share, rest; rounding and ties */
    assert_int_equal(t[2].kind, KPI__TIERS_FORCED);
    assert_int_equal(t[2].scope, KPI__SCOPE_TEAM);
    assert_null(t[2].bands);

    const struct kpi__plan_pay_item *it = plan->pay->items;
    assert_int_equal(plan->pay->count, 8);
    /* amount: its own places over the section's (the plan's half_even, places 4 kept to 2) */
    assert_int_equal(it[0].kind, KPI__PAY_AMOUNT);
    assert_true(it[0].amount == M("2000"));
    assert_int_equal(it[0].rounding, KPI_ROUND_HALF_EVEN);
    assert_int_equal(it[0].places, 0);
    assert_int_equal(it[1].rounding, KPI_ROUND_HALF_EVEN);
    assert_int_equal(it[1].places, 2);
    /* a marginal schedule with cap, floor, clawback and its own rounding */
    assert_int_equal(it[2].schedule_def.mode, KPI_BRACKET_MARGINAL);
    assert_int_equal(it[2].schedule_def.negative, KPI_NEGATIVE_CLAWBACK);
    assert_true(it[2].schedule_def.cap == M("1000") && it[2].schedule_def.floor == M("-500"));
    assert_int_equal(it[2].rounding, KPI_ROUND_DOWN);
    assert_int_equal(it[2].places, 1);
    assert_int_equal(it[2].schedule_def.rounding, KPI_ROUND_DOWN);
    assert_true(pay_for(it[2].schedule, M("15000")) == M("200"));    /* 100 + 5 000 x 2 % */
    assert_true(pay_for(it[2].schedule, M("12345.67")) == M("146.9")); /* 146.9134 down to 0.1 */
    assert_true(pay_for(it[2].schedule, M("-15000")) == M("-200"));  /* clawback */
    assert_true(pay_for(it[2].schedule, M("90000")) == M("1000"));   /* cap */
    /* a whole-amount ratio schedule with the amount it applies to; the item's rounding wins */
    assert_string_equal(it[3].basis, "attainment");
    assert_string_equal(it[3].ratio_of, "target");
    assert_int_equal(it[3].rounding, KPI_ROUND_UP);
    assert_int_equal(it[3].schedule_def.rounding, KPI_ROUND_UP);
    kpi_money out;
    OK(kpi_schedule_eval_ratio(it[3].schedule, D("1.2"), M("10000.01"), &out, NULL));
    assert_true(out == M("300.01")); /* 300.0003 up */
    /* a pool split by score within teams */
    assert_int_equal(it[4].split, KPI__SPLIT_WEIGHT);
    assert_string_equal(it[4].weight, "score");
    assert_int_equal(it[4].scope, KPI__SCOPE_TEAM);
    /* seed 003's KPI bonus: the rubric's total 130 by default, gate 70 % */
    assert_true(it[5].bonus.pool == M("1000") && it[5].bonus.total == D("130") && it[5].bonus.gate == D("0.7"));
    static const char *const worked[][2] = {{"117", "900.00"}, {"100", "769.23"}, {"91", "700.00"}, {"90.9", "0"}};
    for (size_t i = 0; i < 4; i++) {
        OK(kpi_score_bonus(&it[5].bonus, D(worked[i][0]), &out, NULL));
        assert_true(out == M(worked[i][1]));
    }
    /* fines: 50, 100, 200 cumulative; past the table it fails */
    assert_int_equal(it[6].nsteps, 3);
    assert_true(it[6].steps[2] == M("200"));
    assert_int_equal(it[6].past, KPI_FINE_FAIL);
    assert_string_equal(it[6].count, "complaints");
    OK(kpi_fine_total(it[6].steps, it[6].nsteps, it[6].past, 3, &out, NULL));
    assert_true(out == M("-350"));
    assert_int_equal(kpi_fine_total(it[6].steps, it[6].nsteps, it[6].past, 4, &out, NULL), KPI_ELIMIT);
    /* a failing streak: a flag (amount 0), raised while it lasts */
    assert_int_equal(it[7].streak_on, KPI__STREAK_FAIL);
    assert_int_equal(it[7].fire, KPI_STREAK_WHILE);
    assert_true(it[7].amount == 0);
    assert_int_equal(it[7].scope, KPI__SCOPE_TEAM);

    /* lint: the gap between 60 and 80, and the schedule no item reads */
    kpi_lint *lint;
    OK(kpi_lint_new(&lint));
    OK(kpi_plan_lint(plan, lint));
    size_t i = finding(lint, "unused-schedule", "pay.schedules.spare");
    assert_int_equal(kpi_lint_line(lint, i), 32);
    assert_int_equal(kpi_lint_column(lint, i), 16);
    finding(lint, "tier-gap", "tiers[1].bands[1]");
    for (i = 0; i < kpi_lint_count(lint); i++)
        assert_string_not_equal(kpi_lint_code(lint, i), "unused-input");
    kpi_lint_free(lint);
    kpi_plan_free(plan);
}

/* A plan with neither section has neither; "tiers" and "pay" work without a rubric. */
static void test_optional_sections(void **state)
{
    (void)state;
    kpi_plan *plan = load_text("{\"kpiscore\": 1, \"name\": \"x\"}");
    assert_null(plan->tiers);
    assert_null(plan->pay);
    assert_int_equal(kpi_plan_pay_count(plan), 0);
    kpi_plan_free(plan);
    plan = load_text("{\"kpiscore\": 1, \"name\": \"x\", \"rounding\": {\"places\": 1},\n"
                     " \"tiers\": [{\"id\": \"t\", \"bands\": [{\"label\": \"a\", \"range\": \"[0, 100]\"}]}],\n"
                     " \"pay\": {\"items\": [{\"id\": \"b\", \"kind\": \"score_bonus\", \"pool\": 500, \"total\": 100}]}}");
    assert_int_equal(plan->pay->items[0].places, 1); /* the plan's places */
    kpi_plan_free(plan);
    /* a metric id of the plan's registry is a figure: the built-in "sales" */
    plan = load_text("{\"kpiscore\": 1, \"name\": \"x\",\n"
                     " \"pay\": {\"items\": [{\"id\": \"p\", \"kind\": \"pool\", \"basis\": \"sales\", \"rate\": \"0.5%\"}]}}");
    assert_string_equal(plan->pay->items[0].basis, "sales");
    kpi_plan_free(plan);
    plan = load_text("{\"kpiscore\": 1, \"name\": \"x\", \"rounding\": {\"places\": 1},\n"
                     " \"tiers\": [{\"id\": \"t\", \"bands\": [{\"label\": \"a\", \"range\": \"[0, 100]\"}]}],\n"
                     " \"pay\": {\"items\": [{\"id\": \"b\", \"kind\": \"score_bonus\", \"pool\": 500, \"total\": 100}]}}");
    assert_true(plan->pay->items[0].bonus.gate == 0);
    kpi_lint *lint;
    OK(kpi_lint_new(&lint));
    OK(kpi_plan_lint(plan, lint));
    assert_int_equal(kpi_lint_count(lint), 2); /* below 0 and above 100: notes */
    assert_int_equal(kpi_lint_count_at_least(lint, KPI_LINT_WARNING), 0);
    kpi_lint_free(lint);
    kpi_plan_free(plan);
    /* "[1,000,1,000]" could be split after any comma: refused, naming the forms that work */
    const char *ambiguous = "{\"kpiscore\": 1, \"name\": \"x\",\n"
                            " \"tiers\": [{\"id\": \"t\", \"bands\": [{\"label\": \"a\", \"range\": \"[1,000,1,000]\"}]}]}";
    plan = NULL;
    assert_int_equal(kpi_plan_load_buffer(&plan, ambiguous, strlen(ambiguous), "amb", NULL), KPI_EPLAN);
    assert_string_equal(kpi_error_path(kpi_error_last()), "tiers[0].bands[0].range");
    assert_int_equal(kpi_error_line(kpi_error_last()), 2);
    assert_int_equal(kpi_error_column(kpi_error_last()), 58);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "\"[1,000,1,000]\" is not an interval"));
    assert_null(plan);
}

/* ---- allocation failures ------------------------------------------------------------------ */


static kpi_status load_and_lint(const char *path, const char *text)
{
    kpi_plan *plan = NULL;
    kpi_lint *lint = NULL;
    kpi_status st = path ? kpi_plan_load_file(&plan, path, NULL)
                         : kpi_plan_load_buffer(&plan, text, strlen(text), "all", NULL);
    if (st == KPI_OK)
        st = kpi_lint_new(&lint);
    if (st == KPI_OK)
        st = kpi_plan_lint(plan, lint);
    if (st == KPI_OK && kpi_lint_count(lint) == 0)
        st = KPI_EINVAL; /* both plans have findings */
    kpi_lint_free(lint);
    kpi_plan_free(plan);
    return st;
}

static void sweep(const char *path, const char *text)
{
    OK(kpi_set_allocator(fail_malloc, fail_realloc, plain_free, NULL));
    long n;
    for (n = 0; n < 20000; n++) {
        alloc_countdown = n;
        kpi_status st = load_and_lint(path, text);
        if (st == KPI_OK)
            break;
        if (st != KPI_ENOMEM) {
            alloc_countdown = -1;
            kpi_set_allocator(NULL, NULL, NULL, NULL);
            fail_msg("allocation %ld: %s", n, kpi_error_text(kpi_error_last()));
        }
    }
    alloc_countdown = -1;
    OK(kpi_set_allocator(NULL, NULL, NULL, NULL));
    assert_true(n > 50 && n < 20000);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    char path[512];
    example_path(path, sizeof path, "seed001-month-end.json");
    sweep(path, NULL);
    sweep(NULL, all_kinds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed001_month_end_structs),
        cmocka_unit_test(test_seed001_month_end_lint),
        cmocka_unit_test(test_every_key_and_kind),
        cmocka_unit_test(test_optional_sections),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("plan_sections", tests, NULL, NULL);
}
