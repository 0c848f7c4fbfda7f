/* payslip.c - pay slips (工资条): named lines that each carry their rule,
 * inputs, rounding and amount, an exact total, and a printable explanation. */
#include <string.h>

#include "pay_internal.h"

struct line {
    char *label;
    kpi_pay_why why;
};

struct kpi_payslip {
    struct line *lines;
    size_t count;
    size_t capacity;
};

kpi_status kpi_payslip_new(kpi_payslip **out)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_payslip_new: out must not be NULL");
    kpi_payslip *slip = kpi__calloc(1, sizeof *slip);
    if (!slip)
        return KPI_ENOMEM;
    *out = slip;
    return KPI_OK;
}

void kpi_payslip_free(kpi_payslip *slip)
{
    if (!slip)
        return;
    for (size_t i = 0; i < slip->count; i++)
        kpi__free(slip->lines[i].label);
    kpi__free(slip->lines);
    kpi__free(slip);
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                                     : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0)
            return false;
        uint32_t cp = len == 1 ? c : c & (0x7Fu >> len);
        for (size_t i = 1; i < len; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i] & 0x3Fu);
        }
        static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        s += len;
    }
    return true;
}

static kpi_status add_line(kpi_payslip *slip, const char *label, const kpi_pay_why *why,
                           const char *fn)
{
    if (!slip || !label)
        return kpi__fail(KPI_EINVAL, "%s: slip and label must not be NULL", fn);
    if (!label[0] || !utf8_valid((const unsigned char *)label))
        return kpi__fail(KPI_EINVAL, "%s: the label must be non-empty UTF-8 text", fn);
    if (!kpi__grow((void **)&slip->lines, &slip->capacity, slip->count, sizeof *slip->lines))
        return KPI_ENOMEM;
    char *copy = kpi__strdup(label);
    if (!copy)
        return KPI_ENOMEM;
    struct line *l = &slip->lines[slip->count++];
    l->label = copy;
    memcpy(&l->why, why, sizeof l->why);
    l->why.size = sizeof l->why;
    return KPI_OK;
}

kpi_status kpi_payslip_add(kpi_payslip *slip, const char *label, const kpi_pay_why *why)
{
    kpi__error_reset();
    static const char fn[] = "kpi_payslip_add";
    if (!why)
        return kpi__fail(KPI_EINVAL, "%s: why must not be NULL", fn);
    kpi_status st = kpi__why_check(why, fn);
    if (st != KPI_OK)
        return st;
    if (why->rule < KPI_RULE_AMOUNT || why->rule > KPI_RULE_FINE)
        return kpi__fail(KPI_EINVAL, "%s: why->rule is %d; use one of KPI_RULE_*", fn,
                         (int)why->rule);
    return add_line(slip, label, why, fn);
}

kpi_status kpi_payslip_add_amount(kpi_payslip *slip, const char *label, kpi_money amount)
{
    kpi__error_reset();
    kpi_pay_why why = KPI_PAY_WHY_INIT;
    why.value = amount;
    return add_line(slip, label, &why, "kpi_payslip_add_amount");
}

size_t kpi_payslip_count(const kpi_payslip *slip)
{
    return slip ? slip->count : 0;
}

kpi_status kpi_payslip_line(const kpi_payslip *slip, size_t i, const char **label,
                            kpi_pay_why *why)
{
    kpi__error_reset();
    static const char fn[] = "kpi_payslip_line";
    if (!slip)
        return kpi__fail(KPI_EINVAL, "%s: slip must not be NULL", fn);
    kpi_status st = kpi__why_check(why, fn);
    if (st != KPI_OK)
        return st;
    if (i >= slip->count)
        return kpi__fail(KPI_ERANGE, "%s: line %zu does not exist; the slip has %zu", fn, i,
                         slip->count);
    if (label)
        *label = slip->lines[i].label;
    if (why) {
        size_t size = why->size;
        memcpy(why, &slip->lines[i].why, sizeof *why);
        why->size = size;
    }
    return KPI_OK;
}

/* The exact sum; false when it does not fit. */
static bool sum_lines(const kpi_payslip *slip, kpi_money *out)
{
    kpi__i128 sum = 0;
    for (size_t i = 0; i < slip->count; i++)
        sum += slip->lines[i].why.value; /* n < 2^63 lines of < 2^63 fit in 128 bits */
    if (!kpi__i128_fits(sum))
        return false;
    *out = (kpi_money)sum;
    return true;
}

kpi_status kpi_payslip_total(const kpi_payslip *slip, kpi_money *out)
{
    kpi__error_reset();
    if (!slip || !out)
        return kpi__fail(KPI_EINVAL, "kpi_payslip_total: slip and out must not be NULL");
    if (!sum_lines(slip, out))
        return kpi__fail(KPI_EOVERFLOW, "the %zu lines of the slip add up to more than a "
                         "kpi_money holds", slip->count);
    return KPI_OK;
}

size_t kpi_payslip_explain(const kpi_payslip *slip, char *buf, size_t size)
{
    if (buf && size)
        buf[0] = '\0';
    if (!slip)
        return 0;
    kpi__text t = {buf, size, 0};
    for (size_t i = 0; i < slip->count; i++) {
        const struct line *l = &slip->lines[i];
        kpi__text_printf(&t, "%s\t%s\t", l->label, kpi__money_text(l->why.value).text);
        size_t room = t.len < size ? size - t.len : 0;
        t.len += kpi_pay_why_format(&l->why, room ? buf + t.len : NULL, room);
        kpi__text_printf(&t, "\n");
    }
    kpi_money total;
    if (sum_lines(slip, &total))
        kpi__text_printf(&t, "合计\t%s\n", kpi__money_text(total).text);
    else
        kpi__text_printf(&t, "合计\t(too large for a kpi_money)\n");
    return t.len;
}
