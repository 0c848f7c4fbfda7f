#!/usr/bin/env python3
"""The month-end run in Python: what `kpiscore run` does, through the binding.

    score_month.py [--data DIR] [--period 2026-09] [--format table|csv] [--threads N]

Reads DIR/plan.json, DIR/agents.csv, DIR/events.csv and DIR/grades.csv
(the bundled sample by default: examples/data/sample), evaluates the period
and prints the ranked table (score, outcome, each tier classification, each
pay component and the total) exactly as the command line prints it, or its
CSV. Run it with the build's package on the path:

    PYTHONPATH=build/bindings/python python3 examples/python/score_month.py
"""
import argparse
import csv
import os
import sys
import unicodedata

import kpiscore

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "data", "sample")
OUTCOMES = {"pass": "合格", "fail": "不合格", "not_assessed": "不参评"}


def load(data, period, threads):
    """Plan, agents, events and grades into an evaluated kpiscore.Run."""
    plan = kpiscore.Plan.load(os.path.join(data, "plan.json"))
    metrics = kpiscore.Metrics(plan)
    agents = kpiscore.Agents()
    run = kpiscore.Run(plan)
    with open(os.path.join(data, "agents.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            run.add_agent(row["agent"], row.get("name"), row.get("team"), row.get("centre"))
            agents.add(row["agent"], row.get("team") or "", row.get("centre") or "")
            # every other column but the level is an amount pay rules read by name
            for column, value in row.items():
                if column not in ("agent", "name", "team", "centre", "level") and value:
                    run.set_field(row["agent"], column, value)
    metrics.ingest_csv(os.path.join(data, "events.csv"), agents, threads=threads)
    run.set_metrics(metrics, agents)
    grades = os.path.join(data, "grades.csv")
    if os.path.exists(grades):
        with open(grades, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                run.set_input(row["agent"], row["period"], row["input"], row["value"])
    return run.evaluate(period)


def table(run):
    """(keys, labels, rows) of the ranked table; a cell is (text, is_number) or None."""
    tiers = run.plan.tiers              # [(id, label)], one column each, in plan order
    pay = run.plan.pay_items            # [(id, label)], one column per pay component
    keys = ["rank", "agent", "name", "team", "score", "outcome"]
    labels = ["排名", "工号", "姓名", "组", "得分", "结果"]
    keys += [f"tier_{t}" for t, _ in tiers] + [f"pay_{p}" for p, _ in pay]
    labels += [label for _, label in tiers] + [label for _, label in pay]
    if pay:
        keys.append("pay_total")
        labels.append("应发合计")
    rows = []
    for r in run.rows:
        cells = [(str(r.rank), True) if r.rank is not None else None, (r.id, False), (r.name, False),
                 (r.team, False), (kpiscore.capi.kpi_dec_format(kpiscore.to_dec(r.score), 2,
                                                                kpiscore.ROUND_HALF_UP), True),
                 (OUTCOMES[r.outcome], False)]
        placed = list(run.tiers(r.agent).values())
        cells += [(p.label, False) if p.tier is not None else None for p in placed]
        slip = run.payslip(r.agent)
        for _, label in pay:
            amount = sum(line.amount for line in slip.lines if line.label == label) if slip else 0
            cells.append((kpiscore.format_money(amount), True))
        if pay:
            cells.append((kpiscore.format_money(r.pay), True))
        rows.append(cells)
    return keys, labels, rows


def width(text):
    """Terminal columns: CJK characters take two."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def write_table(run, out):
    keys, labels, rows = table(run)
    shown = [[c[0] if c else "—" for c in row] for row in rows]
    right = [any(row[c] and row[c][1] for row in rows) for c in range(len(keys))]
    widths = [max([width(labels[c])] + [width(row[c]) for row in shown]) for c in range(len(keys))]

    def line(texts):
        parts = []
        for c, text in enumerate(texts):
            fill = " " * (widths[c] - width(text))
            last = c + 1 == len(texts)
            parts.append(fill + text if right[c] else text + ("" if last else fill))
        return "  ".join(parts)

    out.write(f"{run.plan.name} · {run.period}\n\n")
    out.write(line(labels) + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for texts in shown:
        out.write(line(texts) + "\n")


def write_csv(run, out):
    keys, _, rows = table(run)
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(keys)
    for row in rows:
        w.writerow(c[0] if c else "" for c in row)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=SAMPLE, help="directory with plan.json, agents.csv, events.csv, grades.csv")
    ap.add_argument("--period", default="2026-09")
    ap.add_argument("--format", choices=("table", "csv"), default="table")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    try:
        run = load(args.data, args.period, args.threads)
    except kpiscore.Error as e:
        print(f"score_month: {e}", file=sys.stderr)
        return 1
    with run:
        (write_table if args.format == "table" else write_csv)(run, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
