/* tiers_internal.h - the per-agent result shared by tier tables and forced
 * distributions. */
#ifndef KPISCORE_TIERS_INTERNAL_H
#define KPISCORE_TIERS_INTERNAL_H

#include "rank_internal.h"
#include "kpiscore/tiers.h"

/* A band with its ends' ownership resolved: 1 owned, 0 not, -1 nobody says. */
typedef struct {
    char *label;
    kpi_dec from, to;
    kpi_tier_end from_end, to_end;
    int own_from, own_to;
} kpi__band;

typedef struct {
    int32_t tier;
    kpi_tier_reason reason;
    kpi_dec score, value, rank, pct;
    int64_t position, group_count, tied, quota, taken;
    int32_t tie_cut;
    uint32_t group;
} kpi__tier_row;

typedef struct {
    char *label;
    kpi_quota_kind kind;
    kpi_quota_limit limit;
    kpi_dec share;
    int64_t count;
} kpi__quota;

struct kpi_tiering {
    size_t n;
    kpi__tier_row *rows;
    /* what explain() needs, copied so the result outlives its table */
    bool forced;
    kpi_tier_basis basis;
    size_t n_tiers;
    kpi__band *bands;   /* tables */
    kpi__quota *quotas; /* forced */
    kpi_round rounding;
    kpi_tie_policy ties;
};

/*
 * A result with n rows, ranked as @o says: every row gets its score, group
 * and (when ranked) rank, pct, position, group size and ties; rows left out
 * by eligibility get KPI_REASON_NOT_ELIGIBLE. *order receives the ranked
 * indices in rank order (m of them; caller frees with kpi__free). @opt
 * (the caller's, may be NULL) is checked and loaded into *o first; @fn names
 * the public call in messages.
 */
kpi_status kpi__tiering_ranked(kpi_tiering **out, size_t **order, size_t *m,
                               const kpi_dec *scores, size_t n, const kpi_rank_options *opt,
                               kpi_rank_options *o, const char *fn);

void kpi__bands_free(kpi__band *bands, size_t n);
void kpi__quotas_free(kpi__quota *quotas, size_t n);

/* Whether band b holds v: 1 yes, 0 no, -1 v is an end of b nobody owns. */
int kpi__band_holds(const kpi__band *b, kpi_dec v);

#endif /* KPISCORE_TIERS_INTERNAL_H */
