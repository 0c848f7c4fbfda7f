/*
 * plan_sections.h - what the plan's "metrics", "tiers" and "pay" sections
 * hold once read. The readers (plan_metrics.c, plan_tiers.c, plan_pay.c)
 * fill these; the month-end run (run.c) evaluates them. Strings are
 * borrowed from the plan's JSON document unless marked owned; library
 * objects (schedules, tier tables) are owned and freed with the plan.
 */
#ifndef KPISCORE_PLAN_SECTIONS_H
#define KPISCORE_PLAN_SECTIONS_H

#include "internal.h"
#include "kpiscore/metrics.h"
#include "kpiscore/pay.h"
#include "kpiscore/tiers.h"

/* ---- "metrics" and the inputs they feed ------------------------------- */

/* An input declared with "metric": its value comes from the accumulators. */
struct kpi__plan_source {
    const char *input;  /* the rubric input's name */
    const char *metric; /* a metric id of the plan's registry */
};

struct kpi__plan_metrics {
    kpi_metric_registry *registry; /* built-ins plus the plan's events and metrics (owned) */
    kpi_period period;             /* how the run groups events (default: the plan's "period") */
    int32_t utc_offset_minutes;    /* the plan's time zone (default +480) */
    struct kpi__plan_source *sources; /* owned array */
    size_t nsources;
};

/* ---- "tiers" ------------------------------------------------------------ */

enum kpi__tier_kind {
    KPI__TIERS_TABLE = 0, /* bands by score, percentile or rank */
    KPI__TIERS_FORCED = 1 /* quotas: a forced distribution (评优) */
};

enum kpi__tier_scope {
    KPI__SCOPE_ALL = 0,  /* everyone assessed in the period */
    KPI__SCOPE_TEAM = 1, /* within each team */
    KPI__SCOPE_CENTRE = 2
};

struct kpi__plan_tier {
    const char *id;        /* "grade", "awards" */
    const char *label;     /* "等级"; the id when absent */
    const char *note;      /* the plan's explanation of a choice, or NULL */
    enum kpi__tier_kind kind;
    kpi_tier_table *table; /* TABLE (owned) */
    kpi_forced *forced;    /* FORCED (owned) */
    kpi_rank_options rank; /* method, order, pct kind used for ranking / percentile bases */
    enum kpi__tier_scope scope;
    /*
     * Multi-period: classify on `how` of the last `periods` periods'
     * totals (seed 001: both of the last two >= 90 is min of 2). 0 or 1:
     * this period only. An agent without that many periods gets no tier.
     */
    size_t periods;
    kpi_periods_how how;
    /* The rubric gate that must pass to be eligible ("met target"), or NULL. */
    const char *gate;
    /* Added by the tiers reader (plan_tiers.c), after the fields above: */
    kpi_tier_basis basis;  /* TABLE: what the bands are drawn on (KPI_TIER_BY_*) */
    kpi_tier_band *bands;  /* TABLE: the bands as written (owned array, labels borrowed); lint reads them */
    size_t nbands;
};

struct kpi__plan_tiers {
    struct kpi__plan_tier *items; /* owned array */
    size_t count;
};

/* ---- "pay" -------------------------------------------------------------- */

/*
 * Where a figure comes from, by name, resolved when the run starts:
 * a metric id of the plan's registry ("sales", in its unit: yuan figures
 * become fen), a rubric input, "score" (the scorecard total), or an agent
 * field ("post_salary"). Unknown names are a plan error at load time.
 */
enum kpi__pay_kind {
    KPI__PAY_AMOUNT = 0,       /* a fixed amount: "amount" */
    KPI__PAY_AGENT_FIELD = 1,  /* an amount from the agents file: "field" (岗位工资) */
    KPI__PAY_SCHEDULE = 2,     /* a bracket schedule on "basis" (个人提成, step bonuses) */
    KPI__PAY_POOL = 3,         /* "basis" summed over the scope x "rate", split (公共提成) */
    KPI__PAY_SCORE_BONUS = 4,  /* bonus pool x score / total with a gate (绩效奖金) */
    KPI__PAY_FINE = 5,         /* escalating fines on the count "count" (罚款) */
    KPI__PAY_STREAK = 6        /* "amount" once a streak of "length" periods is reached (连续第一奖) */
};

enum kpi__pool_split {
    KPI__SPLIT_EQUAL = 0,  /* equal parts among those in the scope */
    KPI__SPLIT_WEIGHT = 1  /* by "weight" (a figure name, e.g. "score", "sales") */
};

enum kpi__streak_on {
    KPI__STREAK_RANK = 0, /* rank within the scope <= "rank" (ranked first: 1) */
    KPI__STREAK_FAIL = 1  /* the scorecard failed (flag only: amount 0 unless given) */
};

struct kpi__plan_pay_item {
    const char *id;         /* "commission" */
    const char *label;      /* "个人提成" */
    enum kpi__pay_kind kind;
    kpi_money amount;       /* AMOUNT, STREAK */
    const char *field;      /* AGENT_FIELD */
    const char *basis;      /* SCHEDULE, POOL: the figure's name */
    const char *ratio_of;   /* SCHEDULE with a ratio basis: the amount the rate applies to, or NULL */
    kpi_schedule *schedule; /* SCHEDULE (owned) */
    kpi_schedule_def schedule_def; /* as built, for explanations */
    kpi_dec rate;           /* POOL */
    enum kpi__tier_scope scope;      /* POOL: whose basis is summed and who shares */
    enum kpi__pool_split split;      /* POOL */
    const char *weight;     /* POOL with SPLIT_WEIGHT */
    kpi_score_bonus_def bonus;       /* SCORE_BONUS */
    kpi_money *steps;       /* FINE (owned) */
    size_t nsteps;
    kpi_fine_past past;     /* FINE */
    const char *count;      /* FINE: the count input or metric */
    enum kpi__streak_on streak_on;   /* STREAK */
    int64_t rank;           /* STREAK on rank */
    int64_t length;         /* STREAK: periods running */
    kpi_streak_fire fire;   /* STREAK */
    kpi_round rounding;     /* the section's (or the item's) rounding */
    int32_t places;
    /* Added by the pay reader (plan_pay.c), after the fields above: */
    const char *schedule_name; /* SCHEDULE: its key in "schedules" */
    const char *note;          /* the item's "note", or NULL */
};

/* A named schedule of "pay.schedules", as written (the items build their own copies). */
struct kpi__plan_schedule {
    const char *name;      /* the key ("personal") */
    char *path;            /* its JSON path ("pay.schedules.personal"), owned; lint prefixes findings with it */
    kpi_schedule_def def;  /* with the section's (or the schedule's) rounding */
    kpi_bracket_row *rows; /* owned array */
    size_t nrows;
    bool used;             /* some item reads it */
};

struct kpi__plan_pay {
    struct kpi__plan_pay_item *items; /* owned array, in pay-slip order */
    size_t count;
    /* Added by the pay reader: the named schedules, in file order. */
    struct kpi__plan_schedule *schedules; /* owned array */
    size_t nschedules;
};

#endif /* KPISCORE_PLAN_SECTIONS_H */
