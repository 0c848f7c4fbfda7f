package org.kpiscore;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The month-end run (月度考核): a plan applied to agents, metrics and
 * evaluator grades; rows come in rank order. The run borrows its plan and
 * metrics: they are freed only after it, whatever the order of close().
 *
 * <pre>
 * try (Run run = new Run(plan)) {
 *     run.addAgent("A001", "胡海涛", "一组", "杭州客服中心");
 *     run.setMetrics(metrics);
 *     run.setInput("A001", "2026-09", "execution", "9");
 *     run.evaluate("2026-09");
 *     for (Run.Row r : run.rows()) System.out.println(r.rank + " " + r.id + " " + r.score);
 * }
 * </pre>
 */
public final class Run extends NativeObject {
    /** One agent's result. score, rank, teamRank and pct are exact; rank is null when not ranked. */
    public static final class Row {
        public final long agent;
        public final String id, name, team, centre;
        public final int outcome;          // capiConstants.KPI_OUTCOME_*
        public final BigDecimal score, rank, teamRank, pct;
        public final long pay;             // fen

        Row(kpi_run_row r) {
            agent = r.getAgent();
            id = r.getId();
            name = r.getName();
            team = r.getTeam();
            centre = r.getCentre();
            outcome = r.getOutcome();
            score = Kpi.fromDec(r.getScore());
            rank = r.getRank() == 0 ? null : Kpi.fromDec(r.getRank());
            teamRank = r.getTeam_rank() == 0 ? null : Kpi.fromDec(r.getTeam_rank());
            pct = r.getRank() == 0 ? null : Kpi.fromDec(r.getPct());
            pay = r.getPay();
        }
    }

    private final Plan plan;

    public Run(Plan plan) {
        super(create(plan));
        this.plan = plan;
        dependOn(plan);
    }

    private static long create(Plan plan) {
        long[] out = new long[1];
        capi.kpi_run_new(out, plan.ptr());
        return out[0];
    }

    @Override
    void free(long ptr) { capi.kpi_run_free(ptr); }

    public Plan plan() { return plan; }

    /** Adds an agent (KPI_EDUPLICATE for an id added before). */
    public void addAgent(String id, String name, String team, String centre) {
        capi.kpi_run_add_agent(ptr(), id, name, team, centre);
    }

    /** An amount pay rules read by name ("post_salary"), fen. */
    public void setField(String agent, String field, long fen) { capi.kpi_run_set_field(ptr(), agent, field, fen); }

    /** The accumulated metrics and their agent map. */
    public void setMetrics(Metrics metrics) {
        capi.kpi_run_set_metrics(ptr(), metrics.ptr(), metrics.agentsPtr());
        dependOn(metrics);
    }

    /** An evaluator's input as text ("4.5", "85%", "优", "88;92;79"). */
    public void setInput(String agent, String period, String input, String text) {
        capi.kpi_run_set_input(ptr(), agent, period, input, text);
    }

    /** Evaluates a period (null: the latest). */
    public void evaluate(String period) { capi.kpi_run_evaluate(ptr(), period); }

    /** Scores the agents of later evaluations on up to {@code threads} threads (1..64; same results). */
    public void setThreads(int threads) { capi.kpi_run_set_threads(ptr(), threads); }

    /** The evaluated period, or null. */
    public String period() { return capi.kpi_run_evaluated_period(ptr()); }

    /** The rows of the evaluated period, best first. */
    public List<Row> rows() {
        long n = capi.kpi_run_count(ptr());
        List<Row> rows = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            kpi_run_row r = new kpi_run_row();
            capi.kpi_run_row_get(ptr(), i, r);
            rows.add(new Row(r));
        }
        return rows;
    }

    /** Everything about one agent (by index) as text: scorecard, tiers, pay slip. */
    public String explain(long agent) { return capi.kpi_bind_run_explain(ptr(), agent); }
}
