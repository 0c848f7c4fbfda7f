/* rank_internal.h - the sort and the walk over tied runs that ranks, tiers and
 * forced distributions share. */
#ifndef KPISCORE_RANK_INTERNAL_H
#define KPISCORE_RANK_INTERNAL_H

#include "internal.h"
#include "kpiscore/rank.h"

/* Largest n the rank calls accept: keeps every count product within 128 bits. */
#define KPI__RANK_MAX_N ((size_t)INT32_MAX)

/*
 * Fills order[0..*m) with the indices i < n (those with include[i] != 0 when
 * include is given) in rank order: by group ascending, then score (desc or
 * asc), then key (key_order), then input index; vals[k] = scores[order[k]].
 * Stable radix sort; one allocation. Returns KPI_OK or KPI_ENOMEM.
 */
kpi_status kpi__rank_sort(size_t *order, kpi_dec *vals, size_t *m, const kpi_dec *scores, size_t n,
                          kpi_rank_order dir, const kpi_dec *key, kpi_rank_order key_dir,
                          const uint32_t *group, const uint8_t *include);

/* Where one score stands in its group, all counts along the rank order. */
typedef struct {
    size_t before;   /* L: ranked strictly before */
    size_t tied;     /* E: equal scores, itself included */
    size_t position; /* 0-based place in the group's order (ordinal rank - 1) */
    size_t dense;    /* 1-based dense rank */
    size_t count;    /* N: ranked members of the group */
    size_t distinct; /* distinct scores in the group */
} kpi__standing;

/*
 * Walks order[0..m) and vals[0..m) (as kpi__rank_sort left them) run by run and calls
 * fn(ctx, k, index, standing) for each k-th element in order.
 */
typedef kpi_status (*kpi__standing_fn)(void *ctx, size_t k, size_t index, const kpi__standing *s);
kpi_status kpi__rank_walk(const size_t *order, size_t m, const kpi_dec *vals,
                          const uint32_t *group, kpi__standing_fn fn, void *ctx);

/* An exact fraction num / den (den > 0). */
typedef struct {
    kpi__i128 num;
    kpi__i128 den;
} kpi__frac;

/* The rank by method, exactly, as a kpi_dec. */
kpi_dec kpi__rank_value(const kpi__standing *s, kpi_rank_method method);

/* The percentile rank of a score in the set, exactly (Excel kinds before truncation). */
kpi__frac kpi__pct_frac(const kpi__standing *s, kpi_pct_kind kind, kpi_rank_method method);

/* A percentile as reported: Excel kinds truncated to sig digits, others rounded. */
kpi_dec kpi__pct_dec(kpi__frac f, kpi_pct_kind kind, int sig, kpi_round mode);
double kpi__pct_double(kpi__frac f, kpi_pct_kind kind, kpi_dec reported);

/*
 * Copies caller options (NULL = defaults) into @out, checking the size field,
 * the enums and, for arrays that must be there, nothing else.
 * @fn names the public function in messages.
 */
kpi_status kpi__rank_options_load(kpi_rank_options *out, const kpi_rank_options *in,
                                  const char *fn);

#endif /* KPISCORE_RANK_INTERNAL_H */
