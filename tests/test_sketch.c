/* test_sketch.c - the relative-error quantile sketch: accuracy against exact
 * order statistics, adversarial inputs, merge order, bounded memory,
 * serialisation and corrupt state. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sketch_internal.h"

/* ---- seeded generator (splitmix64) and distributions ------------------ */

static uint64_t rng_state;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double uniform01(void) /* (0, 1) */
{
    return ((double)(next_u64() >> 11) + 0.5) * 0x1p-53;
}

static double normal01(void)
{
    return sqrt(-2.0 * log(uniform01())) * cos(6.283185307179586 * uniform01());
}

enum { LOGNORMAL, EXPONENTIAL, UNIFORM, BIMODAL, SYMMETRIC };

static double draw(int kind)
{
    switch (kind) {
    case LOGNORMAL: return exp(10.0 + 1.5 * normal01()); /* response times in ms */
    case EXPONENTIAL: return -40000.0 * log(uniform01());
    case UNIFORM: return 10.0 + (3600000.0 - 10.0) * uniform01();
    case BIMODAL: return uniform01() < 0.7 ? exp(9.0 + 0.3 * normal01()) : exp(13.0 + 0.5 * normal01());
    default: return 1000.0 * normal01(); /* both signs */
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static kpi_sketch *make(double alpha, uint32_t buckets)
{
    kpi_sketch_options o = KPI_SKETCH_OPTIONS_INIT;
    o.alpha = alpha;
    o.max_buckets = buckets;
    kpi_sketch *s = NULL;
    assert_int_equal(kpi_sketch_new(&s, &o), KPI_OK);
    return s;
}

static double quantile(const kpi_sketch *s, kpi_dec q)
{
    double v = NAN;
    kpi_status st = kpi_sketch_quantile(s, q, &v);
    if (st != KPI_OK)
        fail_msg("kpi_sketch_quantile: %s", kpi_error_text(kpi_error_last()));
    return v;
}

static kpi_sketch_stats stats(const kpi_sketch *s)
{
    kpi_sketch_stats st = KPI_SKETCH_STATS_INIT;
    assert_int_equal(kpi_sketch_stats_get(s, &st), KPI_OK);
    return st;
}

/* Every permille from 0 to 1000 against the exact "lower" order statistic
 * x[floor((n - 1) q)]. Returns the largest relative error seen. */
static double check_all_quantiles(const kpi_sketch *s, const double *sorted, size_t n, double alpha,
                                  const char *what)
{
    double worst = 0;
    for (int pm = 0; pm <= 1000; pm++) {
        size_t k = (size_t)(((uint64_t)(n - 1) * (uint64_t)pm) / 1000);
        double exact = sorted[k];
        double got = quantile(s, (kpi_dec)pm * (KPI_DEC_ONE / 1000));
        double err = exact == 0 ? fabs(got) : fabs(got - exact) / fabs(exact);
        if (err > alpha)
            fail_msg("%s: q=%d/1000: sketch %.17g, exact %.17g, relative error %g > %g", what, pm,
                     got, exact, err, alpha);
        if (err > worst)
            worst = err;
    }
    return worst;
}

static void test_accuracy_distributions(void **state)
{
    (void)state;
    const size_t n = 1000000;
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    const char *names[] = {"lognormal", "exponential", "uniform", "bimodal", "symmetric"};
    const double alphas[] = {0.01, 0.01, 0.01, 0.01, 0.01};
    for (int kind = LOGNORMAL; kind <= SYMMETRIC; kind++) {
        rng_state = 1234 + (uint64_t)kind;
        kpi_sketch *s = make(alphas[kind], 2048);
        long double exact_sum = 0;
        for (size_t i = 0; i < n; i++) {
            x[i] = draw(kind);
            exact_sum += x[i];
        }
        /* half one by one, half in a batch */
        for (size_t i = 0; i < n / 2; i++)
            assert_int_equal(kpi_sketch_add(s, x[i]), KPI_OK);
        assert_int_equal(kpi_sketch_add_n(s, x + n / 2, n - n / 2), KPI_OK);
        qsort(x, n, sizeof *x, cmp_double);
        double worst = check_all_quantiles(s, x, n, alphas[kind], names[kind]);
        /* the bound is used, not vacuous: errors come close to alpha */
        assert_true(worst > 0.3 * alphas[kind]);
        kpi_sketch_stats st = stats(s);
        assert_true(st.count == n);
        assert_true(st.min == x[0] && st.max == x[n - 1]);
        assert_true(st.collapsed == 0);
        if (!(fabsl((long double)st.sum - exact_sum) <= 1e-9L * fabsl(exact_sum) + 1e-6L))
            fail_msg("%s: sum %.17g, reference %.17Lg", names[kind], st.sum, exact_sum);
        kpi_sketch_free(s);
    }
    free(x);
}

static void test_accuracy_other_alpha(void **state)
{
    (void)state;
    const size_t n = 200000;
    double *x = malloc(n * sizeof *x);
    const double alphas[] = {0.001, 0.05, 0.2};
    for (int a = 0; a < 3; a++) {
        rng_state = 99 + (uint64_t)a;
        kpi_sketch *s = make(alphas[a], 100000);
        for (size_t i = 0; i < n; i++)
            x[i] = draw(LOGNORMAL);
        assert_int_equal(kpi_sketch_add_n(s, x, n), KPI_OK);
        qsort(x, n, sizeof *x, cmp_double);
        check_all_quantiles(s, x, n, alphas[a], "alpha");
        kpi_sketch_free(s);
    }
    free(x);
}

/* Every bucket of the mapping is narrow enough: hi / lo <= gamma. */
static void test_bucket_widths(void **state)
{
    (void)state;
    kpi_sketch *s = make(0.01, 2048);
    double gamma = (1 + 0.01) / (1 - 0.01);
    int32_t i0 = kpi__sketch_index(s, 1.0), i1 = kpi__sketch_index(s, 1024.0);
    /* about 35 buckets per binade: 1 % more than log(2) / log(gamma) */
    double per_binade = (i1 - i0) / 10.0;
    assert_true(per_binade > log(2) / log(gamma) && per_binade < 1.011 * log(2) / log(gamma) + 0.2);
    for (int32_t i = i0 - 200; i < i1 + 200; i++) {
        double lo, hi;
        kpi__sketch_bounds(s, i, &lo, &hi);
        assert_true(hi / lo <= gamma);
        /* values just inside the bounds map to the bucket (the index is exact
         * to 2^-22 of a bucket, about 5e-9 relative at alpha = 1 %) */
        assert_int_equal(kpi__sketch_index(s, lo * (1 + 1e-7)), i);
        assert_int_equal(kpi__sketch_index(s, hi * (1 - 1e-7)), i);
    }
    kpi_sketch_free(s);
}

static void test_adversarial(void **state)
{
    (void)state;
    /* all equal: min and max clamp every quantile to the value itself */
    kpi_sketch *s = make(0.01, 2048);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(kpi_sketch_add(s, 42.5), KPI_OK);
    for (int pm = 0; pm <= 1000; pm += 50)
        assert_true(quantile(s, pm * (KPI_DEC_ONE / 1000)) == 42.5);
    kpi_sketch_stats st = stats(s);
    assert_true(st.sum == 42.5 * 100000 && st.buckets == 1); /* 100 000 > 65 535: counters widened */
    kpi_sketch_free(s);

    /* zeros (and -0.0, and subnormals, which count as zero) */
    s = make(0.01, 2048);
    double zeros[] = {0.0, -0.0, 0.0, 4.9e-324, -4.9e-324, 0.0};
    assert_int_equal(kpi_sketch_add_n(s, zeros, 6), KPI_OK);
    st = stats(s);
    assert_true(st.count == 6 && st.zeros == 6 && st.buckets == 0 && st.negatives == 0);
    assert_true(st.min == -4.9e-324 && st.max == 4.9e-324);
    assert_true(quantile(s, KPI_DEC_ONE / 2) == 0.0);
    /* zeros mixed with positives: the median is 0 while zeros hold it */
    for (int i = 0; i < 5; i++)
        assert_int_equal(kpi_sketch_add(s, 1000.0 + i), KPI_OK);
    assert_true(quantile(s, KPI_DEC_ONE / 2) == 0.0);
    double q9 = quantile(s, KPI_DEC_ONE * 9 / 10); /* rank floor(10 * 0.9) = 9: 1003 */
    assert_true(fabs(q9 - 1003.0) <= 0.01 * 1003.0);
    kpi_sketch_free(s);

    /* negatives: x and -x give mirrored quantiles */
    kpi_sketch *p = make(0.01, 2048), *m = make(0.01, 2048);
    rng_state = 7;
    for (int i = 0; i < 10001; i++) {
        double v = draw(LOGNORMAL);
        assert_int_equal(kpi_sketch_add(p, v), KPI_OK);
        assert_int_equal(kpi_sketch_add(m, -v), KPI_OK);
    }
    for (int pm = 0; pm <= 1000; pm += 10)
        assert_true(quantile(p, pm * (KPI_DEC_ONE / 1000)) == -quantile(m, (1000 - pm) * (KPI_DEC_ONE / 1000)));
    assert_true(stats(m).negatives == 10001);
    kpi_sketch_free(p);
    kpi_sketch_free(m);

    /* the extremes of the double range */
    s = make(0.01, 100000);
    double ext[] = {DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, 1e300, 1e-300, 1.0};
    assert_int_equal(kpi_sketch_add_n(s, ext, 7), KPI_OK);
    double sorted[7];
    memcpy(sorted, ext, sizeof sorted);
    qsort(sorted, 7, sizeof(double), cmp_double);
    for (int k = 0; k < 7; k++) {
        double got = quantile(s, ((kpi_dec)k * KPI_DEC_ONE + 5) / 6);
        assert_true(fabs(got - sorted[k]) <= 0.01 * fabs(sorted[k]));
    }
    st = stats(s);
    assert_true(st.sum == 1e300 + 1.0 + 1e-300); /* exact sum: DBL_MAX cancels */
    kpi_sketch_free(s);

    /* NaN and infinities are refused, naming the index; nothing is added */
    s = make(0.01, 2048);
    double bad[] = {1.0, 2.0, NAN, 3.0};
    assert_int_equal(kpi_sketch_add_n(s, bad, 4), KPI_EINVAL);
    assert_int_equal(kpi_error_offset(kpi_error_last()), 2);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "NaN"));
    bad[2] = -INFINITY;
    assert_int_equal(kpi_sketch_add_n(s, bad, 4), KPI_ERANGE);
    assert_int_equal(kpi_sketch_add(s, INFINITY), KPI_ERANGE);
    assert_true(stats(s).count == 0);
    kpi_sketch_free(s);
}

static void test_empty_and_arguments(void **state)
{
    (void)state;
    kpi_sketch *s = NULL;
    kpi_sketch_options o = KPI_SKETCH_OPTIONS_INIT;
    o.alpha = 0.0;
    assert_int_equal(kpi_sketch_new(&s, &o), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "alpha"));
    o.alpha = 0.6;
    assert_int_equal(kpi_sketch_new(&s, &o), KPI_EINVAL);
    o.alpha = NAN;
    assert_int_equal(kpi_sketch_new(&s, &o), KPI_EINVAL);
    o.alpha = 0.01;
    o.max_buckets = 8;
    assert_int_equal(kpi_sketch_new(&s, &o), KPI_EINVAL);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "max_buckets"));
    o.max_buckets = 2048;
    o.size = 4;
    assert_int_equal(kpi_sketch_new(&s, &o), KPI_EINVAL);
    assert_null(s);
    assert_int_equal(kpi_sketch_new(NULL, NULL), KPI_EINVAL);
    assert_int_equal(kpi_sketch_new(&s, NULL), KPI_OK); /* defaults */

    double v = 7.0;
    assert_int_equal(kpi_sketch_quantile(s, KPI_DEC_ONE / 2, &v), KPI_ENA);
    assert_true(v == 7.0);
    kpi_sketch_stats st = stats(s);
    assert_true(st.count == 0 && st.min == 0 && st.max == 0 && st.sum == 0 && st.buckets == 0);
    assert_true(st.memory < 1024);
    assert_int_equal(kpi_sketch_add(s, 5.0), KPI_OK);
    assert_int_equal(kpi_sketch_quantile(s, -1, &v), KPI_ERANGE);
    assert_int_equal(kpi_sketch_quantile(s, KPI_DEC_ONE + 1, &v), KPI_ERANGE);
    assert_int_equal(kpi_sketch_quantile(s, 0, NULL), KPI_EINVAL);
    assert_true(quantile(s, KPI_DEC_ONE / 3) == 5.0);
    assert_int_equal(kpi_sketch_merge(s, s), KPI_EINVAL);
    assert_int_equal(kpi_sketch_add_n(s, NULL, 1), KPI_EINVAL);
    assert_int_equal(kpi_sketch_add_n(s, NULL, 0), KPI_OK);
    kpi_sketch_stats small = {4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(kpi_sketch_stats_get(s, &small), KPI_EINVAL);
    kpi_sketch_reset(s);
    assert_true(stats(s).count == 0);
    kpi_sketch_reset(NULL);
    kpi_sketch_free(s);
    kpi_sketch_free(NULL);
}

static unsigned char *serialise(const kpi_sketch *s, size_t *len)
{
    size_t need = 0;
    assert_int_equal(kpi_sketch_serialize(s, NULL, 0, &need), KPI_OK);
    unsigned char *buf = malloc(need);
    assert_int_equal(kpi_sketch_serialize(s, buf, need, len), KPI_OK);
    assert_true(*len == need);
    return buf;
}

static void assert_same_state(const kpi_sketch *a, const kpi_sketch *b)
{
    size_t la, lb;
    unsigned char *x = serialise(a, &la), *y = serialise(b, &lb);
    assert_true(la == lb);
    assert_memory_equal(x, y, la);
    free(x);
    free(y);
    kpi_sketch_stats sa = stats(a), sb = stats(b);
    assert_true(memcmp(&sa.sum, &sb.sum, sizeof(double)) == 0);
    for (int pm = 0; pm <= 1000 && sa.count > 0; pm += 7) {
        double qa = quantile(a, pm * (KPI_DEC_ONE / 1000)), qb = quantile(b, pm * (KPI_DEC_ONE / 1000));
        assert_true(memcmp(&qa, &qb, sizeof qa) == 0);
    }
}

/* Parts merged left to right, right to left, as a tree and in a shuffled
 * order, and one sketch fed everything shuffled: all bit-identical. */
static void merge_orders(uint32_t buckets, int kind, double scale_spread)
{
    enum { PARTS = 8, PER = 3000 };
    static double vals[PARTS][PER];
    rng_state = 4242 + (uint64_t)kind;
    kpi_sketch *part[PARTS];
    for (int p = 0; p < PARTS; p++) {
        part[p] = make(0.01, buckets);
        for (int i = 0; i < PER; i++) {
            double v = draw(kind) * pow(10.0, scale_spread * (uniform01() - 0.5));
            if (i % 97 == 0)
                v = 0.0;
            vals[p][i] = v;
            assert_int_equal(kpi_sketch_add(part[p], v), KPI_OK);
        }
    }
    kpi_sketch *left = make(0.01, buckets), *right = make(0.01, buckets), *all = make(0.01, buckets);
    for (int p = 0; p < PARTS; p++)
        assert_int_equal(kpi_sketch_merge(left, part[p]), KPI_OK);
    for (int p = PARTS - 1; p >= 0; p--)
        assert_int_equal(kpi_sketch_merge(right, part[p]), KPI_OK);
    /* tree: (0+1)+(2+3) ... into copies made by merging into empties */
    kpi_sketch *t[PARTS];
    for (int p = 0; p < PARTS; p++) {
        t[p] = make(0.01, buckets);
        assert_int_equal(kpi_sketch_merge(t[p], part[p]), KPI_OK);
    }
    for (int w = 1; w < PARTS; w *= 2)
        for (int p = 0; p + w < PARTS; p += 2 * w)
            assert_int_equal(kpi_sketch_merge(t[p], t[p + w]), KPI_OK);
    /* every value, in a shuffled order, into one sketch */
    static double flat[PARTS * PER];
    memcpy(flat, vals, sizeof flat);
    for (size_t i = PARTS * PER - 1; i > 0; i--) {
        size_t j = (size_t)(next_u64() % (i + 1));
        double tmp = flat[i];
        flat[i] = flat[j];
        flat[j] = tmp;
    }
    assert_int_equal(kpi_sketch_add_n(all, flat, PARTS * PER), KPI_OK);
    assert_same_state(left, right);
    assert_same_state(left, t[0]);
    assert_same_state(left, all);
    for (int p = 0; p < PARTS; p++) {
        kpi_sketch_free(part[p]);
        kpi_sketch_free(t[p]);
    }
    kpi_sketch_free(left);
    kpi_sketch_free(right);
    kpi_sketch_free(all);
}

static void test_merge_order_independent(void **state)
{
    (void)state;
    merge_orders(2048, LOGNORMAL, 0);
    merge_orders(2048, SYMMETRIC, 0); /* both signs and zeros */
    merge_orders(64, SYMMETRIC, 12);  /* values over 12 decades in 64 buckets: collapsing */
}

static void test_merge_mismatch(void **state)
{
    (void)state;
    kpi_sketch *a = make(0.01, 2048), *b = make(0.02, 2048), *c = make(0.01, 1024);
    assert_int_equal(kpi_sketch_add(b, 1.0), KPI_OK);
    assert_int_equal(kpi_sketch_merge(a, b), KPI_EMISMATCH);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "alpha"));
    assert_int_equal(kpi_sketch_merge(a, c), KPI_EMISMATCH);
    assert_true(stats(a).count == 0);
    kpi_sketch_free(a);
    kpi_sketch_free(b);
    kpi_sketch_free(c);
}

/* Bounded memory: the window never exceeds max_buckets, collapsing is
 * reported, and the top of the distribution keeps its accuracy. */
static void test_collapse_and_memory(void **state)
{
    (void)state;
    /* response times from 10 ms to one hour at 1 %: under 2 KiB */
    kpi_sketch *s = make(0.01, 2048);
    rng_state = 5;
    for (int i = 0; i < 200000; i++)
        assert_int_equal(kpi_sketch_add(s, 10.0 * pow(360000.0, uniform01())), KPI_OK);
    assert_int_equal(kpi_sketch_add(s, 10.0), KPI_OK);
    assert_int_equal(kpi_sketch_add(s, 3600000.0), KPI_OK);
    kpi_sketch_stats st = stats(s);
    assert_true(st.buckets >= 640 && st.buckets <= 660);
    assert_true(st.memory <= 2048);
    kpi_sketch_free(s);

    /* values over 600 decades into 256 buckets */
    const size_t n = 100000;
    double *x = malloc(n * sizeof *x);
    s = make(0.01, 256);
    rng_state = 6;
    for (size_t i = 0; i < n; i++)
        x[i] = pow(10.0, 600.0 * uniform01() - 300.0);
    assert_int_equal(kpi_sketch_add_n(s, x, n), KPI_OK);
    st = stats(s);
    assert_true(st.buckets <= 256);
    assert_true(st.memory <= sizeof(double) * 0 + 1024 + 2 * 256 * sizeof(uint64_t));
    assert_true(st.collapsed > n / 2); /* most values sit in the collapsed floor bucket */
    qsort(x, n, sizeof *x, cmp_double);
    /* the top 255 buckets (a factor 1.0202^(255/1.0099) ~ 150) stay within alpha */
    for (int pm = 997; pm <= 1000; pm++) { /* 0.3 % of 600 decades < 2.2 decades */
        size_t k = (size_t)((uint64_t)(n - 1) * (uint64_t)pm / 1000);
        double got = quantile(s, pm * (KPI_DEC_ONE / 1000));
        if (!(fabs(got - x[k]) <= 0.01 * x[k]))
            fail_msg("pm %d: got %g exact %g", pm, got, x[k]);
    }
    /* the bottom ones are reported but not accurate any more */
    double low = quantile(s, KPI_DEC_ONE / 10);
    assert_true(low > 1e200 && x[n / 10] < 1e-200);
    free(x);
    kpi_sketch_free(s);
}

/* ---- serialisation ----------------------------------------------------- */

static kpi_sketch *sample_sketch(void)
{
    kpi_sketch *s = make(0.01, 2048);
    rng_state = 77;
    for (int i = 0; i < 5000; i++)
        assert_int_equal(kpi_sketch_add(s, draw(SYMMETRIC)), KPI_OK);
    for (int i = 0; i < 70000; i++) /* one wide counter */
        assert_int_equal(kpi_sketch_add(s, 250.0), KPI_OK);
    assert_int_equal(kpi_sketch_add(s, 0.0), KPI_OK);
    return s;
}

static void test_serialise_round_trip(void **state)
{
    (void)state;
    kpi_sketch *s = sample_sketch();
    size_t len;
    unsigned char *buf = serialise(s, &len);
    assert_memory_equal(buf, "KPSK\x01\x00", 6);
    kpi_sketch *r = NULL;
    assert_int_equal(kpi_sketch_deserialize(&r, buf, len), KPI_OK);
    assert_same_state(s, r);
    kpi_sketch_stats a = stats(s), b = stats(r);
    assert_true(a.count == b.count && a.zeros == b.zeros && a.negatives == b.negatives &&
                a.min == b.min && a.max == b.max && a.buckets == b.buckets);
    /* a restored sketch keeps working: add to both, still identical */
    assert_int_equal(kpi_sketch_add(s, 12345.0), KPI_OK);
    assert_int_equal(kpi_sketch_add(r, 12345.0), KPI_OK);
    assert_same_state(s, r);
    /* too small a buffer: nothing written */
    unsigned char small[16] = {0};
    size_t got = 99;
    assert_int_equal(kpi_sketch_serialize(s, small, sizeof small, &got), KPI_ELIMIT);
    assert_true(got == 99 && small[0] == 0);
    /* an empty sketch round-trips too */
    kpi_sketch *e = make(0.05, 100), *e2 = NULL;
    size_t elen;
    unsigned char *ebuf = serialise(e, &elen);
    assert_int_equal(kpi_sketch_deserialize(&e2, ebuf, elen), KPI_OK);
    assert_same_state(e, e2);
    free(ebuf);
    kpi_sketch_free(e);
    kpi_sketch_free(e2);
    free(buf);
    kpi_sketch_free(s);
    kpi_sketch_free(r);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void fix_crc(unsigned char *buf, size_t len)
{
    put32(buf + len - 4, kpi__crc32(0, buf, len - 4));
}

static void expect_corrupt(const unsigned char *buf, size_t len, kpi_status code, long long offset,
                           const char *fragment, const char *what)
{
    kpi_sketch *r = (kpi_sketch *)0x1;
    kpi_status st = kpi_sketch_deserialize(&r, buf, len);
    const kpi_error *e = kpi_error_last();
    if (st != code)
        fail_msg("%s: expected %s, got %s (%s)", what, kpi_status_str(code), kpi_status_str(st),
                 kpi_error_message(e));
    if (kpi_error_offset(e) != offset)
        fail_msg("%s: expected offset %lld, got %lld (%s)", what, offset, kpi_error_offset(e),
                 kpi_error_message(e));
    if (!strstr(kpi_error_message(e), fragment))
        fail_msg("%s: message '%s' lacks '%s'", what, kpi_error_message(e), fragment);
    assert_true(r == (kpi_sketch *)0x1); /* output untouched */
}

static void test_corrupt_state(void **state)
{
    (void)state;
    kpi_sketch *s = sample_sketch();
    size_t len;
    unsigned char *good = serialise(s, &len);
    unsigned char *b = malloc(len + 8);
    /* the position of the stores: after the sum digits */
    size_t stores = KPI__SK_OFF_SUM + 2 + 8 * (size_t)good[KPI__SK_OFF_SUM + 1];
    int cases = 0;
#define RESET() (memcpy(b, good, len), cases++)

    RESET();
    b[0] = 'X';
    expect_corrupt(b, len, KPI_ECORRUPT, 0, "magic", "bad magic");
    RESET();
    expect_corrupt(b, 3, KPI_ECORRUPT, 3, "truncated", "3 bytes");
    RESET();
    expect_corrupt(b, 0, KPI_ECORRUPT, 0, "truncated", "empty input");
    RESET();
    expect_corrupt(b, 10, KPI_ECORRUPT, 10, "truncated", "header cut");
    RESET();
    expect_corrupt(b, len - 1, KPI_ECORRUPT, (long long)len - 1, "truncated", "last byte missing");
    RESET();
    expect_corrupt(b, len / 2, KPI_ECORRUPT, (long long)len / 2, "truncated", "half");
    RESET();
    b[len] = 0;
    expect_corrupt(b, len + 1, KPI_ECORRUPT, (long long)len, "unexpected bytes", "trailing byte");
    RESET();
    b[4] = 2;
    expect_corrupt(b, len, KPI_EVERSION, 4, "newer", "future version");
    RESET();
    b[4] = 0;
    expect_corrupt(b, len, KPI_ECORRUPT, 4, "version 0", "version 0");
    RESET();
    put32(b + KPI__SK_OFF_TOTAL, 20);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_TOTAL, "minimum", "stated length too small");
    RESET();
    b[len / 2] ^= 0x10;
    expect_corrupt(b, len, KPI_ECORRUPT, (long long)len - 4, "checksum", "flipped bit");
    RESET();
    b[len - 1] ^= 1;
    expect_corrupt(b, len, KPI_ECORRUPT, (long long)len - 4, "checksum", "bad checksum");
    /* from here on the checksum is made right again: field checks */
    RESET();
    b[KPI__SK_OFF_FLAGS] = 0x10;
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_FLAGS, "flags", "unknown flag");
    RESET();
    b[KPI__SK_OFF_FLAGS] = 1;
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_FLAGS, "collapsed", "collapse flag without collapse");
    RESET();
    put64(b + KPI__SK_OFF_ALPHA, 0x7ff8000000000000); /* NaN */
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_ALPHA, "alpha", "alpha NaN");
    RESET();
    put32(b + KPI__SK_OFF_MAXB, 3);
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_MAXB, "max_buckets", "max_buckets");
    RESET();
    b[KPI__SK_OFF_COUNT] ^= 1;
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_COUNT, "differs", "count off by one");
    RESET();
    put64(b + KPI__SK_OFF_MIN, 0x7ff0000000000000); /* +inf */
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_MIN, "minimum", "min infinite");
    RESET();
    memcpy(b + KPI__SK_OFF_MAX, good + KPI__SK_OFF_MIN, 8); /* max < min */
    memcpy(b + KPI__SK_OFF_MIN, good + KPI__SK_OFF_MAX, 8);
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_MAX, "maximum", "min > max");
    RESET();
    put64(b + KPI__SK_OFF_MIN, 0x3ff0000000000000); /* min 1.0 but negatives present */
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_MIN, "signs", "min positive with negatives");
    RESET();
    b[KPI__SK_OFF_SUM] = 45;
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_SUM, "sum digits", "sum digits out of range");
    RESET();
    put64(b + KPI__SK_OFF_SUM + 2, UINT64_C(1) << 50); /* a digit above 2^48 */
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, KPI__SK_OFF_SUM + 2, "canonical", "sum digit too big");
    RESET();
    put32(b + stores + 4, 5000); /* more buckets than max_buckets */
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, (long long)stores + 4, "more than", "too many buckets");
    RESET();
    put32(b + stores, (uint32_t)INT32_MIN);
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, (long long)stores, "outside", "index out of range");
    RESET();
    b[stores + 8] = 0; /* first bucket count 0 */
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, (long long)stores + 8, "first bucket is empty", "leading zero bucket");
    RESET();
    b[stores + 8] = 0x80; /* continuation then the next count: overlong or wrong, count changes */
    b[stores + 9] = 0x00;
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, (long long)stores + 8, "shortest form", "overlong varint");
    RESET();
    assert_true(b[len - 5] < 0x80 && b[len - 6] < 0x80); /* the last count is one byte */
    b[len - 5] |= 0x80; /* ... and now continues into the checksum */
    fix_crc(b, len);
    expect_corrupt(b, len, KPI_ECORRUPT, (long long)len - 5, "past the end", "count runs past end");
    cases += 0;
    assert_true(cases >= 20);
#undef RESET
    free(b);
    free(good);
    kpi_sketch_free(s);
}

/* ---- allocation failures ----------------------------------------------- */

static int alloc_calls, alloc_fail_at;

static void *fail_malloc(size_t size, void *user)
{
    (void)user;
    return ++alloc_calls == alloc_fail_at ? NULL : malloc(size);
}

static void *fail_realloc(void *p, size_t size, void *user)
{
    (void)user;
    return ++alloc_calls == alloc_fail_at ? NULL : realloc(p, size);
}

static void plain_free(void *p, void *user)
{
    (void)user;
    free(p);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    kpi_sketch *src = sample_sketch();
    size_t len;
    unsigned char *buf = serialise(src, &len);
    assert_int_equal(kpi_set_allocator(fail_malloc, fail_realloc, plain_free, NULL), KPI_OK);
    for (int n = 1; n < 40; n++) {
        /* new */
        alloc_calls = 0;
        alloc_fail_at = n;
        kpi_sketch *s = NULL;
        kpi_status st = kpi_sketch_new(&s, NULL);
        assert_true(st == KPI_OK || (st == KPI_ENOMEM && s == NULL));
        if (!s)
            continue;
        /* add: growth may fail; the sketch is then unchanged */
        st = kpi_sketch_add(s, 1.0);
        assert_true(st == KPI_OK || (st == KPI_ENOMEM && stats(s).count == 0));
        /* merge: all or nothing */
        alloc_calls = 0;
        uint64_t before = stats(s).count;
        st = kpi_sketch_merge(s, src);
        assert_true(st == KPI_OK || st == KPI_ENOMEM);
        assert_true(stats(s).count == (st == KPI_OK ? before + stats(src).count : before));
        /* deserialise */
        alloc_calls = 0;
        kpi_sketch *r = NULL;
        st = kpi_sketch_deserialize(&r, buf, len);
        assert_true(st == KPI_OK || (st == KPI_ENOMEM && r == NULL));
        kpi_sketch_free(r);
        kpi_sketch_free(s);
    }
    assert_int_equal(kpi_set_allocator(NULL, NULL, NULL, NULL), KPI_OK);
    free(buf);
    kpi_sketch_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_widths),
        cmocka_unit_test(test_accuracy_distributions),
        cmocka_unit_test(test_accuracy_other_alpha),
        cmocka_unit_test(test_adversarial),
        cmocka_unit_test(test_empty_and_arguments),
        cmocka_unit_test(test_merge_order_independent),
        cmocka_unit_test(test_merge_mismatch),
        cmocka_unit_test(test_collapse_and_memory),
        cmocka_unit_test(test_serialise_round_trip),
        cmocka_unit_test(test_corrupt_state),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests_name("sketch", tests, NULL, NULL);
}
