"""Task: measure the finished video against the song."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.models import Analysis, RenderSettings, Timeline
from mvagent.review.metrics import OutputMetrics, measure_output


@task(name="evaluate-video", cache_policy=NO_CACHE)
def evaluate_video(
    timeline: Timeline, analysis: Analysis, *, render: RenderSettings, song_dir: str
) -> OutputMetrics:
    return measure_output(
        Path(song_dir) / "final.mp4",
        timeline=timeline,
        analysis=analysis,
        anticipation_s=render.anticipation_ms / 1000,
    )
