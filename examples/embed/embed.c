/*
 * embed.c - the smallest program a CRM would write against kpiscore.
 * Build: cc embed.c $(pkg-config --cflags --libs kpiscore)
 */
#include <kpiscore.h>
#include <stdio.h>

static int check(kpi_status st)
{
    if (st != KPI_OK) {
        fprintf(stderr, "kpiscore: %s\n", kpi_error_text(kpi_error_last()));
        return 1;
    }
    return 0;
}

int main(void)
{
    if (check(kpi_check_version(KPI_VERSION_MAJOR, KPI_VERSION_MINOR)))
        return 1;
    printf("kpiscore %s\n", kpi_version());

    /* Seed 003: KPI bonus = 1000 yuan x score / 130, rounded half-up to the fen. */
    kpi_money pool, bonus;
    kpi_dec score, total;
    char text[64];
    if (check(kpi_money_parse("1000", KPI_NTS, &pool)) ||
        check(kpi_dec_parse("117", KPI_NTS, &score)) ||
        check(kpi_dec_parse("130", KPI_NTS, &total)) ||
        check(kpi_money_mul_ratio(pool, score, total, KPI_ROUND_HALF_UP, &bonus)))
        return 1;
    kpi_money_format(bonus, KPI_FMT_YUAN, text, sizeof text);
    printf("KPI bonus for 117/130: %s\n", text);

    /* Errors say what and where. */
    kpi_money bad;
    if (kpi_money_parse("12.3x", KPI_NTS, &bad) != KPI_OK)
        printf("rejected: %s\n", kpi_error_text(kpi_error_last()));
    return 0;
}
