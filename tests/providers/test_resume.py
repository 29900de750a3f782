"""A run killed mid-way (SIGKILL, no cleanup) resumes without paying for any clip twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mvagent.decisions import DecisionLog
from mvagent.providers.generation import RetryPolicy, generate_clip
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.providers.helpers import SORA_KEY, make_request, settings_for

CHILD = """
import sys
from pathlib import Path
from mvagent.decisions import DecisionLog
from mvagent.models import ClipRequest, GenerationSettings
from mvagent.providers.generation import generate_clip

base_url, cache_dir, out = sys.argv[1:4]
settings = GenerationSettings(provider="sora", cache_dir=cache_dir)
for i in range(3):
    req = ClipRequest(scene_index=i, prompt=f"scene {i}", duration_s=4, width=1280, height=720, fps=24)
    generate_clip(req, settings=settings, clips_dir=Path(out) / "clips",
                  decisions=DecisionLog(Path(out) / "decisions.jsonl"),
                  credentials={"api_key": sys.argv[4], "base_url": base_url, "poll_interval_s": 0.01})
    print("done", i, flush=True)
"""


@pytest.mark.service
@pytest.mark.slow
def test_killed_run_resumes_without_paying_twice(tmp_path: Path) -> None:
    with FakeOpenAIVideos(api_key=SORA_KEY, polls_to_complete=1, poll_after_ms=5) as fake:
        fake.hold.add("scene 1")
        cache_dir, out = tmp_path / "cache", tmp_path / "out"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, fake.base_url, str(cache_dir), str(out), SORA_KEY],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(fake.created) < 2 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert len(fake.created) == 2, (
            child.stderr.read() if child.poll() is not None else "timed out"
        )
        time.sleep(0.2)  # the child is now polling scene 1's job
        child.kill()  # SIGKILL: no finally blocks, no cleanup
        child.wait()
        assert (out / "clips" / "scene-000.mp4").exists()
        assert not (out / "clips" / "scene-001.mp4").exists()
        assert fake.calls["content"] == 1

        fake.hold.clear()
        settings = settings_for("sora", tmp_path)  # same cache_dir as the child
        log = DecisionLog(out / "decisions.jsonl")
        clips = [
            generate_clip(make_request(i, prompt=f"scene {i}", duration_s=4.0), settings=settings,
                          clips_dir=out / "clips", decisions=log,
                          credentials={"api_key": SORA_KEY, "base_url": fake.base_url},
                          retry=RetryPolicy(sleep=lambda s: None))
            for i in range(3)
        ]  # fmt: skip
        # Scene 0 from the cache, scene 1's job resumed, scene 2 new: three creates in all.
        assert [j.prompt for j in fake.created] == ["scene 0", "scene 1", "scene 2"]
        assert [c.cached for c in clips] == [True, False, False]
        assert fake.calls["content"] == 3
        assert not list((out / "clips").glob(".*"))  # no half-written files left behind
