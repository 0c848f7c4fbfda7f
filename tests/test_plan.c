/* test_plan.c - plan files: the five sample plans scored for hand-checked
 * agents (golden scorecards), the catalogue of malformed plans in
 * tests/bad/plans/ (status, message, line, column, path), loading options,
 * and lint findings located in the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"
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

static kpi_plan *load_example(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/examples/plans/%s", KPI_SOURCE_ROOT, name);
    kpi_plan *plan = NULL;
    OK(kpi_plan_load_file(&plan, path, NULL));
    return plan;
}

/*
 * Inputs from "name=value; ..." where value is a number ("96%"), "na",
 * "ratio:120/540", "label:优", "count:3" or "list:90,85,95".
 */
static kpi_inputs *inputs_from(const char *spec)
{
    kpi_inputs *in;
    OK(kpi_inputs_new(&in));
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        char *eq = strchr(tok, '=');
        assert_non_null(eq);
        *eq = '\0';
        const char *name = tok, *v = eq + 1;
        if (strcmp(v, "na") == 0) {
            OK(kpi_inputs_set_na(in, name));
        } else if (strncmp(v, "ratio:", 6) == 0) {
            long long num, den;
            assert_int_equal(sscanf(v + 6, "%lld/%lld", &num, &den), 2);
            OK(kpi_inputs_set_ratio(in, name, num, den));
        } else if (strncmp(v, "label:", 6) == 0) {
            OK(kpi_inputs_set_label(in, name, v + 6));
        } else if (strncmp(v, "count:", 6) == 0) {
            OK(kpi_inputs_set_count(in, name, atoll(v + 6)));
        } else if (strncmp(v, "list:", 5) == 0) {
            kpi_dec list[16];
            size_t n = 0;
            char items[256];
            snprintf(items, sizeof items, "%s", v + 5);
            for (char *s2 = NULL, *t = strtok_r(items, ",", &s2); t; t = strtok_r(NULL, ",", &s2))
                list[n++] = D(t);
            OK(kpi_inputs_set_list(in, name, list, n));
        } else {
            OK(kpi_inputs_set_number(in, name, D(v)));
        }
    }
    return in;
}

static kpi_scorecard *score_agent(const kpi_plan *plan, const char *spec)
{
    kpi_inputs *in = inputs_from(spec);
    kpi_scorecard *card = NULL;
    OK(kpi_rubric_score(&card, kpi_plan_rubric(plan), in));
    kpi_inputs_free(in);
    return card;
}

static void check_card(const kpi_scorecard *card, const char *total, kpi_outcome outcome)
{
    char buf[40];
    kpi_dec_format(kpi_scorecard_total(card), -1, KPI_ROUND_HALF_UP, buf, sizeof buf);
    if (kpi_scorecard_total(card) != D(total) || kpi_scorecard_outcome(card) != outcome) {
        char text[8192];
        kpi_scorecard_explain(card, text, sizeof text);
        fail_msg("expected %s (%s), got %s (%s)\n%s", total, kpi_outcome_name(outcome), buf,
                 kpi_outcome_name(kpi_scorecard_outcome(card)), text);
    }
}

/* The points of the line with this id. */
static kpi_dec points_of(const kpi_scorecard *card, const char *id)
{
    for (size_t i = 0; i < kpi_scorecard_line_count(card); i++) {
        kpi_score_line l = KPI_SCORE_LINE_INIT;
        OK(kpi_scorecard_line(card, i, &l));
        if (strcmp(l.id, id) == 0)
            return l.points;
    }
    fail_msg("no line '%s'", id);
    return 0;
}

static void check_lint_clean(const kpi_plan *plan, size_t expected)
{
    kpi_lint *lint;
    OK(kpi_lint_new(&lint));
    OK(kpi_plan_lint(plan, lint));
    if (kpi_lint_count(lint) != expected) {
        for (size_t i = 0; i < kpi_lint_count(lint); i++)
            fprintf(stderr, "# %s %s\n", kpi_lint_path(lint, i), kpi_lint_message(lint, i));
        fail_msg("expected %zu findings, got %zu", expected, kpi_lint_count(lint));
    }
    kpi_lint_free(lint);
}

/* ---- golden scorecards for the sample plans ----------------------------------------------- */

static void test_seed001_plan_a(void **state)
{
    (void)state;
    kpi_plan *plan = load_example("seed001-plan-a.json");
    assert_string_equal(kpi_plan_name(plan), "客服绩效考核方案 A（月度，100 分）");
    assert_string_equal(kpi_plan_period(plan), "month");
    check_lint_clean(plan, 0);
    /* 张三: 30x0.96 = 28.8; 30x0.45/0.5 = 27; 10x0.9 = 9; 5x180/200 = 4.5; reply 100 % -> 5;
     * 36 s -> 5x(60-36)/(60-30) = 4; follow-up 4; execution 8. 90.3, pass (>= 70) */
    kpi_scorecard *card = score_agent(plan, "completion=96%; conversion=45%; order_success=90%; order_value=180;"
                                            "reply_rate=100%; response_time=36; follow_up=4; execution=8");
    check_card(card, "90.3", KPI_OUTCOME_PASS);
    assert_true(points_of(card, "conversion") == D("27"));
    assert_true(points_of(card, "response_time") == D("4"));
    kpi_scorecard_free(card);
    /* 李四: completion 120 % and conversion 60 % are capped at 30 each; 8; 250 yuan -> 5 (capped);
     * 97 % -> band 95..100 -> 3; 25 s -> 5; 5; 10. 96 */
    card = score_agent(plan, "completion=120%; conversion=60%; order_success=80%; order_value=250;"
                             "reply_rate=97%; response_time=25; follow_up=5; execution=10");
    check_card(card, "96", KPI_OUTCOME_PASS);
    kpi_scorecard_free(card);
    /* 王五: 15 + 12 + 7 + 3 + 0 (90 % < 95 %) + 0 (70 s >= 60 s) + 2 + 5 = 44, below 70: fail */
    card = score_agent(plan, "completion=50%; conversion=20%; order_success=70%; order_value=120;"
                             "reply_rate=90%; response_time=70; follow_up=2; execution=5");
    check_card(card, "44", KPI_OUTCOME_FAIL);
    assert_string_equal(kpi_scorecard_reason(card), "total 44 is below the pass mark 70");
    kpi_scorecard_free(card);
    kpi_plan_free(plan);
}

static void test_seed001_plan_b(void **state)
{
    (void)state;
    kpi_plan *plan = load_example("seed001-plan-b.json");
    check_lint_clean(plan, 1); /* the uncapped sets item, noted */
    /* A: 10x540/600 = 9; 120 deals -> 10; close rate 120/540 = 22.2 % -> 8; 42 s -> 10x18/30 = 6;
     * 良 -> 8; refund 2 % (owned by the first band) -> 10; listing 99 % -> 10; 13 sets -> 13
     * (uncapped); self 9; supervisor 8. 91 */
    kpi_scorecard *card = score_agent(plan, "consultations=540; deals=120; close_rate=ratio:120/540; response_time=42;"
                                            "attitude=label:良; refund_rate=2%; listing_accuracy=99%;"
                                            "sets_sold=count:13; self=9; supervisor=8; months_absent=0");
    check_card(card, "91", KPI_OUTCOME_PASS);
    assert_true(points_of(card, "sets_sold") == D("13"));
    assert_true(points_of(card, "close_rate") == D("8"));
    kpi_scorecard_free(card);
    /* B: absent 3 months (> 2): not assessed, whatever else */
    card = score_agent(plan, "months_absent=3; self=10");
    check_card(card, "0", KPI_OUTCOME_NOT_ASSESSED);
    assert_string_equal(kpi_scorecard_reason(card),
                        "考评期内未到岗累计超过2个月，不参与当期考核: 考评期内未到岗月数 = 3, more than 2");
    kpi_scorecard_free(card);
    /* C: no consultations: close rate 0/0, response time and refund rate N/A and excluded.
     * Scored: 0 + 0 + 中 5 + listing 96 % -> 5 + 0 sets + 6 + 5 = 21 of the 70 points scored;
     * renormalised 21 x 100 / 70 = 30, below 65: fail */
    card = score_agent(plan, "consultations=0; deals=0; close_rate=ratio:0/0; response_time=na; attitude=label:中;"
                             "refund_rate=ratio:0/0; listing_accuracy=96%; sets_sold=count:0; self=6; supervisor=5");
    check_card(card, "30", KPI_OUTCOME_FAIL);
    kpi_scorecard_free(card);
    kpi_plan_free(plan);
}

static void test_seed003_after_sales(void **state)
{
    (void)state;
    kpi_plan *plan = load_example("seed003-after-sales.json");
    check_lint_clean(plan, 0);
    /* A: 优 20 + refund 4 % -> 30 + 良 15 + 优 20 + 良 15 + attendance 20 - 5 (late once) = 115;
     * praise once +2 = 117 (the KPI bonus 1000 x 117 / 130 = 900.00) */
    kpi_scorecard *card = score_agent(plan, "quality=label:优; refund_rate=4%; disputes=label:良; teamwork=label:优;"
                                            "execution=label:良; late=count:1; praise=count:1");
    check_card(card, "117", KPI_OUTCOME_PASS);
    int passed = 0;
    OK(kpi_scorecard_gate(card, "kpi_bonus", &passed));
    assert_true(passed);
    char text[4096];
    kpi_scorecard_explain(card, text, sizeof text);
    assert_non_null(strstr(text, "- 出勤率 [attendance]: 15.00 / 20.00 | input 迟到 ×1 | 20 − 5×1 = 15 | start 20, then each event\n"));
    assert_non_null(strstr(text, "- 退款率 [refund_rate]: 30.00 / 30.00 | input 0.04 | x ≤ 0.05 → 30 | band 1\n"));
    assert_non_null(strstr(text, "± 客户表扬 [praise]: +2.00 | input ×1 | 2 each | outside the item caps\n"));
    assert_non_null(strstr(text, "total: 117.00 / 130.00\noutcome: pass\ngate KPI 考核奖金 [kpi_bonus] (≥ 91.00): passed\n"));
    kpi_scorecard_free(card);
    /* B: exactly the pass mark. 中 10 + refund 5 % (≤ 5 % owns 5 %) 30 + 良 15 x 3 + 15 = 100;
     * complaints -5 and -8 = -13; praise twice +4. 91 = 70 % of 130: pass, bonus gate passed */
    card = score_agent(plan, "quality=label:中; refund_rate=5%; disputes=label:良; teamwork=label:良;"
                             "execution=label:良; late=count:1; complaints=list:-5,-8; praise=count:2");
    check_card(card, "91", KPI_OUTCOME_PASS);
    OK(kpi_scorecard_gate(card, "kpi_bonus", &passed));
    assert_true(passed);
    kpi_scorecard_free(card);
    /* C: 100 - 10 (one complaint) = 90, below 91: fail, no KPI bonus */
    card = score_agent(plan, "quality=label:中; refund_rate=5%; disputes=label:良; teamwork=label:良;"
                             "execution=label:良; late=count:1; complaints=list:-10");
    check_card(card, "90", KPI_OUTCOME_FAIL);
    OK(kpi_scorecard_gate(card, "kpi_bonus", &passed));
    assert_false(passed);
    assert_string_equal(kpi_scorecard_reason(card), "total 90 is below the pass mark 91");
    kpi_scorecard_free(card);
    /* E: refund 5.01 % -> 20; all 优; full attendance: 120; outstanding +5, praise x10 +20 = 145,
     * held at the plan's cap of 130 */
    card = score_agent(plan, "quality=label:优; refund_rate=5.01%; disputes=label:优; teamwork=label:优;"
                             "execution=label:优; outstanding=list:5; praise=count:10");
    check_card(card, "130", KPI_OUTCOME_PASS);
    assert_true(points_of(card, "refund_rate") == D("20"));
    kpi_scorecard_free(card);
    /* D: a complaint of -25 is outside -20..-5: an input error naming the input */
    kpi_inputs *in = inputs_from("quality=label:优; refund_rate=4%; disputes=label:良; teamwork=label:优;"
                                 "execution=label:良; complaints=list:-25");
    card = NULL;
    assert_int_equal(kpi_rubric_score(&card, kpi_plan_rubric(plan), in), KPI_EINPUT);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "input 'complaints'"));
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "-25, outside -20..-5"));
    assert_null(card);
    kpi_inputs_free(in);
    kpi_plan_free(plan);
}

static void test_village_doctor(void **state)
{
    (void)state;
    kpi_plan *plan = load_example("village-doctor.json");
    kpi_round mode;
    int places;
    OK(kpi_plan_rounding(plan, &mode, &places));
    assert_int_equal(places, 1);
    /* A: every item at its maximum (公共卫生 60, 基本医疗 20, 综合管理 10); 满意度 3 + 3 + 4 + 好评 5 = 15,
     * held at the category's 10; one medical accident -10 outside the caps. 90 */
    const char *full = "ph_targets=7; records=5; education=3; immunisation=4; infectious=4; tcm_rate=45%; tcm_forms=1;"
                       "children=7; maternal=5; elderly=7; chronic=8; mental=3; supervision=2; service_quality=8;"
                       "antibiotic_share=18%; essential_drugs=6; tcm_services=4; coop_insurance=1; integration=4;"
                       "reporting=1; training=1; facility=2; other_tasks=1; committee_rate=66.7%; superior_rate=80%;"
                       "resident_rate=85%; review=label:好评; accidents=count:1";
    kpi_scorecard *card = score_agent(plan, full);
    check_card(card, "90", KPI_OUTCOME_PASS);
    assert_true(points_of(card, "satisfaction") == D("10"));
    assert_true(points_of(card, "public_health") == D("60"));
    assert_true(points_of(card, "accidents") == D("-10"));
    kpi_scorecard_free(card);
    /* B: tcm rate 39 % (< 40 %) -> 0; records 4.5; chronic 6; mental not reported (N/A counts 0):
     * 公共卫生 60 - 4 - 0.5 - 2 - 3 = 50.5. Antibiotics exactly 20 % (at most 20 %) -> 2; service 7.5:
     * 基本医疗 19.5. Reporting 0: 综合管理 9. Residents exactly 80 % -> 4, but 差评 -10:
     * 3 + 3 + 4 - 10 = 0 (floor 0). One refusal -2. 50.5 + 19.5 + 9 + 0 - 2 = 77 */
    card = score_agent(plan, "ph_targets=7; records=4.5; education=3; immunisation=4; infectious=4; tcm_rate=39%;"
                             "tcm_forms=1; children=7; maternal=5; elderly=7; chronic=6; supervision=2;"
                             "service_quality=7.5; antibiotic_share=20%; essential_drugs=6; tcm_services=4;"
                             "coop_insurance=1; integration=4; reporting=0; training=1; facility=2; other_tasks=1;"
                             "committee_rate=60%; superior_rate=60%; resident_rate=80%; review=label:差评;"
                             "refusals=count:1");
    check_card(card, "77", KPI_OUTCOME_PASS);
    assert_true(points_of(card, "public_health") == D("50.5"));
    assert_true(points_of(card, "satisfaction") == D("0"));
    kpi_scorecard_free(card);
    /* the plan's known finding: 满意度's items add up to 15, with the line and column of the category */
    kpi_lint *lint;
    OK(kpi_lint_new(&lint));
    OK(kpi_plan_lint(plan, lint));
    assert_int_equal(kpi_lint_count(lint), 1);
    assert_string_equal(kpi_lint_code(lint, 0), "category-total");
    assert_string_equal(kpi_lint_path(lint, 0), "rubric.categories[3]");
    assert_int_equal(kpi_lint_line(lint, 0), 45);
    assert_int_equal(kpi_lint_column(lint, 0), 7);
    kpi_lint_free(lint);
    kpi_plan_free(plan);
}

static void test_call_centre(void **state)
{
    (void)state;
    kpi_plan *plan = load_example("call-centre.json");
    check_lint_clean(plan, 0);
    /* A: SL 85 % -> 20; ASA 18 s -> 15; abandon 3 % (at most 3 %) -> 15; AHT 420 s -> 10; FCR 90 % -> 15 (cap);
     * occupancy 92 % -> 10; QA mean (90+85+95+88)/4 = 89.5 -> 15 x 0.895 = 13.425 -> 13.43. 98.43 */
    kpi_scorecard *card = score_agent(plan, "service_level=85%; asa=18; abandon_rate=3%; aht=420; fcr=90%;"
                                            "occupancy=92%; qa_samples=list:90,85,95,88");
    check_card(card, "98.43", KPI_OUTCOME_PASS);
    assert_true(points_of(card, "qa") == D("13.43"));
    kpi_scorecard_free(card);
    /* B: SL exactly 80 % -> 20; ASA 40 s -> 15 x 20/40 = 7.5; abandon 5 % -> 8; AHT 660 s (within 690) -> 5;
     * FCR 68 % -> 15 x 0.68/0.85 = 12; occupancy 90 % -> 10; QA mean 80 -> 12. 74.5 */
    card = score_agent(plan, "service_level=ratio:160/200; asa=40; abandon_rate=5%; aht=660; fcr=68%; occupancy=90%;"
                             "qa_samples=list:70,80,75,85,90");
    check_card(card, "74.5", KPI_OUTCOME_PASS);
    kpi_scorecard_free(card);
    /* C: QA mean 52.5 -> 7.875 -> 7.88, below the critical 9: outcome fail, score kept ("critical": "keep").
     * 10 + 15 + 15 + 0 (AHT 150 s < 153) + 15 + 5 + 7.88 = 67.88 */
    card = score_agent(plan, "service_level=75%; asa=20; abandon_rate=2%; aht=150; fcr=85%; occupancy=85%;"
                             "qa_samples=list:50,55,60,45");
    check_card(card, "67.88", KPI_OUTCOME_FAIL);
    assert_string_equal(kpi_scorecard_reason(card), "critical item 监听分值 failed");
    kpi_scorecard_free(card);
    /* D: no calls offered: service level and abandon rate are 0/0, N/A and excluded. 15 + 10 + 15 + 10 + 12 = 62
     * of 65 points scored; 62 x 100 / 65 = 95.384615385 -> 95.38 */
    card = score_agent(plan, "service_level=ratio:0/0; asa=20; abandon_rate=ratio:0/0; aht=300; fcr=85%;"
                             "occupancy=90%; qa_samples=list:80");
    check_card(card, "95.38", KPI_OUTCOME_PASS);
    kpi_scorecard_free(card);
    kpi_plan_free(plan);
}

/* ---- the catalogue of bad plans ------------------------------------------------------------- */

static kpi_status status_named(const char *name)
{
    static const struct {
        const char *name;
        kpi_status st;
    } names[] = {{"EINVAL", KPI_EINVAL},       {"EPARSE", KPI_EPARSE},         {"EPLAN", KPI_EPLAN},
                 {"ERANGE", KPI_ERANGE},       {"ENOTFOUND", KPI_ENOTFOUND},   {"EVERSION", KPI_EVERSION},
                 {"EDUPLICATE", KPI_EDUPLICATE}, {"ELIMIT", KPI_ELIMIT},       {"EIO", KPI_EIO}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].st;
    fail_msg("unknown status name %s", name);
    return KPI_OK;
}

static void test_bad_plans(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/tests/bad/plans/expected.tsv", KPI_SOURCE_ROOT);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char row[1024];
    int cases = 0;
    while (fgets(row, sizeof row, f)) {
        if (row[0] == '#' || row[0] == '\n')
            continue;
        row[strcspn(row, "\n")] = '\0';
        char *field[6];
        char *p = row;
        for (int i = 0; i < 6; i++) {
            field[i] = p;
            p = strchr(p, '\t');
            if (i < 5) {
                if (!p)
                    fail_msg("expected.tsv: row '%s' has fewer than 6 fields", row);
                *p++ = '\0';
            }
        }
        char file[512];
        snprintf(file, sizeof file, "%s/tests/bad/plans/%s", KPI_SOURCE_ROOT, field[0]);
        kpi_plan *plan = (kpi_plan *)1;
        kpi_status st = kpi_plan_load_file(&plan, file, NULL);
        const kpi_error *e = kpi_error_last();
        const char *want_path = strcmp(field[4], "-") == 0 ? "" : field[4];
        if (st != status_named(field[1]) || kpi_error_line(e) != atol(field[2]) ||
            kpi_error_column(e) != atol(field[3]) || strcmp(kpi_error_path(e), want_path) != 0 ||
            !strstr(kpi_error_message(e), field[5]))
            fail_msg("%s: expected %s %s:%s %s '%s'\n  got %s %s", field[0], field[1], field[2], field[3], field[4],
                     field[5], kpi_status_str(st), kpi_error_text(e));
        assert_string_equal(kpi_error_source(e), file);
        /* the one-line form editors understand: file:line:column: path: message */
        char prefix[700];
        snprintf(prefix, sizeof prefix, "%s:%s:%s: %s%s", file, field[2], field[3], want_path, *want_path ? ": " : "");
        assert_true(strncmp(kpi_error_text(e), prefix, strlen(prefix)) == 0);
        assert_true(plan == (kpi_plan *)1);
        cases++;
    }
    fclose(f);
    assert_true(cases >= 30);
}

/* ---- loading ------------------------------------------------------------------------------------ */

static const char small_plan[] =
    "\xEF\xBB\xBF{\n"
    "  \"kpiscore\": 1,\n"
    "  \"name\": \"小方案\",\n"
    "  \"note\": \"说明\",\n"
    "  \"inputs\": {\"x\": {\"kind\": \"number\", \"label\": \"分数\"}, \"unused\": {\"kind\": \"count\"}},\n"
    "  \"rubric\": {\n"
    "    \"total\": 100,\n"
    "    \"items\": [\n"
    "      {\"id\": \"tiers\", \"points\": 100, \"rule\": \"bands\", \"input\": \"x\", \"bands\": [\n"
    "        {\"from\": 90, \"to\": 100, \"points\": 100},\n"
    "        {\"from\": 80, \"to\": 90, \"points\": 80},\n"
    "        {\"at_least\": 60, \"below\": 70, \"points\": 60}]}\n"
    "    ]\n"
    "  }\n"
    "}\n";

static void test_load_buffer_and_lint_positions(void **state)
{
    (void)state;
    kpi_plan *plan;
    OK(kpi_plan_load_buffer(&plan, small_plan, sizeof small_plan - 1, "crm:plan/7", NULL));
    assert_string_equal(kpi_plan_name(plan), "小方案");
    assert_string_equal(kpi_plan_note(plan), "说明");
    assert_string_equal(kpi_plan_period(plan), "");
    kpi_round mode;
    int places;
    OK(kpi_plan_rounding(plan, &mode, &places));
    assert_int_equal(mode, KPI_ROUND_HALF_UP);
    assert_int_equal(places, 2);
    kpi_lint *lint;
    OK(kpi_lint_new(&lint));
    OK(kpi_plan_lint(plan, lint));
    /* 90 is shared by the from/to bands without an owner; 70..80 is covered by no band; "unused" is read by nobody */
    assert_int_equal(kpi_lint_count(lint), 3);
    assert_string_equal(kpi_lint_code(lint, 0), "band-gap");
    assert_string_equal(kpi_lint_path(lint, 0), "rubric.items[0].bands[1]");
    assert_int_equal(kpi_lint_line(lint, 0), 11);
    assert_int_equal(kpi_lint_column(lint, 0), 9);
    assert_string_equal(kpi_lint_code(lint, 1), "band-shared-end");
    assert_string_equal(kpi_lint_path(lint, 1), "rubric.items[0].bands[0]");
    assert_int_equal(kpi_lint_line(lint, 1), 10);
    assert_non_null(strstr(kpi_lint_message(lint, 1), "90 ends band 2 and starts band 1, and no band owns it"));
    assert_string_equal(kpi_lint_code(lint, 2), "unused-input");
    assert_string_equal(kpi_lint_path(lint, 2), "inputs.unused");
    assert_int_equal(kpi_lint_line(lint, 2), 5);
    assert_int_equal(kpi_lint_column(lint, 2), 64); /* the value after "unused": */
    kpi_lint_free(lint);
    /* 90 goes to the band listed first, as lint says */
    kpi_scorecard *card;
    kpi_inputs *in = inputs_from("x=90");
    OK(kpi_rubric_score(&card, kpi_plan_rubric(plan), in));
    assert_true(kpi_scorecard_total(card) == KPI_DEC_INT(100));
    kpi_scorecard_free(card);
    kpi_inputs_free(in);
    kpi_plan_free(plan);

    /* errors name the caller's source */
    const char *bad = "{\"kpiscore\": 1, \"name\": \"x\", \"period\": 5}";
    plan = NULL;
    assert_int_equal(kpi_plan_load_buffer(&plan, bad, strlen(bad), "crm:plan/8", NULL), KPI_EPLAN);
    assert_string_equal(kpi_error_text(kpi_error_last()), "crm:plan/8:1:40: period: expected a string, not a number");
    /* limits and arguments */
    kpi_plan_options opt = KPI_PLAN_OPTIONS_INIT;
    opt.max_bytes = 16;
    assert_int_equal(kpi_plan_load_buffer(&plan, small_plan, sizeof small_plan - 1, "big", &opt), KPI_ELIMIT);
    assert_string_equal(kpi_error_source(kpi_error_last()), "big");
    char path[512];
    snprintf(path, sizeof path, "%s/examples/plans/call-centre.json", KPI_SOURCE_ROOT);
    assert_int_equal(kpi_plan_load_file(&plan, path, &opt), KPI_ELIMIT);
    assert_int_equal(kpi_plan_load_file(&plan, "/nonexistent/plan.json", NULL), KPI_EIO);
    assert_string_equal(kpi_error_source(kpi_error_last()), "/nonexistent/plan.json");
    opt.size = 0;
    assert_int_equal(kpi_plan_load_buffer(&plan, "{}", 2, "x", &opt), KPI_EINVAL);
    assert_int_equal(kpi_plan_load_buffer(NULL, "{}", 2, "x", NULL), KPI_EINVAL);
    assert_int_equal(kpi_plan_load_file(&plan, NULL, NULL), KPI_EINVAL);
    assert_int_equal(kpi_plan_load_buffer(&plan, "", 0, "empty", NULL), KPI_EPARSE);
    assert_null(plan);
    /* a plan without a rubric has none to give, and nothing to lint */
    const char *bare = "{\"kpiscore\": 1, \"name\": \"只有名字\", \"period\": \"quarter\"}";
    OK(kpi_plan_load_buffer(&plan, bare, strlen(bare), "bare", NULL));
    assert_null(kpi_plan_rubric(plan));
    assert_string_equal(kpi_plan_period(plan), "quarter");
    OK(kpi_lint_new(&lint));
    OK(kpi_plan_lint(plan, lint));
    assert_int_equal(kpi_lint_count(lint), 0);
    kpi_lint_free(lint);
    kpi_plan_free(plan);
    kpi_plan_free(NULL);
    assert_string_equal(kpi_plan_name(NULL), "");
}

/* ---- allocation failures ------------------------------------------------------------------------ */


/* Loads the seed 003 plan, lints it and scores one agent; the first failure. */
static kpi_status load_lint_score(const char *path)
{
    kpi_plan *plan = NULL;
    kpi_lint *lint = NULL;
    kpi_inputs *in = NULL;
    kpi_scorecard *card = NULL;
    kpi_status st = kpi_plan_load_file(&plan, path, NULL);
    if (st == KPI_OK)
        st = kpi_lint_new(&lint);
    if (st == KPI_OK)
        st = kpi_plan_lint(plan, lint);
    if (st == KPI_OK)
        st = kpi_inputs_new(&in);
    if (st == KPI_OK)
        st = kpi_inputs_set_label(in, "quality", "优");
    if (st == KPI_OK)
        st = kpi_inputs_set_count(in, "late", 1);
    if (st == KPI_OK)
        st = kpi_rubric_score(&card, kpi_plan_rubric(plan), in);
    kpi_scorecard_free(card);
    kpi_inputs_free(in);
    kpi_lint_free(lint);
    kpi_plan_free(plan);
    return st;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/examples/plans/seed003-after-sales.json", KPI_SOURCE_ROOT);
    OK(kpi_set_allocator(fail_malloc, fail_realloc, plain_free, NULL));
    long n;
    for (n = 0; n < 5000; n++) {
        alloc_countdown = n;
        kpi_status st = load_lint_score(path);
        if (st == KPI_OK)
            break;
        if (st != KPI_ENOMEM)
            fail_msg("allocation %ld: %s", n, kpi_error_text(kpi_error_last()));
    }
    alloc_countdown = -1;
    OK(kpi_set_allocator(NULL, NULL, NULL, NULL));
    assert_true(n > 50 && n < 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed001_plan_a),
        cmocka_unit_test(test_seed001_plan_b),
        cmocka_unit_test(test_seed003_after_sales),
        cmocka_unit_test(test_village_doctor),
        cmocka_unit_test(test_call_centre),
        cmocka_unit_test(test_bad_plans),
        cmocka_unit_test(test_load_buffer_and_lint_positions),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
