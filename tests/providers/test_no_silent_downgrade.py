"""The independent check of issue 10: a `/v1/videos` stand-in that breaks after 2 clips.

Without `--fallback` the run stops cleanly (one-line error naming the scenes, no final.mp4);
with `--fallback local` it finishes and report.md says first which scenes are not from sora;
across both runs no clip is paid twice (the 2 good clips come from the cache).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mvagent.demo import synthesize_demo_song
from mvagent.errors import ScenesFailedError
from mvagent.models import GenerationSettings, RenderSettings
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.server import Reply, Request
from tests.providers.helpers import SORA_KEY

pytestmark = [pytest.mark.slow, pytest.mark.service]


class BreakingVideos(FakeOpenAIVideos):
    """The `/v1/videos` contract until `break_after` jobs exist, then 500s on every create."""

    def __init__(self, *, break_after: int, **kw: object) -> None:
        super().__init__(**kw)
        self.break_after = break_after

    def handle(self, req: Request) -> tuple[str, object]:
        route, reply = super().handle(req)
        if route == "create" and len(self.created) >= self.break_after:
            # Retry-After 0 keeps the test quick; the retries still happen.
            return route, Reply(500, {"error": {"message": "upstream model crashed"}},
                                headers={"retry-after": "0"})  # fmt: skip
        return route, reply


def _run(song: Path, out: Path, cache: Path, *, fallback: list[str]) -> Path:
    from flows.music_video import music_video
    from flows.params import SongInput, VideoOptions

    options = VideoOptions(
        out_dir=str(out),
        render=RenderSettings(width=640, height=360, fps=24, preset="draft"),
        generation=GenerationSettings(provider="sora", fallback=fallback, cache_dir=str(cache)),
        review_clips=False,  # a retake would be a new paid clip: keep the count exact
    )
    return Path(music_video(song=SongInput(source=str(song), title="Break"), options=options))


def test_broken_provider_stops_cleanly_then_reports_the_fallback(
    prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    song = tmp_path / "Break.wav"
    synthesize_demo_song(song, form="short")
    cache, out = tmp_path / "cache", tmp_path / "out"
    with BreakingVideos(
        break_after=2, api_key=SORA_KEY, polls_to_complete=0, poll_after_ms=5
    ) as fake:
        monkeypatch.setenv("SORA_API_KEY", SORA_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        # No rate limit: at the default 10 calls/minute the retries alone take minutes.
        monkeypatch.setenv("MVAGENT_PROVIDER_RATE_PER_MINUTE", "0")

        with pytest.raises(ScenesFailedError) as info:
            _run(song, out, cache, fallback=[])
        message = str(info.value)
        assert "\n" not in message and "could not be made with sora" in message
        assert "--fallback local" in message and info.value.scenes
        assert all(f"{i}" in message for i in info.value.scenes)
        assert info.value.exit_code != 0
        assert not (out / "break" / "final.mp4").exists()
        assert len(fake.created) == 2 and fake.calls["content"] == 2  # two clips paid
        _assert_failed_scene_table(info.value.scenes)

        final = _run(song, out, cache, fallback=["local"])
        assert final.is_file()
        report = (final.parent / "report.md").read_text().splitlines()
        assert report[0].startswith("# Break")
        assert " scenes are not from sora:** " in report[2]
        substituted = report[2].split(":** ")[1].split(", ")
        assert substituted and all(s.endswith("(local)") for s in substituted)
        # No clip paid twice: still the same two jobs, each downloaded once.
        assert len(fake.created) == 2 and fake.calls["content"] == 2


def _assert_failed_scene_table(scenes: list[int]) -> None:
    """The stopped run's scene table in the UI names the failed scenes and why."""
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterType

    with get_client(sync_client=True) as client:
        tables = client.read_artifacts(
            artifact_filter=ArtifactFilter(type=ArtifactFilterType(any_=["table"]))
        )
    (table,) = [t for t in tables if "scenes failed; the run stopped" in (t.description or "")]
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert sorted(r["scene"] for r in rows if r["status"] == "failed") == sorted(scenes)
    assert all("sora" in r["error"] for r in rows if r["status"] == "failed")
    assert sum(r["status"] == "generated" and r["provider"] == "sora" for r in rows) == 2
