/*
 * cli.h - shared pieces of the kpiscore command: output tables in three
 * formats, error reporting, files, progress.
 *
 * The library never prints; this program does all the talking. Exit codes:
 * 0 success, 1 bad input (message with file:line:column on stderr),
 * 2 bad usage.
 */
#ifndef KPISCORE_CLI_H
#define KPISCORE_CLI_H

#include <kpiscore.h>
#include <stdbool.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2 };

/* ---- output ------------------------------------------------------------ */

typedef enum { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } output_format;

typedef enum {
    CELL_TEXT,   /* a string (JSON string) */
    CELL_NUMBER, /* exact decimal text (JSON number, right-aligned) */
    CELL_NULL    /* not available (empty in CSV, null in JSON, "—" in tables) */
} cell_kind;

typedef struct table table;

/* A table with @ncols columns: each has a JSON/CSV key and a human label. */
table *table_new(size_t ncols, const char *const *keys, const char *const *labels);
void table_free(table *t);
/* Starts a new row; then set its cells in order. */
void table_row(table *t);
void table_text(table *t, const char *text);
void table_textf(table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void table_number(table *t, const char *exact_text);
void table_dec(table *t, kpi_dec value, int places);
void table_money(table *t, kpi_money fen);
void table_int(table *t, long long v);
void table_null(table *t);
/* Writes the table; the JSON form is {"<name>": [ {key: value, ...}, ... ]}. */
void table_write(const table *t, FILE *out, output_format format, const char *name);

/* Writes @s as a JSON string literal. */
void json_string(FILE *out, const char *s);

/* Display width of UTF-8 text: East Asian wide and full-width characters count 2. */
size_t display_width(const char *s);

/* Parses "table", "csv", "json"; false if unknown. */
bool parse_format(const char *name, output_format *out);
/* The default: a table on a terminal, CSV otherwise. */
output_format default_format(FILE *out);

/* ---- errors ------------------------------------------------------------ */

/* Prints the library's last error as "kpiscore: file:line:col: path: message". */
int report_kpi_error(const char *what);
/* Prints a usage error and returns EXIT_USAGE. */
int usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints an input error about @source and returns EXIT_INPUT. */
int input_error(const char *source, long line, long column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- files ------------------------------------------------------------- */

/* Reads a whole file ("-" for standard input). NULL and a message on failure. */
char *read_file(const char *path, size_t *len);

/*
 * Output that appears only when complete: written to a temporary file in the
 * same directory and renamed over @path by atomic_commit(); atomic_abort()
 * removes it, so a failed run leaves no partial file.
 */
typedef struct atomic_file {
    FILE *f;
    char *path;
    char *tmp;
} atomic_file;
bool atomic_open(atomic_file *af, const char *path);
bool atomic_commit(atomic_file *af);
void atomic_abort(atomic_file *af);

/* ---- progress ---------------------------------------------------------- */

/* A progress bar on stderr when it is a terminal, the total is large and
 * quiet is false; otherwise these do nothing. */
typedef struct progress {
    bool enabled;
    unsigned long long total;
    int last_permille;
    const char *label;
} progress;
void progress_start(progress *p, const char *label, unsigned long long total, bool quiet);
void progress_update(progress *p, unsigned long long done);
void progress_finish(progress *p);

/* ---- subcommands -------------------------------------------------------- */

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} command;

#endif /* KPISCORE_CLI_H */
