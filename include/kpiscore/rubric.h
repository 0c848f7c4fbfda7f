/*
 * kpiscore/rubric.h - rubrics (考核细则): how one agent's inputs become a
 * scorecard with a total, an outcome and a reason for every point.
 *
 * Three objects:
 *  - kpi_rubric_builder: collects the rubric's declarations, items, rows,
 *    categories, adjustments, gates and eligibility rules. Single-writer.
 *  - kpi_rubric: the built rubric. Immutable; share it across threads and
 *    score agents from many threads at once.
 *  - kpi_inputs: one agent's inputs by name (numbers, N/A, grade labels,
 *    event counts, lists of samples or evaluator picks). Single-writer and
 *    reusable: kpi_inputs_clear() between agents.
 * kpi_rubric_score() turns a rubric and inputs into a kpi_scorecard owned by
 * the caller. A plan file (plan.h) builds a rubric through this same API; a
 * CRM that already has its metrics needs nothing but this header.
 *
 * All arithmetic is exact (kpi_dec, 9 decimal places carried); every
 * reported figure (item points, category subtotals, adjustments, total) is
 * rounded once, with the rubric's mode and places. See docs/rubric.md.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_RUBRIC_H
#define KPISCORE_RUBRIC_H

#include "common.h"
#include "decimal.h"
#include "lint.h"
#include "tiers.h" /* kpi_tier_end: who owns a band's end point */

#ifdef __cplusplus
extern "C" {
#endif

/** A kpi_dec meaning "not stated": the rule's default applies. */
#define KPI_DEC_UNSET INT64_MIN
/** A kpi_dec meaning "no cap": the item or category may exceed its points. */
#define KPI_DEC_NO_CAP INT64_MAX

typedef struct kpi_rubric_builder kpi_rubric_builder;
typedef struct kpi_rubric kpi_rubric;
typedef struct kpi_inputs kpi_inputs;
typedef struct kpi_scorecard kpi_scorecard;

/** The kind of value an input holds. */
typedef int32_t kpi_input_kind;
enum {
    KPI_INPUT_NUMBER = 0, /**< one exact number (a rate, a time, a score) */
    KPI_INPUT_COUNT = 1,  /**< a count of events, a whole number >= 0 */
    KPI_INPUT_GRADE = 2,  /**< a grade label such as 优 */
    KPI_INPUT_LIST = 3    /**< a list of numbers: QA samples, quarterly scores, evaluator picks */
};

/** How an item's points are computed. */
typedef int32_t kpi_rule;
enum {
    KPI_RULE_LINEAR = 0,   /**< points x min(value / target, cap); or lower-is-better to a limit */
    KPI_RULE_BANDS = 1,    /**< the first band containing the value gives its points */
    KPI_RULE_RANGE = 2,    /**< full points inside [low, high], optional tolerance around it */
    KPI_RULE_GRADES = 3,   /**< a label maps to points */
    KPI_RULE_EVENTS = 4,   /**< start + sum(count x each), within floor and cap */
    KPI_RULE_WEIGHTED = 5, /**< points x sum(weight x part) / scale; parts are values or means */
    KPI_RULE_SCORE = 6     /**< the evaluator enters the points (0..points) */
};

/** What an item whose input is not available counts as. */
typedef int32_t kpi_na_policy;
enum {
    KPI_NA_EXCLUDE = 0, /**< left out; the total is renormalised over the items scored */
    KPI_NA_ZERO = 1,    /**< counts as 0 points */
    KPI_NA_FULL = 2,    /**< counts as full points */
    KPI_NA_INHERIT = 3  /**< (items only) the rubric's policy */
};

/** Which number of a list (or single) input a weighted part uses. */
typedef int32_t kpi_part_of;
enum {
    KPI_PART_VALUE = 0, /**< a number input */
    KPI_PART_MEAN = 1,  /**< the mean of a list input (4-5 QA samples, four quarters) */
    KPI_PART_SUM = 2    /**< the sum of a list input */
};

/** How the total is formed from the rounded figures. */
typedef int32_t kpi_total_mode;
enum {
    KPI_TOTAL_SUM_OF_ROUNDED = 0, /**< total = sum of the reported (rounded) figures: the card adds up */
    KPI_TOTAL_ROUND_OF_SUM = 1    /**< total = the exact sum, rounded once */
};

/** What a failed critical item does to the total. */
typedef int32_t kpi_critical_policy;
enum {
    KPI_CRITICAL_ZERO = 0, /**< the total becomes 0, outcome fail */
    KPI_CRITICAL_KEEP = 1  /**< the total is kept, outcome fail */
};

/** The verdict of a scorecard. */
typedef int32_t kpi_outcome;
enum {
    KPI_OUTCOME_PASS = 0,        /**< scored, no critical failure, at or above the pass mark */
    KPI_OUTCOME_FAIL = 1,        /**< below the pass mark, or a critical item failed */
    KPI_OUTCOME_NOT_ASSESSED = 2 /**< not eligible (or nothing could be scored); excluded from ranking */
};

/** Rubric-wide options. Set with KPI_RUBRIC_OPTIONS_INIT, then change fields. */
typedef struct kpi_rubric_options {
    size_t size;                 /**< sizeof(kpi_rubric_options) */
    kpi_round round_mode;        /**< rounding of every reported figure; KPI_ROUND_HALF_UP */
    int32_t places;              /**< decimal places of reported figures, 0..9; 2 */
    kpi_total_mode total_mode;   /**< KPI_TOTAL_SUM_OF_ROUNDED */
    kpi_na_policy na;            /**< default N/A policy; KPI_NA_EXCLUDE */
    kpi_critical_policy critical;/**< KPI_CRITICAL_ZERO */
    int32_t cap_total;           /**< nonzero: the total never exceeds the stated total */
    kpi_dec floor_total;         /**< lowest total (KPI_DEC_UNSET: none) */
    kpi_dec pass_mark;           /**< lowest passing total (KPI_DEC_UNSET: every scored card passes) */
} kpi_rubric_options;

#define KPI_RUBRIC_OPTIONS_INIT                                                             \
    {sizeof(kpi_rubric_options), KPI_ROUND_HALF_UP, 2, KPI_TOTAL_SUM_OF_ROUNDED,           \
     KPI_NA_EXCLUDE, KPI_CRITICAL_ZERO, 0, KPI_DEC_UNSET, KPI_DEC_UNSET}

/**
 * One rubric item. Set with KPI_RUBRIC_ITEM_INIT, then fill what the rule
 * needs; fields a rule does not use must stay at their initial values.
 */
typedef struct kpi_rubric_item {
    size_t size;            /**< sizeof(kpi_rubric_item) */
    const char *id;         /**< unique id, required */
    const char *label;      /**< UTF-8 label shown on the card (NULL: the id) */
    const char *category;   /**< id of a category added before, or NULL */
    kpi_rule rule;          /**< how points are computed */
    const char *input;      /**< the input read (all rules but events and weighted) */
    kpi_dec points;         /**< the item's maximum points (> 0) */
    kpi_na_policy na;       /**< KPI_NA_INHERIT */
    int32_t critical;       /**< nonzero: failing this item fails the card */
    int32_t lower_is_better;/**< linear: full points at or under target, 0 at or over limit */
    kpi_dec critical_below; /**< fail when points < this (KPI_DEC_UNSET: when points <= 0) */
    kpi_dec target;         /**< linear: the value worth full points (> 0 when higher is better) */
    kpi_dec limit;          /**< linear lower-is-better: the value worth 0 (> target) */
    kpi_dec cap;            /**< linear: largest value/target (UNSET: 1); events: highest
                                 points (UNSET: points); KPI_DEC_NO_CAP: uncapped */
    kpi_dec start;          /**< events: points before any event (UNSET: points) */
    kpi_dec floor;          /**< events: lowest points (UNSET: none) */
    kpi_dec low;            /**< range: lowest good value */
    kpi_dec high;           /**< range: highest good value */
    kpi_dec tolerance;      /**< range: relative tolerance, 0.15 for +/-15 % (UNSET: none) */
    kpi_dec tolerance_points; /**< range: points inside the tolerance only (UNSET: points) */
    kpi_dec scale;          /**< weighted, score: the top of the input scale (UNSET: points) */
} kpi_rubric_item;

#define KPI_RUBRIC_ITEM_INIT                                                                \
    {sizeof(kpi_rubric_item), NULL, NULL, NULL, KPI_RULE_SCORE, NULL, 0, KPI_NA_INHERIT, 0, \
     0, KPI_DEC_UNSET, KPI_DEC_UNSET, KPI_DEC_UNSET, KPI_DEC_UNSET, KPI_DEC_UNSET,          \
     KPI_DEC_UNSET, KPI_DEC_UNSET, KPI_DEC_UNSET, KPI_DEC_UNSET, KPI_DEC_UNSET,             \
     KPI_DEC_UNSET}

/**
 * An adjustment added outside the item and category caps (表扬 +2 each,
 * 投诉 -5..-20 each). Set with KPI_RUBRIC_ADJUSTMENT_INIT. Give either
 * @c each (a count input: count x each) or @c each_min and @c each_max (a
 * list input of evaluator picks, each of which must lie in the range).
 */
typedef struct kpi_rubric_adjustment {
    size_t size;       /**< sizeof(kpi_rubric_adjustment) */
    const char *id;    /**< unique id among adjustments */
    const char *label; /**< UTF-8 label (NULL: the id) */
    const char *input; /**< the count or list input read */
    kpi_dec each;      /**< points per event (UNSET when picks are used) */
    kpi_dec each_min;  /**< lowest allowed pick */
    kpi_dec each_max;  /**< highest allowed pick */
    kpi_dec cap;       /**< highest sum (UNSET: none) */
    kpi_dec floor;     /**< lowest sum (UNSET: none) */
} kpi_rubric_adjustment;

#define KPI_RUBRIC_ADJUSTMENT_INIT                                                          \
    {sizeof(kpi_rubric_adjustment), NULL, NULL, NULL, KPI_DEC_UNSET, KPI_DEC_UNSET,         \
     KPI_DEC_UNSET, KPI_DEC_UNSET, KPI_DEC_UNSET}

/* ---- building ---------------------------------------------------------- */

/**
 * Starts a rubric worth @p total points.
 *
 * @param out      receives the builder; free with kpi_rubric_builder_free()
 * @param total    the stated total (100, 130), > 0
 * @param options  rubric-wide options, or NULL for the defaults
 * @return KPI_OK; KPI_EINVAL (NULL out, bad size, total <= 0, bad enum or
 *         places); KPI_ENOMEM. Builders are single-writer.
 * @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_new(kpi_rubric_builder **out, kpi_dec total,
                                          const kpi_rubric_options *options);

/** Frees a builder and everything it holds; NULL is a no-op. @since 1.0 */
KPI_API void kpi_rubric_builder_free(kpi_rubric_builder *builder);

/**
 * Declares an input. Once any input is declared, every input a rule names
 * must be declared, and kpi_rubric_score() rejects inputs it does not know
 * (so a misspelt name is an error, not a silently missing value).
 *
 * @param name     unique name, non-empty
 * @param kind     KPI_INPUT_*
 * @param label    UTF-8 label (NULL: the name)
 * @param labels   for grade inputs, the labels an evaluator may give (lint
 *                 checks grade maps against them); may be NULL
 * @param nlabels  number of @p labels
 * @return KPI_OK; KPI_EINVAL; KPI_EDUPLICATE; KPI_ENOMEM. Strings are copied.
 * @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_input(kpi_rubric_builder *builder, const char *name,
                                            kpi_input_kind kind, const char *label,
                                            const char *const *labels, size_t nlabels);

/**
 * Adds a category with a subtotal (公共卫生服务 60). The category's
 * subtotal is the sum of its items, held within @p floor and @p cap.
 *
 * @param points  the stated subtotal (> 0)
 * @param cap     highest subtotal (KPI_DEC_UNSET: @p points; KPI_DEC_NO_CAP: none)
 * @param floor   lowest subtotal (KPI_DEC_UNSET: none)
 * @return KPI_OK; KPI_EINVAL; KPI_EDUPLICATE; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_category(kpi_rubric_builder *builder, const char *id,
                                               const char *label, kpi_dec points, kpi_dec cap,
                                               kpi_dec floor);

/**
 * Adds an item. Rows (bands, grades, events, parts) added next belong to it.
 *
 * @return KPI_OK; KPI_EINVAL (missing or inconsistent fields, with the
 *         field named); KPI_EDUPLICATE (id); KPI_ENOTFOUND (category or a
 *         declared-input check); KPI_ENOMEM. Strings are copied.
 * @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_item(kpi_rubric_builder *builder,
                                           const kpi_rubric_item *item);

/**
 * Adds a band to the last item (a KPI_RULE_BANDS item). Ends are owned as in
 * tier tables (kpi_tier_end): a KPI_END_UNSTATED end ("from 80 to 90")
 * owns its point only if no other band claims it; where two unstated ends
 * meet, the band added first takes the point (and lint warns). Otherwise a
 * value matches the first band, in the order added, that contains it; a
 * value in no band scores 0 (and lint reports the gap).
 *
 * @param low, low_end    lower end and who owns it (KPI_END_UNBOUNDED: none)
 * @param high, high_end  upper end and who owns it
 * @param points          points for a value in the band
 * @param label           optional UTF-8 label ("良好")
 * @return KPI_OK; KPI_EINVAL (no bands item, low > high, bad end kind);
 *         KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_band(kpi_rubric_builder *builder, kpi_dec low,
                                           kpi_tier_end low_end, kpi_dec high, kpi_tier_end high_end,
                                           kpi_dec points, const char *label);

/**
 * Maps a grade label to points on the last item (a KPI_RULE_GRADES item).
 * @return KPI_OK; KPI_EINVAL; KPI_EDUPLICATE; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_grade(kpi_rubric_builder *builder, const char *label,
                                            kpi_dec points);

/**
 * Adds an event kind to the last item (a KPI_RULE_EVENTS item): each event
 * counted in the count input @p input adds @p each points (negative for a
 * deduction: 迟到 -5).
 * @return KPI_OK; KPI_EINVAL; KPI_ENOTFOUND; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_event(kpi_rubric_builder *builder, const char *input,
                                            kpi_dec each, const char *label);

/**
 * Adds a weighted part to the last item (a KPI_RULE_WEIGHTED item):
 * @p weight x (the value, mean or sum of @p input).
 * @return KPI_OK; KPI_EINVAL; KPI_ENOTFOUND; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_part(kpi_rubric_builder *builder, const char *input,
                                           kpi_dec weight, kpi_part_of of, const char *label);

/**
 * Adds an adjustment outside the caps.
 * @return KPI_OK; KPI_EINVAL; KPI_EDUPLICATE; KPI_ENOTFOUND; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_adjustment(kpi_rubric_builder *builder,
                                                 const kpi_rubric_adjustment *adjustment);

/**
 * Adds a named gate, read by pay rules: passed when the card is assessed,
 * no critical item failed and the reported total is at least @p at_least
 * (seed 003: KPI bonus only from 91 = 70 % of 130).
 * @return KPI_OK; KPI_EINVAL; KPI_EDUPLICATE; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_gate(kpi_rubric_builder *builder, const char *id,
                                           const char *label, kpi_dec at_least);

/**
 * Adds an eligibility rule: an agent whose number or count input @p input
 * is above @p above is "not assessed" with @p reason (未到岗累计超过2个月).
 * A missing value counts as eligible.
 * @return KPI_OK; KPI_EINVAL; KPI_ENOTFOUND; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_rubric_builder_eligibility(kpi_rubric_builder *builder,
                                                  const char *input, kpi_dec above,
                                                  const char *reason);

/**
 * Builds the rubric. On success the builder's content moves into the
 * rubric and the builder is empty (free it, or start over); on failure the
 * builder is unchanged.
 *
 * @param out  receives the rubric; free with kpi_rubric_free()
 * @return KPI_OK; KPI_EPLAN (an item without rows, a weighted item whose
 *         parts have no weight...); KPI_EINVAL; KPI_ENOMEM.
 *         The rubric is immutable and safe to share across threads.
 * @since 1.0
 */
KPI_API kpi_status kpi_rubric_build(kpi_rubric **out, kpi_rubric_builder *builder);

/** Frees a rubric; NULL is a no-op. @since 1.0 */
KPI_API void kpi_rubric_free(kpi_rubric *rubric);

/** The stated total (0 for NULL). Thread-safe. @since 1.0 */
KPI_API kpi_dec kpi_rubric_total(const kpi_rubric *rubric);

/** Number of items (0 for NULL). Thread-safe. @since 1.0 */
KPI_API size_t kpi_rubric_item_count(const kpi_rubric *rubric);

/** Number of declared inputs (0 for NULL). Thread-safe. @since 1.0 */
KPI_API size_t kpi_rubric_input_count(const kpi_rubric *rubric);

/**
 * Name, kind and label of declared input @p i.
 * @param name, label  receive borrowed strings valid while the rubric lives (may be NULL)
 * @param kind         receives the kind (may be NULL)
 * @return KPI_OK; KPI_EINVAL (NULL rubric, @p i out of range). @since 1.0
 */
KPI_API kpi_status kpi_rubric_input(const kpi_rubric *rubric, size_t i, const char **name,
                                    kpi_input_kind *kind, const char **label);

/**
 * Reports what the rubric leaves ambiguous or inconsistent, appending to
 * @p lint. Paths are relative to the rubric ("items[2].bands[1]") except
 * input declarations ("inputs.late"). Codes: points-total, category-total,
 * weights-total, item-can-exceed, item-uncapped, band-gap, band-overlap,
 * band-shared-end, grade-missing-label, grade-unknown-label, unused-input,
 * pass-mark-unreachable.
 * @return KPI_OK; KPI_EINVAL; KPI_ENOMEM. Thread-safe on a shared rubric.
 * @since 1.0
 */
KPI_API kpi_status kpi_rubric_lint(const kpi_rubric *rubric, kpi_lint *lint);

/* ---- inputs -------------------------------------------------------------- */

/**
 * Creates an empty set of inputs for one agent.
 * @return KPI_OK; KPI_EINVAL; KPI_ENOMEM. Single-writer. @since 1.0
 */
KPI_API kpi_status kpi_inputs_new(kpi_inputs **out);

/** Frees inputs; NULL is a no-op. @since 1.0 */
KPI_API void kpi_inputs_free(kpi_inputs *inputs);

/** Removes every value, keeping the memory for the next agent. @since 1.0 */
KPI_API void kpi_inputs_clear(kpi_inputs *inputs);

/**
 * Sets input @p name to a number (replacing any earlier value).
 * @return KPI_OK; KPI_EINVAL (NULL, empty name, KPI_DEC_UNSET); KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_inputs_set_number(kpi_inputs *inputs, const char *name, kpi_dec value);

/**
 * Sets input @p name to @p num / @p den, rounded toward negative infinity
 * at 9 places (so a rate never rises onto a threshold it is below);
 * @p den 0 (no data, a zero denominator) sets N/A.
 * @return KPI_OK; KPI_EINVAL; KPI_EOVERFLOW; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_inputs_set_ratio(kpi_inputs *inputs, const char *name, int64_t num,
                                        int64_t den);

/** Marks input @p name as not available. @return KPI_OK; KPI_EINVAL; KPI_ENOMEM. @since 1.0 */
KPI_API kpi_status kpi_inputs_set_na(kpi_inputs *inputs, const char *name);

/**
 * Sets input @p name to a grade label (UTF-8, copied).
 * @return KPI_OK; KPI_EINVAL; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_inputs_set_label(kpi_inputs *inputs, const char *name, const char *label);

/**
 * Sets input @p name to an event count.
 * @return KPI_OK; KPI_ERANGE (negative); KPI_EINVAL; KPI_EOVERFLOW; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_inputs_set_count(kpi_inputs *inputs, const char *name, int64_t count);

/**
 * Sets input @p name to a list of @p n numbers (copied; @p n may be 0 for an
 * empty list, which is not available for a mean).
 * @return KPI_OK; KPI_EINVAL; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_inputs_set_list(kpi_inputs *inputs, const char *name,
                                       const kpi_dec *values, size_t n);

/* ---- scoring -------------------------------------------------------------- */

/**
 * Scores one agent.
 *
 * @param out     receives the scorecard; free with kpi_scorecard_free()
 * @param rubric  a built rubric (shared, read-only)
 * @param inputs  the agent's inputs (read-only)
 * @return KPI_OK (also for "fail" and "not assessed" outcomes);
 *         KPI_EINPUT when an input is invalid for the rule it feeds (a
 *         grade not in the map, a pick outside its range, a score outside
 *         0..scale, a wrong kind); the message names the input and the
 *         error path the rubric element ("adjustments[1]");
 *         KPI_ENOTFOUND for an input the rubric does not declare;
 *         KPI_EOVERFLOW; KPI_EINVAL; KPI_ENOMEM.
 *         Thread-safe: many threads may score with one rubric.
 * @since 1.0
 */
KPI_API kpi_status kpi_rubric_score(kpi_scorecard **out, const kpi_rubric *rubric,
                                    const kpi_inputs *inputs);

/** Frees a scorecard; NULL is a no-op. @since 1.0 */
KPI_API void kpi_scorecard_free(kpi_scorecard *card);

/** The outcome (KPI_OUTCOME_NOT_ASSESSED for NULL). @since 1.0 */
KPI_API kpi_outcome kpi_scorecard_outcome(const kpi_scorecard *card);

/** Name of an outcome: "pass", "fail", "not assessed" (NULL if unknown). @since 1.0 */
KPI_API const char *kpi_outcome_name(kpi_outcome outcome);

/** The reported total, rounded per the rubric (0 when not assessed). @since 1.0 */
KPI_API kpi_dec kpi_scorecard_total(const kpi_scorecard *card);

/**
 * One line explaining the outcome ("得分 90.9 低于及格线 91"), or "" when it
 * passed with nothing to say. Borrowed; valid while the card lives. @since 1.0
 */
KPI_API const char *kpi_scorecard_reason(const kpi_scorecard *card);

/**
 * Whether gate @p id passed.
 * @return KPI_OK; KPI_ENOTFOUND (no such gate); KPI_EINVAL. @since 1.0
 */
KPI_API kpi_status kpi_scorecard_gate(const kpi_scorecard *card, const char *id, int *passed);

/** Kinds of scorecard lines. */
typedef int32_t kpi_line_kind;
enum {
    KPI_LINE_ITEM = 0,       /**< one rubric item */
    KPI_LINE_CATEGORY = 1,   /**< a category subtotal */
    KPI_LINE_ADJUSTMENT = 2  /**< an adjustment outside the caps */
};

/** How a line was scored. */
typedef int32_t kpi_line_status;
enum {
    KPI_LINE_SCORED = 0,      /**< from its input */
    KPI_LINE_NA_EXCLUDED = 1, /**< input not available; left out and the total renormalised */
    KPI_LINE_NA_ZERO = 2,     /**< input not available; counted as 0 */
    KPI_LINE_NA_FULL = 3      /**< input not available; counted as full points */
};

/** One line of a scorecard. Set size with KPI_SCORE_LINE_INIT. */
typedef struct kpi_score_line {
    size_t size;            /**< sizeof(kpi_score_line) */
    kpi_line_kind kind;
    kpi_line_status status;
    int32_t critical_failed;/**< nonzero: a critical item that failed */
    const char *id;         /**< item, category or adjustment id */
    const char *label;      /**< UTF-8 label */
    const char *category;   /**< the item's category id, or "" */
    const char *value;      /**< the input value used, as text ("96%", "优", "迟到×2"), or "" */
    const char *row;        /**< the rule row that matched ("80 ≤ x < 90 → 20"), or "" */
    const char *reason;     /**< one line: how the points came about */
    kpi_dec points;         /**< reported points (rounded) */
    kpi_dec exact;          /**< points before rounding */
    kpi_dec max;            /**< the item's or category's points (0 for adjustments) */
} kpi_score_line;

#define KPI_SCORE_LINE_INIT                                                                 \
    {sizeof(kpi_score_line), 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0}

/** Number of lines: items, then categories, then adjustments. @since 1.0 */
KPI_API size_t kpi_scorecard_line_count(const kpi_scorecard *card);

/**
 * Reads line @p i. Strings are borrowed, valid while the card lives.
 * @return KPI_OK; KPI_EINVAL (NULL, bad size, @p i out of range). @since 1.0
 */
KPI_API kpi_status kpi_scorecard_line(const kpi_scorecard *card, size_t i, kpi_score_line *out);

/**
 * Writes the scorecard line by line for an appeal (考核申诉): each item with
 * its input value, the row that matched, points and maximum and the reason,
 * then subtotals, adjustments, the options that shaped the total, the total
 * and the outcome. UTF-8, one line per row, like snprintf.
 *
 * @param buf   destination (may be NULL when @p size is 0)
 * @param size  its size in bytes including the NUL
 * @return the length of the full text (excluding the NUL), whether or not it fitted.
 * @since 1.0
 */
KPI_API size_t kpi_scorecard_explain(const kpi_scorecard *card, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_RUBRIC_H */
