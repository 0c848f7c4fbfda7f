/*
 * gen_events.c - deterministic sample data for an e-commerce chat team.
 *
 *   gen_events [--seed N] [--agents N] [--teams N] [--months N] [--start YYYY-MM]
 *              [--scale X] [--out DIR]
 *
 * Writes DIR/events.csv (agent,time,event,value), DIR/agents.csv (who is
 * in which team, level and post salary) and DIR/grades.csv (supervisor
 * judgements per month). The same options always give the same bytes.
 * --scale multiplies the event volume: the bundled sample is --scale 1
 * (about 40 000 events); --scale 2500 gives about 10^8.
 *
 * Times are local (UTC+08:00), written "YYYY-MM-DD HH:MM:SS".
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* splitmix64: tiny, fast, and the same on every platform */
static uint64_t rng_state;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double uniform(void) /* [0, 1) */
{
    return (double)(next_u64() >> 11) * 0x1.0p-53;
}

static int64_t between(int64_t lo, int64_t hi) /* [lo, hi] */
{
    return lo + (int64_t)(next_u64() % (uint64_t)(hi - lo + 1));
}

static double normal(void) /* Box-Muller; only ever used through rounding to integers */
{
    double u = uniform(), v = uniform();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                       "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"};
static const char *const given[] = {"晓燕", "志强", "丽娜", "海涛", "雪梅", "建华", "婷婷", "俊杰",
                                    "思远", "佳怡", "文博", "欣然", "子轩", "梦琪", "浩然", "雨涵",
                                    "明辉", "静怡", "宇航", "诗雨", "天宇", "晨曦", "一鸣", "安琪"};
static const char *const team_names[] = {"一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"};

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return d[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

struct agent {
    char id[16];
    int team;
    double skill; /* 0.7 .. 1.3: conversion, speed, sales */
};

static FILE *events;
static unsigned long long rows;

static void emit(const struct agent *a, int y, int m, int day, int sec_of_day, const char *event, int64_t value)
{
    fprintf(events, "%s,%04d-%02d-%02d %02d:%02d:%02d,%s,%" PRId64 "\n", a->id, y, m, day,
            sec_of_day / 3600, sec_of_day / 60 % 60, sec_of_day % 60, event, value);
    rows++;
}

static void usage(void)
{
    fputs("usage: gen_events [--seed N] [--agents N] [--teams N] [--months N] [--start YYYY-MM] "
          "[--scale X] [--out DIR]\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t seed = 20260701;
    int nagents = 24, nteams = 3, nmonths = 3, y0 = 2026, m0 = 7;
    double scale = 1.0;
    const char *out = ".";
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(argv[i - 1], "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(argv[i - 1], "--agents")) nagents = atoi(v);
        else if (!strcmp(argv[i - 1], "--teams")) nteams = atoi(v);
        else if (!strcmp(argv[i - 1], "--months")) nmonths = atoi(v);
        else if (!strcmp(argv[i - 1], "--scale")) scale = atof(v);
        else if (!strcmp(argv[i - 1], "--out")) out = v;
        else if (!strcmp(argv[i - 1], "--start")) {
            if (sscanf(v, "%d-%d", &y0, &m0) != 2 || m0 < 1 || m0 > 12)
                usage();
        } else
            usage();
    }
    if (nagents < 1 || nteams < 1 || nteams > 8 || nmonths < 1 || scale <= 0)
        usage();
    rng_state = seed;
    mkdir(out, 0777);
    char path[4096];

    struct agent *agents = calloc((size_t)nagents, sizeof *agents);
    snprintf(path, sizeof path, "%s/agents.csv", out);
    FILE *fa = fopen(path, "w");
    if (!agents || !fa) {
        fprintf(stderr, "gen_events: %s: %s\n", path, strerror(errno));
        return 1;
    }
    fputs("agent,name,team,centre,level,post_salary\n", fa);
    for (int i = 0; i < nagents; i++) {
        struct agent *a = &agents[i];
        snprintf(a->id, sizeof a->id, "A%03d", i + 1);
        a->team = i % nteams;
        a->skill = 0.7 + 0.6 * uniform();
        int lead = i < nteams;
        int senior = !lead && uniform() < 0.3;
        fprintf(fa, "%s,%s%s,%s,杭州客服中心,%s,%d.00\n", a->id,
                surnames[next_u64() % 20], given[next_u64() % 24], team_names[a->team],
                lead ? "组长" : senior ? "资深" : "普通", lead ? 3000 : senior ? 2500 : 2000);
    }
    fclose(fa);

    snprintf(path, sizeof path, "%s/grades.csv", out);
    FILE *fg = fopen(path, "w");
    snprintf(path, sizeof path, "%s/events.csv", out);
    events = fopen(path, "w");
    if (!fg || !events) {
        fprintf(stderr, "gen_events: %s: %s\n", path, strerror(errno));
        return 1;
    }
    fputs("agent,period,input,value\n", fg);
    fputs("agent,time,event,value\n", events);
    for (int k = 0; k < nmonths; k++) {
        int y = y0 + (m0 - 1 + k) / 12, m = (m0 - 1 + k) % 12 + 1;
        int ndays = days_in_month(y, m);
        for (int i = 0; i < nagents; i++) {
            const struct agent *a = &agents[i];
            /* this month's form: skill with some noise */
            double form = a->skill * (0.9 + 0.2 * uniform());
            int64_t target = (int64_t)(between(18, 26) * 100000 * scale); /* 18 000..26 000 yuan, in fen */
            emit(a, y, m, 1, 0, "sales_target", target);
            int64_t consults = (int64_t)(120 * scale * (0.8 + 0.4 * uniform()));
            for (int64_t c = 0; c < consults; c++) {
                int day = (int)between(1, ndays);
                int t = (int)between(9 * 3600, 21 * 3600);
                emit(a, y, m, day, t, "consult", 1);
                if (uniform() < 0.97) { /* replied; response time in ms, lower for the skilled */
                    double seconds = 40.0 / form * exp(0.35 * normal());
                    emit(a, y, m, day, t + 1, "reply", (int64_t)(seconds * 1000.0));
                }
                if (uniform() < 0.30 * form) {
                    emit(a, y, m, day, t + 120, "order", 1);
                    if (uniform() < 0.85 + 0.1 * (form - 1.0)) {
                        int64_t paid = (int64_t)(between(120, 900) * 100 * (0.8 + 0.4 * form));
                        emit(a, y, m, day, t + 300, "payment", paid);
                        emit(a, y, m, day, t + 300, "suborder", paid);
                        if (uniform() < 0.04)
                            emit(a, y, m, day < ndays ? day + 1 : day, t, "refund", paid);
                        if (uniform() < 0.05)
                            emit(a, y, m, day, t + 301, "set_sold", 1);
                    }
                }
            }
            int64_t listings = (int64_t)(20 * scale);
            for (int64_t l = 0; l < listings; l++) {
                int day = (int)between(1, ndays);
                emit(a, y, m, day, 10 * 3600, "listing", 1);
                if (uniform() < 0.03)
                    emit(a, y, m, day, 10 * 3600 + 60, "listing_error", 1);
            }
            for (int day = 1; day <= ndays; day++) {
                if ((day + i) % 7 >= 5)
                    continue; /* two rest days a week */
                emit(a, y, m, day, 8 * 3600 + 1800, "shift_scheduled", 1);
                if (uniform() < 0.97)
                    emit(a, y, m, day, 8 * 3600 + 1800, "shift_present", 1);
            }
            fprintf(fg, "%s,%04d-%02d,assist,%d\n", a->id, y, m, (int)between(3, 5));
            fprintf(fg, "%s,%04d-%02d,execution,%d\n", a->id, y, m, (int)between(6, 10));
            if (uniform() < 0.12)
                fprintf(fg, "%s,%04d-%02d,complaints,%d\n", a->id, y, m, (int)between(1, 2));
            if (uniform() < 0.2)
                fprintf(fg, "%s,%04d-%02d,praise,1\n", a->id, y, m);
        }
    }
    fclose(fg);
    fclose(events);
    free(agents);
    fprintf(stderr, "gen_events: %llu events, %d agents, %d months from %04d-%02d into %s/\n", rows,
            nagents, nmonths, y0, m0, out);
    return 0;
}
