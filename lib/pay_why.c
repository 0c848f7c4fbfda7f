/* pay_why.c - explanations of pay figures and the helpers every pay module
 * shares: the one rounding to fen (or yuan), numbers as text. */
#include <stdio.h>
#include <string.h>

#include "pay_internal.h"

kpi_status kpi__why_check(const kpi_pay_why *why, const char *fn)
{
    if (why && why->size < KPI__WHY_SIZE_1_0)
        return kpi__fail(KPI_EINVAL, "%s: why->size is %zu; set it with KPI_PAY_WHY_INIT (%zu)",
                         fn, why->size, KPI__WHY_SIZE_1_0);
    return KPI_OK;
}

void kpi__why_clear(kpi_pay_why *why, kpi_pay_rule rule)
{
    size_t size = why->size;
    kpi_pay_why init = KPI_PAY_WHY_INIT;
    *why = init;
    why->size = size;
    why->rule = rule;
}

kpi_status kpi__money_round(kpi__i128 num, kpi__i128 den, int32_t places, kpi_round mode,
                            kpi_money *out, const char *what)
{
    int64_t unit = kpi__pow10(KPI_MONEY_PLACES - places);
    kpi__i128 q = kpi__div_round(num, den * unit, mode) * unit;
    if (!kpi__i128_fits(q))
        return kpi__fail(KPI_EOVERFLOW, "%s does not fit in a kpi_money (about 9.2e16 yuan)", what);
    *out = (kpi_money)q;
    return KPI_OK;
}

kpi__numtext kpi__money_text(kpi_money value)
{
    kpi__numtext t;
    kpi_money_format(value, KPI_FMT_GROUP, t.text, sizeof t.text);
    return t;
}

kpi__numtext kpi__basis_text(kpi_basis_kind kind, int64_t value)
{
    if (kind == KPI_BASIS_AMOUNT)
        return kpi__money_text(value);
    kpi__numtext t;
    kpi_dec_format(value, -1, KPI_ROUND_HALF_UP, t.text, sizeof t.text);
    return t;
}

kpi__numtext kpi__rate_text(kpi_dec rate)
{
    /* rate x 100 with 7 places is exact: print it as a percentage */
    kpi__numtext t;
    kpi__i128 pct = (kpi__i128)rate * 100;
    if (kpi__i128_fits(pct)) {
        size_t n = kpi_dec_format((kpi_dec)pct, -1, KPI_ROUND_HALF_UP, t.text, sizeof t.text - 1);
        if (n + 1 < sizeof t.text)
            memcpy(t.text + n, "%", 2);
    } else {
        kpi_dec_format(rate, -1, KPI_ROUND_HALF_UP, t.text, sizeof t.text);
    }
    return t;
}

void kpi__text_printf(kpi__text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->len < t->size ? t->size - t->len : 0;
    int n = vsnprintf(room ? t->buf + t->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

static void rounding_text(kpi__text *t, const kpi_pay_why *why)
{
    const char *name = kpi_round_name(why->rounding);
    static const char *const step[] = {"1 yuan", "0.1 yuan", "0.01 yuan"};
    kpi__text_printf(t, ", %s", name ? name : "?");
    if (kpi__places_valid(why->places) && why->places != KPI_MONEY_PLACES)
        kpi__text_printf(t, " to %s", step[why->places]);
}

static void flags_text(kpi__text *t, const kpi_pay_why *why)
{
    if (why->flags & KPI_WHY_CLAWBACK)
        kpi__text_printf(t, ", clawback: minus what %s pays", kpi__money_text(-why->basis).text);
    if (why->flags & KPI_WHY_NEGATIVE_ZERO)
        kpi__text_printf(t, ", a negative basis pays 0");
    if (why->flags & KPI_WHY_CAPPED)
        kpi__text_printf(t, ", capped");
    if (why->flags & KPI_WHY_FLOORED)
        kpi__text_printf(t, ", raised to the floor");
}

static void schedule_text(kpi__text *t, const kpi_pay_why *why)
{
    kpi_basis_kind kind = (why->flags & KPI_WHY_RATIO_BASIS) ? KPI_BASIS_RATIO : KPI_BASIS_AMOUNT;
    const char *mode = why->rule == KPI_RULE_MARGINAL ? "marginal"
                       : why->rule == KPI_RULE_WHOLE  ? "whole amount"
                       : why->rule == KPI_RULE_FORMULA ? "formula"
                                                       : "fixed";
    int64_t basis = (why->flags & KPI_WHY_CLAWBACK) ? -why->basis : why->basis;
    if (why->row < 0) {
        kpi__text_printf(t, "%s (%s)", kpi__money_text(why->value).text, mode);
    } else if (why->rule == KPI_RULE_FIXED_ROW) {
        kpi__text_printf(t, "%s for %s (rows[%lld], %s", kpi__money_text(why->base).text,
                         kpi__basis_text(kind, basis).text, (long long)why->row, mode);
    } else if (why->rule == KPI_RULE_WHOLE) {
        if (kind == KPI_BASIS_RATIO)
            kpi__text_printf(t, "%s x %s (ratio %s", kpi__money_text(why->amount).text,
                             kpi__rate_text(why->rate).text, kpi__basis_text(kind, basis).text);
        else
            kpi__text_printf(t, "%s x %s (", kpi__money_text(basis).text,
                             kpi__rate_text(why->rate).text);
        kpi__text_printf(t, "%srows[%lld], %s", kind == KPI_BASIS_RATIO ? " in " : "",
                         (long long)why->row, mode);
    } else {
        kpi__text_printf(t, "%s + (%s - %s) x %s (rows[%lld], %s", kpi__money_text(why->base).text,
                         kpi__money_text(basis).text, kpi__money_text(why->anchor).text,
                         kpi__rate_text(why->rate).text, (long long)why->row, mode);
    }
    if (why->row >= 0) {
        rounding_text(t, why);
        kpi__text_printf(t, ")");
    }
}

size_t kpi_pay_why_format(const kpi_pay_why *why, char *buf, size_t size)
{
    if (!why || why->size < KPI__WHY_SIZE_1_0) {
        if (buf && size)
            buf[0] = '\0';
        return 0;
    }
    kpi__text t = {buf, size, 0};
    if (buf && size)
        buf[0] = '\0';
    switch (why->rule) {
    case KPI_RULE_AMOUNT:
        kpi__text_printf(&t, "given amount");
        break;
    case KPI_RULE_MARGINAL:
    case KPI_RULE_WHOLE:
    case KPI_RULE_FORMULA:
    case KPI_RULE_FIXED_ROW:
        schedule_text(&t, why);
        break;
    case KPI_RULE_POOL:
        kpi__text_printf(&t, "pool %s x %s", kpi__money_text(why->basis).text,
                         kpi__rate_text(why->rate).text);
        rounding_text(&t, why);
        break;
    case KPI_RULE_POOL_SHARE:
        if (why->den)
            kpi__text_printf(&t, "part %lld of %lld of pool %s by weight %lld / %lld",
                             (long long)why->row + 1, (long long)why->count,
                             kpi__money_text(why->basis).text, (long long)why->num,
                             (long long)why->den);
        else
            kpi__text_printf(&t, "part %lld of %lld of pool %s, equal shares",
                             (long long)why->row + 1, (long long)why->count,
                             kpi__money_text(why->basis).text);
        kpi__text_printf(&t, ", largest remainder");
        break;
    case KPI_RULE_SCORE_BONUS: {
        kpi__numtext score = kpi__basis_text(KPI_BASIS_RATIO, why->num);
        kpi__numtext total = kpi__basis_text(KPI_BASIS_RATIO, why->den);
        kpi__numtext gate = kpi__basis_text(KPI_BASIS_RATIO, why->gate);
        if (why->flags & KPI_WHY_GATED)
            kpi__text_printf(&t, "score %s is below the gate %s of %s: nothing paid", score.text,
                             gate.text, total.text);
        else {
            kpi__text_printf(&t, "%s x %s / %s (gate %s", kpi__money_text(why->amount).text,
                             score.text, total.text, gate.text);
            rounding_text(&t, why);
            kpi__text_printf(&t, ")");
        }
        break;
    }
    case KPI_RULE_FINE:
        kpi__text_printf(&t, "%lld occurrence%s on a ladder of %lld step%s",
                         (long long)why->count, why->count == 1 ? "" : "s", (long long)why->row,
                         why->row == 1 ? "" : "s");
        if (why->flags & KPI_WHY_PAST_LADDER)
            kpi__text_printf(&t, ", the last step repeated past the table");
        break;
    default:
        kpi__text_printf(&t, "unknown rule %d", (int)why->rule);
        break;
    }
    flags_text(&t, why);
    return t.len;
}
