/*
 * report_fixture.c - writes the HTML report for a small fixed month: eight
 * agents in two teams, Chinese names, plan A's three tiers with 90 owned by
 * 高级, one score exactly on 90 (30 % x 76 + 70 % x 96) and one below 70
 * (no tier). Used by test_report_render.sh and by docs/cli-report.md.
 *
 *   report_fixture OUT.html [--open]
 *
 * It fills report_input the way `kpiscore run --report` is meant to, and
 * writes through atomic_open()/atomic_commit() so a failure leaves no file.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"

enum { NAGENTS = 8, NTIERS = 3, NPAY = 5, NRANK_COLS = 10, NTEAM_COLS = 7 };

typedef struct agent_data {
    const char *id, *name, *team;
    const char *score; /* exact decimal text; "" = computed (the boundary case) */
    const char *sales; /* monthly sales, yuan */
    int complaints;
} agent_data;

static const agent_data data[NAGENTS] = {
    {"A001", "胡海涛", "一组", "96.5", "26000.00", 0},
    {"B002", "李静", "二组", "93", "22000.00", 0},
    {"A003", "王芳", "一组", "", "18000.00", 0},
    {"B001", "张伟", "二组", "88.25", "19500.00", 1},
    {"A002", "刘洋", "一组", "84", "15000.00", 0},
    {"B003", "陈晨", "二组", "79.5", "12000.00", 1},
    {"A004", "杨帆", "一组", "76", "16000.00", 0},
    {"B004", "赵磊", "二组", "65", "9000.00", 2},
};
static const char *const team_names[2] = {"一组", "二组"};

/* 第9条 as written; the fixture only needs plausible figures, not the pay module. */
static kpi_money commission(kpi_money sales)
{
    kpi_money out = 0;
    if (sales < 1500000)
        kpi_money_mul_rate(sales, 15000000, KPI_ROUND_HALF_UP, &out);
    else if (sales <= 2000000)
        kpi_money_mul_rate(sales - 1500000, 20000000, KPI_ROUND_HALF_UP, &out), out += 15000;
    else if (sales <= 2500000)
        kpi_money_mul_rate(sales - 2000000, 40000000, KPI_ROUND_HALF_UP, &out), out += 25000;
    else
        kpi_money_mul_rate(sales, 20000000, KPI_ROUND_HALF_UP, &out);
    return out;
}

static const char *const fine_text[3] = {"0.00", "-50.00", "-150.00"};
static const kpi_money fines[3] = {0, -5000, -15000};

static char *money_text(kpi_money m)
{
    char buf[48];
    kpi_money_format(m, 0, buf, sizeof buf);
    return strdup(buf);
}

static char *dec_text(kpi_dec v, int places)
{
    char buf[48];
    kpi_dec_format(v, places, KPI_ROUND_HALF_UP, buf, sizeof buf);
    return strdup(buf);
}

static char *printed(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, a, b);
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--open") != 0)) {
        fprintf(stderr, "usage: report_fixture OUT.html [--open]\n");
        return EXIT_USAGE;
    }
    /* Every string the input points at lives in this pool, freed at the end. */
    char *pool[512];
    size_t npool = 0;
#define KEEP(expr) (pool[npool++] = (expr))

    static const report_tier tiers_init[NTIERS] = {
        {"初级", KPI_DEC_INT(70), KPI_END_CLOSED, KPI_DEC_INT(80), KPI_END_OPEN, 0},
        {"中级", KPI_DEC_INT(80), KPI_END_CLOSED, KPI_DEC_INT(90), KPI_END_OPEN, 0},
        {"高级", KPI_DEC_INT(90), KPI_END_CLOSED, KPI_DEC_INT(100), KPI_END_CLOSED, 0},
    };
    report_tier tiers[NTIERS];
    memcpy(tiers, tiers_init, sizeof tiers);

    kpi_dec scores[NAGENTS];
    int32_t tier_of[NAGENTS];
    size_t untiered = 0;
    kpi_money pool_share = 0, total_pay[NAGENTS];
    kpi_money public_sales = 0;
    for (size_t i = 0; i < NAGENTS; i++) {
        kpi_money s;
        kpi_money_parse(data[i].sales, KPI_NTS, &s);
        public_sales += s;
    }
    /* 第10条: public sales x 0.5 % / staff, rounded down (display only; the pay
       module splits the pool so the shares add up to the cent). */
    kpi_money_mul_rate(public_sales, 5000000, KPI_ROUND_DOWN, &pool_share);
    pool_share /= NAGENTS;

    static const char *const rank_labels[NRANK_COLS] = {
        "名次", "工号", "姓名", "班组", "得分", "档位", "个人提成", "团队提成", "罚款", "应发合计"};
    static const bool rank_numeric[NRANK_COLS] = {true, false, false, false, true,
                                                 false, true, true, true, true};
    const char *rank_cells[NAGENTS * NRANK_COLS];
    report_agent agents[NAGENTS];
    report_pay_line pay[NAGENTS][NPAY];
    const char *explain[NAGENTS][6];
    size_t team_count[2] = {0, 0};
    kpi_dec team_score[2] = {0, 0};
    kpi_money team_pay[2] = {0, 0};

    for (size_t i = 0; i < NAGENTS; i++) { /* data[] is already in rank order */
        const agent_data *a = &data[i];
        if (*a->score)
            kpi_dec_parse(a->score, KPI_NTS, &scores[i]);
        else { /* 30 % x 76 + 70 % x 96 = 90 exactly, on the 中级/高级 line */
            kpi_dec x, y;
            kpi_dec_mul(KPI_DEC_ONE * 3 / 10, KPI_DEC_INT(76), KPI_ROUND_HALF_UP, &x);
            kpi_dec_mul(KPI_DEC_ONE * 7 / 10, KPI_DEC_INT(96), KPI_ROUND_HALF_UP, &y);
            kpi_dec_add(x, y, &scores[i]);
        }
        size_t tier_index = 0;
        tier_of[i] = KPI_TIER_NONE;
        for (size_t t = 0; t < NTIERS; t++) {
            bool above = scores[i] >= tiers[t].from;
            bool below = tiers[t].to_end == KPI_END_CLOSED ? scores[i] <= tiers[t].to
                                                           : scores[i] < tiers[t].to;
            if (above && below)
                tier_of[i] = (int32_t)(tier_index = t);
        }
        if (tier_of[i] == KPI_TIER_NONE)
            untiered++;
        else
            tiers[tier_index].count++;
        const char *tier_label = tier_of[i] == KPI_TIER_NONE ? "—" : tiers[tier_index].label;

        kpi_money sales, base = 300000;
        kpi_money_parse(a->sales, KPI_NTS, &sales);
        kpi_money comm = commission(sales);
        int c = a->complaints;
        total_pay[i] = base + comm + pool_share + fines[c];

        char rank[8];
        snprintf(rank, sizeof rank, "%zu", i + 1);
        const char **row = &rank_cells[i * NRANK_COLS];
        row[0] = KEEP(strdup(rank));
        row[1] = a->id;
        row[2] = a->name;
        row[3] = a->team;
        row[4] = KEEP(dec_text(scores[i], 2));
        row[5] = tier_label;
        row[6] = KEEP(money_text(comm));
        row[7] = KEEP(money_text(pool_share));
        row[8] = fine_text[c];
        row[9] = KEEP(money_text(total_pay[i]));

        size_t team = strcmp(a->team, team_names[0]) == 0 ? 0 : 1;
        team_count[team]++;
        team_score[team] += scores[i];
        team_pay[team] += total_pay[i];

        explain[i][0] = KEEP(printed("首次响应时长  30 分中得 %s 分  平均 %s 秒，达标线 45 秒", "27", "38"));
        explain[i][1] = KEEP(printed("客户满意度    40 分中得 %s 分  好评率 %s", "36", "92.5%"));
        explain[i][2] = KEEP(printed("质检评分      30 分中得 %s 分  主管评分 %s", "24", "B+"));
        explain[i][3] = KEEP(printed("投诉扣分      %s 分          本月投诉 %s 次", c ? "-5" : "0",
                                     c == 0 ? "0" : c == 1 ? "1" : "2"));
        explain[i][4] = KEEP(printed("合计          %s 分  → %s", row[4], tier_label));
        explain[i][5] = tier_of[i] == KPI_TIER_NONE
                            ? "低于 70 分：预警并约谈（方案甲）"
                            : (scores[i] == tiers[2].from ? "恰好 90 分：按方案，90 归高级"
                                                          : "档位按方案甲的三档划分");

        pay[i][0] = (report_pay_line){"岗位工资", "第11条", NULL, NULL, "3000.00"};
        pay[i][1] = (report_pay_line){"个人提成", "第9条", a->sales,
                                      sales < 1500000    ? "1.5%"
                                      : sales <= 2000000 ? "(x−15000)×2%+150"
                                      : sales <= 2500000 ? "(x−20000)×4%+250"
                                                         : "2%",
                                      row[6]};
        pay[i][2] = (report_pay_line){"团队提成", "第10条", KEEP(money_text(public_sales)),
                                      "0.5% ÷ 8 人", row[7]};
        pay[i][3] = (report_pay_line){"投诉罚款", "罚则", NULL,
                                      c == 0 ? "—" : c == 1 ? "首次 50" : "50 + 100", fine_text[c]};
        pay[i][4] = (report_pay_line){"工龄工资", "第11条", NULL, NULL, "0.00"};

        char heading[96], summary[96];
        snprintf(heading, sizeof heading, "%s %s · %s", a->id, a->name, a->team);
        snprintf(summary, sizeof summary, "%s 分 · %s · 第 %zu 名", row[4], tier_label, i + 1);
        agents[i] = (report_agent){a->id, KEEP(strdup(heading)), KEEP(strdup(summary)),
                                   explain[i], 6, pay[i], NPAY, row[9]};
    }

    static const char *const team_labels[NTEAM_COLS] = {"班组", "人数", "平均分", "高级", "中级",
                                                       "初级", "应发合计"};
    static const bool team_numeric[NTEAM_COLS] = {false, true, true, true, true, true, true};
    const char *team_cells[2 * NTEAM_COLS];
    for (size_t t = 0; t < 2; t++) {
        size_t per_tier[NTIERS] = {0, 0, 0};
        for (size_t i = 0; i < NAGENTS; i++)
            if (strcmp(data[i].team, team_names[t]) == 0 && tier_of[i] != KPI_TIER_NONE)
                per_tier[tier_of[i]]++;
        char num[4][16];
        snprintf(num[0], sizeof num[0], "%zu", team_count[t]);
        for (int k = 0; k < 3; k++)
            snprintf(num[k + 1], sizeof num[k + 1], "%zu", per_tier[2 - k]);
        kpi_dec mean;
        kpi_dec_div(team_score[t], KPI_DEC_INT((int64_t)team_count[t]), KPI_ROUND_HALF_UP, &mean);
        const char **row = &team_cells[t * NTEAM_COLS];
        row[0] = team_names[t];
        row[1] = KEEP(strdup(num[0]));
        row[2] = KEEP(dec_text(mean, 2));
        row[3] = KEEP(strdup(num[1]));
        row[4] = KEEP(strdup(num[2]));
        row[5] = KEEP(strdup(num[3]));
        row[6] = KEEP(money_text(team_pay[t]));
    }

    static const report_note notes[3] = {
        {"warning", "plan.json:41:9: pay.brackets",
         "第9条提成表：15000 以下按 1.5%，15000 起按“+150”计，跳变；20000 与 20001 之间无对应行；"
         "25000 以上按 2% 计，跳变。本方案按“区间左闭右开、超额累进”解读。"},
        {"note", "plan.json:12:5: tiers.bands[1].max",
         "方案写作 80–90 与 90–100，本方案声明 90 归高级。"},
        {"error", NULL, "导入时忽略了 1 行：<script>alert(\"x\")</script> & 'q' 不是有效的工号"},
    };
    for (size_t i = 0; i < npool; i++)
        if (!pool[i]) {
            fprintf(stderr, "report_fixture: out of memory\n");
            return EXIT_INPUT;
        }

    report_input in = {
        .title = "客服月度考核 · 2026-09",
        .period = "2026-09-01 至 2026-09-30",
        .generated = "kpiscore 报告样例（tests/cli/report_fixture.c）",
        .notes = notes,
        .nnotes = 3,
        .ranking = {NRANK_COLS, rank_labels, rank_numeric, NAGENTS, rank_cells},
        .dist = {"得分", scores, NAGENTS, tier_of, KPI_TIER_BY_SCORE, tiers, NTIERS, untiered},
        .teams = {NTEAM_COLS, team_labels, team_numeric, 2, team_cells},
        .agents = agents,
        .nagents = NAGENTS,
        .agents_open = argc == 3,
    };

    int rc = EXIT_OK;
    atomic_file af;
    if (!atomic_open(&af, argv[1]))
        rc = EXIT_INPUT;
    else {
        int st = report_write_html(af.f, &in);
        if (st != REPORT_OK) {
            char msg[160];
            report_check(&in, msg, sizeof msg);
            fprintf(stderr, "report_fixture: %s%s%s\n", report_strerror(st), *msg ? ": " : "", msg);
            atomic_abort(&af);
            rc = EXIT_INPUT;
        } else if (!atomic_commit(&af))
            rc = EXIT_INPUT;
    }
    for (size_t i = 0; i < npool; i++)
        free(pool[i]);
    return rc;
}
