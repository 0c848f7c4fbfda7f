/*
 * tiering.c - the per-agent result of a tier table or forced distribution:
 * rank, percentile rank, tier, and why.
 */
#include <stdio.h>
#include <string.h>

#include "tiers_internal.h"

static const char *const reason_names[] = {"band", "gap", "unowned-end", "not-eligible",
                                           "quota", "tie-included", "tie-key", "quotas-full"};

const char *kpi_tier_reason_name(kpi_tier_reason reason)
{
    return reason >= KPI_REASON_BAND && reason <= KPI_REASON_QUOTAS_FULL ? reason_names[reason] : NULL;
}

typedef struct {
    kpi__tier_row *rows;
    const kpi_rank_options *o;
} fill_ctx;

static kpi_status fill(void *vctx, size_t k, size_t i, const kpi__standing *s)
{
    (void)k;
    fill_ctx *c = vctx;
    kpi__tier_row *r = &c->rows[i];
    r->rank = kpi__rank_value(s, c->o->method);
    kpi__frac f = kpi__pct_frac(s, c->o->pct_kind, c->o->method);
    r->pct = kpi__pct_dec(f, c->o->pct_kind, c->o->significance, c->o->pct_round);
    r->position = (int64_t)s->position + 1;
    r->group_count = (int64_t)s->count;
    r->tied = (int64_t)s->tied;
    return KPI_OK;
}

kpi_status kpi__tiering_ranked(kpi_tiering **out, size_t **order_out, size_t *m,
                               const kpi_dec *scores, size_t n, const kpi_rank_options *opt,
                               kpi_rank_options *o, const char *fn)
{
    kpi_status loaded = kpi__rank_options_load(o, opt, fn);
    if (loaded != KPI_OK)
        return loaded;
    if (n > 0 && !scores)
        return kpi__fail(KPI_EINVAL, "scores must not be NULL when n is %zu", n);
    if (n > KPI__RANK_MAX_N)
        return kpi__fail(KPI_ELIMIT, "n is %zu; at most %zu agents at once", n, KPI__RANK_MAX_N);
    kpi_tiering *res = kpi__calloc(1, sizeof *res);
    size_t *order = kpi__malloc((n ? n : 1) * sizeof *order);
    kpi__tier_row *rows = kpi__malloc((n ? n : 1) * sizeof *rows);
    kpi_dec *vals = kpi__malloc((n ? n : 1) * sizeof *vals);
    if (!res || !order || !rows || !vals) {
        kpi__free(res);
        kpi__free(order);
        kpi__free(rows);
        kpi__free(vals);
        return KPI_ENOMEM;
    }
    const uint8_t *include = o->eligibility == KPI_ELIGIBLE_RANK_AMONG ? o->eligible : NULL;
    kpi_status st = kpi__rank_sort(order, vals, m, scores, n, o->order, o->key, o->key_order, o->group,
                                   include);
    if (st != KPI_OK) {
        kpi__free(res);
        kpi__free(order);
        kpi__free(rows);
        kpi__free(vals);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        kpi__tier_row r = {KPI_TIER_NONE, KPI_REASON_NOT_ELIGIBLE, scores[i], 0, 0, 0, 0, 0, 0,
                           -1, -1, -1, o->group ? o->group[i] : 0};
        rows[i] = r;
    }
    fill_ctx c = {rows, o};
    kpi__rank_walk(order, *m, vals, o->group, fill, &c);
    kpi__free(vals);
    for (size_t k = 0; k < *m; k++)
        rows[order[k]].reason = KPI_REASON_BAND; /* ranked; the caller decides */
    res->n = n;
    res->rows = rows;
    *out = res;
    *order_out = order;
    return KPI_OK;
}

void kpi__quotas_free(kpi__quota *quotas, size_t n)
{
    for (size_t i = 0; quotas && i < n; i++)
        kpi__free(quotas[i].label);
    kpi__free(quotas);
}

void kpi_tiering_free(kpi_tiering *result)
{
    if (!result)
        return;
    kpi__free(result->rows);
    kpi__bands_free(result->bands, result->n_tiers);
    kpi__quotas_free(result->quotas, result->n_tiers);
    kpi__free(result);
}

size_t kpi_tiering_count(const kpi_tiering *result)
{
    return result ? result->n : 0;
}

static const char *tier_label(const kpi_tiering *res, int32_t tier)
{
    if (tier < 0 || (size_t)tier >= res->n_tiers)
        return "";
    return res->forced ? res->quotas[tier].label : res->bands[tier].label;
}

kpi_status kpi_tiering_row(const kpi_tiering *result, size_t i, kpi_tier_row *row)
{
    kpi__error_reset();
    if (!result || !row)
        return kpi__fail(KPI_EINVAL, "kpi_tiering_row: result and row must not be NULL");
    if (row->size < sizeof(size_t) || row->size > sizeof *row)
        return kpi__fail(KPI_EINVAL, "kpi_tiering_row: row->size is %zu: initialise the row with "
                         "KPI_TIER_ROW_INIT", row->size);
    if (i >= result->n)
        return kpi__fail(KPI_ERANGE, "kpi_tiering_row: row %zu asked for, the result has %zu", i,
                         result->n);
    const kpi__tier_row *r = &result->rows[i];
    kpi_tier_row full = {row->size, r->tier, r->reason, tier_label(result, r->tier), r->score,
                         r->value, r->rank, r->pct, r->position, r->group_count, r->tied,
                         r->quota, r->taken, r->tie_cut, r->group};
    memcpy(row, &full, row->size); /* only what the caller's struct has room for */
    return KPI_OK;
}

/* ---- explanations -------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t size, len;
} out_text;

static void put(out_text *t, const char *fmt, ...) KPI__PRINTF(2, 3);
static void put(out_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *at = t->len < t->size ? t->buf + t->len : NULL;
    int k = vsnprintf(at, at ? t->size - t->len : 0, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->len += (size_t)k;
}

static const char *num(char buf[32], kpi_dec v)
{
    kpi_dec_format(v, -1, KPI_ROUND_HALF_UP, buf, 32);
    return buf;
}

static void put_band(out_text *t, const kpi__band *b)
{
    char x[32];
    if (b->from_end == KPI_END_UNBOUNDED)
        put(t, "(-inf");
    else
        put(t, "%s%s", b->own_from == 1 ? "[" : b->own_from == 0 ? "(" : "?", num(x, b->from));
    if (b->to_end == KPI_END_UNBOUNDED)
        put(t, ", +inf)");
    else
        put(t, ", %s%s", num(x, b->to), b->own_to == 1 ? "]" : b->own_to == 0 ? ")" : "?");
}

static const char *value_noun(const kpi_tiering *res)
{
    return res->forced || res->basis == KPI_TIER_BY_SCORE ? "score"
           : res->basis == KPI_TIER_BY_RANK ? "rank" : "percentile rank";
}

static void explain_quota(out_text *t, const kpi_tiering *res, const kpi__tier_row *r)
{
    char x[32];
    const kpi__quota *q = &res->quotas[r->tier];
    put(t, "'%s' takes %lld for a quota of %lld", q->label, (long long)r->taken, (long long)r->quota);
    if (q->kind == KPI_QUOTA_SHARE)
        put(t, " (%s %s%% of %lld, %s)", q->limit == KPI_QUOTA_EXACTLY ? "exactly" : "at most",
            num(x, q->share * 100), (long long)r->group_count, kpi_round_name(res->rounding));
    else if (q->kind == KPI_QUOTA_COUNT)
        put(t, " (%s %lld)", q->limit == KPI_QUOTA_EXACTLY ? "exactly" : "at most", (long long)q->count);
    else
        put(t, " (the rest)");
}

size_t kpi_tiering_explain(const kpi_tiering *result, size_t i, char *buf, size_t size)
{
    if (!result || i >= result->n)
        return 0;
    if (!buf)
        size = 0;
    out_text t = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    const kpi__tier_row *r = &result->rows[i];
    char x[32], y[32];
    const char *noun = value_noun(result);
    if (r->position > 0) {
        put(&t, "score %s ranks %s of %lld", num(x, r->score), num(y, r->rank),
            (long long)r->group_count);
        if (r->tied > 1)
            put(&t, " (tied with %lld)", (long long)r->tied - 1);
        put(&t, "; ");
    }
    switch (r->reason) {
    case KPI_REASON_BAND:
        put(&t, "%s %s is in band '%s' ", noun, num(x, r->value), tier_label(result, r->tier));
        put_band(&t, &result->bands[r->tier]);
        break;
    case KPI_REASON_GAP:
        put(&t, "%s %s lies in no band of the table", noun, num(x, r->value));
        break;
    case KPI_REASON_UNOWNED_END:
        put(&t, "%s %s is an end point shared by two bands and the table does not say which owns it",
            noun, num(x, r->value));
        break;
    case KPI_REASON_NOT_ELIGIBLE:
        put(&t, "not eligible (filtered out)");
        break;
    case KPI_REASON_QUOTA:
    case KPI_REASON_TIE_INCLUDED:
    case KPI_REASON_TIE_KEY:
        put(&t, "in '%s': ", tier_label(result, r->tier));
        explain_quota(&t, result, r);
        break;
    case KPI_REASON_QUOTAS_FULL:
    default:
        put(&t, "every quota was filled before this place");
        break;
    }
    if (result->forced && r->tie_cut >= 0) {
        const char *cut = tier_label(result, r->tie_cut);
        if (r->reason == KPI_REASON_TIE_INCLUDED)
            put(&t, "; tied across the cut of '%s': all tied included beyond the quota", cut);
        else if (r->reason == KPI_REASON_TIE_KEY)
            put(&t, "; tied across the cut of '%s': placed by the secondary key, then input order", cut);
        else if (result->ties == KPI_TIE_EXCLUDE && r->tier != r->tie_cut)
            put(&t, "; tied across the cut of '%s': all tied excluded from it", cut);
        else if (result->ties == KPI_TIE_KEY && r->tier != r->tie_cut)
            put(&t, "; tied across the cut of '%s': left out by the secondary key, then input order", cut);
    }
    return t.len;
}
