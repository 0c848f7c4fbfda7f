package org.kpiscore;

import java.math.BigDecimal;

/**
 * A loaded plan (考核方案, docs/plan-format.md): immutable and shareable
 * across threads. Errors are KpiException with the file, line, column and
 * JSON path.
 *
 * <pre>
 * try (Plan plan = Plan.load("plan.json")) {
 *     plan.name();   // "电商客服月度考核（方案 A）"
 * }
 * </pre>
 */
public final class Plan extends NativeObject {
    private Plan(long ptr) { super(ptr); }

    /** Loads a plan file (KPI_EIO when it cannot be read). */
    public static Plan load(String path) {
        Kpi.load();
        long[] out = new long[1];
        capi.kpi_plan_load_file(out, path, null);
        return new Plan(out[0]);
    }

    /** Loads a plan from JSON text; source names it in errors ("crm:plan/7"). */
    public static Plan fromString(String json, String source) {
        Kpi.load();
        long[] out = new long[1];
        capi.kpi_plan_load_buffer(out, json, source, null);
        return new Plan(out[0]);
    }

    @Override
    void free(long ptr) { capi.kpi_plan_free(ptr); }

    public String name() { return capi.kpi_plan_name(ptr()); }

    public String period() { return capi.kpi_plan_period(ptr()); }

    /** The rubric's stated total (100, 130). */
    public BigDecimal total() { return Kpi.fromDec(capi.kpi_rubric_total(capi.kpi_plan_rubric(ptr()))); }

    /** Lint findings as "severity: path: message [code]" lines. */
    public java.util.List<String> lint() {
        long[] out = new long[1];
        capi.kpi_lint_new(out);
        try {
            capi.kpi_plan_lint(ptr(), out[0]);
            return Kpi.findings(out[0]);
        } finally {
            capi.kpi_lint_free(out[0]);
        }
    }
}
