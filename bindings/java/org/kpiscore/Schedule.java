package org.kpiscore;

import java.util.ArrayList;
import java.util.List;

/**
 * A built commission schedule (提成): immutable, shareable across threads.
 * Close it (try-with-resources) to free the C object; a second close is a
 * no-op and a call after close throws IllegalStateException.
 *
 * <pre>
 * try (Schedule s = new Schedule.Builder(capiConstants.KPI_BRACKET_FORMULA)
 *         .row(0, 1500000, capiConstants.KPI_ENDS_LOWER, Kpi.parseDec("1.5%"), 0, 0)
 *         ...
 *         .build()) {
 *     long fen = s.evaluate(1200000L);   // 18000: 12 000.00 pays 180.00
 * }
 * </pre>
 */
public final class Schedule implements AutoCloseable {
    /** A row's from: no lower limit. */
    public static final long UNBOUNDED_BELOW = Long.MIN_VALUE;
    /** A row's to: no upper limit. */
    public static final long UNBOUNDED_ABOVE = Long.MAX_VALUE;
    /** A formula row's anchor: the row's from. */
    public static final long ANCHOR_FROM = Long.MIN_VALUE;

    /** Collects the definition and rows (in the basis unit: fen, or exact decimals for a ratio basis). */
    public static final class Builder {
        private final kpi_schedule_def def = new kpi_schedule_def();
        private final List<long[]> rows = new ArrayList<>();

        public Builder(int mode) { def.setMode(mode); }

        public Builder basis(int basis) { def.setBasis(basis); return this; }
        public Builder rounding(int rounding, int places) { def.setRounding(rounding); def.setPlaces(places); return this; }
        public Builder negative(int policy) { def.setNegative(policy); return this; }
        public Builder cap(long fen) { def.setCap(fen); return this; }
        public Builder floor(long fen) { def.setFloor(fen); return this; }

        /** One row: ends KPI_ENDS_*, rate an exact decimal, base fen, anchor or ANCHOR_FROM. */
        public Builder row(long from, long to, int ends, long rate, long base, long anchor) {
            rows.add(new long[] {from, to, ends, rate, base, anchor});
            return this;
        }

        private long[] column(int c) {
            long[] out = new long[rows.size()];
            for (int i = 0; i < out.length; i++) out[i] = rows.get(i)[c];
            return out;
        }

        private int[] ends() {
            int[] out = new int[rows.size()];
            for (int i = 0; i < out.length; i++) out[i] = (int) rows.get(i)[2];
            return out;
        }

        /** Builds it; throws KpiException (KPI_EPLAN with the row's path) for rows that do not make a schedule. */
        public Schedule build() {
            long[] out = new long[1];
            capi.kpi_bind_schedule_new(out, def, column(0), column(1), ends(), column(3), column(4), column(5));
            return new Schedule(out[0]);
        }

        /** Lint findings of these rows as "severity: path: message [code]" lines. */
        public List<String> lint() {
            long[] out = new long[1];
            capi.kpi_lint_new(out);
            try {
                capi.kpi_bind_schedule_lint(out[0], def, column(0), column(1), ends(), column(3), column(4), column(5));
                return Kpi.findings(out[0]);
            } finally {
                capi.kpi_lint_free(out[0]);
            }
        }
    }

    private long ptr;

    private Schedule(long ptr) { this.ptr = ptr; }

    private long ptr() {
        if (ptr == 0) throw new IllegalStateException("Schedule is closed");
        return ptr;
    }

    /** Pay in fen for an amount basis in fen. */
    public long evaluate(long amount) {
        long[] out = new long[1];
        capi.kpi_schedule_eval(ptr(), amount, out, null);
        return out[0];
    }

    /** Pay in fen for a ratio basis (exact decimal) applied to amount (fen). */
    public long evaluateRatio(long ratio, long amount) {
        long[] out = new long[1];
        capi.kpi_schedule_eval_ratio(ptr(), ratio, amount, out, null);
        return out[0];
    }

    /** The explanation of the pay for an amount basis; its getValue() is the pay. */
    public kpi_pay_why why(long amount) {
        kpi_pay_why why = new kpi_pay_why();
        long[] out = new long[1];
        capi.kpi_schedule_eval(ptr(), amount, out, why);
        return why;
    }

    /** The explanation as text: "250.00 + (22,000.00 - 20,000.00) x 4% (rows[2], formula, half_up)". */
    public String explain(long amount) { return Kpi.text(why(amount)); }

    /** Many bases at once into out (same length); amounts only for a ratio schedule (else null). */
    public long[] evaluateMany(long[] basis, long[] amounts, long[] out) {
        capi.kpi_bind_schedule_eval_batch(ptr(), basis, amounts, out);
        return out;
    }

    public long[] evaluateMany(long[] basis) { return evaluateMany(basis, null, new long[basis.length]); }

    /** What one more sale adds to the month so far, fen. */
    public long increment(long mtd, long sale) {
        long[] out = new long[1];
        capi.kpi_schedule_increment(ptr(), mtd, sale, out);
        return out[0];
    }

    @Override
    public synchronized void close() {
        if (ptr != 0) {
            capi.kpi_schedule_free(ptr);
            ptr = 0;
        }
    }
}
