/*
 * plan_tiers.c - the plan's "tiers" section: tier tables (bands by score,
 * percentile rank or rank) and forced distributions (quotas), with the
 * ranking, scope, multi-period rule and eligibility gate of each. Fills
 * struct kpi__plan_tiers (plan_sections.h) through the public tier API,
 * so every check of kpi_tier_table_new() and kpi_forced_new() applies.
 */
#include <stdio.h>
#include <string.h>

#include "lint_internal.h"
#include "plan_internal.h"

static const char *const basis_names[] = {"score", "percentile", "rank", NULL};         /* KPI_TIER_BY_* */
static const char *const scope_names[] = {"all", "team", "centre", NULL};               /* KPI__SCOPE_* */
static const char *const how_names[] = {"min", "max", "mean", "last", "sum", NULL};     /* KPI_PERIODS_* */
static const char *const method_names[] = {"competition", "modified", "dense", "ordinal", "fractional", NULL};
static const char *const order_names[] = {"desc", "asc", NULL};
static const char *const pct_names[] = {"rank", "strict", "weak", "mean", "scipy_rank", "excel_inc", "excel_exc", NULL};
static const char *const end_names[] = {"unstated", "closed", "open", NULL}; /* KPI_END_* order */
static const char *const limit_names[] = {"at_most", "exactly", NULL};
static const char *const tie_names[] = {"exclude", "include", "key", NULL};
static const char *const round_names[] = {"half_up", "half_even", "half_down", "down", "up", "floor", "ceiling", NULL};

/* Most periods a multi-period rule may look back over. */
#define MAX_PERIODS 120

void kpi__plan_tiers_free(struct kpi__plan_tiers *tiers)
{
    if (!tiers)
        return;
    for (size_t i = 0; i < tiers->count; i++) {
        kpi_tier_table_free(tiers->items[i].table);
        kpi_forced_free(tiers->items[i].forced);
        kpi__free(tiers->items[i].bands);
    }
    kpi__free(tiers->items);
    kpi__free(tiers);
}

/* ---- bands ------------------------------------------------------------------------- */

/* An explicit end: "from" with "from_end" (default unstated); no "from" is no end. */
static kpi_status explicit_end(struct kpi__plan_load *ld, const json_t *obj, const char *key, const char *end_key,
                               kpi_dec *value, kpi_tier_end *end)
{
    bool has_value, has_end;
    int e = KPI_END_UNSTATED;
    KPI__TRY(kpi__json_get_dec(ld->doc, obj, key, false, value, &has_value));
    KPI__TRY(kpi__json_get_enum(ld->doc, obj, end_key, false, end_names, &e, &has_end));
    if (has_end && !has_value) {
        kpi__json_push_key(ld->doc, end_key);
        kpi_status st = kpi__json_fail(ld->doc, json_object_get(obj, end_key), KPI_EPLAN,
                                       "'%s' needs '%s': a band without '%s' has no end on that side", end_key, key,
                                       key);
        kpi__json_pop(ld->doc);
        return st;
    }
    *end = has_value ? (kpi_tier_end)e : KPI_END_UNBOUNDED;
    if (!has_value)
        *value = 0;
    return KPI_OK;
}

static kpi_status read_band(struct kpi__plan_load *ld, const json_t *obj, size_t index, void *arg)
{
    static const char *const keys[] = {"label", "range", "from", "to", "from_end", "to_end", "note", NULL};
    kpi_tier_band *b = &((kpi_tier_band *)arg)[index];
    kpi__json *doc = ld->doc;
    KPI__TRY(kpi__json_check_keys(doc, obj, keys));
    KPI__TRY(kpi__json_get_string(doc, obj, "label", true, &b->label, NULL));
    bool has_range = json_object_get(obj, "range") != NULL;
    bool has_explicit = json_object_get(obj, "from") || json_object_get(obj, "to") ||
                        json_object_get(obj, "from_end") || json_object_get(obj, "to_end");
    if (has_range && has_explicit)
        return kpi__json_fail(doc, obj, KPI_EPLAN,
                              "band '%s' gives both \"range\" and from/to; give one of them", b->label);
    if (has_range) {
        struct kpi__interval iv;
        KPI__TRY(kpi__plan_get_interval(ld, obj, "range", false, &iv));
        b->from = iv.from;
        b->from_end = iv.from_end;
        b->to = iv.to;
        b->to_end = iv.to_end;
        return KPI_OK;
    }
    KPI__TRY(explicit_end(ld, obj, "from", "from_end", &b->from, &b->from_end));
    KPI__TRY(explicit_end(ld, obj, "to", "to_end", &b->to, &b->to_end));
    if (b->from_end == KPI_END_UNBOUNDED && b->to_end == KPI_END_UNBOUNDED)
        return kpi__json_fail(doc, obj, KPI_EPLAN,
                              "band '%s' needs \"range\" (\"[80, 90)\") or at least one of \"from\" and \"to\"",
                              b->label);
    return KPI_OK;
}

static kpi_status read_bands(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_tier *t)
{
    kpi_status limited = kpi__plan_check_count(ld, obj, "bands", kpi__limits()->bands, "bands", "bands");
    if (limited != KPI_OK)
        return limited;
    size_t n = json_array_size(json_object_get(obj, "bands"));
    kpi_tier_band *bands = n ? kpi__calloc(n, sizeof *bands) : NULL;
    if (n && !bands)
        return KPI_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        kpi_tier_band init = KPI_TIER_BAND_INIT;
        bands[i] = init;
    }
    kpi_status st = kpi__plan_each(ld, obj, "bands", "band", read_band, bands);
    if (st == KPI_OK)
        st = kpi__plan_built(ld, obj, kpi_tier_table_new(&t->table, t->basis, bands, n));
    if (st != KPI_OK) {
        kpi__free(bands);
        return st;
    }
    t->kind = KPI__TIERS_TABLE;
    t->bands = bands;
    t->nbands = n;
    return KPI_OK;
}

/* ---- quotas ------------------------------------------------------------------------ */

static kpi_status read_quota(struct kpi__plan_load *ld, const json_t *obj, size_t index, void *arg)
{
    static const char *const keys[] = {"label", "share", "count", "rest", "limit", "note", NULL};
    kpi_quota *q = &((kpi_quota *)arg)[index];
    kpi__json *doc = ld->doc;
    bool has_share, has_count, has_rest, rest = false;
    int limit = KPI_QUOTA_AT_MOST;
    KPI__TRY(kpi__json_check_keys(doc, obj, keys));
    KPI__TRY(kpi__json_get_string(doc, obj, "label", true, &q->label, NULL));
    KPI__TRY(kpi__json_get_dec(doc, obj, "share", false, &q->share, &has_share));
    KPI__TRY(kpi__json_get_int(doc, obj, "count", false, 0, INT32_MAX, &q->count, &has_count));
    KPI__TRY(kpi__json_get_bool(doc, obj, "rest", false, &rest, &has_rest));
    KPI__TRY(kpi__json_get_enum(doc, obj, "limit", false, limit_names, &limit, NULL));
    if (has_rest && !rest) {
        kpi__json_push_key(doc, "rest");
        kpi_status st = kpi__json_fail(doc, json_object_get(obj, "rest"), KPI_EPLAN,
                                       "\"rest\" can only be true (everyone the tiers before did not take)");
        kpi__json_pop(doc);
        return st;
    }
    if (has_share + has_count + rest != 1)
        return kpi__json_fail(doc, obj, KPI_EPLAN,
                              "quota '%s' needs exactly one of \"share\" (\"5%%\"), \"count\" (3) or \"rest\": true",
                              q->label);
    q->kind = has_share ? KPI_QUOTA_SHARE : has_count ? KPI_QUOTA_COUNT : KPI_QUOTA_REST;
    q->limit = limit;
    return KPI_OK;
}

static kpi_status read_quotas(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_tier *t)
{
    kpi_forced_options o = KPI_FORCED_OPTIONS_INIT;
    int rounding = o.rounding, ties = o.ties;
    KPI__TRY(kpi__json_get_enum(ld->doc, obj, "rounding", false, round_names, &rounding, NULL));
    KPI__TRY(kpi__json_get_enum(ld->doc, obj, "ties", false, tie_names, &ties, NULL));
    o.rounding = rounding;
    o.ties = ties;
    size_t n = json_array_size(json_object_get(obj, "quotas"));
    kpi_quota *quotas = n ? kpi__calloc(n, sizeof *quotas) : NULL;
    if (n && !quotas)
        return KPI_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        kpi_quota init = KPI_QUOTA_INIT;
        quotas[i] = init;
    }
    kpi_status st = kpi__plan_each(ld, obj, "quotas", "quota", read_quota, quotas);
    if (st == KPI_OK)
        st = kpi__plan_built(ld, obj, kpi_forced_new(&t->forced, quotas, n, &o));
    kpi__free(quotas);
    if (st == KPI_OK)
        t->kind = KPI__TIERS_FORCED;
    return st;
}

/* ---- one tier ---------------------------------------------------------------------- */

static kpi_status read_periods(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_tier *t)
{
    static const char *const keys[] = {"last", "how", "note", NULL};
    const json_t *v = json_object_get(obj, "periods");
    if (!v)
        return KPI_OK;
    kpi__json *doc = ld->doc;
    kpi__json_push_key(doc, "periods");
    int64_t last = 1;
    int how = KPI_PERIODS_MIN;
    kpi_status st = kpi__json_object(doc, v, "periods");
    if (st == KPI_OK)
        st = kpi__json_check_keys(doc, v, keys);
    if (st == KPI_OK)
        st = kpi__json_get_int(doc, v, "last", true, 1, MAX_PERIODS, &last, NULL);
    if (st == KPI_OK)
        st = kpi__json_get_enum(doc, v, "how", false, how_names, &how, NULL);
    kpi__json_pop(doc);
    t->periods = (size_t)last;
    t->how = how;
    return st;
}

static kpi_status read_rank(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_tier *t)
{
    static const char *const keys[] = {"method", "order", "percentile", "significance", "note", NULL};
    const json_t *v = json_object_get(obj, "rank");
    if (!v)
        return KPI_OK;
    kpi__json *doc = ld->doc;
    kpi__json_push_key(doc, "rank");
    int method = t->rank.method, order = t->rank.order, pct = t->rank.pct_kind;
    int64_t significance = t->rank.significance;
    kpi_status st = kpi__json_object(doc, v, "rank");
    if (st == KPI_OK)
        st = kpi__json_check_keys(doc, v, keys);
    if (st == KPI_OK)
        st = kpi__json_get_enum(doc, v, "method", false, method_names, &method, NULL);
    if (st == KPI_OK)
        st = kpi__json_get_enum(doc, v, "order", false, order_names, &order, NULL);
    if (st == KPI_OK)
        st = kpi__json_get_enum(doc, v, "percentile", false, pct_names, &pct, NULL);
    if (st == KPI_OK)
        st = kpi__json_get_int(doc, v, "significance", false, 1, 9, &significance, NULL);
    kpi__json_pop(doc);
    t->rank.method = method;
    t->rank.order = order;
    t->rank.pct_kind = pct;
    t->rank.significance = (int32_t)significance;
    return st;
}

/* The rubric gate @name must exist. */
static kpi_status read_gate(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_tier *t)
{
    bool present;
    KPI__TRY(kpi__json_get_string(ld->doc, obj, "gate", false, &t->gate, &present));
    if (!present)
        return KPI_OK;
    const kpi_rubric *r = ld->plan->rubric;
    for (size_t i = 0; r && i < r->d.ngates; i++)
        if (strcmp(r->d.gates[i].id, t->gate) == 0)
            return KPI_OK;
    struct kpi__sb names = {0};
    for (size_t i = 0; r && i < r->d.ngates; i++)
        kpi__sb_printf(&names, "%s%s", i ? ", " : "", r->d.gates[i].id);
    if (names.oom) {
        kpi__free(names.s);
        return KPI_ENOMEM;
    }
    kpi__json_push_key(ld->doc, "gate");
    kpi_status st = kpi__json_fail(ld->doc, json_object_get(obj, "gate"), KPI_ENOTFOUND,
                                   "unknown gate '%s' (the rubric's \"gates\": %s)", t->gate,
                                   names.s ? names.s : "none");
    kpi__json_pop(ld->doc);
    kpi__free(names.s);
    return st;
}

static kpi_status read_tier(struct kpi__plan_load *ld, const json_t *obj, size_t index, void *arg)
{
    static const char *const keys[] = {"id", "label", "note", "basis", "within", "periods", "gate", "rank",
                                       "bands", "quotas", "rounding", "ties", NULL};
    struct kpi__plan_tiers *tiers = arg;
    struct kpi__plan_tier *t = &tiers->items[index];
    kpi__json *doc = ld->doc;
    kpi_rank_options rank = KPI_RANK_OPTIONS_INIT;
    t->rank = rank;
    t->how = KPI_PERIODS_MIN;
    KPI__TRY(kpi__json_check_keys(doc, obj, keys));
    KPI__TRY(kpi__json_get_string(doc, obj, "id", true, &t->id, NULL));
    for (size_t i = 0; i < index; i++)
        if (strcmp(tiers->items[i].id, t->id) == 0)
            return kpi__plan_duplicate(ld, obj, t->id, "tier tables");
    t->label = t->id;
    KPI__TRY(kpi__json_get_string(doc, obj, "label", false, &t->label, NULL));
    KPI__TRY(kpi__json_get_string(doc, obj, "note", false, &t->note, NULL));
    int basis = KPI_TIER_BY_SCORE, scope = KPI__SCOPE_ALL;
    bool has_basis;
    KPI__TRY(kpi__json_get_enum(doc, obj, "basis", false, basis_names, &basis, &has_basis));
    KPI__TRY(kpi__json_get_enum(doc, obj, "within", false, scope_names, &scope, NULL));
    t->basis = basis;
    t->scope = (enum kpi__tier_scope)scope;
    KPI__TRY(read_periods(ld, obj, t));
    KPI__TRY(read_gate(ld, obj, t));
    KPI__TRY(read_rank(ld, obj, t));
    bool has_bands = json_object_get(obj, "bands") != NULL, has_quotas = json_object_get(obj, "quotas") != NULL;
    if (has_bands == has_quotas)
        return kpi__json_fail(doc, obj, KPI_EPLAN,
                              "tier table '%s' needs either \"bands\" (a table) or \"quotas\" (a forced "
                              "distribution)%s", t->id, has_bands ? ", not both" : "");
    static const char *const only_quotas[] = {"rounding", "ties", NULL};
    for (const char *const *k = only_quotas; has_bands && *k; k++)
        if (json_object_get(obj, *k)) {
            kpi__json_push_key(doc, *k);
            kpi_status st = kpi__json_fail(doc, json_object_get(obj, *k), KPI_EPLAN,
                                           "'%s' applies to \"quotas\" only (how quotas round and cut ties)", *k);
            kpi__json_pop(doc);
            return st;
        }
    if (has_quotas && has_basis) {
        kpi__json_push_key(doc, "basis");
        kpi_status st = kpi__json_fail(doc, json_object_get(obj, "basis"), KPI_EPLAN,
                                       "'basis' applies to \"bands\" only: quotas are filled in rank order");
        kpi__json_pop(doc);
        return st;
    }
    return has_bands ? read_bands(ld, obj, t) : read_quotas(ld, obj, t);
}

kpi_status kpi__plan_read_tiers(struct kpi__plan_load *ld, const json_t *value)
{
    kpi__json *doc = ld->doc;
    KPI__TRY(kpi__json_array(doc, value, "tiers"));
    size_t n = json_array_size(value);
    if (n == 0)
        return kpi__json_fail(doc, value, KPI_EPLAN, "'tiers' must list at least one tier table");
    KPI__TRY(kpi__plan_check_count(ld, value, NULL, kpi__limits()->tiers, "tiers", "tier tables"));
    struct kpi__plan_tiers *tiers = kpi__calloc(1, sizeof *tiers);
    if (!tiers)
        return KPI_ENOMEM;
    tiers->items = kpi__calloc(n, sizeof *tiers->items);
    if (!tiers->items) {
        kpi__free(tiers);
        return KPI_ENOMEM;
    }
    tiers->count = n;
    kpi_status st = KPI_OK;
    for (size_t i = 0; st == KPI_OK && i < n; i++) {
        const json_t *el = json_array_get(value, i);
        kpi__json_push_index(doc, i);
        st = kpi__json_object(doc, el, "a tier table");
        if (st == KPI_OK)
            st = read_tier(ld, el, i, tiers);
        kpi__json_pop(doc);
    }
    if (st != KPI_OK) {
        kpi__plan_tiers_free(tiers);
        return st;
    }
    ld->plan->tiers = tiers;
    return KPI_OK;
}

/* ---- lint -------------------------------------------------------------------------- */

kpi_status kpi__plan_lint_tiers(const kpi_plan *plan, kpi_lint *lint)
{
    const struct kpi__plan_tiers *tiers = plan->tiers;
    for (size_t i = 0; tiers && i < tiers->count; i++) {
        const struct kpi__plan_tier *t = &tiers->items[i];
        if (t->kind != KPI__TIERS_TABLE)
            continue;
        size_t first = kpi_lint_count(lint);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "tiers[%zu]", i);
        kpi_status st = kpi_tier_bands_lint(lint, t->basis, t->bands, t->nbands);
        if (st == KPI_OK)
            st = kpi__lint_prefix(lint, first, prefix);
        if (st != KPI_OK)
            return st;
    }
    return KPI_OK;
}
