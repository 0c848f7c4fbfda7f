/* bench_csv.c - the events CSV reader against libcsv and a plain byte loop.
 *
 * Generates events CSV (agent,time,event,value) in memory and reports MB/s
 * for: a plain loop counting line feeds, our reader on 1 and 2 threads
 * (whole buffer), our streaming reader fed 1 MiB pieces, our reader with
 * the value column parsed as int64, and libcsv (strict mode) counting
 * fields, all in the same run.
 *
 * usage: bench_csv [rows]   (default 10 000 000)
 */
#define _POSIX_C_SOURCE 200809L
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kpiscore.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
    size_t rows, bytes;
    int64_t sum;
    int parse_value;
} counter;

static kpi_status count_rows(const kpi_csv_batch *b, void *user)
{
    counter *c = user;
    c->rows += b->rows;
    for (size_t r = 0; r < b->rows; r++)
        c->bytes += b->len[r * b->fields + 3];
    if (c->parse_value)
        for (size_t r = 0; r < b->rows; r++) {
            int64_t v;
            kpi_status st = kpi_csv_field_int64(b, r, 3, &v);
            if (st)
                return st;
            c->sum += v;
        }
    return KPI_OK;
}

/* one counter per chunk for the parallel parse */
static kpi_status count_chunk(const kpi_csv_batch *b, void *user)
{
    counter *c = user;
    return count_rows(b, &c[b->chunk]);
}

static size_t lib_fields, lib_rows;
static void lib_field(void *s, size_t n, void *u)
{
    (void)s, (void)n, (void)u;
    lib_fields++;
}
static void lib_row(int c, void *u)
{
    (void)c, (void)u;
    lib_rows++;
}

static void check(kpi_status st)
{
    if (st != KPI_OK) {
        fprintf(stderr, "bench_csv: %s\n", kpi_error_text(kpi_error_last()));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000;
    static const char *events[] = {"consult", "reply", "order", "pay", "refund"};
    size_t cap = rows * 64 + 64, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return 1;
    n += (size_t)sprintf(buf, "agent,time,event,value\n");
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < rows; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned sec = (unsigned)(i / 4 % 86400);
        n += (size_t)sprintf(buf + n, "A%05u,2025-03-%02u %02u:%02u:%02u.%03u,%s,%u\n",
                             (unsigned)(x % 10000), (unsigned)(1 + i * 30 / rows), sec / 3600,
                             sec / 60 % 60, sec % 60, (unsigned)(x >> 20) % 1000,
                             events[(x >> 40) % 5], (unsigned)(x >> 44) % 600000);
    }
    double mb = (double)n / 1e6;
    printf("events CSV: %zu rows, %.1f MB in memory\n", rows, mb);

    double t0 = now();
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
    double plain = now() - t0;
    printf("%-34s %8.0f MB/s  (%zu lines)\n", "plain loop counting LF", mb / plain, lines);

    kpi_csv_options o = KPI_CSV_OPTIONS_INIT;
    for (int utf8 = 1; utf8 >= 0; utf8--) {
        o.validate_utf8 = utf8;
        for (unsigned threads = 1; threads <= 2; threads++) {
            counter c[2];
            memset(c, 0, sizeof c);
            t0 = now();
            check(kpi_csv_parse(buf, n, &o, threads, count_chunk, c));
            double t = now() - t0;
            char name[64];
            snprintf(name, sizeof name, "kpiscore, %u thread%s%s", threads, threads > 1 ? "s" : "",
                     utf8 ? "" : ", no UTF-8 check");
            printf("%-34s %8.0f MB/s  %.2fx the plain loop  (%zu rows)\n", name, mb / t,
                   plain / t, c[0].rows + c[1].rows);
        }
    }
    o.validate_utf8 = 1;
    {
        counter c = {0, 0, 0, 1};
        t0 = now();
        check(kpi_csv_parse(buf, n, &o, 1, count_rows, &c));
        double t = now() - t0;
        printf("%-34s %8.0f MB/s  %.2fx the plain loop  (sum %lld)\n",
               "kpiscore, 1 thread, + int64 value", mb / t, plain / t, (long long)c.sum);
    }
    {
        counter c = {0};
        kpi_csv_reader *r;
        check(kpi_csv_reader_new(&r, &o));
        t0 = now();
        for (size_t at = 0; at < n; at += 1 << 20)
            check(kpi_csv_reader_feed(r, buf + at, n - at < (1 << 20) ? n - at : 1 << 20,
                                      count_rows, &c));
        check(kpi_csv_reader_finish(r, count_rows, &c));
        double t = now() - t0;
        kpi_csv_reader_free(r);
        printf("%-34s %8.0f MB/s  %.2fx the plain loop  (%zu rows)\n",
               "kpiscore streaming, 1 MiB feeds", mb / t, plain / t, c.rows);
    }
    {
        struct csv_parser p;
        csv_init(&p, CSV_STRICT);
        t0 = now();
        size_t used = csv_parse(&p, buf, n, lib_field, lib_row, NULL);
        csv_fini(&p, lib_field, lib_row, NULL);
        double t = now() - t0;
        csv_free(&p);
        printf("%-34s %8.0f MB/s  %.2fx the plain loop  (%zu rows%s)\n", "libcsv 3, strict",
               mb / t, plain / t, lib_rows, used == n ? "" : ", FAILED");
    }
    free(buf);
    return 0;
}
