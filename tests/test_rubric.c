/* test_rubric.c - the rubric engine through its C API: every rule kind and
 * its edges, N/A policies, categories, adjustments, critical items, gates,
 * eligibility, exact totals, the explanation, lint, threads and allocation
 * failures. Expected numbers are worked by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "internal.h"

static kpi_dec D(const char *text)
{
    kpi_dec v = 0;
    if (kpi_dec_parse(text, KPI_NTS, &v) != KPI_OK)
        fail_msg("bad number '%s'", text);
    return v;
}

#define OK(call)                                                                       \
    do {                                                                               \
        kpi_status ok_st_ = (call);                                                    \
        if (ok_st_ != KPI_OK)                                                          \
            fail_msg("%s failed: %s", #call, kpi_error_text(kpi_error_last()));        \
    } while (0)

static void expect_error(kpi_status got, kpi_status want, const char *fragment)
{
    const kpi_error *e = kpi_error_last();
    if (got != want)
        fail_msg("expected %s, got %s (%s)", kpi_status_str(want), kpi_status_str(got), kpi_error_message(e));
    if (fragment && !strstr(kpi_error_message(e), fragment))
        fail_msg("message '%s' lacks '%s'", kpi_error_message(e), fragment);
}

static kpi_rubric_builder *builder(const char *total, const kpi_rubric_options *o)
{
    kpi_rubric_builder *b = NULL;
    OK(kpi_rubric_builder_new(&b, D(total), o));
    return b;
}

static kpi_rubric *build(kpi_rubric_builder *b)
{
    kpi_rubric *r = NULL;
    OK(kpi_rubric_build(&r, b));
    kpi_rubric_builder_free(b);
    return r;
}

static void add_item(kpi_rubric_builder *b, const char *id, kpi_rule rule, const char *input, const char *points)
{
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = id;
    it.rule = rule;
    it.input = input;
    it.points = D(points);
    OK(kpi_rubric_builder_item(b, &it));
}

static kpi_scorecard *score(const kpi_rubric *r, const kpi_inputs *in)
{
    kpi_scorecard *card = NULL;
    OK(kpi_rubric_score(&card, r, in));
    return card;
}

static kpi_score_line line(const kpi_scorecard *card, size_t i)
{
    kpi_score_line l = KPI_SCORE_LINE_INIT;
    OK(kpi_scorecard_line(card, i, &l));
    return l;
}

/* Scores one number and returns the first line's points. */
static kpi_dec points_for(const kpi_rubric *r, const char *input, const char *value)
{
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_number(in, input, D(value)));
    kpi_scorecard *card = score(r, in);
    kpi_dec p = line(card, 0).points;
    kpi_scorecard_free(card);
    kpi_inputs_free(in);
    return p;
}

static void assert_dec(kpi_dec got, const char *want)
{
    if (got != D(want)) {
        char buf[40];
        kpi_dec_format(got, -1, KPI_ROUND_HALF_UP, buf, sizeof buf);
        fail_msg("expected %s, got %s", want, buf);
    }
}

/* ---- linear ---------------------------------------------------------------- */

static void test_linear(void **state)
{
    (void)state;
    kpi_rubric_builder *b = builder("30", NULL);
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = "completion";
    it.rule = KPI_RULE_LINEAR;
    it.input = "x";
    it.points = D("30");
    it.target = D("100%");
    OK(kpi_rubric_builder_item(b, &it));
    kpi_rubric *r = build(b);
    assert_dec(points_for(r, "x", "96%"), "28.8");   /* 30 x 0.96 / 1 */
    assert_dec(points_for(r, "x", "100%"), "30");    /* exactly on target */
    assert_dec(points_for(r, "x", "120%"), "30");    /* capped at 1 x points */
    assert_dec(points_for(r, "x", "0"), "0");
    assert_dec(points_for(r, "x", "-5%"), "0");      /* never negative */
    assert_dec(points_for(r, "x", "33.3333%"), "10"); /* 9.99999 rounds half-up to 10.00 */
    kpi_rubric_free(r);

    /* cap 1.2 and uncapped */
    b = builder("30", NULL);
    it.cap = D("1.2");
    OK(kpi_rubric_builder_item(b, &it));
    r = build(b);
    assert_dec(points_for(r, "x", "150%"), "36");
    assert_dec(points_for(r, "x", "110%"), "33");
    kpi_rubric_free(r);
    b = builder("30", NULL);
    it.cap = KPI_DEC_NO_CAP;
    OK(kpi_rubric_builder_item(b, &it));
    r = build(b);
    assert_dec(points_for(r, "x", "200%"), "60");
    kpi_rubric_free(r);

    /* lower is better: response time, full at <= 30 s, zero at >= 60 s */
    b = builder("5", NULL);
    kpi_rubric_item lo = KPI_RUBRIC_ITEM_INIT;
    lo.id = "response";
    lo.rule = KPI_RULE_LINEAR;
    lo.input = "t";
    lo.points = D("5");
    lo.lower_is_better = 1;
    lo.target = D("30");
    lo.limit = D("60");
    OK(kpi_rubric_builder_item(b, &lo));
    r = build(b);
    assert_dec(points_for(r, "t", "20"), "5");
    assert_dec(points_for(r, "t", "30"), "5");
    assert_dec(points_for(r, "t", "36"), "4"); /* 5 x (60 - 36) / 30 */
    assert_dec(points_for(r, "t", "45"), "2.5");
    assert_dec(points_for(r, "t", "60"), "0");
    assert_dec(points_for(r, "t", "600"), "0");
    kpi_rubric_free(r);

    /* a lower-is-better rule needs a limit above its target */
    b = builder("5", NULL);
    lo.limit = D("30");
    expect_error(kpi_rubric_builder_item(b, &lo), KPI_EINVAL, "limit above its target");
    it.cap = KPI_DEC_UNSET;
    it.target = 0;
    expect_error(kpi_rubric_builder_item(b, &it), KPI_EINVAL, "target must be positive");
    kpi_rubric_builder_free(b);
}

/* ---- bands ------------------------------------------------------------------- */

static kpi_rubric *score_bands(void)
{
    /* >= 90 -> 30; 80 <= x < 90 -> 20; 60 <= x < 80 -> 10; gap below 60; two-sided 30..60 */
    kpi_rubric_builder *b = builder("30", NULL);
    add_item(b, "q", KPI_RULE_BANDS, "x", "30");
    OK(kpi_rubric_builder_band(b, D("90"), KPI_END_CLOSED, 0, KPI_END_UNBOUNDED, D("30"), "优秀"));
    OK(kpi_rubric_builder_band(b, D("80"), KPI_END_CLOSED, D("90"), KPI_END_OPEN, D("20"), NULL));
    OK(kpi_rubric_builder_band(b, D("60"), KPI_END_CLOSED, D("80"), KPI_END_OPEN, D("10"), NULL));
    OK(kpi_rubric_builder_band(b, D("30"), KPI_END_CLOSED, D("50"), KPI_END_CLOSED, D("5"), NULL));
    return build(b);
}

static void test_bands(void **state)
{
    (void)state;
    kpi_rubric *r = score_bands();
    assert_dec(points_for(r, "x", "90"), "30");          /* exactly on the owned end */
    assert_dec(points_for(r, "x", "89.999999999"), "20"); /* a hair below stays below */
    assert_dec(points_for(r, "x", "80"), "20");
    assert_dec(points_for(r, "x", "79.5"), "10");
    assert_dec(points_for(r, "x", "50"), "5");            /* two-sided, closed upper end */
    assert_dec(points_for(r, "x", "30"), "5");
    assert_dec(points_for(r, "x", "55"), "0");            /* in the gap */
    assert_dec(points_for(r, "x", "29"), "0");
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_number(in, "x", D("85")));
    kpi_scorecard *card = score(r, in);
    kpi_score_line l = line(card, 0);
    assert_string_equal(l.row, "80 ≤ x < 90 → 20");
    assert_string_equal(l.value, "85");
    assert_string_equal(l.reason, "band 2");
    kpi_scorecard_free(card);
    OK(kpi_inputs_set_number(in, "x", D("90")));
    card = score(r, in);
    assert_string_equal(line(card, 0).row, "90 ≤ x → 30");
    assert_string_equal(line(card, 0).reason, "band 1 优秀");
    kpi_scorecard_free(card);
    OK(kpi_inputs_set_number(in, "x", D("55")));
    card = score(r, in);
    assert_string_equal(line(card, 0).reason, "55 is in no band: no points");
    kpi_scorecard_free(card);
    kpi_inputs_free(in);
    kpi_rubric_free(r);

    /* listed low to high, so the open ends decide: 80 is not in [60, 80), 5 % is not in (5 %, 8 %] */
    kpi_rubric_builder *up = builder("20", NULL);
    add_item(up, "q", KPI_RULE_BANDS, "x", "20");
    OK(kpi_rubric_builder_band(up, 0, KPI_END_UNBOUNDED, D("60"), KPI_END_OPEN, D("0"), NULL));
    OK(kpi_rubric_builder_band(up, D("60"), KPI_END_CLOSED, D("80"), KPI_END_OPEN, D("10"), NULL));
    OK(kpi_rubric_builder_band(up, D("80"), KPI_END_OPEN, D("90"), KPI_END_CLOSED, D("15"), NULL));
    OK(kpi_rubric_builder_band(up, D("80"), KPI_END_CLOSED, 0, KPI_END_UNBOUNDED, D("20"), NULL));
    r = build(up);
    assert_dec(points_for(r, "x", "59.999"), "0");
    assert_dec(points_for(r, "x", "60"), "10");
    assert_dec(points_for(r, "x", "80"), "20");   /* neither [60, 80) nor (80, 90] */
    assert_dec(points_for(r, "x", "80.001"), "15");
    assert_dec(points_for(r, "x", "90"), "15");
    kpi_rubric_free(r);

    /* an unstated end ("80-90") yields its point to a band that states it; two unstated ends
     * leave it to the band listed first (and lint says so) */
    up = builder("20", NULL);
    add_item(up, "q", KPI_RULE_BANDS, "x", "20");
    OK(kpi_rubric_builder_band(up, D("80"), KPI_END_UNSTATED, D("90"), KPI_END_UNSTATED, D("15"), NULL));
    OK(kpi_rubric_builder_band(up, D("90"), KPI_END_CLOSED, D("100"), KPI_END_UNSTATED, D("20"), NULL));
    OK(kpi_rubric_builder_band(up, D("70"), KPI_END_UNSTATED, D("80"), KPI_END_UNSTATED, D("10"), NULL));
    r = build(up);
    assert_dec(points_for(r, "x", "90"), "20"); /* claimed by "at least 90" */
    assert_dec(points_for(r, "x", "80"), "15"); /* both unstated: listed first */
    assert_dec(points_for(r, "x", "100"), "20");
    assert_dec(points_for(r, "x", "70"), "10");
    kpi_rubric_free(r);

    /* empty bands are refused */
    kpi_rubric_builder *b = builder("30", NULL);
    add_item(b, "q", KPI_RULE_BANDS, "x", "30");
    expect_error(kpi_rubric_builder_band(b, D("90"), KPI_END_CLOSED, D("80"), KPI_END_CLOSED, D("1"), NULL), KPI_EINVAL,
                 "band 0 is empty");
    expect_error(kpi_rubric_builder_band(b, D("80"), KPI_END_OPEN, D("80"), KPI_END_CLOSED, D("1"), NULL), KPI_EINVAL,
                 "is empty");
    expect_error(kpi_rubric_builder_grade(b, "优", D("1")), KPI_EINVAL, "must be a grades item");
    kpi_rubric *none;
    expect_error(kpi_rubric_build(&none, b), KPI_EPLAN, "needs at least one band");
    assert_string_equal(kpi_error_path(kpi_error_last()), "items[0]");
    kpi_rubric_builder_free(b);
}

static void test_range_tolerance(void **state)
{
    (void)state;
    /* AHT good in 180..600 s; +/-15 % (153..690) earns 5 of 10 */
    kpi_rubric_builder *b = builder("10", NULL);
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = "aht";
    it.rule = KPI_RULE_RANGE;
    it.input = "aht";
    it.points = D("10");
    it.low = D("180");
    it.high = D("600");
    it.tolerance = D("15%");
    it.tolerance_points = D("5");
    OK(kpi_rubric_builder_item(b, &it));
    kpi_rubric *r = build(b);
    assert_dec(points_for(r, "aht", "420"), "10");
    assert_dec(points_for(r, "aht", "180"), "10");
    assert_dec(points_for(r, "aht", "600"), "10");
    assert_dec(points_for(r, "aht", "153"), "5"); /* 180 x 0.85 exactly */
    assert_dec(points_for(r, "aht", "152.999"), "0");
    assert_dec(points_for(r, "aht", "690"), "5"); /* 600 x 1.15 exactly */
    assert_dec(points_for(r, "aht", "690.001"), "0");
    kpi_rubric_free(r);
}

/* ---- grades ------------------------------------------------------------------ */

static void test_grades(void **state)
{
    (void)state;
    kpi_rubric_builder *b = builder("20", NULL);
    static const char *const labels[] = {"优", "良", "中", "差"};
    OK(kpi_rubric_builder_input(b, "quality", KPI_INPUT_GRADE, "售后客服素质", labels, 4));
    add_item(b, "quality", KPI_RULE_GRADES, "quality", "20");
    OK(kpi_rubric_builder_grade(b, "优", D("20")));
    OK(kpi_rubric_builder_grade(b, "良", D("15")));
    OK(kpi_rubric_builder_grade(b, "中", D("10")));
    expect_error(kpi_rubric_builder_grade(b, "中", D("10")), KPI_EDUPLICATE, "mapped twice");
    OK(kpi_rubric_builder_grade(b, "差", D("0")));
    kpi_rubric *r = build(b);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    static const char *const given[] = {"优", "良", "中", "差"};
    static const char *const want[] = {"20", "15", "10", "0"};
    for (int i = 0; i < 4; i++) {
        OK(kpi_inputs_set_label(in, "quality", given[i]));
        kpi_scorecard *card = score(r, in);
        assert_dec(kpi_scorecard_total(card), want[i]);
        kpi_scorecard_free(card);
    }
    kpi_scorecard *card = (kpi_scorecard *)1;
    OK(kpi_inputs_set_label(in, "quality", "特优"));
    expect_error(kpi_rubric_score(&card, r, in), KPI_EINPUT, "input 'quality': grade '特优' is not one of 优, 良, 中, 差");
    assert_string_equal(kpi_error_path(kpi_error_last()), "items[0]");
    assert_true(card == (kpi_scorecard *)1); /* untouched on failure */
    OK(kpi_inputs_set_number(in, "quality", D("20")));
    expect_error(kpi_rubric_score(&card, r, in), KPI_EINPUT, "holds a number");
    OK(kpi_inputs_set_na(in, "quality"));
    card = score(r, in); /* the only item is N/A and excluded: nothing to score */
    assert_int_equal(kpi_scorecard_outcome(card), KPI_OUTCOME_NOT_ASSESSED);
    assert_non_null(strstr(kpi_scorecard_reason(card), "every input is N/A"));
    kpi_scorecard_free(card);
    /* undeclared names are refused (a typo is not a missing value) */
    kpi_inputs_clear(in);
    OK(kpi_inputs_set_label(in, "qualty", "优"));
    expect_error(kpi_rubric_score(&card, r, in), KPI_ENOTFOUND, "input 'qualty' is not declared");
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

/* ---- events ------------------------------------------------------------------- */

static void test_events(void **state)
{
    (void)state;
    /* attendance: 20, late -5, leave -5, absent -10 each, floor 0 */
    kpi_rubric_builder *b = builder("30", NULL);
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = "attendance";
    it.label = "出勤率";
    it.rule = KPI_RULE_EVENTS;
    it.points = D("20");
    it.floor = 0;
    OK(kpi_rubric_builder_item(b, &it));
    OK(kpi_rubric_builder_event(b, "late", D("-5"), "迟到"));
    OK(kpi_rubric_builder_event(b, "leave", D("-5"), "请假"));
    OK(kpi_rubric_builder_event(b, "absent", D("-10"), "旷工"));
    /* sets sold: +1 each from 0, target 10, uncapped */
    kpi_rubric_item sets = KPI_RUBRIC_ITEM_INIT;
    sets.id = "sets";
    sets.rule = KPI_RULE_EVENTS;
    sets.points = D("10");
    sets.start = 0;
    sets.cap = KPI_DEC_NO_CAP;
    OK(kpi_rubric_builder_item(b, &sets));
    OK(kpi_rubric_builder_event(b, "sets", D("1"), "套"));
    kpi_rubric *r = build(b);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    kpi_scorecard *card = score(r, in); /* no events at all: counts default to 0 */
    assert_dec(line(card, 0).points, "20");
    assert_string_equal(line(card, 0).value, "no events");
    assert_dec(line(card, 1).points, "0");
    kpi_scorecard_free(card);
    OK(kpi_inputs_set_count(in, "late", 2));
    OK(kpi_inputs_set_count(in, "absent", 1));
    OK(kpi_inputs_set_count(in, "sets", 13));
    card = score(r, in);
    assert_dec(line(card, 0).points, "0"); /* 20 - 10 - 10 */
    assert_string_equal(line(card, 0).value, "迟到 ×2, 旷工 ×1");
    assert_string_equal(line(card, 0).row, "20 − 5×2 − 10×1 = 0");
    assert_dec(line(card, 1).points, "13"); /* above its 10 points: uncapped */
    assert_dec(kpi_scorecard_total(card), "13");
    kpi_scorecard_free(card);
    OK(kpi_inputs_set_count(in, "late", 5));
    card = score(r, in);
    assert_dec(line(card, 0).points, "0"); /* 20 - 25 - 10 = -15, held at the floor */
    assert_string_equal(line(card, 0).reason, "raised to the floor 0");
    kpi_scorecard_free(card);
    expect_error(kpi_inputs_set_count(in, "late", -1), KPI_ERANGE, "cannot be negative");
    OK(kpi_inputs_set_number(in, "late", D("1.5")));
    expect_error(kpi_rubric_score(&card, r, in), KPI_EINPUT, "event counts");
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

/* ---- weighted and evaluator scores --------------------------------------------- */

static void test_weighted_exact_90(void **state)
{
    (void)state;
    /* 30 % x 76 + 70 % x 96 = 22.8 + 67.2 = 90 exactly (binary floating point: 89.99999999999999) */
    volatile double self = 76.0, sup = 96.0;
    assert_true(0.3 * self + 0.7 * sup < 90.0);
    kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
    o.pass_mark = D("90");
    kpi_rubric_builder *b = builder("100", &o);
    OK(kpi_rubric_builder_input(b, "self", KPI_INPUT_NUMBER, "自评", NULL, 0));
    OK(kpi_rubric_builder_input(b, "supervisor", KPI_INPUT_NUMBER, "直属领导评分", NULL, 0));
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = "overall";
    it.rule = KPI_RULE_WEIGHTED;
    it.points = D("100");
    OK(kpi_rubric_builder_item(b, &it));
    OK(kpi_rubric_builder_part(b, "self", D("30%"), KPI_PART_VALUE, "自评"));
    OK(kpi_rubric_builder_part(b, "supervisor", D("70%"), KPI_PART_VALUE, "上级"));
    kpi_rubric *r = build(b);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_number(in, "self", D("76")));
    OK(kpi_inputs_set_number(in, "supervisor", D("96")));
    kpi_scorecard *card = score(r, in);
    assert_true(line(card, 0).exact == KPI_DEC_INT(90));
    assert_true(kpi_scorecard_total(card) == KPI_DEC_INT(90));
    assert_int_equal(kpi_scorecard_outcome(card), KPI_OUTCOME_PASS); /* lands on 90, not below it */
    assert_string_equal(line(card, 0).value, "自评 76; 上级 96");
    kpi_scorecard_free(card);
    OK(kpi_inputs_set_number(in, "self", D("101")));
    expect_error(kpi_rubric_score(&card, r, in), KPI_EINPUT, "input 'self' (自评): 101 is outside 0..100");
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

static void test_weighted_composite_and_qa(void **state)
{
    (void)state;
    /* annual = 70 % x mean of four quarterly + 30 % x other; QA = mean of monitored calls, 20 points */
    kpi_rubric_builder *b = builder("120", NULL);
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = "annual";
    it.rule = KPI_RULE_WEIGHTED;
    it.points = D("100");
    OK(kpi_rubric_builder_item(b, &it));
    OK(kpi_rubric_builder_part(b, "quarters", D("70%"), KPI_PART_MEAN, "季度平均"));
    OK(kpi_rubric_builder_part(b, "other", D("30%"), KPI_PART_VALUE, "其他"));
    it.id = "qa";
    it.points = D("20");
    it.scale = D("100");
    OK(kpi_rubric_builder_item(b, &it));
    OK(kpi_rubric_builder_part(b, "qa", D("1"), KPI_PART_MEAN, "监听"));
    kpi_rubric *r = build(b);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    const kpi_dec q[4] = {D("80"), D("85"), D("90"), D("95")};
    OK(kpi_inputs_set_list(in, "quarters", q, 4));
    OK(kpi_inputs_set_number(in, "other", D("70")));
    const kpi_dec qa[5] = {D("90"), D("85"), D("95"), D("88"), D("91")};
    OK(kpi_inputs_set_list(in, "qa", qa, 5));
    kpi_scorecard *card = score(r, in);
    assert_dec(line(card, 0).exact, "82.25"); /* 0.7 x 87.5 + 0.3 x 70 = 61.25 + 21 */
    assert_dec(line(card, 1).exact, "17.96"); /* mean 89.8 -> 20 x 89.8 / 100 */
    assert_string_equal(line(card, 1).value, "监听 mean 89.8");
    kpi_scorecard_free(card);
    /* a mean of thirds: 20 x (100/3) / 100 = 6.666666667 at 9 places, reported 6.67 */
    const kpi_dec thirds[3] = {D("100"), 0, 0};
    OK(kpi_inputs_set_list(in, "qa", thirds, 3));
    card = score(r, in);
    assert_true(line(card, 1).exact == 6666666667);
    assert_dec(line(card, 1).points, "6.67");
    kpi_scorecard_free(card);
    /* an empty list is N/A (excluded: total renormalised over 100 of 120 points) */
    OK(kpi_inputs_set_list(in, "qa", NULL, 0));
    card = score(r, in);
    assert_int_equal(line(card, 1).status, KPI_LINE_NA_EXCLUDED);
    assert_dec(kpi_scorecard_total(card), "98.7"); /* 82.25 x 120 / 100 */
    kpi_scorecard_free(card);
    const kpi_dec bad[2] = {D("90"), D("105")};
    OK(kpi_inputs_set_list(in, "qa", bad, 2));
    expect_error(kpi_rubric_score(&card, r, in), KPI_EINPUT, "input 'qa' (qa): sample 2 is 105, outside 0..100");
    assert_string_equal(kpi_error_path(kpi_error_last()), "items[1]");
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

static void test_score_rule(void **state)
{
    (void)state;
    kpi_rubric_builder *b = builder("10", NULL);
    add_item(b, "execution", KPI_RULE_SCORE, "e", "10");
    kpi_rubric *r = build(b);
    assert_dec(points_for(r, "e", "8"), "8");
    assert_dec(points_for(r, "e", "10"), "10");
    assert_dec(points_for(r, "e", "0"), "0");
    kpi_inputs *in;
    kpi_scorecard *card;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_number(in, "e", D("10.5")));
    expect_error(kpi_rubric_score(&card, r, in), KPI_EINPUT, "score 10.5 is outside 0..10");
    OK(kpi_inputs_set_number(in, "e", D("-1")));
    expect_error(kpi_rubric_score(&card, r, in), KPI_EINPUT, "outside 0..10");
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

/* ---- N/A policies --------------------------------------------------------------------- */

static kpi_rubric *three_items(kpi_na_policy rubric_na, kpi_na_policy b_na)
{
    kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
    o.na = rubric_na;
    kpi_rubric_builder *b = builder("100", &o);
    add_item(b, "a", KPI_RULE_SCORE, "a", "50");
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = "b";
    it.rule = KPI_RULE_LINEAR;
    it.input = "b";
    it.points = D("30");
    it.target = D("1");
    it.na = b_na;
    OK(kpi_rubric_builder_item(b, &it));
    add_item(b, "c", KPI_RULE_SCORE, "c", "20");
    return build(b);
}

static kpi_dec total_with_b_na(kpi_rubric *r, kpi_line_status *status)
{
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_number(in, "a", D("40")));
    OK(kpi_inputs_set_ratio(in, "b", 5, 0)); /* zero denominator: N/A */
    OK(kpi_inputs_set_number(in, "c", D("20")));
    kpi_scorecard *card = score(r, in);
    kpi_dec total = kpi_scorecard_total(card);
    *status = line(card, 1).status;
    kpi_scorecard_free(card);
    kpi_inputs_free(in);
    kpi_rubric_free(r);
    return total;
}

static void test_na_policies(void **state)
{
    (void)state;
    kpi_line_status s;
    /* exclude: 60 of the 70 points scored, renormalised: 60 x 100 / 70 = 85.714... -> 85.71 */
    assert_dec(total_with_b_na(three_items(KPI_NA_EXCLUDE, KPI_NA_INHERIT), &s), "85.71");
    assert_int_equal(s, KPI_LINE_NA_EXCLUDED);
    assert_dec(total_with_b_na(three_items(KPI_NA_ZERO, KPI_NA_INHERIT), &s), "60");
    assert_int_equal(s, KPI_LINE_NA_ZERO);
    assert_dec(total_with_b_na(three_items(KPI_NA_FULL, KPI_NA_INHERIT), &s), "90");
    assert_int_equal(s, KPI_LINE_NA_FULL);
    /* the item's own policy wins over the rubric's */
    assert_dec(total_with_b_na(three_items(KPI_NA_EXCLUDE, KPI_NA_ZERO), &s), "60");
    assert_int_equal(s, KPI_LINE_NA_ZERO);
    /* a missing input is N/A too, and the explanation says how the total was scaled */
    kpi_rubric *r = three_items(KPI_NA_EXCLUDE, KPI_NA_INHERIT);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_number(in, "a", D("50")));
    OK(kpi_inputs_set_number(in, "c", D("20")));
    kpi_scorecard *card = score(r, in);
    assert_dec(kpi_scorecard_total(card), "100");
    char text[2048];
    kpi_scorecard_explain(card, text, sizeof text);
    assert_non_null(strstr(text, "- b [b]: 0.00 / 30.00 [N/A: excluded] | input N/A"));
    assert_non_null(strstr(text, "renormalised: items scored are worth 70 of 100 points, so the sum is scaled by 100 / 70"));
    kpi_scorecard_free(card);
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

/* ---- categories, adjustments, totals ---------------------------------------------------- */

static void test_categories_and_adjustments(void **state)
{
    (void)state;
    /* satisfaction 10 (cap 10, floor 0): 3 + 3 + 4 + review (好评 5 / 差评 -10); praise +2 each and
     * complaints -5..-20 each outside the caps */
    kpi_rubric_builder *b = builder("20", NULL);
    OK(kpi_rubric_builder_category(b, "sat", "群众满意度", D("10"), KPI_DEC_UNSET, 0));
    OK(kpi_rubric_builder_category(b, "other", "其他", D("10"), KPI_DEC_NO_CAP, KPI_DEC_UNSET));
    expect_error(kpi_rubric_builder_category(b, "sat", NULL, D("10"), KPI_DEC_UNSET, 0), KPI_EDUPLICATE, "twice");
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.rule = KPI_RULE_SCORE;
    it.category = "sat";
    it.id = "committee";
    it.input = "committee";
    it.points = D("3");
    OK(kpi_rubric_builder_item(b, &it));
    it.id = "superior";
    it.input = "superior";
    OK(kpi_rubric_builder_item(b, &it));
    it.id = "residents";
    it.input = "residents";
    it.points = D("4");
    OK(kpi_rubric_builder_item(b, &it));
    it.id = "review";
    it.input = "review";
    it.rule = KPI_RULE_GRADES;
    it.points = D("5");
    OK(kpi_rubric_builder_item(b, &it));
    OK(kpi_rubric_builder_grade(b, "好评", D("5")));
    OK(kpi_rubric_builder_grade(b, "差评", D("-10")));
    it.id = "misc";
    it.input = "misc";
    it.category = "other";
    it.rule = KPI_RULE_SCORE;
    it.points = D("10");
    OK(kpi_rubric_builder_item(b, &it));
    it.category = "nope";
    it.id = "x";
    expect_error(kpi_rubric_builder_item(b, &it), KPI_ENOTFOUND, "category 'nope' is not defined");
    kpi_rubric_adjustment a = KPI_RUBRIC_ADJUSTMENT_INIT;
    a.id = "praise";
    a.label = "客户表扬";
    a.input = "praise";
    a.each = D("2");
    OK(kpi_rubric_builder_adjustment(b, &a));
    kpi_rubric_adjustment c = KPI_RUBRIC_ADJUSTMENT_INIT;
    c.id = "complaints";
    c.label = "客户投诉";
    c.input = "complaints";
    c.each_min = D("-20");
    c.each_max = D("-5");
    OK(kpi_rubric_builder_adjustment(b, &c));
    c.each = D("1");
    expect_error(kpi_rubric_builder_adjustment(b, &c), KPI_EINVAL, "either each, or each_min and each_max");
    kpi_rubric *r = build(b);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_number(in, "committee", D("3")));
    OK(kpi_inputs_set_number(in, "superior", D("3")));
    OK(kpi_inputs_set_number(in, "residents", D("4")));
    OK(kpi_inputs_set_label(in, "review", "好评"));
    OK(kpi_inputs_set_number(in, "misc", D("7")));
    kpi_scorecard *card = score(r, in);
    /* lines: 5 items, 2 categories, 2 adjustments */
    assert_int_equal(kpi_scorecard_line_count(card), 9);
    kpi_score_line sat = line(card, 5);
    assert_int_equal(sat.kind, KPI_LINE_CATEGORY);
    assert_dec(sat.exact, "10"); /* 15 held at the cap */
    assert_string_equal(sat.reason, "held at the cap");
    assert_dec(kpi_scorecard_total(card), "17");
    kpi_scorecard_free(card);
    OK(kpi_inputs_set_label(in, "review", "差评"));
    OK(kpi_inputs_set_count(in, "praise", 3));
    const kpi_dec picks[2] = {D("-5"), D("-20")};
    OK(kpi_inputs_set_list(in, "complaints", picks, 2));
    card = score(r, in);
    assert_dec(line(card, 5).points, "0"); /* 3 + 3 + 4 - 10 = 0 */
    assert_dec(line(card, 7).points, "6");
    assert_dec(line(card, 8).points, "-25");
    assert_string_equal(line(card, 8).value, "-5, -20");
    assert_dec(kpi_scorecard_total(card), "-12"); /* 0 + 7 + 6 - 25: adjustments are outside the caps */
    kpi_scorecard_free(card);
    /* a pick outside -20..-5 is an input error naming the input */
    const kpi_dec wrong[2] = {D("-5"), D("-25")};
    OK(kpi_inputs_set_list(in, "complaints", wrong, 2));
    expect_error(kpi_rubric_score(&card, r, in), KPI_EINPUT, "input 'complaints' (complaints): value 2 is -25, outside -20..-5");
    assert_string_equal(kpi_error_path(kpi_error_last()), "adjustments[1]");
    OK(kpi_inputs_set_count(in, "complaints", 1));
    expect_error(kpi_rubric_score(&card, r, in), KPI_EINPUT, "needs a list of picks");
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

static void test_total_modes(void **state)
{
    (void)state;
    /* three items of 10/3 each: rounded 3.33 + 3.33 + 3.33 = 9.99, while the exact sum rounds to 10.00 */
    for (int mode = 0; mode < 2; mode++) {
        kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
        o.total_mode = mode ? KPI_TOTAL_ROUND_OF_SUM : KPI_TOTAL_SUM_OF_ROUNDED;
        kpi_rubric_builder *b = builder("30", &o);
        kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
        it.rule = KPI_RULE_SCORE;
        it.points = D("10");
        it.scale = D("3");
        const char *ids[] = {"a", "b", "c"};
        for (int i = 0; i < 3; i++) {
            it.id = ids[i];
            it.input = ids[i];
            OK(kpi_rubric_builder_item(b, &it));
        }
        kpi_rubric *r = build(b);
        kpi_inputs *in;
        OK(kpi_inputs_new(&in));
        for (int i = 0; i < 3; i++)
            OK(kpi_inputs_set_number(in, ids[i], D("1")));
        kpi_scorecard *card = score(r, in);
        assert_dec(line(card, 0).points, "3.33");
        assert_dec(kpi_scorecard_total(card), mode ? "10" : "9.99");
        kpi_scorecard_free(card);
        kpi_inputs_free(in);
        kpi_rubric_free(r);
    }
}

/* ---- critical items, pass mark, gates, eligibility -------------------------------------- */

static void test_critical(void **state)
{
    (void)state;
    for (int keep = 0; keep < 2; keep++) {
        kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
        o.critical = keep ? KPI_CRITICAL_KEEP : KPI_CRITICAL_ZERO;
        kpi_rubric_builder *b = builder("100", &o);
        add_item(b, "sales", KPI_RULE_SCORE, "sales", "80");
        kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
        it.id = "compliance";
        it.label = "合规";
        it.rule = KPI_RULE_SCORE;
        it.input = "compliance";
        it.points = D("20");
        it.critical = 1;
        it.critical_below = D("12");
        OK(kpi_rubric_builder_item(b, &it));
        kpi_rubric *r = build(b);
        kpi_inputs *in;
        OK(kpi_inputs_new(&in));
        OK(kpi_inputs_set_number(in, "sales", D("75")));
        OK(kpi_inputs_set_number(in, "compliance", D("12"))); /* exactly at the line: not failed */
        kpi_scorecard *card = score(r, in);
        assert_int_equal(kpi_scorecard_outcome(card), KPI_OUTCOME_PASS);
        assert_dec(kpi_scorecard_total(card), "87");
        kpi_scorecard_free(card);
        OK(kpi_inputs_set_number(in, "compliance", D("11.99")));
        card = score(r, in);
        assert_int_equal(kpi_scorecard_outcome(card), KPI_OUTCOME_FAIL);
        assert_true(line(card, 1).critical_failed);
        assert_dec(kpi_scorecard_total(card), keep ? "86.99" : "0");
        assert_non_null(strstr(kpi_scorecard_reason(card), "critical item 合规 failed"));
        kpi_scorecard_free(card);
        kpi_inputs_free(in);
        kpi_rubric_free(r);
    }
}

static void test_pass_mark_and_gate(void **state)
{
    (void)state;
    /* seed 003: 130 points, below 70 % (91) fails and earns no KPI bonus */
    kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
    o.pass_mark = D("91");
    kpi_rubric_builder *b = builder("130", &o);
    add_item(b, "all", KPI_RULE_SCORE, "s", "130");
    OK(kpi_rubric_builder_gate(b, "kpi_bonus", "KPI 考核奖金", D("91")));
    expect_error(kpi_rubric_builder_gate(b, "kpi_bonus", NULL, D("91")), KPI_EDUPLICATE, "twice");
    kpi_rubric *r = build(b);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    static const struct {
        const char *score;
        kpi_outcome outcome;
        int gate;
    } cases[] = {{"117", KPI_OUTCOME_PASS, 1}, {"100", KPI_OUTCOME_PASS, 1}, {"91", KPI_OUTCOME_PASS, 1},
                 {"90.9", KPI_OUTCOME_FAIL, 0}, {"90.995", KPI_OUTCOME_PASS, 1}, {"0", KPI_OUTCOME_FAIL, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        OK(kpi_inputs_set_number(in, "s", D(cases[i].score)));
        kpi_scorecard *card = score(r, in);
        assert_int_equal(kpi_scorecard_outcome(card), cases[i].outcome);
        int passed = -1;
        OK(kpi_scorecard_gate(card, "kpi_bonus", &passed));
        assert_int_equal(passed, cases[i].gate);
        expect_error(kpi_scorecard_gate(card, "bonus", &passed), KPI_ENOTFOUND, "no gate 'bonus'");
        if (i == 3)
            assert_string_equal(kpi_scorecard_reason(card), "total 90.9 is below the pass mark 91");
        kpi_scorecard_free(card);
    }
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

static void test_eligibility(void **state)
{
    (void)state;
    kpi_rubric_builder *b = builder("10", NULL);
    OK(kpi_rubric_builder_input(b, "months_absent", KPI_INPUT_NUMBER, "未到岗月数", NULL, 0));
    OK(kpi_rubric_builder_input(b, "s", KPI_INPUT_NUMBER, NULL, NULL, 0));
    add_item(b, "s", KPI_RULE_SCORE, "s", "10");
    OK(kpi_rubric_builder_eligibility(b, "months_absent", D("2"), "考评期内未到岗累计超过2个月"));
    OK(kpi_rubric_builder_gate(b, "g", NULL, D("1")));
    kpi_rubric *r = build(b);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_number(in, "s", D("8")));
    kpi_scorecard *card = score(r, in); /* missing: eligible */
    assert_int_equal(kpi_scorecard_outcome(card), KPI_OUTCOME_PASS);
    kpi_scorecard_free(card);
    OK(kpi_inputs_set_number(in, "months_absent", D("2"))); /* exactly 2 is not "more than 2" */
    card = score(r, in);
    assert_int_equal(kpi_scorecard_outcome(card), KPI_OUTCOME_PASS);
    kpi_scorecard_free(card);
    OK(kpi_inputs_set_number(in, "months_absent", D("3")));
    card = score(r, in);
    assert_int_equal(kpi_scorecard_outcome(card), KPI_OUTCOME_NOT_ASSESSED);
    assert_string_equal(kpi_scorecard_reason(card), "考评期内未到岗累计超过2个月: 未到岗月数 = 3, more than 2");
    assert_true(kpi_scorecard_total(card) == 0);
    int passed = 1;
    OK(kpi_scorecard_gate(card, "g", &passed));
    assert_int_equal(passed, 0);
    char text[512];
    size_t n = kpi_scorecard_explain(card, text, sizeof text);
    assert_int_equal(n, strlen(text));
    assert_non_null(strstr(text, "outcome: not assessed: 考评期内未到岗累计超过2个月"));
    kpi_scorecard_free(card);
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

/* ---- explain ----------------------------------------------------------------------------- */

static void test_explain(void **state)
{
    (void)state;
    kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
    o.pass_mark = D("91");
    kpi_rubric_builder *b = builder("130", &o);
    add_item(b, "quality", KPI_RULE_GRADES, "quality", "20");
    OK(kpi_rubric_builder_grade(b, "优", D("20")));
    OK(kpi_rubric_builder_grade(b, "良", D("15")));
    add_item(b, "rest", KPI_RULE_SCORE, "rest", "110");
    kpi_rubric_adjustment a = KPI_RUBRIC_ADJUSTMENT_INIT;
    a.id = "praise";
    a.label = "客户表扬";
    a.input = "praise";
    a.each = D("2");
    OK(kpi_rubric_builder_adjustment(b, &a));
    kpi_rubric *r = build(b);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_label(in, "quality", "良"));
    OK(kpi_inputs_set_number(in, "rest", D("100")));
    OK(kpi_inputs_set_count(in, "praise", 1));
    kpi_scorecard *card = score(r, in);
    size_t n = kpi_scorecard_explain(card, NULL, 0);
    char *text = malloc(n + 1);
    assert_int_equal(kpi_scorecard_explain(card, text, n + 1), n);
    assert_int_equal(strlen(text), n);
    const char *want =
        "- quality [quality]: 15.00 / 20.00 | input 良 | 良 → 15 | grade 良\n"
        "- rest [rest]: 100.00 / 110.00 | input 100 | points as given | evaluator's score\n"
        "± 客户表扬 [praise]: +2.00 | input ×1 | 2 each | outside the item caps\n"
        "rounding: half_up to 2 places, once per figure; total = sum of the figures shown; N/A: exclude and "
        "renormalise\n"
        "total: 117.00 / 130.00\n"
        "outcome: pass\n";
    assert_string_equal(text, want);
    /* a short buffer gets a NUL-terminated prefix and the full length */
    char small[10];
    assert_int_equal(kpi_scorecard_explain(card, small, sizeof small), n);
    assert_int_equal(strlen(small), 9);
    assert_int_equal(kpi_scorecard_explain(NULL, small, sizeof small), 0);
    assert_string_equal(small, "");
    free(text);
    kpi_scorecard_free(card);
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

/* ---- lint ------------------------------------------------------------------------------------ */

static size_t find_code(const kpi_lint *lint, const char *code, const char *path)
{
    for (size_t i = 0; i < kpi_lint_count(lint); i++)
        if (strcmp(kpi_lint_code(lint, i), code) == 0 && strcmp(kpi_lint_path(lint, i), path) == 0)
            return i;
    for (size_t i = 0; i < kpi_lint_count(lint); i++)
        fprintf(stderr, "# %s %s: %s\n", kpi_lint_code(lint, i), kpi_lint_path(lint, i), kpi_lint_message(lint, i));
    fail_msg("no %s finding at %s", code, path);
    return 0;
}

static void test_lint(void **state)
{
    (void)state;
    kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
    o.pass_mark = D("120");
    kpi_rubric_builder *b = builder("100", &o);
    static const char *const labels[] = {"优", "良", "中", "差"};
    OK(kpi_rubric_builder_input(b, "x", KPI_INPUT_NUMBER, NULL, NULL, 0));
    OK(kpi_rubric_builder_input(b, "g", KPI_INPUT_GRADE, NULL, labels, 4));
    OK(kpi_rubric_builder_input(b, "w1", KPI_INPUT_NUMBER, NULL, NULL, 0));
    OK(kpi_rubric_builder_input(b, "w2", KPI_INPUT_NUMBER, NULL, NULL, 0));
    OK(kpi_rubric_builder_input(b, "spare", KPI_INPUT_COUNT, "备用", NULL, 0));
    /* seed 001 plan A's tiers as written: 70-80, 80-90, 90-100 share their ends; and a gap 60..65 */
    add_item(b, "tiers", KPI_RULE_BANDS, "x", "30");
    OK(kpi_rubric_builder_band(b, D("90"), KPI_END_UNSTATED, D("100"), KPI_END_UNSTATED, D("30"), NULL));
    OK(kpi_rubric_builder_band(b, D("80"), KPI_END_UNSTATED, D("90"), KPI_END_UNSTATED, D("20"), NULL));
    OK(kpi_rubric_builder_band(b, D("70"), KPI_END_CLOSED, D("80"), KPI_END_CLOSED, D("10"), NULL));
    OK(kpi_rubric_builder_band(b, D("65"), KPI_END_CLOSED, D("70"), KPI_END_CLOSED, D("5"), NULL));
    OK(kpi_rubric_builder_band(b, D("50"), KPI_END_CLOSED, D("60"), KPI_END_OPEN, D("40"), NULL));
    OK(kpi_rubric_builder_band(b, D("55"), KPI_END_CLOSED, D("58"), KPI_END_OPEN, D("1"), NULL));
    add_item(b, "quality", KPI_RULE_GRADES, "g", "20");
    OK(kpi_rubric_builder_grade(b, "优", D("20")));
    OK(kpi_rubric_builder_grade(b, "良", D("15")));
    OK(kpi_rubric_builder_grade(b, "A", D("5")));
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = "mix";
    it.rule = KPI_RULE_WEIGHTED;
    it.points = D("40");
    OK(kpi_rubric_builder_item(b, &it));
    OK(kpi_rubric_builder_part(b, "w1", D("30%"), KPI_PART_VALUE, NULL));
    OK(kpi_rubric_builder_part(b, "w2", D("60%"), KPI_PART_VALUE, NULL));
    kpi_rubric *r = build(b);
    kpi_lint *lint;
    OK(kpi_lint_new(&lint));
    OK(kpi_rubric_lint(r, lint));
    size_t i = find_code(lint, "band-shared-end", "items[0].bands[0]");
    assert_non_null(strstr(kpi_lint_message(lint, i), "90 ends band 2 and starts band 1, and no band owns it"));
    /* 80: band 3 states it owns it, so band 2's unstated end yields: no finding */
    i = find_code(lint, "band-overlap", "items[0].bands[2]");
    assert_non_null(strstr(kpi_lint_message(lint, i), "70 belongs to both band 4 and band 3; band 3 (listed first)"));
    i = find_code(lint, "band-gap", "items[0].bands[3]");
    assert_non_null(strstr(kpi_lint_message(lint, i), "values between 60 and 65 match no band"));
    find_code(lint, "band-overlap", "items[0].bands[5]");
    i = find_code(lint, "item-can-exceed", "items[0].bands[4].points");
    assert_non_null(strstr(kpi_lint_message(lint, i), "can score 40 in a band, above its 30 points"));
    i = find_code(lint, "grade-missing-label", "items[1].grades");
    assert_non_null(strstr(kpi_lint_message(lint, i), "grade '中'"));
    find_code(lint, "grade-unknown-label", "items[1].grades");
    i = find_code(lint, "weights-total", "items[2].parts");
    assert_non_null(strstr(kpi_lint_message(lint, i), "add up to 0.9, not 1"));
    find_code(lint, "points-total", "total");
    find_code(lint, "pass-mark-unreachable", "pass_mark");
    i = find_code(lint, "unused-input", "inputs.spare");
    assert_non_null(strstr(kpi_lint_message(lint, i), "input spare (备用) is declared but no rule reads it"));
    assert_int_equal(kpi_lint_count(lint), 12);
    kpi_lint_free(lint);
    kpi_rubric_free(r);
}

/* ---- builder and argument errors ------------------------------------------------------------ */

static void test_builder_errors(void **state)
{
    (void)state;
    kpi_rubric_builder *b = NULL;
    expect_error(kpi_rubric_builder_new(NULL, 1, NULL), KPI_EINVAL, "out must not be NULL");
    expect_error(kpi_rubric_builder_new(&b, 0, NULL), KPI_EINVAL, "total must be a positive");
    kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
    o.places = 10;
    expect_error(kpi_rubric_builder_new(&b, D("100"), &o), KPI_EINVAL, "places is 10");
    o.places = 2;
    o.size = 0;
    expect_error(kpi_rubric_builder_new(&b, D("100"), &o), KPI_EINVAL, "_INIT macro");
    assert_null(b);
    b = builder("100", NULL);
    OK(kpi_rubric_builder_input(b, "x", KPI_INPUT_NUMBER, NULL, NULL, 0));
    expect_error(kpi_rubric_builder_input(b, "x", KPI_INPUT_COUNT, NULL, NULL, 0), KPI_EDUPLICATE, "declared twice");
    expect_error(kpi_rubric_builder_input(b, "", KPI_INPUT_COUNT, NULL, NULL, 0), KPI_EINVAL, "non-empty name");
    expect_error(kpi_rubric_builder_input(b, "y", 9, NULL, NULL, 0), KPI_EINVAL, "not a KPI_INPUT_");
    add_item(b, "a", KPI_RULE_SCORE, "x", "10");
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = "a";
    it.rule = KPI_RULE_SCORE;
    it.input = "x";
    it.points = D("10");
    expect_error(kpi_rubric_builder_item(b, &it), KPI_EDUPLICATE, "item id 'a' is used twice");
    it.id = "b";
    it.input = "nope";
    expect_error(kpi_rubric_builder_item(b, &it), KPI_ENOTFOUND, "reads input 'nope', which is not declared");
    it.input = "x";
    it.rule = KPI_RULE_GRADES;
    expect_error(kpi_rubric_builder_item(b, &it), KPI_EPLAN, "a number input; it needs a grade input");
    it.rule = 42;
    expect_error(kpi_rubric_builder_item(b, &it), KPI_EINVAL, "not a KPI_RULE_");
    it.rule = KPI_RULE_SCORE;
    it.points = 0;
    expect_error(kpi_rubric_builder_item(b, &it), KPI_EINVAL, "points must be positive");
    expect_error(kpi_rubric_builder_item(b, NULL), KPI_EINVAL, "item must not be NULL");
    expect_error(kpi_rubric_builder_event(b, "x", D("1"), NULL), KPI_EINVAL, "must be a events item");
    expect_error(kpi_rubric_builder_input(NULL, "z", KPI_INPUT_COUNT, NULL, NULL, 0), KPI_EINVAL, "builder must not be NULL");
    expect_error(kpi_rubric_build(NULL, b), KPI_EINVAL, "out must not be NULL");
    kpi_rubric *r = build(b);
    assert_int_equal(kpi_rubric_item_count(r), 1);
    assert_int_equal(kpi_rubric_input_count(r), 1);
    assert_true(kpi_rubric_total(r) == KPI_DEC_INT(100));
    const char *name, *label;
    kpi_input_kind kind;
    OK(kpi_rubric_input(r, 0, &name, &kind, &label));
    assert_string_equal(name, "x");
    assert_string_equal(label, "x");
    assert_int_equal(kind, KPI_INPUT_NUMBER);
    expect_error(kpi_rubric_input(r, 1, &name, &kind, &label), KPI_EINVAL, "out of range");
    kpi_scorecard *card;
    expect_error(kpi_rubric_score(&card, r, NULL), KPI_EINVAL, "must not be NULL");
    kpi_rubric_free(r);
    /* inputs come before the rules that read them */
    b = builder("10", NULL);
    add_item(b, "a", KPI_RULE_SCORE, "x", "10");
    expect_error(kpi_rubric_builder_input(b, "x", KPI_INPUT_NUMBER, NULL, NULL, 0), KPI_EINVAL, "declare inputs before");
    kpi_rubric_builder_free(b);
    kpi_rubric_builder_free(NULL);
    kpi_rubric_free(NULL);
    kpi_scorecard_free(NULL);
    kpi_inputs_free(NULL);
    assert_int_equal(kpi_scorecard_outcome(NULL), KPI_OUTCOME_NOT_ASSESSED);
    assert_string_equal(kpi_outcome_name(KPI_OUTCOME_NOT_ASSESSED), "not assessed");
    assert_null(kpi_outcome_name(7));
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    expect_error(kpi_inputs_set_number(in, "", 1), KPI_EINVAL, "non-empty");
    expect_error(kpi_inputs_set_number(in, "x", KPI_DEC_UNSET), KPI_EINVAL, "KPI_DEC_UNSET");
    expect_error(kpi_inputs_set_list(in, "x", NULL, 2), KPI_EINVAL, "values is NULL");
    expect_error(kpi_inputs_set_label(in, "x", NULL), KPI_EINVAL, "label must not be NULL");
    kpi_inputs_free(in);
}

/* ---- threads -------------------------------------------------------------------------------- */

struct worker {
    const kpi_rubric *rubric;
    int first;
    kpi_dec sum;
    kpi_status st;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    kpi_inputs *in;
    w->st = kpi_inputs_new(&in);
    for (int i = 0; i < 2000 && w->st == KPI_OK; i++) {
        kpi_scorecard *card;
        int agent = w->first + i;
        kpi_inputs_clear(in);
        w->st = kpi_inputs_set_number(in, "x", KPI_DEC_INT(agent % 101));
        if (w->st == KPI_OK)
            w->st = kpi_rubric_score(&card, w->rubric, in);
        if (w->st == KPI_OK) {
            w->sum += kpi_scorecard_total(card);
            kpi_scorecard_free(card);
        }
    }
    kpi_inputs_free(in);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    kpi_rubric *r = score_bands();
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){r, i * 2000, 0, KPI_OK};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    kpi_dec total = 0, serial = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].st, KPI_OK);
        total += w[i].sum;
    }
    struct worker one = {r, 0, 0, KPI_OK};
    for (int i = 0; i < 4; i++) {
        one.first = i * 2000;
        one.sum = 0;
        work(&one);
        serial += one.sum;
    }
    assert_true(total == serial);
    kpi_rubric_free(r);
}

/* ---- allocation failures ---------------------------------------------------------------------- */

static long alloc_budget = -1;

static void *failing_malloc(size_t size, void *user)
{
    (void)user;
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(size);
}

static void *failing_realloc(void *p, size_t size, void *user)
{
    (void)user;
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return realloc(p, size);
}

static void plain_free(void *p, void *user)
{
    (void)user;
    free(p);
}

/* Builds the seed-003-like rubric and scores one card; returns the first failure. */
static kpi_status build_and_score(void)
{
    kpi_rubric_builder *b = NULL;
    kpi_rubric *r = NULL;
    kpi_inputs *in = NULL;
    kpi_scorecard *card = NULL;
    static const char *const labels[] = {"优", "良"};
    kpi_rubric_item it = KPI_RUBRIC_ITEM_INIT;
    it.id = "quality";
    it.rule = KPI_RULE_GRADES;
    it.input = "quality";
    it.points = KPI_DEC_INT(20);
    kpi_rubric_adjustment a = KPI_RUBRIC_ADJUSTMENT_INIT;
    a.id = "complaints";
    a.input = "complaints";
    a.each_min = KPI_DEC_INT(-20);
    a.each_max = KPI_DEC_INT(-5);
    const kpi_dec picks[1] = {KPI_DEC_INT(-5)};
    kpi_status st = kpi_rubric_builder_new(&b, KPI_DEC_INT(20), NULL);
    if (st == KPI_OK)
        st = kpi_rubric_builder_input(b, "quality", KPI_INPUT_GRADE, "素质", labels, 2);
    if (st == KPI_OK)
        st = kpi_rubric_builder_input(b, "complaints", KPI_INPUT_LIST, "投诉", NULL, 0);
    if (st == KPI_OK)
        st = kpi_rubric_builder_item(b, &it);
    if (st == KPI_OK)
        st = kpi_rubric_builder_grade(b, "优", KPI_DEC_INT(20));
    if (st == KPI_OK)
        st = kpi_rubric_builder_adjustment(b, &a);
    if (st == KPI_OK)
        st = kpi_rubric_builder_gate(b, "g", "门槛", KPI_DEC_INT(10));
    if (st == KPI_OK)
        st = kpi_rubric_build(&r, b);
    if (st == KPI_OK)
        st = kpi_inputs_new(&in);
    if (st == KPI_OK)
        st = kpi_inputs_set_label(in, "quality", "优");
    if (st == KPI_OK)
        st = kpi_inputs_set_list(in, "complaints", picks, 1);
    if (st == KPI_OK)
        st = kpi_rubric_score(&card, r, in);
    if (st == KPI_OK && kpi_scorecard_total(card) != KPI_DEC_INT(15))
        st = KPI_EINVAL;
    kpi_scorecard_free(card);
    kpi_inputs_free(in);
    kpi_rubric_free(r);
    kpi_rubric_builder_free(b);
    return st;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    OK(kpi_set_allocator(failing_malloc, failing_realloc, plain_free, NULL));
    long n;
    for (n = 0; n < 1000; n++) {
        alloc_budget = n;
        kpi_status st = build_and_score();
        if (st == KPI_OK)
            break;
        assert_int_equal(st, KPI_ENOMEM);
    }
    alloc_budget = -1;
    OK(kpi_set_allocator(NULL, NULL, NULL, NULL));
    assert_true(n > 20 && n < 1000); /* every allocation was failed once, then it succeeded */
}

/* kpi_inputs_clear keeps the names: the next agent setting the same inputs,
 * in any order, allocates nothing, and an input it leaves out is missing. */
static void test_inputs_reuse(void **state)
{
    (void)state;
    kpi_rubric_builder *b = builder("40", NULL);
    add_item(b, "x_item", KPI_RULE_SCORE, "x", "30"); /* the input is the points */
    add_item(b, "y_item", KPI_RULE_SCORE, "y", "10");
    kpi_rubric *r = build(b);
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    OK(kpi_inputs_set_number(in, "x", D("15")));
    OK(kpi_inputs_set_number(in, "y", D("10")));
    kpi_scorecard *card = score(r, in);
    assert_dec(kpi_scorecard_total(card), "25"); /* 15 + 10 */
    kpi_scorecard_free(card);

    OK(kpi_set_allocator(failing_malloc, failing_realloc, plain_free, NULL));
    alloc_budget = 0; /* no allocation may happen */
    kpi_inputs_clear(in);
    OK(kpi_inputs_set_number(in, "y", D("5")));
    OK(kpi_inputs_set_number(in, "x", D("30")));
    OK(kpi_inputs_set_number(in, "x", D("30"))); /* replacing a value */
    expect_error(kpi_inputs_set_number(in, "z", D("1")), KPI_ENOMEM, NULL); /* a new name */
    alloc_budget = -1;
    card = score(r, in);
    assert_dec(kpi_scorecard_total(card), "35"); /* 30 + 5: z's failure changed nothing */
    kpi_scorecard_free(card);

    alloc_budget = 0;
    kpi_inputs_clear(in);
    OK(kpi_inputs_set_number(in, "x", D("30")));
    alloc_budget = -1;
    card = score(r, in);
    kpi_score_line l = line(card, 1);
    assert_string_equal(l.id, "y_item");
    assert_int_not_equal(l.status, KPI_LINE_SCORED); /* y was not set for this agent */
    kpi_scorecard_free(card);

    kpi_inputs_clear(in);
    OK(kpi_inputs_set_number(in, "w", D("1"))); /* a new name among parked ones */
    OK(kpi_inputs_set_number(in, "y", D("0")));
    OK(kpi_inputs_set_number(in, "x", D("30")));
    card = score(r, in); /* the rubric declares no inputs: w is not checked */
    assert_dec(kpi_scorecard_total(card), "30");
    assert_int_equal(line(card, 1).status, KPI_LINE_SCORED);
    kpi_scorecard_free(card);
    OK(kpi_set_allocator(NULL, NULL, NULL, NULL));
    kpi_inputs_free(in);
    kpi_rubric_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_bands),
        cmocka_unit_test(test_range_tolerance),
        cmocka_unit_test(test_grades),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_weighted_exact_90),
        cmocka_unit_test(test_weighted_composite_and_qa),
        cmocka_unit_test(test_score_rule),
        cmocka_unit_test(test_na_policies),
        cmocka_unit_test(test_categories_and_adjustments),
        cmocka_unit_test(test_total_modes),
        cmocka_unit_test(test_critical),
        cmocka_unit_test(test_pass_mark_and_gate),
        cmocka_unit_test(test_eligibility),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_lint),
        cmocka_unit_test(test_builder_errors),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_inputs_reuse),
    };
    return cmocka_run_group_tests_name("rubric", tests, NULL, NULL);
}
