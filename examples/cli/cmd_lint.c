/* cmd_lint.c - kpiscore lint PLAN: what a plan leaves ambiguous. */
#include <getopt.h>
#include <string.h>

#include "commands.h"

static void help(void)
{
    puts("usage: kpiscore lint [--format table|csv|json] [--strict] PLAN\n"
         "\n"
         "Reports, with file:line:column and the JSON path, what the plan leaves\n"
         "ambiguous or inconsistent: tier gaps and overlaps, shared end points without\n"
         "an owner, commission tables that jump or leave amounts uncovered, weights\n"
         "that do not add up, items that can exceed their points, unknown references.\n"
         "\n"
         "Exit status: 0 (findings are printed but are not failures), 1 when the plan\n"
         "cannot be loaded, or with --strict when there is any warning or error.\n"
         "\n"
         "options:\n"
         "  -f, --format F   text lines (default), table, csv or json\n"
         "  -s, --strict     exit 1 on warnings too\n"
         "  -h, --help       this help");
}

int cmd_lint(int argc, char **argv)
{
    static const struct option longs[] = {{"format", required_argument, NULL, 'f'},
                                          {"strict", no_argument, NULL, 's'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    output_format format = FORMAT_TABLE;
    bool lines = true, strict = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:sh", longs, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!parse_format(optarg, &format))
                return usage_error("lint", "unknown format '%s' (table, csv or json)", optarg);
            lines = false;
            break;
        case 's': strict = true; break;
        case 'h': help(); return EXIT_OK;
        default: return usage_error("lint", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return usage_error("lint", "give exactly one plan file");
    const char *path = argv[optind];
    kpi_plan *plan = load_plan(path);
    if (!plan)
        return EXIT_INPUT;
    kpi_lint *lint = NULL;
    if (kpi_lint_new(&lint) != KPI_OK || kpi_plan_lint(plan, lint) != KPI_OK) {
        kpi_lint_free(lint);
        kpi_plan_free(plan);
        return report_kpi_error(path);
    }
    size_t n = kpi_lint_count(lint);
    if (lines) {
        for (size_t i = 0; i < n; i++) {
            printf("%s:", path);
            if (kpi_lint_line(lint, i))
                printf("%ld:%ld:", kpi_lint_line(lint, i), kpi_lint_column(lint, i));
            printf(" %s: %s%s%s [%s]\n", kpi_severity_name(kpi_lint_severity(lint, i)), kpi_lint_path(lint, i),
                   *kpi_lint_path(lint, i) ? ": " : "", kpi_lint_message(lint, i), kpi_lint_code(lint, i));
        }
        printf("%s: %zu finding%s (%zu warning or worse)\n", path, n, n == 1 ? "" : "s",
               kpi_lint_count_at_least(lint, KPI_LINT_WARNING));
    } else {
        static const char *const keys[] = {"line", "column", "severity", "code", "path", "message"};
        static const char *const labels[] = {"行", "列", "级别", "代码", "位置", "说明"};
        table *t = table_new(6, keys, labels);
        for (size_t i = 0; i < n; i++) {
            table_row(t);
            table_int(t, kpi_lint_line(lint, i));
            table_int(t, kpi_lint_column(lint, i));
            table_text(t, kpi_severity_name(kpi_lint_severity(lint, i)));
            table_text(t, kpi_lint_code(lint, i));
            table_text(t, kpi_lint_path(lint, i));
            table_text(t, kpi_lint_message(lint, i));
        }
        table_write(t, stdout, format, "lint");
        table_free(t);
    }
    int rc = strict && kpi_lint_count_at_least(lint, KPI_LINT_WARNING) ? EXIT_INPUT : EXIT_OK;
    kpi_lint_free(lint);
    kpi_plan_free(plan);
    return rc;
}
