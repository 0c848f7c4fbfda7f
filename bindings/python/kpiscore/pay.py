"""Pay: commission schedules (提成), pools (公共提成), score bonuses (绩效奖金),
fines (罚款) and pay slips (工资条), to the fen.

Money is an ``int`` of fen or a ``Decimal``/str of yuan (``to_fen``); rates,
ratios and scores are ``Decimal``/str (``to_dec``). Results are ints of fen.
See docs/pay.md for the rules and docs/python.md for examples.
"""

from dataclasses import dataclass

from . import _arrays
from . import capi as _capi
from ._handle import Handle, Owner
from .lint import findings
from .numbers import ROUND_HALF_UP, from_dec, rounding_mode, to_dec, to_fen

__all__ = [
    "Row", "Schedule", "Explanation", "PayLine", "Payslip",
    "pool_amount", "split_pool", "score_bonus", "fine_total",
]

_INT64_MIN = -(2 ** 63)
_INT64_MAX = 2 ** 63 - 1

MODES = {"marginal": _capi.KPI_BRACKET_MARGINAL, "whole": _capi.KPI_BRACKET_WHOLE,
         "formula": _capi.KPI_BRACKET_FORMULA, "fixed": _capi.KPI_BRACKET_FIXED}
BASES = {"amount": _capi.KPI_BASIS_AMOUNT, "ratio": _capi.KPI_BASIS_RATIO}
ENDS = {"[)": _capi.KPI_ENDS_LOWER, "(]": _capi.KPI_ENDS_UPPER,
        "[]": _capi.KPI_ENDS_BOTH, "()": _capi.KPI_ENDS_NEITHER}
NEGATIVE = {"rows": _capi.KPI_NEGATIVE_ROWS, "zero": _capi.KPI_NEGATIVE_ZERO,
            "clawback": _capi.KPI_NEGATIVE_CLAWBACK}
FINE_PAST = {"repeat_last": _capi.KPI_FINE_REPEAT_LAST, "fail": _capi.KPI_FINE_FAIL}
RULES = ("amount", "marginal", "whole", "formula", "fixed", "pool", "pool_share",
         "score_bonus", "fine")
FLAGS = {"capped": _capi.KPI_WHY_CAPPED, "floored": _capi.KPI_WHY_FLOORED,
         "clawback": _capi.KPI_WHY_CLAWBACK, "negative_zero": _capi.KPI_WHY_NEGATIVE_ZERO,
         "gated": _capi.KPI_WHY_GATED, "ratio_basis": _capi.KPI_WHY_RATIO_BASIS,
         "past_ladder": _capi.KPI_WHY_PAST_LADDER}


# ---- explanations ----------------------------------------------------------

class Explanation:
    """What one figure was made from (a C kpi_pay_why, copied): the rule,
    row, rate, rounding and inputs. ``str()`` is the library's text, e.g.
    "250.00 + (22,000.00 - 20,000.00) x 4% (rows[2], formula, half_up)".

    ``value``, ``amount`` and ``base`` are fen; ``rate`` is a Decimal;
    ``basis``, ``anchor``, ``num``, ``den`` and ``gate`` are in the rule's
    own unit (fen, or a library decimal for ratio bases and scores: see
    docs/pay.md, "What kpi_pay_why holds per rule").
    """

    __slots__ = ("_why",)

    def __init__(self, why):
        self._why = why  # an owned capi.kpi_pay_why

    value = property(lambda self: self._why.value)
    basis = property(lambda self: self._why.basis)
    amount = property(lambda self: self._why.amount)
    row = property(lambda self: None if self._why.row < 0 else self._why.row)
    rate = property(lambda self: from_dec(self._why.rate))
    base = property(lambda self: self._why.base)
    anchor = property(lambda self: self._why.anchor)
    num = property(lambda self: self._why.num)
    den = property(lambda self: self._why.den)
    count = property(lambda self: self._why.count)
    gate = property(lambda self: self._why.gate)
    places = property(lambda self: self._why.places)

    @property
    def rule(self):
        """"formula", "pool_share", "score_bonus", ... (docs/pay.md)."""
        return RULES[self._why.rule]

    @property
    def flags(self):
        """The set of flags: "capped", "gated", "clawback", ..."""
        return frozenset(name for name, bit in FLAGS.items() if self._why.flags & bit)

    @property
    def rounding(self):
        return _capi.kpi_round_name(self._why.rounding)

    @property
    def text(self):
        return _capi.kpi_bind_pay_why_text(self._why)

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"<Explanation {self.value} fen: {self.text}>"


def _why():
    return _capi.kpi_pay_why()


def _explained(value, why, explain):
    return Explanation(why) if explain else value


# ---- schedules -------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One row of a schedule, in the basis unit: fen (int) or yuan
    (Decimal/str) for an amount basis, Decimal/str for a ratio basis.

    ``low=None`` has no lower limit (first row only), ``high=None`` no upper
    limit (last row only); ``ends`` is "[)" (owns low, the default), "(]",
    "[]" or "()"; ``rate`` a Decimal ("0.015" or "1.5%"); ``base`` money
    (formula: added; fixed: paid); ``anchor`` (formula) where the rate
    counts from, None for ``low``.
    """

    low: object = None
    high: object = None
    rate: object = 0
    base: object = 0
    anchor: object = None
    ends: str = "[)"

    @classmethod
    def of(cls, row):
        """A Row from a Row, a dict ({"from", "to", "ends", "rate", "base",
        "anchor"}, as in a plan) or a tuple (low, high, rate[, base[, anchor]])."""
        if isinstance(row, cls):
            return row
        if isinstance(row, dict):
            names = {"from": "low", "to": "high"}
            return cls(**{names.get(k, k): v for k, v in row.items()})
        return cls(*row)


def _columns(rows, basis):
    """The rows as the C columns from, to, ends, rate, base, anchor."""
    unit = to_fen if basis == _capi.KPI_BASIS_AMOUNT else to_dec
    rows = [Row.of(r) for r in rows]
    cols = tuple(_arrays.new(t, len(rows)) for t in "qqiqqq")
    for i, r in enumerate(rows):
        cols[0][i] = _INT64_MIN if r.low is None else unit(r.low)
        cols[1][i] = _INT64_MAX if r.high is None else unit(r.high)
        cols[2][i] = _arrays.choice(ENDS, r.ends, "ends")
        cols[3][i] = to_dec(r.rate)
        cols[4][i] = to_fen(r.base)
        cols[5][i] = _INT64_MIN if r.anchor is None else unit(r.anchor)
    return cols


def _definition(mode, basis, rounding, places, negative, cap, floor):
    d = _capi.kpi_schedule_def()
    d.mode = _arrays.choice(MODES, mode, "mode")
    d.basis = _arrays.choice(BASES, basis, "basis")
    d.rounding = rounding_mode(rounding)
    d.places = places
    d.negative = _arrays.choice(NEGATIVE, negative, "negative")
    d.cap = _INT64_MAX if cap is None else to_fen(cap)
    d.floor = _INT64_MIN if floor is None else to_fen(floor)
    return d


class Schedule(Owner):
    """A built commission schedule (immutable; share it across threads).

    ``Schedule(rows, mode="formula")`` with rows as :class:`Row`, dicts or
    tuples; ``mode`` "marginal" (超额累进), "whole" (阶梯提成), "formula" or
    "fixed"; ``basis`` "amount" or "ratio"; ``rounding`` and ``places`` (2 =
    fen) of the one rounding; ``negative`` "rows", "zero" or "clawback";
    ``cap`` and ``floor`` money or None. Refused rows raise PlanError with
    the path ("rows[2].from").
    """

    __slots__ = ("_basis", "rows")

    def __init__(self, rows, mode="marginal", basis="amount", rounding=ROUND_HALF_UP, places=2,
                 negative="rows", cap=None, floor=None):
        d = _definition(mode, basis, rounding, places, negative, cap, floor)
        ptr = _capi.kpi_bind_schedule_new(d, *_columns(rows, d.basis))
        super().__init__(ptr, _capi.kpi_schedule_free)
        self._basis = d.basis
        self.rows = tuple(Row.of(r) for r in rows)

    @staticmethod
    def lint(rows, mode="marginal", basis="amount", rounding=ROUND_HALF_UP, places=2,
             negative="rows", cap=None, floor=None):
        """What the rows leave ambiguous (jumps, gaps, overlaps, ...), as a
        list of :class:`kpiscore.Finding`, whether or not they would build."""
        d = _definition(mode, basis, rounding, places, negative, cap, floor)
        with Handle(_capi.kpi_lint_new(), _capi.kpi_lint_free) as lint:
            _capi.kpi_bind_schedule_lint(lint.ptr, d, *_columns(rows, d.basis))
            return findings(lint.ptr)

    def evaluate(self, amount):
        """Pay in fen for an amount basis (sales): int fen or Decimal/str yuan."""
        return _capi.kpi_schedule_eval(self._ptr, to_fen(amount), None)

    def evaluate_ratio(self, ratio, amount=0):
        """Pay in fen for a ratio basis (attainment, growth): the row chosen
        by ``ratio`` applies its rate to ``amount`` (whole) or pays its base (fixed)."""
        return _capi.kpi_schedule_eval_ratio(self._ptr, to_dec(ratio), to_fen(amount), None)

    def explain(self, basis, amount=0):
        """The :class:`Explanation` of the pay for ``basis`` (and ``amount``
        for a ratio schedule); its ``value`` is the pay."""
        why = _why()
        if self._basis == _capi.KPI_BASIS_RATIO:
            _capi.kpi_schedule_eval_ratio(self._ptr, to_dec(basis), to_fen(amount), why)
        else:
            _capi.kpi_schedule_eval(self._ptr, to_fen(basis), why)
        return Explanation(why)

    def evaluate_many(self, basis, amounts=None, out=None):
        """Evaluates many bases at once, the payroll hot path.

        ``basis`` is an int64 buffer (numpy array, ``array('q')``) of fen
        (amount schedule) or library decimals (ratio schedule), read in place;
        ``amounts`` the same for a ratio schedule in whole mode. ``out`` is a
        writable int64 buffer of the same length, written in place; without
        it a new one is returned (numpy for numpy input). A sequence of
        ints/Decimals is converted first (a copy). Exactly what one
        ``evaluate`` per element gives; nothing is written on failure.
        """
        if not _arrays.is_buffer(basis):
            convert = to_fen if self._basis == _capi.KPI_BASIS_AMOUNT else to_dec
            basis = _arrays.integers([convert(b) for b in basis])
        if amounts is not None and not _arrays.is_buffer(amounts):
            amounts = _arrays.integers([to_fen(a) for a in amounts])
        if out is None:
            out = _arrays.new("q", _arrays.count(basis), like=basis)
        _capi.kpi_bind_schedule_eval_batch(self._ptr, basis, amounts, out)
        return out

    def increment(self, mtd, sale):
        """What one more sale adds to the month so far: f(mtd + sale) - f(mtd), fen."""
        return _capi.kpi_schedule_increment(self._ptr, to_fen(mtd), to_fen(sale))

    def __repr__(self):
        state = "closed" if self.closed else f"{len(self.rows)} rows"
        return f"<Schedule {state}>"


# ---- pools, bonuses, fines -------------------------------------------------

def pool_amount(basis, rate, rounding=ROUND_HALF_UP, explain=False):
    """A pool: basis x rate rounded once (seed 001 第10条: 1 000 000.00 x 0.5 %
    = 500000 fen)."""
    why = _why() if explain else None
    value = _capi.kpi_pool_amount(to_fen(basis), to_dec(rate), rounding_mode(rounding), why)
    return _explained(value, why, explain)


def split_pool(pool, weights, keys=None, explain=False):
    """Splits ``pool`` (money) into parts that add up to it to the fen, by
    the largest-remainder method.

    ``weights`` is the number of equal parts (an int), or one weight >= 0
    per part: ints in one unit (fen, minutes, library decimals) or
    Decimals/strs (scores); a buffer of int64 is read in place. ``keys``
    (agent ids, distinct ints) break ties so the parts follow the people in
    any order; without them the earlier part wins. Returns a list of fen,
    or of :class:`Explanation` with ``explain=True``.
    """
    if isinstance(weights, int) and not isinstance(weights, bool):
        n, weights = weights, None
    else:
        if not _arrays.is_buffer(weights):
            weights = list(weights)
            if any(not isinstance(w, int) for w in weights):
                weights = [to_dec(w) for w in weights]
        weights = _arrays.integers(weights)
        n = _arrays.count(weights)
    keys = _arrays.integers(keys)
    parts = _arrays.new("q", n)
    whys = None
    if explain:
        whys = Handle(_capi.kpi_bind_why_array_new(n), _capi.kpi_bind_why_array_free)
    try:
        _capi.kpi_bind_pool_split(to_fen(pool), weights, keys, parts, whys.ptr if whys else None)
        if not explain:
            return parts.tolist()
        result = []
        for i in range(n):
            why = _why()
            _capi.kpi_bind_why_array_get(whys.ptr, i, why)
            result.append(Explanation(why))
        return result
    finally:
        if whys:
            whys.close()


def score_bonus(score, *, pool, total, gate=0, rounding=ROUND_HALF_UP, places=2, explain=False):
    """绩效奖金: pool x score / total rounded once; 0 below gate x total
    (gate a fraction: "0.7"). Seed 003: ``score_bonus(117, pool=100000,
    total=130, gate="0.7")`` is 90000 (900.00)."""
    d = _capi.kpi_score_bonus_def()
    d.pool = to_fen(pool)
    d.total = to_dec(total)
    d.gate = to_dec(gate)
    d.rounding = rounding_mode(rounding)
    d.places = places
    why = _why() if explain else None
    return _explained(_capi.kpi_score_bonus(d, to_dec(score), why), why, explain)


def fine_total(occurrences, steps, past="repeat_last", explain=False):
    """罚款 for ``occurrences`` in one period on an escalating ladder
    (``steps`` money, the 1st, 2nd, ... occurrence), cumulative and
    negative: three complaints on 50, 100, 200 yuan are -35000 fen. Past the
    ladder "repeat_last" charges the last step again, "fail" raises LimitError."""
    steps = _arrays.integers([to_fen(s) for s in steps])
    why = _why() if explain else None
    value = _capi.kpi_bind_fine_total(steps, _arrays.choice(FINE_PAST, past, "past"),
                                      _count(occurrences), why)
    return _explained(value, why, explain)


def _count(n):
    if isinstance(n, (bool, float)):
        raise TypeError("occurrences is a count (int)")
    return int(n)


# ---- pay slips -------------------------------------------------------------

@dataclass(frozen=True)
class PayLine:
    label: str
    amount: int          # fen
    explanation: Explanation

    def __str__(self):
        return f"{self.label}\t{self.amount}\t{self.explanation}"


class Payslip(Owner):
    """A pay slip (工资条): labelled lines, each explained. Single-writer.

    ``add(label, x)`` takes an :class:`Explanation` (from ``explain=True``
    calls or ``Schedule.explain``) or plain money (岗位工资: rule "amount").
    """

    __slots__ = ()

    def __init__(self):
        super().__init__(_capi.kpi_payslip_new(), _capi.kpi_payslip_free)

    def add(self, label, value):
        if isinstance(value, Explanation):
            _capi.kpi_payslip_add(self._ptr, label, value._why)
        else:
            _capi.kpi_payslip_add_amount(self._ptr, label, to_fen(value))
        return self

    def __len__(self):
        return _capi.kpi_payslip_count(self._ptr)

    @property
    def lines(self):
        result = []
        for i in range(len(self)):
            why = _why()
            _capi.kpi_bind_payslip_line(self._ptr, i, why)
            result.append(PayLine(_capi.kpi_bind_payslip_label(self._ptr, i), why.value,
                                  Explanation(why)))
        return result

    @property
    def total(self):
        """The exact sum of the lines, fen (OverflowError if it does not fit)."""
        return _capi.kpi_payslip_total(self._ptr)

    def explain(self):
        """The whole slip as text: one tab-separated line per component
        (label, amount, explanation) and a 合计 line."""
        return _capi.kpi_bind_payslip_explain(self._ptr)
