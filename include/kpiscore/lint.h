/*
 * kpiscore/lint.h - findings about what a plan, rubric, tier table or pay
 * schedule leaves ambiguous or inconsistent: gaps, overlaps, jumps,
 * weights that do not add up. Each finding carries a stable code, a message
 * with the numbers, and where it is (JSON path; line and column once the
 * plan loader knows them).
 *
 * A kpi_lint is a growing list owned by the caller: single-writer, and
 * readable from any thread once filled.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_LINT_H
#define KPISCORE_LINT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kpi_lint kpi_lint;

/** How serious a finding is. */
typedef int32_t kpi_severity;
enum {
    KPI_LINT_NOTE = 0,    /**< worth knowing; the plan's meaning is clear */
    KPI_LINT_WARNING = 1, /**< probably unintended: a gap, a jump, an unowned end point */
    KPI_LINT_ERROR = 2    /**< the plan cannot be evaluated as written */
};

/**
 * Creates an empty list of findings.
 * @param out  receives the list; free it with kpi_lint_free()
 * @return KPI_OK, KPI_EINVAL, KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_lint_new(kpi_lint **out);

/** Frees the list and its strings; NULL is a no-op. @since 1.0 */
KPI_API void kpi_lint_free(kpi_lint *lint);

/** Number of findings (0 for NULL). @since 1.0 */
KPI_API size_t kpi_lint_count(const kpi_lint *lint);

/** Number of findings at @p min or worse. @since 1.0 */
KPI_API size_t kpi_lint_count_at_least(const kpi_lint *lint, kpi_severity min);

/** Severity of finding @p i (KPI_LINT_NOTE when out of range). @since 1.0 */
KPI_API kpi_severity kpi_lint_severity(const kpi_lint *lint, size_t i);

/** Name of a severity: "note", "warning" or "error". @since 1.0 */
KPI_API const char *kpi_severity_name(kpi_severity severity);

/**
 * Stable identifier of finding @p i, such as "bracket-jump" or "tier-gap",
 * for filtering and tests ("" when out of range). Borrowed, valid until the
 * list is freed. @since 1.0
 */
KPI_API const char *kpi_lint_code(const kpi_lint *lint, size_t i);

/** One-line message with the numbers ("" when out of range). Borrowed. @since 1.0 */
KPI_API const char *kpi_lint_message(const kpi_lint *lint, size_t i);

/** JSON path of the element concerned, or "" when none. Borrowed. @since 1.0 */
KPI_API const char *kpi_lint_path(const kpi_lint *lint, size_t i);

/** 1-based line in the plan file, or 0 when unknown. @since 1.0 */
KPI_API long kpi_lint_line(const kpi_lint *lint, size_t i);

/** 1-based column (characters) in the plan file, or 0 when unknown. @since 1.0 */
KPI_API long kpi_lint_column(const kpi_lint *lint, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_LINT_H */
