"""`mvagent make --planner llm|auto` as a user runs it, against the fake OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.openai_chat import DIRECTOR_WORD, FakeOpenAIChat
from tests.llm.conftest import PLANTED_KEY

pytestmark = [pytest.mark.slow, pytest.mark.service]

LYRICS = [
    "Paper lanterns over the river",
    "We were dancing in the rain",
    "Midnight calling out your name",
    "Hold the light and drive me home",
    "Paper lanterns over the river",
    "Every star is burning low",
    "We were dancing in the rain",
    "Hold the light and let it go",
]


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    from tests.audio.synth import tiny_song

    root = tmp_path_factory.mktemp("cli-llm")
    # 12 bars, about 25 s: every lyric line (2 s .. 23 s) is sung inside the song.
    tiny_song(root / "song.wav", seed=5, bars=12)
    lrc = "\n".join(f"[00:{2 + 3 * i:02d}.00]{line}" for i, line in enumerate(LYRICS))
    (root / "song.lrc").write_text(lrc + "\n")
    return root / "song.wav"


@pytest.fixture(scope="module")
def api_url(prefect_harness) -> str:
    """The session's Prefect server: the CLI records its run there instead of starting one."""
    import prefect.settings

    return prefect.settings.PREFECT_API_URL.value()


def make(
    song: Path, out: Path, *args: str, base_url: str, api_url: str
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": api_url,
           "MVAGENT_LLM_BASE_URL": base_url, "MVAGENT_LLM_API_KEY": PLANTED_KEY,
           "MVAGENT_LLM_MODEL": "gpt-4o-mini", "MVAGENT_LLM_MAX_ATTEMPTS": "2",
           "MVAGENT_CACHE_DIR": str(out / "cache")}  # fmt: skip
    env.pop("OPENAI_BASE_URL", None)
    env.pop("PREFECT_LOGGING_LEVEL", None)  # as a user runs it (the test session sets WARNING)
    cmd = [sys.executable, "-m", "mvagent.cli", "make", str(song), "--lyrics",
           str(song.with_suffix(".lrc")), "--title", "Paper Lanterns", "--out", str(out),
           "--size", "320x180", "--preset", "draft", "--fps", "12", *args]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def test_llm_planner_repairs_a_malformed_reply_and_writes_the_prompts(song, tmp_path, api_url):
    with FakeOpenAIChat(api_key=PLANTED_KEY) as fake:
        fake.script.append('{"concept": {"logline": "oops"')  # malformed first reply
        # The critic is tested on its own (tests/review): only planner calls are counted here.
        proc = make(song, tmp_path / "out", "--planner", "llm", "--brief", "a night market", "--critic", "rules",
                    base_url=fake.base_url, api_url=api_url)  # fmt: skip
        requests = list(fake.requests)
    assert proc.returncode == 0, proc.stderr
    assert len(requests) == 2  # the first reply was malformed: one repair call
    assert "not valid JSON" in requests[1]["messages"][-1]["content"]
    first = json.dumps(requests[0])
    assert (
        "Paper Lanterns" in first and "dancing in the rain" in first and "a night market" in first
    )
    folder = tmp_path / "out" / "paper-lanterns"
    storyboard = json.loads((folder / "storyboard.json").read_text())
    prompts = [s["prompt"] for s in storyboard["scenes"]]
    assert sum(DIRECTOR_WORD in p for p in prompts) > len(prompts) / 2
    assert storyboard["planner"] == "llm" and storyboard["concept"]["treatment"] == "narrative"
    assert storyboard["characters"][0]["id"] == "mara"
    assert any(s["lyric"] for s in storyboard["scenes"])
    report = (folder / "report.md").read_text()
    assert "**Concept**" in report and "Mara" in report and "LLM: 2 call(s)" in report
    decisions = [json.loads(line) for line in (folder / "decisions.jsonl").read_text().splitlines()]
    calls = [d for d in decisions if d["action"] == "llm_call"]
    assert [c["data"]["ok"] for c in calls] == [False, True]
    assert all(c["data"]["prompt_tokens"] > 0 and c["data"]["cost_usd"] > 0 for c in calls)
    assert (folder / "final.mp4").is_file()
    # The key never reaches any output: files, stdout, stderr.
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert PLANTED_KEY.encode() not in path.read_bytes(), path
    assert PLANTED_KEY not in proc.stdout + proc.stderr


def test_endpoint_down_auto_falls_back_and_llm_fails_in_one_line(song, tmp_path, api_url):
    down = "http://127.0.0.1:9/v1"
    auto = make(
        song, tmp_path / "auto", "--planner", "auto", "--dry-run", base_url=down, api_url=api_url
    )
    assert auto.returncode == 0, auto.stderr
    assert "planner: heuristic" in auto.stdout and "LLM cost" in auto.stdout
    folder = tmp_path / "auto" / "paper-lanterns"
    decisions = [json.loads(line) for line in (folder / "decisions.jsonl").read_text().splitlines()]
    (fallback,) = [d for d in decisions if d["action"] == "planner_fallback"]
    assert "cannot reach" in fallback["reason"]

    strict = make(
        song, tmp_path / "llm", "--planner", "llm", "--dry-run", base_url=down, api_url=api_url
    )
    assert strict.returncode == 2, strict.stderr
    lines = [line for line in strict.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach" in lines[0], strict.stderr
    assert "Traceback" not in strict.stderr
    assert not (tmp_path / "llm" / "paper-lanterns" / "storyboard.json").exists()
