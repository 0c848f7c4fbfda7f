/*
 * forced.c - forced distribution (强制分布): tiers with quotas filled best
 * first, with a stated rounding of n x share and a tie policy at each cut.
 */
#include <stdio.h>
#include <string.h>

#include "tiers_internal.h"

struct kpi_forced {
    size_t n;
    kpi__quota *quotas;
    kpi_round rounding;
    kpi_tie_policy ties;
};

static kpi_status quota_fail(size_t i, kpi_status code, const char *fmt, ...) KPI__PRINTF(3, 4);
static kpi_status quota_fail(size_t i, kpi_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kpi_status st = kpi__vfail(code, fmt, ap);
    va_end(ap);
    char path[32];
    snprintf(path, sizeof path, "quotas[%zu]", i);
    kpi__error_set_path(path);
    return st;
}

kpi_status kpi_forced_new(kpi_forced **out, const kpi_quota *quotas, size_t n,
                          const kpi_forced_options *opt)
{
    kpi__error_reset();
    if (!out || (!quotas && n > 0))
        return kpi__fail(KPI_EINVAL, "kpi_forced_new: out and quotas must not be NULL");
    if (n == 0)
        return kpi__fail(KPI_EINVAL, "kpi_forced_new: a forced distribution needs at least one tier");
    kpi_forced_options o = KPI_FORCED_OPTIONS_INIT;
    if (opt) {
        if (opt->size != sizeof *opt)
            return kpi__fail(KPI_EINVAL, "kpi_forced_new: opt->size is %zu, expected %zu: initialise "
                             "with KPI_FORCED_OPTIONS_INIT", opt->size, sizeof *opt);
        o = *opt;
    }
    if (!kpi__round_valid(o.rounding))
        return kpi__fail(KPI_EINVAL, "kpi_forced_new: opt->rounding %d is not a KPI_ROUND_* mode",
                         (int)o.rounding);
    if (o.ties < KPI_TIE_EXCLUDE || o.ties > KPI_TIE_KEY)
        return kpi__fail(KPI_EINVAL, "kpi_forced_new: opt->ties %d is not a KPI_TIE_* policy",
                         (int)o.ties);
    kpi_dec total = 0;
    char a[32];
    for (size_t i = 0; i < n; i++) {
        const kpi_quota *q = &quotas[i];
        if (q->size != sizeof *q)
            return quota_fail(i, KPI_EINVAL, "kpi_forced_new: quotas[%zu].size is %zu, expected %zu: "
                              "initialise with KPI_QUOTA_INIT", i, q->size, sizeof *q);
        if (!q->label)
            return quota_fail(i, KPI_EINVAL, "kpi_forced_new: quotas[%zu].label must not be NULL", i);
        if (q->kind < KPI_QUOTA_SHARE || q->kind > KPI_QUOTA_REST ||
            (q->limit != KPI_QUOTA_AT_MOST && q->limit != KPI_QUOTA_EXACTLY))
            return quota_fail(i, KPI_EINVAL, "kpi_forced_new: quotas[%zu] has an unknown kind or limit", i);
        if (q->kind == KPI_QUOTA_SHARE && (q->share < 0 || q->share > KPI_DEC_ONE)) {
            kpi_dec_format(q->share, -1, KPI_ROUND_HALF_UP, a, sizeof a);
            return quota_fail(i, KPI_EPLAN, "tier '%s' has share %s; a share is between 0 and 1 "
                              "(0.05 for 5 %%)", q->label, a);
        }
        if (q->kind == KPI_QUOTA_COUNT && q->count < 0)
            return quota_fail(i, KPI_EPLAN, "tier '%s' has count %lld; a count is 0 or more",
                              q->label, (long long)q->count);
        if (q->kind == KPI_QUOTA_REST && i + 1 != n)
            return quota_fail(i, KPI_EPLAN, "tier '%s' takes the rest but is not the last tier",
                              q->label);
        if (q->kind == KPI_QUOTA_SHARE) {
            total += q->share;
            if (total > KPI_DEC_ONE) {
                kpi_dec_format(total * 100, -1, KPI_ROUND_HALF_UP, a, sizeof a);
                return quota_fail(i, KPI_EPLAN, "the shares add up to %s %% by tier '%s'; they can "
                                  "be at most 100 %%", a, q->label);
            }
        }
    }
    kpi_forced *f = kpi__calloc(1, sizeof *f);
    kpi__quota *copy = kpi__calloc(n, sizeof *copy);
    if (!f || !copy) {
        kpi__free(f);
        kpi__free(copy);
        return KPI_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        copy[i] = (kpi__quota){kpi__strdup(quotas[i].label), quotas[i].kind, quotas[i].limit,
                               quotas[i].share, quotas[i].count};
        if (!copy[i].label) {
            kpi__quotas_free(copy, n);
            kpi__free(f);
            return KPI_ENOMEM;
        }
    }
    f->n = n;
    f->quotas = copy;
    f->rounding = o.rounding;
    f->ties = o.ties;
    *out = f;
    return KPI_OK;
}

void kpi_forced_free(kpi_forced *forced)
{
    if (!forced)
        return;
    kpi__quotas_free(forced->quotas, forced->n);
    kpi__free(forced);
}

/* A tier's quota as a count for a group of N: n x share exactly, rounded once. */
static int64_t quota_count(const kpi_forced *f, size_t t, int64_t N, int64_t left)
{
    const kpi__quota *q = &f->quotas[t];
    if (q->kind == KPI_QUOTA_REST)
        return left;
    if (q->kind == KPI_QUOTA_COUNT)
        return q->count;
    return (int64_t)kpi__div_round((kpi__i128)N * q->share, KPI_DEC_ONE, f->rounding);
}

/*
 * Places the eligible agents p[0..M) of one group (in rank order) into the
 * tiers; N is the group's ranked count (the base of the shares).
 */
static void place_group(const kpi_forced *f, kpi__tier_row *rows, const size_t *p, size_t M, int64_t N)
{
    size_t s = 0;
    for (size_t t = 0; t < f->n && s < M; t++) {
        int64_t q = quota_count(f, t, N, (int64_t)(M - s));
        size_t quota_end = (size_t)q > M - s ? M : s + (size_t)q, e = quota_end;
        size_t ra = e, rb = e; /* the run tied across the cut, if any */
        if (e > s && e < M && rows[p[e - 1]].score == rows[p[e]].score) {
            kpi_dec v = rows[p[e]].score;
            for (ra = e - 1; ra > s && rows[p[ra - 1]].score == v; ra--)
                ;
            for (rb = e + 1; rb < M && rows[p[rb]].score == v; rb++)
                ;
            for (size_t k = ra; k < rb; k++)
                rows[p[k]].tie_cut = (int32_t)t;
            if (f->ties == KPI_TIE_EXCLUDE)
                e = ra;
            else if (f->ties == KPI_TIE_INCLUDE)
                e = rb;
        }
        for (size_t k = s; k < e; k++) {
            kpi__tier_row *r = &rows[p[k]];
            r->tier = (int32_t)t;
            r->quota = q;
            r->taken = (int64_t)(e - s);
            r->reason = KPI_REASON_QUOTA;
            if (k >= ra && k < rb && f->ties == KPI_TIE_KEY)
                r->reason = KPI_REASON_TIE_KEY;
            else if (k >= quota_end)
                r->reason = KPI_REASON_TIE_INCLUDED;
        }
        s = e;
    }
    for (size_t k = s; k < M; k++) {
        rows[p[k]].tier = KPI_TIER_NONE;
        rows[p[k]].reason = KPI_REASON_QUOTAS_FULL;
    }
}

kpi_status kpi_forced_apply(kpi_tiering **out, const kpi_forced *forced, const kpi_dec *scores,
                            size_t n, const kpi_rank_options *opt)
{
    kpi__error_reset();
    if (!out || !forced)
        return kpi__fail(KPI_EINVAL, "kpi_forced_apply: out and forced must not be NULL");
    kpi_rank_options o;
    kpi_tiering *res;
    size_t *order, m;
    kpi_status st = kpi__tiering_ranked(&res, &order, &m, scores, n, opt, &o, "kpi_forced_apply");
    if (st != KPI_OK)
        return st;
    res->forced = true;
    res->n_tiers = forced->n;
    res->rounding = forced->rounding;
    res->ties = forced->ties;
    res->quotas = kpi__calloc(forced->n, sizeof *res->quotas);
    for (size_t t = 0; res->quotas && t < forced->n; t++) {
        res->quotas[t] = forced->quotas[t];
        res->quotas[t].label = kpi__strdup(forced->quotas[t].label);
        if (!res->quotas[t].label)
            break;
    }
    if (!res->quotas || !res->quotas[forced->n - 1].label) {
        kpi__free(order);
        kpi_tiering_free(res);
        return KPI_ENOMEM;
    }
    /* group by group; the gate leaves ineligible agents ranked but unplaced */
    for (size_t g0 = 0, g1; g0 < m; g0 = g1) {
        for (g1 = g0 + 1; g1 < m && (!o.group || o.group[order[g1]] == o.group[order[g0]]); g1++)
            ;
        size_t M = 0; /* compacts the group's eligible agents in place (writes never pass reads) */
        for (size_t k = g0; k < g1; k++) {
            size_t i = order[k];
            if (o.eligible && !o.eligible[i])
                res->rows[i].reason = KPI_REASON_NOT_ELIGIBLE;
            else
                order[g0 + M++] = i;
        }
        place_group(forced, res->rows, order + g0, M, (int64_t)(g1 - g0));
    }
    kpi__free(order);
    *out = res;
    return KPI_OK;
}
