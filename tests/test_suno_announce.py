"""The announce rules with an in-memory store and sender: once each, and a crash mid-poll."""

from __future__ import annotations

import pytest

from mvagent.sources.suno import SunoTrack
from mvagent.suno_watch import announce_tracks
from mvagent.track_ledger import TrackRecord


class Store:
    def __init__(self) -> None:
        self.records: dict[str, TrackRecord] = {}
        self.reads = 0

    def read(self, track_ids: list[str]) -> dict[str, TrackRecord]:
        self.reads += 1
        return {t: self.records[t] for t in track_ids if t in self.records}

    def write(self, track_id: str, record: TrackRecord, *, existed: bool) -> None:
        assert existed == (track_id in self.records), track_id
        self.records[track_id] = record

    def write_many(self, items) -> None:
        for track_id, record, existed in items:
            self.write(track_id, record, existed=existed)


class Server:
    """What the Prefect server keeps: events by id (a repeated id is dropped, as there)."""

    def __init__(self) -> None:
        self.events: dict[str, object] = {}
        self.fail_after: int | None = None  # die after this many events reached the server

    def send(self, events) -> None:
        for e in events:
            if self.fail_after is not None and len(self.events) >= self.fail_after:
                raise ConnectionError("the process died here")
            self.events.setdefault(e.id, e)

    def delivered(self, event_ids: list[str]) -> set[str]:
        return {i for i in event_ids if i in self.events}


def tracks(n: int, *, streaming: int = 0) -> list[SunoTrack]:
    out = [SunoTrack(id=f"t{i}", title=f"Song {i}", audio_url=f"http://cdn/{i}.mp3",
                     status="complete") for i in range(n)]  # fmt: skip
    out += [SunoTrack(id=f"s{i}", audio_url=f"http://cdn/s{i}", status="streaming")
            for i in range(streaming)]  # fmt: skip
    return out


def test_each_finished_track_once_and_streaming_ones_not():
    store, server = Store(), Server()
    library = tracks(5, streaming=2)
    first = announce_tracks(library, store=store, sender=server, now=100.0)
    second = announce_tracks(library, store=store, sender=server, now=200.0)
    assert sorted(first.announced) == [f"t{i}" for i in range(5)]
    assert first.skipped_unfinished == 2 and second.announced == [] and second.waiting == 5
    assert len(server.events) == 5 and store.reads == 2  # one bulk read per poll
    assert {r.status for r in store.records.values()} == {"announced"}
    payload = next(iter(server.events.values())).payload()
    assert payload["source"].startswith("suno:t") and payload["attempt"] == 1


@pytest.mark.parametrize("reached", [0, 2, 4])
def test_a_poll_that_dies_while_sending_is_completed_by_the_next_without_duplicates(reached):
    store, server = Store(), Server()
    server.fail_after = reached
    with pytest.raises(ConnectionError):
        announce_tracks(tracks(5), store=store, sender=server, now=100.0)
    assert {r.status for r in store.records.values()} == {"announcing"}  # intent was recorded
    server.fail_after = None
    again = announce_tracks(tracks(5), store=store, sender=server, now=150.0)
    assert len(server.events) == 5  # every track exactly once
    assert len(again.recovered) == reached and len(again.announced) == 5 - reached
    assert {r.status for r in store.records.values()} == {"announced"}
    assert {r.event_id for r in store.records.values()} == set(server.events)


def test_a_record_lost_after_sending_is_resent_with_the_same_id():
    """Died after the server confirmed but before "announced" was written: same id again."""
    store, server = Store(), Server()
    announce_tracks(tracks(1), store=store, sender=server, now=100.0)
    store.records["t0"] = store.records["t0"].model_copy(update={"status": "announcing"})
    server.events.clear()  # ...and the server had not stored it yet when asked
    announce_tracks(tracks(1), store=store, sender=server, now=150.0)
    assert list(server.events) == [store.records["t0"].event_id]


def test_failed_tracks_are_retried_with_new_events_then_given_up():
    store, server = Store(), Server()
    announce_tracks(tracks(1), store=store, sender=server, max_attempts=2, now=100.0)
    for attempt in (1, 2):
        store.records["t0"] = store.records["t0"].model_copy(update={"status": "failed"})
        result = announce_tracks(tracks(1), store=store, sender=server, max_attempts=2, now=200.0)
        assert result.announced == ([] if attempt == 2 else ["t0"])
    assert len(server.events) == 2 and result.given_up == ["t0"]
    assert store.records["t0"].status == "given_up"
