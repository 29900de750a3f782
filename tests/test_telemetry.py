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
