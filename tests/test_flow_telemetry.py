"""One run of the music-video flow, observed the way a team would observe it.

The run uses the sora provider against the fake `/v1/videos` server, the LLM planner against
the fake chat endpoint and a moto S3 bucket; OTEL_EXPORTER_OTLP_ENDPOINT points at a local
OTLP/HTTP receiver that decodes what it gets with opentelemetry-proto. Checked: one trace
with the run at its root, stages below it, every provider and LLM call below its stage; the
metrics over OTLP and on the worker's Prometheus endpoint (a real `python -m flows.worker`
process reading the flow run's spool); the artifacts read back through the Prefect client.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from mvagent import metrics, telemetry
from mvagent.demo import synthesize_demo_song
from mvagent.ffmpeg import run_ffmpeg
from mvagent.models import GenerationSettings, PlannerSettings, RenderSettings
from mvagent.review.settings import ReviewSettings
from tests.fakes.openai_chat import FakeOpenAIChat
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.s3 import CREDS, s3_server  # noqa: F401 - the session fixture
from tests.providers.helpers import SORA_KEY

pytestmark = [pytest.mark.slow, pytest.mark.service]

LLM_KEY = "sk-telemetry-llm-key"
ROOT = Path(__file__).resolve().parents[1]


class OTLPReceiver:
    """POST /v1/traces and /v1/metrics (protobuf), decoded and kept."""

    def __init__(self) -> None:
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
            ExportMetricsServiceRequest,
        )
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        self.raw: list[bytes] = []
        self.spans: list = []
        self.metrics: list = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.raw.append(body)
                if self.path == "/v1/traces":
                    msg = ExportTraceServiceRequest.FromString(body)
                    for rs in msg.resource_spans:
                        for ss in rs.scope_spans:
                            receiver.spans.extend(ss.spans)
                elif self.path == "/v1/metrics":
                    msg = ExportMetricsServiceRequest.FromString(body)
                    for rm in msg.resource_metrics:
                        for sm in rm.scope_metrics:
                            receiver.metrics.extend(sm.metrics)
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def observed(tmp_path_factory, prefect_harness, s3_server):  # noqa: F811

    from flows.music_video import music_video
    from flows.params import SongInput, VideoOptions

    root = tmp_path_factory.mktemp("telemetry")
    song = root / "Glass Tide.wav"
    # The first 26 s of the short song: 3 sora scenes, enough for every span checked here.
    synthesize_demo_song(root / "long.wav", form="short")
    run_ffmpeg(["-y", "-i", str(root / "long.wav"), "-t", "26", str(song)],
               what="cutting the test song")  # fmt: skip
    bucket = s3_server.new_bucket()
    s3_server.bucket_block(bucket).save("mv-telemetry", overwrite=True)
    receiver = OTLPReceiver()
    spool = root / "spool"
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "MVAGENT_METRICS_SPOOL": str(spool),
        "SORA_API_KEY": SORA_KEY,
        "MVAGENT_LLM_API_KEY": LLM_KEY,
        "MVAGENT_LLM_MODEL": "gpt-4.1-mini",
        "MVAGENT_PROVIDER_RATE_PER_MINUTE": "0",
    }
    saved = {k: os.environ.get(k) for k in [*env, "OPENAI_BASE_URL", "MVAGENT_LLM_BASE_URL"]}
    with (
        FakeOpenAIVideos(api_key=SORA_KEY, polls_to_complete=1, poll_after_ms=5) as videos,
        FakeOpenAIChat(api_key=LLM_KEY) as chat,
    ):
        os.environ.update(env, OPENAI_BASE_URL=videos.base_url, MVAGENT_LLM_BASE_URL=chat.base_url)
        try:
            options = VideoOptions(
                out_dir=str(root / "out"),
                render=RenderSettings(width=320, height=180, fps=12, preset="draft"),
                generation=GenerationSettings(provider="sora", cache_dir=str(root / "cache")),
                planner=PlannerSettings(mode="llm"),
                storage_block="mv-telemetry",
                # The offline critic, no retakes: the contact sheet without extra clips.
                review=ReviewSettings(critic="rules", max_retakes=0),
            )
            t0 = time.perf_counter()
            state = music_video(
                song=SongInput(source=str(song), title="Glass Tide"),
                options=options,
                return_state=True,
            )
            seconds = time.perf_counter() - t0
            final = Path(state.result())
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            # Without OTLP from now on: nothing is sent to the closed receiver later.
            metrics.reconfigure()
            telemetry.ensure_otlp_export()
        yield {
            "receiver": receiver,
            "final": final,
            "run_id": state.state_details.flow_run_id,
            "bucket": bucket,
            "spool": spool,
            "videos": videos,
            "chat": chat,
            "seconds": seconds,
            "s3": s3_server,
        }
    receiver.close()


def _tree(spans):
    by_id = {s.span_id: s for s in spans}

    def ancestors(s):
        out = []
        while s.parent_span_id:
            s = by_id[s.parent_span_id]
            out.append(s.name)
        return out

    return by_id, ancestors


def test_one_trace_per_run_with_stages_provider_and_llm_calls(observed):
    spans = observed["receiver"].spans
    assert len({s.trace_id for s in spans}) == 1, "one trace for the whole run"
    roots = [s for s in spans if not s.parent_span_id]
    assert [r.name for r in roots] == ["music-video: Glass Tide"]
    root = roots[0]
    by_id, ancestors = _tree(spans)
    stages = {s.name: s for s in spans if s.name.startswith("stage.")}
    assert {"stage.ingest", "stage.analyse", "stage.plan", "stage.generate", "stage.edit",
            "stage.publish"} <= set(stages)  # fmt: skip
    assert all(s.parent_span_id == root.span_id for s in stages.values())

    videos = observed["videos"]
    ops = [s for s in spans if s.name.startswith("provider.sora.")]
    count = {op: sum(s.name == f"provider.sora.{op}" for s in ops) for op in
             ("create", "poll", "download", "clip")}  # fmt: skip
    # Every SDK call the fake server saw is a span, and each sits in the generate stage.
    assert count["create"] == len(videos.created) > 0
    assert count["download"] == videos.calls["content"] == len(videos.created)
    assert count["poll"] >= len(videos.created)
    assert count["clip"] == len(videos.created)
    for s in ops:
        assert "stage.generate" in ancestors(s) and ancestors(s)[-1] == root.name
    attrs = {a.key: a.value for a in next(s for s in ops if s.name.endswith(".clip")).attributes}
    assert attrs["provider"].string_value == "sora" and attrs["status"].string_value == "ok"
    assert attrs["model"].string_value and attrs["seconds"].double_value > 0
    assert attrs["cost_usd"].double_value > 0

    llm = [s for s in spans if s.name.startswith("llm.")]
    assert len(llm) == len(observed["chat"].requests) > 0
    assert all("stage.plan" in ancestors(s) for s in llm)
    keys = {a.key for a in llm[0].attributes}
    assert {"model", "purpose", "prompt_tokens", "cost_usd", "status"} <= keys

    payload = b"".join(observed["receiver"].raw)
    assert SORA_KEY.encode() not in payload and LLM_KEY.encode() not in payload


def test_file_trace_holds_the_same_tree(observed):
    import json

    rows = [json.loads(line) for line in (observed["final"].parent / "trace.jsonl").open()]
    exported = {s.span_id.hex() for s in observed["receiver"].spans}
    assert len({r["trace_id"] for r in rows}) == 1
    assert rows[0]["name"] == "music-video: Glass Tide" and rows[0]["parent_id"] is None
    # All but the publish stage and the root end after the file is written.
    assert {r["span_id"] for r in rows} <= exported and len(rows) >= len(exported) - 2


def test_metrics_over_otlp(observed):
    names = {m.name for m in observed["receiver"].metrics}
    assert {"mvagent.run.duration", "mvagent.clips", "mvagent.paid_seconds", "mvagent.cost_usd",
            "mvagent.provider.latency", "mvagent.llm.latency"} <= names  # fmt: skip


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} {labels} not in the scrape")


def test_worker_serves_the_runs_metrics_to_prometheus(observed):
    from prefect.settings import PREFECT_API_URL

    port = _free_port()
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value(),
               MVAGENT_METRICS_SPOOL=str(observed["spool"]))  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "flows.worker", "--pool", "mv-telemetry-pool",
         "--metrics-port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        text = ""
        for _ in range(150):
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                break
            except httpx.TransportError:
                time.sleep(0.1)
        made = len(observed["videos"].created)
        assert _sample(text, "mvagent_clips_total", provider="sora", status="generated") == made
        assert _sample(text, "mvagent_run_duration_seconds_count", status="completed") == 1
        duration = _sample(text, "mvagent_run_duration_seconds_sum", status="completed")
        assert 0 < duration <= observed["seconds"]
        assert _sample(text, "mvagent_paid_seconds_total", provider="sora") > 0
        assert _sample(text, "mvagent_cost_usd_total", kind="video", provider="sora") > 0
        assert _sample(text, "mvagent_provider_latency_seconds_count", provider="sora",
                       operation="create") == made  # fmt: skip
        assert _sample(text, "mvagent_llm_latency_seconds_count", purpose="storyboard") >= 1
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def test_artifacts_a_team_sees(observed):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[observed["run_id"]])
            )
        )
    by_type: dict[str, list] = {}
    for a in arts:
        by_type.setdefault(a.type, []).append(a)
    assert [a.data for a in by_type["progress"]] == [100.0]

    import json

    # The scene table (the run's other table is the result record the backfill reads).
    (table,) = [a for a in by_type["table"] if (a.key or "").startswith("scenes-")]
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    storyboard = json.loads((observed["final"].parent / "storyboard.json").read_text())
    assert [r["scene"] for r in rows] == [s["index"] for s in storyboard["scenes"]]
    assert {r["status"] for r in rows} <= {"generated", "cached"}
    assert all(r["provider"] == "sora" and r["retakes"] == 0 for r in rows)
    assert sum(r["cost_usd"] for r in rows) > 0

    # The link and the contact sheet open in a browser: the bytes are the files.
    # A link artifact is stored as markdown: [text](url).
    (link,) = [a for a in arts if a.key == "video-glass-tide"]
    assert link.type == "markdown" and link.data.startswith("[Glass Tide: final.mp4](")
    url = link.data.split("](", 1)[1].rstrip(")")
    assert url.startswith(observed["s3"].endpoint_url)
    assert httpx.get(url).content == observed["final"].read_bytes()
    (image,) = by_type["image"]
    sheet = observed["final"].parent / "contact_sheet.png"
    assert httpx.get(image.data).content == sheet.read_bytes()
