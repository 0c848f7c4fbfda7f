/* lint_internal.h - how modules append findings to a kpi_lint. */
#ifndef KPISCORE_LINT_INTERNAL_H
#define KPISCORE_LINT_INTERNAL_H

#include "internal.h"
#include "kpiscore/lint.h"

/*
 * Appends a finding. @code is a stable identifier ("bracket-jump"), @path the
 * element's JSON path relative to the object being linted ("rows[2].to"),
 * or NULL. Returns KPI_OK or KPI_ENOMEM (the list is unchanged then).
 */
kpi_status kpi__lint_add(kpi_lint *lint, kpi_severity severity, const char *code,
                         const char *path, const char *fmt, ...) KPI__PRINTF(5, 6);

/*
 * Puts @prefix in front of the paths of findings @first.. (a plan loader
 * linting "pay.schedules[0]" turns "rows[2]" into "pay.schedules[0].rows[2]").
 */
kpi_status kpi__lint_prefix(kpi_lint *lint, size_t first, const char *prefix);

/* Records where finding @i is in the source file. */
void kpi__lint_set_position(kpi_lint *lint, size_t i, long line, long column);

#endif /* KPISCORE_LINT_INTERNAL_H */
