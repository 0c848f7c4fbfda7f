/*
 * rubric_internal.h - the rubric's representation, shared by the builder
 * (rubric.c), the inputs (rubric_inputs.c), scoring (rubric_score.c), the
 * scorecard and its explanation (rubric_explain.c) and lint (rubric_lint.c).
 */
#ifndef KPISCORE_RUBRIC_INTERNAL_H
#define KPISCORE_RUBRIC_INTERNAL_H

#include "internal.h"
#include "kpiscore/rubric.h"

#define KPI__NO_INDEX ((size_t)-1)

struct kpi__input_decl {
    char *name;
    char *label;
    kpi_input_kind kind;
    char **labels; /* grade labels an evaluator may give */
    size_t nlabels;
};

struct kpi__band {
    kpi_dec low, high;
    kpi_tier_end low_end, high_end;
    kpi_dec points;
    char *label;
};

/* One row of an item: a grade, an event kind or a weighted part. */
struct kpi__row {
    char *name;  /* grade label, or input name (events, parts) */
    char *label; /* display label */
    kpi_dec value; /* grade points, points per event, part weight */
    kpi_part_of of;
};

struct kpi__item {
    kpi_rubric_item spec; /* strings below are owned copies */
    size_t category;      /* index or KPI__NO_INDEX */
    struct kpi__band *bands;
    size_t nbands, cap_bands;
    struct kpi__row *rows;
    size_t nrows, cap_rows;
};

struct kpi__category {
    char *id, *label;
    kpi_dec points, cap, floor;
};

struct kpi__gate {
    char *id, *label;
    kpi_dec at_least;
};

struct kpi__eligibility {
    char *input, *reason;
    kpi_dec above;
};

/* The builder and the built rubric share one layout; building moves it. */
struct kpi__rubric_data {
    kpi_dec total;
    kpi_rubric_options options;
    struct kpi__input_decl *inputs;
    size_t ninputs, cap_inputs;
    struct kpi__category *categories;
    size_t ncategories, cap_categories;
    struct kpi__item *items;
    size_t nitems, cap_items;
    kpi_rubric_adjustment *adjustments; /* strings owned */
    size_t nadjustments, cap_adjustments;
    struct kpi__gate *gates;
    size_t ngates, cap_gates;
    struct kpi__eligibility *eligibility;
    size_t neligibility, cap_eligibility;
};

struct kpi_rubric_builder {
    struct kpi__rubric_data d;
};

struct kpi_rubric {
    struct kpi__rubric_data d;
};

/* ---- inputs ------------------------------------------------------------ */

enum { KPI__VALUE_NA = -1 };

struct kpi__value {
    char *name;
    int32_t kind; /* KPI_INPUT_* or KPI__VALUE_NA */
    kpi_dec number;
    char *label;
    kpi_dec *list;
    size_t n;
};

/* Finds input @name in @in, or NULL. */
const struct kpi__value *kpi__inputs_find(const kpi_inputs *in, const char *name);
size_t kpi__inputs_count(const kpi_inputs *in);
const struct kpi__value *kpi__inputs_at(const kpi_inputs *in, size_t i);

/* Index of declared input @name, or KPI__NO_INDEX. */
size_t kpi__rubric_find_input(const struct kpi__rubric_data *d, const char *name);

/* The effective N/A policy of item @it. */
kpi_na_policy kpi__item_na(const struct kpi__rubric_data *d, const struct kpi__item *it);

/* Sets the total and options of a builder made before they were known
 * (the plan reads its inputs before its rubric). */
kpi_status kpi__rubric_builder_configure(kpi_rubric_builder *b, kpi_dec total, const kpi_rubric_options *options);

/* Lint in two parts, so the plan loader can prefix the rules' paths with
 * "rubric" and leave the declarations' ("inputs.x") as they are. */
kpi_status kpi__rubric_lint_rules(const kpi_rubric *rubric, kpi_lint *lint);
/* @read_elsewhere (or NULL) says whether another part of a plan (pay) reads
 * input @name, so it is not reported unused. */
typedef bool (*kpi__input_reader)(const void *ctx, const char *name);
kpi_status kpi__rubric_lint_inputs(const kpi_rubric *rubric, kpi_lint *lint, kpi__input_reader read_elsewhere,
                                   const void *ctx);

/* ---- scorecards ----------------------------------------------------------- */

struct kpi__line {
    kpi_line_kind kind;
    kpi_line_status status;
    int32_t critical_failed;
    const char *id, *label, *category; /* borrowed from the rubric */
    const char *value, *row, *reason;  /* in the card's text blocks */
    kpi_dec points, exact, max;
};

struct kpi__gate_result {
    const char *id, *label;
    kpi_dec at_least;
    int passed;
};

struct kpi_scorecard {
    kpi_outcome outcome;
    kpi_dec total, exact_total, stated_total;
    kpi_dec factor_num, factor_den; /* renormalisation: total x num / den (1/1 when none) */
    kpi_rubric_options options;
    char *reason;
    struct kpi__line *lines;
    size_t nlines, cap_lines;
    struct kpi__gate_result *gates;
    size_t ngates;
    struct kpi__text_block *text; /* the lines' texts, newest block first */
    /* The rubric's strings are borrowed: keep a card no longer than its rubric. */
};

/* Text blocks of a card: its lines' strings, allocated a block at a time
 * (a card has a few dozen short strings; one allocation each cost more
 * than the scoring). */
struct kpi__text_block {
    struct kpi__text_block *next;
    size_t used, cap;
    char data[];
};

/* A new scorecard with room for @nlines lines and @ngates gates. */
kpi_scorecard *kpi__card_new(size_t nlines, size_t ngates);

/* Appends a zeroed line (the card was made with room for it). */
struct kpi__line *kpi__card_add_line(kpi_scorecard *card);

/* ---- text ------------------------------------------------------------------ */

/* A growing string; after an allocation failure it stays failed (oom). */
struct kpi__sb {
    char *s;
    size_t len, cap;
    bool oom;
};

void kpi__sb_printf(struct kpi__sb *sb, const char *fmt, ...) KPI__PRINTF(2, 3);
/* Hands the text over (an empty string when nothing was written); NULL after oom. */
char *kpi__sb_take(struct kpi__sb *sb);
/* A copy of the text in the card's blocks; NULL after oom (of @sb or now). */
const char *kpi__card_text(kpi_scorecard *card, const struct kpi__sb *sb);

/* printf into a new string (NULL after an allocation failure). */
char *kpi__sprintf(const char *fmt, ...) KPI__PRINTF(1, 2);

/* A decimal as shortest exact text ("90", "0.015", "-5"). */
struct kpi__num {
    char s[32];
};
struct kpi__num kpi__num(kpi_dec v);

#endif /* KPISCORE_RUBRIC_INTERNAL_H */
