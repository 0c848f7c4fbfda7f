"""Ranks (排名) and percentile ranks (百分位排名), exact (docs/ranking.md).

Scores are a buffer of library decimals (a numpy int64 array or
``array('q')`` of 10^-9 units, read in place) or a sequence of
Decimal/str/int (converted). ``rank`` returns Decimals; ``rank_raw``
returns arrays of library decimals (numpy for numpy input).
"""

import decimal
from collections import namedtuple

from . import _arrays
from . import capi as _capi
from .numbers import ROUND_HALF_EVEN, from_dec, rounding_mode

__all__ = ["rank", "rank_raw", "percentrank_of", "Ranking", "RankArrays",
           "RANK_METHODS", "PCT_KINDS"]

RANK_METHODS = {_capi.kpi_rank_method_name(m): m for m in range(_capi.KPI_RANK_FRACTIONAL + 1)}
PCT_KINDS = {_capi.kpi_pct_kind_name(k): k for k in range(_capi.KPI_PCT_EXCEL_EXC + 1)}
ORDERS = {"desc": _capi.KPI_RANK_DESC, "asc": _capi.KPI_RANK_ASC}
ELIGIBILITY = {"rank_among": _capi.KPI_ELIGIBLE_RANK_AMONG, "gate": _capi.KPI_ELIGIBLE_GATE}

Ranking = namedtuple("Ranking", "ranks pcts")
Ranking.__doc__ = "Ranks and percentile ranks as Decimals (None where not ranked)."
RankArrays = namedtuple("RankArrays", "ranks pcts pcts_f64")
RankArrays.__doc__ = "Ranks and percentile ranks as library decimals, and the pct as float64."


def options(method="competition", order="desc", pct="rank", significance=3,
            pct_rounding=ROUND_HALF_EVEN, key_order="desc", eligibility="rank_among"):
    """A C kpi_rank_options from names (the arrays travel separately)."""
    opt = _capi.kpi_rank_options()
    opt.method = _arrays.choice(RANK_METHODS, method, "method")
    opt.order = _arrays.choice(ORDERS, order, "order")
    opt.pct_kind = _arrays.choice(PCT_KINDS, pct, "pct")
    opt.significance = significance
    opt.pct_round = rounding_mode(pct_rounding)
    opt.key_order = _arrays.choice(ORDERS, key_order, "key_order")
    opt.eligibility = _arrays.choice(ELIGIBILITY, eligibility, "eligibility")
    return opt


def per_score(groups=None, eligible=None, key=None):
    """The optional per-score arrays (key, group, eligible) as buffers."""
    return _arrays.decimals(key), _arrays.integers(groups, "I"), _arrays.flags(eligible)


def rank_raw(scores, *, out_ranks=None, out_pcts=None, out_pcts_f64=None, groups=None,
             eligible=None, key=None, **opts):
    """Ranks in place: ``scores`` an int64 buffer of library decimals; the
    outputs writable buffers of the same length (int64, int64, float64),
    allocated when not given. ``opts`` are ``rank``'s keywords. Returns
    :data:`RankArrays`; ``pcts_f64`` is pandas' float for cross-checks."""
    scores = _arrays.decimals(scores)
    n = _arrays.count(scores)
    ranks = _arrays.new("q", n, scores) if out_ranks is None else out_ranks
    pcts = _arrays.new("q", n, scores) if out_pcts is None else out_pcts
    f64 = _arrays.new("d", n, scores) if out_pcts_f64 is None else out_pcts_f64
    _capi.kpi_bind_rank(scores, ranks, pcts, f64, options(**opts), *per_score(groups, eligible, key))
    return RankArrays(ranks, pcts, f64)


def rank(scores, method="competition", order="desc", pct="rank", groups=None, eligible=None,
         eligibility="rank_among", key=None, key_order="desc", significance=3,
         pct_rounding=ROUND_HALF_EVEN):
    """Ranks and percentile ranks of ``scores``.

    ``method``: "competition" (1224, default), "modified" (1334), "dense"
    (1223), "ordinal" (1234, ties by ``key`` then position), "fractional"
    (1 2.5 2.5 4). ``order``: "desc" (highest first) or "asc". ``pct``:
    "rank" (pandas pct), "strict", "weak", "mean", "scipy_rank",
    "excel_inc", "excel_exc" (truncated to ``significance`` digits).
    ``groups``: a group id per score (rank within teams); ``eligible``: a
    truth value per score; with eligibility "rank_among" the others are not
    ranked (None), with "gate" they are. Returns :data:`Ranking` of Decimals.
    """
    raw = rank_raw(scores, groups=groups, eligible=eligible, key=key, method=method, order=order,
                   pct=pct, significance=significance, pct_rounding=pct_rounding,
                   key_order=key_order, eligibility=eligibility)
    ranks = [from_dec(r) if r else None for r in raw.ranks.tolist()]
    pcts = [None if r is None else from_dec(p) for r, p in zip(ranks, raw.pcts.tolist())]
    return Ranking(ranks, pcts)


def percentrank_of(values, x, kind="excel_inc", significance=3, rounding=ROUND_HALF_EVEN):
    """The percentile rank of ``x`` (one value or a sequence) against
    ``values``, which need not contain it: "excel_inc" (PERCENTRANK.INC,
    default), "excel_exc", or scipy's "strict", "weak", "mean",
    "scipy_rank". Outside the set's range the Excel kinds raise
    OutOfRangeError (#N/A in Excel). Returns Decimal(s)."""
    scalar = isinstance(x, (str, int, decimal.Decimal))
    xs = _arrays.decimals([x] if scalar else x)
    out = _arrays.new("q", _arrays.count(xs))
    opt = options(pct=kind, significance=significance, pct_rounding=rounding)
    _capi.kpi_bind_percentrank_of(_arrays.decimals(values), xs, out, None, opt)
    result = [from_dec(p) for p in out.tolist()]
    return result[0] if scalar else result

