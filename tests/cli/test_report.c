/*
 * test_report.c - the HTML report: escaping, input checks, and the chart
 * geometry (bins cover min..max, a score on a tier end is drawn on the
 * end's line, shares add up).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

#define D(text) dec(text)

static kpi_dec dec(const char *text)
{
    kpi_dec v = 0;
    assert_int_equal(kpi_dec_parse(text, KPI_NTS, &v), KPI_OK);
    return v;
}

/* Runs @fn into memory and returns the text (caller frees). */
static char *escaped(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    report_escape(f, s);
    fclose(f);
    return buf;
}

static void expect_escape(const char *in, const char *want)
{
    char *got = escaped(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_escape_markup(void **state)
{
    (void)state;
    expect_escape("<a href=\"x\">Tom & 'Jerry'</a>",
                  "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
    expect_escape("&amp;", "&amp;amp;"); /* already-escaped text is shown as typed */
    expect_escape("胡海涛 · 一组 ¥1,234.56", "胡海涛 · 一组 ¥1,234.56");
    expect_escape("a\tb\nc", "a\tb\nc");
    expect_escape("", "");
    expect_escape(NULL, "");
}

static void test_escape_bad_bytes(void **state)
{
    (void)state;
    expect_escape("a\x01z", "a\xEF\xBF\xBDz");            /* C0 control */
    expect_escape("a\x7Fz", "a\xEF\xBF\xBDz");            /* DEL */
    expect_escape("a\xC2\x85z", "a\xEF\xBF\xBDz");        /* C1 control U+0085 */
    expect_escape("\xC3\x28", "\xEF\xBF\xBD(");           /* truncated sequence */
    expect_escape("\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"); /* overlong '/' */
    expect_escape("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* surrogate */
    expect_escape("\xF4\x90\x80\x80x", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");
    expect_escape("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"); /* U+1F600 is fine */
    expect_escape("\xE4\xB8", "\xEF\xBF\xBD\xEF\xBF\xBD"); /* cut off at the end */
}

/* ---- a small month ------------------------------------------------------- */

enum { N = 8 };

typedef struct month {
    kpi_dec scores[N];
    int32_t tier_of[N];
    report_tier tiers[3];
    report_input in;
} month;

static const char *const labels[2] = {"工号", "得分"};
static const bool numeric[2] = {false, true};
static const char *const cells[2 * 2] = {"A001", "96.50", "B002", NULL};

/* Plan A's tiers, 90 owned by 高级; 90 exactly and one score below 70. */
static void month_init(month *m)
{
    static const char *const s[N] = {"96.5", "93", "90", "88.25", "84", "79.5", "76", "65"};
    static const int32_t t[N] = {2, 2, 2, 1, 1, 0, 0, KPI_TIER_NONE};
    memset(m, 0, sizeof *m);
    for (int i = 0; i < N; i++) {
        m->scores[i] = dec(s[i]);
        m->tier_of[i] = t[i];
    }
    m->tiers[0] = (report_tier){"初级", KPI_DEC_INT(70), KPI_END_CLOSED, KPI_DEC_INT(80), KPI_END_OPEN, 2};
    m->tiers[1] = (report_tier){"中级", KPI_DEC_INT(80), KPI_END_CLOSED, KPI_DEC_INT(90), KPI_END_OPEN, 2};
    m->tiers[2] = (report_tier){"高级", KPI_DEC_INT(90), KPI_END_CLOSED, KPI_DEC_INT(100), KPI_END_CLOSED, 3};
    m->in.title = "客服月度考核 · 2026-09";
    m->in.period = "2026-09";
    m->in.ranking = (report_table){2, labels, numeric, 2, cells};
    m->in.dist = (report_distribution){"得分", m->scores, N, m->tier_of, KPI_TIER_BY_SCORE,
                                       m->tiers, 3, 1};
}

static char *render(const report_input *in, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    *rc = report_write_html(f, in);
    fclose(f);
    return buf;
}

/* The value of attribute @attr in the first element after @marker. */
static char *attr_after(const char *doc, const char *marker, const char *attr)
{
    const char *p = strstr(doc, marker);
    if (!p)
        return NULL;
    char key[32];
    snprintf(key, sizeof key, " %s=\"", attr);
    const char *a = strstr(p, key);
    const char *end = strchr(p, '>');
    if (!a || (end && a > end))
        return NULL;
    a += strlen(key);
    return strndup(a, (size_t)(strchr(a, '"') - a));
}

static size_t occurrences(const char *doc, const char *what)
{
    size_t n = 0;
    for (const char *p = doc; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* ---- bins --------------------------------------------------------------- */

static void test_bins_cover_scores_and_ends(void **state)
{
    (void)state;
    month m;
    month_init(&m);
    m.scores[7] = dec("62.5");
    report_bins b;
    assert_true(report_bins_choose(&m.in.dist, 20, &b));
    /* Scores 62.5..96.5 and ends 70..100: width 1 would need 38 bins, 2 needs 19. */
    assert_true(b.width == KPI_DEC_INT(2));
    assert_true(b.lo == KPI_DEC_INT(62));
    assert_int_equal(b.nbins, 19);
    assert_true(b.hi == KPI_DEC_INT(100));
    for (int i = 0; i < N; i++) {
        size_t k = report_bin_index(&b, m.scores[i]);
        assert_true(k < b.nbins);
        kpi_dec e0 = b.lo + (kpi_dec)k * b.width;
        assert_true(e0 <= m.scores[i] && m.scores[i] < e0 + b.width);
    }
    assert_int_equal(report_bin_index(&b, KPI_DEC_INT(90)), 14); /* [90, 92), not [88, 90) */
    assert_int_equal(report_bin_index(&b, dec("89.999999999")), 13);
    assert_int_equal(report_bin_index(&b, KPI_DEC_INT(100)), 18); /* last bin is closed */
    assert_int_equal(report_bin_index(&b, dec("100.000000001")), 19); /* outside */
    assert_int_equal(report_bin_index(&b, dec("61.999999999")), 19);
}

static void test_bins_edge_cases(void **state)
{
    (void)state;
    report_bins b;
    kpi_dec neg[2] = {dec("-3.5"), KPI_DEC_INT(2)};
    report_distribution d = {NULL, neg, 2, NULL, KPI_TIER_BY_SCORE, NULL, 0, 0};
    assert_true(report_bins_choose(&d, 20, &b));
    assert_true(b.lo <= neg[0] && b.hi >= neg[1] && b.nbins <= 20 && b.lo % b.width == 0);
    assert_true(b.width == dec("0.5") && b.lo == dec("-3.5") && b.nbins == 11);

    kpi_dec same[2] = {KPI_DEC_INT(85), KPI_DEC_INT(85)};
    d.scores = same;
    assert_true(report_bins_choose(&d, 20, &b));
    assert_true(b.lo == KPI_DEC_INT(85) && b.hi == KPI_DEC_INT(86) && b.nbins == 1);
    assert_int_equal(report_bin_index(&b, KPI_DEC_INT(85)), 0);

    /* Percentile tiers are not on the score axis: their ends do not widen it. */
    report_tier pct = {"前 10%", dec("0.9"), KPI_END_CLOSED, 0, KPI_END_UNBOUNDED, 1};
    d.tiers = &pct;
    d.ntiers = 1;
    d.basis = KPI_TIER_BY_PERCENTILE;
    assert_true(report_bins_choose(&d, 20, &b));
    assert_true(b.lo == KPI_DEC_INT(85));

    kpi_dec wide[2] = {INT64_MIN + 1, INT64_MAX};
    d.scores = wide;
    assert_false(report_bins_choose(&d, 20, &b)); /* range overflows: no chart, no crash */

    d.nscores = 0;
    d.ntiers = 0;
    assert_false(report_bins_choose(&d, 20, &b));
}

/* ---- the charts in the document ------------------------------------------ */

static void test_score_on_boundary_is_on_the_line(void **state)
{
    (void)state;
    month m;
    month_init(&m);
    int rc;
    char *doc = render(&m.in, &rc);
    assert_int_equal(rc, REPORT_OK);

    char *line_x = attr_after(doc, "class=\"bound\" data-value=\"90\"", "x1");
    char *line_x2 = attr_after(doc, "class=\"bound\" data-value=\"90\"", "x2");
    char *dot_x = attr_after(doc, "class=\"dot\" data-value=\"90\"", "cx");
    assert_non_null(line_x);
    assert_non_null(dot_x);
    assert_string_equal(line_x, dot_x);
    assert_string_equal(line_x, line_x2); /* vertical */
    /* 64..100 over the plot 64..936: 90 is at 64 + 26/36 x 872 = 693.78. */
    assert_string_equal(line_x, "693.78");
    char *dot_965 = attr_after(doc, "class=\"dot\" data-value=\"96.5\"", "cx");
    assert_non_null(dot_965);
    assert_true(strcmp(dot_965, line_x) > 0); /* right of the line (same digit count) */

    /* Every end gets one line, labelled with its owner. */
    assert_int_equal(occurrences(doc, "<g class=\"boundary\">"), 4);
    assert_int_equal(occurrences(doc, "class=\"bound\" data-value=\"90\" x1=\"693.78\" x2=\"693.78\""), 2);
    assert_non_null(strstr(doc, ">90 归高级</text>"));
    assert_non_null(strstr(doc, ">70 归初级</text>"));
    assert_non_null(strstr(doc, ">100 归高级</text>"));
    /* The bin [90, 92) holds the 90 (coloured as 高级), [88, 90) only the 88.25. */
    assert_non_null(strstr(doc, "<title>[90, 92) 1 人</title>"));
    assert_non_null(strstr(doc, "<title>[88, 90) 1 人</title>"));
    assert_non_null(strstr(doc, "<title>[64, 66) 1 人</title>")); /* the 65, no tier */
    assert_int_equal(occurrences(doc, "class=\"dot\""), N);
    assert_int_equal(occurrences(doc, "class=\"bar\""), 8); /* eight distinct bins */
    free(line_x);
    free(line_x2);
    free(dot_x);
    free(dot_965);
    free(doc);
}

static void test_unowned_end_and_shares(void **state)
{
    (void)state;
    month m;
    month_init(&m);
    m.tiers[1].to_end = KPI_END_UNSTATED; /* "80–90" and "90–100" as the document writes them */
    m.tiers[2].from_end = KPI_END_UNSTATED;
    int rc;
    char *doc = render(&m.in, &rc);
    assert_int_equal(rc, REPORT_OK);
    assert_non_null(strstr(doc, ">90 归属未定</text>"));
    assert_non_null(strstr(doc, "端点归属未声明"));
    /* Shares: 3 of 8 is 37.5 %, 1 of 8 is 12.5 %, total 100.0 %. */
    assert_non_null(strstr(doc, "高级 3 人 · 37.5%"));
    assert_non_null(strstr(doc, "<td class=\"num\">1</td><td class=\"num\">12.5%</td>"));
    assert_non_null(strstr(doc, "<td class=\"num\">8</td><td class=\"num\">100.0%</td>"));
    assert_non_null(strstr(doc, "[70, 80)"));
    free(doc);
}

static void test_share_rounding(void **state)
{
    (void)state;
    month m;
    month_init(&m);
    m.in.dist.untiered = 0;
    m.tiers[0].count = 1; /* 1/3 = 33.33 %, 2/3 = 66.67 % */
    m.tiers[1].count = 2;
    m.tiers[2].count = 0;
    int rc;
    char *doc = render(&m.in, &rc);
    assert_int_equal(rc, REPORT_OK);
    assert_non_null(strstr(doc, "<td class=\"num\">1</td><td class=\"num\">33.3%</td>"));
    assert_non_null(strstr(doc, "<td class=\"num\">2</td><td class=\"num\">66.7%</td>"));
    assert_non_null(strstr(doc, "<td class=\"num\">0</td><td class=\"num\">0.0%</td>"));
    free(doc);
    m.tiers[0].count = 1; /* 1/16 = 6.25 % and 15/16 = 93.75 %: half up */
    m.tiers[1].count = 15;
    doc = render(&m.in, &rc);
    assert_non_null(strstr(doc, "<td class=\"num\">1</td><td class=\"num\">6.3%</td>"));
    assert_non_null(strstr(doc, "<td class=\"num\">15</td><td class=\"num\">93.8%</td>"));
    free(doc);
}

static void test_percentile_tiers_draw_no_lines(void **state)
{
    (void)state;
    month m;
    month_init(&m);
    m.in.dist.basis = KPI_TIER_BY_PERCENTILE;
    int rc;
    char *doc = render(&m.in, &rc);
    assert_int_equal(rc, REPORT_OK);
    assert_int_equal(occurrences(doc, "class=\"bound\""), 0);
    assert_non_null(strstr(doc, "分界不在得分轴上"));
    assert_non_null(strstr(doc, "37.5%"));
    free(doc);
}

static void test_many_agents(void **state)
{
    (void)state;
    enum { MANY = 10000 };
    kpi_dec *scores = malloc(MANY * sizeof *scores);
    assert_non_null(scores);
    uint32_t x = 12345; /* a fixed LCG: scores 50.00..99.99 */
    for (int i = 0; i < MANY; i++) {
        x = x * 1103515245u + 12345u;
        scores[i] = KPI_DEC_INT(50) + (kpi_dec)((x >> 8) % 5000) * (KPI_DEC_ONE / 100);
    }
    report_input in = {.title = "万人", .dist = {NULL, scores, MANY, NULL, KPI_TIER_BY_SCORE,
                                               NULL, 0, 0}};
    report_bins b;
    assert_true(report_bins_choose(&in.dist, 20, &b));
    assert_true(b.nbins <= 20 && b.width == KPI_DEC_INT(5) && b.lo == KPI_DEC_INT(50));
    int rc;
    char *doc = render(&in, &rc);
    assert_int_equal(rc, REPORT_OK);
    assert_int_equal(occurrences(doc, "class=\"dot\""), MANY);
    assert_int_equal(occurrences(doc, "class=\"bar\""), 10); /* 50..100 in fives */
    free(doc);
    free(scores);
}

/* ---- the whole document --------------------------------------------------- */

static void test_document_escapes_everything(void **state)
{
    (void)state;
    static const char evil[] = "<script>alert(\"x\")</script>&'";
    month m;
    month_init(&m);
    static const char *const evil_labels[2] = {evil, evil};
    static const char *const evil_cells[2] = {evil, evil};
    const char *explain[1] = {evil};
    report_pay_line pay = {evil, evil, evil, evil, evil};
    report_agent agent = {evil, evil, evil, explain, 1, &pay, 1, evil};
    report_note note = {evil, evil, evil};
    m.in.title = evil;
    m.in.period = evil;
    m.in.generated = evil;
    m.in.notes = &note;
    m.in.nnotes = 1;
    m.in.ranking = (report_table){2, evil_labels, NULL, 1, evil_cells};
    m.in.teams = (report_table){2, evil_labels, numeric, 1, evil_cells};
    m.in.agents = &agent;
    m.in.nagents = 1;
    m.in.dist.axis_label = evil;
    m.tiers[0].label = evil;
    int rc;
    char *doc = render(&m.in, &rc);
    assert_int_equal(rc, REPORT_OK);
    assert_null(strstr(doc, "<script"));
    assert_null(strstr(doc, "alert(\""));
    /* title x2, period x2, note x3, two tables x4 each, agent id, heading,
       summary, explain, 5 pay cells, total, axis x2, tier label x2 (chart,
       shares table) + 1 (boundary label for 70) + maybe the share bar, footer */
    assert_true(occurrences(doc, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;") >= 30);
    /* Self-contained: nothing fetched. */
    assert_null(strstr(doc, "http:"));
    assert_null(strstr(doc, "https:"));
    assert_null(strstr(doc, "src="));
    assert_null(strstr(doc, "url("));
    assert_null(strstr(doc, "@import"));
    assert_non_null(strstr(doc, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(doc, "<html lang=\"zh-CN\">"));
    assert_non_null(strstr(doc, "\"Noto Sans CJK SC\""));
    assert_non_null(strstr(doc, "@media print"));
    free(doc);
}

static void test_numbers_right_aligned(void **state)
{
    (void)state;
    month m;
    month_init(&m);
    int rc;
    char *doc = render(&m.in, &rc);
    assert_int_equal(rc, REPORT_OK);
    assert_non_null(strstr(doc, "<tr><td>A001</td><td class=\"num\">96.50</td></tr>"));
    assert_non_null(strstr(doc, "<tr><td>B002</td><td class=\"num\">—</td></tr>")); /* NULL cell */
    assert_non_null(strstr(doc, "<th>工号</th><th class=\"num\">得分</th>"));
    assert_non_null(strstr(doc, ".num{text-align:right"));
    free(doc);
}

static void expect_invalid(const report_input *in, const char *fragment)
{
    char msg[160];
    assert_false(report_check(in, msg, sizeof msg));
    if (!strstr(msg, fragment))
        fail_msg("message \"%s\" lacks \"%s\"", msg, fragment);
    int rc;
    char *doc = render(in, &rc);
    assert_int_equal(rc, REPORT_EINVAL);
    assert_string_equal(doc, ""); /* nothing written */
    free(doc);
}

static void test_invalid_input(void **state)
{
    (void)state;
    month m;
    month_init(&m);
    char msg[160];
    assert_true(report_check(&m.in, msg, sizeof msg));
    assert_string_equal(msg, "");

    m.in.ranking.cells = NULL;
    expect_invalid(&m.in, "ranking: 2 rows but cells is NULL");
    month_init(&m);
    m.in.teams.nrows = 3;
    expect_invalid(&m.in, "teams: 3 rows but no columns");
    month_init(&m);
    m.tier_of[4] = 3;
    expect_invalid(&m.in, "dist.tier_of[4]: not a tier index");
    month_init(&m);
    m.tier_of[4] = -2;
    expect_invalid(&m.in, "dist.tier_of[4]");
    month_init(&m);
    m.tiers[1].from = KPI_DEC_INT(95);
    expect_invalid(&m.in, "dist.tiers[1]: from is above to");
    month_init(&m);
    m.tiers[2].to_end = 7;
    expect_invalid(&m.in, "dist.tiers[2]: an end is not a KPI_END_* value");
    month_init(&m);
    m.in.dist.basis = 9;
    expect_invalid(&m.in, "dist: basis 9");
    month_init(&m);
    m.in.nagents = 2;
    expect_invalid(&m.in, "agents: 2 agents but the array is NULL");
    month_init(&m);
    report_agent a = {"A001", "A001", NULL, NULL, 3, NULL, 0, NULL};
    m.in.agents = &a;
    m.in.nagents = 1;
    expect_invalid(&m.in, "agents[0]: explanation lines are NULL");
    assert_false(report_check(NULL, msg, sizeof msg));
    assert_string_equal(msg, "input is NULL");
    assert_int_equal(report_write_html(NULL, &m.in), REPORT_EINVAL);
}

static void test_write_error(void **state)
{
    (void)state;
    month m;
    month_init(&m);
    FILE *ro = fopen("/dev/null", "r"); /* every write fails */
    assert_non_null(ro);
    assert_int_equal(report_write_html(ro, &m.in), REPORT_EIO);
    fclose(ro);
    assert_string_equal(report_strerror(REPORT_EIO), "write error");
}

static void test_empty_distribution(void **state)
{
    (void)state;
    report_input in = {.title = "空", .dist = {.ntiers = 0}};
    int rc;
    char *doc = render(&in, &rc);
    assert_int_equal(rc, REPORT_OK);
    assert_null(strstr(doc, "<svg"));
    assert_non_null(strstr(doc, "</html>"));
    free(doc);

    /* Tiers but no scores: the axis spans the tier ends; shares all zero. */
    month m;
    month_init(&m);
    m.in.dist.nscores = 0;
    m.in.dist.tier_of = NULL;
    m.tiers[0].count = m.tiers[1].count = m.tiers[2].count = 0;
    m.in.dist.untiered = 0;
    doc = render(&m.in, &rc);
    assert_int_equal(rc, REPORT_OK);
    assert_int_equal(occurrences(doc, "class=\"dot\""), 0);
    assert_non_null(strstr(doc, "没有人员"));
    assert_non_null(strstr(doc, "<td class=\"num\">0</td><td class=\"num\">—</td>"));
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_markup),
        cmocka_unit_test(test_escape_bad_bytes),
        cmocka_unit_test(test_bins_cover_scores_and_ends),
        cmocka_unit_test(test_bins_edge_cases),
        cmocka_unit_test(test_score_on_boundary_is_on_the_line),
        cmocka_unit_test(test_unowned_end_and_shares),
        cmocka_unit_test(test_share_rounding),
        cmocka_unit_test(test_percentile_tiers_draw_no_lines),
        cmocka_unit_test(test_many_agents),
        cmocka_unit_test(test_document_escapes_everything),
        cmocka_unit_test(test_numbers_right_aligned),
        cmocka_unit_test(test_invalid_input),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_empty_distribution),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
