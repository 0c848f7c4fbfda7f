/* pay_internal.h - helpers shared by the pay engine's modules (schedule,
 * schedule_lint, pool, bonus, payslip, pay_why). */
#ifndef KPISCORE_PAY_INTERNAL_H
#define KPISCORE_PAY_INTERNAL_H

#include "internal.h"
#include "kpiscore/pay.h"

/* Smallest size of a kpi_pay_why / def / row this version accepts. */
#define KPI__WHY_SIZE_1_0 sizeof(kpi_pay_why)

/*
 * Checks an explanation the caller passes for filling (NULL is fine) and
 * returns KPI_OK or KPI_EINVAL naming @fn.
 */
kpi_status kpi__why_check(const kpi_pay_why *why, const char *fn);

/* Fills @why (non-NULL, checked) with the defaults of KPI_PAY_WHY_INIT, keeping its size. */
void kpi__why_clear(kpi_pay_why *why, kpi_pay_rule rule);

/* True when @places is 0, 1 or 2. */
static inline bool kpi__places_valid(int32_t places)
{
    return places >= 0 && places <= KPI_MONEY_PLACES;
}

/*
 * @num / @den fen, rounded once with @mode to @places decimal places of
 * yuan (2 = fen). @den > 0. KPI_EOVERFLOW (recorded, naming @what) when the
 * result does not fit kpi_money.
 */
kpi_status kpi__money_round(kpi__i128 num, kpi__i128 den, int32_t places, kpi_round mode,
                            kpi_money *out, const char *what);

/* A value of a basis as text: money with separators, or a kpi_dec ratio. */
typedef struct {
    char text[48];
} kpi__numtext;
kpi__numtext kpi__basis_text(kpi_basis_kind kind, int64_t value);
kpi__numtext kpi__money_text(kpi_money value);
/* A rate as a percentage: 0.015 -> "1.5%". */
kpi__numtext kpi__rate_text(kpi_dec rate);

/* An snprintf-like text accumulator. */
typedef struct {
    char *buf;
    size_t size;
    size_t len; /* length of the full text so far */
} kpi__text;
void kpi__text_printf(kpi__text *t, const char *fmt, ...) KPI__PRINTF(2, 3);

#endif /* KPISCORE_PAY_INTERNAL_H */

/* ---- schedules (schedule.c, schedule_lint.c) -------------------------- */

/*
 * Validates a schedule definition. Without @lint the first problem is
 * recorded (kpi__fail with a path) and returned; with @lint every problem
 * becomes an error finding and the result is KPI_EPLAN when any was found
 * (KPI_ENOMEM when a finding could not be added). Gaps are reported here
 * only for marginal schedules, where they are errors.
 */
kpi_status kpi__schedule_check(const kpi_schedule_def *def, const kpi_bracket_row *rows,
                               size_t nrows, kpi_lint *lint);

static inline bool kpi__owns_from(const kpi_bracket_row *r)
{
    return r->ends == KPI_ENDS_LOWER || r->ends == KPI_ENDS_BOTH;
}

static inline bool kpi__owns_to(const kpi_bracket_row *r)
{
    return r->ends == KPI_ENDS_UPPER || r->ends == KPI_ENDS_BOTH;
}

/* A basis b is in row r when kpi__row_lo(r) < b <= kpi__row_hi(r). */
static inline kpi__i128 kpi__row_lo(const kpi_bracket_row *r)
{
    if (r->from == KPI_UNBOUNDED_BELOW)
        return (kpi__i128)INT64_MIN - 1;
    return kpi__owns_from(r) ? (kpi__i128)r->from - 1 : (kpi__i128)r->from;
}

static inline kpi__i128 kpi__row_hi(const kpi_bracket_row *r)
{
    if (r->to == KPI_UNBOUNDED_ABOVE)
        return INT64_MAX;
    return kpi__owns_to(r) ? (kpi__i128)r->to : (kpi__i128)r->to - 1;
}

/*
 * The row's pay as a line in the amount a: k + a x s, in 10^-9 fen. @cum is
 * what the slices below pay (marginal mode only, 10^-9 fen).
 */
static inline void kpi__row_line(kpi_bracket_mode mode, const kpi_bracket_row *r, kpi__i128 cum,
                                 kpi__i128 *k, int64_t *s)
{
    switch (mode) {
    case KPI_BRACKET_MARGINAL:
        *k = cum - (kpi__i128)r->from * r->rate;
        *s = r->rate;
        break;
    case KPI_BRACKET_FORMULA: {
        int64_t anchor = r->anchor == KPI_ANCHOR_FROM ? r->from : r->anchor;
        *k = (kpi__i128)r->base * KPI_DEC_ONE - (kpi__i128)anchor * r->rate;
        *s = r->rate;
        break;
    }
    case KPI_BRACKET_FIXED:
        *k = (kpi__i128)r->base * KPI_DEC_ONE;
        *s = 0;
        break;
    default: /* whole */
        *k = 0;
        *s = r->rate;
        break;
    }
}
