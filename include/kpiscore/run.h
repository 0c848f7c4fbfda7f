/*
 * kpiscore/run.h - the month-end run: a plan applied to a period's agents,
 * metrics and evaluator grades, giving scorecards, ranks, tiers and pay
 * slips. The CLI's `kpiscore run`, the Python binding and a CRM all call
 * this, so they agree to the fen.
 *
 * A kpi_run borrows the plan and the metrics it is given (they must
 * outlive it) and owns everything else. Single-writer; once evaluated its
 * getters may be read from several threads.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_RUN_H
#define KPISCORE_RUN_H

#include "common.h"
#include "decimal.h"
#include "metrics.h"
#include "pay.h"
#include "plan.h"
#include "rubric.h"
#include "tiers.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kpi_run kpi_run;

/**
 * Starts a run of @p plan (borrowed; must outlive the run).
 * @return KPI_OK; KPI_EINVAL (NULL, a plan without a rubric); KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_run_new(kpi_run **out, const kpi_plan *plan);

/** Frees a run and its results; NULL is a no-op. @since 1.0 */
KPI_API void kpi_run_free(kpi_run *run);

/**
 * Adds an agent. Agents are reported in rank order; ties and the unranked
 * follow the order they were added.
 *
 * @param id      stable id ("A001"), unique
 * @param name    display name ("胡海涛"), or NULL for the id
 * @param team    team id ("一组"), or NULL
 * @param centre  centre id, or NULL
 * @return KPI_OK; KPI_EDUPLICATE; KPI_EINVAL; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_run_add_agent(kpi_run *run, const char *id, const char *name,
                                     const char *team, const char *centre);

/**
 * Sets an amount field of an agent that pay rules read by name
 * ("post_salary", 岗位工资).
 * @return KPI_OK; KPI_ENOTFOUND (agent); KPI_EINVAL; KPI_ENOMEM. @since 1.0
 */
KPI_API kpi_status kpi_run_set_field(kpi_run *run, const char *agent_id, const char *field,
                                     kpi_money value);

/**
 * Gives the run the accumulated metrics (borrowed; must outlive the run)
 * and the agent map their agent indexes refer to. Inputs the plan declares
 * with "metric" are read from them, by agent id, and their periods are the
 * run's periods. The accumulator must use the plan's registry definitions
 * (KPI_EMISMATCH otherwise).
 * @return KPI_OK; KPI_EMISMATCH; KPI_EINVAL. @since 1.0
 */
KPI_API kpi_status kpi_run_set_metrics(kpi_run *run, const kpi_metrics *metrics,
                                       const kpi_agents *agents);

/**
 * Sets an evaluator's input for one agent and period from text, as a
 * grades file gives it: a number ("4.5", "85%"), a count, a grade label
 * (优), or a list of numbers separated by ';' or '|' ("88;92;79").
 *
 * @param period  the period label, as the metrics report it ("2026-09")
 * @return KPI_OK; KPI_ENOTFOUND (agent, or an input the plan does not
 *         declare); KPI_EPARSE / KPI_ERANGE (text not valid for the input's
 *         kind; the error column points into @p text); KPI_EINVAL; KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_run_set_input(kpi_run *run, const char *agent_id, const char *period,
                                     const char *input, const char *text);

/**
 * Lets kpi_run_evaluate() score the agents on up to @p threads threads
 * (pthreads; 1, the default, scores on the calling thread): each thread
 * reads its share of the agents' inputs from the metrics (selecting their
 * exact quantiles) and builds their scorecards; ranks, tiers and pay
 * follow on the calling thread. The results do not depend on the count.
 * Fewer threads run when the agents are few (512 at least a thread).
 *
 * @return KPI_OK; KPI_EINVAL (NULL @p run, @p threads outside 1..64).
 * @since 1.0
 */
KPI_API kpi_status kpi_run_set_threads(kpi_run *run, unsigned threads);

/**
 * Evaluates period @p period (NULL: the latest the run knows): scores every agent in every period up to it
 * (multi-period tiers and streaks need the history), ranks, tiers and pays.
 * Replaces the results of an earlier evaluation.
 *
 * @return KPI_OK; KPI_ENOTFOUND (no such period); KPI_EINPUT (an input
 *         invalid for its rule; the message names agent, period and input);
 *         KPI_EOVERFLOW; KPI_ENOMEM; KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_run_evaluate(kpi_run *run, const char *period);

/** Number of periods the run knows (from the metrics, else from the grades). @since 1.0 */
KPI_API size_t kpi_run_period_count(const kpi_run *run);

/** Label of period @p i in time order ("2026-07"), or NULL. Borrowed. @since 1.0 */
KPI_API const char *kpi_run_period(const kpi_run *run, size_t i);

/** One agent's result in the evaluated period. Set size with KPI_RUN_ROW_INIT. */
typedef struct kpi_run_row {
    size_t size;          /**< sizeof(kpi_run_row) */
    size_t agent;         /**< the agent's index (order added) */
    const char *id;       /**< borrowed from the run */
    const char *name;
    const char *team;     /**< "" when none */
    const char *centre;   /**< "" when none */
    kpi_outcome outcome;  /**< pass, fail or not assessed */
    kpi_dec score;        /**< the scorecard total */
    kpi_dec rank;         /**< competition rank among the assessed (1 = best), 0 if not ranked */
    kpi_dec team_rank;    /**< the same within the team */
    kpi_dec pct;          /**< percentile rank among the assessed (pandas rank(pct=True) of the competition rank) */
    kpi_money pay;        /**< the pay slip total */
} kpi_run_row;

#define KPI_RUN_ROW_INIT {sizeof(kpi_run_row), 0, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0}

/** Label of the evaluated period, or NULL before an evaluation. Borrowed. @since 1.0 */
KPI_API const char *kpi_run_evaluated_period(const kpi_run *run);

/** Number of agents (rows) of the evaluated period. @since 1.0 */
KPI_API size_t kpi_run_count(const kpi_run *run);

/**
 * Row @p i of the evaluated period, in rank order (best first; the
 * unranked last).
 * @return KPI_OK; KPI_ERANGE; KPI_EINVAL (not evaluated, row size). @since 1.0
 */
KPI_API kpi_status kpi_run_row_get(const kpi_run *run, size_t i, kpi_run_row *row);

/** The scorecard of agent @p agent (index), or NULL. Borrowed from the run. @since 1.0 */
KPI_API const kpi_scorecard *kpi_run_scorecard(const kpi_run *run, size_t agent);

/** The pay slip of agent @p agent, or NULL (no "pay" section). Borrowed. @since 1.0 */
KPI_API const kpi_payslip *kpi_run_payslip(const kpi_run *run, size_t agent);

/** Number of tier classifications the plan defines ("tiers"). @since 1.0 */
KPI_API size_t kpi_run_tier_count(const kpi_run *run);

/** Label of classification @p t ("等级", "评优"), or NULL. @since 1.0 */
KPI_API const char *kpi_run_tier_name(const kpi_run *run, size_t t);

/**
 * Agent @p agent's place in classification @p t: tier, reason, value
 * classified, quota position.
 * @return KPI_OK; KPI_ERANGE; KPI_EINVAL. @since 1.0
 */
KPI_API kpi_status kpi_run_tier(const kpi_run *run, size_t t, size_t agent, kpi_tier_row *row);

/** Bands (or quotas) of classification @p t, as the plan built them (borrowed), or NULL. @since 1.0 */
KPI_API const kpi_tier_table *kpi_run_tier_table(const kpi_run *run, size_t t);

/**
 * Everything about one agent as text, line by line (UTF-8): the
 * scorecard with each item's value, rule and reason, each classification
 * and why, and the pay slip (for an appeal, seed 001 section 八). Like
 * snprintf.
 * @return the full length. @since 1.0
 */
KPI_API size_t kpi_run_explain(const kpi_run *run, size_t agent, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_RUN_H */
