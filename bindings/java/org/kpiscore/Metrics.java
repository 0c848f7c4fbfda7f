package org.kpiscore;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Metric accumulators for a plan's metrics (docs/metrics.md) together with
 * the agent map their indexes refer to. Single writer.
 *
 * <pre>
 * try (Metrics m = new Metrics(plan)) {
 *     m.addAgent("A001", "一组", "杭州客服中心");
 *     m.ingestCsv(Paths.get("events.csv"), 2);
 *     BigDecimal conversion = m.value("A001", "2026-09", "conversion");   // null: N/A
 * }
 * </pre>
 */
public final class Metrics extends NativeObject {
    private final Plan plan;
    private long agents;

    /** An empty accumulator with the plan's registry, period and time zone. */
    public Metrics(Plan plan) { this(plan, create(plan)); }

    private Metrics(Plan plan, long ptr) {
        super(ptr);
        this.plan = plan;
        long[] out = new long[1];
        try {
            capi.kpi_agents_new(out);
        } catch (RuntimeException e) {
            capi.kpi_metrics_free(ptr);
            throw e;
        }
        agents = out[0];
    }

    private static long create(Plan plan) {
        kpi_metrics_options o = new kpi_metrics_options();
        capi.kpi_plan_metrics_options(plan.ptr(), o);
        long[] out = new long[1];
        capi.kpi_metrics_new(out, capi.kpi_plan_metric_registry(plan.ptr()), o);
        return out[0];
    }

    @Override
    void free(long ptr) {
        capi.kpi_metrics_free(ptr);
        capi.kpi_agents_free(agents);
        agents = 0;
    }

    long agentsPtr() { ptr(); return agents; }

    public Plan plan() { return plan; }

    /** Adds an agent to the map (or finds it in the same team); its index. */
    public long addAgent(String id, String team, String centre) {
        long[] out = new long[1];
        capi.kpi_agents_add(agentsPtr(), id, team, centre, out);
        return out[0];
    }

    /** The index of an agent id (KpiException KPI_ENOTFOUND otherwise). */
    public long agentIndex(String id) {
        long[] out = new long[1];
        capi.kpi_agents_find(agentsPtr(), capiConstants.KPI_LEVEL_AGENT, id, out);
        return out[0];
    }

    /** Adds the rows of an events CSV file (agent,time,event,value); the rows read. */
    public long ingestCsv(Path file, int threads) throws IOException {
        return ingestCsv(Files.readAllBytes(file), file.toString(), threads, 0);
    }

    /** Adds the rows of events CSV bytes; flags KPI_METRICS_CSV_*; the rows read. */
    public long ingestCsv(byte[] data, String source, int threads, int flags) {
        kpi_metrics_csv_result r = new kpi_metrics_csv_result();
        capi.kpi_bind_metrics_ingest_csv(ptr(), agents, data, source, flags, threads, 0, r);
        return r.getRows().longValue();
    }

    /** Adds another accumulator's rows (KPI_EMISMATCH for another plan's). */
    public void merge(Metrics other) { capi.kpi_metrics_merge(ptr(), other.ptr()); }

    /** Period labels with data, in time order. */
    public String[] periods() {
        long n = capi.kpi_metrics_period_count(ptr());
        String[] out = new String[(int) n];
        for (int i = 0; i < n; i++) out[i] = capi.kpi_bind_metrics_period_label(ptr(), i);
        return out;
    }

    /** The value of a metric for an agent and period, or null when not available. */
    public BigDecimal value(String agent, String period, String metric) {
        long[] index = new long[1];
        capi.kpi_metric_registry_find(capi.kpi_metrics_registry(ptr()), metric, index);
        String[] labels = periods();
        int p = java.util.Arrays.asList(labels).indexOf(period);
        if (p < 0) throw new IllegalArgumentException("no data for period " + period);
        long[] out = new long[1];
        try {
            capi.kpi_metrics_value(ptr(), agentIndex(agent), p, index[0], out);
        } catch (KpiException e) {
            if (e.getCode() == capiConstants.KPI_ENA) return null;
            throw e;
        }
        return Kpi.fromDec(out[0]);
    }

    /** The state as bytes (docs/metrics.md "State format"). */
    public byte[] toBytes() {
        long[] size = new long[1];
        capi.kpi_bind_metrics_save_size(ptr(), size);
        byte[] buf = new byte[(int) size[0]];
        capi.kpi_bind_metrics_save(ptr(), buf, size);
        return buf;
    }
}
