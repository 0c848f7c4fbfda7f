package org.kpiscore;

/**
 * Thrown when a kpiscore call fails: carries the library's error record
 * (status code, message, and where: source file, line, column, byte offset,
 * JSON path). {@link #getMessage()} is the whole record as
 * "source:line:column: path: message".
 */
public class KpiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;
    private final String detail;
    private final String source;
    private final long line;
    private final long column;
    private final long offset;
    private final String path;

    public KpiException(int code, String text, String detail, String source, long line,
                        long column, long offset, String path) {
        super(text);
        this.code = code;
        this.detail = detail;
        this.source = source;
        this.line = line;
        this.column = column;
        this.offset = offset;
        this.path = path;
    }

    /** The kpi_status code (negative), e.g. capiConstants.KPI_EPARSE. */
    public int getCode() { return code; }
    /** The message without the location. */
    public String getDetail() { return detail; }
    public String getSource() { return source; }
    public long getLine() { return line; }
    public long getColumn() { return column; }
    public long getOffset() { return offset; }
    public String getPath() { return path; }
    /** The library's name for the code, e.g. "parse error". */
    public String getStatusName() { return capi.kpi_status_str(code); }
}
