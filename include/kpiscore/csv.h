/*
 * kpiscore/csv.h - a fast reader for events CSV (事件明细 CSV): RFC 4180,
 * streaming in constant memory or over a whole buffer on several threads,
 * rows delivered in batches of field pointers, every error with its line,
 * column and byte offset; plus the typed field parsers ingestion uses.
 *
 * Dialect (docs/csv.md): fields separated by a delimiter (',' by default);
 * records end with LF or CRLF (the last one may end at the end of input);
 * a field that starts with '"' is quoted and may hold delimiters, line
 * breaks and doubled quotes ("" for one "); a UTF-8 byte order mark at the
 * very start is skipped; empty lines are skipped. Strict: a quote inside an
 * unquoted field, text after a closing quote, an unterminated quote, a
 * carriage return not followed by a line feed (outside quotes), a row whose
 * field count differs from the first row's, and (unless turned off)
 * invalid UTF-8 are errors.
 *
 * Errors: KPI_EPARSE (malformed text) or KPI_ELIMIT (a configured limit)
 * with kpi_error_line() (1-based physical line, quoted line breaks count),
 * kpi_error_column() (1-based, in UTF-8 characters) and kpi_error_offset()
 * (0-based byte offset from the start of the stream, BOM included), and the
 * source name from the options.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_CSV_H
#define KPISCORE_CSV_H

#include "common.h"
#include "decimal.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Reader settings. Strings are copied by the reader. */
typedef struct kpi_csv_options {
    size_t size;             /**< sizeof(kpi_csv_options), set by KPI_CSV_OPTIONS_INIT */
    char delimiter;          /**< field separator; not '"', CR, LF or NUL; default ',' */
    int header;              /**< nonzero: the first record names the columns (default 1) */
    int validate_utf8;       /**< nonzero: reject invalid UTF-8 (default 1) */
    size_t max_record_bytes; /**< longest record, line breaks inside quotes included,
                                  terminator excluded; 16 ... 1 GiB; 0 (the default):
                                  kpi_limits.csv_line_bytes, 1 MiB unless set */
    size_t max_fields;       /**< most fields per record, 1 ... 65536; 0 (the default):
                                  kpi_limits.csv_fields, 4096 unless set */
    size_t batch_rows;       /**< rows per batch, 1 ... 65536; default 512 */
    const char *source;      /**< name shown in errors (a file name), or NULL */
} kpi_csv_options;

/** Default options: comma, header row, UTF-8 checked, the process-wide limits
 *  (kpiscore/limits.h: 1 MiB records, 4096 fields unless changed). */
#define KPI_CSV_OPTIONS_INIT \
    { sizeof(kpi_csv_options), ',', 1, 1, 0, 0, 512, NULL }

/** The default UTC offset of a plan's time zone: +08:00 (China), in minutes. */
#define KPI_CSV_DEFAULT_UTC_OFFSET 480

/**
 * A batch of rows, valid only during the callback that receives it.
 *
 * Field c of row r is text[r * fields + c], len[r * fields + c] bytes (not
 * NUL-terminated; quotes removed, "" turned into "). Unquoted fields point
 * into the caller's input (or the reader's buffer); quoted fields with
 * doubled quotes point into a scratch buffer.
 */
typedef struct kpi_csv_batch {
    size_t size;                /**< sizeof(kpi_csv_batch) of the library that filled it */
    size_t rows;                /**< rows in this batch, >= 1 */
    size_t fields;              /**< fields in every row */
    const char *const *text;    /**< rows * fields field starts */
    const size_t *len;          /**< rows * fields field lengths in bytes */
    const long long *line;      /**< per row: 1-based line where it starts */
    const long long *offset;    /**< per row: byte offset where it starts */
    const char *const *row_text;/**< per row: its first byte */
    const size_t *row_len;      /**< per row: its length in bytes, without the terminator */
    const char *const *names;   /**< the header's column names, or NULL without a header */
    const size_t *name_len;     /**< their lengths */
    unsigned chunk;             /**< which chunk of kpi_csv_parse() made it (0 for a reader) */
    const char *source;         /**< the options' source name, or "" */
} kpi_csv_batch;

/**
 * Receives each batch. Return KPI_OK to go on; any other status stops the
 * parse and is returned by the call that parsed (an error recorded by the
 * callback, for example by kpi_csv_field_dec(), is kept).
 */
typedef kpi_status (*kpi_csv_batch_fn)(const kpi_csv_batch *batch, void *user);

/** A streaming reader. Single-writer; see kpi_csv_reader_new(). */
typedef struct kpi_csv_reader kpi_csv_reader;

/**
 * Creates a streaming reader.
 *
 * Memory is constant in the input size: a buffer of
 * max(256 KiB, 2 * max_record_bytes + 64) bytes, the batch arrays
 * (batch_rows * fields * 16 bytes and 40 bytes per row), the header and a
 * scratch area for unescaped quoted fields (at most about 2 *
 * max_record_bytes).
 *
 * @param out   receives the reader; free it with kpi_csv_reader_free()
 * @param opts  settings, or NULL for KPI_CSV_OPTIONS_INIT
 * @return KPI_OK; KPI_EINVAL (a setting out of range); KPI_ENOMEM.
 * @since 1.0
 */
KPI_API kpi_status kpi_csv_reader_new(kpi_csv_reader **out, const kpi_csv_options *opts);

/** Frees a reader; NULL is a no-op. @since 1.0 */
KPI_API void kpi_csv_reader_free(kpi_csv_reader *reader);

/**
 * Parses the next @p len bytes of the stream. Any split is fine: a field,
 * a CRLF or a UTF-8 character may straddle two feeds. Complete rows go to
 * @p fn in batches (possibly later, from a later feed or from
 * kpi_csv_reader_finish(): the reader copies what it must keep).
 *
 * @return KPI_OK; KPI_EPARSE or KPI_ELIMIT with the location; the
 *         callback's status; KPI_ENOMEM; KPI_EINVAL (NULL arguments, or a
 *         reader that already failed or finished). After a failure the
 *         reader only accepts kpi_csv_reader_free().
 * @since 1.0
 */
KPI_API kpi_status kpi_csv_reader_feed(kpi_csv_reader *reader, const void *data, size_t len,
                                       kpi_csv_batch_fn fn, void *user);

/**
 * Ends the stream: parses what is buffered as the end of the input
 * (reporting, for example, an unterminated quote) and delivers the last
 * rows. @return as kpi_csv_reader_feed(). @since 1.0
 */
KPI_API kpi_status kpi_csv_reader_finish(kpi_csv_reader *reader, kpi_csv_batch_fn fn, void *user);

/**
 * The index of the column named @p name (exact bytes), once the header has
 * been read.
 *
 * @return KPI_OK; KPI_ENOTFOUND (unknown name, no header, or not read
 *         yet); KPI_EINVAL on NULL.
 * @since 1.0
 */
KPI_API kpi_status kpi_csv_reader_column(const kpi_csv_reader *reader, const char *name,
                                         size_t *index);

/**
 * Parses a whole buffer, split into @p threads chunks at record boundaries
 * (found from the parity of quotes, so quoted line breaks are handled) and
 * parsed in parallel. Each chunk's batches arrive in order, with
 * batch->chunk set; chunks run concurrently, so with threads > 1 @p fn is
 * called from several threads at once (give each chunk its own
 * accumulator and merge them). Concatenated by chunk, the rows are exactly
 * those of a one-thread parse; a failure reports the same status and
 * location as a one-thread parse (the rows delivered before it may
 * differ).
 *
 * @param threads  1 ... 64; small inputs (under 1 MiB per thread) use fewer
 * @return as kpi_csv_reader_feed(); KPI_EINVAL for bad arguments.
 * @since 1.0
 */
KPI_API kpi_status kpi_csv_parse(const void *data, size_t len, const kpi_csv_options *opts,
                                 unsigned threads, kpi_csv_batch_fn fn, void *user);

/**
 * The index of the column named @p name in a batch's header.
 * @return KPI_OK; KPI_ENOTFOUND; KPI_EINVAL on NULL. @since 1.0
 */
KPI_API kpi_status kpi_csv_batch_column(const kpi_csv_batch *batch, const char *name,
                                        size_t *index);

/* ---- typed fields ------------------------------------------------------ */

/**
 * Parses a decimal integer: optional '+' or '-', then 1 to 19 digits, no
 * spaces ("-42"; not "4 2", "1e3" or "").
 *
 * @return KPI_OK; KPI_EPARSE (column of the bad character);
 *         KPI_EOVERFLOW outside int64; KPI_EINVAL on NULL.
 * @since 1.0
 */
KPI_API kpi_status kpi_csv_parse_int64(const char *text, size_t len, int64_t *out);

/**
 * Parses a timestamp into milliseconds since 1970-01-01T00:00:00Z.
 *
 * Forms: "YYYY-MM-DD HH:MM:SS[.fff]" (local time at @p utc_offset_minutes)
 * and ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.f...]]" with an optional "Z",
 * "+HH:MM", "+HHMM" or "+HH" (which then overrides the default). A date
 * alone is its midnight. Fractions may have 1 to 9 digits; digits past the
 * millisecond are dropped (rounded toward the past). Years 0000-9999.
 *
 * @param utc_offset_minutes  offset of local time, -1439 ... 1439
 *                            (KPI_CSV_DEFAULT_UTC_OFFSET is +08:00)
 * @return KPI_OK; KPI_EPARSE (column of the bad character; also for an
 *         impossible date such as 2025-02-29 or hour 24); KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_csv_parse_time(const char *text, size_t len, int32_t utc_offset_minutes,
                                      int64_t *out);

/**
 * The field (@p row, @p col) of a batch as an int64 (kpi_csv_parse_int64()).
 * On failure the error carries the source, the field's line, column and
 * byte offset (column and offset only for fields without doubled quotes).
 *
 * @return as kpi_csv_parse_int64(); KPI_EINVAL for NULL or an index out
 *         of range.
 * @since 1.0
 */
KPI_API kpi_status kpi_csv_field_int64(const kpi_csv_batch *batch, size_t row, size_t col,
                                       int64_t *out);

/** The field as an exact decimal (kpi_dec_parse()), located like kpi_csv_field_int64(). @since 1.0 */
KPI_API kpi_status kpi_csv_field_dec(const kpi_csv_batch *batch, size_t row, size_t col,
                                     kpi_dec *out);

/** The field as money in fen (kpi_money_parse()), located like kpi_csv_field_int64(). @since 1.0 */
KPI_API kpi_status kpi_csv_field_money(const kpi_csv_batch *batch, size_t row, size_t col,
                                       kpi_money *out);

/** The field as epoch milliseconds (kpi_csv_parse_time()), located like kpi_csv_field_int64(). @since 1.0 */
KPI_API kpi_status kpi_csv_field_time(const kpi_csv_batch *batch, size_t row, size_t col,
                                      int32_t utc_offset_minutes, int64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_CSV_H */
