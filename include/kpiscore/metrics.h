/*
 * kpiscore/metrics.h - metric accumulators: events in, exact per-agent,
 * per-period metrics out.
 *
 * Three objects:
 *  - kpi_metric_registry: the event kinds and the metric definitions
 *    (built-ins for every metric of the chat and call-centre rules, plus
 *    metrics a plan defines through kpi_metric_def);
 *  - kpi_agents: agent ids mapped to dense indexes, with team and centre;
 *  - kpi_metrics: the accumulator. Rows go in as columns (agent index,
 *    event code, integer value, optional time); counters, exact sums,
 *    ratio pairs, mean/variance, min/max, threshold counts and exact
 *    quantiles come out per (agent, period), mergeable and serialisable.
 *
 * Values are integers in a unit fixed per event kind (fen for money,
 * milliseconds for durations, hundredths of a point for QA scores, plain
 * counts), so ingestion is integer arithmetic and every result is exact:
 * reported values are kpi_dec, rounded once; a ratio with a zero
 * denominator is KPI_ENA, never 0 and never NaN.
 *
 * See docs/metrics.md for every built-in metric, the event kinds, the
 * periods and time zone, and the state format byte by byte.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_METRICS_H
#define KPISCORE_METRICS_H

#include "common.h"
#include "decimal.h"
#include "quantile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- event kinds -------------------------------------------------------- */

/**
 * Built-in event kinds: the code in the `event` column of a batch and the
 * name in the `event` column of an events CSV. The value column's unit is
 * fixed per kind (in brackets). Plans add kinds with
 * kpi_metric_registry_add_event(), which hands out codes from
 * KPI_EVENT_CUSTOM up to KPI_EVENT_MAX - 1.
 */
enum {
    KPI_EVENT_CONSULT = 0,         /**< "consult": a visitor consulted (value ignored) */
    KPI_EVENT_REPLY = 1,           /**< "reply": a consulting customer got a first reply [ms response time] */
    KPI_EVENT_ORDER = 2,           /**< "order": a consulting customer placed an order */
    KPI_EVENT_PAYMENT = 3,         /**< "payment": a customer paid [fen paid] */
    KPI_EVENT_SUBORDER = 4,        /**< "suborder": a sub-order was sold [fen] */
    KPI_EVENT_REFUND = 5,          /**< "refund": a sub-order was refunded [fen] */
    KPI_EVENT_LISTING = 6,         /**< "listing": a product listing was made */
    KPI_EVENT_LISTING_ERROR = 7,   /**< "listing_error": a listing had an error */
    KPI_EVENT_SET_SOLD = 8,        /**< "set_sold": sets sold [number of sets] */
    KPI_EVENT_SALES_TARGET = 9,    /**< "sales_target": planned sales for the period [fen] */
    KPI_EVENT_CALL_OFFERED = 10,   /**< "call_offered": a call reached the queue */
    KPI_EVENT_CALL_ANSWERED = 11,  /**< "call_answered": a call was answered [ms waited] */
    KPI_EVENT_CALL_ABANDONED = 12, /**< "call_abandoned": the caller hung up waiting [ms waited] */
    KPI_EVENT_TALK = 13,           /**< "talk": talk time [ms] */
    KPI_EVENT_ACW = 14,            /**< "acw": after-call work [ms] */
    KPI_EVENT_HOLD = 15,           /**< "hold": hold time [ms] */
    KPI_EVENT_IDLE = 16,           /**< "idle": available, waiting for a call [ms] */
    KPI_EVENT_READY = 17,          /**< "ready": logged in and ready [ms] */
    KPI_EVENT_SCHEDULED = 18,      /**< "scheduled": scheduled working time [ms] */
    KPI_EVENT_TRANSFER = 19,       /**< "transfer": an answered call was transferred */
    KPI_EVENT_REPEAT_CONTACT = 20, /**< "repeat_contact": a customer called again on the same issue */
    KPI_EVENT_SHIFT_SCHEDULED = 21,/**< "shift_scheduled": a scheduled shift (attendance) */
    KPI_EVENT_SHIFT_PRESENT = 22,  /**< "shift_present": a scheduled shift attended */
    KPI_EVENT_QA_SCORE = 23,       /**< "qa_score": a monitored call's score [1/100 point] */
    KPI_EVENT_DELIVERY = 24,       /**< "delivery": a delivery [ms late; <= 0 is on time] */
    KPI_EVENT_BUILTIN_COUNT = 25,  /**< number of built-in kinds */
    KPI_EVENT_CUSTOM = 32,         /**< first code of plan-defined kinds */
    KPI_EVENT_MAX = 64             /**< codes are below this */
};

/**
 * Or-ed into an event code in a batch: the record is excused (an
 * excusable cause; an invalid number). Terms with
 * KPI_TERM_EXCLUDE_EXCUSED leave such records out; all others count them.
 */
#define KPI_EVENT_EXCUSED 0x8000u

/** The bit of event @p code in a kpi_metric_term's event set. */
#define KPI_EVENT_BIT(code) (UINT64_C(1) << (code))

/* ---- metric definitions ------------------------------------------------- */

/** What a metric computes from its terms. */
typedef int32_t kpi_metric_kind;
enum {
    KPI_METRIC_TOTAL = 0,    /**< sum of the numerator terms (a count or a sum) */
    KPI_METRIC_RATIO = 1,    /**< numerator / denominator; N/A when the denominator is 0 */
    KPI_METRIC_MEAN = 2,     /**< mean of the values of the population (numerator terms) */
    KPI_METRIC_VARIANCE = 3, /**< variance of the population (n - 1, or n with KPI_METRIC_POPULATION) */
    KPI_METRIC_MIN = 4,      /**< smallest value of the population */
    KPI_METRIC_MAX = 5,      /**< largest value of the population */
    KPI_METRIC_QUANTILE = 6, /**< exact quantile of the population, any numpy method */
    /**
     * Approximate quantile from the relative-error sketch of
     * kpiscore/sketch.h, for dashboards and long periods: the def's q by
     * numpy's "lower" method (the def's method must be
     * KPI_QUANTILE_LOWER), within sketch_alpha relative error, in bounded
     * memory. Pay, scores and tiers should read KPI_METRIC_QUANTILE; an
     * exact quantile never turns into a sketch behind the caller's back.
     */
    KPI_METRIC_QUANTILE_SKETCH = 7
};

/** Unit of a reported value; raw integers are divided to reach it. */
typedef int32_t kpi_unit;
enum {
    KPI_UNIT_COUNT = 0,  /**< a count (raw / 1) */
    KPI_UNIT_RATIO = 1,  /**< a fraction, 0.85 for 85 % (raw / 1) */
    KPI_UNIT_YUAN = 2,   /**< money in yuan (raw fen / 100) */
    KPI_UNIT_SECOND = 3, /**< seconds (raw milliseconds / 1000) */
    KPI_UNIT_POINT = 4,  /**< score points (raw hundredths / 100) */
    KPI_UNIT_RAW = 5     /**< the raw integer unit (/ 1) */
};

/** How a term aggregates its events. */
typedef int32_t kpi_agg;
enum {
    KPI_AGG_COUNT = 0, /**< number of records */
    KPI_AGG_SUM = 1    /**< sum of their values */
};

/** Which records' values a term keeps. */
typedef int32_t kpi_filter;
enum {
    KPI_FILTER_NONE = 0, /**< all */
    KPI_FILTER_LE = 1,   /**< value <= threshold ("answered within 20 s") */
    KPI_FILTER_GT = 2    /**< value > threshold ("abandoned after more than 20 s") */
};

/** kpi_metric_term flags. */
#define KPI_TERM_NEGATE 1u           /**< subtract the term instead of adding it */
#define KPI_TERM_EXCLUDE_EXCUSED 2u  /**< leave out records flagged KPI_EVENT_EXCUSED */

/** kpi_metric_def flags. */
#define KPI_METRIC_COMPLEMENT 1u  /**< RATIO: report 1 - num/den ("1 - errors / listings") */
#define KPI_METRIC_POPULATION 2u  /**< VARIANCE: divide by n instead of n - 1 */

/**
 * One aggregate over a set of event kinds: count or sum, optionally of the
 * records whose value passes a threshold, optionally leaving out excused
 * records. Set with KPI_METRIC_TERM_INIT, then fill.
 */
typedef struct kpi_metric_term {
    size_t size;        /**< sizeof(kpi_metric_term), set by KPI_METRIC_TERM_INIT */
    kpi_agg agg;        /**< KPI_AGG_COUNT or KPI_AGG_SUM (ignored for population kinds) */
    uint64_t events;    /**< KPI_EVENT_BIT(code) | ...; not empty */
    kpi_filter filter;  /**< KPI_FILTER_* */
    int64_t threshold;  /**< X of the filter, in the events' raw unit (ms, fen, ...) */
    uint32_t flags;     /**< KPI_TERM_* */
} kpi_metric_term;

#define KPI_METRIC_TERM_INIT {sizeof(kpi_metric_term), KPI_AGG_COUNT, 0, KPI_FILTER_NONE, 0, 0u}

/**
 * A metric definition: the data a plan gives for one metric. TOTAL sums
 * the numerator terms; RATIO divides them by the denominator terms; the
 * population kinds (MEAN, VARIANCE, MIN, MAX, QUANTILE) read the values of
 * the records the numerator terms select (all with the same filter; agg and
 * NEGATE do not apply). Set with KPI_METRIC_DEF_INIT, then fill.
 */
typedef struct kpi_metric_def {
    size_t size;                 /**< sizeof(kpi_metric_def), set by KPI_METRIC_DEF_INIT */
    const char *id;              /**< stable id for lookups: [a-z0-9_], 1..64 bytes ("reply_rate") */
    const char *name;            /**< display name, UTF-8 ("旺旺回复率"); NULL means the id */
    kpi_metric_kind kind;        /**< KPI_METRIC_* */
    kpi_unit unit;               /**< unit of the reported value */
    const kpi_metric_term *num;  /**< numerator (or population) terms */
    size_t num_count;            /**< 1..16 */
    const kpi_metric_term *den;  /**< denominator terms (RATIO only) */
    size_t den_count;            /**< 1..16 for RATIO, else 0 */
    uint32_t flags;              /**< KPI_METRIC_COMPLEMENT, KPI_METRIC_POPULATION */
    kpi_round round;             /**< rounding of the 9-place result */
    kpi_dec q;                   /**< QUANTILE, QUANTILE_SKETCH: the quantile kpi_metrics_value() reports */
    kpi_quantile_method method;  /**< QUANTILE: its method; QUANTILE_SKETCH: KPI_QUANTILE_LOWER */
    kpi_dec sketch_alpha;        /**< QUANTILE_SKETCH: relative accuracy, 0.000001..0.5; 0 means 0.01 (1 %) */
    uint32_t sketch_buckets;     /**< QUANTILE_SKETCH: buckets kept per sign, 16..1 000 000; 0 means 2048 */
} kpi_metric_def;

#define KPI_METRIC_DEF_INIT                                                          \
    {sizeof(kpi_metric_def), NULL, NULL, KPI_METRIC_TOTAL, KPI_UNIT_COUNT, NULL, 0, \
     NULL, 0, 0u, KPI_ROUND_HALF_UP, 900000000, KPI_QUANTILE_LINEAR, 0, 0u}

/* ---- the registry ------------------------------------------------------- */

/**
 * Event kinds and metric definitions. Mutable while it is being built;
 * reading it from several threads is safe while nobody adds to it. An
 * accumulator copies what it needs, so a registry may be changed or freed
 * once the accumulators are made.
 */
typedef struct kpi_metric_registry kpi_metric_registry;

/** kpi_metric_registry_new() flags. */
#define KPI_REGISTRY_BUILTINS 1u /**< start with the built-in metrics (docs/metrics.md) */

/**
 * Makes a registry holding the built-in event kinds and, with
 * KPI_REGISTRY_BUILTINS, the built-in metrics.
 *
 * @param out    receives the registry; free it with kpi_metric_registry_free()
 * @param flags  0 or KPI_REGISTRY_BUILTINS
 * @return KPI_OK; KPI_EINVAL (NULL @p out, unknown flags); KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_metric_registry_new(kpi_metric_registry **out, uint32_t flags);

/** Frees a registry; NULL is a no-op. @since 1.0 */
KPI_API void kpi_metric_registry_free(kpi_metric_registry *reg);

/**
 * Adds a plan-defined event kind.
 *
 * @param name  its name for the CSV `event` column: [a-z0-9_], 1..64 bytes
 * @param code  receives its code (KPI_EVENT_CUSTOM and up); may be NULL
 * @return KPI_OK; KPI_EDUPLICATE (name taken); KPI_ELIMIT (all codes
 *         used); KPI_EINVAL; KPI_ENOMEM. Not thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_metric_registry_add_event(kpi_metric_registry *reg, const char *name,
                                                 uint16_t *code);

/**
 * Looks an event kind up by name ("reply").
 * @return KPI_OK; KPI_ENOTFOUND; KPI_EINVAL on NULL. Thread-safe for reads.
 * @since 1.0
 */
KPI_API kpi_status kpi_metric_registry_event_find(const kpi_metric_registry *reg,
                                                  const char *name, uint16_t *code);

/**
 * The name of event @p code (the excused bit is ignored), or NULL when no
 * such kind is defined. Borrowed, valid while the registry lives. @since 1.0
 */
KPI_API const char *kpi_metric_registry_event_name(const kpi_metric_registry *reg,
                                                   uint16_t code);

/**
 * Adds a metric. The definition is checked and copied (strings and terms
 * included), so @p def may be freed afterwards.
 *
 * @param def    the definition, size set by KPI_METRIC_DEF_INIT
 * @param index  receives the metric's index; may be NULL
 * @return KPI_OK; KPI_EDUPLICATE (id taken); KPI_EINVAL (naming what is
 *         wrong: kind, terms, events, filter, unit, quantile, sketch
 *         settings); KPI_ENOMEM. A sketch's alpha and buckets are part of
 *         the definition (0 reads back as the default).
 *         Not thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_metric_registry_add(kpi_metric_registry *reg, const kpi_metric_def *def,
                                           size_t *index);

/**
 * Sets the threshold X of every filtered term of metric @p index (the "X"
 * of service level within X s or of short abandons <= X s), in the raw
 * unit of its events (milliseconds for those two).
 *
 * @return KPI_OK; KPI_ENOTFOUND (no such index); KPI_EINVAL (the metric
 *         has no filtered term). Not thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_metric_registry_set_threshold(kpi_metric_registry *reg, size_t index,
                                                     int64_t threshold);

/**
 * Finds a metric by id ("reply_rate").
 * @return KPI_OK; KPI_ENOTFOUND; KPI_EINVAL on NULL. Thread-safe for reads.
 * @since 1.0
 */
KPI_API kpi_status kpi_metric_registry_find(const kpi_metric_registry *reg, const char *id,
                                            size_t *index);

/** Number of metrics (0 for NULL). @since 1.0 */
KPI_API size_t kpi_metric_registry_count(const kpi_metric_registry *reg);

/**
 * The definition of metric @p index, or NULL when out of range. Borrowed:
 * valid until the registry is changed or freed. @since 1.0
 */
KPI_API const kpi_metric_def *kpi_metric_registry_def(const kpi_metric_registry *reg,
                                                      size_t index);

/** Name of a unit ("yuan", "second", ...), or NULL. @since 1.0 */
KPI_API const char *kpi_unit_name(kpi_unit unit);

/* ---- agents, teams, centres -------------------------------------------- */

/** Levels of the roll-up: agent -> team -> centre. */
typedef int32_t kpi_level;
enum {
    KPI_LEVEL_AGENT = 0,
    KPI_LEVEL_TEAM = 1,
    KPI_LEVEL_CENTRE = 2
};

/**
 * Agent ids mapped to dense indexes 0, 1, 2, ... (the agent column of a
 * batch), each in one team, each team in one centre. Single writer; reads
 * are thread-safe while nobody adds.
 */
typedef struct kpi_agents kpi_agents;

/** Makes an empty map. @return KPI_OK; KPI_EINVAL; KPI_ENOMEM. @since 1.0 */
KPI_API kpi_status kpi_agents_new(kpi_agents **out);

/** Frees a map; NULL is a no-op. @since 1.0 */
KPI_API void kpi_agents_free(kpi_agents *agents);

/**
 * Adds an agent, or finds it when it is already there with the same team.
 *
 * @param agent_id   non-empty UTF-8 id ("A001", "小王")
 * @param team_id    its team; NULL or "" puts it in team ""
 * @param centre_id  the team's centre; NULL or "" means centre ""
 * @param index      receives the agent's index; may be NULL
 * @return KPI_OK; KPI_EINPUT when the agent is already in another team, or
 *         the team in another centre (the message names both);
 *         KPI_ELIMIT past 2^31 agents; KPI_EINVAL; KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_agents_add(kpi_agents *agents, const char *agent_id, const char *team_id,
                                  const char *centre_id, uint32_t *index);

/**
 * Finds an agent, team or centre by id.
 * @return KPI_OK; KPI_ENOTFOUND; KPI_EINVAL. @since 1.0
 */
KPI_API kpi_status kpi_agents_find(const kpi_agents *agents, kpi_level level, const char *id,
                                   uint32_t *index);

/** Number of agents, teams or centres (0 for NULL or a bad level). @since 1.0 */
KPI_API size_t kpi_agents_count(const kpi_agents *agents, kpi_level level);

/** The id at @p index, or NULL. Borrowed, valid while the map lives. @since 1.0 */
KPI_API const char *kpi_agents_id(const kpi_agents *agents, kpi_level level, uint32_t index);

/**
 * The team of an agent (@p level KPI_LEVEL_AGENT) or the centre of a team
 * (KPI_LEVEL_TEAM).
 * @return KPI_OK; KPI_ENOTFOUND (index out of range); KPI_EINVAL. @since 1.0
 */
KPI_API kpi_status kpi_agents_parent(const kpi_agents *agents, kpi_level level, uint32_t index,
                                     uint32_t *parent);

/* ---- periods -------------------------------------------------------------- */

/** How events are grouped in time. */
typedef int32_t kpi_period;
enum {
    KPI_PERIOD_ALL = 0,     /**< one period; times are not needed */
    KPI_PERIOD_DAY = 1,
    KPI_PERIOD_WEEK = 2,    /**< ISO 8601 week, Monday to Sunday */
    KPI_PERIOD_MONTH = 3,
    KPI_PERIOD_QUARTER = 4,
    KPI_PERIOD_YEAR = 5
};

/** Name of a period kind ("month"), or NULL. @since 1.0 */
KPI_API const char *kpi_period_name(kpi_period period);

/* ---- the accumulator ----------------------------------------------------- */

/**
 * Per-(agent, period) accumulators for every metric of a registry.
 *
 * Single writer: one thread adds at a time. The reading calls take a const
 * pointer and may run on many threads at once while nobody writes (an
 * exact quantile of values not yet compacted is read by selecting in a
 * copy, which allocates). Merging is exact, associative
 * and commutative, so results never depend on row order, batch sizes,
 * thread count or merge order.
 */
typedef struct kpi_metrics kpi_metrics;

/** Options of kpi_metrics_new(). Set with KPI_METRICS_OPTIONS_INIT. */
typedef struct kpi_metrics_options {
    size_t size;                /**< sizeof(kpi_metrics_options) */
    kpi_period period;          /**< grouping in time; default KPI_PERIOD_MONTH */
    int32_t utc_offset_minutes; /**< the plan's time zone, -1080..1080; default 480 (UTC+08:00) */
    uint32_t agents;            /**< agent indexes to reserve; grows as rows arrive */
    uint32_t max_agents;        /**< a row with agent >= this fails (KPI_ELIMIT); default 2^24 */
} kpi_metrics_options;

#define KPI_METRICS_OPTIONS_INIT {sizeof(kpi_metrics_options), KPI_PERIOD_MONTH, 480, 0u, 16777216u}

/**
 * Makes an empty accumulator for the metrics of @p reg.
 *
 * @param reg      the metrics; copied, so it may change or go afterwards
 * @param options  NULL for the defaults
 * @return KPI_OK; KPI_EINVAL (bad option, naming it); KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_new(kpi_metrics **out, const kpi_metric_registry *reg,
                                   const kpi_metrics_options *options);

/** Frees an accumulator; NULL is a no-op. @since 1.0 */
KPI_API void kpi_metrics_free(kpi_metrics *m);

/** The accumulator's copy of its registry (borrowed, never NULL for a valid @p m). @since 1.0 */
KPI_API const kpi_metric_registry *kpi_metrics_registry(const kpi_metrics *m);

/**
 * Adds @p n rows from caller-owned columns; the columnar hot path. Never
 * allocates per row (only when a new period, a new agent range or an exact
 * quantile's buffer needs room) and never keeps the pointers.
 *
 * The whole batch is checked before any row is added: an unknown event
 * code or an agent >= max_agents fails with nothing added, the error's
 * offset giving the row. Only KPI_ENOMEM can stop a batch midway; the
 * rows before the offset are then added, the others not, and the
 * accumulator is exactly the one those rows make (no period or agent
 * range added for the others).
 *
 * @param agent   agent indexes (a kpi_agents index)
 * @param event   event codes, optionally | KPI_EVENT_EXCUSED
 * @param value   values in the event kind's unit
 * @param time_ms event times, milliseconds since 1970-01-01T00:00Z; may be
 *                NULL only for KPI_PERIOD_ALL
 * @param n       rows (0 is fine; NULL columns are then allowed)
 * @return KPI_OK; KPI_EINVAL (bad code, NULL column); KPI_ELIMIT (agent
 *         index); KPI_ENOMEM. Single writer.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_add_batch(kpi_metrics *m, const uint32_t *agent,
                                         const uint16_t *event, const int64_t *value,
                                         const int64_t *time_ms, size_t n);

/**
 * kpi_metrics_add_batch() split over @p threads threads (pthreads); @p m
 * ends bit for bit as after one kpi_metrics_add_batch(). With exact
 * quantiles and no sketch, the threads share each period's rows and move
 * their values straight into @p m's buffers; otherwise each adds a slice
 * into its own accumulator and the results are merged into @p m
 * (docs/metrics.md).
 *
 * @param threads  1..64; 1 runs in the calling thread. A batch with fewer
 *                 than max(1 024, 256 x agents) rows per thread uses fewer
 *                 threads.
 * @return as kpi_metrics_add_batch(); KPI_EINVAL for @p threads.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_add_batch_threads(kpi_metrics *m, const uint32_t *agent,
                                                 const uint16_t *event, const int64_t *value,
                                                 const int64_t *time_ms, size_t n,
                                                 unsigned threads);

/**
 * Adds everything in @p src to @p dst. Exact (counts, sums, exact
 * quantiles), associative and commutative. On failure @p dst is unchanged.
 *
 * @return KPI_OK; KPI_EMISMATCH (different metric definitions, period
 *         kind or time zone); KPI_EOVERFLOW (a sum would pass 2^127);
 *         KPI_ENOMEM; KPI_EINVAL. Single writer on @p dst; @p src is read.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_merge(kpi_metrics *dst, const kpi_metrics *src);

/** Empties an accumulator, keeping its definitions and options. @since 1.0 */
KPI_API void kpi_metrics_reset(kpi_metrics *m);

/**
 * Sorts the values exact quantiles keep into runs of (value, count): reads
 * then never allocate, and repeated values take 16 bytes per distinct value
 * instead of 8 per value. Not needed for correctness, nor for speed when
 * each quantile is read once: a read of values not yet compacted selects
 * the order statistics it needs in a copy (linear time, no sort).
 * @return KPI_OK; KPI_ENOMEM (nothing is lost). Single writer.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_compact(kpi_metrics *m);

/** Number of agent indexes covered (largest seen + 1, or the reserved count). @since 1.0 */
KPI_API size_t kpi_metrics_agent_count(const kpi_metrics *m);

/** Number of periods with data; they are indexed 0.. in time order. @since 1.0 */
KPI_API size_t kpi_metrics_period_count(const kpi_metrics *m);

/**
 * The index of the period holding @p time_ms.
 * @return KPI_OK; KPI_ENOTFOUND when that period has no data. @since 1.0
 */
KPI_API kpi_status kpi_metrics_period_find(const kpi_metrics *m, int64_t time_ms, size_t *index);

/**
 * The bounds of period @p index: start_ms <= t < end_ms, in UTC
 * milliseconds (clamped to the int64 range).
 * @return KPI_OK; KPI_ENOTFOUND; KPI_EINVAL. @since 1.0
 */
KPI_API kpi_status kpi_metrics_period_range(const kpi_metrics *m, size_t index,
                                            int64_t *start_ms, int64_t *end_ms);

/**
 * Writes the label of period @p index like snprintf: "2026-11-23",
 * "2026-W48" (ISO week-year), "2026-11", "2026-Q4", "2026" or "all".
 * @return the full length; 0 for a bad index. @since 1.0
 */
KPI_API size_t kpi_metrics_period_label(const kpi_metrics *m, size_t index, char *buf,
                                        size_t size);

/**
 * The value of metric @p metric for one agent in one period, in the
 * metric's unit, rounded once to 9 places with the metric's rounding.
 * An agent index with no rows reads as empty. A QUANTILE metric reports
 * its def's q and method.
 *
 * @return KPI_OK; KPI_ENA (zero denominator, no values, variance of one
 *         value); KPI_ENOTFOUND (period or metric index); KPI_EOVERFLOW;
 *         KPI_ENOMEM (an uncompacted quantile); KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_value(const kpi_metrics *m, uint32_t agent, size_t period,
                                     size_t metric, kpi_dec *out);

/** Raw integers behind a value (kpi_metrics_raw()). Set size with KPI_METRIC_RAW_INIT. */
typedef struct kpi_metric_raw {
    size_t size;
    int64_t num;    /**< TOTAL/RATIO: numerator; population kinds: sum of values */
    int64_t den;    /**< RATIO: denominator; population kinds: number of values; TOTAL: 0 */
    int64_t min;    /**< MIN/MAX/QUANTILE: smallest value (0 when none) */
    int64_t max;    /**< MIN/MAX/QUANTILE: largest value (0 when none) */
} kpi_metric_raw;

#define KPI_METRIC_RAW_INIT {sizeof(kpi_metric_raw), 0, 0, 0, 0}

/**
 * The raw counts and sums behind metric @p metric, in the events' raw
 * units, unscaled and unrounded (COMPLEMENT not applied).
 * @return KPI_OK; KPI_EOVERFLOW (does not fit int64); KPI_ENOTFOUND;
 *         KPI_EINVAL. @since 1.0
 */
KPI_API kpi_status kpi_metrics_raw(const kpi_metrics *m, uint32_t agent, size_t period,
                                   size_t metric, kpi_metric_raw *out);

/**
 * The exact @p q quantile of a QUANTILE metric's values by numpy's
 * @p method, in the metric's unit, rounded once with the metric's rounding.
 * @return KPI_OK; KPI_ENA (no values); KPI_ERANGE (q outside [0, 1]);
 *         KPI_EINVAL (not a QUANTILE metric, bad method); KPI_ENOTFOUND;
 *         KPI_ENOMEM; KPI_EOVERFLOW.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_quantile(const kpi_metrics *m, uint32_t agent, size_t period,
                                        size_t metric, kpi_dec q, kpi_quantile_method method,
                                        kpi_dec *out);

/**
 * Several quantiles of one (agent, period, metric) at once into @p out[n].
 * @return as kpi_metrics_quantile(); @p out is untouched on failure. @since 1.0
 */
KPI_API kpi_status kpi_metrics_quantiles(const kpi_metrics *m, uint32_t agent, size_t period,
                                         size_t metric, const kpi_dec *q, size_t n,
                                         kpi_quantile_method method, kpi_dec *out);

/**
 * Bytes an exact-quantile metric's store uses for one (agent, period):
 * 32 + 16 per distinct value once compacted, + 8 per value not yet
 * compacted, + capacity slack.
 * @return KPI_OK; KPI_EINVAL (not a QUANTILE metric); KPI_ENOTFOUND. @since 1.0
 */
KPI_API kpi_status kpi_metrics_quantile_memory(const kpi_metrics *m, uint32_t agent,
                                               size_t period, size_t metric, size_t *bytes);

/** Bytes the accumulator holds in all (0 for NULL). @since 1.0 */
KPI_API size_t kpi_metrics_memory(const kpi_metrics *m);

/**
 * Rolls agents up to teams or centres: a new accumulator whose "agents"
 * are the team (or centre) indexes of @p agents, each the exact merge of
 * its members.
 *
 * @param level  KPI_LEVEL_TEAM or KPI_LEVEL_CENTRE
 * @return KPI_OK; KPI_ENOTFOUND (an agent with rows is not in the map);
 *         KPI_EINVAL; KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_rollup(kpi_metrics **out, const kpi_metrics *m,
                                      const kpi_agents *agents, kpi_level level);

/**
 * Serialises the accumulator (docs/metrics.md "State format": magic,
 * version, little-endian, checksummed). Equal accumulators give equal bytes.
 *
 * @param buf       destination, or NULL to learn the size
 * @param capacity  its size in bytes
 * @param size      receives the size of the state
 * @return KPI_OK; KPI_ERANGE (@p capacity too small; @p size is set);
 *         KPI_ENOMEM; KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_save(const kpi_metrics *m, void *buf, size_t capacity,
                                    size_t *size);

/**
 * Rebuilds an accumulator from kpi_metrics_save() bytes.
 *
 * @param reg        must define the same metrics and events as the saver's
 * @param max_bytes  refuse larger states (KPI_ELIMIT); 0 means kpi_limits.state_bytes
 *                   (1 GiB unless changed, kpiscore/limits.h)
 * @return KPI_OK; KPI_ECORRUPT (truncated, bad magic, bad structure, bad
 *         checksum) and KPI_EVERSION (newer format), both with the byte
 *         offset in kpi_error_offset(); KPI_EMISMATCH (other definitions);
 *         KPI_ELIMIT; KPI_ENOMEM; KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_load(kpi_metrics **out, const kpi_metric_registry *reg,
                                    const void *buf, size_t size, size_t max_bytes);


/* ---- events CSV ---------------------------------------------------------- */

/** kpi_metrics_csv_options flags. */
#define KPI_METRICS_CSV_ADD_AGENTS 1u          /**< add agents missing from the map (team "", centre "") instead of failing */
#define KPI_METRICS_CSV_SKIP_UNKNOWN_EVENTS 2u /**< skip (and count) rows naming no defined event kind instead of failing */
#define KPI_METRICS_CSV_MONEY_YUAN 4u          /**< money events (payment, suborder, refund, sales_target) give yuan
                                                    with up to 2 decimals ("12.50"), not whole fen */

/**
 * Progress of an events-CSV ingest: @p done bytes of @p total read (total
 * is 0 when unknown, as for a stream). Called after each batch of rows, in
 * increasing order of @p done, never from two threads at once (but possibly
 * from a worker thread).
 */
typedef void (*kpi_metrics_progress_fn)(uint64_t done, uint64_t total, void *user);

/** Options of an events-CSV ingest. Set with KPI_METRICS_CSV_OPTIONS_INIT. */
typedef struct kpi_metrics_csv_options {
    size_t size;                       /**< sizeof(kpi_metrics_csv_options) */
    const char *source;                /**< file name shown in errors, or NULL; copied */
    uint32_t flags;                    /**< KPI_METRICS_CSV_* */
    unsigned threads;                  /**< kpi_metrics_ingest_csv(): 1..64 (default 1); the stream ignores it */
    char delimiter;                    /**< field separator; default ',' */
    kpi_metrics_progress_fn progress;  /**< NULL: no progress reports */
    void *progress_user;               /**< handed to @p progress */
} kpi_metrics_csv_options;

#define KPI_METRICS_CSV_OPTIONS_INIT \
    {sizeof(kpi_metrics_csv_options), NULL, 0u, 1u, ',', NULL, NULL}

/** What an ingest read. Set size with KPI_METRICS_CSV_RESULT_INIT. */
typedef struct kpi_metrics_csv_result {
    size_t size;
    uint64_t rows;       /**< data rows read (header excluded) */
    uint64_t added;      /**< rows added to the accumulator */
    uint64_t skipped;    /**< rows skipped for an unknown event (KPI_METRICS_CSV_SKIP_UNKNOWN_EVENTS) */
    uint64_t new_agents; /**< agents added to the map (KPI_METRICS_CSV_ADD_AGENTS) */
    uint64_t bytes;      /**< bytes read */
} kpi_metrics_csv_result;

#define KPI_METRICS_CSV_RESULT_INIT {sizeof(kpi_metrics_csv_result), 0, 0, 0, 0, 0}

/**
 * Adds the rows of a whole events CSV held in memory (docs/metrics.md
 * "Events CSV"): a header naming the columns `agent`, `time`, `event`,
 * `value` (`time` may be absent for KPI_PERIOD_ALL), optionally `excused`
 * (0, 1 or empty), any other columns ignored. Agent ids are mapped through
 * @p agents, event names through the accumulator's registry, values are
 * integers in the event kind's unit (empty is 0), times are read with
 * kpi_csv_parse_time() at the accumulator's UTC offset.
 *
 * With @p opts->threads > 1 the buffer is parsed in chunks on several
 * threads, each into its own accumulator, merged at the end: @p m and
 * @p agents end bit for bit as after one thread (new agents get indexes in
 * the order of their first row in the file).
 *
 * On failure @p m and @p agents are unchanged, and the error has the
 * source, line, column and byte offset of the offending field: KPI_EPARSE
 * (malformed CSV, a bad number or time), KPI_ENOTFOUND (an agent not in
 * the map; an event kind the registry lacks, the message listing the known
 * ones), KPI_EINPUT (a missing column), KPI_EDUPLICATE (a needed column
 * named twice), KPI_ELIMIT (max_agents, CSV
 * limits), KPI_EOVERFLOW, KPI_ENOMEM; KPI_EINVAL for bad arguments.
 *
 * @param m       the accumulator (single writer)
 * @param agents  the agent map; written only with KPI_METRICS_CSV_ADD_AGENTS
 * @param data    the file's bytes (read only during the call)
 * @param opts    NULL for the defaults
 * @param result  receives the counts (size set); may be NULL
 * @since 1.0
 */
KPI_API kpi_status kpi_metrics_ingest_csv(kpi_metrics *m, kpi_agents *agents, const void *data,
                                          size_t len, const kpi_metrics_csv_options *opts,
                                          kpi_metrics_csv_result *result);

/** A streaming events-CSV ingest (constant memory). Single writer. */
typedef struct kpi_metrics_csv kpi_metrics_csv;

/**
 * Starts a streaming ingest into @p m: feed the file in pieces of any size
 * with kpi_metrics_csv_feed(), then kpi_metrics_csv_finish(). Rows go to a
 * private accumulator that finish merges into @p m (with the agents it
 * found), so @p m and @p agents change only on success. Memory is the CSV
 * reader's buffers (docs/csv.md), a 4 096-row column batch and the private
 * accumulator: constant in the file size.
 *
 * @p m and @p agents must outlive the stream and not be used meanwhile.
 * @return KPI_OK; KPI_EINVAL (bad options); KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_metrics_csv_new(kpi_metrics_csv **out, kpi_metrics *m, kpi_agents *agents,
                                       const kpi_metrics_csv_options *opts);

/**
 * Reads the next @p len bytes; any split is fine.
 * @return as kpi_metrics_ingest_csv(); after a failure the stream only
 *         accepts kpi_metrics_csv_free() (KPI_EINVAL otherwise). @since 1.0
 */
KPI_API kpi_status kpi_metrics_csv_feed(kpi_metrics_csv *csv, const void *data, size_t len);

/**
 * Ends the stream: reads what is buffered, adds the new agents to the map
 * and merges the rows into the accumulator.
 * @param result  receives the counts; may be NULL
 * @return as kpi_metrics_ingest_csv(). @since 1.0
 */
KPI_API kpi_status kpi_metrics_csv_finish(kpi_metrics_csv *csv, kpi_metrics_csv_result *result);

/** Frees a stream (whatever it holds is dropped); NULL is a no-op. @since 1.0 */
KPI_API void kpi_metrics_csv_free(kpi_metrics_csv *csv);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_METRICS_H */
