/*
 * alloc_countdown.h - the allocator of the allocation-failure sweeps (as
 * SQLite's tests do): install it with
 *   kpi_set_allocator(fail_malloc, fail_realloc, plain_free, NULL)
 * then set alloc_countdown = k to make the (k+1)th allocation from now fail
 * (-1: never), for k = 0, 1, 2, ... until the operation succeeds.
 */
#ifndef KPI_TEST_ALLOC_COUNTDOWN_H
#define KPI_TEST_ALLOC_COUNTDOWN_H

#include <stdlib.h>

static long alloc_countdown = -1;

static void *fail_malloc(size_t size, void *user)
{
    (void)user;
    if (alloc_countdown == 0)
        return NULL;
    if (alloc_countdown > 0)
        alloc_countdown--;
    return malloc(size);
}

static void *fail_realloc(void *p, size_t size, void *user)
{
    (void)user;
    if (alloc_countdown == 0)
        return NULL;
    if (alloc_countdown > 0)
        alloc_countdown--;
    return realloc(p, size);
}

static void plain_free(void *p, void *user)
{
    (void)user;
    free(p);
}

#endif /* KPI_TEST_ALLOC_COUNTDOWN_H */
