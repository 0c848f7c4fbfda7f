/* bench_rubric.c - scorecards per second for the seed 003 after-sales plan
 * (six items, four adjustments, a gate), against a plain loop that adds the
 * same inputs' numbers, measured in the same run. Run from the source root:
 *   build/bench/bench_rubric [plan.json] [agents]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kpiscore.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/plans/seed003-after-sales.json";
    long agents = argc > 2 ? atol(argv[2]) : 200000;
    kpi_plan *plan;
    if (kpi_plan_load_file(&plan, path, NULL) != KPI_OK) {
        fprintf(stderr, "%s\n", kpi_error_text(kpi_error_last()));
        return 1;
    }
    static const char *const grades[] = {"优", "良", "中", "差"};
    kpi_inputs *in;
    kpi_inputs_new(&in);
    kpi_dec checksum = 0;
    double t0 = now();
    for (long a = 0; a < agents; a++) {
        kpi_inputs_clear(in);
        kpi_inputs_set_label(in, "quality", grades[a & 3]);
        kpi_inputs_set_ratio(in, "refund_rate", a % 150, 1000);
        kpi_inputs_set_label(in, "disputes", grades[(a >> 2) & 3]);
        kpi_inputs_set_label(in, "teamwork", grades[(a >> 4) & 3]);
        kpi_inputs_set_label(in, "execution", grades[(a >> 6) & 3]);
        kpi_inputs_set_count(in, "late", a % 3);
        kpi_inputs_set_count(in, "praise", a % 5);
        kpi_dec picks[2] = {-KPI_DEC_INT(5), -KPI_DEC_INT(5 + a % 16)};
        kpi_inputs_set_list(in, "complaints", picks, (size_t)(a % 3));
        kpi_scorecard *card;
        if (kpi_rubric_score(&card, kpi_plan_rubric(plan), in) != KPI_OK) {
            fprintf(stderr, "%s\n", kpi_error_text(kpi_error_last()));
            return 1;
        }
        checksum += kpi_scorecard_total(card);
        kpi_scorecard_free(card);
    }
    double t_score = now() - t0;
    /* the plain loop: the same numbers added without a rubric */
    volatile int64_t plain = 0;
    t0 = now();
    for (long a = 0; a < agents; a++)
        plain += (a & 3) * 5 + (a % 150 <= 50 ? 30 : 10) + ((a >> 2) & 3) * 5 + ((a >> 4) & 3) * 5 +
                 ((a >> 6) & 3) * 5 + 20 - 5 * (a % 3) + 2 * (a % 5) - (a % 3 ? 5 : 0);
    double t_plain = now() - t0;
    printf("agents %ld, checksum %.2f\n", agents, kpi_dec_to_double(checksum));
    printf("rubric score + free: %.0f scorecards/s (%.2f us each)\n", agents / t_score, 1e6 * t_score / agents);
    printf("plain loop:          %.0f agents/s\n", agents / t_plain);
    printf("ratio plain/rubric:  %.0fx\n", t_score / t_plain);
    kpi_inputs_free(in);
    kpi_plan_free(plan);
    return 0;
}
