"""The music_video flow: ingest -> analyse -> plan -> generate -> review -> edit -> evaluate -> publish.

Wiring only: every step is a task in `tasks/` around the engine in `mvagent/`.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, unmapped

from flows.params import SongInput, VideoOptions
from mvagent import progress, telemetry
from mvagent.models import Clip
from mvagent.planning.requests import continuity_waves, share_identical
from tasks._common import stage
from tasks.analyse import analyse_song
from tasks.continuity import attach_reference
from tasks.edit import edit_video
from tasks.evaluate import evaluate_video
from tasks.generate import collect_clips, generate_clip_task
from tasks.ingest import ingest_song
from tasks.plan import estimate_video_cost, plan_video
from tasks.publish import publish_video
from tasks.review import redo_scene_task, rescue_scenes, review_clips, review_video
from tasks.telemetry import traced_run
from tasks.track_state import on_video_done, on_video_failed
from tasks.transcribe import transcribe_lyrics
from tasks.video_result import announce_video, on_video_not_made


# The hooks close a Suno track's watcher record, so a failed track is retried by the next poll,
# and announce a video that was not made (the notification automation listens).
@flow(
    name="music-video",
    log_prints=True,
    on_completion=[on_video_done],
    on_failure=[on_video_failed, on_video_not_made],
    on_crashed=[on_video_failed, on_video_not_made],
)
@traced_run("music-video")  # one trace per run, run metrics, the progress artifact
def music_video(
    song: SongInput = SongInput(demo=True),  # noqa: B008 - pydantic defaults make the UI form
    options: VideoOptions = VideoOptions(),  # noqa: B008
) -> str:
    """Make a music video for `song`; returns the path of final.mp4 (or of storyboard.json on a dry run).

    Args:
        song: which song: a file on the worker, a URL, suno:<id>, or the demo song.
        options: how the video looks and is made: style, size, video model, planner, storage.
    """
    timings: dict[str, float] = {}
    gen = options.generation
    with stage("ingest", timings):
        song_ = ingest_song(
            song.source or None,
            out_dir=options.out_dir,
            demo=song.demo,
            title=song.title,
            artist=song.artist,
            lyrics_path=song.lyrics_path,
            suno_credentials_block=song.suno_credentials_block,
            keep_decisions=options.redo_scene is not None,
        )
    song_dir = Path(options.out_dir) / song_.slug
    decisions = song_dir / "decisions.jsonl"
    if options.redo_scene is not None:
        with stage("redo", timings):
            return redo_scene_task(str(song_dir), scene=options.redo_scene,
                                   prompt=options.redo_prompt, settings=gen,
                                   planner=options.planner)  # fmt: skip
    review = (
        options.review
        if options.review_clips
        else options.review.model_copy(update={"critic": "off"})
    )
    if options.planner.transcribe:
        with stage("transcribe", timings):
            song_ = transcribe_lyrics(song_, planner=options.planner, song_dir=str(song_dir))
    with stage("analyse", timings):
        analysis = analyse_song(song_, song_dir=str(song_dir))
    with stage("plan", timings):
        storyboard, requests = plan_video(
            analysis,
            style=options.style or song.style or song_.style,
            seed=options.seed,
            render=options.render,
            generation=gen,
            song_dir=str(song_dir),
            song=song_,
            planner=options.planner,
        )
        estimate_video_cost(
            storyboard,
            settings=gen,
            song_dir=str(song_dir),
            render=options.render,
            # Weak clips are made again once: budget for a share of them.
            retake_share=0.25 if review.critic != "off" else 0.0,
        )
    if gen.dry_run:
        return str(song_dir / "storyboard.json")

    with stage("generate", timings):
        unique, uses = share_identical(requests)
        progress.expect("generate", len(unique))
        common = dict(
            settings=unmapped(gen),
            clips_dir=unmapped(str(song_dir / "clips")),
            decisions_path=unmapped(str(decisions)),
            planner=unmapped(options.planner),
        )
        by_scene: dict[int, Clip] = {}
        for k, wave in enumerate(continuity_waves(unique, storyboard)):
            if k:
                wave = [
                    attach_reference(
                        r,
                        by_scene.get(uses.get(r.scene_index - 1, -1)),
                        refs_dir=str(song_dir / "refs"),
                    )
                    for r in wave
                ]
            by_scene.update(
                collect_clips(generate_clip_task.map(wave, **common), wave, settings=gen)
            )
    # The editor: every clip judged, weak ones taken again (loop in mvagent/review/retakes.py).
    with stage("review", timings):
        by_scene.update(
            review_clips(
                unique,
                by_scene,
                storyboard,
                settings=gen,
                review=review,
                planner=options.planner,
                song_dir=str(song_dir),
            )  # fmt: skip
        )
        clips = {scene: by_scene[source] for scene, source in uses.items()}

    with stage("edit", timings):
        timeline = edit_video(
            song_, analysis, storyboard, clips, render=options.render, song_dir=str(song_dir)
        )
    with stage("evaluate", timings):
        metrics = evaluate_video(timeline, analysis, render=options.render, song_dir=str(song_dir))
    if review.critic != "off":
        with stage("review-video", timings):
            ctx = dict(review=review, planner=options.planner, song_dir=str(song_dir), settings=gen)
            weak = review_video(analysis, storyboard, **ctx)
            rescued = rescue_scenes(weak, unique, uses, by_scene, storyboard, **ctx)
            if rescued:  # weak scenes made again once: cut and measure the video again
                by_scene.update(rescued)
                clips = {scene: by_scene[source] for scene, source in uses.items()}
                timeline = edit_video(song_, analysis, storyboard, clips, render=options.render,
                                      song_dir=str(song_dir))  # fmt: skip
                metrics = evaluate_video(timeline, analysis, render=options.render,
                                         song_dir=str(song_dir))  # fmt: skip
                review_video(analysis, storyboard, judge=False, rescued=sorted(rescued), **ctx)
    with stage("publish", timings):
        publish_video(
            song_,
            analysis,
            storyboard,
            clips,
            metrics,
            timings_s=timings,
            provider=gen.provider,
            song_dir=str(song_dir),
            storage_block=options.storage_block,
            drop_local_after_upload=options.drop_local_after_upload,
        )
        announce_video(
            title=song_.title or song_.slug,
            slug=song_.slug,
            song_dir=str(song_dir),
            storage_block=options.storage_block,
            llm_cost_usd=storyboard.llm_cost_usd,
        )
    telemetry.write_trace(song_dir / "trace.jsonl")
    return str(song_dir / "final.mp4")
