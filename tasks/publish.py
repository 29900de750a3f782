"""Task: write report.md, attach it to the flow run, and upload the folder if asked."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from mvagent.fileio import write_text_atomic
from mvagent.models import Analysis, Clip, Song, Storyboard
from mvagent.review.metrics import OutputMetrics
from mvagent.review.report import render_report


@task(name="publish-video", cache_policy=NO_CACHE)
def publish_video(
    song: Song,
    analysis: Analysis,
    storyboard: Storyboard,
    clips: dict[int, Clip],
    metrics: OutputMetrics,
    *,
    timings_s: dict[str, float],
    provider: str,
    song_dir: str,
    storage_block: str | None = None,
) -> str:
    from mvagent.decisions import DecisionLog

    decisions = DecisionLog(Path(song_dir) / "decisions.jsonl").read()
    llm_calls = [d.get("data", {}) for d in decisions if d.get("action") == "llm_call"]
    review_file = Path(song_dir) / "review.json"
    import json

    review = json.loads(review_file.read_text()) if review_file.is_file() else None
    text = render_report(
        song=song,
        analysis=analysis,
        storyboard=storyboard,
        metrics=metrics,
        timings_s=timings_s,
        clips=clips,
        provider=provider,
        llm_calls=llm_calls,
        review=review,
    )
    report = write_text_atomic(Path(song_dir) / "report.md", text)
    create_markdown_artifact(markdown=text, key=f"report-{song.slug}"[:60], description=song.title)
    if storage_block:
        from blocks.storage import load_s3_bucket

        bucket = load_s3_bucket(storage_block)
        bucket.upload_from_folder(song_dir, to_folder=song.slug)
    return str(report)
