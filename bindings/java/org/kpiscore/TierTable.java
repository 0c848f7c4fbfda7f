package org.kpiscore;

/**
 * A tier table (档位表): bands as columns (labels, from, from end, to, to
 * end; ends KPI_END_*), immutable. Close it to free the C object.
 */
public final class TierTable implements AutoCloseable {
    /** One agent's tier and why. */
    public static final class Row {
        public final int tier;          // KPI_TIER_NONE for none
        public final String label;
        public final String reason;     // "band", "gap", "unowned-end", ...
        public final long rank;         // exact decimal, 0 when not ranked
        public final String explanation;

        Row(int tier, String label, String reason, long rank, String explanation) {
            this.tier = tier;
            this.label = label;
            this.reason = reason;
            this.rank = rank;
            this.explanation = explanation;
        }
    }

    private long ptr;

    public TierTable(int basis, String[] labels, long[] from, int[] fromEnd, long[] to, int[] toEnd) {
        long[] out = new long[1];
        capi.kpi_bind_tier_table_new(out, basis, labels, from, fromEnd, to, toEnd);
        ptr = out[0];
    }

    private long ptr() {
        if (ptr == 0) throw new IllegalStateException("TierTable is closed");
        return ptr;
    }

    public int size() { return (int) capi.kpi_tier_table_count(ptr()); }

    public String label(int i) { return capi.kpi_tier_table_label(ptr(), i); }

    /** The band owning value (exact decimal); KpiException KPI_ENOTFOUND in a gap, KPI_EPLAN on an unowned end. */
    public int classify(long value) {
        long[] out = new long[1];
        capi.kpi_tier_table_classify(ptr(), value, out);
        return (int) out[0];
    }

    /** Ranks the scores (opt or null for defaults) and classifies every agent. */
    public Row[] apply(long[] scores, kpi_rank_options opt) {
        long[] out = new long[1];
        capi.kpi_bind_tier_table_apply(out, ptr(), scores, opt, null, null, null);
        try {
            Row[] rows = new Row[(int) capi.kpi_tiering_count(out[0])];
            kpi_tier_row r = new kpi_tier_row();
            for (int i = 0; i < rows.length; i++) {
                capi.kpi_tiering_row(out[0], i, r);
                rows[i] = new Row(r.getTier(), r.getLabel(), capi.kpi_tier_reason_name(r.getReason()),
                                  r.getRank(), capi.kpi_bind_tiering_explain(out[0], i));
            }
            r.delete();
            return rows;
        } finally {
            capi.kpi_tiering_free(out[0]);
        }
    }

    @Override
    public synchronized void close() {
        if (ptr != 0) {
            capi.kpi_tier_table_free(ptr);
            ptr = 0;
        }
    }
}
