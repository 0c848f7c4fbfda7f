/*
 * limits.c - the safety limits on untrusted input (kpiscore/limits.h).
 * One process-wide record, resolved once when set, so readers only load a
 * field.
 */
#include <string.h>

#include "limits_internal.h"

#define MAX_JSON_DEPTH ((size_t)1024) /* below jansson's own 2048 */

static const kpi_limits defaults = {
    sizeof(kpi_limits),     KPI_LIMIT_PLAN_BYTES,  KPI_LIMIT_JSON_DEPTH,     KPI_LIMIT_RUBRIC_ITEMS,
    KPI_LIMIT_BANDS,        KPI_LIMIT_BRACKET_ROWS, KPI_LIMIT_TIERS,         KPI_LIMIT_LABEL_BYTES,
    KPI_LIMIT_CSV_LINE_BYTES, KPI_LIMIT_CSV_FIELDS, KPI_LIMIT_STATE_BYTES,
};

static kpi_limits current = {
    sizeof(kpi_limits),     KPI_LIMIT_PLAN_BYTES,  KPI_LIMIT_JSON_DEPTH,     KPI_LIMIT_RUBRIC_ITEMS,
    KPI_LIMIT_BANDS,        KPI_LIMIT_BRACKET_ROWS, KPI_LIMIT_TIERS,         KPI_LIMIT_LABEL_BYTES,
    KPI_LIMIT_CSV_LINE_BYTES, KPI_LIMIT_CSV_FIELDS, KPI_LIMIT_STATE_BYTES,
};

const kpi_limits *kpi__limits(void)
{
    return &current;
}

/* The first version's size: callers built against it pass no smaller struct. */
#define SIZE_V1 (offsetof(kpi_limits, state_bytes) + sizeof(size_t))

kpi_status kpi_limits_get(kpi_limits *out)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_limits_get: out must not be NULL");
    if (out->size < SIZE_V1)
        return kpi__fail(KPI_EINVAL, "kpi_limits_get: out->size is %zu, expected at least %zu "
                                     "(initialise with KPI_LIMITS_INIT)", out->size, SIZE_V1);
    size_t n = out->size < sizeof current ? out->size : sizeof current;
    size_t size = out->size;
    memcpy(out, &current, n);
    out->size = size;
    return KPI_OK;
}

kpi_status kpi_limits_set(const kpi_limits *limits)
{
    kpi__error_reset();
    if (!limits) {
        current = defaults;
        return KPI_OK;
    }
    if (limits->size < SIZE_V1)
        return kpi__fail(KPI_EINVAL, "kpi_limits_set: limits->size is %zu, expected at least %zu "
                                     "(initialise with KPI_LIMITS_INIT)", limits->size, SIZE_V1);
    kpi_limits next = defaults;
    const size_t *in = &limits->plan_bytes;
    size_t *to = &next.plan_bytes;
    for (size_t i = 0; i < (SIZE_V1 - offsetof(kpi_limits, plan_bytes)) / sizeof(size_t); i++)
        if (in[i])
            to[i] = in[i];
    if (next.json_depth > MAX_JSON_DEPTH)
        return kpi__fail(KPI_EINVAL, "kpi_limits_set: json_depth %zu is above %zu", next.json_depth,
                         MAX_JSON_DEPTH);
    if (next.csv_line_bytes < 16 || next.csv_line_bytes > ((size_t)1 << 30))
        return kpi__fail(KPI_EINVAL, "kpi_limits_set: csv_line_bytes %zu is outside [16, 2^30]",
                         next.csv_line_bytes);
    if (next.csv_fields > 65536)
        return kpi__fail(KPI_EINVAL, "kpi_limits_set: csv_fields %zu is above 65536", next.csv_fields);
    current = next;
    return KPI_OK;
}
