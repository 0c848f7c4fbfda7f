/* util.c - error messages, whole-file reads, all-or-nothing output files, progress. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int report_kpi_error(const char *what)
{
    const kpi_error *e = kpi_error_last();
    if (what && *what && !*kpi_error_source(e))
        fprintf(stderr, "kpiscore: %s: %s\n", what, kpi_error_text(e));
    else
        fprintf(stderr, "kpiscore: %s\n", kpi_error_text(e));
    return EXIT_INPUT;
}

int usage_error(const char *name, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kpiscore %s: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'kpiscore %s --help'.\n", name);
    return EXIT_USAGE;
}

int input_error(const char *source, long line, long column, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kpiscore: %s:", source);
    if (line > 0)
        fprintf(stderr, "%ld:", line);
    if (column > 0)
        fprintf(stderr, "%ld:", column);
    fputc(' ', stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_INPUT;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        input_error(path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                input_error(path, 0, 0, "read error: %s", strerror(errno));
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *bigger = realloc(buf, 2 * cap + 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            input_error(path, 0, 0, "out of memory reading the file");
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (f != stdin)
        fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

bool atomic_open(atomic_file *af, const char *path)
{
    af->f = NULL;
    af->path = strdup(path);
    size_t n = strlen(path);
    af->tmp = malloc(n + 16);
    if (!af->path || !af->tmp) {
        free(af->path);
        free(af->tmp);
        return false;
    }
    snprintf(af->tmp, n + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(af->tmp);
    if (fd < 0 || !(af->f = fdopen(fd, "w"))) {
        input_error(path, 0, 0, "cannot write: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        free(af->path);
        free(af->tmp);
        return false;
    }
    return true;
}

bool atomic_commit(atomic_file *af)
{
    bool ok = fflush(af->f) == 0 && !ferror(af->f);
    ok = (fclose(af->f) == 0) && ok;
    if (ok && rename(af->tmp, af->path) != 0)
        ok = false;
    if (!ok) {
        input_error(af->path, 0, 0, "cannot write: %s", strerror(errno));
        unlink(af->tmp);
    }
    free(af->path);
    free(af->tmp);
    return ok;
}

void atomic_abort(atomic_file *af)
{
    fclose(af->f);
    unlink(af->tmp);
    free(af->path);
    free(af->tmp);
}

enum { PROGRESS_MIN_BYTES = 64 << 20 }; /* below this a bar is only noise */

void progress_start(progress *p, const char *label, unsigned long long total, bool quiet)
{
    p->enabled = !quiet && total >= PROGRESS_MIN_BYTES && isatty(fileno(stderr));
    p->total = total;
    p->last_permille = -1;
    p->label = label;
    progress_update(p, 0);
}

void progress_update(progress *p, unsigned long long done)
{
    if (!p->enabled || p->total == 0)
        return;
    int permille = (int)(done * 1000 / p->total);
    if (permille == p->last_permille)
        return;
    p->last_permille = permille;
    int filled = permille * 30 / 1000;
    fprintf(stderr, "\r%s [", p->label);
    for (int i = 0; i < 30; i++)
        fputc(i < filled ? '#' : ' ', stderr);
    fprintf(stderr, "] %5.1f%%  %llu/%llu MB", permille / 10.0, done >> 20, p->total >> 20);
    fflush(stderr);
}

void progress_finish(progress *p)
{
    if (p->enabled) {
        progress_update(p, p->total);
        fputc('\n', stderr);
    }
}
