/*
 * kpiscore/rank.h - ranks and percentile ranks with the definitions people
 * check against: competition ("1224"), modified competition ("1334"),
 * dense ("1223"), ordinal and fractional ("1 2.5 2.5 4") ranks; pandas
 * rank(pct=True); Excel/LibreOffice PERCENTRANK.INC and PERCENTRANK.EXC;
 * the strict/weak/mean/rank kinds of a percentile of score.
 *
 * Scores are exact kpi_dec values and ties are found by exact comparison.
 * The calls are batch calls: n scores in, n results out into the caller's
 * arrays, O(n log n) time (a radix sort), a fixed number of allocations per
 * call, and results that do not depend on input order (except ordinal
 * ranks, which are defined by the secondary key and then the input index).
 *
 * Every function here is pure and thread-safe; no state is kept.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_RANK_H
#define KPISCORE_RANK_H

#include "common.h"
#include "decimal.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How tied scores share ranks. Names follow scipy.stats.rankdata / pandas. */
typedef int32_t kpi_rank_method;
enum {
    KPI_RANK_COMPETITION = 0, /**< "1224": ties get the best rank (pandas "min") */
    KPI_RANK_MODIFIED = 1,    /**< "1334": ties get the worst rank (pandas "max") */
    KPI_RANK_DENSE = 2,       /**< "1223": next distinct score gets the next rank (pandas "dense") */
    KPI_RANK_ORDINAL = 3,     /**< "1234": ties broken by the secondary key, then input index (pandas "first") */
    KPI_RANK_FRACTIONAL = 4   /**< "1 2.5 2.5 4": mean of the ranks ties span (pandas "average") */
};

/** Which end ranks first. */
typedef int32_t kpi_rank_order;
enum {
    KPI_RANK_DESC = 0, /**< highest score ranks 1 (the usual KPI league table); the default */
    KPI_RANK_ASC = 1   /**< lowest score ranks 1 (response time, refund rate; pandas' default) */
};

/**
 * Which percentile rank. Every kind counts along the rank order: with
 * KPI_RANK_ASC the values are exactly those of the named tool; with
 * KPI_RANK_DESC they are the tool's values for the scores mirrored (so the
 * best score has the smallest percentile rank, "top 5 %" is pct <= 0.05).
 * All are fractions in [0, 1] (scipy's percentages divided by 100).
 * L = scores ranked strictly before, E = scores equal (itself included),
 * N = scores ranked (in the group).
 */
typedef int32_t kpi_pct_kind;
enum {
    KPI_PCT_RANK = 0,       /**< pandas rank(pct=True): the method's rank / N (dense: / number of distinct) */
    KPI_PCT_STRICT = 1,     /**< L / N (scipy percentileofscore kind="strict") */
    KPI_PCT_WEAK = 2,       /**< (L + E) / N (kind="weak"; pandas "max" pct) */
    KPI_PCT_MEAN = 3,       /**< (2L + E) / 2N (kind="mean") */
    KPI_PCT_SCIPY_RANK = 4, /**< (2L + E + 1) / 2N, or L / N when E = 0 (kind="rank"; pandas "average" pct) */
    KPI_PCT_EXCEL_INC = 5,  /**< PERCENTRANK.INC: L / (N - 1), 1 when N = 1, truncated to `significance` digits */
    KPI_PCT_EXCEL_EXC = 6   /**< PERCENTRANK.EXC: (L + 1) / (N + 1), 1 when N = 1, truncated */
};

/** What an eligibility filter (kpi_rank_options.eligible) does. */
typedef int32_t kpi_eligibility;
enum {
    KPI_ELIGIBLE_RANK_AMONG = 0, /**< only eligible agents are ranked and counted; the default */
    KPI_ELIGIBLE_GATE = 1        /**< everyone is ranked; ineligible agents get no tier ("met target AND ranked first") */
};

/**
 * Options shared by kpi_rank(), kpi_tier_table_apply() and
 * kpi_forced_apply(). Initialise with KPI_RANK_OPTIONS_INIT and change the
 * fields you need; the arrays are borrowed for the duration of the call.
 */
typedef struct kpi_rank_options {
    size_t size;               /**< sizeof(kpi_rank_options), set by KPI_RANK_OPTIONS_INIT */
    kpi_rank_method method;    /**< rank reported (and the pandas pct it implies); default competition */
    kpi_rank_order order;      /**< default KPI_RANK_DESC */
    kpi_pct_kind pct_kind;     /**< percentile rank reported; default KPI_PCT_RANK */
    int32_t significance;      /**< Excel kinds: digits kept (truncated), 1..9; default 3 */
    kpi_round pct_round;       /**< other kinds: rounding to 9 places; default half-even */
    const kpi_dec *key;        /**< optional secondary key (n values): orders ties for ordinal ranks and the key tie policy */
    kpi_rank_order key_order;  /**< which end of the key comes first; default KPI_RANK_DESC */
    const uint32_t *group;     /**< optional group id per score (team, centre): rank within each group */
    const uint8_t *eligible;   /**< optional 0/1 per score: eligibility filter */
    kpi_eligibility eligibility; /**< what the filter does; default KPI_ELIGIBLE_RANK_AMONG */
} kpi_rank_options;

/** Default options: competition ranks high to low, pandas pct, 3 Excel digits. */
#define KPI_RANK_OPTIONS_INIT                                                                    \
    {                                                                                            \
        sizeof(kpi_rank_options), KPI_RANK_COMPETITION, KPI_RANK_DESC, KPI_PCT_RANK, 3,          \
            KPI_ROUND_HALF_EVEN, NULL, KPI_RANK_DESC, NULL, NULL, KPI_ELIGIBLE_RANK_AMONG        \
    }

/** Name of a rank method ("competition", "modified", "dense", "ordinal", "fractional") or NULL. @since 1.0 */
KPI_API const char *kpi_rank_method_name(kpi_rank_method method);

/** Name of a percentile kind ("rank", "strict", "weak", "mean", "scipy_rank", "excel_inc", "excel_exc") or NULL. @since 1.0 */
KPI_API const char *kpi_pct_kind_name(kpi_pct_kind kind);

/**
 * Ranks and percentile ranks of @p n scores, within groups if asked.
 *
 * ranks[i] is the rank of scores[i] by @p opt->method as a kpi_dec (exact:
 * 3 is KPI_DEC_INT(3), fractional 2.5 is 2500000000). pcts[i] is its
 * percentile rank of kind @p opt->pct_kind, rounded once (Excel kinds:
 * truncated to `significance` digits, as Excel does). pcts_f64[i] is the
 * same percentile rank as the nearest double to the exact fraction (what
 * pandas computes; Excel kinds: the nearest double to the truncated
 * decimal), for display and cross-checks only.
 *
 * With opt->group, each group is ranked on its own (N is the group's
 * size). With opt->eligible and KPI_ELIGIBLE_RANK_AMONG, ineligible scores
 * are left out and get rank 0 and percentile 0 (NaN in pcts_f64).
 *
 * @param ranks     n outputs, or NULL
 * @param pcts      n outputs, or NULL
 * @param pcts_f64  n outputs, or NULL
 * @param scores    n scores (may be NULL when n is 0)
 * @param n         how many; 0 is fine (nothing written); at most 2^31 - 1
 * @param opt       options, or NULL for KPI_RANK_OPTIONS_INIT
 * @return KPI_OK; KPI_EINVAL (NULL arrays, bad enum, significance outside
 *         1..9, opt->size not set); KPI_ELIMIT (n too large); KPI_ENOMEM.
 *         Outputs are untouched on failure. Thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_rank(kpi_dec *ranks, kpi_dec *pcts, double *pcts_f64,
                            const kpi_dec *scores, size_t n, const kpi_rank_options *opt);

/**
 * Percentile ranks of @p m query values @p x against the set @p values,
 * which need not contain them: Excel/LibreOffice PERCENTRANK.INC/.EXC with
 * their interpolation between neighbours, or scipy's percentileofscore
 * kinds (strict, weak, mean, scipy_rank). Always in ascending value order
 * (the tools' definitions); opt->order, method, group and key are ignored.
 *
 * Excel interpolation for a between neighbours a < x < b of the set, with
 * S values below x: INC ((S-1)(b-x) + S(x-a)) / ((N-1)(b-a)), EXC
 * (S(b-x) + (S+1)(x-a)) / ((N+1)(b-a)), then truncated to
 * `significance` digits. An x below the smallest or above the largest
 * value is #N/A in Excel: KPI_ERANGE here, naming the index.
 *
 * @param out     m outputs (kpi_dec), or NULL
 * @param out_f64 m outputs (double), or NULL
 * @param values  the set, any order (n values; NULL when n is 0)
 * @param n       its size; 0 gives KPI_ENA
 * @param x       m query values
 * @param m       how many queries
 * @param opt     pct_kind (not KPI_PCT_RANK), significance, pct_round; NULL for
 *                PERCENTRANK.INC with 3 digits
 * @return KPI_OK; KPI_ENA (empty set); KPI_ERANGE (Excel kind, x outside
 *         the set's range); KPI_EINVAL; KPI_ELIMIT; KPI_ENOMEM. Outputs are
 *         untouched on failure. Thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_percentrank_of(kpi_dec *out, double *out_f64, const kpi_dec *values,
                                      size_t n, const kpi_dec *x, size_t m,
                                      const kpi_rank_options *opt);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_RANK_H */
