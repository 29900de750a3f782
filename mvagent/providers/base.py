"""The `VideoProvider` interface: one small abstract method, declared capabilities.

A provider turns a `ClipRequest` into a video file. Everything around that (caching,
retries, fallback, budget) lives outside the provider so each one stays small.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from mvagent.models import ClipRequest


@dataclass(frozen=True)
class Capabilities:
    """What a provider/model can make, and what it costs."""

    durations_s: tuple[float, ...] | None = None  # allowed lengths; None = any length
    max_duration_s: float = 600.0
    sizes: tuple[tuple[int, int], ...] | None = None  # allowed (width, height); None = any
    max_prompt_chars: int = 4000
    image_reference: bool = False
    price_per_second_usd: float = 0.0
    remix: bool = False
    extra: dict = field(default_factory=dict)

    def pick_duration(self, need_s: float) -> float:
        """Seconds to generate for a scene that lasts `need_s`.

        The longest allowed length that fits inside the scene (shots reuse footage
        beyond it), so paid seconds never exceed screen seconds except for scenes
        shorter than the shortest allowed length.
        """
        if self.durations_s is None:
            return round(min(max(need_s, 0.1), self.max_duration_s), 3)
        allowed = sorted(self.durations_s)
        fitting = [d for d in allowed if d <= need_s + 1e-6]
        return fitting[-1] if fitting else allowed[0]

    def pick_size(self, width: int, height: int) -> tuple[int, int]:
        """Allowed size closest in aspect (then area) to the requested canvas."""
        if self.sizes is None:
            return width, height
        want = width / height
        return min(
            self.sizes, key=lambda s: (abs(s[0] / s[1] - want), abs(s[0] * s[1] - width * height))
        )

    def cost(self, seconds: float) -> float:
        return round(seconds * self.price_per_second_usd, 4)


class VideoProvider(ABC):
    """Subclasses set `name`, declare `capabilities` and implement `generate`."""

    name: ClassVar[str]
    model: str = ""

    @property
    @abstractmethod
    def capabilities(self) -> Capabilities: ...

    @abstractmethod
    def generate(self, request: ClipRequest, *, dest: Path) -> Path:
        """Make the clip, write it to `dest` (an .mp4 path) and return `dest`."""

    @property
    def is_paid(self) -> bool:
        return self.capabilities.price_per_second_usd > 0
