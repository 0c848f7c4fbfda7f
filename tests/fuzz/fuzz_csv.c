/*
 * fuzz_csv.c - the events CSV reader on arbitrary bytes. The same bytes
 * parsed as one buffer, streamed in pieces whose sizes the input chooses,
 * and parsed on two threads must give the same rows (a running hash of
 * every field) or the same error at the same byte offset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kpiscore.h>

struct digest {
    uint64_t hash;
    uint64_t rows;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * UINT64_C(0x100000001B3);
    return h;
}

static kpi_status collect(const kpi_csv_batch *b, void *user)
{
    struct digest *d = user;
    for (size_t r = 0; r < b->rows; r++) {
        d->hash = mix(d->hash, &b->line[r], sizeof b->line[r]);
        for (size_t f = 0; f < b->fields; f++) {
            size_t len = b->len[r * b->fields + f];
            d->hash = mix(d->hash, &len, sizeof len);
            d->hash = mix(d->hash, b->text[r * b->fields + f], len);
        }
    }
    d->rows += b->rows;
    return KPI_OK;
}

/* rows may arrive out of order from two threads: combine them order-free */
static kpi_status collect_unordered(const kpi_csv_batch *b, void *user)
{
    struct digest *d = user;
    for (size_t r = 0; r < b->rows; r++) {
        uint64_t h = mix(UINT64_C(0xCBF29CE484222325), &b->line[r], sizeof b->line[r]);
        for (size_t f = 0; f < b->fields; f++) {
            size_t len = b->len[r * b->fields + f];
            h = mix(h, &len, sizeof len);
            h = mix(h, b->text[r * b->fields + f], len);
        }
        __atomic_fetch_add(&d->hash, h, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&d->rows, b->rows, __ATOMIC_RELAXED);
    return KPI_OK;
}

static kpi_status parse_whole(const uint8_t *data, size_t size, const kpi_csv_options *o,
                              unsigned threads, kpi_csv_batch_fn fn, struct digest *d, long long *off)
{
    kpi_status st = kpi_csv_parse(data, size, o, threads, fn, d);
    *off = kpi_error_offset(kpi_error_last());
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    kpi_csv_options o = KPI_CSV_OPTIONS_INIT;
    o.header = data[0] & 1;
    o.batch_rows = 1 + (data[0] >> 4);
    o.max_record_bytes = 64;
    o.max_fields = 16;
    unsigned step = 1 + (data[0] >> 1 & 7);
    data++;
    size--;

    struct digest whole = {UINT64_C(0xCBF29CE484222325), 0};
    long long whole_off;
    kpi_status st_whole = parse_whole(data, size, &o, 1, collect, &whole, &whole_off);

    /* streamed in pieces of `step` bytes */
    struct digest streamed = {UINT64_C(0xCBF29CE484222325), 0};
    kpi_csv_reader *r = NULL;
    if (kpi_csv_reader_new(&r, &o) != KPI_OK)
        return 0;
    kpi_status st = KPI_OK;
    for (size_t at = 0; at < size && st == KPI_OK; at += step)
        st = kpi_csv_reader_feed(r, data + at, size - at < step ? size - at : step, collect, &streamed);
    if (st == KPI_OK)
        st = kpi_csv_reader_finish(r, collect, &streamed);
    long long streamed_off = kpi_error_offset(kpi_error_last());
    kpi_csv_reader_free(r);
    if (st != st_whole)
        abort();
    if (st == KPI_OK && (streamed.hash != whole.hash || streamed.rows != whole.rows))
        abort();
    if (st != KPI_OK && st != KPI_ENOMEM && streamed_off != whole_off)
        abort();

    /* on two threads: the same rows (in any order) or the same first error */
    struct digest one = {0, 0}, two = {0, 0};
    long long off1, off2;
    kpi_status s1 = parse_whole(data, size, &o, 1, collect_unordered, &one, &off1);
    kpi_status s2 = parse_whole(data, size, &o, 2, collect_unordered, &two, &off2);
    if (s1 != s2 || (s1 == KPI_OK && (one.hash != two.hash || one.rows != two.rows)) ||
        (s1 != KPI_OK && off1 != off2))
        abort();
    return 0;
}
