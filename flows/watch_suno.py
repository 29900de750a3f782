"""The watch_suno flow: poll a Suno library and announce each new finished track as an event.

Suno has no webhooks, so a schedule runs this flow (see prefect.yaml); every track it has not
seen before becomes a `mvagent.suno.track.ready` event, and the music-video deployment's
trigger turns that event into a flow run for the track. The ids already announced are kept in
a Prefect Variable, so a track is announced once even across workers and restarts.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.events import emit_event
from prefect.variables import Variable

from mvagent.providers.music import SunoClient, suno_client

EVENT = "mvagent.suno.track.ready"


def _client(credentials_block: str | None) -> SunoClient:
    if credentials_block:
        from blocks.credentials import SunoCredentials

        return SunoCredentials.load(credentials_block).get_client()
    return suno_client()  # SUNO_API_BASE_URL / SUNO_API_KIND / SUNO_API_KEY


@flow(name="watch-suno")
def watch_suno(
    credentials_block: str | None = None,
    seen_variable: str = "mvagent-suno-seen",
    max_remembered: int = 5000,
) -> list[str]:
    """Announce new finished tracks; returns their ids."""
    logger = get_run_logger()
    seen: list[str] = list(Variable.get(seen_variable, default=[]) or [])
    new = _client(credentials_block).new_tracks(seen)
    for track in new:
        emit_event(
            event=EVENT,
            resource={
                "prefect.resource.id": f"suno.track.{track.id}",
                "prefect.resource.name": track.title,
            },
            payload={"source": f"suno:{track.id}", "title": track.title, "style": track.style},
        )
        logger.info("new Suno track %s (%s)", track.id, track.title)
    if new:
        seen = (seen + [t.id for t in new])[-max_remembered:]
        Variable.set(seen_variable, seen, overwrite=True)
    return [t.id for t in new]
