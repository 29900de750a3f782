"""The watcher's Prefect side: records in Variables, events through the Prefect events API.

`watch_once` is the one poll both `mvagent watch` and the watch-suno deployment run;
`announce_callback` is what `mvagent callbacks serve` does with a hosted callback's tracks.
The rules (what is due, crash recovery) are in mvagent/suno_watch.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import httpx

from mvagent.errors import ConfigError
from mvagent.sources.suno import SunoClient, SunoTrack, suno_client
from mvagent.suno_watch import EVENT, TrackEvent, WatchResult, announce_tracks, poll_library
from mvagent.track_ledger import TrackRecord, record_key
from tasks.track_state import PREFIX, TAGS

PAGE = 200  # the Prefect API's default page size for filters
WRITERS = 8  # concurrent Variable writes: one poll of a big library is mostly round trips
EVENTS_PAGE = 50  # /events/filter answers at most 50 per page


class VariableStore:
    """One Prefect Variable per track: small values, so no cap on the library's size."""

    def __init__(self, client: Any) -> None:
        self.client = client  # a SyncPrefectClient

    def read(self, track_ids: list[str]) -> dict[str, TrackRecord]:
        by_name = {record_key(t, prefix=PREFIX): t for t in track_ids}
        names = list(by_name)
        out: dict[str, TrackRecord] = {}
        for i in range(0, len(names), PAGE):
            chunk = names[i : i + PAGE]
            resp = self.client.request("POST", "/variables/filter", json={
                "variables": {"name": {"any_": chunk}}, "limit": len(chunk)})  # fmt: skip
            for row in resp.json():
                try:
                    out[by_name[row["name"]]] = TrackRecord.model_validate(row["value"])
                except (KeyError, ValueError):
                    continue  # unreadable: treated as unseen, announcing again is safe
        return out

    def write_many(self, items: list[tuple[str, TrackRecord, bool]]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        if len(items) <= 1:
            for track_id, record, existed in items:
                self.write(track_id, record, existed=existed)
            return
        with ThreadPoolExecutor(WRITERS) as pool:  # httpx clients are thread-safe
            list(pool.map(lambda item: self.write(item[0], item[1], existed=item[2]), items))

    def write(self, track_id: str, record: TrackRecord, *, existed: bool) -> None:
        from prefect.client.schemas.actions import VariableCreate, VariableUpdate
        from prefect.exceptions import ObjectAlreadyExists

        name = record_key(track_id, prefix=PREFIX)
        value = record.model_dump(mode="json")
        if existed:
            try:
                self.client.update_variable(VariableUpdate(name=name, value=value, tags=TAGS))
                return
            except httpx.HTTPStatusError as exc:  # deleted since the read: create it
                if exc.response.status_code != 404:
                    raise
        try:
            self.client.create_variable(VariableCreate(name=name, value=value, tags=TAGS))
        except ObjectAlreadyExists:  # another watcher created it since the read
            self.client.update_variable(VariableUpdate(name=name, value=value, tags=TAGS))


class PrefectEventSender:
    """Sends through the events websocket and waits for the server to confirm each one."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.sent = 0

    def send(self, events: list[TrackEvent]) -> None:
        from prefect.utilities.asyncutils import run_coro_as_sync

        run_coro_as_sync(self._send(events))

    async def _send(self, events: list[TrackEvent]) -> None:
        from prefect.events import Event
        from prefect.events.clients import get_events_client

        related = _flow_run_related()
        # The client pings once `checkpoint_every` events are unconfirmed and waits for the
        # pong: with it set to the batch size, the last emit returns once the server has
        # them all, and only then is "announced" recorded.
        async with get_events_client(checkpoint_every=max(1, len(events))) as client:
            for e in events:
                resource = {"prefect.resource.id": f"suno.track.{e.track_id}"}
                if e.title:
                    resource["prefect.resource.name"] = e.title
                await client.emit(Event(id=UUID(e.id), event=EVENT, resource=resource,
                                        related=related, payload=e.payload()))  # fmt: skip
                self.sent += 1

    def delivered(self, event_ids: list[str]) -> set[str]:
        from prefect.events.filters import EventFilter, EventIDFilter

        found: set[str] = set()
        for i in range(0, len(event_ids), EVENTS_PAGE):
            chunk = [UUID(x) for x in event_ids[i : i + EVENTS_PAGE]]
            page = self.client.read_events(
                EventFilter(id=EventIDFilter(id=chunk)), limit=len(chunk)
            )
            found |= {str(e.id) for e in page.events}
        return found


def _flow_run_related() -> list[dict[str, str]]:
    from prefect.runtime import flow_run

    run_id = flow_run.id
    if not run_id:
        return []
    return [
        {"prefect.resource.id": f"prefect.flow-run.{run_id}", "prefect.resource.role": "flow-run"}
    ]


@contextmanager
def ledger() -> Iterator[tuple[VariableStore, PrefectEventSender]]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        yield VariableStore(client), PrefectEventSender(client)


def require_server(what: str) -> None:
    """Refuse to announce without PREFECT_API_URL: Prefect would start a temporary server
    and the events would die with it."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise ConfigError(
            f"{what} announces to a Prefect server: set PREFECT_API_URL "
            "(e.g. http://127.0.0.1:4200/api after `prefect server start`)"
        )


def suno_for(credentials_block: str | None) -> SunoClient:
    if credentials_block:
        from blocks.credentials import suno_client_from_block

        return suno_client_from_block(credentials_block)
    return suno_client()  # SUNO_API_BASE_URL / SUNO_API_KIND / SUNO_API_KEY


def watch_once(
    credentials_block: str | None = None,
    *,
    max_attempts: int = 3,
    pending_timeout_s: float = 3600.0,
    client: SunoClient | None = None,
) -> WatchResult:
    """One poll: every finished library track that is due becomes one ready event."""
    suno = client or suno_for(credentials_block)
    with ledger() as (store, sender):
        return poll_library(suno, store=store, sender=sender,
                            credentials_block=credentials_block or "",
                            max_attempts=max_attempts, pending_timeout_s=pending_timeout_s)  # fmt: skip


def announce_callback(
    tracks: list[SunoTrack], *, credentials_block: str | None = None, max_attempts: int = 3
) -> WatchResult:
    """A hosted callback's tracks, through the same ledger as polling (a repeat is a no-op)."""
    with ledger() as (store, sender):
        return announce_tracks(tracks, store=store, sender=sender,
                               credentials_block=credentials_block or "", max_attempts=max_attempts)  # fmt: skip
