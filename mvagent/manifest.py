"""Backfill manifests: a CSV or JSON list of songs to make videos for."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from mvagent.errors import BadInputError

FIELDS = ("source", "title", "artist", "style", "lyrics_path", "suno_credentials_block")


def load_manifest(path: str | Path) -> list[dict[str, str]]:
    """Rows with at least `source` (file path, URL or suno:ID); relative paths resolve beside the manifest."""
    p = Path(path)
    if not p.is_file():
        raise BadInputError(f"manifest not found: {p} (give a .csv or .json file)")
    try:
        if p.suffix.lower() == ".json":
            rows = json.loads(p.read_text())
            if not isinstance(rows, list):
                raise BadInputError(f"{p}: a JSON manifest must be a list of objects with 'source'")
        else:
            with p.open(newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
    except (json.JSONDecodeError, UnicodeDecodeError, csv.Error) as exc:
        raise BadInputError(
            f"{p} is not a valid manifest ({exc}); use CSV with a 'source' column or a JSON list"
        ) from None
    songs = []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not str(row.get("source") or "").strip():
            raise BadInputError(
                f"{p}: row {n} has no 'source'; every row needs a file path, URL or suno:ID"
            )
        clean = {k: str(row[k]).strip() for k in FIELDS if row.get(k)}
        for key in ("source", "lyrics_path"):
            value = clean.get(key)
            if (
                value
                and not value.startswith(("http://", "https://", "suno:"))
                and not Path(value).is_absolute()
            ):
                clean[key] = str((p.parent / value).resolve())
        songs.append(clean)
    return songs
