/* test_payslip.c - pay slips (工资条): named lines with their explanations,
 * an exact total, the printed slip, and the allocation-failure contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pay_test_util.h"

/* Seed 001 第11条 + seed 003: post salary + personal commission + pooled
 * commission + KPI bonus + seniority + streak bonus + fines. */
static kpi_payslip *seed_slip(void)
{
    kpi_payslip *slip = NULL;
    assert_int_equal(kpi_payslip_new(&slip), KPI_OK);
    assert_int_equal(kpi_payslip_add_amount(slip, "岗位工资", M("2500")), KPI_OK);

    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    def.mode = KPI_BRACKET_FORMULA;
    kpi_bracket_row rows[2] = {KPI_BRACKET_ROW_INIT, KPI_BRACKET_ROW_INIT};
    rows[0].to = M("20000");
    rows[0].rate = D("1%");
    rows[0].anchor = 0;
    rows[1].from = M("20000");
    rows[1].rate = D("4%");
    rows[1].base = M("200");
    kpi_schedule *s = NULL;
    assert_int_equal(kpi_schedule_new(&s, &def, rows, 2), KPI_OK);
    kpi_money out;
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    assert_int_equal(kpi_schedule_eval(s, M("22000"), &out, &why), KPI_OK);
    assert_true(out == M("280"));
    assert_int_equal(kpi_payslip_add(slip, "个人提成", &why), KPI_OK);
    kpi_schedule_free(s);

    kpi_money parts[3];
    kpi_pay_why shares[3] = {KPI_PAY_WHY_INIT, KPI_PAY_WHY_INIT, KPI_PAY_WHY_INIT};
    assert_int_equal(kpi_pool_split(M("5000"), NULL, NULL, 3, parts, shares), KPI_OK);
    assert_int_equal(kpi_payslip_add(slip, "公共提成", &shares[0]), KPI_OK);

    kpi_score_bonus_def bonus = KPI_SCORE_BONUS_DEF_INIT;
    bonus.pool = M("1000");
    bonus.total = D("130");
    bonus.gate = D("0.7");
    assert_int_equal(kpi_score_bonus(&bonus, D("100"), &out, &why), KPI_OK);
    assert_int_equal(kpi_payslip_add(slip, "绩效奖金", &why), KPI_OK);

    assert_int_equal(kpi_payslip_add_amount(slip, "工龄工资", M("100")), KPI_OK);
    assert_int_equal(kpi_payslip_add_amount(slip, "连续第一奖", M("200")), KPI_OK);

    const kpi_money ladder[] = {M("50"), M("100"), M("200")};
    assert_int_equal(kpi_fine_total(ladder, 3, KPI_FINE_REPEAT_LAST, 3, &out, &why), KPI_OK);
    assert_int_equal(kpi_payslip_add(slip, "罚款", &why), KPI_OK);
    return slip;
}

static void test_slip_lines_and_total(void **state)
{
    (void)state;
    kpi_payslip *slip = seed_slip();
    assert_int_equal(kpi_payslip_count(slip), 7);
    kpi_money total;
    assert_int_equal(kpi_payslip_total(slip, &total), KPI_OK);
    /* 2500 + 280 + 1666.67 + 769.23 + 100 + 200 - 350 */
    assert_true(total == M("5165.90"));
    const char *label;
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    assert_int_equal(kpi_payslip_line(slip, 6, &label, &why), KPI_OK);
    assert_string_equal(label, "罚款");
    assert_int_equal(why.rule, KPI_RULE_FINE);
    assert_true(why.value == M("-350")); /* a fine is a negative line of its own */
    assert_int_equal(kpi_payslip_line(slip, 1, &label, &why), KPI_OK);
    assert_int_equal(why.rule, KPI_RULE_FORMULA);
    assert_true(why.row == 1 && why.rate == D("4%") && why.base == M("200"));
    assert_int_equal(why.rounding, KPI_ROUND_HALF_UP);
    expect_error(kpi_payslip_line(slip, 7, &label, &why), KPI_ERANGE, "line 7 does not exist", NULL);
    assert_int_equal(kpi_payslip_line(slip, 0, NULL, NULL), KPI_OK);
    kpi_payslip_free(slip);
    kpi_payslip_free(NULL);
    assert_int_equal(kpi_payslip_count(NULL), 0);
}

static void test_explain(void **state)
{
    (void)state;
    kpi_payslip *slip = seed_slip();
    char buf[2048];
    size_t len = kpi_payslip_explain(slip, buf, sizeof buf);
    assert_int_equal(len, strlen(buf));
    const char *expected =
        "岗位工资\t2,500.00\tgiven amount\n"
        "个人提成\t280.00\t200.00 + (22,000.00 - 20,000.00) x 4% (rows[1], formula, half_up)\n"
        "公共提成\t1,666.67\tpart 1 of 3 of pool 5,000.00, equal shares, largest remainder\n"
        "绩效奖金\t769.23\t1,000.00 x 100 / 130 (gate 91, half_up)\n"
        "工龄工资\t100.00\tgiven amount\n"
        "连续第一奖\t200.00\tgiven amount\n"
        "罚款\t-350.00\t3 occurrences on a ladder of 3 steps\n"
        "合计\t5,165.90\n";
    assert_string_equal(buf, expected);
    /* snprintf-like: a short buffer gets a terminated prefix and the full length */
    char small[40];
    assert_int_equal(kpi_payslip_explain(slip, small, sizeof small), len);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, expected, sizeof small - 1);
    assert_int_equal(kpi_payslip_explain(slip, NULL, 0), len);
    for (size_t n = 1; n < len + 2; n += 7) { /* every cut stays inside the buffer */
        char *b = malloc(n);
        assert_int_equal(kpi_payslip_explain(slip, b, n), len);
        assert_int_equal(strlen(b), n - 1 < len ? n - 1 : len);
        free(b);
    }
    kpi_payslip_free(slip);
}

static void assert_why_text(const kpi_pay_why *why, const char *expected)
{
    char text[200];
    assert_int_equal(kpi_pay_why_format(why, text, sizeof text), strlen(expected));
    assert_string_equal(text, expected);
}

static void test_why_format_rules(void **state)
{
    (void)state;
    char text[200];
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    why.rule = KPI_RULE_MARGINAL;
    why.row = 2;
    why.basis = M("60000");
    why.base = M("900");
    why.anchor = M("50000");
    why.rate = D("3%");
    why.value = M("1200");
    assert_why_text(&why, "900.00 + (60,000.00 - 50,000.00) x 3% (rows[2], marginal, half_up)");
    why.rule = KPI_RULE_WHOLE;
    why.basis = M("12000");
    why.rate = D("1.5%");
    why.flags = KPI_WHY_CAPPED;
    why.places = 0;
    assert_why_text(&why, "12,000.00 x 1.5% (rows[2], whole amount, half_up to 1 yuan), capped");
    why.flags = KPI_WHY_CLAWBACK;
    why.places = 2;
    why.basis = -M("12000");
    assert_why_text(&why, "12,000.00 x 1.5% (rows[2], whole amount, half_up), clawback: minus "
                              "what 12,000.00 pays");
    why.flags = KPI_WHY_RATIO_BASIS;
    why.basis = D("1.05");
    why.amount = M("21000");
    why.rate = D("5%");
    assert_why_text(&why, "21,000.00 x 5% (ratio 1.05 in rows[2], whole amount, half_up)");
    why.rule = KPI_RULE_FIXED_ROW;
    why.base = M("50");
    why.basis = D("0.3");
    assert_why_text(&why, "50.00 for 0.3 (rows[2], fixed, half_up)");
    why.rule = KPI_RULE_POOL_SHARE;
    why.flags = 0;
    why.row = 0;
    why.count = 2;
    why.basis = M("100");
    why.num = 3;
    why.den = 4;
    assert_why_text(&why, "part 1 of 2 of pool 100.00 by weight 3 / 4, largest remainder");
    assert_int_equal(kpi_pay_why_format(NULL, text, sizeof text), 0);
    assert_string_equal(text, "");
}

static void test_errors_and_overflow(void **state)
{
    (void)state;
    kpi_payslip *slip = NULL;
    expect_error(kpi_payslip_new(NULL), KPI_EINVAL, "out", NULL);
    assert_int_equal(kpi_payslip_new(&slip), KPI_OK);
    expect_error(kpi_payslip_add_amount(slip, "", 1), KPI_EINVAL, "non-empty UTF-8", NULL);
    expect_error(kpi_payslip_add_amount(slip, "\xE5\xB2", 1), KPI_EINVAL, "UTF-8", NULL);   /* cut */
    expect_error(kpi_payslip_add_amount(slip, "\xC0\xAF", 1), KPI_EINVAL, "UTF-8", NULL);   /* overlong */
    expect_error(kpi_payslip_add_amount(slip, "\xED\xA0\x80", 1), KPI_EINVAL, "UTF-8", NULL); /* surrogate */
    expect_error(kpi_payslip_add_amount(NULL, "x", 1), KPI_EINVAL, "slip", NULL);
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    why.rule = 99;
    expect_error(kpi_payslip_add(slip, "x", &why), KPI_EINVAL, "why->rule is 99", NULL);
    why.rule = KPI_RULE_AMOUNT;
    why.size = 4;
    expect_error(kpi_payslip_add(slip, "x", &why), KPI_EINVAL, "KPI_PAY_WHY_INIT", NULL);
    assert_int_equal(kpi_payslip_count(slip), 0);
    /* a total past INT64_MAX is reported, not wrapped */
    assert_int_equal(kpi_payslip_add_amount(slip, "a", INT64_MAX), KPI_OK);
    assert_int_equal(kpi_payslip_add_amount(slip, "b", 1), KPI_OK);
    kpi_money total = 3;
    expect_error(kpi_payslip_total(slip, &total), KPI_EOVERFLOW, "2 lines", NULL);
    assert_true(total == 3);
    char buf[200];
    kpi_payslip_explain(slip, buf, sizeof buf);
    assert_non_null(strstr(buf, "合计\t(too large"));
    assert_int_equal(kpi_payslip_add_amount(slip, "c", -1), KPI_OK); /* back in range */
    assert_int_equal(kpi_payslip_total(slip, &total), KPI_OK);
    assert_true(total == INT64_MAX);
    kpi_payslip_free(slip);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    struct failing_alloc f;
    kpi_payslip *slip = NULL;
    failing_install(&f, 1);
    assert_int_equal(kpi_payslip_new(&slip), KPI_ENOMEM);
    failing_remove();
    assert_null(slip);
    assert_int_equal(kpi_payslip_new(&slip), KPI_OK);
    for (int i = 0; i < 8; i++)
        assert_int_equal(kpi_payslip_add_amount(slip, "岗位工资", M("1")), KPI_OK);
    /* the 9th line grows the array, then copies the label: fail each in turn */
    for (int n = 1; n <= 2; n++) {
        failing_install(&f, n);
        kpi_status st = kpi_payslip_add_amount(slip, "罚款", M("-1"));
        failing_remove();
        assert_int_equal(st, KPI_ENOMEM);
        assert_int_equal(kpi_payslip_count(slip), 8); /* unchanged, still usable */
    }
    assert_int_equal(kpi_payslip_add_amount(slip, "罚款", M("-1")), KPI_OK);
    kpi_money total;
    assert_int_equal(kpi_payslip_total(slip, &total), KPI_OK);
    assert_true(total == M("7"));
    kpi_payslip_free(slip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slip_lines_and_total),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_why_format_rules),
        cmocka_unit_test(test_errors_and_overflow),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("payslip", tests, NULL, NULL);
}
