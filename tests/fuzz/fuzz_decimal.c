/*
 * fuzz_decimal.c - the money and decimal parsers on arbitrary bytes.
 * Properties: no crash or undefined behaviour; a failure leaves the output
 * untouched and points inside the text; a success formats back to text that
 * parses to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kpiscore.h>

static void check(int money, const uint8_t *data, size_t size)
{
    int64_t v = 0x5A5A5A5A;
    kpi_status st = money ? kpi_money_parse((const char *)data, size, &v)
                          : kpi_dec_parse((const char *)data, size, &v);
    if (st != KPI_OK) {
        if (v != 0x5A5A5A5A)
            abort(); /* output written on failure */
        long col = kpi_error_column(kpi_error_last());
        if (col < 1 || (size_t)col > size + 1)
            abort(); /* column outside the text */
        return;
    }
    char text[64];
    if (money)
        kpi_money_format(v, KPI_FMT_GROUP | KPI_FMT_YUAN, text, sizeof text);
    else
        kpi_dec_format(v, -1, KPI_ROUND_HALF_UP, text, sizeof text);
    int64_t back;
    st = money ? kpi_money_parse(text, KPI_NTS, &back) : kpi_dec_parse(text, KPI_NTS, &back);
    if (st != KPI_OK || back != v)
        abort(); /* formatting and parsing disagree */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(0, data, size);
    check(1, data, size);
    return 0;
}
