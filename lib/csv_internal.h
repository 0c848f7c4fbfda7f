/* csv_internal.h - the CSV parser core, shared by the streaming reader, the
 * whole-buffer parse and the tests. */
#ifndef KPISCORE_CSV_INTERNAL_H
#define KPISCORE_CSV_INTERNAL_H

#include "internal.h"
#include "kpiscore/csv.h"

/* The header row, copied out of the input (NUL-terminated names). */
typedef struct {
    char **names;
    size_t *name_len;
    size_t count;
    char *bytes;
} kpi__csv_header;

void kpi__csv_header_free(kpi__csv_header *h);

/* One parser: settings, the batch being filled, the scratch area. */
typedef struct {
    /* settings */
    unsigned char delim;
    bool want_header, utf8, bom_done, own_header;
    size_t max_record, max_fields, batch_rows;
    const char *source;
    kpi_csv_batch_fn fn;
    void *user;
    unsigned chunk;
    kpi__csv_header *header;
    size_t nf; /* fields per row; 0 until the first record is read */
    /* the batch: rows * nf cells */
    const char **text;
    size_t *len;
    long long *line, *offset;
    const char **row_text;
    size_t *row_len;
    size_t rows;
    /* the record being parsed writes its fields here */
    const char **cur_text;
    size_t *cur_len;
    size_t cur_cap;
    /* the first record, before the field count is known */
    const char **first_text;
    size_t *first_len;
    size_t first_cap;
    /* unescaped quoted fields of the batch */
    char *scratch;
    size_t scratch_cap, scratch_used, row_scratch, row_scratch_end;
} kpi__csv_parser;

/*
 * Parses buf[0..len), which starts at a record start at stream offset
 * @base and line *line. Delivers complete records to P->fn in batches and
 * sets *consumed to the start of the first incomplete record (the end when
 * @final). With @stop_first it returns after the first record, delivering
 * nothing (used to learn the header and the field count).
 */
kpi_status kpi__csv_parse_block(kpi__csv_parser *P, const unsigned char *buf, size_t len,
                                bool final, long long base, long long *line, size_t *consumed,
                                bool stop_first);

/* Whether kpi__csv_parse_block() takes its fast path for plain records
 * (true). Only tests turn it off, to compare the two paths on the same
 * bytes; nothing else may write it. */
extern bool kpi__csv_fast_records;

#endif /* KPISCORE_CSV_INTERNAL_H */
