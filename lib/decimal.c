/*
 * decimal.c - exact parsing, formatting and arithmetic of money (fen) and
 * kpi_dec (10^-9 units). Products and quotients are formed exactly in 128
 * bits and rounded once.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const int64_t pow10_table[19] = {
    INT64_C(1),
    INT64_C(10),
    INT64_C(100),
    INT64_C(1000),
    INT64_C(10000),
    INT64_C(100000),
    INT64_C(1000000),
    INT64_C(10000000),
    INT64_C(100000000),
    INT64_C(1000000000),
    INT64_C(10000000000),
    INT64_C(100000000000),
    INT64_C(1000000000000),
    INT64_C(10000000000000),
    INT64_C(100000000000000),
    INT64_C(1000000000000000),
    INT64_C(10000000000000000),
    INT64_C(100000000000000000),
    INT64_C(1000000000000000000),
};

int64_t kpi__pow10(int n)
{
    return pow10_table[n];
}

long kpi__utf8_count(const char *s, size_t bytes)
{
    long count = 0;
    for (size_t i = 0; i < bytes; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

bool kpi__round_valid(kpi_round mode)
{
    return mode >= KPI_ROUND_HALF_UP && mode <= KPI_ROUND_CEILING;
}

static const char *const round_names[] = {
    "half_up", "half_even", "half_down", "down", "up", "floor", "ceiling",
};

const char *kpi_round_name(kpi_round mode)
{
    return kpi__round_valid(mode) ? round_names[mode] : NULL;
}

kpi_status kpi_round_parse(const char *name, kpi_round *out)
{
    kpi__error_reset();
    if (!name || !out)
        return kpi__fail(KPI_EINVAL, "kpi_round_parse: name and out must not be NULL");
    for (kpi_round m = KPI_ROUND_HALF_UP; m <= KPI_ROUND_CEILING; m++) {
        if (strcmp(name, round_names[m]) == 0) {
            *out = m;
            return KPI_OK;
        }
    }
    return kpi__fail(KPI_ENOTFOUND,
                     "unknown rounding mode '%s' (expected half_up, half_even, half_down, "
                     "down, up, floor or ceiling)", name);
}

kpi__i128 kpi__div_round(kpi__i128 num, kpi__i128 den, kpi_round mode)
{
    kpi__i128 q = num / den;
    kpi__i128 r = num % den;
    if (r == 0)
        return q;
    int sign = ((num < 0) != (den < 0)) ? -1 : 1;
    kpi__u128 twice_r = (kpi__u128)(r < 0 ? -r : r) * 2u;
    kpi__u128 abs_den = (kpi__u128)(den < 0 ? -den : den);
    int half = twice_r < abs_den ? -1 : (twice_r > abs_den ? 1 : 0);
    bool away;
    switch (mode) {
    case KPI_ROUND_DOWN: away = false; break;
    case KPI_ROUND_UP: away = true; break;
    case KPI_ROUND_FLOOR: away = sign < 0; break;
    case KPI_ROUND_CEILING: away = sign > 0; break;
    case KPI_ROUND_HALF_DOWN: away = half > 0; break;
    case KPI_ROUND_HALF_EVEN: away = half > 0 || (half == 0 && (q & 1) != 0); break;
    case KPI_ROUND_HALF_UP:
    default: away = half >= 0; break;
    }
    return away ? q + sign : q;
}

/* ---- parsing ---------------------------------------------------------- */

struct syntax {
    const char *what;   /* "a number" or "an amount", for messages */
    int places;         /* decimal places of the result's unit */
    bool percent;       /* %, ％ and ‰ allowed */
    bool exponent;      /* 1.5e-3 allowed */
    bool currency;      /* ¥ and ￥ allowed */
};

static const struct syntax dec_syntax = {"a number", KPI_DEC_PLACES, true, true, false};
static const struct syntax money_syntax = {"an amount", KPI_MONEY_PLACES, false, false, true};

static bool starts_with(const char *s, size_t n, size_t i, const char *lit)
{
    size_t k = strlen(lit);
    return i + k <= n && memcmp(s + i, lit, k) == 0;
}

static size_t skip_currency(const char *s, size_t n, size_t i, bool allowed)
{
    if (!allowed)
        return i;
    if (starts_with(s, n, i, "\xC2\xA5"))      /* ¥ */
        return i + 2;
    if (starts_with(s, n, i, "\xEF\xBF\xA5"))  /* ￥ full width */
        return i + 3;
    return i;
}

static kpi_status parse_fail(kpi_status code, const char *s, size_t n, size_t at,
                             const char *fmt, ...) KPI__PRINTF(5, 6);

static kpi_status parse_fail(kpi_status code, const char *s, size_t n, size_t at,
                             const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    char q[KPI__QUOTED];
    kpi__fail(code, "'%s': %s", kpi__quote(q, s, n, 60), why);
    kpi__error_set_position(0, kpi__utf8_count(s, at) + 1, (long long)at);
    return code;
}

static kpi_status parse_number(const char *s, size_t n, const struct syntax *syn, int64_t *out)
{
    const kpi__u128 mantissa_limit = ((kpi__u128)1 << 120);
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t start = i;
    size_t before_currency = i;
    i = skip_currency(s, n, i, syn->currency);
    bool currency_seen = i != before_currency;
    bool negative = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        negative = s[i] == '-';
        i++;
    } else if (starts_with(s, n, i, "\xE2\x88\x92")) { /* − U+2212 */
        negative = true;
        i += 3;
    }
    if (!currency_seen) /* "-¥1.00" as well as "¥-1.00" */
        i = skip_currency(s, n, i, syn->currency);

    kpi__u128 m = 0;
    int digits = 0;            /* digits seen, integer and fraction */
    int frac_digits = 0;       /* fraction digits folded into m */
    int pending_zeros = 0;     /* fraction zeros not yet folded into m */
    int group_len = 0;
    bool grouped = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (m > mantissa_limit)
                return parse_fail(KPI_EOVERFLOW, s, n, i, "too many digits");
            m = m * 10u + (unsigned)(c - '0');
            digits++;
            group_len++;
        } else if (c == ',') {
            if (group_len < 1 || group_len > 3 || (grouped && group_len != 3))
                return parse_fail(KPI_EPARSE, s, n, i,
                                  "misplaced thousands separator (groups of three digits expected)");
            grouped = true;
            group_len = 0;
        } else {
            break;
        }
    }
    if (grouped && group_len != 3)
        return parse_fail(KPI_EPARSE, s, n, i,
                          "misplaced thousands separator (groups of three digits expected)");
    size_t frac_start = 0;
    if (i < n && s[i] == '.') {
        i++;
        frac_start = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            digits++;
            if (s[i] == '0') {
                pending_zeros++;
                continue;
            }
            for (int z = 0; z <= pending_zeros; z++) {
                if (m > mantissa_limit)
                    return parse_fail(KPI_EOVERFLOW, s, n, i, "too many digits");
                m *= 10u;
            }
            m += (unsigned)(s[i] - '0');
            frac_digits += pending_zeros + 1;
            pending_zeros = 0;
        }
    }
    if (digits == 0) {
        if (i < n)
            return parse_fail(KPI_EPARSE, s, n, i, "not %s (a digit was expected here)", syn->what);
        return parse_fail(KPI_EPARSE, s, n, i, "not %s (no digits)", syn->what);
    }
    long exponent = 0;
    if (syn->exponent && i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool exp_negative = false;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            exp_negative = s[i++] == '-';
        size_t exp_digits_at = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (exponent < 100000)
                exponent = exponent * 10 + (s[i] - '0');
        if (i == exp_digits_at)
            return parse_fail(KPI_EPARSE, s, n, i, "exponent digits expected");
        if (exp_negative)
            exponent = -exponent;
    }
    if (syn->percent) {
        if (i < n && s[i] == '%') {
            exponent -= 2;
            i++;
        } else if (starts_with(s, n, i, "\xEF\xBC\x85")) { /* ％ */
            exponent -= 2;
            i += 3;
        } else if (starts_with(s, n, i, "\xE2\x80\xB0")) { /* ‰ */
            exponent -= 3;
            i += 3;
        }
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F)
            return parse_fail(KPI_EPARSE, s, n, i, "unexpected character '%c' in %s", c, syn->what);
        return parse_fail(KPI_EPARSE, s, n, i, "unexpected character in %s", syn->what);
    }

    /* value = m * 10^(exponent - frac_digits); we want value * 10^places */
    long shift = syn->places + exponent - frac_digits;
    kpi__u128 magnitude;
    if (m == 0) {
        magnitude = 0;
    } else if (shift >= 0) {
        magnitude = m;
        for (long k = 0; k < shift; k++) {
            if (magnitude > ((kpi__u128)1 << 64))
                return parse_fail(KPI_EOVERFLOW, s, n, start, "magnitude too large");
            magnitude *= 10u;
        }
    } else {
        kpi__u128 div = 1;
        for (long k = 0; k < -shift; k++) {
            div *= 10u;
            if (div > m)
                break;
        }
        if (div > m || m % div != 0) {
            long allowed = syn->places + exponent; /* fraction digits that fit */
            size_t at = (frac_start && allowed >= 0 && allowed < frac_digits)
                            ? frac_start + (size_t)allowed
                            : start;
            return parse_fail(KPI_ERANGE, s, n, at,
                              "more than %d decimal places; exact values are kept to %d places",
                              syn->places, syn->places);
        }
        magnitude = m / div;
    }
    kpi__u128 limit = negative ? (kpi__u128)INT64_MAX + 1u : (kpi__u128)INT64_MAX;
    if (magnitude > limit)
        return parse_fail(KPI_EOVERFLOW, s, n, start, "magnitude too large");
    *out = negative ? (int64_t)(-(kpi__i128)magnitude) : (int64_t)magnitude;
    return KPI_OK;
}

kpi_status kpi_dec_parse(const char *text, size_t len, kpi_dec *out)
{
    kpi__error_reset();
    if (!text || !out)
        return kpi__fail(KPI_EINVAL, "kpi_dec_parse: text and out must not be NULL");
    return parse_number(text, len == KPI_NTS ? strlen(text) : len, &dec_syntax, out);
}

kpi_status kpi_money_parse(const char *text, size_t len, kpi_money *out)
{
    kpi__error_reset();
    if (!text || !out)
        return kpi__fail(KPI_EINVAL, "kpi_money_parse: text and out must not be NULL");
    return parse_number(text, len == KPI_NTS ? strlen(text) : len, &money_syntax, out);
}

/* ---- formatting ------------------------------------------------------- */

/* Appends to a snprintf-style buffer, counting what would have been written. */
struct out_buf {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out_buf *o, const char *s, size_t n)
{
    if (o->len + 1 < o->size) {
        size_t room = o->size - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static size_t finish(struct out_buf *o)
{
    if (o->size > 0)
        o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
    return o->len;
}

/*
 * Writes the digits of @v (at least @min_width, zero-padded; with a comma
 * every three when @group) backwards, ending just before @end; returns
 * where they start.
 */
static char *digits_back(char *end, uint64_t v, int min_width, bool group)
{
    char *p = end;
    int in_group = 0;
    do {
        if (group && in_group == 3) {
            *--p = ',';
            in_group = 0;
        }
        *--p = (char)('0' + v % 10);
        v /= 10;
        in_group++;
    } while (v > 0 || end - p < min_width);
    return p;
}

size_t kpi_dec_format(kpi_dec value, int places, kpi_round mode, char *buf, size_t size)
{
    struct out_buf o = {buf, size, 0};
    if (places < -1 || places > KPI_DEC_PLACES || !kpi__round_valid(mode))
        return finish(&o);
    int shown = places;
    kpi__i128 units = value;
    if (places >= 0)
        units = kpi__div_round(value, kpi__pow10(KPI_DEC_PLACES - places), mode);
    /* |units| <= |value|: 64-bit arithmetic from here (explanations format
     * many numbers; 128-bit divisions are library calls) */
    const bool neg = units < 0;
    uint64_t mag = neg ? (uint64_t)0 - (uint64_t)(int64_t)units : (uint64_t)(int64_t)units;
    if (places < 0) { /* shortest exact text: drop trailing zeros of the fraction */
        shown = KPI_DEC_PLACES;
        while (shown > 0 && mag % 10 == 0) {
            mag /= 10;
            shown--;
        }
    }
    const uint64_t scale = (uint64_t)kpi__pow10(shown);
    char text[48], *end = text + sizeof text, *p = end;
    if (shown > 0) {
        p = digits_back(p, mag % scale, shown, false);
        *--p = '.';
    }
    p = digits_back(p, mag / scale, 1, false);
    if (neg)
        *--p = '-';
    put(&o, p, (size_t)(end - p));
    return finish(&o);
}

size_t kpi_money_format(kpi_money value, unsigned flags, char *buf, size_t size)
{
    struct out_buf o = {buf, size, 0};
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    if (value < 0)
        put(&o, "-", 1);
    if (flags & KPI_FMT_YUAN)
        put(&o, "\xC2\xA5", 2);
    char text[40], *end = text + sizeof text;
    char *p = digits_back(end, mag % 100, 2, false);
    *--p = '.';
    p = digits_back(p, mag / 100, 1, (flags & KPI_FMT_GROUP) != 0);
    put(&o, p, (size_t)(end - p));
    return finish(&o);
}

/* ---- decimal arithmetic ---------------------------------------------- */

static kpi_status store(kpi__i128 v, int64_t *out, const char *op)
{
    if (!kpi__i128_fits(v))
        return kpi__fail(KPI_EOVERFLOW, "%s: result does not fit in 64 bits", op);
    *out = (int64_t)v;
    return KPI_OK;
}

#define CHECK_OUT(out, op)                                                   \
    do {                                                                     \
        kpi__error_reset();                                                  \
        if (!(out))                                                          \
            return kpi__fail(KPI_EINVAL, "%s: out must not be NULL", op);    \
    } while (0)

#define CHECK_MODE(mode, op)                                                 \
    do {                                                                     \
        if (!kpi__round_valid(mode))                                         \
            return kpi__fail(KPI_EINVAL, "%s: unknown rounding mode %d", op, \
                             (int)(mode));                                   \
    } while (0)

kpi_status kpi_dec_from_int(int64_t n, kpi_dec *out)
{
    CHECK_OUT(out, "kpi_dec_from_int");
    return store((kpi__i128)n * KPI_DEC_ONE, out, "kpi_dec_from_int");
}

kpi_status kpi_dec_from_ratio(int64_t num, int64_t den, kpi_round mode, kpi_dec *out)
{
    CHECK_OUT(out, "kpi_dec_from_ratio");
    CHECK_MODE(mode, "kpi_dec_from_ratio");
    if (den == 0)
        return kpi__fail(KPI_ENA, "ratio with a zero denominator is not available");
    return store(kpi__div_round((kpi__i128)num * KPI_DEC_ONE, den, mode), out,
                 "kpi_dec_from_ratio");
}

double kpi_dec_to_double(kpi_dec value)
{
    /* split so the integer and fraction parts convert exactly */
    int64_t whole = value / KPI_DEC_ONE;
    int64_t frac = value % KPI_DEC_ONE;
    return (double)whole + (double)frac / (double)KPI_DEC_ONE;
}

kpi_status kpi_dec_add(kpi_dec a, kpi_dec b, kpi_dec *out)
{
    CHECK_OUT(out, "kpi_dec_add");
    return store((kpi__i128)a + b, out, "kpi_dec_add");
}

kpi_status kpi_dec_sub(kpi_dec a, kpi_dec b, kpi_dec *out)
{
    CHECK_OUT(out, "kpi_dec_sub");
    return store((kpi__i128)a - b, out, "kpi_dec_sub");
}

kpi_status kpi_dec_mul(kpi_dec a, kpi_dec b, kpi_round mode, kpi_dec *out)
{
    CHECK_OUT(out, "kpi_dec_mul");
    CHECK_MODE(mode, "kpi_dec_mul");
    return store(kpi__div_round((kpi__i128)a * b, KPI_DEC_ONE, mode), out, "kpi_dec_mul");
}

kpi_status kpi_dec_div(kpi_dec a, kpi_dec b, kpi_round mode, kpi_dec *out)
{
    CHECK_OUT(out, "kpi_dec_div");
    CHECK_MODE(mode, "kpi_dec_div");
    if (b == 0)
        return kpi__fail(KPI_ENA, "kpi_dec_div: division by zero is not available");
    return store(kpi__div_round((kpi__i128)a * KPI_DEC_ONE, b, mode), out, "kpi_dec_div");
}

kpi_status kpi_dec_muldiv(kpi_dec a, kpi_dec b, kpi_dec c, kpi_round mode, kpi_dec *out)
{
    CHECK_OUT(out, "kpi_dec_muldiv");
    CHECK_MODE(mode, "kpi_dec_muldiv");
    if (c == 0)
        return kpi__fail(KPI_ENA, "kpi_dec_muldiv: division by zero is not available");
    return store(kpi__div_round((kpi__i128)a * b, c, mode), out, "kpi_dec_muldiv");
}

kpi_status kpi_dec_round(kpi_dec value, int places, kpi_round mode, kpi_dec *out)
{
    CHECK_OUT(out, "kpi_dec_round");
    CHECK_MODE(mode, "kpi_dec_round");
    if (places < 0 || places > KPI_DEC_PLACES)
        return kpi__fail(KPI_EINVAL, "kpi_dec_round: places must be 0..9, not %d", places);
    int64_t unit = kpi__pow10(KPI_DEC_PLACES - places);
    return store(kpi__div_round(value, unit, mode) * unit, out, "kpi_dec_round");
}

/* ---- money arithmetic ------------------------------------------------- */

kpi_status kpi_money_add(kpi_money a, kpi_money b, kpi_money *out)
{
    CHECK_OUT(out, "kpi_money_add");
    return store((kpi__i128)a + b, out, "kpi_money_add");
}

kpi_status kpi_money_sub(kpi_money a, kpi_money b, kpi_money *out)
{
    CHECK_OUT(out, "kpi_money_sub");
    return store((kpi__i128)a - b, out, "kpi_money_sub");
}

kpi_status kpi_money_mul_int(kpi_money a, int64_t n, kpi_money *out)
{
    CHECK_OUT(out, "kpi_money_mul_int");
    return store((kpi__i128)a * n, out, "kpi_money_mul_int");
}

kpi_status kpi_money_mul_rate(kpi_money amount, kpi_dec rate, kpi_round mode, kpi_money *out)
{
    CHECK_OUT(out, "kpi_money_mul_rate");
    CHECK_MODE(mode, "kpi_money_mul_rate");
    return store(kpi__div_round((kpi__i128)amount * rate, KPI_DEC_ONE, mode), out,
                 "kpi_money_mul_rate");
}

kpi_status kpi_money_mul_ratio(kpi_money amount, int64_t num, int64_t den, kpi_round mode,
                               kpi_money *out)
{
    CHECK_OUT(out, "kpi_money_mul_ratio");
    CHECK_MODE(mode, "kpi_money_mul_ratio");
    if (den == 0)
        return kpi__fail(KPI_ENA, "kpi_money_mul_ratio: zero denominator");
    return store(kpi__div_round((kpi__i128)amount * num, den, mode), out,
                 "kpi_money_mul_ratio");
}

kpi_status kpi_money_from_dec(kpi_dec yuan, kpi_round mode, kpi_money *out)
{
    CHECK_OUT(out, "kpi_money_from_dec");
    CHECK_MODE(mode, "kpi_money_from_dec");
    return store(kpi__div_round(yuan, kpi__pow10(KPI_DEC_PLACES - KPI_MONEY_PLACES), mode),
                 out, "kpi_money_from_dec");
}

kpi_status kpi_money_to_dec(kpi_money amount, kpi_dec *out)
{
    CHECK_OUT(out, "kpi_money_to_dec");
    return store((kpi__i128)amount * kpi__pow10(KPI_DEC_PLACES - KPI_MONEY_PLACES), out,
                 "kpi_money_to_dec");
}
