/*
 * kpiscore/common.h - definitions every kpiscore header shares.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_COMMON_H
#define KPISCORE_COMMON_H

#include <stddef.h>
#include <stdint.h>

/*
 * KPI_API marks every exported declaration. The library is compiled with
 * -fvisibility=hidden, so only what carries this mark (and is listed in
 * lib/kpiscore.map) is part of the ABI.
 */
#if defined(KPISCORE_BUILDING) && defined(__GNUC__)
#define KPI_API __attribute__((visibility("default")))
#elif defined(_WIN32) && defined(KPISCORE_BUILDING)
#define KPI_API __declspec(dllexport)
#else
#define KPI_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Result of every fallible kpiscore call: KPI_OK (0) or a negative code.
 *
 * New codes may be added in later versions; treat any value you do not know
 * as a failure. kpi_status_str() names a code and kpi_error_last() gives the
 * detail of the last failure on the calling thread.
 */
typedef int32_t kpi_status;

enum {
    KPI_OK = 0,           /**< success */
    KPI_EINVAL = -1,      /**< an argument is invalid (NULL, unknown enum, inconsistent sizes) */
    KPI_EPARSE = -2,      /**< text is not well formed (number, JSON, CSV) */
    KPI_EPLAN = -3,       /**< a plan is well formed but does not make sense */
    KPI_ERANGE = -4,      /**< a value lies outside the range it must be in */
    KPI_EOVERFLOW = -5,   /**< an exact result does not fit its type */
    KPI_ENOMEM = -6,      /**< memory could not be allocated */
    KPI_ENOTFOUND = -7,   /**< a named thing (agent, metric, label, tier) does not exist */
    KPI_EVERSION = -8,    /**< library, plan or state version is not supported */
    KPI_ECORRUPT = -9,    /**< serialised state is truncated, corrupt or fails its checksum */
    KPI_ELIMIT = -10,     /**< a configured safety limit was exceeded */
    KPI_EIO = -11,        /**< a file could not be read or written */
    KPI_EMISMATCH = -12,  /**< objects built with different parameters cannot be combined */
    KPI_ENA = -13,        /**< the value is not available (no data, zero denominator) */
    KPI_EDUPLICATE = -14, /**< a key that must be unique appears twice */
    KPI_EINPUT = -15      /**< input data is invalid for the rule it feeds */
};

#ifdef __cplusplus
}
#endif

#endif /* KPISCORE_COMMON_H */
