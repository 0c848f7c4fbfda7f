"""examples/python/dask_month.py on a Dask cluster gives exactly what
`kpiscore run` gives in one process: every score, tier and pay line.

The example runs as a subprocess (its LocalCluster's workers re-import
__main__, which only a script with the guard survives), bounded in time; the
cluster is shut down by the example, or here for the scheduler and workers
this test starts itself."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.environ["KPISCORE_SOURCE_ROOT"]
BUILD = os.environ["KPISCORE_BUILD_ROOT"]
EXAMPLE = os.path.join(ROOT, "examples", "python", "dask_month.py")
SAMPLE = os.path.join(ROOT, "examples", "data", "sample")
CLI = os.path.join(BUILD, "examples", "kpiscore")
TIMEOUT = 240


def cli_csv(data, period):
    return subprocess.run(
        [CLI, "run", "--plan", os.path.join(data, "plan.json"), "--agents", os.path.join(data, "agents.csv"),
         "--events", os.path.join(data, "events.csv"), "--grades", os.path.join(data, "grades.csv"),
         "--period", period, "--format", "csv", "--quiet"],
        check=True, capture_output=True, timeout=60).stdout.decode("utf-8")


def dask_csv(data, period, *extra):
    p = subprocess.run([sys.executable, EXAMPLE, "--data", data, "--period", period, "--format", "csv", *extra],
                       capture_output=True, timeout=TIMEOUT, env=dict(os.environ))
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")[-3000:]
    return p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


def test_sample_on_a_local_cluster_equals_the_cli():
    out, err = dask_csv(SAMPLE, "2026-09")
    assert "8 partitions" in err
    want = cli_csv(SAMPLE, "2026-09")
    assert out == want
    assert len(want.splitlines()) == 25          # header + 24 agents, each line compared whole


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Two months of 90 agents in 6 teams (about 70 000 events) from the generator."""
    d = tmp_path_factory.mktemp("gen")
    subprocess.run([os.path.join(BUILD, "examples", "gen_events"), "--seed", "7", "--agents", "90", "--teams", "6",
                    "--months", "2", "--start", "2026-08", "--scale", "2", "--out", str(d)],
                   check=True, capture_output=True, timeout=60)
    shutil.copy(os.path.join(SAMPLE, "plan.json"), d / "plan.json")
    return str(d)


def start(cmd, log):
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(p):
    """Ends a process this test started and the workers it spawned (its session)."""
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def test_generated_on_a_scheduler_and_workers_equals_the_cli(generated, tmp_path):
    """The commands docs/distributed.md gives for a real cluster, on loopback."""
    dask = os.path.join(os.path.dirname(sys.executable), "dask")
    if not os.path.exists(dask):
        dask = shutil.which("dask")
    assert dask, "the dask command (dask[distributed]) is missing"
    sched_file = tmp_path / "scheduler.json"
    with open(tmp_path / "cluster.log", "w") as log:
        scheduler = start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                           "--scheduler-file", str(sched_file)], log)
        worker = None
        try:
            deadline = time.monotonic() + 60
            while not sched_file.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert sched_file.exists(), "the scheduler did not start"
            import json
            address = json.loads(sched_file.read_text())["address"]
            worker = start([dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                            "--host", "127.0.0.1", "--no-dashboard"], log)
            out, err = dask_csv(generated, "2026-09", "--scheduler", address, "--partitions", "11")
        finally:
            if worker is not None:
                stop(worker)
            stop(scheduler)
    assert "11 partitions" in err
    want = cli_csv(generated, "2026-09")
    assert out == want
    assert len(want.splitlines()) == 91
