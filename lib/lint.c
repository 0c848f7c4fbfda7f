/* lint.c - a list of findings, each with a code, a message and a location. */
#include <stdio.h>
#include <string.h>

#include "lint_internal.h"

struct finding {
    kpi_severity severity;
    char *code;
    char *message;
    char *path;
    long line;
    long column;
};

struct kpi_lint {
    struct finding *items;
    size_t count;
    size_t capacity;
};

kpi_status kpi_lint_new(kpi_lint **out)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_lint_new: out must not be NULL");
    kpi_lint *lint = kpi__calloc(1, sizeof *lint);
    if (!lint)
        return KPI_ENOMEM;
    *out = lint;
    return KPI_OK;
}

static void finding_free(struct finding *f)
{
    kpi__free(f->code);
    kpi__free(f->message);
    kpi__free(f->path);
}

void kpi_lint_free(kpi_lint *lint)
{
    if (!lint)
        return;
    for (size_t i = 0; i < lint->count; i++)
        finding_free(&lint->items[i]);
    kpi__free(lint->items);
    kpi__free(lint);
}

kpi_status kpi__lint_add(kpi_lint *lint, kpi_severity severity, const char *code,
                         const char *path, const char *fmt, ...)
{
    if (!kpi__grow((void **)&lint->items, &lint->capacity, lint->count, sizeof *lint->items))
        return KPI_ENOMEM;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    struct finding f = {severity, kpi__strdup(code), kpi__strdup(message),
                        kpi__strdup(path ? path : ""), 0, 0};
    if (!f.code || !f.message || !f.path) {
        finding_free(&f);
        return KPI_ENOMEM;
    }
    lint->items[lint->count++] = f;
    return KPI_OK;
}

kpi_status kpi__lint_prefix(kpi_lint *lint, size_t first, const char *prefix)
{
    size_t plen = strlen(prefix);
    for (size_t i = first; i < lint->count; i++) {
        struct finding *f = &lint->items[i];
        size_t len = strlen(f->path);
        /* "prefix" + "." + path, or "prefix" + "[..]" when the path is an index */
        bool dot = len > 0 && f->path[0] != '[';
        char *joined = kpi__malloc(plen + dot + len + 1);
        if (!joined)
            return KPI_ENOMEM;
        memcpy(joined, prefix, plen);
        if (dot)
            joined[plen] = '.';
        memcpy(joined + plen + dot, f->path, len + 1);
        kpi__free(f->path);
        f->path = joined;
    }
    return KPI_OK;
}

void kpi__lint_set_position(kpi_lint *lint, size_t i, long line, long column)
{
    if (i < lint->count) {
        lint->items[i].line = line;
        lint->items[i].column = column;
    }
}

size_t kpi_lint_count(const kpi_lint *lint)
{
    return lint ? lint->count : 0;
}

size_t kpi_lint_count_at_least(const kpi_lint *lint, kpi_severity min)
{
    size_t n = 0;
    for (size_t i = 0; i < kpi_lint_count(lint); i++)
        n += lint->items[i].severity >= min;
    return n;
}

static const struct finding *at(const kpi_lint *lint, size_t i)
{
    return lint && i < lint->count ? &lint->items[i] : NULL;
}

kpi_severity kpi_lint_severity(const kpi_lint *lint, size_t i)
{
    const struct finding *f = at(lint, i);
    return f ? f->severity : KPI_LINT_NOTE;
}

const char *kpi_severity_name(kpi_severity severity)
{
    switch (severity) {
    case KPI_LINT_NOTE: return "note";
    case KPI_LINT_WARNING: return "warning";
    case KPI_LINT_ERROR: return "error";
    default: return "unknown";
    }
}

const char *kpi_lint_code(const kpi_lint *lint, size_t i)
{
    const struct finding *f = at(lint, i);
    return f ? f->code : "";
}

const char *kpi_lint_message(const kpi_lint *lint, size_t i)
{
    const struct finding *f = at(lint, i);
    return f ? f->message : "";
}

const char *kpi_lint_path(const kpi_lint *lint, size_t i)
{
    const struct finding *f = at(lint, i);
    return f ? f->path : "";
}

long kpi_lint_line(const kpi_lint *lint, size_t i)
{
    const struct finding *f = at(lint, i);
    return f ? f->line : 0;
}

long kpi_lint_column(const kpi_lint *lint, size_t i)
{
    const struct finding *f = at(lint, i);
    return f ? f->column : 0;
}
