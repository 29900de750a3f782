"""The team path as README "Deploying" describes it, on real processes.

A real `prefect server start` from the locked versions, `prefect deploy --all`, and a process
worker started outside the project folder: the server's scheduler creates the `watch-suno` run
(it did not with SQLAlchemy 2.1), the worker runs it against a fake Suno library, and a
`music-video` run makes a real `final.mp4` (the pull step no longer needs the image's /app).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from mvagent.demo import synthesize_demo_song
from mvagent.ffmpeg import probe
from tests.fakes.suno import FakeSuno

pytestmark = [pytest.mark.service, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]
PREFECT = [sys.executable, "-m", "prefect"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, *, timeout_s: float) -> None:
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


def _stop(proc: subprocess.Popen, *, timeout_s: float = 20) -> float:
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


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """A real server, the deployments, a fake Suno library and one process worker."""
    root = tmp_path_factory.mktemp("team")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(root / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }
    server_log = open(root / "server.log", "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen(
        [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={k: v for k, v in env.items() if k != "PREFECT_API_URL"},
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    suno = FakeSuno().__enter__()
    suno.library = []  # an empty library: polling is what this checks, not the tracks
    worker = None
    try:
        _wait_healthy(api, server, timeout_s=120)
        run = dict(env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        pool = subprocess.run(
            [*PREFECT, "work-pool", "create", "mvagent-railway", "--type", "process"], **run
        )
        assert pool.returncode == 0, pool.stdout + pool.stderr
        deploy = subprocess.run([*PREFECT, "--no-prompt", "deploy", "--all"], **run)
        assert deploy.returncode == 0, deploy.stdout[-2000:] + deploy.stderr[-2000:]
        # The worker starts in an empty folder: nothing may depend on where it was started.
        elsewhere = root / "worker-cwd"
        elsewhere.mkdir()
        worker_env = {
            **env,
            "SUNO_API_BASE_URL": suno.url,
            "SUNO_API_KIND": "selfhosted",
            "SUNO_API_KEY": suno.api_key,
        }
        worker_log = open(root / "worker.log", "w")  # noqa: SIM115
        worker = subprocess.Popen(
            [*PREFECT, "worker", "start", "--pool", "mvagent-railway", "--type", "process"],
            env=worker_env,
            cwd=elsewhere,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        yield {"root": root, "api": api, "env": env, "suno": suno, "worker": worker}
    finally:
        if worker is not None:
            _stop(worker)
        suno.__exit__(None, None, None)
        _stop(server)
        server_log.close()


def _client(api: str):
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(api)


def _wait_state(client, flow_run_id, *, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = client.read_flow_run(flow_run_id).state
        if state is not None and state.is_final():
            return state.type.value
        time.sleep(1)
    raise TimeoutError(f"flow run {flow_run_id} did not finish in {timeout_s} s")


def test_scheduler_creates_watch_suno_runs_that_complete(team):
    """The locked SQLAlchemy keeps the scheduler alive; the worker runs what it scheduled."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
    from prefect.states import Scheduled

    with _client(team["api"]) as client:
        deadline = time.monotonic() + 90
        runs = []
        while time.monotonic() < deadline and not runs:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["watch-suno"]))
            )
            time.sleep(1)
        assert runs, "the scheduler created no watch-suno run"
        assert runs[0].auto_scheduled, "the run was not created by the scheduler"
        first = min(runs, key=lambda r: r.expected_start_time)
        # The next slot may be minutes away: make the scheduler's run due now.
        client.set_flow_run_state(first.id, Scheduled(scheduled_time=datetime.now(UTC)), force=True)
        assert _wait_state(client, first.id, timeout_s=180) == "COMPLETED"
    log = (team["root"] / "server.log").read_text()
    assert "bulk DML" not in log and "InvalidRequestError" not in log
    # It polled the fake library for real.
    assert team["suno"].calls["get"] >= 1


def test_music_video_deployment_runs_on_a_process_worker(team):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    root = team["root"]
    synthesize_demo_song(root / "Team Song.wav", form="short")
    params = {
        "song": {"source": str(root / "Team Song.wav"), "title": "Team Song"},
        "options": {
            "out_dir": str(root / "videos"),
            "render": {"width": 320, "height": 180, "fps": 12, "preset": "draft"},
        },
    }
    with temporary_settings({PREFECT_API_URL: team["api"]}):
        run = run_deployment("music-video/music-video", parameters=params, timeout=0)
    with _client(team["api"]) as client:
        state = _wait_state(client, run.id, timeout_s=420)
    worker_log = (root / "worker.log").read_text()
    assert state == "COMPLETED", worker_log[-3000:]
    final = root / "videos" / "team-song" / "final.mp4"
    info = probe(final)
    assert (info.width, info.height) == (320, 180)
    assert info.video_codec == "h264"
    assert "FileNotFoundError" not in worker_log
