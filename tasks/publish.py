"""Task: report.md and report.html, the report artifact, the upload if asked, then tidy up."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from mvagent.fileio import write_text_atomic
from mvagent.models import Analysis, Clip, Song, Storyboard
from mvagent.ops.clean import drop_intermediates, end_of_run
from mvagent.review.html_report import write_html_report
from mvagent.review.metrics import OutputMetrics
from mvagent.review.report import render_report
from tasks.artifacts import publish_media, publish_scene_table


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
    drop_local_after_upload: bool = False,
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
    write_html_report(song_dir, song=song, analysis=analysis, storyboard=storyboard,
                      metrics=metrics, clips=clips, timings_s=timings_s)  # fmt: skip
    end_of_run(song_dir)  # before the upload, so no half-written temp file reaches the bucket
    bucket = None
    if storage_block:
        from blocks.storage import load_s3_bucket

        bucket = load_s3_bucket(storage_block)
        bucket.upload_from_folder(song_dir, to_folder=song.slug)
    # The scene table and contact sheet before the local intermediates may go.
    publish_scene_table(storyboard, clips, slug=song.slug, song_dir=song_dir)
    publish_media(song_dir, slug=song.slug, title=song.title, bucket=bucket)
    if storage_block and drop_local_after_upload:  # only after the upload: nothing is lost
        drop_intermediates(song_dir)
    return str(report)
