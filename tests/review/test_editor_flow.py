"""The editor inside the music-video flow, on the session's Prefect server: the video rubric
sends a weak scene back once and the video is rendered again; with the budget spent nothing
is regenerated; a rerun of the unchanged song asks the critic nothing (verdicts cached); and
the flow's `redo_scene` parameter remakes one scene, keeping hand edits to timeline.json.

Clips come from the `/v1/videos` stand-in through the real openai SDK (the `sora` provider),
whose create calls are the paid calls counted; the critic is the chat stand-in.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from tests.fakes.media import tiny_mp4
from tests.fakes.openai_chat import FakeOpenAIChat, VisionEditor
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.server import Reply
from tests.providers.helpers import SORA_KEY
from tests.review.redo_checks import assert_only_scene_remade, clip_digests, hand_edit

pytestmark = [pytest.mark.slow, pytest.mark.service]
LLM_KEY = "sk-editor-flow-7c41"
FPS = 12


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _log(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / "decisions.jsonl").read_text().splitlines()]


class TakesVideos(FakeOpenAIVideos):
    """The `/v1/videos` stand-in, but every job's video is different (as a real model's takes
    are), so a remade scene really changes the video."""

    def _content(self, video_id: str) -> Reply:
        reply = super()._content(video_id)
        if reply.status != 200:
            return reply
        number = next(i for i, job in enumerate(self.created) if job.id == video_id)
        seconds = float(self.jobs[video_id].seconds)
        return Reply(200, tiny_mp4(seconds, width=96 + 8 * number, height=96),
                     headers={"content-type": "video/mp4"})  # fmt: skip


class World:
    """The fakes, the song, and a spy on the renders (the real render still runs)."""

    def __init__(self, root: Path, chat: FakeOpenAIChat, videos: TakesVideos) -> None:
        self.root, self.chat, self.videos = root, chat, videos
        self.song = root / "Rescue.wav"
        self.renders: list[str] = []  # sha256 of final.mp4 after each render, in order

    def run(self, *, out: str, cache: str, max_cost: float | None = None,
            review: dict | None = None, **options) -> Path:  # fmt: skip
        from flows.music_video import music_video
        from flows.params import SongInput, VideoOptions
        from mvagent.models import GenerationSettings, PlannerSettings, RenderSettings

        opts = VideoOptions(
            out_dir=str(self.root / out),
            render=RenderSettings(width=320, height=180, fps=FPS, preset="draft"),
            generation=GenerationSettings(
                provider="sora",
                cache_dir=str(self.root / cache),
                max_cost_usd=max_cost,
                rate_per_minute=0,
            ),  # fmt: skip
            planner=PlannerSettings(mode="heuristic"),
            review=review or {"critic": "llm"},
            **options,
        )
        return Path(
            music_video(song=SongInput(source=str(self.song), title="Rescue"), options=opts)
        )

    def creates(self) -> Counter[str]:
        return Counter(job.prompt for job in self.videos.created)


@pytest.fixture(scope="module")
def world(tmp_path_factory, prefect_harness):
    import tasks.edit
    from mvagent.demo import synthesize_demo_song
    from mvagent.ffmpeg import run_ffmpeg

    root = tmp_path_factory.mktemp("editor-flow")
    synthesize_demo_song(root / "long.wav", form="short")
    with (
        FakeOpenAIChat(api_key=LLM_KEY) as chat,
        TakesVideos(api_key=SORA_KEY, polls_to_complete=0, poll_after_ms=5) as videos,
        pytest.MonkeyPatch.context() as mp,
    ):
        w = World(root, chat, videos)
        run_ffmpeg(["-y", "-i", str(root / "long.wav"), "-t", "20", str(w.song)],
                   what="cutting the test song")  # fmt: skip
        for name, value in {"SORA_API_KEY": SORA_KEY, "OPENAI_BASE_URL": videos.base_url,
                            "MVAGENT_LLM_BASE_URL": chat.base_url, "MVAGENT_LLM_API_KEY": LLM_KEY,
                            "MVAGENT_LLM_MODEL": "gpt-4o-mini"}.items():  # fmt: skip
            mp.setenv(name, value)
        real = tasks.edit.render_timeline

        def spy(timeline, *, base_dir, out, **kw):
            real(timeline, base_dir=base_dir, out=out, **kw)
            w.renders.append(_sha(Path(out)))

        mp.setattr(tasks.edit, "render_timeline", spy)
        yield w


@pytest.fixture(scope="module")
def rescued(world: World):
    """One run whose rubric scores the second scene on the contact sheet 1 of 5."""
    editor = VisionEditor(weak_at=(1,))
    world.chat.responder = editor
    final = world.run(out="out", cache="cache")
    return final, editor, world.creates(), list(world.renders)


def test_weak_scene_is_regenerated_once_and_the_video_rendered_again(world, rescued):
    from mvagent.ffmpeg import probe

    final, editor, creates, renders = rescued
    folder = final.parent
    assert editor.rubrics == 1 and len(editor.flagged) == 1
    rescue = [d for d in _log(folder) if d["stage"] == "review" and d["action"] == "regenerate"
              and d["data"].get("take") == "rescue"]  # fmt: skip
    assert [d["scene_index"] for d in rescue] == editor.flagged  # that scene, and only it
    prompt = rescue[0]["data"]["prompt"]
    # One extra paid call for the weak scene, none for the others.
    assert creates[prompt] == 2 and all(n == 1 for p, n in creates.items() if p != prompt)
    assert len(renders) == 2 and renders[0] != renders[1] == _sha(final)  # rendered again
    song_s = json.loads((folder / "analysis.json").read_text())["duration"]
    assert abs(probe(final).duration_s - song_s) <= 1 / FPS + 1e-3
    video = json.loads((folder / "review.json").read_text())["video"]
    assert video["rescued"] == editor.flagged and video["rubric"]["scenes"]  # the rubric kept
    assert "made again once" in (folder / "report.md").read_text()
    assert (folder / "contact_sheet.png").is_file()


def test_rerun_of_the_unchanged_song_pays_no_critic_and_no_clip(world, rescued):
    folder = rescued[0].parent
    chat_before, creates_before = len(world.chat.requests), len(world.videos.created)
    world.chat.responder = VisionEditor(weak_at=(1,))
    final = world.run(out="out", cache="cache")
    assert len(world.chat.requests) == chat_before  # every verdict and the rubric from the cache
    assert len(world.videos.created) == creates_before  # the rescue take too
    verdicts = [d for d in _log(folder) if d["action"] == "verdict"]  # this run's log
    scenes = json.loads((folder / "storyboard.json").read_text())["scenes"]
    assert len(verdicts) >= len(scenes) // 2 and all(d["data"]["cached"] for d in verdicts)
    looks = [d for d in _log(folder) if d["action"] == "video_review"]
    assert "rubric from the cache" in looks[0]["reason"]
    assert final.is_file()


def test_flow_redo_scene_remakes_one_scene_and_keeps_hand_edits(world, rescued):
    folder = rescued[0].parent
    timeline = hand_edit(folder)
    clips = clip_digests(folder)
    scene = timeline["shots"][0]["scene_index"]
    creates_before, renders_before = len(world.videos.created), len(world.renders)

    final = world.run(out="out", cache="cache", redo_scene=scene, redo_prompt="a red dawn")

    assert len(world.videos.created) == creates_before + 1  # only that scene was paid for
    assert world.videos.created[-1].prompt.startswith("a red dawn")
    assert_only_scene_remade(folder, clips, scene)
    assert _sha(final) != world.renders[renders_before - 1]  # final.mp4 rendered again
    log = _log(folder)
    assert log[-1]["action"] == "redo" and log[-1]["scene_index"] == scene
    assert any(d["action"] == "verdict" for d in log)  # the video's log was added to, not reset


def test_with_the_budget_spent_nothing_is_regenerated(world, rescued):
    """Retakes use up the run's margin; the weak scene the rubric finds is then left alone."""
    from mvagent.models import GenerationSettings, RenderSettings, Storyboard
    from mvagent.planning.cost import estimate_cost

    storyboard = Storyboard.model_validate_json((rescued[0].parent / "storyboard.json").read_text())
    # The exact estimate --max-cost must allow: first takes plus the 25 % retake margin.
    budget = estimate_cost(storyboard, settings=GenerationSettings(provider="sora"),
                           render=RenderSettings(width=320, height=180, fps=FPS),
                           retake_share=0.25).total_usd  # fmt: skip
    world.chat.responder = VisionEditor(*["regenerate"] * 40, weak_at=(1,))
    creates_before, renders_before = len(world.videos.created), len(world.renders)
    final = world.run(out="tight", cache="tight-cache", max_cost=budget,
                      review={"critic": "llm", "max_retakes": 10})  # fmt: skip
    log = _log(final.parent)
    stops = [d for d in log if d["action"] == "budget_stop"]
    rescue = [i for i, d in enumerate(log)
              if d["action"] == "regenerate" and d["data"].get("take") == "rescue"]  # fmt: skip
    assert len(stops) >= 2 and rescue  # the retakes ran into the budget; a weak scene was found
    scene = log[rescue[0]]["scene_index"]
    generated = [i for i, d in enumerate(log) if d["action"] == "generated"]
    assert len(world.videos.created) - creates_before == len(generated)  # every paid call logged
    assert not [i for i in generated if i > rescue[0]]  # ... and none after the rescue was asked
    assert stops[-1]["scene_index"] == scene and stops[-1]["stage"] == "review"
    assert len(world.renders) == renders_before + 1  # rendered once, not again
