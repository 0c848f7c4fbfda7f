/* bench_sketch.c - sketch insertion speed and memory per sketch.
 *
 * Values are response times from 10 ms to 1 hour (log-uniform, in ms),
 * alpha = 1 %. Prints ns per value for one sketch fed in batches, for
 * 10 000 per-agent sketches fed value by value, the plain loop that only
 * sums the same values, and the memory each sketch holds.
 *
 * usage: bench_sketch [values]   (default 20 000 000)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kpiscore.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 12345;
static uint64_t next_u64(void)
{
    uint64_t z = (rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void check(kpi_status st)
{
    if (st != KPI_OK) {
        fprintf(stderr, "bench_sketch: %s\n", kpi_error_text(kpi_error_last()));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000000;
    enum { AGENTS = 10000 };
    double *v = malloc(n * sizeof *v);
    uint32_t *agent = malloc(n * sizeof *agent);
    if (!v || !agent)
        return 1;
    for (size_t i = 0; i < n; i++) {
        double u = (double)(next_u64() >> 11) * 0x1p-53;
        v[i] = 10.0 * pow(360000.0, u);
        agent[i] = (uint32_t)(next_u64() % AGENTS);
    }

    /* plain loop over the same values */
    double t0 = now(), acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += v[i];
    double plain = now() - t0;

    /* one sketch, batches of 4096 */
    kpi_sketch *s;
    check(kpi_sketch_new(&s, NULL));
    t0 = now();
    for (size_t i = 0; i < n; i += 4096)
        check(kpi_sketch_add_n(s, v + i, n - i < 4096 ? n - i : 4096));
    double one = now() - t0;
    kpi_sketch_stats st = KPI_SKETCH_STATS_INIT;
    check(kpi_sketch_stats_get(s, &st));
    double p90;
    check(kpi_sketch_quantile(s, KPI_DEC_ONE * 9 / 10, &p90));

    /* 10 000 agents, one value at a time */
    kpi_sketch **per = malloc(AGENTS * sizeof *per);
    for (int a = 0; a < AGENTS; a++)
        check(kpi_sketch_new(&per[a], NULL));
    t0 = now();
    for (size_t i = 0; i < n; i++)
        check(kpi_sketch_add(per[agent[i]], v[i]));
    double many = now() - t0;
    size_t mem = 0, mem_max = 0;
    for (int a = 0; a < AGENTS; a++) {
        kpi_sketch_stats sa = KPI_SKETCH_STATS_INIT;
        check(kpi_sketch_stats_get(per[a], &sa));
        mem += sa.memory;
        if (sa.memory > mem_max)
            mem_max = sa.memory;
    }

    printf("values: %zu (10 ms .. 1 h, log-uniform), alpha 1 %%\n", n);
    printf("plain sum loop          %6.2f ns/value   (sum %.6g)\n", plain / n * 1e9, acc);
    printf("one sketch, add_n       %6.2f ns/value   %.1fx the plain loop\n", one / n * 1e9,
           one / plain);
    printf("10000 sketches, add     %6.2f ns/value   %.1fx the plain loop\n", many / n * 1e9,
           many / plain);
    printf("memory, one sketch      %zu bytes, %u buckets, p90 %.1f ms\n", st.memory,
           (unsigned)st.buckets, p90);
    printf("memory, per agent       mean %zu bytes, max %zu bytes (%zu values each)\n",
           mem / AGENTS, mem_max, n / AGENTS);
    for (int a = 0; a < AGENTS; a++)
        kpi_sketch_free(per[a]);
    free(per);
    kpi_sketch_free(s);
    free(v);
    free(agent);
    return 0;
}
