/*
 * kpiscore/error.h - status names and the per-thread record of the last
 * failure: what went wrong and where (source, line, column, JSON path).
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_ERROR_H
#define KPISCORE_ERROR_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Opaque record of the last failure on one thread.
 *
 * Every public kpiscore call clears the calling thread's record when it
 * starts and fills it when it fails, so read it right after the failing
 * call, on the same thread. Within one call the first (innermost) failure
 * wins; outer layers only add a location that is still missing.
 * The record is owned by the library and stays valid until the next
 * kpiscore call on the same thread.
 */
typedef struct kpi_error kpi_error;

/**
 * A short English name for a status code, such as "parse error".
 *
 * @param status any value; unknown codes give "unknown error"
 * @return a static string; never NULL. Thread-safe.
 * @since 1.0
 */
KPI_API const char *kpi_status_str(kpi_status status);

/**
 * The record of the last failure on the calling thread.
 *
 * @return a borrowed pointer, never NULL; its code is KPI_OK when the last
 *         kpiscore call on this thread succeeded. Thread-safe (per thread).
 * @since 1.0
 */
KPI_API const kpi_error *kpi_error_last(void);

/** Clears the calling thread's record. @since 1.0 */
KPI_API void kpi_error_clear(void);

/** The status of the failure (KPI_OK if none). @since 1.0 */
KPI_API kpi_status kpi_error_code(const kpi_error *err);

/**
 * One line saying what is wrong and, where it can, what would be right.
 * It does not repeat the location. Never NULL (empty when none). @since 1.0
 */
KPI_API const char *kpi_error_message(const kpi_error *err);

/** Name of the input (file name, or a caller-given label); "" if none. @since 1.0 */
KPI_API const char *kpi_error_source(const kpi_error *err);

/** 1-based line in the source, or 0 when unknown. @since 1.0 */
KPI_API long kpi_error_line(const kpi_error *err);

/** 1-based column in characters (UTF-8 code points), or 0 when unknown. @since 1.0 */
KPI_API long kpi_error_column(const kpi_error *err);

/** Byte offset into the input (0-based), or -1 when unknown. @since 1.0 */
KPI_API long long kpi_error_offset(const kpi_error *err);

/**
 * JSON path of the offending plan element, such as
 * "rubric.items[3].bands[1].max"; "" when not applicable. @since 1.0
 */
KPI_API const char *kpi_error_path(const kpi_error *err);

/**
 * The whole record as one line, in the form tools and editors understand:
 * "source:line:column: path: message", leaving out the parts that are
 * unknown. Never NULL; valid as long as the record.
 * @since 1.0
 */
KPI_API const char *kpi_error_text(const kpi_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_ERROR_H */
