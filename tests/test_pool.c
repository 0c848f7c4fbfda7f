/* test_pool.c - pools (公共提成) and their largest-remainder split, score
 * bonuses (绩效奖金) and escalating fines (罚款). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pay_test_util.h"

static void test_pool_amount_and_equal_split(void **state)
{
    (void)state;
    /* seed 001 第10条: public sales x 0.5 %, split among the staff */
    kpi_money pool;
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    assert_int_equal(kpi_pool_amount(M("1000000"), D("0.5%"), KPI_ROUND_HALF_UP, &pool, &why), KPI_OK);
    assert_true(pool == M("5000.00"));
    assert_int_equal(why.rule, KPI_RULE_POOL);
    assert_true(why.basis == M("1000000") && why.rate == D("0.5%") && why.value == pool);
    char text[160];
    kpi_pay_why_format(&why, text, sizeof text);
    assert_string_equal(text, "pool 1,000,000.00 x 0.5%, half_up");
    kpi_money parts[3];
    kpi_pay_why whys[3] = {KPI_PAY_WHY_INIT, KPI_PAY_WHY_INIT, KPI_PAY_WHY_INIT};
    assert_int_equal(kpi_pool_split(pool, NULL, NULL, 3, parts, whys), KPI_OK);
    assert_true(parts[0] == M("1666.67") && parts[1] == M("1666.67") && parts[2] == M("1666.66"));
    assert_int_equal(whys[2].rule, KPI_RULE_POOL_SHARE);
    assert_true(whys[2].row == 2 && whys[2].count == 3 && whys[2].basis == pool);
    kpi_pay_why_format(&whys[2], text, sizeof text);
    assert_string_equal(text, "part 3 of 3 of pool 5,000.00, equal shares, largest remainder");
    /* the pool rounds once: 1 234.57 x 0.5 % = 6.17285 */
    assert_int_equal(kpi_pool_amount(M("1234.57"), D("0.5%"), KPI_ROUND_HALF_UP, &pool, NULL), KPI_OK);
    assert_true(pool == M("6.17"));
    assert_int_equal(kpi_pool_amount(M("1234.57"), D("0.5%"), KPI_ROUND_UP, &pool, NULL), KPI_OK);
    assert_true(pool == M("6.18"));
    expect_error(kpi_pool_amount(INT64_MAX, D("2"), KPI_ROUND_HALF_UP, &pool, NULL), KPI_EOVERFLOW,
                 "the pool does not fit", NULL);
    expect_error(kpi_pool_amount(1, 1, 99, &pool, NULL), KPI_EINVAL, "rounding 99", NULL);
}

static void test_weighted_split_ties_and_keys(void **state)
{
    (void)state;
    kpi_money parts[4];
    /* by scores: 100.01 fen to weights 1, 1, 1 -> 33.34, 33.34, 33.33 (ties by index) */
    int64_t w[] = {D("90"), D("90"), D("90")};
    assert_int_equal(kpi_pool_split(10001, w, NULL, 3, parts, NULL), KPI_OK);
    assert_true(parts[0] == 3334 && parts[1] == 3334 && parts[2] == 3333);
    /* the same with keys: the smaller key wins the tie, wherever it stands */
    int64_t keys[] = {30, 10, 20};
    assert_int_equal(kpi_pool_split(10001, w, keys, 3, parts, NULL), KPI_OK);
    assert_true(parts[0] == 3333 && parts[1] == 3334 && parts[2] == 3334);
    /* largest remainder, not index: 10 fen by 1, 2, 3, 4 -> exact 1, 2, 3, 4 */
    int64_t w4[] = {1, 2, 3, 4};
    assert_int_equal(kpi_pool_split(10, w4, NULL, 4, parts, NULL), KPI_OK);
    assert_true(parts[0] == 1 && parts[1] == 2 && parts[2] == 3 && parts[3] == 4);
    /* 7 fen by 1, 2, 3, 4: exact 0.7, 1.4, 2.1, 2.8 -> floors 0, 1, 2, 2 and the
     * leftover 2 fen go to the remainders .8 and .7 */
    assert_int_equal(kpi_pool_split(7, w4, NULL, 4, parts, NULL), KPI_OK);
    assert_true(parts[0] == 1 && parts[1] == 1 && parts[2] == 2 && parts[3] == 3);
    /* zero weights get nothing; a negative pool is the mirror image */
    int64_t wz[] = {0, 5, 0, 5};
    assert_int_equal(kpi_pool_split(-101, wz, NULL, 4, parts, NULL), KPI_OK);
    assert_true(parts[0] == 0 && parts[1] == -51 && parts[2] == 0 && parts[3] == -50);
    assert_int_equal(kpi_pool_split(INT64_MIN, NULL, NULL, 1, parts, NULL), KPI_OK);
    assert_true(parts[0] == INT64_MIN);
    /* sales as weights, in fen */
    int64_t sales[] = {M("12000"), M("18000"), M("30000")};
    assert_int_equal(kpi_pool_split(M("5000"), sales, NULL, 3, parts, NULL), KPI_OK);
    assert_true(parts[0] == M("1000") && parts[1] == M("1500") && parts[2] == M("2500"));
}

static void test_split_errors(void **state)
{
    (void)state;
    kpi_money parts[3] = {7, 7, 7};
    int64_t neg[] = {1, -2, 3};
    expect_error(kpi_pool_split(100, neg, NULL, 3, parts, NULL), KPI_EINPUT, "weights[1] is -2",
                 "weights[1]");
    int64_t zero[] = {0, 0, 0};
    expect_error(kpi_pool_split(100, zero, NULL, 3, parts, NULL), KPI_EINPUT, "all 3 weights are 0", NULL);
    int64_t huge[] = {INT64_MAX, 1, 0};
    expect_error(kpi_pool_split(100, huge, NULL, 3, parts, NULL), KPI_EOVERFLOW, "weights add up", NULL);
    int64_t keys[] = {5, 9, 5};
    expect_error(kpi_pool_split(100, NULL, keys, 3, parts, NULL), KPI_EINPUT,
                 "keys[0] and keys[2] are both 5", "keys[2]");
    expect_error(kpi_pool_split(100, NULL, NULL, 0, parts, NULL), KPI_EINVAL, "n is 0", NULL);
    expect_error(kpi_pool_split(100, NULL, NULL, 3, NULL, NULL), KPI_EINVAL, "parts", NULL);
    kpi_pay_why bad[3] = {{0}};
    expect_error(kpi_pool_split(100, NULL, NULL, 3, parts, bad), KPI_EINVAL, "KPI_PAY_WHY_INIT", NULL);
    assert_true(parts[0] == 7 && parts[1] == 7 && parts[2] == 7);
    struct failing_alloc f;
    failing_install(&f, 1);
    kpi_status st = kpi_pool_split(100, NULL, NULL, 3, parts, NULL);
    failing_remove();
    assert_int_equal(st, KPI_ENOMEM);
    assert_true(parts[0] == 7);
}

/* >= 100 000 random splits: parts add up to the pool, each is within one
 * fen of its exact share, zero weights get 0, rounding half-up is kept when
 * it already adds up, and with keys the parts follow the people, not the
 * order they are given in. */
static void test_split_properties(void **state)
{
    (void)state;
    uint64_t seed = 99;
    enum { MAXN = 12 };
    long cases = 0;
    for (int t = 0; t < 100000; t++, cases++) {
        size_t n = (size_t)rnd_in(&seed, 1, MAXN);
        kpi_money pool = rnd_in(&seed, -M("100000"), M("100000"));
        int64_t w[MAXN], keys[MAXN], pw[MAXN], pk[MAXN];
        kpi_money parts[MAXN], pparts[MAXN];
        int64_t wsum = 0;
        bool equal = rnd_in(&seed, 0, 4) == 0;
        for (size_t i = 0; i < n; i++) {
            w[i] = rnd_in(&seed, 0, 3) == 0 ? 0 : rnd_in(&seed, 1, t % 2 ? 5 : D("100"));
            keys[i] = (int64_t)(i * 7919 % 104729);
            wsum += w[i];
        }
        if (wsum == 0)
            w[0] = wsum = 1;
        assert_int_equal(kpi_pool_split(pool, equal ? NULL : w, keys, n, parts, NULL), KPI_OK);
        kpi__i128 sum = 0;
        bool half_up_adds = true;
        kpi__i128 half_sum = 0;
        for (size_t i = 0; i < n; i++) {
            int64_t wi = equal ? 1 : w[i];
            int64_t W = equal ? (int64_t)n : wsum;
            kpi__i128 exact_num = (kpi__i128)pool * wi; /* share = exact_num / W */
            kpi__i128 diff = (kpi__i128)parts[i] * W - exact_num;
            assert_true(diff > -(kpi__i128)W && diff < (kpi__i128)W); /* within one fen */
            if (!equal && w[i] == 0)
                assert_true(parts[i] == 0);
            sum += parts[i];
            half_sum += kpi__div_round(exact_num, W, KPI_ROUND_HALF_UP);
        }
        assert_true(sum == pool);
        half_up_adds = half_sum == pool;
        if (half_up_adds) /* never moves a cent that rounding already placed */
            for (size_t i = 0; i < n; i++) {
                int64_t wi = equal ? 1 : w[i];
                int64_t W = equal ? (int64_t)n : wsum;
                kpi__i128 h = kpi__div_round((kpi__i128)pool * wi, W, KPI_ROUND_HALF_UP);
                /* equal to half-up unless two shares tie exactly at .5 */
                kpi__i128 twice = 2 * (((kpi__i128)pool * wi) % W);
                if (twice != W && twice != -W)
                    assert_true(parts[i] == h);
            }
        /* a random permutation with the same keys gives each key the same part */
        size_t perm[MAXN];
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)rnd_in(&seed, 0, (int64_t)i);
            size_t tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        for (size_t i = 0; i < n; i++) {
            pw[i] = w[perm[i]];
            pk[i] = keys[perm[i]];
        }
        assert_int_equal(kpi_pool_split(pool, equal ? NULL : pw, pk, n, pparts, NULL), KPI_OK);
        for (size_t i = 0; i < n; i++)
            assert_true(pparts[i] == parts[perm[i]]);
    }
    assert_true(cases >= 100000);
}

static kpi_money bonus(kpi_dec score, kpi_pay_why *why)
{
    kpi_score_bonus_def def = KPI_SCORE_BONUS_DEF_INIT;
    def.pool = M("1000");
    def.total = D("130");
    def.gate = D("70%");
    kpi_money out = -1;
    if (kpi_score_bonus(&def, score, &out, why) != KPI_OK)
        fail_msg("kpi_score_bonus: %s", kpi_error_text(kpi_error_last()));
    return out;
}

static void test_score_bonus_seed003(void **state)
{
    (void)state;
    /* seed 003: 1000 x score / 130, nothing below 70 % of 130 */
    assert_true(bonus(D("117"), NULL) == M("900.00"));
    assert_true(bonus(D("100"), NULL) == M("769.23"));
    assert_true(bonus(D("91"), NULL) == M("700.00"));
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    assert_true(bonus(D("90.9"), &why) == 0);
    assert_true(why.flags & KPI_WHY_GATED);
    assert_true(why.gate == D("91"));
    char text[200];
    kpi_pay_why_format(&why, text, sizeof text);
    assert_string_equal(text, "score 90.9 is below the gate 91 of 130: nothing paid");
    assert_true(bonus(D("90.999999999"), NULL) == 0);
    assert_true(bonus(D("130"), NULL) == M("1000"));
    assert_true(bonus(D("135"), &why) == M("1038.46")); /* bonus points past the total pay more */
    kpi_pay_why_format(&why, text, sizeof text);
    assert_string_equal(text, "1,000.00 x 135 / 130 (gate 91, half_up)");
    kpi_score_bonus_def def = KPI_SCORE_BONUS_DEF_INIT;
    def.pool = M("1000");
    def.total = D("130");
    kpi_money out = 5;
    expect_error(kpi_score_bonus(&def, -1, &out, NULL), KPI_EINPUT, "negative", NULL);
    def.total = 0;
    expect_error(kpi_score_bonus(&def, D("1"), &out, NULL), KPI_EINVAL, "def->total is 0", NULL);
    def.total = D("130");
    def.gate = D("1.5");
    expect_error(kpi_score_bonus(&def, D("1"), &out, NULL), KPI_EINVAL, "def->gate is 1.5", NULL);
    def.gate = 0;
    def.pool = INT64_MAX;
    expect_error(kpi_score_bonus(&def, D("260"), &out, NULL), KPI_EOVERFLOW, "the bonus", NULL);
    assert_true(out == 5);
    def.pool = M("1000");
    def.places = 0;
    assert_int_equal(kpi_score_bonus(&def, D("100"), &out, NULL), KPI_OK);
    assert_true(out == M("769"));
    expect_error(kpi_score_bonus(NULL, 0, &out, NULL), KPI_EINVAL, "def and out", NULL);
}

static void test_fines(void **state)
{
    (void)state;
    /* seed 003: 1st complaint 50, 2nd 100, 3rd 200, cumulative */
    const kpi_money ladder[] = {M("50"), M("100"), M("200")};
    kpi_money out;
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    assert_int_equal(kpi_fine_total(ladder, 3, KPI_FINE_REPEAT_LAST, 0, &out, NULL), KPI_OK);
    assert_true(out == 0);
    assert_int_equal(kpi_fine_total(ladder, 3, KPI_FINE_REPEAT_LAST, 1, &out, NULL), KPI_OK);
    assert_true(out == M("-50"));
    assert_int_equal(kpi_fine_total(ladder, 3, KPI_FINE_REPEAT_LAST, 3, &out, &why), KPI_OK);
    assert_true(out == M("-350"));
    assert_int_equal(why.rule, KPI_RULE_FINE);
    assert_true(why.count == 3 && why.row == 3 && why.value == M("-350") && !why.flags);
    /* past the table: the last step repeats, and says so */
    assert_int_equal(kpi_fine_total(ladder, 3, KPI_FINE_REPEAT_LAST, 5, &out, &why), KPI_OK);
    assert_true(out == M("-750"));
    assert_true(why.flags & KPI_WHY_PAST_LADDER);
    char text[160];
    kpi_pay_why_format(&why, text, sizeof text);
    assert_string_equal(text, "5 occurrences on a ladder of 3 steps, the last step repeated past the table");
    /* or stops: "10, 30, then dismissal" */
    const kpi_money other[] = {M("10"), M("30")};
    assert_int_equal(kpi_fine_total(other, 2, KPI_FINE_FAIL, 2, &out, NULL), KPI_OK);
    assert_true(out == M("-40"));
    out = 1;
    expect_error(kpi_fine_total(other, 2, KPI_FINE_FAIL, 3, &out, NULL), KPI_ELIMIT,
                 "3 occurrences but the ladder has 2 steps", NULL);
    assert_true(out == 1);
    /* "other breaches 10 each" */
    const kpi_money each[] = {M("10")};
    assert_int_equal(kpi_fine_total(each, 1, KPI_FINE_REPEAT_LAST, 4, &out, NULL), KPI_OK);
    assert_true(out == M("-40"));
    expect_error(kpi_fine_total(each, 1, KPI_FINE_REPEAT_LAST, UINT64_MAX, &out, NULL),
                 KPI_EOVERFLOW, "does not fit", NULL);
    const kpi_money bad[] = {M("10"), -1};
    expect_error(kpi_fine_total(bad, 2, KPI_FINE_REPEAT_LAST, 1, &out, NULL), KPI_EINPUT,
                 "steps[1] is -0.01", "steps[1]");
    expect_error(kpi_fine_total(ladder, 0, KPI_FINE_REPEAT_LAST, 1, &out, NULL), KPI_EINVAL,
                 "at least one step", NULL);
    expect_error(kpi_fine_total(ladder, 3, 7, 1, &out, NULL), KPI_EINVAL, "past is 7", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_amount_and_equal_split),
        cmocka_unit_test(test_weighted_split_ties_and_keys),
        cmocka_unit_test(test_split_errors),
        cmocka_unit_test(test_split_properties),
        cmocka_unit_test(test_score_bonus_seed003),
        cmocka_unit_test(test_fines),
    };
    return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
