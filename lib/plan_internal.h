/*
 * plan_internal.h - the plan loader's section table. Each top-level key of a
 * plan has one reader; adding a section (metrics, tiers, pay) is one reader
 * function and one row in plan.c's table.
 */
#ifndef KPISCORE_PLAN_INTERNAL_H
#define KPISCORE_PLAN_INTERNAL_H

#include "json_internal.h"
#include "rubric_internal.h"

struct kpi_plan {
    kpi__json *doc; /* kept for lint positions */
    const char *name, *note, *period; /* borrowed from doc */
    kpi_round round_mode;
    int places;
    kpi_total_mode total_mode;
    kpi_rubric *rubric;
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

kpi_status kpi__plan_read_inputs(struct kpi__plan_load *ld, const json_t *value);
kpi_status kpi__plan_read_rubric(struct kpi__plan_load *ld, const json_t *value);

/* Adds the file, line, column and current path to a failure a library call
 * recorded about @node; returns @st. */
kpi_status kpi__plan_located(struct kpi__plan_load *ld, const json_t *node, kpi_status st);

#endif /* KPISCORE_PLAN_INTERNAL_H */
