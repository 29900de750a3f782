"""The backfill flow: make videos for every song in a manifest, one subflow each.

One failing song does not stop the others; the summary says which failed and why.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.deployments import run_deployment

from flows.music_video import music_video
from flows.params import SongInput, VideoOptions
from mvagent.manifest import load_manifest


@flow(name="backfill")
def backfill(
    manifest: str,
    options: VideoOptions = VideoOptions(),  # noqa: B008
    deployment: str | None = None,
    suno_credentials_block: str | None = None,
) -> dict[str, str]:
    """Run `music_video` for each song in `manifest` (CSV or JSON).

    With `deployment` ("music-video/music-video") each song becomes its own flow run on the
    work pool, so a pool of workers makes them in parallel; without it they run here in turn.

    Args:
        manifest: path on the worker of a CSV or JSON list of songs (columns: source, title,
            artist, lyrics_path, suno_credentials_block).
        options: video options shared by every song.
        deployment: `flow/deployment` to start one run per song (e.g. music-video/music-video);
            empty: make the songs one after another in this run.
        suno_credentials_block: SunoCredentials Block (`name` or
            `mvagent-suno-credentials/name`) for suno: songs whose row names none.
    """
    logger = get_run_logger()
    results: dict[str, str] = {}
    for row in load_manifest(manifest):
        song = SongInput(**row)
        if suno_credentials_block and not song.suno_credentials_block:
            song = song.model_copy(update={"suno_credentials_block": suno_credentials_block})
        if deployment:
            run = run_deployment(
                deployment,
                parameters={"song": song.model_dump(), "options": options.model_dump()},
                timeout=0,
            )
            results[song.source] = f"scheduled {run.id}"
            continue
        try:
            results[song.source] = music_video(song=song, options=options)
        except Exception as exc:  # noqa: BLE001 - one bad song must not stop the batch
            logger.error("song %s failed: %s", song.source, exc)
            results[song.source] = (
                f"failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            )
    return results
