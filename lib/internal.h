/*
 * internal.h - helpers shared by the library's modules. Never installed,
 * never exported: names start with kpi__ and have hidden visibility.
 */
#ifndef KPISCORE_INTERNAL_H
#define KPISCORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>

#include "kpiscore.h"

#if defined(__GNUC__)
#define KPI__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KPI__LIKELY(x) __builtin_expect(!!(x), 1)
#define KPI__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define KPI__PRINTF(f, a)
#define KPI__LIKELY(x) (x)
#define KPI__UNLIKELY(x) (x)
#endif

/* Returns the status of @x from the calling function unless it is KPI_OK. */
#define KPI__TRY(x)                   \
    do {                              \
        kpi_status kpi_try_st_ = (x); \
        if (kpi_try_st_ != KPI_OK)    \
            return kpi_try_st_;       \
    } while (0)

/* 128-bit intermediates keep products of two int64 exact. */
__extension__ typedef __int128 kpi__i128;
__extension__ typedef unsigned __int128 kpi__u128;

/* ---- error record (error.c) ------------------------------------------ */

/* Every public entry point that can fail calls this first. */
void kpi__error_reset(void);

/*
 * Records a failure unless one is already recorded in this call (the
 * first, innermost failure wins) and returns @code, so that
 * `return kpi__fail(KPI_EINVAL, "...")` reads naturally.
 */
kpi_status kpi__fail(kpi_status code, const char *fmt, ...) KPI__PRINTF(2, 3);
kpi_status kpi__vfail(kpi_status code, const char *fmt, va_list ap);

/* Location setters: each fills only what the record does not know yet. */
void kpi__error_set_source(const char *source);
void kpi__error_set_position(long line, long column, long long offset);
void kpi__error_set_path(const char *path);

/* True when a failure is recorded in the current call. */
bool kpi__error_pending(void);

/*
 * Input text as an error message quotes it: at most @most bytes (at most
 * KPI__QUOTE_MAX, cut at a UTF-8 character boundary and then followed by
 * "..."), a NUL or other control byte as \xNN, so that the message shows
 * what the input holds (printf's %.*s would stop at a NUL). Returns @out.
 */
#define KPI__QUOTE_MAX 60
#define KPI__QUOTED (4 * KPI__QUOTE_MAX + 4)
const char *kpi__quote(char out[KPI__QUOTED], const char *text, size_t n, size_t most);
/* The one character (UTF-8 sequence) starting @text, of the @n bytes there, quoted so. */
const char *kpi__quote_char(char out[KPI__QUOTED], const char *text, size_t n);

/* ---- allocation (alloc.c) -------------------------------------------- */

/*
 * The library's only way to get memory. On failure they record KPI_ENOMEM
 * ("out of memory allocating N bytes") and return NULL.
 */
void *kpi__malloc(size_t size);
void *kpi__calloc(size_t count, size_t size);
void *kpi__realloc(void *ptr, size_t size);
/* realloc of count * size bytes, failing (KPI_ENOMEM) on multiplication overflow. */
void *kpi__reallocarray(void *ptr, size_t count, size_t size);
void kpi__free(void *ptr);
/*
 * Makes room for one more element in a doubling array: when *count equals
 * *capacity, grows *items (elements of @size bytes) and *capacity. Returns
 * false (KPI_ENOMEM recorded, array unchanged) when memory runs out.
 */
bool kpi__grow(void **items, size_t *capacity, size_t count, size_t size);
char *kpi__strdup(const char *s);
char *kpi__strndup(const char *s, size_t n);

/* ---- exact arithmetic (decimal.c) ------------------------------------ */

/* true when @mode is one of KPI_ROUND_*. */
bool kpi__round_valid(kpi_round mode);

/*
 * @num / @den rounded to an integer with @mode. @den must not be 0 and
 * @mode must be valid (callers check both).
 */
kpi__i128 kpi__div_round(kpi__i128 num, kpi__i128 den, kpi_round mode);

/* Narrows to int64; false when it does not fit. */
static inline bool kpi__i128_fits(kpi__i128 v)
{
    return v >= INT64_MIN && v <= INT64_MAX;
}

/* 10^n for 0 <= n <= 18. */
int64_t kpi__pow10(int n);

/* Number of UTF-8 code points in the first @bytes bytes of @s. */
long kpi__utf8_count(const char *s, size_t bytes);

/* ---- threads (parallel.c) --------------------------------------------- */

/* The most items kpi__parallel() takes: the 64 threads the API allows. */
#define KPI__PARALLEL_MAX 64

/* Runs @fn on each of the @n (<= KPI__PARALLEL_MAX) items of @size bytes
 * at @items: the first in the calling thread, the others on threads of
 * their own (in the calling thread, in turn, when one cannot be had).
 * Returns when all are done. */
void kpi__parallel(void *items, size_t size, unsigned n, void *(*fn)(void *));

#endif /* KPISCORE_INTERNAL_H */
