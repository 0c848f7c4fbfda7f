/*
 * kpiscore/sketch.h - a mergeable relative-error quantile sketch
 * (分位数草图) with logarithmic buckets, after DDSketch (Masson, Rim and
 * Lee, VLDB 2019).
 *
 * For dashboards, long periods and unbounded streams. Pay, scores and tiers
 * read exact quantiles (quantile.h and the metrics module), never this: a
 * person's pay must not move with an approximation.
 *
 * Guarantee: for a sketch built with relative accuracy alpha, the value
 * kpi_sketch_quantile() reports for q is within alpha * |x| of x, where x
 * is the exact q quantile by numpy's method "lower" (KPI_QUANTILE_LOWER:
 * the order statistic x[floor((n - 1) q)] of the n values sorted
 * ascending), as long as no bucket holding that order statistic has been
 * collapsed (see kpi_sketch_stats.collapsed). The count, minimum, maximum
 * are exact, the sum is the exact sum rounded to a double.
 *
 * Values are doubles of any sign. Zero (and any magnitude below
 * DBL_MIN, about 2.2e-308) is counted in an exact zero bucket; positive and
 * negative values go to two mirrored stores. NaN and infinities are
 * refused (KPI_EINVAL, KPI_ERANGE).
 *
 * Merging adds bucket counts, so the state after any sequence of inserts
 * and merges depends only on the multiset of values: merged in any order
 * or grouping, the results (and the serialised bytes) are bit for bit the
 * same.
 *
 * Memory is bounded: each store keeps at most max_buckets consecutive
 * buckets. When values span more, the lowest-magnitude buckets are folded
 * into the lowest kept one ("collapsed"), which stats report.
 *
 * Thread safety: a sketch is single-writer; concurrent reads of a sketch
 * nobody writes are safe. Use one sketch per thread and merge.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_SKETCH_H
#define KPISCORE_SKETCH_H

#include "common.h"
#include "decimal.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A relative-error quantile sketch. Opaque; see kpi_sketch_new(). */
typedef struct kpi_sketch kpi_sketch;

/** Settings of a sketch; checked once, by kpi_sketch_new(). */
typedef struct kpi_sketch_options {
    size_t size;          /**< sizeof(kpi_sketch_options), set by KPI_SKETCH_OPTIONS_INIT */
    double alpha;         /**< relative accuracy, 1e-6 <= alpha <= 0.5; default 0.01 (1 %) */
    uint32_t max_buckets; /**< buckets kept per sign, 16 ... 1 000 000; default 2048 */
} kpi_sketch_options;

/** Default options: alpha 1 %, 2048 buckets per sign. */
#define KPI_SKETCH_OPTIONS_INIT { sizeof(kpi_sketch_options), 0.01, 2048u }

/** Summary of a sketch, filled by kpi_sketch_stats(). */
typedef struct kpi_sketch_stats {
    size_t size;       /**< sizeof(kpi_sketch_stats), set by KPI_SKETCH_STATS_INIT */
    uint64_t count;    /**< values added (exact) */
    uint64_t zeros;    /**< of which in the zero bucket */
    uint64_t negatives;/**< of which negative (below -DBL_MIN) */
    double min;        /**< smallest value (exact); 0 when empty */
    double max;        /**< largest value (exact); 0 when empty */
    double sum;        /**< exact sum rounded to double (the same bits in any
                            merge order); 0 when empty, +-HUGE_VAL if it
                            exceeds the double range */
    uint64_t collapsed;/**< values in buckets that absorbed collapsed ones:
                            quantiles landing there may miss the alpha bound;
                            0 when nothing was ever collapsed */
    uint32_t buckets;  /**< non-empty buckets (both signs, without the zero bucket) */
    size_t memory;     /**< bytes the sketch holds (struct and bucket arrays) */
} kpi_sketch_stats;

/** Initialiser for kpi_sketch_stats. */
#define KPI_SKETCH_STATS_INIT { sizeof(kpi_sketch_stats), 0, 0, 0, 0.0, 0.0, 0.0, 0, 0, 0 }

/**
 * Creates an empty sketch.
 *
 * Memory: about 600 bytes plus 2 bytes per bucket between the smallest
 * and the largest magnitude seen (8 bytes once a bucket holds more than
 * 65 535 values), at most 2 * max_buckets * 8 bytes for the buckets. At
 * alpha = 1 % one binade (a factor 2) spans about 35 buckets.
 *
 * @param out   receives the sketch; the caller frees it with kpi_sketch_free()
 * @param opts  settings, or NULL for KPI_SKETCH_OPTIONS_INIT
 * @return KPI_OK; KPI_EINVAL (NULL out, bad size, alpha or max_buckets
 *         outside its range); KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_sketch_new(kpi_sketch **out, const kpi_sketch_options *opts);

/** Frees a sketch; NULL is a no-op. @since 1.0 */
KPI_API void kpi_sketch_free(kpi_sketch *sketch);

/**
 * Adds one value.
 *
 * @return KPI_OK; KPI_EINVAL for NaN or a NULL sketch; KPI_ERANGE for an
 *         infinity; KPI_ENOMEM when the bucket array must grow and cannot
 *         (the sketch is unchanged on every failure). Single-writer.
 * @since 1.0
 */
KPI_API kpi_status kpi_sketch_add(kpi_sketch *sketch, double value);

/**
 * Adds @p n values from a caller-owned array (the fast path: a few
 * nanoseconds per value, no allocation once the bucket range is known).
 *
 * All values are checked first: on KPI_EINVAL (a NaN) or KPI_ERANGE (an
 * infinity) nothing is added and the error's offset is the index of the
 * first bad value. On KPI_ENOMEM a prefix of the values may have been
 * added (the sketch stays valid).
 *
 * @return KPI_OK; KPI_EINVAL (also NULL values with n > 0); KPI_ERANGE;
 *         KPI_ENOMEM. Single-writer.
 * @since 1.0
 */
KPI_API kpi_status kpi_sketch_add_n(kpi_sketch *sketch, const double *values, size_t n);

/**
 * Adds the contents of @p src to @p dst. Either sketch may be empty.
 *
 * @return KPI_OK; KPI_EMISMATCH when alpha or max_buckets differ;
 *         KPI_EINVAL (NULL, or dst == src); KPI_ENOMEM (dst unchanged).
 *         Writes only @p dst.
 * @since 1.0
 */
KPI_API kpi_status kpi_sketch_merge(kpi_sketch *dst, const kpi_sketch *src);

/** Empties a sketch, keeping its settings. NULL is a no-op. @since 1.0 */
KPI_API void kpi_sketch_reset(kpi_sketch *sketch);

/**
 * The approximate @p q quantile by numpy's method "lower".
 *
 * Returns the exact minimum for the rank 0 and the exact maximum for the
 * rank n - 1; otherwise the representative of the bucket holding the
 * order statistic, clamped to [min, max].
 *
 * @param q    0 <= q <= 1 as an exact decimal (KPI_DEC_ONE * 9 / 10 is p90)
 * @param out  receives the value; untouched on failure
 * @return KPI_OK; KPI_ENA for an empty sketch; KPI_ERANGE for q outside
 *         [0, 1]; KPI_EINVAL on NULL. Thread-safe for concurrent readers.
 * @since 1.0
 */
KPI_API kpi_status kpi_sketch_quantile(const kpi_sketch *sketch, kpi_dec q, double *out);

/**
 * Summary figures of a sketch (count, min, max, sum, buckets, memory,
 * collapse). Works on an empty sketch.
 *
 * @param out  its size field must be set (KPI_SKETCH_STATS_INIT)
 * @return KPI_OK; KPI_EINVAL on NULL or a too small out->size.
 * @since 1.0
 */
KPI_API kpi_status kpi_sketch_stats_get(const kpi_sketch *sketch, kpi_sketch_stats *out);

/**
 * Serialises a sketch into the versioned little-endian format of
 * docs/sketch.md (magic "KPSK", version 1, CRC-32 at the end). Equal
 * sketches give equal bytes.
 *
 * @param buf       destination, or NULL with @p cap 0 to ask for the size
 * @param cap       its size in bytes
 * @param out_size  receives the number of bytes written (or needed)
 * @return KPI_OK; KPI_ELIMIT when @p cap is too small (nothing written;
 *         ask for the size first); KPI_EINVAL on NULL arguments.
 * @since 1.0
 */
KPI_API kpi_status kpi_sketch_serialize(const kpi_sketch *sketch, void *buf, size_t cap,
                                        size_t *out_size);

/**
 * Rebuilds a sketch from kpi_sketch_serialize() output.
 *
 * Every field is checked; bad input is refused with the byte offset of the
 * offending field in kpi_error_offset().
 *
 * @param out  receives a new sketch (free with kpi_sketch_free())
 * @return KPI_OK; KPI_ECORRUPT (bad magic, truncated, trailing bytes,
 *         checksum mismatch, inconsistent contents); KPI_EVERSION (a
 *         format version this library does not know); KPI_EINVAL on
 *         NULL; KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_sketch_deserialize(kpi_sketch **out, const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_SKETCH_H */
