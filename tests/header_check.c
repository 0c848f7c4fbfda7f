/* Compiled with -std=c99 -pedantic -Werror: the public headers stand alone. */
#include <kpiscore.h>
#include <stdio.h>

int main(void)
{
    if (kpi_check_version(KPI_VERSION_MAJOR, KPI_VERSION_MINOR) != KPI_OK)
        return 1;
    printf("%s\n", kpi_version());
    return 0;
}
