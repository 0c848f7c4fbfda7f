"""Every exception class the library can raise today, each from a real
failing call, with its code, message and location."""
import pytest

import kpiscore
from kpiscore import capi


def _schedule_unsorted():
    kpiscore.Schedule([(10_000, 20_000, "1%"), (5_000, None, "2%")])


def _overflow():
    with kpiscore.Schedule([(0, None, "1000")]) as s:
        s.evaluate(2 ** 62)


def _gap():
    with kpiscore.Schedule([(0, 100, "1%"), (200, None, "1%")], mode="whole") as s:
        s.evaluate(150)


def _enomem():
    capi.kpi_bind_test_fail_allocations_after(0)
    try:
        kpiscore.Payslip()
    finally:
        capi.kpi_bind_test_fail_allocations_after(-1)


PLAN = ('{"kpiscore": 1, "name": "p", "period": "month", "metrics": {"utc_offset": "%s"},'
        ' "inputs": {"x": {"kind": "number"}},'
        ' "rubric": {"total": 10, "items": [{"id": "x", "points": 10, "rule": "score", "input": "x"}]}}')


def _plan(offset="+08:00"):
    return kpiscore.Plan.from_string(PLAN % offset)


def _corrupt_state():
    kpiscore.Metrics.from_bytes(_plan(), b"KPIM this is not a state")


def _missing_plan():
    kpiscore.Plan.load("/nonexistent/plan.json")


def _merge_other_zone():
    kpiscore.Metrics(_plan("+08:00")).merge(kpiscore.Metrics(_plan("+00:00")))


def _agent_twice():
    run = kpiscore.Run(_plan())
    run.add_agent("A001", "胡海涛")
    run.add_agent("A001", "胡海涛")


CASES = [
    # (class, status, failing call, message fragment, path, column)
    (kpiscore.InvalidArgumentError, capi.KPI_EINVAL,
     lambda: kpiscore.rank([1], pct="excel_inc", significance=10), "significance", "", 0),
    (kpiscore.ParseError, capi.KPI_EPARSE, lambda: kpiscore.parse_money("12.3x"),
     "unexpected character 'x'", "", 5),
    (kpiscore.PlanError, capi.KPI_EPLAN, _schedule_unsorted, "rows must be sorted by from",
     "rows[1].from", 0),
    (kpiscore.OutOfRangeError, capi.KPI_ERANGE, lambda: kpiscore.percentrank_of([1, 2], "3"),
     "above the largest value", "", 0),
    (kpiscore.OverflowError, capi.KPI_EOVERFLOW, _overflow, "", "", 0),
    (kpiscore.NotFoundError, capi.KPI_ENOTFOUND, _gap, "no row covers 1.50", "", 0),
    (kpiscore.VersionError, capi.KPI_EVERSION, lambda: kpiscore.check_version(99, 0),
     "major version", "", 0),
    (kpiscore.LimitError, capi.KPI_ELIMIT, lambda: kpiscore.fine_total(2, ["10"], past="fail"),
     "", "", 0),
    (kpiscore.NotAvailableError, capi.KPI_ENA, lambda: kpiscore.money_times_ratio(100, 1, 0), "", "", 0),
    (kpiscore.InputError, capi.KPI_EINPUT, lambda: kpiscore.split_pool(100, [0, 0]),
     "all 2 weights are 0", "", 0),
    (kpiscore.OutOfMemoryError, capi.KPI_ENOMEM, _enomem, "", "", 0),
    (kpiscore.CorruptStateError, capi.KPI_ECORRUPT, _corrupt_state, "", "", 0),
    (kpiscore.FileError, capi.KPI_EIO, _missing_plan, "cannot open", "", 0),
    (kpiscore.MismatchError, capi.KPI_EMISMATCH, _merge_other_zone, "", "", 0),
    (kpiscore.DuplicateError, capi.KPI_EDUPLICATE, _agent_twice, "A001", "", 0),
]


@pytest.mark.parametrize("cls, code, call, fragment, path, column", CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_each_class_from_a_real_call(cls, code, call, fragment, path, column):
    with pytest.raises(cls) as err:
        call()
    e = err.value
    assert type(e) is cls and isinstance(e, kpiscore.Error)
    assert e.code == code and e.status_name == capi.kpi_status_str(code)
    assert e.message and fragment in e.message
    assert e.path == path and e.column == column
    assert str(e).endswith(e.message)
    if path:
        assert f"{path}: " in str(e)


def test_state_and_plan_errors_say_where():
    with pytest.raises(kpiscore.CorruptStateError) as err:
        _corrupt_state()
    assert err.value.offset >= 0 and isinstance(err.value, ValueError)
    with pytest.raises(kpiscore.FileError) as err:
        _missing_plan()
    assert isinstance(err.value, OSError) and err.value.source == "/nonexistent/plan.json"
    with pytest.raises(kpiscore.PlanError) as err:
        kpiscore.Plan.from_string('{"kpiscore": 1,\n "name": 5}', source="crm:plan/7")
    e = err.value
    assert (e.source, e.line, e.path) == ("crm:plan/7", 2, "name")
    assert str(e).startswith("crm:plan/7:2:")


def test_every_status_has_a_class():
    """Every library status maps to its class."""
    from kpiscore.errors import _BY_CODE
    codes = [getattr(capi, n) for n in dir(capi)
             if n.startswith("KPI_E") and isinstance(getattr(capi, n), int) and getattr(capi, n) < 0]
    assert sorted(_BY_CODE) == sorted(codes)
    assert _BY_CODE[capi.KPI_ECORRUPT] is kpiscore.CorruptStateError
    assert _BY_CODE[capi.KPI_EIO] is kpiscore.FileError
    assert _BY_CODE[capi.KPI_EMISMATCH] is kpiscore.MismatchError
    assert _BY_CODE[capi.KPI_EDUPLICATE] is kpiscore.DuplicateError
