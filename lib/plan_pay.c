/*
 * plan_pay.c - the plan's "pay" section: named bracket schedules and the
 * pay items of a slip (fixed amounts, agent fields, schedules, pools, score
 * bonuses, fines, streak bonuses). Fills struct kpi__plan_pay
 * (plan_sections.h) through the public pay API, so every check of
 * kpi_schedule_new() and kpi_score_bonus() applies to plans too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lint_internal.h"
#include "plan_internal.h"

/* Each table lists the names in the order of the enum it fills. */
static const char *const mode_names[] = {"marginal", "whole", "formula", "fixed", NULL};
static const char *const basis_names[] = {"amount", "ratio", NULL};
static const char *const negative_names[] = {"rows", "zero", "clawback", NULL};
static const char *const ends_names[] = {"lower", "upper", "both", "neither", NULL};
static const char *const kind_names[] = {"amount", "agent_field", "schedule", "pool", "score_bonus", "fine",
                                         "streak", NULL};
static const char *const scope_names[] = {"all", "team", "centre", NULL};
static const char *const split_names[] = {"equal", "weight", NULL};
static const char *const past_names[] = {"repeat_last", "fail", NULL};
static const char *const on_names[] = {"rank", "fail", NULL};
static const char *const fire_names[] = {"once", "every", "while", NULL};

/* Amount columns of the agents file the run reads (examples/data/agents.csv). */
static const char *const agent_fields[] = {"post_salary", NULL};

/* Longest streak and fine ladder a plan may state. */
#define MAX_STREAK 1000
#define MAX_STEPS 1000

void kpi__plan_pay_free(struct kpi__plan_pay *pay)
{
    if (!pay)
        return;
    for (size_t i = 0; i < pay->count; i++) {
        kpi_schedule_free(pay->items[i].schedule);
        kpi__free(pay->items[i].steps);
    }
    for (size_t i = 0; i < pay->nschedules; i++) {
        kpi__free(pay->schedules[i].path);
        kpi__free(pay->schedules[i].rows);
    }
    kpi__free(pay->items);
    kpi__free(pay->schedules);
    kpi__free(pay);
}

/* Reports @key of @obj: "what is wrong; what would be right". */
static kpi_status fail_at(struct kpi__plan_load *ld, const json_t *obj, const char *key, kpi_status code,
                          const char *fmt, ...) KPI__PRINTF(5, 6);
static kpi_status fail_at(struct kpi__plan_load *ld, const json_t *obj, const char *key, kpi_status code,
                          const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kpi__json_push_key(ld->doc, key);
    kpi_status st = kpi__json_fail(ld->doc, json_object_get(obj, key), code, "%s", msg);
    kpi__json_pop(ld->doc);
    return st;
}

/* ---- schedules --------------------------------------------------------------------- */

struct rows_arg {
    kpi_bracket_row *rows;
    bool money; /* amount basis: ends and anchors in yuan */
};

/* The ownership of [from, to] from interval notation; an unbounded end owns nothing. */
static kpi_bracket_ends ends_of(kpi_tier_end lo, kpi_tier_end hi)
{
    if (hi == KPI_END_UNBOUNDED)
        return lo == KPI_END_OPEN ? KPI_ENDS_UPPER : KPI_ENDS_LOWER;
    if (lo == KPI_END_UNBOUNDED)
        return hi == KPI_END_CLOSED ? KPI_ENDS_UPPER : KPI_ENDS_LOWER;
    if (lo == KPI_END_CLOSED)
        return hi == KPI_END_CLOSED ? KPI_ENDS_BOTH : KPI_ENDS_LOWER;
    return hi == KPI_END_CLOSED ? KPI_ENDS_UPPER : KPI_ENDS_NEITHER;
}

/* A number in the basis unit: fen for amounts, kpi_dec for ratios. */
static kpi_status get_basis_value(struct kpi__plan_load *ld, const json_t *obj, const char *key, bool money,
                                  int64_t *out, bool *present)
{
    return money ? kpi__json_get_money(ld->doc, obj, key, false, out, present)
                 : kpi__json_get_dec(ld->doc, obj, key, false, out, present);
}

static kpi_status read_row(struct kpi__plan_load *ld, const json_t *obj, size_t index, void *arg)
{
    static const char *const keys[] = {"range", "from", "to", "ends", "rate", "base", "anchor", "label", "note",
                                       NULL};
    struct rows_arg *a = arg;
    kpi_bracket_row *r = &a->rows[index];
    kpi__json *doc = ld->doc;
    KPI__TRY(kpi__json_check_keys(doc, obj, keys));
    bool has_range = json_object_get(obj, "range") != NULL;
    if (has_range && (json_object_get(obj, "from") || json_object_get(obj, "to") || json_object_get(obj, "ends")))
        return kpi__json_fail(doc, obj, KPI_EPLAN, "a row gives both \"range\" and from/to/ends; give one of them");
    if (has_range) {
        struct kpi__interval iv;
        KPI__TRY(kpi__plan_get_interval(ld, obj, "range", a->money, &iv));
        if (iv.from_end == KPI_END_UNSTATED)
            return fail_at(ld, obj, "range", KPI_EPLAN,
                           "a schedule row must say which ends it owns: write \"[15000, 20000)\" or "
                           "\"[15000, 20000]\", not \"%s\"", json_string_value(json_object_get(obj, "range")));
        r->from = iv.from_end == KPI_END_UNBOUNDED ? KPI_UNBOUNDED_BELOW : iv.from;
        r->to = iv.to_end == KPI_END_UNBOUNDED ? KPI_UNBOUNDED_ABOVE : iv.to;
        r->ends = ends_of(iv.from_end, iv.to_end);
    } else {
        bool has_from, has_to;
        int ends = KPI_ENDS_LOWER;
        KPI__TRY(get_basis_value(ld, obj, "from", a->money, &r->from, &has_from));
        KPI__TRY(get_basis_value(ld, obj, "to", a->money, &r->to, &has_to));
        KPI__TRY(kpi__json_get_enum(doc, obj, "ends", false, ends_names, &ends, NULL));
        if (!has_from)
            r->from = KPI_UNBOUNDED_BELOW;
        if (!has_to)
            r->to = KPI_UNBOUNDED_ABOVE;
        if (!has_from && !has_to)
            return kpi__json_fail(doc, obj, KPI_EPLAN,
                                  "a row needs \"range\" (\"[0, 15000)\") or at least one of \"from\" and \"to\"");
        r->ends = ends;
    }
    bool has_anchor;
    KPI__TRY(kpi__json_get_dec(doc, obj, "rate", false, &r->rate, NULL));
    KPI__TRY(kpi__json_get_money(doc, obj, "base", false, &r->base, NULL));
    KPI__TRY(get_basis_value(ld, obj, "anchor", a->money, &r->anchor, &has_anchor));
    if (!has_anchor)
        r->anchor = KPI_ANCHOR_FROM;
    return KPI_OK;
}

static kpi_status read_schedule(struct kpi__plan_load *ld, const json_t *obj, const struct kpi__plan_pay_item *dflt,
                                struct kpi__plan_schedule *s)
{
    static const char *const keys[] = {"label", "note", "mode", "basis", "negative", "cap", "floor", "rounding",
                                       "rows", NULL};
    kpi__json *doc = ld->doc;
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    int mode, basis = KPI_BASIS_AMOUNT, negative = KPI_NEGATIVE_ROWS;
    KPI__TRY(kpi__json_object(doc, obj, "a schedule"));
    KPI__TRY(kpi__json_check_keys(doc, obj, keys));
    KPI__TRY(kpi__json_get_enum(doc, obj, "mode", true, mode_names, &mode, NULL));
    KPI__TRY(kpi__json_get_enum(doc, obj, "basis", false, basis_names, &basis, NULL));
    KPI__TRY(kpi__json_get_enum(doc, obj, "negative", false, negative_names, &negative, NULL));
    KPI__TRY(kpi__json_get_money(doc, obj, "cap", false, &def.cap, NULL));
    KPI__TRY(kpi__json_get_money(doc, obj, "floor", false, &def.floor, NULL));
    def.mode = mode;
    def.basis = basis;
    def.negative = negative;
    def.rounding = dflt->rounding;
    def.places = dflt->places;
    KPI__TRY(kpi__plan_get_rounding(ld, obj, "rounding", 2, &def.rounding, &def.places));
    KPI__TRY(kpi__plan_check_count(ld, obj, "rows", kpi__limits()->bracket_rows, "bracket_rows", "rows"));
    size_t n = json_array_size(json_object_get(obj, "rows"));
    struct rows_arg a = {n ? kpi__calloc(n, sizeof *a.rows) : NULL, basis == KPI_BASIS_AMOUNT};
    if (n && !a.rows)
        return KPI_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        kpi_bracket_row init = KPI_BRACKET_ROW_INIT;
        a.rows[i] = init;
    }
    kpi_status st = kpi__plan_each(ld, obj, "rows", "row", read_row, &a);
    kpi_schedule *built = NULL;
    if (st == KPI_OK) /* every check of the engine, located at the row it names */
        st = kpi__plan_built(ld, obj, kpi_schedule_new(&built, &def, a.rows, n));
    kpi_schedule_free(built);
    if (st == KPI_OK && !(s->path = kpi__sprintf("%s", kpi__json_path(doc))))
        st = KPI_ENOMEM;
    if (st != KPI_OK) {
        kpi__free(a.rows);
        return st;
    }
    s->def = def;
    s->rows = a.rows;
    s->nrows = n;
    return KPI_OK;
}

static kpi_status read_schedules(struct kpi__plan_load *ld, const json_t *value, struct kpi__plan_pay *pay,
                                 const struct kpi__plan_pay_item *dflt)
{
    const json_t *map = json_object_get(value, "schedules");
    if (!map)
        return KPI_OK;
    kpi__json *doc = ld->doc;
    kpi__json_push_key(doc, "schedules");
    kpi_status st = kpi__json_object(doc, map, "schedules");
    size_t n = json_object_size(map);
    if (st == KPI_OK && n && !(pay->schedules = kpi__calloc(n, sizeof *pay->schedules)))
        st = KPI_ENOMEM;
    const char *name;
    json_t *obj;
    json_object_foreach((json_t *)map, name, obj) {
        if (st != KPI_OK)
            break;
        struct kpi__plan_schedule *s = &pay->schedules[pay->nschedules];
        s->name = name;
        kpi__json_push_key(doc, name);
        st = read_schedule(ld, obj, dflt, s);
        kpi__json_pop(doc);
        if (st == KPI_OK)
            pay->nschedules++;
    }
    kpi__json_pop(doc);
    return st;
}

/* ---- items ------------------------------------------------------------------------- */

#define COMMON_KEYS "id", "label", "kind", "rounding", "note"
static const char *const kind_keys[][12] = {
    {COMMON_KEYS, "amount", NULL},
    {COMMON_KEYS, "field", NULL},
    {COMMON_KEYS, "schedule", "basis", "ratio_of", NULL},
    {COMMON_KEYS, "basis", "rate", "within", "split", "weight", NULL},
    {COMMON_KEYS, "pool", "total", "gate", NULL},
    {COMMON_KEYS, "steps", "past", "count", NULL},
    {COMMON_KEYS, "on", "rank", "length", "fire", "amount", "within", NULL},
};

struct items_arg {
    struct kpi__plan_pay *pay;
    struct kpi__plan_pay_item dflt; /* the section's rounding */
};

static kpi_status read_field(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_pay_item *it)
{
    KPI__TRY(kpi__json_get_string(ld->doc, obj, "field", true, &it->field, NULL));
    for (const char *const *f = agent_fields; *f; f++)
        if (strcmp(*f, it->field) == 0)
            return KPI_OK;
    return fail_at(ld, obj, "field", KPI_ENOTFOUND,
                   "unknown agent field '%s' (the agents file's amounts: post_salary)", it->field);
}

static kpi_status read_schedule_item(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_pay *pay,
                                     struct kpi__plan_pay_item *it, bool own_rounding)
{
    KPI__TRY(kpi__json_get_string(ld->doc, obj, "schedule", true, &it->schedule_name, NULL));
    struct kpi__plan_schedule *s = NULL;
    for (size_t i = 0; i < pay->nschedules && !s; i++)
        if (strcmp(pay->schedules[i].name, it->schedule_name) == 0)
            s = &pay->schedules[i];
    if (!s) {
        struct kpi__sb names = {0};
        for (size_t i = 0; i < pay->nschedules; i++)
            kpi__sb_printf(&names, "%s%s", i ? ", " : "", pay->schedules[i].name);
        kpi_status st = names.oom ? KPI_ENOMEM
                                  : fail_at(ld, obj, "schedule", KPI_ENOTFOUND,
                                            "unknown schedule '%s' (\"pay.schedules\" has: %s)", it->schedule_name,
                                            names.s ? names.s : "none");
        kpi__free(names.s);
        return st;
    }
    KPI__TRY(kpi__plan_get_figure(ld, obj, "basis", true, &it->basis));
    KPI__TRY(kpi__plan_get_figure(ld, obj, "ratio_of", false, &it->ratio_of));
    bool wants_amount = s->def.basis == KPI_BASIS_RATIO && s->def.mode == KPI_BRACKET_WHOLE;
    if (wants_amount && !it->ratio_of)
        return kpi__json_fail(ld->doc, obj, KPI_EPLAN,
                              "schedule '%s' has a ratio basis and whole-amount rows: give \"ratio_of\", the "
                              "amount its rates apply to", s->name);
    if (!wants_amount && it->ratio_of)
        return fail_at(ld, obj, "ratio_of", KPI_EPLAN,
                       "'ratio_of' applies only to a whole-amount schedule with a ratio basis; '%s' pays %s",
                       s->name, s->def.basis == KPI_BASIS_RATIO ? "fixed amounts" : "on its amount basis");
    it->schedule_def = s->def;
    if (own_rounding) {
        it->schedule_def.rounding = it->rounding;
        it->schedule_def.places = it->places;
    } else {
        it->rounding = s->def.rounding;
        it->places = s->def.places;
    }
    s->used = true;
    return kpi__plan_built(ld, obj, kpi_schedule_new(&it->schedule, &it->schedule_def, s->rows, s->nrows));
}

static kpi_status read_pool(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_pay_item *it)
{
    int scope = KPI__SCOPE_ALL, split = KPI__SPLIT_EQUAL;
    KPI__TRY(kpi__plan_get_figure(ld, obj, "basis", true, &it->basis));
    KPI__TRY(kpi__json_get_dec(ld->doc, obj, "rate", true, &it->rate, NULL));
    KPI__TRY(kpi__json_get_enum(ld->doc, obj, "within", false, scope_names, &scope, NULL));
    KPI__TRY(kpi__json_get_enum(ld->doc, obj, "split", false, split_names, &split, NULL));
    KPI__TRY(kpi__plan_get_figure(ld, obj, "weight", split == KPI__SPLIT_WEIGHT, &it->weight));
    it->scope = (enum kpi__tier_scope)scope;
    it->split = (enum kpi__pool_split)split;
    if (split == KPI__SPLIT_EQUAL && it->weight)
        return fail_at(ld, obj, "weight", KPI_EPLAN, "'weight' needs \"split\": \"weight\" (the split is equal)");
    if (it->rate < 0)
        return fail_at(ld, obj, "rate", KPI_EPLAN, "a pool's rate must not be negative");
    return KPI_OK;
}

static kpi_status read_score_bonus(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_pay_item *it)
{
    kpi_score_bonus_def def = KPI_SCORE_BONUS_DEF_INIT;
    const kpi_rubric *r = ld->plan->rubric;
    if (r)
        def.total = r->d.total;
    KPI__TRY(kpi__json_get_money(ld->doc, obj, "pool", true, &def.pool, NULL));
    KPI__TRY(kpi__json_get_dec(ld->doc, obj, "total", !r, &def.total, NULL));
    KPI__TRY(kpi__json_get_dec(ld->doc, obj, "gate", false, &def.gate, NULL));
    if (def.pool < 0)
        return fail_at(ld, obj, "pool", KPI_EPLAN, "the bonus pool must not be negative");
    if (def.total <= 0)
        return fail_at(ld, obj, "total", KPI_EPLAN, "the total must be a positive number of points");
    if (def.gate < 0 || def.gate > KPI_DEC_ONE)
        return fail_at(ld, obj, "gate", KPI_EPLAN,
                       "the gate is a share of the total between 0 and 100%% (\"70%%\": nothing below 70 %% of it)");
    def.rounding = it->rounding;
    def.places = it->places;
    /* the engine's checks of the definition (total > 0, gate in 0..1, pool >= 0) */
    kpi_money out;
    KPI__TRY(kpi__plan_built(ld, obj, kpi_score_bonus(&def, 0, &out, NULL)));
    it->bonus = def;
    return KPI_OK;
}

static kpi_status read_fine(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_pay_item *it)
{
    kpi__json *doc = ld->doc;
    const json_t *arr = json_object_get(obj, "steps");
    if (!arr)
        return kpi__json_fail(doc, obj, KPI_EPLAN, "missing required key 'steps'");
    kpi__json_push_key(doc, "steps");
    size_t n = json_array_size(arr);
    kpi_status st = kpi__json_array(doc, arr, "steps");
    if (st == KPI_OK && (n == 0 || n > MAX_STEPS))
        st = kpi__json_fail(doc, arr, KPI_EPLAN, "'steps' lists the cost of the 1st, 2nd, ... occurrence: "
                            "1 to %d amounts such as [50, 100, 200]", MAX_STEPS);
    if (st == KPI_OK && !(it->steps = kpi__calloc(n, sizeof *it->steps)))
        st = KPI_ENOMEM;
    for (size_t i = 0; st == KPI_OK && i < n; i++) {
        kpi__json_push_index(doc, i);
        const json_t *v = json_array_get(arr, i);
        st = kpi__json_to_money(doc, v, &it->steps[i]);
        if (st == KPI_OK && it->steps[i] < 0)
            st = kpi__json_fail(doc, v, KPI_EPLAN, "a fine step is an amount >= 0 (the fine is paid as a "
                                "negative pay line)");
        kpi__json_pop(doc);
    }
    kpi__json_pop(doc);
    KPI__TRY(st);
    it->nsteps = n;
    int past = KPI_FINE_REPEAT_LAST;
    KPI__TRY(kpi__json_get_enum(doc, obj, "past", false, past_names, &past, NULL));
    it->past = past;
    return kpi__plan_get_figure(ld, obj, "count", true, &it->count);
}

static kpi_status read_streak(struct kpi__plan_load *ld, const json_t *obj, struct kpi__plan_pay_item *it)
{
    kpi__json *doc = ld->doc;
    int on, fire = KPI_STREAK_ONCE, scope = KPI__SCOPE_ALL;
    bool has_rank;
    KPI__TRY(kpi__json_get_enum(doc, obj, "on", true, on_names, &on, NULL));
    it->streak_on = (enum kpi__streak_on)on;
    it->rank = 1;
    KPI__TRY(kpi__json_get_int(doc, obj, "rank", false, 1, INT32_MAX, &it->rank, &has_rank));
    if (has_rank && on == KPI__STREAK_FAIL)
        return fail_at(ld, obj, "rank", KPI_EPLAN, "'rank' applies to \"on\": \"rank\" streaks only");
    KPI__TRY(kpi__json_get_int(doc, obj, "length", true, 1, MAX_STREAK, &it->length, NULL));
    KPI__TRY(kpi__json_get_enum(doc, obj, "fire", false, fire_names, &fire, NULL));
    KPI__TRY(kpi__json_get_enum(doc, obj, "within", false, scope_names, &scope, NULL));
    it->fire = fire;
    it->scope = (enum kpi__tier_scope)scope;
    KPI__TRY(kpi__json_get_money(doc, obj, "amount", on == KPI__STREAK_RANK, &it->amount, NULL));
    if (it->amount < 0)
        return fail_at(ld, obj, "amount", KPI_EPLAN, "a streak bonus must not be negative (use a fine)");
    return KPI_OK;
}

static kpi_status read_item(struct kpi__plan_load *ld, const json_t *obj, size_t index, void *arg)
{
    struct items_arg *a = arg;
    struct kpi__plan_pay_item *it = &a->pay->items[index];
    kpi__json *doc = ld->doc;
    int kind;
    KPI__TRY(kpi__json_get_enum(doc, obj, "kind", true, kind_names, &kind, NULL));
    it->kind = (enum kpi__pay_kind)kind;
    KPI__TRY(kpi__json_check_keys(doc, obj, kind_keys[kind]));
    KPI__TRY(kpi__json_get_string(doc, obj, "id", true, &it->id, NULL));
    for (size_t i = 0; i < index; i++)
        if (strcmp(a->pay->items[i].id, it->id) == 0)
            return kpi__plan_duplicate(ld, obj, it->id, "pay items");
    it->label = it->id;
    KPI__TRY(kpi__json_get_string(doc, obj, "label", false, &it->label, NULL));
    KPI__TRY(kpi__json_get_string(doc, obj, "note", false, &it->note, NULL));
    it->rounding = a->dflt.rounding;
    it->places = a->dflt.places;
    KPI__TRY(kpi__plan_get_rounding(ld, obj, "rounding", 2, &it->rounding, &it->places));
    switch (it->kind) {
    case KPI__PAY_AMOUNT:
        return kpi__json_get_money(doc, obj, "amount", true, &it->amount, NULL);
    case KPI__PAY_AGENT_FIELD:
        return read_field(ld, obj, it);
    case KPI__PAY_SCHEDULE:
        return read_schedule_item(ld, obj, a->pay, it, json_object_get(obj, "rounding") != NULL);
    case KPI__PAY_POOL:
        return read_pool(ld, obj, it);
    case KPI__PAY_SCORE_BONUS:
        return read_score_bonus(ld, obj, it);
    case KPI__PAY_FINE:
        return read_fine(ld, obj, it);
    default:
        return read_streak(ld, obj, it);
    }
}

kpi_status kpi__plan_read_pay(struct kpi__plan_load *ld, const json_t *value)
{
    static const char *const keys[] = {"rounding", "schedules", "items", "note", NULL};
    kpi__json *doc = ld->doc;
    KPI__TRY(kpi__json_object(doc, value, "pay"));
    KPI__TRY(kpi__json_check_keys(doc, value, keys));
    struct items_arg a = {kpi__calloc(1, sizeof *a.pay), {0}};
    if (!a.pay)
        return KPI_ENOMEM;
    /* the plan's rounding, kept to at most fen; "pay.rounding" and each item may say otherwise */
    a.dflt.rounding = ld->plan->round_mode;
    a.dflt.places = ld->plan->places < 2 ? ld->plan->places : 2;
    kpi_status st = kpi__plan_get_rounding(ld, value, "rounding", 2, &a.dflt.rounding, &a.dflt.places);
    if (st == KPI_OK)
        st = read_schedules(ld, value, a.pay, &a.dflt);
    size_t n = json_array_size(json_object_get(value, "items"));
    if (st == KPI_OK && n && !(a.pay->items = kpi__calloc(n, sizeof *a.pay->items)))
        st = KPI_ENOMEM;
    if (st == KPI_OK) {
        a.pay->count = n; /* filled in order; the zeroed rest frees as nothing */
        st = kpi__plan_each(ld, value, "items", "pay item", read_item, &a);
    }
    if (st != KPI_OK) {
        kpi__plan_pay_free(a.pay);
        return st;
    }
    ld->plan->pay = a.pay;
    return KPI_OK;
}

/* ---- lint -------------------------------------------------------------------------- */

static bool same(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

bool kpi__plan_pay_reads(const void *ctx, const char *name)
{
    const struct kpi__plan_pay *pay = ctx;
    for (size_t i = 0; pay && i < pay->count; i++) {
        const struct kpi__plan_pay_item *it = &pay->items[i];
        if (same(it->basis, name) || same(it->ratio_of, name) || same(it->weight, name) || same(it->count, name))
            return true;
    }
    return false;
}

kpi_status kpi__plan_lint_pay(const kpi_plan *plan, kpi_lint *lint)
{
    const struct kpi__plan_pay *pay = plan->pay;
    for (size_t i = 0; pay && i < pay->nschedules; i++) {
        const struct kpi__plan_schedule *s = &pay->schedules[i];
        size_t first = kpi_lint_count(lint);
        kpi_status st = kpi_schedule_lint(lint, &s->def, s->rows, s->nrows);
        if (st == KPI_OK)
            st = kpi__lint_prefix(lint, first, s->path);
        if (st == KPI_OK && !s->used)
            st = kpi__lint_add(lint, KPI_LINT_WARNING, "unused-schedule", s->path,
                               "schedule '%s' is read by no pay item", s->name);
        if (st != KPI_OK)
            return st;
    }
    return KPI_OK;
}
