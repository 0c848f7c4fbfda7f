/*
 * metrics_quantile.c - the exact-quantile store: every value kept, as runs
 * of (value, count) sorted by value, plus a buffer of values not yet
 * sorted. Response times in milliseconds repeat a lot, so runs are compact;
 * merging two stores merges their runs, exactly.
 *
 * Memory per store: the 32-byte header, 16 bytes per distinct value once
 * compacted, 8 bytes per pending value. The buffer is compacted when it
 * would outgrow max(2048, 2 x distinct values) entries, so sorting costs
 * O(1) amortised per value and the buffer never outgrows that bound.
 * Reads of values not yet compacted select the order statistics they need
 * in a copy (quickselect) instead of sorting.
 */
#include <string.h>

#include "metrics_internal.h"

#define PEND_MIN 16
#define COMPACT_AT 1024

void kpi__qs_free(kpi__qstore *s)
{
    kpi__free(s->pend);
    kpi__free(s->runs);
    memset(s, 0, sizeof *s);
}

bool kpi__qs_empty(const kpi__qstore *s)
{
    return s->npend == 0 && s->nruns == 0;
}

size_t kpi__qs_bytes(const kpi__qstore *s)
{
    return sizeof *s + (size_t)s->cappend * sizeof(int64_t) + (size_t)s->capruns * sizeof(kpi__run);
}

/* ---- sorting ------------------------------------------------------------ */

static void insertion_sort(int64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Widest digit of the radix sort: 2048 counters stay in the first-level cache. */
#define RADIX_BITS 11

/*
 * LSD radix sort on value - min, in as few passes of equal digits as the
 * range needs (at most RADIX_BITS bits each), skipping a digit in which all
 * values agree: response times within two minutes (17 bits) take two
 * passes of 9 bits, and an even count of passes ends in @v without a copy.
 */
void kpi__sort_i64(int64_t *v, size_t n, int64_t *tmp)
{
    if (n < 64) {
        insertion_sort(v, n);
        return;
    }
    int64_t lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    const uint64_t range = (uint64_t)hi - (uint64_t)lo;
    const int width = range ? 64 - __builtin_clzll(range) : 0;
    const int passes = (width + RADIX_BITS - 1) / RADIX_BITS;
    const int bits = passes ? (width + passes - 1) / passes : 0;
    const uint64_t mask = (UINT64_C(1) << bits) - 1;
    size_t count[1u << RADIX_BITS];
    int64_t *src = v, *dst = tmp;
    for (int p = 0; p < passes; p++) {
        const int shift = p * bits;
        memset(count, 0, (mask + 1) * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[((uint64_t)src[i] - (uint64_t)lo) >> shift & mask]++;
        size_t sum = 0;
        bool one_bucket = false;
        for (uint64_t d = 0; d <= mask; d++) {
            const size_t c = count[d];
            one_bucket |= c == n;
            count[d] = sum;
            sum += c;
        }
        if (one_bucket)
            continue;
        for (size_t i = 0; i < n; i++)
            dst[count[((uint64_t)src[i] - (uint64_t)lo) >> shift & mask]++] = src[i];
        int64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
}

/* Sorted values -> runs (in place is fine: out never passes in). */
static size_t run_length(const int64_t *v, size_t n, kpi__run *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j] == v[i])
            j++;
        out[k].value = v[i];
        out[k].count = j - i;
        k++;
        i = j;
    }
    return k;
}

/* Number of distinct values in two sorted run arrays. */
static size_t merged_count(const kpi__run *a, size_t na, const kpi__run *b, size_t nb)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        if (a[i].value < b[j].value)
            i++;
        else if (b[j].value < a[i].value)
            j++;
        else
            i++, j++;
        k++;
    }
    return k + (na - i) + (nb - j);
}

kpi_status kpi__runs_merge(const kpi__run *a, size_t na, const kpi__run *b, size_t nb,
                           kpi__run **out, size_t *nout)
{
    size_t total = merged_count(a, na, b, nb);
    kpi__run *r = kpi__malloc((total ? total : 1) * sizeof *r);
    if (!r)
        return KPI_ENOMEM;
    size_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        if (j == nb || (i < na && a[i].value < b[j].value)) {
            r[k++] = a[i++];
        } else if (i == na || b[j].value < a[i].value) {
            r[k++] = b[j++];
        } else {
            r[k].value = a[i].value;
            r[k++].count = a[i++].count + b[j++].count;
        }
    }
    *out = r;
    *nout = k;
    return KPI_OK;
}

/* Sorted runs of the pending values (a new array; @count of them). */
static kpi_status pending_runs(const kpi__qstore *s, kpi__run **out, size_t *count)
{
    size_t n = s->npend;
    /* one block: n values to sort, n scratch values; the runs reuse it */
    int64_t *buf = kpi__malloc(2 * n * sizeof *buf);
    if (!buf)
        return KPI_ENOMEM;
    memcpy(buf, s->pend, n * sizeof *buf);
    kpi__sort_i64(buf, n, buf + n);
    kpi__run *runs = (kpi__run *)(void *)buf; /* 16 bytes per run fit in 2n words */
    int64_t *sorted = buf + n;
    memcpy(sorted, buf, n * sizeof *buf);
    *count = run_length(sorted, n, runs);
    *out = runs;
    return KPI_OK;
}

kpi_status kpi__qs_view(const kpi__qstore *s, kpi__qview *v)
{
    v->owned = NULL;
    if (s->npend == 0) {
        v->runs = s->runs;
        v->n = s->nruns;
        return KPI_OK;
    }
    kpi__run *p;
    size_t np;
    kpi_status st = pending_runs(s, &p, &np);
    if (st != KPI_OK)
        return st;
    if (s->nruns == 0) {
        v->runs = v->owned = p;
        v->n = np;
        return KPI_OK;
    }
    kpi__run *m;
    size_t nm;
    st = kpi__runs_merge(s->runs, s->nruns, p, np, &m, &nm);
    kpi__free(p);
    if (st != KPI_OK)
        return st;
    v->runs = v->owned = m;
    v->n = nm;
    return KPI_OK;
}

void kpi__qview_free(kpi__qview *v)
{
    kpi__free(v->owned);
    v->owned = NULL;
}

kpi_status kpi__qs_compact_with(kpi__qstore *s, kpi__scratch *tmp)
{
    const size_t n = s->npend;
    if (n == 0)
        return KPI_OK;
    if (tmp->cap < n) {
        int64_t *grown = kpi__reallocarray(tmp->v, n, sizeof *grown);
        if (!grown)
            return KPI_ENOMEM;
        tmp->v = grown;
        tmp->cap = n;
    }
    /* sorting the buffer in place keeps the store's values: safe to stop after */
    int64_t *v = s->pend;
    kpi__sort_i64(v, n, tmp->v);
    const kpi__run *a = s->runs;
    const size_t na = s->nruns;
    size_t distinct = 0, i = 0, j = 0;
    while (i < na || j < n) {
        const int64_t x = j == n || (i < na && a[i].value < v[j]) ? a[i].value : v[j];
        while (i < na && a[i].value == x)
            i++;
        while (j < n && v[j] == x)
            j++;
        distinct++;
    }
    if (distinct > UINT32_MAX)
        return kpi__fail(KPI_ELIMIT, "an exact quantile holds more than 2^32 distinct values");
    kpi__run *r = kpi__malloc(distinct * sizeof *r);
    if (!r)
        return KPI_ENOMEM;
    size_t k = 0;
    for (i = 0, j = 0; i < na || j < n; k++) {
        const int64_t x = j == n || (i < na && a[i].value < v[j]) ? a[i].value : v[j];
        uint64_t c = 0;
        if (i < na && a[i].value == x)
            c += a[i++].count;
        const size_t from = j;
        while (j < n && v[j] == x)
            j++;
        r[k].value = x;
        r[k].count = c + (j - from);
    }
    kpi__free(s->runs);
    s->runs = r;
    s->nruns = s->capruns = (uint32_t)distinct;
    s->npend = 0;
    return KPI_OK;
}

kpi_status kpi__qs_compact(kpi__qstore *s)
{
    kpi__scratch tmp = {NULL, 0};
    kpi_status st = kpi__qs_compact_with(s, &tmp);
    kpi__free(tmp.v);
    return st;
}

/* The most values the buffer may hold: max(2 * COMPACT_AT, 2 x the runs). */
static uint64_t pend_bound(const kpi__qstore *s)
{
    return 2 * (uint64_t)(s->nruns > COMPACT_AT ? s->nruns : COMPACT_AT);
}

void kpi__qs_settle(kpi__qstore *s, kpi__scratch *tmp)
{
    if (s->npend > pend_bound(s) && kpi__qs_compact_with(s, tmp) != KPI_OK)
        return; /* the store stays valid; its next reservation compacts it */
    if (s->cappend <= pend_bound(s))
        return;
    if (s->npend == 0) { /* compacted: the room of one batch is not kept */
        kpi__free(s->pend);
        s->pend = NULL;
        s->cappend = 0;
        return;
    }
    /* room counted for records the store's filter then left out: given
     * back (when the shrink fails, the buffer stays as it is) */
    int64_t *fit = kpi__reallocarray(s->pend, s->npend, sizeof *fit);
    if (fit) {
        s->pend = fit;
        s->cappend = s->npend;
    }
}

/*
 * Grows the buffer to hold at least @need values, four times at a step (16,
 * 64, 256, 1024, 2048: half the reallocations of doubling, each a copy and
 * fresh pages) but not past its bound unless @need is: callers compact
 * before a buffer would outgrow the bound, so it never does (the file's
 * comment).
 */
static kpi_status pend_grow(kpi__qstore *s, uint64_t need)
{
    if (need > UINT32_MAX / 2)
        return kpi__fail(KPI_ELIMIT, "an exact quantile buffer passed 2^31 values");
    uint64_t cap = s->cappend ? 4 * (uint64_t)s->cappend : PEND_MIN;
    const uint64_t bound = pend_bound(s);
    cap = cap > bound ? bound : cap;
    cap = cap < need ? need : cap;
    cap = cap > UINT32_MAX / 2 ? UINT32_MAX / 2 : cap;
    int64_t *grown = kpi__reallocarray(s->pend, (size_t)cap, sizeof *grown);
    if (!grown)
        return KPI_ENOMEM;
    s->pend = grown;
    s->cappend = (uint32_t)cap;
    return KPI_OK;
}

/* Values stay unsorted until the buffer would pass its bound: a store read
 * once (a month's p90) is then never sorted, only selected in. */
kpi_status kpi__qs_reserve(kpi__qstore *s, uint32_t k)
{
    if (s->cappend - s->npend >= k)
        return KPI_OK;
    if (s->npend > 0 && (uint64_t)s->npend + k > pend_bound(s)) {
        kpi_status st = kpi__qs_compact(s);
        if (st != KPI_OK || s->cappend - s->npend >= k)
            return st;
    }
    return pend_grow(s, (uint64_t)s->npend + k);
}

bool kpi__qs_takes_unsorted(const kpi__qstore *dst, const kpi__qstore *src)
{
    return src->nruns == 0 && (uint64_t)dst->npend + src->npend <= pend_bound(dst);
}

void kpi__qs_take_unsorted(kpi__qstore *dst, const kpi__qstore *src)
{
    memcpy(dst->pend + dst->npend, src->pend, (size_t)src->npend * sizeof *src->pend);
    dst->npend += src->npend;
}

kpi_status kpi__qs_append_slow(kpi__qstore *s, int64_t v)
{
    kpi_status st = kpi__qs_reserve(s, 1);
    if (st != KPI_OK)
        return st;
    s->pend[s->npend++] = v;
    return KPI_OK;
}

/* Value of order statistic @k (0-based) among sorted runs; k < total. */
static int64_t nth(const kpi__run *r, size_t n, uint64_t k, size_t *at, uint64_t *before)
{
    size_t i = *at;
    uint64_t b = *before;
    while (i < n && b + r[i].count <= k)
        b += r[i++].count;
    *at = i;
    *before = b;
    return r[i].value;
}

static kpi_status scaled(int64_t raw, int64_t divisor, kpi_dec *out)
{
    kpi__i128 v = (kpi__i128)raw * (KPI_DEC_ONE / divisor);
    if (!kpi__i128_fits(v))
        return kpi__fail(KPI_EOVERFLOW, "value %lld does not fit a kpi_dec in its unit",
                         (long long)raw);
    *out = (kpi_dec)v;
    return KPI_OK;
}

/* The pick's value from its two neighbours, each scaled to the metric's unit. */
static kpi_status pick_value(int64_t lo, int64_t hi, const kpi__quantile_pick *p, int64_t divisor,
                             kpi_round mode, kpi_dec *out)
{
    kpi_dec dlo = 0, dhi = 0;
    kpi_status st = scaled(lo, divisor, &dlo);
    if (st == KPI_OK)
        st = scaled(hi, divisor, &dhi);
    if (st != KPI_OK)
        return st;
    return kpi__quantile_interpolate(dlo, dhi, p, mode, out);
}

kpi_status kpi__runs_quantile(const kpi__run *runs, size_t n, kpi_dec q,
                              kpi_quantile_method method, int64_t divisor, kpi_round mode,
                              kpi_dec *out)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += runs[i].count;
    if (total == 0)
        return kpi__fail(KPI_ENA, "the quantile of no values is not available");
    kpi__quantile_pick p = kpi__quantile_position((size_t)total, q, method);
    size_t at = 0;
    uint64_t before = 0;
    int64_t lo = nth(runs, n, p.lo, &at, &before);
    /* a neighbour with weight 0 is not read (it may not fit the unit) */
    int64_t hi = p.num == 0 ? lo : nth(runs, n, p.hi, &at, &before);
    return pick_value(lo, hi, &p, divisor, mode, out);
}

/* ---- selection ---------------------------------------------------------- */

/*
 * Moves the values below @pivot (at most @pivot with @or_equal) to the
 * front of v[0, n); returns how many there are. Without a branch on the
 * comparison (Lomuto's scheme, swapping every value): on unsorted data a
 * branch would be mispredicted half the time.
 */
static size_t partition_below(int64_t *v, size_t n, int64_t pivot, bool or_equal)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const int64_t x = v[i];
        v[i] = v[k];
        v[k] = x;
        k += or_equal ? x <= pivot : x < pivot;
    }
    return k;
}

/*
 * Moves the k-th smallest of v[0, n) to v[k] with nothing larger before it
 * and nothing smaller after it (k < n): quickselect on the median of three,
 * O(n) expected; when no value is below the pivot, the values equal to
 * it are split off (ties cannot stall it). Ranges that shrink too slowly
 * (an adversarial order) are sorted instead, so the worst case is the
 * radix sort's. @tmp: n values.
 */
static void select_nth(int64_t *v, size_t n, size_t k, int64_t *tmp)
{
    size_t lo = 0, hi = n; /* v[k] lies in [lo, hi) */
    int budget = 2 * (64 - __builtin_clzll((unsigned long long)n | 1));
    while (hi - lo > 32) {
        if (budget-- == 0) {
            kpi__sort_i64(v + lo, hi - lo, tmp);
            return;
        }
        const int64_t a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
        const int64_t pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        const size_t below = lo + partition_below(v + lo, hi - lo, pivot, false);
        if (k < below) {
            hi = below;
        } else if (below > lo) {
            lo = below;
        } else { /* the pivot is the least: split off the values equal to it */
            const size_t upto = below + partition_below(v + below, hi - below, pivot, true);
            if (k < upto) /* v[below, upto) all equal the pivot */
                return;
            lo = upto;
        }
    }
    insertion_sort(v + lo, hi - lo);
}

kpi_status kpi__qs_quantiles(const kpi__qstore *s, const kpi_dec *q, size_t nq,
                             kpi_quantile_method method, int64_t divisor, kpi_round mode,
                             kpi_dec *out)
{
    if (s->npend == 0 || s->nruns > 0) { /* sorted runs: read them */
        kpi__qview v;
        kpi_status st = kpi__qs_view(s, &v);
        for (size_t i = 0; st == KPI_OK && i < nq; i++)
            st = kpi__runs_quantile(v.runs, v.n, q[i], method, divisor, mode, &out[i]);
        kpi__qview_free(&v);
        return st;
    }
    /* values not sorted yet: select the neighbours in a copy, sort nothing */
    const size_t n = s->npend;
    int64_t *buf = kpi__malloc(2 * n * sizeof *buf);
    if (!buf)
        return KPI_ENOMEM;
    memcpy(buf, s->pend, n * sizeof *buf);
    kpi_status st = KPI_OK;
    for (size_t i = 0; st == KPI_OK && i < nq; i++) {
        const kpi__quantile_pick p = kpi__quantile_position(n, q[i], method);
        select_nth(buf, n, p.lo, buf + n);
        const int64_t lo = buf[p.lo];
        int64_t hi = lo;
        if (p.num != 0) { /* hi is lo + 1: the least value after lo */
            hi = buf[p.hi];
            for (size_t j = p.hi + 1; j < n; j++)
                hi = buf[j] < hi ? buf[j] : hi;
        }
        st = pick_value(lo, hi, &p, divisor, mode, &out[i]);
    }
    kpi__free(buf);
    return st;
}
