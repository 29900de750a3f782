"""The watch_suno flow: poll a Suno library and announce each new finished track as an event.

Suno has no webhooks, so a schedule runs this flow (see prefect.yaml); every finished track
without a final record becomes a `mvagent.suno.track.ready` event, and the music-video
deployment's trigger turns that event into a flow run for the track. Each track has its own
record (tasks/track_state.py): the run's hooks mark it done or failed, and a failed track is
announced again by a later poll, up to `max_attempts` times.
"""

from __future__ import annotations

import time

from prefect import flow, get_run_logger
from prefect.events import emit_event

from mvagent.providers.music import SunoClient, suno_client
from mvagent.track_ledger import TrackRecord, decide
from tasks.track_state import read_record, write_record

EVENT = "mvagent.suno.track.ready"


def _client(credentials_block: str | None) -> SunoClient:
    if credentials_block:
        from blocks.credentials import suno_client_from_block

        return suno_client_from_block(credentials_block)
    return suno_client()  # SUNO_API_BASE_URL / SUNO_API_KIND / SUNO_API_KEY


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
    announced: list[str] = []
    now = time.time()
    for track in _client(credentials_block).tracks():
        if not track.ready:
            continue
        record = read_record(track.id)
        action = decide(
            record, max_attempts=max_attempts, pending_timeout_s=pending_timeout_s, now=now
        )
        attempts = record.attempts if record else 0
        if action == "give_up" and record is not None:
            write_record(
                track.id, record.model_copy(update={"status": "given_up", "updated_at": now})
            )
            logger.warning(
                "Suno track %s failed %d time(s); not retried again (last error: %s)",
                track.id,
                attempts,
                record.last_error or "unknown",
            )
            continue
        if action != "announce":
            continue
        # Recorded before the event, so a crash in between costs a wait, never a duplicate.
        write_record(
            track.id, TrackRecord(status="announced", attempts=attempts + 1, updated_at=now)
        )
        emit_event(
            event=EVENT,
            resource={
                "prefect.resource.id": f"suno.track.{track.id}",
                "prefect.resource.name": track.title,
            },
            payload={
                "source": f"suno:{track.id}",
                "title": track.title,
                "style": track.style,
                "credentials_block": credentials_block or "",
                "attempt": attempts + 1,
            },
        )
        logger.info("Suno track %s (%s): attempt %d", track.id, track.title, attempts + 1)
        announced.append(track.id)
    return announced
