"""The independent check: `mvagent make SONG --planner heuristic --critic llm` against a
stand-in vision model that answers `regenerate` once and `accept` otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.openai_chat import FakeOpenAIChat, VisionEditor, image_parts
from tests.review.redo_checks import assert_only_scene_remade, clip_digests, hand_edit

pytestmark = [pytest.mark.slow, pytest.mark.service]
KEY = "sk-critic-cli-5d2a"


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    from mvagent.demo import synthesize_demo_song
    from mvagent.ffmpeg import run_ffmpeg

    root = tmp_path_factory.mktemp("critic-song")
    synthesize_demo_song(root / "long.wav", form="short")
    run_ffmpeg(["-y", "-i", str(root / "long.wav"), "-t", "26", str(root / "song.wav")],
               what="cutting the test song")  # fmt: skip
    return root / "song.wav"


@pytest.fixture(scope="module")
def made(song, tmp_path_factory, prefect_harness):
    import prefect.settings

    tmp_path = tmp_path_factory.mktemp("critic-make")

    editor = VisionEditor("regenerate")
    with FakeOpenAIChat(api_key=KEY, responder=editor) as fake:
        env = {**os.environ, "PREFECT_API_URL": prefect.settings.PREFECT_API_URL.value(),
               "MVAGENT_LLM_BASE_URL": fake.base_url, "MVAGENT_LLM_API_KEY": KEY,
               "MVAGENT_LLM_MODEL": "gpt-4o-mini", "MVAGENT_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip
        cmd = [sys.executable, "-m", "mvagent.cli", "make", str(song), "--planner", "heuristic",
               "--critic", "llm", "--title", "Critic", "--out", str(tmp_path / "out"),
               "--size", "320x180", "--preset", "draft", "--fps", "12"]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        sent = list(fake.requests)
    return proc, tmp_path, editor, sent


def test_make_with_llm_critic_retakes_once_and_judges_the_retake(made):
    proc, tmp_path, editor, sent = made
    assert proc.returncode == 0, proc.stderr[-2000:]
    folder = tmp_path / "out" / "critic"
    decisions = [json.loads(x) for x in (folder / "decisions.jsonl").read_text().splitlines()]
    review = [d for d in decisions if d["stage"] == "review"]
    retakes = [d for d in review if d["action"] == "regenerate"]
    verdicts = [d for d in review if d["action"] == "verdict"]
    assert len(retakes) == 1  # exactly one retake
    scene = retakes[0]["scene_index"]
    judged = [
        (d["data"]["take"], d["data"]["verdict"]) for d in verdicts if d["scene_index"] == scene
    ]
    assert judged == [(0, "regenerate"), (1, "accept")]  # ... and it was judged again
    clip_reviews = [
        b for b in sent if image_parts(b) and "contact sheet" not in json.dumps(b["messages"][0])
    ]
    scenes = json.loads((folder / "storyboard.json").read_text())["scenes"]
    assert editor.clip_reviews == len(clip_reviews) == len(verdicts) <= len(scenes) + 1
    assert all(3 <= len(image_parts(b)) <= 6 for b in clip_reviews)
    assert editor.rubrics == 1 and (folder / "contact_sheet.png").is_file()
    data = json.loads((folder / "review.json").read_text())
    assert data["critic"] == "llm" and data["video"]["rubric"]["theme_fit"] == 4
    report = (folder / "report.md").read_text()
    assert "## Editor" in report and "take 1" in report
    assert KEY not in (folder / "decisions.jsonl").read_text() + report


def test_redo_one_scene_keeps_the_other_clips_and_the_hand_edits(made):
    _, tmp_path, _, _ = made
    folder = tmp_path / "out" / "critic"
    timeline = hand_edit(folder)
    before = clip_digests(folder)
    scene = timeline["shots"][1]["scene_index"]
    env = {**os.environ, "MVAGENT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("PREFECT_API_URL", None)
    cmd = [sys.executable, "-m", "mvagent.cli", "redo", str(folder), "--scene", str(scene),
           "--prompt", "a red kaleidoscope of rain"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert_only_scene_remade(folder, before, scene)
    log = [json.loads(x) for x in (folder / "decisions.jsonl").read_text().splitlines()]
    redo_at = max(i for i, d in enumerate(log) if d["action"] == "redo")
    made_after = [d["scene_index"] for d in log[redo_at - 20 :] if d["action"] == "generated"]
    assert set(made_after) <= {scene}
    assert log[redo_at]["data"]["prompt"] == "a red kaleidoscope of rain"
    bad = subprocess.run([*cmd[:5], "--scene", "999"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "no scene 999" in bad.stderr
