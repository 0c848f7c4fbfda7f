/* test_metrics.c - metric accumulators: built-ins on DOMAIN.md's metrics, each
 * accumulator kind, N/A, periods and time zones, roll-ups, exact quantiles
 * against numpy, argument errors and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics_internal.h"
#include "metrics_quantile_vectors.h"
#include "alloc_countdown.h"
#include "metrics_state_util.h"

/* ---- rows --------------------------------------------------------------- */

typedef struct {
    uint32_t *a;
    uint16_t *e;
    int64_t *v, *t;
    size_t n, cap;
} rows;

static void push(rows *r, uint32_t agent, unsigned event, int64_t value, int64_t time)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->a = realloc(r->a, r->cap * sizeof *r->a);
        r->e = realloc(r->e, r->cap * sizeof *r->e);
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        r->t = realloc(r->t, r->cap * sizeof *r->t);
        assert_non_null(r->a);
        assert_non_null(r->e);
        assert_non_null(r->v);
        assert_non_null(r->t);
    }
    r->a[r->n] = agent;
    r->e[r->n] = (uint16_t)event;
    r->v[r->n] = value;
    r->t[r->n] = time;
    r->n++;
}

static void push_n(rows *r, int times, uint32_t agent, unsigned event, int64_t value)
{
    for (int i = 0; i < times; i++)
        push(r, agent, event, value, 0);
}

static void rows_free(rows *r)
{
    free(r->a);
    free(r->e);
    free(r->v);
    free(r->t);
    memset(r, 0, sizeof *r);
}

static kpi_dec D(const char *text)
{
    kpi_dec v = 0;
    if (kpi_dec_parse(text, KPI_NTS, &v) != KPI_OK)
        fail_msg("bad decimal %s", text);
    return v;
}

static size_t metric(const kpi_metrics *m, const char *id)
{
    size_t i = 0;
    if (kpi_metric_registry_find(kpi_metrics_registry(m), id, &i) != KPI_OK)
        fail_msg("no metric %s", id);
    return i;
}

/* Value of @id for @agent in period 0, which must be @expected ("NA" for KPI_ENA). */
static void check_value(const kpi_metrics *m, uint32_t agent, const char *id, const char *expected)
{
    kpi_dec got = 0;
    kpi_status st = kpi_metrics_value(m, agent, 0, metric(m, id), &got);
    if (strcmp(expected, "NA") == 0) {
        if (st != KPI_ENA)
            fail_msg("%s of agent %u: expected N/A, got status %d value %lld", id, agent, st,
                     (long long)got);
        return;
    }
    if (st != KPI_OK)
        fail_msg("%s of agent %u: %s", id, agent, kpi_error_text(kpi_error_last()));
    if (got != D(expected)) {
        char buf[64];
        kpi_dec_format(got, -1, KPI_ROUND_HALF_UP, buf, sizeof buf);
        fail_msg("%s of agent %u: expected %s, got %s", id, agent, expected, buf);
    }
}

/* An accumulator of @reg's metrics without time grouping. */
static kpi_metrics *all_of(const kpi_metric_registry *reg)
{
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.period = KPI_PERIOD_ALL;
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, &o), KPI_OK);
    return m;
}

static kpi_metrics *builtins_all(kpi_metric_registry **reg_out)
{
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics *m = all_of(reg);
    if (reg_out)
        *reg_out = reg;
    else
        kpi_metric_registry_free(reg);
    return m;
}

static void add(kpi_metrics *m, const rows *r)
{
    kpi_status st = kpi_metrics_add_batch(m, r->a, r->e, r->v, r->t, r->n);
    if (st != KPI_OK)
        fail_msg("add_batch: %s", kpi_error_text(kpi_error_last()));
}

/* ---- the built-in registry ----------------------------------------------- */

static void test_builtin_registry(void **state)
{
    (void)state;
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    static const char *const expected[][2] = {
        {"consultations", "咨询量"}, {"deals", "成交量"}, {"close_rate", "成交率"},
        {"conversion", "咨询转化率"}, {"order_success", "下单成功率"}, {"avg_order_value", "客单价"},
        {"reply_rate", "旺旺回复率"}, {"response_time", "旺旺响应时间"}, {"refund_rate", "退单率"},
        {"listing_accuracy", "上货正确率"}, {"sets_sold", "月销售增套数"},
        {"target_completion", "指标完成率"}, {"service_level", "服务水平"},
        {"asa", "平均应答速度"}, {"abandon_rate", "呼叫放弃率"}, {"aht", "平均处理时长"},
        {"occupancy", "占线率"}, {"adherence", "实际工作率"}, {"fcr", "一次性解决率"},
        {"transfer_rate", "转接率"}, {"attendance", "出勤率"}, {"qa_score", "监听分值"},
        {"response_time_p90", "旺旺响应时间P90"}, {"on_time_delivery", "准时交货率"},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        size_t idx;
        assert_int_equal(kpi_metric_registry_find(reg, expected[i][0], &idx), KPI_OK);
        const kpi_metric_def *d = kpi_metric_registry_def(reg, idx);
        assert_non_null(d);
        assert_string_equal(d->id, expected[i][0]);
        assert_string_equal(d->name, expected[i][1]);
    }
    size_t idx;
    assert_int_equal(kpi_metric_registry_find(reg, "turnover", &idx), KPI_ENOTFOUND);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "turnover"));
    uint16_t code;
    assert_int_equal(kpi_metric_registry_event_find(reg, "call_abandoned", &code), KPI_OK);
    assert_int_equal(code, KPI_EVENT_CALL_ABANDONED);
    assert_string_equal(kpi_metric_registry_event_name(reg, KPI_EVENT_QA_SCORE | KPI_EVENT_EXCUSED),
                        "qa_score");
    assert_null(kpi_metric_registry_event_name(reg, 30));
    assert_string_equal(kpi_unit_name(KPI_UNIT_YUAN), "yuan");
    assert_null(kpi_unit_name(9));
    assert_string_equal(kpi_period_name(KPI_PERIOD_QUARTER), "quarter");
    kpi_metric_registry_free(reg);
    kpi_metric_registry_free(NULL);
}

/* ---- chat service: every built-in on one agent's month -------------------- */

static void chat_rows(rows *r, uint32_t agent)
{
    push_n(r, 10, agent, KPI_EVENT_CONSULT, 0);
    for (int i = 1; i <= 8; i++) /* first replies after 10 s, 20 s, ... 80 s */
        push(r, agent, KPI_EVENT_REPLY, i * 10000, 0);
    push_n(r, 4, agent, KPI_EVENT_ORDER, 0);
    push(r, agent, KPI_EVENT_PAYMENT, 12345, 0); /* ¥123.45 */
    push(r, agent, KPI_EVENT_PAYMENT, 20000, 0);
    push(r, agent, KPI_EVENT_PAYMENT, 30000, 0);
    push(r, agent, KPI_EVENT_SALES_TARGET, 100000, 0); /* planned ¥1000 */
    push_n(r, 50, agent, KPI_EVENT_LISTING, 0);
    push_n(r, 2, agent, KPI_EVENT_LISTING_ERROR, 0);
    push_n(r, 20, agent, KPI_EVENT_SUBORDER, 5000);
    push(r, agent, KPI_EVENT_REFUND, 5000, 0);
    push(r, agent, KPI_EVENT_SET_SOLD, 2, 0);
    push(r, agent, KPI_EVENT_SET_SOLD, 5, 0);
    push(r, agent, KPI_EVENT_SET_SOLD, 4, 0);
}

static void test_chat_builtins(void **state)
{
    (void)state;
    kpi_metrics *m = builtins_all(NULL);
    rows r = {0};
    chat_rows(&r, 0);
    add(m, &r);
    check_value(m, 0, "consultations", "10");
    check_value(m, 0, "deals", "3");
    check_value(m, 0, "close_rate", "0.3");
    check_value(m, 0, "conversion", "0.4");
    check_value(m, 0, "order_success", "0.75");
    check_value(m, 0, "sales", "623.45");
    check_value(m, 0, "avg_order_value", "207.816666667"); /* 62345 fen / 3, half up */
    check_value(m, 0, "reply_rate", "0.8");
    check_value(m, 0, "response_time", "45");
    check_value(m, 0, "response_time_p90", "73"); /* linear: 70 + 0.3 x 10 */
    check_value(m, 0, "refund_rate", "0.05");
    check_value(m, 0, "listing_accuracy", "0.96");
    check_value(m, 0, "sets_sold", "11");
    check_value(m, 0, "target_completion", "0.62345");
    kpi_metric_raw raw = KPI_METRIC_RAW_INIT;
    assert_int_equal(kpi_metrics_raw(m, 0, 0, metric(m, "avg_order_value"), &raw), KPI_OK);
    assert_true(raw.num == 62345 && raw.den == 3);
    assert_int_equal(kpi_metrics_raw(m, 0, 0, metric(m, "response_time_p90"), &raw), KPI_OK);
    assert_true(raw.num == 360000 && raw.den == 8 && raw.min == 10000 && raw.max == 80000);
    assert_int_equal(kpi_metrics_raw(m, 0, 0, metric(m, "listing_accuracy"), &raw), KPI_OK);
    assert_true(raw.num == 2 && raw.den == 50); /* raw: the complement is not applied */
    /* an agent index beyond the rows reads as empty: counts 0, ratios N/A */
    check_value(m, 5, "consultations", "0");
    check_value(m, 5, "reply_rate", "NA");
    check_value(m, 5, "response_time", "NA");
    check_value(m, 5, "response_time_p90", "NA");
    rows_free(&r);
    kpi_metrics_free(m);
}

/* ---- call centre -------------------------------------------------------------- */

static void call_rows(rows *r, uint32_t agent)
{
    push_n(r, 100, agent, KPI_EVENT_CALL_OFFERED, 0);
    push_n(r, 72, agent, KPI_EVENT_CALL_ANSWERED, 10000);  /* within 20 s */
    push_n(r, 18, agent, KPI_EVENT_CALL_ANSWERED, 30000);  /* after 20 s */
    push_n(r, 3, agent, KPI_EVENT_CALL_ABANDONED, 5000);   /* short abandons */
    push_n(r, 1, agent, KPI_EVENT_CALL_ABANDONED, 20000);  /* <= 20 s is short too */
    push_n(r, 6, agent, KPI_EVENT_CALL_ABANDONED, 45000);
    push_n(r, 90, agent, KPI_EVENT_TALK, 240000);
    push_n(r, 90, agent, KPI_EVENT_ACW, 60000);
    push(r, agent, KPI_EVENT_HOLD, 1800000, 0);
    push(r, agent, KPI_EVENT_IDLE, 3000000, 0);
    push(r, agent, KPI_EVENT_READY, 27000000, 0);
    push(r, agent, KPI_EVENT_SCHEDULED, 28800000, 0);
    push_n(r, 9, agent, KPI_EVENT_REPEAT_CONTACT, 0);
    push_n(r, 1, agent, KPI_EVENT_TRANSFER, 0);
    push_n(r, 22, agent, KPI_EVENT_SHIFT_SCHEDULED, 0);
    push_n(r, 21, agent, KPI_EVENT_SHIFT_PRESENT, 0);
    push(r, agent, KPI_EVENT_QA_SCORE, 8500, 0);
    push(r, agent, KPI_EVENT_QA_SCORE, 9000, 0);
    push(r, agent, KPI_EVENT_QA_SCORE, 8750, 0);
    push(r, agent, KPI_EVENT_QA_SCORE, 9200, 0);
    /* deliveries: 7 on time, 3 late of which one excused */
    push_n(r, 5, agent, KPI_EVENT_DELIVERY, 0);
    push_n(r, 2, agent, KPI_EVENT_DELIVERY, -3600000);
    push_n(r, 2, agent, KPI_EVENT_DELIVERY, 7200000);
    push(r, agent, KPI_EVENT_DELIVERY | KPI_EVENT_EXCUSED, 86400000, 0);
}

static void test_call_centre_builtins(void **state)
{
    (void)state;
    kpi_metric_registry *reg;
    kpi_metrics *m = builtins_all(&reg);
    rows r = {0};
    call_rows(&r, 3);
    add(m, &r);
    check_value(m, 3, "service_level", "0.72");
    check_value(m, 3, "asa", "14");               /* (72 x 10 s + 18 x 30 s) / 90 */
    check_value(m, 3, "abandon_rate", "0.0625");  /* 6 / (100 - 4 short) */
    check_value(m, 3, "aht", "300");              /* (4 min talk + 1 min ACW) per call */
    check_value(m, 3, "occupancy", "0.886363636"); /* 23.4 / 26.4 h */
    check_value(m, 3, "adherence", "0.9375");
    check_value(m, 3, "fcr", "0.9");
    check_value(m, 3, "transfer_rate", "0.011111111");
    check_value(m, 3, "attendance", "0.954545455");
    check_value(m, 3, "qa_score", "88.625");
    check_value(m, 3, "on_time_delivery", "0.777777778"); /* 7 / 9, excused left out */
    kpi_metrics_free(m);

    /* X is a parameter: service level within 10 s, short abandons <= 5 s */
    size_t sl, ab;
    assert_int_equal(kpi_metric_registry_find(reg, "service_level", &sl), KPI_OK);
    assert_int_equal(kpi_metric_registry_find(reg, "abandon_rate", &ab), KPI_OK);
    assert_int_equal(kpi_metric_registry_set_threshold(reg, sl, 9999), KPI_OK);
    assert_int_equal(kpi_metric_registry_set_threshold(reg, ab, 5000), KPI_OK);
    size_t cons;
    assert_int_equal(kpi_metric_registry_find(reg, "consultations", &cons), KPI_OK);
    assert_int_equal(kpi_metric_registry_set_threshold(reg, cons, 1), KPI_EINVAL);
    assert_int_equal(kpi_metric_registry_set_threshold(reg, 999, 1), KPI_ENOTFOUND);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.period = KPI_PERIOD_ALL;
    assert_int_equal(kpi_metrics_new(&m, reg, &o), KPI_OK);
    add(m, &r);
    check_value(m, 3, "service_level", "0");
    check_value(m, 3, "abandon_rate", "0.072164948"); /* 7 / (100 - 3) */
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
    rows_free(&r);
}

/* ---- N/A ------------------------------------------------------------------------ */

static void test_not_available(void **state)
{
    (void)state;
    kpi_metrics *m = builtins_all(NULL);
    rows r = {0};
    push(&r, 0, KPI_EVENT_ORDER, 0, 0);            /* orders but no consultations */
    push(&r, 0, KPI_EVENT_CALL_ABANDONED, 3000, 0); /* all of it a short abandon... */
    push(&r, 0, KPI_EVENT_CALL_OFFERED, 0, 0);      /* ...so nothing is left offered */
    add(m, &r);
    check_value(m, 0, "conversion", "NA");
    check_value(m, 0, "reply_rate", "NA");
    check_value(m, 0, "avg_order_value", "NA");
    check_value(m, 0, "abandon_rate", "NA");
    check_value(m, 0, "listing_accuracy", "NA"); /* 1 - 0/0 is N/A, not 1 */
    check_value(m, 0, "qa_score", "NA");
    check_value(m, 0, "order_success", "0");      /* 0 / 1 is a real 0 */
    check_value(m, 0, "consultations", "0");
    kpi_dec v = 42;
    assert_int_equal(kpi_metrics_value(m, 0, 0, metric(m, "reply_rate"), &v), KPI_ENA);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "denominator is 0"));
    assert_true(v == 42);
    rows_free(&r);
    kpi_metrics_free(m);
}

/* ---- plan-defined metrics: every accumulator kind ------------------------------ */

static kpi_metric_registry *kinds_registry(uint16_t *complaint)
{
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, 0), KPI_OK);
    assert_int_equal(kpi_metric_registry_add_event(reg, "complaint", complaint), KPI_OK);
    assert_int_equal(*complaint, KPI_EVENT_CUSTOM);
    kpi_metric_term t = KPI_METRIC_TERM_INIT, u = KPI_METRIC_TERM_INIT;
    t.events = KPI_EVENT_BIT(KPI_EVENT_REPLY);
    t.agg = KPI_AGG_SUM;
    struct { const char *id; kpi_metric_kind kind; kpi_unit unit; uint32_t flags; } pop[] = {
        {"rt_var", KPI_METRIC_VARIANCE, KPI_UNIT_SECOND, 0},
        {"rt_pvar", KPI_METRIC_VARIANCE, KPI_UNIT_SECOND, KPI_METRIC_POPULATION},
        {"rt_min", KPI_METRIC_MIN, KPI_UNIT_RAW, 0},
        {"rt_max", KPI_METRIC_MAX, KPI_UNIT_RAW, 0},
        {"rt_mean", KPI_METRIC_MEAN, KPI_UNIT_RAW, 0},
        {"rt_median", KPI_METRIC_QUANTILE, KPI_UNIT_SECOND, 0},
    };
    for (size_t i = 0; i < sizeof pop / sizeof pop[0]; i++) {
        kpi_metric_def d = KPI_METRIC_DEF_INIT;
        d.id = pop[i].id;
        d.kind = pop[i].kind;
        d.unit = pop[i].unit;
        d.flags = pop[i].flags;
        d.num = &t;
        d.num_count = 1;
        d.q = KPI_DEC_ONE / 2;
        assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    }
    /* threshold counts, a custom event, excused records, a negated term */
    kpi_metric_def d = KPI_METRIC_DEF_INIT;
    d.id = "fast_replies";
    t.agg = KPI_AGG_COUNT;
    t.filter = KPI_FILTER_LE;
    t.threshold = 15000;
    d.num = &t;
    d.num_count = 1;
    assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    d.id = "slow_reply_time";
    t.agg = KPI_AGG_SUM;
    t.filter = KPI_FILTER_GT;
    assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    kpi_metric_term net[2] = {KPI_METRIC_TERM_INIT, KPI_METRIC_TERM_INIT};
    net[0].events = KPI_EVENT_BIT(KPI_EVENT_CONSULT);
    net[1].events = KPI_EVENT_BIT(*complaint);
    net[1].flags = KPI_TERM_NEGATE | KPI_TERM_EXCLUDE_EXCUSED;
    d.id = "net_consults";
    d.num = net;
    d.num_count = 2;
    assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    u.events = KPI_EVENT_BIT(*complaint);
    u.flags = KPI_TERM_EXCLUDE_EXCUSED;
    kpi_metric_term all = KPI_METRIC_TERM_INIT;
    all.events = KPI_EVENT_BIT(*complaint);
    d.id = "complaints_kept";
    d.kind = KPI_METRIC_RATIO;
    d.unit = KPI_UNIT_RATIO;
    d.num = &u;
    d.num_count = 1;
    d.den = &all;
    d.den_count = 1;
    d.round = KPI_ROUND_DOWN;
    assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    return reg;
}

static void test_accumulator_kinds(void **state)
{
    (void)state;
    uint16_t complaint;
    kpi_metric_registry *reg = kinds_registry(&complaint);
    kpi_metrics *m = all_of(reg);
    kpi_metric_registry_free(reg); /* the accumulator keeps its own copy */
    rows r = {0};
    /* replies 10, 20, 20, 30, 40 s and one of -5 s (a clock skew kept as data) */
    const int64_t rt[] = {10000, 20000, 20000, 30000, 40000, -5000};
    for (size_t i = 0; i < 6; i++)
        push(&r, 1, KPI_EVENT_REPLY, rt[i], 0);
    push_n(&r, 5, 1, KPI_EVENT_CONSULT, 0);
    push(&r, 1, complaint, 0, 0);
    push(&r, 1, complaint | KPI_EVENT_EXCUSED, 0, 0);
    push(&r, 1, complaint | KPI_EVENT_EXCUSED, 0, 0);
    add(m, &r);
    /* mean 115/6 s; sum x^2 = 3225 s^2 (Python's statistics.variance: 244.1666...) */
    check_value(m, 1, "rt_mean", "19166.666666667");
    check_value(m, 1, "rt_var", "244.166666667");   /* (6 x 3225 - 13225) / 30 */
    check_value(m, 1, "rt_pvar", "203.472222222");  /* (6 x 3225 - 13225) / 36 */
    check_value(m, 1, "rt_min", "-5000");
    check_value(m, 1, "rt_max", "40000");
    check_value(m, 1, "rt_median", "20");
    check_value(m, 1, "fast_replies", "2");          /* 10 s and -5 s */
    check_value(m, 1, "slow_reply_time", "110000");  /* 20 + 20 + 30 + 40 s */
    check_value(m, 1, "net_consults", "4");          /* 5 - 1 complaint not excused */
    check_value(m, 1, "complaints_kept", "0.333333333"); /* rounded down */
    /* a sample variance of one value is N/A, a population variance is 0 */
    rows one = {0};
    push(&one, 2, KPI_EVENT_REPLY, 7, 0);
    add(m, &one);
    check_value(m, 2, "rt_var", "NA");
    check_value(m, 2, "rt_pvar", "0");
    check_value(m, 2, "rt_min", "7");
    kpi_dec qs[3] = {0, KPI_DEC_ONE / 4, KPI_DEC_ONE}, out[3];
    assert_int_equal(kpi_metrics_quantiles(m, 1, 0, metric(m, "rt_median"), qs, 3,
                                           KPI_QUANTILE_LOWER, out), KPI_OK);
    assert_true(out[0] == D("-5") && out[1] == D("10") && out[2] == D("40"));
    assert_int_equal(kpi_metrics_quantile(m, 1, 0, metric(m, "rt_mean"), 0, KPI_QUANTILE_LINEAR,
                                          out), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "is not a quantile"));
    assert_int_equal(kpi_metrics_quantile(m, 1, 0, metric(m, "rt_median"), KPI_DEC_ONE + 1,
                                          KPI_QUANTILE_LINEAR, out), KPI_ERANGE);
    assert_int_equal(kpi_metrics_quantile(m, 1, 0, metric(m, "rt_median"), 0, 13, out), KPI_EINVAL);
    rows_free(&r);
    rows_free(&one);
    kpi_metrics_free(m);
}

/* Threshold counts at the ends of the int64 range: "<= x" and "> x" split
 * every value exactly once, "> INT64_MAX" counts nothing. */
static void test_threshold_edges(void **state)
{
    (void)state;
    static const int64_t xs[] = {INT64_MIN, -1, 0, 20000, INT64_MAX - 1, INT64_MAX};
    static const int64_t vals[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, 20000, 20001,
                                   INT64_MAX - 1, INT64_MAX};
    const size_t nx = sizeof xs / sizeof xs[0], nv = sizeof vals / sizeof vals[0];
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, 0), KPI_OK);
    char ids[2 * 6][16];
    for (size_t k = 0; k < 2 * nx; k++) {
        kpi_metric_term t = KPI_METRIC_TERM_INIT;
        t.events = KPI_EVENT_BIT(KPI_EVENT_REPLY);
        t.agg = KPI_AGG_COUNT;
        t.filter = k % 2 ? KPI_FILTER_GT : KPI_FILTER_LE;
        t.threshold = xs[k / 2];
        kpi_metric_def d = KPI_METRIC_DEF_INIT;
        snprintf(ids[k], sizeof ids[k], "%s_%zu", k % 2 ? "gt" : "le", k / 2);
        d.id = ids[k];
        d.num = &t;
        d.num_count = 1;
        assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    }
    kpi_metrics *m = all_of(reg);
    rows r = {0};
    for (size_t i = 0; i < nv; i++)
        push(&r, 0, KPI_EVENT_REPLY, vals[i], 0);
    add(m, &r);
    for (size_t k = 0; k < 2 * nx; k++) {
        kpi_dec got;
        assert_int_equal(kpi_metrics_value(m, 0, 0, metric(m, ids[k]), &got), KPI_OK);
        long long want = 0;
        for (size_t i = 0; i < nv; i++)
            want += k % 2 ? vals[i] > xs[k / 2] : vals[i] <= xs[k / 2];
        if (got != KPI_DEC_INT(want))
            fail_msg("%s: %lld, expected %lld", ids[k], (long long)(got / KPI_DEC_ONE), want);
    }
    rows_free(&r);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

/* Sums are 128-bit: values near INT64_MAX add up exactly; a too-large result is EOVERFLOW. */
static void test_big_sums_and_squares(void **state)
{
    (void)state;
    uint16_t complaint;
    kpi_metric_registry *reg = kinds_registry(&complaint);
    kpi_metrics *m = all_of(reg);
    rows r = {0};
    push(&r, 0, KPI_EVENT_REPLY, INT64_MAX, 0);
    push(&r, 0, KPI_EVENT_REPLY, INT64_MAX, 0);
    push(&r, 0, KPI_EVENT_REPLY, INT64_MAX, 0);
    add(m, &r);
    kpi_metric_raw raw = KPI_METRIC_RAW_INIT;
    assert_int_equal(kpi_metrics_raw(m, 0, 0, metric(m, "rt_mean"), &raw), KPI_EOVERFLOW);
    kpi_dec v;
    /* the mean itself (INT64_MAX) does not fit a kpi_dec: reported, not wrapped */
    assert_int_equal(kpi_metrics_value(m, 0, 0, metric(m, "rt_mean"), &v), KPI_EOVERFLOW);
    /* three squares of 2^63 pass 2^127: the variance says so */
    assert_int_equal(kpi_metrics_value(m, 0, 0, metric(m, "rt_var"), &v), KPI_EOVERFLOW);
    assert_int_equal(kpi_metrics_value(m, 0, 0, metric(m, "rt_max"), &v), KPI_EOVERFLOW);
    rows neg = {0};
    push(&neg, 0, KPI_EVENT_REPLY, INT64_MIN, 0);
    push(&neg, 0, KPI_EVENT_REPLY, INT64_MIN, 0);
    push(&neg, 0, KPI_EVENT_REPLY, INT64_MIN, 0);
    push(&neg, 0, KPI_EVENT_REPLY, 3, 0);
    add(m, &neg);
    assert_int_equal(kpi_metrics_raw(m, 0, 0, metric(m, "rt_mean"), &raw), KPI_OK);
    assert_true(raw.num == 0 && raw.den == 7); /* 3 (2^63 - 1) - 3 x 2^63 + 3 = 0 */
    assert_int_equal(kpi_metrics_raw(m, 0, 0, metric(m, "rt_min"), &raw), KPI_OK);
    assert_true(raw.min == INT64_MIN && raw.max == 0);
    assert_int_equal(kpi_metrics_raw(m, 0, 0, metric(m, "rt_max"), &raw), KPI_OK);
    assert_true(raw.max == INT64_MAX && raw.min == 0);
    assert_int_equal(kpi_metrics_raw(m, 0, 0, metric(m, "rt_median"), &raw), KPI_OK);
    assert_true(raw.min == INT64_MIN && raw.max == INT64_MAX);
    assert_int_equal(kpi_metrics_value(m, 0, 0, metric(m, "rt_median"), &v), KPI_OK);
    assert_true(v == 3000000); /* the median of the 7 values is 3 ms: 0.003 s */
    rows_free(&r);
    rows_free(&neg);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

/* ---- periods and time zones ------------------------------------------------------ */

/* 2026-11-01T00:30 in Beijing is 2026-10-31T16:30Z */
#define T_2026_11_01_0030_BJ INT64_C(1793464200000)

/*
 * The split 128-bit sum (low word next to the count, high word elsewhere)
 * against plain 128-bit arithmetic: every add, set and get, at the edges.
 */
static void test_split_sums(void **state)
{
    (void)state;
    static const int64_t edge[] = {0, 1, -1, 2, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
                                   INT64_C(1) << 62, -(INT64_C(1) << 62), 123456789, -987654321};
    const size_t ne = sizeof edge / sizeof edge[0];
    const kpi__i128 max128 = (kpi__i128)(~(kpi__u128)0 >> 1);
    const kpi__i128 starts[] = {0, max128, -max128 - 1, max128 - INT64_MAX, (kpi__i128)1 << 64,
                                -((kpi__i128)1 << 64), ((kpi__i128)1 << 64) - 1, -((kpi__i128)1 << 63)};
    uint64_t rng = 7;
    for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
        uint64_t lo, hi;
        kpi__sum_set(&lo, &hi, starts[k]);
        assert_true(kpi__sum_get(lo, hi) == starts[k]);
        kpi__i128 want = starts[k];
        for (int i = 0; i < 2000; i++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            int64_t v = (rng & 3) ? edge[rng % ne] : (int64_t)(rng >> 1) * ((rng & 4) ? 1 : -1);
            kpi__i128 next;
            if (__builtin_add_overflow(want, (kpi__i128)v, &next))
                continue; /* past 2^127: the accumulator's documented limit */
            kpi__sum_add64(&lo, &hi, v);
            want = next;
            assert_true(kpi__sum_get(lo, hi) == want);
        }
    }
    /* the layout keeps every count 16-byte aligned with its sum's low word after it */
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi__schema *s;
    assert_int_equal(kpi__schema_new(reg, &s), KPI_OK);
    for (unsigned di = 0; di < 2 * KPI_EVENT_MAX; di++) {
        const kpi__evdesc *d = &s->desc[di];
        assert_true(d->cnt % 2 == 0 && d->sum == d->cnt + 1);
        assert_int_equal(s->hot[di] & KPI__HOT_WORD, d->cnt);
        assert_int_equal(s->wkind[d->sum], KPI__W_SUM_LO);
        assert_int_equal(s->wkind[s->hi_of[d->sum]], KPI__W_SUM_HI);
    }
    kpi__schema_unref(s);
    kpi_metric_registry_free(reg);
}

static void test_periods_time_zone(void **state)
{
    (void)state;
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics *bj, *utc;
    assert_int_equal(kpi_metrics_new(&bj, reg, NULL), KPI_OK); /* month, UTC+08:00 */
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.utc_offset_minutes = 0;
    assert_int_equal(kpi_metrics_new(&utc, reg, &o), KPI_OK);
    rows r = {0};
    push(&r, 0, KPI_EVENT_CONSULT, 0, T_2026_11_01_0030_BJ);
    push(&r, 0, KPI_EVENT_CONSULT, 0, T_2026_11_01_0030_BJ - 3600000); /* 23:30 on Oct 31 */
    push(&r, 0, KPI_EVENT_CONSULT, 0, T_2026_11_01_0030_BJ + 86400000);
    kpi_status st = kpi_metrics_add_batch(bj, r.a, r.e, r.v, r.t, r.n);
    assert_int_equal(st, KPI_OK);
    assert_int_equal(kpi_metrics_add_batch(utc, r.a, r.e, r.v, r.t, r.n), KPI_OK);
    char label[32];
    assert_int_equal(kpi_metrics_period_count(bj), 2);
    assert_int_equal(kpi_metrics_period_label(bj, 0, label, sizeof label), 7);
    assert_string_equal(label, "2026-10");
    kpi_metrics_period_label(bj, 1, label, sizeof label);
    assert_string_equal(label, "2026-11");
    size_t p;
    assert_int_equal(kpi_metrics_period_find(bj, T_2026_11_01_0030_BJ, &p), KPI_OK);
    assert_int_equal(p, 1);
    kpi_dec v;
    assert_int_equal(kpi_metrics_value(bj, 0, 1, metric(bj, "consultations"), &v), KPI_OK);
    assert_true(v == KPI_DEC_INT(2));
    int64_t start, end;
    assert_int_equal(kpi_metrics_period_range(bj, 1, &start, &end), KPI_OK);
    assert_true(start == T_2026_11_01_0030_BJ - 1800000);        /* 2026-11-01T00:00+08:00 */
    assert_true(end == start + INT64_C(30) * 86400000);
    /* in UTC all three fall in October... except the last, on Nov 1 16:30Z */
    assert_int_equal(kpi_metrics_period_count(utc), 2);
    assert_int_equal(kpi_metrics_value(utc, 0, 0, metric(utc, "consultations"), &v), KPI_OK);
    assert_true(v == KPI_DEC_INT(2));
    assert_int_equal(kpi_metrics_period_find(utc, T_2026_11_01_0030_BJ + 86400000 * INT64_C(60), &p),
                     KPI_ENOTFOUND);
    assert_int_equal(kpi_metrics_period_range(bj, 2, &start, &end), KPI_ENOTFOUND);
    assert_int_equal(kpi_metrics_period_label(bj, 2, label, sizeof label), 0);
    kpi_metrics_free(bj);
    kpi_metrics_free(utc);

    /* labels of every kind, including ISO week-years across New Year */
    struct { kpi_period kind; int64_t t; const char *label; } cases[] = {
        {KPI_PERIOD_DAY, T_2026_11_01_0030_BJ, "2026-11-01"},
        {KPI_PERIOD_WEEK, T_2026_11_01_0030_BJ, "2026-W44"},   /* Sunday: week of Mon Oct 26 */
        {KPI_PERIOD_QUARTER, T_2026_11_01_0030_BJ, "2026-Q4"},
        {KPI_PERIOD_YEAR, T_2026_11_01_0030_BJ, "2026"},
        {KPI_PERIOD_WEEK, INT64_C(1798732800000), "2026-W53"},  /* 2027-01-01 (Fri) 00:00 UTC+8 -> 2026-12-31 16:00Z */
        {KPI_PERIOD_WEEK, INT64_C(1767196800000), "2026-W01"},  /* 2026-01-01 (Thu) */
        {KPI_PERIOD_DAY, INT64_C(-28800000), "1970-01-01"},     /* local midnight before the epoch */
        {KPI_PERIOD_DAY, INT64_C(-28800001), "1969-12-31"},
        {KPI_PERIOD_MONTH, INT64_C(951796800000), "2000-02"},   /* 2000-02-29 Beijing */
        {KPI_PERIOD_ALL, 12345, "all"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kpi_metrics_options oo = KPI_METRICS_OPTIONS_INIT;
        oo.period = cases[i].kind;
        kpi_metrics *m;
        assert_int_equal(kpi_metrics_new(&m, reg, &oo), KPI_OK);
        uint32_t a = 0;
        uint16_t e = KPI_EVENT_CONSULT;
        int64_t val = 0;
        assert_int_equal(kpi_metrics_add_batch(m, &a, &e, &val, &cases[i].t, 1), KPI_OK);
        kpi_metrics_period_label(m, 0, label, sizeof label);
        if (strcmp(label, cases[i].label) != 0)
            fail_msg("case %zu: %s, expected %s", i, label, cases[i].label);
        assert_int_equal(kpi_metrics_period_range(m, 0, &start, &end), KPI_OK);
        assert_true(start <= cases[i].t && cases[i].t < end);
        kpi_metrics_free(m);
    }
    /* every int64 instant has a period: the extremes do not overflow */
    kpi_metrics *m;
    o.period = KPI_PERIOD_DAY;
    o.utc_offset_minutes = 1080;
    assert_int_equal(kpi_metrics_new(&m, reg, &o), KPI_OK);
    uint32_t a[2] = {0, 0};
    uint16_t e[2] = {KPI_EVENT_CONSULT, KPI_EVENT_CONSULT};
    int64_t val[2] = {0, 0}, t[2] = {INT64_MIN, INT64_MAX};
    assert_int_equal(kpi_metrics_add_batch(m, a, e, val, t, 2), KPI_OK);
    assert_int_equal(kpi_metrics_period_count(m), 2);
    assert_int_equal(kpi_metrics_period_range(m, 1, &start, &end), KPI_OK);
    assert_true(start < INT64_MAX && end == INT64_MAX);
    kpi_metrics_free(m);
    rows_free(&r);
    kpi_metric_registry_free(reg);
}

/* ---- agents and roll-ups ------------------------------------------------------------ */

/*
 * A team's exact quantiles after a roll-up equal those of one agent with
 * all its members' values: small members are copied unsorted, and past the
 * buffer's bound the rest merge as runs (both paths of the roll-up).
 */
static void test_rollup_quantiles_both_paths(void **state)
{
    (void)state;
    kpi_agents *ag;
    assert_int_equal(kpi_agents_new(&ag), KPI_OK);
    for (int i = 0; i < 8; i++) {
        char id[8];
        snprintf(id, sizeof id, "T%d", i);
        assert_int_equal(kpi_agents_add(ag, id, "一组", "杭州", NULL), KPI_OK);
    }
    kpi_metrics *m = builtins_all(NULL), *one = builtins_all(NULL);
    rows r = {0}, all = {0};
    uint64_t rng = 5;
    for (uint32_t a = 0; a < 8; a++)
        for (int k = 0; k < 700; k++) { /* 5 600 values: past the 2 048 bound */
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            const int64_t v = 1000 + (int64_t)(rng % 90000);
            push(&r, a, KPI_EVENT_REPLY, v, 0);
            push(&all, 0, KPI_EVENT_REPLY, v, 0);
        }
    add(m, &r);
    add(one, &all);
    kpi_metrics *teams;
    assert_int_equal(kpi_metrics_rollup(&teams, m, ag, KPI_LEVEL_TEAM), KPI_OK);
    size_t p90 = metric(teams, "response_time_p90");
    static const kpi_dec qs[] = {0, KPI_DEC_ONE / 10, KPI_DEC_ONE / 2, KPI_DEC_ONE * 9 / 10,
                                 KPI_DEC_ONE};
    kpi_dec got[5], want[5];
    for (int method = 0; method <= KPI_QUANTILE_NEAREST; method++) {
        assert_int_equal(kpi_metrics_quantiles(teams, 0, 0, p90, qs, 5, method, got), KPI_OK);
        assert_int_equal(kpi_metrics_quantiles(one, 0, 0, p90, qs, 5, method, want), KPI_OK);
        assert_memory_equal(got, want, sizeof got);
    }
    kpi_metrics_free(teams);
    kpi_metrics_free(m);
    kpi_metrics_free(one);
    rows_free(&r);
    rows_free(&all);
    kpi_agents_free(ag);
}

static void test_agents_and_rollup(void **state)
{
    (void)state;
    kpi_agents *ag;
    assert_int_equal(kpi_agents_new(&ag), KPI_OK);
    const char *map[][3] = {{"小王", "一组", "杭州"}, {"A002", "一组", "杭州"},
                            {"A003", "二组", "杭州"}, {"A004", "三组", "成都"}};
    for (uint32_t i = 0; i < 4; i++) {
        uint32_t idx;
        assert_int_equal(kpi_agents_add(ag, map[i][0], map[i][1], map[i][2], &idx), KPI_OK);
        assert_int_equal(idx, i);
    }
    uint32_t idx;
    assert_int_equal(kpi_agents_add(ag, "A002", "一组", "杭州", &idx), KPI_OK); /* idempotent */
    assert_int_equal(idx, 1);
    assert_int_equal(kpi_agents_add(ag, "A002", "二组", "杭州", &idx), KPI_EINPUT);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "already in team '一组'"));
    assert_int_equal(kpi_agents_add(ag, "A005", "三组", "杭州", &idx), KPI_EINPUT);
    assert_int_equal(kpi_agents_count(ag, KPI_LEVEL_AGENT), 4); /* nothing left behind */
    assert_int_equal(kpi_agents_add(ag, "A006", "四组", "北京", &idx), KPI_OK);
    assert_int_equal(kpi_agents_add(ag, "A007", "四组", "上海", &idx), KPI_EINPUT);
    assert_int_equal(kpi_agents_count(ag, KPI_LEVEL_CENTRE), 3);  /* 上海 was taken back */
    assert_int_equal(kpi_agents_count(ag, KPI_LEVEL_TEAM), 4);
    assert_int_equal(kpi_agents_find(ag, KPI_LEVEL_CENTRE, "上海", &idx), KPI_ENOTFOUND);
    assert_int_equal(kpi_agents_find(ag, KPI_LEVEL_AGENT, "A003", &idx), KPI_OK);
    assert_int_equal(idx, 2);
    assert_string_equal(kpi_agents_id(ag, KPI_LEVEL_AGENT, 0), "小王");
    assert_null(kpi_agents_id(ag, KPI_LEVEL_AGENT, 99));
    uint32_t team, centre;
    assert_int_equal(kpi_agents_parent(ag, KPI_LEVEL_AGENT, 3, &team), KPI_OK);
    assert_string_equal(kpi_agents_id(ag, KPI_LEVEL_TEAM, team), "三组");
    assert_int_equal(kpi_agents_parent(ag, KPI_LEVEL_TEAM, team, &centre), KPI_OK);
    assert_string_equal(kpi_agents_id(ag, KPI_LEVEL_CENTRE, centre), "成都");
    assert_int_equal(kpi_agents_parent(ag, KPI_LEVEL_CENTRE, 0, &team), KPI_EINVAL);
    assert_int_equal(kpi_agents_add(ag, "", NULL, NULL, &idx), KPI_EINVAL);
    for (int i = 0; i < 100; i++) { /* grows the hash past its first size */
        char id[16];
        snprintf(id, sizeof id, "X%03d", i);
        assert_int_equal(kpi_agents_add(ag, id, NULL, NULL, &idx), KPI_OK);
    }
    assert_int_equal(kpi_agents_find(ag, KPI_LEVEL_AGENT, "X042", &idx), KPI_OK);
    assert_int_equal(idx, 5 + 42);

    kpi_metrics *m = builtins_all(NULL);
    rows r = {0};
    for (uint32_t a = 0; a < 4; a++) {
        push_n(&r, 10, a, KPI_EVENT_CONSULT, 0);
        for (uint32_t k = 0; k <= a; k++)
            push(&r, a, KPI_EVENT_REPLY, 1000 * (a + 1), 0);
    }
    add(m, &r);
    kpi_metrics *teams, *centres;
    assert_int_equal(kpi_metrics_rollup(&teams, m, ag, KPI_LEVEL_TEAM), KPI_OK);
    assert_int_equal(kpi_metrics_rollup(&centres, m, ag, KPI_LEVEL_CENTRE), KPI_OK);
    check_value(teams, 0, "reply_rate", "0.15");        /* 一组: (1 + 2) / 20 */
    check_value(teams, 0, "response_time", "1.666666667"); /* (1 + 2 + 2) / 3 s */
    check_value(teams, 2, "response_time_p90", "4");
    check_value(teams, 3, "reply_rate", "NA");          /* 四组 has no rows */
    check_value(centres, 0, "consultations", "30");
    check_value(centres, 0, "response_time_p90", "3");  /* 1,2,2,3,3,3: linear p90 = 3 */
    check_value(centres, 1, "reply_rate", "0.4");
    assert_int_equal(kpi_metrics_agent_count(teams), 5); /* and team "" of the X agents */
    kpi_metrics_free(teams);
    kpi_metrics_free(centres);
    /* an agent with rows that the map does not know */
    rows extra = {0};
    push(&extra, 500, KPI_EVENT_CONSULT, 0, 0);
    add(m, &extra);
    assert_int_equal(kpi_metrics_rollup(&teams, m, ag, KPI_LEVEL_TEAM), KPI_ENOTFOUND);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "agent index 500"));
    assert_int_equal(kpi_metrics_rollup(&teams, m, ag, KPI_LEVEL_AGENT), KPI_EINVAL);
    rows_free(&r);
    rows_free(&extra);
    kpi_metrics_free(m);
    kpi_agents_free(ag);
    kpi_agents_free(NULL);
}

/* ---- exact quantiles against numpy ----------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void test_quantiles_against_numpy(void **state)
{
    (void)state;
    size_t ncases = sizeof mq_cases / sizeof mq_cases[0];
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, 0), KPI_OK);
    kpi_metric_term t = KPI_METRIC_TERM_INIT;
    t.events = KPI_EVENT_BIT(KPI_EVENT_REPLY);
    kpi_metric_def d = KPI_METRIC_DEF_INIT;
    d.id = "q";
    d.kind = KPI_METRIC_QUANTILE;
    d.unit = KPI_UNIT_RAW;
    d.round = KPI_ROUND_HALF_EVEN;
    d.num = &t;
    d.num_count = 1;
    assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    kpi_metrics *m = all_of(reg);
    /* each case is agent c; rows go in two batches, half compacted in between */
    rows r = {0};
    for (size_t c = 0; c < ncases; c++) {
        uint64_t s = mq_cases[c].seed;
        for (int i = 0; i < mq_cases[c].n; i++)
            push(&r, (uint32_t)c, KPI_EVENT_REPLY,
                 mq_cases[c].lo + (int64_t)(splitmix64(&s) % (uint64_t)mq_cases[c].span), 0);
    }
    size_t half = r.n / 2;
    assert_int_equal(kpi_metrics_add_batch(m, r.a, r.e, r.v, NULL, half), KPI_OK);
    assert_int_equal(kpi_metrics_compact(m), KPI_OK);
    assert_int_equal(kpi_metrics_add_batch(m, r.a + half, r.e + half, r.v + half, NULL, r.n - half),
                     KPI_OK);
    for (int pass = 0; pass < 2; pass++) { /* with values pending, then compacted */
        for (size_t i = 0; i < sizeof mq_vectors / sizeof mq_vectors[0]; i++) {
            kpi_dec got;
            int mth = mq_vectors[i].method;
            if (kpi_metrics_quantile(m, (uint32_t)mq_vectors[i].c, 0, 0, mq_vectors[i].q, mth,
                                     &got) != KPI_OK)
                fail_msg("vector %zu: %s", i, kpi_error_text(kpi_error_last()));
            long long diff = got - mq_vectors[i].expected;
            long long tol = (mth == KPI_QUANTILE_MEDIAN_UNBIASED || mth == KPI_QUANTILE_NORMAL_UNBIASED);
            if (diff > tol || diff < -tol)
                fail_msg("vector %zu (case %d, q %lld, %s): got %lld, numpy %lld", i,
                         mq_vectors[i].c, mq_vectors[i].q, kpi_quantile_method_name(mth),
                         (long long)got, mq_vectors[i].expected);
        }
        assert_int_equal(kpi_metrics_compact(m), KPI_OK);
    }
    rows_free(&r);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
}

static int cmp_i64(const void *x, const void *y)
{
    const int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/*
 * The radix sort behind every exact quantile, against qsort: every range
 * width from 0 to 64 bits (each count of passes and digit size, an odd
 * and an even count of passes), sizes around the insertion-sort cut-off,
 * ties, negatives and both int64 extremes.
 */
static void test_radix_sort(void **state)
{
    (void)state;
    static const size_t sizes[] = {63, 64, 65, 1000, 5000};
    int64_t *v = malloc(5000 * sizeof *v), *want = malloc(5000 * sizeof *want),
            *tmp = malloc(5000 * sizeof *tmp);
    assert_true(v && want && tmp);
    uint64_t rng = 20261123;
    for (int width = 0; width <= 64; width++)
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
            const size_t n = sizes[k];
            const uint64_t mask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
            const int64_t base = width == 64 ? 0 : -(int64_t)(mask / 2) - 7;
            for (size_t i = 0; i < n; i++) {
                rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
                /* a quarter of the values repeat the first few */
                const uint64_t r = (rng & 3) == 0 ? (rng >> 8) % 5 : rng >> 2;
                v[i] = (int64_t)((uint64_t)base + (r & mask));
            }
            if (width == 64 && n > 2) {
                v[0] = INT64_MIN;
                v[1] = INT64_MAX;
            }
            memcpy(want, v, n * sizeof *v);
            qsort(want, n, sizeof *want, cmp_i64);
            kpi__sort_i64(v, n, tmp);
            assert_memory_equal(v, want, n * sizeof *v);
        }
    free(v);
    free(want);
    free(tmp);
}

/* Fills v[0, n) with the data shape @shape draws. */
static void quantile_shape(int64_t *v, size_t n, int shape, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++) {
        *rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
        const uint64_t r = *rng;
        switch (shape) {
        case 0: v[i] = (int64_t)(r % 120000); break;                    /* milliseconds */
        case 1: v[i] = 7; break;                                         /* all equal */
        case 2: v[i] = (int64_t)(r % 3) - 1; break;                      /* few distinct */
        case 3: v[i] = (int64_t)i; break;                                /* sorted */
        case 4: v[i] = (int64_t)(n - i); break;                          /* reversed */
        case 5: v[i] = (int64_t)(i < n / 2 ? i : n - i); break;          /* organ pipe */
        case 6: v[i] = (int64_t)(i % 17); break;                         /* sawtooth */
        case 7: /* Musser's median-of-3 killer (for even n) */
            v[i] = i < n / 2 ? (int64_t)(i % 2 ? n / 2 + i : i + 1) : (int64_t)(2 * (i - n / 2) + 2);
            break;
        default: v[i] = (int64_t)(r >> (r % 64)) * (r & 1 ? -1 : 1); break; /* any magnitude */
        }
    }
}

/*
 * Values not yet sorted are read by selection (no sort); a compacted store
 * by its runs. Both must give the same quantile, or the same error, for
 * every method, many q, sizes around the selection's cut-offs and shapes
 * that defeat a naive pivot.
 */
static void test_quantile_selection_matches_runs(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 3, 31, 32, 33, 34, 100, 1000, 1537, 4096};
    static const kpi_dec qs[] = {0, 1, KPI_DEC_ONE / 2, KPI_DEC_ONE * 9 / 10, KPI_DEC_ONE / 3,
                                 KPI_DEC_ONE, 999999999, 1, 123456789};
    enum { NQ = sizeof qs / sizeof qs[0] };
    int64_t *v = malloc(4096 * sizeof *v);
    assert_non_null(v);
    uint64_t rng = 11;
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
        for (int shape = 0; shape <= 8; shape++) {
            const size_t n = sizes[k];
            quantile_shape(v, n, shape, &rng);
            kpi__qstore pending = {0}, runs = {0};
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(kpi__qs_append(&pending, v[i]), KPI_OK);
                assert_int_equal(kpi__qs_append(&runs, v[i]), KPI_OK);
            }
            assert_int_equal(kpi__qs_compact(&runs), KPI_OK);
            assert_int_equal(runs.npend, 0);
            if (n <= 2048) /* within the buffer's bound: nothing sorted yet */
                assert_int_equal(pending.nruns, 0);
            for (int method = 0; method <= KPI_QUANTILE_NEAREST; method++)
                for (int64_t divisor = 1; divisor <= 1000; divisor *= 1000) {
                    kpi_dec a[NQ], b[NQ];
                    kpi_status sa = kpi__qs_quantiles(&pending, qs, NQ, method, divisor,
                                                      KPI_ROUND_HALF_UP, a);
                    kpi_status sb = kpi__qs_quantiles(&runs, qs, NQ, method, divisor,
                                                      KPI_ROUND_HALF_UP, b);
                    if (sa != sb || (sa == KPI_OK && memcmp(a, b, sizeof a) != 0))
                        fail_msg("n %zu shape %d method %d divisor %lld: %d vs %d", n, shape,
                                 method, (long long)divisor, (int)sa, (int)sb);
                }
            kpi__qs_free(&pending);
            kpi__qs_free(&runs);
        }
    free(v);
}

/*
 * Memory of an exact quantile per (agent, period): 32 bytes + 16 per
 * distinct value once compacted, however many values there are.
 */
static void test_quantile_memory(void **state)
{
    (void)state;
    kpi_metrics *m = builtins_all(NULL);
    size_t p90 = metric(m, "response_time_p90");
    rows r = {0};
    for (int i = 0; i < 200000; i++) /* 200 000 response times, 1 000 distinct (ms) */
        push(&r, 0, KPI_EVENT_REPLY, 1000 + (i * 7919) % 1000, 0);
    add(m, &r);
    size_t bytes;
    assert_int_equal(kpi_metrics_quantile_memory(m, 0, 0, p90, &bytes), KPI_OK);
    /* while ingesting: the buffer is bounded by max(2048, 2 x distinct) values */
    assert_true(bytes <= 32 + 16 * 1000 + 8 * 2048);
    assert_int_equal(kpi_metrics_compact(m), KPI_OK);
    assert_int_equal(kpi_metrics_quantile_memory(m, 0, 0, p90, &bytes), KPI_OK);
    assert_int_equal(bytes, 32 + 16 * 1000);
    kpi_dec v;
    assert_int_equal(kpi_metrics_value(m, 0, 0, p90, &v), KPI_OK);
    assert_true(v == D("1.8991")); /* uniform on 1000..1999 ms: linear p90 at 199999 x 0.9 */
    assert_int_equal(kpi_metrics_quantile_memory(m, 0, 0, metric(m, "reply_rate"), &bytes),
                     KPI_EINVAL);
    assert_true(kpi_metrics_memory(m) > 32 + 16 * 1000);
    rows_free(&r);
    kpi_metrics_free(m);
}

/* One batch of @r's rows builds the state the same rows build one at a
 * time (each finding its period), in @periods periods; @o NULL: months in
 * Beijing. */
static void check_row_by_row(const kpi_metric_registry *reg, const kpi_metrics_options *o,
                             const rows *r, size_t periods)
{
    kpi_metrics *whole, *one;
    assert_int_equal(kpi_metrics_new(&whole, reg, o), KPI_OK);
    assert_int_equal(kpi_metrics_new(&one, reg, o), KPI_OK);
    assert_int_equal(kpi_metrics_add_batch(whole, r->a, r->e, r->v, r->t, r->n), KPI_OK);
    for (size_t i = 0; i < r->n; i++)
        assert_int_equal(kpi_metrics_add_batch(one, r->a + i, r->e + i, r->v + i, r->t + i, 1),
                         KPI_OK);
    assert_int_equal(kpi_metrics_period_count(whole), periods);
    assert_true(same_state(whole, one));
    kpi_metrics_free(whole);
    kpi_metrics_free(one);
}

/* Adds the built-in p90 of response times again, as a sketch: its values
 * take the staged path too, with windows cut at 256 per sketch store. */
static void add_sketched_p90(kpi_metric_registry *reg)
{
    size_t p90;
    assert_int_equal(kpi_metric_registry_find(reg, "response_time_p90", &p90), KPI_OK);
    kpi_metric_def sk = *kpi_metric_registry_def(reg, p90);
    sk.id = "response_time_p90_sketch";
    sk.kind = KPI_METRIC_QUANTILE_SKETCH;
    sk.method = KPI_QUANTILE_LOWER;
    assert_int_equal(kpi_metric_registry_add(reg, &sk, NULL), KPI_OK);
}

/*
 * Rows in no time order switch periods at every row; the row loop keeps
 * the last few periods at hand instead of finding each again, and a
 * staged batch gathers a chunk's rows period by period. Rows on both
 * sides of month ends in Beijing (the last and the first millisecond),
 * visiting five months round and round and then at random, and rows over
 * 16, then 40 days with days as periods (more than the loop keeps and a
 * chunk holds), must land where rows added one at a time (each finding
 * its period) land.
 */
static void test_unsorted_periods(void **state)
{
    (void)state;
    const int64_t day = INT64_C(86400000), nov = T_2026_11_01_0030_BJ - 30 * 60000;
    const int64_t starts[] = {nov, nov + 30 * day, nov + 61 * day, nov + 92 * day,
                              nov + 120 * day, nov + 151 * day};
    rows r = {0};
    uint64_t x = 7;
    for (int i = 0; i < 3000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const size_t k = i < 1500 ? (size_t)i % 5 : (size_t)(x % 5);
        const int64_t offs[] = {-1, 0, 1, 3600000}; /* across the boundary and inside */
        const int64_t t = starts[1 + k] + offs[(x >> 8) % 4];
        push(&r, (uint32_t)(x >> 16) % 4, (x >> 24) % 2 ? KPI_EVENT_REPLY : KPI_EVENT_PAYMENT,
             (int64_t)(x >> 32) % 100000, t);
    }
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    check_row_by_row(reg, NULL, &r, 6);
    /* days as periods: 16 round and round (a staged chunk holds 16), then
     * 40 round and round and at random (more than the loops keep at hand,
     * so they replace the one kept longest, and more than a chunk holds);
     * 20 000 rows, so that they are staged */
    rows days = {0};
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const int64_t d = i < 5000 ? i % 16 : i < 12000 ? i % 40 : (int64_t)(x % 40);
        push(&days, (uint32_t)(x >> 16) % 4, (x >> 24) % 2 ? KPI_EVENT_REPLY : KPI_EVENT_PAYMENT,
             (int64_t)(x >> 32) % 100000, nov + d * day + (int64_t)(x >> 40) % day);
    }
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.period = KPI_PERIOD_DAY;
    check_row_by_row(reg, &o, &days, 40);
    kpi_metric_registry_free(reg);
    rows_free(&r);
    rows_free(&days);
}

/* ---- argument and definition errors ----------------------------------------------- */

static void expect_add_error(kpi_metric_registry *reg, const kpi_metric_def *d, kpi_status code,
                             const char *fragment)
{
    size_t before = kpi_metric_registry_count(reg);
    kpi_status st = kpi_metric_registry_add(reg, d, NULL);
    if (st != code)
        fail_msg("expected %d, got %d (%s)", code, st, kpi_error_message(kpi_error_last()));
    if (!strstr(kpi_error_message(kpi_error_last()), fragment))
        fail_msg("message '%s' lacks '%s'", kpi_error_message(kpi_error_last()), fragment);
    assert_int_equal(kpi_metric_registry_count(reg), before);
}

static void test_definition_errors(void **state)
{
    (void)state;
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metric_term t = KPI_METRIC_TERM_INIT;
    t.events = KPI_EVENT_BIT(KPI_EVENT_REPLY);
    kpi_metric_def d = KPI_METRIC_DEF_INIT;
    d.id = "x";
    d.num = &t;
    d.num_count = 1;
    d.kind = KPI_METRIC_QUANTILE_SKETCH; /* the default method (linear) is not what it reports */
    expect_add_error(reg, &d, KPI_EINVAL, "set method to KPI_QUANTILE_LOWER");
    d.method = KPI_QUANTILE_LOWER;
    d.sketch_alpha = 1;
    expect_add_error(reg, &d, KPI_EINVAL, "sketch_alpha must be");
    d.sketch_alpha = 0;
    d.sketch_buckets = 8;
    expect_add_error(reg, &d, KPI_EINVAL, "sketch_buckets must be");
    d.kind = KPI_METRIC_QUANTILE; /* an exact quantile takes no sketch settings */
    expect_add_error(reg, &d, KPI_EINVAL, "only for KPI_METRIC_QUANTILE_SKETCH");
    d.sketch_buckets = 0;
    d.method = KPI_QUANTILE_LINEAR;
    d.kind = 42;
    expect_add_error(reg, &d, KPI_EINVAL, "unknown kind 42");
    d.kind = KPI_METRIC_TOTAL;
    d.id = "Reply Rate";
    expect_add_error(reg, &d, KPI_EINVAL, "must be 1 to 64 of a-z");
    d.id = "reply_rate";
    expect_add_error(reg, &d, KPI_EDUPLICATE, "already defined");
    d.id = "x";
    d.unit = 77;
    expect_add_error(reg, &d, KPI_EINVAL, "unknown unit 77");
    d.unit = KPI_UNIT_COUNT;
    d.kind = KPI_METRIC_RATIO;
    expect_add_error(reg, &d, KPI_EINVAL, "den needs 1 to 16 terms");
    d.kind = KPI_METRIC_TOTAL;
    d.den = &t;
    d.den_count = 1;
    expect_add_error(reg, &d, KPI_EINVAL, "only a RATIO has denominator terms");
    d.den = NULL;
    d.den_count = 0;
    d.flags = KPI_METRIC_COMPLEMENT;
    expect_add_error(reg, &d, KPI_EINVAL, "COMPLEMENT needs a RATIO");
    d.flags = 0;
    t.events = KPI_EVENT_BIT(40);
    expect_add_error(reg, &d, KPI_EINVAL, "event code 40, which is not defined");
    t.events = 0;
    expect_add_error(reg, &d, KPI_EINVAL, "num[0] has no events");
    t.events = KPI_EVENT_BIT(KPI_EVENT_REPLY);
    t.filter = 9;
    expect_add_error(reg, &d, KPI_EINVAL, "filter is 9");
    t.filter = KPI_FILTER_NONE;
    t.size = 8;
    expect_add_error(reg, &d, KPI_EINVAL, "KPI_METRIC_TERM_INIT");
    t.size = sizeof t;
    kpi_metric_term two[2] = {KPI_METRIC_TERM_INIT, KPI_METRIC_TERM_INIT};
    two[0].events = two[1].events = KPI_EVENT_BIT(KPI_EVENT_REPLY);
    two[1].filter = KPI_FILTER_LE;
    d.kind = KPI_METRIC_MAX;
    d.num = two;
    d.num_count = 2;
    expect_add_error(reg, &d, KPI_EINVAL, "share one filter");
    two[1].filter = KPI_FILTER_NONE;
    two[1].flags = KPI_TERM_NEGATE;
    expect_add_error(reg, &d, KPI_EINVAL, "cannot be negated");
    d.kind = KPI_METRIC_QUANTILE;
    d.num = &t;
    d.num_count = 1;
    d.q = KPI_DEC_ONE + 1;
    expect_add_error(reg, &d, KPI_EINVAL, "q must be between 0 and 1");
    d.q = 0;
    d.method = 99;
    expect_add_error(reg, &d, KPI_EINVAL, "unknown quantile method");
    d.size = 4;
    expect_add_error(reg, &d, KPI_EINVAL, "KPI_METRIC_DEF_INIT");
    assert_int_equal(kpi_metric_registry_add(NULL, &d, NULL), KPI_EINVAL);
    assert_int_equal(kpi_metric_registry_new(&reg, 8), KPI_EINVAL);
    assert_int_equal(kpi_metric_registry_new(NULL, 0), KPI_EINVAL);
    /* custom events: names, duplicates, running out of codes */
    uint16_t code;
    assert_int_equal(kpi_metric_registry_add_event(reg, "reply", &code), KPI_EDUPLICATE);
    assert_int_equal(kpi_metric_registry_add_event(reg, "Bad-Name", &code), KPI_EINVAL);
    for (int i = 0; i < KPI_EVENT_MAX - KPI_EVENT_CUSTOM; i++) {
        char name[16];
        snprintf(name, sizeof name, "ev%d", i);
        assert_int_equal(kpi_metric_registry_add_event(reg, name, &code), KPI_OK);
        assert_int_equal(code, KPI_EVENT_CUSTOM + i);
    }
    assert_int_equal(kpi_metric_registry_add_event(reg, "one_more", &code), KPI_ELIMIT);
    assert_null(kpi_metric_registry_def(reg, 9999));
    kpi_metric_registry_free(reg);
}

static void test_batch_errors(void **state)
{
    (void)state;
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.max_agents = 100;
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, &o), KPI_OK);
    uint32_t a[3] = {0, 1, 2};
    uint16_t e[3] = {KPI_EVENT_CONSULT, KPI_EVENT_CONSULT, 30};
    int64_t v[3] = {0}, t[3] = {0};
    assert_int_equal(kpi_metrics_add_batch(m, a, e, v, t, 3), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "event code 30"));
    assert_int_equal(kpi_error_offset(kpi_error_last()), 2);
    assert_int_equal(kpi_metrics_period_count(m), 0); /* nothing was added */
    e[2] = KPI_EVENT_CONSULT;
    a[1] = 100;
    assert_int_equal(kpi_metrics_add_batch(m, a, e, v, t, 3), KPI_ELIMIT);
    assert_int_equal(kpi_error_offset(kpi_error_last()), 1);
    assert_int_equal(kpi_metrics_add_batch_threads(m, a, e, v, t, 3, 2), KPI_ELIMIT);
    assert_int_equal(kpi_metrics_period_count(m), 0);
    a[1] = 1;
    assert_int_equal(kpi_metrics_add_batch(m, a, e, v, NULL, 3), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "needs the time column"));
    assert_int_equal(kpi_metrics_add_batch(m, NULL, e, v, t, 3), KPI_EINVAL);
    assert_int_equal(kpi_metrics_add_batch(m, NULL, NULL, NULL, NULL, 0), KPI_OK);
    assert_int_equal(kpi_metrics_add_batch_threads(m, a, e, v, t, 3, 0), KPI_EINVAL);
    assert_int_equal(kpi_metrics_add_batch_threads(m, a, e, v, t, 3, 65), KPI_EINVAL);
    assert_int_equal(kpi_metrics_add_batch(m, a, e, v, t, 3), KPI_OK);
    assert_int_equal(kpi_metrics_agent_count(m), 3);
    kpi_dec out;
    assert_int_equal(kpi_metrics_value(m, 0, 1, 0, &out), KPI_ENOTFOUND);
    assert_int_equal(kpi_metrics_value(m, 0, 0, 999, &out), KPI_ENOTFOUND);
    assert_int_equal(kpi_metrics_value(NULL, 0, 0, 0, &out), KPI_EINVAL);
    assert_int_equal(kpi_metrics_value(m, 0, 0, 0, NULL), KPI_EINVAL);
    kpi_metric_raw raw = {0};
    assert_int_equal(kpi_metrics_raw(m, 0, 0, 0, &raw), KPI_EINVAL);
    /* options */
    kpi_metrics *bad;
    o.period = 9;
    assert_int_equal(kpi_metrics_new(&bad, reg, &o), KPI_EINVAL);
    o.period = KPI_PERIOD_DAY;
    o.utc_offset_minutes = 1200;
    assert_int_equal(kpi_metrics_new(&bad, reg, &o), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "utc_offset_minutes"));
    o.utc_offset_minutes = 0;
    o.agents = 101;
    assert_int_equal(kpi_metrics_new(&bad, reg, &o), KPI_EINVAL);
    o.size = 3;
    assert_int_equal(kpi_metrics_new(&bad, reg, &o), KPI_EINVAL);
    /* merge refuses other definitions and other time grouping */
    kpi_metric_registry *reg2;
    assert_int_equal(kpi_metric_registry_new(&reg2, KPI_REGISTRY_BUILTINS), KPI_OK);
    assert_int_equal(kpi_metric_registry_set_threshold(reg2, 14, 10000), KPI_OK); /* service_level X */
    kpi_metrics *other, *monthly_utc;
    assert_int_equal(kpi_metrics_new(&other, reg2, NULL), KPI_OK);
    assert_int_equal(kpi_metrics_merge(m, other), KPI_EMISMATCH);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "different metric definitions"));
    kpi_metrics_options ou = KPI_METRICS_OPTIONS_INIT;
    ou.utc_offset_minutes = 0;
    assert_int_equal(kpi_metrics_new(&monthly_utc, reg, &ou), KPI_OK);
    assert_int_equal(kpi_metrics_merge(m, monthly_utc), KPI_EMISMATCH);
    assert_int_equal(kpi_metrics_merge(m, m), KPI_EINVAL);
    assert_int_equal(kpi_metrics_merge(NULL, m), KPI_EINVAL);
    kpi_metrics_reset(m);
    assert_int_equal(kpi_metrics_period_count(m), 0);
    kpi_metrics_free(other);
    kpi_metrics_free(monthly_utc);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg);
    kpi_metric_registry_free(reg2);
}

/* ---- allocation failures ---------------------------------------------------------- */


/* Counters only, 100 agents, rows spread over periods: any thread count
 * gives the same (2 000 rows per agent: every thread asked for runs; a
 * thread needs 256 rows per agent). */
static void test_threads_by_agent_range(void **state)
{
    (void)state;
    kpi_metric_registry *all, *reg;
    assert_int_equal(kpi_metric_registry_new(&all, KPI_REGISTRY_BUILTINS), KPI_OK);
    assert_int_equal(kpi_metric_registry_new(&reg, 0), KPI_OK);
    for (size_t i = 0; i < kpi_metric_registry_count(all); i++)
        if (kpi_metric_registry_def(all, i)->kind != KPI_METRIC_QUANTILE)
            assert_int_equal(kpi_metric_registry_add(reg, kpi_metric_registry_def(all, i), NULL),
                             KPI_OK);
    rows r = {0};
    uint64_t x = 5;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        push(&r, (uint32_t)(x % 100), (unsigned)((x >> 20) % KPI_EVENT_BUILTIN_COUNT) |
             ((x >> 40) % 5 == 0 ? KPI_EVENT_EXCUSED : 0), (int64_t)((x >> 24) % 100000) - 500,
             T_2026_11_01_0030_BJ + (int64_t)((x >> 30) % 3) * 2700000000LL);
    }
    kpi_metrics *one;
    assert_int_equal(kpi_metrics_new(&one, reg, NULL), KPI_OK);
    add(one, &r);
    for (unsigned threads = 2; threads <= 5; threads++) {
        kpi_metrics *m;
        assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK);
        /* half first (so some periods exist), then the rest on threads */
        assert_int_equal(kpi_metrics_add_batch(m, r.a, r.e, r.v, r.t, 1000), KPI_OK);
        assert_int_equal(kpi_metrics_add_batch_threads(m, r.a + 1000, r.e + 1000, r.v + 1000,
                                                       r.t + 1000, r.n - 1000, threads), KPI_OK);
        assert_true(same_state(m, one));
        kpi_metrics_free(m);
    }
    /* after KPI_ENOMEM the rows before the error's offset are in: add the others */
    assert_int_equal(kpi_set_allocator(fail_malloc, fail_realloc, plain_free, NULL), KPI_OK);
    bool done = false;
    for (long k = 0; !done && k < 1000; k++) {
        kpi_metrics *m = NULL;
        alloc_countdown = -1;
        assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK);
        assert_int_equal(kpi_metrics_add_batch(m, r.a, r.e, r.v, r.t, 1), KPI_OK);
        alloc_countdown = k;
        kpi_status st = kpi_metrics_add_batch_threads(m, r.a + 1, r.e + 1, r.v + 1, r.t + 1,
                                                      r.n - 1, 2);
        alloc_countdown = -1;
        done = st == KPI_OK;
        if (!done) {
            assert_int_equal(st, KPI_ENOMEM);
            long long off = kpi_error_offset(kpi_error_last());
            size_t from = 1 + (size_t)(off > 0 ? off : 0);
            assert_int_equal(kpi_metrics_add_batch(m, r.a + from, r.e + from, r.v + from,
                                                   r.t + from, r.n - from), KPI_OK);
            assert_true(same_state(m, one));
        } else {
            assert_true(same_state(m, one));
        }
        kpi_metrics_free(m);
    }
    assert_true(done);
    assert_int_equal(kpi_set_allocator(NULL, NULL, NULL, NULL), KPI_OK);
    kpi_metrics_free(one);
    kpi_metric_registry_free(reg);
    kpi_metric_registry_free(all);
    rows_free(&r);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    rows r = {0};
    for (uint32_t ag = 0; ag < 40; ag++) {
        chat_rows(&r, ag);
        call_rows(&r, ag);
    }
    for (size_t i = 0; i < r.n; i++) /* spread over three months */
        r.t[i] = T_2026_11_01_0030_BJ + (int64_t)(i % 3) * 2700000000LL;
    kpi_agents *ag;
    assert_int_equal(kpi_agents_new(&ag), KPI_OK);
    for (int i = 0; i < 40; i++) {
        char id[8];
        snprintf(id, sizeof id, "A%d", i);
        assert_int_equal(kpi_agents_add(ag, id, i % 2 ? "odd" : "even", "c", NULL), KPI_OK);
    }
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metrics *full, *half;
    assert_int_equal(kpi_metrics_new(&full, reg, NULL), KPI_OK);
    add(full, &r);
    size_t nstate;
    uint8_t *st_bytes = save(full, &nstate);
    assert_int_equal(kpi_set_allocator(fail_malloc, fail_realloc, plain_free, NULL), KPI_OK);
    for (int op = 0; op < 7; op++) {
        bool done = false;
        for (long k = 0; !done && k < 100000; k++) {
            kpi_metric_registry *rg = NULL;
            kpi_metrics *m = NULL, *out = NULL;
            kpi_agents *a2 = NULL;
            kpi_status st = KPI_OK;
            if (op >= 2) { /* the objects an operation works on, made without failures */
                assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK);
                if (op != 2)
                    assert_int_equal(kpi_metrics_add_batch(m, r.a, r.e, r.v, r.t, r.n / 2), KPI_OK);
            }
            alloc_countdown = k;
            switch (op) {
            case 0: st = kpi_metric_registry_new(&rg, KPI_REGISTRY_BUILTINS); break;
            case 1: st = kpi_metrics_new(&out, reg, NULL); break;
            case 2: st = kpi_metrics_add_batch(m, r.a, r.e, r.v, r.t, r.n); break;
            case 3: st = kpi_metrics_merge(m, full); break;
            case 4: st = kpi_metrics_load(&out, reg, st_bytes, nstate, 0); break;
            case 5: st = kpi_metrics_rollup(&out, full, ag, KPI_LEVEL_TEAM); break;
            default:
                st = kpi_agents_new(&a2);
                for (int i = 0; st == KPI_OK && i < 40; i++)
                    st = kpi_agents_add(a2, kpi_agents_id(ag, KPI_LEVEL_AGENT, (uint32_t)i),
                                        i % 2 ? "odd" : "even", "c", NULL);
                break;
            }
            alloc_countdown = -1;
            done = st == KPI_OK;
            if (!done) {
                assert_int_equal(st, KPI_ENOMEM);
                assert_int_equal(kpi_error_code(kpi_error_last()), KPI_ENOMEM);
                if (op == 3) { /* a failed merge leaves dst unchanged */
                    assert_int_equal(kpi_metrics_new(&half, reg, NULL), KPI_OK);
                    assert_int_equal(kpi_metrics_add_batch(half, r.a, r.e, r.v, r.t, r.n / 2), KPI_OK);
                    assert_true(same_state(m, half));
                    kpi_metrics_free(half);
                }
                if (op == 2) { /* rows before the offset are in, the others not: finish them */
                    long long off = kpi_error_offset(kpi_error_last());
                    assert_true(off >= 0 && (size_t)off <= r.n);
                    assert_int_equal(kpi_metrics_add_batch(m, r.a + off, r.e + off, r.v + off,
                                                           r.t + off, r.n - (size_t)off), KPI_OK);
                    assert_true(same_state(m, full));
                }
            } else if (op == 2 || op == 4) {
                assert_true(same_state(op == 2 ? m : out, full));
            }
            kpi_metric_registry_free(rg);
            kpi_metrics_free(m);
            kpi_metrics_free(out);
            kpi_agents_free(a2);
        }
        if (!done)
            fail_msg("operation %d never succeeded", op);
    }
    assert_int_equal(kpi_set_allocator(NULL, NULL, NULL, NULL), KPI_OK);
    free(st_bytes);
    kpi_metrics_free(full);
    kpi_metric_registry_free(reg);
    kpi_agents_free(ag);
    rows_free(&r);
}

/*
 * Large batches with exact quantiles go through the staged path (room
 * reserved for a window of rows in one period, then the rows staged a
 * chunk at a time), small ones straight to the stores: both must build
 * the very state batches of 1000 rows build, cut windows where one store
 * would take too much or the period ends, and under allocation failures
 * keep exactly the rows before the offset (no empty period, no grown agent
 * range).
 */
/*
 * Adds @r's rows to a fresh accumulator of @reg (on @threads threads)
 * under every allocation failure in turn: a failed batch must hold exactly
 * the rows before the error's offset (no more, no less), and with the rest
 * added after, the state of @whole. Returns the failures seen.
 */
static long failure_sweep(const kpi_metric_registry *reg, const rows *r, unsigned threads,
                          const kpi_metrics *whole)
{
    assert_int_equal(kpi_set_allocator(fail_malloc, fail_realloc, plain_free, NULL), KPI_OK);
    bool done = false;
    long failed = 0;
    for (long k = 0; !done && k < 100000; k++) {
        kpi_metrics *m;
        assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK);
        alloc_countdown = k;
        kpi_status st = threads > 1 ? kpi_metrics_add_batch_threads(m, r->a, r->e, r->v, r->t,
                                                                    r->n, threads)
                                    : kpi_metrics_add_batch(m, r->a, r->e, r->v, r->t, r->n);
        alloc_countdown = -1;
        done = st == KPI_OK;
        if (!done) {
            failed++;
            assert_int_equal(st, KPI_ENOMEM);
            long long off = kpi_error_offset(kpi_error_last());
            assert_true(off >= 0 && (size_t)off <= r->n);
            kpi_metrics *before;
            assert_int_equal(kpi_metrics_new(&before, reg, NULL), KPI_OK);
            assert_int_equal(kpi_metrics_add_batch(before, r->a, r->e, r->v, r->t, (size_t)off),
                             KPI_OK);
            assert_true(same_state(m, before));
            kpi_metrics_free(before);
            assert_int_equal(kpi_metrics_add_batch(m, r->a + off, r->e + off, r->v + off,
                                                   r->t + off, r->n - (size_t)off), KPI_OK);
        }
        assert_true(same_state(m, whole));
        kpi_metrics_free(m);
    }
    assert_int_equal(kpi_set_allocator(NULL, NULL, NULL, NULL), KPI_OK);
    assert_true(done);
    return failed;
}

/* Every buffer of @m within max(2048, 2 x its store's distinct values), and
 * every sketch's pending values within 256. */
static void check_buffer_bound(const kpi_metrics *m)
{
    for (size_t p = 0; p < m->nperiods; p++)
        for (size_t j = 0; j < m->agents * m->s->stores; j++) {
            const kpi__qstore *q = &m->periods[p].stores[j];
            kpi__qview v;
            assert_int_equal(kpi__qs_view(q, &v), KPI_OK);
            size_t bound = 2 * v.n > 2048 ? 2 * v.n : 2048;
            if (q->cappend > bound)
                fail_msg("a buffer of %u values for %zu distinct ones", q->cappend, v.n);
            kpi__qview_free(&v);
        }
    for (size_t p = 0; p < m->nperiods; p++) /* sketches keep at most 256 values pending */
        for (size_t j = 0; j < m->agents * m->s->sketches; j++) {
            const kpi__skstore *k = &m->periods[p].sketches[j];
            if (k->npend > KPI__SKS_PEND_MAX || k->cappend > KPI__SKS_PEND_MAX)
                fail_msg("a sketch store with %u of %u values pending", k->npend, k->cappend);
        }
}

/* Without a heavy agent each period is one window: every buffer of @m was
 * allocated once, for exactly the replies (excused or not) of its agent. */
static void check_exact_room(const kpi_metrics *m, const rows *r, uint32_t agents)
{
    uint32_t *replies = calloc(m->nperiods * agents, sizeof *replies);
    assert_non_null(replies);
    for (size_t i = 0; i < r->n; i++)
        for (size_t p = 0; p < m->nperiods; p++)
            if (r->t[i] >= m->periods[p].start_ms && r->t[i] < m->periods[p].end_ms)
                replies[p * agents + r->a[i]] +=
                    (r->e[i] & ~KPI_EVENT_EXCUSED) == KPI_EVENT_REPLY;
    for (size_t p = 0; p < m->nperiods; p++)
        for (uint32_t a = 0; a < agents; a++) {
            const kpi__qstore *q = &m->periods[p].stores[a * m->s->stores];
            if (q->cappend != replies[p * agents + a])
                fail_msg("agent %u, period %zu: room for %u values, %u replies", a, p,
                         q->cappend, replies[p * agents + a]);
        }
    free(replies);
}

/* @heavy: agent 0 takes a third of the rows (more than a window may give
 * one store); @mixed: 1, the months' rows interleaved (the period changes
 * every row: those rows go straight to the stores), 2, only the middle
 * third's (staged, direct, staged again in one batch); @failures: also
 * every allocation failure in turn. */
static void staged_quantiles(int nrows, uint32_t agents, int months, bool heavy, int mixed,
                             bool failures)
{
    rows r = {0};
    uint64_t x = 99;
    for (int i = 0; i < nrows; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t a = heavy && x % 3 == 0 ? 0 : (uint32_t)(x >> 8) % agents;
        static const unsigned kinds[] = {KPI_EVENT_REPLY, KPI_EVENT_REPLY, KPI_EVENT_CONSULT,
                                         KPI_EVENT_CALL_ANSWERED, KPI_EVENT_REPLY | KPI_EVENT_EXCUSED};
        /* the heavy agent's values repeat: few distinct values keep its
         * bound at 2 048 while a window brings it thousands */
        push(&r, a, kinds[(x >> 20) % 5], (int64_t)((x >> 24) % (a == 0 && heavy ? 50 : 5000)) * 10,
             0);
        const bool interleaved = mixed == 1 || (mixed == 2 && i >= nrows / 3 && i < 2 * nrows / 3);
        r.t[r.n - 1] = T_2026_11_01_0030_BJ +
                       (int64_t)(interleaved ? i % months : i / (nrows / months)) * 2700000000LL;
    }
    kpi_metric_registry *reg; /* the built-ins, and a sketched p90: its appends can fail too */
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    add_sketched_p90(reg);
    kpi_metrics *whole, *small;
    assert_int_equal(kpi_metrics_new(&whole, reg, NULL), KPI_OK);
    assert_int_equal(kpi_metrics_new(&small, reg, NULL), KPI_OK);
    assert_int_equal(kpi_metrics_add_batch(whole, r.a, r.e, r.v, r.t, r.n), KPI_OK);
    for (size_t i = 0; i < r.n; i += 1000) /* batches below the staging size */
        assert_int_equal(kpi_metrics_add_batch(small, r.a + i, r.e + i, r.v + i, r.t + i,
                                               r.n - i < 1000 ? r.n - i : 1000), KPI_OK);
    assert_true(same_state(whole, small));
    check_buffer_bound(whole);
    check_buffer_bound(small);
    if (!mixed && nrows >= 16384) { /* without a sketch: its 256 values cut windows */
        kpi_metric_registry *exact;
        kpi_metrics *only_exact, *exact_small;
        assert_int_equal(kpi_metric_registry_new(&exact, KPI_REGISTRY_BUILTINS), KPI_OK);
        assert_int_equal(kpi_metrics_new(&only_exact, exact, NULL), KPI_OK);
        assert_int_equal(kpi_metrics_new(&exact_small, exact, NULL), KPI_OK);
        assert_int_equal(kpi_metrics_add_batch(only_exact, r.a, r.e, r.v, r.t, r.n), KPI_OK);
        for (size_t i = 0; i < r.n; i += 1000)
            assert_int_equal(kpi_metrics_add_batch(exact_small, r.a + i, r.e + i, r.v + i,
                                                   r.t + i, r.n - i < 1000 ? r.n - i : 1000),
                             KPI_OK);
        assert_true(same_state(only_exact, exact_small));
        /* a heavy agent's store passes its bound within the window, and is
         * compacted back within it when the window ends */
        check_buffer_bound(only_exact);
        if (!heavy)
            check_exact_room(only_exact, &r, agents);
        kpi_metrics_free(only_exact);
        kpi_metrics_free(exact_small);
        kpi_metric_registry_free(exact);
    }
    if (failures)
        assert_true(failure_sweep(reg, &r, 1, whole) > 10);
    kpi_metrics_free(whole);
    kpi_metrics_free(small);
    kpi_metric_registry_free(reg);
    rows_free(&r);
}

static void test_staged_quantiles(void **state)
{
    (void)state;
    staged_quantiles(6000, 6, 3, true, 0, true); /* below the staging size: direct */
    staged_quantiles(20000, 6, 3, true, 0, true); /* staged: windows cut by the periods */
    staged_quantiles(20000, 6, 1, true, 0, true); /* cut where agent 0's store fills */
    staged_quantiles(20000, 6, 3, false, 1, true); /* the period changes every row */
    staged_quantiles(20000, 6, 3, false, 2, true); /* ... in the middle third */
    /* windows of more than one chunk (QCHUNK rows), the last one short */
    staged_quantiles(600000, 1000, 1, false, 0, false);
    staged_quantiles(600000, 1000, 2, false, 0, false);
    staged_quantiles(200000, 1000, 3, false, 2, false);
}

/*
 * A staged window ends at the first row of another period, found a block
 * of rows at a time: lone rows of the next month inside a long run of one
 * month, at each position a block test can see them in (every lane of
 * four, a block's first and last row), must each end a window, with and
 * without a sketch (the quick count of one exact store, and the general
 * one).
 */
static void test_staged_stray_rows(void **state)
{
    (void)state;
    /* each window starts after the last lone row, and its blocks of 1 024
     * rows with it (runs shorter than 1 024 rows are not staged): lone rows
     * at lanes 0, 1, 2, 3 of a block, a block's last row, a block's first
     * row, the batch's last row */
    const size_t gaps[] = {5000, 1024 + 1, 2048 + 2, 1024 + 3, 2047, 2048};
    size_t lone[sizeof gaps / sizeof gaps[0] + 1], at = 0;
    for (size_t k = 0; k < sizeof gaps / sizeof gaps[0]; k++) {
        lone[k] = at + gaps[k];
        at = lone[k] + 1;
    }
    lone[sizeof gaps / sizeof gaps[0]] = 39999;
    rows r = {0};
    uint64_t x = 5;
    for (size_t i = 0; i < 40000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        bool stray = false;
        for (size_t k = 0; k < sizeof lone / sizeof lone[0]; k++)
            stray |= lone[k] == i;
        push(&r, (uint32_t)(x >> 8) % 50, (x >> 20) % 3 ? KPI_EVENT_REPLY : KPI_EVENT_CONSULT,
             (int64_t)((x >> 24) % 5000) * 10,
             T_2026_11_01_0030_BJ + (stray ? 2700000000LL : (int64_t)(i * 1000)));
    }
    for (int with_sketch = 0; with_sketch < 2; with_sketch++) {
        kpi_metric_registry *reg;
        assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
        if (with_sketch)
            add_sketched_p90(reg);
        check_row_by_row(reg, NULL, &r, 2);
        kpi_metric_registry_free(reg);
    }
    rows_free(&r);
}

/*
 * kpi_metrics_add_batch_threads with exact quantiles and no sketch: each
 * window's rows are shared among lanes that move their values into the
 * same buffers, each lane's after the lanes before it. Months in order (a
 * window each), then interleaved (the direct way), a filtered quantile
 * (lanes leave room they counted but did not fill), a heavy agent with
 * repeating values (its store compacted when the window ends): every
 * thread count gives the state of one pass, within the memory bound, and
 * under every allocation failure exactly the rows before the offset are
 * in.
 */
static void test_staged_lanes(void **state)
{
    (void)state;
    rows r = {0};
    uint64_t x = 17;
    for (int i = 0; i < 24000; i++) { /* 8 agents: 2 048 rows are worth a lane */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const uint32_t a = x % 4 == 0 ? 0 : (uint32_t)(x >> 8) % 8;
        static const unsigned kinds[] = {KPI_EVENT_REPLY, KPI_EVENT_REPLY, KPI_EVENT_CONSULT,
                                         KPI_EVENT_CALL_ANSWERED,
                                         KPI_EVENT_REPLY | KPI_EVENT_EXCUSED};
        const int month = i < 16000 ? i / 8000 : i % 3; /* in order, then interleaved */
        push(&r, a, kinds[(x >> 20) % 5], (int64_t)((x >> 24) % (a == 0 ? 40 : 4000)) * 1000,
             T_2026_11_01_0030_BJ + month * 2700000000LL + (int64_t)(x >> 40) % 1000);
    }
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    kpi_metric_term fast = KPI_METRIC_TERM_INIT; /* replies within 20 s: a filtered population */
    fast.agg = KPI_AGG_SUM;
    fast.events = KPI_EVENT_BIT(KPI_EVENT_REPLY);
    fast.filter = KPI_FILTER_LE;
    fast.threshold = 20000;
    kpi_metric_def d = KPI_METRIC_DEF_INIT;
    d.id = "fast_reply_p50";
    d.kind = KPI_METRIC_QUANTILE;
    d.unit = KPI_UNIT_SECOND;
    d.num = &fast;
    d.num_count = 1;
    d.q = 500000000;
    assert_int_equal(kpi_metric_registry_add(reg, &d, NULL), KPI_OK);
    kpi_metrics *one;
    assert_int_equal(kpi_metrics_new(&one, reg, NULL), KPI_OK);
    assert_int_equal(kpi_metrics_add_batch(one, r.a, r.e, r.v, r.t, r.n), KPI_OK);
    assert_int_equal(kpi_metrics_period_count(one), 3);
    check_buffer_bound(one);
    for (unsigned threads = 2; threads <= 5; threads++) {
        kpi_metrics *m;
        assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK);
        assert_int_equal(kpi_metrics_add_batch_threads(m, r.a, r.e, r.v, r.t, r.n, threads),
                         KPI_OK);
        assert_true(same_state(m, one));
        check_buffer_bound(m);
        kpi_metrics_free(m);
    }
    assert_true(failure_sweep(reg, &r, 3, one) > 10);
    kpi_metrics_free(one);
    kpi_metric_registry_free(reg);
    rows_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staged_lanes),
        cmocka_unit_test(test_staged_stray_rows),
        cmocka_unit_test(test_builtin_registry),
        cmocka_unit_test(test_chat_builtins),
        cmocka_unit_test(test_call_centre_builtins),
        cmocka_unit_test(test_not_available),
        cmocka_unit_test(test_accumulator_kinds),
        cmocka_unit_test(test_big_sums_and_squares),
        cmocka_unit_test(test_split_sums),
        cmocka_unit_test(test_threshold_edges),
        cmocka_unit_test(test_staged_quantiles),
        cmocka_unit_test(test_unsorted_periods),
        cmocka_unit_test(test_periods_time_zone),
        cmocka_unit_test(test_agents_and_rollup),
        cmocka_unit_test(test_rollup_quantiles_both_paths),
        cmocka_unit_test(test_quantiles_against_numpy),
        cmocka_unit_test(test_radix_sort),
        cmocka_unit_test(test_quantile_selection_matches_runs),
        cmocka_unit_test(test_quantile_memory),
        cmocka_unit_test(test_definition_errors),
        cmocka_unit_test(test_batch_errors),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_threads_by_agent_range),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
