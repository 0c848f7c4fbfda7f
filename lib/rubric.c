/*
 * rubric.c - building a rubric: declarations, items and their rows,
 * categories, adjustments, gates, eligibility. Every check that makes a
 * rubric unevaluable happens here, once, so scoring only meets input errors.
 */
#include <stdio.h>
#include <string.h>

#include "rubric_internal.h"

/* kpi__grow as a status, for the `if ((st = ...) != KPI_OK)` chains below. */
#define GROW_ARRAY(array, cap, count) \
    (kpi__grow((void **)&(array), &(cap), (count), sizeof *(array)) ? KPI_OK : KPI_ENOMEM)
#define GROW(d, field, count, cap) GROW_ARRAY((d)->field, (d)->cap, (d)->count)

size_t kpi__rubric_find_input(const struct kpi__rubric_data *d, const char *name)
{
    for (size_t i = 0; i < d->ninputs; i++)
        if (strcmp(d->inputs[i].name, name) == 0)
            return i;
    return KPI__NO_INDEX;
}

kpi_na_policy kpi__item_na(const struct kpi__rubric_data *d, const struct kpi__item *it)
{
    return it->spec.na == KPI_NA_INHERIT ? d->options.na : it->spec.na;
}

/* ---- freeing ------------------------------------------------------------ */

static void free_data(struct kpi__rubric_data *d)
{
    for (size_t i = 0; i < d->ninputs; i++) {
        kpi__free(d->inputs[i].name);
        kpi__free(d->inputs[i].label);
        for (size_t j = 0; j < d->inputs[i].nlabels; j++)
            kpi__free(d->inputs[i].labels[j]);
        kpi__free(d->inputs[i].labels);
    }
    for (size_t i = 0; i < d->ncategories; i++) {
        kpi__free(d->categories[i].id);
        kpi__free(d->categories[i].label);
    }
    for (size_t i = 0; i < d->nitems; i++) {
        struct kpi__item *it = &d->items[i];
        kpi__free((char *)it->spec.id);
        kpi__free((char *)it->spec.label);
        kpi__free((char *)it->spec.input);
        for (size_t j = 0; j < it->nbands; j++)
            kpi__free(it->bands[j].label);
        for (size_t j = 0; j < it->nrows; j++) {
            kpi__free(it->rows[j].name);
            kpi__free(it->rows[j].label);
        }
        kpi__free(it->bands);
        kpi__free(it->rows);
    }
    for (size_t i = 0; i < d->nadjustments; i++) {
        kpi__free((char *)d->adjustments[i].id);
        kpi__free((char *)d->adjustments[i].label);
        kpi__free((char *)d->adjustments[i].input);
    }
    for (size_t i = 0; i < d->ngates; i++) {
        kpi__free(d->gates[i].id);
        kpi__free(d->gates[i].label);
    }
    for (size_t i = 0; i < d->neligibility; i++) {
        kpi__free(d->eligibility[i].input);
        kpi__free(d->eligibility[i].reason);
    }
    kpi__free(d->inputs);
    kpi__free(d->categories);
    kpi__free(d->items);
    kpi__free(d->adjustments);
    kpi__free(d->gates);
    kpi__free(d->eligibility);
    memset(d, 0, sizeof *d);
}

void kpi_rubric_builder_free(kpi_rubric_builder *builder)
{
    if (!builder)
        return;
    free_data(&builder->d);
    kpi__free(builder);
}

void kpi_rubric_free(kpi_rubric *rubric)
{
    if (!rubric)
        return;
    free_data(&rubric->d);
    kpi__free(rubric);
}

/* ---- argument checks ------------------------------------------------------ */

static bool name_ok(const char *s)
{
    return s && *s;
}

/* Copies a caller's size-versioned struct over @defaults (ABI: older callers
 * pass a smaller struct, newer ones a larger one whose tail we ignore). */
static kpi_status versioned(void *dst, size_t dst_size, const void *src, const char *what)
{
    size_t size = *(const size_t *)src;
    if (size < sizeof(size_t) + sizeof(int32_t))
        return kpi__fail(KPI_EINVAL, "%s->size is %zu; set it with the _INIT macro", what, size);
    memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
           (size < dst_size ? size : dst_size) - sizeof(size_t));
    return KPI_OK;
}

static bool round_ok(kpi_round mode)
{
    return kpi__round_valid(mode);
}

static kpi_status check_options(const kpi_rubric_options *o)
{
    if (!round_ok(o->round_mode))
        return kpi__fail(KPI_EINVAL, "options.round_mode %d is not a KPI_ROUND_* mode", (int)o->round_mode);
    if (o->places < 0 || o->places > 9)
        return kpi__fail(KPI_EINVAL, "options.places is %d; it must be 0..9", (int)o->places);
    if (o->total_mode != KPI_TOTAL_SUM_OF_ROUNDED && o->total_mode != KPI_TOTAL_ROUND_OF_SUM)
        return kpi__fail(KPI_EINVAL, "options.total_mode %d is not a KPI_TOTAL_* mode", (int)o->total_mode);
    if (o->na < KPI_NA_EXCLUDE || o->na > KPI_NA_FULL)
        return kpi__fail(KPI_EINVAL, "options.na %d must be KPI_NA_EXCLUDE, _ZERO or _FULL", (int)o->na);
    if (o->critical != KPI_CRITICAL_ZERO && o->critical != KPI_CRITICAL_KEEP)
        return kpi__fail(KPI_EINVAL, "options.critical %d is not a KPI_CRITICAL_* policy", (int)o->critical);
    return KPI_OK;
}

kpi_status kpi_rubric_builder_new(kpi_rubric_builder **out, kpi_dec total,
                                  const kpi_rubric_options *options)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_rubric_builder_new: out must not be NULL");
    if (total <= 0 || total == KPI_DEC_NO_CAP)
        return kpi__fail(KPI_EINVAL, "kpi_rubric_builder_new: total must be a positive number of points");
    kpi_rubric_options o = KPI_RUBRIC_OPTIONS_INIT;
    kpi_status st;
    if (options && (st = versioned(&o, sizeof o, options, "options")) != KPI_OK)
        return st;
    if ((st = check_options(&o)) != KPI_OK)
        return st;
    kpi_rubric_builder *b = kpi__calloc(1, sizeof *b);
    if (!b)
        return KPI_ENOMEM;
    b->d.total = total;
    b->d.options = o;
    *out = b;
    return KPI_OK;
}

kpi_status kpi__rubric_builder_configure(kpi_rubric_builder *b, kpi_dec total, const kpi_rubric_options *options)
{
    if (total <= 0 || total == KPI_DEC_NO_CAP)
        return kpi__fail(KPI_EINVAL, "total must be a positive number of points");
    kpi_status st = check_options(options);
    if (st != KPI_OK)
        return st;
    b->d.total = total;
    b->d.options = *options;
    return KPI_OK;
}

/* Frees a NULL-terminated list of strings made by dup_all(). */
static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kpi__free(s[i]);
}

/*
 * Copies @n strings (NULL entries stay NULL); on ENOMEM frees what it made.
 * Returns false on failure.
 */
static bool dup_all(char **dst, const char *const *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = NULL;
        if (src[i] && !(dst[i] = kpi__strdup(src[i]))) {
            free_strings(dst, i);
            return false;
        }
    }
    return true;
}

static kpi_status check_builder(const kpi_rubric_builder *b, const char *fn)
{
    if (!b)
        return kpi__fail(KPI_EINVAL, "%s: builder must not be NULL", fn);
    return KPI_OK;
}

/* An input a rule names: declared (when any is), of an acceptable kind. */
static kpi_status check_input_ref(const struct kpi__rubric_data *d, const char *name,
                                  unsigned kinds, const char *what)
{
    if (!name_ok(name))
        return kpi__fail(KPI_EINVAL, "%s needs an input name", what);
    if (d->ninputs == 0)
        return KPI_OK; /* undeclared rubric: inputs are implicit */
    size_t i = kpi__rubric_find_input(d, name);
    if (i == KPI__NO_INDEX)
        return kpi__fail(KPI_ENOTFOUND, "%s reads input '%s', which is not declared", what, name);
    if (!(kinds & (1u << d->inputs[i].kind))) {
        static const char *const names[] = {"number", "count", "grade", "list"};
        char want[64] = "";
        for (int k = 0; k < 4; k++)
            if (kinds & (1u << k))
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", want[0] ? " or " : "",
                         names[k]);
        return kpi__fail(KPI_EPLAN, "%s reads input '%s', a %s input; it needs a %s input", what, name,
                         names[d->inputs[i].kind], want);
    }
    return KPI_OK;
}

#define K(kind) (1u << (kind))

kpi_status kpi_rubric_builder_input(kpi_rubric_builder *b, const char *name, kpi_input_kind kind,
                                    const char *label, const char *const *labels, size_t nlabels)
{
    kpi__error_reset();
    kpi_status st = check_builder(b, "kpi_rubric_builder_input");
    if (st != KPI_OK)
        return st;
    if (!name_ok(name))
        return kpi__fail(KPI_EINVAL, "an input needs a non-empty name");
    if (kind < KPI_INPUT_NUMBER || kind > KPI_INPUT_LIST)
        return kpi__fail(KPI_EINVAL, "input '%s': kind %d is not a KPI_INPUT_* kind", name, (int)kind);
    if (nlabels && !labels)
        return kpi__fail(KPI_EINVAL, "input '%s': labels is NULL but nlabels is %zu", name, nlabels);
    if (nlabels && kind != KPI_INPUT_GRADE)
        return kpi__fail(KPI_EINVAL, "input '%s': only grade inputs list labels", name);
    for (size_t i = 0; i < nlabels; i++)
        if (!name_ok(labels[i]))
            return kpi__fail(KPI_EINVAL, "input '%s': label %zu is empty", name, i);
    if (kpi__rubric_find_input(&b->d, name) != KPI__NO_INDEX)
        return kpi__fail(KPI_EDUPLICATE, "input '%s' is declared twice", name);
    if (b->d.ninputs == 0 && (b->d.nitems || b->d.nadjustments || b->d.neligibility))
        return kpi__fail(KPI_EINVAL, "input '%s': declare inputs before the rules that read them", name);
    if ((st = GROW(&b->d, inputs, ninputs, cap_inputs)) != KPI_OK)
        return st;
    struct kpi__input_decl in = {kpi__strdup(name), kpi__strdup(label ? label : name), kind, NULL, nlabels};
    if (nlabels)
        in.labels = kpi__calloc(nlabels, sizeof *in.labels);
    if (!in.name || !in.label || (nlabels && (!in.labels || !dup_all(in.labels, labels, nlabels)))) {
        kpi__free(in.name);
        kpi__free(in.label);
        kpi__free(in.labels);
        return KPI_ENOMEM;
    }
    b->d.inputs[b->d.ninputs++] = in;
    return KPI_OK;
}

static size_t find_category(const struct kpi__rubric_data *d, const char *id)
{
    for (size_t i = 0; i < d->ncategories; i++)
        if (strcmp(d->categories[i].id, id) == 0)
            return i;
    return KPI__NO_INDEX;
}

kpi_status kpi_rubric_builder_category(kpi_rubric_builder *b, const char *id, const char *label,
                                       kpi_dec points, kpi_dec cap, kpi_dec floor)
{
    kpi__error_reset();
    kpi_status st = check_builder(b, "kpi_rubric_builder_category");
    if (st != KPI_OK)
        return st;
    if (!name_ok(id))
        return kpi__fail(KPI_EINVAL, "a category needs a non-empty id");
    if (points <= 0 || points == KPI_DEC_NO_CAP)
        return kpi__fail(KPI_EINVAL, "category '%s': points must be positive", id);
    if (cap == KPI_DEC_UNSET)
        cap = points;
    if (floor != KPI_DEC_UNSET && cap != KPI_DEC_NO_CAP && floor > cap)
        return kpi__fail(KPI_EINVAL, "category '%s': floor is above cap", id);
    if (find_category(&b->d, id) != KPI__NO_INDEX)
        return kpi__fail(KPI_EDUPLICATE, "category '%s' is defined twice", id);
    if ((st = GROW(&b->d, categories, ncategories, cap_categories)) != KPI_OK)
        return st;
    struct kpi__category c = {kpi__strdup(id), kpi__strdup(label ? label : id), points, cap, floor};
    if (!c.id || !c.label) {
        kpi__free(c.id);
        kpi__free(c.label);
        return KPI_ENOMEM;
    }
    b->d.categories[b->d.ncategories++] = c;
    return KPI_OK;
}

static bool set(kpi_dec v)
{
    return v != KPI_DEC_UNSET;
}

/* The rule-specific fields of an item, checked before anything is stored. */
static kpi_status check_item_rule(const struct kpi__rubric_data *d, const kpi_rubric_item *s)
{
    const char *id = s->id;
    char what[160];
    snprintf(what, sizeof what, "item '%s'", id);
    switch (s->rule) {
    case KPI_RULE_LINEAR:
        if (!set(s->target))
            return kpi__fail(KPI_EINVAL, "item '%s': a linear rule needs a target", id);
        if (s->lower_is_better) {
            if (!set(s->limit) || s->limit <= s->target)
                return kpi__fail(KPI_EINVAL,
                                 "item '%s': a lower-is-better linear rule needs a limit above its target", id);
        } else if (s->target <= 0) {
            return kpi__fail(KPI_EINVAL, "item '%s': the target must be positive (value / target)", id);
        }
        if (set(s->cap) && s->cap <= 0)
            return kpi__fail(KPI_EINVAL, "item '%s': cap must be positive", id);
        return check_input_ref(d, s->input, K(KPI_INPUT_NUMBER) | K(KPI_INPUT_COUNT), what);
    case KPI_RULE_BANDS:
        return check_input_ref(d, s->input, K(KPI_INPUT_NUMBER) | K(KPI_INPUT_COUNT), what);
    case KPI_RULE_RANGE:
        if (!set(s->low) || !set(s->high) || s->low > s->high)
            return kpi__fail(KPI_EINVAL, "item '%s': a range rule needs low <= high", id);
        if (set(s->tolerance) && (s->tolerance < 0 || s->tolerance > KPI_DEC_ONE))
            return kpi__fail(KPI_EINVAL, "item '%s': tolerance must be between 0 and 1 (0.15 for 15%%)", id);
        return check_input_ref(d, s->input, K(KPI_INPUT_NUMBER), what);
    case KPI_RULE_GRADES:
        return check_input_ref(d, s->input, K(KPI_INPUT_GRADE), what);
    case KPI_RULE_EVENTS:
        if (s->input)
            return kpi__fail(KPI_EINVAL, "item '%s': an events rule reads its events' inputs, not 'input'", id);
        if (set(s->floor) && set(s->cap) && s->cap != KPI_DEC_NO_CAP && s->floor > s->cap)
            return kpi__fail(KPI_EINVAL, "item '%s': floor is above cap", id);
        return KPI_OK;
    case KPI_RULE_WEIGHTED:
        if (s->input)
            return kpi__fail(KPI_EINVAL, "item '%s': a weighted rule reads its parts' inputs, not 'input'", id);
        if (set(s->scale) && s->scale <= 0)
            return kpi__fail(KPI_EINVAL, "item '%s': scale must be positive", id);
        return KPI_OK;
    case KPI_RULE_SCORE:
        if (set(s->scale) && s->scale <= 0)
            return kpi__fail(KPI_EINVAL, "item '%s': scale must be positive", id);
        return check_input_ref(d, s->input, K(KPI_INPUT_NUMBER), what);
    default:
        return kpi__fail(KPI_EINVAL, "item '%s': rule %d is not a KPI_RULE_* kind", id, (int)s->rule);
    }
}

static size_t find_item(const struct kpi__rubric_data *d, const char *id)
{
    for (size_t i = 0; i < d->nitems; i++)
        if (strcmp(d->items[i].spec.id, id) == 0)
            return i;
    return KPI__NO_INDEX;
}

kpi_status kpi_rubric_builder_item(kpi_rubric_builder *b, const kpi_rubric_item *item)
{
    kpi__error_reset();
    kpi_status st = check_builder(b, "kpi_rubric_builder_item");
    if (st != KPI_OK)
        return st;
    if (!item)
        return kpi__fail(KPI_EINVAL, "kpi_rubric_builder_item: item must not be NULL");
    kpi_rubric_item s = KPI_RUBRIC_ITEM_INIT;
    if ((st = versioned(&s, sizeof s, item, "item")) != KPI_OK)
        return st;
    if (!name_ok(s.id))
        return kpi__fail(KPI_EINVAL, "an item needs a non-empty id");
    if (s.points <= 0 || s.points == KPI_DEC_NO_CAP || s.points == KPI_DEC_UNSET)
        return kpi__fail(KPI_EINVAL, "item '%s': points must be positive", s.id);
    if (s.na < KPI_NA_EXCLUDE || s.na > KPI_NA_INHERIT)
        return kpi__fail(KPI_EINVAL, "item '%s': na %d is not a KPI_NA_* policy", s.id, (int)s.na);
    if (find_item(&b->d, s.id) != KPI__NO_INDEX)
        return kpi__fail(KPI_EDUPLICATE, "item id '%s' is used twice", s.id);
    size_t category = KPI__NO_INDEX;
    if (s.category && (category = find_category(&b->d, s.category)) == KPI__NO_INDEX)
        return kpi__fail(KPI_ENOTFOUND, "item '%s': category '%s' is not defined", s.id, s.category);
    if ((st = check_item_rule(&b->d, &s)) != KPI_OK)
        return st;
    if ((st = GROW(&b->d, items, nitems, cap_items)) != KPI_OK)
        return st;
    struct kpi__item it = {.spec = s, .category = category};
    it.spec.id = kpi__strdup(s.id);
    it.spec.label = kpi__strdup(s.label ? s.label : s.id);
    it.spec.input = s.input ? kpi__strdup(s.input) : NULL;
    it.spec.category = category == KPI__NO_INDEX ? NULL : b->d.categories[category].id;
    if (!it.spec.id || !it.spec.label || (s.input && !it.spec.input)) {
        kpi__free((char *)it.spec.id);
        kpi__free((char *)it.spec.label);
        kpi__free((char *)it.spec.input);
        return KPI_ENOMEM;
    }
    b->d.items[b->d.nitems++] = it;
    return KPI_OK;
}

/* The last item, which must follow @rule. */
static kpi_status last_item(kpi_rubric_builder *b, kpi_rule rule, const char *fn, struct kpi__item **out)
{
    kpi_status st = check_builder(b, fn);
    if (st != KPI_OK)
        return st;
    static const char *const rules[] = {"linear", "bands", "range", "grades", "events", "weighted", "score"};
    if (b->d.nitems == 0 || b->d.items[b->d.nitems - 1].spec.rule != rule)
        return kpi__fail(KPI_EINVAL, "%s: the last item added must be a %s item", fn, rules[rule]);
    *out = &b->d.items[b->d.nitems - 1];
    return KPI_OK;
}

static bool end_ok(kpi_tier_end e)
{
    return e >= KPI_END_UNSTATED && e <= KPI_END_UNBOUNDED;
}

kpi_status kpi_rubric_builder_band(kpi_rubric_builder *b, kpi_dec low, kpi_tier_end low_end, kpi_dec high,
                                   kpi_tier_end high_end, kpi_dec points, const char *label)
{
    kpi__error_reset();
    struct kpi__item *it;
    kpi_status st = last_item(b, KPI_RULE_BANDS, "kpi_rubric_builder_band", &it);
    if (st != KPI_OK)
        return st;
    if (!end_ok(low_end) || !end_ok(high_end))
        return kpi__fail(KPI_EINVAL, "item '%s': band end kinds must be KPI_END_*", it->spec.id);
    if (low_end == KPI_END_UNBOUNDED && high_end == KPI_END_UNBOUNDED && it->nbands)
        return kpi__fail(KPI_EINVAL, "item '%s': a band needs at least one end", it->spec.id);
    if (low_end != KPI_END_UNBOUNDED && high_end != KPI_END_UNBOUNDED &&
        (low > high || (low == high && (low_end == KPI_END_OPEN || high_end == KPI_END_OPEN))))
        return kpi__fail(KPI_EINVAL, "item '%s': band %zu is empty (its lower end is not below its upper end)",
                         it->spec.id, it->nbands);
    if (points == KPI_DEC_UNSET || points == KPI_DEC_NO_CAP)
        return kpi__fail(KPI_EINVAL, "item '%s': band %zu needs points", it->spec.id, it->nbands);
    if ((st = GROW_ARRAY(it->bands, it->cap_bands, it->nbands)) != KPI_OK)
        return st;
    struct kpi__band band = {low, high, low_end, high_end, points, NULL};
    if (label && !(band.label = kpi__strdup(label)))
        return KPI_ENOMEM;
    it->bands[it->nbands++] = band;
    return KPI_OK;
}

static kpi_status add_row(struct kpi__item *it, const char *name, const char *label, kpi_dec value,
                          kpi_part_of of)
{
    kpi_status st = GROW_ARRAY(it->rows, it->cap_rows, it->nrows);
    if (st != KPI_OK)
        return st;
    struct kpi__row row = {kpi__strdup(name), kpi__strdup(label ? label : name), value, of};
    if (!row.name || !row.label) {
        kpi__free(row.name);
        kpi__free(row.label);
        return KPI_ENOMEM;
    }
    it->rows[it->nrows++] = row;
    return KPI_OK;
}

kpi_status kpi_rubric_builder_grade(kpi_rubric_builder *b, const char *label, kpi_dec points)
{
    kpi__error_reset();
    struct kpi__item *it;
    kpi_status st = last_item(b, KPI_RULE_GRADES, "kpi_rubric_builder_grade", &it);
    if (st != KPI_OK)
        return st;
    if (!name_ok(label))
        return kpi__fail(KPI_EINVAL, "item '%s': a grade needs a non-empty label", it->spec.id);
    if (points == KPI_DEC_UNSET || points == KPI_DEC_NO_CAP)
        return kpi__fail(KPI_EINVAL, "item '%s': grade '%s' needs points", it->spec.id, label);
    for (size_t i = 0; i < it->nrows; i++)
        if (strcmp(it->rows[i].name, label) == 0)
            return kpi__fail(KPI_EDUPLICATE, "item '%s': grade '%s' is mapped twice", it->spec.id, label);
    return add_row(it, label, label, points, KPI_PART_VALUE);
}

kpi_status kpi_rubric_builder_event(kpi_rubric_builder *b, const char *input, kpi_dec each,
                                    const char *label)
{
    kpi__error_reset();
    struct kpi__item *it;
    kpi_status st = last_item(b, KPI_RULE_EVENTS, "kpi_rubric_builder_event", &it);
    if (st != KPI_OK)
        return st;
    char what[160];
    snprintf(what, sizeof what, "item '%s', event %zu", it->spec.id, it->nrows);
    if ((st = check_input_ref(&b->d, input, K(KPI_INPUT_COUNT), what)) != KPI_OK)
        return st;
    if (each == KPI_DEC_UNSET || each == KPI_DEC_NO_CAP)
        return kpi__fail(KPI_EINVAL, "%s needs points per event", what);
    return add_row(it, input, label, each, KPI_PART_VALUE);
}

kpi_status kpi_rubric_builder_part(kpi_rubric_builder *b, const char *input, kpi_dec weight,
                                   kpi_part_of of, const char *label)
{
    kpi__error_reset();
    struct kpi__item *it;
    kpi_status st = last_item(b, KPI_RULE_WEIGHTED, "kpi_rubric_builder_part", &it);
    if (st != KPI_OK)
        return st;
    char what[160];
    snprintf(what, sizeof what, "item '%s', part %zu", it->spec.id, it->nrows);
    if (of < KPI_PART_VALUE || of > KPI_PART_SUM)
        return kpi__fail(KPI_EINVAL, "%s: of %d is not a KPI_PART_* choice", what, (int)of);
    if ((st = check_input_ref(&b->d, input, of == KPI_PART_VALUE ? K(KPI_INPUT_NUMBER) : K(KPI_INPUT_LIST),
                              what)) != KPI_OK)
        return st;
    if (weight <= 0 || weight == KPI_DEC_NO_CAP)
        return kpi__fail(KPI_EINVAL, "%s: weight must be positive", what);
    return add_row(it, input, label, weight, of);
}

static size_t find_adjustment(const struct kpi__rubric_data *d, const char *id)
{
    for (size_t i = 0; i < d->nadjustments; i++)
        if (strcmp(d->adjustments[i].id, id) == 0)
            return i;
    return KPI__NO_INDEX;
}

kpi_status kpi_rubric_builder_adjustment(kpi_rubric_builder *b, const kpi_rubric_adjustment *adj)
{
    kpi__error_reset();
    kpi_status st = check_builder(b, "kpi_rubric_builder_adjustment");
    if (st != KPI_OK)
        return st;
    if (!adj)
        return kpi__fail(KPI_EINVAL, "kpi_rubric_builder_adjustment: adjustment must not be NULL");
    kpi_rubric_adjustment a = KPI_RUBRIC_ADJUSTMENT_INIT;
    if ((st = versioned(&a, sizeof a, adj, "adjustment")) != KPI_OK)
        return st;
    if (!name_ok(a.id))
        return kpi__fail(KPI_EINVAL, "an adjustment needs a non-empty id");
    bool picks = set(a.each_min) || set(a.each_max);
    if (set(a.each) == picks)
        return kpi__fail(KPI_EINVAL, "adjustment '%s': give either each, or each_min and each_max", a.id);
    if (picks && (!set(a.each_min) || !set(a.each_max) || a.each_min > a.each_max))
        return kpi__fail(KPI_EINVAL, "adjustment '%s': each_min and each_max must both be given, min <= max",
                         a.id);
    if (set(a.cap) && set(a.floor) && a.floor > a.cap)
        return kpi__fail(KPI_EINVAL, "adjustment '%s': floor is above cap", a.id);
    char what[160];
    snprintf(what, sizeof what, "adjustment '%s'", a.id);
    if ((st = check_input_ref(&b->d, a.input, picks ? K(KPI_INPUT_LIST) : K(KPI_INPUT_COUNT), what)) != KPI_OK)
        return st;
    if (find_adjustment(&b->d, a.id) != KPI__NO_INDEX)
        return kpi__fail(KPI_EDUPLICATE, "adjustment id '%s' is used twice", a.id);
    if ((st = GROW(&b->d, adjustments, nadjustments, cap_adjustments)) != KPI_OK)
        return st;
    const char *id = a.id, *label = a.label ? a.label : a.id, *input = a.input;
    a.id = kpi__strdup(id);
    a.label = kpi__strdup(label);
    a.input = kpi__strdup(input);
    if (!a.id || !a.label || !a.input) {
        kpi__free((char *)a.id);
        kpi__free((char *)a.label);
        kpi__free((char *)a.input);
        return KPI_ENOMEM;
    }
    b->d.adjustments[b->d.nadjustments++] = a;
    return KPI_OK;
}

kpi_status kpi_rubric_builder_gate(kpi_rubric_builder *b, const char *id, const char *label,
                                   kpi_dec at_least)
{
    kpi__error_reset();
    kpi_status st = check_builder(b, "kpi_rubric_builder_gate");
    if (st != KPI_OK)
        return st;
    if (!name_ok(id))
        return kpi__fail(KPI_EINVAL, "a gate needs a non-empty id");
    if (at_least == KPI_DEC_UNSET || at_least == KPI_DEC_NO_CAP)
        return kpi__fail(KPI_EINVAL, "gate '%s' needs a threshold", id);
    for (size_t i = 0; i < b->d.ngates; i++)
        if (strcmp(b->d.gates[i].id, id) == 0)
            return kpi__fail(KPI_EDUPLICATE, "gate '%s' is defined twice", id);
    if ((st = GROW(&b->d, gates, ngates, cap_gates)) != KPI_OK)
        return st;
    struct kpi__gate g = {kpi__strdup(id), kpi__strdup(label ? label : id), at_least};
    if (!g.id || !g.label) {
        kpi__free(g.id);
        kpi__free(g.label);
        return KPI_ENOMEM;
    }
    b->d.gates[b->d.ngates++] = g;
    return KPI_OK;
}

kpi_status kpi_rubric_builder_eligibility(kpi_rubric_builder *b, const char *input, kpi_dec above,
                                          const char *reason)
{
    kpi__error_reset();
    kpi_status st = check_builder(b, "kpi_rubric_builder_eligibility");
    if (st != KPI_OK)
        return st;
    if ((st = check_input_ref(&b->d, input, K(KPI_INPUT_NUMBER) | K(KPI_INPUT_COUNT), "an eligibility rule")) !=
        KPI_OK)
        return st;
    if (above == KPI_DEC_UNSET || above == KPI_DEC_NO_CAP)
        return kpi__fail(KPI_EINVAL, "an eligibility rule needs a limit ('above')");
    if ((st = GROW(&b->d, eligibility, neligibility, cap_eligibility)) != KPI_OK)
        return st;
    struct kpi__eligibility e = {kpi__strdup(input), kpi__strdup(reason ? reason : ""), above};
    if (!e.input || !e.reason) {
        kpi__free(e.input);
        kpi__free(e.reason);
        return KPI_ENOMEM;
    }
    b->d.eligibility[b->d.neligibility++] = e;
    return KPI_OK;
}

/* What only the whole rubric can tell: items with no rows. */
static kpi_status check_complete(const struct kpi__rubric_data *d)
{
    for (size_t i = 0; i < d->nitems; i++) {
        const struct kpi__item *it = &d->items[i];
        const char *need = NULL;
        if (it->spec.rule == KPI_RULE_BANDS && it->nbands == 0)
            need = "at least one band";
        else if (it->spec.rule == KPI_RULE_GRADES && it->nrows == 0)
            need = "at least one grade";
        else if (it->spec.rule == KPI_RULE_EVENTS && it->nrows == 0)
            need = "at least one event";
        else if (it->spec.rule == KPI_RULE_WEIGHTED && it->nrows == 0)
            need = "at least one part";
        if (need) {
            char path[32];
            snprintf(path, sizeof path, "items[%zu]", i);
            kpi__fail(KPI_EPLAN, "item '%s' needs %s", it->spec.id, need);
            kpi__error_set_path(path);
            return KPI_EPLAN;
        }
    }
    return KPI_OK;
}

kpi_status kpi_rubric_build(kpi_rubric **out, kpi_rubric_builder *b)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_rubric_build: out must not be NULL");
    kpi_status st = check_builder(b, "kpi_rubric_build");
    if (st != KPI_OK)
        return st;
    if ((st = check_complete(&b->d)) != KPI_OK)
        return st;
    kpi_rubric *r = kpi__calloc(1, sizeof *r);
    if (!r)
        return KPI_ENOMEM;
    r->d = b->d;
    memset(&b->d, 0, sizeof b->d);
    b->d.total = r->d.total;
    b->d.options = r->d.options;
    *out = r;
    return KPI_OK;
}

/* ---- queries --------------------------------------------------------------- */

kpi_dec kpi_rubric_total(const kpi_rubric *rubric)
{
    return rubric ? rubric->d.total : 0;
}

size_t kpi_rubric_item_count(const kpi_rubric *rubric)
{
    return rubric ? rubric->d.nitems : 0;
}

size_t kpi_rubric_input_count(const kpi_rubric *rubric)
{
    return rubric ? rubric->d.ninputs : 0;
}

kpi_status kpi_rubric_input(const kpi_rubric *rubric, size_t i, const char **name, kpi_input_kind *kind,
                            const char **label)
{
    kpi__error_reset();
    if (!rubric)
        return kpi__fail(KPI_EINVAL, "kpi_rubric_input: rubric must not be NULL");
    if (i >= rubric->d.ninputs)
        return kpi__fail(KPI_EINVAL, "kpi_rubric_input: index %zu is out of range (%zu inputs)", i,
                         rubric->d.ninputs);
    const struct kpi__input_decl *in = &rubric->d.inputs[i];
    if (name)
        *name = in->name;
    if (kind)
        *kind = in->kind;
    if (label)
        *label = in->label;
    return KPI_OK;
}
