/*
 * rubric_scorecard.c - the scorecard a kpi_rubric_score() call returns:
 * the result the caller owns, and its read-only accessors.
 */
#include <stdio.h>
#include <string.h>

#include "rubric_internal.h"

/* ---- text helpers shared by scoring and explaining ---------------------- */

void kpi__sb_printf(struct kpi__sb *sb, const char *fmt, ...)
{
    if (sb->oom)
        return;
    char small[256]; /* explanations are short: formatted once, then copied */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (sb->len + (size_t)n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 64;
        while (cap < sb->len + (size_t)n + 1)
            cap *= 2;
        char *s = kpi__realloc(sb->s, cap);
        if (!s) {
            sb->oom = true;
            return;
        }
        sb->s = s;
        sb->cap = cap;
    }
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
    for (size_t i = 0; i < card->nlines; i++) {
        kpi__free(card->lines[i].value);
        kpi__free(card->lines[i].row);
        kpi__free(card->lines[i].reason);
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
