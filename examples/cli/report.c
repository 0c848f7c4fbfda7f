/*
 * report.c - the self-contained HTML report: tables, agent sections and
 * two SVG charts (a score histogram with the tier ends drawn on it, and
 * each tier's share). See docs/cli-report.md.
 *
 * Bin membership and tier ends are decided on exact kpi_dec values; only
 * pixel positions go through double, and one function maps every value to
 * x, so a score equal to a tier end is drawn on that end's line. Numbers
 * in the SVG are printed with integer arithmetic, never printf("%f"), so
 * a caller's setlocale() cannot put a decimal comma into the markup.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

/* ---- escaping ----------------------------------------------------------- */

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at @p (2..4), or 0 when it is invalid. */
static int utf8_seq_len(const unsigned char *p)
{
    unsigned c = p[0];
    unsigned lo = 0x80, hi = 0xBF;
    int n;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (int i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

void report_escape(FILE *out, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            switch (c) {
            case '&': fputs("&amp;", out); break;
            case '<': fputs("&lt;", out); break;
            case '>': fputs("&gt;", out); break;
            case '"': fputs("&quot;", out); break;
            case '\'': fputs("&#39;", out); break;
            case '\t': case '\n': case '\r': fputc((int)c, out); break;
            default:
                if (c < 0x20 || c == 0x7F)
                    fputs(replacement, out);
                else
                    fputc((int)c, out);
            }
            p++;
            continue;
        }
        int n = utf8_seq_len(p);
        if (n == 0) {
            fputs(replacement, out);
            p++;
        } else if (c == 0xC2 && p[1] < 0xA0) { /* C1 controls U+0080..U+009F */
            fputs(replacement, out);
            p += n;
        } else {
            fwrite(p, 1, (size_t)n, out);
            p += n;
        }
    }
}

/* ---- input check --------------------------------------------------------- */

static bool fail(char *msg, size_t size, const char *fmt, const char *a, size_t i)
{
    if (size > 0)
        snprintf(msg, size, fmt, a, i);
    return false;
}

static bool check_table(const report_table *t, const char *name, char *msg, size_t size)
{
    if (t->ncols == 0)
        return t->nrows == 0 ? true
                             : fail(msg, size, "%s: %zu rows but no columns", name, t->nrows);
    if (!t->labels)
        return fail(msg, size, "%s: %zu columns but labels is NULL", name, t->ncols);
    if (t->nrows > 0 && !t->cells)
        return fail(msg, size, "%s: %zu rows but cells is NULL", name, t->nrows);
    if (t->nrows > SIZE_MAX / t->ncols)
        return fail(msg, size, "%s: %zu rows overflow the cell count", name, t->nrows);
    return true;
}

static bool end_valid(kpi_tier_end e)
{
    return e == KPI_END_UNSTATED || e == KPI_END_CLOSED || e == KPI_END_OPEN ||
           e == KPI_END_UNBOUNDED;
}

bool report_check(const report_input *in, char *msg, size_t size)
{
    if (size > 0)
        msg[0] = '\0';
    if (!in)
        return fail(msg, size, "%s is NULL%.0zu", "input", 0);
    if (in->nnotes > 0 && !in->notes)
        return fail(msg, size, "%s: %zu notes but the array is NULL", "notes", in->nnotes);
    if (!check_table(&in->ranking, "ranking", msg, size) ||
        !check_table(&in->teams, "teams", msg, size))
        return false;
    if (in->nagents > 0 && !in->agents)
        return fail(msg, size, "%s: %zu agents but the array is NULL", "agents", in->nagents);
    for (size_t i = 0; i < in->nagents; i++) {
        const report_agent *a = &in->agents[i];
        if (a->nexplain > 0 && !a->explain)
            return fail(msg, size, "%s[%zu]: explanation lines are NULL", "agents", i);
        if (a->npay > 0 && !a->pay)
            return fail(msg, size, "%s[%zu]: pay lines are NULL", "agents", i);
    }
    const report_distribution *d = &in->dist;
    if (d->nscores > 0 && !d->scores)
        return fail(msg, size, "%s: %zu scores but the array is NULL", "dist", d->nscores);
    if (d->ntiers > 0 && !d->tiers)
        return fail(msg, size, "%s: %zu tiers but the array is NULL", "dist", d->ntiers);
    if (d->basis != KPI_TIER_BY_SCORE && d->basis != KPI_TIER_BY_PERCENTILE &&
        d->basis != KPI_TIER_BY_RANK)
        return fail(msg, size, "%s: basis %zu is not a KPI_TIER_BY_* value", "dist",
                    (size_t)(uint32_t)d->basis);
    for (size_t i = 0; i < d->ntiers; i++) {
        const report_tier *t = &d->tiers[i];
        if (!end_valid(t->from_end) || !end_valid(t->to_end))
            return fail(msg, size, "%s.tiers[%zu]: an end is not a KPI_END_* value", "dist", i);
        if (t->from_end != KPI_END_UNBOUNDED && t->to_end != KPI_END_UNBOUNDED && t->from > t->to)
            return fail(msg, size, "%s.tiers[%zu]: from is above to", "dist", i);
    }
    if (d->tier_of)
        for (size_t i = 0; i < d->nscores; i++)
            if (d->tier_of[i] != KPI_TIER_NONE &&
                (d->tier_of[i] < 0 || (size_t)d->tier_of[i] >= d->ntiers))
                return fail(msg, size,
                            "%s.tier_of[%zu]: not a tier index (0..ntiers-1) or KPI_TIER_NONE",
                            "dist", i);
    return true;
}

const char *report_strerror(int code)
{
    switch (code) {
    case REPORT_OK: return "ok";
    case REPORT_EINVAL: return "inconsistent report input";
    case REPORT_ENOMEM: return "out of memory";
    case REPORT_EIO: return "write error";
    default: return "unknown error";
    }
}

/* ---- bins ----------------------------------------------------------------- */

static bool ends_on_axis(const report_distribution *d)
{
    return d->basis == KPI_TIER_BY_SCORE;
}

static void widen(kpi_dec v, bool *any, kpi_dec *mn, kpi_dec *mx)
{
    if (!*any || v < *mn)
        *mn = v;
    if (!*any || v > *mx)
        *mx = v;
    *any = true;
}

bool report_bins_choose(const report_distribution *d, size_t max_bins, report_bins *out)
{
    bool any = false;
    kpi_dec mn = 0, mx = 0;
    for (size_t i = 0; i < d->nscores; i++)
        widen(d->scores[i], &any, &mn, &mx);
    if (ends_on_axis(d))
        for (size_t i = 0; i < d->ntiers; i++) {
            if (d->tiers[i].from_end != KPI_END_UNBOUNDED)
                widen(d->tiers[i].from, &any, &mn, &mx);
            if (d->tiers[i].to_end != KPI_END_UNBOUNDED)
                widen(d->tiers[i].to, &any, &mn, &mx);
        }
    if (!any || max_bins == 0)
        return false;
    kpi_dec span;
    if (__builtin_sub_overflow(mx, mn, &span))
        return false;
    /* Narrowest width 0.01 point; one value alone gets a bin one point wide. */
    kpi_dec scale = span == 0 ? KPI_DEC_ONE : KPI_DEC_ONE / 100;
    static const int64_t steps[3] = {1, 2, 5};
    for (; scale <= INT64_MAX / 50; scale *= 10)
        for (int s = 0; s < 3; s++) {
            kpi_dec w = steps[s] * scale;
            kpi_dec rem = ((mn % w) + w) % w;
            kpi_dec lo, hi;
            if (__builtin_sub_overflow(mn, rem, &lo))
                continue;
            kpi_dec extent;
            if (__builtin_sub_overflow(mx, lo, &extent))
                continue;
            uint64_t nbins = (uint64_t)extent / (uint64_t)w + ((uint64_t)extent % (uint64_t)w != 0);
            if (nbins == 0)
                nbins = 1;
            if (nbins > max_bins)
                continue;
            if (__builtin_mul_overflow((int64_t)nbins, w, &hi) ||
                __builtin_add_overflow(lo, hi, &hi))
                continue;
            *out = (report_bins){lo, hi, w, (size_t)nbins};
            return true;
        }
    return false;
}

size_t report_bin_index(const report_bins *b, kpi_dec v)
{
    if (v < b->lo || v > b->hi)
        return b->nbins;
    size_t i = (size_t)((uint64_t)(v - b->lo) / (uint64_t)b->width);
    return i >= b->nbins ? b->nbins - 1 : i; /* the last bin holds hi */
}

/* ---- small formatting helpers ------------------------------------------ */

/* A pixel coordinate with two decimals, independent of the locale. */
static void put_coord(FILE *o, double x)
{
    long long h = (long long)(x * 100.0 + (x < 0 ? -0.5 : 0.5));
    if (h < 0) {
        fputc('-', o);
        h = -h;
    }
    fprintf(o, "%lld.%02lld", h / 100, h % 100);
}

static void put_dec(FILE *o, kpi_dec v)
{
    char buf[48];
    kpi_dec_format(v, -1, KPI_ROUND_HALF_UP, buf, sizeof buf);
    fputs(buf, o);
}

/* count / total as a percentage with one decimal, half up, exact. */
static void put_percent(FILE *o, size_t count, size_t total)
{
    if (total == 0) {
        fputs("—", o);
        return;
    }
    unsigned long long permille =
        ((unsigned long long)count * 2000ULL / total + 1ULL) / 2ULL;
    fprintf(o, "%llu.%llu%%", permille / 10, permille % 10);
}

static const char *const palette[] = {
    "#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#9d755d", "#eeca3b",
};
enum { NPALETTE = sizeof palette / sizeof palette[0] };
static const char untiered_colour[] = "#b8b8b8";

static const char *tier_colour(size_t i)
{
    return palette[i % NPALETTE];
}

/* ---- document pieces ---------------------------------------------------- */

static const char style[] =
    ":root{--ink:#1f2328;--muted:#59636e;--line:#d0d7de;--band:#f6f8fa;--accent:#0b5cad}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:1040px;padding:24px 28px 48px;color:var(--ink);background:#fff;"
    "font:15px/1.55 -apple-system,\"Segoe UI\",\"PingFang SC\",\"Hiragino Sans GB\","
    "\"Microsoft YaHei\",\"Source Han Sans SC\",\"Noto Sans CJK SC\",\"WenQuanYi Micro Hei\",sans-serif}\n"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;"
    "border-bottom:2px solid var(--line)}h3{font-size:15px;margin:14px 0 6px;color:var(--muted)}\n"
    ".period{color:var(--muted);margin:0}\n"
    "nav{margin:12px 0 0;font-size:14px}nav a{color:var(--accent);margin-right:16px;text-decoration:none}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;font-size:14px;margin:4px 0}\n"
    "th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
    "thead th{background:var(--band);border-bottom:2px solid var(--line);white-space:nowrap}\n"
    "tbody tr:nth-child(even){background:#fbfcfd}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tfoot th,tfoot td{font-weight:700;border-top:2px solid var(--line);border-bottom:0}\n"
    "ul.notes{list-style:none;padding:0;margin:0}ul.notes li{padding:6px 10px;margin:4px 0;"
    "border-left:4px solid #8c959f;background:var(--band)}\n"
    "ul.notes li.error{border-color:#cf222e}ul.notes li.warning{border-color:#bf8700}\n"
    ".tag{font-weight:700;margin-right:6px}.where{font-family:ui-monospace,\"DejaVu Sans Mono\","
    "monospace;font-size:13px;color:var(--muted);margin-right:6px}\n"
    "figure{margin:8px 0 16px}figcaption{font-size:13px;color:var(--muted)}\n"
    "svg.chart{width:100%;height:auto;display:block}\n"
    "svg.chart text{font-family:inherit;fill:var(--ink)}\n"
    "svg .axis{stroke:var(--ink);stroke-width:1}svg .grid{stroke:#e6e8eb;stroke-width:1}\n"
    "svg .bound{stroke:#24292f;stroke-width:1.5;stroke-dasharray:5 3}\n"
    "svg .small{font-size:12px}svg .tier-name{font-size:13px;font-weight:700}\n"
    ".swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;"
    "vertical-align:-1px}\n"
    "details.agent{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:0 14px}\n"
    "details.agent>summary{cursor:pointer;padding:9px 0;font-weight:700}\n"
    ".agent-summary{font-weight:400;color:var(--muted);margin-left:10px}\n"
    "pre.explain{margin:0;padding:8px 10px;background:var(--band);border-radius:4px;font-size:13.5px;"
    "line-height:1.6;white-space:pre-wrap;font-family:ui-monospace,\"DejaVu Sans Mono\","
    "\"Noto Sans Mono CJK SC\",\"Noto Sans CJK SC\",monospace}\n"
    "footer{margin-top:36px;font-size:12px;color:var(--muted)}\n"
    "@page{size:A4;margin:12mm}\n"
    "@media print{\n"
    " body{max-width:none;padding:0;font-size:10.5pt}\n"
    " nav{display:none}\n"
    " *{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    " h2{break-after:avoid}tr,figure,li{break-inside:avoid}thead{display:table-header-group}\n"
    " .scroll{overflow:visible}\n"
    " details.agent{break-inside:avoid;border:0;border-top:1px solid var(--line);border-radius:0;padding:0}\n"
    " details.agent>summary{list-style:none}\n"
    " details.agent>summary::-webkit-details-marker{display:none}\n"
    " details.agent::details-content{content-visibility:visible;display:block}\n"
    "}\n";

static void open_tag_class(FILE *o, const char *tag, const char *cls, bool numeric)
{
    fprintf(o, "<%s%s>", tag, numeric ? " class=\"num\"" : cls);
}

static void write_table(FILE *o, const report_table *t, const char *cls)
{
    fprintf(o, "<div class=\"scroll\"><table class=\"%s\">\n<thead><tr>", cls);
    for (size_t c = 0; c < t->ncols; c++) {
        open_tag_class(o, "th", "", t->numeric && t->numeric[c]);
        report_escape(o, t->labels[c]);
        fputs("</th>", o);
    }
    fputs("</tr></thead>\n<tbody>\n", o);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs("<tr>", o);
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            open_tag_class(o, "td", "", t->numeric && t->numeric[c]);
            if (cell)
                report_escape(o, cell);
            else
                fputs("—", o);
            fputs("</td>", o);
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div>\n", o);
}

static void write_notes(FILE *o, const report_input *in)
{
    fputs("<section id=\"notes\"><h2>提示与检查结果</h2>\n<ul class=\"notes\">\n", o);
    for (size_t i = 0; i < in->nnotes; i++) {
        const report_note *n = &in->notes[i];
        const char *sev = n->severity ? n->severity : "note";
        const char *cls = "note", *tag = NULL;
        if (strcmp(sev, "error") == 0) {
            cls = "error";
            tag = "错误";
        } else if (strcmp(sev, "warning") == 0) {
            cls = "warning";
            tag = "警告";
        } else if (strcmp(sev, "note") == 0)
            tag = "提示";
        fprintf(o, "<li class=\"%s\"><span class=\"tag\">", cls);
        if (tag)
            fputs(tag, o);
        else
            report_escape(o, sev);
        fputs("</span>", o);
        if (n->where && *n->where) {
            fputs("<span class=\"where\">", o);
            report_escape(o, n->where);
            fputs("</span>", o);
        }
        report_escape(o, n->text);
        fputs("</li>\n", o);
    }
    fputs("</ul></section>\n", o);
}

static void write_agents(FILE *o, const report_input *in)
{
    fputs("<section id=\"agents\"><h2>个人考核明细</h2>\n", o);
    for (size_t i = 0; i < in->nagents; i++) {
        const report_agent *a = &in->agents[i];
        fputs("<details class=\"agent\"", o);
        if (a->id && *a->id) {
            fputs(" id=\"agent-", o);
            report_escape(o, a->id);
            fputs("\"", o);
        }
        fputs(in->agents_open ? " open>\n<summary>" : ">\n<summary>", o);
        report_escape(o, a->heading);
        if (a->summary && *a->summary) {
            fputs("<span class=\"agent-summary\">", o);
            report_escape(o, a->summary);
            fputs("</span>", o);
        }
        fputs("</summary>\n", o);
        if (a->nexplain > 0) {
            fputs("<h3>评分明细</h3>\n<pre class=\"explain\">", o);
            for (size_t k = 0; k < a->nexplain; k++) {
                report_escape(o, a->explain[k]);
                fputc('\n', o);
            }
            fputs("</pre>\n", o);
        }
        if (a->npay > 0 || a->pay_total) {
            fputs("<h3>薪酬明细</h3>\n<div class=\"scroll\"><table class=\"pay\">\n"
                  "<thead><tr><th>项目</th><th>依据</th><th class=\"num\">基数</th>"
                  "<th class=\"num\">比例 / 算式</th><th class=\"num\">金额（元）</th></tr></thead>\n"
                  "<tbody>\n",
                  o);
            for (size_t k = 0; k < a->npay; k++) {
                const report_pay_line *p = &a->pay[k];
                const char *cells[5] = {p->label, p->rule, p->basis, p->rate, p->amount};
                fputs("<tr>", o);
                for (int c = 0; c < 5; c++) {
                    open_tag_class(o, "td", "", c >= 2);
                    report_escape(o, cells[c]);
                    fputs("</td>", o);
                }
                fputs("</tr>\n", o);
            }
            fputs("</tbody>\n", o);
            if (a->pay_total) {
                fputs("<tfoot><tr><th colspan=\"4\">合计</th><td class=\"num\">", o);
                report_escape(o, a->pay_total);
                fputs("</td></tr></tfoot>\n", o);
            }
            fputs("</table></div>\n", o);
        }
        fputs("</details>\n", o);
    }
    fputs("</section>\n", o);
}

/* ---- the histogram ------------------------------------------------------- */

/* Chart geometry (SVG user units). */
enum {
    CH_W = 960,
    CH_L = 64,      /* left of the plot */
    CH_R = 24,
    CH_TIERS_Y = 18,  /* tier names */
    CH_BOUND_Y = 38,  /* boundary labels, first row; the second is 15 below */
    CH_TOP = 70,      /* top of the bars' area */
    CH_PLOT_H = 220,
    CH_BASE = CH_TOP + CH_PLOT_H,
    CH_STRIP = CH_BASE + 56, /* first row of the dot strip */
    CH_DOT_STEP = 7,
    CH_DOT_ROWS = 9,
    CH_H = CH_STRIP + CH_DOT_ROWS * CH_DOT_STEP + 14,
    CH_MAX_BINS = 20
};

static double x_of(const report_bins *b, kpi_dec v)
{
    /* v - lo and hi - lo fit: report_bins_choose checked the range. */
    double f = (double)(v - b->lo) / (double)(b->hi - b->lo);
    return CH_L + f * (CH_W - CH_L - CH_R);
}

static double y_of(size_t count, size_t ymax)
{
    return CH_BASE - (double)count / (double)ymax * CH_PLOT_H;
}

typedef struct scored {
    kpi_dec v;
    int32_t tier;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->tier > y->tier) - (x->tier < y->tier);
}

/* The tier that owns the point @v by a closed end, or -1; *stated false when some end at v is unstated. */
static long owner_of(const report_distribution *d, kpi_dec v, bool *stated)
{
    long owner = -1;
    *stated = true;
    for (size_t i = 0; i < d->ntiers; i++) {
        const report_tier *t = &d->tiers[i];
        if (t->from_end != KPI_END_UNBOUNDED && t->from == v) {
            if (t->from_end == KPI_END_CLOSED)
                owner = (long)i;
            else if (t->from_end == KPI_END_UNSTATED)
                *stated = false;
        }
        if (t->to_end != KPI_END_UNBOUNDED && t->to == v) {
            if (t->to_end == KPI_END_CLOSED)
                owner = (long)i;
            else if (t->to_end == KPI_END_UNSTATED)
                *stated = false;
        }
    }
    return owner;
}

static int cmp_dec(const void *a, const void *b)
{
    kpi_dec x = *(const kpi_dec *)a, y = *(const kpi_dec *)b;
    return (x > y) - (x < y);
}

static void write_tier_regions(FILE *o, const report_distribution *d, const report_bins *b)
{
    for (size_t i = 0; i < d->ntiers; i++) {
        const report_tier *t = &d->tiers[i];
        kpi_dec from = t->from_end == KPI_END_UNBOUNDED ? b->lo : t->from;
        kpi_dec to = t->to_end == KPI_END_UNBOUNDED ? b->hi : t->to;
        double x0 = x_of(b, from), x1 = x_of(b, to);
        fputs("<rect class=\"tier-region\" x=\"", o);
        put_coord(o, x0);
        fprintf(o, "\" y=\"%d\" width=\"", CH_TOP - 46);
        put_coord(o, x1 - x0);
        fprintf(o, "\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.10\"/>\n", CH_PLOT_H + 46,
                tier_colour(i));
        fputs("<text class=\"tier-name\" text-anchor=\"middle\" x=\"", o);
        put_coord(o, (x0 + x1) / 2);
        fprintf(o, "\" y=\"%d\" style=\"fill:%s\">", CH_TIERS_Y, tier_colour(i));
        report_escape(o, t->label);
        fputs("</text>\n", o);
    }
}

static bool write_bounds(FILE *o, const report_distribution *d, const report_bins *b)
{
    kpi_dec *ends = malloc((2 * d->ntiers + 1) * sizeof *ends);
    if (!ends)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < d->ntiers; i++) {
        if (d->tiers[i].from_end != KPI_END_UNBOUNDED)
            ends[n++] = d->tiers[i].from;
        if (d->tiers[i].to_end != KPI_END_UNBOUNDED)
            ends[n++] = d->tiers[i].to;
    }
    qsort(ends, n, sizeof *ends, cmp_dec);
    double last_x = -1e9;
    int row = 0;
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && ends[k] == ends[k - 1])
            continue;
        kpi_dec v = ends[k];
        double x = x_of(b, v);
        row = (x - last_x < 90) ? !row : 0; /* stagger labels that would collide */
        last_x = x;
        bool stated;
        long owner = owner_of(d, v, &stated);
        /* Two segments: through the bars, and through the dots, leaving the
           axis labels clear. The label sits beside the line, inside the chart. */
        for (int seg = 0; seg < 2; seg++) {
            fputs(seg ? "<line class=\"bound\" data-value=\"" : "<g class=\"boundary\"><line class=\"bound\" data-value=\"", o);
            put_dec(o, v);
            fputs("\" x1=\"", o);
            put_coord(o, x);
            fputs("\" x2=\"", o);
            put_coord(o, x);
            fprintf(o, "\" y1=\"%d\" y2=\"%d\"/>", seg ? CH_BASE + 46 : CH_TOP - 46,
                    seg ? CH_STRIP + CH_DOT_ROWS * CH_DOT_STEP : CH_BASE);
        }
        bool at_right = x + 90 > CH_W;
        fprintf(o, "<text class=\"small\" text-anchor=\"%s\" x=\"", at_right ? "end" : "start");
        put_coord(o, at_right ? x - 4 : x + 4);
        fprintf(o, "\" y=\"%d\">", CH_BOUND_Y + 15 * row);
        put_dec(o, v);
        if (owner >= 0) {
            fputs(" 归", o);
            report_escape(o, d->tiers[owner].label);
        } else
            fputs(stated ? " 不属任何档" : " 归属未定", o);
        fputs("</text></g>\n", o);
    }
    free(ends);
    return true;
}

/* The y grid step: 1, 2 or 5 x 10^k, at most five steps up to @ymax. */
static size_t nice_step(size_t ymax)
{
    static const size_t m[3] = {1, 2, 5};
    for (size_t p = 1;; p *= 10)
        for (int i = 0; i < 3; i++)
            if (ymax <= 5 * m[i] * p)
                return m[i] * p;
}

static bool write_histogram(FILE *o, const report_distribution *d)
{
    report_bins b;
    if (!report_bins_choose(d, CH_MAX_BINS, &b)) {
        fputs("<p>没有可绘制的得分。</p>\n", o);
        return true;
    }
    size_t ncls = d->ntiers + 1; /* per bin: one count per tier, then "no tier" */
    size_t *counts = calloc(b.nbins * ncls, sizeof *counts);
    scored *sorted = malloc((d->nscores + 1) * sizeof *sorted);
    if (!counts || !sorted) {
        free(counts);
        free(sorted);
        return false;
    }
    size_t ymax = 1;
    for (size_t i = 0; i < d->nscores; i++) {
        int32_t t = d->tier_of ? d->tier_of[i] : KPI_TIER_NONE;
        size_t cls = t == KPI_TIER_NONE ? d->ntiers : (size_t)t;
        counts[report_bin_index(&b, d->scores[i]) * ncls + cls]++;
        sorted[i] = (scored){d->scores[i], t};
    }
    for (size_t k = 0; k < b.nbins; k++) {
        size_t sum = 0;
        for (size_t c = 0; c < ncls; c++)
            sum += counts[k * ncls + c];
        if (sum > ymax)
            ymax = sum;
    }
    size_t step = nice_step(ymax);
    ymax = (ymax + step - 1) / step * step;

    const char *axis = d->axis_label && *d->axis_label ? d->axis_label : "得分";
    fprintf(o, "<svg class=\"chart histogram\" viewBox=\"0 0 %d %d\" role=\"img\" "
               "aria-label=\"", CH_W, CH_H);
    report_escape(o, axis);
    fputs("分布直方图\">\n", o);
    bool on_axis = ends_on_axis(d);
    if (on_axis)
        write_tier_regions(o, d, &b);

    for (size_t y = 0; y <= ymax; y += step) { /* y grid and labels */
        double yy = y_of(y, ymax);
        fprintf(o, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"", CH_L, CH_W - CH_R);
        put_coord(o, yy);
        fputs("\" y2=\"", o);
        put_coord(o, yy);
        fprintf(o, "\"/><text class=\"small\" text-anchor=\"end\" x=\"%d\" y=\"", CH_L - 6);
        put_coord(o, yy + 4);
        fprintf(o, "\">%zu</text>\n", y);
    }
    fprintf(o, "<text class=\"small\" transform=\"translate(16 %d) rotate(-90)\" "
               "text-anchor=\"middle\">人数</text>\n", CH_TOP + CH_PLOT_H / 2);

    for (size_t k = 0; k < b.nbins; k++) { /* bars, stacked by tier */
        kpi_dec e0 = b.lo + (kpi_dec)k * b.width, e1 = e0 + b.width;
        double x0 = x_of(&b, e0) + 1, x1 = x_of(&b, e1) - 1;
        size_t below = 0;
        for (size_t c = 0; c < ncls; c++) {
            size_t n = counts[k * ncls + c];
            if (n == 0)
                continue;
            const char *fill = !d->tier_of ? palette[0]
                               : c == d->ntiers ? untiered_colour : tier_colour(c);
            double ytop = y_of(below + n, ymax), ybot = y_of(below, ymax);
            fputs("<rect class=\"bar\" x=\"", o);
            put_coord(o, x0);
            fputs("\" y=\"", o);
            put_coord(o, ytop);
            fputs("\" width=\"", o);
            put_coord(o, x1 - x0);
            fputs("\" height=\"", o);
            put_coord(o, ybot - ytop);
            fprintf(o, "\" fill=\"%s\"><title>", fill);
            fputs("[", o);
            put_dec(o, e0);
            fputs(", ", o);
            put_dec(o, e1);
            fputs(k + 1 == b.nbins ? "]" : ")", o);
            fprintf(o, " %zu 人</title></rect>\n", n);
            below += n;
        }
        if (below > 0) {
            fputs("<text class=\"small\" text-anchor=\"middle\" x=\"", o);
            put_coord(o, (x0 + x1) / 2);
            fputs("\" y=\"", o);
            put_coord(o, y_of(below, ymax) - 4);
            fprintf(o, "\">%zu</text>\n", below);
        }
    }

    fprintf(o, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>\n", CH_L,
            CH_W - CH_R, CH_BASE, CH_BASE);
    size_t every = (b.nbins + 9) / 10; /* at most about ten edge labels */
    for (size_t k = 0; k <= b.nbins; k += every) {
        kpi_dec e = b.lo + (kpi_dec)k * b.width;
        double x = x_of(&b, e);
        fputs("<line class=\"axis\" x1=\"", o);
        put_coord(o, x);
        fputs("\" x2=\"", o);
        put_coord(o, x);
        fprintf(o, "\" y1=\"%d\" y2=\"%d\"/><text class=\"small\" text-anchor=\"middle\" x=\"",
                CH_BASE, CH_BASE + 5);
        put_coord(o, x);
        fprintf(o, "\" y=\"%d\">", CH_BASE + 19);
        put_dec(o, e);
        fputs("</text>\n", o);
    }
    fprintf(o, "<text text-anchor=\"middle\" x=\"%d\" y=\"%d\">", (CH_L + CH_W - CH_R) / 2,
            CH_BASE + 40);
    report_escape(o, axis);
    fputs("</text>\n", o);

    /* One dot per agent at its exact score; equal or close scores stack up. */
    fprintf(o, "<text class=\"small\" text-anchor=\"end\" x=\"%d\" y=\"%d\">个人</text>\n",
            CH_L - 6, CH_STRIP + 4);
    qsort(sorted, d->nscores, sizeof *sorted, cmp_scored);
    double cluster_x = -1e9;
    int row = 0;
    for (size_t i = 0; i < d->nscores; i++) {
        double x = x_of(&b, sorted[i].v);
        if (x - cluster_x < 5)
            row = row + 1 < CH_DOT_ROWS ? row + 1 : row;
        else {
            row = 0;
            cluster_x = x;
        }
        const char *fill = !d->tier_of ? palette[0]
                           : sorted[i].tier == KPI_TIER_NONE ? untiered_colour
                                                             : tier_colour((size_t)sorted[i].tier);
        fputs("<circle class=\"dot\" data-value=\"", o);
        put_dec(o, sorted[i].v);
        fputs("\" cx=\"", o);
        put_coord(o, x);
        fprintf(o, "\" cy=\"%d\" r=\"3\" fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.6\"/>\n",
                CH_STRIP + row * CH_DOT_STEP, fill);
    }
    if (on_axis && !write_bounds(o, d, &b)) {
        free(counts);
        free(sorted);
        return false;
    }
    fputs("</svg>\n", o);
    free(counts);
    free(sorted);
    return true;
}

/* ---- tier shares ---------------------------------------------------------- */

static void put_end_text(FILE *o, const report_tier *t)
{
    static const char *const open_l[] = {"", "[", "(", "(−∞"};
    static const char *const open_r[] = {"", "]", ")", "+∞)"};
    bool unstated = t->from_end == KPI_END_UNSTATED || t->to_end == KPI_END_UNSTATED;
    fputs(open_l[t->from_end], o);
    if (t->from_end != KPI_END_UNBOUNDED)
        put_dec(o, t->from);
    fputs(unstated ? " – " : ", ", o);
    if (t->to_end != KPI_END_UNBOUNDED)
        put_dec(o, t->to);
    fputs(open_r[t->to_end], o);
    if (unstated)
        fputs("（端点归属未声明）", o);
}

static void write_shares(FILE *o, const report_distribution *d)
{
    size_t total = d->untiered;
    for (size_t i = 0; i < d->ntiers; i++)
        total += d->tiers[i].count;
    const double bar_w = CH_W - CH_L - CH_R;
    fprintf(o, "<svg class=\"chart shares\" viewBox=\"0 0 %d 64\" role=\"img\" "
               "aria-label=\"各档人数占比\">\n", CH_W);
    fprintf(o, "<text class=\"small\" text-anchor=\"end\" x=\"%d\" y=\"30\">占比</text>\n",
            CH_L - 6);
    double x = CH_L;
    for (size_t i = 0; i <= d->ntiers; i++) {
        size_t n = i < d->ntiers ? d->tiers[i].count : d->untiered;
        if (n == 0 || total == 0)
            continue;
        double w = bar_w * (double)n / (double)total;
        const char *label = i < d->ntiers ? d->tiers[i].label : "无档";
        fputs("<rect x=\"", o);
        put_coord(o, x);
        fputs("\" y=\"8\" width=\"", o);
        put_coord(o, w);
        fprintf(o, "\" height=\"36\" fill=\"%s\" stroke=\"#fff\" stroke-width=\"1\"><title>",
                i < d->ntiers ? tier_colour(i) : untiered_colour);
        report_escape(o, label);
        fprintf(o, " %zu 人 ", n);
        put_percent(o, n, total);
        fputs("</title></rect>\n", o);
        /* The label goes inside when it fits (about 14 units a character). */
        size_t chars = strlen(label ? label : "") / 3 + 12;
        if (w >= (double)chars * 7.5) {
            fputs("<text class=\"small\" text-anchor=\"middle\" style=\"fill:#fff;font-weight:700\" x=\"", o);
            put_coord(o, x + w / 2);
            fputs("\" y=\"30\">", o);
            report_escape(o, label);
            fprintf(o, " %zu 人 · ", n);
            put_percent(o, n, total);
            fputs("</text>\n", o);
        }
        x += w;
    }
    if (total == 0)
        fprintf(o, "<text x=\"%d\" y=\"30\">没有人员</text>\n", CH_L);
    fputs("</svg>\n", o);

    fputs("<div class=\"scroll\"><table class=\"tiers\">\n<thead><tr><th>档位</th>", o);
    if (ends_on_axis(d))
        fputs("<th>得分区间</th>", o);
    fputs("<th class=\"num\">人数</th><th class=\"num\">占比</th></tr></thead>\n<tbody>\n", o);
    for (size_t i = 0; i <= d->ntiers; i++) {
        if (i == d->ntiers && d->untiered == 0)
            break;
        size_t n = i < d->ntiers ? d->tiers[i].count : d->untiered;
        fprintf(o, "<tr><td><span class=\"swatch\" style=\"background:%s\"></span>",
                i < d->ntiers ? tier_colour(i) : untiered_colour);
        if (i < d->ntiers)
            report_escape(o, d->tiers[i].label);
        else
            fputs("无档（落在空档或未归属的端点）", o);
        fputs("</td>", o);
        if (ends_on_axis(d)) {
            fputs("<td class=\"num\">", o);
            if (i < d->ntiers)
                put_end_text(o, &d->tiers[i]);
            fputs("</td>", o);
        }
        fprintf(o, "<td class=\"num\">%zu</td><td class=\"num\">", n);
        put_percent(o, n, total);
        fputs("</td></tr>\n", o);
    }
    fprintf(o, "</tbody>\n<tfoot><tr><th%s>合计</th><td class=\"num\">%zu</td>"
               "<td class=\"num\">", ends_on_axis(d) ? " colspan=\"2\"" : "", total);
    put_percent(o, total, total);
    fputs("</td></tr></tfoot></table></div>\n", o);
}

static bool write_distribution(FILE *o, const report_distribution *d)
{
    fputs("<section id=\"distribution\"><h2>得分分布与档位</h2>\n<figure>\n", o);
    if (!write_histogram(o, d))
        return false;
    fputs("<figcaption>柱高为每个分数段的人数（按档位着色），下方每个圆点是一名员工的准确得分。", o);
    if (ends_on_axis(d))
        fputs("虚线是档位分界，标注分界值及其归属的档位；恰好落在分界上的得分画在线上。", o);
    else
        fputs("档位按百分位排名或名次划分，分界不在得分轴上。", o);
    fputs("</figcaption>\n</figure>\n", o);
    if (d->ntiers > 0 || d->untiered > 0) {
        fputs("<figure>\n<h3>各档人数与占比</h3>\n", o);
        write_shares(o, d);
        fputs("</figure>\n", o);
    }
    fputs("</section>\n", o);
    return true;
}

/* ---- the document --------------------------------------------------------- */

int report_write_html(FILE *o, const report_input *in)
{
    char msg[160];
    if (!o || !report_check(in, msg, sizeof msg))
        return REPORT_EINVAL;
    bool has_dist = in->dist.nscores > 0 || in->dist.ntiers > 0;

    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"kpiscore\">\n<title>",
          o);
    report_escape(o, in->title);
    if (in->period && *in->period) {
        fputs(" · ", o);
        report_escape(o, in->period);
    }
    fprintf(o, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", style);
    report_escape(o, in->title);
    fputs("</h1>\n", o);
    if (in->period && *in->period) {
        fputs("<p class=\"period\">考核期间：", o);
        report_escape(o, in->period);
        fputs("</p>\n", o);
    }
    fputs("<nav>", o);
    if (in->nnotes > 0)
        fputs("<a href=\"#notes\">提示</a>", o);
    if (in->ranking.ncols > 0)
        fputs("<a href=\"#ranking\">排名</a>", o);
    if (has_dist)
        fputs("<a href=\"#distribution\">得分分布</a>", o);
    if (in->teams.ncols > 0)
        fputs("<a href=\"#teams\">班组汇总</a>", o);
    if (in->nagents > 0)
        fputs("<a href=\"#agents\">个人明细</a>", o);
    fputs("</nav>\n</header>\n", o);

    if (in->nnotes > 0)
        write_notes(o, in);
    if (in->ranking.ncols > 0) {
        fputs("<section id=\"ranking\"><h2>排名</h2>\n", o);
        write_table(o, &in->ranking, "ranking");
        fputs("</section>\n", o);
    }
    if (has_dist && !write_distribution(o, &in->dist))
        return REPORT_ENOMEM;
    if (in->teams.ncols > 0) {
        fputs("<section id=\"teams\"><h2>班组汇总</h2>\n", o);
        write_table(o, &in->teams, "teams");
        fputs("</section>\n", o);
    }
    if (in->nagents > 0)
        write_agents(o, in);
    if (in->generated && *in->generated) {
        fputs("<footer>", o);
        report_escape(o, in->generated);
        fputs("</footer>\n", o);
    }
    fputs("</body>\n</html>\n", o);
    return ferror(o) ? REPORT_EIO : REPORT_OK;
}
