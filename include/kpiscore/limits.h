/*
 * kpiscore/limits.h - safety limits on untrusted input (plans, events CSV,
 * saved states). A plan, an event file or a state comes from other systems
 * and from people; these bounds keep a malformed or hostile one from eating
 * the embedding process's memory or stack. Exceeding one is KPI_ELIMIT with
 * the limit's name, the value found, and where (file, line, column, JSON
 * path, or byte offset): never an out-of-memory, never a crash.
 *
 * The limits are one process-wide setting, like the allocator hook
 * (kpi_set_allocator()): they are a deployment policy that applies to every
 * reader at once, whichever option struct the caller passes. Per-call knobs
 * that existed before still win when they are set: kpi_plan_options.max_bytes,
 * kpi_csv_options.max_record_bytes and max_fields, kpi_metrics_load()'s
 * max_bytes. See docs/security.md.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_LIMITS_H
#define KPISCORE_LIMITS_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The limits. Initialise with KPI_LIMITS_INIT (every field 0: "the
 * default"), or fill from the current setting with kpi_limits_get(), then
 * change the fields you mean to. Fields may only be appended.
 */
typedef struct kpi_limits {
    size_t size;           /**< sizeof(kpi_limits), set by KPI_LIMITS_INIT */
    size_t plan_bytes;     /**< largest plan read, in bytes (after a BOM); default 16 MiB */
    size_t json_depth;     /**< deepest nesting of arrays and objects in a plan; default 64, at most 1024 */
    size_t rubric_items;   /**< items in "rubric.items"; default 1 000 */
    size_t bands;          /**< bands of one rubric item or one tier table; default 1 000 */
    size_t bracket_rows;   /**< rows of one pay schedule; default 1 000 */
    size_t tiers;          /**< tier tables in "tiers"; default 100 */
    size_t label_bytes;    /**< longest string or key in a plan (ids, labels, names), in bytes
                                as written; "note" texts are exempt; default 1 024 */
    size_t csv_line_bytes; /**< longest events-CSV record in bytes; default 1 MiB, 16 ... 1 GiB */
    size_t csv_fields;     /**< most fields in a CSV record; default 4 096, at most 65 536 */
    size_t state_bytes;    /**< largest saved metrics state or sketch, in bytes; default 1 GiB */
} kpi_limits;

/** All fields 0: the defaults. */
#define KPI_LIMITS_INIT {sizeof(kpi_limits), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

/* The defaults, for documentation and tests. */
#define KPI_LIMIT_PLAN_BYTES ((size_t)16 << 20)
#define KPI_LIMIT_JSON_DEPTH ((size_t)64)
#define KPI_LIMIT_RUBRIC_ITEMS ((size_t)1000)
#define KPI_LIMIT_BANDS ((size_t)1000)
#define KPI_LIMIT_BRACKET_ROWS ((size_t)1000)
#define KPI_LIMIT_TIERS ((size_t)100)
#define KPI_LIMIT_LABEL_BYTES ((size_t)1024)
#define KPI_LIMIT_CSV_LINE_BYTES ((size_t)1 << 20)
#define KPI_LIMIT_CSV_FIELDS ((size_t)4096)
#define KPI_LIMIT_STATE_BYTES ((size_t)1 << 30)

/**
 * Reads the current limits (every field filled with the value in force,
 * defaults included).
 *
 * @param out  set out->size with KPI_LIMITS_INIT first; fields beyond it are not written
 * @return KPI_OK; KPI_EINVAL (NULL, or a size smaller than the first version's).
 *         Safe from any thread while no thread calls kpi_limits_set().
 * @since 1.0
 */
KPI_API kpi_status kpi_limits_get(kpi_limits *out);

/**
 * Replaces the process-wide limits. A field 0 means that limit's default;
 * NULL restores every default. All fields are checked before any is
 * changed, so on failure the setting is as before.
 *
 * Not thread-safe: call it at start-up (or while no other thread uses
 * kpiscore), like kpi_set_allocator(). Calls already running may see the
 * old or the new limits.
 *
 * @return KPI_OK; KPI_EINVAL (bad size; json_depth above 1024; csv_line_bytes
 *         outside 16 ... 1 GiB; csv_fields above 65 536), naming the field.
 * @since 1.0
 */
KPI_API kpi_status kpi_limits_set(const kpi_limits *limits);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_LIMITS_H */
