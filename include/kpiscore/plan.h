/*
 * kpiscore/plan.h - plan files (考核方案): one versioned JSON document with
 * the inputs, the rubric and the rounding (metrics, tiers and pay rules join
 * later through the same loader). The format is docs/plan-format.md.
 *
 * Errors say where: file, line, column (characters), JSON path, and what
 * was expected ("plan.json:12:7: rubric.items[3].bands[1].below: ...").
 * A loaded plan is immutable and safe to share across threads.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_PLAN_H
#define KPISCORE_PLAN_H

#include "common.h"
#include "decimal.h"
#include "lint.h"
#include "metrics.h"
#include "rubric.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kpi_plan kpi_plan;

/** The plan format version this library reads ("kpiscore": 1). */
#define KPI_PLAN_FORMAT 1

/** Loader options. Set with KPI_PLAN_OPTIONS_INIT, then change fields. */
typedef struct kpi_plan_options {
    size_t size;      /**< sizeof(kpi_plan_options) */
    size_t max_bytes; /**< largest plan read, in bytes; 0: 16 MiB */
} kpi_plan_options;

#define KPI_PLAN_OPTIONS_INIT {sizeof(kpi_plan_options), 0}

/**
 * Loads a plan from a file.
 *
 * @param out      receives the plan; free with kpi_plan_free(); untouched on failure
 * @param path     the file (UTF-8 JSON, a BOM is allowed)
 * @param options  NULL for the defaults
 * @return KPI_OK; KPI_EIO (cannot read); KPI_ELIMIT (larger than max_bytes);
 *         KPI_EPARSE (not JSON, or a malformed number); KPI_EVERSION
 *         ("kpiscore" is not 1); KPI_EPLAN (a key, type or value that makes
 *         no sense, with what was expected); KPI_ERANGE; KPI_EDUPLICATE;
 *         KPI_ENOTFOUND (an input, category or id that is not declared);
 *         KPI_EINVAL; KPI_ENOMEM. kpi_error_last() has the file, line,
 *         column and JSON path.
 * @since 1.0
 */
KPI_API kpi_status kpi_plan_load_file(kpi_plan **out, const char *path, const kpi_plan_options *options);

/**
 * Loads a plan from @p len bytes of @p text.
 *
 * @param source   the name used in messages ("plan.json", "crm:plan/7"); may be NULL
 * @return as kpi_plan_load_file(), without KPI_EIO.
 * @since 1.0
 */
KPI_API kpi_status kpi_plan_load_buffer(kpi_plan **out, const char *text, size_t len, const char *source,
                                        const kpi_plan_options *options);

/** Frees a plan and its rubric; NULL is a no-op. @since 1.0 */
KPI_API void kpi_plan_free(kpi_plan *plan);

/** The plan's "name" (borrowed; "" for NULL). @since 1.0 */
KPI_API const char *kpi_plan_name(const kpi_plan *plan);

/** The plan's "note" (borrowed; "" when absent). @since 1.0 */
KPI_API const char *kpi_plan_note(const kpi_plan *plan);

/** The plan's "period" ("month", "quarter", ...; "" when absent). Borrowed. @since 1.0 */
KPI_API const char *kpi_plan_period(const kpi_plan *plan);

/**
 * The plan's rounding: mode and decimal places of every reported figure.
 * @return KPI_OK; KPI_EINVAL (NULL plan). Either output may be NULL. @since 1.0
 */
KPI_API kpi_status kpi_plan_rounding(const kpi_plan *plan, kpi_round *mode, int *places);

/**
 * The plan's rubric, borrowed (valid while the plan lives), or NULL when the
 * plan has no "rubric" section. Score with kpi_rubric_score(). @since 1.0
 */
KPI_API const kpi_rubric *kpi_plan_rubric(const kpi_plan *plan);

/**
 * The plan's metric registry: the built-in metrics plus the event kinds and
 * metrics its "metrics" section defines. Borrowed, valid while the plan
 * lives; make the accumulators a run reads with it.
 * @since 1.0
 */
KPI_API const kpi_metric_registry *kpi_plan_metric_registry(const kpi_plan *plan);

/**
 * The accumulator options the plan asks for: its period ("metrics".
 * "period", else the plan's "period") and time zone ("utc_offset", default
 * +08:00). @p out must be set with KPI_METRICS_OPTIONS_INIT.
 * @return KPI_OK; KPI_EINVAL. @since 1.0
 */
KPI_API kpi_status kpi_plan_metrics_options(const kpi_plan *plan, kpi_metrics_options *out);

/**
 * Lints the plan: the rubric's findings (kpi_rubric_lint()), the tier
 * tables' bands (kpi_tier_bands_lint(): gaps, overlaps, end points without
 * an owner) and the pay schedules (kpi_schedule_lint(): jumps, holes,
 * decreases; plus "unused-schedule"), with paths from the plan's root
 * ("rubric.items[2].bands[1]", "inputs.late", "tiers[0].bands[1]",
 * "pay.schedules.personal.rows[2].from") and their line and column in the
 * file (a row written as a "range" is located at the row).
 * @return KPI_OK; KPI_EINVAL; KPI_ENOMEM. Thread-safe on a shared plan.
 * @since 1.0
 */
KPI_API kpi_status kpi_plan_lint(const kpi_plan *plan, kpi_lint *lint);

/**
 * Number of tier tables in the plan's "tiers" section (0 without one or
 * for NULL). Thread-safe. @since 1.0
 */
KPI_API size_t kpi_plan_tier_count(const kpi_plan *plan);

/**
 * Label of tier table @p i ("等级"; its id when the plan gives no label).
 * Borrowed, valid while the plan lives; "" when @p i is out of range.
 * Thread-safe. @since 1.0
 */
KPI_API const char *kpi_plan_tier_label(const kpi_plan *plan, size_t i);

/** Id of classification @p i ("grade"), or "" when out of range. Borrowed. @since 1.0 */
KPI_API const char *kpi_plan_tier_id(const kpi_plan *plan, size_t i);

/**
 * Number of pay items (pay-slip lines) in the plan's "pay" section (0
 * without one or for NULL). Thread-safe. @since 1.0
 */
KPI_API size_t kpi_plan_pay_count(const kpi_plan *plan);

/**
 * Label of pay item @p i in pay-slip order ("个人提成"; its id when the plan
 * gives no label). Borrowed, valid while the plan lives; "" when @p i is
 * out of range. Thread-safe. @since 1.0
 */
KPI_API const char *kpi_plan_pay_label(const kpi_plan *plan, size_t i);

/** Id of pay component @p i ("commission"), or "" when out of range. Borrowed. @since 1.0 */
KPI_API const char *kpi_plan_pay_id(const kpi_plan *plan, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_PLAN_H */
