/*
 * kpiscore/version.h - compile-time and run-time version checks.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_VERSION_H
#define KPISCORE_VERSION_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KPI_VERSION_MAJOR 1
#define KPI_VERSION_MINOR 0
#define KPI_VERSION_PATCH 0
#define KPI_VERSION_STRING "1.0.0"
/** 0xMMmmpp: compare with `#if KPI_VERSION_HEX >= 0x010100`. */
#define KPI_VERSION_HEX                                                      \
    ((KPI_VERSION_MAJOR << 16) | (KPI_VERSION_MINOR << 8) | KPI_VERSION_PATCH)

/**
 * The version of the library actually loaded, as "MAJOR.MINOR.PATCH".
 *
 * Compare it with KPI_VERSION_STRING to notice a header/library mismatch.
 *
 * @return a static string; never NULL. Thread-safe.
 * @since 1.0
 */
KPI_API const char *kpi_version(void);

/**
 * Checks that the loaded library can serve a caller built against
 * version major.minor of the headers.
 *
 * The library is compatible when its major version equals @p major and its
 * minor version is at least @p minor (minor versions only add API).
 *
 * @param major  major version the caller needs (normally KPI_VERSION_MAJOR)
 * @param minor  minor version the caller needs (normally KPI_VERSION_MINOR)
 * @return KPI_OK when compatible, KPI_EVERSION otherwise (kpi_error_last()
 *         says which versions were compared). Thread-safe.
 * @since 1.0
 */
KPI_API kpi_status kpi_check_version(int major, int minor);

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_VERSION_H */
