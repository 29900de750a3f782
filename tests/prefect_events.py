"""Read `mvagent.suno.track.ready` events back from a real Prefect server (tests only)."""

from __future__ import annotations

import time
import uuid

EVENT = "mvagent.suno.track.ready"


def ready_events(prefix: str, *, event: str = EVENT, root: str = "suno.track.") -> list:
    """Every stored `event` whose resource id starts with `<root><prefix>`."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

    flt = EventFilter(event=EventNameFilter(name=[event]),
                      resource=EventResourceFilter(id_prefix=[f"{root}{prefix}"]))  # fmt: skip
    with get_client(sync_client=True) as client:
        page = client.read_events(flt, limit=50)
        events = list(page.events)
        while page.next_page:
            page = client.read_events_page(str(page.next_page))
            events += page.events
    return events


def wait_for(prefix: str, count: int, *, timeout_s: float = 30.0, **kw: str) -> list:
    """The events once `count` are stored (the server persists them in batches)."""
    deadline = time.monotonic() + timeout_s
    while True:
        events = ready_events(prefix, **kw)
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.5)


def settle(*, timeout_s: float = 30.0) -> None:
    """Send a marker event and wait until it is stored: anything sent before it is too."""
    from prefect.events import Event
    from prefect.events.clients import get_events_client
    from prefect.utilities.asyncutils import run_coro_as_sync

    marker = uuid.uuid4().hex
    name, root = "mvagent.test.marker", "mvagent.test."

    async def send() -> None:
        async with get_events_client(checkpoint_every=1) as client:
            await client.emit(
                Event(event=name, resource={"prefect.resource.id": f"{root}{marker}"})
            )

    run_coro_as_sync(send())
    if not wait_for(marker, 1, timeout_s=timeout_s, event=name, root=root):
        raise TimeoutError("the server did not store the marker event")
