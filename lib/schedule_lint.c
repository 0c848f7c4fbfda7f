/*
 * schedule_lint.c - what a bracket table leaves ambiguous or inconsistent:
 * bases in no row, jumps at boundaries (with the rate or base that would
 * remove them), pay that falls as the basis rises.
 */
#include <stdio.h>

#include "lint_internal.h"
#include "pay_internal.h"

struct linter {
    kpi_lint *lint;
    const kpi_schedule_def *def;
    const kpi_bracket_row *rows;
    size_t n;
    kpi_status status;
};

KPI__PRINTF(5, 6)
static void finding(struct linter *l, kpi_severity sev, const char *code, const char *path,
                    const char *fmt, ...)
{
    if (l->status != KPI_OK)
        return;
    char message[1000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    l->status = kpi__lint_add(l->lint, sev, code, path, "%s", message);
}

static kpi__numtext btext(const struct linter *l, int64_t v)
{
    return kpi__basis_text(l->def->basis, v);
}

/* An exact value in 10^-9 fen, rounded as the schedule rounds. */
static kpi__numtext paytext(const struct linter *l, kpi__i128 raw)
{
    int64_t unit = kpi__pow10(KPI_MONEY_PLACES - l->def->places);
    kpi__i128 q = kpi__div_round(raw, (kpi__i128)KPI_DEC_ONE * unit, l->def->rounding) * unit;
    if (!kpi__i128_fits(q)) {
        kpi__numtext t = {"(too large)"};
        return t;
    }
    return kpi__money_text((kpi_money)q);
}

static void lint_ends(struct linter *l)
{
    const kpi_bracket_row *first = &l->rows[0], *last = &l->rows[l->n - 1];
    bool amount = l->def->basis == KPI_BASIS_AMOUNT;
    if (first->from != KPI_UNBOUNDED_BELOW) {
        kpi__i128 lo = kpi__row_lo(first); /* bases <= lo are in no row */
        const char *which = kpi__owns_from(first) ? "below" : "up to and including";
        if (lo >= 0)
            finding(l, KPI_LINT_WARNING, "bracket-uncovered", "rows[0].from",
                    "bases %s %s fall in no row: evaluating them fails (KPI_ENOTFOUND); start "
                    "rows[0] lower or add a row", which, btext(l, first->from).text);
        else if (amount && l->def->negative == KPI_NEGATIVE_ROWS)
            finding(l, KPI_LINT_NOTE, "bracket-uncovered", "rows[0].from",
                    "bases %s %s fall in no row, so a net refund (refunds exceeding sales) "
                    "fails (KPI_ENOTFOUND); set the negative policy to zero or clawback to "
                    "decide what it pays", which, btext(l, first->from).text);
        else if (!amount)
            finding(l, KPI_LINT_NOTE, "bracket-uncovered", "rows[0].from",
                    "ratios %s %s fall in no row", which, btext(l, first->from).text);
    }
    if (last->to != KPI_UNBOUNDED_ABOVE)
        finding(l, KPI_LINT_WARNING, "bracket-uncovered", NULL, "bases above %s%s fall in no "
                "row: evaluating them fails (KPI_ENOTFOUND); make the last row open-ended",
                btext(l, last->to).text, kpi__owns_to(last) ? "" : " (and the value itself)");
}

static void lint_gap(struct linter *l, size_t i)
{
    const kpi_bracket_row *p = &l->rows[i - 1], *r = &l->rows[i];
    if (kpi__row_lo(r) <= kpi__row_hi(p))
        return;
    char path[48];
    snprintf(path, sizeof path, "rows[%zu].from", i);
    if (p->to == r->from)
        finding(l, KPI_LINT_WARNING, "bracket-gap", path,
                "the basis %s itself falls in no row: rows[%zu] excludes its to and rows[%zu] "
                "its from; let one of them own it", btext(l, r->from).text, i - 1, i);
    else
        finding(l, KPI_LINT_WARNING, "bracket-gap", path,
                "bases in %c%s, %s%c fall in no row: rows[%zu] ends at %s and rows[%zu] starts "
                "at %s; evaluating them fails (KPI_ENOTFOUND)",
                kpi__owns_to(p) ? '(' : '[', btext(l, p->to).text, btext(l, r->from).text,
                kpi__owns_from(r) ? ')' : ']', i - 1, btext(l, p->to).text, i,
                btext(l, r->from).text);
}

/*
 * The rate that makes row @r pay @target (10^-9 fen) at @B, if exact:
 * (target - base) / (B - anchor) for a formula row, target / B for a whole row.
 */
static bool rate_for(kpi_bracket_mode mode, const kpi_bracket_row *r, int64_t B,
                     kpi__i128 target, kpi_dec *rate)
{
    kpi__i128 base = 0, anchor = 0;
    if (mode == KPI_BRACKET_FORMULA) {
        base = (kpi__i128)r->base * KPI_DEC_ONE;
        anchor = r->anchor == KPI_ANCHOR_FROM ? r->from : r->anchor;
    } else if (mode != KPI_BRACKET_WHOLE) {
        return false;
    }
    kpi__i128 span = (kpi__i128)B - anchor, num = target - base;
    if (span == 0 || num % span != 0 || !kpi__i128_fits(num / span))
        return false;
    *rate = (kpi_dec)(num / span);
    return true;
}

/* Appends the changes of one number that make rows[i-1] and rows[i] meet at B. */
static void fixes(const struct linter *l, size_t i, int64_t B, kpi__i128 vlo, kpi__i128 vhi,
                  kpi__text *t)
{
    const kpi_bracket_row *p = &l->rows[i - 1], *r = &l->rows[i];
    kpi_bracket_mode mode = l->def->mode;
    const char *sep = "; it disappears with ";
    kpi_dec rate;
    if (rate_for(mode, p, B, vhi, &rate)) {
        kpi__text_printf(t, "%srows[%zu].rate %s instead of %s (then %s on both sides)", sep,
                         i - 1, kpi__rate_text(rate).text, kpi__rate_text(p->rate).text,
                         paytext(l, vhi).text);
        sep = ", or with ";
    }
    if (mode == KPI_BRACKET_FORMULA && (vlo - vhi) % KPI_DEC_ONE == 0) {
        kpi__i128 base = (kpi__i128)r->base + (vlo - vhi) / KPI_DEC_ONE;
        if (kpi__i128_fits(base)) {
            kpi__text_printf(t, "%srows[%zu].base %s instead of %s (then %s on both sides)", sep,
                             i, kpi__money_text((kpi_money)base).text,
                             kpi__money_text(r->base).text, paytext(l, vlo).text);
            sep = ", or with ";
        }
    }
    if (rate_for(mode, r, B, vlo, &rate))
        kpi__text_printf(t, "%srows[%zu].rate %s instead of %s (then %s on both sides)", sep, i,
                         kpi__rate_text(rate).text, kpi__rate_text(r->rate).text,
                         paytext(l, vlo).text);
}

/* rows[i-1] and rows[i] meet at B = rows[i-1].to = rows[i].from. */
static void lint_boundary(struct linter *l, size_t i)
{
    const kpi_bracket_row *p = &l->rows[i - 1], *r = &l->rows[i];
    if (p->to != r->from || l->def->mode == KPI_BRACKET_MARGINAL)
        return;
    int64_t B = r->from;
    char path[48];
    snprintf(path, sizeof path, "rows[%zu].from", i);
    if (l->def->basis == KPI_BASIS_RATIO) {
        /* the pay depends on the amount too: compare what the rows set */
        bool fixed = l->def->mode == KPI_BRACKET_FIXED;
        int64_t a = fixed ? p->base : p->rate, b = fixed ? r->base : r->rate;
        if (a == b)
            return;
        const char *at = kpi__owns_from(r) ? "from" : "above";
        if (fixed)
            finding(l, KPI_LINT_NOTE, "bracket-jump", path,
                    "the pay steps from %s (rows[%zu]) to %s (rows[%zu]) %s the ratio %s",
                    kpi__money_text(a).text, i - 1, kpi__money_text(b).text, i, at,
                    btext(l, B).text);
        else
            finding(l, KPI_LINT_NOTE, "bracket-jump", path,
                    "the rate steps from %s (rows[%zu]) to %s (rows[%zu]) %s the ratio %s",
                    kpi__rate_text(a).text, i - 1, kpi__rate_text(b).text, i, at,
                    btext(l, B).text);
        if (b < a)
            finding(l, KPI_LINT_WARNING, "bracket-decrease", path,
                    "the %s falls at the ratio %s: a better ratio pays less",
                    fixed ? "pay" : "rate", btext(l, B).text);
        return;
    }
    kpi__i128 klo, khi;
    int64_t slo, shi;
    kpi__row_line(l->def->mode, p, 0, &klo, &slo);
    kpi__row_line(l->def->mode, r, 0, &khi, &shi);
    kpi__i128 vlo = klo + (kpi__i128)B * slo, vhi = khi + (kpi__i128)B * shi;
    if (vlo == vhi)
        return;
    char msg[800];
    kpi__text t = {msg, sizeof msg, 0};
    kpi__numtext bt = btext(l, B), lo = paytext(l, vlo), hi = paytext(l, vhi);
    if (kpi__owns_from(r))
        kpi__text_printf(&t, "jump at %s: %s just below (rows[%zu]) vs %s at %s (rows[%zu])",
                         bt.text, lo.text, i - 1, hi.text, bt.text, i);
    else if (kpi__owns_to(p))
        kpi__text_printf(&t, "jump at %s: %s at %s (rows[%zu]) vs %s just above (rows[%zu])",
                         bt.text, lo.text, bt.text, i - 1, hi.text, i);
    else
        kpi__text_printf(&t, "jump at %s: %s just below (rows[%zu]) vs %s just above "
                         "(rows[%zu])", bt.text, lo.text, i - 1, hi.text, i);
    fixes(l, i, B, vlo, vhi, &t);
    finding(l, l->def->mode == KPI_BRACKET_FIXED ? KPI_LINT_NOTE : KPI_LINT_WARNING,
            "bracket-jump", path, "%s", msg);
    if (vhi < vlo)
        finding(l, KPI_LINT_WARNING, "bracket-decrease", path,
                "pay falls from %s to %s at %s: a larger basis pays less", lo.text, hi.text,
                bt.text);
}

static void lint_rates(struct linter *l)
{
    if (l->def->mode == KPI_BRACKET_FIXED)
        return;
    for (size_t i = 0; i < l->n; i++) {
        if (l->rows[i].rate >= 0)
            continue;
        char path[48];
        snprintf(path, sizeof path, "rows[%zu].rate", i);
        finding(l, KPI_LINT_WARNING, "bracket-decrease", path,
                "rows[%zu].rate is %s: pay falls as the %s rises within the row", i,
                kpi__rate_text(l->rows[i].rate).text,
                l->def->basis == KPI_BASIS_AMOUNT ? "basis" : "amount");
    }
}

kpi_status kpi_schedule_lint(kpi_lint *lint, const kpi_schedule_def *def,
                             const kpi_bracket_row *rows, size_t nrows)
{
    kpi__error_reset();
    if (!lint || !def || (!rows && nrows > 0))
        return kpi__fail(KPI_EINVAL, "kpi_schedule_lint: lint, def and rows must not be NULL");
    kpi_status st = kpi__schedule_check(def, rows, nrows, lint);
    if (st == KPI_ENOMEM)
        return st;
    if (st != KPI_OK)
        return KPI_OK; /* the errors are the findings; the rest needs a sound table */
    struct linter l = {lint, def, rows, nrows, KPI_OK};
    lint_ends(&l);
    for (size_t i = 1; i < nrows; i++) {
        lint_gap(&l, i);
        lint_boundary(&l, i);
    }
    lint_rates(&l);
    return l.status;
}
