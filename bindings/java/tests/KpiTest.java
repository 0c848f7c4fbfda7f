import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.math.BigDecimal;
import org.junit.Test;
import org.kpiscore.Kpi;
import org.kpiscore.KpiException;
import org.kpiscore.capiConstants;

public class KpiTest {
    @Test
    public void versionMatches() {
        assertEquals(capiConstants.KPI_VERSION_STRING, Kpi.version());
        Kpi.checkVersion(capiConstants.KPI_VERSION_MAJOR, 0);
    }

    @Test
    public void moneyIsExact() {
        assertEquals(123456L, Kpi.parseMoney("¥1,234.56"));
        assertEquals("-¥1,234,567.89", Kpi.formatMoney(-123456789L, true, true));
        // seed 003: KPI bonus = 1000 yuan x score / 130
        long total = Kpi.parseDec("130");
        assertEquals(90000L, Kpi.moneyTimesRatio(100000L, Kpi.parseDec("117"), total, capiConstants.KPI_ROUND_HALF_UP));
        assertEquals(76923L, Kpi.moneyTimesRatio(100000L, Kpi.parseDec("100"), total, capiConstants.KPI_ROUND_HALF_UP));
        // seed 001: 12 000 yuan x 1.5 %
        assertEquals(18000L, Kpi.moneyTimesRate(1200000L, Kpi.parseDec("1.5%"), capiConstants.KPI_ROUND_HALF_UP));
        assertEquals(new BigDecimal("0.015"), Kpi.fromDec(Kpi.toDec(new BigDecimal("0.015"))));
    }

    @Test
    public void errorsCarryTheRecord() {
        try {
            Kpi.parseMoney("12.3x");
            fail("no exception");
        } catch (KpiException e) {
            assertEquals(capiConstants.KPI_EPARSE, e.getCode());
            assertEquals(5L, e.getColumn());
            assertEquals(4L, e.getOffset());
            assertTrue(e.getDetail().contains("unexpected character 'x'"));
            assertEquals("parse error", e.getStatusName());
        }
        try {
            Kpi.checkVersion(capiConstants.KPI_VERSION_MAJOR + 1, 0);
            fail("no exception");
        } catch (KpiException e) {
            assertEquals(capiConstants.KPI_EVERSION, e.getCode());
        }
    }
}
