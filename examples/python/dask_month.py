#!/usr/bin/env python3
"""The month-end run on a Dask cluster: events accumulated in partitions,
states merged in a tree, the plan evaluated once (docs/distributed.md).

    dask_month.py [--data DIR] [--period 2026-09] [--partitions 8]
                  [--scheduler tcp://HOST:8786] [--format table|csv]

Without --scheduler it starts a LocalCluster of 2 worker processes on
127.0.0.1 (no dashboard) and shuts it down at the end. DIR holds plan.json,
agents.csv, events.csv and grades.csv (the bundled sample by default), and
the workers read events.csv at the same path: on a real cluster put it on
storage every worker mounts.

1. The client cuts events.csv into byte ranges that end at line ends (the
   reader's records; a quoted field with a line break inside would be cut,
   so event files must not have one).
2. Each partition is a task: it builds the plan's accumulator and the agent
   map from agents.csv (the same ids in the same order everywhere, so agent
   indexes agree), ingests its range (header + bytes) and returns
   Metrics.to_bytes(): a few hundred bytes per agent, not the events.
3. States are merged pairwise with client.submit until one is left
   (exact, associative: any tree gives the same bytes).
4. The client loads the merged state, adds the agents, their fields and the
   grades to a Run, evaluates the period and prints the ranked table exactly
   as `kpiscore run` does (score_month.py's table and CSV writers).

Run it with the build's package on the path:

    PYTHONPATH=build/bindings/python python3 examples/python/dask_month.py
"""
import argparse
import csv
import os
import sys

import kpiscore

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import score_month  # noqa: E402  (the CLI-identical table and CSV writers)


def read_agents(data):
    with open(os.path.join(data, "agents.csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def agent_map(agents):
    return kpiscore.Agents((a["agent"], a.get("team") or "", a.get("centre") or "") for a in agents)


def byte_ranges(path, parts):
    """(header, [(start, end), ...]): at most ``parts`` ranges of the body,
    each ending just after a line feed (or at the end of the file)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        header = f.readline()
        body = f.tell()
        cuts = [body]
        for i in range(1, parts):
            f.seek(max(body + (size - body) * i // parts, cuts[-1]))
            if f.tell() > body:
                f.seek(f.tell() - 1)      # a cut right after a line feed stays there
            f.readline()
            cuts.append(min(f.tell(), size))
        cuts.append(size)
    return header, [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


# ---- the tasks (run on the workers) ---------------------------------------------------------

def accumulate(plan_text, agents, path, header, start, end):
    """One partition's events -> its accumulator state (bytes)."""
    plan = kpiscore.Plan.from_string(plan_text)
    with open(path, "rb") as f:
        f.seek(start)
        chunk = f.read(end - start)
    with kpiscore.Metrics(plan) as m, agent_map(agents) as amap:
        m.ingest_csv(header + chunk, amap, name=f"{path}@{start}")
        return m.to_bytes()


def merge(plan_text, a, b):
    """Two states -> their exact merge (bytes)."""
    plan = kpiscore.Plan.from_string(plan_text)
    with kpiscore.Metrics.from_bytes(plan, a) as x, kpiscore.Metrics.from_bytes(plan, b) as y:
        return x.merge(y).to_bytes()


def tree_reduce(client, plan_text, futures):
    """Pairwise merges, level by level, until one state is left."""
    while len(futures) > 1:
        paired = [client.submit(merge, plan_text, a, b, pure=False)
                  for a, b in zip(futures[0::2], futures[1::2])]
        futures = paired + ([futures[-1]] if len(futures) % 2 else [])
    return futures[0]


# ---- the client -----------------------------------------------------------------------------

def distributed_state(client, data, partitions):
    """The merged accumulator state of DIR/events.csv, computed by the cluster."""
    with open(os.path.join(data, "plan.json"), encoding="utf-8") as f:
        plan_text = f.read()
    agents = read_agents(data)
    path = os.path.abspath(os.path.join(data, "events.csv"))
    header, ranges = byte_ranges(path, partitions)
    futures = [client.submit(accumulate, plan_text, agents, path, header, a, b, pure=False)
               for a, b in ranges]
    return tree_reduce(client, plan_text, futures).result(), len(ranges)


def evaluate(data, state, period):
    """A Run of the plan on the merged state, with the agents' fields and the grades."""
    plan = kpiscore.Plan.load(os.path.join(data, "plan.json"))
    agents = read_agents(data)
    metrics = kpiscore.Metrics.from_bytes(plan, state)
    run = kpiscore.Run(plan)
    for a in agents:
        run.add_agent(a["agent"], a.get("name"), a.get("team"), a.get("centre"))
        for column, value in a.items():   # every other column but the level is an amount in yuan
            if column not in ("agent", "name", "team", "centre", "level") and value:
                run.set_field(a["agent"], column, value)
    run.set_metrics(metrics, agent_map(agents))
    grades = os.path.join(data, "grades.csv")
    if os.path.exists(grades):
        with open(grades, encoding="utf-8", newline="") as f:
            for g in csv.DictReader(f):
                run.set_input(g["agent"], g["period"], g["input"], g["value"])
    return run.evaluate(period)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=score_month.SAMPLE,
                    help="directory with plan.json, agents.csv, events.csv, grades.csv")
    ap.add_argument("--period", default=None, help="the period to evaluate (default: the latest)")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--scheduler", help="address of a running scheduler (tcp://host:8786)")
    ap.add_argument("--format", choices=("table", "csv"), default="table")
    args = ap.parse_args(argv)
    if args.partitions < 1:
        ap.error("--partitions must be at least 1")

    from dask.distributed import Client, LocalCluster
    if args.scheduler:
        cluster, client = None, Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
    try:
        state, used = distributed_state(client, args.data, args.partitions)
    except kpiscore.Error as e:
        print(f"dask_month: {e}", file=sys.stderr)
        return 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print(f"dask_month: {used} partitions, merged state {len(state):,} bytes", file=sys.stderr)
    with evaluate(args.data, state, args.period) as run:
        (score_month.write_table if args.format == "table" else score_month.write_csv)(run, sys.stdout)
    return 0


if __name__ == "__main__":   # required: worker processes re-import this module
    sys.exit(main())
