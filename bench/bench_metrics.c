/*
 * bench_metrics.c - the accumulators' hot path, against a plain loop that
 * only sums the same columns, all measured in one run.
 *
 *   bench_metrics [rows [agents]]     (default 50 000 000 rows, 10 000 agents)
 *
 * Data: one month in Beijing time; 36 % of rows are first replies with a
 * response time in whole milliseconds (they repeat), the rest consultations,
 * orders, payments in fen, call events and so on. Stages:
 *   plain      sum of the agent, event, value and time columns
 *   reference  a hand-written loop adding a count and a 64-bit sum per row
 *              to 88-word cells (the built-ins' size) and to 64-word ones:
 *              what the memory system allows for this access pattern
 *   counters   every built-in metric but the quantile (counts, sums, ratios,
 *              threshold counts), one core
 *   p90        the same plus the exact response-time quantile, then the p90
 *              of every agent read back (ingest, then each read selecting in
 *              the agent's unsorted values); kpi_metrics_compact (sorting
 *              every agent's values) and reading again is timed apart
 *   sketch     the same with the p90 as a sketch (alpha 1 %), read back
 *   mixed      the exact-p90 ingest again with the rows spread over three
 *              months in turn (every row in another month than the last):
 *              the order an unsorted year of events comes in
 *   2 threads  counters split over two threads and merged
 * Each stage runs three times; the best is printed, as wall-clock time and
 * as the process's CPU time (on a loaded machine the wall clock also counts
 * the time other processes held the core; the CPU time does not).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kpiscore.h>

#include "bench_rows.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Best wall and CPU seconds of a stage. */
typedef struct {
    double wall, cpu, w0, c0;
} stage;

static void stage_start(stage *s)
{
    s->w0 = now();
    s->c0 = cpu();
}

static void stage_stop(stage *s)
{
    double w = now() - s->w0, c = cpu() - s->c0;
    s->wall = w < s->wall ? w : s->wall;
    s->cpu = c < s->cpu ? c : s->cpu;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_metrics: %s: %s\n", what, kpi_error_text(kpi_error_last()));
    exit(1);
}

/*
 * The memory system's share: the same rows adding a count and a 64-bit
 * sum, nothing else (no threshold ops, no period test, no batch check), to
 * W-word cells of the agents, the event kinds' pairs at the offsets the
 * library uses for the built-ins, prefetching 16 rows ahead like the
 * library. Returns a checksum so the work is not optimised away.
 */
static uint64_t reference_loop(const uint32_t *a, const uint16_t *e, const int64_t *v, size_t n,
                               uint32_t agents, size_t W)
{
    uint64_t *cells = calloc((size_t)agents * W + 8, sizeof *cells);
    if (!cells)
        exit(1);
    for (size_t i = 0; i < n; i++) {
        if (i + 16 < n)
            __builtin_prefetch(cells + a[i + 16] * W + 2 * (e[i + 16] & 63u), 1);
        uint64_t *c = cells + a[i] * W + 2 * (e[i] & 63u);
        c[0]++;
        c[1] += (uint64_t)v[i];
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < (size_t)agents * W; i++)
        sum += cells[i];
    free(cells);
    return sum;
}

/* Reads every agent's p90 (sums them, so the reads are not optimised away). */
static int64_t read_p90s(const kpi_metrics *m, uint32_t agents, size_t p90)
{
    int64_t sum = 0;
    for (uint32_t ag = 0; ag < agents; ag++) {
        kpi_dec q;
        kpi_status st = kpi_metrics_value(m, ag, 0, p90, &q);
        if (st && st != KPI_ENA)
            die("p90");
        sum += st ? 0 : q;
    }
    return sum;
}

/* Every built-in metric, without the quantile (0), with it exact (1) or as
 * a sketch (2). */
static kpi_metric_registry *registry(int with_quantile)
{
    kpi_metric_registry *all, *reg;
    if (kpi_metric_registry_new(&all, KPI_REGISTRY_BUILTINS) || kpi_metric_registry_new(&reg, 0))
        die("registry");
    for (size_t i = 0; i < kpi_metric_registry_count(all); i++) {
        const kpi_metric_def *d = kpi_metric_registry_def(all, i);
        if (d->kind == KPI_METRIC_QUANTILE && !with_quantile)
            continue;
        kpi_metric_def def = *d;
        if (d->kind == KPI_METRIC_QUANTILE && with_quantile == 2) {
            def.kind = KPI_METRIC_QUANTILE_SKETCH;
            def.method = KPI_QUANTILE_LOWER;
        }
        if (kpi_metric_registry_add(reg, &def, NULL))
            die("add");
    }
    kpi_metric_registry_free(all);
    return reg;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    size_t n = argc > 1 ? strtoull(argv[1], &end, 10) : 50000000;
    if (argc > 1 && (*end || !n))
        return fputs("usage: bench_metrics [ROWS [AGENTS]]   (default 50000000 10000)\n", stderr), 2;
    uint32_t agents = argc > 2 ? (uint32_t)strtoul(argv[2], &end, 10) : 10000;
    if (argc > 2 && (*end || !agents))
        return fputs("bench_metrics: AGENTS must be a positive number\n", stderr), 2;
    uint32_t *a = malloc(n * sizeof *a);
    uint16_t *e = malloc(n * sizeof *e);
    int64_t *v = malloc(n * sizeof *v), *t = malloc(n * sizeof *t);
    if (!a || !e || !v || !t || !agents)
        return 1;
    size_t replies = bench_rows(n, agents, a, e, v, t);
    int64_t *t3 = malloc(n * sizeof *t3); /* the same times, each row a month after the last */
    if (!t3)
        return 1;
    for (size_t i = 0; i < n; i++)
        t3[i] = t[i] + (int64_t)(i % 3) * INT64_C(2700000000); /* 31.25 days */
    printf("rows %zu, agents %u, response times %zu\n", n, agents, replies);

    stage plain = {1e9, 1e9, 0, 0}, cnt = plain, qs = plain, sk = plain, mix = plain, mt = plain,
          ref88 = plain,
          ref64 = plain;
    double best_read = 1e9, best_sorted = 1e9;
    volatile int64_t sink = 0;
    kpi_metric_registry *lean = registry(0), *full = registry(1), *sketched = registry(2);
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.agents = agents;
    size_t p90;
    if (kpi_metric_registry_find(full, "response_time_p90", &p90))
        die("find");
    size_t mem_cnt = 0, mem_q = 0, mem_sorted = 0, mem_sk = 0;
    for (int round = 0; round < 3; round++) {
        stage_start(&plain);
        int64_t s = 0;
        for (size_t i = 0; i < n; i++)
            s += (int64_t)a[i] + e[i] + v[i] + t[i];
        sink += s;
        stage_stop(&plain);

        /* the built-ins' cells are 88 words; 64 shows what a smaller stride gives */
        stage_start(&ref88);
        sink += (int64_t)reference_loop(a, e, v, n, agents, 88);
        stage_stop(&ref88);
        stage_start(&ref64);
        sink += (int64_t)reference_loop(a, e, v, n, agents, 64);
        stage_stop(&ref64);

        kpi_metrics *m;
        if (kpi_metrics_new(&m, lean, &o))
            die("new");
        stage_start(&cnt);
        if (kpi_metrics_add_batch(m, a, e, v, t, n))
            die("add");
        stage_stop(&cnt);
        mem_cnt = kpi_metrics_memory(m);
        kpi_metrics_free(m);

        if (kpi_metrics_new(&m, full, &o))
            die("new");
        stage_start(&qs);
        if (kpi_metrics_add_batch(m, a, e, v, t, n))
            die("add");
        double t2 = now();
        sink += read_p90s(m, agents, p90); /* selected in each agent's unsorted values */
        double t1 = now();
        stage_stop(&qs);
        best_read = t1 - t2 < best_read ? t1 - t2 : best_read;
        mem_q = kpi_metrics_memory(m);
        /* not part of the stage: sorting everything first, as a store read many times would */
        t2 = now();
        if (kpi_metrics_compact(m))
            die("compact");
        sink += read_p90s(m, agents, p90);
        t1 = now();
        best_sorted = t1 - t2 < best_sorted ? t1 - t2 : best_sorted;
        mem_sorted = kpi_metrics_memory(m);
        kpi_metrics_free(m);

        if (kpi_metrics_new(&m, sketched, &o))
            die("new");
        stage_start(&sk);
        if (kpi_metrics_add_batch(m, a, e, v, t, n))
            die("add");
        sink += read_p90s(m, agents, p90); /* the same position in this registry */
        stage_stop(&sk);
        mem_sk = kpi_metrics_memory(m);
        kpi_metrics_free(m);

        if (kpi_metrics_new(&m, full, &o))
            die("new");
        stage_start(&mix);
        if (kpi_metrics_add_batch(m, a, e, v, t3, n))
            die("add");
        stage_stop(&mix);
        kpi_metrics_free(m);

        if (kpi_metrics_new(&m, lean, &o))
            die("new");
        stage_start(&mt);
        if (kpi_metrics_add_batch_threads(m, a, e, v, t, n, 2))
            die("add threads");
        stage_stop(&mt);
        kpi_metrics_free(m);
    }
    printf("%-30s %8s %12s %8s %12s  %s\n", "stage", "wall s", "rows/s", "cpu s", "rows/cpu-s",
           "ratio (wall; cpu)");
    printf("%-30s %8.3f %12.3g %8.3f %12.3g  1\n", "plain loop (sum of 4 columns)", plain.wall,
           n / plain.wall, plain.cpu, n / plain.cpu);
    printf("%-30s %8.3f %12.3g %8.3f %12.3g  %.2fx; %.2fx the plain loop\n", "reference, 88-word cells",
           ref88.wall, n / ref88.wall, ref88.cpu, n / ref88.cpu, ref88.wall / plain.wall,
           ref88.cpu / plain.cpu);
    printf("%-30s %8.3f %12.3g %8.3f %12.3g  %.2fx; %.2fx the plain loop\n", "reference, 64-word cells",
           ref64.wall, n / ref64.wall, ref64.cpu, n / ref64.cpu, ref64.wall / plain.wall,
           ref64.cpu / plain.cpu);
    printf("%-30s %8.3f %12.3g %8.3f %12.3g  %.2fx; %.2fx the plain loop\n", "counters+sums, 1 core",
           cnt.wall, n / cnt.wall, cnt.cpu, n / cnt.cpu, cnt.wall / plain.wall, cnt.cpu / plain.cpu);
    printf("%-30s %8.3f %12.3g %8.3f %12.3g  %.2fx; %.2fx the counters pass (reads %.3f s)\n",
           "+ exact p90 of every agent", qs.wall, n / qs.wall, qs.cpu, n / qs.cpu, qs.wall / cnt.wall,
           qs.cpu / cnt.cpu, best_read);
    printf("%-30s %8.3f s (not in the stage)\n", "  kpi_metrics_compact + reads", best_sorted);
    printf("%-30s %8.3f %12.3g %8.3f %12.3g  %.2fx; %.2fx the counters pass\n",
           "+ sketched p90 of every agent", sk.wall, n / sk.wall, sk.cpu, n / sk.cpu,
           sk.wall / cnt.wall, sk.cpu / cnt.cpu);
    printf("%-30s %8.3f %12.3g %8.3f %12.3g  ingest only\n", "exact p90, 3 months in turn",
           mix.wall, n / mix.wall, mix.cpu, n / mix.cpu);
    printf("%-30s %8.3f %12.3g %8.3f %12.3g  speed-up %.2fx (wall); cpu %.2fx the 1-core pass\n",
           "counters+sums, 2 threads", mt.wall, n / mt.wall, mt.cpu, n / mt.cpu, cnt.wall / mt.wall,
           mt.cpu / cnt.cpu);
    printf("memory: counters %.1f MiB, with exact quantiles %.1f MiB (%.1f bytes per response "
           "time), %.1f MiB once compacted (%.1f), with sketches %.1f MiB\n",
           mem_cnt / 1048576.0, mem_q / 1048576.0,
           replies ? (double)(mem_q - mem_cnt) / replies : 0.0, mem_sorted / 1048576.0,
           replies ? (double)(mem_sorted - mem_cnt) / replies : 0.0, mem_sk / 1048576.0);
    kpi_metric_registry_free(lean);
    kpi_metric_registry_free(full);
    kpi_metric_registry_free(sketched);
    free(a);
    free(e);
    free(v);
    free(t);
    free(t3);
    return sink == 42;
}
