"""Backfill data: merged options, idempotency keys, the summary table (no server needed)."""

from __future__ import annotations

import json

from mvagent.batch import deep_merge, idempotency_key, summary_frame, summary_records
from mvagent.manifest import load_manifest


def test_a_backfill_changes_only_what_it_names() -> None:
    deployment = {"style": "16mm", "generation": {"provider": "sora", "model": "sora-2"},
                  "storage_block": "videos", "render": {"width": 1280, "height": 720}}  # fmt: skip
    merged = deep_merge(deployment, {"render": {"width": 640}, "generation": {"model": "x"}})
    assert merged == {"style": "16mm", "generation": {"provider": "sora", "model": "x"},
                      "storage_block": "videos", "render": {"width": 640, "height": 720}}  # fmt: skip
    assert deployment["render"]["width"] == 1280  # the defaults are not changed in place


def test_the_key_is_the_song_and_its_options() -> None:
    song, options = {"source": "a.mp3", "title": "A"}, {"style": "x", "render": {"fps": 24}}
    key = idempotency_key("music-video/music-video", song, options)
    reordered = dict(reversed(list(options.items())))
    assert key == idempotency_key(
        "music-video/music-video", dict(reversed(song.items())), reordered
    )
    assert key.startswith("mvagent-backfill-") and len(key) < 100
    assert key != idempotency_key("music-video/music-video", song, {**options, "style": "y"})
    assert key != idempotency_key("music-video/music-video", {**song, "source": "b.mp3"}, options)
    assert key != idempotency_key("music-video/other", song, options)


def test_the_summary_has_one_row_per_song_and_no_nan() -> None:
    rows = [
        {
            "song": "A",
            "state": "Completed",
            "duration_s": 12.345,
            "cost_usd": 0.8,
            "link": "s3://b/a",
        },
        {"song": "B", "state": "Not submitted", "duration_s": None, "cost_usd": None, "link": "x"},
    ]
    records = summary_records(summary_frame(rows))
    assert [r["song"] for r in records] == ["A", "B"]
    assert records[0]["duration_s"] == 12.3 and records[0]["cost_usd"] == 0.8
    assert records[1]["duration_s"] is None and records[1]["cost_usd"] is None
    json.dumps(records)  # what the table artifact stores


def test_a_manifest_row_may_carry_its_style(tmp_path) -> None:
    (tmp_path / "songs.csv").write_text("source,title,style\nsong.mp3,One,lofi dusk\n")
    [row] = load_manifest(tmp_path / "songs.csv")
    assert row["style"] == "lofi dusk" and row["source"] == str(tmp_path / "song.mp3")
