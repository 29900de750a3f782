"""Which Suno tracks the watcher announces: a per-track record of attempts and outcome.

A track is final once its video run succeeded or it failed `max_attempts` times; until then
every poll may announce it again. The store (a Prefect Variable per track) lives in `tasks/`;
this module only decides, so the rules are testable without a server.

Announcing is record-then-announce with a state: the record first says "announcing" with the
event's id, then the event is sent, then the record says "announced". A process that dies in
between leaves "announcing": the next poll asks the server whether that event id arrived and
sends it (same id) only if not. The id is kept in the record rather than derived from the
track, so deleting a record to make a video again gets a fresh event the server accepts.
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["announcing", "announced", "failed", "done", "given_up"]
Action = Literal["announce", "recover", "wait", "skip", "give_up"]


class TrackRecord(BaseModel):
    """What the watcher knows about one track (kept small: one Variable value each)."""

    status: Status
    attempts: int = Field(default=0, ge=0)
    updated_at: float = Field(default=0.0, description="epoch seconds of the last change")
    last_error: str = Field(default="", max_length=300)
    event_id: str = Field(default="", description="id of the last ready event for this track")


def decide(
    record: TrackRecord | None, *, max_attempts: int, pending_timeout_s: float, now: float
) -> Action:
    """What to do with a finished track on this poll.

    An announced track whose run never reported back (a worker died, the event was lost) counts
    as failed after `pending_timeout_s`, so it is neither dropped nor announced twice at once.
    """
    if record is None:
        return "announce"
    if record.status == "announcing":  # a poll died between recording and announcing
        return "recover"
    if record.status in ("done", "given_up"):
        return "skip"
    if record.status == "announced" and now - record.updated_at < pending_timeout_s:
        return "wait"
    return "announce" if record.attempts < max_attempts else "give_up"


def record_key(track_id: str, *, prefix: str) -> str:
    """A Variable name for `track_id`: lowercase letters, digits, `-` and `_` only, <= 255."""
    clean = re.sub(r"[^a-z0-9_-]+", "_", track_id.lower())[:180]
    if clean != track_id:  # ids that differ only in case or punctuation must not collide
        clean += "-" + hashlib.sha1(track_id.encode()).hexdigest()[:10]
    return f"{prefix}{clean}"
