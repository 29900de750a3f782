"""`python -m flows.worker`: a process worker that stops within seconds on SIGTERM.

Prefect 3.8.8's `prefect worker start` turns the first SIGTERM into SIGINT for itself, stops
polling and then waits for every running flow-run process to finish (a whole video: minutes);
only a second SIGTERM kills it, leaving its runs Running or Crashed. No setting changes that.
Railway, Docker and Kubernetes send one SIGTERM and kill ~10 s later, so this wrapper runs the
stock worker as a child and, on SIGTERM or SIGINT: stops the worker (no new runs, no Crashed
proposals), stops the flow-run processes it started, and puts those runs back to
AwaitingRetry so the next worker makes them again. Clips already generated are cached, so a
retried run does not pay for them twice.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_POOL = "mvagent-railway"


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 4, after the command name in parentheses (which may itself hold spaces).
    return int(stat.rsplit(")", 1)[1].split()[1])


def descendants(root: int) -> set[int]:
    """Every live process below `root` (flow runs run in sessions of their own)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent(int(entry.name))
            if parent is not None:
                parents[int(entry.name)] = parent
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running_runs(pool: str, pids: set[int]) -> dict[str, int]:
    """Flow run id -> process id, for this pool's Pending/Running runs whose process is ours."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        WorkPoolFilter,
        WorkPoolFilterName,
    )
    from prefect.client.schemas.objects import StateType

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING])
                )
            ),
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool])),
        )
    ours: dict[str, int] = {}
    for run in runs:
        # The process worker records "pid" (some versions "host:pid").
        tail = str(run.infrastructure_pid or "").rsplit(":", 1)[-1]
        if tail.isdigit() and int(tail) in pids:
            ours[str(run.id)] = int(tail)
    return ours


def _signal(pid: int, sig: signal.Signals) -> None:
    # A flow run leads its own process group (its children go too); else the process alone.
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _stop_processes(pids: set[int], *, grace_s: float) -> None:
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            _signal(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for init to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def reschedule(run_ids: list[str]) -> None:
    """Put interrupted runs back to AwaitingRetry, due now, for the next worker."""
    from prefect.client.orchestration import get_client
    from prefect.states import AwaitingRetry

    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            state = AwaitingRetry(
                scheduled_time=datetime.now(UTC),
                message="worker stopped (SIGTERM); the run will start again on the next worker",
            )
            # force: the run was Running (or Crashed by its own SIGTERM handler) a moment ago.
            client.set_flow_run_state(run_id, state, force=True)


def shut_down(worker: subprocess.Popen, *, pool: str, grace_s: float) -> list[str]:
    """Stop the worker and its flow runs; returns the ids of the runs rescheduled."""
    began = time.monotonic()
    pids = descendants(worker.pid)
    # Killed outright: a graceful stop would wait for the runs, and it could mark them Crashed.
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    try:  # before their processes stop: a stopped run may already read Crashed
        runs = running_runs(pool, pids)
    except Exception as exc:  # noqa: BLE001 - the server may be gone too: still stop fast
        print(f"mvagent worker: could not list running flow runs: {exc}", file=sys.stderr)
        runs = {}
    listed = time.monotonic()
    _stop_processes(pids, grace_s=grace_s)
    stopped = time.monotonic()
    if runs:
        reschedule(list(runs))
    for run_id in runs:
        print(f"mvagent worker: flow run {run_id} interrupted; rescheduled (AwaitingRetry)")
    print(
        f"mvagent worker: listed runs and stopped the worker in {listed - began:.1f} s, "
        f"flow-run processes in {stopped - listed:.1f} s, rescheduled in "
        f"{time.monotonic() - stopped:.1f} s"
    )
    return list(runs)


def serve_metrics(port: int) -> dict[str, str]:
    """Start the /metrics endpoint; returns the environment the flow runs need to feed it.

    Flow runs are processes of their own: they append their measurements to a spool folder
    that the endpoint reads on every scrape (see mvagent/metrics.py).
    """
    import tempfile

    from mvagent import metrics

    spool = os.environ.get(metrics.SPOOL_ENV) or tempfile.mkdtemp(prefix="mvagent-metrics-")
    metrics.serve_prometheus(port, spool=spool)
    print(f"mvagent worker: Prometheus metrics on :{port}/metrics")
    return {metrics.SPOOL_ENV: spool}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.worker",
        description="A Prefect process worker that stops within seconds on SIGTERM, putting "
        "its running flow runs back to AwaitingRetry. Other options go to `prefect worker start`.",
    )
    parser.add_argument("--pool", default=os.environ.get("PREFECT_WORK_POOL", DEFAULT_POOL))
    parser.add_argument(
        "--grace-s",
        type=float,
        default=2.5,
        help="seconds a flow run gets to stop after SIGTERM before SIGKILL (keep well under 10)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=int(os.environ.get("MVAGENT_METRICS_PORT") or 0) or None,
        help="serve Prometheus metrics of this worker's flow runs on this port (/metrics)",
    )
    args, rest = parser.parse_known_args(argv)
    env = dict(os.environ)
    if args.metrics_port:
        env.update(serve_metrics(args.metrics_port))
    # Imported now, not after SIGTERM: importing Prefect's client takes seconds on a busy box.
    import prefect.client.orchestration  # noqa: F401
    import prefect.client.schemas.filters  # noqa: F401
    import prefect.states  # noqa: F401

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", args.pool,
         "--type", "process", *rest],
        env=env,
        start_new_session=True,  # our signal handling, not the terminal's, decides
    )  # fmt: skip
    while worker.poll() is None and not stop.wait(0.2):
        pass
    if worker.poll() is not None:
        return worker.returncode
    started = time.monotonic()
    shut_down(worker, pool=args.pool, grace_s=args.grace_s)
    print(f"mvagent worker: stopped in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
