/*
 * kpiscore/alloc.h - the allocator every kpiscore object uses.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_ALLOC_H
#define KPISCORE_ALLOC_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** malloc-like hook: returns NULL on failure. */
typedef void *(*kpi_malloc_fn)(size_t size, void *user);
/** realloc-like hook: returns NULL on failure and leaves @p ptr intact. */
typedef void *(*kpi_realloc_fn)(void *ptr, size_t size, void *user);
/** free-like hook: must accept NULL. */
typedef void (*kpi_free_fn)(void *ptr, void *user);

/**
 * Replaces the allocator used for all kpiscore memory (embedders with their
 * own arenas, and the allocation-failure tests).
 *
 * Call it before creating any kpiscore object, and never while another
 * thread uses the library: objects allocated by one allocator must be
 * freed by the same one. This is the library's only process-wide setting.
 *
 * @param malloc_fn   allocation hook, or NULL for the C library's malloc
 * @param realloc_fn  reallocation hook, or NULL for realloc
 * @param free_fn     release hook, or NULL for free
 * @param user        passed unchanged to every hook
 * @return KPI_OK; KPI_EINVAL if only some hooks are given (all three or
 *         none). Not thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_set_allocator(kpi_malloc_fn malloc_fn,
                                     kpi_realloc_fn realloc_fn,
                                     kpi_free_fn free_fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_ALLOC_H */
