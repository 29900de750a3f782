"""A scripted in-process provider (simonw/llm style): outcomes queued per test, calls counted."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import ClassVar

from mvagent.models import ClipRequest
from mvagent.providers.base import Capabilities, VideoProvider
from tests.fakes.media import tiny_mp4


class ScriptedProvider(VideoProvider):
    """Each `generate` pops the next outcome: "ok" writes a clip, an exception is raised.

    Registered as "scripted" only while a test uses the `scripted` fixture.
    """

    name = "scripted"

    script: ClassVar[deque] = deque()
    calls: ClassVar[list[ClipRequest]] = []
    price_per_second_usd: ClassVar[float] = 0.10
    cache_fields = ("prompt", "reference")
    remote = True

    def __init__(self, *, model: str = "scripted-1", **_ignored: object) -> None:
        self.model = model

    @classmethod
    def reset(cls, *outcomes: object, price: float = 0.10) -> None:
        cls.script = deque(outcomes)
        cls.calls = []
        cls.price_per_second_usd = price

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            durations_s=(4.0, 8.0, 12.0),
            sizes=((1280, 720), (720, 1280)),
            max_prompt_chars=200,
            price_per_second_usd=self.price_per_second_usd,
        )

    def generate(self, request: ClipRequest, *, dest: Path) -> Path:
        type(self).calls.append(request)
        outcome = self.script.popleft() if self.script else "ok"
        if isinstance(outcome, BaseException):
            raise outcome
        Path(dest).write_bytes(tiny_mp4(float(request.duration_s)))
        return Path(dest)
