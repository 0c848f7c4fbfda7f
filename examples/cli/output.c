#define _POSIX_C_SOURCE 200809L
/* output.c - one table, three renderings: aligned text, CSV (RFC 4180), JSON. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct cell {
    cell_kind kind;
    char *text;
} cell;

struct table {
    size_t ncols;
    const char *const *keys;
    const char *const *labels;
    cell *cells; /* row-major */
    size_t nrows;
    size_t filled; /* cells set in the current row */
    size_t cap;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fputs("kpiscore: out of memory\n", stderr);
        exit(EXIT_INPUT);
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

table *table_new(size_t ncols, const char *const *keys, const char *const *labels)
{
    table *t = xrealloc(NULL, sizeof *t);
    *t = (table){ncols, keys, labels, NULL, 0, 0, 0};
    return t;
}

void table_free(table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i].text);
    free(t->cells);
    free(t);
}

void table_row(table *t)
{
    if (t->nrows * t->ncols + t->ncols > t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64 * t->ncols;
        t->cells = xrealloc(t->cells, t->cap * sizeof *t->cells);
    }
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = (cell){CELL_NULL, NULL};
    t->nrows++;
    t->filled = 0;
}

static void set(table *t, cell_kind kind, const char *text)
{
    if (t->filled >= t->ncols)
        return;
    cell *c = &t->cells[(t->nrows - 1) * t->ncols + t->filled++];
    c->kind = kind;
    c->text = text ? xstrdup(text) : NULL;
}

void table_text(table *t, const char *text) { set(t, CELL_TEXT, text); }
void table_number(table *t, const char *exact_text) { set(t, CELL_NUMBER, exact_text); }
void table_null(table *t) { set(t, CELL_NULL, NULL); }

void table_textf(table *t, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    set(t, CELL_TEXT, buf);
}

void table_dec(table *t, kpi_dec value, int places)
{
    char buf[64];
    kpi_dec_format(value, places, KPI_ROUND_HALF_UP, buf, sizeof buf);
    set(t, CELL_NUMBER, buf);
}

void table_money(table *t, kpi_money fen)
{
    char buf[64];
    kpi_money_format(fen, 0, buf, sizeof buf);
    set(t, CELL_NUMBER, buf);
}

void table_int(table *t, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    set(t, CELL_NUMBER, buf);
}

/* East Asian Wide (W) and Fullwidth (F) blocks: CJK, Hangul, kana, full-width forms. */
static int char_width(uint32_t cp)
{
    if (cp == 0)
        return 0;
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || cp == 0xFE0F)
        return 0; /* combining marks, zero-width spaces */
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
        (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

size_t display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int n;
        if (*p < 0x80) { cp = *p; n = 1; }
        else if ((*p & 0xE0) == 0xC0) { cp = *p & 0x1F; n = 2; }
        else if ((*p & 0xF0) == 0xE0) { cp = *p & 0x0F; n = 3; }
        else { cp = *p & 0x07; n = 4; }
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80) { n = i; break; }
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        w += (size_t)char_width(cp);
        p += n;
    }
    return w;
}

static const char *shown(const cell *c)
{
    return c->kind == CELL_NULL ? "—" : c->text;
}

static void pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

static void write_aligned(const table *t, FILE *out)
{
    size_t *width = calloc(t->ncols, sizeof *width);
    bool *right = calloc(t->ncols, sizeof *right);
    if (!width || !right) {
        free(width);
        free(right);
        return;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        width[c] = display_width(t->labels[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            const cell *x = &t->cells[r * t->ncols + c];
            size_t w = display_width(shown(x));
            if (w > width[c])
                width[c] = w;
            if (x->kind == CELL_NUMBER)
                right[c] = true;
        }
    }
    for (size_t c = 0; c < t->ncols; c++) {
        size_t w = display_width(t->labels[c]);
        if (right[c])
            pad(out, width[c] - w);
        fputs(t->labels[c], out);
        if (c + 1 < t->ncols)
            pad(out, (right[c] ? 0 : width[c] - w) + 2);
    }
    fputc('\n', out);
    for (size_t c = 0; c < t->ncols; c++) {
        for (size_t i = 0; i < width[c]; i++)
            fputc('-', out);
        if (c + 1 < t->ncols)
            fputs("  ", out);
    }
    fputc('\n', out);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = shown(&t->cells[r * t->ncols + c]);
            size_t w = display_width(s);
            if (right[c])
                pad(out, width[c] - w);
            fputs(s, out);
            if (c + 1 < t->ncols)
                pad(out, (right[c] ? 0 : width[c] - w) + 2);
        }
        fputc('\n', out);
    }
    free(width);
    free(right);
}

static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void write_csv(const table *t, FILE *out)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', out);
        csv_field(out, t->keys[c]);
    }
    fputs("\r\n", out);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const cell *x = &t->cells[r * t->ncols + c];
            if (c)
                fputc(',', out);
            if (x->kind != CELL_NULL)
                csv_field(out, x->text);
        }
        fputs("\r\n", out);
    }
}

void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void write_json(const table *t, FILE *out, const char *name)
{
    fputs("{", out);
    json_string(out, name);
    fputs(": [", out);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs(r ? ",\n  {" : "\n  {", out);
        for (size_t c = 0; c < t->ncols; c++) {
            const cell *x = &t->cells[r * t->ncols + c];
            if (c)
                fputs(", ", out);
            json_string(out, t->keys[c]);
            fputs(": ", out);
            if (x->kind == CELL_NULL)
                fputs("null", out);
            else if (x->kind == CELL_NUMBER)
                fputs(x->text, out); /* exact decimal text is a valid JSON number */
            else
                json_string(out, x->text);
        }
        fputs("}", out);
    }
    fputs(t->nrows ? "\n]}\n" : "]}\n", out);
}

void table_write(const table *t, FILE *out, output_format format, const char *name)
{
    switch (format) {
    case FORMAT_TABLE: write_aligned(t, out); break;
    case FORMAT_CSV: write_csv(t, out); break;
    case FORMAT_JSON: write_json(t, out, name); break;
    }
}

bool parse_format(const char *name, output_format *out)
{
    if (strcmp(name, "table") == 0)
        *out = FORMAT_TABLE;
    else if (strcmp(name, "csv") == 0)
        *out = FORMAT_CSV;
    else if (strcmp(name, "json") == 0)
        *out = FORMAT_JSON;
    else
        return false;
    return true;
}

output_format default_format(FILE *out)
{
    return isatty(fileno(out)) ? FORMAT_TABLE : FORMAT_CSV;
}
