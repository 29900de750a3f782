"""Shared bits for the Prefect task wrappers: stage timing and progress."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from mvagent import progress, telemetry


@contextmanager
def stage(name: str, timings: dict[str, float] | None = None) -> Iterator[None]:
    """Report a stage's start/end to the progress bus and record its wall time (s)."""
    progress.report(name, 0.0, "started")
    t0 = time.perf_counter()
    try:
        with telemetry.span(f"stage.{name}"):
            yield
    finally:
        elapsed = time.perf_counter() - t0
        if timings is not None:
            timings[name] = round(elapsed, 3)
        progress.report(name, 1.0, f"{elapsed:.1f}s")
