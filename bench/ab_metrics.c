/*
 * ab_metrics.c - two builds of the library side by side in one process, for
 * changes too small to see across separate runs on a shared machine.
 *
 *   ab_metrics OLD/libkpiscore.so.1 NEW/libkpiscore.so.1 [rounds [rows]]
 *
 * Loads both libraries (dlopen, each with its own symbols), builds the data
 * of bench_metrics once (default 5e7 rows, 10 000 agents), then alternates
 * the two builds (ABBA order) for each round: the counters pass, the
 * ingest with the exact quantile, kpi_metrics_compact, the ingest with
 * the quantile as a sketch, and the exact-quantile ingest on two threads.
 * Prints each stage's best and mean CPU seconds (wall seconds for the two
 * threads) per build and the new/old ratios. A
 * ratio below 1 means the new build is faster. Both builds must take the
 * same API (this file's kpiscore.h).
 *
 * Example: keep a copy of a build before a change, then
 *   cp -r build /tmp/old && (edit, ninja -C build) &&
 *   build/bench/ab_metrics /tmp/old/lib/libkpiscore.so.1 build/lib/libkpiscore.so.1
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kpiscore.h>

#include "bench_rows.h"

typedef struct {
    kpi_status (*registry_new)(kpi_metric_registry **, unsigned);
    size_t (*registry_count)(const kpi_metric_registry *);
    const kpi_metric_def *(*registry_def)(const kpi_metric_registry *, size_t);
    kpi_status (*registry_add)(kpi_metric_registry *, const kpi_metric_def *, size_t *);
    void (*registry_free)(kpi_metric_registry *);
    kpi_status (*metrics_new)(kpi_metrics **, const kpi_metric_registry *,
                              const kpi_metrics_options *);
    kpi_status (*add_batch)(kpi_metrics *, const uint32_t *, const uint16_t *, const int64_t *,
                            const int64_t *, size_t);
    kpi_status (*add_batch_threads)(kpi_metrics *, const uint32_t *, const uint16_t *,
                                    const int64_t *, const int64_t *, size_t, unsigned);
    kpi_status (*compact)(kpi_metrics *);
    void (*metrics_free)(kpi_metrics *);
    kpi_metric_registry *lean, *full, *sketched; /* no quantile, exact, sketch */
} build;

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *sym(void *lib, const char *path, const char *name)
{
    void *p = dlsym(lib, name);
    if (!p) {
        fprintf(stderr, "ab_metrics: %s: no %s\n", path, name);
        exit(1);
    }
    return p;
}

static void die(const char *what)
{
    fprintf(stderr, "ab_metrics: %s failed\n", what);
    exit(1);
}

/* Every built-in metric, without the quantile (0), with it exact (1) or as
 * a sketch (2), as bench_metrics. */
static kpi_metric_registry *registry(const build *b, int with_quantile)
{
    kpi_metric_registry *all, *reg;
    if (b->registry_new(&all, KPI_REGISTRY_BUILTINS) || b->registry_new(&reg, 0))
        die("registry");
    for (size_t i = 0; i < b->registry_count(all); i++) {
        const kpi_metric_def *d = b->registry_def(all, i);
        if (d->kind == KPI_METRIC_QUANTILE && !with_quantile)
            continue;
        kpi_metric_def def = *d;
        if (d->kind == KPI_METRIC_QUANTILE && with_quantile == 2) {
            def.kind = KPI_METRIC_QUANTILE_SKETCH;
            def.method = KPI_QUANTILE_LOWER;
        }
        if (b->registry_add(reg, &def, NULL))
            die("registry add");
    }
    b->registry_free(all);
    return reg;
}

static void load(build *b, const char *path)
{
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "ab_metrics: %s\n", dlerror());
        exit(1);
    }
    *(void **)&b->registry_new = sym(lib, path, "kpi_metric_registry_new");
    *(void **)&b->registry_count = sym(lib, path, "kpi_metric_registry_count");
    *(void **)&b->registry_def = sym(lib, path, "kpi_metric_registry_def");
    *(void **)&b->registry_add = sym(lib, path, "kpi_metric_registry_add");
    *(void **)&b->registry_free = sym(lib, path, "kpi_metric_registry_free");
    *(void **)&b->metrics_new = sym(lib, path, "kpi_metrics_new");
    *(void **)&b->add_batch = sym(lib, path, "kpi_metrics_add_batch");
    *(void **)&b->add_batch_threads = sym(lib, path, "kpi_metrics_add_batch_threads");
    *(void **)&b->compact = sym(lib, path, "kpi_metrics_compact");
    *(void **)&b->metrics_free = sym(lib, path, "kpi_metrics_free");
    b->lean = registry(b, 0);
    b->full = registry(b, 1);
    b->sketched = registry(b, 2);
}

enum { COUNTERS, QUANTILE, COMPACT, SKETCH, THREADS2, STAGES };

/* A new accumulator of @reg holding the rows; *took: CPU seconds of the add. */
static kpi_metrics *ingest(const build *b, const kpi_metric_registry *reg,
                           const kpi_metrics_options *o, const uint32_t *a, const uint16_t *e,
                           const int64_t *v, const int64_t *t, size_t n, double *took)
{
    kpi_metrics *m;
    if (b->metrics_new(&m, reg, o))
        die("metrics_new");
    const double c = cpu();
    if (b->add_batch(m, a, e, v, t, n))
        die("add_batch");
    *took = cpu() - c;
    return m;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: ab_metrics OLD.so NEW.so [rounds [rows]]\n", stderr);
        return 2;
    }
    build b[2];
    load(&b[0], argv[1]);
    load(&b[1], argv[2]);
    const int rounds = argc > 3 ? atoi(argv[3]) : 6;
    const size_t n = argc > 4 ? strtoull(argv[4], NULL, 10) : 50000000;
    const uint32_t agents = 10000;
    uint32_t *a = malloc(n * sizeof *a);
    uint16_t *e = malloc(n * sizeof *e);
    int64_t *v = malloc(n * sizeof *v), *t = malloc(n * sizeof *t);
    if (!a || !e || !v || !t || rounds < 1)
        return 1;
    bench_rows(n, agents, a, e, v, t);
    double best[2][STAGES], sum[2][STAGES] = {{0}};
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < STAGES; j++)
            best[k][j] = 1e9;
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.agents = agents;
    for (int r = 0; r < rounds; r++)
        for (int step = 0; step < 2; step++) {
            const int k = r & 1 ? 1 - step : step; /* ABBA: drift hits both alike */
            const build *bk = &b[k];
            double took[STAGES], c;
            kpi_metrics *m = ingest(bk, bk->lean, &o, a, e, v, t, n, &took[COUNTERS]);
            bk->metrics_free(m);
            m = ingest(bk, bk->full, &o, a, e, v, t, n, &took[QUANTILE]);
            c = cpu();
            if (bk->compact(m))
                die("compact");
            took[COMPACT] = cpu() - c;
            bk->metrics_free(m);
            m = ingest(bk, bk->sketched, &o, a, e, v, t, n, &took[SKETCH]);
            bk->metrics_free(m);
            if (bk->metrics_new(&m, bk->full, &o))
                die("metrics_new");
            c = wall(); /* two threads: the wall clock, not the CPU time, tells */
            if (bk->add_batch_threads(m, a, e, v, t, n, 2))
                die("add_batch_threads");
            took[THREADS2] = wall() - c;
            bk->metrics_free(m);
            for (int j = 0; j < STAGES; j++) {
                best[k][j] = took[j] < best[k][j] ? took[j] : best[k][j];
                sum[k][j] += took[j];
            }
        }
    static const char *names[STAGES] = {"counters", "quantile ingest", "compact",
                                        "sketch ingest", "quantile 2 thr."};
    printf("%zu rows, %u agents, %d rounds; CPU seconds (2 threads: wall seconds)\n", n,
           agents, rounds);
    printf("%-16s %9s %9s %9s %9s %9s %9s\n", "stage", "old best", "old mean", "new best",
           "new mean", "best n/o", "mean n/o");
    for (int j = 0; j < STAGES; j++)
        printf("%-16s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", names[j], best[0][j],
               sum[0][j] / rounds, best[1][j], sum[1][j] / rounds, best[1][j] / best[0][j],
               sum[1][j] / sum[0][j]);
    for (int k = 0; k < 2; k++) {
        b[k].registry_free(b[k].lean);
        b[k].registry_free(b[k].full);
        b[k].registry_free(b[k].sketched);
    }
    free(a);
    free(e);
    free(v);
    free(t);
    return 0;
}
