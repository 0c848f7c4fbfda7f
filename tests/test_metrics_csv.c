#define _POSIX_C_SOURCE 200809L
/* test_metrics_csv.c - events CSV into accumulators: the bundled sample
 * against an independent column-array ingest, threads, streaming in odd
 * pieces, every error with its location, progress and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics_internal.h"
#include "alloc_countdown.h"
#include "metrics_state_util.h"

#ifndef SAMPLE_EVENTS
#error "SAMPLE_EVENTS (path of examples/data/sample/events.csv) must be defined"
#endif

/* ---- helpers ------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static bool same_agents(const kpi_agents *a, const kpi_agents *b)
{
    size_t n = kpi_agents_count(a, KPI_LEVEL_AGENT);
    if (n != kpi_agents_count(b, KPI_LEVEL_AGENT))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(kpi_agents_id(a, KPI_LEVEL_AGENT, i), kpi_agents_id(b, KPI_LEVEL_AGENT, i)))
            return false;
    return true;
}

static kpi_metric_registry *registry(void)
{
    kpi_metric_registry *reg;
    assert_int_equal(kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS), KPI_OK);
    return reg;
}

static kpi_metrics *month(const kpi_metric_registry *reg)
{
    kpi_metrics *m;
    assert_int_equal(kpi_metrics_new(&m, reg, NULL), KPI_OK); /* month, UTC+08:00 */
    return m;
}

static void ingest_ok(kpi_metrics *m, kpi_agents *ag, const char *csv, size_t len,
                      const kpi_metrics_csv_options *o, kpi_metrics_csv_result *res)
{
    kpi_status st = kpi_metrics_ingest_csv(m, ag, csv, len, o, res);
    if (st != KPI_OK)
        fail_msg("ingest: %s", kpi_error_text(kpi_error_last()));
}

/* days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm) */
static int64_t civil_days(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

typedef struct {
    uint32_t *a;
    uint16_t *e;
    int64_t *v, *t;
    size_t n;
} cols;

/*
 * The sample read with a plain loop (no kpiscore CSV code): agents in order
 * of first appearance, times as Beijing local time.
 */
static cols plain_parse(char *text, const kpi_metric_registry *reg, kpi_agents *ag)
{
    size_t cap = 1;
    for (char *p = text; *p; p++)
        cap += *p == '\n';
    cols c = {malloc(cap * 4), malloc(cap * 2), malloc(cap * 8), malloc(cap * 8), 0};
    char *save_line = NULL;
    char *line = strtok_r(text, "\n", &save_line); /* the header */
    assert_string_equal(line, "agent,time,event,value");
    while ((line = strtok_r(NULL, "\n", &save_line)) != NULL) {
        char agent[32], event[32];
        int y, mo, d, h, mi, s;
        long long value;
        assert_int_equal(sscanf(line, "%31[^,],%d-%d-%d %d:%d:%d,%31[^,],%lld", agent, &y, &mo, &d,
                                &h, &mi, &s, event, &value), 9);
        uint32_t idx;
        if (kpi_agents_find(ag, KPI_LEVEL_AGENT, agent, &idx) != KPI_OK)
            assert_int_equal(kpi_agents_add(ag, agent, NULL, NULL, &idx), KPI_OK);
        uint16_t code;
        assert_int_equal(kpi_metric_registry_event_find(reg, event, &code), KPI_OK);
        c.a[c.n] = idx;
        c.e[c.n] = code;
        c.v[c.n] = value;
        c.t[c.n] = ((civil_days(y, mo, d) * 24 + h) * 60 + mi - 480) * 60000 + s * 1000;
        c.n++;
    }
    return c;
}

static void cols_free(cols *c)
{
    free(c->a);
    free(c->e);
    free(c->v);
    free(c->t);
}

/* @csv ingested into daily accumulators (every local midnight a boundary)
 * equals its columns read by plain_parse(); it spans @days days. */
static void expect_daily_same(const char *csv, size_t len, size_t days)
{
    char *copy = strdup(csv);
    assert_non_null(copy);
    kpi_metric_registry *reg = registry();
    kpi_agents *ag1, *ag2;
    assert_int_equal(kpi_agents_new(&ag1), KPI_OK);
    assert_int_equal(kpi_agents_new(&ag2), KPI_OK);
    kpi_metrics_options daily = KPI_METRICS_OPTIONS_INIT;
    daily.period = KPI_PERIOD_DAY;
    kpi_metrics *by_csv, *by_cols;
    assert_int_equal(kpi_metrics_new(&by_csv, reg, &daily), KPI_OK);
    assert_int_equal(kpi_metrics_new(&by_cols, reg, &daily), KPI_OK);
    kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
    o.flags = KPI_METRICS_CSV_ADD_AGENTS;
    ingest_ok(by_csv, ag1, csv, len, &o, NULL);
    cols c = plain_parse(copy, reg, ag2);
    assert_int_equal(kpi_metrics_add_batch(by_cols, c.a, c.e, c.v, c.t, c.n), KPI_OK);
    assert_int_equal(kpi_metrics_period_count(by_csv), days);
    assert_true(same_agents(ag1, ag2));
    assert_true(same_state(by_csv, by_cols));
    kpi_metrics_free(by_csv);
    kpi_metrics_free(by_cols);
    kpi_agents_free(ag1);
    kpi_agents_free(ag2);
    kpi_metric_registry_free(reg);
    cols_free(&c);
    free(copy);
}

/* ---- the bundled sample ------------------------------------------------- */

static void test_sample_matches_columns(void **state)
{
    (void)state;
    size_t len;
    char *csv = slurp(SAMPLE_EVENTS, &len);
    char *copy = strdup(csv);
    kpi_metric_registry *reg = registry();
    kpi_agents *ag1, *ag2;
    assert_int_equal(kpi_agents_new(&ag1), KPI_OK);
    assert_int_equal(kpi_agents_new(&ag2), KPI_OK);
    kpi_metrics *by_csv = month(reg), *by_cols = month(reg);

    kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
    o.flags = KPI_METRICS_CSV_ADD_AGENTS;
    o.source = "events.csv";
    kpi_metrics_csv_result res = KPI_METRICS_CSV_RESULT_INIT;
    ingest_ok(by_csv, ag1, csv, len, &o, &res);
    assert_int_equal(res.rows, 29016);
    assert_int_equal(res.added, 29016);
    assert_int_equal(res.skipped, 0);
    assert_int_equal(res.new_agents, 24);
    assert_int_equal(res.bytes, len);

    cols c = plain_parse(copy, reg, ag2);
    assert_int_equal(c.n, 29016);
    assert_int_equal(kpi_metrics_add_batch(by_cols, c.a, c.e, c.v, c.t, c.n), KPI_OK);
    assert_true(same_agents(ag1, ag2));
    assert_true(same_state(by_csv, by_cols));
    /* July to September 2026 in Beijing */
    assert_int_equal(kpi_metrics_period_count(by_csv), 3);
    char label[16];
    kpi_metrics_period_label(by_csv, 0, label, sizeof label);
    assert_string_equal(label, "2026-07");

    /* the same file with known agents only (no flag) gives the same */
    kpi_metrics *again = month(reg);
    kpi_metrics_csv_options strict = KPI_METRICS_CSV_OPTIONS_INIT;
    ingest_ok(again, ag1, csv, len, &strict, NULL);
    assert_true(same_state(again, by_cols));
    /* and ingesting twice doubles into the accumulator (it adds) */
    ingest_ok(again, ag1, csv, len, &strict, NULL);
    assert_false(same_state(again, by_cols));
    assert_int_equal(kpi_metrics_merge(by_cols, by_csv), KPI_OK);
    assert_true(same_state(again, by_cols));

    /* by day too: every local midnight is a boundary */
    expect_daily_same(csv, len, 92);

    kpi_metrics_free(again);
    kpi_metrics_free(by_csv);
    kpi_metrics_free(by_cols);
    kpi_agents_free(ag1);
    kpi_agents_free(ag2);
    kpi_metric_registry_free(reg);
    cols_free(&c);
    free(copy);
    free(csv);
}

/*
 * The conversion caches the last minute and 64 dates; a time is only seen
 * through its period, so each row here sits next to one with the same
 * clock time on another day (each digit of the date differing in turn),
 * or at the other end of the same day, and days are the periods: a cache hit
 * taken for the wrong date moves a row to another day.
 */
static void test_time_caches_by_day(void **state)
{
    (void)state;
    static const char *const dates[] = {
        "2026-07-31", "2026-07-30", "1026-07-30", "2026-08-31", "2026-07-21", "2026-06-30", "2025-07-31",
        "2016-07-31", "2026-12-31", "2027-01-01", "2026-07-01", "2026-07-11", "2026-10-31"};
    static const char *const clocks[] = {"12:34:56", "12:34:57", "23:59:59", "00:00:00",
                                         "12:34:05", "23:59:58"};
    size_t cap = 64 + 64 * 2 * 13 * 6 * 2, k = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    k += (size_t)snprintf(csv + k, cap - k, "agent,time,event,value\n");
    for (int round = 0; round < 2; round++) /* the second time every date is cached */
        for (size_t c = 0; c < 6; c++)
            for (size_t d = 0; d < 13; d++) /* same clock, the next date: the minute cache */
                k += (size_t)snprintf(csv + k, cap - k, "A%d,%s %s,consult,1\n", (int)(d % 3),
                                      dates[(d + (size_t)round) % 13], clocks[c]);
    for (size_t d = 0; d < 13; d++) /* both ends of each day */
        k += (size_t)snprintf(csv + k, cap - k, "A0,%s 23:59:59,reply,40\nA0,%s 00:00:00,reply,41\n",
                              dates[d], dates[d]);
    assert_true(k < cap);
    expect_daily_same(csv, k, 13);
    free(csv);
}

/*
 * A file over 3 MiB, so that two and three threads really split it: the
 * sample, then the sample again with the agents renamed (B001...) so that
 * new agents first appear in a later chunk, and quoted fields.
 */
static char *big_file(size_t *len)
{
    size_t n;
    char *s = slurp(SAMPLE_EVENTS, &n);
    char *body = strchr(s, '\n') + 1;
    size_t nb = n - (size_t)(body - s);
    char *out = malloc(n + 3 * nb + 64);
    assert_non_null(out);
    size_t k = 0;
    memcpy(out, "agent,time,event,value,note\n", 28);
    k = 28;
    for (int copy = 0; copy < 3; copy++) {
        for (size_t i = 0; i < nb;) {
            size_t e = i;
            while (body[e] != '\n')
                e++;
            size_t line_len = e - i;
            memcpy(out + k, body + i, line_len);
            if (copy == 1)
                out[k] = 'B';
            k += line_len;
            const char *note = copy == 2 ? ",\"a, \"\"quoted\"\"\nnote\"\n" : ",\n";
            memcpy(out + k, note, strlen(note));
            k += strlen(note);
            i = e + 1;
        }
    }
    free(s);
    *len = k;
    return out;
}

static void test_threads_identical(void **state)
{
    (void)state;
    size_t len;
    char *csv = big_file(&len);
    assert_true(len > 3u << 20);
    kpi_metric_registry *reg = registry();
    kpi_metrics *ref = NULL;
    kpi_agents *ref_ag = NULL;
    for (unsigned threads = 1; threads <= 4; threads++) {
        kpi_agents *ag;
        assert_int_equal(kpi_agents_new(&ag), KPI_OK);
        assert_int_equal(kpi_agents_add(ag, "A003", "t", "c", NULL), KPI_OK); /* one known */
        kpi_metrics *m = month(reg);
        kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
        o.flags = KPI_METRICS_CSV_ADD_AGENTS;
        o.threads = threads;
        kpi_metrics_csv_result res = KPI_METRICS_CSV_RESULT_INIT;
        ingest_ok(m, ag, csv, len, &o, &res);
        assert_int_equal(res.rows, 3 * 29016);
        assert_int_equal(res.new_agents, 47);
        assert_int_equal(kpi_agents_count(ag, KPI_LEVEL_AGENT), 48);
        assert_string_equal(kpi_agents_id(ag, KPI_LEVEL_AGENT, 0), "A003");
        assert_string_equal(kpi_agents_id(ag, KPI_LEVEL_AGENT, 1), "A001");
        assert_string_equal(kpi_agents_id(ag, KPI_LEVEL_AGENT, 24), "B001");
        if (!ref) {
            ref = m;
            ref_ag = ag;
            continue;
        }
        assert_true(same_agents(ag, ref_ag));
        assert_true(same_state(m, ref));
        kpi_metrics_free(m);
        kpi_agents_free(ag);
    }
    kpi_metrics_free(ref);
    kpi_agents_free(ref_ag);
    kpi_metric_registry_free(reg);
    free(csv);
}

static void test_stream_odd_pieces(void **state)
{
    (void)state;
    size_t len;
    char *csv = big_file(&len);
    len /= 4; /* a prefix ending inside a row is bad CSV: cut at a row end */
    while (csv[len - 1] != '\n' || csv[len - 2] != ',')
        len--;
    kpi_metric_registry *reg = registry();
    kpi_agents *ref_ag;
    assert_int_equal(kpi_agents_new(&ref_ag), KPI_OK);
    kpi_metrics *ref = month(reg);
    kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
    o.flags = KPI_METRICS_CSV_ADD_AGENTS;
    ingest_ok(ref, ref_ag, csv, len, &o, NULL);
    const size_t pieces[] = {1, 7, 4093, 65536 + 3, 1u << 20};
    srand(12);
    for (size_t p = 0; p <= sizeof pieces / sizeof pieces[0]; p++) {
        kpi_agents *ag;
        assert_int_equal(kpi_agents_new(&ag), KPI_OK);
        kpi_metrics *m = month(reg);
        kpi_metrics_csv *s;
        assert_int_equal(kpi_metrics_csv_new(&s, m, ag, &o), KPI_OK);
        for (size_t at = 0; at < len;) {
            size_t step = p < sizeof pieces / sizeof pieces[0] ? pieces[p] : 1 + (size_t)rand() % 9000;
            step = step < len - at ? step : len - at;
            assert_int_equal(kpi_metrics_csv_feed(s, csv + at, step), KPI_OK);
            at += step;
        }
        /* nothing reaches the caller's objects before finish */
        assert_int_equal(kpi_metrics_period_count(m), 0);
        assert_int_equal(kpi_agents_count(ag, KPI_LEVEL_AGENT), 0);
        kpi_metrics_csv_result res = KPI_METRICS_CSV_RESULT_INIT;
        assert_int_equal(kpi_metrics_csv_finish(s, &res), KPI_OK);
        assert_int_equal(res.bytes, len);
        assert_int_equal(kpi_metrics_csv_feed(s, "x", 1), KPI_EINVAL); /* finished */
        kpi_metrics_csv_free(s);
        assert_true(same_agents(ag, ref_ag));
        assert_true(same_state(m, ref));
        kpi_metrics_free(m);
        kpi_agents_free(ag);
    }
    kpi_metrics_free(ref);
    kpi_agents_free(ref_ag);
    kpi_metric_registry_free(reg);
    free(csv);
}

/* ---- columns, flags, values ---------------------------------------------- */

static void test_columns_and_flags(void **state)
{
    (void)state;
    kpi_metric_registry *reg = registry();
    kpi_agents *ag;
    assert_int_equal(kpi_agents_new(&ag), KPI_OK);
    assert_int_equal(kpi_agents_add(ag, "小王", "一组", "杭州", NULL), KPI_OK);
    /* columns in any order, extra ones ignored, quoted fields, CRLF, excused, ISO times */
    const char *csv =
        "\xEF\xBB\xBF" "value,excused,event,extra,time,agent\r\n"
        "0,0,delivery,x,2026-11-01 00:30:00,小王\r\n"
        "3600000,1,delivery,\"y,z\",2026-11-02T08:00:00+08:00,小王\r\n"
        "5000,,delivery,,2026-11-03 10:00:00.250,\"小王\"\r\n"
        "12345,0,payment,,2026-10-31T16:30:00Z,小王\r\n"
        ",0,consult,,2026-11-05,小王\r\n";
    kpi_metrics *m = month(reg);
    kpi_metrics_csv_result res = KPI_METRICS_CSV_RESULT_INIT;
    ingest_ok(m, ag, csv, strlen(csv), NULL, &res);
    assert_int_equal(res.rows, 5);
    assert_int_equal(kpi_metrics_period_count(m), 1); /* all in November, Beijing */
    size_t idx;
    kpi_dec v;
    /* on-time: 1 of the 2 unexcused deliveries */
    assert_int_equal(kpi_metric_registry_find(reg, "on_time_delivery", &idx), KPI_OK);
    assert_int_equal(kpi_metrics_value(m, 0, 0, idx, &v), KPI_OK);
    assert_int_equal(v, KPI_DEC_ONE / 2);
    assert_int_equal(kpi_metric_registry_find(reg, "sales", &idx), KPI_OK);
    assert_int_equal(kpi_metrics_value(m, 0, 0, idx, &v), KPI_OK);
    assert_int_equal(v, 12345 * (KPI_DEC_ONE / 100)); /* 123.45 yuan */
    assert_int_equal(kpi_metric_registry_find(reg, "consultations", &idx), KPI_OK);
    assert_int_equal(kpi_metrics_value(m, 0, 0, idx, &v), KPI_OK);
    assert_int_equal(v, KPI_DEC_ONE);
    kpi_metrics_free(m);

    /* yuan with decimals for money events (and only for them) */
    const char *yuan = "agent,time,event,value\n"
                       "小王,2026-11-01 09:00:00,payment,12.50\n"
                       "小王,2026-11-01 09:00:00,payment,\"1,000\"\n"
                       "小王,2026-11-01 09:00:00,reply,1500\n";
    m = month(reg);
    kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
    o.flags = KPI_METRICS_CSV_MONEY_YUAN;
    ingest_ok(m, ag, yuan, strlen(yuan), &o, NULL);
    assert_int_equal(kpi_metric_registry_find(reg, "sales", &idx), KPI_OK);
    assert_int_equal(kpi_metrics_value(m, 0, 0, idx, &v), KPI_OK);
    assert_int_equal(v, 101250 * (KPI_DEC_ONE / 100)); /* 1 012.50 yuan */
    assert_int_equal(kpi_metric_registry_find(reg, "response_time", &idx), KPI_OK);
    assert_int_equal(kpi_metrics_value(m, 0, 0, idx, &v), KPI_OK);
    assert_int_equal(v, 1500 * (KPI_DEC_ONE / 1000)); /* 1.5 s: reply stays in ms */
    kpi_metrics_free(m);

    /* unknown events skipped and counted; no time column with KPI_PERIOD_ALL */
    const char *skip = "agent,event,value\n小王,consult,1\n小王,complaint,1\n小王,coffee,2\n";
    kpi_metrics_options mo = KPI_METRICS_OPTIONS_INIT;
    mo.period = KPI_PERIOD_ALL;
    assert_int_equal(kpi_metrics_new(&m, reg, &mo), KPI_OK);
    o.flags = KPI_METRICS_CSV_SKIP_UNKNOWN_EVENTS;
    ingest_ok(m, ag, skip, strlen(skip), &o, &res);
    assert_int_equal(res.rows, 3);
    assert_int_equal(res.added, 1);
    assert_int_equal(res.skipped, 2);
    kpi_metrics_free(m);

    /* a plan-defined event kind is a name like the built-ins */
    kpi_metric_registry *reg2 = registry();
    uint16_t code;
    assert_int_equal(kpi_metric_registry_add_event(reg2, "complaint", &code), KPI_OK);
    assert_int_equal(kpi_metrics_new(&m, reg2, &mo), KPI_OK);
    o.flags = 0;
    const char *custom = "agent,event,value\n小王,complaint,1\n小王,consult,1\n";
    ingest_ok(m, ag, custom, strlen(custom), &o, &res);
    assert_int_equal(res.added, 2);
    kpi_metrics_free(m);
    kpi_metric_registry_free(reg2);

    kpi_agents_free(ag);
    kpi_metric_registry_free(reg);
}

/* ---- errors --------------------------------------------------------------- */

typedef struct {
    const char *csv;
    uint32_t flags;
    kpi_status code;
    long line, column;
    const char *fragment;
} bad_case;

static void test_errors_with_location(void **state)
{
    (void)state;
    const char *H = "agent,time,event,value\n";
    char big_value[128];
    snprintf(big_value, sizeof big_value, "%sA1,2026-11-01 09:00:00,reply,99999999999999999999\n", H);
    const bad_case cases[] = {
        {"agent,time,event,value\nA1,2026-11-01 09:00:00,consult,1\nA9,2026-11-01 09:00:00,consult,1\n",
         0, KPI_ENOTFOUND, 3, 1, "agent 'A9' is not in the agent map"},
        {"agent,time,event,value\nA1,2026-11-01 09:00:00,coffee,1\n", 0, KPI_ENOTFOUND, 2, 24,
         "unknown event 'coffee'; known events: consult, reply, order"},
        {"agent,time,event,value\nA1,2026-11-01 09:00:00,reply,12x\n", 0, KPI_EPARSE, 2, 32,
         "column 'value'"},
        {"agent,time,event,value\nA1,2026-11-01 09:00:00,payment,12.50\n", 0, KPI_EPARSE, 2, 32,
         "money events take whole fen"},
        {"agent,time,event,value\nA1,2026-11-01 09:00:00,payment,12.505\n",
         KPI_METRICS_CSV_MONEY_YUAN, KPI_ERANGE, 2, 37, "more than 2 decimal places"},
        {big_value, 0, KPI_EOVERFLOW, 2, 0, "column 'value'"},
        {"agent,time,event,value\nA1,2026-02-29 09:00:00,reply,1\n", 0, KPI_EPARSE, 2, 0,
         "column 'time'"},
        {"agent,time,event,value\nA1,yesterday,reply,1\n", 0, KPI_EPARSE, 2, 4, "column 'time'"},
        {"agent,time,event,value,excused\nA1,2026-11-01 09:00:00,reply,1,yes\n", 0, KPI_EPARSE, 2,
         32, "excused must be 0, 1 or empty"},
        {"agent,time,event,value\n,2026-11-01 09:00:00,reply,1\n", 0, KPI_EPARSE, 2, 1,
         "non-empty"},
        {"agent,event,value\nA1,reply,1\n", 0, KPI_EINPUT, 1, 0, "no column 'time'"},
        {"agent,time,value\nA1,2026-11-01 09:00:00,1\n", 0, KPI_EINPUT, 1, 0,
         "no column 'event' (it needs agent, time, event and value; its header has: agent, time, value)"},
        {"agent,time,event,value\nA1,2026-11-01 09:00:00,reply\n", 0, KPI_EPARSE, 2, 0, ""},
        {"agent,time,event,value\nA1,2026-11-01 09:00:00,\"reply,1\n", 0, KPI_EPARSE, 2, 0, ""},
        {"agent,time,event,value\nA1,2026-11-01 09:00:00,reply,1\nB2,2026-11-01 09:00:00,reply,1\n"
         "B3,2026-11-01 09:00:00,reply,1\n", KPI_METRICS_CSV_ADD_AGENTS, KPI_ELIMIT, 4, 1,
         "past max_agents (2)"},
    };
    kpi_metric_registry *reg = registry();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        kpi_agents *ag;
        assert_int_equal(kpi_agents_new(&ag), KPI_OK);
        assert_int_equal(kpi_agents_add(ag, "A1", NULL, NULL, NULL), KPI_OK);
        kpi_metrics_options mo = KPI_METRICS_OPTIONS_INIT;
        mo.max_agents = 2;
        kpi_metrics *m;
        assert_int_equal(kpi_metrics_new(&m, reg, &mo), KPI_OK);
        uint32_t a0 = 0;
        uint16_t e0 = KPI_EVENT_CONSULT;
        int64_t v0 = 1, t0 = 1793500000000;
        assert_int_equal(kpi_metrics_add_batch(m, &a0, &e0, &v0, &t0, 1), KPI_OK);
        size_t nbefore;
        uint8_t *before = save(m, &nbefore);
        for (int streamed = 0; streamed < 2; streamed++) {
            kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
            o.flags = c->flags;
            o.source = "ev.csv";
            kpi_status st;
            if (!streamed) {
                st = kpi_metrics_ingest_csv(m, ag, c->csv, strlen(c->csv), &o, NULL);
            } else {
                kpi_metrics_csv *s;
                assert_int_equal(kpi_metrics_csv_new(&s, m, ag, &o), KPI_OK);
                st = KPI_OK;
                for (size_t k = 0; st == KPI_OK && k < strlen(c->csv); k += 5) {
                    size_t step = strlen(c->csv) - k < 5 ? strlen(c->csv) - k : 5;
                    st = kpi_metrics_csv_feed(s, c->csv + k, step);
                }
                if (st == KPI_OK)
                    st = kpi_metrics_csv_finish(s, NULL);
                kpi_metrics_csv_free(s);
            }
            const kpi_error *e = kpi_error_last();
            if (st != c->code)
                fail_msg("case %zu (%s): status %d, expected %d: %s", i,
                         streamed ? "stream" : "buffer", st, c->code, kpi_error_text(e));
            if (kpi_error_line(e) != c->line || (c->column && kpi_error_column(e) != c->column))
                fail_msg("case %zu: at %ld:%ld, expected %ld:%ld: %s", i, kpi_error_line(e),
                         kpi_error_column(e), c->line, c->column, kpi_error_text(e));
            if (!strstr(kpi_error_message(e), c->fragment))
                fail_msg("case %zu: message '%s' lacks '%s'", i, kpi_error_message(e), c->fragment);
            assert_string_equal(kpi_error_source(e), "ev.csv");
            /* nothing changed */
            size_t nafter;
            uint8_t *after = save(m, &nafter);
            assert_true(nafter == nbefore && memcmp(after, before, nafter) == 0);
            free(after);
            assert_int_equal(kpi_agents_count(ag, KPI_LEVEL_AGENT), 1);
        }
        free(before);
        kpi_metrics_free(m);
        kpi_agents_free(ag);
    }
    kpi_metric_registry_free(reg);
}

/* A NUL or control byte in a quoted field shows as \xNN (printf's %.*s
 * stopped at the NUL), and a long field is cut at 40 bytes, followed by "...". */
static void test_error_quotes_bytes(void **state)
{
    (void)state;
    static const char csv[] = "agent,time,event,value\n"
                              "A1,2026-11-01 09:00:00,cof\0f\tee,1\n";
    static const char long_agent[] = "agent,time,event,value\n"
                                     "A123456789B123456789C123456789D123456789E12,"
                                     "2026-11-01 09:00:00,reply,1\n";
    const struct {
        const char *data;
        size_t len;
        const char *fragment;
    } cases[] = {
        {csv, sizeof csv - 1, "unknown event 'cof\\x00f\\x09ee'"},
        {long_agent, sizeof long_agent - 1,
         "agent 'A123456789B123456789C123456789D123456789...' is not"},
    };
    kpi_metric_registry *reg = registry();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kpi_agents *ag;
        assert_int_equal(kpi_agents_new(&ag), KPI_OK);
        assert_int_equal(kpi_agents_add(ag, "A1", NULL, NULL, NULL), KPI_OK);
        kpi_metrics *m = month(reg);
        kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
        assert_int_not_equal(kpi_metrics_ingest_csv(m, ag, cases[i].data, cases[i].len, &o, NULL),
                             KPI_OK);
        const kpi_error *e = kpi_error_last();
        if (!strstr(kpi_error_message(e), cases[i].fragment))
            fail_msg("case %zu: message '%s' lacks '%s'", i, kpi_error_message(e),
                     cases[i].fragment);
        assert_int_equal(kpi_error_line(e), 2);
        kpi_metrics_free(m);
        kpi_agents_free(ag);
    }
    kpi_metric_registry_free(reg);
}

static void test_argument_errors(void **state)
{
    (void)state;
    kpi_metric_registry *reg = registry();
    kpi_metrics *m = month(reg);
    kpi_agents *ag;
    assert_int_equal(kpi_agents_new(&ag), KPI_OK);
    kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
    assert_int_equal(kpi_metrics_ingest_csv(NULL, ag, "", 0, NULL, NULL), KPI_EINVAL);
    assert_int_equal(kpi_metrics_ingest_csv(m, NULL, "", 0, NULL, NULL), KPI_EINVAL);
    assert_int_equal(kpi_metrics_ingest_csv(m, ag, NULL, 3, NULL, NULL), KPI_EINVAL);
    o.threads = 0;
    assert_int_equal(kpi_metrics_ingest_csv(m, ag, "", 0, &o, NULL), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "threads"));
    o.threads = 65;
    assert_int_equal(kpi_metrics_ingest_csv(m, ag, "", 0, &o, NULL), KPI_EINVAL);
    o.threads = 1;
    o.flags = 64;
    assert_int_equal(kpi_metrics_ingest_csv(m, ag, "", 0, &o, NULL), KPI_EINVAL);
    o.flags = 0;
    o.size = 8;
    assert_int_equal(kpi_metrics_ingest_csv(m, ag, "", 0, &o, NULL), KPI_EINVAL);
    kpi_metrics_csv_result res = {4, 0, 0, 0, 0, 0};
    assert_int_equal(kpi_metrics_ingest_csv(m, ag, "", 0, NULL, &res), KPI_EINVAL);
    /* an empty file has no rows */
    kpi_metrics_csv_result r2 = KPI_METRICS_CSV_RESULT_INIT;
    assert_int_equal(kpi_metrics_ingest_csv(m, ag, "", 0, NULL, &r2), KPI_OK);
    assert_int_equal(r2.rows, 0);
    kpi_metrics_csv *s = NULL;
    assert_int_equal(kpi_metrics_csv_new(NULL, m, ag, NULL), KPI_EINVAL);
    assert_int_equal(kpi_metrics_csv_new(&s, m, NULL, NULL), KPI_EINVAL);
    assert_null(s);
    assert_int_equal(kpi_metrics_csv_feed(NULL, "a", 1), KPI_EINVAL);
    assert_int_equal(kpi_metrics_csv_finish(NULL, NULL), KPI_EINVAL);
    kpi_metrics_csv_free(NULL);
    kpi_metrics_free(m);
    kpi_agents_free(ag);
    kpi_metric_registry_free(reg);
}

/* ---- progress ------------------------------------------------------------- */

typedef struct {
    uint64_t last, total, calls;
    bool backwards;
} seen;

static void on_progress(uint64_t done, uint64_t total, void *user)
{
    seen *s = user;
    s->backwards |= done < s->last;
    s->last = done;
    s->total = total;
    s->calls++;
}

static void test_progress(void **state)
{
    (void)state;
    size_t len;
    char *csv = big_file(&len);
    kpi_metric_registry *reg = registry();
    for (unsigned threads = 1; threads <= 2; threads++) {
        kpi_agents *ag;
        assert_int_equal(kpi_agents_new(&ag), KPI_OK);
        kpi_metrics *m = month(reg);
        seen s = {0, 0, 0, false};
        kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
        o.flags = KPI_METRICS_CSV_ADD_AGENTS;
        o.threads = threads;
        o.progress = on_progress;
        o.progress_user = &s;
        ingest_ok(m, ag, csv, len, &o, NULL);
        assert_false(s.backwards);
        assert_true(s.calls > 10);
        assert_int_equal(s.last, len);
        assert_int_equal(s.total, len);
        kpi_metrics_free(m);
        kpi_agents_free(ag);
    }
    kpi_metric_registry_free(reg);
    free(csv);
}

/* ---- allocation failures --------------------------------------------------- */


static void test_allocation_failures(void **state)
{
    (void)state;
    const char *csv = "agent,time,event,value\n"
                      "A1,2026-11-01 09:00:00,reply,1000\n"
                      "B1,2026-11-01 09:00:00,reply,2000\n"
                      "A1,2026-12-01 09:00:00,consult,1\n"
                      "C1,2026-12-01 09:00:00,reply,3000\n";
    kpi_metric_registry *reg = registry();
    kpi_agents *ref_ag;
    assert_int_equal(kpi_agents_new(&ref_ag), KPI_OK);
    assert_int_equal(kpi_agents_add(ref_ag, "A1", NULL, NULL, NULL), KPI_OK);
    kpi_metrics *ref = month(reg);
    kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
    o.flags = KPI_METRICS_CSV_ADD_AGENTS;
    ingest_ok(ref, ref_ag, csv, strlen(csv), &o, NULL);
    assert_int_equal(kpi_set_allocator(fail_malloc, fail_realloc, plain_free, NULL), KPI_OK);
    for (int streamed = 0; streamed < 2; streamed++) {
        bool done = false;
        for (long k = 0; !done && k < 10000; k++) {
            alloc_countdown = -1;
            kpi_agents *ag;
            assert_int_equal(kpi_agents_new(&ag), KPI_OK);
            assert_int_equal(kpi_agents_add(ag, "A1", NULL, NULL, NULL), KPI_OK);
            kpi_metrics *m = month(reg);
            kpi_status st;
            alloc_countdown = k;
            if (!streamed) {
                st = kpi_metrics_ingest_csv(m, ag, csv, strlen(csv), &o, NULL);
            } else {
                kpi_metrics_csv *s = NULL;
                st = kpi_metrics_csv_new(&s, m, ag, &o);
                if (st == KPI_OK)
                    st = kpi_metrics_csv_feed(s, csv, strlen(csv));
                if (st == KPI_OK)
                    st = kpi_metrics_csv_finish(s, NULL);
                kpi_metrics_csv_free(s);
            }
            alloc_countdown = -1;
            done = st == KPI_OK;
            if (done) {
                assert_true(same_state(m, ref));
                assert_true(same_agents(ag, ref_ag));
            } else {
                assert_int_equal(st, KPI_ENOMEM);
                /* the rows never reach m on failure */
                assert_int_equal(kpi_metrics_period_count(m), 0);
            }
            kpi_metrics_free(m);
            kpi_agents_free(ag);
        }
        assert_true(done);
    }
    assert_int_equal(kpi_set_allocator(NULL, NULL, NULL, NULL), KPI_OK);
    kpi_metrics_free(ref);
    kpi_agents_free(ref_ag);
    kpi_metric_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_matches_columns),
        cmocka_unit_test(test_time_caches_by_day),
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_stream_odd_pieces),
        cmocka_unit_test(test_columns_and_flags),
        cmocka_unit_test(test_errors_with_location),
        cmocka_unit_test(test_error_quotes_bytes),
        cmocka_unit_test(test_argument_errors),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("metrics_csv", tests, NULL, NULL);
}
