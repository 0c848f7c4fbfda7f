/* cmd_state.c - ingest (events -> state) and merge (states -> state). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static int save_state(const kpi_metrics *m, const char *path)
{
    size_t size;
    if (kpi_metrics_save(m, NULL, 0, &size) != KPI_OK && kpi_error_code(kpi_error_last()) != KPI_ERANGE)
        return report_kpi_error(path);
    char *buf = malloc(size ? size : 1);
    if (!buf || kpi_metrics_save(m, buf, size, &size) != KPI_OK) {
        free(buf);
        return report_kpi_error(path);
    }
    atomic_file af;
    int rc = EXIT_OK;
    if (!atomic_open(&af, path))
        rc = EXIT_INPUT;
    else if (fwrite(buf, 1, size, af.f) != size) {
        atomic_abort(&af);
        rc = input_error(path, 0, 0, "write failed");
    } else if (!atomic_commit(&af))
        rc = EXIT_INPUT;
    free(buf);
    return rc;
}

static void ingest_help(void)
{
    puts("usage: kpiscore ingest --plan FILE --agents FILE --events FILE --output STATE\n"
         "\n"
         "Reads an events CSV (agent,time,event,value[,excused]; '-' for standard\n"
         "input, streamed in constant memory) into the plan's accumulators and saves\n"
         "their state: a versioned, checksummed byte format that 'kpiscore merge'\n"
         "combines and 'kpiscore run --state' evaluates. Shards ingested separately\n"
         "with the same plan and agents file merge to exactly the single-pass result.\n"
         "\n"
         "options:\n" RUN_OPTIONS_HELP
         "  -o, --output FILE    where the state goes (written only on success)\n"
         "  -h, --help           this help");
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option longs[] = {RUN_LONG_OPTIONS,
                                          {"output", required_argument, NULL, 'o'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    run_inputs in = {0};
    const char *output = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, RUN_SHORT_OPTIONS "o:h", longs, NULL)) != -1) {
        int rc = run_option(&in, c, optarg, "ingest");
        if (rc > 0)
            return rc;
        if (rc == 0)
            continue;
        if (c == 'o')
            output = optarg;
        else if (c == 'h') {
            ingest_help();
            return EXIT_OK;
        } else
            return usage_error("ingest", "unknown or incomplete option '%s'", argv[optind - 1]);
    }
    if (!in.events || !output)
        return usage_error("ingest", "--events and --output are required");
    if (in.grades || in.state || in.period)
        return usage_error("ingest", "ingest reads events only (no --grades, --state or --period)");
    loaded l;
    int rc = load_run(&in, "ingest", &l);
    if (rc == EXIT_OK)
        rc = save_state(l.metrics, output);
    else if (l.metrics && kpi_metrics_period_count(l.metrics) == 0 && kpi_run_period_count(l.run) == 0)
        rc = EXIT_INPUT;
    loaded_free(&l);
    return rc;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option longs[] = {{"plan", required_argument, NULL, 'p'},
                                          {"output", required_argument, NULL, 'o'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *plan_path = NULL, *output = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "p:o:h", longs, NULL)) != -1) {
        if (c == 'p')
            plan_path = optarg;
        else if (c == 'o')
            output = optarg;
        else if (c == 'h') {
            puts("usage: kpiscore merge --plan FILE --output STATE STATE...\n"
                 "\n"
                 "Combines accumulator states saved by 'kpiscore ingest' (same plan, same\n"
                 "agents file) into one. Merging is exact, associative and commutative: any\n"
                 "order or grouping gives the same bytes.");
            return EXIT_OK;
        } else
            return usage_error("merge", "unknown or incomplete option '%s'", argv[optind - 1]);
    }
    if (!plan_path || !output || optind >= argc)
        return usage_error("merge", "--plan, --output and at least one state are required");
    kpi_plan *plan = load_plan(plan_path);
    if (!plan)
        return EXIT_INPUT;
    kpi_metrics *total = NULL;
    int rc = EXIT_OK;
    for (int i = optind; i < argc && rc == EXIT_OK; i++) {
        size_t len;
        char *data = read_file(argv[i], &len);
        if (!data) {
            rc = EXIT_INPUT;
            break;
        }
        kpi_metrics *m = NULL;
        if (kpi_metrics_load(&m, kpi_plan_metric_registry(plan), data, len, 0) != KPI_OK) {
            const kpi_error *e = kpi_error_last();
            rc = kpi_error_offset(e) >= 0
                     ? input_error(argv[i], 0, 0, "byte %lld: %s", kpi_error_offset(e), kpi_error_message(e))
                     : report_kpi_error(argv[i]);
        } else if (!total) {
            total = m;
            m = NULL;
        } else if (kpi_metrics_merge(total, m) != KPI_OK) {
            rc = report_kpi_error(argv[i]);
        }
        kpi_metrics_free(m);
        free(data);
    }
    if (rc == EXIT_OK)
        rc = save_state(total, output);
    kpi_metrics_free(total);
    kpi_plan_free(plan);
    return rc;
}
