/*
 * bench_pay.c - the pay engine's hot path: one 8-row schedule evaluated over
 * 10 million amounts with kpi_schedule_eval_batch(), against a plain loop
 * that only sums the same amounts, measured in the same run (best of 5).
 *
 *   build/bench/bench_pay [n]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kpiscore.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t state = 0x2545F4914F6CDD1Du;
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static kpi_schedule *eight_rows(kpi_bracket_mode mode)
{
    kpi_schedule_def def = KPI_SCHEDULE_DEF_INIT;
    def.mode = mode;
    kpi_bracket_row rows[8];
    for (int i = 0; i < 8; i++) {
        kpi_bracket_row r = KPI_BRACKET_ROW_INIT;
        r.from = (int64_t)i * 1000000;                     /* every 10 000.00 yuan */
        r.to = i == 7 ? KPI_UNBOUNDED_ABOVE : (int64_t)(i + 1) * 1000000;
        r.rate = 10000000 + (int64_t)i * 2500000;         /* 1 %, 1.25 %, ... 2.75 % */
        if (mode == KPI_BRACKET_FORMULA)
            r.base = (int64_t)i * 15000;
        rows[i] = r;
    }
    kpi_schedule *s = NULL;
    if (kpi_schedule_new(&s, &def, rows, 8) != KPI_OK) {
        fprintf(stderr, "kpi_schedule_new: %s\n", kpi_error_text(kpi_error_last()));
        exit(1);
    }
    return s;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;
    int64_t *amounts = malloc(n * sizeof *amounts);
    kpi_money *out = malloc(n * sizeof *out);
    if (!amounts || !out)
        return 1;
    for (size_t i = 0; i < n; i++)
        amounts[i] = (int64_t)(next() % 10000000); /* 0 .. 100 000.00 yuan */
    for (size_t i = 0; i < n; i++) /* fault the output pages in before timing */
        out[i] = 0;

    /* the plain loop: read and sum the same amounts */
    double plain = 1e30;
    volatile int64_t sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        int64_t sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += amounts[i];
        sink = sum;
        double t = now() - t0;
        plain = t < plain ? t : plain;
    }
    printf("plain sum:        %8.1f M amounts/s\n", n / plain / 1e6);

    static const struct {
        kpi_bracket_mode mode;
        const char *name;
    } modes[] = {{KPI_BRACKET_MARGINAL, "marginal"},
                 {KPI_BRACKET_WHOLE, "whole"},
                 {KPI_BRACKET_FORMULA, "formula"}};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        kpi_schedule *s = eight_rows(modes[m].mode);
        double best = 1e30;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = now();
            if (kpi_schedule_eval_batch(s, amounts, NULL, n, out) != KPI_OK) {
                fprintf(stderr, "batch: %s\n", kpi_error_text(kpi_error_last()));
                return 1;
            }
            double t = now() - t0;
            best = t < best ? t : best;
            sink += out[n / 2];
        }
        /* one scalar call per amount, for comparison */
        size_t ns = n < 2000000 ? n : 2000000;
        double t0 = now();
        for (size_t i = 0; i < ns; i++)
            kpi_schedule_eval(s, amounts[i], &out[i], NULL);
        double scalar = now() - t0;
        printf("%-8s 8 rows:   %8.1f M evals/s batch (%.2fx the plain loop's time), "
               "%6.1f M evals/s one call each\n",
               modes[m].name, n / best / 1e6, best / plain, ns / scalar / 1e6);
        kpi_schedule_free(s);
    }
    (void)sink;
    free(amounts);
    free(out);
    return 0;
}
