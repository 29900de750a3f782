"""The watcher's per-track rules: retry a failed track up to a limit, never twice at once."""

from __future__ import annotations

from mvagent.track_ledger import TrackRecord, decide, record_key

RULES = dict(max_attempts=3, pending_timeout_s=600.0, now=10_000.0)


def test_unseen_tracks_are_announced_and_final_ones_skipped():
    assert decide(None, **RULES) == "announce"
    assert decide(TrackRecord(status="done", attempts=1), **RULES) == "skip"
    assert decide(TrackRecord(status="given_up", attempts=3), **RULES) == "skip"


def test_a_failed_track_is_retried_until_the_limit():
    assert decide(TrackRecord(status="failed", attempts=1), **RULES) == "announce"
    assert decide(TrackRecord(status="failed", attempts=2), **RULES) == "announce"
    assert decide(TrackRecord(status="failed", attempts=3), **RULES) == "give_up"


def test_an_announced_track_waits_for_its_run_then_counts_as_failed():
    fresh = TrackRecord(status="announced", attempts=1, updated_at=9_900.0)
    lost = TrackRecord(status="announced", attempts=1, updated_at=1_000.0)
    assert decide(fresh, **RULES) == "wait"
    assert decide(lost, **RULES) == "announce"


def test_record_keys_are_valid_variable_names_and_do_not_collide():
    import re

    keys = {record_key(t, prefix="p-") for t in ("abc", "ABC", "task1:audio2", "a b")}
    assert len(keys) == 4
    assert all(re.fullmatch(r"[a-z0-9_-]{1,255}", k) for k in keys)
    assert record_key("c-lyrics", prefix="p-") == "p-c-lyrics"
