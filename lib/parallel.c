/*
 * parallel.c - one piece of work per item, on threads of their own: the
 * ingestion's slices and lanes and the evaluation's shares of agents.
 */
#include <pthread.h>
#include <stdbool.h>

#include "internal.h"

void kpi__parallel(void *items, size_t size, unsigned n, void *(*fn)(void *))
{
    pthread_t tid[KPI__PARALLEL_MAX];
    bool started[KPI__PARALLEL_MAX] = {false};
    char *item = items;
    for (unsigned t = 1; t < n; t++)
        started[t] = pthread_create(&tid[t], NULL, fn, item + t * size) == 0;
    if (n)
        fn(item);
    for (unsigned t = 1; t < n; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            fn(item + t * size); /* no thread to be had: here, in turn */
    }
}
