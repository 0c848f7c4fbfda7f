"""The month-end run (月度考核): a plan applied to a period's agents,
metrics and evaluator grades, giving scorecards, ranks, tiers and pay slips.
The CLI's ``kpiscore run`` calls the same C code, so the figures agree to
the fen."""

import decimal as _decimal
from dataclasses import dataclass
from typing import Optional

from . import capi as _capi
from ._handle import Owner, borrowed
from .numbers import from_dec, to_fen
from .pay import Payslip
from .plan import OUTCOMES, Scorecard
from .tiers import tier_row

__all__ = ["Run", "RunRow", "RunPayslip"]


@dataclass(frozen=True)
class RunRow:
    """One agent's result in the evaluated period (rows come best first)."""
    agent: int                           # the agent's index, in the order added
    id: str
    name: str
    team: str
    centre: str
    outcome: str                         # "pass", "fail" or "not_assessed"
    score: _decimal.Decimal              # the scorecard total
    rank: Optional[_decimal.Decimal]     # competition rank among the assessed; None if not ranked
    team_rank: Optional[_decimal.Decimal]
    pct: Optional[_decimal.Decimal]      # percentile rank among the assessed
    pay: int                             # the pay slip total, fen


class RunPayslip(Payslip):
    """A run's pay slip for one agent: read-only, valid until the run is
    evaluated again or closed."""

    __slots__ = ()

    def add(self, label, value):
        raise TypeError("a run's pay slip is read-only")


def _text(value):
    """An evaluator's value as the text a grades file would hold."""
    if isinstance(value, float):
        raise TypeError("floats are not exact; pass a Decimal or a string such as '4.5'")
    if isinstance(value, (list, tuple)):
        return ";".join(_text(v) for v in value)
    return str(value)


class Run(Owner):
    """``Run(plan)``: add agents, give it the metrics (and the agent map
    their indexes refer to) and the evaluators' inputs, ``evaluate()`` a
    period, then read ``rows``, ``scorecard(agent)``, ``payslip(agent)``,
    ``tiers(agent)`` and ``explain(agent)``. Agents are ids or indexes.

    The run keeps its plan, metrics and agents alive. Single writer; the
    scorecards and pay slips it hands out belong to it and are valid until
    the next ``evaluate()`` (ValueError after that).
    """

    __slots__ = ("plan", "metrics", "agents", "_ids", "_generation")

    def __init__(self, plan):
        super().__init__(_capi.kpi_run_new(plan._ptr), _capi.kpi_run_free, (plan,))
        self.plan = plan
        self.metrics = self.agents = None
        self._ids = {}
        self._generation = 0

    def add_agent(self, agent_id, name=None, team=None, centre=None):
        """Adds an agent (DuplicateError for an id added before); returns its index."""
        _capi.kpi_run_add_agent(self._ptr, agent_id, name, team, centre)
        self._ids[agent_id] = len(self._ids)
        return self._ids[agent_id]

    def set_field(self, agent_id, field, money):
        """Sets an amount pay rules read by name ("post_salary", 岗位工资):
        int fen or Decimal/str yuan."""
        _capi.kpi_run_set_field(self._ptr, agent_id, field, to_fen(money))

    def set_metrics(self, metrics, agents):
        """The accumulated :class:`Metrics` and the :class:`Agents` map its
        indexes refer to (both kept alive). MismatchError for another plan's
        metrics."""
        _capi.kpi_run_set_metrics(self._ptr, metrics._ptr, agents._ptr)
        self._handle.depend_on(metrics._handle)   # the C run borrows both
        self._handle.depend_on(agents._handle)
        self.metrics, self.agents = metrics, agents

    def set_input(self, agent_id, period, input_name, value):
        """An evaluator's input for one agent and period ("2026-09"): a
        number ("4.5", Decimal, int), a count, a grade label (优) or a list
        of numbers. ParseError points into the text."""
        _capi.kpi_run_set_input(self._ptr, agent_id, period, input_name, _text(value))

    def evaluate(self, period=None, threads=1):
        """Scores, ranks, tiers and pays ``period`` (None: the latest),
        scoring the agents on up to ``threads`` threads (1..64; the results
        are the same). Earlier results (scorecards, pay slips handed out)
        become invalid."""
        for parent in (self.plan, self.metrics, self.agents):
            if parent is not None and parent.closed:
                raise ValueError(f"the run's {type(parent).__name__} was closed; it must outlive the run")
        _capi.kpi_run_set_threads(self._ptr, threads)
        self._generation += 1
        _capi.kpi_run_evaluate(self._ptr, period)
        return self

    @property
    def period(self):
        """The evaluated period's label, or None before ``evaluate()``."""
        return _capi.kpi_run_evaluated_period(self._ptr)

    @property
    def periods(self):
        ptr = self._ptr
        return [_capi.kpi_run_period(ptr, i) for i in range(_capi.kpi_run_period_count(ptr))]

    def __len__(self):
        return _capi.kpi_run_count(self._ptr)

    @property
    def rows(self):
        """The evaluated period's rows in rank order (best first, unranked last)."""
        ptr = self._ptr
        result = []
        for i in range(_capi.kpi_run_count(ptr)):
            r = _capi.kpi_run_row()
            _capi.kpi_run_row_get(ptr, i, r)
            ranked = r.rank != 0
            result.append(RunRow(r.agent, r.id, r.name, r.team, r.centre, OUTCOMES[r.outcome],
                                 from_dec(r.score), from_dec(r.rank) if ranked else None,
                                 from_dec(r.team_rank) if r.team_rank else None,
                                 from_dec(r.pct) if ranked else None, r.pay))
        return result

    def __iter__(self):
        return iter(self.rows)

    def _index(self, agent):
        if isinstance(agent, str):
            try:
                return self._ids[agent]
            except KeyError:
                raise KeyError(f"unknown agent {agent!r}") from None
        if not 0 <= agent < len(self._ids):
            raise IndexError(f"agent index {agent} out of range (0..{len(self._ids) - 1})")
        return agent

    def _evaluated(self):
        if self.period is None:
            raise ValueError("the run is not evaluated yet: call evaluate() first")

    def scorecard(self, agent):
        """The agent's :class:`Scorecard` in the evaluated period."""
        self._evaluated()
        return borrowed(Scorecard, _capi.kpi_run_scorecard(self._ptr, self._index(agent)), self)

    def payslip(self, agent):
        """The agent's pay slip (:class:`RunPayslip`: ``lines``, ``total``,
        ``explain()``), or None when the plan has no "pay" section."""
        self._evaluated()
        ptr = _capi.kpi_run_payslip(self._ptr, self._index(agent))
        return None if ptr is None else borrowed(RunPayslip, ptr, self)

    @property
    def tier_names(self):
        """Labels of the plan's tier classifications ("等级", "评优")."""
        ptr = self._ptr
        return [_capi.kpi_run_tier_name(ptr, t) for t in range(_capi.kpi_run_tier_count(ptr))]

    def tiers(self, agent):
        """{classification label: :class:`kpiscore.TierRow`} for the agent."""
        self._evaluated()
        ptr, index = self._ptr, self._index(agent)
        result = {}
        for t, name in enumerate(self.tier_names):
            r = _capi.kpi_tier_row()
            _capi.kpi_run_tier(ptr, t, index, r)
            why = _capi.kpi_tier_reason_name(r.reason)
            result[name] = tier_row(r, f"{r.label or '-'} ({why})")
        return result

    def explain(self, agent):
        """Everything about one agent as text: scorecard, tiers, pay slip."""
        self._evaluated()
        return _capi.kpi_bind_run_explain(self._ptr, self._index(agent))

    def close(self):
        self._generation += 1
        super().close()

    def __repr__(self):
        if self.closed:
            return "<Run closed>"
        return f"<Run {self.plan.name!r} {len(self._ids)} agents, period {self.period}>"
