package org.kpiscore;

/** A pay slip (工资条): labelled, explained lines. Single-writer; close it. */
public final class Payslip implements AutoCloseable {
    private long ptr;

    public Payslip() {
        long[] out = new long[1];
        capi.kpi_payslip_new(out);
        ptr = out[0];
    }

    private long ptr() {
        if (ptr == 0) throw new IllegalStateException("Payslip is closed");
        return ptr;
    }

    public Payslip addAmount(String label, long fen) { capi.kpi_payslip_add_amount(ptr(), label, fen); return this; }

    public Payslip add(String label, kpi_pay_why why) { capi.kpi_payslip_add(ptr(), label, why); return this; }

    public int size() { return (int) capi.kpi_payslip_count(ptr()); }

    public String label(int i) { return capi.kpi_bind_payslip_label(ptr(), i); }

    /** The exact sum of the lines, fen. */
    public long total() {
        long[] out = new long[1];
        capi.kpi_payslip_total(ptr(), out);
        return out[0];
    }

    /** One tab-separated line per component and a 合计 line. */
    public String explain() { return capi.kpi_bind_payslip_explain(ptr()); }

    @Override
    public synchronized void close() {
        if (ptr != 0) {
            capi.kpi_payslip_free(ptr);
            ptr = 0;
        }
    }
}
