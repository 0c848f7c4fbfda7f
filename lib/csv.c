/*
 * csv.c - the events CSV reader.
 *
 * Scanning. The input is read in 64-byte blocks; for each block a 64-bit
 * mask marks the bytes that matter (delimiter, '"', LF, CR), built with
 * SSE2 compares (or an 8-bytes-at-a-time word trick elsewhere). The parser
 * then walks the set bits with count-trailing-zeros, so ordinary field
 * bytes are never looked at one by one.
 *
 * One core, parse_block(), parses a region that starts at a record start,
 * either as the end of the input (final) or stopping before the last,
 * incomplete record. Every decision depends only on the bytes before it
 * (and one byte of look-ahead, which a non-final region answers with "need
 * more"), so a streaming reader fed any split, a whole-buffer parse and a
 * chunked parallel parse all see the same rows and the same first error.
 * Record-length limits are judged the same way everywhere: anything that
 * happens more than max_record bytes after a record's start is a limit
 * error at start + max_record.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv_internal.h"
#include "limits_internal.h"

#define MAX_THREADS 64
#define MIN_CHUNK ((size_t)1 << 20)

/* ---- special-byte masks ------------------------------------------------ */

#if defined(__SSE2__)
static inline uint64_t block_mask(const unsigned char *p, unsigned char delim)
{
    const __m128i d = _mm_set1_epi8((char)delim), q = _mm_set1_epi8('"');
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    uint64_t m = 0;
    for (int j = 0; j < 4; j++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * j));
        __m128i s = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(s) << (16 * j);
    }
    return m;
}
#else
/* 0x80 in each byte of @x that is zero, exactly (no false positives). */
static inline uint64_t zero_bytes(uint64_t x)
{
    const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
    return ~(((x & low7) + low7) | x | low7);
}

static inline uint64_t block_mask(const unsigned char *p, unsigned char delim)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    uint64_t m = 0;
    for (int j = 0; j < 8; j++) {
        uint64_t w = 0;
        for (int b = 0; b < 8; b++) /* little-endian assembly, any host */
            w |= (uint64_t)p[8 * j + b] << (8 * b);
        uint64_t z = zero_bytes(w ^ (ones * delim)) | zero_bytes(w ^ (ones * '"')) |
                     zero_bytes(w ^ (ones * '\n')) | zero_bytes(w ^ (ones * '\r'));
        /* gather the 8 high bits into one byte */
        m |= (((z >> 7) * UINT64_C(0x0102040810204080)) >> 56) << (8 * j);
    }
    return m;
}
#endif

static inline int ctz64(uint64_t m)
{
    return __builtin_ctzll(m);
}

/* ---- UTF-8 ------------------------------------------------------------- */

/*
 * The length of the longest valid UTF-8 prefix of p[0..n). When @final is
 * false, a sequence cut by the end of the region counts as not yet known:
 * the prefix stops before it and *bad stays false. *bad is true when the
 * byte at the returned position starts an invalid sequence.
 */
static size_t utf8_prefix(const unsigned char *p, size_t n, bool final, bool *bad)
{
    size_t i = 0;
    *bad = false;
    while (i < n) {
#if defined(__SSE2__)
        /* ASCII runs: 64 bytes per test, then 16 */
        while (i + 64 <= n) {
            const __m128i *q = (const __m128i *)(const void *)(p + i);
            __m128i any = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(q), _mm_loadu_si128(q + 1)),
                                       _mm_or_si128(_mm_loadu_si128(q + 2), _mm_loadu_si128(q + 3)));
            if (_mm_movemask_epi8(any))
                break;
            i += 64;
        }
        while (i + 16 <= n &&
               _mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i))) == 0)
            i += 16;
#endif
        if (i >= n)
            break;
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* no overlongs */
            if (c == 0xED)
                hi = 0x9F; /* no surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F; /* <= U+10FFFF */
        } else {
            *bad = true;
            return i;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n) {
                *bad = final;
                return i;
            }
            unsigned b = p[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
                *bad = true;
                return i;
            }
        }
        i += need + 1;
    }
    return i;
}

/* ---- parser state ------------------------------------------------------ */

static const char EMPTY[1] = "";

static void parser_clear(kpi__csv_parser *P)
{
    kpi__free(P->text);
    kpi__free(P->len);
    kpi__free(P->line);
    kpi__free(P->offset);
    kpi__free(P->row_text);
    kpi__free(P->row_len);
    kpi__free(P->first_text);
    kpi__free(P->first_len);
    kpi__free(P->scratch);
}

/* Sizes the batch arrays once the field count is known. */
static kpi_status parser_size_batch(kpi__csv_parser *P)
{
    size_t cells = P->batch_rows * P->nf;
    P->text = kpi__reallocarray(NULL, cells, sizeof *P->text);
    P->len = kpi__reallocarray(NULL, cells, sizeof *P->len);
    P->line = kpi__reallocarray(NULL, P->batch_rows, sizeof *P->line);
    P->offset = kpi__reallocarray(NULL, P->batch_rows, sizeof *P->offset);
    P->row_text = kpi__reallocarray(NULL, P->batch_rows, sizeof *P->row_text);
    P->row_len = kpi__reallocarray(NULL, P->batch_rows, sizeof *P->row_len);
    if (!P->text || !P->len || !P->line || !P->offset || !P->row_text || !P->row_len)
        return KPI_ENOMEM;
    return KPI_OK;
}

static kpi_status flush(kpi__csv_parser *P)
{
    if (P->rows == 0)
        return KPI_OK;
    kpi_csv_batch b;
    b.size = sizeof b;
    b.rows = P->rows;
    b.fields = P->nf;
    b.text = P->text;
    b.len = P->len;
    b.line = P->line;
    b.offset = P->offset;
    b.row_text = P->row_text;
    b.row_len = P->row_len;
    b.names = P->header ? (const char *const *)P->header->names : NULL;
    b.name_len = P->header ? P->header->name_len : NULL;
    b.chunk = P->chunk;
    b.source = P->source ? P->source : "";
    P->rows = 0;
    P->scratch_used = 0;
    kpi_status st = P->fn(&b, P->user);
    if (st != KPI_OK && !kpi__error_pending())
        kpi__fail(st, "the batch callback stopped the parse (%s)", kpi_status_str(st));
    return st;
}

/* Line and column (in characters) of byte @pos, counting from a record
 * start @rs known to be at line @line, column 1 (after a BOM at 0). */
static void locate(const unsigned char *buf, size_t rs, long long line, size_t pos,
                   long long *out_line, long *out_col)
{
    size_t ls = rs;
    for (size_t i = rs; i < pos; i++)
        if (buf[i] == '\n') {
            line++;
            ls = i + 1;
        }
    *out_line = line;
    *out_col = kpi__utf8_count((const char *)buf + ls, pos - ls) + 1;
}

typedef struct {
    const unsigned char *buf;
    size_t end;         /* parse [0, end) */
    bool final;         /* end is the end of the input */
    bool utf8_bad;      /* the byte at end is invalid UTF-8 */
    long long base;     /* stream offset of buf[0] */
    size_t rs;          /* start of the current record */
    long long rs_line;  /* its line */
} region;

/* Records a failure at @pos of the current record, applying the record
 * length rule first. */
static kpi_status fail_at(kpi__csv_parser *P, const region *R, size_t pos, kpi_status code,
                          const char *fmt, ...) KPI__PRINTF(5, 6);
static kpi_status fail_at(kpi__csv_parser *P, const region *R, size_t pos, kpi_status code,
                          const char *fmt, ...)
{
    if (pos - R->rs > P->max_record) {
        pos = R->rs + P->max_record;
        code = kpi__fail(KPI_ELIMIT, "record is longer than the limit of %zu bytes "
                                     "(max_record_bytes)", P->max_record);
    } else {
        va_list ap;
        va_start(ap, fmt);
        kpi__vfail(code, fmt, ap);
        va_end(ap);
    }
    long long line;
    long col;
    locate(R->buf, R->rs, R->rs_line, pos, &line, &col);
    kpi__error_set_position((long)line, col, R->base + (long long)pos);
    kpi__error_set_source(P->source);
    return code;
}

/* The input stops inside the record at R->end (not final): need more. */
static kpi_status need_more(kpi__csv_parser *P, const region *R)
{
    if (R->end - R->rs > P->max_record)
        return fail_at(P, R, R->end, KPI_ELIMIT, "record too long");
    if (R->utf8_bad)
        return fail_at(P, R, R->end, KPI_EPARSE, "invalid UTF-8 (byte 0x%02X); the file must "
                                                 "be UTF-8", R->buf[R->end]);
    return KPI_OK;
}

/* Puts a quoted field with doubled quotes, unescaped, into the scratch area. */
static kpi_status unescape(kpi__csv_parser *P, const unsigned char *src, size_t n,
                           const char **out, size_t *out_len, size_t fi)
{
    if (P->scratch_cap - P->scratch_used < n) {
        /* deliver the finished rows, keep only the current one's fields */
        const char **cur = P->cur_text;
        uintptr_t old = (uintptr_t)P->scratch;
        size_t keep_from = P->row_scratch;
        if (P->nf && P->rows) {
            kpi_status st = flush(P); /* the callback sees the finished rows only */
            if (st)
                return st;
            memmove(P->text, cur, fi * sizeof *cur);
            memmove(P->len, P->cur_len, fi * sizeof *P->len);
            cur = P->cur_text = P->text;
            P->cur_len = P->len;
        }
        size_t kept = P->row_scratch_end - keep_from;
        if (P->scratch && kept)
            memmove(P->scratch, P->scratch + keep_from, kept);
        size_t cap = P->scratch_cap;
        if (cap - kept < n) {
            cap = 2 * cap > kept + n ? 2 * cap : kept + n + 4096;
            char *s = kpi__realloc(P->scratch, cap);
            if (!s)
                return KPI_ENOMEM;
            P->scratch = s;
            P->scratch_cap = cap;
        }
        for (size_t k = 0; k < fi; k++) {
            uintptr_t a = (uintptr_t)cur[k];
            if (a >= old + keep_from && a <= old + P->row_scratch_end)
                cur[k] = P->scratch + (a - old - keep_from);
        }
        P->row_scratch = 0;
        P->scratch_used = kept;
        P->row_scratch_end = kept;
    }
    char *d = P->scratch + P->scratch_used, *d0 = d;
    for (size_t i = 0; i < n; i++) {
        *d++ = (char)src[i];
        if (src[i] == '"')
            i++; /* the second of a pair */
    }
    *out = d0;
    *out_len = (size_t)(d - d0);
    P->scratch_used += *out_len;
    P->row_scratch_end = P->scratch_used;
    return KPI_OK;
}

/* Makes room for field @fi of the first record (the header, or the row
 * that fixes the field count). */
static kpi_status grow_first(kpi__csv_parser *P, const region *R, size_t fi, size_t at)
{
    if (fi >= P->max_fields)
        return fail_at(P, R, at, KPI_ELIMIT, "more than %zu fields in a record (max_fields)",
                       P->max_fields);
    size_t cap = P->first_cap ? 2 * P->first_cap : 16;
    if (cap > P->max_fields)
        cap = P->max_fields;
    const char **t = kpi__reallocarray(P->first_text, cap, sizeof *t);
    if (!t)
        return KPI_ENOMEM;
    P->first_text = t;
    size_t *l = kpi__reallocarray(P->first_len, cap, sizeof *l);
    if (!l)
        return KPI_ENOMEM;
    P->first_len = l;
    P->first_cap = cap;
    P->cur_text = t;
    P->cur_len = l;
    P->cur_cap = cap;
    return KPI_OK;
}

/* Turns the first record into the header (copied) or fixes the field count. */
static kpi_status first_record_done(kpi__csv_parser *P, size_t nfields, bool *was_header)
{
    *was_header = false;
    P->nf = nfields;
    if (P->want_header && !P->header) {
        kpi__csv_header *h = kpi__calloc(1, sizeof *h);
        if (!h)
            return KPI_ENOMEM;
        size_t bytes = 0;
        for (size_t i = 0; i < nfields; i++)
            bytes += P->first_len[i] + 1;
        h->names = kpi__reallocarray(NULL, nfields, sizeof *h->names);
        h->name_len = kpi__reallocarray(NULL, nfields, sizeof *h->name_len);
        h->bytes = kpi__malloc(bytes);
        if (!h->names || !h->name_len || !h->bytes) {
            kpi__csv_header_free(h);
            return KPI_ENOMEM;
        }
        char *w = h->bytes;
        for (size_t i = 0; i < nfields; i++) {
            memcpy(w, P->first_text[i], P->first_len[i]);
            w[P->first_len[i]] = '\0';
            h->names[i] = w;
            h->name_len[i] = P->first_len[i];
            w += P->first_len[i] + 1;
        }
        h->count = nfields;
        P->header = h;
        P->own_header = true;
        *was_header = true;
    }
    kpi_status st = parser_size_batch(P);
    if (st)
        return st;
    if (!*was_header) { /* the first record is a row: copy it into the batch */
        memcpy(P->text, P->first_text, nfields * sizeof *P->text);
        memcpy(P->len, P->first_len, nfields * sizeof *P->len);
    }
    return KPI_OK;
}

bool kpi__csv_fast_records = true;

/* Adds the record [rs, term) of @buf, its fields already in place, to the batch. */
static inline void row_done(kpi__csv_parser *P, long long line, long long base,
                            const unsigned char *buf, size_t rs, size_t term)
{
    const size_t r = P->rows;
    P->line[r] = line;
    P->offset[r] = base + (long long)rs;
    P->row_text[r] = (const char *)buf + rs;
    P->row_len[r] = term - rs;
    P->rows = r + 1;
}

/*
 * Parses buf[0..len), which starts at a record start at stream offset
 * @base and line *line. Complete records are delivered; *consumed is where
 * the first incomplete record starts (len when final). With @stop_first,
 * returns after the first record (header or not).
 */
kpi_status kpi__csv_parse_block(kpi__csv_parser *P, const unsigned char *buf, size_t len,
                                bool final, long long base, long long *line, size_t *consumed,
                                bool stop_first)
{
    region R = {buf, len, final, false, base, 0, *line};
    size_t start = 0;
    *consumed = 0;
    if (base == 0 && !P->bom_done) { /* a UTF-8 BOM at the start of the stream */
        if (len < 3 && !final && memcmp(buf, "\xEF\xBB\xBF", len) == 0)
            return KPI_OK;
        P->bom_done = true;
        if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            start = 3;
    }
    if (P->utf8) {
        bool bad;
        R.end = utf8_prefix(buf, len, final, &bad);
        R.utf8_bad = bad;
        if (R.end < len)
            R.final = false;
    }
    const unsigned char delim = P->delim;
    const size_t end = R.end;
    /* scanner state: 64-byte block at blk, its unconsumed specials in mask */
    unsigned char tail[64];
    size_t blk = start & ~(size_t)63;
    uint64_t mask = 0;
#define LOAD_BLOCK()                                                                  \
    do {                                                                              \
        if (blk + 64 <= end) {                                                        \
            mask = block_mask(buf + blk, delim);                                      \
        } else {                                                                      \
            memset(tail, 0, sizeof tail);                                             \
            memcpy(tail, buf + blk, end - blk);                                       \
            mask = block_mask(tail, delim) & ((UINT64_C(1) << (end - blk)) - 1);      \
        }                                                                             \
    } while (0)
    /* NEXT(pos): the next special at or after the scan point, or end */
#define NEXT(pos)                                                                     \
    do {                                                                              \
        while (!mask) {                                                               \
            blk += 64;                                                                \
            if (blk >= end)                                                           \
                break;                                                                \
            LOAD_BLOCK();                                                             \
        }                                                                             \
        if (mask) {                                                                   \
            (pos) = blk + (size_t)ctz64(mask);                                        \
            mask &= mask - 1;                                                         \
        } else {                                                                      \
            (pos) = end;                                                              \
            blk = end; /* stays past the end */                                       \
        }                                                                             \
    } while (0)
    if (blk < end) {
        LOAD_BLOCK();
        if (start > blk)
            mask &= ~((UINT64_C(1) << (start - blk)) - 1);
    }
    long long ln = *line;
    size_t rs = start; /* record start */
    kpi_status st = KPI_OK;

    for (;;) { /* one record per iteration */
        R.rs = rs;
        R.rs_line = ln;
        size_t fi = 0, fs = rs;
        if (P->nf) {
            P->cur_text = P->text + P->rows * P->nf;
            P->cur_len = P->len + P->rows * P->nf;
            P->cur_cap = P->nf;
        } else if (P->first_cap) {
            P->cur_text = P->first_text;
            P->cur_len = P->first_len;
            P->cur_cap = P->first_cap;
        } else {
            P->cur_cap = 0;
        }
        P->row_scratch = P->row_scratch_end = P->scratch_used;
        if (P->nf && !stop_first && kpi__csv_fast_records) {
            /* Fast path for the usual record: nf unquoted fields ending in
             * LF, all before end. Anything else (a quote, a CR, a field
             * count off, the end of the input, an overlong record) goes
             * back to the record's start and through the full parse below. */
            const size_t saved_blk = blk;
            const uint64_t saved_mask = mask;
            const char **text = P->cur_text;
            size_t *flens = P->cur_len;
            size_t f = rs, k = 0, s;
            for (;;) {
                NEXT(s);
                if (s >= end)
                    break;
                text[k] = (const char *)buf + f;
                flens[k] = s - f;
                if (buf[s] == delim && k + 1 < P->nf) {
                    k++;
                    f = s + 1;
                    continue;
                }
                if (buf[s] == '\n' && k + 1 == P->nf && s > rs && s - rs <= P->max_record) {
                    row_done(P, ln, base, buf, rs, s);
                    ln++;
                    rs = s + 1;
                    if (P->rows == P->batch_rows && (st = flush(P)))
                        goto out;
                    goto next_record;
                }
                break;
            }
            blk = saved_blk;
            mask = saved_mask;
        }
        size_t term;    /* where the record's terminator starts */
        size_t next_rs; /* where the next record starts */
        bool at_eof = false;
        if (rs >= end) {
            if (!R.final) {
                st = need_more(P, &R);
                goto out;
            }
            goto done;
        }
        for (;;) { /* one field per iteration, starting at fs */
            const char *ftext;
            size_t flen;
            size_t s;
            if (fs < end && buf[fs] == '"') {
                NEXT(s); /* the opening quote itself */
                size_t cs = fs + 1;
                bool esc = false;
                size_t q;
                for (;;) {
                    NEXT(q);
                    if (q >= end) {
                        if (!R.final) {
                            st = need_more(P, &R);
                            goto out;
                        }
                        /* the limit is judged at the end of the input, the error
                         * is shown at the opening quote */
                        st = fail_at(P, &R, end - rs > P->max_record ? end : fs, KPI_EPARSE,
                                     "quoted field is not closed: this quote has no closing "
                                     "quote before the end of the input");
                        goto out;
                    }
                    if (buf[q] == '\n') {
                        ln++;
                        continue;
                    }
                    if (buf[q] != '"')
                        continue;
                    if (q + 1 < end && buf[q + 1] == '"') {
                        NEXT(s);
                        esc = true;
                        continue;
                    }
                    break;
                }
                if (esc) {
                    st = unescape(P, buf + cs, q - cs, &ftext, &flen, fi);
                    if (st)
                        goto out;
                } else {
                    ftext = (const char *)buf + cs;
                    flen = q - cs;
                }
                s = q + 1; /* must be a delimiter, a terminator or the end */
                if (s >= end) {
                    if (!R.final) {
                        st = need_more(P, &R);
                        goto out;
                    }
                } else if (buf[s] == delim || buf[s] == '\n' || buf[s] == '\r') {
                    size_t s2;
                    NEXT(s2);
                    (void)s2;
                } else {
                    st = fail_at(P, &R, s, KPI_EPARSE,
                                 "text after a closing quote: a quoted field must end at a "
                                 "delimiter or a line end (write \"\" for a quote inside)");
                    goto out;
                }
            } else {
                NEXT(s);
                if (s < end && buf[s] == '"') {
                    st = fail_at(P, &R, s, KPI_EPARSE,
                                 "quote inside an unquoted field: quote the whole field and "
                                 "double the quote (\"a\"\"b\")");
                    goto out;
                }
                if (s >= end && !R.final) {
                    st = need_more(P, &R);
                    goto out;
                }
                ftext = (const char *)buf + fs;
                flen = s - fs;
            }
            /* s: delimiter, LF, CR or end */
            if (s < end && buf[s] == '\r') {
                if (s + 1 >= end) {
                    if (!R.final) {
                        st = need_more(P, &R);
                        goto out;
                    }
                } else if (buf[s + 1] == '\n') {
                    size_t s2;
                    NEXT(s2);
                    (void)s2;
                    term = s;
                    next_rs = s + 2;
                    goto record_end_field;
                }
                st = fail_at(P, &R, s, KPI_EPARSE,
                             "carriage return not followed by a line feed (lines end with LF "
                             "or CRLF)");
                goto out;
            }
            if (s >= end) {
                term = end;
                next_rs = end;
                at_eof = true;
                goto record_end_field;
            }
            if (buf[s] == '\n') {
                term = s;
                next_rs = s + 1;
                goto record_end_field;
            }
            /* a delimiter: store the field, next one */
            if (fi >= P->cur_cap) {
                if (P->nf) {
                    st = fail_at(P, &R, fs, KPI_EPARSE,
                                 "too many fields: the row has more than the %zu of the %s",
                                 P->nf, P->header ? "header" : "first row");
                    goto out;
                }
                if ((st = grow_first(P, &R, fi, fs)))
                    goto out;
            }
            P->cur_text[fi] = ftext;
            P->cur_len[fi] = flen;
            fi++;
            fs = s + 1;
            continue;

        record_end_field:
            if (fi == 0 && term == rs && !at_eof) { /* an empty line */
                ln++;
                rs = next_rs;
                goto next_record;
            }
            if (fi == 0 && term == rs && at_eof) /* nothing after the last line end */
                goto done;
            if (term - rs > P->max_record) {
                st = fail_at(P, &R, term, KPI_ELIMIT, "record too long");
                goto out;
            }
            if (fi >= P->cur_cap) {
                if (P->nf) {
                    st = fail_at(P, &R, fs, KPI_EPARSE,
                                 "too many fields: the row has more than the %zu of the %s",
                                 P->nf, P->header ? "header" : "first row");
                    goto out;
                }
                if ((st = grow_first(P, &R, fi, fs)))
                    goto out;
            }
            P->cur_text[fi] = ftext;
            P->cur_len[fi] = flen;
            fi++;
            break;
        }
        /* a complete record of fi fields, [rs, term) */
        if (P->nf && fi != P->nf) {
            st = fail_at(P, &R, term, KPI_EPARSE,
                         "too few fields: the row has %zu, the %s has %zu", fi,
                         P->header ? "header" : "first row", P->nf);
            goto out;
        }
        bool was_header = false;
        if (!P->nf) {
            if ((st = first_record_done(P, fi, &was_header)))
                goto out;
        }
        if (!was_header)
            row_done(P, R.rs_line, base, buf, rs, term);
        if (!at_eof)
            ln++;
        rs = next_rs;
        if (stop_first) {
            if (!was_header)
                P->rows = 0; /* the caller only wanted the field count */
            *consumed = rs;
            *line = ln;
            return KPI_OK;
        }
        if (P->rows == P->batch_rows && (st = flush(P)))
            goto out;
        if (at_eof)
            goto done;
    next_record:
        /* the scanner already stands after the terminator */
        continue;
    }
done:
    rs = R.end;
out:
    if (st == KPI_OK)
        st = flush(P);
    else
        P->rows = 0;
    *consumed = rs;
    *line = ln;
    return st;
#undef NEXT
#undef LOAD_BLOCK
}

/* ---- options, header --------------------------------------------------- */

void kpi__csv_header_free(kpi__csv_header *h)
{
    if (!h)
        return;
    kpi__free(h->names);
    kpi__free(h->name_len);
    kpi__free(h->bytes);
    kpi__free(h);
}

static kpi_status column_of(const kpi__csv_header *h, const char *name, size_t *index)
{
    if (!h)
        return kpi__fail(KPI_ENOTFOUND, "no header row: columns have no names");
    size_t n = strlen(name);
    for (size_t i = 0; i < h->count; i++)
        if (h->name_len[i] == n && memcmp(h->names[i], name, n) == 0) {
            *index = i;
            return KPI_OK;
        }
    return kpi__fail(KPI_ENOTFOUND, "no column named '%s' in the header", name);
}

static kpi_status check_options(const kpi_csv_options *o)
{
    if (o->size < sizeof(kpi_csv_options))
        return kpi__fail(KPI_EINVAL, "opts->size is %zu, expected %zu (initialise with "
                                     "KPI_CSV_OPTIONS_INIT)", o->size, sizeof(kpi_csv_options));
    if (o->delimiter == '"' || o->delimiter == '\r' || o->delimiter == '\n' || o->delimiter == 0 ||
        (unsigned char)o->delimiter >= 0x80)
        return kpi__fail(KPI_EINVAL, "delimiter 0x%02X is not allowed (an ASCII character other "
                                     "than quote, CR, LF and NUL)", (unsigned char)o->delimiter);
    if (o->max_record_bytes < 16 || o->max_record_bytes > ((size_t)1 << 30))
        return kpi__fail(KPI_EINVAL, "max_record_bytes %zu is outside [16, 2^30]", o->max_record_bytes);
    if (o->max_fields < 1 || o->max_fields > 65536)
        return kpi__fail(KPI_EINVAL, "max_fields %zu is outside [1, 65536]", o->max_fields);
    if (o->batch_rows < 1 || o->batch_rows > 65536)
        return kpi__fail(KPI_EINVAL, "batch_rows %zu is outside [1, 65536]", o->batch_rows);
    return KPI_OK;
}

/* @o with its zero limits taken from kpi_limits (csv_line_bytes, csv_fields), checked. */
static kpi_status resolve_options(const kpi_csv_options *o, kpi_csv_options *out)
{
    if (o->size < sizeof(kpi_csv_options))
        return check_options(o);
    *out = *o;
    if (!out->max_record_bytes)
        out->max_record_bytes = kpi__limits()->csv_line_bytes;
    if (!out->max_fields)
        out->max_fields = kpi__limits()->csv_fields;
    return check_options(out);
}

static void parser_init(kpi__csv_parser *P, const kpi_csv_options *o, const char *source)
{
    memset(P, 0, sizeof *P);
    P->delim = (unsigned char)o->delimiter;
    P->want_header = o->header != 0;
    P->utf8 = o->validate_utf8 != 0;
    P->max_record = o->max_record_bytes;
    P->max_fields = o->max_fields;
    P->batch_rows = o->batch_rows;
    P->source = source;
}

static void parser_free(kpi__csv_parser *P)
{
    if (P->own_header)
        kpi__csv_header_free(P->header);
    parser_clear(P);
}

/* ---- streaming reader -------------------------------------------------- */

struct kpi_csv_reader {
    kpi__csv_parser P;
    unsigned char *buf;
    size_t cap, have;
    long long offset; /* stream offset of buf[0] */
    long long line;
    char *source;
    bool failed, finished;
};

kpi_status kpi_csv_reader_new(kpi_csv_reader **out, const kpi_csv_options *opts)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_csv_reader_new: out must not be NULL");
    kpi_csv_options def = KPI_CSV_OPTIONS_INIT, resolved;
    if (!opts)
        opts = &def;
    kpi_status st = resolve_options(opts, &resolved);
    if (st)
        return st;
    opts = &resolved;
    kpi_csv_reader *r = kpi__calloc(1, sizeof *r);
    if (!r)
        return KPI_ENOMEM;
    r->cap = 2 * opts->max_record_bytes + 64;
    if (r->cap < ((size_t)256 << 10))
        r->cap = (size_t)256 << 10;
    r->buf = kpi__malloc(r->cap);
    r->source = opts->source ? kpi__strdup(opts->source) : NULL;
    if (!r->buf || (opts->source && !r->source)) {
        kpi__free(r->buf);
        kpi__free(r->source);
        kpi__free(r);
        return KPI_ENOMEM;
    }
    parser_init(&r->P, opts, r->source);
    r->line = 1;
    *out = r;
    return KPI_OK;
}

void kpi_csv_reader_free(kpi_csv_reader *reader)
{
    if (!reader)
        return;
    parser_free(&reader->P);
    kpi__free(reader->buf);
    kpi__free(reader->source);
    kpi__free(reader);
}

static kpi_status reader_check(kpi_csv_reader *r, kpi_csv_batch_fn fn)
{
    if (!r || !fn)
        return kpi__fail(KPI_EINVAL, "the reader and the callback must not be NULL");
    if (r->failed)
        return kpi__fail(KPI_EINVAL, "the reader stopped at an earlier error");
    if (r->finished)
        return kpi__fail(KPI_EINVAL, "the reader is finished");
    return KPI_OK;
}

/* Parses the buffered bytes and keeps the incomplete record. */
static kpi_status reader_parse(kpi_csv_reader *r, bool final)
{
    size_t used;
    kpi_status st = kpi__csv_parse_block(&r->P, r->buf, r->have, final, r->offset, &r->line,
                                         &used, false);
    if (st) {
        r->failed = true;
        return st;
    }
    memmove(r->buf, r->buf + used, r->have - used);
    r->have -= used;
    r->offset += (long long)used;
    return KPI_OK;
}

kpi_status kpi_csv_reader_feed(kpi_csv_reader *reader, const void *data, size_t len,
                               kpi_csv_batch_fn fn, void *user)
{
    kpi__error_reset();
    kpi_status st = reader_check(reader, fn);
    if (st)
        return st;
    if (!data && len)
        return kpi__fail(KPI_EINVAL, "kpi_csv_reader_feed: data must not be NULL");
    kpi_csv_reader *r = reader;
    r->P.fn = fn;
    r->P.user = user;
    const unsigned char *p = data;
    while (len) {
        if (r->have == 0 && len >= r->cap / 2) {
            /* parse straight from the caller's bytes; keep only the tail */
            size_t used;
            st = kpi__csv_parse_block(&r->P, p, len, false, r->offset, &r->line, &used, false);
            if (st) {
                r->failed = true;
                return st;
            }
            r->offset += (long long)used;
            p += used;
            len -= used;
            if (len > r->cap) { /* cannot happen: the tail is shorter than a record */
                r->failed = true;
                return kpi__fail(KPI_ELIMIT, "record too long");
            }
            memcpy(r->buf, p, len);
            r->have = len;
            return KPI_OK;
        }
        size_t take = r->cap - r->have < len ? r->cap - r->have : len;
        memcpy(r->buf + r->have, p, take);
        r->have += take;
        p += take;
        len -= take;
        if (r->have == r->cap && (st = reader_parse(r, false)))
            return st;
    }
    return KPI_OK;
}

kpi_status kpi_csv_reader_finish(kpi_csv_reader *reader, kpi_csv_batch_fn fn, void *user)
{
    kpi__error_reset();
    kpi_status st = reader_check(reader, fn);
    if (st)
        return st;
    reader->P.fn = fn;
    reader->P.user = user;
    st = reader_parse(reader, true);
    reader->finished = true;
    return st;
}

kpi_status kpi_csv_reader_column(const kpi_csv_reader *reader, const char *name, size_t *index)
{
    kpi__error_reset();
    if (!reader || !name || !index)
        return kpi__fail(KPI_EINVAL, "kpi_csv_reader_column: arguments must not be NULL");
    if (reader->P.want_header && !reader->P.header)
        return kpi__fail(KPI_ENOTFOUND, "the header has not been read yet");
    return column_of(reader->P.header, name, index);
}

kpi_status kpi_csv_batch_column(const kpi_csv_batch *batch, const char *name, size_t *index)
{
    kpi__error_reset();
    if (!batch || !name || !index)
        return kpi__fail(KPI_EINVAL, "kpi_csv_batch_column: arguments must not be NULL");
    if (!batch->names)
        return kpi__fail(KPI_ENOTFOUND, "no header row: columns have no names");
    kpi__csv_header h = {(char **)(uintptr_t)batch->names, (size_t *)(uintptr_t)batch->name_len,
                         batch->fields, NULL};
    return column_of(&h, name, index);
}

/* ---- parallel whole-buffer parse --------------------------------------- */

typedef struct {
    const unsigned char *p;
    size_t from, to;         /* phase 1: nominal range to count */
    uint64_t quotes, lines;  /* phase 1 results */
    kpi__csv_parser P;       /* phase 2 */
    size_t start, stop;      /* phase 2: the chunk */
    long long line;
    bool final;
    kpi_status st;
    /* a failure, carried back from the worker's thread */
    char message[512], source[256];
    long long err_line, err_offset;
    long err_col;
} chunk_job;

/* Counts quotes and line feeds in p[from..to). */
static void count_qn(const unsigned char *p, size_t from, size_t to, uint64_t *quotes,
                     uint64_t *lines)
{
    uint64_t q = 0, n = 0;
    size_t i = from;
#if defined(__SSE2__)
    const __m128i vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (to - i >= 16) {
        __m128i aq = zero, an = zero;
        for (int k = 0; k < 255 && to - i >= 16; k++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            aq = _mm_sub_epi8(aq, _mm_cmpeq_epi8(v, vq));
            an = _mm_sub_epi8(an, _mm_cmpeq_epi8(v, vn));
        }
        __m128i sq = _mm_sad_epu8(aq, zero), sn = _mm_sad_epu8(an, zero);
        q += (uint64_t)_mm_cvtsi128_si32(sq) + (uint64_t)_mm_cvtsi128_si32(_mm_srli_si128(sq, 8));
        n += (uint64_t)_mm_cvtsi128_si32(sn) + (uint64_t)_mm_cvtsi128_si32(_mm_srli_si128(sn, 8));
    }
#endif
    for (; i < to; i++) {
        q += p[i] == '"';
        n += p[i] == '\n';
    }
    *quotes = q;
    *lines = n;
}

static void *count_job(void *arg)
{
    chunk_job *j = arg;
    count_qn(j->p, j->from, j->to, &j->quotes, &j->lines);
    return NULL;
}

static void *parse_job(void *arg)
{
    chunk_job *j = arg;
    kpi__error_reset();
    size_t used;
    long long line = j->line;
    j->st = kpi__csv_parse_block(&j->P, j->p + j->start, j->stop - j->start, j->final,
                                 (long long)j->start, &line, &used, false);
    if (j->st == KPI_OK && !j->final && used != j->stop - j->start)
        j->st = kpi__fail(KPI_EPARSE, "a chunk did not end at a record boundary");
    if (j->st) {
        const kpi_error *e = kpi_error_last();
        snprintf(j->message, sizeof j->message, "%s", kpi_error_message(e));
        snprintf(j->source, sizeof j->source, "%s", kpi_error_source(e));
        j->err_line = kpi_error_line(e);
        j->err_col = kpi_error_column(e);
        j->err_offset = kpi_error_offset(e);
    }
    return NULL;
}

/* Runs fn on jobs[0..n): jobs 1.. on new threads, job 0 on this one. */
static kpi_status run_jobs(chunk_job *jobs, unsigned n, void *(*fn)(void *))
{
    pthread_t tid[MAX_THREADS];
    unsigned started = 1;
    for (unsigned k = 1; k < n; k++, started++)
        if (pthread_create(&tid[k], NULL, fn, &jobs[k]) != 0)
            break;
    fn(&jobs[0]);
    for (unsigned k = started; k < n; k++) /* threads we could not start */
        fn(&jobs[k]);
    for (unsigned k = 1; k < started; k++)
        pthread_join(tid[k], NULL);
    return KPI_OK;
}

kpi_status kpi_csv_parse(const void *data, size_t len, const kpi_csv_options *opts,
                         unsigned threads, kpi_csv_batch_fn fn, void *user)
{
    kpi__error_reset();
    if ((!data && len) || !fn)
        return kpi__fail(KPI_EINVAL, "kpi_csv_parse: data and fn must not be NULL");
    if (threads < 1 || threads > MAX_THREADS)
        return kpi__fail(KPI_EINVAL, "threads %u is outside [1, %d]", threads, MAX_THREADS);
    kpi_csv_options def = KPI_CSV_OPTIONS_INIT, resolved;
    if (!opts)
        opts = &def;
    kpi_status st = resolve_options(opts, &resolved);
    if (st)
        return st;
    opts = &resolved;
    const unsigned char *p = data ? data : (const unsigned char *)EMPTY;
    kpi__csv_parser P0;
    parser_init(&P0, opts, opts->source);
    P0.fn = fn;
    P0.user = user;
    long long line = 1;
    size_t head = 0;
    if (threads > 1 && len / threads >= MIN_CHUNK) {
        /* the first record fixes the header and the field count */
        st = kpi__csv_parse_block(&P0, p, len, true, 0, &line, &head, true);
        if (st == KPI_OK && !P0.own_header) { /* no header: that row is chunk 0's first */
            line = 1;
            head = len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        }
    } else {
        threads = 1;
    }
    if (st || threads == 1 || P0.nf == 0) {
        if (st == KPI_OK) {
            size_t used;
            st = kpi__csv_parse_block(&P0, p + head, len - head, true, (long long)head, &line,
                                      &used, false);
        }
        parser_free(&P0);
        return st;
    }

    chunk_job *jobs = kpi__calloc(threads, sizeof *jobs);
    if (!jobs) {
        parser_free(&P0);
        return KPI_ENOMEM;
    }
    size_t body = len - head;
    for (unsigned k = 0; k < threads; k++) {
        jobs[k].p = p;
        jobs[k].from = head + body / threads * k;
        jobs[k].to = k + 1 == threads ? len : head + body / threads * (k + 1);
    }
    run_jobs(jobs, threads, count_job);
    /* chunk k starts after the first line feed outside quotes at or after from */
    uint64_t quotes = 0, lines = 0;
    for (unsigned k = 0; k < threads; k++) {
        size_t s = jobs[k].from;
        uint64_t nl = 0;
        if (k > 0) {
            bool inq = quotes & 1;
            while (s < len && (inq || p[s] != '\n')) {
                if (p[s] == '"')
                    inq = !inq;
                s++;
            }
            if (s < len)
                s++;
            count_qn(p, jobs[k].from, s, &(uint64_t){0}, &nl);
            if (s < jobs[k - 1].start)
                s = jobs[k - 1].start;
        }
        jobs[k].start = s;
        jobs[k].line = line + (long long)(lines + nl);
        quotes += jobs[k].quotes;
        lines += jobs[k].lines;
    }
    for (unsigned k = 0; k < threads; k++) {
        jobs[k].stop = k + 1 == threads ? len : jobs[k + 1].start;
        jobs[k].final = jobs[k].stop == len;
        parser_init(&jobs[k].P, opts, opts->source);
        jobs[k].P.header = P0.header;
        jobs[k].P.nf = P0.nf;
        jobs[k].P.bom_done = true;
        jobs[k].P.fn = fn;
        jobs[k].P.user = user;
        jobs[k].P.chunk = k;
        if (parser_size_batch(&jobs[k].P)) {
            st = KPI_ENOMEM;
            break;
        }
    }
    if (st == KPI_OK) {
        run_jobs(jobs, threads, parse_job);
        for (unsigned k = 0; k < threads && st == KPI_OK; k++) {
            if (jobs[k].st) { /* the first chunk's failure is the first failure */
                st = kpi__fail(jobs[k].st, "%s", jobs[k].message);
                kpi__error_set_position((long)jobs[k].err_line, jobs[k].err_col,
                                        jobs[k].err_offset);
                if (jobs[k].source[0])
                    kpi__error_set_source(jobs[k].source);
            }
        }
    }
    for (unsigned k = 0; k < threads; k++)
        parser_free(&jobs[k].P);
    kpi__free(jobs);
    parser_free(&P0);
    return st;
}

/* ---- typed fields ------------------------------------------------------ */

/* A parse failure at byte @at of @text (column in characters). */
static kpi_status text_fail(const char *text, size_t at, kpi_status code, const char *fmt, ...)
    KPI__PRINTF(4, 5);
static kpi_status text_fail(const char *text, size_t at, kpi_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kpi__vfail(code, fmt, ap);
    va_end(ap);
    kpi__error_set_position(0, kpi__utf8_count(text, at) + 1, (long long)at);
    return code;
}

static kpi_status int64_core(const char *text, size_t len, int64_t *out)
{
    char q[KPI__QUOTED];
    size_t i = 0;
    bool neg = false;
    if (i < len && (text[i] == '+' || text[i] == '-'))
        neg = text[i++] == '-';
    if (i == len)
        return text_fail(text, i, KPI_EPARSE, "expected digits of an integer");
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned d = (unsigned char)text[i] - '0';
        if (d > 9)
            return text_fail(text, i, KPI_EPARSE, "'%s' in an integer: expected a digit",
                             kpi__quote_char(q, text + i, len - i));
        if (v > (limit - d) / 10)
            return text_fail(text, 0, KPI_EOVERFLOW, "integer '%s' does not fit in 64 bits",
                             kpi__quote(q, text, len, 40));
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return KPI_OK;
}

kpi_status kpi_csv_parse_int64(const char *text, size_t len, int64_t *out)
{
    kpi__error_reset();
    if (!text || !out)
        return kpi__fail(KPI_EINVAL, "kpi_csv_parse_int64: text and out must not be NULL");
    return int64_core(text, len, out);
}

/* Reads exactly @n digits at *i. */
static bool digits(const char *t, size_t len, size_t *i, int n, int *out)
{
    int v = 0;
    for (int k = 0; k < n; k++, (*i)++) {
        if (*i >= len || (unsigned)(t[*i] - '0') > 9)
            return false;
        v = v * 10 + (t[*i] - '0');
    }
    *out = v;
    return true;
}

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

kpi_status kpi_csv_parse_time(const char *text, size_t len, int32_t utc_offset_minutes,
                              int64_t *out)
{
    kpi__error_reset();
    if (!text || !out)
        return kpi__fail(KPI_EINVAL, "kpi_csv_parse_time: text and out must not be NULL");
    if (utc_offset_minutes < -1439 || utc_offset_minutes > 1439)
        return kpi__fail(KPI_EINVAL, "UTC offset %d minutes is outside [-1439, 1439]",
                         (int)utc_offset_minutes);
    const char *want = "a time like 2025-03-01 08:30:00 or 2025-03-01T08:30:00+08:00";
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
    if (!digits(text, len, &i, 4, &y) || i >= len || text[i] != '-')
        return text_fail(text, i, KPI_EPARSE, "bad year: expected %s", want);
    i++;
    size_t at = i;
    if (!digits(text, len, &i, 2, &mo) || mo < 1 || mo > 12)
        return text_fail(text, at, KPI_EPARSE, "bad month: expected 01-12");
    if (i >= len || text[i] != '-')
        return text_fail(text, i, KPI_EPARSE, "expected '-' after the month");
    at = ++i;
    if (!digits(text, len, &i, 2, &d) || d < 1 || d > days_in_month(y, mo))
        return text_fail(text, at, KPI_EPARSE, "bad day: %04d-%02d has %d days", y, mo,
                         days_in_month(y, mo));
    int32_t offset = utc_offset_minutes;
    if (i < len) {
        if (text[i] != ' ' && text[i] != 'T')
            return text_fail(text, i, KPI_EPARSE, "expected ' ' or 'T' after the date");
        at = ++i;
        if (!digits(text, len, &i, 2, &h) || h > 23)
            return text_fail(text, at, KPI_EPARSE, "bad hour: expected 00-23");
        if (i >= len || text[i] != ':')
            return text_fail(text, i, KPI_EPARSE, "expected ':' after the hour");
        at = ++i;
        if (!digits(text, len, &i, 2, &mi) || mi > 59)
            return text_fail(text, at, KPI_EPARSE, "bad minute: expected 00-59");
        if (i < len && text[i] == ':') {
            at = ++i;
            if (!digits(text, len, &i, 2, &sec) || sec > 59)
                return text_fail(text, at, KPI_EPARSE, "bad second: expected 00-59");
            if (i < len && (text[i] == '.' || text[i] == ',')) {
                at = ++i;
                int n = 0;
                for (; i < len && (unsigned)(text[i] - '0') <= 9; i++, n++)
                    if (n < 3)
                        ms = ms * 10 + (text[i] - '0');
                if (n == 0 || n > 9)
                    return text_fail(text, at, KPI_EPARSE, "a fraction of a second has 1 to 9 digits");
                for (; n < 3; n++)
                    ms *= 10;
            }
        }
        if (i < len) {
            at = i;
            if (text[i] == 'Z') {
                offset = 0;
                i++;
            } else if (text[i] == '+' || text[i] == '-') {
                int sign = text[i++] == '-' ? -1 : 1, oh, om = 0;
                if (!digits(text, len, &i, 2, &oh) || oh > 23)
                    return text_fail(text, at, KPI_EPARSE, "bad UTC offset: expected +HH:MM");
                if (i < len && text[i] == ':')
                    i++;
                if (i < len && (!digits(text, len, &i, 2, &om) || om > 59))
                    return text_fail(text, at, KPI_EPARSE, "bad UTC offset: expected +HH:MM");
                offset = sign * (oh * 60 + om);
            } else {
                char q[KPI__QUOTED];
                return text_fail(text, i, KPI_EPARSE, "unexpected '%s': expected %s",
                                 kpi__quote_char(q, text + i, len - i), want);
            }
            if (i < len)
                return text_fail(text, i, KPI_EPARSE, "unexpected text after the UTC offset");
        }
    }
    int64_t days = days_from_civil(y, mo, d);
    *out = ((days * 24 + h) * 60 + mi - offset) * 60000 + (int64_t)sec * 1000 + ms;
    return KPI_OK;
}

static kpi_status field_of(const kpi_csv_batch *b, size_t row, size_t col, const char **t,
                           size_t *n)
{
    if (!b || row >= b->rows || col >= b->fields)
        return kpi__fail(KPI_EINVAL, "field (%zu, %zu) is outside the batch", row, col);
    *t = b->text[row * b->fields + col];
    *n = b->len[row * b->fields + col];
    return KPI_OK;
}

/* Re-records the failure of parsing field (row, col) with its place in the file. */
static kpi_status locate_field(const kpi_csv_batch *b, size_t row, size_t col, kpi_status st)
{
    const kpi_error *e = kpi_error_last();
    char msg[512];
    snprintf(msg, sizeof msg, "%s", kpi_error_message(e));
    long icol = kpi_error_column(e);
    long long ioff = kpi_error_offset(e);
    const char *f = b->text[row * b->fields + col], *rt = b->row_text[row];
    long long line = b->line[row], off = -1;
    long column = 0;
    if ((uintptr_t)f >= (uintptr_t)rt && (uintptr_t)f <= (uintptr_t)rt + b->row_len[row]) {
        size_t k = (size_t)((uintptr_t)f - (uintptr_t)rt), ls = 0;
        for (size_t i = 0; i < k; i++)
            if (rt[i] == '\n') {
                line++;
                ls = i + 1;
            }
        column = kpi__utf8_count(rt + ls, k - ls) + (icol > 0 ? icol : 1);
        off = b->offset[row] + (long long)k + (ioff > 0 ? ioff : 0);
    }
    kpi__error_reset();
    if (b->names)
        kpi__fail(st, "column '%s': %s", b->names[col], msg);
    else
        kpi__fail(st, "column %zu: %s", col + 1, msg);
    kpi__error_set_position((long)line, column, off);
    kpi__error_set_source(b->source);
    return st;
}

/* One field through one of the text parsers (all take int64_t-sized outputs). */
static kpi_status typed_field(const kpi_csv_batch *b, size_t row, size_t col, int kind,
                              int32_t utc_offset, int64_t *out)
{
    kpi__error_reset();
    const char *t = NULL;
    size_t n = 0;
    kpi_status st = field_of(b, row, col, &t, &n);
    if (st)
        return st;
    if (!out)
        return kpi__fail(KPI_EINVAL, "out must not be NULL");
    switch (kind) {
    case 0: st = int64_core(t, n, out); break;
    case 1: st = kpi_dec_parse(t, n, out); break;
    case 2: st = kpi_money_parse(t, n, out); break;
    default: st = kpi_csv_parse_time(t, n, utc_offset, out); break;
    }
    return st ? locate_field(b, row, col, st) : KPI_OK;
}

kpi_status kpi_csv_field_int64(const kpi_csv_batch *batch, size_t row, size_t col, int64_t *out)
{
    return typed_field(batch, row, col, 0, 0, out);
}

kpi_status kpi_csv_field_dec(const kpi_csv_batch *batch, size_t row, size_t col, kpi_dec *out)
{
    return typed_field(batch, row, col, 1, 0, out);
}

kpi_status kpi_csv_field_money(const kpi_csv_batch *batch, size_t row, size_t col, kpi_money *out)
{
    return typed_field(batch, row, col, 2, 0, out);
}

kpi_status kpi_csv_field_time(const kpi_csv_batch *batch, size_t row, size_t col,
                              int32_t utc_offset_minutes, int64_t *out)
{
    return typed_field(batch, row, col, 3, utc_offset_minutes, out);
}
