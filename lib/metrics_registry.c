/*
 * metrics_registry.c - event kinds and metric definitions: the built-ins of
 * DOMAIN.md section 1 and the ones a plan adds.
 */
#include <string.h>

#include "metrics_internal.h"

static const char *const builtin_events[KPI_EVENT_BUILTIN_COUNT] = {
    "consult", "reply", "order", "payment", "suborder", "refund", "listing",
    "listing_error", "set_sold", "sales_target", "call_offered", "call_answered",
    "call_abandoned", "talk", "acw", "hold", "idle", "ready", "scheduled", "transfer",
    "repeat_contact", "shift_scheduled", "shift_present", "qa_score", "delivery",
};

static const char *const unit_names[] = {"count", "ratio", "yuan", "second", "point", "raw"};

const char *kpi_unit_name(kpi_unit unit)
{
    return unit >= KPI_UNIT_COUNT && unit <= KPI_UNIT_RAW ? unit_names[unit] : NULL;
}

/* ---- the built-in metrics ------------------------------------------------ */

#define B(e) KPI_EVENT_BIT(KPI_EVENT_##e)
#define SL_X 20000 /* service level: answered within 20 s */
#define AB_X 20000 /* abandon rate: short abandons are <= 20 s */

typedef struct {
    kpi_agg agg;
    uint64_t events;
    kpi_filter filter;
    int64_t x;
    uint32_t flags;
} bterm;

typedef struct {
    const char *id, *name;
    kpi_metric_kind kind;
    kpi_unit unit;
    uint32_t flags;
    bterm num[3], den[3]; /* ends at events == 0 */
} builtin;

#define CNT(e) {KPI_AGG_COUNT, B(e), KPI_FILTER_NONE, 0, 0}
#define SUM(e) {KPI_AGG_SUM, B(e), KPI_FILTER_NONE, 0, 0}

static const builtin builtins[] = {
    /* e-commerce chat service */
    {"consultations", "咨询量", KPI_METRIC_TOTAL, KPI_UNIT_COUNT, 0, {CNT(CONSULT)}, {{0}}},
    {"deals", "成交量", KPI_METRIC_TOTAL, KPI_UNIT_COUNT, 0, {CNT(PAYMENT)}, {{0}}},
    {"close_rate", "成交率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {CNT(PAYMENT)}, {CNT(CONSULT)}},
    {"conversion", "咨询转化率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {CNT(ORDER)}, {CNT(CONSULT)}},
    {"order_success", "下单成功率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {CNT(PAYMENT)}, {CNT(ORDER)}},
    {"sales", "销售额", KPI_METRIC_TOTAL, KPI_UNIT_YUAN, 0, {SUM(PAYMENT)}, {{0}}},
    {"avg_order_value", "客单价", KPI_METRIC_RATIO, KPI_UNIT_YUAN, 0, {SUM(PAYMENT)}, {CNT(PAYMENT)}},
    {"reply_rate", "旺旺回复率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {CNT(REPLY)}, {CNT(CONSULT)}},
    {"response_time", "旺旺响应时间", KPI_METRIC_MEAN, KPI_UNIT_SECOND, 0, {SUM(REPLY)}, {{0}}},
    {"response_time_p90", "旺旺响应时间P90", KPI_METRIC_QUANTILE, KPI_UNIT_SECOND, 0, {SUM(REPLY)}, {{0}}},
    {"refund_rate", "退单率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {CNT(REFUND)}, {CNT(SUBORDER)}},
    {"listing_accuracy", "上货正确率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, KPI_METRIC_COMPLEMENT,
     {CNT(LISTING_ERROR)}, {CNT(LISTING)}},
    {"sets_sold", "月销售增套数", KPI_METRIC_TOTAL, KPI_UNIT_COUNT, 0, {SUM(SET_SOLD)}, {{0}}},
    {"target_completion", "指标完成率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {SUM(PAYMENT)},
     {SUM(SALES_TARGET)}},
    /* call centre */
    {"service_level", "服务水平", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0,
     {{KPI_AGG_COUNT, B(CALL_ANSWERED), KPI_FILTER_LE, SL_X, 0}}, {CNT(CALL_OFFERED)}},
    {"asa", "平均应答速度", KPI_METRIC_MEAN, KPI_UNIT_SECOND, 0, {SUM(CALL_ANSWERED)}, {{0}}},
    {"abandon_rate", "呼叫放弃率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0,
     {{KPI_AGG_COUNT, B(CALL_ABANDONED), KPI_FILTER_GT, AB_X, 0}},
     {CNT(CALL_OFFERED), {KPI_AGG_COUNT, B(CALL_ABANDONED), KPI_FILTER_LE, AB_X, KPI_TERM_NEGATE}}},
    {"aht", "平均处理时长", KPI_METRIC_RATIO, KPI_UNIT_SECOND, 0, {SUM(TALK), SUM(ACW)},
     {CNT(CALL_ANSWERED)}},
    {"occupancy", "占线率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {SUM(TALK), SUM(HOLD)},
     {SUM(TALK), SUM(HOLD), SUM(IDLE)}},
    {"adherence", "实际工作率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {SUM(READY)}, {SUM(SCHEDULED)}},
    {"fcr", "一次性解决率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, KPI_METRIC_COMPLEMENT,
     {CNT(REPEAT_CONTACT)}, {CNT(CALL_ANSWERED)}},
    {"transfer_rate", "转接率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {CNT(TRANSFER)}, {CNT(CALL_ANSWERED)}},
    {"attendance", "出勤率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0, {CNT(SHIFT_PRESENT)},
     {CNT(SHIFT_SCHEDULED)}},
    {"qa_score", "监听分值", KPI_METRIC_MEAN, KPI_UNIT_POINT, 0, {SUM(QA_SCORE)}, {{0}}},
    /* procurement: excused deliveries are left out of both sides */
    {"on_time_delivery", "准时交货率", KPI_METRIC_RATIO, KPI_UNIT_RATIO, 0,
     {{KPI_AGG_COUNT, B(DELIVERY), KPI_FILTER_LE, 0, KPI_TERM_EXCLUDE_EXCUSED}},
     {{KPI_AGG_COUNT, B(DELIVERY), KPI_FILTER_NONE, 0, KPI_TERM_EXCLUDE_EXCUSED}}},
};

static size_t bterms(const bterm *b, kpi_metric_term *out)
{
    size_t n = 0;
    for (; n < 3 && b[n].events; n++) {
        kpi_metric_term t = KPI_METRIC_TERM_INIT;
        t.agg = b[n].agg;
        t.events = b[n].events;
        t.filter = b[n].filter;
        t.threshold = b[n].x;
        t.flags = b[n].flags;
        out[n] = t;
    }
    return n;
}

static kpi_status add_builtins(kpi_metric_registry *reg)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
        const builtin *b = &builtins[i];
        kpi_metric_term num[3], den[3];
        kpi_metric_def d = KPI_METRIC_DEF_INIT;
        d.id = b->id;
        d.name = b->name;
        d.kind = b->kind;
        d.unit = b->unit;
        d.flags = b->flags;
        d.num = num;
        d.num_count = bterms(b->num, num);
        d.den = den;
        d.den_count = bterms(b->den, den);
        kpi_status st = kpi_metric_registry_add(reg, &d, NULL);
        if (st != KPI_OK)
            return st;
    }
    return KPI_OK;
}

/* ---- the registry object ------------------------------------------------- */

kpi_status kpi_metric_registry_new(kpi_metric_registry **out, uint32_t flags)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_metric_registry_new: out must not be NULL");
    if (flags & ~KPI_REGISTRY_BUILTINS)
        return kpi__fail(KPI_EINVAL, "kpi_metric_registry_new: unknown flags 0x%x (only "
                         "KPI_REGISTRY_BUILTINS)", (unsigned)flags);
    kpi_metric_registry *reg = kpi__calloc(1, sizeof *reg);
    if (!reg)
        return KPI_ENOMEM;
    for (int i = 0; i < KPI_EVENT_BUILTIN_COUNT; i++)
        reg->events[i] = (char *)builtin_events[i];
    if (flags & KPI_REGISTRY_BUILTINS) {
        kpi_status st = add_builtins(reg);
        if (st != KPI_OK) {
            kpi_metric_registry_free(reg);
            return st;
        }
    }
    *out = reg;
    return KPI_OK;
}

static void entry_free(kpi__metric_entry *e)
{
    kpi__free(e->id);
    kpi__free(e->name);
    kpi__free(e->num);
    kpi__free(e->den);
}

void kpi_metric_registry_free(kpi_metric_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->count; i++)
        entry_free(&reg->metrics[i]);
    kpi__free(reg->metrics);
    for (int i = 0; i < KPI_EVENT_MAX; i++)
        if (reg->event_owned[i])
            kpi__free(reg->events[i]);
    kpi__free(reg);
}

static bool id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > KPI__ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

bool kpi__event_defined(const kpi_metric_registry *reg, unsigned code)
{
    return code < KPI_EVENT_MAX && reg->events[code] != NULL;
}

kpi_status kpi_metric_registry_add_event(kpi_metric_registry *reg, const char *name,
                                         uint16_t *code)
{
    kpi__error_reset();
    if (!reg || !name)
        return kpi__fail(KPI_EINVAL, "kpi_metric_registry_add_event: reg and name must not be NULL");
    if (!id_ok(name))
        return kpi__fail(KPI_EINVAL, "event name '%s' must be 1 to 64 of a-z, 0-9 and _", name);
    uint16_t dummy;
    if (kpi_metric_registry_event_find(reg, name, &dummy) == KPI_OK)
        return kpi__fail(KPI_EDUPLICATE, "event kind '%s' is already defined (code %u)", name,
                         (unsigned)dummy);
    kpi__error_reset();
    for (unsigned c = KPI_EVENT_CUSTOM; c < KPI_EVENT_MAX; c++) {
        if (reg->events[c])
            continue;
        char *copy = kpi__strdup(name);
        if (!copy)
            return KPI_ENOMEM;
        reg->events[c] = copy;
        reg->event_owned[c] = true;
        if (code)
            *code = (uint16_t)c;
        return KPI_OK;
    }
    return kpi__fail(KPI_ELIMIT, "no event code left for '%s': at most %d plan-defined kinds",
                     name, KPI_EVENT_MAX - KPI_EVENT_CUSTOM);
}

kpi_status kpi_metric_registry_event_find(const kpi_metric_registry *reg, const char *name,
                                          uint16_t *code)
{
    kpi__error_reset();
    if (!reg || !name || !code)
        return kpi__fail(KPI_EINVAL, "kpi_metric_registry_event_find: arguments must not be NULL");
    for (unsigned c = 0; c < KPI_EVENT_MAX; c++) {
        if (reg->events[c] && strcmp(reg->events[c], name) == 0) {
            *code = (uint16_t)c;
            return KPI_OK;
        }
    }
    return kpi__fail(KPI_ENOTFOUND, "unknown event kind '%s'", name);
}

const char *kpi_metric_registry_event_name(const kpi_metric_registry *reg, uint16_t code)
{
    unsigned c = code & ~KPI_EVENT_EXCUSED;
    return reg && kpi__event_defined(reg, c) ? reg->events[c] : NULL;
}

/* ---- checking a definition ----------------------------------------------- */

static const kpi_metric_term *term_at(const kpi_metric_term *base, size_t i)
{
    return (const kpi_metric_term *)((const char *)base + i * base[0].size);
}

static bool population_kind(kpi_metric_kind k)
{
    return k >= KPI_METRIC_MEAN && k <= KPI_METRIC_QUANTILE;
}

static kpi_status check_terms(const kpi_metric_registry *reg, const kpi_metric_def *def,
                              const kpi_metric_term *terms, size_t n, const char *side)
{
    if (n == 0 || n > KPI__TERMS_MAX || !terms)
        return kpi__fail(KPI_EINVAL, "metric '%s': %s needs 1 to %d terms (got %zu)", def->id,
                         side, KPI__TERMS_MAX, terms ? n : 0);
    if (terms[0].size < sizeof(kpi_metric_term))
        return kpi__fail(KPI_EINVAL, "metric '%s': %s[0].size is %zu; set terms with "
                         "KPI_METRIC_TERM_INIT", def->id, side, terms[0].size);
    for (size_t i = 0; i < n; i++) {
        const kpi_metric_term *t = term_at(terms, i);
        if (t->size != terms[0].size)
            return kpi__fail(KPI_EINVAL, "metric '%s': %s[%zu].size differs from %s[0].size",
                             def->id, side, i, side);
        if (t->agg != KPI_AGG_COUNT && t->agg != KPI_AGG_SUM)
            return kpi__fail(KPI_EINVAL, "metric '%s': %s[%zu].agg is %d; use KPI_AGG_COUNT or "
                             "KPI_AGG_SUM", def->id, side, i, (int)t->agg);
        if (t->events == 0)
            return kpi__fail(KPI_EINVAL, "metric '%s': %s[%zu] has no events", def->id, side, i);
        for (unsigned c = 0; c < KPI_EVENT_MAX; c++)
            if ((t->events >> c & 1) && !kpi__event_defined(reg, c))
                return kpi__fail(KPI_EINVAL, "metric '%s': %s[%zu] uses event code %u, which is "
                                 "not defined", def->id, side, i, c);
        if (t->filter < KPI_FILTER_NONE || t->filter > KPI_FILTER_GT)
            return kpi__fail(KPI_EINVAL, "metric '%s': %s[%zu].filter is %d; use KPI_FILTER_*",
                             def->id, side, i, (int)t->filter);
        if (t->flags & ~(KPI_TERM_NEGATE | KPI_TERM_EXCLUDE_EXCUSED))
            return kpi__fail(KPI_EINVAL, "metric '%s': %s[%zu] has unknown flags 0x%x", def->id,
                             side, i, (unsigned)t->flags);
        if (population_kind(def->kind)) {
            if (t->flags & KPI_TERM_NEGATE)
                return kpi__fail(KPI_EINVAL, "metric '%s': a population term cannot be negated",
                                 def->id);
            const kpi_metric_term *t0 = term_at(terms, 0);
            if (t->filter != t0->filter || (t->filter != KPI_FILTER_NONE && t->threshold != t0->threshold))
                return kpi__fail(KPI_EINVAL, "metric '%s': the population terms must share one "
                                 "filter and threshold", def->id);
        }
    }
    return KPI_OK;
}

static kpi_status check_def(const kpi_metric_registry *reg, const kpi_metric_def *def)
{
    if (def->size < sizeof(kpi_metric_def))
        return kpi__fail(KPI_EINVAL, "kpi_metric_registry_add: def->size is %zu; set the def "
                         "with KPI_METRIC_DEF_INIT", def->size);
    if (!def->id || !id_ok(def->id))
        return kpi__fail(KPI_EINVAL, "metric id '%s' must be 1 to 64 of a-z, 0-9 and _",
                         def->id ? def->id : "(null)");
    if (def->kind < KPI_METRIC_TOTAL || def->kind > KPI_METRIC_QUANTILE_SKETCH)
        return kpi__fail(KPI_EINVAL, "metric '%s': unknown kind %d", def->id, (int)def->kind);
    if (!kpi_unit_name(def->unit))
        return kpi__fail(KPI_EINVAL, "metric '%s': unknown unit %d", def->id, (int)def->unit);
    if (!kpi__round_valid(def->round))
        return kpi__fail(KPI_EINVAL, "metric '%s': unknown rounding mode %d", def->id,
                         (int)def->round);
    if (def->flags & ~(KPI_METRIC_COMPLEMENT | KPI_METRIC_POPULATION))
        return kpi__fail(KPI_EINVAL, "metric '%s': unknown flags 0x%x", def->id,
                         (unsigned)def->flags);
    if ((def->flags & KPI_METRIC_COMPLEMENT) && def->kind != KPI_METRIC_RATIO)
        return kpi__fail(KPI_EINVAL, "metric '%s': KPI_METRIC_COMPLEMENT needs a RATIO", def->id);
    if ((def->flags & KPI_METRIC_POPULATION) && def->kind != KPI_METRIC_VARIANCE)
        return kpi__fail(KPI_EINVAL, "metric '%s': KPI_METRIC_POPULATION needs a VARIANCE",
                         def->id);
    if (def->kind == KPI_METRIC_QUANTILE || def->kind == KPI_METRIC_QUANTILE_SKETCH) {
        if (def->q < 0 || def->q > KPI_DEC_ONE)
            return kpi__fail(KPI_EINVAL, "metric '%s': q must be between 0 and 1", def->id);
        if (!kpi__quantile_method_valid(def->method))
            return kpi__fail(KPI_EINVAL, "metric '%s': unknown quantile method %d", def->id,
                             (int)def->method);
    }
    if (def->kind == KPI_METRIC_QUANTILE_SKETCH) {
        if (def->method != KPI_QUANTILE_LOWER)
            return kpi__fail(KPI_EINVAL, "metric '%s': a sketched quantile reports numpy's "
                             "'lower' order statistic within alpha; set method to "
                             "KPI_QUANTILE_LOWER (or use KPI_METRIC_QUANTILE for an exact one)",
                             def->id);
        if (def->sketch_alpha != 0 &&
            (def->sketch_alpha < KPI_DEC_ONE / 1000000 || def->sketch_alpha > KPI_DEC_ONE / 2))
            return kpi__fail(KPI_EINVAL, "metric '%s': sketch_alpha must be 0 (1 %%) or between "
                             "0.000001 and 0.5", def->id);
        if (def->sketch_buckets != 0 && (def->sketch_buckets < 16 || def->sketch_buckets > 1000000))
            return kpi__fail(KPI_EINVAL, "metric '%s': sketch_buckets must be 0 (2048) or between "
                             "16 and 1000000", def->id);
    } else if (def->sketch_alpha != 0 || def->sketch_buckets != 0) {
        return kpi__fail(KPI_EINVAL, "metric '%s': sketch_alpha and sketch_buckets are only for "
                         "KPI_METRIC_QUANTILE_SKETCH", def->id);
    }
    kpi_status st = check_terms(reg, def, def->num, def->num_count, "num");
    if (st != KPI_OK)
        return st;
    if (def->kind == KPI_METRIC_RATIO)
        return check_terms(reg, def, def->den, def->den_count, "den");
    if (def->den_count != 0)
        return kpi__fail(KPI_EINVAL, "metric '%s': only a RATIO has denominator terms", def->id);
    return KPI_OK;
}

/* ---- adding and reading -------------------------------------------------- */

static kpi_metric_term *copy_terms(const kpi_metric_term *terms, size_t n)
{
    kpi_metric_term *out = kpi__calloc(n ? n : 1, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[i] = *term_at(terms, i);
        out[i].size = sizeof(kpi_metric_term);
    }
    return out;
}

static kpi_status entry_fill(kpi__metric_entry *e, const kpi_metric_def *def)
{
    memset(e, 0, sizeof *e);
    e->def = *def;
    e->def.size = sizeof(kpi_metric_def);
    e->id = kpi__strdup(def->id);
    e->name = kpi__strdup(def->name ? def->name : def->id);
    e->num = copy_terms(def->num, def->num_count);
    e->den = def->den_count ? copy_terms(def->den, def->den_count) : NULL;
    if (!e->id || !e->name || !e->num || (def->den_count && !e->den)) {
        entry_free(e);
        return KPI_ENOMEM;
    }
    if (def->kind == KPI_METRIC_QUANTILE_SKETCH) { /* the defaults, stated */
        e->def.sketch_alpha = def->sketch_alpha ? def->sketch_alpha : KPI_DEC_ONE / 100;
        e->def.sketch_buckets = def->sketch_buckets ? def->sketch_buckets : 2048u;
    }
    e->def.id = e->id;
    e->def.name = e->name;
    e->def.num = e->num;
    e->def.den = e->den;
    return KPI_OK;
}

kpi_status kpi_metric_registry_add(kpi_metric_registry *reg, const kpi_metric_def *def,
                                   size_t *index)
{
    kpi__error_reset();
    if (!reg || !def)
        return kpi__fail(KPI_EINVAL, "kpi_metric_registry_add: reg and def must not be NULL");
    kpi_status st = check_def(reg, def);
    if (st != KPI_OK)
        return st;
    size_t dummy;
    if (kpi_metric_registry_find(reg, def->id, &dummy) == KPI_OK)
        return kpi__fail(KPI_EDUPLICATE, "metric '%s' is already defined", def->id);
    kpi__error_reset();
    if (reg->count == reg->cap) {
        size_t cap = reg->cap ? 2 * reg->cap : 32;
        kpi__metric_entry *grown = kpi__reallocarray(reg->metrics, cap, sizeof *grown);
        if (!grown)
            return KPI_ENOMEM;
        reg->metrics = grown;
        reg->cap = cap;
    }
    st = entry_fill(&reg->metrics[reg->count], def);
    if (st != KPI_OK)
        return st;
    if (index)
        *index = reg->count;
    reg->count++;
    return KPI_OK;
}

kpi_status kpi_metric_registry_set_threshold(kpi_metric_registry *reg, size_t index,
                                             int64_t threshold)
{
    kpi__error_reset();
    if (!reg)
        return kpi__fail(KPI_EINVAL, "kpi_metric_registry_set_threshold: reg must not be NULL");
    if (index >= reg->count)
        return kpi__fail(KPI_ENOTFOUND, "no metric %zu (the registry has %zu)", index, reg->count);
    kpi__metric_entry *e = &reg->metrics[index];
    size_t changed = 0;
    for (size_t i = 0; i < e->def.num_count; i++)
        if (e->num[i].filter != KPI_FILTER_NONE)
            e->num[i].threshold = threshold, changed++;
    for (size_t i = 0; i < e->def.den_count; i++)
        if (e->den[i].filter != KPI_FILTER_NONE)
            e->den[i].threshold = threshold, changed++;
    if (!changed)
        return kpi__fail(KPI_EINVAL, "metric '%s' has no threshold to set", e->id);
    return KPI_OK;
}

kpi_status kpi_metric_registry_find(const kpi_metric_registry *reg, const char *id, size_t *index)
{
    kpi__error_reset();
    if (!reg || !id || !index)
        return kpi__fail(KPI_EINVAL, "kpi_metric_registry_find: arguments must not be NULL");
    for (size_t i = 0; i < reg->count; i++) {
        if (strcmp(reg->metrics[i].id, id) == 0) {
            *index = i;
            return KPI_OK;
        }
    }
    return kpi__fail(KPI_ENOTFOUND, "unknown metric '%s'", id);
}

size_t kpi_metric_registry_count(const kpi_metric_registry *reg)
{
    return reg ? reg->count : 0;
}

const kpi_metric_def *kpi_metric_registry_def(const kpi_metric_registry *reg, size_t index)
{
    return reg && index < reg->count ? &reg->metrics[index].def : NULL;
}

kpi_status kpi__registry_clone(const kpi_metric_registry *reg, kpi_metric_registry **out)
{
    kpi_metric_registry *c = kpi__calloc(1, sizeof *c);
    if (!c)
        return KPI_ENOMEM;
    for (int i = 0; i < KPI_EVENT_MAX; i++) {
        if (reg->event_owned[i]) {
            c->events[i] = kpi__strdup(reg->events[i]);
            if (!c->events[i]) {
                kpi_metric_registry_free(c);
                return KPI_ENOMEM;
            }
            c->event_owned[i] = true;
        } else {
            c->events[i] = reg->events[i];
        }
    }
    if (reg->count) {
        c->metrics = kpi__calloc(reg->count, sizeof *c->metrics);
        if (!c->metrics) {
            kpi_metric_registry_free(c);
            return KPI_ENOMEM;
        }
        c->cap = reg->count;
    }
    for (size_t i = 0; i < reg->count; i++) {
        if (entry_fill(&c->metrics[i], &reg->metrics[i].def) != KPI_OK) {
            kpi_metric_registry_free(c);
            return KPI_ENOMEM;
        }
        c->count++;
    }
    *out = c;
    return KPI_OK;
}

static uint64_t fnv_i64(uint64_t h, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    return kpi__fnv1a(h, b, 8);
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return kpi__fnv1a(h, s, strlen(s) + 1);
}

static uint64_t fnv_terms(uint64_t h, const kpi_metric_term *t, size_t n)
{
    h = fnv_i64(h, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        h = fnv_i64(h, t[i].agg);
        h = fnv_i64(h, (int64_t)t[i].events);
        h = fnv_i64(h, t[i].filter);
        h = fnv_i64(h, t[i].threshold);
        h = fnv_i64(h, t[i].flags);
    }
    return h;
}

uint64_t kpi__registry_fingerprint(const kpi_metric_registry *reg)
{
    uint64_t h = fnv_str(KPI__FNV_OFFSET, "kpiscore-metrics-1");
    for (int c = 0; c < KPI_EVENT_MAX; c++)
        if (reg->events[c])
            h = fnv_str(fnv_i64(h, c), reg->events[c]);
    h = fnv_i64(h, (int64_t)reg->count);
    for (size_t i = 0; i < reg->count; i++) {
        const kpi_metric_def *d = &reg->metrics[i].def;
        h = fnv_str(h, d->id);
        h = fnv_i64(h, d->kind);
        h = fnv_i64(h, d->unit);
        h = fnv_i64(h, d->flags);
        h = fnv_i64(h, d->round);
        h = fnv_i64(h, d->q);
        h = fnv_i64(h, d->method);
        h = fnv_terms(h, d->num, d->num_count);
        h = fnv_terms(h, d->den, d->den_count);
        if (d->kind == KPI_METRIC_QUANTILE_SKETCH) /* (older kinds keep their fingerprints) */
            h = fnv_i64(fnv_i64(h, d->sketch_alpha), (int64_t)d->sketch_buckets);
    }
    return h;
}
