/*
 * rubric_scorecard.c - the scorecard a kpi_rubric_score() call returns:
 * the result the caller owns, and its read-only accessors.
 */
#include <stdio.h>
#include <string.h>

#include "rubric_internal.h"

/* ---- text helpers shared by scoring and explaining ---------------------- */

/* Room for @n more bytes and the NUL; false (and oom) when there is none. */
static bool sb_room(struct kpi__sb *sb, size_t n)
{
    if (sb->len + n + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + n + 1)
        cap *= 2;
    char *s = kpi__realloc(sb->s, cap);
    if (!s) {
        sb->oom = true;
        return false;
    }
    sb->s = s;
    sb->cap = cap;
    return true;
}

static void sb_append(struct kpi__sb *sb, const char *p, size_t n)
{
    if (!sb_room(sb, n))
        return;
    memcpy(sb->s + sb->len, p, n);
    sb->len += n;
    sb->s[sb->len] = '\0';
}

/* Whether @fmt has only %s, %zu and %% (what explanations use): those are
 * formatted here, much faster than by vsnprintf. */
static bool simple_format(const char *fmt)
{
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
        if (p[1] == 's' || p[1] == '%')
            p += 2;
        else if (p[1] == 'z' && p[2] == 'u')
            p += 3;
        else
            return false;
    }
    return true;
}

void kpi__sb_printf(struct kpi__sb *sb, const char *fmt, ...)
{
    if (sb->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (simple_format(fmt)) {
        for (const char *p = fmt; *p && !sb->oom;) {
            const char *q = strchr(p, '%');
            if (!q) {
                sb_append(sb, p, strlen(p));
                break;
            }
            sb_append(sb, p, (size_t)(q - p));
            if (q[1] == 's') {
                const char *arg = va_arg(ap, const char *);
                sb_append(sb, arg, strlen(arg));
                p = q + 2;
            } else if (q[1] == '%') {
                sb_append(sb, "%", 1);
                p = q + 2;
            } else { /* %zu */
                char digits[24];
                int n = snprintf(digits, sizeof digits, "%zu", va_arg(ap, size_t));
                sb_append(sb, digits, (size_t)n);
                p = q + 3;
            }
        }
        va_end(ap);
        return;
    }
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_room(sb, (size_t)n))
        return;
    if ((size_t)n < sizeof small) {
        memcpy(sb->s + sb->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
        va_end(ap);
    }
    sb->len += (size_t)n;
}

char *kpi__sb_take(struct kpi__sb *sb)
{
    if (sb->oom) {
        kpi__free(sb->s);
        *sb = (struct kpi__sb){0};
        return NULL;
    }
    char *s = sb->s ? sb->s : kpi__strdup("");
    *sb = (struct kpi__sb){0};
    return s;
}

char *kpi__sprintf(const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = kpi__malloc((size_t)n + 1);
    if (!s)
        return NULL;
    if ((size_t)n < sizeof small) { /* the usual case: formatted once */
        memcpy(s, small, (size_t)n + 1);
        return s;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

struct kpi__num kpi__num(kpi_dec v)
{
    struct kpi__num n;
    kpi_dec_format(v, -1, KPI_ROUND_HALF_UP, n.s, sizeof n.s);
    return n;
}

/* ---- the card ----------------------------------------------------------- */

const char *kpi__card_text(kpi_scorecard *card, const struct kpi__sb *sb)
{
    if (sb->oom)
        return NULL;
    const size_t n = sb->len;
    struct kpi__text_block *b = card->text;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = b ? 2 * b->cap : 1024;
        cap = cap < n + 1 ? n + 1 : cap;
        b = kpi__malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = card->text;
        b->used = 0;
        b->cap = cap;
        card->text = b;
    }
    char *t = b->data + b->used;
    if (n)
        memcpy(t, sb->s, n);
    t[n] = '\0';
    b->used += n + 1;
    return t;
}

kpi_scorecard *kpi__card_new(size_t nlines, size_t ngates)
{
    kpi_scorecard *card = kpi__calloc(1, sizeof *card);
    if (!card)
        return NULL;
    card->lines = nlines ? kpi__calloc(nlines, sizeof *card->lines) : NULL;
    card->gates = ngates ? kpi__calloc(ngates, sizeof *card->gates) : NULL;
    if ((nlines && !card->lines) || (ngates && !card->gates)) {
        kpi_scorecard_free(card);
        return NULL;
    }
    card->cap_lines = nlines;
    card->ngates = ngates;
    card->factor_num = card->factor_den = 1;
    return card;
}

struct kpi__line *kpi__card_add_line(kpi_scorecard *card)
{
    return &card->lines[card->nlines++];
}

void kpi_scorecard_free(kpi_scorecard *card)
{
    if (!card)
        return;
    for (struct kpi__text_block *b = card->text, *next; b; b = next) {
        next = b->next;
        kpi__free(b);
    }
    kpi__free(card->lines);
    kpi__free(card->gates);
    kpi__free(card->reason);
    kpi__free(card);
}

kpi_outcome kpi_scorecard_outcome(const kpi_scorecard *card)
{
    return card ? card->outcome : KPI_OUTCOME_NOT_ASSESSED;
}

const char *kpi_outcome_name(kpi_outcome outcome)
{
    switch (outcome) {
    case KPI_OUTCOME_PASS: return "pass";
    case KPI_OUTCOME_FAIL: return "fail";
    case KPI_OUTCOME_NOT_ASSESSED: return "not assessed";
    default: return NULL;
    }
}

kpi_dec kpi_scorecard_total(const kpi_scorecard *card)
{
    return card ? card->total : 0;
}

const char *kpi_scorecard_reason(const kpi_scorecard *card)
{
    return card && card->reason ? card->reason : "";
}

kpi_status kpi_scorecard_gate(const kpi_scorecard *card, const char *id, int *passed)
{
    kpi__error_reset();
    if (!card || !id || !passed)
        return kpi__fail(KPI_EINVAL, "kpi_scorecard_gate: card, id and passed must not be NULL");
    for (size_t i = 0; i < card->ngates; i++) {
        if (strcmp(card->gates[i].id, id) == 0) {
            *passed = card->gates[i].passed;
            return KPI_OK;
        }
    }
    return kpi__fail(KPI_ENOTFOUND, "the rubric has no gate '%s'", id);
}

size_t kpi_scorecard_line_count(const kpi_scorecard *card)
{
    return card ? card->nlines : 0;
}

kpi_status kpi_scorecard_line(const kpi_scorecard *card, size_t i, kpi_score_line *out)
{
    kpi__error_reset();
    if (!card || !out)
        return kpi__fail(KPI_EINVAL, "kpi_scorecard_line: card and out must not be NULL");
    if (out->size < sizeof(size_t))
        return kpi__fail(KPI_EINVAL, "kpi_scorecard_line: out->size is %zu; set it with KPI_SCORE_LINE_INIT",
                         out->size);
    if (i >= card->nlines)
        return kpi__fail(KPI_EINVAL, "kpi_scorecard_line: line %zu is out of range (%zu lines)", i, card->nlines);
    const struct kpi__line *l = &card->lines[i];
    kpi_score_line line = {sizeof line,  l->kind,  l->status, l->critical_failed, l->id,    l->label, l->category,
                           l->value,     l->row,   l->reason, l->points,          l->exact, l->max};
    size_t n = out->size < sizeof line ? out->size : sizeof line;
    memcpy((char *)out + sizeof(size_t), (const char *)&line + sizeof(size_t), n - sizeof(size_t));
    return KPI_OK;
}
