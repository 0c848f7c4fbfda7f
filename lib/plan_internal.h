/*
 * plan_internal.h - the plan loader's section table. Each top-level key of a
 * plan has one reader; adding a section (metrics, tiers, pay) is one reader
 * function and one row in plan.c's table.
 */
#ifndef KPISCORE_PLAN_INTERNAL_H
#define KPISCORE_PLAN_INTERNAL_H

#include "json_internal.h"
#include "plan_sections.h"
#include "rubric_internal.h"

struct kpi_plan {
    kpi__json *doc; /* kept for lint positions */
    const char *name, *note, *period; /* borrowed from doc */
    kpi_round round_mode;
    int places;
    kpi_total_mode total_mode;
    kpi_rubric *rubric;
    struct kpi__plan_metrics *metrics; /* always present after a load (built-ins at least) */
    struct kpi__plan_tiers *tiers;     /* NULL without a "tiers" section */
    struct kpi__plan_pay *pay;         /* NULL without a "pay" section */
};

/* State while one plan loads. */
struct kpi__plan_load {
    kpi__json *doc;
    kpi_plan *plan;
    kpi_rubric_builder *builder; /* made by the inputs reader, completed by the rubric reader */
    bool has_inputs;
};

/*
 * A section reader: @value is the section's JSON value, and the path is
 * already the section's key. Report failures with kpi__json_fail() (or
 * kpi__plan_located() after a builder call).
 */
typedef kpi_status (*kpi__plan_reader)(struct kpi__plan_load *ld, const json_t *value);

kpi_status kpi__plan_read_metrics(struct kpi__plan_load *ld, const json_t *value);
kpi_status kpi__plan_read_inputs(struct kpi__plan_load *ld, const json_t *value);
kpi_status kpi__plan_read_rubric(struct kpi__plan_load *ld, const json_t *value);

/* Section state: made with defaults before the readers run, freed with the plan. */
kpi_status kpi__plan_metrics_init(struct kpi__plan_load *ld);
void kpi__plan_metrics_free(struct kpi__plan_metrics *metrics);
/* Records that input @input is fed by metric @metric (checked against the registry). */
kpi_status kpi__plan_source_add(struct kpi__plan_load *ld, const json_t *node, const char *input,
                                const char *metric);

/* Adds the file, line, column and current path to a failure a library call
 * recorded about @node; returns @st. */
kpi_status kpi__plan_located(struct kpi__plan_load *ld, const json_t *node, kpi_status st);

#endif /* KPISCORE_PLAN_INTERNAL_H */
