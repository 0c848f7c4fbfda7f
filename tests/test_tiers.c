/* test_tiers.c - tier tables (boundaries, lint of the seed tables), forced
 * distributions with ties at the cut, multi-period rules, streaks, groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tiers_internal.h"

#define D(x) ((kpi_dec)((x) * 1000000000.0 + ((x) < 0 ? -0.5 : 0.5))) /* test literals only */

static kpi_tier_band band(const char *label, double from, kpi_tier_end fe, double to, kpi_tier_end te)
{
    kpi_tier_band b = KPI_TIER_BAND_INIT;
    b.label = label;
    b.from = D(from);
    b.from_end = fe;
    b.to = D(to);
    b.to_end = te;
    return b;
}

/* 30 % x 76 + 70 % x 96, computed exactly: 90 */
static kpi_dec ninety(void)
{
    kpi_dec a, b, s;
    assert_int_equal(kpi_dec_mul(D(0.3), D(76), KPI_ROUND_HALF_UP, &a), KPI_OK);
    assert_int_equal(kpi_dec_mul(D(0.7), D(96), KPI_ROUND_HALF_UP, &b), KPI_OK);
    assert_int_equal(kpi_dec_add(a, b, &s), KPI_OK);
    return s;
}

static size_t find_code(const kpi_lint *lint, const char *code, const char *fragment)
{
    for (size_t i = 0; i < kpi_lint_count(lint); i++)
        if (strcmp(kpi_lint_code(lint, i), code) == 0 && strstr(kpi_lint_message(lint, i), fragment))
            return i + 1;
    for (size_t i = 0; i < kpi_lint_count(lint); i++)
        print_message("  %s: %s\n", kpi_lint_code(lint, i), kpi_lint_message(lint, i));
    fail_msg("no %s finding with '%s'", code, fragment);
    return 0;
}

static void test_boundaries_exact(void **state)
{
    (void)state;
    /* seed 001 plan A with the owner stated: [90, 100] 高级, [80, 90) 中级, [70, 80) 初级 */
    kpi_tier_band bands[3] = {band("初级", 70, KPI_END_CLOSED, 80, KPI_END_OPEN),
                              band("中级", 80, KPI_END_CLOSED, 90, KPI_END_OPEN),
                              band("高级", 90, KPI_END_CLOSED, 100, KPI_END_CLOSED)};
    kpi_tier_table *t;
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, bands, 3), KPI_OK);
    size_t tier = 99;
    assert_int_equal(kpi_tier_table_classify(t, ninety(), &tier), KPI_OK);
    assert_int_equal(tier, 2); /* 高级, never 中级 */
    assert_int_equal(kpi_tier_table_classify(t, ninety() - 1, &tier), KPI_OK);
    assert_int_equal(tier, 1);
    assert_int_equal(kpi_tier_table_classify(t, D(80), &tier), KPI_OK);
    assert_int_equal(tier, 1);
    assert_int_equal(kpi_tier_table_classify(t, D(100), &tier), KPI_OK);
    assert_int_equal(tier, 2);
    tier = 99;
    assert_int_equal(kpi_tier_table_classify(t, D(69.999999999), &tier), KPI_ENOTFOUND);
    assert_int_equal(tier, 99);
    assert_string_equal(kpi_tier_table_label(t, 2), "高级");
    assert_int_equal(kpi_tier_table_count(t), 3);
    kpi_tier_table_free(t);
    /* the other owner: (80, 90] */
    bands[1] = band("中级", 80, KPI_END_OPEN, 90, KPI_END_CLOSED);
    bands[2] = band("高级", 90, KPI_END_OPEN, 100, KPI_END_CLOSED);
    bands[0] = band("初级", 70, KPI_END_CLOSED, 80, KPI_END_CLOSED);
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, bands, 3), KPI_OK);
    assert_int_equal(kpi_tier_table_classify(t, ninety(), &tier), KPI_OK);
    assert_int_equal(tier, 1);
    kpi_tier_table_free(t);
}

static void test_lint_seed_tables(void **state)
{
    (void)state;
    /* seed 001 plan A as written: 70–80, 80–90, 90–100, owners unstated */
    kpi_tier_band a[3] = {band("初级", 70, KPI_END_UNSTATED, 80, KPI_END_UNSTATED),
                          band("中级", 80, KPI_END_UNSTATED, 90, KPI_END_UNSTATED),
                          band("高级", 90, KPI_END_UNSTATED, 100, KPI_END_UNSTATED)};
    kpi_lint *lint;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_tier_bands_lint(lint, KPI_TIER_BY_SCORE, a, 3), KPI_OK);
    size_t i80 = find_code(lint, "tier-end-unowned", "80 is an end of both '初级' and '中级'");
    find_code(lint, "tier-end-unowned", "90 is an end of both '中级' and '高级'");
    assert_int_equal(kpi_lint_severity(lint, i80 - 1), KPI_LINT_WARNING);
    assert_string_equal(kpi_lint_path(lint, i80 - 1), "bands[1]");
    find_code(lint, "tier-uncovered", "below 70");
    assert_int_equal(kpi_lint_count_at_least(lint, KPI_LINT_WARNING), 2);
    kpi_lint_free(lint);
    /* such a table still builds; exactly 90 gets no tier and says why */
    kpi_tier_table *t;
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, a, 3), KPI_OK);
    size_t tier;
    assert_int_equal(kpi_tier_table_classify(t, ninety(), &tier), KPI_EPLAN);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "score 90 is a shared end point"));
    assert_int_equal(kpi_tier_table_classify(t, D(100), &tier), KPI_OK); /* unshared: owned */
    assert_int_equal(tier, 2);
    kpi_tier_table_free(t);

    /* seed 001 plan B as written: 卓越 95–100, 良好 75–84, 一般 65–74 (rows left out) */
    kpi_tier_band b[3] = {band("卓越", 95, KPI_END_UNSTATED, 100, KPI_END_UNSTATED),
                          band("良好", 75, KPI_END_UNSTATED, 84, KPI_END_UNSTATED),
                          band("一般", 65, KPI_END_UNSTATED, 74, KPI_END_UNSTATED)};
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_tier_bands_lint(lint, KPI_TIER_BY_SCORE, b, 3), KPI_OK);
    size_t g = find_code(lint, "tier-gap", "scores in (84, 95) have no tier: nothing between '良好' and '卓越'");
    assert_string_equal(kpi_lint_path(lint, g - 1), "bands[0]");
    find_code(lint, "tier-gap", "(74, 75)");
    kpi_lint_free(lint);

    /* overlap and two owners */
    kpi_tier_band c[3] = {band("A", 70, KPI_END_CLOSED, 85, KPI_END_CLOSED),
                          band("B", 80, KPI_END_CLOSED, 90, KPI_END_CLOSED),
                          band("C", 90, KPI_END_CLOSED, 100, KPI_END_CLOSED)};
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_tier_bands_lint(lint, KPI_TIER_BY_SCORE, c, 3), KPI_OK);
    find_code(lint, "tier-overlap", "'A' and 'B' overlap");
    find_code(lint, "tier-end-two-owners", "90 is owned by both 'B' and 'C'");
    kpi_lint_free(lint);
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, c, 3), KPI_EPLAN);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "overlap"));
    assert_string_equal(kpi_error_path(kpi_error_last()), "bands[1]");
    c[0].to = D(80);
    c[0].to_end = KPI_END_OPEN;
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, c, 3), KPI_EPLAN);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "90 is owned by two bands"));
    /* both sides open: the point itself is a gap */
    c[1].to_end = KPI_END_OPEN;
    c[2].from_end = KPI_END_OPEN;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_tier_bands_lint(lint, KPI_TIER_BY_SCORE, c, 3), KPI_OK);
    find_code(lint, "tier-gap", "90 belongs to no band");
    kpi_lint_free(lint);
    /* percentile tables are checked over [0, 1] */
    kpi_tier_band p[2] = {band("top", 0, KPI_END_CLOSED, 0.1, KPI_END_CLOSED),
                          band("rest", 0.2, KPI_END_OPEN, 0.9, KPI_END_CLOSED)};
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_tier_bands_lint(lint, KPI_TIER_BY_PERCENTILE, p, 2), KPI_OK);
    find_code(lint, "tier-gap", "(0.1, 0.2]");
    find_code(lint, "tier-gap", "(0.9, 1]");
    kpi_lint_free(lint);
}

static void test_table_apply_groups_and_reasons(void **state)
{
    (void)state;
    kpi_tier_band bands[2] = {band("中级", 80, KPI_END_CLOSED, 90, KPI_END_OPEN),
                              band("高级", 90, KPI_END_CLOSED, 0, KPI_END_UNBOUNDED)};
    kpi_tier_table *t;
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, bands, 2), KPI_OK);
    kpi_dec s[5] = {ninety(), D(85), D(70), D(95), D(90)};
    uint32_t team[5] = {1, 1, 1, 2, 2};
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.group = team;
    kpi_tiering *res;
    assert_int_equal(kpi_tier_table_apply(&res, t, s, 5, &o), KPI_OK);
    assert_int_equal(kpi_tiering_count(res), 5);
    kpi_tier_row row = KPI_TIER_ROW_INIT;
    assert_int_equal(kpi_tiering_row(res, 0, &row), KPI_OK);
    assert_int_equal(row.tier, 1);
    assert_int_equal(row.reason, KPI_REASON_BAND);
    assert_string_equal(row.label, "高级");
    assert_true(row.rank == D(1) && row.group_count == 3 && row.group == 1);
    char text[256];
    size_t len = kpi_tiering_explain(res, 0, text, sizeof text);
    assert_true(len == strlen(text));
    assert_string_equal(text, "score 90 ranks 1 of 3; score 90 is in band '高级' [90, +inf)");
    assert_int_equal(kpi_tiering_row(res, 2, &row), KPI_OK);
    assert_int_equal(row.tier, KPI_TIER_NONE);
    assert_int_equal(row.reason, KPI_REASON_GAP);
    assert_int_equal(kpi_tiering_row(res, 4, &row), KPI_OK);
    assert_true(row.rank == D(2) && row.group_count == 2 && row.tier == 1);
    assert_int_equal(kpi_tiering_row(res, 5, &row), KPI_ERANGE);
    assert_int_equal(kpi_tiering_explain(res, 5, text, sizeof text), 0);
    /* a short buffer still gets the full length back, like snprintf */
    char tiny[8];
    assert_int_equal(kpi_tiering_explain(res, 0, tiny, sizeof tiny), len);
    assert_int_equal(strlen(tiny), 7);
    kpi_tiering_free(res);
    kpi_tier_table_free(t);

    /* "met target and ranked first": a rank table gated by eligibility */
    kpi_tier_band first = band("第一名", 1, KPI_END_CLOSED, 1, KPI_END_CLOSED);
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_RANK, &first, 1), KPI_OK);
    kpi_dec sc[3] = {D(99), D(95), D(80)};
    uint8_t met[3] = {0, 1, 1};
    o = (kpi_rank_options)KPI_RANK_OPTIONS_INIT;
    o.eligible = met;
    o.eligibility = KPI_ELIGIBLE_GATE;
    assert_int_equal(kpi_tier_table_apply(&res, t, sc, 3, &o), KPI_OK);
    assert_int_equal(kpi_tiering_row(res, 0, &row), KPI_OK);
    assert_true(row.rank == D(1) && row.tier == KPI_TIER_NONE && row.reason == KPI_REASON_NOT_ELIGIBLE);
    assert_int_equal(kpi_tiering_row(res, 1, &row), KPI_OK);
    assert_true(row.rank == D(2) && row.tier == KPI_TIER_NONE && row.reason == KPI_REASON_GAP);
    kpi_tiering_free(res);
    o.eligibility = KPI_ELIGIBLE_RANK_AMONG; /* first among those who met target */
    assert_int_equal(kpi_tier_table_apply(&res, t, sc, 3, &o), KPI_OK);
    assert_int_equal(kpi_tiering_row(res, 1, &row), KPI_OK);
    assert_true(row.rank == D(1) && row.tier == 0);
    kpi_tiering_free(res);
    kpi_tier_table_free(t);

    /* by percentile: top 10 % of 10 agents (pandas min pct, high to low) */
    kpi_tier_band top = band("前10%", 0, KPI_END_CLOSED, 0.1, KPI_END_CLOSED);
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_PERCENTILE, &top, 1), KPI_OK);
    kpi_dec ten[10];
    for (int i = 0; i < 10; i++)
        ten[i] = D(50 + i);
    o = (kpi_rank_options)KPI_RANK_OPTIONS_INIT;
    assert_int_equal(kpi_tier_table_apply(&res, t, ten, 10, &o), KPI_OK);
    assert_int_equal(kpi_tiering_row(res, 9, &row), KPI_OK);
    assert_true(row.pct == D(0.1) && row.tier == 0);
    assert_int_equal(kpi_tiering_row(res, 8, &row), KPI_OK);
    assert_true(row.tier == KPI_TIER_NONE);
    kpi_tiering_free(res);
    kpi_tier_table_free(t);
}

/* 20 agents: one 99, three tied at 95, then 90, 89, ... */
static void awards_scores(kpi_dec s[20])
{
    s[0] = D(99);
    s[1] = s[2] = s[3] = D(95);
    for (int i = 4; i < 20; i++)
        s[i] = D(94 - i);
}

static kpi_tiering *run_forced(kpi_tie_policy ties, const kpi_dec *key)
{
    /* seed 001 awards: 最佳客服 at most 5 %, 优秀客服 at most 10 % (of 20: 1 and 2) */
    kpi_quota q[2] = {KPI_QUOTA_INIT, KPI_QUOTA_INIT};
    q[0].label = "最佳客服";
    q[0].share = D(0.05);
    q[1].label = "优秀客服";
    q[1].share = D(0.10);
    kpi_forced_options fo = KPI_FORCED_OPTIONS_INIT;
    fo.ties = ties;
    kpi_forced *f;
    assert_int_equal(kpi_forced_new(&f, q, 2, &fo), KPI_OK);
    kpi_dec s[20];
    awards_scores(s);
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.key = key;
    kpi_tiering *res;
    assert_int_equal(kpi_forced_apply(&res, f, s, 20, &o), KPI_OK);
    kpi_forced_free(f);
    return res;
}

static kpi_tier_row get(const kpi_tiering *res, size_t i)
{
    kpi_tier_row row = KPI_TIER_ROW_INIT;
    assert_int_equal(kpi_tiering_row(res, i, &row), KPI_OK);
    return row;
}

static void test_forced_ties_at_the_cut(void **state)
{
    (void)state;
    /* exclude: 最佳 takes 99 (quota 1); 优秀's quota 2 cuts the three 95s: none enter */
    kpi_tiering *res = run_forced(KPI_TIE_EXCLUDE, NULL);
    assert_true(get(res, 0).tier == 0 && get(res, 0).reason == KPI_REASON_QUOTA);
    assert_true(get(res, 0).quota == 1 && get(res, 0).taken == 1);
    for (int i = 1; i <= 3; i++) {
        kpi_tier_row r = get(res, (size_t)i);
        assert_true(r.tier == KPI_TIER_NONE && r.reason == KPI_REASON_QUOTAS_FULL && r.tie_cut == 1);
    }
    char text[512];
    kpi_tiering_explain(res, 2, text, sizeof text);
    assert_non_null(strstr(text, "tied with 2"));
    assert_non_null(strstr(text, "tied across the cut of '优秀客服': all tied excluded from it"));
    kpi_tiering_explain(res, 0, text, sizeof text);
    assert_non_null(strstr(text, "'最佳客服' takes 1 for a quota of 1 (at most 5% of 20, floor)"));
    kpi_tiering_free(res);
    /* include: all three 95s enter 优秀 (3 for a quota of 2) */
    res = run_forced(KPI_TIE_INCLUDE, NULL);
    for (int i = 1; i <= 3; i++) {
        kpi_tier_row r = get(res, (size_t)i);
        assert_true(r.tier == 1 && r.taken == 3 && r.quota == 2 && r.tie_cut == 1);
    }
    assert_int_equal(get(res, 3).reason, KPI_REASON_TIE_INCLUDED);
    assert_int_equal(get(res, 1).reason, KPI_REASON_QUOTA);
    assert_int_equal(get(res, 4).tier, KPI_TIER_NONE);
    kpi_tiering_free(res);
    /* key: the two with the better key enter */
    kpi_dec key[20] = {0};
    key[1] = D(1);
    key[2] = D(3);
    key[3] = D(2);
    res = run_forced(KPI_TIE_KEY, key);
    assert_true(get(res, 2).tier == 1 && get(res, 2).reason == KPI_REASON_TIE_KEY);
    assert_true(get(res, 3).tier == 1 && get(res, 3).reason == KPI_REASON_TIE_KEY);
    assert_true(get(res, 1).tier == KPI_TIER_NONE && get(res, 1).tie_cut == 1);
    kpi_tiering_free(res);
    /* no key: the input index decides */
    res = run_forced(KPI_TIE_KEY, NULL);
    assert_true(get(res, 1).tier == 1 && get(res, 2).tier == 1 && get(res, 3).tier == KPI_TIER_NONE);
    kpi_tiering_free(res);
}

static void test_forced_exact_shares_and_eligibility(void **state)
{
    (void)state;
    /* 20 / 70 / 10 as 20 % exactly, 70 % exactly, the rest; 7 agents: floor 1, 4, rest 2 */
    kpi_quota q[3] = {KPI_QUOTA_INIT, KPI_QUOTA_INIT, KPI_QUOTA_INIT};
    q[0].label = "A";
    q[0].limit = KPI_QUOTA_EXACTLY;
    q[0].share = D(0.2);
    q[1].label = "B";
    q[1].limit = KPI_QUOTA_EXACTLY;
    q[1].share = D(0.7);
    q[2].label = "C";
    q[2].kind = KPI_QUOTA_REST;
    kpi_forced *f;
    assert_int_equal(kpi_forced_new(&f, q, 3, NULL), KPI_OK);
    kpi_dec s[8] = {D(10), D(20), D(30), D(40), D(50), D(60), D(70), D(5)};
    uint8_t assessed[8] = {1, 1, 1, 1, 1, 1, 1, 0};
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.eligible = assessed;
    kpi_tiering *res;
    assert_int_equal(kpi_forced_apply(&res, f, s, 8, &o), KPI_OK);
    const int want[8] = {2, 2, 1, 1, 1, 1, 0, KPI_TIER_NONE};
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(get(res, i).tier, want[i]);
    assert_int_equal(get(res, 7).reason, KPI_REASON_NOT_ELIGIBLE);
    assert_int_equal(get(res, 6).group_count, 7);
    kpi_tiering_free(res);
    kpi_forced_free(f);
    /* rounding is stated: half-up gives 20 % of 7 = 1.4 -> 1, 70 % -> 4.9 -> 5 */
    kpi_forced_options fo = KPI_FORCED_OPTIONS_INIT;
    fo.rounding = KPI_ROUND_HALF_UP;
    assert_int_equal(kpi_forced_new(&f, q, 3, &fo), KPI_OK);
    assert_int_equal(kpi_forced_apply(&res, f, s, 8, &o), KPI_OK);
    assert_int_equal(get(res, 1).tier, 1);
    assert_int_equal(get(res, 0).tier, 2);
    kpi_tiering_free(res);
    kpi_forced_free(f);
    /* plan errors */
    q[1].share = D(0.9);
    assert_int_equal(kpi_forced_new(&f, q, 3, NULL), KPI_EPLAN);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "add up to 110 %"));
    assert_string_equal(kpi_error_path(kpi_error_last()), "quotas[1]");
    q[1].share = D(0.7);
    q[2].kind = KPI_QUOTA_REST;
    q[0].kind = KPI_QUOTA_REST;
    assert_int_equal(kpi_forced_new(&f, q, 3, NULL), KPI_EPLAN);
    q[0].kind = KPI_QUOTA_COUNT;
    q[0].count = -1;
    assert_int_equal(kpi_forced_new(&f, q, 3, NULL), KPI_EPLAN);
}

static void test_forced_groups(void **state)
{
    (void)state;
    /* one best per centre of 4 (25 %) */
    kpi_quota q = KPI_QUOTA_INIT;
    q.label = "best";
    q.share = D(0.25);
    kpi_forced *f;
    assert_int_equal(kpi_forced_new(&f, &q, 1, NULL), KPI_OK);
    kpi_dec s[8] = {D(1), D(2), D(3), D(4), D(8), D(7), D(6), D(5)};
    uint32_t centre[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.group = centre;
    kpi_tiering *res;
    assert_int_equal(kpi_forced_apply(&res, f, s, 8, &o), KPI_OK);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(get(res, i).tier, (i == 3 || i == 4) ? 0 : KPI_TIER_NONE);
    kpi_tiering_free(res);
    o.group = NULL; /* overall: 2 of 8, both from centre 1 */
    assert_int_equal(kpi_forced_apply(&res, f, s, 8, &o), KPI_OK);
    assert_true(get(res, 4).tier == 0 && get(res, 5).tier == 0 && get(res, 3).tier == KPI_TIER_NONE);
    kpi_tiering_free(res);
    kpi_forced_free(f);
}

static void test_multi_period(void **state)
{
    (void)state;
    /* seed 001: 高级 only if both of the last two scores are >= 90: min of the last two */
    kpi_dec m[3 * 3] = {D(70), D(95), ninety(),  /* 90 and 95: 高级 */
                        D(99), D(89.5), D(99),   /* 89.5 spoils it */
                        D(60), D(91), D(92)};
    kpi_dec low[3];
    assert_int_equal(kpi_periods_reduce(low, m, 3, 3, 2, KPI_PERIODS_MIN, KPI_ROUND_HALF_UP), KPI_OK);
    assert_true(low[0] == D(90) && low[1] == D(89.5) && low[2] == D(91));
    kpi_tier_band senior = band("高级", 90, KPI_END_CLOSED, 0, KPI_END_UNBOUNDED);
    kpi_tier_table *t;
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, &senior, 1), KPI_OK);
    size_t tier;
    assert_int_equal(kpi_tier_table_classify(t, low[0], &tier), KPI_OK);
    assert_int_equal(kpi_tier_table_classify(t, low[1], &tier), KPI_ENOTFOUND);
    kpi_tier_table_free(t);
    kpi_dec r[3];
    assert_int_equal(kpi_periods_reduce(r, m, 3, 3, 3, KPI_PERIODS_MEAN, KPI_ROUND_HALF_UP), KPI_OK);
    assert_true(r[0] == D(85) && r[2] == D(81));
    assert_int_equal(kpi_periods_reduce(r, m, 3, 3, 2, KPI_PERIODS_MEAN, KPI_ROUND_HALF_UP), KPI_OK);
    assert_true(r[1] == D(94.25));
    assert_int_equal(kpi_periods_reduce(r, m, 3, 3, 1, KPI_PERIODS_LAST, KPI_ROUND_HALF_UP), KPI_OK);
    assert_true(r[1] == D(99));
    assert_int_equal(kpi_periods_reduce(r, m, 3, 3, 3, KPI_PERIODS_MAX, KPI_ROUND_HALF_UP), KPI_OK);
    assert_true(r[0] == D(95));
    assert_int_equal(kpi_periods_reduce(r, m, 3, 3, 4, KPI_PERIODS_MIN, KPI_ROUND_HALF_UP), KPI_EINVAL);
    kpi_dec big[2] = {INT64_MAX, 1};
    r[0] = 7;
    assert_int_equal(kpi_periods_reduce(r, big, 1, 2, 2, KPI_PERIODS_SUM, KPI_ROUND_HALF_UP), KPI_EOVERFLOW);
    assert_true(r[0] == 7);
    assert_int_equal(kpi_periods_reduce(r, big, 1, 2, 2, KPI_PERIODS_MEAN, KPI_ROUND_FLOOR), KPI_OK);
    assert_true(r[0] == INT64_MAX / 2 + 1);
}

static void test_streaks(void **state)
{
    (void)state;
    /* monthly ranks of 3 agents over 4 months; "ranked first" per month */
    kpi_dec months[4][3] = {{D(90), D(80), D(70)}, {D(91), D(95), D(70)},
                            {D(99), D(90), D(70)}, {D(99), D(98), D(70)}};
    uint8_t first[3 * 4], failed[3 * 4];
    for (size_t p = 0; p < 4; p++) {
        kpi_dec r[3];
        assert_int_equal(kpi_rank(r, NULL, NULL, months[p], 3, NULL), KPI_OK);
        for (size_t a = 0; a < 3; a++) {
            first[a * 4 + p] = r[a] == KPI_DEC_ONE;
            failed[a * 4 + p] = months[p][a] < D(75);
        }
    }
    int64_t run[3];
    uint8_t flag[3];
    /* agent 0: first in months 3 and 4 only (month 2 agent 1 was first) */
    assert_int_equal(kpi_streaks(run, flag, first, 3, 4, 3, KPI_STREAK_ONCE), KPI_OK);
    assert_true(run[0] == 2 && flag[0] == 0 && run[1] == 0);
    /* agent 2 failed 4 months running: ONCE fired at 3, not again at 4; WHILE fires */
    assert_int_equal(kpi_streaks(run, flag, failed, 3, 4, 3, KPI_STREAK_ONCE), KPI_OK);
    assert_true(run[2] == 4 && flag[2] == 0);
    assert_int_equal(kpi_streaks(NULL, flag, failed, 3, 4, 3, KPI_STREAK_WHILE), KPI_OK);
    assert_true(flag[2] == 1 && flag[0] == 0);
    assert_int_equal(kpi_streaks(NULL, flag, failed, 3, 4, 2, KPI_STREAK_EVERY), KPI_OK);
    assert_true(flag[2] == 1);
    assert_int_equal(kpi_streaks(run, flag, failed, 3, 4, 0, KPI_STREAK_ONCE), KPI_EINVAL);
    /* first three months, seen at month 3: fires once */
    uint8_t three[3] = {1, 1, 1};
    assert_int_equal(kpi_streaks(run, flag, three, 1, 3, 3, KPI_STREAK_ONCE), KPI_OK);
    assert_true(run[0] == 3 && flag[0] == 1);
}

/* ---- allocation failures ------------------------------------------------ */

static int alloc_count, alloc_fail_at;
static void *t_malloc(size_t size, void *u)
{
    (void)u;
    return ++alloc_count == alloc_fail_at ? NULL : malloc(size);
}
static void *t_realloc(void *p, size_t size, void *u)
{
    (void)u;
    return ++alloc_count == alloc_fail_at ? NULL : realloc(p, size);
}
static void t_free(void *p, void *u)
{
    (void)u;
    free(p);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    kpi_tier_band bands[2] = {band("a", 0, KPI_END_CLOSED, 50, KPI_END_OPEN),
                              band("b", 60, KPI_END_CLOSED, 100, KPI_END_CLOSED)};
    kpi_quota q[2] = {KPI_QUOTA_INIT, KPI_QUOTA_INIT};
    q[0].label = "x";
    q[0].share = D(0.5);
    q[1].label = "y";
    q[1].kind = KPI_QUOTA_REST;
    kpi_dec s[4] = {D(10), D(70), D(55), D(70)};
    assert_int_equal(kpi_set_allocator(t_malloc, t_realloc, t_free, NULL), KPI_OK);
    int failures = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 40; alloc_fail_at++) {
        kpi_tier_table *t = NULL;
        kpi_forced *f = NULL;
        kpi_tiering *res = NULL;
        kpi_lint *lint = NULL;
        alloc_count = 0;
        kpi_status st = kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, bands, 2);
        if (st == KPI_OK)
            st = kpi_forced_new(&f, q, 2, NULL);
        if (st == KPI_OK)
            st = kpi_tier_table_apply(&res, t, s, 4, NULL);
        if (st == KPI_OK) {
            kpi_tiering_free(res);
            res = NULL;
            st = kpi_forced_apply(&res, f, s, 4, NULL);
        }
        if (st == KPI_OK)
            st = kpi_lint_new(&lint);
        if (st == KPI_OK)
            st = kpi_tier_bands_lint(lint, KPI_TIER_BY_SCORE, bands, 2);
        if (st != KPI_OK) {
            assert_int_equal(st, KPI_ENOMEM);
            failures++;
        }
        kpi_tiering_free(res);
        kpi_forced_free(f);
        kpi_tier_table_free(t);
        kpi_lint_free(lint);
    }
    assert_int_equal(kpi_set_allocator(NULL, NULL, NULL, NULL), KPI_OK);
    assert_true(failures >= 15);
}

static void test_argument_errors(void **state)
{
    (void)state;
    kpi_tier_band b = band("a", 0, KPI_END_CLOSED, 1, KPI_END_CLOSED);
    kpi_tier_table *t = NULL;
    assert_int_equal(kpi_tier_table_new(NULL, KPI_TIER_BY_SCORE, &b, 1), KPI_EINVAL);
    assert_int_equal(kpi_tier_table_new(&t, 7, &b, 1), KPI_EINVAL);
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, &b, 0), KPI_EINVAL);
    b.size = 0;
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, &b, 1), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "KPI_TIER_BAND_INIT"));
    b = band("a", 5, KPI_END_CLOSED, 1, KPI_END_CLOSED);
    assert_int_equal(kpi_tier_table_new(&t, KPI_TIER_BY_SCORE, &b, 1), KPI_EPLAN);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "from 5 to 1 holds no value"));
    assert_null(t);
    kpi_tier_row row = {0};
    assert_int_equal(kpi_tiering_row(NULL, 0, &row), KPI_EINVAL);
    assert_string_equal(kpi_tier_reason_name(KPI_REASON_TIE_KEY), "tie-key");
    assert_null(kpi_tier_reason_name(42));
    kpi_tier_table_free(NULL);
    kpi_forced_free(NULL);
    kpi_tiering_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundaries_exact),
        cmocka_unit_test(test_lint_seed_tables),
        cmocka_unit_test(test_table_apply_groups_and_reasons),
        cmocka_unit_test(test_forced_ties_at_the_cut),
        cmocka_unit_test(test_forced_exact_shares_and_eligibility),
        cmocka_unit_test(test_forced_groups),
        cmocka_unit_test(test_multi_period),
        cmocka_unit_test(test_streaks),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_argument_errors),
    };
    return cmocka_run_group_tests_name("tiers", tests, NULL, NULL);
}
