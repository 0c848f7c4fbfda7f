package org.kpiscore;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of the Java binding: loads the JNI library and offers the
 * exact-number helpers in Java terms. Money is a long of fen (0.01 yuan);
 * exact decimals cross as {@link BigDecimal}, never as double.
 */
public final class Kpi {
    static {
        System.loadLibrary("kpiscore_jni");
    }

    private Kpi() {}

    /** Forces the native library to load (it also loads on first use). */
    public static void load() {}

    public static String version() { return capi.kpi_version(); }

    /** Throws KpiException unless the loaded library serves major.minor. */
    public static void checkVersion(int major, int minor) { capi.kpi_check_version(major, minor); }

    /** "¥1,234.56" to 123456 fen, exactly. */
    public static long parseMoney(String text) {
        long[] out = new long[1];
        capi.kpi_money_parse(text, out);
        return out[0];
    }

    /** 123456 fen to "1,234.56" (group) or "¥1234.56" (yuan). */
    public static String formatMoney(long fen, boolean group, boolean yuan) {
        int flags = (group ? capiConstants.KPI_FMT_GROUP : 0) | (yuan ? capiConstants.KPI_FMT_YUAN : 0);
        return capi.kpi_java_format_money(fen, flags);
    }

    /** "1.5%" to the library's exact decimal (10^-9 units). */
    public static long parseDec(String text) {
        long[] out = new long[1];
        capi.kpi_dec_parse(text, out);
        return out[0];
    }

    /** A BigDecimal (at most 9 places) to the library's exact decimal. */
    public static long toDec(BigDecimal value) { return parseDec(value.toPlainString()); }

    /** The library's exact decimal as a BigDecimal. */
    public static BigDecimal fromDec(long raw) {
        return BigDecimal.valueOf(raw, capiConstants.KPI_DEC_PLACES).stripTrailingZeros();
    }

    /** fen x num / den, exact, rounded once with the given KPI_ROUND_* mode. */
    public static long moneyTimesRatio(long fen, long num, long den, int rounding) {
        long[] out = new long[1];
        capi.kpi_money_mul_ratio(fen, num, den, rounding, out);
        return out[0];
    }

    /** fen x rate (an exact decimal), rounded once. */
    public static long moneyTimesRate(long fen, long rate, int rounding) {
        long[] out = new long[1];
        capi.kpi_money_mul_rate(fen, rate, rounding, out);
        return out[0];
    }

    /** An explanation as text, e.g. "1,000.00 x 100 / 130 (gate 91, half_up)". */
    public static String text(kpi_pay_why why) { return capi.kpi_bind_pay_why_text(why); }

    /** The findings of a C lint list as "severity: path: message [code]" lines. */
    static List<String> findings(long lint) {
        List<String> out = new ArrayList<>();
        for (long i = 0, n = capi.kpi_lint_count(lint); i < n; i++) {
            out.add(capi.kpi_severity_name(capi.kpi_lint_severity(lint, i)) + ": " + capi.kpi_lint_path(lint, i)
                    + ": " + capi.kpi_lint_message(lint, i) + " [" + capi.kpi_lint_code(lint, i) + "]");
        }
        return out;
    }
}
