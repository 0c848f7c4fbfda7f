/*
 * plan.c - loading a plan: the version check, the top-level keys, and the
 * table of section readers. A section added later (metrics, tiers, pay) is
 * one reader function and one row in `sections`.
 */
#include <string.h>

#include "lint_internal.h"
#include "plan_internal.h"


kpi_status kpi__plan_located(struct kpi__plan_load *ld, const json_t *node, kpi_status st)
{
    if (st == KPI_OK)
        return st;
    long line, column;
    kpi__json_position(ld->doc, node, &line, &column);
    kpi__error_set_source(kpi__json_source(ld->doc));
    kpi__error_set_path(kpi__json_path(ld->doc));
    kpi__error_set_position(line, column, -1);
    return st;
}

static kpi_status read_string_field(struct kpi__plan_load *ld, const json_t *value, const char **out)
{
    if (!json_is_string(value))
        return kpi__json_fail(ld->doc, value, KPI_EPLAN, "expected a string, not %s", kpi__json_type_name(value));
    *out = json_string_value(value);
    return KPI_OK;
}

static kpi_status read_name(struct kpi__plan_load *ld, const json_t *value)
{
    kpi_status st = read_string_field(ld, value, &ld->plan->name);
    if (st == KPI_OK && !*ld->plan->name)
        return kpi__json_fail(ld->doc, value, KPI_EPLAN, "the plan's name must not be empty");
    return st;
}

static kpi_status read_note(struct kpi__plan_load *ld, const json_t *value)
{
    return read_string_field(ld, value, &ld->plan->note);
}

static const char *const periods[] = {"day", "week", "month", "quarter", "half_year", "year", NULL};

static kpi_status read_period(struct kpi__plan_load *ld, const json_t *value)
{
    kpi_status st = read_string_field(ld, value, &ld->plan->period);
    for (int i = 0; st == KPI_OK && periods[i]; i++)
        if (strcmp(periods[i], ld->plan->period) == 0)
            return KPI_OK;
    if (st != KPI_OK)
        return st;
    return kpi__json_fail(ld->doc, value, KPI_EPLAN,
                          "unknown period \"%s\" (expected one of: day, week, month, quarter, half_year, year)",
                          ld->plan->period);
}

static const char *const round_names[] = {"half_up", "half_even", "half_down", "down", "up", "floor", "ceiling", NULL};
static const char *const total_names[] = {"sum_of_rounded", "round_of_sum", NULL};

static kpi_status read_rounding(struct kpi__plan_load *ld, const json_t *value)
{
    static const char *const keys[] = {"mode", "places", "total", "note", NULL};
    kpi__json *doc = ld->doc;
    kpi_status st = kpi__json_object(doc, value, "rounding");
    if (st == KPI_OK)
        st = kpi__json_check_keys(doc, value, keys);
    int mode = ld->plan->round_mode, total = ld->plan->total_mode;
    int64_t places = ld->plan->places;
    if (st == KPI_OK)
        st = kpi__json_get_enum(doc, value, "mode", false, round_names, &mode, NULL);
    if (st == KPI_OK)
        st = kpi__json_get_int(doc, value, "places", false, 0, 9, &places, NULL);
    if (st == KPI_OK)
        st = kpi__json_get_enum(doc, value, "total", false, total_names, &total, NULL);
    if (st != KPI_OK)
        return st;
    /* the enum tables list the modes in KPI_ROUND_* / KPI_TOTAL_* order */
    ld->plan->round_mode = (kpi_round)mode;
    ld->plan->places = (int)places;
    ld->plan->total_mode = (kpi_total_mode)total;
    return KPI_OK;
}

/* "kpiscore" is checked before the table runs; its row only makes it a known key. */
static kpi_status read_version(struct kpi__plan_load *ld, const json_t *value)
{
    (void)ld;
    (void)value;
    return KPI_OK;
}

struct section {
    const char *key;
    kpi__plan_reader read;
};

/* Read in this order, whatever the order in the file: inputs before the
 * rubric that reads them. New sections go here. */
static const struct section sections[] = {
    {"kpiscore", read_version},
    {"name", read_name},
    {"note", read_note},
    {"period", read_period},
    {"rounding", read_rounding},
    {"metrics", kpi__plan_read_metrics},
    {"inputs", kpi__plan_read_inputs},
    {"rubric", kpi__plan_read_rubric},
    {"tiers", kpi__plan_read_tiers},
    {"pay", kpi__plan_read_pay},
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

static kpi_status check_version(kpi__json *doc, const json_t *root)
{
    const json_t *v = json_object_get(root, "kpiscore");
    if (!v)
        return kpi__json_fail(doc, root, KPI_EVERSION,
                              "missing \"kpiscore\": %d (the plan format version) at the top of the plan",
                              KPI_PLAN_FORMAT);
    kpi__json_push_key(doc, "kpiscore");
    kpi_status st = KPI_OK;
    if (!json_is_integer(v))
        st = kpi__json_fail(doc, v, KPI_EVERSION, "\"kpiscore\" must be the whole number %d, not %s",
                            KPI_PLAN_FORMAT, kpi__json_type_name(v));
    else if (json_integer_value(v) != KPI_PLAN_FORMAT)
        st = kpi__json_fail(doc, v, KPI_EVERSION, "plan format %lld is not supported; this library reads %d",
                            (long long)json_integer_value(v), KPI_PLAN_FORMAT);
    kpi__json_pop(doc);
    return st;
}

static kpi_status read_plan(struct kpi__plan_load *ld)
{
    kpi__json *doc = ld->doc;
    const json_t *root = kpi__json_root(doc);
    kpi_status st = kpi__json_object(doc, root, "a plan");
    if (st == KPI_OK)
        st = check_version(doc, root);
    const char *keys[NSECTIONS + 1];
    for (size_t i = 0; i < NSECTIONS; i++)
        keys[i] = sections[i].key;
    keys[NSECTIONS] = NULL;
    if (st == KPI_OK)
        st = kpi__json_check_keys(doc, root, keys);
    if (st == KPI_OK && !json_object_get(root, "name"))
        st = kpi__json_fail(doc, root, KPI_EPLAN, "missing required key 'name'");
    for (size_t i = 0; st == KPI_OK && i < NSECTIONS; i++) {
        const json_t *value = json_object_get(root, sections[i].key);
        if (!value)
            continue;
        kpi__json_push_key(doc, sections[i].key);
        st = sections[i].read(ld, value);
        kpi__json_pop(doc);
    }
    return st;
}

static kpi_status load(kpi_plan **out, kpi__json *doc)
{
    kpi_plan *plan = kpi__calloc(1, sizeof *plan);
    if (!plan) {
        kpi__json_free(doc);
        return KPI_ENOMEM;
    }
    plan->doc = doc;
    plan->name = plan->note = plan->period = "";
    plan->round_mode = KPI_ROUND_HALF_UP;
    plan->places = 2;
    plan->total_mode = KPI_TOTAL_SUM_OF_ROUNDED;
    struct kpi__plan_load ld = {doc, plan, NULL, false};
    kpi_status st = kpi__plan_metrics_init(&ld);
    if (st == KPI_OK)
        st = read_plan(&ld);
    kpi_rubric_builder_free(ld.builder);
    if (st != KPI_OK) {
        kpi__error_set_source(kpi__json_source(doc));
        kpi_plan_free(plan);
        return st;
    }
    *out = plan;
    return KPI_OK;
}

static kpi_status get_options(const kpi_plan_options *options, size_t *max_bytes)
{
    *max_bytes = kpi__limits()->plan_bytes; /* kpi_limits.plan_bytes unless the call says */
    if (!options)
        return KPI_OK;
    if (options->size < sizeof(kpi_plan_options))
        return kpi__fail(KPI_EINVAL, "options->size is %zu; set it with KPI_PLAN_OPTIONS_INIT", options->size);
    if (options->max_bytes)
        *max_bytes = options->max_bytes;
    return KPI_OK;
}

kpi_status kpi_plan_load_file(kpi_plan **out, const char *path, const kpi_plan_options *options)
{
    kpi__error_reset();
    if (!out || !path)
        return kpi__fail(KPI_EINVAL, "kpi_plan_load_file: out and path must not be NULL");
    size_t max_bytes;
    kpi_status st = get_options(options, &max_bytes);
    kpi__json *doc;
    if (st == KPI_OK)
        st = kpi__json_load_file(&doc, path, max_bytes);
    return st == KPI_OK ? load(out, doc) : st;
}

kpi_status kpi_plan_load_buffer(kpi_plan **out, const char *text, size_t len, const char *source,
                                const kpi_plan_options *options)
{
    kpi__error_reset();
    if (!out || (!text && len))
        return kpi__fail(KPI_EINVAL, "kpi_plan_load_buffer: out and text must not be NULL");
    size_t max_bytes;
    kpi_status st = get_options(options, &max_bytes);
    if (st == KPI_OK && len > max_bytes) {
        kpi__fail(KPI_ELIMIT, "the plan is %zu bytes, larger than the limit of %zu bytes (plan_bytes)", len, max_bytes);
        kpi__error_set_source(source);
        return KPI_ELIMIT;
    }
    kpi__json *doc;
    if (st == KPI_OK)
        st = kpi__json_parse(&doc, text ? text : "", len, source);
    return st == KPI_OK ? load(out, doc) : st;
}

void kpi_plan_free(kpi_plan *plan)
{
    if (!plan)
        return;
    kpi_rubric_free(plan->rubric);
    kpi__plan_tiers_free(plan->tiers);
    kpi__plan_pay_free(plan->pay);
    kpi__plan_metrics_free(plan->metrics);
    kpi__json_free(plan->doc);
    kpi__free(plan);
}

const char *kpi_plan_name(const kpi_plan *plan)
{
    return plan ? plan->name : "";
}

const char *kpi_plan_note(const kpi_plan *plan)
{
    return plan ? plan->note : "";
}

const char *kpi_plan_period(const kpi_plan *plan)
{
    return plan ? plan->period : "";
}

kpi_status kpi_plan_rounding(const kpi_plan *plan, kpi_round *mode, int *places)
{
    kpi__error_reset();
    if (!plan)
        return kpi__fail(KPI_EINVAL, "kpi_plan_rounding: plan must not be NULL");
    if (mode)
        *mode = plan->round_mode;
    if (places)
        *places = plan->places;
    return KPI_OK;
}

const kpi_rubric *kpi_plan_rubric(const kpi_plan *plan)
{
    return plan ? plan->rubric : NULL;
}

kpi_status kpi_plan_lint(const kpi_plan *plan, kpi_lint *lint)
{
    kpi__error_reset();
    if (!plan || !lint)
        return kpi__fail(KPI_EINVAL, "kpi_plan_lint: plan and lint must not be NULL");
    size_t first = kpi_lint_count(lint);
    kpi_status st = KPI_OK;
    if (plan->rubric) {
        st = kpi__rubric_lint_rules(plan->rubric, lint);
        if (st == KPI_OK)
            st = kpi__lint_prefix(lint, first, "rubric");
        if (st == KPI_OK)
            st = kpi__rubric_lint_inputs(plan->rubric, lint, kpi__plan_pay_reads, plan->pay);
    }
    if (st == KPI_OK)
        kpi__json_locate_lint(plan->doc, lint, first);
    size_t more = kpi_lint_count(lint);
    if (st == KPI_OK)
        st = kpi__plan_lint_tiers(plan, lint);
    if (st == KPI_OK)
        st = kpi__plan_lint_pay(plan, lint);
    if (st == KPI_OK)
        st = kpi__plan_lint_sketches(plan, lint);
    if (st == KPI_OK)
        kpi__json_locate_lint_nearest(plan->doc, lint, more);
    return st;
}

size_t kpi_plan_tier_count(const kpi_plan *plan)
{
    return plan && plan->tiers ? plan->tiers->count : 0;
}

const char *kpi_plan_tier_label(const kpi_plan *plan, size_t i)
{
    return i < kpi_plan_tier_count(plan) ? plan->tiers->items[i].label : "";
}

const char *kpi_plan_tier_id(const kpi_plan *plan, size_t i)
{
    return i < kpi_plan_tier_count(plan) ? plan->tiers->items[i].id : "";
}

size_t kpi_plan_pay_count(const kpi_plan *plan)
{
    return plan && plan->pay ? plan->pay->count : 0;
}

const char *kpi_plan_pay_label(const kpi_plan *plan, size_t i)
{
    return i < kpi_plan_pay_count(plan) ? plan->pay->items[i].label : "";
}

const char *kpi_plan_pay_id(const kpi_plan *plan, size_t i)
{
    return i < kpi_plan_pay_count(plan) ? plan->pay->items[i].id : "";
}

const kpi_metric_registry *kpi_plan_metric_registry(const kpi_plan *plan)
{
    return plan && plan->metrics ? plan->metrics->registry : NULL;
}

kpi_status kpi_plan_metrics_options(const kpi_plan *plan, kpi_metrics_options *out)
{
    kpi__error_reset();
    if (!plan || !out || out->size < sizeof *out)
        return kpi__fail(KPI_EINVAL, "kpi_plan_metrics_options: a plan and options set with "
                                     "KPI_METRICS_OPTIONS_INIT are needed");
    out->period = plan->metrics->period;
    out->utc_offset_minutes = plan->metrics->utc_offset_minutes;
    return KPI_OK;
}
