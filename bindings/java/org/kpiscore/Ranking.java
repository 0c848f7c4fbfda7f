package org.kpiscore;

/**
 * Ranks and percentile ranks of exact scores (long, 10^-9 units). Options
 * are a {@link kpi_rank_options} (new kpi_rank_options() holds the library's
 * defaults: competition, high to low, pandas pct); the per-score arrays are
 * passed beside it, or null.
 */
public final class Ranking {
    private Ranking() {}

    /** Ranks and pcts as exact decimals; 0 for scores not ranked. */
    public static final class Result {
        public final long[] ranks;
        public final long[] pcts;

        Result(long[] ranks, long[] pcts) {
            this.ranks = ranks;
            this.pcts = pcts;
        }
    }

    public static Result rank(long[] scores, kpi_rank_options opt, long[] key, int[] group, byte[] eligible) {
        long[] ranks = new long[scores.length];
        long[] pcts = new long[scores.length];
        capi.kpi_bind_rank(scores, ranks, pcts, null, opt, key, group, eligible);
        return new Result(ranks, pcts);
    }

    public static Result rank(long[] scores, int method) {
        kpi_rank_options opt = new kpi_rank_options();
        opt.setMethod(method);
        return rank(scores, opt, null, null, null);
    }

    /** Percentile ranks of x against values (PERCENTRANK.INC with 3 digits unless opt says otherwise). */
    public static long[] percentRankOf(long[] values, long[] x, kpi_rank_options opt) {
        long[] out = new long[x.length];
        capi.kpi_bind_percentrank_of(values, x, out, null, opt);
        return out;
    }
}
