/*
 * rubric_inputs.c - one agent's inputs by name. A handful of names per
 * rubric, so a flat array searched in order is the fastest structure;
 * kpi_inputs_clear() keeps the slots and their names for the next agent,
 * which sets the same names again: no allocation per input per agent.
 */
#include <string.h>

#include "rubric_internal.h"

/* values[0, count) are set; values[count, named) hold only a name that
 * kpi_inputs_clear() kept for reuse. */
struct kpi_inputs {
    struct kpi__value *values;
    size_t count, named, cap;
};

kpi_status kpi_inputs_new(kpi_inputs **out)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_inputs_new: out must not be NULL");
    kpi_inputs *in = kpi__calloc(1, sizeof *in);
    if (!in)
        return KPI_ENOMEM;
    *out = in;
    return KPI_OK;
}

/* Frees what @v owns but its name, which stays. */
static void value_release(struct kpi__value *v)
{
    char *name = v->name;
    kpi__free(v->label);
    kpi__free(v->list);
    memset(v, 0, sizeof *v);
    v->name = name;
}

void kpi_inputs_clear(kpi_inputs *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->count; i++)
        value_release(&in->values[i]);
    in->count = 0;
}

void kpi_inputs_free(kpi_inputs *in)
{
    if (!in)
        return;
    kpi_inputs_clear(in);
    for (size_t i = 0; i < in->named; i++)
        kpi__free(in->values[i].name);
    kpi__free(in->values);
    kpi__free(in);
}

const struct kpi__value *kpi__inputs_find(const kpi_inputs *in, const char *name)
{
    for (size_t i = 0; i < in->count; i++)
        if (strcmp(in->values[i].name, name) == 0)
            return &in->values[i];
    return NULL;
}

size_t kpi__inputs_count(const kpi_inputs *in)
{
    return in->count;
}

const struct kpi__value *kpi__inputs_at(const kpi_inputs *in, size_t i)
{
    return &in->values[i];
}

static void swap_values(struct kpi__value *a, struct kpi__value *b)
{
    struct kpi__value t = *a;
    *a = *b;
    *b = t;
}

/*
 * Makes values[count] a slot named @name, not yet counted: a parked one
 * with that name when there is one, else one with a new name (a parked
 * name in its way moves to the end). On failure @in is as it was.
 */
static kpi_status new_slot(kpi_inputs *in, const char *name)
{
    for (size_t j = in->count; j < in->named; j++)
        if (strcmp(in->values[j].name, name) == 0) {
            swap_values(&in->values[j], &in->values[in->count]);
            return KPI_OK;
        }
    char *copy = kpi__strdup(name);
    if (!copy || !kpi__grow((void **)&in->values, &in->cap, in->named, sizeof *in->values)) {
        kpi__free(copy);
        return KPI_ENOMEM;
    }
    struct kpi__value *slot = &in->values[in->count];
    if (in->count < in->named)
        in->values[in->named] = *slot;
    in->named++;
    memset(slot, 0, sizeof *slot);
    slot->name = copy;
    return KPI_OK;
}

/*
 * Stores @v (whose label/list the caller allocated) under @name, replacing
 * an earlier value. On failure frees @v's allocations and leaves @in as it was.
 */
static kpi_status put(kpi_inputs *in, const char *name, struct kpi__value v, const char *fn)
{
    kpi_status st = KPI_OK;
    if (!in)
        st = kpi__fail(KPI_EINVAL, "%s: inputs must not be NULL", fn);
    else if (!name || !*name)
        st = kpi__fail(KPI_EINVAL, "%s: name must be a non-empty string", fn);
    struct kpi__value *slot = NULL;
    if (st == KPI_OK) {
        slot = (struct kpi__value *)kpi__inputs_find(in, name);
        if (!slot && (st = new_slot(in, name)) == KPI_OK)
            slot = &in->values[in->count++];
    }
    if (st != KPI_OK) {
        kpi__free(v.label);
        kpi__free(v.list);
        return st;
    }
    value_release(slot);
    v.name = slot->name;
    *slot = v;
    return KPI_OK;
}

kpi_status kpi_inputs_set_number(kpi_inputs *in, const char *name, kpi_dec value)
{
    kpi__error_reset();
    if (value == KPI_DEC_UNSET)
        return kpi__fail(KPI_EINVAL, "kpi_inputs_set_number: KPI_DEC_UNSET is not a value (use kpi_inputs_set_na)");
    struct kpi__value v = {.kind = KPI_INPUT_NUMBER, .number = value};
    return put(in, name, v, "kpi_inputs_set_number");
}

kpi_status kpi_inputs_set_ratio(kpi_inputs *in, const char *name, int64_t num, int64_t den)
{
    kpi__error_reset();
    struct kpi__value v = {.kind = KPI__VALUE_NA};
    if (den != 0) {
        kpi_status st = kpi_dec_from_ratio(num, den, KPI_ROUND_FLOOR, &v.number);
        if (st != KPI_OK)
            return st;
        v.kind = KPI_INPUT_NUMBER;
    }
    return put(in, name, v, "kpi_inputs_set_ratio");
}

kpi_status kpi_inputs_set_na(kpi_inputs *in, const char *name)
{
    kpi__error_reset();
    struct kpi__value v = {.kind = KPI__VALUE_NA};
    return put(in, name, v, "kpi_inputs_set_na");
}

kpi_status kpi_inputs_set_label(kpi_inputs *in, const char *name, const char *label)
{
    kpi__error_reset();
    if (!label)
        return kpi__fail(KPI_EINVAL, "kpi_inputs_set_label: label must not be NULL");
    struct kpi__value v = {.kind = KPI_INPUT_GRADE};
    if (!(v.label = kpi__strdup(label)))
        return KPI_ENOMEM;
    return put(in, name, v, "kpi_inputs_set_label");
}

kpi_status kpi_inputs_set_count(kpi_inputs *in, const char *name, int64_t count)
{
    kpi__error_reset();
    if (count < 0)
        return kpi__fail(KPI_ERANGE, "input '%s': a count cannot be negative (%lld)", name ? name : "",
                         (long long)count);
    struct kpi__value v = {.kind = KPI_INPUT_COUNT};
    kpi_status st = kpi_dec_from_int(count, &v.number);
    if (st != KPI_OK)
        return st;
    return put(in, name, v, "kpi_inputs_set_count");
}

kpi_status kpi_inputs_set_list(kpi_inputs *in, const char *name, const kpi_dec *values, size_t n)
{
    kpi__error_reset();
    if (n && !values)
        return kpi__fail(KPI_EINVAL, "kpi_inputs_set_list: values is NULL but n is %zu", n);
    for (size_t i = 0; i < n; i++)
        if (values[i] == KPI_DEC_UNSET)
            return kpi__fail(KPI_EINVAL, "kpi_inputs_set_list: values[%zu] is KPI_DEC_UNSET", i);
    struct kpi__value v = {.kind = KPI_INPUT_LIST, .n = n};
    if (n) {
        if (!(v.list = kpi__reallocarray(NULL, n, sizeof *v.list)))
            return KPI_ENOMEM;
        memcpy(v.list, values, n * sizeof *values);
    }
    return put(in, name, v, "kpi_inputs_set_list");
}
