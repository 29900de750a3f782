"""A flow run's telemetry around the flow function: the root span, run metrics, progress.

`traced_run("music-video")` goes between `@flow` and the function. For each run it opens the
root span of the run's one trace (named for the song, keyed by the flow run id, so spans
started in task threads find their parent: `mvagent.telemetry`), starts the progress
artifact, and at the end records the run's duration and status and flushes the OTLP
exporters (a flow-run process exits right after the flow returns).
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from mvagent import metrics, telemetry
from tasks.artifacts import _current_run, track_progress

F = TypeVar("F", bound=Callable[..., Any])

# Spans started in threads Prefect did not copy our context into still find their run.
telemetry.set_run_key_resolver(_current_run)


def song_label(song: Any) -> str:
    """What a person calls the song: its title, else its file name, else "demo"."""
    title = getattr(song, "title", None)
    if title:
        return str(title)
    source = str(getattr(song, "source", "") or "")
    if source:
        return Path(source.split("?", 1)[0]).stem or source
    return "demo" if getattr(song, "demo", False) else "song"


def traced_run(flow_name: str) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind_partial(*args, **kwargs)
            label = song_label(bound.arguments.get("song"))
            run_id = _current_run()
            tracker, stop = track_progress(run_id, description=f"{label}: making the video")
            t0 = time.perf_counter()
            status = "failed"
            try:
                with telemetry.run(
                    f"{flow_name}: {label}", key=run_id or None, flow=flow_name,
                    flow_run_id=run_id, song=label,
                ):  # fmt: skip
                    result = fn(*args, **kwargs)
                status = "completed"
            finally:
                stop()
                metrics.run_finished(flow_name, time.perf_counter() - t0, status=status)
                metrics.flush()
            if tracker is not None:
                tracker.finish()
            return result

        # Prefect builds the parameter model from the signature and resolves string
        # annotations in the function's module: give it the original's, already resolved
        # (this module does not import SongInput and friends).
        del wrapper.__wrapped__  # type: ignore[attr-defined]
        wrapper.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
