"""Tiers (档位): tier tables with explicit end ownership, forced
distributions (强制分布), multi-period rules and streaks (docs/ranking.md).

Scores follow kpiscore.ranking: a buffer of library decimals (read in
place) or a sequence of Decimal/str/int.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from . import _arrays
from . import capi as _capi
from ._handle import Handle, Owner
from .lint import findings
from .numbers import ROUND_FLOOR, ROUND_HALF_EVEN, from_dec, rounding_mode, to_dec
from .ranking import options, per_score

__all__ = ["Band", "TierTable", "Quota", "ForcedDistribution", "TierRow",
           "periods_reduce", "streaks", "Streaks"]

BASES = {"score": _capi.KPI_TIER_BY_SCORE, "percentile": _capi.KPI_TIER_BY_PERCENTILE,
         "rank": _capi.KPI_TIER_BY_RANK}
END_NAMES = {"unstated": _capi.KPI_END_UNSTATED, "closed": _capi.KPI_END_CLOSED,
             "open": _capi.KPI_END_OPEN, "[": _capi.KPI_END_CLOSED, "]": _capi.KPI_END_CLOSED,
             "(": _capi.KPI_END_OPEN, ")": _capi.KPI_END_OPEN}
TIES = {"exclude": _capi.KPI_TIE_EXCLUDE, "include": _capi.KPI_TIE_INCLUDE, "key": _capi.KPI_TIE_KEY}
PERIODS = {"min": _capi.KPI_PERIODS_MIN, "max": _capi.KPI_PERIODS_MAX, "mean": _capi.KPI_PERIODS_MEAN,
           "last": _capi.KPI_PERIODS_LAST, "sum": _capi.KPI_PERIODS_SUM}
FIRE = {"once": _capi.KPI_STREAK_ONCE, "every": _capi.KPI_STREAK_EVERY, "while": _capi.KPI_STREAK_WHILE}


@dataclass(frozen=True)
class Band:
    """A band as a plan writes it: ``Band("高级", 90, None, low_end="closed")``.

    ``low``/``high`` are Decimal/str/int (None: unbounded). The ends say who
    owns the end point: "closed" ("[" / "]"), "open" ("(" / ")") or
    "unstated" ("80–90": owned only if no other band claims it).
    """

    label: str
    low: object = None
    high: object = None
    low_end: str = "unstated"
    high_end: str = "unstated"

    @classmethod
    def of(cls, band):
        return band if isinstance(band, cls) else cls(*band)


def _band_columns(bands):
    bands = [Band.of(b) for b in bands]
    n = len(bands)
    low, low_end, high, high_end = (_arrays.new(t, n) for t in "qiqi")
    for i, b in enumerate(bands):
        low[i] = 0 if b.low is None else to_dec(b.low)
        low_end[i] = (_capi.KPI_END_UNBOUNDED if b.low is None
                      else _arrays.choice(END_NAMES, b.low_end, "low_end"))
        high[i] = 0 if b.high is None else to_dec(b.high)
        high_end[i] = (_capi.KPI_END_UNBOUNDED if b.high is None
                       else _arrays.choice(END_NAMES, b.high_end, "high_end"))
    return [b.label for b in bands], low, low_end, high, high_end


@dataclass(frozen=True)
class TierRow:
    """One agent's tier and why (a copied kpi_tier_row)."""

    tier: Optional[int]     # band / quota index, None for no tier
    label: str              # "" for no tier
    reason: str             # "band", "gap", "unowned-end", "not-eligible", "quota", ...
    score: Decimal
    value: Decimal          # what was classified: score, percentile or rank
    rank: Optional[Decimal]
    pct: Optional[Decimal]
    position: int           # 1-based place in the group's order; 0 when not ranked
    group_count: int
    tied: int
    quota: Optional[int]    # forced distributions only
    taken: Optional[int]
    tie_cut: Optional[int]
    group: int
    explanation: str

    def __str__(self):
        return self.explanation


def tier_row(r, explanation):
    """A TierRow from a filled capi.kpi_tier_row."""
    ranked = r.position > 0
    return TierRow(
        tier=None if r.tier == _capi.KPI_TIER_NONE else r.tier, label=r.label,
        reason=_capi.kpi_tier_reason_name(r.reason), score=from_dec(r.score),
        value=from_dec(r.value), rank=from_dec(r.rank) if ranked else None,
        pct=from_dec(r.pct) if ranked else None, position=r.position,
        group_count=r.group_count, tied=r.tied, quota=None if r.quota < 0 else r.quota,
        taken=None if r.taken < 0 else r.taken, tie_cut=None if r.tie_cut < 0 else r.tie_cut,
        group=r.group, explanation=explanation)


def _rows(ptr):
    """The rows of a C kpi_tiering (freed by the caller afterwards)."""
    result = []
    for i in range(_capi.kpi_tiering_count(ptr)):
        r = _capi.kpi_tier_row()
        _capi.kpi_tiering_row(ptr, i, r)
        result.append(tier_row(r, _capi.kpi_bind_tiering_explain(ptr, i)))
    return result


def _apply(fn, ptr, scores, groups, eligible, key, opts):
    """Runs a C apply (tier table or forced) and returns its rows."""
    out = fn(ptr, _arrays.decimals(scores), options(**opts), *per_score(groups, eligible, key))
    with Handle(out, _capi.kpi_tiering_free) as result:
        return _rows(result.ptr)


class TierTable(Owner):
    """A tier table (档位表), immutable: bands by "score", "percentile" or "rank".

    Overlaps and points owned twice raise PlanError (path "bands[i]"); gaps
    and unowned shared ends are allowed and show up per agent.
    """

    __slots__ = ("basis", "labels")

    def __init__(self, bands, basis="score"):
        self.basis = _arrays.choice(BASES, basis, "basis")
        cols = _band_columns(bands)
        super().__init__(_capi.kpi_bind_tier_table_new(self.basis, *cols), _capi.kpi_tier_table_free)
        self.labels = tuple(cols[0])

    @staticmethod
    def lint(bands, basis="score"):
        """Gaps, unowned ends, overlaps... as a list of :class:`kpiscore.Finding`."""
        with Handle(_capi.kpi_lint_new(), _capi.kpi_lint_free) as lint:
            _capi.kpi_bind_tier_bands_lint(lint.ptr, _arrays.choice(BASES, basis, "basis"),
                                           *_band_columns(bands))
            return findings(lint.ptr)

    def __len__(self):
        return len(self.labels)

    def classify(self, value):
        """The index of the band that owns ``value`` exactly; NotFoundError
        in a gap, PlanError on a shared end the table does not assign."""
        return _capi.kpi_tier_table_classify(self._ptr, to_dec(value))

    def label_of(self, value):
        return self.labels[self.classify(value)]

    def apply(self, scores, groups=None, eligible=None, key=None, **opts):
        """Ranks ``scores`` (``kpiscore.rank``'s keywords) and puts each agent
        in its band: a list of :class:`TierRow` with the reason."""
        return _apply(_capi.kpi_bind_tier_table_apply, self._ptr, scores, groups, eligible, key, opts)


@dataclass(frozen=True)
class Quota:
    """One tier of a forced distribution, best first: a ``share``
    (Decimal/str, "0.05"), a ``count``, or neither (the rest; last only).
    ``exactly`` marks a target rather than a cap (recorded, same placement)."""

    label: str
    share: object = None
    count: Optional[int] = None
    exactly: bool = False

    @classmethod
    def of(cls, quota):
        return quota if isinstance(quota, cls) else cls(*quota)


class ForcedDistribution(Owner):
    """强制分布: quotas filled best first (``rounding`` of n x share, default
    floor; ``ties`` at a cut "exclude", "include" or "key")."""

    __slots__ = ("labels",)

    def __init__(self, quotas, rounding=ROUND_FLOOR, ties="exclude"):
        quotas = [Quota.of(q) for q in quotas]
        n = len(quotas)
        kind, limit, share, count = (_arrays.new(t, n) for t in "iiqq")
        for i, q in enumerate(quotas):
            if q.share is not None:
                kind[i], share[i] = _capi.KPI_QUOTA_SHARE, to_dec(q.share)
            elif q.count is not None:
                kind[i], count[i] = _capi.KPI_QUOTA_COUNT, int(q.count)
            else:
                kind[i] = _capi.KPI_QUOTA_REST
            limit[i] = _capi.KPI_QUOTA_EXACTLY if q.exactly else _capi.KPI_QUOTA_AT_MOST
        opt = _capi.kpi_forced_options()
        opt.rounding = rounding_mode(rounding)
        opt.ties = _arrays.choice(TIES, ties, "ties")
        labels = [q.label for q in quotas]
        super().__init__(_capi.kpi_bind_forced_new(labels, kind, limit, share, count, opt),
                         _capi.kpi_forced_free)
        self.labels = tuple(labels)

    def apply(self, scores, groups=None, eligible=None, key=None, **opts):
        """Places the agents by rank (within ``groups``): a list of :class:`TierRow`."""
        return _apply(_capi.kpi_bind_forced_apply, self._ptr, scores, groups, eligible, key, opts)


def periods_reduce(scores, k, how="min", rounding=ROUND_HALF_EVEN):
    """Each agent's last ``k`` periods combined ("min", "max", "mean",
    "last", "sum"). ``scores`` is agents x periods, oldest first: a 2-D
    numpy int64 array of library decimals (a view, no copy) or a list of
    lists of Decimal/str/int. Returns Decimals, one per agent."""
    flat, agents, periods = _arrays.matrix(scores, to_dec, "q")
    out = _arrays.new("q", agents)
    _capi.kpi_bind_periods_reduce(out, flat, periods, k, _arrays.choice(PERIODS, how, "how"),
                                  rounding_mode(rounding))
    return [from_dec(v) for v in out.tolist()]


@dataclass(frozen=True)
class Streaks:
    runs: list    # periods running the condition has held, up to the latest
    flags: list   # bool: does the run raise the flag now


def streaks(cond, length, fire="once"):
    """Streaks at the latest period of an agents x periods matrix of truth
    values (2-D numpy uint8/bool, or lists): "once" flags the period the
    run reaches ``length``, "every" each multiple, "while" every period at
    or past it."""
    flat, agents, periods = _arrays.matrix(cond, lambda v: 1 if v else 0, "B")
    run, flag = _arrays.new("q", agents), _arrays.new("B", agents)
    _capi.kpi_bind_streaks(run, flag, flat, agents, periods, length, _arrays.choice(FIRE, fire, "fire"))
    return Streaks(run.tolist(), [bool(f) for f in flag.tolist()])

