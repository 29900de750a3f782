"""Backfills, as data: the options a song's run gets, its idempotency key, the summary table.

Plain Python (no Prefect): `flows/backfill.py` submits the runs and `tasks/backfill.py` talks
to the server; what a run is asked to do, and how two submissions are told apart, lives here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

KEY_PREFIX = "mvagent-backfill-"
COLUMNS = ("song", "state", "duration_s", "cost_usd", "link")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `base`, nested mappings merged key by key (Prefect merges one key deep).

    So a backfill that changes only `render.width` keeps the deployment's provider, planner
    and storage Block instead of replacing the whole `options` object.
    """
    out: dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def idempotency_key(deployment: str, song: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """The same song with the same options on the same deployment: the same key.

    Prefect creates at most one flow run per deployment flow and key, so submitting a
    manifest twice starts nothing the first submission already started. Canonical JSON
    (sorted keys) keeps the key independent of dict order.
    """
    blob = json.dumps(
        {"deployment": deployment, "song": song, "options": options},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return KEY_PREFIX + hashlib.sha256(blob.encode()).hexdigest()[:40]


def song_label(song: Mapping[str, Any]) -> str:
    """What the summary calls a song: its title, else its source."""
    return str(song.get("title") or song.get("source") or "?")


def summary_frame(rows: list[Mapping[str, Any]]) -> Any:
    """The backfill's table (song, state, duration, cost, link) as a pandas DataFrame."""
    import pandas as pd

    frame = pd.DataFrame([{c: row.get(c) for c in COLUMNS} for row in rows], columns=list(COLUMNS))
    frame["duration_s"] = pd.to_numeric(frame["duration_s"], errors="coerce").round(1)
    frame["cost_usd"] = pd.to_numeric(frame["cost_usd"], errors="coerce").round(2)
    return frame


def summary_records(frame: Any) -> list[dict[str, Any]]:
    """JSON-safe rows of the frame (NaN becomes an empty cell, not the string 'nan')."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [dict(r) for r in clean.to_dict(orient="records")]
