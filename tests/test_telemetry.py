import json
import time

from mvagent import telemetry


def test_spans_are_written_as_json_lines(tmp_path):
    telemetry.write_trace(tmp_path / "old.jsonl")  # drop spans from earlier tests
    with telemetry.span("stage.outer", song="x"), telemetry.span("stage.inner"):
        time.sleep(0.01)
    n = telemetry.write_trace(tmp_path / "trace.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    assert n == 2 and [r["name"] for r in rows] == ["stage.outer", "stage.inner"]
    outer, inner = rows
    assert inner["parent_id"] == outer["span_id"] and inner["trace_id"] == outer["trace_id"]
    assert inner["seconds"] >= 0.01 and outer["attributes"] == {"song": "x"}
    assert telemetry.write_trace(tmp_path / "empty.jsonl") == 0


def test_progress_counts_units_of_a_stage():
    from mvagent import progress

    seen = []
    stop = progress.subscribe(
        lambda stage, fraction, message: seen.append((stage, fraction, message))
    )
    try:
        progress.advance("nothing-expected")  # no-op
        progress.expect("generate", 4)
        progress.advance("generate", "scene 0")
        progress.advance("generate", "scene 1")
    finally:
        stop()
    assert seen == [("generate", 0.25, "scene 0"), ("generate", 0.5, "scene 1")]


def test_a_span_in_a_thread_without_context_finds_its_run(tmp_path):
    """Threads that did not copy the context (not Prefect's pool) still land in the run."""
    import threading

    telemetry.write_trace(tmp_path / "old.jsonl")
    telemetry.set_run_key_resolver(lambda: "run-1")
    try:
        with telemetry.run("music-video: x", key="run-1"):

            def work() -> None:
                with telemetry.span("stage.thread"):
                    pass

            thread = threading.Thread(target=work)  # a bare thread: empty context
            thread.start()
            thread.join()
            with telemetry.span("stage.main"):
                telemetry.write_trace(tmp_path / "trace.jsonl")
    finally:
        telemetry.set_run_key_resolver(lambda: None)
    rows = {r["name"]: r for r in map(json.loads, (tmp_path / "trace.jsonl").open())}
    root = rows["music-video: x"]
    assert root["parent_id"] is None and len({r["trace_id"] for r in rows.values()}) == 1
    # Open spans (the root, the stage writing the file) are in the file too, ending now.
    assert rows["stage.thread"]["parent_id"] == root["span_id"]
    assert rows["stage.main"]["parent_id"] == root["span_id"]


def test_provider_calls_are_spans_with_latency_and_status(tmp_path):
    import pytest

    from mvagent.errors import ProviderError

    telemetry.write_trace(tmp_path / "old.jsonl")
    assert [telemetry.operation_of(w) for w in ("creating the video", "queueing", "polling the job",
            "resuming the operation", "downloading the video", "fetching the result",
            "starting the generation")] == ["create", "create", "poll", "poll", "download",
                                            "download", "create"]  # fmt: skip
    with telemetry.run("r"):
        with telemetry.provider_call("sora", "create", model="sora-2"):
            time.sleep(0.01)
        err = ProviderError("sora answered HTTP 400")
        err.http_status = 400  # type: ignore[attr-defined]
        with pytest.raises(ProviderError), telemetry.provider_call("sora", "poll", model="sora-2"):
            raise err
        telemetry.write_trace(tmp_path / "trace.jsonl")
    rows = {r["name"]: r for r in map(json.loads, (tmp_path / "trace.jsonl").open())}
    create, poll = (
        rows["provider.sora.create"]["attributes"],
        rows["provider.sora.poll"]["attributes"],
    )
    assert create["status"] == "ok" and create["seconds"] >= 0.01 and create["model"] == "sora-2"
    assert poll["status"] == "error" and poll["http.status_code"] == 400


def test_metrics_spool_is_replayed_by_another_process(tmp_path, monkeypatch):
    """What a flow-run process records reaches the worker's endpoint through the spool."""
    import socket
    import subprocess
    import sys

    import httpx

    from mvagent import metrics

    spool = tmp_path / "spool"
    code = (
        "from mvagent import metrics; "
        "metrics.clip('veo', 'generated', paid_seconds=8, cost_usd=3.2); "
        "metrics.clip('veo', 'failed'); metrics.credits_left('suno', 42); "
        "[metrics.provider_latency('veo', 'poll', s, status='ok') for s in (0.2, 40.0)]"
    )
    env = {"MVAGENT_METRICS_SPOOL": str(spool), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.delenv("MVAGENT_METRICS_SPOOL", raising=False)
    server = metrics.serve_prometheus(port, host="127.0.0.1", spool=spool)
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        server.shutdown()
        server.server_close()
    lines = [line for line in text.splitlines() if line.startswith("mvagent_")]

    def value(prefix: str) -> float:
        return float(next(line for line in lines if line.startswith(prefix)).rsplit(" ", 1)[1])

    failed = [line for line in lines if "mvagent_clips_total" in line and 'status="failed"' in line]
    made = [
        line for line in lines if "mvagent_clips_total" in line and 'status="generated"' in line
    ]
    assert len(failed) == len(made) == 1 and failed[0].endswith(" 1.0") and made[0].endswith(" 1.0")
    assert value("mvagent_paid_seconds_total") == 8.0 and value("mvagent_cost_usd_total") == 3.2
    assert value("mvagent_credits") == 42.0
    # The histogram has the two real values: one under 0.25 s, both under 60 s.
    buckets = {line.split('le="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
               for line in lines if line.startswith("mvagent_provider_latency_seconds_bucket")}  # fmt: skip
    assert buckets["0.25"] == 1.0 and buckets["30.0"] == 1.0 and buckets["60.0"] == 2.0
    assert not list(spool.glob("*.jsonl")), "a finished process's file is removed once read"
