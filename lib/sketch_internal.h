/* sketch_internal.h - helpers of the sketch module that tests (and other
 * serialisers) reach: the checksum and the bucket mapping. */
#ifndef KPISCORE_SKETCH_INTERNAL_H
#define KPISCORE_SKETCH_INTERNAL_H

#include "internal.h"
#include "kpiscore/sketch.h"

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320, the one zlib and PNG use) of
 * @len bytes, continuing from @crc (0 to start). */
uint32_t kpi__crc32(uint32_t crc, const void *data, size_t len);

/* The bucket index of a magnitude x >= DBL_MIN for a sketch's settings. */
int32_t kpi__sketch_index(const kpi_sketch *sketch, double x);

/* The lower and upper bounds of bucket @index (upper may be +inf). */
void kpi__sketch_bounds(const kpi_sketch *sketch, int32_t index, double *lo, double *hi);

/* Serialised layout (docs/sketch.md): offsets used by the corrupt-state tests. */
enum {
    KPI__SK_OFF_MAGIC = 0,
    KPI__SK_OFF_VERSION = 4,
    KPI__SK_OFF_FLAGS = 6,
    KPI__SK_OFF_TOTAL = 8,
    KPI__SK_OFF_ALPHA = 12,
    KPI__SK_OFF_MAXB = 20,
    KPI__SK_OFF_COUNT = 24,
    KPI__SK_OFF_ZEROS = 32,
    KPI__SK_OFF_MIN = 40,
    KPI__SK_OFF_MAX = 48,
    KPI__SK_OFF_SUM = 56, /* u8 first chunk, u8 chunk count, then i64 chunks */
    KPI__SK_VERSION = 1
};

#endif /* KPISCORE_SKETCH_INTERNAL_H */
