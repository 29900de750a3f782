"""Per-track watcher records in Prefect Variables, and the music-video hooks that close them.

One small Variable per track (Prefect caps a value at 5000 characters, so one growing list of
seen ids would stop fitting). The watcher writes "announced"; the music-video run's state hooks
write "done" or "failed", which is what lets the next poll retry a failed track.
"""

from __future__ import annotations

import time
from typing import Any

from prefect.variables import Variable

from mvagent.track_ledger import TrackRecord, record_key

PREFIX = "mvagent-suno-track-"
TAGS = ["mvagent", "suno-track"]


def read_record(track_id: str) -> TrackRecord | None:
    raw = Variable.get(record_key(track_id, prefix=PREFIX), default=None)
    if not isinstance(raw, dict):
        return None
    try:
        return TrackRecord.model_validate(raw)
    except ValueError:
        return None  # an unreadable record is treated as unseen: announcing again is safe


def write_record(track_id: str, record: TrackRecord) -> None:
    Variable.set(
        record_key(track_id, prefix=PREFIX),
        record.model_dump(mode="json"),
        overwrite=True,
        tags=TAGS,
    )


def _suno_track_id(flow_run: Any) -> str | None:
    song = (getattr(flow_run, "parameters", None) or {}).get("song") or {}
    source = song.get("source", "") if isinstance(song, dict) else getattr(song, "source", "")
    if not str(source).startswith("suno:"):
        return None
    # Hosted tracks are `suno:TASK:AUDIO`; the watcher keys its record by the audio id.
    return str(source)[5:].strip().rsplit(":", 1)[-1] or None


def _close(flow_run: Any, state: Any, *, status: str) -> None:
    track_id = _suno_track_id(flow_run)
    if not track_id:
        return
    from prefect.logging import get_logger

    try:
        old = read_record(track_id)
        error = "" if status == "done" else str(getattr(state, "message", "") or "")[:300]
        write_record(
            track_id,
            TrackRecord(
                status=status,  # type: ignore[arg-type]
                attempts=old.attempts if old else 1,
                updated_at=time.time(),
                last_error=error.splitlines()[0] if error else "",
                event_id=old.event_id if old else "",
            ),
        )
    except Exception as exc:  # noqa: BLE001 - a bookkeeping failure must not fail the video
        get_logger("mvagent").warning("could not record Suno track %s: %s", track_id, exc)


def on_video_done(flow: Any, flow_run: Any, state: Any) -> None:
    """music-video on_completion hook: a Suno track's video exists, never announce it again."""
    _close(flow_run, state, status="done")


def on_video_failed(flow: Any, flow_run: Any, state: Any) -> None:
    """music-video on_failure / on_crashed hook: let the watcher's next poll retry the track."""
    _close(flow_run, state, status="failed")
