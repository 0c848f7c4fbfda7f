/* cmd_run.c - run, score, rank, pay and explain: views of one evaluated period. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "report.h"

enum view { VIEW_RUN, VIEW_SCORE, VIEW_RANK, VIEW_PAY };

struct options {
    run_inputs in;
    output_format format;
    bool format_set;
    const char *output; /* NULL: standard output */
    const char *report; /* HTML report path, run only */
    const char *agent;  /* explain */
};

static const char *outcome_label(kpi_outcome o)
{
    switch (o) {
    case KPI_OUTCOME_PASS: return "合格";
    case KPI_OUTCOME_FAIL: return "不合格";
    default: return "不参评";
    }
}

/* The amount of the line labelled @label on agent @a's slip (0 when absent). */
static kpi_money pay_of(const loaded *l, size_t a, const char *label)
{
    const kpi_payslip *slip = kpi_run_payslip(l->run, a);
    kpi_money sum = 0;
    for (size_t i = 0; slip && i < kpi_payslip_count(slip); i++) {
        const char *lb;
        kpi_pay_why why = KPI_PAY_WHY_INIT;
        kpi_payslip_line(slip, i, &lb, &why);
        if (strcmp(lb, label) == 0)
            sum += why.value;
    }
    return sum;
}

/* Builds the table a view shows. Labels are Chinese; keys are stable ASCII. */
static table *build_table(const loaded *l, enum view view, char ***keys_out, char ***labels_out, size_t *ncols)
{
    /* one column per pay component and per classification, in plan order */
    size_t npay = view == VIEW_RUN || view == VIEW_PAY ? kpi_plan_pay_count(l->plan) : 0;
    size_t ntiers = view == VIEW_PAY || view == VIEW_SCORE ? 0 : kpi_run_tier_count(l->run);
    size_t n = 0, cap = 16 + ntiers + npay;
    char **keys = calloc(cap, sizeof *keys), **labels = calloc(cap, sizeof *labels);
#define COL(k, lb) (keys[n] = strdup(k), labels[n] = strdup(lb), n++)
    COL("rank", "排名");
    COL("agent", "工号");
    COL("name", "姓名");
    COL("team", "组");
    if (view != VIEW_PAY) {
        COL("score", "得分");
        COL("outcome", "结果");
    }
    if (view == VIEW_RANK) {
        COL("team_rank", "组内排名");
        COL("percentile", "百分位");
    }
    for (size_t t = 0; t < ntiers; t++) {
        char key[128];
        snprintf(key, sizeof key, "tier_%s", kpi_plan_tier_id(l->plan, t));
        COL(key, kpi_run_tier_name(l->run, t));
    }
    for (size_t i = 0; i < npay; i++) {
        char key[128];
        snprintf(key, sizeof key, "pay_%s", kpi_plan_pay_id(l->plan, i));
        COL(key, kpi_plan_pay_label(l->plan, i));
    }
    if (npay)
        COL("pay_total", "应发合计");
#undef COL
    table *tb = table_new(n, (const char *const *)keys, (const char *const *)labels);
    for (size_t i = 0; i < kpi_run_count(l->run); i++) {
        kpi_run_row row = KPI_RUN_ROW_INIT;
        kpi_run_row_get(l->run, i, &row);
        table_row(tb);
        if (row.rank)
            table_dec(tb, row.rank, -1);
        else
            table_null(tb);
        table_text(tb, row.id);
        table_text(tb, row.name);
        table_text(tb, row.team);
        if (view != VIEW_PAY) {
            table_dec(tb, row.score, 2);
            table_text(tb, outcome_label(row.outcome));
        }
        if (view == VIEW_RANK) {
            if (row.team_rank)
                table_dec(tb, row.team_rank, -1);
            else
                table_null(tb);
            if (row.rank)
                table_dec(tb, row.pct, 4);
            else
                table_null(tb);
        }
        for (size_t t = 0; t < ntiers; t++) {
            kpi_tier_row tr = KPI_TIER_ROW_INIT;
            if (kpi_run_tier(l->run, t, row.agent, &tr) == KPI_OK && tr.tier != KPI_TIER_NONE)
                table_text(tb, tr.label);
            else
                table_null(tb);
        }
        for (size_t k = 0; k < npay; k++)
            table_money(tb, pay_of(l, row.agent, kpi_plan_pay_label(l->plan, k)));
        if (npay)
            table_money(tb, row.pay);
    }
    *keys_out = keys;
    *labels_out = labels;
    *ncols = n;
    return tb;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void view_help(const char *name, enum view view)
{
    printf("usage: kpiscore %s --plan FILE --agents FILE [--events FILE | --state FILE]\n"
           "                [--grades FILE] [--period P] [--format table|csv|json] [--output FILE]%s\n\n",
           name, view == VIEW_RUN ? " [--report FILE.html]" : "");
    switch (view) {
    case VIEW_RUN: puts("Evaluates a period and prints the ranked table: score, outcome, tiers, each pay\n"
                        "component and the total. --report also writes a self-contained HTML report."); break;
    case VIEW_SCORE: puts("Prints each agent's score and outcome (合格 / 不合格 / 不参评) for the period."); break;
    case VIEW_RANK: puts("Prints ranks (competition: 1224), ranks within the team, percentile ranks and\n"
                         "every tier classification of the plan."); break;
    case VIEW_PAY: puts("Prints each agent's pay lines, one column per component, and the total, in yuan."); break;
    }
    printf("\noptions:\n" RUN_OPTIONS_HELP
           "  -f, --format F       table (default on a terminal), csv or json\n"
           "  -o, --output FILE    write there (all or nothing) instead of standard output\n"
           "%s"
           "  -h, --help           this help\n",
           view == VIEW_RUN ? "  -r, --report FILE    also write the HTML report there\n" : "");
}

static int parse(int argc, char **argv, const char *name, enum view view, struct options *o)
{
    static const struct option longs[] = {RUN_LONG_OPTIONS,
                                          {"format", required_argument, NULL, 'f'},
                                          {"output", required_argument, NULL, 'o'},
                                          {"report", required_argument, NULL, 'r'},
                                          {"agent", required_argument, NULL, 'A'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, RUN_SHORT_OPTIONS "f:o:r:A:h", longs, NULL)) != -1) {
        int rc = run_option(&o->in, c, optarg, name);
        if (rc > 0)
            return rc;
        if (rc == 0)
            continue;
        switch (c) {
        case 'f':
            if (!parse_format(optarg, &o->format))
                return usage_error(name, "unknown format '%s' (table, csv or json)", optarg);
            o->format_set = true;
            break;
        case 'o': o->output = optarg; break;
        case 'r':
            if (view != VIEW_RUN)
                return usage_error(name, "--report belongs to 'kpiscore run'");
            o->report = optarg;
            break;
        case 'A': o->agent = optarg; break;
        case 'h': view_help(name, view); return -1;
        default:
            return usage_error(name, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error(name, "unexpected argument '%s'", argv[optind]);
    return 0;
}

static int show(int argc, char **argv, const char *name, enum view view)
{
    struct options o;
    int rc = parse(argc, argv, name, view, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    loaded l;
    rc = load_run(&o.in, name, &l);
    if (rc != EXIT_OK) {
        loaded_free(&l);
        return rc;
    }
    char **keys, **labels;
    size_t ncols;
    table *tb = build_table(&l, view, &keys, &labels, &ncols);
    atomic_file af;
    FILE *out = stdout;
    if (o.output) {
        if (!atomic_open(&af, o.output)) {
            rc = EXIT_INPUT;
            goto done;
        }
        out = af.f;
    }
    output_format format = o.format_set ? o.format : default_format(out);
    if (format == FORMAT_TABLE)
        fprintf(out, "%s · %s\n\n", kpi_plan_name(l.plan), l.period);
    table_write(tb, out, format, name);
    if (o.report && (rc = write_report(&l, o.report)) != EXIT_OK) {
        if (o.output)
            atomic_abort(&af);
        goto done;
    }
    if (o.output && !atomic_commit(&af))
        rc = EXIT_INPUT;
    if (rc == EXIT_OK && o.report && format == FORMAT_TABLE && !o.output)
        printf("\nHTML report: %s\n", o.report);
done:
    table_free(tb);
    free_names(keys, ncols);
    free_names(labels, ncols);
    loaded_free(&l);
    return rc;
}

int cmd_run(int argc, char **argv) { return show(argc, argv, "run", VIEW_RUN); }
int cmd_score(int argc, char **argv) { return show(argc, argv, "score", VIEW_SCORE); }
int cmd_rank(int argc, char **argv) { return show(argc, argv, "rank", VIEW_RANK); }
int cmd_pay(int argc, char **argv) { return show(argc, argv, "pay", VIEW_PAY); }

int cmd_explain(int argc, char **argv)
{
    struct options o;
    int rc = parse(argc, argv, "explain", VIEW_SCORE, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!o.agent)
        return usage_error("explain", "--agent ID is required");
    loaded l;
    rc = load_run(&o.in, "explain", &l);
    size_t agent = SIZE_MAX;
    for (size_t i = 0; rc == EXIT_OK && i < kpi_run_count(l.run); i++) {
        kpi_run_row row = KPI_RUN_ROW_INIT;
        kpi_run_row_get(l.run, i, &row);
        if (strcmp(row.id, o.agent) == 0)
            agent = row.agent;
    }
    if (rc == EXIT_OK && agent == SIZE_MAX)
        rc = input_error(o.in.agents, 0, 0, "unknown agent '%s'", o.agent);
    if (rc == EXIT_OK) {
        size_t n = kpi_run_explain(l.run, agent, NULL, 0);
        char *text = malloc(n + 1);
        if (text) {
            kpi_run_explain(l.run, agent, text, n + 1);
            fputs(text, stdout);
        }
        free(text);
    }
    loaded_free(&l);
    return rc;
}
