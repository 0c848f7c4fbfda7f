/*
 * report.h - the self-contained HTML report of `kpiscore run --report`.
 *
 * One file, no scripts and no network: inline CSS, inline SVG charts, a
 * font stack that ends in Noto Sans CJK SC, UTF-8. Every piece of text is
 * HTML-escaped here; callers pass plain UTF-8 strings.
 *
 * The report takes plain data (already formatted strings for the tables
 * and pay lines, exact kpi_dec scores and tier ends for the charts), so it
 * depends on nothing but the public decimal and tier types. The caller owns
 * everything it passes; nothing is kept after report_write_html() returns.
 *
 * A NULL string is shown as empty text; a NULL table cell as "—".
 */
#ifndef KPISCORE_CLI_REPORT_H
#define KPISCORE_CLI_REPORT_H

#include <kpiscore/decimal.h>
#include <kpiscore/tiers.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Return codes of report_write_html(). */
enum {
    REPORT_OK = 0,
    REPORT_EINVAL = -1, /* inconsistent input: report_check() says what; nothing written */
    REPORT_ENOMEM = -2, /* out of memory; output incomplete */
    REPORT_EIO = -3     /* the stream reported a write error; output incomplete */
};

/* A note or lint finding shown near the top ("warning", "第9条", "...") */
typedef struct report_note {
    const char *severity; /* "error", "warning" or "note" (styles the tag); NULL = "note" */
    const char *where;    /* location such as "plan.json:41:9: pay.brackets[2]"; may be NULL */
    const char *text;     /* the message */
} report_note;

/* A table of preformatted cells. ncols == 0 means "no table". */
typedef struct report_table {
    size_t ncols;
    const char *const *labels; /* ncols column headings */
    const bool *numeric;       /* ncols flags: right-aligned, tabular figures; NULL = all text */
    size_t nrows;
    const char *const *cells;  /* nrows * ncols cells, row-major; a NULL cell shows "—" */
} report_table;

/* One pay line of an agent: 个人提成, 第9条, 18000.00, 2%, 210.00. */
typedef struct report_pay_line {
    const char *label;  /* what is paid */
    const char *rule;   /* the plan rule that pays it (clause, bracket) */
    const char *basis;  /* the amount or score it is computed from; may be NULL */
    const char *rate;   /* the rate or formula; may be NULL */
    const char *amount; /* yuan with two decimals, "-50.00" for a fine */
} report_pay_line;

/* One agent's section: the scorecard explanation and the pay lines. */
typedef struct report_agent {
    const char *id;      /* agent id, used for the anchor "agent-<id>"; may be NULL */
    const char *heading; /* "A001 胡海涛 · 一组" */
    const char *summary; /* one line beside the heading: "92.50 分 · 高级 · 第 1 名"; may be NULL */
    const char *const *explain; /* nexplain preformatted scorecard lines with reasons */
    size_t nexplain;
    const report_pay_line *pay; /* npay pay lines */
    size_t npay;
    const char *pay_total; /* the pay total; NULL = no total row */
} report_agent;

/* One tier of the distribution chart, with the ends as the plan states them. */
typedef struct report_tier {
    const char *label;     /* "高级" */
    kpi_dec from;          /* lower end (ignored when from_end is KPI_END_UNBOUNDED) */
    kpi_tier_end from_end; /* KPI_END_CLOSED / _OPEN / _UNSTATED / _UNBOUNDED */
    kpi_dec to;            /* upper end (ignored when to_end is KPI_END_UNBOUNDED) */
    kpi_tier_end to_end;
    size_t count;          /* agents in this tier */
} report_tier;

/* The score distribution: one exact score per agent and the tiers. */
typedef struct report_distribution {
    const char *axis_label;   /* x axis ("得分"); NULL = "得分" */
    const kpi_dec *scores;    /* nscores exact scores, any order */
    size_t nscores;
    const int32_t *tier_of;   /* nscores tier indexes (or KPI_TIER_NONE) to colour bars; NULL = uncoloured */
    kpi_tier_basis basis;     /* KPI_TIER_BY_SCORE draws the tier ends on the score axis;
                                 other bases show only the shares */
    const report_tier *tiers; /* ntiers tiers, lowest first is usual but not required */
    size_t ntiers;
    size_t untiered;          /* agents with no tier (gap, unowned end point): its own share */
} report_distribution;

/* Everything the report shows. Sections with nothing in them are left out. */
typedef struct report_input {
    const char *title;     /* the plan name: "客服月度考核 · 2026-09" */
    const char *period;    /* "2026-09" or "2026-07 – 2026-09" */
    const char *generated; /* footer line ("kpiscore 1.0.0 · plan.json · events.csv"); may be NULL */
    const report_note *notes;
    size_t nnotes;
    report_table ranking;  /* the ranked table, best first */
    report_distribution dist;
    report_table teams;    /* per-team summaries; ncols == 0 = none */
    const report_agent *agents;
    size_t nagents;
    bool agents_open;      /* agent sections start expanded (they always print expanded) */
} report_input;

/*
 * Checks @in for consistency (arrays present where counts say so, tier
 * indexes and ends valid, from <= to). Returns true when it can be written;
 * otherwise writes a one-line reason into @msg (if @msgsize > 0).
 */
bool report_check(const report_input *in, char *msg, size_t msgsize);

/*
 * Writes the whole HTML document to @out. Checks the input first and
 * writes nothing when it is inconsistent. Use with atomic_open() so a
 * failed write leaves no partial file.
 *
 * Returns REPORT_OK, REPORT_EINVAL, REPORT_ENOMEM or REPORT_EIO.
 */
int report_write_html(FILE *out, const report_input *in);

/* A short English description of a return code. */
const char *report_strerror(int code);

/* ---- exposed for tests -------------------------------------------------- */

/*
 * Writes @s HTML-escaped (& < > " ' as entities), valid in text and in
 * quoted attributes. Control characters other than tab and newline and
 * invalid UTF-8 bytes become U+FFFD. NULL writes nothing.
 */
void report_escape(FILE *out, const char *s);

/*
 * Histogram bins: edges lo + i * width for i = 0..nbins. Every bin is
 * [edge_i, edge_i+1) except the last, which also holds its upper edge (as
 * numpy.histogram does). lo <= every score and every finite tier end, and
 * hi = lo + nbins * width >= all of them.
 */
typedef struct report_bins {
    kpi_dec lo, hi, width;
    size_t nbins;
} report_bins;

/*
 * Chooses bins covering @scores and the finite ends of @tiers (ends count
 * only when basis is KPI_TIER_BY_SCORE): a width of 1, 2 or 5 x 10^k so
 * there are at most @max_bins bins. False when there is nothing to cover
 * or the range overflows.
 */
bool report_bins_choose(const report_distribution *d, size_t max_bins, report_bins *out);

/* The bin that holds @v (exact integer arithmetic); nbins when outside. */
size_t report_bin_index(const report_bins *b, kpi_dec v);

#endif /* KPISCORE_CLI_REPORT_H */
