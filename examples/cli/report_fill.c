/* report_fill.c - turns an evaluated run into the HTML report's input. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "report.h"

/* A pool of strings freed together. */
struct strings {
    char **items;
    size_t n, cap;
};

static const char *keep(struct strings *s, char *str)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->items = realloc(s->items, s->cap * sizeof *s->items);
    }
    s->items[s->n++] = str;
    return str;
}

static const char *fmt_money(struct strings *s, kpi_money v)
{
    char buf[64];
    kpi_money_format(v, 0, buf, sizeof buf);
    return keep(s, strdup(buf));
}

static const char *fmt_dec(struct strings *s, kpi_dec v, int places)
{
    char buf[64];
    kpi_dec_format(v, places, KPI_ROUND_HALF_UP, buf, sizeof buf);
    return keep(s, strdup(buf));
}

static const char *rule_name(kpi_pay_rule rule)
{
    static const char *const names[] = {"固定金额", "超额累进", "阶梯提成", "分段公式", "阶梯奖金",
                                        "公共提成池", "公共提成分配", "绩效奖金", "罚款"};
    return rule >= 0 && rule <= KPI_RULE_FINE ? names[rule] : "";
}

/* The explanation split into lines (the text is kept in @s). */
static size_t split_lines(struct strings *s, char *text, const char ***out)
{
    size_t n = 0;
    for (char *p = text; *p; p++)
        n += *p == '\n';
    const char **lines = calloc(n + 2, sizeof *lines);
    keep(s, (char *)lines);
    keep(s, text);
    size_t k = 0;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lines[k++] = line;
        if (!nl)
            break;
        line = nl + 1;
    }
    *out = lines;
    return k;
}

int write_report(const loaded *l, const char *path)
{
    struct strings s = {0};
    size_t n = kpi_run_count(l->run), ntiers = kpi_run_tier_count(l->run);
    report_input in;
    memset(&in, 0, sizeof in);
    char title[512];
    snprintf(title, sizeof title, "%s · %s", kpi_plan_name(l->plan), l->period);
    in.title = title;
    in.period = l->period;
    char generated[256];
    snprintf(generated, sizeof generated, "kpiscore %s", kpi_version());
    in.generated = generated;

    /* lint findings are shown at the top, so a reader sees what the plan leaves open */
    kpi_lint *lint = NULL;
    report_note *notes = NULL;
    if (kpi_lint_new(&lint) == KPI_OK && kpi_plan_lint(l->plan, lint) == KPI_OK) {
        in.nnotes = kpi_lint_count(lint);
        notes = calloc(in.nnotes + 1, sizeof *notes);
        for (size_t i = 0; i < in.nnotes; i++) {
            char where[512];
            snprintf(where, sizeof where, "%ld:%ld: %s", kpi_lint_line(lint, i), kpi_lint_column(lint, i),
                     kpi_lint_path(lint, i));
            notes[i] = (report_note){kpi_severity_name(kpi_lint_severity(lint, i)), keep(&s, strdup(where)),
                                     kpi_lint_message(lint, i)};
        }
        in.notes = notes;
    }

    /* the ranked table: rank, id, name, team, score, outcome, tiers, pay */
    size_t ncols = 6 + ntiers + 1;
    const char **labels = calloc(ncols, sizeof *labels);
    bool *numeric = calloc(ncols, sizeof *numeric);
    const char **cells = calloc(n * ncols + 1, sizeof *cells);
    labels[0] = "排名", labels[1] = "工号", labels[2] = "姓名", labels[3] = "组", labels[4] = "得分",
    labels[5] = "结果";
    numeric[0] = numeric[4] = numeric[ncols - 1] = true;
    for (size_t t = 0; t < ntiers; t++)
        labels[6 + t] = kpi_run_tier_name(l->run, t);
    labels[ncols - 1] = "应发合计";
    report_agent *agents = calloc(n + 1, sizeof *agents);
    kpi_dec *scores = calloc(n + 1, sizeof *scores);
    int32_t *tier_of = calloc(n + 1, sizeof *tier_of);
    size_t nscores = 0;
    for (size_t i = 0; i < n; i++) {
        kpi_run_row row = KPI_RUN_ROW_INIT;
        kpi_run_row_get(l->run, i, &row);
        const char **c = &cells[i * ncols];
        c[0] = row.rank ? fmt_dec(&s, row.rank, -1) : NULL;
        c[1] = row.id, c[2] = row.name, c[3] = row.team;
        c[4] = fmt_dec(&s, row.score, 2);
        c[5] = row.outcome == KPI_OUTCOME_PASS ? "合格" : row.outcome == KPI_OUTCOME_FAIL ? "不合格" : "不参评";
        const char *first_tier = NULL;
        for (size_t t = 0; t < ntiers; t++) {
            kpi_tier_row tr = KPI_TIER_ROW_INIT;
            bool has = kpi_run_tier(l->run, t, row.agent, &tr) == KPI_OK && tr.tier != KPI_TIER_NONE;
            c[6 + t] = has ? keep(&s, strdup(tr.label)) : NULL;
            if (t == 0) {
                first_tier = c[6];
                tier_of[nscores] = has ? tr.tier : KPI_TIER_NONE;
                /* the chart shows the value the first classification read (a
                 * multi-period rule reads the minimum of two months, not this score) */
                if (tr.reason != KPI_REASON_NOT_ELIGIBLE)
                    scores[nscores++] = tr.value;
            }
        }
        c[ncols - 1] = fmt_money(&s, row.pay);
        if (ntiers == 0 && row.outcome != KPI_OUTCOME_NOT_ASSESSED)
            scores[nscores++] = row.score;

        report_agent *ag = &agents[i];
        char heading[512], summary[512];
        snprintf(heading, sizeof heading, "%s %s%s%s", row.id, row.name, row.team[0] ? " · " : "", row.team);
        snprintf(summary, sizeof summary, "%s 分 · %s%s%s", c[4], first_tier ? first_tier : c[5],
                 row.rank ? " · 第 " : "", row.rank ? c[0] : "");
        if (row.rank)
            strncat(summary, " 名", sizeof summary - strlen(summary) - 1);
        ag->id = row.id;
        ag->heading = keep(&s, strdup(heading));
        ag->summary = keep(&s, strdup(summary));
        const kpi_scorecard *card = kpi_run_scorecard(l->run, row.agent);
        size_t len = kpi_scorecard_explain(card, NULL, 0);
        char *text = malloc(len + 1);
        kpi_scorecard_explain(card, text, len + 1);
        const char **explain_lines;
        ag->nexplain = split_lines(&s, text, &explain_lines);
        ag->explain = explain_lines;
        const kpi_payslip *slip = kpi_run_payslip(l->run, row.agent);
        if (slip) {
            size_t np = kpi_payslip_count(slip);
            report_pay_line *pl = calloc(np + 1, sizeof *pl);
            keep(&s, (char *)pl);
            for (size_t k = 0; k < np; k++) {
                const char *label;
                kpi_pay_why why = KPI_PAY_WHY_INIT;
                kpi_payslip_line(slip, k, &label, &why);
                char whytext[512];
                kpi_pay_why_format(&why, whytext, sizeof whytext);
                pl[k] = (report_pay_line){label, rule_name(why.rule), keep(&s, strdup(whytext)),
                                          why.rate ? fmt_dec(&s, why.rate, -1) : NULL, fmt_money(&s, why.value)};
            }
            ag->pay = pl;
            ag->npay = np;
            ag->pay_total = c[ncols - 1];
        }
    }
    in.ranking = (report_table){ncols, labels, numeric, n, cells};
    in.agents = agents;
    in.nagents = n;

    /* the score distribution with the first score-based classification's bands */
    report_tier *tiers = NULL;
    in.dist.axis_label = ntiers ? kpi_run_tier_name(l->run, 0) : NULL;
    in.dist.scores = scores;
    in.dist.nscores = nscores;
    in.dist.basis = KPI_TIER_BY_SCORE;
    const kpi_tier_table *bands = ntiers ? kpi_run_tier_table(l->run, 0) : NULL;
    if (bands && kpi_tier_table_basis(bands) == KPI_TIER_BY_SCORE) {
        size_t nb = kpi_tier_table_count(bands);
        tiers = calloc(nb + 1, sizeof *tiers);
        for (size_t b = 0; b < nb; b++) {
            kpi_tier_band band = KPI_TIER_BAND_INIT;
            kpi_tier_table_band(bands, b, &band);
            tiers[b] = (report_tier){band.label, band.from, band.from_end, band.to, band.to_end, 0};
        }
        for (size_t i = 0; i < nscores; i++) {
            if (tier_of[i] >= 0 && (size_t)tier_of[i] < nb)
                tiers[tier_of[i]].count++;
            else
                in.dist.untiered++;
        }
        in.dist.tiers = tiers;
        in.dist.ntiers = nb;
        in.dist.tier_of = tier_of;
    }

    int rc = EXIT_OK;
    atomic_file af;
    if (!atomic_open(&af, path)) {
        rc = EXIT_INPUT;
    } else {
        int st = report_write_html(af.f, &in);
        if (st != REPORT_OK) {
            char why[256];
            report_check(&in, why, sizeof why);
            atomic_abort(&af);
            rc = input_error(path, 0, 0, "report not written: %s (%s)", report_strerror(st), why);
        } else if (!atomic_commit(&af)) {
            rc = EXIT_INPUT;
        }
    }
    for (size_t i = 0; i < s.n; i++)
        free(s.items[i]);
    free(s.items);
    free(notes);
    kpi_lint_free(lint);
    free(labels);
    free(numeric);
    free(cells);
    free(agents);
    free(scores);
    free(tier_of);
    free(tiers);
    return rc;
}
