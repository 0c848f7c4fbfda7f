/*
 * main.c - the kpiscore command: a month-end evaluation from a plan file.
 *
 *   kpiscore <command> [options]      kpiscore <command> --help
 */
#include <string.h>

#include "cli.h"
#include "commands.h"

static const command commands[] = {
    COMMAND_LIST
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: kpiscore <command> [options]\n"
            "\n"
            "Scores, ranks, tiers and pays customer-service staff from a plan (考核方案),\n"
            "exactly to the fen.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "'kpiscore <command> --help' describes each. Exit status: 0 success,\n"
            "1 bad input (file:line:column: message on stderr), 2 bad usage.\n");
}

int main(int argc, char **argv)
{
    if (kpi_check_version(KPI_VERSION_MAJOR, KPI_VERSION_MINOR) != KPI_OK)
        return report_kpi_error("library");
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("kpiscore %s\n", kpi_version());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "kpiscore: unknown command '%s'\n\n", name);
    usage(stderr);
    return EXIT_USAGE;
}
