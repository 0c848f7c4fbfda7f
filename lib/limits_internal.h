/*
 * limits_internal.h - the process-wide safety limits (limits.c), read by the
 * plan loader, the JSON reader, the CSV reader and the state readers.
 */
#ifndef KPISCORE_LIMITS_INTERNAL_H
#define KPISCORE_LIMITS_INTERNAL_H

#include "internal.h"
#include "kpiscore/limits.h"

/* The limits in force, every field resolved (never 0). Borrowed. */
const kpi_limits *kpi__limits(void);

#endif /* KPISCORE_LIMITS_INTERNAL_H */
