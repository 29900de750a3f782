"""Hands-off, end to end, on real processes: issue 12 items 4-7 and issue 13 item 3.

One real `prefect server start`, `prefect deploy --all`, `mvagent automations apply` (the
command README gives) pointed at a local webhook receiver, and two of the project's process
workers. The music-video deployment's own defaults choose the provider (`sora`, against the
fake `/v1/videos` server, which answers 10 % of its calls with HTTP 500), tiny renders and
the S3 (moto) bucket; neither the Suno trigger nor the backfill names any of them.

- A new track in the fake Suno library: watch-suno -> event -> trigger -> music-video run ->
  final.mp4 in S3 and a "Completed" message; the next poll starts nothing.
- A 20-song (CI: 5) manifest (+ one missing file) through the backfill deployment: 20 completed, one
  failed, no clip created twice, a table artifact with cost and link, 21 messages; the same
  manifest again starts nothing.
- Suno reporting few credits: check-quota -> `mvagent.quota.low` -> a "Quota low" message.
No message carries a key or the webhook's own URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from mvagent.ffmpeg import probe, run_ffmpeg
from tests.audio import synth
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.s3 import CREDS, s3_server  # noqa: F401 - the session fixture
from tests.fakes.server import FakeServer, Reply, Request
from tests.fakes.suno import FakeSuno
from tests.real_prefect import (
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
SORA_KEY = "sk-e2e-video-secret-4821"
SUNO_KEY = "suno-e2e-secret-7733"
HOOK_TOKEN = "T000/B000/hook-secret-5512"
TINY = {"width": 160, "height": 90, "fps": 8, "preset": "draft", "subtitles": "none",
        "title_card": False}  # fmt: skip
# The check is 20 songs (MVAGENT_E2E_BACKFILL_SONGS=20, about 6 min idle: each flow run
# is a fresh process); CI runs 3 to keep the suite well under 15 minutes.
SONGS = int(os.environ.get("MVAGENT_E2E_BACKFILL_SONGS", "3"))


class Receiver(FakeServer):
    """A webhook receiver: every POST body kept, answered 200."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def handle(self, req: Request) -> tuple[str, object]:
        if req.method == "POST":
            with self.lock:
                self.messages.append(req.json().get("text", ""))
        return "hook", Reply(200, {"ok": True})

    def about(self, title: str) -> list[str]:
        with self.lock:
            return [m for m in self.messages if title in (m.splitlines() or [""])[0]]


class FlakyVideos(FakeOpenAIVideos):
    """The /v1/videos fake, answering 10 % of create/retrieve/content calls with HTTP 500."""

    def __init__(self, *, share: float, **kw) -> None:
        super().__init__(**kw)
        self.share = share
        self.paid_routes = 0
        self.injected: Counter[str] = Counter()

    def dispatch(self, req: Request) -> Reply:
        route, reply = self.handle(req)
        self.count(route)
        with self.lock:
            # Every 1/share-th call, so the share is exact and a short run still gets some.
            if route in ("create", "retrieve", "content"):
                self.paid_routes += 1
            flaky = (
                route in ("create", "retrieve", "content")
                and self.paid_routes % round(1 / self.share) == 0
            )
            if flaky:
                self.injected[route] += 1
        if flaky:  # before the job is touched: a 500 on create creates nothing
            # Retry-After 0: the retry still happens, without the 2-6 s backoff it would wait.
            return Reply(500, {"error": {"message": "injected", "type": "server_error"}},
                         headers={"retry-after": "0"})  # fmt: skip
        return reply() if callable(reply) else reply


@pytest.fixture(scope="module")
def stack(tmp_path_factory, s3_server, prefect_db):  # noqa: F811 - the session fixture
    root = tmp_path_factory.mktemp("automation")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = server_env(root, api, PREFECT_WORKER_QUERY_SECONDS="1")
    log = open(root / "server.log", "w")  # noqa: SIM115 - closed at teardown
    server = start_server(env, port=port, log=log, database=prefect_db)
    synth.tiny_song(root / "track.wav", seed=99, bpm=124.0)
    run_ffmpeg(["-v", "error", "-i", str(root / "track.wav"), str(root / "track.mp3")],
               what="encoding the fake track")  # fmt: skip
    suno = FakeSuno(api_key=SUNO_KEY, song_mp3=(root / "track.mp3").read_bytes()).__enter__()
    suno.library = []
    videos = FlakyVideos(share=0.10, api_key=SORA_KEY, poll_after_ms=20).__enter__()
    receiver = Receiver().__enter__()
    bucket = s3_server.new_bucket()
    workers: list[subprocess.Popen] = []
    try:
        wait_healthy(api, server, timeout_s=240)
        for args in (["work-pool", "create", "mvagent-railway", "--type", "process"],
                     ["block", "register", "-m", "blocks.credentials"],
                     ["--no-prompt", "deploy", "--all"]):  # fmt: skip
            prefect(env, *args, cwd=ROOT)
        _save_blocks(api, suno=suno, videos=videos, s3=s3_server, bucket=bucket)
        _set_music_video_defaults(api, root)
        applied = subprocess.run(
            [sys.executable, "-m", "mvagent.cli", "automations", "apply"],
            env={**env, "RAILWAY_WEBHOOK": f"{receiver.url}/services/{HOOK_TOKEN}"},
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert HOOK_TOKEN not in applied.stdout + applied.stderr
        worker_env = {**env, "MVAGENT_PROVIDER_RATE_PER_MINUTE": "0"}
        workers += [
            start_worker(["--pool", "mvagent-railway", "--limit", "2"], env=worker_env, cwd=root,
                         log_path=root / f"worker{i}.log")
            for i in (1, 2)
        ]  # fmt: skip
        yield {"root": root, "api": api, "env": env, "suno": suno, "videos": videos,
               "receiver": receiver, "s3": s3_server, "bucket": bucket, "applied": applied}  # fmt: skip
    finally:
        for w in workers:
            stop(w)
        for fake in (suno, videos, receiver):
            fake.__exit__(None, None, None)
        stop(server)
        log.close()


def _save_blocks(api: str, *, suno, videos, s3, bucket: str) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from blocks.credentials import SoraCredentials, SunoCredentials

    with temporary_settings({PREFECT_API_URL: api}):
        SunoCredentials(base_url=suno.url, kind="selfhosted", api_key=SUNO_KEY).save("suno")
        SoraCredentials(api_key=SORA_KEY, base_url=videos.base_url, model="sora-2").save("sora")
        s3.bucket_block(bucket, folder="team").save("videos")


def _set_music_video_defaults(api: str, root: Path) -> None:
    """What README says to set on the deployment (UI -> Edit, or prefect.yaml `parameters`)."""
    from prefect.client.schemas.actions import DeploymentUpdate

    options = {
        "out_dir": str(root / "videos"),
        "render": TINY,
        "generation": {"provider": "sora", "credentials_block": "sora",
                       "cache_dir": str(root / "clip-cache")},
        "planner": {"mode": "heuristic"},
        "review_clips": False,
        "storage_block": "videos",
    }  # fmt: skip
    with api_client(api) as client:
        dep = client.read_deployment_by_name("music-video/music-video")
        client.update_deployment(dep.id, DeploymentUpdate(parameters={**dep.parameters,
                                                                      "options": options}))  # fmt: skip


def _deployment_runs(client, name: str) -> list:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name])), limit=200
    )


def _start(stack, deployment: str, params: dict) -> str:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: stack["api"]}):
        return str(run_deployment(deployment, parameters=params, timeout=0).id)


def _keys(stack) -> set[str]:
    listed = stack["s3"].client().list_objects_v2(Bucket=stack["bucket"], Prefix="team/")
    return {o["Key"] for o in listed.get("Contents", [])}


def _wait_messages(receiver: Receiver, title: str, count: int, *, timeout_s: float) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if len(found := receiver.about(title)) >= count:
            return found
        time.sleep(0.5)
    return receiver.about(title)


def _logs(stack) -> str:
    return "".join((stack["root"] / f"worker{i}.log").read_text()[-3000:] for i in (1, 2))


def _no_secrets(messages: list[str]) -> None:
    for text in messages:
        for secret in (SORA_KEY, SUNO_KEY, HOOK_TOKEN, CREDS["aws_secret_access_key"] + "@"):
            assert secret not in text, text


def test_a_new_suno_track_becomes_a_video_in_s3_once(stack):
    suno, receiver = stack["suno"], stack["receiver"]
    suno.library = [suno._clip("t-dawn", "Dawn Patrol", "", "complete")]
    with api_client(stack["api"]) as client:
        watch = _start(stack, "watch-suno/watch-suno", {"credentials_block": "suno"})
        assert wait_state(client, watch, timeout_s=240) == "COMPLETED", _logs(stack)
        deadline = time.monotonic() + 60
        while not (runs := [r for r in _deployment_runs(client, "music-video")
                            if r.parameters["song"].get("source") == "suno:t-dawn"]):  # fmt: skip
            assert time.monotonic() < deadline, "the trigger started no run"
            time.sleep(0.25)
        state = wait_state(client, runs[0].id, timeout_s=360)
        log = "".join((stack["root"] / f"worker{i}.log").read_text() for i in (1, 2))
        assert state == "COMPLETED", log[-3000:]
        # Only the song came from the event: the run has the deployment's options.
        assert set(runs[0].parameters["song"]) >= {"source", "title", "style"}
        assert runs[0].parameters["options"]["generation"]["provider"] == "sora"
        again = _start(stack, "watch-suno/watch-suno", {"credentials_block": "suno"})
        assert wait_state(client, again, timeout_s=120) == "COMPLETED"
        time.sleep(4)  # time for a (wrong) trigger to fire
        mine = [r for r in _deployment_runs(client, "music-video")
                if r.parameters["song"].get("source") == "suno:t-dawn"]  # fmt: skip
        assert len(mine) == 1
    finals = sorted(k for k in _keys(stack) if k.endswith("/final.mp4") and "dawn-patrol" in k)
    assert finals, sorted(_keys(stack))
    body = stack["s3"].client().get_object(Bucket=stack["bucket"], Key=finals[0])["Body"].read()
    (stack["root"] / "dawn.mp4").write_bytes(body)
    assert probe(stack["root"] / "dawn.mp4").width == 160
    assert any(job.prompt for job in stack["videos"].created)  # the clips came from "sora"
    [message] = _wait_messages(receiver, "Dawn Patrol", 1, timeout_s=120)
    assert "Completed" in message and f"s3://{stack['bucket']}/{finals[0]}" in message
    assert "cost: $0.40" in message and f"/runs/flow-run/{runs[0].id}" in message
    _no_secrets(receiver.messages)


def _manifest(root: Path) -> Path:
    rows = []
    for i in range(SONGS):
        path = synth.tiny_song(root / f"song-{i:02d}.wav", seed=i, bpm=110.0 + i)
        rows.append({"source": path.name, "title": f"Backfill {i:02d}", "style": f"palette {i}"})
    rows.append({"source": "missing.wav", "title": "Backfill Missing"})
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps(rows))
    return manifest


def test_a_backfill_on_2_workers_with_a_flaky_provider(stack):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    root, videos, receiver = stack["root"], stack["videos"], stack["receiver"]
    manifest = _manifest(root)
    created_before = len(videos.created)
    started = time.monotonic()
    with api_client(stack["api"]) as client:
        run = _start(stack, "backfill/backfill", {"manifest": str(manifest), "poll_s": 1})
        state = wait_state(client, run, timeout_s=600 + 120 * SONGS)  # 2 workers, cold processes
        took = time.monotonic() - started
        log = "".join((root / f"worker{i}.log").read_text() for i in (1, 2))
        assert state == "COMPLETED", log[-4000:]
        print(f"backfill of {SONGS} songs on 2 workers: {took:.1f} s; 5xx injected: "
              f"{dict(videos.injected)}")  # fmt: skip
        assert sum(videos.injected.values()) > 0, "no 5xx was injected: the check proves nothing"
        [summary] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["backfill-summary"]))
        )
        rows = json.loads(summary.data)
        songs = _deployment_runs(client, "music-video")
    by_song = {r["song"]: r for r in rows}
    assert len(rows) == SONGS + 1
    assert by_song["Backfill Missing"]["state"] == "Failed"
    done = [r for r in rows if r["song"].startswith("Backfill ") and r["state"] == "Completed"]
    assert len(done) == SONGS, rows
    for r in done:
        slug = r["song"].lower().replace(" ", "-")
        assert r["link"] == f"s3://{stack['bucket']}/team/{slug}/final.mp4", r
        assert r["cost_usd"] > 0 and r["duration_s"] > 0
        assert f"team/{slug}/final.mp4" in _keys(stack)
    # The faults happened, and no clip was paid for twice.
    assert sum(videos.injected.values()) > 0
    paid = Counter(job.prompt for job in videos.created[created_before:])
    assert paid and max(paid.values()) == 1, paid.most_common(3)
    # sora-2 at $0.10 per second: the table's costs are what the fake was asked to make.
    billed = sum(0.10 * int(job.seconds) for job in videos.created[created_before:])
    assert sum(r["cost_usd"] for r in done) == pytest.approx(billed, abs=0.01)
    # One message per run, the failure included; no secrets.
    for i in range(SONGS):
        [message] = _wait_messages(receiver, f"Backfill {i:02d}", 1, timeout_s=120)
        assert "Completed" in message and "cost: $" in message
    [failed] = _wait_messages(receiver, "Backfill Missing", 1, timeout_s=120)
    assert "Failed" in failed and "why:" in failed
    _no_secrets(receiver.messages)

    # The same manifest again: nothing new is started or paid for.
    with api_client(stack["api"]) as client:
        second = _start(stack, "backfill/backfill", {"manifest": str(manifest), "poll_s": 1})
        assert wait_state(client, second, timeout_s=120) == "COMPLETED"
        assert len(_deployment_runs(client, "music-video")) == len(songs)
    assert len(videos.created) == created_before + sum(paid.values())


def test_low_suno_credits_reach_the_webhook(stack):
    suno, receiver = stack["suno"], stack["receiver"]
    suno.credits = 7
    with api_client(stack["api"]) as client:
        run = _start(stack, "check-quota/check-quota",
                     {"suno_credentials_block": "suno", "suno_min_credits": 50})  # fmt: skip
        assert wait_state(client, run, timeout_s=300) == "COMPLETED", _logs(stack)
    [message] = _wait_messages(receiver, "Quota low: suno", 1, timeout_s=120)
    assert "7 credits left" in message and "threshold 50" in message
    assert suno.calls["limit"] >= 1
    _no_secrets(receiver.messages)


def test_automations_apply_again_changes_nothing(stack):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.automations import QUOTA, VIDEO, apply_automations

    with api_client(stack["api"]) as client:
        before = {a.name: a.id for a in client.read_automations()}
        block_id = client.read_automations_by_name(VIDEO)[0].actions[0].block_document_id
    with temporary_settings({PREFECT_API_URL: stack["api"]}):
        assert apply_automations(block_id) == [f"updated {VIDEO!r}", f"updated {QUOTA!r}"]
    with api_client(stack["api"]) as client:
        after = {a.name: a.id for a in client.read_automations()}
    assert after == before and {VIDEO, QUOTA} <= set(after)
    assert "saved custom-webhook/mvagent" in stack["applied"].stdout
