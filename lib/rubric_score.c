/*
 * rubric_score.c - scoring one agent: eligibility, each item by its rule,
 * N/A policies, category subtotals and caps, renormalisation, adjustments,
 * total, critical items, pass mark and gates.
 *
 * Arithmetic is exact: item rules work in kpi_dec (or 128-bit for weighted
 * sums), and each reported figure is rounded once with the rubric's mode.
 */
#include <stdio.h>
#include <string.h>

#include "rubric_internal.h"

struct item_eval {
    bool na;
    kpi_dec exact;
    struct kpi__sb value, row, reason;
};

struct ctx {
    const struct kpi__rubric_data *d;
    const kpi_inputs *in;
    char path[48]; /* the rubric element being scored, for errors */
    struct item_eval scratch; /* one line's texts; its buffers serve every line */
};

/* c->path = "@what[@i]" (every item of every agent: no snprintf) */
static void set_path(struct ctx *c, const char *what, size_t i)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    size_t len = strlen(what);
    if (len + (size_t)n + 3 > sizeof c->path) /* cannot happen with the names above */
        len = sizeof c->path - (size_t)n - 3;
    memcpy(c->path, what, len);
    c->path[len++] = '[';
    while (n)
        c->path[len++] = digits[--n];
    c->path[len++] = ']';
    c->path[len] = '\0';
}

static kpi_status input_error(struct ctx *c, const char *fmt, ...) KPI__PRINTF(2, 3);

static kpi_status input_error(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kpi__vfail(KPI_EINPUT, fmt, ap);
    va_end(ap);
    kpi__error_set_path(c->path);
    return KPI_EINPUT;
}

static const char *kind_name(int32_t kind)
{
    switch (kind) {
    case KPI_INPUT_NUMBER: return "a number";
    case KPI_INPUT_COUNT: return "a count";
    case KPI_INPUT_GRADE: return "a grade label";
    case KPI_INPUT_LIST: return "a list";
    default: return "N/A";
    }
}

/* The label of declared input @name, or the name. */
static const char *input_label(const struct ctx *c, const char *name)
{
    size_t i = kpi__rubric_find_input(c->d, name);
    return i == KPI__NO_INDEX ? name : c->d->inputs[i].label;
}

/*
 * A number (or count) input. *na is true when it is missing or N/A; other
 * kinds are an input error.
 */
static kpi_status get_number(struct ctx *c, const char *name, kpi_dec *out, bool *na)
{
    const struct kpi__value *v = kpi__inputs_find(c->in, name);
    *na = !v || v->kind == KPI__VALUE_NA;
    if (*na)
        return KPI_OK;
    if (v->kind != KPI_INPUT_NUMBER && v->kind != KPI_INPUT_COUNT)
        return input_error(c, "input '%s' holds %s; this rule needs a number", name, kind_name(v->kind));
    *out = v->number;
    return KPI_OK;
}

static kpi_status round_fig(const struct ctx *c, kpi_dec v, kpi_dec *out)
{
    return kpi_dec_round(v, c->d->options.places, c->d->options.round_mode, out);
}

static kpi_dec clamp(kpi_dec v, kpi_dec floor, kpi_dec cap)
{
    if (cap != KPI_DEC_UNSET && cap != KPI_DEC_NO_CAP && v > cap)
        v = cap;
    if (floor != KPI_DEC_UNSET && v < floor)
        v = floor;
    return v;
}

/* ---- one item per rule ----------------------------------------------------- */

/* The scratch evaluation, emptied (its buffers kept) for the next line. */
static struct item_eval *fresh_eval(struct ctx *c)
{
    struct item_eval *e = &c->scratch;
    e->na = false;
    e->exact = 0;
    struct kpi__sb *sbs[] = {&e->value, &e->row, &e->reason};
    for (int k = 0; k < 3; k++) {
        sbs[k]->len = 0;
        if (sbs[k]->s)
            sbs[k]->s[0] = '\0';
    }
    return e;
}

static kpi_status eval_linear(struct ctx *c, const kpi_rubric_item *s, struct item_eval *e)
{
    kpi_dec v;
    KPI__TRY(get_number(c, s->input, &v, &e->na));
    if (e->na)
        return KPI_OK;
    kpi__sb_printf(&e->value, "%s", kpi__num(v).s);
    if (s->lower_is_better) {
        kpi__sb_printf(&e->row, "full at x ≤ %s, 0 at x ≥ %s, linear between", kpi__num(s->target).s,
                       kpi__num(s->limit).s);
        if (v <= s->target) {
            e->exact = s->points;
            kpi__sb_printf(&e->reason, "%s ≤ target %s: full points", kpi__num(v).s, kpi__num(s->target).s);
        } else if (v >= s->limit) {
            e->exact = 0;
            kpi__sb_printf(&e->reason, "%s ≥ limit %s: no points", kpi__num(v).s, kpi__num(s->limit).s);
        } else {
            KPI__TRY(kpi_dec_muldiv(s->points, s->limit - v, s->limit - s->target, c->d->options.round_mode,
                               &e->exact));
            kpi__sb_printf(&e->reason, "%s × (%s − %s) / (%s − %s)", kpi__num(s->points).s, kpi__num(s->limit).s,
                           kpi__num(v).s, kpi__num(s->limit).s, kpi__num(s->target).s);
        }
        return KPI_OK;
    }
    kpi_dec cap = s->cap == KPI_DEC_UNSET ? KPI_DEC_ONE : s->cap;
    if (cap == KPI_DEC_NO_CAP)
        kpi__sb_printf(&e->row, "points × x / %s, uncapped", kpi__num(s->target).s);
    else
        kpi__sb_printf(&e->row, "points × min(x / %s, %s)", kpi__num(s->target).s, kpi__num(cap).s);
    if (v <= 0) {
        e->exact = 0;
        kpi__sb_printf(&e->reason, "%s ≤ 0: no points", kpi__num(v).s);
    } else if (cap != KPI_DEC_NO_CAP && (kpi__i128)v * KPI_DEC_ONE >= (kpi__i128)s->target * cap) {
        KPI__TRY(kpi_dec_mul(s->points, cap, c->d->options.round_mode, &e->exact));
        kpi__sb_printf(&e->reason, "%s / %s reaches the cap %s", kpi__num(v).s, kpi__num(s->target).s,
                       kpi__num(cap).s);
    } else {
        KPI__TRY(kpi_dec_muldiv(s->points, v, s->target, c->d->options.round_mode, &e->exact));
        kpi__sb_printf(&e->reason, "%s × %s / %s", kpi__num(s->points).s, kpi__num(v).s, kpi__num(s->target).s);
    }
    return KPI_OK;
}

/* 0: not in the band; 1: only on an unstated end point (a weak claim); 2: in it */
static int band_contains(const struct kpi__band *b, kpi_dec v)
{
    if (b->low_end != KPI_END_UNBOUNDED && (v < b->low || (v == b->low && b->low_end == KPI_END_OPEN)))
        return 0;
    if (b->high_end != KPI_END_UNBOUNDED && (v > b->high || (v == b->high && b->high_end == KPI_END_OPEN)))
        return 0;
    bool weak = (b->low_end == KPI_END_UNSTATED && v == b->low) || (b->high_end == KPI_END_UNSTATED && v == b->high);
    return weak ? 1 : 2;
}

/* "80 ≤ x < 90" */
static void band_text(struct kpi__sb *sb, const struct kpi__band *b)
{
    if (b->low_end != KPI_END_UNBOUNDED)
        kpi__sb_printf(sb, "%s %s ", kpi__num(b->low).s, b->low_end == KPI_END_OPEN ? "<" : "≤");
    kpi__sb_printf(sb, "x");
    if (b->high_end != KPI_END_UNBOUNDED)
        kpi__sb_printf(sb, " %s %s", b->high_end == KPI_END_OPEN ? "<" : "≤", kpi__num(b->high).s);
    if (b->low_end == KPI_END_UNBOUNDED && b->high_end == KPI_END_UNBOUNDED)
        kpi__sb_printf(sb, " any");
}

static kpi_status eval_bands(struct ctx *c, const struct kpi__item *it, struct item_eval *e)
{
    kpi_dec v;
    KPI__TRY(get_number(c, it->spec.input, &v, &e->na));
    if (e->na)
        return KPI_OK;
    kpi__sb_printf(&e->value, "%s", kpi__num(v).s);
    /* an unstated end owns its point only if no other band claims it */
    size_t found = KPI__NO_INDEX;
    for (size_t i = 0; i < it->nbands; i++) {
        int claim = band_contains(&it->bands[i], v);
        if (claim == 2) {
            found = i;
            break;
        }
        if (claim == 1 && found == KPI__NO_INDEX)
            found = i;
    }
    if (found != KPI__NO_INDEX) {
        size_t i = found;
        const struct kpi__band *b = &it->bands[i];
        e->exact = b->points;
        band_text(&e->row, b);
        kpi__sb_printf(&e->row, " → %s", kpi__num(b->points).s);
        kpi__sb_printf(&e->reason, "band %zu%s%s", i + 1, b->label ? " " : "", b->label ? b->label : "");
        return KPI_OK;
    }
    e->exact = 0;
    kpi__sb_printf(&e->reason, "%s is in no band: no points", kpi__num(v).s);
    return KPI_OK;
}

static kpi_status eval_range(struct ctx *c, const kpi_rubric_item *s, struct item_eval *e)
{
    kpi_dec v;
    KPI__TRY(get_number(c, s->input, &v, &e->na));
    if (e->na)
        return KPI_OK;
    kpi__sb_printf(&e->value, "%s", kpi__num(v).s);
    if (v >= s->low && v <= s->high) {
        e->exact = s->points;
        kpi__sb_printf(&e->row, "%s ≤ x ≤ %s → %s", kpi__num(s->low).s, kpi__num(s->high).s,
                       kpi__num(s->points).s);
        kpi__sb_printf(&e->reason, "inside the range");
        return KPI_OK;
    }
    if (s->tolerance != KPI_DEC_UNSET) {
        kpi_dec dl, dh;
        KPI__TRY(kpi_dec_mul(s->low, s->tolerance, KPI_ROUND_HALF_EVEN, &dl));
        KPI__TRY(kpi_dec_mul(s->high, s->tolerance, KPI_ROUND_HALF_EVEN, &dh));
        kpi_dec lo = s->low - dl, hi = s->high + dh;
        if (v >= lo && v <= hi) {
            e->exact = s->tolerance_points == KPI_DEC_UNSET ? s->points : s->tolerance_points;
            kpi__sb_printf(&e->row, "%s ≤ x ≤ %s (± %s) → %s", kpi__num(lo).s, kpi__num(hi).s,
                           kpi__num(s->tolerance).s, kpi__num(e->exact).s);
            kpi__sb_printf(&e->reason, "outside %s..%s but within the tolerance", kpi__num(s->low).s,
                           kpi__num(s->high).s);
            return KPI_OK;
        }
        kpi__sb_printf(&e->row, "outside %s..%s", kpi__num(lo).s, kpi__num(hi).s);
    } else {
        kpi__sb_printf(&e->row, "outside %s..%s", kpi__num(s->low).s, kpi__num(s->high).s);
    }
    e->exact = 0;
    kpi__sb_printf(&e->reason, "%s the range: no points", v < s->low ? "below" : "above");
    return KPI_OK;
}

static kpi_status eval_grades(struct ctx *c, const struct kpi__item *it, struct item_eval *e)
{
    const struct kpi__value *v = kpi__inputs_find(c->in, it->spec.input);
    e->na = !v || v->kind == KPI__VALUE_NA;
    if (e->na)
        return KPI_OK;
    if (v->kind != KPI_INPUT_GRADE)
        return input_error(c, "input '%s' holds %s; item '%s' needs a grade label", it->spec.input,
                           kind_name(v->kind), it->spec.id);
    for (size_t i = 0; i < it->nrows; i++) {
        if (strcmp(it->rows[i].name, v->label) == 0) {
            e->exact = it->rows[i].value;
            kpi__sb_printf(&e->value, "%s", v->label);
            kpi__sb_printf(&e->row, "%s → %s", v->label, kpi__num(e->exact).s);
            kpi__sb_printf(&e->reason, "grade %s", v->label);
            return KPI_OK;
        }
    }
    struct kpi__sb known = {0};
    for (size_t i = 0; i < it->nrows; i++)
        kpi__sb_printf(&known, "%s%s", i ? ", " : "", it->rows[i].name);
    kpi_status st = input_error(c, "input '%s': grade '%s' is not one of %s (item '%s')", it->spec.input, v->label,
                                known.s ? known.s : "", it->spec.id);
    kpi__free(known.s);
    return st;
}

static kpi_status eval_events(struct ctx *c, const struct kpi__item *it, struct item_eval *e)
{
    const kpi_rubric_item *s = &it->spec;
    kpi_dec start = s->start == KPI_DEC_UNSET ? s->points : s->start;
    kpi_dec sum = start;
    kpi__sb_printf(&e->row, "%s", kpi__num(start).s);
    for (size_t i = 0; i < it->nrows; i++) {
        const struct kpi__row *r = &it->rows[i];
        const struct kpi__value *v = kpi__inputs_find(c->in, r->name);
        if (v && v->kind == KPI__VALUE_NA) {
            e->na = true;
            return KPI_OK;
        }
        if (v && v->kind != KPI_INPUT_COUNT)
            return input_error(c, "input '%s' holds %s; event counts must be set with kpi_inputs_set_count",
                               r->name, kind_name(v->kind));
        kpi_dec n = v ? v->number : 0, delta;
        KPI__TRY(kpi_dec_mul(n, r->value, c->d->options.round_mode, &delta));
        KPI__TRY(kpi_dec_add(sum, delta, &sum));
        if (n) {
            kpi__sb_printf(&e->value, "%s%s ×%s", e->value.len ? ", " : "", r->label, kpi__num(n).s);
            kpi__sb_printf(&e->row, " %s %s×%s", r->value < 0 ? "−" : "+",
                           kpi__num(r->value < 0 ? -r->value : r->value).s, kpi__num(n).s);
        }
    }
    if (!e->value.len)
        kpi__sb_printf(&e->value, "no events");
    kpi_dec cap = s->cap == KPI_DEC_UNSET ? s->points : s->cap;
    e->exact = clamp(sum, s->floor, cap);
    kpi__sb_printf(&e->row, " = %s", kpi__num(sum).s);
    if (e->exact != sum)
        kpi__sb_printf(&e->reason, "%s %s", e->exact > sum ? "raised to the floor" : "held at the cap",
                       kpi__num(e->exact).s);
    else
        kpi__sb_printf(&e->reason, "start %s, then each event", kpi__num(start).s);
    return KPI_OK;
}

/* The number a weighted part reads, at 10^-18 (exact for sums and values). */
static kpi_status part_value(struct ctx *c, const struct kpi__row *r, kpi_dec scale, kpi__i128 *out, bool *na)
{
    const struct kpi__value *v = kpi__inputs_find(c->in, r->name);
    *na = !v || v->kind == KPI__VALUE_NA || (v->kind == KPI_INPUT_LIST && v->n == 0);
    if (*na)
        return KPI_OK;
    if (r->of == KPI_PART_VALUE) {
        if (v->kind != KPI_INPUT_NUMBER)
            return input_error(c, "input '%s' holds %s; this part needs a number", r->name, kind_name(v->kind));
        if (v->number < 0 || v->number > scale)
            return input_error(c, "input '%s' (%s): %s is outside 0..%s", r->name, input_label(c, r->name),
                               kpi__num(v->number).s, kpi__num(scale).s);
        *out = (kpi__i128)v->number * KPI_DEC_ONE;
        return KPI_OK;
    }
    if (v->kind != KPI_INPUT_LIST)
        return input_error(c, "input '%s' holds %s; this part needs a list", r->name, kind_name(v->kind));
    kpi__i128 sum = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (r->of == KPI_PART_MEAN && (v->list[i] < 0 || v->list[i] > scale))
            return input_error(c, "input '%s' (%s): sample %zu is %s, outside 0..%s", r->name,
                               input_label(c, r->name), i + 1, kpi__num(v->list[i]).s, kpi__num(scale).s);
        sum += v->list[i];
    }
    sum *= KPI_DEC_ONE;
    *out = r->of == KPI_PART_SUM ? sum : kpi__div_round(sum, (kpi__i128)v->n, KPI_ROUND_HALF_EVEN);
    return KPI_OK;
}

static kpi_status eval_weighted(struct ctx *c, const struct kpi__item *it, struct item_eval *e)
{
    const kpi_rubric_item *s = &it->spec;
    kpi_dec scale = s->scale == KPI_DEC_UNSET ? s->points : s->scale;
    kpi__i128 acc = 0; /* sum of weight x part, at 10^-27 */
    for (size_t i = 0; i < it->nrows; i++) {
        const struct kpi__row *r = &it->rows[i];
        kpi__i128 part = 0;
        KPI__TRY(part_value(c, r, scale, &part, &e->na));
        if (e->na)
            return KPI_OK;
        kpi__i128 shown = kpi__div_round(part, KPI_DEC_ONE, KPI_ROUND_HALF_EVEN);
        if (!kpi__i128_fits(shown))
            return kpi__fail(KPI_EOVERFLOW, "item '%s': part '%s' is too large", s->id, r->name);
        kpi__sb_printf(&e->value, "%s%s %s%s", i ? "; " : "", r->label,
                       r->of == KPI_PART_MEAN ? "mean " : r->of == KPI_PART_SUM ? "sum " : "",
                       kpi__num((kpi_dec)shown).s);
        kpi__sb_printf(&e->row, "%s%s×%s", i ? " + " : "", kpi__num(r->value).s, kpi__num((kpi_dec)shown).s);
        kpi__i128 term;
        if (__builtin_mul_overflow(part, (kpi__i128)r->value, &term) || __builtin_add_overflow(acc, term, &acc))
            return kpi__fail(KPI_EOVERFLOW, "item '%s': the weighted sum overflows", s->id);
    }
    /* points x acc / scale: acc is at 10^-27, points and scale at 10^-9 */
    kpi__i128 den = (kpi__i128)scale * KPI_DEC_ONE * KPI_DEC_ONE;
    kpi__i128 q = kpi__div_round(acc, den, c->d->options.round_mode); /* sum(w x part)/scale, integer part */
    kpi__i128 r = acc - q * den;
    /* exact = points x acc / den, done as points x q + points x r / den without overflow */
    kpi__i128 whole, exact;
    kpi__i128 frac = kpi__div_round((r / KPI_DEC_ONE) * s->points, (kpi__i128)scale * KPI_DEC_ONE,
                                    c->d->options.round_mode);
    if (__builtin_mul_overflow(q, (kpi__i128)s->points, &whole) || __builtin_add_overflow(whole, frac, &exact))
        return kpi__fail(KPI_EOVERFLOW, "item '%s': the weighted score overflows", s->id);
    if (!kpi__i128_fits(exact))
        return kpi__fail(KPI_EOVERFLOW, "item '%s': the weighted score overflows", s->id);
    e->exact = (kpi_dec)exact;
    kpi__sb_printf(&e->row, " (of %s) → × %s", kpi__num(scale).s, kpi__num(s->points).s);
    kpi__sb_printf(&e->reason, "weighted sum %s of %s", kpi__num(e->exact).s, kpi__num(s->points).s);
    return KPI_OK;
}

static kpi_status eval_score(struct ctx *c, const kpi_rubric_item *s, struct item_eval *e)
{
    kpi_dec v, scale = s->scale == KPI_DEC_UNSET ? s->points : s->scale;
    KPI__TRY(get_number(c, s->input, &v, &e->na));
    if (e->na)
        return KPI_OK;
    if (v < 0 || v > scale)
        return input_error(c, "input '%s' (%s): score %s is outside 0..%s", s->input, input_label(c, s->input),
                           kpi__num(v).s, kpi__num(scale).s);
    kpi__sb_printf(&e->value, "%s", kpi__num(v).s);
    KPI__TRY(kpi_dec_muldiv(s->points, v, scale, c->d->options.round_mode, &e->exact));
    if (scale == s->points) {
        kpi__sb_printf(&e->row, "points as given");
    } else {
        kpi__sb_printf(&e->row, "x / %s × %s", kpi__num(scale).s, kpi__num(s->points).s);
    }
    kpi__sb_printf(&e->reason, "evaluator's score");
    return KPI_OK;
}

static kpi_status eval_item(struct ctx *c, const struct kpi__item *it, struct item_eval *e)
{
    switch (it->spec.rule) {
    case KPI_RULE_LINEAR: return eval_linear(c, &it->spec, e);
    case KPI_RULE_BANDS: return eval_bands(c, it, e);
    case KPI_RULE_RANGE: return eval_range(c, &it->spec, e);
    case KPI_RULE_GRADES: return eval_grades(c, it, e);
    case KPI_RULE_EVENTS: return eval_events(c, it, e);
    case KPI_RULE_WEIGHTED: return eval_weighted(c, it, e);
    default: return eval_score(c, &it->spec, e);
    }
}

/* Copies the texts into the card for @line; false on an allocation failure. */
static bool take_texts(kpi_scorecard *card, struct kpi__line *line, const struct item_eval *e)
{
    line->value = kpi__card_text(card, &e->value);
    line->row = kpi__card_text(card, &e->row);
    line->reason = kpi__card_text(card, &e->reason);
    return line->value && line->row && line->reason;
}

static kpi_dec basis(const struct ctx *c, const struct kpi__line *l)
{
    return c->d->options.total_mode == KPI_TOTAL_SUM_OF_ROUNDED ? l->points : l->exact;
}

/* ---- the card ------------------------------------------------------------------ */

static kpi_status score_items(struct ctx *c, kpi_scorecard *card, bool *critical_failed, kpi_dec *base,
                              kpi_dec *max_all, kpi_dec *max_scored)
{
    const struct kpi__rubric_data *d = c->d;
    *base = *max_all = *max_scored = 0;
    for (size_t i = 0; i < d->nitems; i++) {
        const struct kpi__item *it = &d->items[i];
        set_path(c, "items", i);
        struct kpi__line *line = kpi__card_add_line(card);
        line->kind = KPI_LINE_ITEM;
        line->id = it->spec.id;
        line->label = it->spec.label;
        line->category = it->spec.category ? it->spec.category : "";
        line->max = it->spec.points;
        struct item_eval *e = fresh_eval(c);
        kpi_status st = eval_item(c, it, e);
        if (st == KPI_OK && e->na) {
            kpi_na_policy na = kpi__item_na(d, it);
            e = fresh_eval(c); /* what was written before N/A was known goes */
            e->exact = na == KPI_NA_FULL ? it->spec.points : 0;
            line->status = na == KPI_NA_EXCLUDE ? KPI_LINE_NA_EXCLUDED
                           : na == KPI_NA_ZERO  ? KPI_LINE_NA_ZERO
                                                : KPI_LINE_NA_FULL;
            kpi__sb_printf(&e->value, "N/A");
            kpi__sb_printf(&e->reason, "%s",
                           na == KPI_NA_EXCLUDE ? "not available: excluded, the total is renormalised"
                           : na == KPI_NA_ZERO  ? "not available: counts as 0"
                                                : "not available: counts as full points");
        }
        line->exact = e->exact;
        bool texts = take_texts(card, line, e);
        if (st != KPI_OK)
            return st;
        if (!texts)
            return KPI_ENOMEM;
        KPI__TRY(round_fig(c, line->exact, &line->points));
        KPI__TRY(kpi_dec_add(*max_all, it->spec.points, max_all));
        if (line->status == KPI_LINE_NA_EXCLUDED)
            continue;
        KPI__TRY(kpi_dec_add(*max_scored, it->spec.points, max_scored));
        if (it->spec.critical) {
            kpi_dec below = it->spec.critical_below;
            if (below == KPI_DEC_UNSET ? line->exact <= 0 : line->exact < below) {
                line->critical_failed = 1;
                *critical_failed = true;
            }
        }
        if (it->category == KPI__NO_INDEX)
            KPI__TRY(kpi_dec_add(*base, basis(c, line), base));
    }
    /* categories: the subtotal of their items, held within floor and cap */
    size_t nitems = card->nlines;
    for (size_t k = 0; k < d->ncategories; k++) {
        const struct kpi__category *cat = &d->categories[k];
        kpi_dec sum = 0;
        for (size_t i = 0; i < nitems; i++)
            if (d->items[i].category == k && card->lines[i].status != KPI_LINE_NA_EXCLUDED)
                KPI__TRY(kpi_dec_add(sum, basis(c, &card->lines[i]), &sum));
        struct kpi__line *line = kpi__card_add_line(card);
        line->kind = KPI_LINE_CATEGORY;
        line->id = cat->id;
        line->label = cat->label;
        line->category = cat->id;
        line->max = cat->points;
        line->exact = clamp(sum, cat->floor, cat->cap);
        struct item_eval *e = fresh_eval(c);
        kpi__sb_printf(&e->value, "%s", kpi__num(sum).s);
        if (cat->cap == KPI_DEC_NO_CAP)
            kpi__sb_printf(&e->row, "sum of items, uncapped");
        else
            kpi__sb_printf(&e->row, "sum of items, cap %s", kpi__num(cat->cap).s);
        if (cat->floor != KPI_DEC_UNSET)
            kpi__sb_printf(&e->row, ", floor %s", kpi__num(cat->floor).s);
        kpi__sb_printf(&e->reason, "%s", line->exact < sum   ? "held at the cap"
                                         : line->exact > sum ? "raised to the floor"
                                                             : "subtotal");
        if (!take_texts(card, line, e))
            return KPI_ENOMEM;
        KPI__TRY(round_fig(c, line->exact, &line->points));
        KPI__TRY(kpi_dec_add(*base, basis(c, line), base));
    }
    return KPI_OK;
}

static kpi_status score_adjustments(struct ctx *c, kpi_scorecard *card, kpi_dec *sum_out)
{
    const struct kpi__rubric_data *d = c->d;
    *sum_out = 0;
    for (size_t k = 0; k < d->nadjustments; k++) {
        const kpi_rubric_adjustment *a = &d->adjustments[k];
        set_path(c, "adjustments", k);
        struct kpi__line *line = kpi__card_add_line(card);
        line->kind = KPI_LINE_ADJUSTMENT;
        line->id = a->id;
        line->label = a->label;
        line->category = "";
        const struct kpi__value *v = kpi__inputs_find(c->in, a->input);
        bool none = !v || v->kind == KPI__VALUE_NA;
        struct item_eval *e = fresh_eval(c);
        kpi_dec sum = 0;
        kpi_status st = KPI_OK;
        if (a->each != KPI_DEC_UNSET) {
            if (!none && v->kind != KPI_INPUT_COUNT)
                st = input_error(c, "input '%s' holds %s; adjustment '%s' needs a count", a->input, kind_name(v->kind),
                                 a->id);
            kpi_dec n = none ? 0 : v->number;
            if (st == KPI_OK)
                st = kpi_dec_mul(n, a->each, KPI_ROUND_HALF_EVEN, &sum);
            kpi__sb_printf(&e->value, "×%s", kpi__num(n).s);
            kpi__sb_printf(&e->row, "%s each", kpi__num(a->each).s);
        } else {
            if (!none && v->kind != KPI_INPUT_LIST)
                st = input_error(c, "input '%s' holds %s; adjustment '%s' needs a list of picks", a->input,
                                 kind_name(v->kind), a->id);
            for (size_t i = 0; st == KPI_OK && !none && i < v->n; i++) {
                if (v->list[i] < a->each_min || v->list[i] > a->each_max)
                    st = input_error(c, "input '%s' (%s): value %zu is %s, outside %s..%s", a->input,
                                     input_label(c, a->input), i + 1, kpi__num(v->list[i]).s,
                                     kpi__num(a->each_min).s, kpi__num(a->each_max).s);
                else
                    st = kpi_dec_add(sum, v->list[i], &sum);
                kpi__sb_printf(&e->value, "%s%s", i ? ", " : "", kpi__num(v->list[i]).s);
            }
            if (none || v->n == 0)
                kpi__sb_printf(&e->value, "none");
            kpi__sb_printf(&e->row, "%s..%s each", kpi__num(a->each_min).s, kpi__num(a->each_max).s);
        }
        line->exact = clamp(sum, a->floor, a->cap);
        kpi__sb_printf(&e->reason, "%s", line->exact < sum   ? "held at the cap"
                                        : line->exact > sum ? "raised to the floor"
                                                            : "outside the item caps");
        bool texts = take_texts(card, line, e);
        if (st != KPI_OK)
            return st;
        if (!texts)
            return KPI_ENOMEM;
        KPI__TRY(round_fig(c, line->exact, &line->points));
        KPI__TRY(kpi_dec_add(*sum_out, basis(c, line), sum_out));
    }
    return KPI_OK;
}

/* Not assessed when an eligibility input is above its limit. */
static kpi_status check_eligibility(struct ctx *c, kpi_scorecard *card, bool *eligible)
{
    *eligible = true;
    for (size_t k = 0; k < c->d->neligibility; k++) {
        const struct kpi__eligibility *el = &c->d->eligibility[k];
        set_path(c, "eligibility", k);
        kpi_dec v;
        bool na;
        KPI__TRY(get_number(c, el->input, &v, &na));
        if (na || v <= el->above)
            continue;
        *eligible = false;
        card->reason = kpi__sprintf("%s%s%s = %s, more than %s", el->reason, *el->reason ? ": " : "",
                                    input_label(c, el->input), kpi__num(v).s, kpi__num(el->above).s);
        return card->reason ? KPI_OK : KPI_ENOMEM;
    }
    return KPI_OK;
}

/* Inputs the rubric does not declare are errors (a misspelt name would
 * otherwise read as a missing value). */
static kpi_status check_names(struct ctx *c)
{
    if (c->d->ninputs == 0)
        return KPI_OK;
    for (size_t i = 0; i < kpi__inputs_count(c->in); i++) {
        const char *name = kpi__inputs_at(c->in, i)->name;
        if (kpi__rubric_find_input(c->d, name) == KPI__NO_INDEX)
            return kpi__fail(KPI_ENOTFOUND, "input '%s' is not declared by the rubric", name);
    }
    return KPI_OK;
}

static kpi_status finish(struct ctx *c, kpi_scorecard *card, kpi_dec base, kpi_dec adjust, bool critical_failed,
                         kpi_dec max_all, kpi_dec max_scored)
{
    const struct kpi__rubric_data *d = c->d;
    if (max_scored < max_all) {
        if (max_scored == 0) {
            card->outcome = KPI_OUTCOME_NOT_ASSESSED;
            card->reason = kpi__sprintf("no item could be scored: every input is N/A");
            return card->reason ? KPI_OK : KPI_ENOMEM;
        }
        card->factor_num = max_all;
        card->factor_den = max_scored;
        KPI__TRY(kpi_dec_muldiv(base, max_all, max_scored, d->options.round_mode, &base));
    }
    kpi_dec total;
    KPI__TRY(kpi_dec_add(base, adjust, &total));
    if (d->options.cap_total && total > d->total)
        total = d->total;
    if (d->options.floor_total != KPI_DEC_UNSET && total < d->options.floor_total)
        total = d->options.floor_total;
    card->exact_total = total;
    KPI__TRY(round_fig(c, total, &card->total));
    card->outcome = KPI_OUTCOME_PASS;
    if (critical_failed) {
        card->outcome = KPI_OUTCOME_FAIL;
        const char *which = "";
        for (size_t i = 0; i < card->nlines; i++)
            if (card->lines[i].critical_failed) {
                which = card->lines[i].label;
                break;
            }
        card->reason = kpi__sprintf("critical item %s failed%s", which,
                                    d->options.critical == KPI_CRITICAL_ZERO ? ": the total is 0" : "");
        if (d->options.critical == KPI_CRITICAL_ZERO)
            card->total = card->exact_total = 0;
    } else if (d->options.pass_mark != KPI_DEC_UNSET && card->total < d->options.pass_mark) {
        card->outcome = KPI_OUTCOME_FAIL;
        card->reason = kpi__sprintf("total %s is below the pass mark %s", kpi__num(card->total).s,
                                    kpi__num(d->options.pass_mark).s);
    }
    if (card->outcome == KPI_OUTCOME_FAIL && !card->reason)
        return KPI_ENOMEM;
    for (size_t g = 0; g < d->ngates; g++)
        card->gates[g].passed = !critical_failed && card->total >= d->gates[g].at_least;
    return KPI_OK;
}

kpi_status kpi_rubric_score(kpi_scorecard **out, const kpi_rubric *rubric, const kpi_inputs *inputs)
{
    kpi__error_reset();
    if (!out || !rubric || !inputs)
        return kpi__fail(KPI_EINVAL, "kpi_rubric_score: out, rubric and inputs must not be NULL");
    const struct kpi__rubric_data *d = &rubric->d;
    struct ctx c = {d, inputs, "", {0}};
    kpi_status st = check_names(&c);
    if (st != KPI_OK)
        return st;
    kpi_scorecard *card = kpi__card_new(d->nitems + d->ncategories + d->nadjustments, d->ngates);
    if (!card)
        return KPI_ENOMEM;
    card->options = d->options;
    card->stated_total = d->total;
    for (size_t g = 0; g < d->ngates; g++) {
        card->gates[g].id = d->gates[g].id;
        card->gates[g].label = d->gates[g].label;
        card->gates[g].at_least = d->gates[g].at_least;
    }
    bool eligible, critical_failed = false;
    kpi_dec base, adjust, max_all, max_scored;
    st = check_eligibility(&c, card, &eligible);
    if (st == KPI_OK && !eligible) {
        card->outcome = KPI_OUTCOME_NOT_ASSESSED;
    } else if (st == KPI_OK && (st = score_items(&c, card, &critical_failed, &base, &max_all, &max_scored)) == KPI_OK &&
               (st = score_adjustments(&c, card, &adjust)) == KPI_OK) {
        st = finish(&c, card, base, adjust, critical_failed, max_all, max_scored);
    }
    kpi__free(c.scratch.value.s);
    kpi__free(c.scratch.row.s);
    kpi__free(c.scratch.reason.s);
    if (st != KPI_OK) {
        kpi__error_set_path(c.path);
        kpi_scorecard_free(card);
        return st;
    }
    *out = card;
    return KPI_OK;
}
