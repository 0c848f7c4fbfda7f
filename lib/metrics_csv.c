/*
 * metrics_csv.c - events CSV into accumulators: the path of every ingest
 * from a file. The CSV reader (csv.c) hands over batches of field
 * pointers; each batch is turned into the columns kpi_metrics_add_batch()
 * takes (agent index, event code, value, time) in fixed arrays, so nothing
 * is allocated per row.
 *
 * Every parse context (the stream, or one chunk of a threaded parse) adds
 * to its own private accumulator and keeps the agents it meets that the
 * map lacks in a private list, under provisional indexes after the map's.
 * At the end, in chunk order (= file order), the new agents get their
 * real indexes, the private accumulators are renumbered and merged, and
 * the result is merged into the caller's accumulator: the caller's objects
 * change only on success, and any thread count gives the same bits.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kpiscore/csv.h"
#include "metrics_internal.h"

#define COLS 4096          /* rows converted before each add */
#define CACHE_ID 128       /* longest agent id the last-row cache keeps */
#define MAX_THREADS 64
#define EVENT_SLOTS 256    /* hash slots for the event names (at most 64 of them) */
#define DATE_SLOTS 64      /* dates whose local midnight is cached, by month and day */

static const uint64_t money_events =
    KPI_EVENT_BIT(KPI_EVENT_PAYMENT) | KPI_EVENT_BIT(KPI_EVENT_SUBORDER) |
    KPI_EVENT_BIT(KPI_EVENT_REFUND) | KPI_EVENT_BIT(KPI_EVENT_SALES_TARGET);

/* ---- a set of ids (the agents a context adds) ------------------------------ */

typedef struct {
    char **ids;
    size_t *len;
    size_t n, cap;
    uint32_t *slots; /* index + 1; 0 = free */
    size_t nslots;
} idset;

static void idset_free(idset *s)
{
    for (size_t i = 0; i < s->n; i++)
        kpi__free(s->ids[i]);
    kpi__free(s->ids);
    kpi__free(s->len);
    kpi__free(s->slots);
    memset(s, 0, sizeof *s);
}

static bool idset_find(const idset *s, const char *id, size_t len, uint32_t *index)
{
    if (!s->nslots)
        return false;
    for (size_t h = kpi__fnv1a(KPI__FNV_OFFSET, id, len) & (s->nslots - 1);;
         h = (h + 1) & (s->nslots - 1)) {
        uint32_t k = s->slots[h];
        if (!k)
            return false;
        if (s->len[k - 1] == len && memcmp(s->ids[k - 1], id, len) == 0) {
            *index = k - 1;
            return true;
        }
    }
}

static void idset_slot(uint32_t *slots, size_t nslots, const char *id, size_t len, uint32_t k)
{
    size_t h = kpi__fnv1a(KPI__FNV_OFFSET, id, len) & (nslots - 1);
    while (slots[h])
        h = (h + 1) & (nslots - 1);
    slots[h] = k + 1;
}

/* Adds an id known to be absent; its index is the count before. */
static kpi_status idset_add(idset *s, const char *id, size_t len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char **ids = kpi__reallocarray(s->ids, cap, sizeof *ids);
        if (!ids)
            return KPI_ENOMEM;
        s->ids = ids;
        size_t *lens = kpi__reallocarray(s->len, cap, sizeof *lens);
        if (!lens)
            return KPI_ENOMEM;
        s->len = lens;
        s->cap = cap;
    }
    if (2 * (s->n + 1) > s->nslots) {
        size_t nslots = s->nslots ? 2 * s->nslots : 32;
        uint32_t *slots = kpi__calloc(nslots, sizeof *slots);
        if (!slots)
            return KPI_ENOMEM;
        for (size_t i = 0; i < s->n; i++)
            idset_slot(slots, nslots, s->ids[i], s->len[i], (uint32_t)i);
        kpi__free(s->slots);
        s->slots = slots;
        s->nslots = nslots;
    }
    char *copy = kpi__malloc(len + 1);
    if (!copy)
        return KPI_ENOMEM;
    memcpy(copy, id, len);
    copy[len] = '\0';
    s->ids[s->n] = copy;
    s->len[s->n] = len;
    idset_slot(s->slots, s->nslots, copy, len, (uint32_t)s->n);
    s->n++;
    return KPI_OK;
}

/* The first and the last @k bytes of @a and @b agree (k <= 8, k <= n <= 2k:
 * two overlapping words cover all n bytes). */
static inline bool ends_same(const char *a, const char *b, size_t n, size_t k)
{
    uint64_t p = 0, q = 0, r = 0, t = 0;
    memcpy(&p, a, k);
    memcpy(&q, b, k);
    memcpy(&r, a + n - k, k);
    memcpy(&t, b + n - k, k);
    return ((p ^ q) | (r ^ t)) == 0;
}

/* Equal bytes, inline for the short ids and names of a CSV (memcmp is a call). */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return false;
        }
        memcpy(&x, a + n - 8, 8); /* the last 8, overlapping */
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4)
        return ends_same(a, b, n, 4);
    if (n >= 2)
        return ends_same(a, b, n, 2);
    return n == 0 || a[0] == b[0];
}

/* ---- parse contexts ---------------------------------------------------------- */

typedef struct shared shared;

typedef struct {
    shared *sh;
    kpi_metrics *acc;  /* private accumulator */
    bool ready;        /* columns resolved */
    size_t ca, ct, ce, cv, cx; /* column indexes; SIZE_MAX when absent */
    /* the columns of the rows converted so far */
    uint32_t *agent;
    uint16_t *event;
    int64_t *value, *time;
    size_t n;
    /* the last row's agent, and the last date seen */
    char last_id[CACHE_ID];
    size_t last_len;   /* SIZE_MAX: nothing cached */
    uint32_t last_index;
    struct {
        char text[10]; /* "YYYY-MM-DD"; all zero bytes: empty */
        int64_t ms;    /* its local midnight */
    } dates[DATE_SLOTS];
    char minute[17];   /* the last "YYYY-MM-DD HH:MM:" read; all zero bytes: empty */
    int64_t minute_ms; /* its instant */
    idset fresh;       /* agents this context added, provisional index known + k */
    uint64_t rows, added, skipped;
    long long end;     /* byte offset after the last row seen (progress) */
} ctx;

struct shared {
    kpi_metrics *m;
    kpi_agents *agents;
    const kpi_metric_registry *reg;
    uint32_t flags, known, max_agents;
    int32_t offset;
    size_t name_len[KPI_EVENT_MAX];
    const char *names[KPI_EVENT_MAX];
    uint8_t by_hash[EVENT_SLOTS]; /* open addressing on name_hash(): code + 1, 0 = free */
    ctx *ctxs;
    size_t nctx;
    /* progress */
    kpi_metrics_progress_fn progress;
    void *progress_user;
    uint64_t total;
    uint64_t done;     /* bytes reported so far, under lock */
    pthread_mutex_t lock;
    bool locked; /* lock initialised */
};

static kpi_status ctx_init(ctx *c, shared *sh)
{
    memset(c, 0, sizeof *c);
    c->sh = sh;
    c->last_len = SIZE_MAX;
    c->end = -1;
    c->agent = kpi__malloc(COLS * sizeof *c->agent);
    c->event = kpi__malloc(COLS * sizeof *c->event);
    c->value = kpi__malloc(COLS * sizeof *c->value);
    c->time = kpi__malloc(COLS * sizeof *c->time);
    if (!c->agent || !c->event || !c->value || !c->time)
        return KPI_ENOMEM;
    return kpi__metrics_new_like(sh->m, 0, &c->acc);
}

static void ctx_free(ctx *c)
{
    kpi__free(c->agent);
    kpi__free(c->event);
    kpi__free(c->value);
    kpi__free(c->time);
    kpi_metrics_free(c->acc);
    idset_free(&c->fresh);
    memset(c, 0, sizeof *c);
}

/* Records a failure at field (row, col) of a batch with its place in the file. */
static kpi_status field_fail(const kpi_csv_batch *b, size_t row, size_t col, kpi_status code,
                             const char *fmt, ...) KPI__PRINTF(5, 6);
static kpi_status field_fail(const kpi_csv_batch *b, size_t row, size_t col, kpi_status code,
                             const char *fmt, ...)
{
    char msg[448];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
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
        column = kpi__utf8_count(rt + ls, k - ls) + 1;
        off = b->offset[row] + (long long)k;
    }
    kpi__fail(code, "column '%s': %s", b->names ? b->names[col] : "?", msg);
    kpi__error_set_position((long)line, column, off);
    kpi__error_set_source(b->source);
    return code;
}

/* A field as an error message shows it: its first 40 bytes, see kpi__quote(). */
static const char *quote(char out[KPI__QUOTED], const char *t, size_t n)
{
    return kpi__quote(out, t, n, 40);
}

static kpi_status resolve_columns(ctx *c, const kpi_csv_batch *b)
{
    static const char *const want[] = {"agent", "time", "event", "value", "excused"};
    size_t *at[] = {&c->ca, &c->ct, &c->ce, &c->cv, &c->cx};
    if (!b->names) {
        kpi__fail(KPI_EINPUT, "an events CSV needs a header row naming its columns");
        kpi__error_set_source(b->source);
        return KPI_EINPUT;
    }
    for (size_t k = 0; k < 5; k++) {
        *at[k] = SIZE_MAX;
        for (size_t i = 0; i < b->fields; i++)
            if (b->name_len[i] == strlen(want[k]) && memcmp(b->names[i], want[k], b->name_len[i]) == 0) {
                if (*at[k] != SIZE_MAX) { /* which one would count? (tests/bad/csv) */
                    kpi__fail(KPI_EDUPLICATE, "the events CSV names column '%s' twice (columns %zu "
                              "and %zu); rename or drop one", want[k], *at[k] + 1, i + 1);
                    kpi__error_set_position(1, 0, -1);
                    kpi__error_set_source(b->source);
                    return KPI_EDUPLICATE;
                }
                *at[k] = i;
            }
        bool optional = k == 4 || (k == 1 && c->sh->m->period == KPI_PERIOD_ALL);
        if (*at[k] == SIZE_MAX && !optional) {
            char have[256] = "";
            size_t used = 0;
            for (size_t i = 0; i < b->fields && used + 1 < sizeof have; i++)
                used += (size_t)snprintf(have + used, sizeof have - used, "%s%s", i ? ", " : "",
                                         b->names[i]);
            kpi__fail(KPI_EINPUT, "the events CSV has no column '%s' (it needs agent, time, event "
                      "and value; its header has: %s)", want[k], have);
            kpi__error_set_position(1, 0, -1);
            kpi__error_set_source(b->source);
            return KPI_EINPUT;
        }
    }
    c->ready = true;
    return KPI_OK;
}

static kpi_status unknown_event(const ctx *c, const kpi_csv_batch *b, size_t row, const char *t,
                                size_t n)
{
    char known[320] = "";
    size_t used = 0;
    for (unsigned e = 0; e < KPI_EVENT_MAX && used + 1 < sizeof known; e++) {
        const char *name = kpi_metric_registry_event_name(c->sh->reg, (uint16_t)e);
        if (name)
            used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "",
                                     name);
    }
    char q[KPI__QUOTED];
    return field_fail(b, row, c->ce, KPI_ENOTFOUND, "unknown event '%s'; known events: %s",
                      quote(q, t, n), known);
}

/* A slot for an event name from its length and first, middle and last bytes. */
static inline unsigned name_hash(const char *t, size_t n)
{
    if (n == 0)
        return 0;
    unsigned h = (unsigned)n * 0x9E3779B1u;
    h ^= (unsigned char)t[0] * 0x85EBCA6Bu;
    h ^= (unsigned char)t[n / 2] * 0xC2B2AE35u;
    h ^= (unsigned char)t[n - 1] * 0x27D4EB2Fu;
    return (h >> 24) & (EVENT_SLOTS - 1);
}

static void event_table(shared *sh)
{
    memset(sh->by_hash, 0, sizeof sh->by_hash);
    for (unsigned e = 0; e < KPI_EVENT_MAX; e++) {
        if (!sh->names[e] || !sh->name_len[e])
            continue;
        unsigned h = name_hash(sh->names[e], sh->name_len[e]);
        while (sh->by_hash[h]) /* 64 names in 256 slots: a free one is near */
            h = (h + 1) & (EVENT_SLOTS - 1);
        sh->by_hash[h] = (uint8_t)(e + 1);
    }
}

/* Event code of the field, or -1 when the registry has no such kind. */
static int event_code(ctx *c, const char *t, size_t n)
{
    const shared *sh = c->sh;
    for (unsigned h = name_hash(t, n); sh->by_hash[h]; h = (h + 1) & (EVENT_SLOTS - 1)) {
        unsigned e = sh->by_hash[h] - 1u;
        if (sh->name_len[e] == n && same_bytes(sh->names[e], t, n))
            return (int)e;
    }
    return -1;
}

static kpi_status agent_index(ctx *c, const kpi_csv_batch *b, size_t row, uint32_t *out)
{
    char q[KPI__QUOTED];
    const char *t = b->text[row * b->fields + c->ca];
    size_t n = b->len[row * b->fields + c->ca];
    if (n == c->last_len && same_bytes(c->last_id, t, n)) {
        *out = c->last_index;
        return KPI_OK;
    }
    if (n == 0 || memchr(t, '\0', n))
        return field_fail(b, row, c->ca, KPI_EPARSE, "an agent id must be non-empty text "
                          "without NUL bytes");
    uint32_t k;
    if (kpi__agents_lookup(c->sh->agents, t, n, out)) {
        /* found */
    } else if (idset_find(&c->fresh, t, n, &k)) {
        *out = c->sh->known + k;
    } else if (!(c->sh->flags & KPI_METRICS_CSV_ADD_AGENTS)) {
        return field_fail(b, row, c->ca, KPI_ENOTFOUND, "agent '%s' is not in the agent map "
                          "(add it first, or ingest with KPI_METRICS_CSV_ADD_AGENTS)",
                          quote(q, t, n));
    } else {
        if ((uint64_t)c->sh->known + c->fresh.n >= c->sh->max_agents)
            return field_fail(b, row, c->ca, KPI_ELIMIT, "agent '%s' would be agent number "
                              "%llu, past max_agents (%u)", quote(q, t, n),
                              (unsigned long long)c->sh->known + c->fresh.n + 1,
                              (unsigned)c->sh->max_agents);
        *out = c->sh->known + (uint32_t)c->fresh.n;
        if (idset_add(&c->fresh, t, n) != KPI_OK)
            return KPI_ENOMEM;
    }
    if (n <= CACHE_ID) {
        memcpy(c->last_id, t, n);
        c->last_len = n;
        c->last_index = *out;
    }
    return KPI_OK;
}

/* Up to 18 digits with an optional '-' (empty is 0); false: ask the full parser. */
static inline bool fast_int(const char *s, size_t n, int64_t *out)
{
    size_t i = n && s[0] == '-';
    if (n == 0) {
        *out = 0;
        return true;
    }
    if (i == n || n - i > 18)
        return false;
    int64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return false;
        v = v * 10 + (int64_t)d;
    }
    *out = s[0] == '-' ? -v : v;
    return true;
}

static inline bool two_digits(const char *s, unsigned *out)
{
    unsigned a = (unsigned)(unsigned char)s[0] - '0', b = (unsigned)(unsigned char)s[1] - '0';
    *out = a * 10 + b;
    return a <= 9 && b <= 9;
}

/*
 * "YYYY-MM-DD HH:MM:SS" with the date's local midnight cached: the same
 * instant kpi_csv_parse_time() gives. false: ask the full parser.
 */
static bool fast_time(ctx *c, const char *s, size_t n, int64_t *out)
{
    unsigned h, mi, se;
    if (n != 19)
        return false;
    /* events come in bursts: the same minute as the last row (4 rows in 10
     * of a generated month) needs only its seconds read */
    if (same_bytes(c->minute, s, 17)) {
        if (!two_digits(s + 17, &se) || se > 59)
            return false;
        *out = c->minute_ms + (int64_t)se * 1000;
        return true;
    }
    if (s[10] != ' ' || s[13] != ':' || s[16] != ':' || !two_digits(s + 11, &h) ||
        !two_digits(s + 14, &mi) || !two_digits(s + 17, &se) || h > 23 || mi > 59 || se > 59)
        return false;
    /* rows are often grouped by agent, each going through the month: a date
     * per slot by month and day, not just the last one */
    unsigned slot = ((unsigned char)s[6] * 31u + (unsigned char)s[8] * 10u + (unsigned char)s[9]) %
                    DATE_SLOTS;
    if (!same_bytes(c->dates[slot].text, s, 10)) {
        int64_t base;
        if (kpi_csv_parse_time(s, 10, c->sh->offset, &base) != KPI_OK) {
            kpi__error_reset();
            return false;
        }
        memcpy(c->dates[slot].text, s, 10);
        c->dates[slot].ms = base;
    }
    memcpy(c->minute, s, 17);
    c->minute_ms = c->dates[slot].ms + (int64_t)(h * 60 + mi) * 60000;
    *out = c->minute_ms + (int64_t)se * 1000;
    return true;
}

static kpi_status flush(ctx *c)
{
    if (!c->n)
        return KPI_OK;
    bool timed = c->ct != SIZE_MAX;
    kpi_status st = kpi__metrics_add(c->acc, c->agent, c->event, c->value, timed ? c->time : NULL,
                                     c->n);
    c->added += st == KPI_OK ? c->n : 0;
    c->n = 0;
    return st;
}

/* One row into the columns; inlined into the batch loop (a call per row
 * cost 15 of its ~250 instructions). */
static inline __attribute__((always_inline)) kpi_status
convert_row(ctx *c, const kpi_csv_batch *b, size_t r)
{
    char q[KPI__QUOTED]; /* for error messages */
    const char *const *f = b->text + r * b->fields;
    const size_t *l = b->len + r * b->fields;
    int code = event_code(c, f[c->ce], l[c->ce]);
    if (code < 0) {
        if (c->sh->flags & KPI_METRICS_CSV_SKIP_UNKNOWN_EVENTS) {
            c->skipped++;
            return KPI_OK;
        }
        return unknown_event(c, b, r, f[c->ce], l[c->ce]);
    }
    size_t i = c->n;
    kpi_status st = agent_index(c, b, r, &c->agent[i]);
    if (st != KPI_OK)
        return st;
    unsigned e = (unsigned)code;
    if ((money_events >> e & 1) && (c->sh->flags & KPI_METRICS_CSV_MONEY_YUAN)) {
        if ((st = kpi_csv_field_money(b, r, c->cv, &c->value[i])) != KPI_OK)
            return st;
    } else if (!fast_int(f[c->cv], l[c->cv], &c->value[i])) {
        if ((money_events >> e & 1) && memchr(f[c->cv], '.', l[c->cv]))
            return field_fail(b, r, c->cv, KPI_EPARSE, "'%s': money events take whole fen "
                              "(\"1250\" for 12.50 yuan); ingest with KPI_METRICS_CSV_MONEY_YUAN "
                              "to read yuan with decimals", quote(q, f[c->cv], l[c->cv]));
        if ((st = kpi_csv_field_int64(b, r, c->cv, &c->value[i])) != KPI_OK)
            return st;
    }
    if (c->ct != SIZE_MAX && !fast_time(c, f[c->ct], l[c->ct], &c->time[i]) &&
        (st = kpi_csv_field_time(b, r, c->ct, c->sh->offset, &c->time[i])) != KPI_OK)
        return st;
    if (c->cx != SIZE_MAX) {
        size_t xn = l[c->cx];
        char x = xn == 1 ? f[c->cx][0] : xn == 0 ? '0' : '?';
        if (x != '0' && x != '1')
            return field_fail(b, r, c->cx, KPI_EPARSE, "'%s': excused must be 0, 1 or empty",
                              quote(q, f[c->cx], xn));
        e |= x == '1' ? KPI_EVENT_EXCUSED : 0;
    }
    c->event[i] = (uint16_t)e;
    c->n = i + 1;
    return c->n == COLS ? flush(c) : KPI_OK;
}

static void report(shared *sh, ctx *c, const kpi_csv_batch *b)
{
    size_t last = b->rows - 1;
    long long end = b->offset[last] + (long long)b->row_len[last];
    if (c->end < 0)
        c->end = b->offset[0];
    uint64_t delta = (uint64_t)(end - c->end);
    c->end = end;
    if (!sh->progress)
        return;
    /* Count and call under one lock: two workers adding first and calling
     * after could report their totals out of order. */
    if (sh->locked)
        pthread_mutex_lock(&sh->lock);
    sh->done += delta;
    sh->progress(sh->done, sh->total, sh->progress_user);
    if (sh->locked)
        pthread_mutex_unlock(&sh->lock);
}

static kpi_status on_batch(const kpi_csv_batch *b, void *user)
{
    shared *sh = user;
    if (b->chunk >= sh->nctx)
        return kpi__fail(KPI_EINVAL, "events CSV: chunk %u of %zu", b->chunk, sh->nctx);
    ctx *c = &sh->ctxs[b->chunk];
    kpi_status st = KPI_OK;
    if (!c->sh && (st = ctx_init(c, sh)) != KPI_OK)
        return st;
    if (!c->ready && (st = resolve_columns(c, b)) != KPI_OK)
        return st;
    for (size_t r = 0; r < b->rows && st == KPI_OK; r++)
        st = convert_row(c, b, r);
    c->rows += b->rows;
    if (st == KPI_OK && sh->total)
        report(sh, c, b);
    return st;
}

/* ---- the end: agents get their indexes, accumulators merge ------------------ */

/*
 * Gives the new agents of every context their final index (file order),
 * adds them to the map, renumbers and merges the private accumulators into
 * sh->m. @new_agents receives how many were added.
 */
static kpi_status conclude(shared *sh, uint64_t *new_agents)
{
    kpi_status st = KPI_OK;
    idset all;
    memset(&all, 0, sizeof all);
    uint32_t *map = NULL;
    kpi_metrics *total = NULL;
    for (size_t k = 0; k < sh->nctx && st == KPI_OK; k++) {
        ctx *c = &sh->ctxs[k];
        if (!c->sh)
            continue;
        if ((st = flush(c)) != KPI_OK)
            break;
        /* provisional known + j -> final known + position in file order */
        bool moved = false;
        size_t na = c->acc->agents;
        kpi__free(map);
        map = kpi__malloc((na ? na : 1) * sizeof *map);
        if (!map) {
            st = KPI_ENOMEM;
            break;
        }
        for (size_t a = 0; a < na && a < sh->known; a++)
            map[a] = (uint32_t)a;
        for (size_t j = 0; j < c->fresh.n && st == KPI_OK; j++) {
            uint32_t pos;
            if (!idset_find(&all, c->fresh.ids[j], c->fresh.len[j], &pos)) {
                pos = (uint32_t)all.n;
                st = idset_add(&all, c->fresh.ids[j], c->fresh.len[j]);
            }
            if (sh->known + j < na) {
                map[sh->known + j] = sh->known + pos;
                moved |= pos != j;
            }
        }
        size_t top = 0;
        for (size_t a = 0; a < na; a++)
            top = map[a] + (size_t)1 > top ? map[a] + (size_t)1 : top;
        if (st == KPI_OK && moved)
            st = kpi__metrics_relabel(c->acc, map, top);
        if (st == KPI_OK && total)
            st = kpi__metrics_merge(total, c->acc);
        else if (st == KPI_OK)
            total = c->acc;
    }
    kpi__free(map);
    /* the map first, then the rows; if either fails the map is put back, so a
     * failed ingest leaves both as they were (found by test_alloc_failure) */
    size_t keep[3] = {kpi_agents_count(sh->agents, KPI_LEVEL_AGENT), kpi_agents_count(sh->agents, KPI_LEVEL_TEAM),
                      kpi_agents_count(sh->agents, KPI_LEVEL_CENTRE)};
    for (size_t j = 0; st == KPI_OK && j < all.n; j++) {
        uint32_t idx;
        st = kpi_agents_add(sh->agents, all.ids[j], NULL, NULL, &idx);
        if (st == KPI_OK && idx != sh->known + j)
            st = kpi__fail(KPI_EINVAL, "the agent map changed during the ingest");
    }
    if (st == KPI_OK && total)
        st = kpi__metrics_absorb(sh->m, total);
    if (st != KPI_OK)
        kpi__agents_truncate(sh->agents, keep);
    *new_agents = all.n;
    idset_free(&all);
    return st;
}

static void fill_result(const shared *sh, uint64_t new_agents, uint64_t bytes,
                        kpi_metrics_csv_result *result)
{
    if (!result)
        return;
    kpi_metrics_csv_result r = KPI_METRICS_CSV_RESULT_INIT;
    for (size_t k = 0; k < sh->nctx; k++) {
        r.rows += sh->ctxs[k].rows;
        r.added += sh->ctxs[k].added;
        r.skipped += sh->ctxs[k].skipped;
    }
    r.new_agents = new_agents;
    r.bytes = bytes;
    *result = r;
}

static kpi_status check_options(const char *fn, kpi_metrics *m, kpi_agents *agents,
                                const kpi_metrics_csv_options *opts,
                                kpi_metrics_csv_options *o)
{
    kpi_metrics_csv_options def = KPI_METRICS_CSV_OPTIONS_INIT;
    *o = def;
    if (!m || !agents)
        return kpi__fail(KPI_EINVAL, "%s: m and agents must not be NULL", fn);
    if (opts) {
        if (opts->size < sizeof *opts)
            return kpi__fail(KPI_EINVAL, "%s: opts->size is %zu; set the options with "
                             "KPI_METRICS_CSV_OPTIONS_INIT", fn, opts->size);
        *o = *opts;
    }
    if (o->flags & ~(KPI_METRICS_CSV_ADD_AGENTS | KPI_METRICS_CSV_SKIP_UNKNOWN_EVENTS |
                     KPI_METRICS_CSV_MONEY_YUAN))
        return kpi__fail(KPI_EINVAL, "%s: unknown flags 0x%x", fn, (unsigned)o->flags);
    if (o->threads < 1 || o->threads > MAX_THREADS)
        return kpi__fail(KPI_EINVAL, "%s: opts->threads is %u; use 1 to 64", fn, o->threads);
    return KPI_OK;
}

static void shared_init(shared *sh, kpi_metrics *m, kpi_agents *agents,
                        const kpi_metrics_csv_options *o)
{
    memset(sh, 0, sizeof *sh);
    sh->m = m;
    sh->agents = agents;
    sh->reg = kpi_metrics_registry(m);
    sh->flags = o->flags;
    sh->known = (uint32_t)kpi_agents_count(agents, KPI_LEVEL_AGENT);
    sh->max_agents = m->max_agents;
    sh->offset = m->offset_min;
    for (unsigned e = 0; e < KPI_EVENT_MAX; e++) {
        const char *name = kpi_metric_registry_event_name(sh->reg, (uint16_t)e);
        sh->name_len[e] = name ? strlen(name) : SIZE_MAX;
        sh->names[e] = name;
    }
    event_table(sh);
    sh->progress = o->progress;
    sh->progress_user = o->progress_user;
    sh->done = 0;
}

static void shared_free(shared *sh)
{
    for (size_t k = 0; sh->ctxs && k < sh->nctx; k++)
        ctx_free(&sh->ctxs[k]);
    kpi__free(sh->ctxs);
    if (sh->locked)
        pthread_mutex_destroy(&sh->lock);
    sh->ctxs = NULL;
}

static void csv_options(const kpi_metrics_csv_options *o, kpi_csv_options *co)
{
    kpi_csv_options def = KPI_CSV_OPTIONS_INIT;
    *co = def;
    co->delimiter = o->delimiter;
    co->source = o->source;
    co->batch_rows = 1024;
}

kpi_status kpi_metrics_ingest_csv(kpi_metrics *m, kpi_agents *agents, const void *data,
                                  size_t len, const kpi_metrics_csv_options *opts,
                                  kpi_metrics_csv_result *result)
{
    kpi__error_reset();
    const char *fn = "kpi_metrics_ingest_csv";
    kpi_metrics_csv_options o;
    kpi_status st = check_options(fn, m, agents, opts, &o);
    if (st != KPI_OK)
        return st;
    if (!data && len)
        return kpi__fail(KPI_EINVAL, "%s: data must not be NULL", fn);
    if (result && result->size < sizeof *result)
        return kpi__fail(KPI_EINVAL, "%s: set result with KPI_METRICS_CSV_RESULT_INIT", fn);
    shared sh;
    shared_init(&sh, m, agents, &o);
    sh.total = len;
    sh.nctx = o.threads;
    sh.ctxs = kpi__calloc(o.threads, sizeof *sh.ctxs);
    if (!sh.ctxs)
        return KPI_ENOMEM;
    sh.locked = o.threads > 1 && o.progress && pthread_mutex_init(&sh.lock, NULL) == 0;
    if (o.threads > 1 && o.progress && !sh.locked)
        o.threads = 1; /* never call the progress callback from two threads at once */
    kpi_csv_options co;
    csv_options(&o, &co);
    st = kpi_csv_parse(data, len, &co, o.threads, on_batch, &sh);
    uint64_t fresh = 0;
    if (st == KPI_OK)
        st = conclude(&sh, &fresh);
    if (st == KPI_OK) {
        if (o.progress)
            o.progress(len, len, o.progress_user);
        fill_result(&sh, fresh, len, result);
    }
    shared_free(&sh);
    return st;
}

/* ---- streaming -------------------------------------------------------------- */

struct kpi_metrics_csv {
    shared sh;
    kpi_csv_reader *reader;
    uint64_t bytes;
    bool dead; /* failed or finished */
};

kpi_status kpi_metrics_csv_new(kpi_metrics_csv **out, kpi_metrics *m, kpi_agents *agents,
                               const kpi_metrics_csv_options *opts)
{
    kpi__error_reset();
    const char *fn = "kpi_metrics_csv_new";
    kpi_metrics_csv_options o;
    kpi_status st = check_options(fn, m, agents, opts, &o);
    if (st != KPI_OK)
        return st;
    if (!out)
        return kpi__fail(KPI_EINVAL, "%s: out must not be NULL", fn);
    kpi_metrics_csv *s = kpi__calloc(1, sizeof *s);
    if (!s)
        return KPI_ENOMEM;
    shared_init(&s->sh, m, agents, &o);
    s->sh.nctx = 1;
    s->sh.ctxs = kpi__calloc(1, sizeof *s->sh.ctxs);
    kpi_csv_options co;
    csv_options(&o, &co);
    st = s->sh.ctxs ? kpi_csv_reader_new(&s->reader, &co) : KPI_ENOMEM;
    if (st == KPI_OK)
        st = ctx_init(&s->sh.ctxs[0], &s->sh);
    if (st != KPI_OK) {
        kpi_metrics_csv_free(s);
        return st;
    }
    *out = s;
    return KPI_OK;
}

static kpi_status stream_usable(kpi_metrics_csv *csv, const char *fn)
{
    if (!csv)
        return kpi__fail(KPI_EINVAL, "%s: csv must not be NULL", fn);
    if (csv->dead)
        return kpi__fail(KPI_EINVAL, "%s: the stream has failed or finished; free it", fn);
    return KPI_OK;
}

kpi_status kpi_metrics_csv_feed(kpi_metrics_csv *csv, const void *data, size_t len)
{
    kpi__error_reset();
    kpi_status st = stream_usable(csv, "kpi_metrics_csv_feed");
    if (st == KPI_OK && !data && len)
        st = kpi__fail(KPI_EINVAL, "kpi_metrics_csv_feed: data must not be NULL");
    if (st != KPI_OK)
        return st;
    st = kpi_csv_reader_feed(csv->reader, data, len, on_batch, &csv->sh);
    csv->dead = st != KPI_OK;
    csv->bytes += len;
    if (st == KPI_OK && csv->sh.progress)
        csv->sh.progress(csv->bytes, 0, csv->sh.progress_user);
    return st;
}

kpi_status kpi_metrics_csv_finish(kpi_metrics_csv *csv, kpi_metrics_csv_result *result)
{
    kpi__error_reset();
    kpi_status st = stream_usable(csv, "kpi_metrics_csv_finish");
    if (st != KPI_OK)
        return st;
    if (result && result->size < sizeof *result)
        return kpi__fail(KPI_EINVAL, "kpi_metrics_csv_finish: set result with "
                         "KPI_METRICS_CSV_RESULT_INIT");
    csv->dead = true;
    st = kpi_csv_reader_finish(csv->reader, on_batch, &csv->sh);
    uint64_t fresh = 0;
    if (st == KPI_OK)
        st = conclude(&csv->sh, &fresh);
    if (st == KPI_OK)
        fill_result(&csv->sh, fresh, csv->bytes, result);
    return st;
}

void kpi_metrics_csv_free(kpi_metrics_csv *csv)
{
    if (!csv)
        return;
    kpi_csv_reader_free(csv->reader);
    shared_free(&csv->sh);
    kpi__free(csv);
}
