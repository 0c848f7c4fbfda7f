/*
 * rubric_lint.c - what a rubric leaves ambiguous or inconsistent: totals
 * that do not add up, items that can exceed their points, band gaps,
 * overlaps and shared end points, grade maps that miss a label, inputs
 * nobody reads. A built rubric is always evaluable; lint is about intent.
 */
#include <stdio.h>
#include <string.h>

#include "lint_internal.h"
#include "rubric_internal.h"

static kpi_status lint_totals(const struct kpi__rubric_data *d, kpi_lint *lint)
{
    kpi__i128 sum = 0;
    for (size_t k = 0; k < d->ncategories; k++) {
        const struct kpi__category *cat = &d->categories[k];
        kpi__i128 in_cat = 0;
        for (size_t i = 0; i < d->nitems; i++)
            if (d->items[i].category == k)
                in_cat += d->items[i].spec.points;
        sum += cat->points;
        char path[48];
        snprintf(path, sizeof path, "categories[%zu]", k);
        if (in_cat != cat->points && kpi__i128_fits(in_cat))
            KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "category-total", path,
                              "the items of category %s add up to %s points, but the category is worth %s",
                              cat->label, kpi__num((kpi_dec)in_cat).s, kpi__num(cat->points).s));
        if (cat->cap == KPI_DEC_NO_CAP || cat->cap > cat->points)
            KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "item-can-exceed", path,
                              "category %s can exceed its %s points (cap %s)", cat->label, kpi__num(cat->points).s,
                              cat->cap == KPI_DEC_NO_CAP ? "none" : kpi__num(cat->cap).s));
    }
    for (size_t i = 0; i < d->nitems; i++)
        if (d->items[i].category == KPI__NO_INDEX)
            sum += d->items[i].spec.points;
    if (sum != d->total && kpi__i128_fits(sum))
        KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "points-total", "total",
                          "items and categories add up to %s points, but the stated total is %s",
                          kpi__num((kpi_dec)sum).s, kpi__num(d->total).s));
    if (d->options.pass_mark != KPI_DEC_UNSET && d->options.pass_mark > d->total)
        KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "pass-mark-unreachable", "pass_mark",
                          "the pass mark %s is above the total %s", kpi__num(d->options.pass_mark).s,
                          kpi__num(d->total).s));
    for (size_t g = 0; g < d->ngates; g++) {
        char path[32];
        snprintf(path, sizeof path, "gates[%zu]", g);
        if (d->gates[g].at_least > d->total)
            KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "pass-mark-unreachable", path,
                              "gate %s needs %s, above the total %s", d->gates[g].label,
                              kpi__num(d->gates[g].at_least).s, kpi__num(d->total).s));
    }
    return KPI_OK;
}

static kpi_status exceed(kpi_lint *lint, const struct kpi__item *it, const char *path, const char *fmt,
                         kpi_dec v)
{
    char what[128];
    snprintf(what, sizeof what, fmt, kpi__num(v).s);
    return kpi__lint_add(lint, KPI_LINT_WARNING, "item-can-exceed", path, "item %s can score %s, above its %s points",
                         it->spec.label, what, kpi__num(it->spec.points).s);
}

static kpi_status uncapped(kpi_lint *lint, const struct kpi__item *it, const char *path)
{
    return kpi__lint_add(lint, KPI_LINT_NOTE, "item-uncapped", path,
                         "item %s is uncapped: it can score above its %s points, as the plan states",
                         it->spec.label, kpi__num(it->spec.points).s);
}

static kpi_status lint_exceed(const struct kpi__item *it, size_t i, kpi_lint *lint)
{
    const kpi_rubric_item *s = &it->spec;
    char path[64];
    switch (s->rule) {
    case KPI_RULE_LINEAR:
        snprintf(path, sizeof path, "items[%zu].cap", i);
        if (!s->lower_is_better && s->cap == KPI_DEC_NO_CAP)
            return uncapped(lint, it, path);
        if (!s->lower_is_better && s->cap != KPI_DEC_UNSET && s->cap > KPI_DEC_ONE)
            return exceed(lint, it, path, "up to %s x its points", s->cap);
        return KPI_OK;
    case KPI_RULE_BANDS:
        for (size_t j = 0; j < it->nbands; j++) {
            snprintf(path, sizeof path, "items[%zu].bands[%zu].points", i, j);
            if (it->bands[j].points > s->points)
                KPI__TRY(exceed(lint, it, path, "%s in a band", it->bands[j].points));
        }
        return KPI_OK;
    case KPI_RULE_GRADES:
        snprintf(path, sizeof path, "items[%zu].grades", i);
        for (size_t j = 0; j < it->nrows; j++)
            if (it->rows[j].value > s->points)
                KPI__TRY(exceed(lint, it, path, "%s for a grade", it->rows[j].value));
        return KPI_OK;
    case KPI_RULE_RANGE:
        snprintf(path, sizeof path, "items[%zu].tolerance_points", i);
        if (s->tolerance_points != KPI_DEC_UNSET && s->tolerance_points > s->points)
            return exceed(lint, it, path, "%s within the tolerance", s->tolerance_points);
        return KPI_OK;
    case KPI_RULE_EVENTS: {
        bool adds = false;
        for (size_t j = 0; j < it->nrows; j++)
            adds |= it->rows[j].value > 0;
        snprintf(path, sizeof path, "items[%zu].start", i);
        if (s->start != KPI_DEC_UNSET && s->start > s->points && (s->cap == KPI_DEC_UNSET || s->cap > s->points))
            KPI__TRY(exceed(lint, it, path, "%s before any event", s->start));
        snprintf(path, sizeof path, "items[%zu].cap", i);
        if (adds && s->cap == KPI_DEC_NO_CAP)
            return uncapped(lint, it, path);
        if (s->cap != KPI_DEC_UNSET && s->cap != KPI_DEC_NO_CAP && s->cap > s->points)
            return exceed(lint, it, path, "up to its cap %s", s->cap);
        return KPI_OK;
    }
    case KPI_RULE_WEIGHTED: {
        kpi__i128 w = 0;
        bool sums = false;
        for (size_t j = 0; j < it->nrows; j++) {
            w += it->rows[j].value;
            sums |= it->rows[j].of == KPI_PART_SUM;
        }
        snprintf(path, sizeof path, "items[%zu].parts", i);
        if (w != KPI_DEC_ONE && kpi__i128_fits(w))
            KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "weights-total", path,
                              "the weights of item %s add up to %s, not 1 (100%%)", s->label, kpi__num((kpi_dec)w).s));
        if (sums)
            KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "item-can-exceed", path,
                              "item %s sums a list, which its scale does not bound: it can exceed its %s points",
                              s->label, kpi__num(s->points).s));
        return KPI_OK;
    }
    default:
        return KPI_OK;
    }
}

/* ---- bands ------------------------------------------------------------------ */

static bool owns(kpi_tier_end e)
{
    return e == KPI_END_CLOSED || e == KPI_END_UNSTATED;
}

/* Order of lower ends: unbounded first, then by value, a closed end before an open one. */
static int low_cmp(const struct kpi__band *a, const struct kpi__band *b)
{
    if ((a->low_end == KPI_END_UNBOUNDED) != (b->low_end == KPI_END_UNBOUNDED))
        return a->low_end == KPI_END_UNBOUNDED ? -1 : 1;
    if (a->low_end == KPI_END_UNBOUNDED || a->low == b->low)
        return owns(b->low_end) - owns(a->low_end);
    return a->low < b->low ? -1 : 1;
}

static kpi_status lint_bands(const struct kpi__item *it, size_t i, kpi_lint *lint)
{
    size_t n = it->nbands;
    if (n < 2)
        return KPI_OK;
    size_t *order = kpi__reallocarray(NULL, n, sizeof *order);
    if (!order)
        return KPI_ENOMEM;
    for (size_t j = 0; j < n; j++) {
        /* insertion sort: a handful of bands, and stable for equal ends */
        size_t k = j;
        while (k > 0 && low_cmp(&it->bands[order[k - 1]], &it->bands[j]) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = j;
    }
    kpi_status st = KPI_OK;
    /* compare each band with the one reaching highest so far, so a band
     * nested inside another hides no gap */
    size_t reach = order[0];
    for (size_t j = 0; j + 1 < n && st == KPI_OK; j++) {
        size_t ia = reach, ib = order[j + 1];
        const struct kpi__band *a = &it->bands[ia], *b = &it->bands[ib];
        size_t first = ia < ib ? ia : ib;
        char path[64];
        snprintf(path, sizeof path, "items[%zu].bands[%zu]", i, ib);
        const char *label = it->spec.label;
        if (a->high_end == KPI_END_UNBOUNDED || b->low_end == KPI_END_UNBOUNDED || a->high > b->low) {
            st = kpi__lint_add(lint, KPI_LINT_WARNING, "band-overlap", path,
                               "item %s: bands %zu and %zu overlap; a value in both takes band %zu (listed first)",
                               label, ia + 1, ib + 1, first + 1);
        } else if (a->high < b->low) {
            st = kpi__lint_add(lint, KPI_LINT_WARNING, "band-gap", path,
                               "item %s: values between %s and %s match no band (band %zu ends at %s, band %zu "
                               "starts at %s) and score 0",
                               label, kpi__num(a->high).s, kpi__num(b->low).s, ia + 1, kpi__num(a->high).s, ib + 1,
                               kpi__num(b->low).s);
        } else if (a->high_end == KPI_END_UNSTATED && b->low_end == KPI_END_UNSTATED) {
            /* an unstated end yields to a stated one; two unstated ends leave the point to list order */
            st = kpi__lint_add(lint, KPI_LINT_WARNING, "band-shared-end", path,
                               "item %s: %s ends band %zu and starts band %zu, and no band owns it; band %zu (listed "
                               "first) takes it. Write at_most/below and at_least/above to say which",
                               label, kpi__num(b->low).s, ia + 1, ib + 1, first + 1);
        } else if (a->high_end == KPI_END_CLOSED && b->low_end == KPI_END_CLOSED) {
            st = kpi__lint_add(lint, KPI_LINT_WARNING, "band-overlap", path,
                               "item %s: %s belongs to both band %zu and band %zu; band %zu (listed first) takes it",
                               label, kpi__num(b->low).s, ia + 1, ib + 1, first + 1);
        } else if (a->high_end == KPI_END_OPEN && b->low_end == KPI_END_OPEN) {
            st = kpi__lint_add(lint, KPI_LINT_WARNING, "band-gap", path,
                               "item %s: %s itself matches no band (band %zu stops below it, band %zu starts above it)",
                               label, kpi__num(b->low).s, ia + 1, ib + 1);
        }
        if (a->high_end != KPI_END_UNBOUNDED &&
            (b->high_end == KPI_END_UNBOUNDED || b->high > a->high || (b->high == a->high && owns(b->high_end))))
            reach = ib;
    }
    kpi__free(order);
    return st;
}

/* ---- grades and inputs ---------------------------------------------------------- */

static bool has_row(const struct kpi__item *it, const char *name)
{
    for (size_t j = 0; j < it->nrows; j++)
        if (strcmp(it->rows[j].name, name) == 0)
            return true;
    return false;
}

static kpi_status lint_grades(const struct kpi__rubric_data *d, const struct kpi__item *it, size_t i,
                              kpi_lint *lint)
{
    size_t k = kpi__rubric_find_input(d, it->spec.input);
    if (k == KPI__NO_INDEX || d->inputs[k].nlabels == 0)
        return KPI_OK;
    const struct kpi__input_decl *in = &d->inputs[k];
    char path[48];
    snprintf(path, sizeof path, "items[%zu].grades", i);
    for (size_t j = 0; j < in->nlabels; j++)
        if (!has_row(it, in->labels[j]))
            KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "grade-missing-label", path,
                              "item %s gives no points for grade '%s', which input %s can hold", it->spec.label,
                              in->labels[j], in->name));
    for (size_t j = 0; j < it->nrows; j++) {
        bool known = false;
        for (size_t m = 0; m < in->nlabels && !known; m++)
            known = strcmp(in->labels[m], it->rows[j].name) == 0;
        if (!known)
            KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "grade-unknown-label", path,
                              "item %s maps grade '%s', which input %s never holds (its labels are declared)",
                              it->spec.label, it->rows[j].name, in->name));
    }
    return KPI_OK;
}

static bool input_used(const struct kpi__rubric_data *d, const char *name)
{
    for (size_t i = 0; i < d->nitems; i++) {
        const struct kpi__item *it = &d->items[i];
        if (it->spec.input && strcmp(it->spec.input, name) == 0)
            return true;
        if ((it->spec.rule == KPI_RULE_EVENTS || it->spec.rule == KPI_RULE_WEIGHTED) && has_row(it, name))
            return true;
    }
    for (size_t i = 0; i < d->nadjustments; i++)
        if (strcmp(d->adjustments[i].input, name) == 0)
            return true;
    for (size_t i = 0; i < d->neligibility; i++)
        if (strcmp(d->eligibility[i].input, name) == 0)
            return true;
    return false;
}

kpi_status kpi__rubric_lint_inputs(const kpi_rubric *rubric, kpi_lint *lint, kpi__input_reader read_elsewhere,
                                   const void *ctx)
{
    const struct kpi__rubric_data *d = &rubric->d;
    for (size_t k = 0; k < d->ninputs; k++) {
        if (input_used(d, d->inputs[k].name) || (read_elsewhere && read_elsewhere(ctx, d->inputs[k].name)))
            continue;
        struct kpi__sb path = {0};
        kpi__sb_printf(&path, "inputs.%s", d->inputs[k].name);
        char *p = kpi__sb_take(&path);
        if (!p)
            return KPI_ENOMEM;
        kpi_status st = kpi__lint_add(lint, KPI_LINT_WARNING, "unused-input", p,
                                      "input %s (%s) is declared but no rule reads it", d->inputs[k].name,
                                      d->inputs[k].label);
        kpi__free(p);
        KPI__TRY(st);
    }
    return KPI_OK;
}

kpi_status kpi__rubric_lint_rules(const kpi_rubric *rubric, kpi_lint *lint)
{
    const struct kpi__rubric_data *d = &rubric->d;
    KPI__TRY(lint_totals(d, lint));
    for (size_t i = 0; i < d->nitems; i++) {
        const struct kpi__item *it = &d->items[i];
        KPI__TRY(lint_exceed(it, i, lint));
        if (it->spec.rule == KPI_RULE_BANDS)
            KPI__TRY(lint_bands(it, i, lint));
        if (it->spec.rule == KPI_RULE_GRADES)
            KPI__TRY(lint_grades(d, it, i, lint));
    }
    return KPI_OK;
}

kpi_status kpi_rubric_lint(const kpi_rubric *rubric, kpi_lint *lint)
{
    kpi__error_reset();
    if (!rubric || !lint)
        return kpi__fail(KPI_EINVAL, "kpi_rubric_lint: rubric and lint must not be NULL");
    kpi_status st = kpi__rubric_lint_rules(rubric, lint);
    return st == KPI_OK ? kpi__rubric_lint_inputs(rubric, lint, NULL, NULL) : st;
}
