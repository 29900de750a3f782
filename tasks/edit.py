"""Task: plan the timeline on the beat grid and render final.mp4 in one ffmpeg pass."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent import progress
from mvagent.editing import plan_timeline, render_timeline
from mvagent.fileio import write_json_atomic
from mvagent.models import Analysis, Clip, RenderSettings, Song, Storyboard, Timeline


@task(name="edit-video", cache_policy=NO_CACHE)
def edit_video(
    song: Song,
    analysis: Analysis,
    storyboard: Storyboard,
    clips: dict[int, Clip],
    *,
    render: RenderSettings,
    song_dir: str,
) -> Timeline:
    base = Path(song_dir)
    timeline = plan_timeline(
        analysis,
        storyboard,
        clips,
        settings=render,
        audio=str(song.path),
        base_dir=base,
        title=song.title,
        artist=song.artist,
    )
    write_json_atomic(base / "timeline.json", timeline)
    render_timeline(
        timeline,
        base_dir=base,
        out=base / "final.mp4",
        on_progress=lambda f: progress.report("edit", f, "rendering"),
    )
    return timeline
