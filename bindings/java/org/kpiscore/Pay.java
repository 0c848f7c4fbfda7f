package org.kpiscore;

/** Pools (公共提成), score bonuses (绩效奖金) and fines (罚款), in fen. */
public final class Pay {
    private Pay() {}

    /** basis x rate (exact decimal), rounded half-up once. */
    public static long poolAmount(long basis, long rate) {
        long[] out = new long[1];
        capi.kpi_pool_amount(basis, rate, capiConstants.KPI_ROUND_HALF_UP, out, null);
        return out[0];
    }

    /** pool split by weights (null: equally among parts) by largest remainder; keys (agent ids) or null. */
    public static long[] splitPool(long pool, long[] weights, long[] keys, int parts) {
        long[] out = new long[weights != null ? weights.length : parts];
        capi.kpi_bind_pool_split(pool, weights, keys, out, null);
        return out;
    }

    public static long[] splitPool(long pool, int parts) { return splitPool(pool, null, null, parts); }

    /** pool x score / total, nothing below gate x total; score, total and gate exact decimals. */
    public static kpi_pay_why scoreBonusWhy(long score, long pool, long total, long gate) {
        kpi_score_bonus_def def = new kpi_score_bonus_def();
        def.setPool(pool);
        def.setTotal(total);
        def.setGate(gate);
        kpi_pay_why why = new kpi_pay_why();
        capi.kpi_score_bonus(def, score, new long[1], why);
        return why;
    }

    public static long scoreBonus(long score, long pool, long total, long gate) {
        return scoreBonusWhy(score, pool, total, gate).getValue();
    }

    /** The cumulative fine (negative fen) for occurrences on the ladder steps (fen). */
    public static kpi_pay_why fineWhy(long[] steps, long occurrences, boolean stopPastLadder) {
        kpi_pay_why why = new kpi_pay_why();
        capi.kpi_bind_fine_total(new long[1], steps,
            stopPastLadder ? capiConstants.KPI_FINE_FAIL : capiConstants.KPI_FINE_REPEAT_LAST, occurrences, why);
        return why;
    }

    public static long fineTotal(long[] steps, long occurrences, boolean stopPastLadder) {
        return fineWhy(steps, occurrences, stopPastLadder).getValue();
    }
}
