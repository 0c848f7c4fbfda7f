/*
 * alloc.c - every byte the library allocates goes through here, so an
 * embedder can supply its own allocator and the tests can make the Nth
 * allocation fail.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void *std_malloc(size_t size, void *user)
{
    (void)user;
    return malloc(size);
}

static void *std_realloc(void *ptr, size_t size, void *user)
{
    (void)user;
    return realloc(ptr, size);
}

static void std_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

/* The library's one process-wide setting; see kpi_set_allocator(). */
static struct {
    kpi_malloc_fn malloc_fn;
    kpi_realloc_fn realloc_fn;
    kpi_free_fn free_fn;
    void *user;
} allocator = {std_malloc, std_realloc, std_free, NULL};

kpi_status kpi_set_allocator(kpi_malloc_fn malloc_fn, kpi_realloc_fn realloc_fn,
                             kpi_free_fn free_fn, void *user)
{
    kpi__error_reset();
    if (!malloc_fn && !realloc_fn && !free_fn) {
        allocator.malloc_fn = std_malloc;
        allocator.realloc_fn = std_realloc;
        allocator.free_fn = std_free;
        allocator.user = NULL;
        return KPI_OK;
    }
    if (!malloc_fn || !realloc_fn || !free_fn)
        return kpi__fail(KPI_EINVAL,
                         "kpi_set_allocator: give all three hooks (malloc, realloc, free) or none");
    allocator.malloc_fn = malloc_fn;
    allocator.realloc_fn = realloc_fn;
    allocator.free_fn = free_fn;
    allocator.user = user;
    return KPI_OK;
}

static void *out_of_memory(size_t size)
{
    kpi__fail(KPI_ENOMEM, "out of memory allocating %zu bytes", size);
    return NULL;
}

void *kpi__malloc(size_t size)
{
    void *p = allocator.malloc_fn(size ? size : 1, allocator.user);
    return p ? p : out_of_memory(size);
}

void *kpi__calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return out_of_memory(SIZE_MAX);
    void *p = kpi__malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *kpi__realloc(void *ptr, size_t size)
{
    void *p = allocator.realloc_fn(ptr, size ? size : 1, allocator.user);
    return p ? p : out_of_memory(size);
}

void *kpi__reallocarray(void *ptr, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return out_of_memory(SIZE_MAX);
    return kpi__realloc(ptr, count * size);
}

bool kpi__grow(void **items, size_t *capacity, size_t count, size_t size)
{
    if (count < *capacity)
        return true;
    size_t grown = *capacity ? 2 * *capacity : 8;
    void *p = kpi__reallocarray(*items, grown, size);
    if (!p)
        return false;
    *items = p;
    *capacity = grown;
    return true;
}

void kpi__free(void *ptr)
{
    if (ptr)
        allocator.free_fn(ptr, allocator.user);
}

char *kpi__strndup(const char *s, size_t n)
{
    char *p = kpi__malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *kpi__strdup(const char *s)
{
    return kpi__strndup(s, strlen(s));
}
