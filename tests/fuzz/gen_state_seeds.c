/*
 * gen_state_seeds.c - writes the seed corpus of fuzz_state: real metrics
 * states (built-in registry; month, day and whole-run periods; empty and
 * filled) and sketches (empty, positive, mixed signs, collapsed).
 * Usage: gen_state_seeds DIR   (the checked-in files in seeds/state/ came
 * from this program; rerun it after a format change).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kpiscore.h"

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    return fclose(f) != 0;
}

static int save_metrics(const char *dir, const char *name, const kpi_metrics *m)
{
    size_t n = 0;
    kpi_metrics_save(m, NULL, 0, &n);
    void *buf = malloc(n);
    int rc = kpi_metrics_save(m, buf, n, &n) != KPI_OK || write_file(dir, name, buf, n);
    free(buf);
    return rc;
}

static int metrics_seed(const char *dir, const kpi_metric_registry *reg, const char *name,
                        kpi_period period, size_t rows)
{
    kpi_metrics_options o = KPI_METRICS_OPTIONS_INIT;
    o.period = period;
    kpi_metrics *m;
    if (kpi_metrics_new(&m, reg, &o) != KPI_OK)
        return 1;
    static const char *const kinds[] = {"consult", "reply", "payment", "refund", "suborder",
                                        "call_answered", "talk", "qa_score"};
    uint32_t agent[64];
    uint16_t event[64];
    int64_t value[64], time_ms[64];
    for (size_t i = 0; i < rows && i < 64; i++) {
        agent[i] = (uint32_t)(i % 5);
        kpi_metric_registry_event_find(reg, kinds[i % 8], &event[i]);
        value[i] = (int64_t)(i * 37 % 1000) + 1;
        time_ms[i] = INT64_C(1767196800000) + (int64_t)i * INT64_C(86400000) * 3; /* from 2026-01-01 */
    }
    int rc = kpi_metrics_add_batch(m, agent, event, value, time_ms, rows) != KPI_OK ||
             save_metrics(dir, name, m);
    kpi_metrics_free(m);
    return rc;
}

static int sketch_seed(const char *dir, const char *name, const double *v, size_t n,
                       uint32_t max_buckets)
{
    kpi_sketch_options o = KPI_SKETCH_OPTIONS_INIT;
    o.max_buckets = max_buckets;
    kpi_sketch *s;
    if (kpi_sketch_new(&s, &o) != KPI_OK || kpi_sketch_add_n(s, v, n) != KPI_OK)
        return 1;
    size_t size = 0;
    kpi_sketch_serialize(s, NULL, 0, &size);
    void *buf = malloc(size);
    int rc = kpi_sketch_serialize(s, buf, size, &size) != KPI_OK || write_file(dir, name, buf, size);
    free(buf);
    kpi_sketch_free(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_state_seeds DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    kpi_metric_registry *reg;
    if (kpi_metric_registry_new(&reg, KPI_REGISTRY_BUILTINS) != KPI_OK)
        return 1;
    int rc = metrics_seed(dir, reg, "metrics-empty", KPI_PERIOD_MONTH, 0);
    rc |= metrics_seed(dir, reg, "metrics-month", KPI_PERIOD_MONTH, 40);
    rc |= metrics_seed(dir, reg, "metrics-day", KPI_PERIOD_DAY, 12);
    rc |= metrics_seed(dir, reg, "metrics-all", KPI_PERIOD_ALL, 64);
    kpi_metric_registry_free(reg);

    double v[200];
    for (int i = 0; i < 200; i++)
        v[i] = (i % 3 == 0 ? -1.0 : 1.0) * exp(i * 0.07);
    rc |= sketch_seed(dir, "sketch-empty", v, 0, 2048);
    rc |= sketch_seed(dir, "sketch-positive", v + 1, 1, 2048);
    rc |= sketch_seed(dir, "sketch-mixed", v, 200, 2048);
    rc |= sketch_seed(dir, "sketch-collapsed", v, 200, 16);
    return rc;
}
