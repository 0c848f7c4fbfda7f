/*
 * metrics_state.c - the accumulator's bytes: a fixed little-endian header,
 * a body of LEB128 varints (so zero cells take one byte a word and the
 * format does not depend on the host), and an FNV-1a 64 checksum. The
 * layout is documented byte by byte in docs/metrics.md "State format".
 *
 * Loading checks the header, then the body's structure (every length,
 * order and flag, each failure with its byte offset), then the checksum,
 * and never allocates more than the state's size can justify.
 */
#include <stdio.h>
#include <string.h>

#include "limits_internal.h"
#include "metrics_internal.h"

#define MAGIC "KPIMSTAT"
#define VERSION 3          /* the version written and read */
#define STORE_EXACT 0      /* store kind tags */
#define STORE_SKETCH 1
#define HEADER 48
#define TRAILER 8

/* ---- writing -------------------------------------------------------------- */

typedef struct {
    uint8_t *buf; /* NULL: only count */
    size_t pos;
} writer;

static void put_bytes(writer *w, const void *p, size_t n)
{
    if (w->buf)
        memcpy(w->buf + w->pos, p, n);
    w->pos += n;
}

static void put_le(writer *w, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put_bytes(w, b, (size_t)bytes);
}

static void put_varint(writer *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    put_bytes(w, b, n);
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A sketch store: varint length, then kpi_sketch_serialize() bytes (none when empty). */
static kpi_status put_sketch(writer *w, const kpi__skstore *st, const kpi_sketch_options *o)
{
    if (kpi__sks_empty(st)) {
        put_varint(w, 0);
        return KPI_OK;
    }
    kpi_sketch *sk;
    bool owned;
    kpi_status rc = kpi__sks_view(st, NULL, o, &sk, &owned);
    size_t n = 0;
    if (rc == KPI_OK)
        rc = kpi_sketch_serialize(sk, NULL, 0, &n);
    if (rc == KPI_OK) {
        put_varint(w, n);
        if (w->buf)
            rc = kpi_sketch_serialize(sk, w->buf + w->pos, n, &n);
        w->pos += n;
    }
    if (owned)
        kpi_sketch_free(sk);
    return rc;
}

static kpi_status encode(const kpi_metrics *m, writer *w)
{
    const kpi__schema *s = m->s;
    const size_t W = s->words, Q = s->stores, K = s->sketches;
    put_bytes(w, MAGIC, 8);
    put_le(w, VERSION, 2);
    put_le(w, HEADER, 2);
    put_le(w, 0, 4);
    put_le(w, s->fingerprint, 8);
    put_le(w, (uint64_t)m->period, 1);
    put_le(w, 0, 3);
    put_le(w, (uint64_t)(uint32_t)m->offset_min, 4);
    put_le(w, m->agents, 4);
    put_le(w, m->nperiods, 4);
    put_le(w, W, 4);
    put_le(w, Q + K, 4);
    int64_t prev = 0;
    for (size_t i = 0; i < m->nperiods; i++) {
        put_varint(w, zigzag((int64_t)((uint64_t)m->periods[i].key - (uint64_t)prev)));
        prev = m->periods[i].key;
    }
    for (size_t i = 0; i < m->nperiods; i++)
        for (size_t j = 0; j < m->agents * W; j++)
            put_varint(w, zigzag((int64_t)m->periods[i].cells[j]));
    for (size_t i = 0; i < m->nperiods; i++)
        for (size_t j = 0; j < m->agents * (Q + K); j++) {
            size_t a = j / (Q + K), slot = j % (Q + K);
            put_varint(w, slot < Q ? STORE_EXACT : STORE_SKETCH);
            if (slot >= Q) {
                kpi_status st = put_sketch(w, &m->periods[i].sketches[a * K + (slot - Q)],
                                           &s->skopts[slot - Q]);
                if (st != KPI_OK)
                    return st;
                continue;
            }
            kpi__qview v;
            kpi_status st = kpi__qs_view(&m->periods[i].stores[a * Q + slot], &v);
            if (st != KPI_OK)
                return st;
            put_varint(w, v.n);
            for (size_t k = 0; k < v.n; k++) {
                if (k == 0)
                    put_varint(w, zigzag(v.runs[0].value));
                else
                    put_varint(w, (uint64_t)v.runs[k].value - (uint64_t)v.runs[k - 1].value);
                put_varint(w, v.runs[k].count);
            }
            kpi__qview_free(&v);
        }
    return KPI_OK;
}

kpi_status kpi_metrics_save(const kpi_metrics *m, void *buf, size_t capacity, size_t *size)
{
    kpi__error_reset();
    if (!m || !size || (!buf && capacity))
        return kpi__fail(KPI_EINVAL, "kpi_metrics_save: m and size must not be NULL (buf may be "
                         "NULL only with capacity 0)");
    writer w = {NULL, 0};
    kpi_status st = encode(m, &w);
    if (st != KPI_OK)
        return st;
    size_t need = w.pos + TRAILER;
    *size = need;
    if (!buf)
        return KPI_OK;
    if (capacity < need)
        return kpi__fail(KPI_ERANGE, "the state needs %zu bytes; the buffer holds %zu", need,
                         capacity);
    w.buf = buf;
    w.pos = 0;
    if ((st = encode(m, &w)) != KPI_OK)
        return st;
    put_le(&w, kpi__fnv1a(KPI__FNV_OFFSET, buf, w.pos), 8);
    return KPI_OK;
}

/* ---- reading -------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t end; /* the body ends here (the checksum follows) */
    size_t pos;
} reader;

static kpi_status corrupt_at(kpi_status code, size_t offset, const char *what)
{
    kpi__fail(code, "metrics state: %s (at byte %zu)", what, offset);
    kpi__error_set_position(0, 0, (long long)offset);
    return code;
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static kpi_status get_varint(reader *r, uint64_t *out)
{
    size_t start = r->pos;
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->pos >= r->end)
            return corrupt_at(KPI_ECORRUPT, start, "truncated: a number runs past the end of the body");
        uint8_t b = r->p[r->pos++];
        if (shift == 63 && b > 1)
            return corrupt_at(KPI_ECORRUPT, start, "a number does not fit 64 bits");
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            /* one value, one encoding: a state that loads saves back to the same bytes
             * (found by fuzz_state) */
            if (b == 0 && shift > 0)
                return corrupt_at(KPI_ECORRUPT, start, "a number is not in its shortest form");
            *out = v;
            return KPI_OK;
        }
    }
    return corrupt_at(KPI_ECORRUPT, start, "a number does not fit 64 bits"); /* not reached */
}

static kpi_status check_header(const uint8_t *p, size_t size, const kpi__schema *s,
                               kpi_period *period, int32_t *offset, uint32_t dims[4])
{
    if (size < 8 || memcmp(p, MAGIC, 8) != 0)
        return corrupt_at(KPI_ECORRUPT, 0, "not a kpiscore metrics state (magic \"KPIMSTAT\" missing)");
    if (size < HEADER + TRAILER)
        return corrupt_at(KPI_ECORRUPT, size, "truncated: shorter than the 56-byte header and checksum");
    uint64_t version = get_le(p + 8, 2);
    if (version == 0)
        return corrupt_at(KPI_ECORRUPT, 8, "format version 0 does not exist");
    if (version > VERSION) {
        kpi__fail(KPI_EVERSION, "metrics state: format version %u is newer than this library "
                  "reads (%d); upgrade kpiscore (at byte 8)", (unsigned)version, VERSION);
        kpi__error_set_position(0, 0, 8);
        return KPI_EVERSION;
    }
    if (version < VERSION) {
        kpi__fail(KPI_EVERSION, "metrics state: format version %u was written by a development "
                  "build of kpiscore with another cell layout; rebuild it from the events (at "
                  "byte 8)", (unsigned)version);
        kpi__error_set_position(0, 0, 8);
        return KPI_EVERSION;
    }
    if (get_le(p + 10, 2) != HEADER)
        return corrupt_at(KPI_ECORRUPT, 10, "header length is not 48");
    if (get_le(p + 12, 4) != 0)
        return corrupt_at(KPI_EVERSION, 12, "unknown flags (written by a newer kpiscore?)");
    if (get_le(p + 16, 8) != s->fingerprint) {
        kpi__fail(KPI_EMISMATCH, "metrics state: it was saved with other metric definitions "
                  "than the registry given (at byte 16)");
        kpi__error_set_position(0, 0, 16);
        return KPI_EMISMATCH;
    }
    *period = (kpi_period)p[24];
    if (!kpi__period_valid(*period))
        return corrupt_at(KPI_ECORRUPT, 24, "unknown period kind");
    if (get_le(p + 25, 3) != 0)
        return corrupt_at(KPI_ECORRUPT, 25, "reserved bytes are not 0");
    *offset = (int32_t)(uint32_t)get_le(p + 28, 4);
    if (*offset < -1080 || *offset > 1080)
        return corrupt_at(KPI_ECORRUPT, 28, "UTC offset outside -1080..1080 minutes");
    for (int i = 0; i < 4; i++)
        dims[i] = (uint32_t)get_le(p + 32 + 4 * i, 4);
    if (dims[2] != s->words)
        return corrupt_at(KPI_ECORRUPT, 40, "words per cell differ from the definitions'");
    if (dims[3] != s->stores + s->sketches)
        return corrupt_at(KPI_ECORRUPT, 44, "quantile stores per cell differ from the definitions'");
    if (*period == KPI_PERIOD_ALL && dims[1] > 1)
        return corrupt_at(KPI_ECORRUPT, 36, "more than one period without time grouping");
    /* each word and store takes at least a byte: refuse sizes the body cannot hold */
    kpi__u128 least = (kpi__u128)dims[0] * dims[1] * ((kpi__u128)dims[2] + dims[3]) + dims[1];
    if (least > size - HEADER - TRAILER)
        return corrupt_at(KPI_ECORRUPT, 32, "agents x periods x cell size exceed the body");
    return KPI_OK;
}

static kpi_status read_keys(reader *r, kpi_metrics *m, size_t nperiods)
{
    int64_t prev = 0;
    for (size_t i = 0; i < nperiods; i++) {
        size_t at = r->pos, idx;
        uint64_t u;
        kpi_status st = get_varint(r, &u);
        if (st != KPI_OK)
            return st;
        int64_t key = (int64_t)((uint64_t)prev + (uint64_t)unzigzag(u));
        /* every int64 instant lies within +-106751991168 days */
        if ((i > 0 && key <= prev) || key > INT64_C(106751991168) ||
            key < -INT64_C(106751991168) || kpi__period_key(m->period, key) != key)
            return corrupt_at(KPI_ECORRUPT, at, "a period key is out of order or not a period start");
        if ((st = kpi__metrics_period_at(m, key, true, &idx)) != KPI_OK)
            return st;
        prev = key;
    }
    return KPI_OK;
}

static kpi_status read_cells(reader *r, kpi_metrics *m)
{
    const kpi__schema *s = m->s;
    const size_t W = s->words;
    for (size_t i = 0; i < m->nperiods; i++)
        for (size_t a = 0; a < m->agents; a++) {
            uint64_t *c = m->periods[i].cells + a * W;
            for (size_t w = 0; w < W; w++) {
                size_t at = r->pos;
                uint64_t u;
                kpi_status st = get_varint(r, &u);
                if (st != KPI_OK)
                    return st;
                c[w] = (uint64_t)unzigzag(u);
                if (s->wkind[w] == KPI__W_PAD && c[w])
                    return corrupt_at(KPI_ECORRUPT, at, "a padding word is not 0");
                if (s->wkind[w] == KPI__W_STICKY &&
                    (c[w] > 1 || (c[w] == 1 && (c[w - 1] || c[w - 2]))))
                    return corrupt_at(KPI_ECORRUPT, at, "an overflow flag is not 0 or 1, or its "
                                      "sum is kept");
            }
        }
    return KPI_OK;
}

static kpi_status read_sketch(reader *r, kpi__skstore *q, const kpi_sketch_options *o)
{
    size_t at = r->pos;
    uint64_t n;
    kpi_status st = get_varint(r, &n);
    if (st != KPI_OK || n == 0)
        return st;
    if (n > r->end - r->pos)
        return corrupt_at(KPI_ECORRUPT, at, "a sketch's length exceeds the body");
    st = kpi_sketch_deserialize(&q->sk, r->p + r->pos, (size_t)n);
    if (st == KPI_ENOMEM)
        return st;
    if (st != KPI_OK) {
        char why[300];
        snprintf(why, sizeof why, "a sketch does not load: %s", kpi_error_message(kpi_error_last()));
        long long inner = kpi_error_offset(kpi_error_last());
        kpi__error_reset();
        return corrupt_at(KPI_ECORRUPT, r->pos + (size_t)(inner > 0 ? inner : 0), why);
    }
    kpi_sketch_stats ss = KPI_SKETCH_STATS_INIT;
    kpi_sketch_stats_get(q->sk, &ss);
    /* its settings must be the definition's, and an empty one is written as length 0 */
    kpi_sketch *probe = NULL;
    bool same = kpi_sketch_new(&probe, o) == KPI_OK && kpi_sketch_merge(probe, q->sk) == KPI_OK;
    kpi_sketch_free(probe);
    kpi__error_reset();
    if (!same || ss.count == 0)
        return corrupt_at(KPI_ECORRUPT, at, "a sketch has other settings than its definition, or "
                          "is empty");
    q->nsk = ss.count;
    r->pos += (size_t)n;
    return KPI_OK;
}

static kpi_status read_store(reader *r, kpi__qstore *q)
{
    size_t at = r->pos;
    uint64_t n;
    kpi_status st = get_varint(r, &n);
    if (st != KPI_OK)
        return st;
    if (n > (r->end - r->pos) / 2 || n > UINT32_MAX)
        return corrupt_at(KPI_ECORRUPT, at, "a quantile run count exceeds the body");
    if (n == 0)
        return KPI_OK;
    q->runs = kpi__malloc(n * sizeof *q->runs);
    if (!q->runs)
        return KPI_ENOMEM;
    q->nruns = q->capruns = (uint32_t)n;
    uint64_t total = 0;
    for (uint64_t k = 0; k < n; k++) {
        at = r->pos;
        uint64_t u, c;
        if ((st = get_varint(r, &u)) != KPI_OK)
            return st;
        if (k == 0) {
            q->runs[0].value = unzigzag(u);
        } else {
            int64_t prev = q->runs[k - 1].value;
            if (u == 0 || (kpi__i128)u > (kpi__i128)INT64_MAX - prev)
                return corrupt_at(KPI_ECORRUPT, at, "quantile values are not strictly ascending");
            q->runs[k].value = (int64_t)((uint64_t)prev + u);
        }
        at = r->pos;
        if ((st = get_varint(r, &c)) != KPI_OK)
            return st;
        if (c == 0 || __builtin_add_overflow(total, c, &total))
            return corrupt_at(KPI_ECORRUPT, at, "a quantile run count is 0 or the total overflows");
        q->runs[k].count = c;
    }
    return KPI_OK;
}

kpi_status kpi_metrics_load(kpi_metrics **out, const kpi_metric_registry *reg, const void *buf,
                            size_t size, size_t max_bytes)
{
    kpi__error_reset();
    if (!out || !reg || (!buf && size))
        return kpi__fail(KPI_EINVAL, "kpi_metrics_load: out, reg and buf must not be NULL");
    if (!max_bytes)
        max_bytes = kpi__limits()->state_bytes;
    if (size > max_bytes) {
        kpi__fail(KPI_ELIMIT, "metrics state of %zu bytes exceeds the limit of %zu (state_bytes)", size,
                  max_bytes);
        kpi__error_set_position(0, 0, (long long)max_bytes);
        return KPI_ELIMIT;
    }
    const uint8_t *p = buf;
    kpi__schema *s;
    kpi_status st = kpi__schema_new(reg, &s);
    if (st != KPI_OK)
        return st;
    kpi_period period = KPI_PERIOD_ALL;
    int32_t offset = 0;
    uint32_t dims[4];
    kpi_metrics *m = NULL;
    st = check_header(p, size, s, &period, &offset, dims);
    if (st == KPI_OK)
        st = kpi__metrics_new_schema(s, period, offset, dims[0] > (1u << 24) ? dims[0] : 1u << 24,
                                     dims[0], &m);
    kpi__schema_unref(s);
    reader r = {p, size - TRAILER, HEADER};
    if (st == KPI_OK)
        st = read_keys(&r, m, dims[1]);
    if (st == KPI_OK)
        st = read_cells(&r, m);
    const size_t Q = st == KPI_OK ? m->s->stores : 0, K = st == KPI_OK ? m->s->sketches : 0;
    for (size_t i = 0; st == KPI_OK && i < m->nperiods; i++)
        for (size_t j = 0; st == KPI_OK && j < m->agents * (Q + K); j++) {
            size_t a = j / (Q + K), k = j % (Q + K);
            size_t at = r.pos;
            uint64_t tag;
            if ((st = get_varint(&r, &tag)) != KPI_OK)
                break;
            if (tag != (k < Q ? STORE_EXACT : STORE_SKETCH)) {
                st = corrupt_at(KPI_ECORRUPT, at, "a store's kind tag does not match the "
                                "definitions (0 exact, 1 sketch)");
                break;
            }
            st = k < Q ? read_store(&r, &m->periods[i].stores[a * Q + k])
                       : read_sketch(&r, &m->periods[i].sketches[a * K + (k - Q)],
                                     &m->s->skopts[k - Q]);
        }
    if (st == KPI_OK && r.pos != r.end)
        st = corrupt_at(KPI_ECORRUPT, r.pos, "unexpected bytes after the body");
    if (st == KPI_OK && get_le(p + size - TRAILER, 8) != kpi__fnv1a(KPI__FNV_OFFSET, p, size - TRAILER))
        st = corrupt_at(KPI_ECORRUPT, size - TRAILER, "checksum mismatch");
    if (st != KPI_OK) {
        kpi_metrics_free(m);
        return st;
    }
    *out = m;
    return KPI_OK;
}
