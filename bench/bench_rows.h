/*
 * bench_rows.h - the generated month of events bench_metrics and ab_metrics
 * both measure, so that their figures describe the same rows.
 *
 * One month in Beijing time; 36 % of rows are first replies with a response
 * time in whole milliseconds (2 s to about 2 min, skewed toward short
 * waits, so they repeat), the rest consultations, orders, payments in fen,
 * call events and so on. The same (n, agents) always give the same rows.
 */
#ifndef KPISCORE_BENCH_ROWS_H
#define KPISCORE_BENCH_ROWS_H

#include <stdint.h>

#include <kpiscore.h>

/* Fills the four columns with @n rows over @agents agents; returns the
 * count of response times among them. */
static size_t bench_rows(size_t n, uint32_t agents, uint32_t *a, uint16_t *e, int64_t *v,
                         int64_t *t)
{
    static const uint16_t others[] = {KPI_EVENT_CONSULT, KPI_EVENT_CONSULT, KPI_EVENT_ORDER,
                                      KPI_EVENT_PAYMENT, KPI_EVENT_CALL_OFFERED,
                                      KPI_EVENT_CALL_ANSWERED, KPI_EVENT_TALK, KPI_EVENT_ACW,
                                      KPI_EVENT_LISTING, KPI_EVENT_SUBORDER};
    const int64_t month = INT64_C(1793464200000); /* 2026-11-01T00:30+08:00 */
    uint64_t rng = 20261123;
    size_t replies = 0;
#define BENCH_RND() (rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17, rng)
    for (size_t i = 0; i < n; i++) {
        uint64_t r = BENCH_RND();
        a[i] = (uint32_t)(r % agents);
        if ((r >> 32) % 100 < 36) {
            e[i] = KPI_EVENT_REPLY;
            uint64_t x = BENCH_RND();
            v[i] = 2000 + (int64_t)((x % 120000) * ((x >> 40) % 1000) / 1000);
            replies++;
        } else {
            e[i] = others[(r >> 40) % 10];
            v[i] = (int64_t)((r >> 20) % 100000);
        }
        t[i] = month + (int64_t)(BENCH_RND() % (INT64_C(29) * 86400000));
    }
#undef BENCH_RND
    return replies;
}

#endif /* KPISCORE_BENCH_ROWS_H */
