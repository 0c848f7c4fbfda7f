#define _POSIX_C_SOURCE 199309L
/*
 * bench_rank.c - ranks and percentile ranks of 1 million scores, against a
 * plain pass over the same data and the C library's qsort, in one run.
 * bench/bench_rank.py does the same through ctypes beside numpy's argsort.
 *
 * usage: bench_rank [n]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kpiscore.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_dec(const void *a, const void *b)
{
    kpi_dec x = *(const kpi_dec *)a, y = *(const kpi_dec *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    kpi_dec *s = malloc(n * sizeof *s), *copy = malloc(n * sizeof *s);
    kpi_dec *ranks = malloc(n * sizeof *s), *pcts = malloc(n * sizeof *s);
    if (!s || !copy || !ranks || !pcts)
        return 1;
    uint64_t x = 88172645463325252u; /* xorshift: scores 0.00..100.00, many ties */
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        s[i] = (kpi_dec)(x % 10001) * 10000000;
    }
    double best_plain = 1e9, best_rank = 1e9, best_qsort = 1e9, best_excel = 1e9;
    volatile kpi_dec sink = 0;
    kpi_rank_options o = KPI_RANK_OPTIONS_INIT;
    o.method = KPI_RANK_FRACTIONAL;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        kpi_dec sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += s[i];
        sink = sum;
        double t1 = now();
        o.pct_kind = KPI_PCT_RANK;
        if (kpi_rank(ranks, pcts, NULL, s, n, &o) != KPI_OK)
            return 1;
        double t2 = now();
        o.pct_kind = KPI_PCT_EXCEL_INC;
        if (kpi_rank(NULL, pcts, NULL, s, n, &o) != KPI_OK)
            return 1;
        double t3 = now();
        for (size_t i = 0; i < n; i++)
            copy[i] = s[i];
        qsort(copy, n, sizeof *copy, cmp_dec);
        double t4 = now();
        best_plain = t1 - t0 < best_plain ? t1 - t0 : best_plain;
        best_rank = t2 - t1 < best_rank ? t2 - t1 : best_rank;
        best_excel = t3 - t2 < best_excel ? t3 - t2 : best_excel;
        best_qsort = t4 - t3 < best_qsort ? t4 - t3 : best_qsort;
    }
    (void)sink;
    printf("n = %zu scores (0.00..100.00, many ties), best of 5\n", n);
    printf("plain pass (sum)             %8.2f ms  %8.1f M/s\n", best_plain * 1e3, n / best_plain / 1e6);
    printf("kpi_rank fractional + pct    %8.2f ms  %8.1f M/s  %6.1fx the plain pass\n", best_rank * 1e3,
           n / best_rank / 1e6, best_rank / best_plain);
    printf("kpi_rank PERCENTRANK.INC     %8.2f ms  %8.1f M/s\n", best_excel * 1e3, n / best_excel / 1e6);
    printf("qsort (copy + sort)          %8.2f ms  %8.1f M/s  kpi_rank / qsort = %.2f\n", best_qsort * 1e3,
           n / best_qsort / 1e6, best_rank / best_qsort);
    free(s);
    free(copy);
    free(ranks);
    free(pcts);
    return 0;
}
