import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import org.junit.Test;
import org.kpiscore.Kpi;
import org.kpiscore.KpiException;
import org.kpiscore.Pay;
import org.kpiscore.Payslip;
import org.kpiscore.Ranking;
import org.kpiscore.Schedule;
import org.kpiscore.TierTable;
import org.kpiscore.capiConstants;
import org.kpiscore.kpi_rank_options;

/** The worked figures of DOMAIN.md §3-4 through the Java classes. */
public class PayRankTest {
    private static long dec(String s) { return Kpi.parseDec(s); }

    /** seed 001 第9条 as written: formula rows, fen bounds. */
    private static Schedule.Builder seed001() {
        return new Schedule.Builder(capiConstants.KPI_BRACKET_FORMULA)
            .row(0, 1500000, capiConstants.KPI_ENDS_LOWER, dec("1.5%"), 0, 0)
            .row(1500000, 2000000, capiConstants.KPI_ENDS_BOTH, dec("2%"), 15000, Schedule.ANCHOR_FROM)
            .row(2000100, 2500000, capiConstants.KPI_ENDS_BOTH, dec("4%"), 25000, 2000000)
            .row(2500000, Schedule.UNBOUNDED_ABOVE, capiConstants.KPI_ENDS_UPPER, dec("2%"), 0, 0);
    }

    @Test
    public void scheduleSeed001() {
        try (Schedule s = seed001().build()) {
            assertEquals(18000L, s.evaluate(1200000L));
            assertEquals(21000L, s.evaluate(1800000L));
            assertEquals(33000L, s.evaluate(2200000L));
            assertEquals(60000L, s.evaluate(3000000L));
            assertArrayEquals(new long[] {18000L, 21000L, 33000L, 60000L},
                              s.evaluateMany(new long[] {1200000L, 1800000L, 2200000L, 3000000L}));
            assertEquals("250.00 + (22,000.00 - 20,000.00) x 4% (rows[2], formula, half_up)", s.explain(2200000L));
            try {
                s.evaluate(2000050L);
                fail("no exception");
            } catch (KpiException e) {
                assertEquals(capiConstants.KPI_ENOTFOUND, e.getCode());
                assertTrue(e.getDetail().contains("no row covers 20,000.50"));
            }
            try {
                s.evaluateMany(new long[] {1L, 2L}, null, new long[3]);
                fail("no exception");
            } catch (IllegalArgumentException e) {
                assertEquals("results has 3 elements where 2 are needed", e.getMessage());
            }
        }
        List<String> lint = seed001().lint();
        assertEquals(2, lint.stream().filter(f -> f.endsWith("[bracket-jump]")).count());
        assertTrue(lint.stream().anyMatch(f -> f.startsWith("warning: rows[2].from: bases in (20,000.00, 20,001.00)")));
    }

    @Test
    public void planErrorNamesTheRow() {
        try {
            new Schedule.Builder(capiConstants.KPI_BRACKET_MARGINAL)
                .row(10000, 20000, capiConstants.KPI_ENDS_LOWER, dec("1%"), 0, Schedule.ANCHOR_FROM)
                .row(5000, Schedule.UNBOUNDED_ABOVE, capiConstants.KPI_ENDS_LOWER, dec("2%"), 0, Schedule.ANCHOR_FROM)
                .build();
            fail("no exception");
        } catch (KpiException e) {
            assertEquals(capiConstants.KPI_EPLAN, e.getCode());
            assertEquals("rows[1].from", e.getPath());
        }
    }

    @Test
    public void poolsBonusesFines() {
        assertEquals(500000L, Pay.poolAmount(100000000L, dec("0.5%")));        // 1 000 000.00 x 0.5 %
        assertArrayEquals(new long[] {166667L, 166667L, 166666L}, Pay.splitPool(500000L, 3));
        assertArrayEquals(new long[] {166666L, 166667L, 166667L},
                          Pay.splitPool(500000L, new long[] {1, 1, 1}, new long[] {30, 10, 20}, 3));
        long total = dec("130"), gate = dec("0.7");
        assertEquals(90000L, Pay.scoreBonus(dec("117"), 100000L, total, gate));
        assertEquals(76923L, Pay.scoreBonus(dec("100"), 100000L, total, gate));
        assertEquals(70000L, Pay.scoreBonus(dec("91"), 100000L, total, gate));
        assertEquals(0L, Pay.scoreBonus(dec("90.9"), 100000L, total, gate));
        long[] ladder = {5000L, 10000L, 20000L};
        assertEquals(-35000L, Pay.fineTotal(ladder, 3, false));
        try {
            Pay.fineTotal(new long[] {1000L, 3000L}, 3, true);
            fail("no exception");
        } catch (KpiException e) {
            assertEquals(capiConstants.KPI_ELIMIT, e.getCode());
        }
        try (Schedule s = seed001().build(); Payslip slip = new Payslip()) {
            slip.addAmount("岗位工资", 250000L).add("个人提成", s.why(2200000L))
                .add("绩效奖金", Pay.scoreBonusWhy(dec("100"), 100000L, total, gate))
                .add("罚款", Pay.fineWhy(ladder, 3, false));
            assertEquals(4, slip.size());
            assertEquals("个人提成", slip.label(1));
            assertEquals(250000L + 33000L + 76923L - 35000L, slip.total());
            assertTrue(slip.explain().endsWith("合计\t3,249.23\n"));
        }
    }

    @Test
    public void ranksAndTiers() {
        long[] scores = {dec("90"), dec("85"), dec("85"), dec("70")};
        Ranking.Result r = Ranking.rank(scores, capiConstants.KPI_RANK_COMPETITION);
        assertArrayEquals(new long[] {dec("1"), dec("2"), dec("2"), dec("4")}, r.ranks);
        assertArrayEquals(new long[] {dec("0.25"), dec("0.5"), dec("0.5"), dec("1")}, r.pcts);
        assertArrayEquals(new long[] {dec("1"), dec("2.5"), dec("2.5"), dec("4")},
                          Ranking.rank(scores, capiConstants.KPI_RANK_FRACTIONAL).ranks);
        long[] set = {dec("1"), dec("2"), dec("2"), dec("3")};
        assertArrayEquals(new long[] {dec("0.833")}, Ranking.percentRankOf(set, new long[] {dec("2.5")}, null));
        kpi_rank_options opt = new kpi_rank_options();
        opt.setPct_kind(capiConstants.KPI_PCT_EXCEL_INC);
        opt.setSignificance(1);
        assertArrayEquals(new long[] {dec("0.9")}, Ranking.percentRankOf(set, new long[] {dec("2.9")}, opt));
        int closed = capiConstants.KPI_END_CLOSED, open = capiConstants.KPI_END_OPEN;
        try (TierTable t = new TierTable(capiConstants.KPI_TIER_BY_SCORE, new String[] {"初级", "中级", "高级"},
                                         new long[] {dec("70"), dec("80"), dec("90")}, new int[] {closed, closed, closed},
                                         new long[] {dec("80"), dec("90"), dec("100")}, new int[] {open, open, closed})) {
            assertEquals(3, t.size());
            assertEquals(2, t.classify(dec("90")));
            assertEquals(1, t.classify(dec("89.999999999")));
            assertEquals("高级", t.label(2));
            TierTable.Row[] rows = t.apply(new long[] {dec("92"), dec("90"), dec("85"), dec("60")}, null);
            assertEquals("高级", rows[1].label);
            assertEquals("中级", rows[2].label);
            assertEquals("gap", rows[3].reason);
            assertEquals(capiConstants.KPI_TIER_NONE, rows[3].tier);
            assertEquals("score 92 ranks 1 of 4; score 92 is in band '高级' [90, 100]", rows[0].explanation);
            try {
                t.classify(dec("65"));
                fail("no exception");
            } catch (KpiException e) {
                assertEquals(capiConstants.KPI_ENOTFOUND, e.getCode());
            }
        }
    }
}
