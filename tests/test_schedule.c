/* test_schedule.c - bracket schedules: every mode, end ownership, the seed
 * 001 第9条 table as written and its lint, clawback, caps, month-to-date
 * increments, batches, overflow, invalid definitions, properties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pay_test_util.h"
#include "lint_internal.h"

static kpi_bracket_row row(int64_t from, int64_t to, kpi_bracket_ends ends, kpi_dec rate)
{
    kpi_bracket_row r = KPI_BRACKET_ROW_INIT;
    r.from = from;
    r.to = to;
    r.ends = ends;
    r.rate = rate;
    return r;
}

static kpi_bracket_row formula(int64_t from, int64_t to, kpi_bracket_ends ends, kpi_dec rate,
                               kpi_money base, int64_t anchor)
{
    kpi_bracket_row r = row(from, to, ends, rate);
    r.base = base;
    r.anchor = anchor;
    return r;
}

/* Seed 001 第9条 as written: below 15 000 -> 1.5 %; 15 000-20 000 ->
 * (sales - 15 000) x 2 % + 150; 20 001-25 000 -> (sales - 20 000) x 4 % +
 * 250; above 25 000 -> 2 %. The first and last rows are whole-amount rows,
 * i.e. formula rows with base 0 counting from 0. */
static void seed001(kpi_schedule_def *def, kpi_bracket_row rows[4], const char *first_rate)
{
    kpi_schedule_def d = KPI_SCHEDULE_DEF_INIT;
    d.mode = KPI_BRACKET_FORMULA;
    *def = d;
    rows[0] = formula(0, M("15000"), KPI_ENDS_LOWER, D(first_rate), 0, 0);
    rows[1] = formula(M("15000"), M("20000"), KPI_ENDS_BOTH, D("2%"), M("150"), KPI_ANCHOR_FROM);
    rows[2] = formula(M("20001"), M("25000"), KPI_ENDS_BOTH, D("4%"), M("250"), M("20000"));
    rows[3] = formula(M("25000"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_UPPER, D("2%"), 0, 0);
}

static kpi_schedule *build(const kpi_schedule_def *def, const kpi_bracket_row *rows, size_t n)
{
    kpi_schedule *s = NULL;
    if (kpi_schedule_new(&s, def, rows, n) != KPI_OK)
        fail_msg("kpi_schedule_new: %s", kpi_error_text(kpi_error_last()));
    return s;
}

static kpi_money pay(const kpi_schedule *s, kpi_money amount)
{
    kpi_money out = 0;
    if (kpi_schedule_eval(s, amount, &out, NULL) != KPI_OK)
        fail_msg("eval(%lld): %s", (long long)amount, kpi_error_text(kpi_error_last()));
    return out;
}

static void test_seed001_worked_values(void **state)
{
    (void)state;
    kpi_schedule_def def;
    kpi_bracket_row rows[4];
    seed001(&def, rows, "1.5%");
    kpi_schedule *s = build(&def, rows, 4);
    /* DOMAIN.md §4, worked values as written */
    assert_true(pay(s, M("12000")) == M("180.00"));
    assert_true(pay(s, M("18000")) == M("210.00"));
    assert_true(pay(s, M("22000")) == M("330.00"));
    assert_true(pay(s, M("30000")) == M("600.00"));
    /* the three problems, seen from evaluation */
    assert_true(pay(s, M("14999.99")) == M("225.00")); /* 224.99985 */
    assert_true(pay(s, M("15000")) == M("150.00"));
    assert_true(pay(s, M("20000")) == M("250.00"));
    assert_true(pay(s, M("20001")) == M("250.04"));
    assert_true(pay(s, M("25000")) == M("450.00"));    /* rows[2] owns 25 000 */
    assert_true(pay(s, M("25000.01")) == M("500.00")); /* 500.0002 */
    kpi_money out = 7;
    expect_error(kpi_schedule_eval(s, M("20000.50"), &out, NULL), KPI_ENOTFOUND,
                 "no row covers 20,000.50: rows[1] ends at 20,000.00 (included) and rows[2] "
                 "starts at 20,001.00 (included)", "");
    assert_true(out == 7);
    expect_error(kpi_schedule_eval(s, M("-1"), &out, NULL), KPI_ENOTFOUND,
                 "negative policy zero or clawback", NULL);
    /* the explanation of 22 000 */
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    assert_int_equal(kpi_schedule_eval(s, M("22000"), &out, &why), KPI_OK);
    assert_int_equal(why.rule, KPI_RULE_FORMULA);
    assert_int_equal(why.row, 2);
    assert_true(why.rate == D("4%") && why.base == M("250") && why.anchor == M("20000"));
    assert_true(why.value == M("330") && why.basis == M("22000"));
    char text[200];
    kpi_pay_why_format(&why, text, sizeof text);
    assert_string_equal(text, "250.00 + (22,000.00 - 20,000.00) x 4% (rows[2], formula, half_up)");
    kpi_schedule_free(s);
}

static size_t find(const kpi_lint *lint, const char *code, const char *fragment)
{
    for (size_t i = 0; i < kpi_lint_count(lint); i++)
        if (!strcmp(kpi_lint_code(lint, i), code) && strstr(kpi_lint_message(lint, i), fragment))
            return i;
    return (size_t)-1;
}

#define assert_finding(lint, code, fragment)                                              \
    do {                                                                                  \
        if (find(lint, code, fragment) == (size_t)-1) {                                   \
            for (size_t i_ = 0; i_ < kpi_lint_count(lint); i_++)                          \
                print_message("  %s %s: %s\n", kpi_lint_code(lint, i_),                   \
                              kpi_lint_path(lint, i_), kpi_lint_message(lint, i_));       \
            fail_msg("no %s finding with '%s'", code, fragment);                          \
        }                                                                                 \
    } while (0)

static void test_seed001_lint(void **state)
{
    (void)state;
    kpi_schedule_def def;
    kpi_bracket_row rows[4];
    seed001(&def, rows, "1.5%");
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_schedule_lint(lint, &def, rows, 4), KPI_OK);
    /* 1: the jump at 15 000, and the reading that removes it */
    assert_finding(lint, "bracket-jump", "jump at 15,000.00: 225.00 just below (rows[0]) vs 150.00 "
                   "at 15,000.00 (rows[1])");
    assert_finding(lint, "bracket-jump", "rows[0].rate 1% instead of 1.5% (then 150.00 on both sides)");
    assert_finding(lint, "bracket-jump", "rows[1].base 225.00 instead of 150.00");
    assert_finding(lint, "bracket-decrease", "pay falls from 225.00 to 150.00 at 15,000.00");
    size_t i = find(lint, "bracket-jump", "15,000.00");
    assert_string_equal(kpi_lint_path(lint, i), "rows[1].from");
    assert_int_equal(kpi_lint_severity(lint, i), KPI_LINT_WARNING);
    /* 2: the hole between 20 000 and 20 001 */
    assert_finding(lint, "bracket-gap", "bases in (20,000.00, 20,001.00) fall in no row");
    assert_string_equal(kpi_lint_path(lint, find(lint, "bracket-gap", "")), "rows[2].from");
    /* 3: the jump at 25 000 */
    assert_finding(lint, "bracket-jump", "jump at 25,000.00: 450.00 at 25,000.00 (rows[2]) vs "
                   "500.00 just above (rows[3])");
    assert_finding(lint, "bracket-jump", "rows[3].rate 1.8% instead of 2%");
    /* and a net refund is in no row */
    assert_finding(lint, "bracket-uncovered", "net refund");
    assert_int_equal(kpi_lint_count(lint), 5);
    kpi_lint_free(lint);

    /* The 1 % reading: the first jump is gone, the others stay. */
    seed001(&def, rows, "1%");
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_schedule_lint(lint, &def, rows, 4), KPI_OK);
    assert_true(find(lint, "bracket-jump", "15,000.00") == (size_t)-1);
    assert_true(find(lint, "bracket-decrease", "") == (size_t)-1);
    assert_finding(lint, "bracket-gap", "20,001.00");
    assert_finding(lint, "bracket-jump", "25,000.00");
    kpi_lint_free(lint);
}

static void test_marginal(void **state)
{
    (void)state;
    /* 超额累进: 0-10 000 at 1 %, 10 000-50 000 at 2 %, above at 3 % */
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    kpi_bracket_row rows[] = {row(0, M("10000"), KPI_ENDS_LOWER, D("1%")),
                              row(M("10000"), M("50000"), KPI_ENDS_LOWER, D("2%")),
                              row(M("50000"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, D("3%"))};
    kpi_schedule *s = build(&def, rows, 3);
    assert_true(pay(s, 0) == 0);
    assert_true(pay(s, M("5000")) == M("50"));
    assert_true(pay(s, M("10000")) == M("100"));
    assert_true(pay(s, M("60000")) == M("1200")); /* 100 + 800 + 300 */
    assert_true(pay(s, M("12345.67")) == M("146.91")); /* 100 + 46.9134 */
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    kpi_money out;
    assert_int_equal(kpi_schedule_eval(s, M("60000"), &out, &why), KPI_OK);
    assert_int_equal(why.rule, KPI_RULE_MARGINAL);
    assert_int_equal(why.row, 2);
    assert_true(why.base == M("900") && why.anchor == M("50000") && why.rate == D("3%"));
    /* a marginal table lints clean (continuous, monotone, open-ended) */
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    def.negative = KPI_NEGATIVE_CLAWBACK;
    assert_int_equal(kpi_schedule_lint(lint, &def, rows, 3), KPI_OK);
    assert_int_equal(kpi_lint_count(lint), 0);
    kpi_lint_free(lint);
    kpi_schedule_free(s);
}

static void test_whole_amount_and_ownership(void **state)
{
    (void)state;
    /* 阶梯提成 ("by sections"): the bracket reached pays the whole amount */
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    def.mode = KPI_BRACKET_WHOLE;
    kpi_bracket_row rows[] = {row(0, M("10000"), KPI_ENDS_LOWER, D("1%")),
                              row(M("10000"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, D("2%"))};
    kpi_schedule *s = build(&def, rows, 2);
    assert_true(pay(s, M("9999.99")) == M("100.00")); /* 99.9999 */
    assert_true(pay(s, M("10000")) == M("200.00"));    /* [10 000, ...) owns 10 000 */
    kpi_schedule_free(s);
    /* the same table with (from, to]: 10 000 belongs to the first row */
    rows[0].ends = KPI_ENDS_UPPER;
    rows[1].ends = KPI_ENDS_UPPER;
    s = build(&def, rows, 2);
    assert_true(pay(s, M("10000")) == M("100.00"));
    assert_true(pay(s, M("10000.01")) == M("200.00"));
    kpi_money out;
    expect_error(kpi_schedule_eval(s, 0, &out, NULL), KPI_ENOTFOUND,
                 "no row covers 0.00: the first row, rows[0], starts at 0.00 (excluded)", NULL);
    kpi_schedule_free(s);
    /* a one-value row owns both ends; neither end leaves the point uncovered */
    kpi_bracket_row pt[] = {row(0, M("100"), KPI_ENDS_NEITHER, D("1%")),
                            row(M("100"), M("100"), KPI_ENDS_BOTH, D("5%")),
                            row(M("100"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_NEITHER, D("2%"))};
    s = build(&def, pt, 3);
    assert_true(pay(s, M("100")) == M("5"));
    assert_true(pay(s, M("99.99")) == M("1.00"));
    assert_true(pay(s, M("100.01")) == M("2.00"));
    expect_error(kpi_schedule_eval(s, 0, &out, NULL), KPI_ENOTFOUND, "(excluded)", NULL);
    kpi_schedule_free(s);
    /* the lint of a whole-amount table reports the cliff with its fix */
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_schedule_lint(lint, &def, rows, 2), KPI_OK);
    assert_finding(lint, "bracket-jump", "jump at 10,000.00: 100.00 at 10,000.00 (rows[0]) vs "
                   "200.00 just above (rows[1]); it disappears with rows[0].rate 2% instead of 1%");
    kpi_lint_free(lint);
}

static void test_ratio_basis_step_bonus_and_attainment(void **state)
{
    (void)state;
    /* seed 001: growth >= 25 % -> 50, >= 50 % -> 100 */
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    def.mode = KPI_BRACKET_FIXED;
    def.basis = KPI_BASIS_RATIO;
    kpi_bracket_row rows[] = {row(KPI_UNBOUNDED_BELOW, D("25%"), KPI_ENDS_LOWER, 0),
                              row(D("25%"), D("50%"), KPI_ENDS_LOWER, 0),
                              row(D("50%"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, 0)};
    rows[1].base = M("50");
    rows[2].base = M("100");
    kpi_schedule *s = build(&def, rows, 3);
    kpi_money out;
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    assert_int_equal(kpi_schedule_eval_ratio(s, D("0.25"), 0, &out, &why), KPI_OK);
    assert_true(out == M("50"));
    assert_int_equal(why.rule, KPI_RULE_FIXED_ROW);
    assert_true(why.flags & KPI_WHY_RATIO_BASIS);
    assert_int_equal(kpi_schedule_eval_ratio(s, D("0.249999999"), 0, &out, NULL), KPI_OK);
    assert_true(out == 0);
    assert_int_equal(kpi_schedule_eval_ratio(s, D("0.5"), 0, &out, NULL), KPI_OK);
    assert_true(out == M("100"));
    assert_int_equal(kpi_schedule_eval_ratio(s, D("-0.1"), 0, &out, NULL), KPI_OK);
    assert_true(out == 0);
    expect_error(kpi_schedule_eval(s, 100, &out, NULL), KPI_EINVAL, "kpi_schedule_eval_ratio", NULL);
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_schedule_lint(lint, &def, rows, 3), KPI_OK);
    assert_finding(lint, "bracket-jump", "the pay steps from 50.00 (rows[1]) to 100.00 (rows[2]) "
                   "from the ratio 0.5");
    assert_int_equal(kpi_lint_count_at_least(lint, KPI_LINT_WARNING), 0); /* steps are the design */
    kpi_lint_free(lint);
    kpi_schedule_free(s);

    /* rate by attainment: below 100 % of target 3 % of sales, from 100 % 5 % */
    def.mode = KPI_BRACKET_WHOLE;
    kpi_bracket_row att[] = {row(0, D("1"), KPI_ENDS_LOWER, D("3%")),
                             row(D("1"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, D("5%"))};
    s = build(&def, att, 2);
    kpi_dec ratio;
    assert_int_equal(kpi_dec_from_ratio(M("20000"), M("20000"), KPI_ROUND_DOWN, &ratio), KPI_OK);
    assert_int_equal(kpi_schedule_eval_ratio(s, ratio, M("20000"), &out, &why), KPI_OK);
    assert_true(out == M("1000"));
    assert_true(why.amount == M("20000") && why.rate == D("5%"));
    assert_int_equal(kpi_schedule_eval_ratio(s, D("0.999999999"), M("19999.99"), &out, NULL), KPI_OK);
    assert_true(out == M("600.00")); /* 599.9997 */
    kpi_schedule_free(s);
}

static void test_negative_policies_cap_floor_places(void **state)
{
    (void)state;
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    kpi_bracket_row rows[] = {row(0, M("10000"), KPI_ENDS_LOWER, D("1%")),
                              row(M("10000"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, D("2%"))};
    kpi_money out;
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    /* clawback: refunds exceeding sales by 12 000 take back what 12 000 paid */
    def.negative = KPI_NEGATIVE_CLAWBACK;
    kpi_schedule *s = build(&def, rows, 2);
    assert_true(pay(s, M("12000")) == M("140"));
    assert_int_equal(kpi_schedule_eval(s, M("-12000"), &out, &why), KPI_OK);
    assert_true(out == M("-140"));
    assert_true(why.flags & KPI_WHY_CLAWBACK);
    assert_true(pay(s, -1) == -pay(s, 1));
    assert_true(pay(s, M("-0.50")) == -pay(s, M("0.50"))); /* half-up of 0.5 fen, mirrored */
    expect_error(kpi_schedule_eval(s, INT64_MIN, &out, NULL), KPI_EOVERFLOW, "clawback", NULL);
    kpi_schedule_free(s);
    /* zero: a net refund pays nothing */
    def.negative = KPI_NEGATIVE_ZERO;
    s = build(&def, rows, 2);
    assert_int_equal(kpi_schedule_eval(s, M("-12000"), &out, &why), KPI_OK);
    assert_true(out == 0 && (why.flags & KPI_WHY_NEGATIVE_ZERO) && why.row == -1);
    kpi_schedule_free(s);
    /* cap and floor clamp the final figure */
    def.negative = KPI_NEGATIVE_CLAWBACK;
    def.cap = M("500");
    def.floor = M("-300");
    s = build(&def, rows, 2);
    assert_int_equal(kpi_schedule_eval(s, M("40000"), &out, &why), KPI_OK);
    assert_true(out == M("500") && (why.flags & KPI_WHY_CAPPED));
    assert_int_equal(kpi_schedule_eval(s, M("-40000"), &out, &why), KPI_OK);
    assert_true(out == M("-300") && (why.flags & KPI_WHY_FLOORED));
    kpi_schedule_free(s);
    def = (kpi_schedule_def)KPI_SCHEDULE_DEF_INIT;
    def.floor = M("50"); /* guaranteed minimum */
    s = build(&def, rows, 2);
    assert_true(pay(s, M("100")) == M("50"));
    assert_true(pay(s, M("6000")) == M("60"));
    kpi_schedule_free(s);
    /* places: whole yuan, half-up, and down */
    def = (kpi_schedule_def)KPI_SCHEDULE_DEF_INIT;
    def.places = 0;
    s = build(&def, rows, 2);
    assert_true(pay(s, M("1250")) == M("13")); /* 12.50 -> 13 */
    assert_true(pay(s, M("1249.99")) == M("12"));
    kpi_schedule_free(s);
    def.rounding = KPI_ROUND_DOWN;
    def.places = 1;
    s = build(&def, rows, 2);
    assert_true(pay(s, M("1259.99")) == M("12.50")); /* 12.5999 -> 12.5 */
    kpi_schedule_free(s);
}

static void test_month_to_date(void **state)
{
    (void)state;
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    kpi_bracket_row rows[] = {row(0, M("10000"), KPI_ENDS_LOWER, D("1%")),
                              row(M("10000"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, D("2%"))};
    kpi_schedule *s = build(&def, rows, 2);
    kpi_money inc;
    /* a sale of 3 000 on 8 000 so far spans the bracket: 2 000 x 1 % + 1 000 x 2 % */
    assert_int_equal(kpi_schedule_increment(s, M("8000"), M("3000"), &inc), KPI_OK);
    assert_true(inc == M("40"));
    /* a refund is a negative sale */
    assert_int_equal(kpi_schedule_increment(s, M("11000"), M("-3000"), &inc), KPI_OK);
    assert_true(inc == M("-40"));
    expect_error(kpi_schedule_increment(s, INT64_MAX, 1, &inc), KPI_EOVERFLOW, "month-to-date", NULL);
    kpi_schedule_free(s);
    /* property: increments add up to the monthly figure to the fen, whatever
     * the order of the sales, with fractions of a fen at every step */
    uint64_t seed = 1;
    def.negative = KPI_NEGATIVE_CLAWBACK;
    kpi_bracket_row r3[] = {row(0, M("1000"), KPI_ENDS_LOWER, D("1.5%")),
                            row(M("1000"), M("5000"), KPI_ENDS_LOWER, D("2.25%")),
                            row(M("5000"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, D("3.333%"))};
    s = build(&def, r3, 3);
    for (int month = 0; month < 2000; month++) {
        kpi_money mtd = 0, sum = 0;
        for (int k = 0; k < 50; k++) {
            kpi_money sale = rnd_in(&seed, M("-300"), M("900"));
            assert_int_equal(kpi_schedule_increment(s, mtd, sale, &inc), KPI_OK);
            sum += inc;
            mtd += sale;
        }
        assert_true(sum == pay(s, mtd));
    }
    kpi_schedule_free(s);
}

/* Marginal pay by adding the slices one by one: the definition, not the
 * library's line coefficients. */
static kpi_money marginal_reference(const kpi_bracket_row *rows, size_t n, kpi_money x)
{
    kpi__i128 sum = 0;
    for (size_t i = 0; i < n && x > rows[i].from; i++) {
        int64_t top = rows[i].to == KPI_UNBOUNDED_ABOVE || x < rows[i].to ? x : rows[i].to;
        sum += (kpi__i128)(top - rows[i].from) * rows[i].rate;
    }
    return (kpi_money)kpi__div_round(sum, KPI_DEC_ONE, KPI_ROUND_HALF_UP);
}

static size_t random_marginal(uint64_t *seed, kpi_bracket_row *rows)
{
    size_t n = (size_t)rnd_in(seed, 1, 8);
    kpi_bracket_ends ends = (kpi_bracket_ends)rnd_in(seed, 0, 1);
    int64_t from = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t to = i + 1 == n ? KPI_UNBOUNDED_ABOVE : from + rnd_in(seed, 1, M("20000"));
        rows[i] = row(from, to, ends, rnd_in(seed, 0, D("0.2")));
        from = to;
    }
    return n;
}

static void test_marginal_properties(void **state)
{
    (void)state;
    uint64_t seed = 42;
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    kpi_bracket_row rows[8];
    long cases = 0;
    for (int t = 0; t < 400; t++) {
        size_t n = random_marginal(&seed, rows);
        kpi_schedule *s = build(&def, rows, n);
        for (int k = 0; k < 300; k++, cases++) {
            kpi_money x = rnd_in(&seed, 1, M("200000")); /* (0, ...) rows do not own 0 */
            if (k < 2 * (int)n) /* the boundaries themselves, and one fen below */
                x = (k / 2 < (int)n - 1 ? rows[k / 2].to : rows[n - 1].from) - (k % 2);
            if (x < 1)
                x = 1;
            kpi_money a = pay(s, x), b = pay(s, x + 1);
            assert_true(a == marginal_reference(rows, n, x));
            /* continuous and monotone: one more fen adds 0 or 1 fen (rates <= 20 %) */
            assert_true(b - a == 0 || b - a == 1);
        }
        kpi_schedule_free(s);
    }
    assert_true(cases >= 100000);
}

/* batch == scalar, on random schedules of every mode, policy and rounding,
 * including gaps and values that take the exact path */
static void test_batch_equals_scalar(void **state)
{
    (void)state;
    uint64_t seed = 7;
    enum { N = 512 };
    int64_t basis[N];
    kpi_money amounts[N], got[N], want[N];
    long cases = 0, oks = 0;
    for (int t = 0; t < 600; t++) {
        kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
        def.mode = (kpi_bracket_mode)rnd_in(&seed, 0, 3);
        def.basis = def.mode == KPI_BRACKET_WHOLE || def.mode == KPI_BRACKET_FIXED
                        ? (kpi_basis_kind)rnd_in(&seed, 0, 1) : KPI_BASIS_AMOUNT;
        def.rounding = (kpi_round)rnd_in(&seed, 0, 6);
        def.places = (int32_t)rnd_in(&seed, 0, 2);
        def.negative = (kpi_negative_policy)rnd_in(&seed, 0, def.basis ? 1 : 2);
        if (rnd_in(&seed, 0, 3) == 0) {
            def.cap = rnd_in(&seed, 0, M("3000"));
            def.floor = -rnd_in(&seed, 0, M("3000"));
        }
        kpi_bracket_row rows[12];
        size_t n = (size_t)rnd_in(&seed, 1, 12);
        int64_t from = def.basis ? -D("0.5") : 0;
        bool gaps = def.mode != KPI_BRACKET_MARGINAL && rnd_in(&seed, 0, 2) == 0;
        for (size_t i = 0; i < n; i++) {
            int64_t width = def.basis ? rnd_in(&seed, 1, D("0.5")) : rnd_in(&seed, 1, M("5000"));
            int64_t to = i + 1 == n ? KPI_UNBOUNDED_ABOVE : from + width;
            rows[i] = row(from, to, KPI_ENDS_LOWER, 0);
            if (def.mode != KPI_BRACKET_FIXED)
                rows[i].rate = rnd_in(&seed, -D("0.05"), D("0.3"));
            if (def.mode == KPI_BRACKET_FIXED || def.mode == KPI_BRACKET_FORMULA)
                rows[i].base = rnd_in(&seed, 0, M("500"));
            if (i + 1 < n)
                from = to + (gaps ? rnd_in(&seed, 0, 3) : 0);
        }
        kpi_schedule *s = build(&def, rows, n);
        bool ok = true;
        for (int i = 0; i < N; i++) {
            basis[i] = def.basis ? rnd_in(&seed, -D("0.4"), D("3"))
                                 : rnd_in(&seed, t % 2 ? -M("2000") : 0, M("60000"));
            amounts[i] = rnd_in(&seed, -M("1000"), M("90000"));
            if (t % 50 == 0 && i == 3) /* far out: the exact path */
                basis[i] = def.basis ? INT64_MAX / 2 : M("80000000000000");
            kpi_status st = def.basis ? kpi_schedule_eval_ratio(s, basis[i], amounts[i], &want[i], NULL)
                                      : kpi_schedule_eval(s, basis[i], &want[i], NULL);
            if (st != KPI_OK)
                ok = false;
        }
        memset(got, 0x5A, sizeof got);
        kpi_status st = kpi_schedule_eval_batch(s, basis, def.basis ? amounts : NULL, N, got);
        if (ok) {
            oks++;
            assert_int_equal(st, KPI_OK);
            for (int i = 0; i < N; i++, cases++)
                if (got[i] != want[i])
                    fail_msg("schedule %d element %d: batch %lld, scalar %lld", t, i,
                             (long long)got[i], (long long)want[i]);
        } else {
            /* a failing element: the batch fails too and leaves out untouched */
            assert_int_not_equal(st, KPI_OK);
            assert_non_null(strstr(kpi_error_message(kpi_error_last()), "basis["));
            for (int i = 0; i < N; i++)
                assert_true(got[i] == (kpi_money)0x5A5A5A5A5A5A5A5A);
        }
        kpi_schedule_free(s);
    }
    assert_true(cases >= 100000);
    assert_true(oks >= 300 && oks <= 560); /* both the good and the failing batches */
}

static void test_batch_edges(void **state)
{
    (void)state;
    kpi_schedule_def def;
    kpi_bracket_row rows[4];
    seed001(&def, rows, "1.5%");
    kpi_schedule *s = build(&def, rows, 4);
    int64_t basis[] = {M("12000"), M("18000"), M("22000"), M("20000.50"), M("30000")};
    kpi_money out[5] = {0};
    expect_error(kpi_schedule_eval_batch(s, basis, NULL, 5, out), KPI_ENOTFOUND,
                 "basis[3]: no row covers 20,000.50", NULL);
    assert_true(out[0] == 0);
    basis[3] = M("25000");
    assert_int_equal(kpi_schedule_eval_batch(s, basis, NULL, 5, out), KPI_OK);
    assert_true(out[0] == M("180") && out[1] == M("210") && out[2] == M("330") &&
                out[3] == M("450") && out[4] == M("600"));
    assert_int_equal(kpi_schedule_eval_batch(s, NULL, NULL, 0, NULL), KPI_OK);
    expect_error(kpi_schedule_eval_batch(s, basis, basis, 5, out), KPI_EINVAL, "amounts must be NULL", NULL);
    expect_error(kpi_schedule_eval_batch(NULL, basis, NULL, 5, out), KPI_EINVAL, "schedule", NULL);
    kpi_schedule_free(s);
}

static void test_overflow_reported(void **state)
{
    (void)state;
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    def.mode = KPI_BRACKET_WHOLE;
    kpi_bracket_row rows[] = {row(0, KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, D("2"))}; /* 200 % */
    kpi_schedule *s = build(&def, rows, 1);
    kpi_money out = 9;
    expect_error(kpi_schedule_eval(s, INT64_MAX / 2 + 1, &out, NULL), KPI_EOVERFLOW,
                 "does not fit in a kpi_money", NULL);
    assert_true(out == 9);
    assert_true(pay(s, INT64_MAX / 2) == INT64_MAX - 1);
    int64_t basis[] = {1, INT64_MAX / 2 + 1};
    kpi_money outs[2] = {5, 5};
    expect_error(kpi_schedule_eval_batch(s, basis, NULL, 2, outs), KPI_EOVERFLOW, "basis[1]", NULL);
    assert_true(outs[0] == 5);
    kpi_schedule_free(s);
    /* the largest rate on the largest basis stays exact inside and fails cleanly */
    rows[0].rate = INT64_C(1000) * KPI_DEC_ONE;
    def.mode = KPI_BRACKET_MARGINAL;
    s = build(&def, rows, 1);
    expect_error(kpi_schedule_eval(s, INT64_MAX, &out, NULL), KPI_EOVERFLOW, "does not fit", NULL);
    kpi_schedule_free(s);
    /* increments whose difference overflows */
    def.negative = KPI_NEGATIVE_CLAWBACK;
    rows[0].rate = 2 * KPI_DEC_ONE;
    s = build(&def, rows, 1);
    assert_int_equal(kpi_schedule_increment(s, -(INT64_C(1) << 61), INT64_C(1) << 61, &out), KPI_OK);
    assert_true(out == INT64_C(1) << 62);
    expect_error(kpi_schedule_increment(s, -(INT64_C(1) << 61), INT64_C(1) << 62, &out), KPI_EOVERFLOW,
                 "increment", NULL);
    kpi_schedule_free(s);
}

static void test_invalid_definitions(void **state)
{
    (void)state;
    kpi_schedule *s = (kpi_schedule *)&s;
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    kpi_bracket_row rows[] = {row(0, M("100"), KPI_ENDS_LOWER, D("1%")),
                              row(M("100"), M("200"), KPI_ENDS_LOWER, D("2%")),
                              row(M("200"), KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, D("3%"))};
    expect_error(kpi_schedule_new(NULL, &def, rows, 3), KPI_EINVAL, "out must not be NULL", NULL);
    expect_error(kpi_schedule_new(&s, NULL, rows, 3), KPI_EINVAL, "def", NULL);
    expect_error(kpi_schedule_new(&s, &def, NULL, 3), KPI_EINVAL, "rows", NULL);
    expect_error(kpi_schedule_new(&s, &def, rows, 0), KPI_EINVAL, "at least one row", "rows");
    def.mode = 9;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EINVAL, "mode is 9", "mode");
    def.mode = KPI_BRACKET_MARGINAL;
    def.rounding = 42;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EINVAL, "rounding", "rounding");
    def.rounding = KPI_ROUND_HALF_UP;
    def.places = 3;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EINVAL, "places is 3", "places");
    def.places = 2;
    def.basis = KPI_BASIS_RATIO;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EINVAL, "whole and fixed modes", "basis");
    def.basis = KPI_BASIS_AMOUNT;
    def.cap = 0;
    def.floor = 1;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EINVAL, "cap 0.00 is below floor 0.01", "cap");
    def = (kpi_schedule_def)KPI_SCHEDULE_DEF_INIT;
    def.size = 8;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EINVAL, "KPI_SCHEDULE_DEF_INIT", "");
    def.size = sizeof def;
    /* rows, named by path */
    rows[2].from = M("50");
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EPLAN,
                 "rows[2].from 50.00 is below rows[1].from 100.00: rows must be sorted", "rows[2].from");
    rows[2].from = M("200");
    rows[1].to = M("90");
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EPLAN, "rows[1].to 90.00 is below its from 100.00",
                 "rows[1].to");
    rows[1].to = M("200");
    rows[1].ends = 7;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EINVAL, "rows[1].ends is 7", "rows[1].ends");
    rows[1].ends = KPI_ENDS_BOTH;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EPLAN,
                 "rows[1] and rows[2] both cover 200.00", "rows[2].from");
    rows[1].ends = KPI_ENDS_LOWER;
    rows[1].base = 100;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EPLAN, "a marginal row has no base", "rows[1].base");
    rows[1].base = 0;
    rows[2].from = M("201");
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EPLAN, "marginal slices must meet", "rows[2].from");
    rows[2].from = M("200");
    rows[0].to = KPI_UNBOUNDED_ABOVE;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EPLAN, "only the last row", "rows[0].to");
    rows[0].to = M("100");
    rows[1].rate = INT64_C(1001) * KPI_DEC_ONE;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EPLAN, "outside", "rows[1].rate");
    rows[1].rate = D("2%");
    rows[1].size = 0;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EINVAL, "KPI_BRACKET_ROW_INIT", "rows[1]");
    rows[1].size = sizeof rows[1];
    def.mode = KPI_BRACKET_FIXED;
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EPLAN, "a fixed row pays its base", "rows[0].rate");
    assert_true(s == (kpi_schedule *)&s); /* never written on failure */
    /* the overlapping table over an interval */
    def.mode = KPI_BRACKET_WHOLE;
    rows[1].to = M("300");
    rows[2].from = M("250");
    expect_error(kpi_schedule_new(&s, &def, rows, 3), KPI_EPLAN, "both cover 250.00 to 299.99", "rows[2].from");

    /* lint reports every problem of an invalid table, as errors, and says OK */
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    rows[0].rate = -D("1%");
    rows[1].base = M("5");
    rows[1].ends = 5;
    assert_int_equal(kpi_schedule_lint(lint, &def, rows, 3), KPI_OK);
    assert_int_equal(kpi_lint_count_at_least(lint, KPI_LINT_ERROR), 2);
    assert_string_equal(kpi_lint_path(lint, 0), "rows[1].ends");
    assert_string_equal(kpi_lint_path(lint, 1), "rows[1].base");
    assert_int_equal(kpi_schedule_lint(NULL, &def, rows, 3), KPI_EINVAL);
    kpi_lint_free(lint);
    kpi_schedule_free(NULL);
}

static void test_lint_other_findings(void **state)
{
    (void)state;
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    def.mode = KPI_BRACKET_WHOLE;
    kpi_bracket_row rows[] = {row(M("1000"), M("2000"), KPI_ENDS_LOWER, D("3%")),
                              row(M("2000"), M("3000"), KPI_ENDS_NEITHER, -D("1%")),
                              row(M("3000"), M("4000"), KPI_ENDS_UPPER, D("1%"))};
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    assert_int_equal(kpi_schedule_lint(lint, &def, rows, 3), KPI_OK);
    assert_finding(lint, "bracket-uncovered", "bases below 1,000.00 fall in no row");
    assert_finding(lint, "bracket-uncovered", "bases above 4,000.00 fall in no row");
    assert_finding(lint, "bracket-gap", "the basis 2,000.00 itself falls in no row");
    assert_finding(lint, "bracket-gap", "the basis 3,000.00 itself");
    assert_finding(lint, "bracket-decrease", "rows[1].rate is -1%");
    assert_finding(lint, "bracket-jump", "jump at 2,000.00: 60.00 just below (rows[0]) vs -20.00 just above");
    kpi_lint_free(lint);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    kpi_schedule_def def;
    kpi_bracket_row rows[4];
    seed001(&def, rows, "1.5%");
    struct failing_alloc f;
    int failures = 0;
    for (int n = 1;; n++) {
        kpi_schedule *s = NULL;
        failing_install(&f, n);
        kpi_status st = kpi_schedule_new(&s, &def, rows, 4);
        failing_remove();
        if (st == KPI_OK) {
            assert_true(pay(s, M("22000")) == M("330"));
            kpi_schedule_free(s);
            break;
        }
        assert_int_equal(st, KPI_ENOMEM);
        assert_null(s);
        failures++;
    }
    assert_true(failures >= 7);
    kpi_lint *lint = NULL;
    assert_int_equal(kpi_lint_new(&lint), KPI_OK);
    for (int n = 1;; n++) {
        failing_install(&f, n);
        kpi_status st = kpi_schedule_lint(lint, &def, rows, 4);
        failing_remove();
        if (st == KPI_OK)
            break;
        assert_int_equal(st, KPI_ENOMEM);
    }
    assert_true(kpi_lint_count(lint) >= 6);
    kpi_lint_free(lint);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed001_worked_values),
        cmocka_unit_test(test_seed001_lint),
        cmocka_unit_test(test_marginal),
        cmocka_unit_test(test_whole_amount_and_ownership),
        cmocka_unit_test(test_ratio_basis_step_bonus_and_attainment),
        cmocka_unit_test(test_negative_policies_cap_floor_places),
        cmocka_unit_test(test_month_to_date),
        cmocka_unit_test(test_marginal_properties),
        cmocka_unit_test(test_batch_equals_scalar),
        cmocka_unit_test(test_batch_edges),
        cmocka_unit_test(test_overflow_reported),
        cmocka_unit_test(test_invalid_definitions),
        cmocka_unit_test(test_lint_other_findings),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("schedule", tests, NULL, NULL);
}
