"""A real `prefect server start` and the project's workers as separate processes, for e2e tests.

Shared by the team-path and automation end-to-end tests: each module starts its own server
(own PREFECT_HOME, ephemeral port) because the tests depend on its scheduler, triggers and
workers, which the in-process test harness does not run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

PREFECT = [sys.executable, "-m", "prefect"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(root: Path, api: str, **extra: str) -> dict[str, str]:
    """The environment of every process that talks to the test's server."""
    return {
        **os.environ,
        "PREFECT_HOME": str(root / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",
        **extra,
    }


def start_server(
    env: dict[str, str], *, port: int, log: IO[str], database: Path | None = None
) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1:`port` in its own session (stopped with `stop`).

    `database`: a migrated database (the `prefect_db` fixture) to start from, copied to
    PREFECT_HOME/prefect.db, the server's default file; without it the server migrates one.
    """
    if database is not None:
        from tests.prefect_db import copy_to

        copy_to(database, Path(env["PREFECT_HOME"]) / "prefect.db")
    return subprocess.Popen(
        [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={k: v for k, v in env.items() if k != "PREFECT_API_URL"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_healthy(url: str, proc: subprocess.Popen, *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError("prefect server did not become healthy")


def prefect(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """One `prefect ...` command that must succeed."""
    done = subprocess.run([*PREFECT, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def start_worker(
    args: list[str], *, env: dict[str, str], cwd: Path, log_path: Path
) -> subprocess.Popen:
    """`python -m flows.worker ARGS`, its output in `log_path` (tests read it on failure)."""
    log = open(log_path, "w")  # noqa: SIM115 - the child keeps writing after we return
    return subprocess.Popen(
        [sys.executable, "-m", "flows.worker", *args],
        env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def stop(proc: subprocess.Popen, *, timeout_s: float = 20) -> float:
    """SIGTERM, wait; returns the seconds it took to exit (kills it after `timeout_s`)."""
    start = time.monotonic()
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return time.monotonic() - start


def api_client(api: str):
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(api)


def wait_state(client, flow_run_id, *, timeout_s: float) -> str:
    """The run's final state type ("COMPLETED", "FAILED", ...)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = client.read_flow_run(flow_run_id).state
        if state is not None and state.is_final():
            return state.type.value
        time.sleep(0.25)  # a run ends at any moment: notice it soon
    raise TimeoutError(f"flow run {flow_run_id} did not finish in {timeout_s} s")
