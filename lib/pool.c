/*
 * pool.c - pooled commission (公共提成): the pool as basis x rate, and its
 * split into parts that add up to it to the fen (largest remainder).
 */
#include <stdio.h>
#include <stdlib.h>

#include "pay_internal.h"

kpi_status kpi_pool_amount(kpi_money basis, kpi_dec rate, kpi_round rounding, kpi_money *out,
                           kpi_pay_why *why)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_pool_amount: out must not be NULL");
    if (!kpi__round_valid(rounding))
        return kpi__fail(KPI_EINVAL, "kpi_pool_amount: rounding %d is not a KPI_ROUND_* mode",
                         (int)rounding);
    kpi_status st = kpi__why_check(why, "kpi_pool_amount");
    kpi_money v;
    if (st != KPI_OK ||
        (st = kpi__money_round((kpi__i128)basis * rate, KPI_DEC_ONE, KPI_MONEY_PLACES, rounding,
                               &v, "the pool")) != KPI_OK)
        return st;
    *out = v;
    if (why) {
        kpi__why_clear(why, KPI_RULE_POOL);
        why->basis = basis;
        why->rate = rate;
        why->rounding = rounding;
        why->value = v;
    }
    return KPI_OK;
}

/* One part while splitting: its whole fen, its remainder and its tie-break. */
struct part {
    kpi__u128 whole;
    kpi__u128 rem;
    int64_t key;
    size_t idx;
};

static int by_key(const void *a, const void *b)
{
    const struct part *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

/* Largest remainder first; ties to the smaller key, then the smaller index. */
static int by_remainder(const void *a, const void *b)
{
    const struct part *x = a, *y = b;
    if (x->rem != y->rem)
        return x->rem < y->rem ? 1 : -1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static kpi_status check_split(const int64_t *weights, size_t n, kpi_money *parts,
                              const kpi_pay_why *whys, int64_t *total)
{
    static const char fn[] = "kpi_pool_split";
    if (!parts)
        return kpi__fail(KPI_EINVAL, "%s: parts must not be NULL", fn);
    if (n == 0)
        return kpi__fail(KPI_EINVAL, "%s: a pool needs at least one part (n is 0)", fn);
    for (size_t i = 0; whys && i < n; i++)
        if (kpi__why_check(&whys[i], fn) != KPI_OK)
            return KPI_EINVAL;
    if (!weights) {
        *total = (int64_t)n;
        return KPI_OK;
    }
    kpi__i128 sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (weights[i] < 0) {
            char path[40];
            snprintf(path, sizeof path, "weights[%zu]", i);
            kpi__fail(KPI_EINPUT, "weights[%zu] is %lld; a weight is 0 or more", i,
                      (long long)weights[i]);
            kpi__error_set_path(path);
            return KPI_EINPUT;
        }
        sum += weights[i];
    }
    if (sum == 0)
        return kpi__fail(KPI_EINPUT, "all %zu weights are 0: nothing to split the pool by", n);
    if (!kpi__i128_fits(sum))
        return kpi__fail(KPI_EOVERFLOW, "the weights add up to more than int64 holds; use a "
                         "smaller unit");
    *total = (int64_t)sum;
    return KPI_OK;
}

kpi_status kpi_pool_split(kpi_money pool, const int64_t *weights, const int64_t *keys, size_t n,
                          kpi_money *parts, kpi_pay_why *whys)
{
    kpi__error_reset();
    int64_t total = 0;
    kpi_status st = check_split(weights, n, parts, whys, &total);
    if (st != KPI_OK)
        return st;
    struct part *p = kpi__reallocarray(NULL, n, sizeof *p);
    if (!p)
        return KPI_ENOMEM;
    kpi__u128 mag = pool < 0 ? (kpi__u128)0 - (kpi__u128)(kpi__i128)pool : (kpi__u128)pool;
    kpi__u128 given = 0;
    for (size_t i = 0; i < n; i++) {
        kpi__u128 share = mag * (kpi__u128)(weights ? weights[i] : 1);
        p[i].whole = share / (kpi__u128)total;
        p[i].rem = share % (kpi__u128)total;
        p[i].key = keys ? keys[i] : 0;
        p[i].idx = i;
        given += p[i].whole;
    }
    if (keys) {
        qsort(p, n, sizeof *p, by_key);
        for (size_t i = 1; i < n; i++)
            if (p[i].key == p[i - 1].key) {
                char path[40];
                size_t dup = p[i].idx > p[i - 1].idx ? p[i].idx : p[i - 1].idx;
                snprintf(path, sizeof path, "keys[%zu]", dup);
                kpi__fail(KPI_EINPUT, "keys[%zu] and keys[%zu] are both %lld; tie-break keys "
                          "must be distinct", p[i - 1].idx < p[i].idx ? p[i - 1].idx : p[i].idx,
                          dup, (long long)p[i].key);
                kpi__error_set_path(path);
                kpi__free(p);
                return KPI_EINPUT;
            }
    }
    size_t leftover = (size_t)(mag - given); /* < n: each part lost less than one fen */
    if (leftover > 0)
        qsort(p, n, sizeof *p, by_remainder);
    for (size_t r = 0; r < n; r++) {
        kpi__i128 v = (kpi__i128)(p[r].whole + (r < leftover));
        size_t i = p[r].idx;
        parts[i] = (kpi_money)(pool < 0 ? -v : v);
        if (whys) {
            kpi__why_clear(&whys[i], KPI_RULE_POOL_SHARE);
            whys[i].basis = pool;
            whys[i].row = (int64_t)i;
            whys[i].num = weights ? weights[i] : 0;
            whys[i].den = weights ? total : 0;
            whys[i].count = (int64_t)n;
            whys[i].value = parts[i];
        }
    }
    kpi__free(p);
    return KPI_OK;
}
