/* pay_test_util.h - small helpers the pay tests share: exact literals,
 * error checks, and an allocator that fails the Nth allocation. */
#ifndef PAY_TEST_UTIL_H
#define PAY_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "pay_internal.h"

static inline kpi_dec D(const char *text)
{
    kpi_dec v = 0;
    if (kpi_dec_parse(text, KPI_NTS, &v) != KPI_OK)
        fail_msg("kpi_dec_parse(\"%s\"): %s", text, kpi_error_text(kpi_error_last()));
    return v;
}

static inline kpi_money M(const char *text)
{
    kpi_money v = 0;
    if (kpi_money_parse(text, KPI_NTS, &v) != KPI_OK)
        fail_msg("kpi_money_parse(\"%s\"): %s", text, kpi_error_text(kpi_error_last()));
    return v;
}

/* Asserts the last failure: its code, a message fragment and (if given) the path. */
#define expect_error(st, code, fragment, path)                                              \
    do {                                                                                    \
        kpi_status st_ = (st);                                                              \
        const kpi_error *e_ = kpi_error_last();                                             \
        if (st_ != (code))                                                                  \
            fail_msg("expected %s, got %s: %s", kpi_status_str(code), kpi_status_str(st_), \
                     kpi_error_text(e_));                                                   \
        if (!strstr(kpi_error_message(e_), (fragment)))                                     \
            fail_msg("message '%s' lacks '%s'", kpi_error_message(e_), (fragment));         \
        if ((path) && strcmp(kpi_error_path(e_), (path) ? (path) : "") != 0)                \
            fail_msg("path '%s', expected '%s'", kpi_error_path(e_), (path) ? (path) : ""); \
    } while (0)

/* Deterministic 64-bit generator (splitmix64), so failures reproduce. */
static inline uint64_t rnd(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* A value in [lo, hi]. */
static inline int64_t rnd_in(uint64_t *state, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd(state) % (uint64_t)(hi - lo + 1));
}

/* An allocator that fails allocation number fail_at (counting from 1). */
struct failing_alloc {
    int count;
    int fail_at;
};

static inline void *failing_malloc(size_t size, void *user)
{
    struct failing_alloc *f = user;
    return ++f->count == f->fail_at ? NULL : malloc(size);
}

static inline void *failing_realloc(void *p, size_t size, void *user)
{
    struct failing_alloc *f = user;
    return ++f->count == f->fail_at ? NULL : realloc(p, size);
}

static inline void failing_free(void *p, void *user)
{
    (void)user;
    free(p);
}

static inline void failing_install(struct failing_alloc *f, int fail_at)
{
    f->count = 0;
    f->fail_at = fail_at;
    kpi_set_allocator(failing_malloc, failing_realloc, failing_free, f);
}

static inline void failing_remove(void)
{
    kpi_set_allocator(NULL, NULL, NULL, NULL);
}

#endif /* PAY_TEST_UTIL_H */
