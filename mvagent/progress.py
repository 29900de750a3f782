"""A tiny progress bus: stages report, whoever listens (the CLI's display) shows it.

The engine and the Prefect tasks call `report`; with no listener it does nothing, so
nothing depends on a terminal being there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Listener = Callable[[str, float, str], None]  # (stage, fraction 0..1, message)

_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Add a listener; returns a function that removes it."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def report(stage: str, fraction: float, message: str = "") -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(stage, max(0.0, min(1.0, fraction)), message)


_counts: dict[str, list[int]] = {}


def expect(stage: str, total: int) -> None:
    """Announce that `stage` will `advance` `total` times (e.g. one per clip)."""
    with _lock:
        _counts[stage] = [0, max(total, 1)]


def advance(stage: str, message: str = "") -> None:
    """One more unit of `stage` done; reports the new fraction (no-op without `expect`)."""
    with _lock:
        count = _counts.get(stage)
        if count is None:
            return
        count[0] += 1
        fraction = count[0] / count[1]
    report(stage, fraction, message)
