/*
 * bench_metrics_csv.c - events CSV into the accumulators, against a plain
 * byte loop over the same bytes, all measured in one run.
 *
 *   bench_metrics_csv FILE             whole file in memory: MB/s of
 *       plain     a loop counting line feeds (the memory-speed floor)
 *       parse     kpi_csv_parse with an empty callback, 1 and 2 threads
 *       ingest    kpi_metrics_ingest_csv (parse + convert + accumulate, all
 *                 built-in metrics with the exact p90), 1 and 2 threads
 *   bench_metrics_csv --stream FILE [exact|sketch|counters]
 *       a streaming ingest reading 1 MiB pieces with fread, then the peak
 *       resident memory (getrusage ru_maxrss). With the built-ins as they
 *       are ("exact", the default) the exact p90 keeps every distinct
 *       response time, so memory follows the data; "sketch" makes that
 *       p90 a sketch and "counters" drops it: then the peak must not grow
 *       with the file.
 *   bench_metrics_csv --once FILE
 *       one kpi_metrics_ingest_csv on one thread and nothing else, for
 *       counting its instructions (deterministic, unlike the clock):
 *       valgrind --tool=cachegrind --cache-sim=no bench_metrics_csv --once
 *       FILE, then cg_annotate for the split by function.
 *
 * Make the data with build/examples/gen_events --agents 10000 --months 1
 * --scale N (N = 2.68 gives about 10^7 rows, 13.4 about 5*10^7).
 * Each in-memory stage runs three times; the best is printed.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <kpiscore.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_metrics_csv: %s: %s\n", what, kpi_error_text(kpi_error_last()));
    exit(1);
}

static kpi_status nothing(const kpi_csv_batch *b, void *user)
{
    *(size_t *)user += b->rows; /* racy with 2 threads; only a sink */
    return KPI_OK;
}

static double mbs(size_t bytes, double s)
{
    return bytes / s / 1e6;
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* The built-ins, with the exact p90 kept, sketched or left out. */
static kpi_metric_registry *registry(const char *mode)
{
    kpi_metric_registry *all, *reg;
    if (kpi_metric_registry_new(&all, KPI_REGISTRY_BUILTINS) || kpi_metric_registry_new(&reg, 0))
        die("registry");
    for (size_t i = 0; i < kpi_metric_registry_count(all); i++) {
        kpi_metric_def d = *kpi_metric_registry_def(all, i);
        if (d.kind == KPI_METRIC_QUANTILE && !strcmp(mode, "counters"))
            continue;
        if (d.kind == KPI_METRIC_QUANTILE && !strcmp(mode, "sketch")) {
            d.kind = KPI_METRIC_QUANTILE_SKETCH;
            d.method = KPI_QUANTILE_LOWER;
        }
        if (kpi_metric_registry_add(reg, &d, NULL))
            die("add");
    }
    kpi_metric_registry_free(all);
    return reg;
}

/* Empty accumulators and agent map, and options adding every agent seen. */
static kpi_metrics_csv_options fresh(const kpi_metric_registry *reg, kpi_metrics **m,
                                     kpi_agents **ag)
{
    if (kpi_metrics_new(m, reg, NULL) || kpi_agents_new(ag))
        die("new");
    kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
    o.flags = KPI_METRICS_CSV_ADD_AGENTS;
    return o;
}

static int stream(const char *path, kpi_metric_registry *reg)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return perror(path), 1;
    kpi_metrics *m;
    kpi_agents *ag;
    kpi_metrics_csv_options o = fresh(reg, &m, &ag);
    o.source = path;
    kpi_metrics_csv *s;
    if (kpi_metrics_csv_new(&s, m, ag, &o))
        die("stream");
    static char buf[1 << 20];
    size_t got;
    double t0 = now();
    long before = peak_kib();
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        if (kpi_metrics_csv_feed(s, buf, got))
            die("feed");
    kpi_metrics_csv_result r = KPI_METRICS_CSV_RESULT_INIT;
    if (kpi_metrics_csv_finish(s, &r))
        die("finish");
    double t1 = now();
    fclose(f);
    printf("stream %s: %llu rows, %llu bytes, %llu agents, %.2f s, %.0f MB/s\n", path,
           (unsigned long long)r.rows, (unsigned long long)r.bytes,
           (unsigned long long)r.new_agents, t1 - t0, mbs(r.bytes, t1 - t0));
    printf("peak RSS %.1f MiB (%.1f MiB before the ingest); accumulator %.1f MiB\n",
           peak_kib() / 1024.0, before / 1024.0, kpi_metrics_memory(m) / 1048576.0);
    kpi_metrics_csv_free(s);
    kpi_metrics_free(m);
    kpi_agents_free(ag);
    return 0;
}

/* Seconds of one kpi_metrics_ingest_csv of @data into fresh accumulators. */
static double ingest_once(const kpi_metric_registry *reg, const char *data, size_t len,
                          unsigned threads, kpi_metrics_csv_result *r)
{
    kpi_metrics *m;
    kpi_agents *ag;
    kpi_metrics_csv_options o = fresh(reg, &m, &ag);
    o.threads = threads;
    double t0 = now();
    if (kpi_metrics_ingest_csv(m, ag, data, len, &o, r))
        die("ingest");
    double t1 = now();
    kpi_metrics_free(m);
    kpi_agents_free(ag);
    return t1 - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return fputs("usage: bench_metrics_csv [--stream|--once] FILE\n", stderr), 2;
    kpi_metric_registry *reg;
    if (kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS))
        die("registry");
    if (!strcmp(argv[1], "--stream") && argc > 2) {
        kpi_metric_registry_free(reg);
        const char *mode = argc > 3 ? argv[3] : "exact";
        reg = registry(mode);
        printf("registry: built-ins, p90 %s\n", mode);
        int rc = stream(argv[2], reg);
        kpi_metric_registry_free(reg);
        return rc;
    }
    const bool once = !strcmp(argv[1], "--once") && argc > 2;
    const char *path = once ? argv[2] : argv[1];
    FILE *f = fopen(path, "rb");
    if (!f)
        return perror(path), 1;
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc(len ? len : 1);
    if (!data || fread(data, 1, len, f) != len)
        return fputs("read failed\n", stderr), 1;
    fclose(f);
    kpi_metrics_csv_result r = KPI_METRICS_CSV_RESULT_INIT;
    if (once) {
        double took = ingest_once(reg, data, len, 1, &r);
        printf("%s: %llu rows, one thread, %.3f s\n", path, (unsigned long long)r.rows, took);
        kpi_metric_registry_free(reg);
        free(data);
        return 0;
    }

    double plain = 1e9, parse[3] = {1e9, 1e9, 1e9}, ingest[3] = {1e9, 1e9, 1e9};
    volatile size_t sink = 0;
    for (int round = 0; round < 3; round++) {
        double t0 = now();
        size_t lines = 0;
        for (size_t i = 0; i < len; i++)
            lines += data[i] == '\n';
        sink += lines;
        double t1 = now();
        plain = t1 - t0 < plain ? t1 - t0 : plain;
        for (unsigned th = 1; th <= 2; th++) {
            size_t rows = 0;
            t0 = now();
            if (kpi_csv_parse(data, len, NULL, th, nothing, &rows))
                die("parse");
            t1 = now();
            parse[th] = t1 - t0 < parse[th] ? t1 - t0 : parse[th];
            sink += rows;

            const double took = ingest_once(reg, data, len, th, &r);
            ingest[th] = took < ingest[th] ? took : ingest[th];
        }
    }
    printf("%s: %zu bytes, %llu rows, %llu agents\n", argv[1], len, (unsigned long long)r.rows,
           (unsigned long long)r.new_agents);
    printf("%-40s %7.3f s  %7.0f MB/s\n", "plain byte loop (count line feeds)", plain, mbs(len, plain));
    for (unsigned th = 1; th <= 2; th++) {
        char what[64];
        snprintf(what, sizeof what, "kpi_csv_parse, %u thread%s", th, th > 1 ? "s" : "");
        printf("%-40s %7.3f s  %7.0f MB/s  %.2fx the plain loop\n", what, parse[th],
               mbs(len, parse[th]), parse[th] / plain);
    }
    for (unsigned th = 1; th <= 2; th++) {
        char what[64];
        snprintf(what, sizeof what, "CSV -> accumulators, %u thread%s", th, th > 1 ? "s" : "");
        printf("%-40s %7.3f s  %7.0f MB/s  %.1fx the plain loop, %.2f Mrows/s\n", what,
               ingest[th], mbs(len, ingest[th]), ingest[th] / plain, r.rows / ingest[th] / 1e6);
    }
    printf("speed-up on 2 threads: parse %.2fx, ingest %.2fx\n", parse[1] / parse[2],
           ingest[1] / ingest[2]);
    free(data);
    kpi_metric_registry_free(reg);
    return sink == 42;
}
