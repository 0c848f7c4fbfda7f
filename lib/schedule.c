/*
 * schedule.c - commission bracket schedules: validation, building, and
 * evaluation (one basis, a batch, month-to-date increments).
 *
 * A built schedule is a partition of the basis line into segments: one per
 * row and one per gap around or between rows. Segment j+1 starts where the
 * basis exceeds threshold j, so row ownership ([from, to) or (from, to]) is
 * settled once, as integer thresholds. On each row segment the pay is a
 * line k + a x s in 10^-9 fen (a is the basis itself, or the separate amount
 * of a ratio schedule), rounded once to the schedule's places.
 */
#include <stdio.h>
#include <string.h>

#include "lint_internal.h"
#include "pay_internal.h"

/* thresholds are padded with INT64_MAX to this many for the unrolled search */
#define SMALL_THRESHOLDS 8
/* |rate| limit: keeps every intermediate of k + a x s far inside 128 bits */
#define MAX_RATE (INT64_C(1000) * KPI_DEC_ONE)

struct kpi_schedule {
    kpi_schedule_def def;
    kpi_bracket_row *rows;
    size_t nrows;
    size_t nseg;
    size_t nthr;      /* nseg - 1 */
    int64_t *thr;     /* at least SMALL_THRESHOLDS entries, padded with INT64_MAX */
    int32_t *seg_row; /* row of each segment, -1 for a gap */
    kpi__i128 *k;     /* pay on the segment: k + a x s, in 10^-9 fen */
    int64_t *s;
    kpi__i128 *cum;   /* marginal: what the slices below the segment's row pay */
    int64_t *k64;     /* k narrowed, valid when fast */
    bool fast;        /* k64 valid and no gap between the first and last row */
    int64_t cov_lo, cov_hi; /* lowest and highest covered basis */
    kpi__i128 max_k;  /* max |k| over row segments */
    int64_t max_s;    /* max |s| over row segments */
    int64_t unit;     /* 10^(2 - places) fen */
    int64_t div;      /* 10^9 x unit */
};

/* ---- validation (shared with kpi_schedule_lint) ------------------------ */

struct checker {
    kpi_lint *lint;     /* NULL: stop at the first problem */
    kpi_status status;  /* first problem's code, KPI_OK if none */
};

/* Records one problem; returns true when the caller should stop. */
KPI__PRINTF(5, 6)
static bool complain(struct checker *c, kpi_status code, const char *lint_code,
                     const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!c->lint) {
        kpi__vfail(code, fmt, ap);
        va_end(ap);
        kpi__error_set_path(path);
        c->status = code;
        return true;
    }
    char message[768];
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (c->status != KPI_ENOMEM)
        c->status = KPI_EPLAN;
    if (kpi__lint_add(c->lint, KPI_LINT_ERROR, lint_code, path, "%s", message) != KPI_OK) {
        c->status = KPI_ENOMEM;
        return true;
    }
    return false;
}

static kpi_status check_def(struct checker *c, const kpi_schedule_def *def, size_t nrows)
{
    if (def->size < sizeof(kpi_schedule_def))
        return complain(c, KPI_EINVAL, "bracket-invalid", "",
                        "def->size is %zu; set it with KPI_SCHEDULE_DEF_INIT (%zu)", def->size,
                        sizeof(kpi_schedule_def)), c->status;
    if (def->mode < KPI_BRACKET_MARGINAL || def->mode > KPI_BRACKET_FIXED)
        if (complain(c, KPI_EINVAL, "bracket-invalid", "mode",
                     "mode is %d; use KPI_BRACKET_MARGINAL, _WHOLE, _FORMULA or _FIXED",
                     (int)def->mode))
            return c->status;
    if (def->basis != KPI_BASIS_AMOUNT && def->basis != KPI_BASIS_RATIO)
        if (complain(c, KPI_EINVAL, "bracket-invalid", "basis",
                     "basis is %d; use KPI_BASIS_AMOUNT or KPI_BASIS_RATIO", (int)def->basis))
            return c->status;
    if (def->basis == KPI_BASIS_RATIO &&
        (def->mode == KPI_BRACKET_MARGINAL || def->mode == KPI_BRACKET_FORMULA))
        if (complain(c, KPI_EINVAL, "bracket-invalid", "basis",
                     "a ratio basis works with the whole and fixed modes only: a ratio has no "
                     "slices of money to pay at a rate"))
            return c->status;
    if (!kpi__round_valid(def->rounding))
        if (complain(c, KPI_EINVAL, "bracket-invalid", "rounding",
                     "rounding is %d; use one of KPI_ROUND_*", (int)def->rounding))
            return c->status;
    if (!kpi__places_valid(def->places))
        if (complain(c, KPI_EINVAL, "bracket-invalid", "places",
                     "places is %d; pay keeps 2 (fen), 1 or 0 decimal places of yuan",
                     (int)def->places))
            return c->status;
    if (def->negative < KPI_NEGATIVE_ROWS || def->negative > KPI_NEGATIVE_CLAWBACK)
        if (complain(c, KPI_EINVAL, "bracket-invalid", "negative",
                     "negative is %d; use KPI_NEGATIVE_ROWS, _ZERO or _CLAWBACK",
                     (int)def->negative))
            return c->status;
    if (def->negative == KPI_NEGATIVE_CLAWBACK && def->basis == KPI_BASIS_RATIO)
        if (complain(c, KPI_EINVAL, "bracket-invalid", "negative",
                     "clawback mirrors a negative amount and needs an amount basis"))
            return c->status;
    if (def->cap < def->floor)
        if (complain(c, KPI_EINVAL, "bracket-invalid", "cap", "cap %s is below floor %s",
                     kpi__money_text(def->cap).text, kpi__money_text(def->floor).text))
            return c->status;
    if (nrows == 0)
        if (complain(c, KPI_EINVAL, "bracket-invalid", "rows", "a schedule needs at least one row"))
            return c->status;
    if (nrows > KPI_SCHEDULE_MAX_ROWS)
        if (complain(c, KPI_ELIMIT, "bracket-invalid", "rows",
                     "%zu rows; a schedule has at most %d", nrows, KPI_SCHEDULE_MAX_ROWS))
            return c->status;
    return c->status;
}

static const char *const mode_names[] = {"marginal", "whole", "formula", "fixed"};

static kpi_status check_row(struct checker *c, const kpi_schedule_def *def,
                            const kpi_bracket_row *rows, size_t i, size_t nrows)
{
    const kpi_bracket_row *r = &rows[i];
    char path[64];
#define AT(field) (snprintf(path, sizeof path, "rows[%zu]%s", i, field), path)
#define B(v) kpi__basis_text(def->basis, v).text
    if (r->size < sizeof(kpi_bracket_row))
        return complain(c, KPI_EINVAL, "bracket-invalid", AT(""),
                        "rows[%zu].size is %zu; set it with KPI_BRACKET_ROW_INIT (%zu)", i,
                        r->size, sizeof(kpi_bracket_row)), c->status;
    if (r->ends < KPI_ENDS_LOWER || r->ends > KPI_ENDS_NEITHER)
        if (complain(c, KPI_EINVAL, "bracket-invalid", AT(".ends"),
                     "rows[%zu].ends is %d; use KPI_ENDS_LOWER, _UPPER, _BOTH or _NEITHER", i,
                     (int)r->ends))
            return c->status;
    bool below = r->from == KPI_UNBOUNDED_BELOW, above = r->to == KPI_UNBOUNDED_ABOVE;
    if (below && i > 0)
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".from"),
                     "rows[%zu] is unbounded below; only the first row may be", i))
            return c->status;
    if (above && i + 1 < nrows)
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".to"),
                     "rows[%zu] is unbounded above; only the last row may be", i))
            return c->status;
    if (!below && !above && r->to < r->from)
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".to"),
                     "rows[%zu].to %s is below its from %s", i, B(r->to), B(r->from)))
            return c->status;
    if (r->to >= r->from && kpi__row_hi(r) <= kpi__row_lo(r))
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".ends"),
                     "rows[%zu] covers no basis between %s and %s with the ends it owns; a "
                     "one-value row owns both ends (KPI_ENDS_BOTH)", i, B(r->from), B(r->to)))
            return c->status;
    if (r->rate > MAX_RATE || r->rate < -MAX_RATE)
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".rate"),
                     "rows[%zu].rate %s is outside -100000%%..100000%%", i,
                     kpi__rate_text(r->rate).text))
            return c->status;
    if (def->mode == KPI_BRACKET_FIXED && r->rate != 0)
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".rate"),
                     "rows[%zu].rate is %s but a fixed row pays its base; set the rate to 0 or "
                     "use the formula mode", i, kpi__rate_text(r->rate).text))
            return c->status;
    if ((def->mode == KPI_BRACKET_MARGINAL || def->mode == KPI_BRACKET_WHOLE) && r->base != 0)
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".base"),
                     "rows[%zu].base is %s but a %s row has no base; use the formula mode for "
                     "base + (basis - from) x rate", i, kpi__money_text(r->base).text,
                     mode_names[def->mode]))
            return c->status;
    if (def->mode != KPI_BRACKET_FORMULA && r->anchor != KPI_ANCHOR_FROM)
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".anchor"),
                     "rows[%zu] has an anchor but only a formula row counts from one; leave it "
                     "KPI_ANCHOR_FROM", i))
            return c->status;
    if (def->mode == KPI_BRACKET_FORMULA && below && r->anchor == KPI_ANCHOR_FROM)
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".anchor"),
                     "rows[%zu] is unbounded below, so its formula needs an anchor to count "
                     "from", i))
            return c->status;
    if (def->mode == KPI_BRACKET_MARGINAL && below)
        if (complain(c, KPI_EPLAN, "bracket-invalid", AT(".from"),
                     "rows[%zu] is unbounded below but marginal slices start somewhere: give "
                     "the first row a from (usually 0)", i))
            return c->status;
    return c->status;
}

/* Order, overlap and (marginal) contiguity of rows[i-1] and rows[i]. */
static kpi_status check_pair(struct checker *c, const kpi_schedule_def *def,
                             const kpi_bracket_row *rows, size_t i)
{
    const kpi_bracket_row *p = &rows[i - 1], *r = &rows[i];
    char path[64];
    if (r->from < p->from)
        return complain(c, KPI_EPLAN, "bracket-invalid", AT(".from"),
                        "rows[%zu].from %s is below rows[%zu].from %s: rows must be sorted by "
                        "from", i, B(r->from), i - 1, B(p->from)), c->status;
    kpi__i128 lo = kpi__row_lo(r), hi = kpi__row_hi(p);
    if (lo < hi) {
        kpi__i128 end = kpi__row_hi(r) < hi ? kpi__row_hi(r) : hi;
        if (end == lo + 1)
            complain(c, KPI_EPLAN, "bracket-overlap", AT(".from"),
                     "rows[%zu] and rows[%zu] both cover %s; let one row own the shared end "
                     "(ends)", i - 1, i, B((int64_t)end));
        else
            complain(c, KPI_EPLAN, "bracket-overlap", AT(".from"),
                     "rows[%zu] and rows[%zu] both cover %s to %s", i - 1, i,
                     B((int64_t)(lo + 1)), B((int64_t)end));
        return c->status;
    }
    if (def->mode == KPI_BRACKET_MARGINAL && lo > hi && r->from == p->to)
        return complain(c, KPI_EPLAN, "bracket-gap", AT(".from"),
                        "neither rows[%zu] nor rows[%zu] owns %s, so it falls in no row; let one "
                        "of them own it", i - 1, i, B(r->from)), c->status;
    if (def->mode == KPI_BRACKET_MARGINAL && (lo > hi || r->from != p->to))
        return complain(c, KPI_EPLAN, "bracket-gap", AT(".from"),
                        "rows[%zu].from %s differs from rows[%zu].to %s, but marginal slices "
                        "must meet: each row starts where the one before ends",
                        i, B(r->from), i - 1, B(p->to)), c->status;
#undef AT
#undef B
    return c->status;
}

kpi_status kpi__schedule_check(const kpi_schedule_def *def, const kpi_bracket_row *rows,
                               size_t nrows, kpi_lint *lint)
{
    struct checker c = {lint, KPI_OK};
    if (check_def(&c, def, nrows) != KPI_OK || def->size < sizeof *def)
        return c.status;
    for (size_t i = 0; i < nrows; i++)
        if (check_row(&c, def, rows, i, nrows) != KPI_OK && !lint)
            return c.status;
    if (c.status != KPI_OK)
        return c.status; /* pair checks need sound rows */
    for (size_t i = 1; i < nrows; i++)
        if (check_pair(&c, def, rows, i) != KPI_OK)
            return c.status; /* one order problem makes the rest noise */
    return c.status;
}

/* ---- building ---------------------------------------------------------- */

void kpi_schedule_free(kpi_schedule *s)
{
    if (!s)
        return;
    kpi__free(s->rows);
    kpi__free(s->thr);
    kpi__free(s->seg_row);
    kpi__free(s->k);
    kpi__free(s->s);
    kpi__free(s->cum);
    kpi__free(s->k64);
    kpi__free(s);
}

static void push_seg(kpi_schedule *s, int32_t row, kpi__i128 k, int64_t slope, kpi__i128 cum)
{
    s->seg_row[s->nseg] = row;
    s->k[s->nseg] = k;
    s->s[s->nseg] = slope;
    s->cum[s->nseg] = cum;
    s->nseg++;
}

static void push_thr(kpi_schedule *s, kpi__i128 t)
{
    s->thr[s->nthr++] = (int64_t)t;
}

static void build_segments(kpi_schedule *s)
{
    const kpi_bracket_row *rows = s->rows;
    size_t n = s->nrows;
    kpi__i128 cum = 0;
    s->fast = true;
    if (rows[0].from != KPI_UNBOUNDED_BELOW) {
        push_seg(s, -1, 0, 0, 0);
        push_thr(s, kpi__row_lo(&rows[0]));
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            push_thr(s, kpi__row_hi(&rows[i - 1]));
            if (kpi__row_lo(&rows[i]) > kpi__row_hi(&rows[i - 1])) {
                push_seg(s, -1, 0, 0, 0);
                push_thr(s, kpi__row_lo(&rows[i]));
                s->fast = false;
            }
        }
        kpi__i128 k;
        int64_t slope;
        kpi__row_line(s->def.mode, &rows[i], cum, &k, &slope);
        push_seg(s, (int32_t)i, k, slope, cum);
        kpi__i128 ak = k < 0 ? -k : k;
        int64_t as = slope < 0 ? -slope : slope;
        if (ak > s->max_k)
            s->max_k = ak;
        if (as > s->max_s)
            s->max_s = as;
        if (s->def.mode == KPI_BRACKET_MARGINAL && i + 1 < n)
            cum += (kpi__i128)(rows[i].to - rows[i].from) * rows[i].rate;
    }
    if (rows[n - 1].to != KPI_UNBOUNDED_ABOVE) {
        push_thr(s, kpi__row_hi(&rows[n - 1]));
        push_seg(s, -1, 0, 0, 0);
    }
    for (size_t j = s->nthr; j < SMALL_THRESHOLDS; j++)
        s->thr[j] = INT64_MAX;
    s->cov_lo = (int64_t)(kpi__row_lo(&rows[0]) + 1);
    s->cov_hi = (int64_t)kpi__row_hi(&rows[n - 1]);
    if (s->max_k > INT64_MAX)
        s->fast = false;
    for (size_t j = 0; j < s->nseg; j++)
        s->k64[j] = s->fast ? (int64_t)s->k[j] : 0;
    s->unit = kpi__pow10(KPI_MONEY_PLACES - s->def.places);
    s->div = KPI_DEC_ONE * s->unit;
}

kpi_status kpi_schedule_new(kpi_schedule **out, const kpi_schedule_def *def,
                            const kpi_bracket_row *rows, size_t nrows)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_schedule_new: out must not be NULL");
    if (!def)
        return kpi__fail(KPI_EINVAL, "kpi_schedule_new: def must not be NULL");
    if (!rows && nrows > 0)
        return kpi__fail(KPI_EINVAL, "kpi_schedule_new: rows must not be NULL");
    kpi_status st = kpi__schedule_check(def, rows, nrows, NULL);
    if (st != KPI_OK)
        return st;
    kpi_schedule *s = kpi__calloc(1, sizeof *s);
    if (!s)
        return KPI_ENOMEM;
    size_t maxseg = 2 * nrows + 1;
    size_t maxthr = maxseg < SMALL_THRESHOLDS ? SMALL_THRESHOLDS : maxseg;
    s->def = *def;
    s->def.size = sizeof s->def;
    s->nrows = nrows;
    if (!(s->rows = kpi__reallocarray(NULL, nrows, sizeof *rows)) ||
        !(s->thr = kpi__reallocarray(NULL, maxthr, sizeof *s->thr)) ||
        !(s->seg_row = kpi__reallocarray(NULL, maxseg, sizeof *s->seg_row)) ||
        !(s->k = kpi__reallocarray(NULL, maxseg, sizeof *s->k)) ||
        !(s->s = kpi__reallocarray(NULL, maxseg, sizeof *s->s)) ||
        !(s->cum = kpi__reallocarray(NULL, maxseg, sizeof *s->cum)) ||
        !(s->k64 = kpi__reallocarray(NULL, maxseg, sizeof *s->k64))) {
        kpi_schedule_free(s);
        return KPI_ENOMEM;
    }
    for (size_t i = 0; i < nrows; i++) {
        s->rows[i] = rows[i];
        s->rows[i].size = sizeof *rows;
    }
    build_segments(s);
    *out = s;
    return KPI_OK;
}

/* ---- evaluation --------------------------------------------------------- */

/* Index of the segment holding basis @y: the number of thresholds below it. */
static size_t find_seg(const kpi_schedule *s, int64_t y)
{
    size_t lo = 0, hi = s->nthr;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (y > s->thr[mid])
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const char *owned(bool owns)
{
    return owns ? "included" : "excluded";
}

/* The KPI_ENOTFOUND failure for a basis in gap segment @seg. */
static kpi_status not_covered(const kpi_schedule *s, size_t seg, int64_t y, const char *who)
{
    kpi_basis_kind kind = s->def.basis;
    kpi__numtext v = kpi__basis_text(kind, y);
    if (seg == 0) {
        const kpi_bracket_row *r = &s->rows[0];
        const char *hint = y < 0 && kind == KPI_BASIS_AMOUNT
                               ? "; a negative basis (refunds exceeding sales) needs the "
                                 "negative policy zero or clawback"
                               : "";
        return kpi__fail(KPI_ENOTFOUND, "%sno row covers %s: the first row, rows[0], starts at %s "
                         "(%s)%s", who, v.text, kpi__basis_text(kind, r->from).text,
                         owned(kpi__owns_from(r)), hint);
    }
    if (seg + 1 == s->nseg) {
        size_t last = s->nrows - 1;
        const kpi_bracket_row *r = &s->rows[last];
        return kpi__fail(KPI_ENOTFOUND, "%sno row covers %s: the last row, rows[%zu], ends at %s "
                         "(%s)", who, v.text, last, kpi__basis_text(kind, r->to).text,
                         owned(kpi__owns_to(r)));
    }
    size_t a = (size_t)s->seg_row[seg - 1], b = (size_t)s->seg_row[seg + 1];
    return kpi__fail(KPI_ENOTFOUND, "%sno row covers %s: rows[%zu] ends at %s (%s) and rows[%zu] "
                     "starts at %s (%s)", who, v.text, a,
                     kpi__basis_text(kind, s->rows[a].to).text, owned(kpi__owns_to(&s->rows[a])),
                     b, kpi__basis_text(kind, s->rows[b].from).text,
                     owned(kpi__owns_from(&s->rows[b])));
}

static const kpi_pay_rule mode_rules[] = {KPI_RULE_MARGINAL, KPI_RULE_WHOLE, KPI_RULE_FORMULA,
                                          KPI_RULE_FIXED_ROW};

/*
 * One evaluation, exact in 128 bits. @index >= 0 names a batch element in
 * messages. Writes *out (and *why) only on success.
 */
static kpi_status eval_core(const kpi_schedule *s, int64_t b, kpi_money a, kpi_money *out,
                            kpi_pay_why *why, long long index)
{
    char who[48] = "";
    const kpi_schedule_def *d = &s->def;
    bool ratio = d->basis == KPI_BASIS_RATIO;
    bool neg = b < 0;
    uint32_t flags = ratio ? KPI_WHY_RATIO_BASIS : 0;
    int32_t row = -1;
    size_t seg = 0;
    kpi_money v = 0;
    if (index >= 0)
        snprintf(who, sizeof who, "basis[%lld]: ", index);
    if (neg && d->negative == KPI_NEGATIVE_ZERO) {
        flags |= KPI_WHY_NEGATIVE_ZERO;
    } else {
        int64_t y = b;
        if (neg && d->negative == KPI_NEGATIVE_CLAWBACK) {
            if (b == INT64_MIN)
                return kpi__fail(KPI_EOVERFLOW, "%sthe clawback of %s does not fit in a kpi_money",
                                 who, kpi__money_text(b).text);
            y = -b;
            flags |= KPI_WHY_CLAWBACK;
        }
        seg = find_seg(s, y);
        row = s->seg_row[seg];
        if (row < 0)
            return not_covered(s, seg, y, who);
        if (!ratio)
            a = y;
        kpi__i128 raw = s->k[seg] + (kpi__i128)a * s->s[seg];
        kpi__i128 q = kpi__div_round(raw, s->div, d->rounding) * s->unit;
        if (flags & KPI_WHY_CLAWBACK)
            q = -q;
        if (!kpi__i128_fits(q))
            return kpi__fail(KPI_EOVERFLOW, "%sthe pay for %s does not fit in a kpi_money (about "
                             "9.2e16 yuan)", who, kpi__basis_text(d->basis, b).text);
        v = (kpi_money)q;
    }
    if (v > d->cap) {
        v = d->cap;
        flags |= KPI_WHY_CAPPED;
    }
    if (v < d->floor) {
        v = d->floor;
        flags |= KPI_WHY_FLOORED;
    }
    *out = v;
    if (why) {
        kpi__why_clear(why, mode_rules[d->mode]);
        why->flags = flags;
        why->basis = b;
        why->amount = ratio ? a : 0;
        why->rounding = d->rounding;
        why->places = d->places;
        why->value = v;
        if (row >= 0) {
            const kpi_bracket_row *r = &s->rows[row];
            why->row = row;
            why->rate = r->rate;
            if (d->mode == KPI_BRACKET_FORMULA || d->mode == KPI_BRACKET_FIXED)
                why->base = r->base;
            if (d->mode == KPI_BRACKET_FORMULA)
                why->anchor = r->anchor == KPI_ANCHOR_FROM ? r->from : r->anchor;
            if (d->mode == KPI_BRACKET_MARGINAL) {
                why->anchor = r->from;
                why->base = (kpi_money)kpi__div_round(s->cum[seg], KPI_DEC_ONE, d->rounding);
            }
        }
    }
    return KPI_OK;
}

static kpi_status check_eval(const kpi_schedule *s, kpi_money *out, kpi_pay_why *why,
                             kpi_basis_kind kind, const char *fn)
{
    if (!s)
        return kpi__fail(KPI_EINVAL, "%s: schedule must not be NULL", fn);
    if (!out)
        return kpi__fail(KPI_EINVAL, "%s: out must not be NULL", fn);
    if (s->def.basis != kind)
        return kpi__fail(KPI_EINVAL, kind == KPI_BASIS_AMOUNT
                                         ? "%s: this schedule's basis is a ratio; use "
                                           "kpi_schedule_eval_ratio()"
                                         : "%s: this schedule's basis is an amount; use "
                                           "kpi_schedule_eval()", fn);
    return kpi__why_check(why, fn);
}

kpi_status kpi_schedule_eval(const kpi_schedule *s, kpi_money amount, kpi_money *out,
                             kpi_pay_why *why)
{
    kpi__error_reset();
    kpi_status st = check_eval(s, out, why, KPI_BASIS_AMOUNT, "kpi_schedule_eval");
    return st != KPI_OK ? st : eval_core(s, amount, amount, out, why, -1);
}

kpi_status kpi_schedule_eval_ratio(const kpi_schedule *s, kpi_dec ratio, kpi_money amount,
                                   kpi_money *out, kpi_pay_why *why)
{
    kpi__error_reset();
    kpi_status st = check_eval(s, out, why, KPI_BASIS_RATIO, "kpi_schedule_eval_ratio");
    return st != KPI_OK ? st : eval_core(s, ratio, amount, out, why, -1);
}

kpi_status kpi_schedule_increment(const kpi_schedule *s, kpi_money mtd, kpi_money sale,
                                  kpi_money *out)
{
    kpi__error_reset();
    kpi_status st = check_eval(s, out, NULL, KPI_BASIS_AMOUNT, "kpi_schedule_increment");
    if (st != KPI_OK)
        return st;
    kpi_money before, after;
    kpi__i128 sum = (kpi__i128)mtd + sale;
    kpi_money total = (kpi_money)sum;
    if (!kpi__i128_fits(sum))
        return kpi__fail(KPI_EOVERFLOW, "month-to-date %s plus the sale %s does not fit in a "
                         "kpi_money", kpi__money_text(mtd).text, kpi__money_text(sale).text);
    if ((st = eval_core(s, mtd, mtd, &before, NULL, -1)) != KPI_OK ||
        (st = eval_core(s, total, total, &after, NULL, -1)) != KPI_OK)
        return st;
    kpi__i128 diff = (kpi__i128)after - before;
    if (!kpi__i128_fits(diff))
        return kpi__fail(KPI_EOVERFLOW, "the increment %s - %s does not fit in a kpi_money",
                         kpi__money_text(after).text, kpi__money_text(before).text);
    *out = (kpi_money)diff;
    return KPI_OK;
}

/* ---- the batch hot path -------------------------------------------------- */

#if defined(__GNUC__)
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE static inline
#endif

/*
 * The rounding of the hot loop, without a branch: with q0 = |v| / d and
 * r = |v| % d, the magnitude goes up by one when r + (q0 & odd) > limit,
 * where the limit (and odd, for half-even) depend on the mode and the sign.
 * This is kpi__div_round in 64 bits; the batch == scalar tests hold it to it.
 */
struct rounder {
    uint64_t limit_pos, limit_neg; /* round the magnitude up when r (+ odd bit) exceeds this */
    uint64_t odd;                  /* 1 for half-even: a tie rounds to the even quotient */
};

static struct rounder make_rounder(kpi_round mode, uint64_t d)
{
    uint64_t half = d / 2, never = d, any = 0; /* d is even: 10^9 x 10^k */
    struct rounder r = {half - 1, half - 1, 0};
    switch (mode) {
    case KPI_ROUND_DOWN: r.limit_pos = r.limit_neg = never; break;
    case KPI_ROUND_UP: r.limit_pos = r.limit_neg = any; break;
    case KPI_ROUND_FLOOR: r.limit_pos = never; r.limit_neg = any; break;
    case KPI_ROUND_CEILING: r.limit_pos = any; r.limit_neg = never; break;
    case KPI_ROUND_HALF_DOWN: r.limit_pos = r.limit_neg = half; break;
    case KPI_ROUND_HALF_EVEN: r.limit_pos = r.limit_neg = half; r.odd = 1; break;
    default: break; /* half-up: r >= half */
    }
    return r;
}

/* The basis a policy evaluates, without a branch: |b| for clawback (INT64_MIN
 * stays negative), 0 for a zeroed negative. */
ALWAYS_INLINE int64_t policy_basis(int64_t b, uint64_t claw, uint64_t zero)
{
    uint64_t neg = (uint64_t)(b >> 63), flip = neg & claw;
    return (int64_t)((((uint64_t)b ^ flip) - flip) & ~(neg & zero));
}

ALWAYS_INLINE void fast_loop(const kpi_schedule *s, const int64_t *basis, const kpi_money *am,
                             size_t n, kpi_money *out, uint64_t d, int64_t unit, bool small,
                             bool ratio)
{
    const int64_t *k = s->k64, *sl = s->s;
    const struct rounder rd = make_rounder(s->def.rounding, d);
    /* masks: all ones when the policy applies */
    const uint64_t claw = s->def.negative == KPI_NEGATIVE_CLAWBACK ? ~(uint64_t)0 : 0;
    const uint64_t zero = s->def.negative == KPI_NEGATIVE_ZERO ? ~(uint64_t)0 : 0;
    const kpi_money cap = s->def.cap, floor = s->def.floor;
    int64_t t[SMALL_THRESHOLDS];
    for (int j = 0; j < SMALL_THRESHOLDS; j++)
        t[j] = s->thr[j];
    for (size_t i = 0; i < n; i++) {
        int64_t b = basis[i];
        uint64_t neg = (uint64_t)(b >> 63);
        uint64_t flip = neg & claw;
        int64_t y = policy_basis(b, claw, zero);
        size_t idx;
        if (small) {
            idx = (size_t)(y > t[0]) + (size_t)(y > t[1]) + (size_t)(y > t[2]) +
                  (size_t)(y > t[3]) + (size_t)(y > t[4]) + (size_t)(y > t[5]) +
                  (size_t)(y > t[6]) + (size_t)(y > t[7]);
        } else {
            idx = find_seg(s, y);
        }
        int64_t a = ratio ? (am ? am[i] : 0) : y;
        int64_t v = k[idx] + a * sl[idx];
        uint64_t vneg = (uint64_t)(v >> 63);
        uint64_t av = ((uint64_t)v ^ vneg) - vneg;
        uint64_t q0 = av / d, r = av - q0 * d;
        uint64_t limit = vneg ? rd.limit_neg : rd.limit_pos;
        uint64_t q = q0 + (r + (q0 & rd.odd) > limit);
        int64_t p = (int64_t)((q ^ vneg) - vneg) * unit;
        p = (int64_t)((((uint64_t)p ^ flip) - flip) & ~(neg & zero));
        p = p > cap ? cap : p;
        out[i] = p < floor ? floor : p;
    }
}

static void run_fast(const kpi_schedule *s, const int64_t *basis, const kpi_money *amounts,
                     size_t n, kpi_money *out)
{
    /* fen (the usual case) divides by a constant the compiler turns into a multiply */
    bool fen = s->def.places == KPI_MONEY_PLACES;
    bool small = s->nthr <= SMALL_THRESHOLDS;
    if (s->def.basis == KPI_BASIS_RATIO) /* rare: one general loop */
        fast_loop(s, basis, amounts, n, out, (uint64_t)s->div, s->unit, false, true);
    else if (fen && small)
        fast_loop(s, basis, NULL, n, out, (uint64_t)KPI_DEC_ONE, 1, true, false);
    else if (fen)
        fast_loop(s, basis, NULL, n, out, (uint64_t)KPI_DEC_ONE, 1, false, false);
    else
        fast_loop(s, basis, NULL, n, out, (uint64_t)s->div, s->unit, small, false);
}

/*
 * Whether the 64-bit loop gives exactly what eval_core gives for every
 * element: all bases inside one gapless covered range, and every k + a x s
 * inside int64 (checked from the extremes of the inputs).
 */
static bool fast_ok(const kpi_schedule *s, const int64_t *basis, const kpi_money *amounts,
                    size_t n)
{
    if (!s->fast)
        return false;
    /* the same mapping as the loop: |b| for clawback (INT64_MIN stays negative), 0 for zero */
    const uint64_t claw = s->def.negative == KPI_NEGATIVE_CLAWBACK ? ~(uint64_t)0 : 0;
    const uint64_t zero = s->def.negative == KPI_NEGATIVE_ZERO ? ~(uint64_t)0 : 0;
    int64_t ymin = INT64_MAX, ymax = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t y = policy_basis(basis[i], claw, zero);
        ymin = y < ymin ? y : ymin;
        ymax = y > ymax ? y : ymax;
    }
    if (ymin < s->cov_lo || ymax > s->cov_hi || ymin == INT64_MIN || (claw && ymin < 0))
        return false;
    kpi__u128 amax;
    if (s->def.basis == KPI_BASIS_AMOUNT) {
        amax = (kpi__u128)(ymax > -ymin ? ymax : -ymin);
    } else {
        uint64_t m = 0;
        for (size_t i = 0; amounts && i < n; i++) {
            int64_t a = amounts[i];
            uint64_t u = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
            m = u > m ? u : m;
        }
        amax = m;
    }
    return (kpi__u128)s->max_k + amax * (kpi__u128)s->max_s <= (kpi__u128)INT64_MAX;
}

kpi_status kpi_schedule_eval_batch(const kpi_schedule *s, const int64_t *basis,
                                   const kpi_money *amounts, size_t n, kpi_money *out)
{
    kpi__error_reset();
    static const char fn[] = "kpi_schedule_eval_batch";
    if (!s)
        return kpi__fail(KPI_EINVAL, "%s: schedule must not be NULL", fn);
    if (n > 0 && (!basis || !out))
        return kpi__fail(KPI_EINVAL, "%s: basis and out must not be NULL", fn);
    if (s->def.basis == KPI_BASIS_AMOUNT && amounts)
        return kpi__fail(KPI_EINVAL, "%s: an amount schedule pays on its basis; amounts must be "
                         "NULL", fn);
    if (s->def.basis == KPI_BASIS_RATIO && s->def.mode == KPI_BRACKET_WHOLE && !amounts && n > 0)
        return kpi__fail(KPI_EINVAL, "%s: a whole-amount ratio schedule applies its rates to "
                         "amounts; amounts must not be NULL", fn);
    if (n == 0)
        return KPI_OK;
    if (fast_ok(s, basis, amounts, n)) {
        run_fast(s, basis, amounts, n, out);
        return KPI_OK;
    }
    /* exact path: check every element first, so out stays untouched on failure */
    kpi_money v;
    for (size_t i = 0; i < n; i++) {
        kpi_status st = eval_core(s, basis[i], amounts ? amounts[i] : 0, &v, NULL, (long long)i);
        if (st != KPI_OK)
            return st;
    }
    for (size_t i = 0; i < n; i++)
        eval_core(s, basis[i], amounts ? amounts[i] : 0, &out[i], NULL, (long long)i);
    return KPI_OK;
}
