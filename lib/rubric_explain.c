/*
 * rubric_explain.c - a scorecard as text, line by line, for the employee
 * who appeals (考核申诉): every point with its input, the row that matched
 * and why, then subtotals, adjustments, the options that shaped the total,
 * the total, the outcome and the gates.
 */
#include <stdio.h>
#include <string.h>

#include "rubric_internal.h"

/* snprintf-style output that keeps counting past the end of the buffer. */
struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) KPI__PRINTF(2, 3);

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = o->len < o->size ? vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap) : vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* Points with the rubric's places ("28.80"). */
struct pts {
    char s[40];
};

static struct pts pts(const kpi_scorecard *card, kpi_dec v)
{
    struct pts p;
    kpi_dec_format(v, card->options.places, card->options.round_mode, p.s, sizeof p.s);
    return p;
}

static const char *status_note(const struct kpi__line *l)
{
    if (l->critical_failed)
        return " [critical: failed]";
    switch (l->status) {
    case KPI_LINE_NA_EXCLUDED: return " [N/A: excluded]";
    case KPI_LINE_NA_ZERO: return " [N/A: 0]";
    case KPI_LINE_NA_FULL: return " [N/A: full]";
    default: return "";
    }
}

static void put_line(struct out *o, const kpi_scorecard *card, const struct kpi__line *l)
{
    switch (l->kind) {
    case KPI_LINE_ITEM:
        put(o, "- %s [%s]: %s / %s%s | input %s | %s | %s\n", l->label, l->id, pts(card, l->points).s,
            pts(card, l->max).s, status_note(l), l->value, *l->row ? l->row : "-", l->reason);
        break;
    case KPI_LINE_CATEGORY:
        put(o, "= %s [%s] subtotal: %s / %s | items %s | %s | %s\n", l->label, l->id, pts(card, l->points).s,
            pts(card, l->max).s, l->value, l->row, l->reason);
        break;
    default:
        put(o, "± %s [%s]: %s%s | input %s | %s | %s\n", l->label, l->id, l->points > 0 ? "+" : "",
            pts(card, l->points).s, l->value, l->row, l->reason);
        break;
    }
}

static const char *na_name(kpi_na_policy na)
{
    return na == KPI_NA_EXCLUDE ? "exclude and renormalise" : na == KPI_NA_ZERO ? "count as 0" : "count as full";
}

size_t kpi_scorecard_explain(const kpi_scorecard *card, char *buf, size_t size)
{
    struct out o = {buf, buf ? size : 0, 0};
    if (o.size)
        buf[0] = '\0';
    if (!card)
        return 0;
    for (size_t i = 0; i < card->nlines; i++)
        put_line(&o, card, &card->lines[i]);
    const kpi_rubric_options *opt = &card->options;
    put(&o, "rounding: %s to %d places, once per figure; total = %s; N/A: %s\n", kpi_round_name(opt->round_mode),
        (int)opt->places,
        opt->total_mode == KPI_TOTAL_SUM_OF_ROUNDED ? "sum of the figures shown" : "exact sum, rounded once",
        na_name(opt->na));
    if (card->factor_den != card->factor_num)
        put(&o, "renormalised: items scored are worth %s of %s points, so the sum is scaled by %s / %s\n",
            kpi__num(card->factor_den).s, kpi__num(card->factor_num).s, kpi__num(card->factor_num).s,
            kpi__num(card->factor_den).s);
    if (card->outcome != KPI_OUTCOME_NOT_ASSESSED)
        put(&o, "total: %s / %s\n", pts(card, card->total).s, pts(card, card->stated_total).s);
    put(&o, "outcome: %s%s%s\n", kpi_outcome_name(card->outcome), card->reason ? ": " : "",
        card->reason ? card->reason : "");
    for (size_t g = 0; g < card->ngates; g++)
        put(&o, "gate %s [%s] (≥ %s): %s\n", card->gates[g].label, card->gates[g].id,
            pts(card, card->gates[g].at_least).s, card->gates[g].passed ? "passed" : "not passed");
    return o.len;
}
