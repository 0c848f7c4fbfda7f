"""Plans (考核方案), their rubric and metric registry, and scorecards.

``Plan.load("plan.json")`` reads a plan file (docs/plan-format.md);
``plan.score({...})`` scores one agent's inputs into a :class:`Scorecard`
with a total, an outcome and a reason for every point (docs/rubric.md).
"""

import decimal as _decimal
import os as _os
from dataclasses import dataclass

from . import _arrays
from . import capi as _capi
from ._handle import Handle, Owner, borrowed
from .lint import findings
from .numbers import from_dec, to_dec

__all__ = ["Plan", "Scorecard", "ScoreLine", "Input", "MetricInfo", "MetricRegistry"]

OUTCOMES = {_capi.KPI_OUTCOME_PASS: "pass", _capi.KPI_OUTCOME_FAIL: "fail",
            _capi.KPI_OUTCOME_NOT_ASSESSED: "not_assessed"}
INPUT_KINDS = {_capi.KPI_INPUT_NUMBER: "number", _capi.KPI_INPUT_COUNT: "count",
               _capi.KPI_INPUT_GRADE: "grade", _capi.KPI_INPUT_LIST: "list"}
LINE_KINDS = {_capi.KPI_LINE_ITEM: "item", _capi.KPI_LINE_CATEGORY: "category",
              _capi.KPI_LINE_ADJUSTMENT: "adjustment"}
LINE_STATUS = {_capi.KPI_LINE_SCORED: "scored", _capi.KPI_LINE_NA_EXCLUDED: "na_excluded",
               _capi.KPI_LINE_NA_ZERO: "na_zero", _capi.KPI_LINE_NA_FULL: "na_full"}
METRIC_KINDS = ("total", "ratio", "mean", "variance", "min", "max", "quantile", "quantile_sketch")


@dataclass(frozen=True)
class Input:
    """An input the plan declares: name, kind ("number", "count", "grade",
    "list") and UTF-8 label."""
    name: str
    kind: str
    label: str


@dataclass(frozen=True)
class ScoreLine:
    """One line of a scorecard: an item, a category subtotal or an
    adjustment, with the value it read, the row that matched and why."""
    kind: str               # "item", "category" or "adjustment"
    id: str
    label: str
    category: str           # the item's category id, or ""
    value: str              # the input value as text ("96%", "优"), or ""
    row: str                # the rule row that matched, or ""
    reason: str
    points: _decimal.Decimal  # reported (rounded) points
    exact: _decimal.Decimal   # before rounding
    max: _decimal.Decimal     # the item's or category's points (0 for adjustments)
    status: str             # "scored", "na_excluded", "na_zero", "na_full"
    critical_failed: bool

    def __str__(self):
        return f"{self.label}\t{self.value}\t{self.points}/{self.max}\t{self.reason}"


class Scorecard(Owner):
    """One agent's scorecard: ``total`` (Decimal), ``outcome`` ("pass",
    "fail", "not_assessed"), ``reason``, ``items`` / ``lines`` and
    ``explain()``. From ``Plan.score`` it owns its C object; from
    ``Run.scorecard`` it is the run's (valid until the run is evaluated
    again or closed)."""

    __slots__ = ()

    def __init__(self, ptr, parent):
        super().__init__(ptr, _capi.kpi_scorecard_free, (parent,))

    @property
    def total(self):
        return from_dec(_capi.kpi_scorecard_total(self._ptr))

    @property
    def outcome(self):
        return OUTCOMES[_capi.kpi_scorecard_outcome(self._ptr)]

    @property
    def reason(self):
        """One line explaining the outcome, or "" when there is nothing to say."""
        return _capi.kpi_scorecard_reason(self._ptr)

    def gate(self, gate_id):
        """Whether the named gate (read by pay rules) passed."""
        return bool(_capi.kpi_scorecard_gate(self._ptr, gate_id))

    @property
    def lines(self):
        """Every line: items, then category subtotals, then adjustments."""
        ptr = self._ptr
        result = []
        for i in range(_capi.kpi_scorecard_line_count(ptr)):
            ln = _capi.kpi_score_line()
            _capi.kpi_scorecard_line(ptr, i, ln)
            result.append(ScoreLine(LINE_KINDS[ln.kind], ln.id, ln.label, ln.category, ln.value,
                                    ln.row, ln.reason, from_dec(ln.points), from_dec(ln.exact),
                                    from_dec(ln.max), LINE_STATUS[ln.status], bool(ln.critical_failed)))
        return result

    @property
    def items(self):
        """The rubric items' lines (kind "item")."""
        return [ln for ln in self.lines if ln.kind == "item"]

    def explain(self):
        """The card line by line, for an appeal (考核申诉)."""
        return _capi.kpi_bind_scorecard_explain(self._ptr)

    def __repr__(self):
        if self.closed:
            return "<Scorecard closed>"
        return f"<Scorecard {self.total} {self.outcome}>"


@dataclass(frozen=True)
class MetricInfo:
    index: int
    id: str
    name: str
    kind: str   # "total", "ratio", "mean", ...
    unit: str   # "count", "ratio", "yuan", "second", "point", "raw"


class MetricRegistry(Owner):
    """The event kinds and metric definitions of a plan (or the copy an
    accumulator holds). A view: it belongs to the plan or accumulator it came
    from and keeps it alive."""

    __slots__ = ()

    def __len__(self):
        return _capi.kpi_metric_registry_count(self._ptr)

    def find(self, metric_id):
        """The index of a metric id ("reply_rate"); NotFoundError otherwise."""
        return _capi.kpi_metric_registry_find(self._ptr, metric_id)

    def metric(self, index):
        d = _capi.kpi_metric_registry_def(self._ptr, index)
        if d is None:
            raise IndexError(f"no metric {index}")
        return MetricInfo(index, d.id, d.name or d.id, METRIC_KINDS[d.kind], _capi.kpi_unit_name(d.unit))

    @property
    def metrics(self):
        return [self.metric(i) for i in range(len(self))]

    def event_code(self, name):
        """The code of an event kind ("reply" -> 1); NotFoundError otherwise."""
        return _capi.kpi_metric_registry_event_find(self._ptr, name)

    def event_name(self, code):
        """The name of event ``code``, or None."""
        return _capi.kpi_metric_registry_event_name(self._ptr, code)

    @property
    def events(self):
        """{name: code} of every event kind, built-in and plan-defined."""
        ptr = self._ptr
        names = ((_capi.kpi_metric_registry_event_name(ptr, c), c) for c in range(_capi.KPI_EVENT_MAX))
        return {n: c for n, c in names if n is not None}

    def __repr__(self):
        return "<MetricRegistry closed>" if self.closed else f"<MetricRegistry {len(self)} metrics>"


def _set_input(inputs, name, kind, value):
    """Sets one input from a Python value, by the declared kind (or, for an
    undeclared name, by the value's type)."""
    if value is None:
        _capi.kpi_inputs_set_na(inputs, name)
    elif kind == "grade" or (kind is None and isinstance(value, str)):
        _capi.kpi_inputs_set_label(inputs, name, value)
    elif kind == "list" or (kind is None and isinstance(value, (list, tuple)) and len(value) != 2):
        _capi.kpi_inputs_set_list(inputs, name, _arrays.decimals(list(value)))
    elif isinstance(value, tuple):
        num, den = value  # a ratio of two integers: N/A when den is 0
        _capi.kpi_inputs_set_ratio(inputs, name, int(num), int(den))
    elif kind == "count":
        if isinstance(value, (bool, float)) or int(value) != value:
            raise TypeError(f"input '{name}' is a count: give an int, not {value!r}")
        _capi.kpi_inputs_set_count(inputs, name, int(value))
    else:
        _capi.kpi_inputs_set_number(inputs, name, to_dec(value))


class Plan(Owner):
    """A loaded plan: immutable, shareable across threads.

    ``Plan.load(path)`` or ``Plan.from_string(text, source="plan.json")``;
    errors carry the file, line, column and JSON path
    (``plan.json:12:7: rubric.items[3].bands[1].below: ...``).
    """

    __slots__ = ("source", "_inputs")

    def __init__(self, ptr, source):
        super().__init__(ptr, _capi.kpi_plan_free)
        self.source = source
        self._inputs = None

    @classmethod
    def load(cls, path, max_bytes=0):
        """Loads a plan file (FileError if it cannot be read)."""
        path = _os.fspath(path)
        return cls(_capi.kpi_plan_load_file(path, _options(max_bytes)), path)

    @classmethod
    def from_string(cls, text, source="plan.json", max_bytes=0):
        """Loads a plan from JSON text (str or bytes); ``source`` names it in errors."""
        return cls(_capi.kpi_plan_load_buffer(text, source, _options(max_bytes)), source)

    name = property(lambda self: _capi.kpi_plan_name(self._ptr))
    note = property(lambda self: _capi.kpi_plan_note(self._ptr))
    period = property(lambda self: _capi.kpi_plan_period(self._ptr))

    @property
    def rounding(self):
        """(mode name, places) of every reported figure: ("half_up", 2)."""
        mode, places = _capi.kpi_plan_rounding(self._ptr)
        return _capi.kpi_round_name(mode), places

    @property
    def total(self):
        """The rubric's stated total (Decimal), or None without a rubric."""
        rubric = _capi.kpi_plan_rubric(self._ptr)
        return None if rubric is None else from_dec(_capi.kpi_rubric_total(rubric))

    @property
    def inputs(self):
        """The declared inputs, as :class:`Input`, in the plan's order."""
        if self._inputs is None:
            rubric = _capi.kpi_plan_rubric(self._ptr)
            n = 0 if rubric is None else _capi.kpi_rubric_input_count(rubric)
            self._inputs = tuple(
                Input(_capi.kpi_bind_rubric_input_name(rubric, i),
                      INPUT_KINDS[_capi.kpi_bind_rubric_input_kind(rubric, i)],
                      _capi.kpi_bind_rubric_input_label(rubric, i))
                for i in range(n))
        return self._inputs

    @property
    def tiers(self):
        """[(id, label)] of the plan's tier classifications ("grade", "等级")."""
        ptr = self._ptr
        return [(_capi.kpi_plan_tier_id(ptr, i), _capi.kpi_plan_tier_label(ptr, i))
                for i in range(_capi.kpi_plan_tier_count(ptr))]

    @property
    def pay_items(self):
        """[(id, label)] of the plan's pay components, in pay-slip order."""
        ptr = self._ptr
        return [(_capi.kpi_plan_pay_id(ptr, i), _capi.kpi_plan_pay_label(ptr, i))
                for i in range(_capi.kpi_plan_pay_count(ptr))]

    def lint(self):
        """What the plan leaves ambiguous, as a list of :class:`kpiscore.Finding`
        (paths from the plan's root, with line and column)."""
        with Handle(_capi.kpi_lint_new(), _capi.kpi_lint_free) as lint:
            _capi.kpi_plan_lint(self._ptr, lint.ptr)
            return findings(lint.ptr)

    @property
    def metric_registry(self):
        """The plan's :class:`MetricRegistry` (built-ins plus its own)."""
        return borrowed(MetricRegistry, _capi.kpi_plan_metric_registry(self._ptr), self)

    def metrics_options(self):
        """The capi.kpi_metrics_options the plan asks for (period, time zone)."""
        o = _capi.kpi_metrics_options()
        _capi.kpi_plan_metrics_options(self._ptr, o)
        return o

    def score(self, inputs):
        """Scores one agent: ``inputs`` maps input names to values (Decimal,
        int or str numbers; an int count; a grade label; a list of numbers;
        a (numerator, denominator) tuple for a ratio; None for N/A). Returns a
        :class:`Scorecard`. InputError / NotFoundError name the bad input."""
        rubric = _capi.kpi_plan_rubric(self._ptr)
        if rubric is None:
            raise ValueError("the plan has no rubric")
        kinds = {i.name: i.kind for i in self.inputs}
        with Handle(_capi.kpi_inputs_new(), _capi.kpi_inputs_free) as h:
            for name, value in inputs.items():
                _set_input(h.ptr, name, kinds.get(name), value)
            return Scorecard(_capi.kpi_rubric_score(rubric, h.ptr), self)

    def __repr__(self):
        return "<Plan closed>" if self.closed else f"<Plan {self.name!r} from {self.source}>"


def _options(max_bytes):
    o = _capi.kpi_plan_options()
    o.max_bytes = max_bytes
    return o
