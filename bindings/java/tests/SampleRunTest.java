import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;
import org.kpiscore.KpiException;
import org.kpiscore.Kpi;
import org.kpiscore.Metrics;
import org.kpiscore.Plan;
import org.kpiscore.Run;
import org.kpiscore.capiConstants;

/**
 * The bundled sample's September month-end through Java, against the
 * command line's CSV for the same inputs (sample-2026-09.csv, which the
 * pytest suite keeps equal to `kpiscore run --format csv`).
 */
public class SampleRunTest {
    private static final Path SAMPLE = Paths.get(System.getProperty("kpiscore.source"), "examples", "data", "sample");
    private static final Path EXPECTED = Paths.get(System.getProperty("kpiscore.source"), "bindings", "java", "tests",
                                                   "sample-2026-09.csv");

    /** Rows of a small CSV without quoted fields (the sample's files), header first. */
    private static List<String[]> csv(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            if (!line.isEmpty()) rows.add(line.split(",", -1));
        return rows;
    }

    private static int column(String[] header, String name) { return Arrays.asList(header).indexOf(name); }

    @Test
    public void septemberMatchesTheCommandLine() throws IOException {
        try (Plan plan = Plan.load(SAMPLE.resolve("plan.json").toString());
             Metrics metrics = new Metrics(plan);
             Run run = new Run(plan)) {
            assertEquals("电商客服月度考核（方案 A）", plan.name());
            List<String[]> agents = csv(SAMPLE.resolve("agents.csv"));
            String[] h = agents.get(0);
            for (String[] a : agents.subList(1, agents.size())) {
                String id = a[column(h, "agent")], team = a[column(h, "team")], centre = a[column(h, "centre")];
                run.addAgent(id, a[column(h, "name")], team, centre);
                metrics.addAgent(id, team, centre);
                run.setField(id, "post_salary", Kpi.parseMoney(a[column(h, "post_salary")]));
            }
            assertEquals(29016L, metrics.ingestCsv(SAMPLE.resolve("events.csv"), 2));
            assertEquals(Arrays.asList("2026-07", "2026-08", "2026-09"), Arrays.asList(metrics.periods()));
            run.setMetrics(metrics);
            for (String[] g : csv(SAMPLE.resolve("grades.csv")).subList(1, csv(SAMPLE.resolve("grades.csv")).size()))
                run.setInput(g[0], g[1], g[2], g[3]);
            run.evaluate("2026-09");
            assertEquals("2026-09", run.period());

            List<String[]> expected = csv(EXPECTED);
            String[] eh = expected.get(0);
            int payTotal = column(eh, "pay_total");   // present once the plan has a "pay" section
            List<Run.Row> rows = run.rows();
            assertEquals(expected.size() - 1, rows.size());
            for (int i = 0; i < rows.size(); i++) {
                String[] e = expected.get(i + 1);
                Run.Row r = rows.get(i);
                assertEquals(e[column(eh, "agent")], r.id);
                assertEquals(e[column(eh, "name")], r.name);
                assertEquals(0, new BigDecimal(e[column(eh, "rank")]).compareTo(r.rank));
                assertEquals(0, new BigDecimal(e[column(eh, "score")]).compareTo(r.score));
                assertEquals(payTotal < 0 ? 0L : Kpi.parseMoney(e[payTotal]), r.pay);
            }
            // a few by hand: the top, the last pass, the first fail
            assertEquals("A020", rows.get(0).id);
            assertEquals(new BigDecimal("92.05"), rows.get(0).score);
            assertEquals(capiConstants.KPI_OUTCOME_PASS, rows.get(0).outcome);
            assertEquals("A001", rows.get(16).id);
            assertEquals(new BigDecimal("70.71"), rows.get(16).score);
            assertEquals(0, new BigDecimal("17").compareTo(rows.get(16).rank));
            assertEquals(capiConstants.KPI_OUTCOME_FAIL, rows.get(17).outcome);
            assertTrue(run.explain(rows.get(0).agent).contains("A020 黄安琪 (二组) · 2026-09"));
            // metrics read back exactly; an agent with no rows has no conversion
            assertEquals(new BigDecimal("0.239130435"), metrics.value("A001", "2026-09", "conversion"));
            metrics.addAgent("A999", "", "");
            assertNull(metrics.value("A999", "2026-09", "conversion"));
            assertTrue(metrics.toBytes().length > 1000);
        }
    }

    @Test
    public void closingTheParentsFirstIsSafe() {
        Plan plan = Plan.fromString("{\"kpiscore\": 1, \"name\": \"p\", \"inputs\": {\"x\": {\"kind\": \"number\"}},"
            + " \"rubric\": {\"total\": 10, \"items\": [{\"id\": \"x\", \"points\": 10, \"rule\": \"score\", \"input\": \"x\"}]}}",
            "p.json");
        Run run = new Run(plan);
        plan.close();                      // deferred: the run still borrows it
        assertTrue(plan.isClosed());
        try {
            plan.name();
            fail("a closed plan answered");
        } catch (IllegalStateException expected) {
        }
        run.addAgent("A", "甲", null, null);
        run.setInput("A", "2026-09", "x", "7");
        run.setThreads(2);                 // one agent: scored on one thread all the same
        run.evaluate("2026-09");
        assertEquals(new BigDecimal("7"), run.rows().get(0).score);
        try {
            run.setThreads(0);
            fail("no exception");
        } catch (KpiException e) {
            assertEquals(capiConstants.KPI_EINVAL, e.getCode());
        }
        try {
            run.addAgent("A", "甲", null, null);
            fail("no exception");
        } catch (KpiException e) {
            assertEquals(capiConstants.KPI_EDUPLICATE, e.getCode());
        }
        run.close();                       // frees the run, then the plan
        run.close();
    }

    @Test
    public void errorsCarryTheLocation() {
        try {
            Plan.fromString("{\"kpiscore\": 1,\n \"name\": 5}", "crm:plan/7");
            fail("no exception");
        } catch (KpiException e) {
            assertEquals(capiConstants.KPI_EPLAN, e.getCode());
            assertEquals(2L, e.getLine());
            assertEquals("name", e.getPath());
        }
        try {
            Plan.load("/nonexistent/plan.json");
            fail("no exception");
        } catch (KpiException e) {
            assertEquals(capiConstants.KPI_EIO, e.getCode());
        }
    }
}
