"""The team path as README "Deploying" describes it, on real processes.

A real `prefect server start` from the locked versions, `prefect deploy --all`, and the
project's worker (`python -m flows.worker`) started outside the project folder: the server's
scheduler creates the `watch-suno` run (it did not with SQLAlchemy 2.1), the worker runs it
against a fake Suno library, a `music-video` run makes a real `final.mp4` (the pull step no
longer needs the image's /app), a Suno track read through a SunoCredentials Block is retried
after a failed run, and a SIGTERM stops the worker within 10 s with its run rescheduled, which
the next worker finishes into the (moto) S3 bucket. The commands are README's, word for word.
"""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mvagent.demo import synthesize_demo_song
from mvagent.ffmpeg import probe, run_ffmpeg
from tests.audio.synth import tiny_song
from tests.fakes.s3 import s3_server  # noqa: F401 - the session fixture
from tests.fakes.server import Reply
from tests.fakes.suno import FakeSuno
from tests.real_prefect import (
    PREFECT,
    api_client,
    free_port,
    prefect,
    server_env,
    start_server,
    start_worker,
    stop,
    wait_healthy,
    wait_state,
)

pytestmark = [pytest.mark.service, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]
# README "Deploying", in order (README writes `.venv/bin/prefect`, `.venv/bin/python`).
POOL = ["work-pool", "create", "mvagent-railway", "--type", "process"]
REGISTER = ["block", "register", "-m", "blocks.credentials"]
DEPLOY = ["--no-prompt", "deploy", "--all"]
WORKER = ["--pool", "mvagent-railway"]
RUN = ["deployment", "run", "music-video/music-video", "--params"]
SMALL = {"width": 320, "height": 180, "fps": 12, "preset": "draft"}
TRACK = "t-night"


def _start_worker(root: Path, env: dict, name: str) -> subprocess.Popen:
    # The worker starts in an empty folder: nothing may depend on where it was started.
    elsewhere = root / "worker-cwd"
    elsewhere.mkdir(exist_ok=True)
    return start_worker(WORKER, env=env, cwd=elsewhere, log_path=root / f"{name}.log")


@pytest.fixture(scope="module")
def team(tmp_path_factory, s3_server, prefect_db):  # noqa: F811 - the session fixture
    """A real server, the deployments, fake Suno libraries, an S3 bucket and one worker."""
    root = tmp_path_factory.mktemp("team")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = server_env(root, api, PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="1",
                     PREFECT_WORKER_QUERY_SECONDS="1")  # fmt: skip
    server_log = open(root / "server.log", "w")  # noqa: SIM115 - closed at teardown
    server = start_server(env, port=port, log=server_log, database=prefect_db)
    # SUNO_API_* on the worker: an empty library (what the scheduled watcher polls). The
    # SunoCredentials Block: another library with one track, so a run that reads the track
    # can only have used the Block.
    suno = FakeSuno().__enter__()
    suno.library = []
    tiny_song(root / "night.wav", seed=7)
    run_ffmpeg(["-v", "error", "-i", str(root / "night.wav"), str(root / "night.mp3")],
               what="encoding the fake track")  # fmt: skip
    library = FakeSuno(api_key="block-key", song_mp3=(root / "night.mp3").read_bytes()).__enter__()
    library.library = [library._clip(TRACK, "Night Shift", "", "complete")]
    bucket = s3_server.new_bucket()
    state = {"worker": None}
    try:
        wait_healthy(api, server, timeout_s=120)
        for args in (POOL, REGISTER, DEPLOY):
            prefect(env, *args, cwd=ROOT)
        _save_blocks(api, suno_url=library.url, s3=s3_server, bucket=bucket)
        _small_triggered_videos(api, out_dir=root / "triggered")
        worker_env = {
            **env,
            "SUNO_API_BASE_URL": suno.url,
            "SUNO_API_KIND": "selfhosted",
            "SUNO_API_KEY": suno.api_key,
        }
        state["worker"] = _start_worker(root, worker_env, "worker")
        yield {"root": root, "api": api, "env": worker_env, "suno": suno, "library": library,
               "s3": s3_server, "bucket": bucket, "state": state}  # fmt: skip
    finally:
        if state["worker"] is not None:
            stop(state["worker"])
        suno.__exit__(None, None, None)
        library.__exit__(None, None, None)
        stop(server)
        server_log.close()


def _save_blocks(api: str, *, suno_url: str, s3, bucket: str) -> None:
    """README's Block snippet, with the fakes' addresses."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from blocks.credentials import SunoCredentials

    with temporary_settings({PREFECT_API_URL: api}):
        SunoCredentials(base_url=suno_url, kind="selfhosted", api_key="block-key").save("suno")
        s3.bucket_block(bucket).save("videos")


def _small_triggered_videos(api: str, *, out_dir: Path) -> None:
    """The deployment's own defaults (what the trigger's runs get): tiny videos, in the test's folder."""
    from prefect.client.schemas.actions import DeploymentUpdate

    with api_client(api) as client:
        dep = client.read_deployment_by_name("music-video/music-video")
        params = {**dep.parameters, "options": {"out_dir": str(out_dir), "render": SMALL}}
        client.update_deployment(dep.id, DeploymentUpdate(parameters=params))


def test_scheduler_creates_watch_suno_runs_that_complete(team):
    """The locked SQLAlchemy keeps the scheduler alive; the worker runs what it scheduled."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
    from prefect.states import Scheduled

    with api_client(team["api"]) as client:
        deadline = time.monotonic() + 90
        runs = []
        while time.monotonic() < deadline and not runs:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["watch-suno"]))
            )
            time.sleep(0.25)
        assert runs, "the scheduler created no watch-suno run"
        assert runs[0].auto_scheduled, "the run was not created by the scheduler"
        first = min(runs, key=lambda r: r.expected_start_time)
        # The next slot may be minutes away: make the scheduler's run due now.
        client.set_flow_run_state(first.id, Scheduled(scheduled_time=datetime.now(UTC)), force=True)
        assert wait_state(client, first.id, timeout_s=180) == "COMPLETED"
    log = (team["root"] / "server.log").read_text()
    assert "bulk DML" not in log and "InvalidRequestError" not in log
    # It polled the fake library for real.
    assert team["suno"].calls["get"] >= 1


def test_music_video_deployment_runs_on_a_process_worker(team):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    root = team["root"]
    tiny_song(root / "Team Song.wav", seed=3)
    params = {
        "song": {"source": str(root / "Team Song.wav"), "title": "Team Song"},
        "options": {
            "out_dir": str(root / "videos"),
            "render": {"width": 320, "height": 180, "fps": 12, "preset": "draft"},
        },
    }
    with temporary_settings({PREFECT_API_URL: team["api"]}):
        run = run_deployment("music-video/music-video", parameters=params, timeout=0)
    with api_client(team["api"]) as client:
        state = wait_state(client, run.id, timeout_s=420)
    worker_log = (root / "worker.log").read_text()
    assert state == "COMPLETED", worker_log[-3000:]
    final = root / "videos" / "team-song" / "final.mp4"
    info = probe(final)
    assert (info.width, info.height) == (320, 180)
    assert info.video_codec == "h264"
    assert "FileNotFoundError" not in worker_log


def _runs_for(client, source: str) -> list:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["music-video"]))
    )
    mine = [r for r in runs if (r.parameters.get("song") or {}).get("source") == source]
    return sorted(mine, key=lambda r: r.created)


def _watch(team, client) -> None:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: team["api"]}):
        run = run_deployment(
            "watch-suno/watch-suno", parameters={"credentials_block": "suno"}, timeout=0
        )
    assert wait_state(client, run.id, timeout_s=180) == "COMPLETED"


def _wait_runs(client, source: str, count: int, *, timeout_s: float) -> list:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        runs = _runs_for(client, source)
        if len(runs) >= count:
            return runs
        time.sleep(0.25)
    raise TimeoutError(f"the trigger made {len(_runs_for(client, source))} run(s), not {count}")


def test_a_suno_track_read_through_a_block_is_retried_after_a_failed_run(team):
    """Watcher -> event -> trigger -> run, all through the SunoCredentials Block; style kept."""
    import json

    library, source = team["library"], f"suno:{TRACK}"
    library.faults["audio"].append(Reply(404, {"detail": "not yet"}))  # the first run fails
    with api_client(team["api"]) as client:
        _watch(team, client)
        first = _wait_runs(client, source, 1, timeout_s=120)[0]
        assert wait_state(client, first.id, timeout_s=300) == "FAILED"
        assert first.parameters["song"]["suno_credentials_block"] == "suno"
        _watch(team, client)  # the next poll announces the failed track again
        runs = _wait_runs(client, source, 2, timeout_s=120)
        worker_log = (team["root"] / "worker.log").read_text()
        assert wait_state(client, runs[1].id, timeout_s=420) == "COMPLETED", worker_log[-3000:]
        _watch(team, client)  # done: announced no more
        time.sleep(5)
        assert len(_runs_for(client, source)) == 2
    storyboard = json.loads(
        (team["root"] / "triggered" / "night-shift-t-night" / "storyboard.json").read_text()
    )
    assert "synthwave, dreamy" in json.dumps(storyboard)  # the payload's style
    assert probe(team["root"] / "triggered" / "night-shift-t-night" / "final.mp4").width == 320


def test_sigterm_stops_the_worker_in_10_s_and_the_run_finishes_into_s3(team):
    """README's `prefect deployment run` with storage_block; a SIGTERM mid-run; a new worker."""
    import json
    import re

    root = team["root"]
    # The 50 s song, not a tiny one: the run must still be going when the SIGTERM comes.
    synthesize_demo_song(root / "Term Song.wav", form="short")
    params = {
        "song": {"source": str(root / "Term Song.wav"), "title": "Term Song"},
        "options": {"out_dir": str(root / "videos"), "render": SMALL, "storage_block": "videos"},
    }
    started = subprocess.run([*PREFECT, *RUN, json.dumps(params)], env=team["env"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert started.returncode == 0, started.stdout + started.stderr
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", started.stdout).group(1)
    with api_client(team["api"]) as client:
        deadline = time.monotonic() + 120
        while client.read_flow_run(run_id).state.type.value != "RUNNING":
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.5)
        time.sleep(3)  # well inside the run (ingest, analysis)
        took = stop(team["state"]["worker"], timeout_s=30)
        state = client.read_flow_run(run_id).state
        print(f"worker exit after SIGTERM: {took:.2f} s")
        assert took < 10, f"the worker took {took:.1f} s to stop"
        assert (state.type.value, state.name) == ("SCHEDULED", "AwaitingRetry"), state
        team["state"]["worker"] = _start_worker(root, team["env"], "worker2")
        final = wait_state(client, run_id, timeout_s=420)
    assert final == "COMPLETED", (root / "worker2.log").read_text()[-3000:]
    s3 = team["s3"].client()
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=team["bucket"])["Contents"]}
    assert "term-song/final.mp4" in keys, sorted(keys)
    body = s3.get_object(Bucket=team["bucket"], Key="term-song/final.mp4")["Body"].read()
    (root / "from-s3.mp4").write_bytes(body)
    assert probe(root / "from-s3.mp4").width == 320


def test_readme_walkthrough_is_what_this_test_runs():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Deploying") :]
    for args in (POOL, REGISTER, DEPLOY, RUN):
        assert ".venv/bin/prefect " + " ".join(args) in section, args
    assert ".venv/bin/python -m flows.worker " + " ".join(WORKER) in section
    for snippet in ('SunoCredentials(base_url=', '.save("suno")', 'S3Bucket(bucket_name=',
                    '.save("videos")', '"storage_block": "videos"', "credentials_block"):  # fmt: skip
        assert snippet in section, snippet
