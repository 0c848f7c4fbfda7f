/*
 * kpiscore/decimal.h - exact numbers: money in fen, decimals for scores,
 * rates and ratios, explicit rounding.
 *
 * No result a score, tier or pay line reads ever passes through binary
 * floating point. Money is an integer count of minor units (fen, 0.01
 * yuan). Every other exact quantity (points, rates, ratios, weights) is a
 * kpi_dec: an integer count of 10^-9, so 0.3, 1.5 % and 76 are held
 * exactly and 30 % x 76 + 70 % x 96 is exactly 90. Two kpi_dec compare
 * with the ordinary integer operators.
 *
 * Every operation that can leave the representable range returns
 * KPI_EOVERFLOW instead of wrapping; every operation that must drop digits
 * takes a kpi_round and rounds once, at the end, from the exact result.
 *
 * All functions here are pure and thread-safe; parsing and formatting do
 * not depend on the locale.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_DECIMAL_H
#define KPISCORE_DECIMAL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Money: a signed count of minor units (fen). 123456 is 1 234.56 yuan. */
typedef int64_t kpi_money;
/** An exact decimal: a signed count of 10^-9. 1500000000 is 1.5. */
typedef int64_t kpi_dec;

/** Number of decimal places a kpi_dec holds. */
#define KPI_DEC_PLACES 9
/** The kpi_dec for 1. */
#define KPI_DEC_ONE INT64_C(1000000000)
/** The kpi_dec for the whole number @p n (no overflow check; for constants). */
#define KPI_DEC_INT(n) ((kpi_dec)(n) * KPI_DEC_ONE)
/** Number of decimal places of kpi_money (fen). */
#define KPI_MONEY_PLACES 2
/** Length argument meaning "the text is NUL-terminated". */
#define KPI_NTS ((size_t)-1)

/**
 * How to drop digits. The names and meanings are those of Python's
 * decimal module (and of IEEE 754 / General Decimal Arithmetic).
 */
typedef int32_t kpi_round;
enum {
    KPI_ROUND_HALF_UP = 0,  /**< nearest; ties away from zero (四舍五入, Excel ROUND); the default */
    KPI_ROUND_HALF_EVEN = 1,/**< nearest; ties to the even digit (banker's rounding) */
    KPI_ROUND_HALF_DOWN = 2,/**< nearest; ties toward zero */
    KPI_ROUND_DOWN = 3,     /**< toward zero (truncate) */
    KPI_ROUND_UP = 4,       /**< away from zero */
    KPI_ROUND_FLOOR = 5,    /**< toward negative infinity */
    KPI_ROUND_CEILING = 6   /**< toward positive infinity */
};

/** Flags for kpi_money_format(). */
enum {
    KPI_FMT_GROUP = 1, /**< thousands separators: 1,234.56 */
    KPI_FMT_YUAN = 2   /**< a leading ¥ (after the sign): -¥1.00 */
};

/** Name of a rounding mode ("half_up", ...), or NULL if unknown. @since 1.0 */
KPI_API const char *kpi_round_name(kpi_round mode);

/**
 * Looks up a rounding mode by name: "half_up", "half_even", "half_down",
 * "down", "up", "floor", "ceiling".
 *
 * @return KPI_OK; KPI_ENOTFOUND for another name; KPI_EINVAL on NULL.
 * @since 1.0
 */
KPI_API kpi_status kpi_round_parse(const char *name, kpi_round *out);

/* ---- parsing ---------------------------------------------------------- */

/**
 * Parses decimal text exactly.
 *
 * Accepts an optional sign ("+", "-" or U+2212 "−"), digits with optional
 * thousands separators ("1,234.5"), a fraction, an exponent ("1.5e-3"),
 * and a trailing "%" (or full-width "％") meaning hundredths or "‰"
 * meaning thousandths: "1.5%" is 0.015. Spaces and tabs around the number
 * are allowed. At most 9 decimal places may remain after scaling.
 *
 * @param text  the text; need not be NUL-terminated when @p len is given
 * @param len   its length in bytes, or KPI_NTS
 * @param out   receives the value; untouched on failure
 * @return KPI_OK; KPI_EPARSE when the text is not a number (the error
 *         record's column points at the offending character);
 *         KPI_ERANGE when more than 9 decimal places would be needed;
 *         KPI_EOVERFLOW when the magnitude exceeds about 9.2e9;
 *         KPI_EINVAL on NULL arguments.
 * @since 1.0
 */
KPI_API kpi_status kpi_dec_parse(const char *text, size_t len, kpi_dec *out);

/**
 * Parses an amount of money exactly into fen.
 *
 * Accepts what kpi_dec_parse() accepts except percentages and exponents,
 * plus a currency sign "¥" or "￥" before the digits (after or before the
 * sign), and at most two decimal places: "¥1,234.56", "-0.01", "12".
 *
 * @return KPI_OK; KPI_EPARSE (with the column of the bad character);
 *         KPI_ERANGE for more than two decimal places; KPI_EOVERFLOW;
 *         KPI_EINVAL on NULL arguments.
 * @since 1.0
 */
KPI_API kpi_status kpi_money_parse(const char *text, size_t len, kpi_money *out);

/* ---- formatting ------------------------------------------------------- */

/**
 * Writes @p value as decimal text, like snprintf.
 *
 * @param places  digits after the point, 0..9, rounded with @p mode; or -1
 *                for the shortest exact text ("90", "0.015")
 * @param mode    rounding used when @p places drops digits
 * @param buf     destination (may be NULL when @p size is 0)
 * @param size    its size in bytes, including the terminating NUL
 * @return the length of the full text (excluding the NUL), whether or not
 *         it fitted; 0 on an invalid @p places or @p mode.
 * @since 1.0
 */
KPI_API size_t kpi_dec_format(kpi_dec value, int places, kpi_round mode,
                              char *buf, size_t size);

/**
 * Writes an amount of money in yuan with two decimals ("-1,234.56" with
 * KPI_FMT_GROUP, "¥1234.56" with KPI_FMT_YUAN), like snprintf.
 *
 * @return the length of the full text (excluding the NUL).
 * @since 1.0
 */
KPI_API size_t kpi_money_format(kpi_money value, unsigned flags, char *buf,
                                size_t size);

/* ---- decimal arithmetic ---------------------------------------------- */

/** @p n as a kpi_dec. @return KPI_OK or KPI_EOVERFLOW. @since 1.0 */
KPI_API kpi_status kpi_dec_from_int(int64_t n, kpi_dec *out);

/**
 * The ratio @p num / @p den as a kpi_dec, rounded once with @p mode
 * (attainment = actual / target, a rate = part / whole).
 *
 * @return KPI_OK; KPI_ENA when @p den is 0 (a ratio with no denominator is
 *         not available, never 0); KPI_EOVERFLOW; KPI_EINVAL for a bad mode.
 * @since 1.0
 */
KPI_API kpi_status kpi_dec_from_ratio(int64_t num, int64_t den, kpi_round mode,
                                      kpi_dec *out);

/** The nearest double (for display and charts only). @since 1.0 */
KPI_API double kpi_dec_to_double(kpi_dec value);

/** @p a + @p b. @return KPI_OK or KPI_EOVERFLOW. @since 1.0 */
KPI_API kpi_status kpi_dec_add(kpi_dec a, kpi_dec b, kpi_dec *out);
/** @p a - @p b. @return KPI_OK or KPI_EOVERFLOW. @since 1.0 */
KPI_API kpi_status kpi_dec_sub(kpi_dec a, kpi_dec b, kpi_dec *out);

/**
 * @p a x @p b, rounded once to 9 places with @p mode.
 * @return KPI_OK, KPI_EOVERFLOW, or KPI_EINVAL for a bad mode.
 * @since 1.0
 */
KPI_API kpi_status kpi_dec_mul(kpi_dec a, kpi_dec b, kpi_round mode,
                               kpi_dec *out);

/**
 * @p a / @p b, rounded once to 9 places with @p mode.
 * @return KPI_OK; KPI_ENA when @p b is 0; KPI_EOVERFLOW; KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_dec_div(kpi_dec a, kpi_dec b, kpi_round mode,
                               kpi_dec *out);

/**
 * @p a x @p b / @p c computed exactly and rounded once to 9 places
 * (points x value / target without an intermediate rounding).
 * @return KPI_OK; KPI_ENA when @p c is 0; KPI_EOVERFLOW; KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_dec_muldiv(kpi_dec a, kpi_dec b, kpi_dec c,
                                  kpi_round mode, kpi_dec *out);

/**
 * @p value rounded to @p places (0..9) decimal places with @p mode.
 * @return KPI_OK; KPI_EOVERFLOW; KPI_EINVAL for bad places or mode.
 * @since 1.0
 */
KPI_API kpi_status kpi_dec_round(kpi_dec value, int places, kpi_round mode,
                                 kpi_dec *out);

/* ---- money arithmetic ------------------------------------------------- */

/** @p a + @p b. @return KPI_OK or KPI_EOVERFLOW. @since 1.0 */
KPI_API kpi_status kpi_money_add(kpi_money a, kpi_money b, kpi_money *out);
/** @p a - @p b. @return KPI_OK or KPI_EOVERFLOW. @since 1.0 */
KPI_API kpi_status kpi_money_sub(kpi_money a, kpi_money b, kpi_money *out);
/** @p a x @p n (n units at a price). @return KPI_OK or KPI_EOVERFLOW. @since 1.0 */
KPI_API kpi_status kpi_money_mul_int(kpi_money a, int64_t n, kpi_money *out);

/**
 * @p amount x @p rate (a kpi_dec such as 0.015 for 1.5 %), exact, rounded
 * once to the fen with @p mode: 12 000.00 x 1.5 % = 180.00.
 * @return KPI_OK, KPI_EOVERFLOW, or KPI_EINVAL for a bad mode.
 * @since 1.0
 */
KPI_API kpi_status kpi_money_mul_rate(kpi_money amount, kpi_dec rate,
                                      kpi_round mode, kpi_money *out);

/**
 * @p amount x @p num / @p den, exact, rounded once to the fen:
 * 1 000.00 x 100 / 130 = 769.23. @p num and @p den may be integers or two
 * kpi_dec of the same scale (a score over a total).
 * @return KPI_OK; KPI_ENA when @p den is 0; KPI_EOVERFLOW; KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_money_mul_ratio(kpi_money amount, int64_t num,
                                       int64_t den, kpi_round mode,
                                       kpi_money *out);

/**
 * A decimal number of yuan in fen, rounded once with @p mode.
 * @return KPI_OK, KPI_EOVERFLOW, or KPI_EINVAL.
 * @since 1.0
 */
KPI_API kpi_status kpi_money_from_dec(kpi_dec yuan, kpi_round mode,
                                      kpi_money *out);

/**
 * An amount in fen as a kpi_dec number of yuan (exact).
 * @return KPI_OK or KPI_EOVERFLOW (above about 9.2e9 yuan).
 * @since 1.0
 */
KPI_API kpi_status kpi_money_to_dec(kpi_money amount, kpi_dec *out);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_DECIMAL_H */
