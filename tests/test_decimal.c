/* test_decimal.c - exact money and decimals: parsing, formatting, rounding, overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"
#include <stdio.h>

static kpi_dec D(const char *text)
{
    kpi_dec v = 0;
    kpi_status st = kpi_dec_parse(text, KPI_NTS, &v);
    if (st != KPI_OK)
        fail_msg("kpi_dec_parse(\"%s\") failed: %s", text, kpi_error_text(kpi_error_last()));
    return v;
}

static kpi_money M(const char *text)
{
    kpi_money v = 0;
    kpi_status st = kpi_money_parse(text, KPI_NTS, &v);
    if (st != KPI_OK)
        fail_msg("kpi_money_parse(\"%s\") failed: %s", text, kpi_error_text(kpi_error_last()));
    return v;
}

static void test_dec_parse_forms(void **state)
{
    (void)state;
    assert_true(D("0") == 0);
    assert_true(D("90") == KPI_DEC_INT(90));
    assert_true(D("0.3") == 300000000);
    assert_true(D("-0.3") == -300000000);
    assert_true(D("\xE2\x88\x92" "0.3") == -300000000); /* U+2212 minus */
    assert_true(D("+1.25") == 1250000000);
    assert_true(D("1.5%") == 15000000);
    assert_true(D("2%") == 20000000);
    assert_true(D("1.5\xEF\xBC\x85") == 15000000); /* full-width percent */
    assert_true(D("5\xE2\x80\xB0") == 5000000);     /* per mille */
    assert_true(D("0.005") == 5000000);
    assert_true(D("1.5e-3") == 1500000);
    assert_true(D("15E2") == KPI_DEC_INT(1500));
    assert_true(D("1,234.5") == 1234500000000);
    assert_true(D("  7 ") == KPI_DEC_INT(7));
    assert_true(D(".5") == 500000000);
    assert_true(D("5.") == KPI_DEC_INT(5));
    assert_true(D("0.000000001") == 1);
    assert_true(D("1.50000000000000000000") == 1500000000); /* trailing zeros are exact */
    assert_true(D("9223372036.854775807") == INT64_MAX);
    assert_true(D("-9223372036.854775808") == INT64_MIN);
    /* length-delimited input need not be NUL-terminated */
    kpi_dec v;
    assert_int_equal(kpi_dec_parse("12345", 2, &v), KPI_OK);
    assert_true(v == KPI_DEC_INT(12));
}

static void expect_parse_error(int money, const char *text, kpi_status code, long column,
                               const char *fragment)
{
    int64_t v = 424242;
    kpi_status st = money ? kpi_money_parse(text, KPI_NTS, &v) : kpi_dec_parse(text, KPI_NTS, &v);
    const kpi_error *e = kpi_error_last();
    if (st != code)
        fail_msg("'%s': expected %s, got %s (%s)", text, kpi_status_str(code), kpi_status_str(st),
                 kpi_error_message(e));
    assert_int_equal(kpi_error_code(e), code);
    if (kpi_error_column(e) != column)
        fail_msg("'%s': expected column %ld, got %ld (%s)", text, column, kpi_error_column(e),
                 kpi_error_message(e));
    if (!strstr(kpi_error_message(e), fragment))
        fail_msg("'%s': message '%s' lacks '%s'", text, kpi_error_message(e), fragment);
    assert_true(v == 424242); /* output untouched on failure */
}

static void test_dec_parse_errors(void **state)
{
    (void)state;
    expect_parse_error(0, "", KPI_EPARSE, 1, "no digits");
    expect_parse_error(0, "abc", KPI_EPARSE, 1, "digit was expected");
    expect_parse_error(0, "12a", KPI_EPARSE, 3, "unexpected character 'a'");
    expect_parse_error(0, "1.2.3", KPI_EPARSE, 4, "unexpected character '.'");
    expect_parse_error(0, "1,23", KPI_EPARSE, 5, "thousands separator");
    expect_parse_error(0, "1234,567", KPI_EPARSE, 5, "thousands separator");
    expect_parse_error(0, "1e", KPI_EPARSE, 3, "exponent");
    expect_parse_error(0, "--1", KPI_EPARSE, 2, "digit was expected");
    expect_parse_error(0, "0.0000000001", KPI_ERANGE, 12, "more than 9 decimal places");
    expect_parse_error(0, "0.1234567891%", KPI_ERANGE, 10, "more than 9 decimal places");
    expect_parse_error(0, "9223372036.854775808", KPI_EOVERFLOW, 1, "too large");
    expect_parse_error(0, "1e30", KPI_EOVERFLOW, 1, "too large");
    expect_parse_error(0, "NaN", KPI_EPARSE, 1, "digit was expected");
    expect_parse_error(0, "inf", KPI_EPARSE, 1, "digit was expected");
    /* a column counts characters, not bytes: "１" is three bytes */
    expect_parse_error(0, "\xE4\xB8\x80" "2", KPI_EPARSE, 1, "digit was expected");
    expect_parse_error(0, "12\xE5\x85\x83x", KPI_EPARSE, 3, "unexpected character");
    assert_int_equal(kpi_dec_parse(NULL, KPI_NTS, NULL), KPI_EINVAL);
}

/* The message quotes the text as it is: a NUL shows as \x00 (not as the
 * end of the message), a long text is cut between characters, never inside one. */
static void test_dec_parse_error_quotes(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(kpi_dec_parse("12\0" "3", 4, &v), KPI_EPARSE);
    assert_string_equal(kpi_error_message(kpi_error_last()),
                        "'12\\x003': unexpected character in a number");
    char text[1 + 25 * 3 + 2] = "a";
    for (int i = 0; i < 25; i++)
        memcpy(text + 1 + 3 * i, "\xE4\xB8\x80", 3); /* 一 */
    memcpy(text + 1 + 75, "x", 2);
    assert_int_equal(kpi_dec_parse(text, KPI_NTS, &v), KPI_EPARSE);
    char want[128] = "'a";
    for (int i = 0; i < 19; i++) /* 1 + 19 * 3 = 58 bytes: the 20th character would pass 60 */
        strcat(want, "\xE4\xB8\x80");
    strcat(want, "...': ");
    const char *msg = kpi_error_message(kpi_error_last());
    if (strncmp(msg, want, strlen(want)) != 0)
        fail_msg("message '%s' does not start with '%s'", msg, want);
}

static void test_money_parse(void **state)
{
    (void)state;
    assert_true(M("1234.56") == 123456);
    assert_true(M("-0.01") == -1);
    assert_true(M("1,234.56") == 123456);
    assert_true(M("\xC2\xA5" "1,234.56") == 123456);          /* ¥ */
    assert_true(M("\xEF\xBF\xA5" "12") == 1200);              /* ￥ */
    assert_true(M("-\xC2\xA5" "1.00") == -100);
    assert_true(M("\xC2\xA5-1.5") == -150);
    assert_true(M("92233720368547758.07") == INT64_MAX);
    assert_true(M("-92233720368547758.08") == INT64_MIN);
    assert_true(M("1.500") == 150);
    expect_parse_error(1, "1.234", KPI_ERANGE, 5, "more than 2 decimal places");
    expect_parse_error(1, "1%", KPI_EPARSE, 2, "unexpected character '%'");
    expect_parse_error(1, "1e3", KPI_EPARSE, 2, "unexpected character 'e'");
    expect_parse_error(1, "92233720368547758.08", KPI_EOVERFLOW, 1, "too large");
    expect_parse_error(1, "\xC2\xA5\xC2\xA5" "1", KPI_EPARSE, 2, "digit was expected");
}

static void test_format(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(kpi_money_format(123456, 0, buf, sizeof buf), 7);
    assert_string_equal(buf, "1234.56");
    kpi_money_format(-123456789, KPI_FMT_GROUP | KPI_FMT_YUAN, buf, sizeof buf);
    assert_string_equal(buf, "-\xC2\xA5" "1,234,567.89");
    kpi_money_format(-1, 0, buf, sizeof buf);
    assert_string_equal(buf, "-0.01");
    kpi_money_format(INT64_MIN, KPI_FMT_GROUP, buf, sizeof buf);
    assert_string_equal(buf, "-92,233,720,368,547,758.08");
    kpi_money_format(0, 0, buf, sizeof buf);
    assert_string_equal(buf, "0.00");
    /* truncated output keeps the full length and a terminator */
    char small[4];
    assert_int_equal(kpi_money_format(123456, 0, small, sizeof small), 7);
    assert_string_equal(small, "123");
    assert_int_equal(kpi_money_format(123456, 0, NULL, 0), 7);

    kpi_dec_format(D("90"), -1, KPI_ROUND_HALF_UP, buf, sizeof buf);
    assert_string_equal(buf, "90");
    kpi_dec_format(D("0.015"), -1, KPI_ROUND_HALF_UP, buf, sizeof buf);
    assert_string_equal(buf, "0.015");
    kpi_dec_format(D("-0.015"), 2, KPI_ROUND_HALF_UP, buf, sizeof buf);
    assert_string_equal(buf, "-0.02");
    kpi_dec_format(D("-0.015"), 2, KPI_ROUND_HALF_EVEN, buf, sizeof buf);
    assert_string_equal(buf, "-0.02");
    kpi_dec_format(D("0.025"), 2, KPI_ROUND_HALF_EVEN, buf, sizeof buf);
    assert_string_equal(buf, "0.02");
    kpi_dec_format(INT64_MIN, -1, KPI_ROUND_HALF_UP, buf, sizeof buf);
    assert_string_equal(buf, "-9223372036.854775808");
    kpi_dec_format(D("1.5"), 0, KPI_ROUND_DOWN, buf, sizeof buf);
    assert_string_equal(buf, "1");
    assert_int_equal(kpi_dec_format(1, 10, KPI_ROUND_HALF_UP, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
}

/* Expected results from Python's decimal module: for each value,
 * Decimal(v).quantize(Decimal(1), rounding=m) for the modes in kpi_round order. */
static const struct {
    const char *value;
    int expected[7];
} rounding_table[] = {
    {"2.5", {3, 2, 2, 2, 3, 2, 3}},
    {"1.5", {2, 2, 1, 1, 2, 1, 2}},
    {"0.5", {1, 0, 0, 0, 1, 0, 1}},
    {"-0.5", {-1, 0, 0, 0, -1, -1, 0}},
    {"-1.5", {-2, -2, -1, -1, -2, -2, -1}},
    {"-2.5", {-3, -2, -2, -2, -3, -3, -2}},
    {"2.4", {2, 2, 2, 2, 3, 2, 3}},
    {"2.6", {3, 3, 3, 2, 3, 2, 3}},
    {"-2.4", {-2, -2, -2, -2, -3, -3, -2}},
    {"-2.6", {-3, -3, -3, -2, -3, -3, -2}},
    {"0.0", {0, 0, 0, 0, 0, 0, 0}},
    {"1.0", {1, 1, 1, 1, 1, 1, 1}},
    {"-1.0", {-1, -1, -1, -1, -1, -1, -1}},
};

/*
 * kpi_dec_format and kpi_money_format against printf on random values of
 * every magnitude: the shortest text (trailing zeros dropped), every fixed
 * count of places truncated toward zero, and money with and without
 * grouping; each output also fits exactly a buffer of its reported length.
 */
static void test_format_against_printf(void **state)
{
    (void)state;
    uint64_t rng = 20261123;
    for (int i = 0; i < 200000; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int64_t v = (int64_t)(rng >> (rng % 64)); /* every magnitude */
        if (rng & 1)
            v = -v;
        if (i < 4)
            v = (int64_t[]){INT64_MIN, INT64_MAX, 0, -1}[i];
        const uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        const char *sign = v < 0 ? "-" : "";
        char want[64], got[64], frac[16];
        /* shortest */
        snprintf(frac, sizeof frac, "%09llu", (unsigned long long)(mag % 1000000000u));
        size_t fl = 9;
        while (fl > 0 && frac[fl - 1] == '0')
            fl--;
        frac[fl] = '\0';
        snprintf(want, sizeof want, "%s%llu%s%s", sign, (unsigned long long)(mag / 1000000000u),
                 fl ? "." : "", frac);
        size_t n = kpi_dec_format(v, -1, KPI_ROUND_HALF_UP, got, sizeof got);
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
        /* fixed places, toward zero */
        const int places = (int)((rng >> 8) % 10);
        uint64_t scale = 1;
        for (int k = 0; k < 9 - places; k++)
            scale *= 10;
        const uint64_t units = mag / scale, pscale = 1000000000u / scale;
        const bool zero = units == 0;
        if (places > 0)
            snprintf(want, sizeof want, "%s%llu.%0*llu", zero ? "" : sign,
                     (unsigned long long)(units / pscale), places,
                     (unsigned long long)(units % pscale));
        else
            snprintf(want, sizeof want, "%s%llu", zero ? "" : sign, (unsigned long long)units);
        kpi_dec_format(v, places, KPI_ROUND_DOWN, got, sizeof got);
        assert_string_equal(got, want);
        /* a buffer of exactly the reported length + 1 holds it all */
        char exact[64];
        n = kpi_dec_format(v, places, KPI_ROUND_DOWN, exact, strlen(want) + 1);
        assert_int_equal(n, strlen(want));
        assert_string_equal(exact, want);
        /* money */
        snprintf(want, sizeof want, "%s%llu.%02llu", sign, (unsigned long long)(mag / 100),
                 (unsigned long long)(mag % 100));
        kpi_money_format(v, 0, got, sizeof got);
        assert_string_equal(got, want);
        char plain[32], grouped[48];
        snprintf(plain, sizeof plain, "%llu", (unsigned long long)(mag / 100));
        size_t k = 0, len = strlen(plain);
        for (size_t j = 0; j < len; j++) {
            if (j && (len - j) % 3 == 0)
                grouped[k++] = ',';
            grouped[k++] = plain[j];
        }
        grouped[k] = '\0';
        snprintf(want, sizeof want, "%s\xC2\xA5%s.%02llu", sign, grouped,
                 (unsigned long long)(mag % 100));
        kpi_money_format(v, KPI_FMT_GROUP | KPI_FMT_YUAN, got, sizeof got);
        assert_string_equal(got, want);
    }
}

static void test_rounding_modes_at_ties(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rounding_table / sizeof rounding_table[0]; i++) {
        kpi_dec v = D(rounding_table[i].value);
        for (kpi_round m = KPI_ROUND_HALF_UP; m <= KPI_ROUND_CEILING; m++) {
            kpi_dec r;
            assert_int_equal(kpi_dec_round(v, 0, m, &r), KPI_OK);
            if (r != KPI_DEC_INT(rounding_table[i].expected[m]))
                fail_msg("round(%s, %s) = %lld, expected %d", rounding_table[i].value,
                         kpi_round_name(m), (long long)(r / KPI_DEC_ONE),
                         rounding_table[i].expected[m]);
            /* the same tie in fen: money from a decimal of yuan at one more place */
            kpi_money fen;
            kpi_dec yuan = v / 100; /* x.5 -> 0.0x5 yuan */
            assert_int_equal(kpi_money_from_dec(yuan, m, &fen), KPI_OK);
            assert_true(fen == rounding_table[i].expected[m]);
            /* and in an amount x rate product: 1 fen x (v) */
            assert_int_equal(kpi_money_mul_rate(1, v, m, &fen), KPI_OK);
            assert_true(fen == rounding_table[i].expected[m]);
        }
    }
    kpi_round m;
    assert_int_equal(kpi_round_parse("half_even", &m), KPI_OK);
    assert_int_equal(m, KPI_ROUND_HALF_EVEN);
    assert_int_equal(kpi_round_parse("bankers", &m), KPI_ENOTFOUND);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "half_up"));
    assert_null(kpi_round_name(99));
    kpi_dec r;
    assert_int_equal(kpi_dec_round(1, 0, 99, &r), KPI_EINVAL);
    assert_int_equal(kpi_dec_round(1, 10, KPI_ROUND_UP, &r), KPI_EINVAL);
}

/* The rounding of a quotient checked against its definition, on random
 * operands of both signs: r must be within one unit of num/den, on the
 * side each mode requires. */
static void test_div_round_properties(void **state)
{
    (void)state;
    srand(12345);
    for (int i = 0; i < 200000; i++) {
        int64_t num = ((int64_t)rand() << 20 ^ rand()) % 2000003 - 1000001;
        int64_t den = rand() % 2001 - 1000;
        if (den == 0)
            continue;
        for (kpi_round m = KPI_ROUND_HALF_UP; m <= KPI_ROUND_CEILING; m++) {
            int64_t q = (int64_t)kpi__div_round(num, den, m);
            /* e = num - q*den, compared as the fraction e/den */
            kpi__i128 e = (kpi__i128)num - (kpi__i128)q * den;
            kpi__i128 ad = den < 0 ? -den : den;
            kpi__i128 ae = e < 0 ? -e : e;
            assert_true(ae < ad); /* within one unit */
            int frac_sign = (e == 0) ? 0 : (((e < 0) == (den < 0)) ? 1 : -1); /* sign of num/den - q */
            int exact_sign = ((num < 0) != (den < 0)) ? -1 : 1;
            switch (m) {
            case KPI_ROUND_FLOOR: assert_true(frac_sign >= 0); break;
            case KPI_ROUND_CEILING: assert_true(frac_sign <= 0); break;
            case KPI_ROUND_DOWN: assert_true(frac_sign == 0 || frac_sign == exact_sign); break;
            case KPI_ROUND_UP: assert_true(frac_sign == 0 || frac_sign == -exact_sign); break;
            default:
                assert_true(2 * ae <= ad); /* nearest */
                if (2 * ae == ad) {
                    if (m == KPI_ROUND_HALF_UP)
                        assert_true(frac_sign == -exact_sign);
                    else if (m == KPI_ROUND_HALF_DOWN)
                        assert_true(frac_sign == exact_sign);
                    else
                        assert_true(q % 2 == 0);
                }
            }
        }
    }
}

static void test_boundary_is_exact(void **state)
{
    (void)state;
    /* DOMAIN.md §5: 30 % x 76 + 70 % x 96 is exactly 90 */
    kpi_dec a, b, sum;
    assert_int_equal(kpi_dec_mul(D("30%"), D("76"), KPI_ROUND_HALF_UP, &a), KPI_OK);
    assert_int_equal(kpi_dec_mul(D("70%"), D("96"), KPI_ROUND_HALF_UP, &b), KPI_OK);
    assert_int_equal(kpi_dec_add(a, b, &sum), KPI_OK);
    assert_true(sum == D("90"));
    assert_true(sum >= KPI_DEC_INT(90)); /* lands in the band that starts at 90 */
    /* while binary floating point does not */
    volatile double fa = 0.3, fb = 0.7;
    assert_true(fa * 76 + fb * 96 < 90.0);
    /* muldiv keeps the quotient exact until the one rounding */
    kpi_dec r;
    assert_int_equal(kpi_dec_muldiv(D("30"), D("17000"), D("23000"), KPI_ROUND_HALF_UP, &r), KPI_OK);
    assert_true(r == 22173913043); /* 30*17/23 = 22.173913043478... */
    assert_int_equal(kpi_dec_from_ratio(2, 3, KPI_ROUND_HALF_UP, &r), KPI_OK);
    assert_true(r == 666666667);
    assert_int_equal(kpi_dec_from_ratio(-2, 3, KPI_ROUND_DOWN, &r), KPI_OK);
    assert_true(r == -666666666);
    assert_int_equal(kpi_dec_div(D("1"), D("8"), KPI_ROUND_HALF_UP, &r), KPI_OK);
    assert_true(r == D("0.125"));
    assert_true(kpi_dec_to_double(D("0.3")) == 0.3);
    assert_true(kpi_dec_to_double(D("-90.5")) == -90.5);
}

static void test_money_arithmetic_worked_values(void **state)
{
    (void)state;
    kpi_money out;
    /* seed 001 第9条: 12 000 x 1.5 % = 180.00 */
    assert_int_equal(kpi_money_mul_rate(M("12000"), D("1.5%"), KPI_ROUND_HALF_UP, &out), KPI_OK);
    assert_true(out == M("180.00"));
    /* seed 003: 1000 x score / 130 */
    assert_int_equal(kpi_money_mul_ratio(M("1000"), D("117"), D("130"), KPI_ROUND_HALF_UP, &out), KPI_OK);
    assert_true(out == M("900.00"));
    assert_int_equal(kpi_money_mul_ratio(M("1000"), D("100"), D("130"), KPI_ROUND_HALF_UP, &out), KPI_OK);
    assert_true(out == M("769.23"));
    assert_int_equal(kpi_money_mul_ratio(M("1000"), D("91"), D("130"), KPI_ROUND_HALF_UP, &out), KPI_OK);
    assert_true(out == M("700.00"));
    /* a negative amount (clawback) rounds symmetrically with half-up */
    assert_int_equal(kpi_money_mul_rate(M("-0.50"), D("0.05"), KPI_ROUND_HALF_UP, &out), KPI_OK);
    assert_true(out == -3); /* -2.5 fen -> -3 fen */
    assert_int_equal(kpi_money_mul_rate(M("-0.50"), D("0.05"), KPI_ROUND_FLOOR, &out), KPI_OK);
    assert_true(out == -3);
    assert_int_equal(kpi_money_mul_rate(M("-0.50"), D("0.05"), KPI_ROUND_CEILING, &out), KPI_OK);
    assert_true(out == -2);
    kpi_dec d;
    assert_int_equal(kpi_money_to_dec(M("1234.56"), &d), KPI_OK);
    assert_true(d == D("1234.56"));
    assert_int_equal(kpi_money_mul_ratio(M("1"), 1, 0, KPI_ROUND_HALF_UP, &out), KPI_ENA);
    assert_int_equal(kpi_money_mul_int(M("50"), 3, &out), KPI_OK);
    assert_true(out == M("150"));
}

static void test_overflow_is_reported(void **state)
{
    (void)state;
    int64_t out = 7;
    assert_int_equal(kpi_money_add(INT64_MAX, 1, &out), KPI_EOVERFLOW);
    assert_true(out == 7);
    assert_int_equal(kpi_error_code(kpi_error_last()), KPI_EOVERFLOW);
    assert_int_equal(kpi_money_sub(INT64_MIN, 1, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_money_add(INT64_MAX, 0, &out), KPI_OK);
    assert_true(out == INT64_MAX);
    assert_int_equal(kpi_money_add(INT64_MIN, 0, &out), KPI_OK);
    assert_int_equal(kpi_money_mul_int(INT64_MAX / 2 + 1, 2, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_money_mul_int(INT64_MIN, -1, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_money_mul_rate(INT64_MAX, KPI_DEC_ONE, KPI_ROUND_HALF_UP, &out), KPI_OK);
    assert_true(out == INT64_MAX);
    assert_int_equal(kpi_money_mul_rate(INT64_MAX, KPI_DEC_ONE + 1, KPI_ROUND_DOWN, &out), KPI_EOVERFLOW);
    /* INT64_MAX x 0.999999999 fits however it is rounded */
    assert_int_equal(kpi_money_mul_rate(INT64_MAX, KPI_DEC_ONE - 1, KPI_ROUND_UP, &out), KPI_OK);
    assert_true(out == INT64_MAX - INT64_MAX / KPI_DEC_ONE);
    assert_int_equal(kpi_dec_from_int(INT64_MAX / KPI_DEC_ONE + 1, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_dec_from_int(INT64_MAX / KPI_DEC_ONE, &out), KPI_OK);
    assert_int_equal(kpi_dec_mul(INT64_MAX, INT64_MAX, KPI_ROUND_HALF_UP, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_dec_mul(INT64_MIN, KPI_DEC_ONE, KPI_ROUND_HALF_UP, &out), KPI_OK);
    assert_true(out == INT64_MIN);
    assert_int_equal(kpi_dec_mul(INT64_MIN, -KPI_DEC_ONE, KPI_ROUND_HALF_UP, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_dec_div(INT64_MAX, 1, KPI_ROUND_HALF_UP, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_dec_div(1, 0, KPI_ROUND_HALF_UP, &out), KPI_ENA);
    assert_int_equal(kpi_dec_muldiv(INT64_MAX, INT64_MAX, INT64_MAX, KPI_ROUND_HALF_UP, &out), KPI_OK);
    assert_true(out == INT64_MAX);
    assert_int_equal(kpi_dec_muldiv(INT64_MIN, INT64_MIN, 1, KPI_ROUND_HALF_UP, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_dec_round(INT64_MAX, 0, KPI_ROUND_UP, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_dec_round(INT64_MIN, 0, KPI_ROUND_FLOOR, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_money_to_dec(INT64_MAX, &out), KPI_EOVERFLOW);
    assert_int_equal(kpi_dec_add(INT64_MAX, 1, NULL), KPI_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dec_parse_forms),
        cmocka_unit_test(test_dec_parse_errors),
        cmocka_unit_test(test_dec_parse_error_quotes),
        cmocka_unit_test(test_money_parse),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_against_printf),
        cmocka_unit_test(test_rounding_modes_at_ties),
        cmocka_unit_test(test_div_round_properties),
        cmocka_unit_test(test_boundary_is_exact),
        cmocka_unit_test(test_money_arithmetic_worked_values),
        cmocka_unit_test(test_overflow_is_reported),
    };
    return cmocka_run_group_tests_name("decimal", tests, NULL, NULL);
}
