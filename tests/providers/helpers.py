"""Small builders shared by the provider tests."""

from __future__ import annotations

from pathlib import Path

from mvagent.decisions import DecisionLog
from mvagent.models import ClipRequest, GenerationSettings

SORA_KEY = "sk-test-PLANTED-sora-key-0123456789"
VEO_KEY = "veo-PLANTED-key-0123456789"
FAL_KEY = "fal-PLANTED-key-0123456789:abcdef"
REPLICATE_KEY = "r8_PLANTED-replicate-token-0123456789"
RUNWAY_KEY = "key_PLANTED-runway-secret-0123456789"


def make_request(index: int = 0, prompt: str = "neon city at night, rain", duration_s: float = 8.0,
                 **kw: object) -> ClipRequest:  # fmt: skip
    return ClipRequest(scene_index=index, prompt=prompt, duration_s=duration_s, width=1280, height=720,
                       fps=24, **kw)  # fmt: skip


def settings_for(provider: str, tmp_path: Path, **kw: object) -> GenerationSettings:
    return GenerationSettings(provider=provider, cache_dir=str(tmp_path / "cache"), **kw)


def actions(log: DecisionLog) -> list[str]:
    return [d["action"] for d in log.read()]
