/* bonus.c - score bonuses (绩效奖金) and escalating fines (罚款). */
#include <stdio.h>

#include "pay_internal.h"

kpi_status kpi_score_bonus(const kpi_score_bonus_def *def, kpi_dec score, kpi_money *out,
                           kpi_pay_why *why)
{
    kpi__error_reset();
    static const char fn[] = "kpi_score_bonus";
    if (!def || !out)
        return kpi__fail(KPI_EINVAL, "%s: def and out must not be NULL", fn);
    if (def->size < sizeof *def)
        return kpi__fail(KPI_EINVAL, "%s: def->size is %zu; set it with KPI_SCORE_BONUS_DEF_INIT",
                         fn, def->size);
    if (def->total <= 0)
        return kpi__fail(KPI_EINVAL, "%s: def->total is %s; the full score must be above 0", fn,
                         kpi__basis_text(KPI_BASIS_RATIO, def->total).text);
    if (def->gate < 0 || def->gate > KPI_DEC_ONE)
        return kpi__fail(KPI_EINVAL, "%s: def->gate is %s; it is a fraction of the total, 0..1 "
                         "(0.7 for 70 %%)", fn, kpi__basis_text(KPI_BASIS_RATIO, def->gate).text);
    if (def->pool < 0)
        return kpi__fail(KPI_EINVAL, "%s: def->pool is %s; a bonus pool is 0 or more", fn,
                         kpi__money_text(def->pool).text);
    if (!kpi__round_valid(def->rounding) || !kpi__places_valid(def->places))
        return kpi__fail(KPI_EINVAL, "%s: def->rounding or def->places is out of range", fn);
    kpi_status st = kpi__why_check(why, fn);
    if (st != KPI_OK)
        return st;
    if (score < 0)
        return kpi__fail(KPI_EINPUT, "score %s is negative; scores start at 0",
                         kpi__basis_text(KPI_BASIS_RATIO, score).text);
    /* exact: score < gate x total, both sides in 10^-18 */
    bool gated = (kpi__i128)score * KPI_DEC_ONE < (kpi__i128)def->gate * def->total;
    kpi_money v = 0;
    if (!gated && (st = kpi__money_round((kpi__i128)def->pool * score, def->total, def->places,
                                         def->rounding, &v, "the bonus")) != KPI_OK)
        return st;
    *out = v;
    if (why) {
        kpi__why_clear(why, KPI_RULE_SCORE_BONUS);
        why->flags = gated ? KPI_WHY_GATED : 0;
        why->basis = score;
        why->amount = def->pool;
        why->num = score;
        why->den = def->total;
        why->gate = (int64_t)kpi__div_round((kpi__i128)def->gate * def->total, KPI_DEC_ONE,
                                            KPI_ROUND_CEILING);
        why->rounding = def->rounding;
        why->places = def->places;
        why->value = v;
    }
    return KPI_OK;
}

kpi_status kpi_fine_total(const kpi_money *steps, size_t nsteps, kpi_fine_past past,
                          uint64_t occurrences, kpi_money *out, kpi_pay_why *why)
{
    kpi__error_reset();
    static const char fn[] = "kpi_fine_total";
    if (!steps || !out)
        return kpi__fail(KPI_EINVAL, "%s: steps and out must not be NULL", fn);
    if (nsteps == 0)
        return kpi__fail(KPI_EINVAL, "%s: a fine ladder needs at least one step", fn);
    if (past != KPI_FINE_REPEAT_LAST && past != KPI_FINE_FAIL)
        return kpi__fail(KPI_EINVAL, "%s: past is %d; use KPI_FINE_REPEAT_LAST or KPI_FINE_FAIL",
                         fn, (int)past);
    kpi_status st = kpi__why_check(why, fn);
    if (st != KPI_OK)
        return st;
    for (size_t i = 0; i < nsteps; i++)
        if (steps[i] < 0) {
            char path[40];
            snprintf(path, sizeof path, "steps[%zu]", i);
            kpi__fail(KPI_EINPUT, "steps[%zu] is %s; a fine step is the positive amount "
                      "deducted", i, kpi__money_text(steps[i]).text);
            kpi__error_set_path(path);
            return KPI_EINPUT;
        }
    bool beyond = occurrences > nsteps;
    if (beyond && past == KPI_FINE_FAIL)
        return kpi__fail(KPI_ELIMIT, "%llu occurrences but the ladder has %zu steps and stops "
                         "there: decide occurrence %zu by hand (seed 003: 10, 30, then "
                         "dismissal)", (unsigned long long)occurrences, nsteps, nsteps + 1);
    kpi__u128 total = 0;
    size_t used = beyond ? nsteps : (size_t)occurrences;
    for (size_t i = 0; i < used; i++)
        total += (kpi__u128)steps[i];
    if (beyond)
        total += (kpi__u128)(occurrences - nsteps) * (kpi__u128)steps[nsteps - 1];
    if (total > (kpi__u128)INT64_MAX)
        return kpi__fail(KPI_EOVERFLOW, "the fine for %llu occurrences does not fit in a "
                         "kpi_money", (unsigned long long)occurrences);
    *out = -(kpi_money)total;
    if (why) {
        kpi__why_clear(why, KPI_RULE_FINE);
        why->flags = beyond ? KPI_WHY_PAST_LADDER : 0;
        why->basis = occurrences > INT64_MAX ? INT64_MAX : (int64_t)occurrences;
        why->count = why->basis;
        why->row = (int64_t)nsteps;
        why->value = *out;
    }
    return KPI_OK;
}
