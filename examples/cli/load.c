/* load.c - reading a run's inputs: plan, agents, events or state, grades. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"

int run_option(run_inputs *in, int c, const char *arg, const char *name)
{
    switch (c) {
    case 'p': in->plan = arg; return 0;
    case 'e': in->events = arg; return 0;
    case 's': in->state = arg; return 0;
    case 'a': in->agents = arg; return 0;
    case 'g': in->grades = arg; return 0;
    case 'P': in->period = arg; return 0;
    case 'Y': in->money_yuan = true; return 0;
    case 'q': in->quiet = true; return 0;
    case 'j': {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*end || n < 1 || n > 64)
            return usage_error(name, "--threads takes a number from 1 to 64, not '%s'", arg);
        in->threads = (unsigned)n;
        return 0;
    }
    default: return -1;
    }
}

kpi_plan *load_plan(const char *path)
{
    kpi_plan *plan = NULL;
    if (kpi_plan_load_file(&plan, path, NULL) != KPI_OK) {
        report_kpi_error(path);
        return NULL;
    }
    return plan;
}

/* ---- small CSV tables (agents, grades) ---------------------------------- */

typedef int (*row_fn)(void *user, const char *source, long long line, char **fields,
                      const long *columns, size_t n);

struct table_read {
    const char *const *required;
    size_t nrequired;
    size_t *index;   /* required column -> field */
    size_t nfields;
    char **names;    /* all header names */
    row_fn row;
    void *user;
    const char *source;
    int rc;
};

static long utf8_chars(const char *s, size_t n)
{
    long c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static kpi_status table_batch(const kpi_csv_batch *b, void *user)
{
    struct table_read *t = user;
    if (!t->index) {
        t->index = calloc(t->nrequired + 1, sizeof *t->index);
        t->names = calloc(b->fields + 1, sizeof *t->names);
        t->nfields = b->fields;
        for (size_t f = 0; f < b->fields; f++)
            t->names[f] = strndup(b->names[f], b->name_len[f]);
        for (size_t r = 0; r < t->nrequired; r++) {
            if (kpi_csv_batch_column(b, t->required[r], &t->index[r]) != KPI_OK) {
                t->rc = input_error(t->source, 1, 1, "missing column '%s' in the header", t->required[r]);
                return KPI_EINPUT;
            }
        }
    }
    char **fields = calloc(b->fields + 1, sizeof *fields);
    long *columns = calloc(b->fields + 1, sizeof *columns);
    for (size_t r = 0; r < b->rows && t->rc == EXIT_OK; r++) {
        for (size_t f = 0; f < b->fields; f++) {
            const char *text = b->text[r * b->fields + f];
            fields[f] = strndup(text, b->len[r * b->fields + f]);
            /* the field's column in its line, when it points into the row */
            const char *row = b->row_text[r];
            bool inside = text >= row && text <= row + b->row_len[r];
            columns[f] = inside ? utf8_chars(row, (size_t)(text - row)) + 1 : 0;
        }
        t->rc = t->row(t->user, t->source, b->line[r], fields, columns, b->fields);
        for (size_t f = 0; f < b->fields; f++)
            free(fields[f]);
    }
    free(fields);
    free(columns);
    return t->rc == EXIT_OK ? KPI_OK : KPI_EINPUT;
}

/* Reads a small CSV file and calls @row for each data row. */
static int read_table(const char *path, const char *const *required, size_t nrequired, row_fn row,
                      void *user, struct table_read *t)
{
    size_t len;
    char *data = read_file(path, &len);
    if (!data)
        return EXIT_INPUT;
    *t = (struct table_read){required, nrequired, NULL, 0, NULL, row, user, path, EXIT_OK};
    kpi_csv_options o = KPI_CSV_OPTIONS_INIT;
    o.source = path;
    kpi_status st = kpi_csv_parse(data, len, &o, 1, table_batch, t);
    free(data);
    if (st != KPI_OK && t->rc == EXIT_OK)
        t->rc = report_kpi_error(path);
    if (st == KPI_OK && !t->index)
        t->rc = input_error(path, 1, 1, "the file is empty (a header row is needed)");
    return t->rc;
}

static void table_read_free(struct table_read *t)
{
    for (size_t f = 0; t->names && f < t->nfields; f++)
        free(t->names[f]);
    free(t->names);
    free(t->index);
}

/* Reports a library error about a field at @line / @column of @source. */
static int field_error(const char *source, long long line, long column)
{
    const kpi_error *e = kpi_error_last();
    long inner = kpi_error_column(e);
    return input_error(source, (long)line, column > 0 ? column + (inner > 0 ? inner - 1 : 0) : 0, "%s",
                       kpi_error_message(e));
}

struct agents_ctx {
    struct table_read *table;
    loaded *l;
};

static int agent_row(void *user, const char *source, long long line, char **fields, const long *columns,
                     size_t n)
{
    struct agents_ctx *a = user;
    struct table_read *t = a->table;
    size_t id = t->index[0];
    const char *name = NULL, *team = NULL, *centre = NULL;
    for (size_t f = 0; f < n; f++) {
        if (strcmp(t->names[f], "name") == 0) name = fields[f];
        else if (strcmp(t->names[f], "team") == 0) team = fields[f];
        else if (strcmp(t->names[f], "centre") == 0) centre = fields[f];
    }
    uint32_t index;
    if (kpi_run_add_agent(a->l->run, fields[id], name, team, centre) != KPI_OK ||
        kpi_agents_add(a->l->agents, fields[id], team ? team : "", centre ? centre : "", &index) != KPI_OK)
        return field_error(source, line, columns[id]);
    /* every other column except the level is an amount pay rules read by name */
    for (size_t f = 0; f < n; f++) {
        const char *col = t->names[f];
        if (f == id || !strcmp(col, "name") || !strcmp(col, "team") || !strcmp(col, "centre") ||
            !strcmp(col, "level") || !fields[f][0])
            continue;
        kpi_money v;
        if (kpi_money_parse(fields[f], KPI_NTS, &v) != KPI_OK ||
            kpi_run_set_field(a->l->run, fields[id], col, v) != KPI_OK)
            return field_error(source, line, columns[f]);
    }
    return EXIT_OK;
}

static int grade_row(void *user, const char *source, long long line, char **fields, const long *columns,
                     size_t n)
{
    (void)n;
    struct agents_ctx *a = user;
    const size_t *ix = a->table->index; /* agent, period, input, value */
    if (kpi_run_set_input(a->l->run, fields[ix[0]], fields[ix[1]], fields[ix[2]], fields[ix[3]]) != KPI_OK) {
        kpi_status st = kpi_error_code(kpi_error_last());
        long column = st == KPI_EPARSE || st == KPI_ERANGE ? columns[ix[3]] : 0;
        if (st == KPI_ENOTFOUND)
            column = strstr(kpi_error_message(kpi_error_last()), "agent") ? columns[ix[0]] : columns[ix[2]];
        return field_error(source, line, column);
    }
    return EXIT_OK;
}

static void show_progress(uint64_t done, uint64_t total, void *user)
{
    (void)total;
    progress_update(user, done);
}

static int load_events(const run_inputs *in, loaded *l)
{
    kpi_metrics_csv_options o = KPI_METRICS_CSV_OPTIONS_INIT;
    o.source = strcmp(in->events, "-") == 0 ? "<stdin>" : in->events;
    o.threads = in->threads ? in->threads : 2;
    o.flags = in->money_yuan ? KPI_METRICS_CSV_MONEY_YUAN : 0;
    progress p;
    if (strcmp(in->events, "-") == 0) {
        /* standard input streams in constant memory */
        kpi_metrics_csv *s = NULL;
        if (kpi_metrics_csv_new(&s, l->metrics, l->agents, &o) != KPI_OK)
            return report_kpi_error(o.source);
        char buf[1 << 16];
        size_t got;
        kpi_status st = KPI_OK;
        while (st == KPI_OK && (got = fread(buf, 1, sizeof buf, stdin)) > 0)
            st = kpi_metrics_csv_feed(s, buf, got);
        if (st == KPI_OK)
            st = kpi_metrics_csv_finish(s, NULL);
        int rc = st == KPI_OK ? EXIT_OK : report_kpi_error(o.source);
        kpi_metrics_csv_free(s);
        return rc;
    }
    struct stat sb;
    progress_start(&p, "reading events", stat(in->events, &sb) == 0 ? (unsigned long long)sb.st_size : 0,
                   in->quiet);
    o.progress = show_progress;
    o.progress_user = &p;
    size_t len;
    char *data = read_file(in->events, &len);
    if (!data)
        return EXIT_INPUT;
    kpi_status st = kpi_metrics_ingest_csv(l->metrics, l->agents, data, len, &o, NULL);
    free(data);
    progress_finish(&p);
    return st == KPI_OK ? EXIT_OK : report_kpi_error(o.source);
}

static int load_state(const char *path, loaded *l)
{
    size_t len;
    char *data = read_file(path, &len);
    if (!data)
        return EXIT_INPUT;
    kpi_metrics *m = NULL;
    kpi_status st = kpi_metrics_load(&m, kpi_plan_metric_registry(l->plan), data, len, 0);
    free(data);
    if (st != KPI_OK)
        return report_kpi_error(path); /* the message gives the byte offset */
    kpi_metrics_free(l->metrics);
    l->metrics = m;
    return EXIT_OK;
}

int load_run(const run_inputs *in, const char *name, loaded *l)
{
    memset(l, 0, sizeof *l);
    if (!in->plan)
        return usage_error(name, "--plan is required");
    if (!in->agents)
        return usage_error(name, "--agents is required (who is in which team, and their post salary)");
    if (in->events && in->state)
        return usage_error(name, "give --events or --state, not both");
    if (!(l->plan = load_plan(in->plan)))
        return EXIT_INPUT;
    kpi_metrics_options mo = KPI_METRICS_OPTIONS_INIT;
    int rc = EXIT_OK;
    if (kpi_plan_metrics_options(l->plan, &mo) != KPI_OK ||
        kpi_metrics_new(&l->metrics, kpi_plan_metric_registry(l->plan), &mo) != KPI_OK ||
        kpi_agents_new(&l->agents) != KPI_OK || kpi_run_new(&l->run, l->plan) != KPI_OK)
        return report_kpi_error(in->plan);
    static const char *const agent_cols[] = {"agent"};
    static const char *const grade_cols[] = {"agent", "period", "input", "value"};
    struct table_read t;
    struct agents_ctx ctx = {&t, l};
    rc = read_table(in->agents, agent_cols, 1, agent_row, &ctx, &t);
    table_read_free(&t);
    if (rc == EXIT_OK && in->events)
        rc = load_events(in, l);
    if (rc == EXIT_OK && in->state)
        rc = load_state(in->state, l);
    if (rc == EXIT_OK && kpi_run_set_metrics(l->run, l->metrics, l->agents) != KPI_OK)
        rc = report_kpi_error(in->plan);
    if (rc == EXIT_OK && in->grades) {
        rc = read_table(in->grades, grade_cols, 4, grade_row, &ctx, &t);
        table_read_free(&t);
    }
    if (rc != EXIT_OK)
        return rc;
    /* the agents are scored on as many threads as the events were parsed on */
    if (kpi_run_set_threads(l->run, in->threads ? in->threads : 2) != KPI_OK ||
        kpi_run_evaluate(l->run, in->period) != KPI_OK)
        return report_kpi_error(NULL);
    l->period = kpi_run_evaluated_period(l->run);
    return EXIT_OK;
}

void loaded_free(loaded *l)
{
    kpi_run_free(l->run);
    kpi_metrics_free(l->metrics);
    kpi_agents_free(l->agents);
    kpi_plan_free(l->plan);
    memset(l, 0, sizeof *l);
}
