/*
 * kpiscore/pay.h - the pay engine: commission bracket schedules (提成,
 * 阶梯提成, 超额累进), pools (公共提成), score bonuses (绩效奖金), escalating
 * fines (罚款) and pay slips (工资条) whose every line explains itself.
 *
 * Every figure is exact: money is kpi_money (fen), rates, ratios and scores
 * are kpi_dec, and each result is rounded once, with the rounding mode and
 * places its rule states. Nothing here reads a file format: a plan loader
 * builds schedules through kpi_schedule_new().
 *
 * Thread safety: a built kpi_schedule is immutable and may be shared by any
 * number of threads. A kpi_payslip is single-writer. The free functions
 * (pools, bonuses, fines, formatting) are pure.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_PAY_H
#define KPISCORE_PAY_H

#include "common.h"
#include "decimal.h"
#include "lint.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================
 * Bracket schedules
 * ==================================================================== */

/** How the rows of a schedule turn a basis into pay. */
typedef int32_t kpi_bracket_mode;
enum {
    /** 超额累进: each slice of the basis is paid at its own row's rate (like income tax). */
    KPI_BRACKET_MARGINAL = 0,
    /** 全额/阶梯提成: the row the basis reaches sets the rate for the whole amount. */
    KPI_BRACKET_WHOLE = 1,
    /** Row formula: base + (basis - anchor) x rate (seed 001 第9条); anchor defaults to from. */
    KPI_BRACKET_FORMULA = 2,
    /** Each row pays a fixed amount, its base (step bonuses: growth >= 25 % -> 50). */
    KPI_BRACKET_FIXED = 3
};

/** What the rows' from and to measure. */
typedef int32_t kpi_basis_kind;
enum {
    /** An amount of money in fen (sales, margin); the rate applies to it. */
    KPI_BASIS_AMOUNT = 0,
    /**
     * A ratio as a kpi_dec (attainment = actual / target, growth rate). The
     * row's rate applies to a separate amount given at evaluation. Works
     * with KPI_BRACKET_WHOLE and KPI_BRACKET_FIXED.
     */
    KPI_BASIS_RATIO = 1
};

/** Which ends of [from, to] a row owns. */
typedef int32_t kpi_bracket_ends;
enum {
    KPI_ENDS_LOWER = 0,  /**< [from, to): owns from (the default) */
    KPI_ENDS_UPPER = 1,  /**< (from, to]: owns to */
    KPI_ENDS_BOTH = 2,   /**< [from, to] */
    KPI_ENDS_NEITHER = 3 /**< (from, to) */
};

/** What a negative basis (refunds exceeding sales) pays. */
typedef int32_t kpi_negative_policy;
enum {
    /** The rows decide: a basis below the first row fails with KPI_ENOTFOUND. */
    KPI_NEGATIVE_ROWS = 0,
    /** A negative basis pays 0. */
    KPI_NEGATIVE_ZERO = 1,
    /**
     * Clawback: a basis of -x pays exactly -f(x), the negation of what x
     * pays (rounded figure), so a refund takes back what the sale earned.
     * Amount basis only.
     */
    KPI_NEGATIVE_CLAWBACK = 2
};

/** A row's from: no lower limit. */
#define KPI_UNBOUNDED_BELOW INT64_MIN
/** A row's to: no upper limit (the row covers everything from its from). */
#define KPI_UNBOUNDED_ABOVE INT64_MAX
/** A row's anchor: the formula counts from the row's from. */
#define KPI_ANCHOR_FROM INT64_MIN
/** No maximum payout. */
#define KPI_NO_CAP INT64_MAX
/** No guaranteed minimum. */
#define KPI_NO_FLOOR INT64_MIN
/** Most rows a schedule may have. */
#define KPI_SCHEDULE_MAX_ROWS 4096

/** How a schedule evaluates; set it up with KPI_SCHEDULE_DEF_INIT. */
typedef struct kpi_schedule_def {
    size_t size;                  /**< sizeof(kpi_schedule_def), set by the INIT macro */
    kpi_bracket_mode mode;        /**< KPI_BRACKET_* */
    kpi_basis_kind basis;         /**< KPI_BASIS_* */
    kpi_round rounding;           /**< how the one rounding of each figure goes (default half-up) */
    int32_t places;               /**< decimal places of yuan kept: 2 (fen, default), 1 or 0 */
    kpi_negative_policy negative; /**< KPI_NEGATIVE_* (default rows) */
    kpi_money cap;                /**< maximum payout, or KPI_NO_CAP */
    kpi_money floor;              /**< guaranteed minimum, or KPI_NO_FLOOR */
} kpi_schedule_def;

#define KPI_SCHEDULE_DEF_INIT                                                 \
    {sizeof(kpi_schedule_def), KPI_BRACKET_MARGINAL, KPI_BASIS_AMOUNT,        \
     KPI_ROUND_HALF_UP, 2, KPI_NEGATIVE_ROWS, KPI_NO_CAP, KPI_NO_FLOOR}

/**
 * One row of a schedule; set it up with KPI_BRACKET_ROW_INIT. from and to
 * are in the basis unit: fen for KPI_BASIS_AMOUNT, kpi_dec for
 * KPI_BASIS_RATIO.
 */
typedef struct kpi_bracket_row {
    size_t size;            /**< sizeof(kpi_bracket_row), set by the INIT macro */
    int64_t from;           /**< lower end, or KPI_UNBOUNDED_BELOW (first row only) */
    int64_t to;             /**< upper end, or KPI_UNBOUNDED_ABOVE (last row only) */
    kpi_bracket_ends ends;  /**< which ends the row owns (default [from, to)) */
    kpi_dec rate;           /**< marginal, whole, formula: the rate (0.015 is 1.5 %) */
    kpi_money base;         /**< formula: the base added; fixed: the amount paid */
    int64_t anchor;         /**< formula: the basis the rate counts from; KPI_ANCHOR_FROM = from */
} kpi_bracket_row;

#define KPI_BRACKET_ROW_INIT                                                  \
    {sizeof(kpi_bracket_row), 0, KPI_UNBOUNDED_ABOVE, KPI_ENDS_LOWER, 0, 0,   \
     KPI_ANCHOR_FROM}

/** An immutable, built bracket schedule. Shareable across threads. */
typedef struct kpi_schedule kpi_schedule;

/* ======================================================================
 * Explanations: what every figure was made from
 * ==================================================================== */

/** The rule that produced a figure. */
typedef int32_t kpi_pay_rule;
enum {
    KPI_RULE_AMOUNT = 0,     /**< a given amount (岗位工资, 工龄工资, 连续第一奖) */
    KPI_RULE_MARGINAL = 1,   /**< a marginal schedule (超额累进) */
    KPI_RULE_WHOLE = 2,      /**< a whole-amount schedule (阶梯提成) */
    KPI_RULE_FORMULA = 3,    /**< a row-formula schedule (seed 001 第9条) */
    KPI_RULE_FIXED_ROW = 4,  /**< a fixed-amount schedule (step bonus) */
    KPI_RULE_POOL = 5,       /**< a pool: basis x rate (公共提成 before the split) */
    KPI_RULE_POOL_SHARE = 6, /**< one part of a pool split by largest remainder */
    KPI_RULE_SCORE_BONUS = 7,/**< pool x score / total, gated (绩效奖金) */
    KPI_RULE_FINE = 8        /**< escalating fine by occurrence (罚款); negative */
};

/** Flags in kpi_pay_why.flags. */
enum {
    KPI_WHY_CAPPED = 1u << 0,        /**< the cap cut the figure */
    KPI_WHY_FLOORED = 1u << 1,       /**< the floor raised the figure */
    KPI_WHY_CLAWBACK = 1u << 2,      /**< negative basis: the figure is -f(|basis|) */
    KPI_WHY_NEGATIVE_ZERO = 1u << 3, /**< negative basis paid 0 by policy */
    KPI_WHY_GATED = 1u << 4,         /**< below the gate: paid 0 */
    KPI_WHY_RATIO_BASIS = 1u << 5,   /**< basis is a kpi_dec ratio, not fen */
    KPI_WHY_PAST_LADDER = 1u << 6    /**< a fine repeated its last step past the table */
};

/**
 * The inputs and the rule behind one figure, enough to print and audit a pay
 * line. Output of the evaluation calls and input of kpi_payslip_add(). Set
 * size with KPI_PAY_WHY_INIT before passing one in. Which fields a rule
 * fills is in docs/pay.md; unused fields are 0 (row is -1).
 */
typedef struct kpi_pay_why {
    size_t size;        /**< sizeof(kpi_pay_why), set by the INIT macro */
    kpi_pay_rule rule;  /**< KPI_RULE_* */
    uint32_t flags;     /**< KPI_WHY_* */
    int64_t basis;      /**< schedule basis (fen or kpi_dec); pool basis; share: the pool; bonus: score (kpi_dec); fine: occurrences */
    kpi_money amount;   /**< the money a rate applied to (ratio schedule); bonus: the bonus pool */
    int64_t row;        /**< schedule row used; share: index of the part; fine: steps in the table; -1 none */
    kpi_dec rate;       /**< the rate applied (schedule row, pool) */
    kpi_money base;     /**< formula/fixed: the row's base; marginal: what the lower slices pay (rounded for display) */
    int64_t anchor;     /**< formula/marginal: the basis the rate counts from */
    int64_t num;        /**< share: the part's weight; bonus: the score */
    int64_t den;        /**< share: the total weight; bonus: the total points */
    int64_t count;      /**< share: number of parts; fine: occurrences */
    int64_t gate;       /**< bonus: the lowest score that pays (kpi_dec) */
    kpi_round rounding; /**< rounding mode of the one rounding */
    int32_t places;     /**< decimal places of yuan kept (2 = fen) */
    kpi_money value;    /**< the figure itself */
} kpi_pay_why;

#define KPI_PAY_WHY_INIT                                                      \
    {sizeof(kpi_pay_why), KPI_RULE_AMOUNT, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0,  \
     KPI_ROUND_HALF_UP, 2, 0}

/* ---- building and linting schedules ----------------------------------- */

/**
 * Builds a bracket schedule from a definition and its rows.
 *
 * Rows must be sorted by from, must not overlap (no basis owned by two
 * rows), and each must have from <= to (from < to unless the row owns both
 * ends). Gaps between rows are allowed (evaluating a basis in one fails
 * with KPI_ENOTFOUND; kpi_schedule_lint() reports them) except in a
 * marginal schedule, whose slices must be contiguous. Unused fields must be
 * 0: a marginal or whole row has no base, a fixed row no rate, only a
 * formula row an anchor. |rate| is at most 1000.
 *
 * @param out    receives the schedule; free it with kpi_schedule_free()
 * @param def    the definition (copied)
 * @param rows   @p nrows rows (copied)
 * @param nrows  1..KPI_SCHEDULE_MAX_ROWS
 * @return KPI_OK; KPI_EINVAL on NULL, a bad size, mode, ends, rounding or
 *         places; KPI_EPLAN for rows that do not make a schedule (unsorted,
 *         to < from, overlap, a marginal gap), with the error path naming
 *         the row ("rows[2].to"); KPI_ELIMIT for too many rows; KPI_ENOMEM.
 *         Thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_schedule_new(kpi_schedule **out, const kpi_schedule_def *def,
                                    const kpi_bracket_row *rows, size_t nrows);

/** Frees a schedule; NULL is a no-op. @since 1.0 */
KPI_API void kpi_schedule_free(kpi_schedule *schedule);

/**
 * Lints a schedule definition (built or not) and appends findings to
 * @p lint: "bracket-invalid" (error: what kpi_schedule_new() would refuse),
 * "bracket-overlap" (error), "bracket-gap" (warning: bases in no row, with
 * the interval), "bracket-jump" (warning, or note for fixed rows and ratio
 * bases: the value just below vs at a boundary, with the rate or base that
 * would remove the jump), "bracket-decrease" (warning: pay falls as the
 * basis rises), "bracket-uncovered" (note/warning: bases below the first or
 * above the last row). Paths are relative: "rows[2].from".
 *
 * @return KPI_OK (whatever was found); KPI_EINVAL on NULL @p lint, @p def
 *         or @p rows with @p nrows > 0; KPI_ENOMEM (findings added so far
 *         stay). Thread-safe for distinct @p lint.
 * @since 1.0
 */
KPI_API kpi_status kpi_schedule_lint(kpi_lint *lint, const kpi_schedule_def *def,
                                     const kpi_bracket_row *rows, size_t nrows);

/* ---- evaluating schedules --------------------------------------------- */

/**
 * Pay for an amount basis (sales in fen), rounded once.
 *
 * @param schedule  a schedule with KPI_BASIS_AMOUNT
 * @param amount    the basis, in fen; may be negative (see the negative policy)
 * @param out       receives the pay
 * @param why       NULL, or receives the explanation (size set by the caller)
 * @return KPI_OK; KPI_ENOTFOUND when no row covers @p amount (the message
 *         names the amount and the neighbouring rows); KPI_EOVERFLOW;
 *         KPI_EINVAL on NULL, a ratio schedule, or a bad why->size.
 *         Thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_schedule_eval(const kpi_schedule *schedule, kpi_money amount,
                                     kpi_money *out, kpi_pay_why *why);

/**
 * Pay for a ratio basis: the row is chosen by @p ratio (attainment, growth)
 * and its rate applies to @p amount (whole mode), or its base is paid
 * (fixed mode; @p amount is then ignored).
 *
 * @return as kpi_schedule_eval(); KPI_EINVAL for an amount schedule.
 * @since 1.0
 */
KPI_API kpi_status kpi_schedule_eval_ratio(const kpi_schedule *schedule, kpi_dec ratio,
                                           kpi_money amount, kpi_money *out,
                                           kpi_pay_why *why);

/**
 * Evaluates @p n bases at once: the hot path for a payroll of many staff.
 * Gives exactly what @p n scalar calls give. Does not allocate.
 *
 * @param basis    n bases (fen for an amount schedule, kpi_dec for a ratio one)
 * @param amounts  ratio schedule: the n amounts the rates apply to (NULL
 *                 for a fixed-mode schedule); amount schedule: must be NULL
 * @param n        number of bases (0 is fine)
 * @param out      n results; untouched on failure
 * @return KPI_OK; KPI_ENOTFOUND or KPI_EOVERFLOW for the first failing
 *         element (the message names its index: "basis[17]"); KPI_EINVAL.
 *         Thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_schedule_eval_batch(const kpi_schedule *schedule,
                                           const int64_t *basis,
                                           const kpi_money *amounts, size_t n,
                                           kpi_money *out);

/**
 * Month-to-date increment: what one more sale adds given the period's
 * running total, exactly f(mtd + sale) - f(mtd). Summing the increments of
 * a month's sales from mtd = 0 gives f(total) - f(0) to the fen.
 *
 * @return as kpi_schedule_eval(); KPI_EOVERFLOW when mtd + sale overflows.
 * @since 1.0
 */
KPI_API kpi_status kpi_schedule_increment(const kpi_schedule *schedule, kpi_money mtd,
                                          kpi_money sale, kpi_money *out);

/* ======================================================================
 * Pools (公共提成)
 * ==================================================================== */

/**
 * A pool: @p basis x @p rate rounded once to the fen (seed 001 第10条: public
 * sales x 0.5 %).
 *
 * @return KPI_OK; KPI_EOVERFLOW; KPI_EINVAL on NULL or a bad mode or why.
 * @since 1.0
 */
KPI_API kpi_status kpi_pool_amount(kpi_money basis, kpi_dec rate, kpi_round rounding,
                                   kpi_money *out, kpi_pay_why *why);

/**
 * Splits @p pool into @p n parts that add up to it to the fen, in
 * proportion to @p weights, by the largest-remainder method: each part gets
 * floor(pool x w / W) fen and the leftover fen go, one each, to the largest
 * remainders. Ties go to the smaller key (keys given) or the smaller index
 * (keys NULL). When every exact share is a whole fen nothing moves, and
 * when rounding every share half-up already adds up, the result equals it.
 * A negative pool (clawback) is split as the negation of the split of
 * -pool. A zero weight gets 0.
 *
 * @param pool     the amount to split (fen)
 * @param weights  n weights >= 0 in one unit (kpi_dec scores, fen of sales,
 *                 minutes); NULL splits equally
 * @param keys     n distinct tie-break keys (agent ids), or NULL; with keys
 *                 the parts do not depend on the order of the inputs
 * @param n        number of parts, >= 1
 * @param parts    receives n parts; untouched on failure
 * @param whys     NULL, or n explanations (each size set by the caller)
 * @return KPI_OK; KPI_EINPUT for a negative weight, all weights 0, or a
 *         duplicate key (the path names the element: "weights[2]");
 *         KPI_EOVERFLOW when the weights' sum exceeds int64; KPI_EINVAL;
 *         KPI_ENOMEM. Thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_pool_split(kpi_money pool, const int64_t *weights,
                                  const int64_t *keys, size_t n, kpi_money *parts,
                                  kpi_pay_why *whys);

/* ======================================================================
 * Score bonuses (绩效奖金) and fines (罚款)
 * ==================================================================== */

/** A score bonus: pool x score / total, nothing below gate x total. */
typedef struct kpi_score_bonus_def {
    size_t size;        /**< sizeof(kpi_score_bonus_def), set by the INIT macro */
    kpi_money pool;     /**< the bonus at a full score (seed 003: 1 000.00) */
    kpi_dec total;      /**< the full score (seed 003: 130), > 0 */
    kpi_dec gate;       /**< fraction of total below which nothing is paid (0.7); 0 for none */
    kpi_round rounding; /**< rounding of the one rounding (default half-up) */
    int32_t places;     /**< decimal places of yuan kept: 2, 1 or 0 */
} kpi_score_bonus_def;

#define KPI_SCORE_BONUS_DEF_INIT                                              \
    {sizeof(kpi_score_bonus_def), 0, 0, 0, KPI_ROUND_HALF_UP, 2}

/**
 * The bonus for @p score: 0 when score < gate x total (compared exactly, so
 * 91 passes a 70 % gate of 130 and 90.9 does not), else pool x score /
 * total rounded once. A score above the total pays more than the pool.
 *
 * @return KPI_OK; KPI_EINPUT for a negative score; KPI_EINVAL for a bad
 *         definition (total <= 0, gate outside 0..1, pool < 0); KPI_EOVERFLOW.
 * @since 1.0
 */
KPI_API kpi_status kpi_score_bonus(const kpi_score_bonus_def *def, kpi_dec score,
                                   kpi_money *out, kpi_pay_why *why);

/** What a fine ladder does past its last step. */
typedef int32_t kpi_fine_past;
enum {
    KPI_FINE_REPEAT_LAST = 0, /**< each further occurrence costs the last step again */
    KPI_FINE_FAIL = 1         /**< KPI_ELIMIT: the table stops (seed 003: "then dismissal") */
};

/**
 * The fine for @p occurrences in one period on an escalating ladder,
 * cumulative: with steps 50, 100, 200 three complaints cost 350.00. The
 * result is negative (a deduction): -350.00.
 *
 * @param steps        nsteps amounts >= 0, the cost of the 1st, 2nd, ... occurrence
 * @param past         KPI_FINE_REPEAT_LAST or KPI_FINE_FAIL
 * @return KPI_OK; KPI_ELIMIT past the ladder with KPI_FINE_FAIL; KPI_EINPUT
 *         for a negative step ("steps[1]"); KPI_EOVERFLOW; KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_fine_total(const kpi_money *steps, size_t nsteps, kpi_fine_past past,
                                  uint64_t occurrences, kpi_money *out, kpi_pay_why *why);

/* ======================================================================
 * Pay slips (工资条)
 * ==================================================================== */

/** A pay slip: named lines, each with its explanation. Single-writer. */
typedef struct kpi_payslip kpi_payslip;

/** Creates an empty pay slip. @return KPI_OK, KPI_EINVAL, KPI_ENOMEM. @since 1.0 */
KPI_API kpi_status kpi_payslip_new(kpi_payslip **out);

/** Frees a pay slip; NULL is a no-op. @since 1.0 */
KPI_API void kpi_payslip_free(kpi_payslip *slip);

/**
 * Appends a line: @p label (UTF-8, copied: "个人提成") and the explanation of
 * its figure (copied; the line's amount is why->value).
 *
 * @return KPI_OK; KPI_EINVAL for NULL, an empty or non-UTF-8 label, a bad
 *         why->size or rule; KPI_ENOMEM (the slip is unchanged).
 * @since 1.0
 */
KPI_API kpi_status kpi_payslip_add(kpi_payslip *slip, const char *label,
                                   const kpi_pay_why *why);

/**
 * Appends a line with a given amount (岗位工资 2 000.00), rule KPI_RULE_AMOUNT.
 * @return as kpi_payslip_add(). @since 1.0
 */
KPI_API kpi_status kpi_payslip_add_amount(kpi_payslip *slip, const char *label,
                                          kpi_money amount);

/** Number of lines (0 for NULL). @since 1.0 */
KPI_API size_t kpi_payslip_count(const kpi_payslip *slip);

/**
 * Line @p i: its label (borrowed, valid until the slip is freed) and a copy
 * of its explanation.
 *
 * @param label  NULL, or receives the label
 * @param why    NULL, or receives the explanation (size set by the caller)
 * @return KPI_OK; KPI_ERANGE when @p i >= count; KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_payslip_line(const kpi_payslip *slip, size_t i, const char **label,
                                    kpi_pay_why *why);

/**
 * The slip's total, the exact sum of its lines (fines are negative lines).
 * @return KPI_OK; KPI_EOVERFLOW (out untouched); KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_payslip_total(const kpi_payslip *slip, kpi_money *out);

/**
 * Writes one explanation as text, like snprintf: "250.00 + (22,000.00 -
 * 20,000.00) x 4% (rows[2], formula, half_up)". Thread-safe.
 *
 * @return the length of the full text (excluding the NUL), whether or not
 *         it fitted; 0 for NULL @p why.
 * @since 1.0
 */
KPI_API size_t kpi_pay_why_format(const kpi_pay_why *why, char *buf, size_t size);

/**
 * Writes the whole slip, one line per component and a total line, like
 * snprintf: "个人提成\t330.00\t250.00 + ...\n" ... "合计\t5,165.90\n"; the total
 * line says "(too large for a kpi_money)" when kpi_payslip_total() would fail.
 *
 * @return the length of the full text (excluding the NUL); 0 for NULL @p slip.
 * @since 1.0
 */
KPI_API size_t kpi_payslip_explain(const kpi_payslip *slip, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_PAY_H */
