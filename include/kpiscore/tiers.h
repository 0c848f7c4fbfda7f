/*
 * kpiscore/tiers.h - tier tables (bands by score, percentile rank or rank,
 * with explicit ownership of every end), their lint, forced distributions
 * (强制分布: quotas with a stated rounding and tie policy), multi-period
 * rules (min/mean/last of the last K periods, streaks) and the per-agent
 * result that says why each agent got its tier.
 *
 * A tier table and a forced distribution are immutable once built and can
 * be shared across threads. A kpi_tiering result is immutable and can be
 * read from any thread. The other functions are pure and thread-safe.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_TIERS_H
#define KPISCORE_TIERS_H

#include "common.h"
#include "decimal.h"
#include "lint.h"
#include "rank.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tier tables --------------------------------------------------------- */

/** What a tier table's bands are drawn on. */
typedef int32_t kpi_tier_basis;
enum {
    KPI_TIER_BY_SCORE = 0,      /**< the score itself (90 = 90 points) */
    KPI_TIER_BY_PERCENTILE = 1, /**< the percentile rank in [0, 1] (kpi_rank_options.pct_kind) */
    KPI_TIER_BY_RANK = 2        /**< the rank (1 = first; kpi_rank_options.method) */
};

/** Who owns one end of a band. */
typedef int32_t kpi_tier_end;
enum {
    KPI_END_UNSTATED = 0,  /**< the table does not say ("80–90"); owned only if no other band claims the point */
    KPI_END_CLOSED = 1,    /**< the band owns the end point ([80 or 90]) */
    KPI_END_OPEN = 2,      /**< the band does not own it ((80 or 90)) */
    KPI_END_UNBOUNDED = 3  /**< no end: the band runs on to -infinity / +infinity */
};

/**
 * One band, as written in a plan: label, lower end `from`, upper end `to`
 * and who owns each end. A band with from == to is a single point (rank 1)
 * and needs both ends closed or unstated.
 */
typedef struct kpi_tier_band {
    size_t size;             /**< sizeof(kpi_tier_band), set by KPI_TIER_BAND_INIT */
    const char *label;       /**< UTF-8 label ("高级"), copied by kpi_tier_table_new() */
    kpi_dec from;            /**< lower end (ignored when from_end is unbounded) */
    kpi_tier_end from_end;   /**< ownership of the lower end */
    kpi_dec to;              /**< upper end (ignored when to_end is unbounded) */
    kpi_tier_end to_end;     /**< ownership of the upper end */
} kpi_tier_band;

/** An empty band: fill in label, from, to and the ends. */
#define KPI_TIER_BAND_INIT \
    { sizeof(kpi_tier_band), NULL, 0, KPI_END_UNSTATED, 0, KPI_END_UNSTATED }

/** Opaque, immutable tier table. */
typedef struct kpi_tier_table kpi_tier_table;

/**
 * Reports what a band list leaves ambiguous, with the numbers: gaps
 * ("tier-gap": values in (84, 95) have no tier), interval overlaps
 * ("tier-overlap"), a shared end point no band owns because the table
 * leaves it unstated ("tier-end-unowned": 80 ends '初级' and starts
 * '中级'), or that both bands explicitly disown ("tier-gap" at a point),
 * a point owned by two bands ("tier-end-two-owners"), values below the
 * lowest or above the highest band ("tier-uncovered", a note), and bands
 * that are empty or reversed ("tier-band-invalid", an error). Paths are
 * "bands[i]" (the plan loader prefixes them).
 *
 * @param lint   the list to append to (kpi_lint_new())
 * @param basis  what the bands are drawn on (percentile tables are checked over [0, 1])
 * @param bands  n bands in any order
 * @return KPI_OK (findings are not failures); KPI_EINVAL; KPI_ENOMEM (the
 *         list keeps what was added before). Thread-safe for distinct lists.
 * @since 1.0
 */
KPI_API kpi_status kpi_tier_bands_lint(kpi_lint *lint, kpi_tier_basis basis,
                                       const kpi_tier_band *bands, size_t n);

/**
 * Builds a tier table. Gaps and unowned shared end points are allowed (a
 * value there gets no tier, and the result row says why); overlaps and
 * points owned twice are refused, since they would make a tier depend on
 * band order.
 *
 * @param out    receives the table; free it with kpi_tier_table_free()
 * @param basis  KPI_TIER_BY_*
 * @param bands  n >= 1 bands; tier i of a result is bands[i]
 * @return KPI_OK; KPI_EPLAN (overlap, point owned twice, reversed or empty
 *         band; the message has the numbers and the path "bands[i]");
 *         KPI_EINVAL; KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_tier_table_new(kpi_tier_table **out, kpi_tier_basis basis,
                                      const kpi_tier_band *bands, size_t n);

/** Frees a table; NULL is a no-op. @since 1.0 */
KPI_API void kpi_tier_table_free(kpi_tier_table *table);

/** Number of bands (0 for NULL). @since 1.0 */
KPI_API size_t kpi_tier_table_count(const kpi_tier_table *table);

/** Label of band @p i; borrowed, valid while the table lives; "" when out of range. @since 1.0 */
KPI_API const char *kpi_tier_table_label(const kpi_tier_table *table, size_t i);

/** The basis of the table's bands (score, percentile or rank). @since 1.0 */
KPI_API kpi_tier_basis kpi_tier_table_basis(const kpi_tier_table *table);

/**
 * Band @p i as the table holds it: label (borrowed from the table), ends
 * and their ownership as given. @p out must be set with KPI_TIER_BAND_INIT.
 * @return KPI_OK; KPI_ERANGE; KPI_EINVAL. @since 1.0
 */
KPI_API kpi_status kpi_tier_table_band(const kpi_tier_table *table, size_t i, kpi_tier_band *out);

/**
 * The band that owns @p value, exactly (a value equal to an end lands on
 * the side the table says owns it).
 *
 * @param out  receives the band index; untouched on failure
 * @return KPI_OK; KPI_ENOTFOUND when the value lies in a gap;
 *         KPI_EPLAN when it is a shared end point the table does not
 *         assign (the message names both bands); KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_tier_table_classify(const kpi_tier_table *table, kpi_dec value,
                                           size_t *out);

/* ---- forced distribution ------------------------------------------------- */

/** How a quota is given. */
typedef int32_t kpi_quota_kind;
enum {
    KPI_QUOTA_SHARE = 0, /**< a share of the eligible agents of the group: n x share, rounded */
    KPI_QUOTA_COUNT = 1, /**< a number of agents */
    KPI_QUOTA_REST = 2   /**< everyone not placed by the tiers before */
};

/** Whether a quota is a cap or a target (recorded on the result; placement is the same). */
typedef int32_t kpi_quota_limit;
enum {
    KPI_QUOTA_AT_MOST = 0, /**< a maximum: 最佳客服 at most 5 % */
    KPI_QUOTA_EXACTLY = 1  /**< a target share: 20 / 70 / 10 */
};

/** What happens when agents tie across a tier's cut. */
typedef int32_t kpi_tie_policy;
enum {
    KPI_TIE_EXCLUDE = 0, /**< none of the tied enter the tier (it stays within its quota); the default */
    KPI_TIE_INCLUDE = 1, /**< all of the tied enter (the tier may exceed its quota) */
    KPI_TIE_KEY = 2      /**< the secondary key (kpi_rank_options.key), then input index, decides */
};

/** One tier of a forced distribution, best first. */
typedef struct kpi_quota {
    size_t size;           /**< sizeof(kpi_quota), set by KPI_QUOTA_INIT */
    const char *label;     /**< UTF-8 label ("最佳客服"), copied */
    kpi_quota_kind kind;   /**< share, count or rest */
    kpi_quota_limit limit; /**< at most (default) or exactly */
    kpi_dec share;         /**< KPI_QUOTA_SHARE: 0 <= share <= 1 (0.05 for 5 %) */
    int64_t count;         /**< KPI_QUOTA_COUNT: >= 0 */
} kpi_quota;

/** An empty quota: set label, kind and share or count. */
#define KPI_QUOTA_INIT { sizeof(kpi_quota), NULL, KPI_QUOTA_SHARE, KPI_QUOTA_AT_MOST, 0, 0 }

/** Options of a forced distribution. */
typedef struct kpi_forced_options {
    size_t size;           /**< sizeof(kpi_forced_options), set by KPI_FORCED_OPTIONS_INIT */
    kpi_round rounding;    /**< n x share to a count; default KPI_ROUND_FLOOR */
    kpi_tie_policy ties;   /**< default KPI_TIE_EXCLUDE */
} kpi_forced_options;

/** Floor rounding, all tied at a cut excluded. */
#define KPI_FORCED_OPTIONS_INIT { sizeof(kpi_forced_options), KPI_ROUND_FLOOR, KPI_TIE_EXCLUDE }

/** Opaque, immutable forced distribution. */
typedef struct kpi_forced kpi_forced;

/**
 * Builds a forced distribution: tiers filled best first, each taking up to
 * its quota from where the one before stopped, in the rank order of
 * kpi_rank_options (order, key).
 *
 * @param out     receives it; free with kpi_forced_free()
 * @param quotas  n >= 1 tiers, best first; KPI_QUOTA_REST only last
 * @param opt     options, or NULL for KPI_FORCED_OPTIONS_INIT
 * @return KPI_OK; KPI_EPLAN (share outside [0, 1], negative count, REST
 *         not last, shares above 100 % in total; path "quotas[i]");
 *         KPI_EINVAL; KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_forced_new(kpi_forced **out, const kpi_quota *quotas, size_t n,
                                  const kpi_forced_options *opt);

/** Frees it; NULL is a no-op. @since 1.0 */
KPI_API void kpi_forced_free(kpi_forced *forced);

/* ---- per-agent results --------------------------------------------------- */

/** No tier. */
#define KPI_TIER_NONE (-1)

/** Why an agent got its tier (or none). */
typedef int32_t kpi_tier_reason;
enum {
    KPI_REASON_BAND = 0,          /**< the value lies in the band (tier) */
    KPI_REASON_GAP = 1,           /**< the value lies in no band */
    KPI_REASON_UNOWNED_END = 2,   /**< the value is a shared end point the table does not assign */
    KPI_REASON_NOT_ELIGIBLE = 3,  /**< filtered out by kpi_rank_options.eligible */
    KPI_REASON_QUOTA = 4,         /**< within the tier's quota (position <= quota) */
    KPI_REASON_TIE_INCLUDED = 5,  /**< tied across the cut; all tied included beyond the quota */
    KPI_REASON_TIE_KEY = 6,       /**< tied across the cut; placed by the secondary key */
    KPI_REASON_QUOTAS_FULL = 7    /**< every quota was filled before this agent */
};

/** One agent's row, copied out by kpi_tiering_row(). */
typedef struct kpi_tier_row {
    size_t size;            /**< sizeof(kpi_tier_row), set by KPI_TIER_ROW_INIT */
    int32_t tier;           /**< band / quota index, or KPI_TIER_NONE */
    kpi_tier_reason reason; /**< why */
    const char *label;      /**< the tier's label, "" when none; borrowed from the result */
    kpi_dec score;          /**< the score given */
    kpi_dec value;          /**< the value classified: score, percentile or rank (table basis) */
    kpi_dec rank;           /**< rank in the group by the options' method; 0 when not ranked */
    kpi_dec pct;            /**< percentile rank in the group; 0 when not ranked */
    int64_t position;       /**< 1-based place in the group's rank order; 0 when not ranked */
    int64_t group_count;    /**< agents ranked in the group (N) */
    int64_t tied;           /**< agents with this score in the group, itself included */
    int64_t quota;          /**< forced: the tier's quota as a count; -1 for tables */
    int64_t taken;          /**< forced: agents the tier took in this group; -1 for tables */
    int32_t tie_cut;        /**< forced: the tier whose cut this agent was tied across, else -1 */
    uint32_t group;         /**< the group id (0 without groups) */
} kpi_tier_row;

/** A row to be filled by kpi_tiering_row(). */
#define KPI_TIER_ROW_INIT \
    { sizeof(kpi_tier_row), KPI_TIER_NONE, 0, NULL, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, 0 }

/**
 * Opaque per-agent result: tier, reason and the numbers behind it. The
 * rows are a plain copy-out (kpi_tiering_row()) so the result can grow
 * fields without breaking callers, and it owns its label strings.
 */
typedef struct kpi_tiering kpi_tiering;

/**
 * Ranks @p n scores (within groups, eligibility as asked) and puts each in
 * the table's band for its score, percentile rank or rank.
 *
 * @param out     receives the result; free with kpi_tiering_free()
 * @param table   the tier table
 * @param scores  n scores (NULL when n is 0)
 * @param opt     ranking options (method, order, pct_kind, group,
 *                eligible...), or NULL for defaults
 * @return KPI_OK (values in gaps are rows with KPI_REASON_GAP, not
 *         failures); KPI_EINVAL; KPI_ELIMIT; KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_tier_table_apply(kpi_tiering **out, const kpi_tier_table *table,
                                        const kpi_dec *scores, size_t n,
                                        const kpi_rank_options *opt);

/**
 * Places @p n agents into the forced distribution's tiers by rank, within
 * each group. Shares are of the group's ranked agents: with
 * KPI_ELIGIBLE_RANK_AMONG only the eligible are ranked and counted; with
 * KPI_ELIGIBLE_GATE everyone counts but ineligible agents are never placed.
 * Under KPI_TIE_KEY without opt->key, the input index decides.
 *
 * @return KPI_OK; KPI_EINVAL; KPI_ELIMIT; KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_forced_apply(kpi_tiering **out, const kpi_forced *forced,
                                    const kpi_dec *scores, size_t n,
                                    const kpi_rank_options *opt);

/** Frees a result; NULL is a no-op. @since 1.0 */
KPI_API void kpi_tiering_free(kpi_tiering *result);

/** Number of rows (= n given); 0 for NULL. @since 1.0 */
KPI_API size_t kpi_tiering_count(const kpi_tiering *result);

/**
 * Copies row @p i into @p row (only the fields its `size` covers).
 * @return KPI_OK; KPI_EINVAL (NULL, size not set); KPI_ERANGE (i >= count).
 * @since 1.0
 */
KPI_API kpi_status kpi_tiering_row(const kpi_tiering *result, size_t i, kpi_tier_row *row);

/**
 * Writes why row @p i got its tier as one line of text, like snprintf:
 * "score 90 is in band '高级' [90, 100]", "score 88 tied 3 ways across the
 * cut of '最佳客服' (quota 1 of 30 at 5 %, floor): all tied excluded".
 *
 * @return the length of the full text (excluding the NUL); 0 when @p i is
 *         out of range or @p result is NULL.
 * @since 1.0
 */
KPI_API size_t kpi_tiering_explain(const kpi_tiering *result, size_t i, char *buf, size_t size);

/** Name of a reason ("band", "gap", "unowned-end", ...), or NULL. @since 1.0 */
KPI_API const char *kpi_tier_reason_name(kpi_tier_reason reason);

/* ---- multi-period rules -------------------------------------------------- */

/** How the last K periods combine into one value. */
typedef int32_t kpi_periods_how;
enum {
    KPI_PERIODS_MIN = 0,  /**< the worst of them: "both of the last two >= 90" is min >= 90 */
    KPI_PERIODS_MAX = 1,  /**< the best of them */
    KPI_PERIODS_MEAN = 2, /**< their mean, rounded once to 9 places */
    KPI_PERIODS_LAST = 3, /**< the latest */
    KPI_PERIODS_SUM = 4   /**< their sum */
};

/**
 * Combines each agent's last @p k periods.
 *
 * @param out        n_agents results
 * @param scores     n_agents x n_periods, row by agent, oldest period first
 * @param k          1 <= k <= n_periods
 * @param how        KPI_PERIODS_*
 * @param mode       rounding of the mean
 * @return KPI_OK; KPI_EINVAL; KPI_EOVERFLOW (sum). Outputs untouched on failure.
 * @since 1.0
 */
KPI_API kpi_status kpi_periods_reduce(kpi_dec *out, const kpi_dec *scores, size_t n_agents,
                                      size_t n_periods, size_t k, kpi_periods_how how,
                                      kpi_round mode);

/** When a streak raises its flag. */
typedef int32_t kpi_streak_fire;
enum {
    KPI_STREAK_ONCE = 0,  /**< in the period the run reaches the length (a one-off bonus) */
    KPI_STREAK_EVERY = 1, /**< whenever the run is a whole multiple of the length */
    KPI_STREAK_WHILE = 2  /**< every period the run is at least the length */
};

/**
 * Streaks at the latest period: how many periods running each agent's
 * condition has held (ranked first, failed), and whether that raises the
 * flag (first 3 months running: a one-off 200 yuan; failed 3 months
 * running: leaves).
 *
 * @param run     n_agents outputs: periods running up to the latest, or NULL
 * @param flag    n_agents outputs (0/1), or NULL
 * @param cond    n_agents x n_periods 0/1, row by agent, oldest first
 * @param length  streak length >= 1
 * @param fire    KPI_STREAK_*
 * @return KPI_OK; KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_streaks(int64_t *run, uint8_t *flag, const uint8_t *cond,
                               size_t n_agents, size_t n_periods, int64_t length,
                               kpi_streak_fire fire);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_TIERS_H */
