"""`decisions.jsonl`: an append-only log of what the agent chose and why."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from mvagent.models import Decision

_LOCK = threading.Lock()


class DecisionLog:
    """Appends one JSON object per line; safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def add(self, decision: Decision) -> None:
        record = {"time": round(time.time(), 3), **decision.model_dump(mode="json")}
        line = json.dumps(record, sort_keys=True)
        with _LOCK:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    def record(self, stage: str, action: str, reason: str, **kw: object) -> None:
        self.add(Decision(stage=stage, action=action, reason=reason, **kw))

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
