"""The watch_suno flow: poll a Suno library and announce each new finished track as an event.

Suno has no webhooks, so a schedule runs this flow (see prefect.yaml); every finished track
without a final record becomes a `mvagent.suno.track.ready` event, and the music-video
deployment's trigger turns that event into a flow run for the track. The poll is
`tasks.suno_watch.watch_once`, the same code `mvagent watch` runs; records and crash
recovery are described in mvagent/track_ledger.py.
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from mvagent.suno_watch import EVENT
from tasks.suno_watch import watch_once

__all__ = ["EVENT", "watch_suno"]


@flow(name="watch-suno")
def watch_suno(
    credentials_block: str | None = None,
    max_attempts: int = 3,
    pending_timeout_s: float = 3600.0,
) -> list[str]:
    """Announce finished tracks that have no video yet; returns the ids announced.

    Args:
        credentials_block: SunoCredentials Block (`name` or `mvagent-suno-credentials/name`);
            empty: SUNO_API_BASE_URL, SUNO_API_KIND and SUNO_API_KEY on the worker. It is
            passed on in the event, so the video run reads the track with the same Block.
        max_attempts: how many video runs a track gets before the watcher gives up on it.
        pending_timeout_s: seconds after which an announced track whose run never reported
            back (worker lost) counts as failed and may be announced again.
    """
    logger = get_run_logger()
    result = watch_once(
        credentials_block, max_attempts=max_attempts, pending_timeout_s=pending_timeout_s
    )
    for track_id in result.given_up:
        logger.warning("Suno track %s failed %d time(s); not retried again", track_id, max_attempts)
    logger.info(
        "announced %d track(s), %d waiting for their runs, %d not finished on Suno",
        len(result.announced),
        result.waiting,
        result.skipped_unfinished,
    )
    return result.announced
