/*
 * error.c - the per-thread record of the last failure.
 *
 * Fixed internal buffers mean recording an error never allocates, so an
 * out-of-memory failure can be reported too. The buffers are private: the
 * public view is the opaque kpi_error with getters, so it can grow.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct kpi_error {
    kpi_status code;
    long line;
    long column;
    long long offset;
    char message[512];
    char source[256];
    char path[256];
    char text[256 + 256 + 512 + 64];
};

static _Thread_local struct kpi_error last_error = {.offset = -1};

static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) {
        /* cut on a UTF-8 character boundary, never inside one */
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void kpi__error_reset(void)
{
    if (last_error.code != KPI_OK || last_error.source[0] || last_error.path[0]) {
        last_error.code = KPI_OK;
        last_error.line = 0;
        last_error.column = 0;
        last_error.offset = -1;
        last_error.message[0] = '\0';
        last_error.source[0] = '\0';
        last_error.path[0] = '\0';
    }
}

void kpi_error_clear(void)
{
    kpi__error_reset();
}

bool kpi__error_pending(void)
{
    return last_error.code != KPI_OK;
}

kpi_status kpi__vfail(kpi_status code, const char *fmt, va_list ap)
{
    if (last_error.code == KPI_OK) {
        char buf[4 * sizeof last_error.message]; /* cut later, on a character */
        vsnprintf(buf, sizeof buf, fmt, ap);
        copy_text(last_error.message, sizeof last_error.message, buf);
        last_error.code = code;
    }
    return code;
}

kpi_status kpi__fail(kpi_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kpi__vfail(code, fmt, ap);
    va_end(ap);
    return code;
}

void kpi__error_set_source(const char *source)
{
    if (last_error.code != KPI_OK && !last_error.source[0] && source)
        copy_text(last_error.source, sizeof last_error.source, source);
}

void kpi__error_set_position(long line, long column, long long offset)
{
    if (last_error.code == KPI_OK)
        return;
    if (last_error.line == 0 && line > 0) {
        last_error.line = line;
        last_error.column = column > 0 ? column : 0;
    } else if (last_error.line == 0 && last_error.column == 0 && column > 0) {
        last_error.column = column;
    }
    if (last_error.offset < 0 && offset >= 0)
        last_error.offset = offset;
}

void kpi__error_set_path(const char *path)
{
    if (last_error.code != KPI_OK && !last_error.path[0] && path)
        copy_text(last_error.path, sizeof last_error.path, path);
}

const kpi_error *kpi_error_last(void)
{
    return &last_error;
}

kpi_status kpi_error_code(const kpi_error *err)
{
    return err ? err->code : KPI_EINVAL;
}

const char *kpi_error_message(const kpi_error *err)
{
    return err ? err->message : "";
}

const char *kpi_error_source(const kpi_error *err)
{
    return err ? err->source : "";
}

long kpi_error_line(const kpi_error *err)
{
    return err ? err->line : 0;
}

long kpi_error_column(const kpi_error *err)
{
    return err ? err->column : 0;
}

long long kpi_error_offset(const kpi_error *err)
{
    return err ? err->offset : -1;
}

const char *kpi_error_path(const kpi_error *err)
{
    return err ? err->path : "";
}

/* Appends @s to e->text at *len, cutting on a character boundary. */
static void append(struct kpi_error *e, size_t *len, const char *s)
{
    copy_text(e->text + *len, sizeof e->text - *len, s);
    *len += strlen(e->text + *len);
}

const char *kpi_error_text(const kpi_error *err)
{
    if (err != &last_error)
        return err ? err->message : "";
    /* the record is this thread's own, so composing into it is safe */
    struct kpi_error *e = &last_error;
    char number[24];
    size_t len = 0;
    e->text[0] = '\0';
    if (e->source[0]) {
        append(e, &len, e->source);
        append(e, &len, ":");
    }
    if (e->line > 0) {
        snprintf(number, sizeof number, "%ld:", e->line);
        append(e, &len, number);
    }
    if (e->column > 0) {
        snprintf(number, sizeof number, "%ld:", e->column);
        append(e, &len, number);
    }
    if (len > 0)
        append(e, &len, " ");
    if (e->path[0]) {
        append(e, &len, e->path);
        append(e, &len, ": ");
    }
    append(e, &len, e->message);
    return e->text;
}

const char *kpi_status_str(kpi_status status)
{
    switch (status) {
    case KPI_OK: return "success";
    case KPI_EINVAL: return "invalid argument";
    case KPI_EPARSE: return "parse error";
    case KPI_EPLAN: return "invalid plan";
    case KPI_ERANGE: return "value out of range";
    case KPI_EOVERFLOW: return "arithmetic overflow";
    case KPI_ENOMEM: return "out of memory";
    case KPI_ENOTFOUND: return "not found";
    case KPI_EVERSION: return "version mismatch";
    case KPI_ECORRUPT: return "corrupt or truncated data";
    case KPI_ELIMIT: return "limit exceeded";
    case KPI_EIO: return "input/output error";
    case KPI_EMISMATCH: return "incompatible objects";
    case KPI_ENA: return "value not available";
    case KPI_EDUPLICATE: return "duplicate key";
    case KPI_EINPUT: return "invalid input data";
    default: return "unknown error";
    }
}

const char *kpi__quote(char out[KPI__QUOTED], const char *text, size_t n, size_t most)
{
    static const char hex[] = "0123456789abcdef";
    most = most < KPI__QUOTE_MAX ? most : KPI__QUOTE_MAX;
    size_t k = n;
    if (k > most) {
        k = most;
        while (k > 0 && ((unsigned char)text[k] & 0xc0) == 0x80)
            k--;
    }
    size_t o = 0;
    for (size_t i = 0; i < k; i++) {
        const unsigned char ch = (unsigned char)text[i];
        if (ch < 0x20 || ch == 0x7f) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        } else {
            out[o++] = (char)ch;
        }
    }
    if (k < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

const char *kpi__quote_char(char out[KPI__QUOTED], const char *text, size_t n)
{
    size_t k = n ? 1 : 0;
    if (k && (unsigned char)text[0] >= 0xc0)
        while (k < n && k < 4 && ((unsigned char)text[k] & 0xc0) == 0x80)
            k++;
    return kpi__quote(out, text, k, k);
}
