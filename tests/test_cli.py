"""The `mvagent` command as a user runs it: exit codes and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MVAGENT = [sys.executable, "-m", "mvagent.cli"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.run(
        [*MVAGENT, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0]


def test_make_without_song(tmp_path):
    assert_one_line_error(run("make", cwd=tmp_path), "--demo")


def test_make_missing_file(tmp_path):
    assert_one_line_error(run("make", "nope.mp3", cwd=tmp_path), "not found")
    assert not (tmp_path / "out").exists()


def test_make_not_audio(tmp_path):
    (tmp_path / "notes.mp3").write_text("these are not the droids")
    assert_one_line_error(run("make", "notes.mp3", cwd=tmp_path), "not an audio file")


def test_analyze_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    assert_one_line_error(run("analyze", "empty.wav", "--json", cwd=tmp_path), "empty")


def test_unknown_provider(tmp_path):
    from mvagent.demo import synthesize_demo_song

    synthesize_demo_song(tmp_path / "s.wav", form="short")
    assert_one_line_error(
        run("make", "s.wav", "--provider", "nope", cwd=tmp_path), "unknown provider"
    )


def test_bad_size(tmp_path):
    from mvagent.demo import synthesize_demo_song

    synthesize_demo_song(tmp_path / "s.wav", form="short")
    assert_one_line_error(run("make", "s.wav", "--size", "big", cwd=tmp_path), "WIDTHxHEIGHT")
    assert_one_line_error(run("make", "s.wav", "--size", "1281x720", cwd=tmp_path), "even")


def test_unknown_option_is_one_line(tmp_path):
    assert_one_line_error(run("make", "--bogus", cwd=tmp_path), "bogus")


def test_render_bad_timeline_keeps_existing_video(tmp_path):
    (tmp_path / "timeline.json").write_text("{not json")
    (tmp_path / "final.mp4").write_bytes(b"previous good video")
    assert_one_line_error(run("render", "timeline.json", cwd=tmp_path))
    assert (tmp_path / "final.mp4").read_bytes() == b"previous good video"


@pytest.mark.slow
def test_analyze_json_contract(tmp_path):
    import json

    from mvagent.demo import synthesize_demo_song

    truth = synthesize_demo_song(tmp_path / "s.wav", form="short")
    proc = run("analyze", "s.wav", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    for key in ("duration", "tempo_bpm", "beats", "downbeats", "time_signature", "sections"):
        assert key in data
    assert abs(data["duration"] - truth.duration) < 0.05
    assert abs(data["tempo_bpm"] - truth.tempo_bpm) < 0.5
    assert all({"start", "end", "label"} <= set(s) for s in data["sections"])
