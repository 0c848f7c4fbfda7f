/*
 * json_internal.h - reading plan files with jansson while knowing where every
 * value is: errors and lint findings name the file, line, column and JSON
 * path, and numbers are read exactly from their source text (jansson alone
 * would turn "0.1" into a binary double).
 */
#ifndef KPISCORE_JSON_INTERNAL_H
#define KPISCORE_JSON_INTERNAL_H

#include <jansson.h>

#include "internal.h"
#include "limits_internal.h"
#include "kpiscore/lint.h"

typedef struct kpi__json kpi__json;

/* Largest plan file read, and deepest path tracked. */
#define KPI__JSON_MAX_DEPTH 64

/*
 * Parses @len bytes of @text (a leading UTF-8 BOM is skipped). @source names
 * the input in messages ("plan.json"). Duplicate keys are an error.
 * On failure the error record has the source, line and column.
 */
kpi_status kpi__json_parse(kpi__json **out, const char *text, size_t len, const char *source);

/* Reads a whole file (at most @max_bytes) and parses it. */
kpi_status kpi__json_load_file(kpi__json **out, const char *path, size_t max_bytes);

void kpi__json_free(kpi__json *doc);

json_t *kpi__json_root(const kpi__json *doc);
const char *kpi__json_source(const kpi__json *doc);

/* ---- the current path ------------------------------------------------- */
/* Section readers push a component when they descend and pop when they leave;
 * messages then name "rubric.items[3].bands[1].max". */
void kpi__json_push_key(kpi__json *doc, const char *key);
void kpi__json_push_index(kpi__json *doc, size_t index);
void kpi__json_pop(kpi__json *doc);
const char *kpi__json_path(const kpi__json *doc);

/*
 * Records a failure about @node (NULL: the current path's value) at the
 * current path, with its line and column. Returns @code.
 */
kpi_status kpi__json_fail(kpi__json *doc, const json_t *node, kpi_status code,
                          const char *fmt, ...) KPI__PRINTF(4, 5);

/* Line and column (1-based, characters) of @node, or 0 when unknown. */
void kpi__json_position(const kpi__json *doc, const json_t *node, long *line, long *column);

/* Fills in line and column of lint findings @first.. from their paths. */
void kpi__json_locate_lint(const kpi__json *doc, kpi_lint *lint, size_t first);

/* The same, but a path the file does not spell out (a schedule row's
 * "rows[2].from" when the row is written as a "range") gets the position
 * of the nearest enclosing value that is there (the row). */
void kpi__json_locate_lint_nearest(const kpi__json *doc, kpi_lint *lint, size_t first);

/* ---- typed reads --------------------------------------------------------
 * Each reads member @key of object @obj with the path extended by @key, so a
 * failure names it. Absent optional members leave *out untouched and return
 * KPI_OK with *present (if given) false.
 */
const char *kpi__json_type_name(const json_t *node);

kpi_status kpi__json_check_keys(kpi__json *doc, const json_t *obj, const char *const *allowed);
kpi_status kpi__json_object(kpi__json *doc, const json_t *node, const char *what);
kpi_status kpi__json_array(kpi__json *doc, const json_t *node, const char *what);

/* A number (JSON number, exact from its text) or a string ("1.5%", "1,200"). */
kpi_status kpi__json_get_dec(kpi__json *doc, const json_t *obj, const char *key, bool required,
                             kpi_dec *out, bool *present);
kpi_status kpi__json_get_money(kpi__json *doc, const json_t *obj, const char *key, bool required,
                               kpi_money *out, bool *present);
kpi_status kpi__json_get_int(kpi__json *doc, const json_t *obj, const char *key, bool required,
                             int64_t min, int64_t max, int64_t *out, bool *present);
kpi_status kpi__json_get_bool(kpi__json *doc, const json_t *obj, const char *key, bool required,
                              bool *out, bool *present);
/* Borrowed string, valid while @doc lives. */
kpi_status kpi__json_get_string(kpi__json *doc, const json_t *obj, const char *key, bool required,
                                const char **out, bool *present);
/* One of @names (NULL-terminated); *out is its index. */
kpi_status kpi__json_get_enum(kpi__json *doc, const json_t *obj, const char *key, bool required,
                              const char *const *names, int *out, bool *present);

/* The same conversions for a value already in hand (an array element). */
kpi_status kpi__json_to_dec(kpi__json *doc, const json_t *node, kpi_dec *out);
kpi_status kpi__json_to_money(kpi__json *doc, const json_t *node, kpi_money *out);

#endif /* KPISCORE_JSON_INTERNAL_H */
