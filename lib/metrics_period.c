/*
 * metrics_period.c - periods (day, ISO week, month, quarter, year) of
 * instants in the plan's time zone, a fixed UTC offset.
 *
 * A period's key is the local day number (days since 1970-01-01 in the
 * zone) of its first day. Civil dates use the proleptic Gregorian
 * calendar; every int64 instant has a period, so times need no range check.
 */
#include <stdio.h>

#include "metrics_internal.h"

static const char *const period_names[] = {"all", "day", "week", "month", "quarter", "year"};

bool kpi__period_valid(kpi_period p)
{
    return p >= KPI_PERIOD_ALL && p <= KPI_PERIOD_YEAR;
}

const char *kpi_period_name(kpi_period period)
{
    return kpi__period_valid(period) ? period_names[period] : NULL;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t kpi__local_day(int64_t t, int32_t offset_min)
{
    /* t = q * day + r with 0 <= r < day, so adding the offset cannot overflow */
    int64_t q = t / KPI__DAY_MS, r = t % KPI__DAY_MS;
    if (r < 0) {
        r += KPI__DAY_MS;
        q--;
    }
    return q + floor_div(r + (int64_t)offset_min * 60000, KPI__DAY_MS);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

int64_t kpi__period_key(kpi_period p, int64_t day)
{
    int64_t y, m, d;
    switch (p) {
    case KPI_PERIOD_DAY:
        return day;
    case KPI_PERIOD_WEEK: /* 1970-01-01 was a Thursday; weeks start on Monday */
        return day - (day + 3 - floor_div(day + 3, 7) * 7);
    case KPI_PERIOD_MONTH:
        civil_from_days(day, &y, &m, &d);
        return days_from_civil(y, m, 1);
    case KPI_PERIOD_QUARTER:
        civil_from_days(day, &y, &m, &d);
        return days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
    case KPI_PERIOD_YEAR:
        civil_from_days(day, &y, &m, &d);
        return days_from_civil(y, 1, 1);
    default:
        return 0;
    }
}

/* Key of the next period. */
static int64_t next_key(kpi_period p, int64_t key)
{
    int64_t y, m, d;
    civil_from_days(key, &y, &m, &d);
    switch (p) {
    case KPI_PERIOD_DAY:
        return key + 1;
    case KPI_PERIOD_WEEK:
        return key + 7;
    case KPI_PERIOD_MONTH:
        return m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1);
    case KPI_PERIOD_QUARTER:
        return m >= 10 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 3, 1);
    default:
        return days_from_civil(y + 1, 1, 1);
    }
}

/* Local day @day's midnight as a UTC instant, clamped. */
static int64_t day_start_ms(int64_t day, int32_t offset_min)
{
    kpi__i128 t = (kpi__i128)day * KPI__DAY_MS - (kpi__i128)offset_min * 60000;
    return t < INT64_MIN ? INT64_MIN : t > INT64_MAX ? INT64_MAX : (int64_t)t;
}

void kpi__period_bounds(kpi_period p, int32_t offset_min, int64_t key, int64_t *start,
                        int64_t *end)
{
    if (p == KPI_PERIOD_ALL) {
        *start = INT64_MIN;
        *end = INT64_MAX;
        return;
    }
    *start = day_start_ms(key, offset_min);
    *end = day_start_ms(next_key(p, key), offset_min);
}

size_t kpi__period_format(kpi_period p, int64_t key, char *buf, size_t size)
{
    int64_t y, m, d;
    civil_from_days(key, &y, &m, &d);
    int n;
    switch (p) {
    case KPI_PERIOD_DAY:
        n = snprintf(buf, size, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
        break;
    case KPI_PERIOD_WEEK: { /* the ISO week-year is the year of the week's Thursday */
        int64_t ty, tm, td;
        civil_from_days(key + 3, &ty, &tm, &td);
        int64_t week = (key + 3 - days_from_civil(ty, 1, 1)) / 7 + 1;
        n = snprintf(buf, size, "%04lld-W%02lld", (long long)ty, (long long)week);
        break;
    }
    case KPI_PERIOD_MONTH:
        n = snprintf(buf, size, "%04lld-%02lld", (long long)y, (long long)m);
        break;
    case KPI_PERIOD_QUARTER:
        n = snprintf(buf, size, "%04lld-Q%lld", (long long)y, (long long)((m - 1) / 3 + 1));
        break;
    case KPI_PERIOD_YEAR:
        n = snprintf(buf, size, "%04lld", (long long)y);
        break;
    default:
        n = snprintf(buf, size, "all");
        break;
    }
    return n < 0 ? 0 : (size_t)n;
}
