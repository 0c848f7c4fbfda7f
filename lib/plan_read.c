/*
 * plan_read.c - what the "tiers" and "pay" readers share: locating a
 * library call's failure inside the element it names, arrays of objects,
 * intervals written as "[80, 90)", rounding objects and figure names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

/* ---- failures of library calls ------------------------------------------------ */

kpi_status kpi__plan_built(struct kpi__plan_load *ld, const json_t *node, kpi_status st)
{
    if (st == KPI_OK)
        return st;
    const kpi_error *e = kpi_error_last();
    char rel[128];
    snprintf(rel, sizeof rel, "%s", kpi_error_path(e));
    /* record it again, so the path can be the plan's (the first path set would stay);
     * an invalid argument is a value the plan gave */
    char msg[768];
    snprintf(msg, sizeof msg, "%s", kpi_error_message(e));
    if (st == KPI_EINVAL)
        st = KPI_EPLAN;
    kpi__error_reset();
    kpi__fail(st, "%s", msg);
    /* follow "rows[2].to" from @node while the file has it */
    size_t depth = 0;
    const json_t *at = node;
    for (const char *p = rel; *p && depth < 8;) {
        const json_t *next = NULL;
        if (*p == '[') {
            char *end;
            unsigned long long i = strtoull(p + 1, &end, 10);
            if (*end != ']' || !json_is_array(at))
                break;
            next = json_array_get(at, (size_t)i);
            if (next)
                kpi__json_push_index(ld->doc, (size_t)i);
            p = end + 1;
        } else {
            if (*p == '.')
                p++;
            size_t n = strcspn(p, ".[");
            char key[64];
            if (n == 0 || n >= sizeof key || !json_is_object(at))
                break;
            memcpy(key, p, n);
            key[n] = '\0';
            next = json_object_get(at, key);
            if (next)
                kpi__json_push_key(ld->doc, key);
            p += n;
        }
        if (!next)
            break;
        at = next;
        depth++;
    }
    kpi__plan_located(ld, at, st);
    while (depth--)
        kpi__json_pop(ld->doc);
    return st;
}

/* ---- arrays ------------------------------------------------------------------------ */

kpi_status kpi__plan_each(struct kpi__plan_load *ld, const json_t *obj, const char *key, const char *what,
                          kpi__plan_element read, void *arg)
{
    kpi__json *doc = ld->doc;
    const json_t *arr = json_object_get(obj, key);
    if (!arr)
        return kpi__json_fail(doc, obj, KPI_EPLAN, "missing required key '%s'", key);
    kpi__json_push_key(doc, key);
    kpi_status st = kpi__json_array(doc, arr, key);
    if (st == KPI_OK && json_array_size(arr) == 0)
        st = kpi__json_fail(doc, arr, KPI_EPLAN, "'%s' must list at least one %s", key, what);
    for (size_t i = 0; st == KPI_OK && i < json_array_size(arr); i++) {
        const json_t *el = json_array_get(arr, i);
        kpi__json_push_index(doc, i);
        st = kpi__json_object(doc, el, what);
        if (st == KPI_OK)
            st = read(ld, el, i, arg);
        kpi__json_pop(doc);
    }
    kpi__json_pop(doc);
    return st;
}

kpi_status kpi__plan_check_count(struct kpi__plan_load *ld, const json_t *obj, const char *key, size_t limit,
                                 const char *name, const char *what)
{
    const json_t *arr = key ? json_object_get(obj, key) : obj;
    size_t n = json_array_size(arr);
    if (n <= limit)
        return KPI_OK;
    if (key)
        kpi__json_push_key(ld->doc, key);
    kpi_status st = kpi__json_fail(ld->doc, arr, KPI_ELIMIT, "%zu %s are more than the limit of %zu (%s)", n,
                                   what, limit, name);
    if (key)
        kpi__json_pop(ld->doc);
    return st;
}

kpi_status kpi__plan_duplicate(struct kpi__plan_load *ld, const json_t *obj, const char *id, const char *what)
{
    kpi__json_push_key(ld->doc, "id");
    kpi_status st = kpi__json_fail(ld->doc, json_object_get(obj, "id"), KPI_EDUPLICATE,
                                   "id '%s' is used by two %s; ids must be unique", id, what);
    kpi__json_pop(ld->doc);
    return st;
}

/* ---- intervals --------------------------------------------------------------------- */

static void trim(const char **s, size_t *n)
{
    while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static bool is_text(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(s, *words, n) == 0)
            return true;
    return false;
}

/* One end's text: a number, or nothing / an infinity for no end. */
static bool parse_end(const char *s, size_t n, bool upper, bool money, int64_t *value, bool *unbounded)
{
    static const char *const below[] = {"-inf", "\xE2\x88\x92inf", "-\xE2\x88\x9E", "\xE2\x88\x92\xE2\x88\x9E", NULL};
    static const char *const above[] = {"inf", "+inf", "\xE2\x88\x9E", "+\xE2\x88\x9E", NULL};
    trim(&s, &n);
    *unbounded = n == 0 || is_text(s, n, upper ? above : below);
    *value = 0;
    if (*unbounded)
        return true;
    kpi_status st = money ? kpi_money_parse(s, n, value) : kpi_dec_parse(s, n, value);
    kpi__error_reset();
    return st == KPI_OK;
}

/* Where "80-90" splits: an en or em dash, a tilde, or a hyphen after the first number. */
static bool find_dash(const char *s, size_t n, size_t *at, size_t *width)
{
    static const char *const dashes[] = {"\xE2\x80\x93", "\xE2\x80\x94", "\xEF\xBD\x9E", "~", NULL};
    for (const char *const *d = dashes; *d; d++) {
        const char *hit = strstr(s, *d);
        if (hit && (size_t)(hit - s) < n) {
            *at = (size_t)(hit - s);
            *width = strlen(*d);
            return true;
        }
    }
    for (size_t i = 1; i < n; i++) {
        char prev = s[i - 1];
        if (s[i] == '-' && ((prev >= '0' && prev <= '9') || prev == '%' || prev == ' ')) {
            *at = i;
            *width = 1;
            return true;
        }
    }
    return false;
}

static bool parse_interval(const char *text, bool money, struct kpi__interval *out)
{
    const char *s = text;
    size_t n = strlen(text);
    trim(&s, &n);
    if (n == 0)
        return false;
    size_t split, width;
    const char *lo, *hi;
    size_t nlo, nhi;
    bool bracketed = s[0] == '[' || s[0] == '(';
    if (bracketed) {
        char close = s[n - 1];
        if (n < 3 || (close != ']' && close != ')'))
            return false;
        out->from_end = s[0] == '[' ? KPI_END_CLOSED : KPI_END_OPEN;
        out->to_end = close == ']' ? KPI_END_CLOSED : KPI_END_OPEN;
        const char *in = s + 1;
        size_t nin = n - 2;
        /* "15,000" has a thousands comma: the ends are split by ", " or by a lone comma */
        const char *comma = NULL;
        size_t commas = 0;
        for (size_t i = 0; i < nin; i++) {
            if (in[i] != ',')
                continue;
            commas++;
            if (!comma && i + 1 < nin && (in[i + 1] == ' ' || in[i + 1] == '\t'))
                comma = in + i;
        }
        if (!comma && commas == 1)
            comma = memchr(in, ',', nin);
        if (!comma)
            return false;
        split = (size_t)(comma - in);
        lo = in;
        nlo = split;
        hi = comma + 1;
        nhi = nin - split - 1;
    } else {
        if (!find_dash(s, n, &split, &width))
            return false;
        out->from_end = out->to_end = KPI_END_UNSTATED;
        lo = s;
        nlo = split;
        hi = s + split + width;
        nhi = n - split - width;
    }
    bool lo_inf, hi_inf;
    if (!parse_end(lo, nlo, false, money, &out->from, &lo_inf) || !parse_end(hi, nhi, true, money, &out->to, &hi_inf))
        return false;
    if (!bracketed && (lo_inf || hi_inf))
        return false; /* "-90" or "80-": write "(, 90]" or "[80, )" */
    if (lo_inf)
        out->from_end = KPI_END_UNBOUNDED;
    if (hi_inf)
        out->to_end = KPI_END_UNBOUNDED;
    return true;
}

kpi_status kpi__plan_get_interval(struct kpi__plan_load *ld, const json_t *obj, const char *key, bool money,
                                  struct kpi__interval *out)
{
    const char *text;
    kpi_status st = kpi__json_get_string(ld->doc, obj, key, true, &text, NULL);
    if (st != KPI_OK)
        return st;
    struct kpi__interval iv;
    if (parse_interval(text, money, &iv)) {
        *out = iv;
        return KPI_OK;
    }
    kpi__json_push_key(ld->doc, key);
    st = kpi__json_fail(ld->doc, json_object_get(obj, key), KPI_EPLAN,
                        "\"%s\" is not an interval: write \"[90, 100]\" (both ends owned), \"[80, 90)\" (lower "
                        "end owned), \"(25000, )\" (no upper end) or \"80-90\" (ends unstated)%s",
                        text, money ? ", amounts in yuan" : "");
    kpi__json_pop(ld->doc);
    return st;
}

/* ---- rounding ---------------------------------------------------------------------- */

kpi_status kpi__plan_get_rounding(struct kpi__plan_load *ld, const json_t *obj, const char *key,
                                  int max_places, kpi_round *mode, int32_t *places)
{
    static const char *const keys[] = {"mode", "places", "note", NULL};
    static const char *const names[] = {"half_up", "half_even", "half_down", "down", "up", "floor", "ceiling", NULL};
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return KPI_OK;
    kpi__json *doc = ld->doc;
    kpi__json_push_key(doc, key);
    int m = *mode;
    int64_t p = *places;
    kpi_status st = kpi__json_object(doc, v, key);
    if (st == KPI_OK)
        st = kpi__json_check_keys(doc, v, keys);
    if (st == KPI_OK)
        st = kpi__json_get_enum(doc, v, "mode", false, names, &m, NULL); /* KPI_ROUND_* order */
    if (st == KPI_OK)
        st = kpi__json_get_int(doc, v, "places", false, 0, max_places, &p, NULL);
    kpi__json_pop(doc);
    if (st == KPI_OK) {
        *mode = (kpi_round)m;
        *places = (int32_t)p;
    }
    return st;
}

/* ---- figure names ------------------------------------------------------------------ */

/* Amount columns of the agents file the run reads (examples/data/agents.csv). */
static const char *const agent_fields[] = {"post_salary", NULL};

static const struct kpi__rubric_data *declared_inputs(const struct kpi__plan_load *ld)
{
    if (ld->plan->rubric)
        return &ld->plan->rubric->d;
    return ld->builder ? &ld->builder->d : NULL;
}

kpi_status kpi__plan_get_figure(struct kpi__plan_load *ld, const json_t *obj, const char *key, bool required,
                                const char **out)
{
    const char *name;
    bool present;
    kpi_status st = kpi__json_get_string(ld->doc, obj, key, required, &name, &present);
    if (st != KPI_OK || !present)
        return st;
    const struct kpi__rubric_data *d = declared_inputs(ld);
    const kpi_metric_registry *reg = ld->plan->metrics ? ld->plan->metrics->registry : NULL;
    size_t metric;
    bool known = strcmp(name, "score") == 0 || is_text(name, strlen(name), agent_fields) ||
                 (d && kpi__rubric_find_input(d, name) != KPI__NO_INDEX) ||
                 (reg && kpi_metric_registry_find(reg, name, &metric) == KPI_OK);
    kpi__error_reset(); /* a failed find recorded ENOTFOUND; the message below says more */
    if (known) {
        *out = name;
        return KPI_OK;
    }
    struct kpi__sb names = {0};
    kpi__sb_printf(&names, "score");
    for (const char *const *f = agent_fields; *f; f++)
        kpi__sb_printf(&names, ", %s", *f);
    for (size_t i = 0; d && i < d->ninputs; i++)
        kpi__sb_printf(&names, ", %s", d->inputs[i].name);
    kpi__sb_printf(&names, "; metrics:");
    for (size_t i = 0; i < kpi_metric_registry_count(reg); i++)
        kpi__sb_printf(&names, "%s %s", i ? "," : "", kpi_metric_registry_def(reg, i)->id);
    if (names.oom) {
        kpi__free(names.s);
        return KPI_ENOMEM;
    }
    kpi__json_push_key(ld->doc, key);
    st = kpi__json_fail(ld->doc, json_object_get(obj, key), KPI_ENOTFOUND,
                        "unknown figure '%s' (known: %s)", name, names.s);
    kpi__json_pop(ld->doc);
    kpi__free(names.s);
    return st;
}
