/*
 * bench_pipeline.c - the month-end pipeline in C, one leg of bench/compare.py.
 *
 *   bench_pipeline DIR AGENTS [THREADS [OUT.csv]]
 *
 * DIR holds plan.json and the raw columns bench/gen_columns.py writes
 * (agent.u32, event.u16, value.i64, time.i64); agent i is "A%05d" of i + 1.
 * Loads them (not timed), then times:
 *   plain     a plain pass summing the four columns (the memory-bandwidth
 *             limit), best of 3
 *   ingest    kpi_metrics_add_batch (THREADS > 1: kpi_metrics_add_batch_threads)
 *   p90       0: nothing is sorted; each agent's exact p90 is selected in its
 *             unsorted response times when evaluate reads it
 *   evaluate  kpi_run: metrics read by the plan (the p90s too) -> scores ->
 *             ranks and percentile ranks -> tiers -> pay (the agents scored on
 *             THREADS threads)
 * and prints them as one JSON object. OUT.csv gets one line per agent in
 * agent order: agent,score,outcome,rank,pct,tier,pay lines...,pay_total,p90
 * with decimals as integers of 10^-9 and money in fen, for compare.py to
 * check against the other legs.
 */
#define _POSIX_C_SOURCE 200809L
#include <kpiscore.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *read_column(const char *dir, const char *name, size_t item, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        perror(path);
        exit(1);
    }
    long len = ftell(f);
    rewind(f);
    void *p = malloc(len > 0 ? (size_t)len : 1);
    if (!p || fread(p, 1, (size_t)len, f) != (size_t)len) {
        perror(path);
        exit(1);
    }
    fclose(f);
    *n = (size_t)len / item;
    return p;
}

static void check(kpi_status st, const char *what)
{
    if (st != KPI_OK) {
        fprintf(stderr, "bench_pipeline: %s: %s\n", what, kpi_error_text(kpi_error_last()));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: bench_pipeline DIR AGENTS [THREADS [OUT.csv]]\n", stderr);
        return 2;
    }
    const char *dir = argv[1];
    uint32_t nagents = (uint32_t)strtoul(argv[2], NULL, 10);
    unsigned threads = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 1;
    const char *out_path = argc > 4 ? argv[4] : NULL;

    size_t n, n2, n3, n4;
    uint32_t *agent = read_column(dir, "agent.u32", 4, &n);
    uint16_t *event = read_column(dir, "event.u16", 2, &n2);
    int64_t *value = read_column(dir, "value.i64", 8, &n3);
    int64_t *time_ms = read_column(dir, "time.i64", 8, &n4);
    if (n != n2 || n != n3 || n != n4) {
        fprintf(stderr, "bench_pipeline: the columns of %s differ in length\n", dir);
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/plan.json", dir);
    kpi_plan *plan;
    check(kpi_plan_load_file(&plan, path, NULL), "plan");

    /* the plain pass: every column read once, as the accumulators must */
    double plain = 1e9;
    volatile int64_t sink = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        uint64_t sa = 0, se = 0;
        int64_t sv = 0, st = 0;
        for (size_t i = 0; i < n; i++) {
            sa += agent[i];
            se += event[i];
            sv += value[i];
            st += time_ms[i];
        }
        sink += (int64_t)(sa + se) + sv + st;
        double t = now() - t0;
        plain = t < plain ? t : plain;
    }

    kpi_metrics_options mo = KPI_METRICS_OPTIONS_INIT;
    check(kpi_plan_metrics_options(plan, &mo), "metrics options");
    mo.agents = nagents;
    kpi_metrics *m;
    kpi_agents *agents;
    kpi_run *run;
    check(kpi_metrics_new(&m, kpi_plan_metric_registry(plan), &mo), "metrics");
    check(kpi_agents_new(&agents), "agents");
    check(kpi_run_new(&run, plan), "run");
    check(kpi_run_set_threads(run, threads), "run threads");
    for (uint32_t a = 0; a < nagents; a++) {
        char id[16];
        uint32_t index;
        snprintf(id, sizeof id, "A%05" PRIu32, a + 1);
        check(kpi_agents_add(agents, id, "", "", &index), "agent");
        check(kpi_run_add_agent(run, id, NULL, NULL, NULL), "run agent");
    }

    double t0 = now();
    if (threads > 1)
        check(kpi_metrics_add_batch_threads(m, agent, event, value, time_ms, n, threads), "ingest");
    else
        check(kpi_metrics_add_batch(m, agent, event, value, time_ms, n), "ingest");
    double t1 = now();
    double t2 = t1; /* no kpi_metrics_compact: reading each p90 once needs no sort */
    check(kpi_run_set_metrics(run, m, agents), "set metrics");
    check(kpi_run_evaluate(run, NULL), "evaluate");
    double t3 = now();

    if (out_path) {
        FILE *out = fopen(out_path, "w");
        if (!out) {
            perror(out_path);
            return 1;
        }
        size_t p90;
        check(kpi_metric_registry_find(kpi_metrics_registry(m), "response_time_p90", &p90), "p90 metric");
        size_t nrows = kpi_run_count(run);
        kpi_run_row *rows = calloc(nrows ? nrows : 1, sizeof *rows);
        for (size_t i = 0; i < nrows; i++) {
            kpi_run_row r = KPI_RUN_ROW_INIT;
            check(kpi_run_row_get(run, i, &r), "row");
            rows[r.agent] = r;
        }
        for (size_t a = 0; a < nrows; a++) {
            const kpi_run_row *r = &rows[a];
            kpi_tier_row tr = KPI_TIER_ROW_INIT;
            check(kpi_run_tier(run, 0, a, &tr), "tier");
            fprintf(out, "%s,%" PRId64 ",%d,%" PRId64 ",%" PRId64 ",%s", r->id, r->score, (int)r->outcome,
                    r->rank, r->pct, tr.tier == KPI_TIER_NONE ? "" : tr.label);
            const kpi_payslip *slip = kpi_run_payslip(run, a);
            for (size_t k = 0; slip && k < kpi_payslip_count(slip); k++) {
                kpi_pay_why why = KPI_PAY_WHY_INIT;
                check(kpi_payslip_line(slip, k, NULL, &why), "pay line");
                fprintf(out, ",%" PRId64, why.value);
            }
            kpi_money total = 0;
            if (slip)
                check(kpi_payslip_total(slip, &total), "pay total");
            kpi_dec v;
            kpi_status st = kpi_metrics_value(m, (uint32_t)a, 0, p90, &v);
            if (st == KPI_OK)
                fprintf(out, ",%" PRId64 ",%" PRId64 "\n", total, v);
            else if (st == KPI_ENA)
                fprintf(out, ",%" PRId64 ",\n", total);
            else
                check(st, "p90 value");
        }
        free(rows);
        fclose(out);
    }
    printf("{\"leg\": \"C\", \"threads\": %u, \"events\": %zu, \"plain\": %.6f, \"ingest\": %.6f, "
           "\"p90\": %.6f, \"evaluate\": %.6f, \"total\": %.6f}\n",
           threads, n, plain, t1 - t0, t2 - t1, t3 - t2, t3 - t0);
    kpi_run_free(run);
    kpi_metrics_free(m);
    kpi_agents_free(agents);
    kpi_plan_free(plan);
    free(agent);
    free(event);
    free(value);
    free(time_ms);
    return sink == 42 ? 3 : 0;
}
