/*
 * fuzz_state.c - the two binary state readers on arbitrary bytes:
 * kpi_metrics_load() with the built-in registry and kpi_sketch_deserialize().
 * Whatever loads must save again to the very same bytes and load again.
 *
 * Both formats end in a checksum that random bytes almost never match, so
 * each input is also tried with its checksum (and, for a sketch, its stated
 * length) rewritten to fit: that lets the fuzzer reach the body checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "metrics_internal.h"
#include "sketch_internal.h"

static kpi_metric_registry *registry;

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void check_metrics(const uint8_t *data, size_t size)
{
    kpi_metrics *m = NULL;
    if (kpi_metrics_load(&m, registry, data, size, 0) != KPI_OK)
        return;
    size_t n = 0;
    kpi_status sized = kpi_metrics_save(m, NULL, 0, &n);
    if ((sized != KPI_OK && sized != KPI_ERANGE) || n == 0)
        abort();
    uint8_t *buf = malloc(n ? n : 1);
    size_t n2 = 0;
    kpi_status st = kpi_metrics_save(m, buf, n, &n2);
    if (st == KPI_ENOMEM) {
        free(buf);
        kpi_metrics_free(m);
        return;
    }
    if (st != KPI_OK || n2 != n || n != size || memcmp(buf, data, n) != 0)
        abort(); /* a state that loads saves back to itself */
    kpi_metrics *again = NULL;
    if (kpi_metrics_load(&again, registry, buf, n, 0) != KPI_OK)
        abort();
    kpi_metrics_free(again);
    free(buf);
    kpi_metrics_free(m);
}

static void check_sketch(const uint8_t *data, size_t size)
{
    kpi_sketch *s = NULL;
    if (kpi_sketch_deserialize(&s, data, size) != KPI_OK)
        return;
    size_t n = 0;
    if (kpi_sketch_serialize(s, NULL, 0, &n) != KPI_OK)
        abort();
    uint8_t *buf = malloc(n ? n : 1);
    size_t n2 = 0;
    if (kpi_sketch_serialize(s, buf, n, &n2) != KPI_OK || n2 != n || n != size ||
        memcmp(buf, data, n) != 0)
        abort();
    kpi_sketch *again = NULL;
    if (kpi_sketch_deserialize(&again, buf, n) != KPI_OK)
        abort();
    double q;
    kpi_sketch_quantile(again, KPI_DEC_ONE / 2, &q);
    kpi_sketch_free(again);
    free(buf);
    kpi_sketch_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!registry && kpi_metric_registry_new(&registry, KPI_REGISTRY_BUILTINS) != KPI_OK)
        abort();
    check_metrics(data, size);
    check_sketch(data, size);
    if (size < 16 || size > (1u << 20))
        return 0;
    /* the same bytes with a checksum that fits */
    uint8_t *fixed = malloc(size);
    memcpy(fixed, data, size);
    if (memcmp(fixed, "KPIMSTAT", 8) == 0) {
        put_le(fixed + size - 8, kpi__fnv1a(KPI__FNV_OFFSET, fixed, size - 8), 8);
        check_metrics(fixed, size);
    } else if (memcmp(fixed, "KPSK", 4) == 0 && size >= KPI__SK_OFF_TOTAL + 4) {
        put_le(fixed + KPI__SK_OFF_TOTAL, size, 4);
        put_le(fixed + size - 4, kpi__crc32(0, fixed, size - 4), 4);
        check_sketch(fixed, size);
    }
    free(fixed);
    return 0;
}
