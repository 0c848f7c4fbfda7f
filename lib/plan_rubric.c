/*
 * plan_rubric.c - the plan's "inputs" and "rubric" sections. The readers
 * turn JSON into calls of the public rubric builder, so a plan can express
 * exactly what the C API can, and every builder check applies to plans too.
 */
#include <string.h>

#include "plan_internal.h"

static const char *const input_kinds[] = {"number", "count", "grade", "list", NULL};

/* Makes the builder the inputs and rubric readers share. */
static kpi_status ensure_builder(struct kpi__plan_load *ld, const json_t *node)
{
    if (ld->builder)
        return KPI_OK;
    return kpi__plan_located(ld, node, kpi_rubric_builder_new(&ld->builder, KPI_DEC_ONE, NULL));
}

/* A builder call's failure, located at @node; invalid arguments are plan errors here. */
static kpi_status built(struct kpi__plan_load *ld, const json_t *node, kpi_status st)
{
    if (st == KPI_EINVAL) {
        char msg[512];
        strncpy(msg, kpi_error_message(kpi_error_last()), sizeof msg - 1);
        msg[sizeof msg - 1] = '\0';
        kpi__error_reset();
        kpi__fail(KPI_EPLAN, "%s", msg);
        st = KPI_EPLAN;
    }
    return kpi__plan_located(ld, node, st);
}

/* Member @key of @obj as an array with at least one element. */
static kpi_status nonempty_array(struct kpi__plan_load *ld, const json_t *obj, const char *key, const char *what,
                                 const json_t **out)
{
    *out = json_object_get(obj, key);
    if (!*out)
        return kpi__json_fail(ld->doc, obj, KPI_EPLAN, "missing required key '%s'", key);
    kpi__json_push_key(ld->doc, key);
    kpi_status st = kpi__json_array(ld->doc, *out, key);
    if (st == KPI_OK && json_array_size(*out) == 0)
        st = kpi__json_fail(ld->doc, *out, KPI_EPLAN, "'%s' must list at least one %s", key, what);
    kpi__json_pop(ld->doc);
    return st;
}

/* ---- inputs ------------------------------------------------------------------ */

static kpi_status read_labels(struct kpi__plan_load *ld, const json_t *decl, const char ***labels, size_t *n)
{
    const json_t *arr = json_object_get(decl, "labels");
    *labels = NULL;
    *n = 0;
    if (!arr)
        return KPI_OK;
    kpi__json_push_key(ld->doc, "labels");
    kpi_status st = kpi__json_array(ld->doc, arr, "labels");
    size_t count = json_array_size(arr);
    if (st == KPI_OK && count && !(*labels = kpi__reallocarray(NULL, count, sizeof **labels)))
        st = KPI_ENOMEM;
    for (size_t i = 0; st == KPI_OK && i < count; i++) {
        const json_t *v = json_array_get(arr, i);
        kpi__json_push_index(ld->doc, i);
        if (!json_is_string(v))
            st = kpi__json_fail(ld->doc, v, KPI_EPLAN, "a grade label must be a string, not %s",
                                kpi__json_type_name(v));
        else
            (*labels)[(*n)++] = json_string_value(v);
        kpi__json_pop(ld->doc);
    }
    kpi__json_pop(ld->doc);
    if (st != KPI_OK) {
        kpi__free(*labels);
        *labels = NULL;
    }
    return st;
}

kpi_status kpi__plan_read_inputs(struct kpi__plan_load *ld, const json_t *value)
{
    static const char *const keys[] = {"kind", "label", "labels", "metric", "note", NULL};
    kpi__json *doc = ld->doc;
    KPI__TRY(kpi__json_object(doc, value, "inputs"));
    KPI__TRY(ensure_builder(ld, value));
    const char *name;
    json_t *decl;
    kpi_status st = KPI_OK;
    json_object_foreach((json_t *)value, name, decl) {
        kpi__json_push_key(doc, name);
        int kind = 0;
        const char *label = NULL, **labels = NULL;
        size_t nlabels = 0;
        st = kpi__json_object(doc, decl, "an input declaration");
        if (st == KPI_OK)
            st = kpi__json_check_keys(doc, decl, keys);
        if (st == KPI_OK)
            st = kpi__json_get_enum(doc, decl, "kind", true, input_kinds, &kind, NULL);
        if (st == KPI_OK)
            st = kpi__json_get_string(doc, decl, "label", false, &label, NULL);
        if (st == KPI_OK)
            st = read_labels(ld, decl, &labels, &nlabels);
        if (st == KPI_OK)
            st = built(ld, decl, kpi_rubric_builder_input(ld->builder, name, kind, label, labels, nlabels));
        const char *metric = NULL;
        bool fed;
        if (st == KPI_OK)
            st = kpi__json_get_string(doc, decl, "metric", false, &metric, &fed);
        if (st == KPI_OK && fed) {
            kpi__json_push_key(doc, "metric");
            st = kpi__plan_source_add(ld, json_object_get(decl, "metric"), name, metric);
            kpi__json_pop(doc);
        }
        kpi__free(labels);
        kpi__json_pop(doc);
        if (st != KPI_OK)
            return st;
    }
    ld->has_inputs = true;
    return KPI_OK;
}

/* ---- shared readers ------------------------------------------------------------ */

/* An input name at @obj.@key that must be declared. */
static kpi_status get_input(struct kpi__plan_load *ld, const json_t *obj, const char *key, const char **out)
{
    KPI__TRY(kpi__json_get_string(ld->doc, obj, key, true, out, NULL));
    const struct kpi_rubric_builder *b = ld->builder;
    if (kpi__rubric_find_input(&b->d, *out) != KPI__NO_INDEX)
        return KPI_OK;
    struct kpi__sb names = {0};
    for (size_t i = 0; i < b->d.ninputs; i++)
        kpi__sb_printf(&names, "%s%s", i ? ", " : "", b->d.inputs[i].name);
    kpi__json_push_key(ld->doc, key);
    kpi_status st = kpi__json_fail(ld->doc, json_object_get(obj, key), KPI_ENOTFOUND,
                                   "unknown input '%s' (declared in \"inputs\": %s)", *out,
                                   names.s ? names.s : "none");
    kpi__json_pop(ld->doc);
    kpi__free(names.s);
    return st;
}

/* A cap: a number, or "none" for no cap. */
static kpi_status get_cap(struct kpi__plan_load *ld, const json_t *obj, const char *key, kpi_dec *out)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_string(v) && strcmp(json_string_value(v), "none") == 0) {
        *out = KPI_DEC_NO_CAP;
        return KPI_OK;
    }
    return kpi__json_get_dec(ld->doc, obj, key, false, out, NULL);
}

/* A threshold in points: a number, or {"share": "70%"} of @total. */
static kpi_status get_threshold(struct kpi__plan_load *ld, const json_t *obj, const char *key, bool required,
                                kpi_dec total, kpi_dec *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_object(v))
        return kpi__json_get_dec(ld->doc, obj, key, required, out, NULL);
    static const char *const keys[] = {"points", "share", NULL};
    kpi__json *doc = ld->doc;
    kpi__json_push_key(doc, key);
    kpi_dec points, share;
    bool has_points = false, has_share = false;
    kpi_status st = kpi__json_check_keys(doc, v, keys);
    if (st == KPI_OK)
        st = kpi__json_get_dec(doc, v, "points", false, &points, &has_points);
    if (st == KPI_OK)
        st = kpi__json_get_dec(doc, v, "share", false, &share, &has_share);
    if (st == KPI_OK && has_points == has_share)
        st = kpi__json_fail(doc, v, KPI_EPLAN, "give either \"points\" or \"share\" (a share of the total, \"70%%\")");
    if (st == KPI_OK && has_share)
        st = kpi__plan_located(ld, v, kpi_dec_mul(share, total, KPI_ROUND_HALF_UP, &points));
    kpi__json_pop(doc);
    if (st == KPI_OK)
        *out = points;
    return st;
}

/* Runs @read on each element of array @obj.@key with the path extended. */
typedef kpi_status (*element_reader)(struct kpi__plan_load *ld, const json_t *element, void *arg);

static kpi_status each_element(struct kpi__plan_load *ld, const json_t *obj, const char *key, element_reader read,
                               void *arg)
{
    const json_t *arr = json_object_get(obj, key);
    if (!arr)
        return KPI_OK;
    kpi__json *doc = ld->doc;
    kpi__json_push_key(doc, key);
    kpi_status st = kpi__json_array(doc, arr, key);
    for (size_t i = 0; st == KPI_OK && i < json_array_size(arr); i++) {
        const json_t *el = json_array_get(arr, i);
        kpi__json_push_index(doc, i);
        st = kpi__json_object(doc, el, "an element");
        if (st == KPI_OK)
            st = read(ld, el, arg);
        kpi__json_pop(doc);
    }
    kpi__json_pop(doc);
    return st;
}

/* ---- categories, gates, eligibility, adjustments ---------------------------------- */

static kpi_status read_category(struct kpi__plan_load *ld, const json_t *obj, void *arg)
{
    (void)arg;
    static const char *const keys[] = {"id", "label", "points", "cap", "floor", "note", NULL};
    kpi__json *doc = ld->doc;
    const char *id, *label = NULL;
    kpi_dec points, cap = KPI_DEC_UNSET, floor = KPI_DEC_UNSET;
    KPI__TRY(kpi__json_check_keys(doc, obj, keys));
    KPI__TRY(kpi__json_get_string(doc, obj, "id", true, &id, NULL));
    KPI__TRY(kpi__json_get_string(doc, obj, "label", false, &label, NULL));
    KPI__TRY(kpi__json_get_dec(doc, obj, "points", true, &points, NULL));
    KPI__TRY(get_cap(ld, obj, "cap", &cap));
    KPI__TRY(kpi__json_get_dec(doc, obj, "floor", false, &floor, NULL));
    return built(ld, obj, kpi_rubric_builder_category(ld->builder, id, label, points, cap, floor));
}

static kpi_status read_gate(struct kpi__plan_load *ld, const json_t *obj, void *arg)
{
    static const char *const keys[] = {"id", "label", "at_least", "note", NULL};
    kpi__json *doc = ld->doc;
    const char *id, *label = NULL;
    kpi_dec at_least;
    KPI__TRY(kpi__json_check_keys(doc, obj, keys));
    KPI__TRY(kpi__json_get_string(doc, obj, "id", true, &id, NULL));
    KPI__TRY(kpi__json_get_string(doc, obj, "label", false, &label, NULL));
    KPI__TRY(get_threshold(ld, obj, "at_least", true, *(const kpi_dec *)arg, &at_least));
    return built(ld, obj, kpi_rubric_builder_gate(ld->builder, id, label, at_least));
}

static kpi_status read_eligibility(struct kpi__plan_load *ld, const json_t *obj, void *arg)
{
    (void)arg;
    static const char *const keys[] = {"input", "above", "reason", "note", NULL};
    kpi__json *doc = ld->doc;
    const char *input, *reason = NULL;
    kpi_dec above;
    KPI__TRY(kpi__json_check_keys(doc, obj, keys));
    KPI__TRY(get_input(ld, obj, "input", &input));
    KPI__TRY(kpi__json_get_dec(doc, obj, "above", true, &above, NULL));
    KPI__TRY(kpi__json_get_string(doc, obj, "reason", false, &reason, NULL));
    return built(ld, obj, kpi_rubric_builder_eligibility(ld->builder, input, above, reason));
}

static kpi_status read_adjustment(struct kpi__plan_load *ld, const json_t *obj, void *arg)
{
    (void)arg;
    static const char *const keys[] = {"id", "label", "input", "each", "each_between", "cap", "floor", "note", NULL};
    kpi__json *doc = ld->doc;
    kpi_rubric_adjustment a = KPI_RUBRIC_ADJUSTMENT_INIT;
    KPI__TRY(kpi__json_check_keys(doc, obj, keys));
    KPI__TRY(kpi__json_get_string(doc, obj, "id", true, &a.id, NULL));
    KPI__TRY(kpi__json_get_string(doc, obj, "label", false, &a.label, NULL));
    KPI__TRY(get_input(ld, obj, "input", &a.input));
    KPI__TRY(kpi__json_get_dec(doc, obj, "each", false, &a.each, NULL));
    const json_t *range = json_object_get(obj, "each_between");
    if (range) {
        kpi__json_push_key(doc, "each_between");
        kpi_status st = KPI_OK;
        if (!json_is_array(range) || json_array_size(range) != 2)
            st = kpi__json_fail(doc, range, KPI_EPLAN, "expected [lowest, highest], two numbers such as [-20, -5]");
        for (size_t i = 0; st == KPI_OK && i < 2; i++) {
            kpi__json_push_index(doc, i);
            st = kpi__json_to_dec(doc, json_array_get(range, i), i ? &a.each_max : &a.each_min);
            kpi__json_pop(doc);
        }
        kpi__json_pop(doc);
        KPI__TRY(st);
    }
    KPI__TRY(kpi__json_get_dec(doc, obj, "cap", false, &a.cap, NULL));
    KPI__TRY(kpi__json_get_dec(doc, obj, "floor", false, &a.floor, NULL));
    return built(ld, obj, kpi_rubric_builder_adjustment(ld->builder, &a));
}

/* ---- items ------------------------------------------------------------------------- */

static const char *const rule_names[] = {"linear", "bands", "range", "grades", "events", "weighted", "score", NULL};

/* Keys each rule accepts, after the common ones. */
#define COMMON_KEYS "id", "label", "category", "points", "rule", "na", "critical", "critical_below", "note"
static const char *const rule_keys[][16] = {
    {COMMON_KEYS, "input", "target", "limit", "better", "cap", NULL},
    {COMMON_KEYS, "input", "bands", NULL},
    {COMMON_KEYS, "input", "low", "high", "tolerance", "tolerance_points", NULL},
    {COMMON_KEYS, "input", "grades", NULL},
    {COMMON_KEYS, "events", "start", "floor", "cap", NULL},
    {COMMON_KEYS, "parts", "scale", NULL},
    {COMMON_KEYS, "input", "scale", NULL},
};

static const char *const na_names[] = {"exclude", "zero", "full", NULL};

/* A band's end: at most one of the three keys for that side. */
static kpi_status band_end(struct kpi__plan_load *ld, const json_t *band, const char *const keys[3], kpi_dec *value,
                           kpi_tier_end *end)
{
    static const kpi_tier_end kinds[3] = {KPI_END_CLOSED, KPI_END_OPEN, KPI_END_UNSTATED};
    *end = KPI_END_UNBOUNDED;
    *value = 0;
    const char *seen = NULL;
    for (int k = 0; k < 3; k++) {
        if (!json_object_get(band, keys[k]))
            continue;
        if (seen) {
            kpi__json_push_key(ld->doc, keys[k]);
            kpi_status st = kpi__json_fail(ld->doc, json_object_get(band, keys[k]), KPI_EPLAN,
                                           "a band gives both '%s' and '%s'; give one of %s, %s, %s", seen, keys[k],
                                           keys[0], keys[1], keys[2]);
            kpi__json_pop(ld->doc);
            return st;
        }
        seen = keys[k];
        *end = kinds[k];
        KPI__TRY(kpi__json_get_dec(ld->doc, band, keys[k], true, value, NULL));
    }
    return KPI_OK;
}

static kpi_status read_band(struct kpi__plan_load *ld, const json_t *obj, void *arg)
{
    (void)arg;
    static const char *const keys[] = {"at_least", "above", "from", "at_most", "below", "to", "points", "label", "note",
                                       NULL};
    static const char *const low_keys[3] = {"at_least", "above", "from"};
    static const char *const high_keys[3] = {"at_most", "below", "to"};
    kpi_dec low, high, points;
    kpi_tier_end low_end, high_end;
    const char *label = NULL;
    KPI__TRY(kpi__json_check_keys(ld->doc, obj, keys));
    KPI__TRY(band_end(ld, obj, low_keys, &low, &low_end));
    KPI__TRY(band_end(ld, obj, high_keys, &high, &high_end));
    KPI__TRY(kpi__json_get_dec(ld->doc, obj, "points", true, &points, NULL));
    KPI__TRY(kpi__json_get_string(ld->doc, obj, "label", false, &label, NULL));
    if (low_end == KPI_END_UNBOUNDED && high_end == KPI_END_UNBOUNDED)
        return kpi__json_fail(ld->doc, obj, KPI_EPLAN,
                              "a band needs a lower end (at_least, above, from) or an upper end (at_most, below, to)");
    return built(ld, obj, kpi_rubric_builder_band(ld->builder, low, low_end, high, high_end, points, label));
}

static kpi_status read_event(struct kpi__plan_load *ld, const json_t *obj, void *arg)
{
    (void)arg;
    static const char *const keys[] = {"input", "each", "label", "note", NULL};
    const char *input, *label = NULL;
    kpi_dec each;
    KPI__TRY(kpi__json_check_keys(ld->doc, obj, keys));
    KPI__TRY(get_input(ld, obj, "input", &input));
    KPI__TRY(kpi__json_get_dec(ld->doc, obj, "each", true, &each, NULL));
    KPI__TRY(kpi__json_get_string(ld->doc, obj, "label", false, &label, NULL));
    return built(ld, obj, kpi_rubric_builder_event(ld->builder, input, each, label));
}

static kpi_status read_part(struct kpi__plan_load *ld, const json_t *obj, void *arg)
{
    (void)arg;
    static const char *const keys[] = {"input", "weight", "of", "label", "note", NULL};
    static const char *const of_names[] = {"value", "mean", "sum", NULL};
    const char *input, *label = NULL;
    kpi_dec weight;
    int of = KPI_PART_VALUE;
    KPI__TRY(kpi__json_check_keys(ld->doc, obj, keys));
    KPI__TRY(get_input(ld, obj, "input", &input));
    KPI__TRY(kpi__json_get_dec(ld->doc, obj, "weight", true, &weight, NULL));
    KPI__TRY(kpi__json_get_enum(ld->doc, obj, "of", false, of_names, &of, NULL));
    KPI__TRY(kpi__json_get_string(ld->doc, obj, "label", false, &label, NULL));
    return built(ld, obj, kpi_rubric_builder_part(ld->builder, input, weight, of, label));
}

static kpi_status read_grades(struct kpi__plan_load *ld, const json_t *item)
{
    kpi__json *doc = ld->doc;
    const json_t *map = json_object_get(item, "grades");
    if (!map)
        return kpi__json_fail(doc, item, KPI_EPLAN, "missing required key 'grades'");
    kpi__json_push_key(doc, "grades");
    kpi_status st = kpi__json_object(doc, map, "grades");
    if (st == KPI_OK && json_object_size(map) == 0)
        st = kpi__json_fail(doc, map, KPI_EPLAN, "'grades' must map at least one label to points");
    const char *label;
    json_t *v;
    json_object_foreach((json_t *)map, label, v) {
        if (st != KPI_OK)
            break;
        kpi_dec points;
        kpi__json_push_key(doc, label);
        st = kpi__json_to_dec(doc, v, &points);
        if (st == KPI_OK)
            st = built(ld, v, kpi_rubric_builder_grade(ld->builder, label, points));
        kpi__json_pop(doc);
    }
    kpi__json_pop(doc);
    return st;
}

/* Reads the fields of @rule into @s (beyond the common ones). */
static kpi_status read_rule_fields(struct kpi__plan_load *ld, const json_t *obj, kpi_rubric_item *s)
{
    kpi__json *doc = ld->doc;
    if (s->rule != KPI_RULE_EVENTS && s->rule != KPI_RULE_WEIGHTED)
        KPI__TRY(get_input(ld, obj, "input", &s->input));
    switch (s->rule) {
    case KPI_RULE_LINEAR: {
        static const char *const better[] = {"higher", "lower", NULL};
        int lower = 0;
        KPI__TRY(kpi__json_get_enum(doc, obj, "better", false, better, &lower, NULL));
        s->lower_is_better = lower;
        KPI__TRY(kpi__json_get_dec(doc, obj, "target", true, &s->target, NULL));
        KPI__TRY(kpi__json_get_dec(doc, obj, "limit", lower, &s->limit, NULL));
        if (!lower && json_object_get(obj, "limit"))
            return kpi__json_fail(doc, obj, KPI_EPLAN, "'limit' applies only with \"better\": \"lower\"");
        return get_cap(ld, obj, "cap", &s->cap);
    }
    case KPI_RULE_RANGE:
        KPI__TRY(kpi__json_get_dec(doc, obj, "low", true, &s->low, NULL));
        KPI__TRY(kpi__json_get_dec(doc, obj, "high", true, &s->high, NULL));
        KPI__TRY(kpi__json_get_dec(doc, obj, "tolerance", false, &s->tolerance, NULL));
        return kpi__json_get_dec(doc, obj, "tolerance_points", false, &s->tolerance_points, NULL);
    case KPI_RULE_EVENTS:
        KPI__TRY(kpi__json_get_dec(doc, obj, "start", false, &s->start, NULL));
        KPI__TRY(kpi__json_get_dec(doc, obj, "floor", false, &s->floor, NULL));
        return get_cap(ld, obj, "cap", &s->cap);
    case KPI_RULE_WEIGHTED:
    case KPI_RULE_SCORE:
        return kpi__json_get_dec(doc, obj, "scale", false, &s->scale, NULL);
    default:
        return KPI_OK;
    }
}

static kpi_status read_rows(struct kpi__plan_load *ld, const json_t *obj, kpi_rule rule)
{
    const json_t *arr;
    switch (rule) {
    case KPI_RULE_BANDS:
        KPI__TRY(nonempty_array(ld, obj, "bands", "band", &arr));
        KPI__TRY(kpi__plan_check_count(ld, obj, "bands", kpi__limits()->bands, "bands", "bands"));
        return each_element(ld, obj, "bands", read_band, NULL);
    case KPI_RULE_GRADES:
        return read_grades(ld, obj);
    case KPI_RULE_EVENTS:
        KPI__TRY(nonempty_array(ld, obj, "events", "event", &arr));
        return each_element(ld, obj, "events", read_event, NULL);
    case KPI_RULE_WEIGHTED:
        KPI__TRY(nonempty_array(ld, obj, "parts", "part", &arr));
        return each_element(ld, obj, "parts", read_part, NULL);
    default:
        return KPI_OK;
    }
}

static kpi_status read_item(struct kpi__plan_load *ld, const json_t *obj, void *arg)
{
    (void)arg;
    kpi__json *doc = ld->doc;
    kpi_rubric_item s = KPI_RUBRIC_ITEM_INIT;
    int rule, na = KPI_NA_INHERIT;
    KPI__TRY(kpi__json_get_enum(doc, obj, "rule", true, rule_names, &rule, NULL));
    s.rule = rule;
    KPI__TRY(kpi__json_check_keys(doc, obj, rule_keys[rule]));
    KPI__TRY(kpi__json_get_string(doc, obj, "id", true, &s.id, NULL));
    KPI__TRY(kpi__json_get_string(doc, obj, "label", false, &s.label, NULL));
    KPI__TRY(kpi__json_get_string(doc, obj, "category", false, &s.category, NULL));
    KPI__TRY(kpi__json_get_dec(doc, obj, "points", true, &s.points, NULL));
    KPI__TRY(kpi__json_get_enum(doc, obj, "na", false, na_names, &na, NULL));
    s.na = na;
    bool critical = false;
    KPI__TRY(kpi__json_get_bool(doc, obj, "critical", false, &critical, NULL));
    s.critical = critical;
    KPI__TRY(kpi__json_get_dec(doc, obj, "critical_below", false, &s.critical_below, NULL));
    if (s.critical_below != KPI_DEC_UNSET && !critical)
        return kpi__json_fail(doc, obj, KPI_EPLAN, "'critical_below' needs \"critical\": true");
    KPI__TRY(read_rule_fields(ld, obj, &s));
    KPI__TRY(built(ld, obj, kpi_rubric_builder_item(ld->builder, &s)));
    return read_rows(ld, obj, rule);
}

/* ---- the rubric -------------------------------------------------------------------- */

static const char *const critical_names[] = {"zero", "keep", NULL};

static kpi_status read_options(struct kpi__plan_load *ld, const json_t *value, kpi_dec *total)
{
    kpi__json *doc = ld->doc;
    kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
    o.round_mode = ld->plan->round_mode;
    o.places = ld->plan->places;
    o.total_mode = ld->plan->total_mode;
    KPI__TRY(kpi__json_get_dec(doc, value, "total", true, total, NULL));
    if (*total <= 0) {
        kpi__json_push_key(doc, "total");
        kpi_status st = kpi__json_fail(doc, json_object_get(value, "total"), KPI_EPLAN,
                                       "the total must be a positive number of points");
        kpi__json_pop(doc);
        return st;
    }
    int na = o.na, critical = o.critical;
    bool cap_total = false;
    KPI__TRY(kpi__json_get_enum(doc, value, "na", false, na_names, &na, NULL));
    KPI__TRY(kpi__json_get_enum(doc, value, "critical", false, critical_names, &critical, NULL));
    KPI__TRY(kpi__json_get_bool(doc, value, "cap_total", false, &cap_total, NULL));
    KPI__TRY(kpi__json_get_dec(doc, value, "floor_total", false, &o.floor_total, NULL));
    KPI__TRY(get_threshold(ld, value, "pass_mark", false, *total, &o.pass_mark));
    o.na = na;
    o.critical = critical;
    o.cap_total = cap_total;
    return built(ld, value, kpi__rubric_builder_configure(ld->builder, *total, &o));
}

kpi_status kpi__plan_read_rubric(struct kpi__plan_load *ld, const json_t *value)
{
    static const char *const keys[] = {"total", "cap_total", "floor_total", "na", "critical", "pass_mark", "gates",
                                       "eligibility", "categories", "items", "adjustments", "note", NULL};
    kpi__json *doc = ld->doc;
    KPI__TRY(kpi__json_object(doc, value, "rubric"));
    KPI__TRY(kpi__json_check_keys(doc, value, keys));
    if (!ld->has_inputs)
        return kpi__json_fail(doc, value, KPI_EPLAN,
                              "a plan with a rubric declares the inputs it reads in a top-level \"inputs\" object");
    kpi_dec total;
    KPI__TRY(read_options(ld, value, &total));
    const json_t *items;
    KPI__TRY(nonempty_array(ld, value, "items", "item", &items));
    KPI__TRY(kpi__plan_check_count(ld, value, "items", kpi__limits()->rubric_items, "rubric_items", "items"));
    KPI__TRY(each_element(ld, value, "categories", read_category, NULL));
    KPI__TRY(each_element(ld, value, "items", read_item, NULL));
    KPI__TRY(each_element(ld, value, "adjustments", read_adjustment, NULL));
    KPI__TRY(each_element(ld, value, "gates", read_gate, &total));
    KPI__TRY(each_element(ld, value, "eligibility", read_eligibility, NULL));
    return built(ld, value, kpi_rubric_build(&ld->plan->rubric, ld->builder));
}
