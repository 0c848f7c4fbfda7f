/*
 * tiers.c - tier tables: who owns each end, lint of gaps, overlaps and
 * unowned end points, exact classification.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_internal.h"
#include "tiers_internal.h"

struct kpi_tier_table {
    kpi_tier_basis basis;
    size_t n;
    kpi__band *bands;
};

static const char *basis_noun(kpi_tier_basis basis)
{
    return basis == KPI_TIER_BY_PERCENTILE ? "percentile rank" : basis == KPI_TIER_BY_RANK ? "rank" : "score";
}

static bool end_valid(kpi_tier_end e)
{
    return e >= KPI_END_UNSTATED && e <= KPI_END_UNBOUNDED;
}

/* Formats a kpi_dec exactly into one of a few rotating buffers owned by the caller. */
static const char *num(char buf[32], kpi_dec v)
{
    kpi_dec_format(v, -1, KPI_ROUND_HALF_UP, buf, 32);
    return buf;
}

/* ---- ownership of end points -------------------------------------------- */

/* Ends of band j that sit at point p: how they are stated. */
static void ends_at(const kpi_tier_band *b, kpi_dec p, int *closed, int *unstated, int *open)
{
    if (b->from_end != KPI_END_UNBOUNDED && b->from == p) {
        *closed += b->from_end == KPI_END_CLOSED;
        *unstated += b->from_end == KPI_END_UNSTATED;
        *open += b->from_end == KPI_END_OPEN;
    }
    if (b->to_end != KPI_END_UNBOUNDED && b->to == p && !(b->from_end != KPI_END_UNBOUNDED && b->from == p)) {
        *closed += b->to_end == KPI_END_CLOSED;
        *unstated += b->to_end == KPI_END_UNSTATED;
        *open += b->to_end == KPI_END_OPEN;
    }
}

/*
 * An unstated end is owned unless another band touching the point states
 * it (then the explicit owner wins) or also leaves it unstated (then nobody
 * owns it until the plan says).
 */
static int resolve(const kpi_tier_band *bands, size_t n, size_t i, kpi_dec p, kpi_tier_end e)
{
    if (e == KPI_END_CLOSED)
        return 1;
    if (e != KPI_END_UNSTATED)
        return 0;
    int closed = 0, unstated = 0, open = 0;
    for (size_t j = 0; j < n; j++)
        if (j != i)
            ends_at(&bands[j], p, &closed, &unstated, &open);
    return closed ? 0 : unstated ? -1 : 1;
}

int kpi__band_holds(const kpi__band *b, kpi_dec v)
{
    int lo = b->from_end == KPI_END_UNBOUNDED || v > b->from ? 1 : v == b->from ? b->own_from : 0;
    int hi = b->to_end == KPI_END_UNBOUNDED || v < b->to ? 1 : v == b->to ? b->own_to : 0;
    if (lo == 0 || hi == 0)
        return 0;
    return lo < 0 || hi < 0 ? -1 : 1;
}

/* ---- checks shared by lint and construction ----------------------------- */

static bool band_empty(const kpi_tier_band *b)
{
    if (b->from_end == KPI_END_UNBOUNDED || b->to_end == KPI_END_UNBOUNDED)
        return false;
    return b->from > b->to ||
           (b->from == b->to && (b->from_end == KPI_END_OPEN || b->to_end == KPI_END_OPEN));
}

/* Whether two bands share more than one point (an interval). */
static bool intervals_overlap(const kpi_tier_band *a, const kpi_tier_band *b)
{
    bool a_lo_inf = a->from_end == KPI_END_UNBOUNDED, b_lo_inf = b->from_end == KPI_END_UNBOUNDED;
    bool a_hi_inf = a->to_end == KPI_END_UNBOUNDED, b_hi_inf = b->to_end == KPI_END_UNBOUNDED;
    /* max(from) < min(to) */
    bool lo_inf = a_lo_inf && b_lo_inf, hi_inf = a_hi_inf && b_hi_inf;
    if (lo_inf || hi_inf)
        return true;
    kpi_dec lo = a_lo_inf ? b->from : b_lo_inf ? a->from : (a->from > b->from ? a->from : b->from);
    kpi_dec hi = a_hi_inf ? b->to : b_hi_inf ? a->to : (a->to < b->to ? a->to : b->to);
    return lo < hi;
}

static kpi_status check_args(const char *fn, kpi_tier_basis basis, const kpi_tier_band *bands, size_t n)
{
    if (basis < KPI_TIER_BY_SCORE || basis > KPI_TIER_BY_RANK)
        return kpi__fail(KPI_EINVAL, "%s: basis %d is not a KPI_TIER_BY_* value", fn, (int)basis);
    if (n > 0 && !bands)
        return kpi__fail(KPI_EINVAL, "%s: bands must not be NULL", fn);
    for (size_t i = 0; i < n; i++) {
        char path[32];
        snprintf(path, sizeof path, "bands[%zu]", i);
        kpi_status st = KPI_OK;
        if (bands[i].size != sizeof bands[i])
            st = kpi__fail(KPI_EINVAL, "%s: bands[%zu].size is %zu, expected %zu: initialise bands "
                           "with KPI_TIER_BAND_INIT", fn, i, bands[i].size, sizeof bands[i]);
        else if (!bands[i].label)
            st = kpi__fail(KPI_EINVAL, "%s: bands[%zu].label must not be NULL", fn, i);
        else if (!end_valid(bands[i].from_end) || !end_valid(bands[i].to_end))
            st = kpi__fail(KPI_EINVAL, "%s: bands[%zu] has an end that is not a KPI_END_* value", fn, i);
        if (st != KPI_OK) {
            kpi__error_set_path(path);
            return st;
        }
    }
    return KPI_OK;
}

/* ---- lint --------------------------------------------------------------- */

typedef struct {
    const kpi_tier_band *b;
    size_t i;
} sorted_band;

static int by_from(const void *pa, const void *pb)
{
    const kpi_tier_band *a = ((const sorted_band *)pa)->b, *b = ((const sorted_band *)pb)->b;
    bool ai = a->from_end == KPI_END_UNBOUNDED, bi = b->from_end == KPI_END_UNBOUNDED;
    if (ai != bi)
        return ai ? -1 : 1;
    if (!ai && a->from != b->from)
        return a->from < b->from ? -1 : 1;
    size_t x = ((const sorted_band *)pa)->i, y = ((const sorted_band *)pb)->i;
    return x < y ? -1 : x > y;
}

static kpi_status lint_points(kpi_lint *lint, const kpi_tier_band *bands, size_t n)
{
    char a[32], path[32];
    for (size_t i = 0; i < n; i++) {
        for (int side = 0; side < 2; side++) {
            const kpi_tier_band *bi = &bands[i];
            if ((side ? bi->to_end : bi->from_end) == KPI_END_UNBOUNDED)
                continue;
            kpi_dec p = side ? bi->to : bi->from;
            /* report each point once: at the first band touching it */
            bool first = true;
            int closed = 0, unstated = 0, open = 0;
            size_t other = i;
            for (size_t j = 0; j < n; j++) {
                int c0 = closed, u0 = unstated, o0 = open;
                ends_at(&bands[j], p, &closed, &unstated, &open);
                bool touches = closed + unstated + open > c0 + u0 + o0;
                if (touches && j < i)
                    first = false;
                if (touches && j != i && other == i)
                    other = j;
                if (touches && j == i && side == 1 && bi->from_end != KPI_END_UNBOUNDED && bi->from == p)
                    first = false; /* a point band: reported with its from side */
            }
            if (!first || other == i)
                continue;
            const char *la = bands[i].label, *lb = bands[other].label;
            snprintf(path, sizeof path, "bands[%zu]", other);
            kpi_status st = KPI_OK;
            if (closed >= 2)
                st = kpi__lint_add(lint, KPI_LINT_ERROR, "tier-end-two-owners", path,
                                   "%s is owned by both '%s' and '%s': say which band owns it",
                                   num(a, p), la, lb);
            else if (closed == 0 && unstated >= 2)
                st = kpi__lint_add(lint, KPI_LINT_WARNING, "tier-end-unowned", path,
                                   "%s is an end of both '%s' and '%s' and the table does not say "
                                   "which owns it: close that end of one band and open the other's",
                                   num(a, p), la, lb);
            else if (closed == 0 && unstated == 0)
                st = kpi__lint_add(lint, KPI_LINT_WARNING, "tier-gap", path,
                                   "%s belongs to no band: '%s' and '%s' both leave it out",
                                   num(a, p), la, lb);
            if (st != KPI_OK)
                return st;
        }
    }
    return KPI_OK;
}

static int owned_at(const kpi_tier_band *bands, size_t n, size_t i, int side)
{
    const kpi_tier_band *b = &bands[i];
    return resolve(bands, n, i, side ? b->to : b->from, side ? b->to_end : b->from_end);
}

kpi_status kpi_tier_bands_lint(kpi_lint *lint, kpi_tier_basis basis, const kpi_tier_band *bands, size_t n)
{
    kpi__error_reset();
    if (!lint)
        return kpi__fail(KPI_EINVAL, "kpi_tier_bands_lint: lint must not be NULL");
    kpi_status st = check_args("kpi_tier_bands_lint", basis, bands, n);
    if (st != KPI_OK)
        return st;
    char a[32], b[32], path[32];
    for (size_t i = 0; i < n && st == KPI_OK; i++) {
        snprintf(path, sizeof path, "bands[%zu]", i);
        if (band_empty(&bands[i]))
            st = kpi__lint_add(lint, KPI_LINT_ERROR, "tier-band-invalid", path,
                               "band '%s' from %s to %s holds no value: the lower end must be "
                               "below the upper one", bands[i].label, num(a, bands[i].from),
                               num(b, bands[i].to));
        for (size_t j = i + 1; j < n && st == KPI_OK; j++)
            if (!band_empty(&bands[i]) && !band_empty(&bands[j]) && intervals_overlap(&bands[i], &bands[j]))
                st = kpi__lint_add(lint, KPI_LINT_ERROR, "tier-overlap", path,
                                   "bands '%s' and '%s' overlap: a %s can be in both",
                                   bands[i].label, bands[j].label, basis_noun(basis));
    }
    if (st == KPI_OK)
        st = lint_points(lint, bands, n);
    if (st != KPI_OK || n == 0)
        return st;
    sorted_band *s = kpi__malloc(n * sizeof *s);
    if (!s)
        return KPI_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!band_empty(&bands[i]))
            s[k++] = (sorted_band){&bands[i], i};
    qsort(s, k, sizeof *s, by_from);
    /* sweep: the reach so far, and whether a value at the reach is owned */
    bool pct = basis == KPI_TIER_BY_PERCENTILE;
    bool reach_inf = false, have = false;
    kpi_dec reach = 0;
    size_t reach_band = 0;
    for (size_t t = 0; t < k && st == KPI_OK && !reach_inf; t++) {
        const kpi_tier_band *bt = s[t].b;
        snprintf(path, sizeof path, "bands[%zu]", s[t].i);
        if (!have && bt->from_end != KPI_END_UNBOUNDED) {
            bool from_owned = owned_at(bands, n, s[t].i, 0) == 1;
            if (pct && (bt->from > 0 || (bt->from == 0 && !from_owned)))
                st = kpi__lint_add(lint, KPI_LINT_WARNING, "tier-gap", path,
                                   "percentile ranks in [0, %s%c have no tier (below '%s')",
                                   num(a, bt->from), from_owned ? ')' : ']', bt->label);
            else if (!pct)
                st = kpi__lint_add(lint, KPI_LINT_NOTE, "tier-uncovered", path,
                                   "%ss below %s%s have no tier (the lowest band is '%s')",
                                   basis_noun(basis), num(a, bt->from), from_owned ? "" : " and it itself",
                                   bt->label);
        } else if (have && bt->from_end != KPI_END_UNBOUNDED && bt->from > reach) {
            bool lo_owned = owned_at(bands, n, reach_band, 1) == 1;
            bool hi_owned = owned_at(bands, n, s[t].i, 0) == 1;
            st = kpi__lint_add(lint, KPI_LINT_WARNING, "tier-gap", path,
                               "%ss in %c%s, %s%c have no tier: nothing between '%s' and '%s'",
                               basis_noun(basis), lo_owned ? '(' : '[', num(a, reach), num(b, bt->from),
                               hi_owned ? ')' : ']', bands[reach_band].label, bt->label);
        }
        if (bt->to_end == KPI_END_UNBOUNDED)
            reach_inf = true;
        else if (!have || bt->to > reach || (bt->to == reach && owned_at(bands, n, s[t].i, 1) == 1)) {
            reach = bt->to;
            reach_band = s[t].i;
        }
        have = true;
    }
    if (st == KPI_OK && have && !reach_inf) {
        bool hi_owned = owned_at(bands, n, reach_band, 1) == 1;
        snprintf(path, sizeof path, "bands[%zu]", reach_band);
        if (pct && (reach < KPI_DEC_ONE || !hi_owned))
            st = kpi__lint_add(lint, KPI_LINT_WARNING, "tier-gap", path,
                               "percentile ranks in %c%s, 1] have no tier (above '%s')",
                               hi_owned ? '(' : '[', num(a, reach), bands[reach_band].label);
        else if (!pct)
            st = kpi__lint_add(lint, KPI_LINT_NOTE, "tier-uncovered", path,
                               "%ss above %s%s have no tier (the highest band is '%s')",
                               basis_noun(basis), num(a, reach), hi_owned ? "" : " and it itself",
                               bands[reach_band].label);
    }
    kpi__free(s);
    return st;
}

/* ---- the table ---------------------------------------------------------- */

void kpi__bands_free(kpi__band *bands, size_t n)
{
    for (size_t i = 0; bands && i < n; i++)
        kpi__free(bands[i].label);
    kpi__free(bands);
}

kpi_status kpi_tier_table_new(kpi_tier_table **out, kpi_tier_basis basis, const kpi_tier_band *bands,
                              size_t n)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_tier_table_new: out must not be NULL");
    if (n == 0)
        return kpi__fail(KPI_EINVAL, "kpi_tier_table_new: a tier table needs at least one band");
    kpi_status st = check_args("kpi_tier_table_new", basis, bands, n);
    if (st != KPI_OK)
        return st;
    char a[32], b[32], path[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "bands[%zu]", i);
        if (band_empty(&bands[i])) {
            st = kpi__fail(KPI_EPLAN, "band '%s' from %s to %s holds no value: the lower end must "
                           "be below the upper one", bands[i].label, num(a, bands[i].from),
                           num(b, bands[i].to));
            kpi__error_set_path(path);
            return st;
        }
        for (size_t j = 0; j < i; j++) {
            if (intervals_overlap(&bands[i], &bands[j])) {
                st = kpi__fail(KPI_EPLAN, "bands '%s' and '%s' overlap: a %s could be in both; "
                               "make them meet at one end point", bands[j].label, bands[i].label,
                               basis_noun(basis));
                kpi__error_set_path(path);
                return st;
            }
        }
        for (int side = 0; side < 2; side++) {
            kpi_tier_end e = side ? bands[i].to_end : bands[i].from_end;
            kpi_dec p = side ? bands[i].to : bands[i].from;
            int closed = 0, unstated = 0, open = 0;
            for (size_t j = 0; e == KPI_END_CLOSED && j < n; j++)
                ends_at(&bands[j], p, &closed, &unstated, &open);
            if (closed >= 2) {
                st = kpi__fail(KPI_EPLAN, "%s is owned by two bands, '%s' among them: make one "
                               "side open", num(a, p), bands[i].label);
                kpi__error_set_path(path);
                return st;
            }
        }
    }
    kpi_tier_table *t = kpi__calloc(1, sizeof *t);
    kpi__band *copy = kpi__calloc(n, sizeof *copy);
    if (!t || !copy) {
        kpi__free(t);
        kpi__free(copy);
        return KPI_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const kpi_tier_band *src = &bands[i];
        kpi__band *d = &copy[i];
        d->label = kpi__strdup(src->label);
        if (!d->label) {
            kpi__bands_free(copy, n);
            kpi__free(t);
            return KPI_ENOMEM;
        }
        d->from = src->from;
        d->to = src->to;
        d->from_end = src->from_end;
        d->to_end = src->to_end;
        d->own_from = src->from_end == KPI_END_UNBOUNDED ? 1 : resolve(bands, n, i, src->from, src->from_end);
        d->own_to = src->to_end == KPI_END_UNBOUNDED ? 1 : resolve(bands, n, i, src->to, src->to_end);
    }
    t->basis = basis;
    t->n = n;
    t->bands = copy;
    *out = t;
    return KPI_OK;
}

void kpi_tier_table_free(kpi_tier_table *table)
{
    if (!table)
        return;
    kpi__bands_free(table->bands, table->n);
    kpi__free(table);
}

size_t kpi_tier_table_count(const kpi_tier_table *table)
{
    return table ? table->n : 0;
}

const char *kpi_tier_table_label(const kpi_tier_table *table, size_t i)
{
    return table && i < table->n ? table->bands[i].label : "";
}

kpi_tier_basis kpi_tier_table_basis(const kpi_tier_table *table)
{
    return table ? table->basis : KPI_TIER_BY_SCORE;
}

kpi_status kpi_tier_table_band(const kpi_tier_table *table, size_t i, kpi_tier_band *out)
{
    kpi__error_reset();
    if (!table || !out || out->size < sizeof *out)
        return kpi__fail(KPI_EINVAL, "kpi_tier_table_band: a table and a band set with KPI_TIER_BAND_INIT are needed");
    if (i >= table->n)
        return kpi__fail(KPI_ERANGE, "band %zu of %zu", i, table->n);
    const kpi__band *b = &table->bands[i];
    out->label = b->label;
    out->from = b->from;
    out->from_end = b->from_end;
    out->to = b->to;
    out->to_end = b->to_end;
    return KPI_OK;
}

/* The band holding v; -1 when none; *unowned says v is an end nobody owns. */
static int32_t find_band(const kpi__band *bands, size_t n, kpi_dec v, bool *unowned)
{
    *unowned = false;
    for (size_t i = 0; i < n; i++) {
        int h = kpi__band_holds(&bands[i], v);
        if (h > 0)
            return (int32_t)i;
        if (h < 0)
            *unowned = true;
    }
    return KPI_TIER_NONE;
}

kpi_status kpi_tier_table_classify(const kpi_tier_table *table, kpi_dec value, size_t *out)
{
    kpi__error_reset();
    if (!table || !out)
        return kpi__fail(KPI_EINVAL, "kpi_tier_table_classify: table and out must not be NULL");
    bool unowned;
    int32_t t = find_band(table->bands, table->n, value, &unowned);
    char a[32];
    if (t == KPI_TIER_NONE && unowned)
        return kpi__fail(KPI_EPLAN, "%s %s is a shared end point of two bands and the table does "
                         "not say which owns it", basis_noun(table->basis), num(a, value));
    if (t == KPI_TIER_NONE)
        return kpi__fail(KPI_ENOTFOUND, "%s %s lies in no band of the table",
                         basis_noun(table->basis), num(a, value));
    *out = (size_t)t;
    return KPI_OK;
}

kpi_status kpi_tier_table_apply(kpi_tiering **out, const kpi_tier_table *table, const kpi_dec *scores,
                                size_t n, const kpi_rank_options *opt)
{
    kpi__error_reset();
    if (!out || !table)
        return kpi__fail(KPI_EINVAL, "kpi_tier_table_apply: out and table must not be NULL");
    kpi_rank_options o;
    kpi_tiering *res;
    size_t *order, m;
    kpi_status st = kpi__tiering_ranked(&res, &order, &m, scores, n, opt, &o, "kpi_tier_table_apply");
    if (st != KPI_OK)
        return st;
    kpi__free(order);
    res->basis = table->basis;
    res->n_tiers = table->n;
    res->bands = kpi__calloc(table->n, sizeof *res->bands);
    for (size_t i = 0; res->bands && i < table->n; i++) {
        res->bands[i] = table->bands[i];
        res->bands[i].label = kpi__strdup(table->bands[i].label);
        if (!res->bands[i].label) {
            kpi_tiering_free(res);
            return KPI_ENOMEM;
        }
    }
    if (!res->bands) {
        kpi_tiering_free(res);
        return KPI_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        kpi__tier_row *r = &res->rows[i];
        if (r->reason == KPI_REASON_NOT_ELIGIBLE)
            continue;
        r->value = table->basis == KPI_TIER_BY_SCORE ? r->score
                   : table->basis == KPI_TIER_BY_RANK ? r->rank : r->pct;
        if (o.eligible && !o.eligible[i]) { /* the gate: ranked, but no tier */
            r->reason = KPI_REASON_NOT_ELIGIBLE;
            continue;
        }
        bool unowned;
        r->tier = find_band(table->bands, table->n, r->value, &unowned);
        r->reason = r->tier != KPI_TIER_NONE ? KPI_REASON_BAND
                    : unowned ? KPI_REASON_UNOWNED_END : KPI_REASON_GAP;
    }
    *out = res;
    return KPI_OK;
}
