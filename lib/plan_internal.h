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
kpi_status kpi__plan_read_tiers(struct kpi__plan_load *ld, const json_t *value);
kpi_status kpi__plan_read_pay(struct kpi__plan_load *ld, const json_t *value);

/* Free what the tiers and pay readers made; NULL is a no-op. */
void kpi__plan_tiers_free(struct kpi__plan_tiers *tiers);
void kpi__plan_pay_free(struct kpi__plan_pay *pay);

/* Lint the tier bands ("tiers[0].bands[1]") and schedules
 * ("pay.schedules.personal.rows[2]") of a loaded plan; paths are full. */
kpi_status kpi__plan_lint_tiers(const kpi_plan *plan, kpi_lint *lint);
kpi_status kpi__plan_lint_pay(const kpi_plan *plan, kpi_lint *lint);

/* Whether some pay item (@ctx: a struct kpi__plan_pay, or NULL) reads figure @name. */
bool kpi__plan_pay_reads(const void *ctx, const char *name);

/* Section state: made with defaults before the readers run, freed with the plan. */
kpi_status kpi__plan_metrics_init(struct kpi__plan_load *ld);
void kpi__plan_metrics_free(struct kpi__plan_metrics *metrics);
/* Warns where a sketched (approximate) quantile feeds a score or a pay line. */
kpi_status kpi__plan_lint_sketches(const kpi_plan *plan, kpi_lint *lint);
/* Records that input @input is fed by metric @metric (checked against the registry). */
kpi_status kpi__plan_source_add(struct kpi__plan_load *ld, const json_t *node, const char *input,
                                const char *metric);

/* Adds the file, line, column and current path to a failure a library call
 * recorded about @node; returns @st. */
kpi_status kpi__plan_located(struct kpi__plan_load *ld, const json_t *node, kpi_status st);

/* ---- helpers the tiers and pay readers share (plan_read.c) -------------------------- */

/*
 * A library call's failure about @node (a tier, a schedule): KPI_EINVAL
 * becomes KPI_EPLAN (the plan gave the value), and the library's relative
 * path ("rows[2].to", "quotas[1]") is followed from @node as far as it
 * exists in the file, so the error names and locates the element. Returns @st.
 */
kpi_status kpi__plan_built(struct kpi__plan_load *ld, const json_t *node, kpi_status st);

/* Runs @read on each element (an object) of array @obj.@key with the path
 * extended; the array is required and must not be empty (@what names an element). */
typedef kpi_status (*kpi__plan_element)(struct kpi__plan_load *ld, const json_t *element, size_t index,
                                        void *arg);
kpi_status kpi__plan_each(struct kpi__plan_load *ld, const json_t *obj, const char *key, const char *what,
                          kpi__plan_element read, void *arg);

/* An interval written as a string: "[90, 100]", "[80, 90)", "(25000, )",
 * "[90, +inf)", or "80-90" / "80–90" with both ends unstated. */
struct kpi__interval {
    int64_t from, to;          /* in the unit asked for (kpi_dec or fen) */
    kpi_tier_end from_end, to_end; /* KPI_END_*; unbounded ends have value 0 */
};

/* Reads member @key of @obj (a string) as an interval; @money: ends in fen. */
kpi_status kpi__plan_get_interval(struct kpi__plan_load *ld, const json_t *obj, const char *key, bool money,
                                  struct kpi__interval *out);

/* A {"mode": "half_up", "places": 2} object at @obj.@key, if present, over
 * *mode and *places; places 0..@max_places. */
kpi_status kpi__plan_get_rounding(struct kpi__plan_load *ld, const json_t *obj, const char *key,
                                  int max_places, kpi_round *mode, int32_t *places);

/* A figure name at @obj.@key that the run can resolve: "score", a declared
 * input, an agent field ("post_salary") or a metric id; KPI_ENOTFOUND
 * listing the known names otherwise. */
kpi_status kpi__plan_get_figure(struct kpi__plan_load *ld, const json_t *obj, const char *key, bool required,
                                const char **out);

/* Reports id @id at @obj.id as used twice among the @what (KPI_EDUPLICATE). */
kpi_status kpi__plan_duplicate(struct kpi__plan_load *ld, const json_t *obj, const char *id, const char *what);

/*
 * KPI_ELIMIT, located at the array, when the array @key of @obj (or @obj
 * itself when @key is NULL and the path is already the array's) holds more
 * than @limit elements; @name is the kpi_limits field, @what the elements.
 */
kpi_status kpi__plan_check_count(struct kpi__plan_load *ld, const json_t *obj, const char *key, size_t limit,
                                 const char *name, const char *what);

#endif /* KPISCORE_PLAN_INTERNAL_H */
