/*
 * plan_metrics.c - the plan's "metrics" section and the inputs it feeds.
 *
 * Every plan has a metric registry: the built-ins, plus the event kinds and
 * metrics the section defines. An input declared with "metric": "<id>" is
 * filled from the accumulators at run time; the others come from the
 * evaluator's grades.
 */
#include <string.h>

#include "lint_internal.h"
#include "plan_internal.h"

static const char *const period_names[] = {"all", "day", "week", "month", "quarter", "year", NULL};
static const char *const kind_names[] = {"total", "ratio", "mean", "variance", "min", "max", "quantile",
                                         "sketch", NULL};
static const char *const unit_names[] = {"count", "ratio", "yuan", "second", "point", "raw", NULL};

static kpi_period period_of_plan(const char *plan_period)
{
    for (int i = 0; period_names[i]; i++)
        if (strcmp(period_names[i], plan_period) == 0)
            return (kpi_period)i;
    return KPI_PERIOD_MONTH; /* "half_year" groups by month; the run sums months */
}

kpi_status kpi__plan_metrics_init(struct kpi__plan_load *ld)
{
    struct kpi__plan_metrics *m = kpi__calloc(1, sizeof *m);
    if (!m)
        return KPI_ENOMEM;
    kpi_status st = kpi_metric_registry_new(&m->registry, KPI_REGISTRY_BUILTINS);
    if (st != KPI_OK) {
        kpi__free(m);
        return st;
    }
    m->period = KPI_PERIOD_MONTH;
    m->utc_offset_minutes = 480;
    ld->plan->metrics = m;
    return KPI_OK;
}

void kpi__plan_metrics_free(struct kpi__plan_metrics *m)
{
    if (!m)
        return;
    kpi_metric_registry_free(m->registry);
    kpi__free(m->sources);
    kpi__free(m);
}

/* "+08:00", "-05:30", "UTC+8" */
static kpi_status read_offset(struct kpi__plan_load *ld, const json_t *obj, int32_t *out)
{
    const char *s;
    bool present;
    KPI__TRY(kpi__json_get_string(ld->doc, obj, "utc_offset", false, &s, &present));
    if (!present)
        return KPI_OK;
    const char *p = s;
    if (strncmp(p, "UTC", 3) == 0)
        p += 3;
    int sign = *p == '-' ? -1 : 1;
    int hours = 0, minutes = 0, n = 0;
    if ((*p == '+' || *p == '-') && p[1] >= '0' && p[1] <= '9') {
        p++;
        while (*p >= '0' && *p <= '9' && n < 2) {
            hours = hours * 10 + (*p++ - '0');
            n++;
        }
        if (*p == ':' && p[1] >= '0' && p[1] <= '5' && p[2] >= '0' && p[2] <= '9') {
            minutes = (p[1] - '0') * 10 + (p[2] - '0');
            p += 3;
        }
    }
    if (n == 0 || *p || hours > 18) {
        kpi__json_push_key(ld->doc, "utc_offset");
        kpi_status st = kpi__json_fail(ld->doc, json_object_get(obj, "utc_offset"), KPI_EPLAN,
                                       "\"%s\" is not a UTC offset (write \"+08:00\" for China)", s);
        kpi__json_pop(ld->doc);
        return st;
    }
    *out = sign * (hours * 60 + minutes);
    return KPI_OK;
}

static kpi_status read_events(struct kpi__plan_load *ld, const json_t *obj)
{
    const json_t *arr = json_object_get(obj, "events");
    if (!arr)
        return KPI_OK;
    kpi__json *doc = ld->doc;
    kpi__json_push_key(doc, "events");
    kpi_status st = kpi__json_array(doc, arr, "events");
    for (size_t i = 0; st == KPI_OK && i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        kpi__json_push_index(doc, i);
        uint16_t code;
        if (!json_is_string(v))
            st = kpi__json_fail(doc, v, KPI_EPLAN, "an event kind is a name such as \"complaint\", not %s",
                                kpi__json_type_name(v));
        else
            st = kpi__plan_located(ld, v, kpi_metric_registry_add_event(ld->plan->metrics->registry,
                                                                          json_string_value(v), &code));
        kpi__json_pop(doc);
    }
    kpi__json_pop(doc);
    return st;
}

static kpi_status find_metric(struct kpi__plan_load *ld, const json_t *node, const char *id, size_t *index)
{
    const kpi_metric_registry *reg = ld->plan->metrics->registry;
    if (kpi_metric_registry_find(reg, id, index) == KPI_OK)
        return KPI_OK;
    kpi_error_clear();
    return kpi__json_fail(ld->doc, node, KPI_ENOTFOUND,
                          "unknown metric '%s' (see docs/metrics.md for the built-in ids, or define it "
                          "under \"metrics\".\"define\")", id);
}

static kpi_status read_thresholds(struct kpi__plan_load *ld, const json_t *obj)
{
    const json_t *t = json_object_get(obj, "thresholds");
    if (!t)
        return KPI_OK;
    kpi__json *doc = ld->doc;
    kpi__json_push_key(doc, "thresholds");
    kpi_status st = kpi__json_object(doc, t, "thresholds");
    const char *id;
    json_t *v;
    json_object_foreach((json_t *)t, id, v) {
        if (st != KPI_OK)
            break;
        int64_t x;
        size_t index;
        kpi__json_push_key(doc, id);
        st = find_metric(ld, v, id, &index);
        kpi__json_pop(doc);
        if (st == KPI_OK)
            st = kpi__json_get_int(doc, t, id, true, 0, INT64_MAX, &x, NULL);
        if (st == KPI_OK) {
            kpi__json_push_key(doc, id);
            st = kpi__plan_located(ld, v, kpi_metric_registry_set_threshold(ld->plan->metrics->registry,
                                                                            index, x));
            kpi__json_pop(doc);
        }
    }
    kpi__json_pop(doc);
    return st;
}

/* One term: {"count": "payment"} or {"sum": ["talk", "acw"]}, with optional
 * "at_most"/"above" thresholds, "exclude_excused" and "negate". */
static kpi_status read_term(struct kpi__plan_load *ld, const json_t *node, kpi_metric_term *term)
{
    static const char *const keys[] = {"count", "sum", "at_most", "above", "exclude_excused", "negate", NULL};
    kpi__json *doc = ld->doc;
    KPI__TRY(kpi__json_object(doc, node, "a metric term"));
    KPI__TRY(kpi__json_check_keys(doc, node, keys));
    const json_t *count = json_object_get(node, "count"), *sum = json_object_get(node, "sum");
    if (!count == !sum)
        return kpi__json_fail(doc, node, KPI_EPLAN, "a term has exactly one of \"count\" or \"sum\"");
    term->agg = count ? KPI_AGG_COUNT : KPI_AGG_SUM;
    const json_t *events = count ? count : sum;
    kpi__json_push_key(doc, count ? "count" : "sum");
    kpi_status st = KPI_OK;
    size_t n = json_is_array(events) ? json_array_size(events) : 1;
    if (json_is_array(events) && n == 0)
        st = kpi__json_fail(doc, events, KPI_EPLAN, "name at least one event kind");
    for (size_t i = 0; st == KPI_OK && i < n; i++) {
        const json_t *e = json_is_array(events) ? json_array_get(events, i) : events;
        if (json_is_array(events))
            kpi__json_push_index(doc, i);
        uint16_t code = 0;
        if (!json_is_string(e))
            st = kpi__json_fail(doc, e, KPI_EPLAN, "an event kind is a name, not %s", kpi__json_type_name(e));
        else if (kpi_metric_registry_event_find(ld->plan->metrics->registry, json_string_value(e), &code) != KPI_OK) {
            kpi_error_clear();
            st = kpi__json_fail(doc, e, KPI_ENOTFOUND,
                                "unknown event kind '%s' (built-in kinds are listed in docs/metrics.md; "
                                "declare others in \"metrics\".\"events\")", json_string_value(e));
        } else
            term->events |= KPI_EVENT_BIT(code);
        if (json_is_array(events))
            kpi__json_pop(doc);
    }
    kpi__json_pop(doc);
    KPI__TRY(st);
    bool has_le, has_gt, flag;
    int64_t x = 0;
    KPI__TRY(kpi__json_get_int(doc, node, "at_most", false, INT64_MIN, INT64_MAX, &x, &has_le));
    if (has_le) {
        term->filter = KPI_FILTER_LE;
        term->threshold = x;
    }
    KPI__TRY(kpi__json_get_int(doc, node, "above", false, INT64_MIN, INT64_MAX, &x, &has_gt));
    if (has_gt) {
        if (has_le)
            return kpi__json_fail(doc, node, KPI_EPLAN, "a term has at most one of \"at_most\" and \"above\"");
        term->filter = KPI_FILTER_GT;
        term->threshold = x;
    }
    bool present;
    KPI__TRY(kpi__json_get_bool(doc, node, "exclude_excused", false, &flag, &present));
    if (present && flag)
        term->flags |= KPI_TERM_EXCLUDE_EXCUSED;
    KPI__TRY(kpi__json_get_bool(doc, node, "negate", false, &flag, &present));
    if (present && flag)
        term->flags |= KPI_TERM_NEGATE;
    return KPI_OK;
}

static kpi_status read_terms(struct kpi__plan_load *ld, const json_t *def, const char *key,
                             kpi_metric_term *terms, size_t *n)
{
    const json_t *arr = json_object_get(def, key);
    *n = 0;
    if (!arr)
        return KPI_OK;
    kpi__json_push_key(ld->doc, key);
    kpi_status st = kpi__json_array(ld->doc, arr, key);
    if (st == KPI_OK && (json_array_size(arr) == 0 || json_array_size(arr) > 16))
        st = kpi__json_fail(ld->doc, arr, KPI_EPLAN, "'%s' lists 1 to 16 terms", key);
    for (size_t i = 0; st == KPI_OK && i < json_array_size(arr); i++) {
        kpi_metric_term t = KPI_METRIC_TERM_INIT;
        kpi__json_push_index(ld->doc, i);
        st = read_term(ld, json_array_get(arr, i), &t);
        kpi__json_pop(ld->doc);
        terms[(*n)++] = t;
    }
    kpi__json_pop(ld->doc);
    return st;
}

static kpi_status read_define(struct kpi__plan_load *ld, const json_t *obj)
{
    static const char *const keys[] = {"label", "kind", "unit", "numerator", "denominator", "complement",
                                       "population", "q", "method", "alpha", "note", NULL};
    const json_t *defs = json_object_get(obj, "define");
    if (!defs)
        return KPI_OK;
    kpi__json *doc = ld->doc;
    kpi__json_push_key(doc, "define");
    kpi_status st = kpi__json_object(doc, defs, "define");
    const char *id;
    json_t *d;
    json_object_foreach((json_t *)defs, id, d) {
        if (st != KPI_OK)
            break;
        kpi__json_push_key(doc, id);
        kpi_metric_def def = KPI_METRIC_DEF_INIT;
        kpi_metric_term num[16], den[16];
        int kind = 0, unit = 0;
        bool flag, present;
        const char *method = NULL;
        def.id = id;
        st = kpi__json_object(doc, d, "a metric definition");
        if (st == KPI_OK)
            st = kpi__json_check_keys(doc, d, keys);
        if (st == KPI_OK)
            st = kpi__json_get_string(doc, d, "label", false, &def.name, NULL);
        if (st == KPI_OK)
            st = kpi__json_get_enum(doc, d, "kind", true, kind_names, &kind, NULL);
        if (st == KPI_OK)
            st = kpi__json_get_enum(doc, d, "unit", false, unit_names, &unit, NULL);
        if (st == KPI_OK)
            st = read_terms(ld, d, "numerator", num, &def.num_count);
        if (st == KPI_OK)
            st = read_terms(ld, d, "denominator", den, &def.den_count);
        if (st == KPI_OK)
            st = kpi__json_get_bool(doc, d, "complement", false, &flag, &present);
        if (st == KPI_OK && present && flag)
            def.flags |= KPI_METRIC_COMPLEMENT;
        if (st == KPI_OK)
            st = kpi__json_get_bool(doc, d, "population", false, &flag, &present);
        if (st == KPI_OK && present && flag)
            def.flags |= KPI_METRIC_POPULATION;
        if (st == KPI_OK)
            st = kpi__json_get_dec(doc, d, "q", false, &def.q, NULL);
        if (st == KPI_OK)
            st = kpi__json_get_dec(doc, d, "alpha", false, &def.sketch_alpha, NULL);
        if (st == KPI_OK)
            st = kpi__json_get_string(doc, d, "method", false, &method, &present);
        if (st == KPI_OK && present && kpi_quantile_method_parse(method, &def.method) != KPI_OK) {
            kpi__json_push_key(doc, "method");
            st = kpi__plan_located(ld, json_object_get(d, "method"), kpi_error_code(kpi_error_last()));
            kpi__json_pop(doc);
        }
        if (st == KPI_OK) {
            size_t index;
            def.kind = (kpi_metric_kind)kind;
            def.unit = (kpi_unit)unit;
            def.num = num;
            def.den = den;
            kpi_status add = kpi_metric_registry_add(ld->plan->metrics->registry, &def, &index);
            if (add == KPI_EINVAL) { /* a definition the registry refuses is a plan error here */
                char msg[512];
                snprintf(msg, sizeof msg, "%s", kpi_error_message(kpi_error_last()));
                kpi_error_clear();
                kpi__fail(KPI_EPLAN, "%s", msg);
                add = KPI_EPLAN;
            }
            st = kpi__plan_located(ld, d, add);
        }
        kpi__json_pop(doc);
    }
    kpi__json_pop(doc);
    return st;
}

kpi_status kpi__plan_read_metrics(struct kpi__plan_load *ld, const json_t *value)
{
    static const char *const keys[] = {"period", "utc_offset", "events", "thresholds", "define", "note", NULL};
    kpi__json *doc = ld->doc;
    struct kpi__plan_metrics *m = ld->plan->metrics;
    KPI__TRY(kpi__json_object(doc, value, "metrics"));
    KPI__TRY(kpi__json_check_keys(doc, value, keys));
    int period;
    bool present;
    KPI__TRY(kpi__json_get_enum(doc, value, "period", false, period_names, &period, &present));
    m->period = present ? (kpi_period)period : period_of_plan(ld->plan->period);
    KPI__TRY(read_offset(ld, value, &m->utc_offset_minutes));
    KPI__TRY(read_events(ld, value));
    KPI__TRY(read_define(ld, value));
    return read_thresholds(ld, value);
}

kpi_status kpi__plan_source_add(struct kpi__plan_load *ld, const json_t *node, const char *input,
                                const char *metric)
{
    struct kpi__plan_metrics *m = ld->plan->metrics;
    size_t index;
    KPI__TRY(find_metric(ld, node, metric, &index));
    struct kpi__plan_source *s = kpi__reallocarray(m->sources, m->nsources + 1, sizeof *s);
    if (!s)
        return KPI_ENOMEM;
    m->sources = s;
    m->sources[m->nsources].input = input;
    m->sources[m->nsources].metric = metric;
    m->nsources++;
    return KPI_OK;
}

/* true when @name is a metric of the registry computed by a sketch */
static bool sketched(const kpi_metric_registry *reg, const char *name)
{
    size_t index;
    if (!name || kpi_metric_registry_find(reg, name, &index) != KPI_OK) {
        kpi__error_reset();
        return false;
    }
    const kpi_metric_def *def = kpi_metric_registry_def(reg, index);
    return def && def->kind == KPI_METRIC_QUANTILE_SKETCH;
}

kpi_status kpi__plan_lint_sketches(const kpi_plan *plan, kpi_lint *lint)
{
    const struct kpi__plan_metrics *m = plan->metrics;
    char path[512];
    for (size_t i = 0; i < m->nsources; i++) {
        if (!sketched(m->registry, m->sources[i].metric))
            continue;
        snprintf(path, sizeof path, "inputs.%s.metric", m->sources[i].input);
        KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "sketch-feeds-score", path,
                               "input '%s' reads '%s', a sketched quantile (within its relative error, "
                               "not exact): a score, tier or pay must not move with an approximation; "
                               "use an exact quantile", m->sources[i].input, m->sources[i].metric));
    }
    for (size_t i = 0; plan->pay && i < plan->pay->count; i++) {
        const struct kpi__plan_pay_item *it = &plan->pay->items[i];
        const char *names[] = {it->basis, it->ratio_of, it->weight, it->count};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            if (!sketched(m->registry, names[k]))
                continue;
            snprintf(path, sizeof path, "pay.items[%zu]", i);
            KPI__TRY(kpi__lint_add(lint, KPI_LINT_WARNING, "sketch-feeds-pay", path,
                                   "pay line '%s' reads '%s', a sketched quantile (approximate): a "
                                   "person's pay must not move with an approximation; use an exact "
                                   "quantile", it->label, names[k]));
        }
    }
    return KPI_OK;
}
