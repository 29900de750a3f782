"""The terminal progress display: one bar per pipeline stage, fed by `mvagent.progress`."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from mvagent import progress


class StageDisplay:
    """Context manager; also callable as `show(stage, fraction, message)`."""

    def __init__(self) -> None:
        console = Console(file=sys.stderr)
        self._progress = Progress(
            TextColumn("[bold]{task.description:<10}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            disable=not console.is_terminal,
        )
        self._tasks: dict[str, TaskID] = {}
        self._unsubscribe = lambda: None

    def __call__(self, stage: str, fraction: float, message: str = "") -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=1.0, note="")
        self._progress.update(self._tasks[stage], completed=fraction, note=message)

    def __enter__(self) -> StageDisplay:
        self._progress.start()
        self._unsubscribe = progress.subscribe(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._unsubscribe()
        self._progress.stop()
