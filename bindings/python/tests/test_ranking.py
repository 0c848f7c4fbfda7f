"""Ranks, percentile ranks, tier tables, forced distributions, periods and
streaks through the binding (DOMAIN.md §3, docs/ranking.md)."""
import array
import decimal

import numpy as np
import pandas as pd
import pytest

import kpiscore
from kpiscore import capi

D = decimal.Decimal


def raw(values):
    return np.array([kpiscore.to_dec(v) for v in values], dtype=np.int64)


@pytest.mark.parametrize("method, pandas_method", [
    ("competition", "min"), ("modified", "max"), ("dense", "dense"), ("ordinal", "first"),
    ("fractional", "average")])
def test_rank_methods_match_pandas(method, pandas_method):
    scores = ["90", "85", "85", "70", "92.5", "85"]
    got = kpiscore.rank(scores, method=method, order="asc")
    s = pd.Series([float(x) for x in scores])
    assert got.ranks == [D(str(r)) for r in s.rank(method=pandas_method)]
    expected_pct = s.rank(method=pandas_method, pct=True)
    assert all(abs(float(p) - e) < 1e-9 for p, e in zip(got.pcts, expected_pct))


def test_rank_desc_default_and_raw_arrays():
    r = kpiscore.rank(["90", "85", "85", "70"])
    assert r.ranks == [1, 2, 2, 4] and r.pcts == [D("0.25"), D("0.5"), D("0.5"), 1]
    scores = raw(["90", "85", "85", "70"])
    out = np.zeros(4, dtype=np.int64)
    res = kpiscore.rank_raw(scores, out_ranks=out, method="fractional")
    assert res.ranks is out and out.tolist() == [10**9, 25 * 10**8, 25 * 10**8, 4 * 10**9]
    assert isinstance(res.pcts_f64, np.ndarray) and res.pcts_f64[0] == pytest.approx(0.25)
    assert capi.kpi_bind_address(scores) == scores.ctypes.data


def test_rank_groups_eligibility_and_ties_exact():
    # 30 % x 76 + 70 % x 96 is exactly 90 and ties with a 90 given directly
    mixed = kpiscore.from_dec(capi.kpi_dec_add(capi.kpi_dec_mul(kpiscore.to_dec("0.3"), kpiscore.to_dec(76), 0),
                                               capi.kpi_dec_mul(kpiscore.to_dec("0.7"), kpiscore.to_dec(96), 0)))
    assert kpiscore.rank([mixed, 90, 80]).ranks == [1, 1, 3]
    r = kpiscore.rank([90, 80, 70, 95], groups=[1, 1, 2, 2])
    assert r.ranks == [1, 2, 2, 1]
    r = kpiscore.rank([90, 80, 70], eligible=[True, False, True])
    assert r.ranks == [1, None, 2] and r.pcts[1] is None
    r = kpiscore.rank(np.array([90, 80, 70]) * 10**9, eligible=np.array([1, 0, 1], dtype=np.uint8),
                      eligibility="gate")
    assert r.ranks == [1, 2, 3]
    r = kpiscore.rank([90, 90, 80], method="ordinal", key=["0.5", "0.9", "0"])
    assert r.ranks == [2, 1, 3]


def test_rank_type_errors():
    with pytest.raises(TypeError, match="int64"):
        kpiscore.rank(np.array([1.5, 2.5]))
    with pytest.raises(TypeError, match="uint32"):
        kpiscore.rank([1, 2], groups=np.array([1, 2], dtype=np.int64))
    with pytest.raises(TypeError):
        kpiscore.rank([0.5, 1.5])                        # floats are not exact
    with pytest.raises(ValueError, match="group has 1 elements where 2 are needed"):
        kpiscore.rank([1, 2], groups=[1])
    with pytest.raises(kpiscore.InvalidArgumentError) as err:
        kpiscore.rank([1, 2], pct="excel_inc", significance=0)
    assert err.value.code == capi.KPI_EINVAL and "significance" in err.value.message


def test_percentrank_of_excel():
    assert kpiscore.percentrank_of(["1", "2", "2", "3"], "2.5") == D("0.833")
    assert kpiscore.percentrank_of(["1", "2", "2", "3"], "2.9", significance=1) == D("0.9")
    assert kpiscore.percentrank_of([1, 2, 2, 3], ["2", "2.9"]) == [D("0.333"), D("0.966")]
    assert kpiscore.percentrank_of([1, 2, 3], "3.5", kind="weak") == 1
    with pytest.raises(kpiscore.OutOfRangeError) as err:
        kpiscore.percentrank_of([1, 2, 3], ["2", "3.5"])
    e = err.value
    assert e.code == capi.KPI_ERANGE and "x[1] = 3.5 is above the largest value 3" in e.message
    with pytest.raises(kpiscore.NotAvailableError) as err:
        kpiscore.percentrank_of([], "1")
    assert err.value.code == capi.KPI_ENA


PLAN_A = [kpiscore.Band("初级", 70, 80, "closed", "open"), kpiscore.Band("中级", 80, 90, "closed", "open"),
          kpiscore.Band("高级", 90, 100, "closed", "closed")]


def test_tier_table_classify_and_apply():
    with kpiscore.TierTable(PLAN_A) as t:
        assert len(t) == 3 and t.labels == ("初级", "中级", "高级")
        assert t.classify(90) == 2 and t.label_of("89.999999999") == "中级"
        rows = t.apply(["92", "90", "85", "60"])
        assert [r.label for r in rows] == ["高级", "高级", "中级", ""]
        assert rows[3].tier is None and rows[3].reason == "gap"
        assert rows[1].rank == 2 and rows[1].position == 2 and rows[1].group_count == 4
        assert rows[0].explanation == "score 92 ranks 1 of 4; score 92 is in band '高级' [90, 100]"
        with pytest.raises(kpiscore.NotFoundError) as err:
            t.classify(65)
        assert err.value.code == capi.KPI_ENOTFOUND and err.value.message


def test_tier_table_unowned_end_and_lint():
    as_written = [("初级", 70, 80), ("中级", 80, 90), ("高级", 90, 100)]
    with kpiscore.TierTable(as_written) as t:
        with pytest.raises(kpiscore.PlanError) as err:
            t.classify(90)
        assert err.value.code == capi.KPI_EPLAN
        assert "score 90 is a shared end point of two bands" in err.value.message
        assert t.apply([90])[0].reason == "unowned-end"
    found = kpiscore.TierTable.lint(as_written)
    assert [f.code for f in found].count("tier-end-unowned") == 2
    plan_b = [("卓越", 95, 100), ("良好", 75, 84), ("一般", 65, 74)]
    gaps = [f for f in kpiscore.TierTable.lint(plan_b) if f.code == "tier-gap"]
    assert any("(84, 95)" in f.message for f in gaps) and gaps[0].path.startswith("bands[")
    with pytest.raises(kpiscore.PlanError) as err:
        kpiscore.TierTable([("A", 0, 10, "[", "]"), ("B", 5, 20, "[", "]")])
    assert err.value.path.startswith("bands[")


def test_rank_table_with_gate():
    # "met target AND ranked first" (seed 000/002): rank band [1, 1] with the gate
    with kpiscore.TierTable([("第一", 1, 1, "closed", "closed")], basis="rank") as t:
        rows = t.apply([95, 90, 80], eligible=[False, True, True], eligibility="gate")
        assert [r.reason for r in rows] == ["not-eligible", "gap", "gap"]


def test_forced_distribution_ties():
    scores = [99, 95, 95, 95, 90] + list(range(89, 74, -1))
    quotas = [kpiscore.Quota("最佳客服", "0.05"), kpiscore.Quota("优秀客服", "0.10")]
    with kpiscore.ForcedDistribution(quotas) as fd:
        rows = fd.apply(scores)
        assert [r.label for r in rows[:5]] == ["最佳客服", "", "", "", ""]
        assert rows[1].reason == "quotas-full" or rows[1].tie_cut == 1
        assert rows[0].quota == 1 and rows[0].taken == 1
    with kpiscore.ForcedDistribution(quotas, ties="include") as fd:
        assert [r.label for r in fd.apply(scores)[:5]] == ["最佳客服"] + ["优秀客服"] * 3 + [""]
    with kpiscore.ForcedDistribution(quotas, ties="key") as fd:
        rows = fd.apply(scores, key=[0, 1, 3, 2] + [0] * 16)
        assert [r.label for r in rows[:4]] == ["最佳客服", "", "优秀客服", "优秀客服"]
    with pytest.raises(kpiscore.PlanError) as err:
        kpiscore.ForcedDistribution([kpiscore.Quota("a", "0.7"), kpiscore.Quota("b", "0.5")])
    assert err.value.path.startswith("quotas[")


def test_periods_and_streaks():
    # 高级 if both of the last two >= 90: min of the last two
    assert kpiscore.periods_reduce([["92", "90"], ["99", "89.5"]], 2) == [90, D("89.5")]
    m = np.array([[90, 92, 96], [80, 70, 75]], dtype=np.int64) * 10**9
    assert kpiscore.periods_reduce(m, 3, how="mean") == [D("92.666666667"), 75]
    with pytest.raises(TypeError, match="two-dimensional"):
        kpiscore.periods_reduce(np.zeros(3, dtype=np.int64), 1)
    firsts = np.array([[1, 1, 1], [0, 1, 1], [1, 1, 1]], dtype=bool)
    s = kpiscore.streaks(firsts, 3)
    assert s.runs == [3, 2, 3] and s.flags == [True, False, True]
    assert kpiscore.streaks([[1, 1, 1, 1]], 3).flags == [False]          # once only
    assert kpiscore.streaks([[1, 1, 1, 1]], 3, fire="while").flags == [True]
    with pytest.raises(kpiscore.InvalidArgumentError):
        kpiscore.streaks([[1]], 0)


def test_out_of_memory_from_a_real_call():
    capi.kpi_bind_test_fail_allocations_after(0)
    try:
        with pytest.raises(kpiscore.OutOfMemoryError) as err:
            kpiscore.rank(array.array("q", [3, 1, 2]))
    finally:
        capi.kpi_bind_test_fail_allocations_after(-1)
    assert err.value.code == capi.KPI_ENOMEM and err.value.message
    assert kpiscore.rank([3, 1, 2]).ranks == [1, 3, 2]     # the library still works
