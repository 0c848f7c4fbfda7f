/*
 * rubric_inputs.c - one agent's inputs by name. A handful of names per
 * rubric, so a flat array searched in order is the fastest structure;
 * kpi_inputs_clear() keeps the slots for the next agent.
 */
#include <string.h>

#include "rubric_internal.h"

struct kpi_inputs {
    struct kpi__value *values;
    size_t count, cap;
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

static void value_clear(struct kpi__value *v)
{
    kpi__free(v->name);
    kpi__free(v->label);
    kpi__free(v->list);
    memset(v, 0, sizeof *v);
}

void kpi_inputs_clear(kpi_inputs *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->count; i++)
        value_clear(&in->values[i]);
    in->count = 0;
}

void kpi_inputs_free(kpi_inputs *in)
{
    if (!in)
        return;
    kpi_inputs_clear(in);
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
        if (!slot && (!kpi__grow((void **)&in->values, &in->cap, in->count, sizeof *in->values) ||
                      !(v.name = kpi__strdup(name))))
            st = KPI_ENOMEM;
    }
    if (st != KPI_OK) {
        kpi__free(v.label);
        kpi__free(v.list);
        return st;
    }
    if (slot) {
        v.name = slot->name;
        slot->name = NULL;
        value_clear(slot);
        *slot = v;
    } else {
        in->values[in->count++] = v;
    }
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
