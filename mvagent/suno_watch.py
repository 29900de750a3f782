"""Announce finished Suno tracks exactly once: the rules, with the store and the sender injected.

Both ways new tracks are found end here: polling a library (`poll_library`, self-hosted
APIs) and hosted callbacks (`announce_tracks` with the callback's tracks). The record store
(Prefect Variables) and the event sender (the Prefect events API) live in `tasks/`; this
module never imports Prefect, so the crash-recovery rules are testable alone.

Order per batch (see mvagent/track_ledger.py): every new track is recorded "announcing" with
a fresh event id, then all events are sent and confirmed, then every record says "announced".
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel, Field

from mvagent.sources.suno import SunoClient, SunoTrack
from mvagent.track_ledger import TrackRecord, decide

EVENT = "mvagent.suno.track.ready"
log = logging.getLogger("mvagent.watch")


class TrackEvent(BaseModel):
    """One `mvagent.suno.track.ready` event, before it becomes a Prefect event."""

    id: str
    track_id: str
    title: str = ""
    source: str
    style: str = ""
    credentials_block: str = ""
    attempt: int = 1

    def payload(self) -> dict[str, object]:
        return {"source": self.source, "title": self.title, "style": self.style,
                "credentials_block": self.credentials_block, "attempt": self.attempt}  # fmt: skip


class RecordStore(Protocol):
    def read(self, track_ids: list[str]) -> dict[str, TrackRecord]:
        """The records of those tracks that have one (one bulk read, not one per track)."""

    def write(self, track_id: str, record: TrackRecord, *, existed: bool) -> None: ...

    def write_many(self, items: list[tuple[str, TrackRecord, bool]]) -> None:
        """Several `write`s, all done when it returns (it may run them concurrently)."""


class EventSender(Protocol):
    def send(self, events: list[TrackEvent]) -> None:
        """Returns once the server has every event (raises if it cannot say so)."""

    def delivered(self, event_ids: list[str]) -> set[str]:
        """Which of these event ids the server has stored."""


class WatchResult(BaseModel):
    announced: list[str] = Field(default_factory=list, description="track ids sent this time")
    recovered: list[str] = Field(
        default_factory=list, description="interrupted announcements found already delivered"
    )
    waiting: int = 0
    given_up: list[str] = Field(default_factory=list)
    skipped_unfinished: int = 0


def announce_tracks(
    tracks: Iterable[SunoTrack],
    *,
    store: RecordStore,
    sender: EventSender,
    credentials_block: str = "",
    max_attempts: int = 3,
    pending_timeout_s: float = 3600.0,
    now: float | None = None,
) -> WatchResult:
    """Announce each finished track of `tracks` that the ledger says is due."""
    now = time.time() if now is None else now
    result = WatchResult()
    ready: dict[str, SunoTrack] = {}
    for track in tracks:
        if track.ready:
            ready.setdefault(track.id, track)
        else:
            result.skipped_unfinished += 1
    records = store.read(list(ready))
    fresh: list[tuple[TrackEvent, bool]] = []  # (event, a record existed)
    interrupted: list[tuple[TrackEvent, TrackRecord]] = []
    for track_id, track in ready.items():
        record = records.get(track_id)
        action = decide(
            record, max_attempts=max_attempts, pending_timeout_s=pending_timeout_s, now=now
        )
        if action == "give_up" and record is not None:
            store.write(track_id, record.model_copy(update={"status": "given_up", "updated_at": now}),
                        existed=True)  # fmt: skip
            log.warning("Suno track %s failed %d time(s); not retried again (last error: %s)",
                        track_id, record.attempts, record.last_error or "unknown")  # fmt: skip
            result.given_up.append(track_id)
        elif action == "announce":
            attempt = (record.attempts if record else 0) + 1
            event = _event(track, attempt, str(uuid.uuid4()), credentials_block)
            fresh.append((event, record is not None))
        elif action == "recover" and record is not None:
            event_id = record.event_id or str(uuid.uuid4())
            interrupted.append(
                (_event(track, record.attempts, event_id, credentials_block), record)
            )
        elif action == "wait":
            result.waiting += 1

    # An interrupted poll: the server says whether its event arrived; resend (same id) if not.
    arrived = sender.delivered([e.id for e, _ in interrupted]) if interrupted else set()
    to_send = [e for e, _ in interrupted if e.id not in arrived]
    recovered = [e for e, _ in interrupted if e.id in arrived]
    store.write_many([(e.track_id, _record("announced", e, now), True) for e in recovered])
    result.recovered = [e.track_id for e in recovered]
    # Intent first: a crash after this is recovered by the next poll, never repeated.
    store.write_many([(e.track_id, _record("announcing", e, now), existed) for e, existed in fresh])
    to_send += [e for e, _ in fresh]
    if to_send:
        sender.send(to_send)
    store.write_many([(e.track_id, _record("announced", e, now), True) for e in to_send])
    for event in to_send:
        log.info("Suno track %s (%s): attempt %d", event.track_id, event.title, event.attempt)
        result.announced.append(event.track_id)
    return result


def poll_library(
    client: SunoClient,
    *,
    store: RecordStore,
    sender: EventSender,
    credentials_block: str = "",
    max_attempts: int = 3,
    pending_timeout_s: float = 3600.0,
) -> WatchResult:
    """One poll of a Suno library (self-hosted `/api/get`): announce what is due."""
    return announce_tracks(client.tracks(), store=store, sender=sender,
                           credentials_block=credentials_block, max_attempts=max_attempts,
                           pending_timeout_s=pending_timeout_s)  # fmt: skip


def _event(track: SunoTrack, attempt: int, event_id: str, credentials_block: str) -> TrackEvent:
    return TrackEvent(id=event_id, track_id=track.id, title=track.title, source=track.source,
                      style=track.style, credentials_block=credentials_block, attempt=attempt)  # fmt: skip


def _record(status: str, event: TrackEvent, now: float) -> TrackRecord:
    return TrackRecord(status=status, attempts=event.attempt, updated_at=now, event_id=event.id)  # type: ignore[arg-type]
