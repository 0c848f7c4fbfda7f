/* commands.h - the subcommands of kpiscore and what they share. */
#ifndef KPISCORE_COMMANDS_H
#define KPISCORE_COMMANDS_H

#include "cli.h"

int cmd_run(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_rank(int argc, char **argv);
int cmd_pay(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_merge(int argc, char **argv);

#define COMMAND_LIST                                                                     \
    {"run", "plan + events or state + agents + grades -> the ranked month-end table", cmd_run}, \
    {"score", "the scorecards of a period (points, outcome)", cmd_score},               \
    {"rank", "ranks, percentile ranks and tiers of a period", cmd_rank},                \
    {"pay", "the pay lines of a period, one column per component", cmd_pay},           \
    {"explain", "one agent's points, tiers and pay, line by line (for an appeal)", cmd_explain}, \
    {"lint", "what a plan leaves ambiguous: gaps, jumps, unowned ends, totals", cmd_lint}, \
    {"ingest", "events CSV -> saved accumulator state", cmd_ingest},                    \
    {"merge", "accumulator states -> one state", cmd_merge},

/* ---- loading the inputs of a run (load.c) ---------------------------------- */

typedef struct run_inputs {
    const char *plan;
    const char *events;   /* events CSV, or NULL */
    const char *state;    /* saved accumulator state, or NULL */
    const char *agents;   /* agents CSV (required) */
    const char *grades;   /* grades CSV, or NULL */
    const char *period;   /* NULL: the latest */
    unsigned threads;
    bool quiet;
    bool money_yuan;      /* money events are given in yuan */
} run_inputs;

typedef struct loaded {
    kpi_plan *plan;
    kpi_metrics *metrics;
    kpi_agents *agents;
    kpi_run *run;
    const char *period; /* the evaluated period (borrowed from run) */
} loaded;

/* Parses the options every run-like command shares; returns -1 if @c is not
 * one of them, else 0 (or EXIT_USAGE). */
int run_option(run_inputs *in, int c, const char *arg, const char *name);
/* The getopt long options and short letters those are. */
#define RUN_LONG_OPTIONS                                         \
    {"plan", required_argument, NULL, 'p'},                      \
    {"events", required_argument, NULL, 'e'},                    \
    {"state", required_argument, NULL, 's'},                     \
    {"agents", required_argument, NULL, 'a'},                    \
    {"grades", required_argument, NULL, 'g'},                    \
    {"period", required_argument, NULL, 'P'},                    \
    {"threads", required_argument, NULL, 'j'},                   \
    {"money-yuan", no_argument, NULL, 'Y'},                      \
    {"quiet", no_argument, NULL, 'q'}
#define RUN_SHORT_OPTIONS "p:e:s:a:g:P:j:Yq"
#define RUN_OPTIONS_HELP                                                                   \
    "  -p, --plan FILE      the plan (考核方案), JSON\n"                                   \
    "  -e, --events FILE    events CSV (agent,time,event,value), '-' for standard input\n"  \
    "  -s, --state FILE     accumulator state saved by 'kpiscore ingest' or 'merge'\n"       \
    "  -a, --agents FILE    agents CSV (agent,name,team,centre,...,post_salary)\n"           \
    "  -g, --grades FILE    evaluator grades CSV (agent,period,input,value)\n"               \
    "  -P, --period P       the period to evaluate, e.g. 2026-09 (default: the latest)\n"   \
    "  -j, --threads N      threads for reading events (default 2)\n"                       \
    "      --money-yuan     money events give yuan (12.50), not fen\n"                      \
    "  -q, --quiet          no progress bar\n"

/* Loads plan, metrics, agents and grades and evaluates the period. Returns
 * an exit code; on success @out holds everything (free with loaded_free). */
int load_run(const run_inputs *in, const char *name, loaded *out);
void loaded_free(loaded *l);

/* Writes the HTML report of an evaluated run, all or nothing (report_fill.c). */
int write_report(const loaded *l, const char *path);

/* Loads a plan, printing the error; NULL on failure. */
kpi_plan *load_plan(const char *path);

#endif /* KPISCORE_COMMANDS_H */
