/*
 * json.c - jansson plus positions.
 *
 * jansson parses and validates; then one pass over the source text, in step
 * with the parsed tree, records where each value starts. That gives exact
 * number text (a JSON number is re-read from its digits, never from a
 * double) and the line and column of any value an error or a lint finding
 * is about. JSON's true, false and null are shared singletons in jansson, so
 * they are located by path instead.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_internal.h"
#include "lint_internal.h"

struct node_offset {
    const json_t *node;
    size_t offset;
};

struct kpi__json {
    json_t *root;
    char *text; /* the source, BOM removed, NUL-terminated */
    size_t len;
    char *source;
    struct node_offset *offsets; /* open addressing on the node pointer */
    size_t offsets_cap;
    size_t offsets_used;
    char path[1024];
    size_t path_len;
    size_t stack[KPI__JSON_MAX_DEPTH];
    int depth;
};

/* ---- the offset table ------------------------------------------------- */

static size_t hash_ptr(const void *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 17) & (cap - 1);
}

static bool is_singleton(const json_t *node)
{
    return json_is_true(node) || json_is_false(node) || json_is_null(node);
}

static kpi_status offsets_put(kpi__json *doc, const json_t *node, size_t offset)
{
    if (is_singleton(node))
        return KPI_OK;
    if (2 * (doc->offsets_used + 1) > doc->offsets_cap) {
        size_t cap = doc->offsets_cap ? 2 * doc->offsets_cap : 64;
        struct node_offset *t = kpi__calloc(cap, sizeof *t);
        if (!t)
            return KPI_ENOMEM;
        for (size_t i = 0; i < doc->offsets_cap; i++) {
            if (!doc->offsets[i].node)
                continue;
            size_t h = hash_ptr(doc->offsets[i].node, cap);
            while (t[h].node)
                h = (h + 1) & (cap - 1);
            t[h] = doc->offsets[i];
        }
        kpi__free(doc->offsets);
        doc->offsets = t;
        doc->offsets_cap = cap;
    }
    size_t h = hash_ptr(node, doc->offsets_cap);
    while (doc->offsets[h].node && doc->offsets[h].node != node)
        h = (h + 1) & (doc->offsets_cap - 1);
    if (!doc->offsets[h].node)
        doc->offsets_used++;
    doc->offsets[h].node = node;
    doc->offsets[h].offset = offset;
    return KPI_OK;
}

static bool offsets_get(const kpi__json *doc, const json_t *node, size_t *offset)
{
    if (!node || !doc->offsets_cap || is_singleton(node))
        return false;
    size_t h = hash_ptr(node, doc->offsets_cap);
    while (doc->offsets[h].node) {
        if (doc->offsets[h].node == node) {
            *offset = doc->offsets[h].offset;
            return true;
        }
        h = (h + 1) & (doc->offsets_cap - 1);
    }
    return false;
}

/* ---- scanning the (already valid) source text -------------------------- */

static void skip_ws(const kpi__json *doc, size_t *pos)
{
    while (*pos < doc->len && strchr(" \t\r\n", doc->text[*pos]) && doc->text[*pos])
        (*pos)++;
}

static void put_utf8(char *out, size_t *n, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xE0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | (cp >> 18));
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static uint32_t hex4(const char *s)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/*
 * Decodes the string starting at *pos (on its opening quote) into @out
 * (which has room for the raw length: decoding never grows a JSON string),
 * and moves *pos past the closing quote. @out may be NULL to only skip.
 */
static size_t scan_string(const kpi__json *doc, size_t *pos, char *out)
{
    const char *t = doc->text;
    size_t i = *pos + 1, n = 0;
    while (i < doc->len && t[i] != '"') {
        if (t[i] != '\\') {
            if (out)
                out[n] = t[i];
            n++;
            i++;
            continue;
        }
        char e = t[i + 1];
        i += 2;
        if (e == 'u') {
            uint32_t cp = hex4(t + i);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && t[i] == '\\' && t[i + 1] == 'u') {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(t + i + 2) - 0xDC00);
                i += 6;
            }
            char tmp[4];
            size_t k = 0;
            put_utf8(tmp, &k, cp);
            if (out)
                memcpy(out + n, tmp, k);
            n += k;
        } else {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *p = strchr(from, e);
            if (out)
                out[n] = p ? to[p - from] : e;
            n++;
        }
    }
    *pos = i + 1;
    return n;
}

static void skip_scalar(const kpi__json *doc, size_t *pos)
{
    if (doc->text[*pos] == '"') {
        scan_string(doc, pos, NULL);
        return;
    }
    while (*pos < doc->len && !strchr(",]} \t\r\n", doc->text[*pos]))
        (*pos)++;
}

static void skip_value(const kpi__json *doc, size_t *pos)
{
    skip_ws(doc, pos);
    char c = doc->text[*pos];
    if (c != '{' && c != '[') {
        skip_scalar(doc, pos);
        return;
    }
    /* nested containers: count brackets outside strings */
    int level = 0;
    do {
        c = doc->text[*pos];
        if (c == '"') {
            scan_string(doc, pos, NULL);
            continue;
        }
        if (c == '{' || c == '[')
            level++;
        else if (c == '}' || c == ']')
            level--;
        (*pos)++;
    } while (level > 0 && *pos < doc->len);
}

/* Records the start of @node and of everything inside it. */
static kpi_status index_value(kpi__json *doc, size_t *pos, const json_t *node, char *key_buf)
{
    skip_ws(doc, pos);
    kpi_status st = offsets_put(doc, node, *pos);
    if (st != KPI_OK)
        return st;
    char c = doc->text[*pos];
    if (c == '{') {
        (*pos)++;
        while (*pos < doc->len) {
            skip_ws(doc, pos);
            if (doc->text[*pos] == '}') {
                (*pos)++;
                return KPI_OK;
            }
            size_t klen = scan_string(doc, pos, key_buf);
            const json_t *child = json_object_getn(node, key_buf, klen);
            skip_ws(doc, pos);
            (*pos)++; /* ':' */
            if ((st = index_value(doc, pos, child, key_buf)) != KPI_OK)
                return st;
            skip_ws(doc, pos);
            if (doc->text[(*pos)++] == '}')
                return KPI_OK;
        }
        return KPI_OK;
    }
    if (c == '[') {
        (*pos)++;
        for (size_t i = 0; *pos < doc->len; i++) {
            skip_ws(doc, pos);
            if (doc->text[*pos] == ']') {
                (*pos)++;
                return KPI_OK;
            }
            if ((st = index_value(doc, pos, json_array_get(node, i), key_buf)) != KPI_OK)
                return st;
            skip_ws(doc, pos);
            if (doc->text[(*pos)++] == ']')
                return KPI_OK;
        }
        return KPI_OK;
    }
    skip_scalar(doc, pos);
    return KPI_OK;
}

/* ---- loading ----------------------------------------------------------- */

/* Records a failure at byte @at of @text, with its line and column. */
static kpi_status fail_at_byte(const char *text, size_t at, const char *source, kpi_status code,
                               const char *fmt, ...) KPI__PRINTF(5, 6);

static kpi_status fail_at_byte(const char *text, size_t at, const char *source, kpi_status code,
                               const char *fmt, ...)
{
    long line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < at; i++)
        if (text[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    va_list ap;
    va_start(ap, fmt);
    kpi__vfail(code, fmt, ap);
    va_end(ap);
    kpi__error_set_source(source);
    kpi__error_set_position(line, kpi__utf8_count(text + line_start, at - line_start) + 1, (long long)at);
    return code;
}

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * kpi_limits.json_depth and label_bytes, checked on the text before jansson
 * builds anything: a plan nested a million deep or holding a 10 MB label is
 * refused at the offending byte. Only brackets and strings are counted;
 * malformed text is left for jansson to report. A string is measured in
 * bytes as written, between its quotes; the value of a "note" key is exempt
 * (its size is bounded by plan_bytes).
 */
static kpi_status check_limits(const char *text, size_t len, const char *source)
{
    const kpi_limits *limits = kpi__limits();
    size_t depth = 0;
    bool note_value = false; /* the last key was "note" and its value has not started */
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '"') {
            size_t start = i++;
            while (i < len && text[i] != '"')
                i += text[i] == '\\' ? 2 : 1;
            size_t n = (i < len ? i : len) - start - 1;
            size_t j = i + 1;
            while (j < len && is_json_space(text[j]))
                j++;
            bool key = j < len && text[j] == ':';
            if (n > limits->label_bytes && (key || !note_value))
                return fail_at_byte(text, start, source, KPI_ELIMIT,
                                    "a %s of %zu bytes is longer than the limit of %zu bytes "
                                    "(label_bytes)", key ? "key" : "string", n, limits->label_bytes);
            note_value = key && n == 4 && memcmp(text + start + 1, "note", 4) == 0;
        } else if (c == '[' || c == '{') {
            if (++depth > limits->json_depth)
                return fail_at_byte(text, i, source, KPI_ELIMIT,
                                    "arrays and objects nested deeper than %zu levels (json_depth)",
                                    limits->json_depth);
            note_value = false;
        } else if (c == ']' || c == '}') {
            if (depth)
                depth--;
        } else if (!is_json_space(c) && c != ':') {
            note_value = false;
        }
    }
    return KPI_OK;
}

kpi_status kpi__json_parse(kpi__json **out, const char *text, size_t len, const char *source)
{
    kpi__error_reset(); /* a document load starts an operation */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    /* jansson stops reading at a NUL byte yet may report success; a plan is
     * text, so a NUL anywhere is an error (found by fuzz_json) */
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return fail_at_byte(text, (size_t)(nul - text), source, KPI_EPARSE,
                            "a NUL byte is not allowed in a plan file");
    kpi_status limited = check_limits(text, len, source);
    if (limited != KPI_OK)
        return limited;
    kpi__json *doc = kpi__calloc(1, sizeof *doc);
    if (!doc)
        return KPI_ENOMEM;
    doc->text = kpi__strndup(text, len);
    doc->source = kpi__strdup(source ? source : "");
    char *key_buf = kpi__malloc(len + 1);
    if (!doc->text || !doc->source || !key_buf) {
        kpi__free(key_buf);
        kpi__json_free(doc);
        return KPI_ENOMEM;
    }
    doc->len = len;
    json_error_t jerr;
    doc->root = json_loadb(doc->text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc->root) {
        kpi__free(key_buf);
        kpi__fail(KPI_EPARSE, "%s", jerr.text);
        kpi__error_set_source(source);
        kpi__error_set_position(jerr.line > 0 ? jerr.line : 1, jerr.column > 0 ? jerr.column : 1,
                                jerr.position);
        kpi__json_free(doc);
        return KPI_EPARSE;
    }
    size_t pos = 0;
    kpi_status st = index_value(doc, &pos, doc->root, key_buf);
    kpi__free(key_buf);
    if (st != KPI_OK) {
        kpi__json_free(doc);
        return st;
    }
    *out = doc;
    return KPI_OK;
}

kpi_status kpi__json_load_file(kpi__json **out, const char *path, size_t max_bytes)
{
    kpi__error_reset();
    FILE *f = fopen(path, "rb");
    if (!f) {
        kpi__fail(KPI_EIO, "cannot open: %s", strerror(errno));
        kpi__error_set_source(path);
        return KPI_EIO;
    }
    size_t cap = 4096, len = 0;
    char *buf = kpi__malloc(cap);
    kpi_status st = buf ? KPI_OK : KPI_ENOMEM;
    while (st == KPI_OK) {
        if (len == cap) {
            if (cap > max_bytes) {
                st = kpi__fail(KPI_ELIMIT, "file is larger than the limit of %zu bytes (plan_bytes)", max_bytes);
                break;
            }
            char *bigger = kpi__realloc(buf, cap * 2);
            if (!bigger) {
                st = KPI_ENOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                st = kpi__fail(KPI_EIO, "read error: %s", strerror(errno));
            break;
        }
    }
    fclose(f);
    if (st == KPI_OK && len > max_bytes)
        st = kpi__fail(KPI_ELIMIT, "file is larger than the limit of %zu bytes (plan_bytes)", max_bytes);
    if (st == KPI_OK)
        st = kpi__json_parse(out, buf, len, path);
    kpi__error_set_source(path);
    kpi__free(buf);
    return st;
}

void kpi__json_free(kpi__json *doc)
{
    if (!doc)
        return;
    json_decref(doc->root);
    kpi__free(doc->text);
    kpi__free(doc->source);
    kpi__free(doc->offsets);
    kpi__free(doc);
}

json_t *kpi__json_root(const kpi__json *doc)
{
    return doc->root;
}

const char *kpi__json_source(const kpi__json *doc)
{
    return doc->source;
}

/* ---- paths ------------------------------------------------------------- */

static void path_append(kpi__json *doc, const char *s, size_t n)
{
    if (doc->path_len + n >= sizeof doc->path)
        n = sizeof doc->path - 1 - doc->path_len;
    memcpy(doc->path + doc->path_len, s, n);
    doc->path_len += n;
    doc->path[doc->path_len] = '\0';
}

static bool plain_key(const char *key)
{
    if (!*key)
        return false;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        if (!(*p >= 0x80 || *p == '_' || *p == '-' || (*p >= '0' && *p <= '9') ||
              ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
            return false;
    return true;
}

void kpi__json_push_key(kpi__json *doc, const char *key)
{
    if (doc->depth < KPI__JSON_MAX_DEPTH)
        doc->stack[doc->depth] = doc->path_len;
    doc->depth++;
    if (plain_key(key)) {
        if (doc->path_len)
            path_append(doc, ".", 1);
        path_append(doc, key, strlen(key));
    } else {
        /* keys with dots, brackets or quotes are written ["like this"] */
        path_append(doc, "[\"", 2);
        for (const char *p = key; *p; p++) {
            if (*p == '"' || *p == '\\')
                path_append(doc, "\\", 1);
            path_append(doc, p, 1);
        }
        path_append(doc, "\"]", 2);
    }
}

void kpi__json_push_index(kpi__json *doc, size_t index)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "[%zu]", index);
    if (doc->depth < KPI__JSON_MAX_DEPTH)
        doc->stack[doc->depth] = doc->path_len;
    doc->depth++;
    path_append(doc, buf, (size_t)n);
}

void kpi__json_pop(kpi__json *doc)
{
    if (doc->depth == 0)
        return;
    doc->depth--;
    if (doc->depth < KPI__JSON_MAX_DEPTH) {
        doc->path_len = doc->stack[doc->depth];
        doc->path[doc->path_len] = '\0';
    }
}

const char *kpi__json_path(const kpi__json *doc)
{
    return doc->path;
}

/*
 * Finds in the text the value a path names, by walking the containers from
 * the root: used for singletons and for lint findings, which only have paths.
 */
static bool offset_of_path(const kpi__json *doc, const char *path, size_t *out)
{
    size_t pos = 0;
    skip_ws(doc, &pos);
    const char *p = path;
    char key[1024];
    while (*p) {
        size_t klen = 0;
        long index = -1;
        if (*p == '.')
            p++;
        if (p[0] == '[' && p[1] == '"') {
            p += 2;
            while (*p && *p != '"' && klen < sizeof key - 1) {
                if (*p == '\\' && p[1])
                    p++;
                key[klen++] = *p++;
            }
            p += (*p == '"') + (*p && p[1] == ']');
        } else if (*p == '[') {
            index = strtol(p + 1, (char **)&p, 10);
            if (*p == ']')
                p++;
        } else {
            while (*p && *p != '.' && *p != '[' && klen < sizeof key - 1)
                key[klen++] = *p++;
        }
        key[klen] = '\0';
        skip_ws(doc, &pos);
        char open = doc->text[pos];
        if ((index >= 0 && open != '[') || (index < 0 && open != '{'))
            return false;
        pos++;
        bool found = false;
        for (long i = 0; !found; i++) {
            skip_ws(doc, &pos);
            char c = doc->text[pos];
            if (c == '}' || c == ']' || pos >= doc->len)
                return false;
            if (index < 0) {
                char name[1024];
                size_t save = pos;
                size_t raw = 0;
                skip_scalar(doc, &save);
                raw = save - pos;
                char *buf = raw < sizeof name ? name : NULL;
                size_t nlen = buf ? scan_string(doc, &pos, buf) : (scan_string(doc, &pos, NULL), 0);
                skip_ws(doc, &pos);
                pos++; /* ':' */
                if (buf && nlen == klen && memcmp(name, key, klen) == 0)
                    found = true;
            } else if (i == index) {
                found = true;
            }
            if (!found) {
                skip_value(doc, &pos);
                skip_ws(doc, &pos);
                if (doc->text[pos] == ',')
                    pos++;
            }
        }
    }
    skip_ws(doc, &pos);
    *out = pos;
    return true;
}

static void line_column(const kpi__json *doc, size_t offset, long *line, long *column)
{
    long l = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset && i < doc->len; i++)
        if (doc->text[i] == '\n') {
            l++;
            line_start = i + 1;
        }
    *line = l;
    *column = kpi__utf8_count(doc->text + line_start, offset - line_start) + 1;
}

void kpi__json_position(const kpi__json *doc, const json_t *node, long *line, long *column)
{
    size_t offset;
    *line = *column = 0;
    if (offsets_get(doc, node, &offset) || offset_of_path(doc, doc->path, &offset))
        line_column(doc, offset, line, column);
}

kpi_status kpi__json_fail(kpi__json *doc, const json_t *node, kpi_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kpi__vfail(code, fmt, ap);
    va_end(ap);
    long line, column;
    kpi__json_position(doc, node, &line, &column);
    kpi__error_set_source(doc->source);
    kpi__error_set_path(doc->path);
    kpi__error_set_position(line, column, -1);
    return code;
}

static void locate_lint(const kpi__json *doc, kpi_lint *lint, size_t first, bool nearest)
{
    for (size_t i = first; i < kpi_lint_count(lint); i++) {
        char path[512];
        snprintf(path, sizeof path, "%s", kpi_lint_path(lint, i));
        size_t offset;
        bool found = offset_of_path(doc, path, &offset);
        while (!found && nearest) {
            char *cut = strrchr(path, '.'), *bracket = strrchr(path, '[');
            if (bracket > cut)
                cut = bracket;
            if (!cut || cut == path)
                break;
            *cut = '\0';
            found = offset_of_path(doc, path, &offset);
        }
        long line, column;
        if (found) {
            line_column(doc, offset, &line, &column);
            kpi__lint_set_position(lint, i, line, column);
        }
    }
}

void kpi__json_locate_lint(const kpi__json *doc, kpi_lint *lint, size_t first)
{
    locate_lint(doc, lint, first, false);
}

void kpi__json_locate_lint_nearest(const kpi__json *doc, kpi_lint *lint, size_t first)
{
    locate_lint(doc, lint, first, true);
}

/* ---- typed reads ------------------------------------------------------- */

const char *kpi__json_type_name(const json_t *node)
{
    switch (json_typeof(node)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

kpi_status kpi__json_object(kpi__json *doc, const json_t *node, const char *what)
{
    if (json_is_object(node))
        return KPI_OK;
    return kpi__json_fail(doc, node, KPI_EPLAN, "%s must be an object, not %s", what,
                          kpi__json_type_name(node));
}

kpi_status kpi__json_array(kpi__json *doc, const json_t *node, const char *what)
{
    if (json_is_array(node))
        return KPI_OK;
    return kpi__json_fail(doc, node, KPI_EPLAN, "%s must be an array, not %s", what,
                          kpi__json_type_name(node));
}

kpi_status kpi__json_check_keys(kpi__json *doc, const json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, key) == 0;
        if (known)
            continue;
        char list[512];
        size_t n = 0;
        list[0] = '\0';
        for (const char *const *a = allowed; *a; a++)
            n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s%s",
                                  a == allowed ? "" : ", ", *a);
        kpi__json_push_key(doc, key);
        kpi_status st = kpi__json_fail(doc, value, KPI_EPLAN,
                                       "unknown key '%s' (expected one of: %s)", key, list);
        kpi__json_pop(doc);
        return st;
    }
    return KPI_OK;
}

/* Moves a parse error's column from "within the number text" to the file. */
static kpi_status number_failed(kpi__json *doc, const json_t *node, size_t quote)
{
    long inner = kpi_error_column(kpi_error_last());
    long line, column;
    kpi__json_position(doc, node, &line, &column);
    kpi__error_set_source(doc->source);
    kpi__error_set_path(doc->path);
    kpi__error_set_position(line, column > 0 && inner > 0 ? column + (long)quote + inner - 1 : column, -1);
    return kpi_error_code(kpi_error_last());
}

static kpi_status to_number(kpi__json *doc, const json_t *node, bool money, int64_t *out)
{
    const char *text;
    size_t len, quote = 0;
    size_t offset;
    if (json_is_string(node)) {
        text = json_string_value(node);
        len = json_string_length(node);
        quote = 1;
    } else if (json_is_number(node) && offsets_get(doc, node, &offset)) {
        text = doc->text + offset;
        len = 0;
        while (offset + len < doc->len && !strchr(",]} \t\r\n", text[len]))
            len++;
    } else {
        return kpi__json_fail(doc, node, KPI_EPLAN, "expected a number or a numeric string, not %s",
                              kpi__json_type_name(node));
    }
    kpi_status st = money ? kpi_money_parse(text, len, out) : kpi_dec_parse(text, len, out);
    return st == KPI_OK ? KPI_OK : number_failed(doc, node, quote);
}

kpi_status kpi__json_to_dec(kpi__json *doc, const json_t *node, kpi_dec *out)
{
    return to_number(doc, node, false, out);
}

kpi_status kpi__json_to_money(kpi__json *doc, const json_t *node, kpi_money *out)
{
    return to_number(doc, node, true, out);
}

/* Finds member @key; reports a missing required one at the object. */
static kpi_status member(kpi__json *doc, const json_t *obj, const char *key, bool required,
                         const json_t **node, bool *present)
{
    *node = json_object_get(obj, key);
    if (present)
        *present = *node != NULL;
    if (*node || !required)
        return KPI_OK;
    return kpi__json_fail(doc, obj, KPI_EPLAN, "missing required key '%s'", key);
}

#define READ_MEMBER(convert)                                                 \
    const json_t *node;                                                      \
    kpi_status st = member(doc, obj, key, required, &node, present);         \
    if (st != KPI_OK || !node)                                               \
        return st;                                                           \
    kpi__json_push_key(doc, key);                                            \
    st = (convert);                                                          \
    kpi__json_pop(doc);                                                      \
    return st

kpi_status kpi__json_get_dec(kpi__json *doc, const json_t *obj, const char *key, bool required,
                             kpi_dec *out, bool *present)
{
    READ_MEMBER(to_number(doc, node, false, out));
}

kpi_status kpi__json_get_money(kpi__json *doc, const json_t *obj, const char *key, bool required,
                               kpi_money *out, bool *present)
{
    READ_MEMBER(to_number(doc, node, true, out));
}

static kpi_status to_int(kpi__json *doc, const json_t *node, int64_t min, int64_t max, int64_t *out)
{
    if (!json_is_integer(node))
        return kpi__json_fail(doc, node, KPI_EPLAN, "expected a whole number, not %s",
                              json_is_real(node) ? "a fraction" : kpi__json_type_name(node));
    json_int_t v = json_integer_value(node);
    if (v < min || v > max)
        return kpi__json_fail(doc, node, KPI_ERANGE, "%lld is out of range (%lld to %lld)",
                              (long long)v, (long long)min, (long long)max);
    *out = v;
    return KPI_OK;
}

kpi_status kpi__json_get_int(kpi__json *doc, const json_t *obj, const char *key, bool required,
                             int64_t min, int64_t max, int64_t *out, bool *present)
{
    READ_MEMBER(to_int(doc, node, min, max, out));
}

static kpi_status to_bool(kpi__json *doc, const json_t *node, bool *out)
{
    if (!json_is_boolean(node))
        return kpi__json_fail(doc, node, KPI_EPLAN, "expected true or false, not %s",
                              kpi__json_type_name(node));
    *out = json_is_true(node);
    return KPI_OK;
}

kpi_status kpi__json_get_bool(kpi__json *doc, const json_t *obj, const char *key, bool required,
                              bool *out, bool *present)
{
    READ_MEMBER(to_bool(doc, node, out));
}

static kpi_status to_string(kpi__json *doc, const json_t *node, const char **out)
{
    if (!json_is_string(node))
        return kpi__json_fail(doc, node, KPI_EPLAN, "expected a string, not %s",
                              kpi__json_type_name(node));
    if (strlen(json_string_value(node)) != json_string_length(node))
        return kpi__json_fail(doc, node, KPI_EPLAN, "a string must not contain \\u0000");
    *out = json_string_value(node);
    return KPI_OK;
}

kpi_status kpi__json_get_string(kpi__json *doc, const json_t *obj, const char *key, bool required,
                                const char **out, bool *present)
{
    READ_MEMBER(to_string(doc, node, out));
}

static kpi_status to_enum(kpi__json *doc, const json_t *node, const char *const *names, int *out)
{
    const char *s;
    kpi_status st = to_string(doc, node, &s);
    if (st != KPI_OK)
        return st;
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return KPI_OK;
        }
    }
    char list[512];
    size_t n = 0;
    list[0] = '\0';
    for (int i = 0; names[i]; i++)
        n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s\"%s\"",
                              i ? ", " : "", names[i]);
    return kpi__json_fail(doc, node, KPI_EPLAN, "unknown value \"%s\" (expected one of: %s)", s, list);
}

kpi_status kpi__json_get_enum(kpi__json *doc, const json_t *obj, const char *key, bool required,
                              const char *const *names, int *out, bool *present)
{
    READ_MEMBER(to_enum(doc, node, names, out));
}
