/*
 * kpiscore.h - umbrella header: scoring and paying customer-service staff.
 *
 * Include this, link with `pkg-config --cflags --libs kpiscore`.
 *
 * Copyright (c) kpiscore authors. SPDX-License-Identifier: MIT
 */
#ifndef KPISCORE_H
#define KPISCORE_H

#include "kpiscore/common.h"
#include "kpiscore/version.h"
#include "kpiscore/error.h"
#include "kpiscore/alloc.h"
#include "kpiscore/limits.h"
#include "kpiscore/decimal.h"
#include "kpiscore/lint.h"
#include "kpiscore/pay.h"
#include "kpiscore/quantile.h"
#include "kpiscore/rank.h"
#include "kpiscore/tiers.h"
#include "kpiscore/sketch.h"
#include "kpiscore/csv.h"
#include "kpiscore/metrics.h"
#include "kpiscore/rubric.h"
#include "kpiscore/run.h"
#include "kpiscore/plan.h"

#endif /* KPISCORE_H */
