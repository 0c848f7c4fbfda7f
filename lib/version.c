/* version.c - the version the loaded library reports. */
#include "internal.h"

const char *kpi_version(void)
{
    return KPI_VERSION_STRING;
}

kpi_status kpi_check_version(int major, int minor)
{
    kpi__error_reset();
    if (major != KPI_VERSION_MAJOR || minor > KPI_VERSION_MINOR)
        return kpi__fail(KPI_EVERSION,
                         "caller needs kpiscore %d.%d but the loaded library is %s "
                         "(same major version and at least that minor version required)",
                         major, minor, KPI_VERSION_STRING);
    return KPI_OK;
}
