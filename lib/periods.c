/*
 * periods.c - multi-period rules: the last K periods combined (min, max,
 * mean, last, sum) and streaks of a condition.
 */
#include "tiers_internal.h"

kpi_status kpi_periods_reduce(kpi_dec *out, const kpi_dec *scores, size_t n_agents,
                              size_t n_periods, size_t k, kpi_periods_how how, kpi_round mode)
{
    kpi__error_reset();
    if (n_agents > 0 && (!out || !scores))
        return kpi__fail(KPI_EINVAL, "kpi_periods_reduce: out and scores must not be NULL");
    if (k == 0 || k > n_periods)
        return kpi__fail(KPI_EINVAL, "kpi_periods_reduce: k is %zu; it must be 1..%zu (the periods "
                         "given)", k, n_periods);
    if (how < KPI_PERIODS_MIN || how > KPI_PERIODS_SUM)
        return kpi__fail(KPI_EINVAL, "kpi_periods_reduce: how %d is not a KPI_PERIODS_* value", (int)how);
    if (!kpi__round_valid(mode))
        return kpi__fail(KPI_EINVAL, "kpi_periods_reduce: mode %d is not a KPI_ROUND_* mode", (int)mode);
    if (n_agents > SIZE_MAX / n_periods)
        return kpi__fail(KPI_EINVAL, "kpi_periods_reduce: n_agents x n_periods does not fit in memory");
    /* sums first, so an overflow leaves every output untouched */
    for (size_t a = 0; (how == KPI_PERIODS_SUM) && a < n_agents; a++) {
        kpi__i128 sum = 0;
        for (size_t p = n_periods - k; p < n_periods; p++)
            sum += scores[a * n_periods + p];
        if (!kpi__i128_fits(sum))
            return kpi__fail(KPI_EOVERFLOW, "the sum of agent %zu's last %zu periods does not fit a "
                             "kpi_dec", a, k);
    }
    for (size_t a = 0; a < n_agents; a++) {
        const kpi_dec *row = scores + a * n_periods + (n_periods - k);
        kpi__i128 acc = row[0];
        for (size_t p = 1; p < k; p++) {
            kpi_dec v = row[p];
            if (how == KPI_PERIODS_MIN)
                acc = v < acc ? v : acc;
            else if (how == KPI_PERIODS_MAX)
                acc = v > acc ? v : acc;
            else if (how == KPI_PERIODS_LAST)
                acc = v;
            else
                acc += v;
        }
        if (how == KPI_PERIODS_MEAN)
            acc = kpi__div_round(acc, (kpi__i128)k, mode);
        out[a] = (kpi_dec)acc;
    }
    return KPI_OK;
}

kpi_status kpi_streaks(int64_t *run, uint8_t *flag, const uint8_t *cond, size_t n_agents,
                       size_t n_periods, int64_t length, kpi_streak_fire fire)
{
    kpi__error_reset();
    if (!run && !flag)
        return kpi__fail(KPI_EINVAL, "kpi_streaks: run and flag are both NULL");
    if (n_agents > 0 && n_periods > 0 && !cond)
        return kpi__fail(KPI_EINVAL, "kpi_streaks: cond must not be NULL");
    if (length < 1)
        return kpi__fail(KPI_EINVAL, "kpi_streaks: length is %lld; a streak is at least 1 period",
                         (long long)length);
    if (fire < KPI_STREAK_ONCE || fire > KPI_STREAK_WHILE)
        return kpi__fail(KPI_EINVAL, "kpi_streaks: fire %d is not a KPI_STREAK_* value", (int)fire);
    for (size_t a = 0; a < n_agents; a++) {
        int64_t r = 0;
        for (size_t p = n_periods; p > 0 && cond[a * n_periods + p - 1]; p--)
            r++;
        if (run)
            run[a] = r;
        if (flag)
            flag[a] = fire == KPI_STREAK_ONCE    ? r == length
                      : fire == KPI_STREAK_EVERY ? r > 0 && r % length == 0
                                                 : r >= length;
    }
    return KPI_OK;
}
