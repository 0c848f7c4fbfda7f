"""Plans, scorecards and the month-end run through the binding, checked
against the command line on the bundled sample and against hand-worked
figures (DOMAIN.md / docs/rubric.md)."""
import csv
import gc
import io
import os
import subprocess
import sys
from decimal import Decimal

import pytest

import kpiscore
from kpiscore import capi

ROOT = os.environ["KPISCORE_SOURCE_ROOT"]
BUILD = os.environ["KPISCORE_BUILD_ROOT"]
SAMPLE = os.path.join(ROOT, "examples", "data", "sample")
EXAMPLE = os.path.join(ROOT, "examples", "python", "score_month.py")
EXPECTED = os.path.join(ROOT, "bindings", "java", "tests", "sample-2026-09.csv")
CLI = os.path.join(BUILD, "examples", "kpiscore")

PLAN = """{"kpiscore": 1, "name": "测试方案", "period": "month",
 "inputs": {
   "conversion": {"kind": "number", "label": "咨询转化率"},
   "execution": {"kind": "number", "label": "执行力"},
   "grade": {"kind": "grade", "label": "服务", "labels": ["优", "良", "差"]},
   "late": {"kind": "count", "label": "迟到"},
   "qa": {"kind": "list", "label": "监听"}
 },
 "rubric": {"total": 100, "na": "zero", "pass_mark": 60, "items": [
   {"id": "conversion", "label": "咨询转化率", "points": 40, "rule": "linear", "input": "conversion", "target": "50%"},
   {"id": "execution", "label": "执行力", "points": 30, "rule": "score", "input": "execution"},
   {"id": "grade", "label": "服务", "points": 10, "rule": "grades", "input": "grade",
    "grades": {"优": 10, "良": 6, "差": 0}},
   {"id": "late", "label": "考勤", "points": 10, "rule": "events", "events": [{"input": "late", "each": -5}]},
   {"id": "qa", "label": "监听", "points": 10, "rule": "weighted", "scale": 100,
    "parts": [{"input": "qa", "weight": 1, "of": "mean"}]}
 ]}}"""


@pytest.fixture(scope="module")
def cli_csv():
    out = subprocess.run([CLI, "run", "--plan", f"{SAMPLE}/plan.json", "--agents", f"{SAMPLE}/agents.csv",
                          "--events", f"{SAMPLE}/events.csv", "--grades", f"{SAMPLE}/grades.csv",
                          "--period", "2026-09", "--format", "csv", "--quiet"],
                         check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def _example(fmt):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, EXAMPLE, "--format", fmt], check=True, capture_output=True,
                          env=env).stdout.decode("utf-8")


def _numbers(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    return [(r["rank"], r["agent"], r["score"], r.get("pay_total", "0.00")) for r in rows]


def test_score_month_matches_the_cli(cli_csv):
    mine = _example("csv")
    assert _numbers(mine) == _numbers(cli_csv)
    assert len(_numbers(mine)) == 24
    assert _numbers(mine)[0] == ("1", "A020", "92.05", "2843.26")
    assert mine == cli_csv  # the whole CSV, byte for byte


def test_score_month_prints_the_cli_table():
    table = _example("table")
    cli = subprocess.run([CLI, "run", "--plan", f"{SAMPLE}/plan.json", "--agents", f"{SAMPLE}/agents.csv",
                          "--events", f"{SAMPLE}/events.csv", "--grades", f"{SAMPLE}/grades.csv",
                          "--period", "2026-09", "--format", "table", "--quiet"],
                         check=True, capture_output=True).stdout.decode("utf-8")
    assert table == cli
    assert "  17  A001  胡海涛  一组  70.71  合格" in table


def test_java_expected_figures_follow_the_cli(cli_csv):
    """The Java test reads this committed file; it must stay the CLI's output."""
    with open(EXPECTED, encoding="utf-8", newline="") as f:
        assert f.read() == cli_csv, "regenerate bindings/java/tests/sample-2026-09.csv with the CLI"


@pytest.fixture
def sample_run():
    return _sample_run()


def _sample_run():
    plan = kpiscore.Plan.load(os.path.join(SAMPLE, "plan.json"))
    metrics, agents, run = kpiscore.Metrics(plan), kpiscore.Agents(), kpiscore.Run(plan)
    with open(os.path.join(SAMPLE, "agents.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            run.add_agent(r["agent"], r["name"], r["team"], r["centre"])
            agents.add(r["agent"], r["team"], r["centre"])
            run.set_field(r["agent"], "post_salary", r["post_salary"])
    metrics.ingest_csv(os.path.join(SAMPLE, "events.csv"), agents)
    run.set_metrics(metrics, agents)
    with open(os.path.join(SAMPLE, "grades.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            run.set_input(r["agent"], r["period"], r["input"], r["value"])
    return run


def test_run_rows_scorecards_and_explanations(sample_run, cli_csv):
    run = sample_run
    assert run.period is None
    with pytest.raises(ValueError, match="evaluate"):
        run.scorecard("A020")
    run.evaluate()                                   # the latest
    assert run.period == "2026-09" and run.periods == ["2026-07", "2026-08", "2026-09"]
    rows = run.rows
    expected = list(csv.DictReader(io.StringIO(cli_csv)))
    assert [(str(r.rank), r.id, r.name, r.team) for r in rows] == \
        [(e["rank"], e["agent"], e["name"], e["team"]) for e in expected]
    assert [r.score for r in rows] == [Decimal(e["score"]) for e in expected]
    top = rows[0]
    assert (top.id, top.outcome, top.score, top.rank, top.pay) == ("A020", "pass", Decimal("92.05"), 1, 284326)
    assert [r.pay for r in rows] == [kpiscore.parse_money(e["pay_total"]) for e in expected]
    assert top.pct == Decimal("0.041666667")              # 1 / 24, 9 places
    assert all(isinstance(r.score, Decimal) for r in rows)
    assert [r.outcome for r in rows].count("fail") == 7   # 不合格: below the pass mark 70
    card = run.scorecard("A020")
    assert card.total == Decimal("92.05") and card.outcome == "pass"
    assert [i.label for i in card.items][:2] == ["指标完成率", "咨询转化率"]
    assert sum(i.points for i in card.items) == card.total  # sum_of_rounded: the card adds up
    first = card.items[0]
    assert (first.points, first.max, first.value) == (Decimal(30), Decimal(30), "1.610028696")
    assert "reaches the cap" in first.reason
    assert "A020 黄安琪 (二组) · 2026-09" in run.explain("A020")
    assert card.explain().startswith("- 指标完成率 [completion]: 30.00 / 30.00")
    slip = run.payslip("A020")                           # 岗位工资 + 个人提成 + 公共提成
    assert [(ln.label, ln.amount) for ln in slip.lines] == [("岗位工资", 200000), ("个人提成", 74061),
                                                            ("公共提成", 10265)]
    assert slip.total == top.pay and "2% (rows[3], formula, half_up)" in slip.explain()
    with pytest.raises(TypeError):
        slip.add("奖金", 100)                            # the run's slip is read-only
    tiers = run.tiers("A020")
    assert run.tier_names == ["等级", "季度评优"] and run.plan.tiers == [("grade", "等级"), ("awards", "季度评优")]
    assert (tiers["等级"].label, tiers["等级"].reason) == ("中级", "band")
    assert (tiers["季度评优"].label, tiers["季度评优"].reason) == ("最佳客服", "quota")
    assert [p for p, _ in run.plan.pay_items] == ["post_salary", "commission", "pool", "streak", "fines"]
    assert run.scorecard(top.agent).total == card.total  # by index too
    # scored on two threads: the same rows (24 agents take one thread)
    before = [(r.id, r.score, r.rank, r.pay) for r in rows]
    assert [(r.id, r.score, r.rank, r.pay) for r in run.evaluate(threads=2).rows] == before
    with pytest.raises(kpiscore.InvalidArgumentError, match="threads is 0"):
        run.evaluate(threads=0)
    card = run.scorecard("A020")
    # history: an earlier period, and the cards handed out before are invalid now
    run.evaluate("2026-07")
    with pytest.raises(ValueError, match="re-evaluated"):
        card.total
    assert run.period == "2026-07" and len(run.rows) == 24


def test_run_keeps_its_parents_alive():
    run = _sample_run()   # no other reference to its plan, metrics or agents
    gc.collect()
    run.evaluate("2026-09")
    card = run.scorecard("A001")
    del run
    gc.collect()
    assert card.total == Decimal("70.71")               # the card keeps the run, which keeps the rest


def test_run_refuses_closed_parents(sample_run):
    sample_run.metrics.close()
    with pytest.raises(ValueError, match="Metrics was closed"):
        sample_run.evaluate()


def test_plan_properties_and_lint():
    plan = kpiscore.Plan.from_string(PLAN, source="test.json")
    assert plan.name == "测试方案" and plan.period == "month" and plan.source == "test.json"
    assert plan.rounding == ("half_up", 2) and plan.total == 100
    assert [(i.name, i.kind) for i in plan.inputs] == [
        ("conversion", "number"), ("execution", "number"), ("grade", "grade"), ("late", "count"),
        ("qa", "list")]
    assert plan.lint() == []
    sample = kpiscore.Plan.load(os.path.join(SAMPLE, "plan.json"))
    codes = {(f.code, f.path, f.line) for f in sample.lint()}
    assert ("tier-uncovered", "tiers[0].bands[0]", 166) in codes     # lint reaches the tiers section
    reg = plan.metric_registry
    assert reg.find("reply_rate") == reg.metric(reg.find("reply_rate")).index
    info = reg.metric(reg.find("conversion"))
    assert (info.id, info.name, info.kind, info.unit) == ("conversion", "咨询转化率", "ratio", "ratio")
    assert reg.event_code("reply") == capi.KPI_EVENT_REPLY and reg.event_name(1) == "reply"
    assert reg.events["delivery"] == capi.KPI_EVENT_DELIVERY
    with pytest.raises(kpiscore.NotFoundError):
        reg.find("no_such_metric")


def test_plan_score_worked_card():
    """conversion 45 % of a 50 % target: 40 x 0.9 = 36; execution 24 of 30;
    良 = 6; two late days: 10 - 2 x 5 = 0; QA mean (88 + 92 + 79) / 3 =
    86.333... of 100 x 10 = 8.63 (half up). Total 36 + 24 + 6 + 0 + 8.63."""
    with kpiscore.Plan.from_string(PLAN) as plan:
        card = plan.score({"conversion": "0.45", "execution": 24, "grade": "良", "late": 2,
                           "qa": ["88", "92", "79"]})
        assert [i.points for i in card.items] == [36, 24, 6, 0, Decimal("8.63")]
        assert card.total == Decimal("74.63") and card.outcome == "pass"
        assert card.items[2].value == "良"
        # N/A counts as zero (plan "na": "zero"); a ratio with a zero denominator is N/A
        card = plan.score({"conversion": (5, 0), "execution": None, "grade": "差", "late": 0, "qa": []})
        assert card.items[0].status == "na_zero" and card.total == 10 and card.outcome == "fail"
        with pytest.raises(kpiscore.InputError, match="中"):
            plan.score({"grade": "中"})                   # not in the grade map
        with pytest.raises(kpiscore.NotFoundError):
            plan.score({"speed": 1})                     # not declared
        with pytest.raises(TypeError):
            plan.score({"conversion": 0.5})              # floats are not exact
    with pytest.raises(ValueError, match="closed"):
        plan.name


def test_parents_are_freed_after_their_dependents():
    """A run borrows its plan, metrics and agents in C: closing (or
    collecting) them first only marks them closed; they are freed with the run."""
    run = _sample_run()
    plan, metrics = run.plan, run.metrics
    plan.close()
    metrics.close()
    assert plan.closed and plan._handle._ptr is not None        # still there for the C run
    with pytest.raises(ValueError, match="Plan is closed"):
        plan.name
    run.close()
    run.close()                                                 # twice is a no-op
    assert plan._handle._ptr is None and metrics._handle._ptr is None
