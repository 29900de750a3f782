"""What a redo of one scene must leave alone, checked the same way from the flow and the CLI."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def hand_edit(folder: Path) -> dict:
    """Turn the last transition into a hard cut in timeline.json (a user's edit); the timeline."""
    timeline = json.loads((folder / "timeline.json").read_text())
    timeline["shots"][-1]["transition"] = "cut"
    timeline["shots"][-1]["transition_duration"] = 0.0
    (folder / "timeline.json").write_text(json.dumps(timeline))
    return timeline


def clip_digests(folder: Path) -> dict[str, str]:
    """sha256 of every scene clip, by file name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((folder / "clips").glob("scene-*.mp4"))}  # fmt: skip


def assert_only_scene_remade(folder: Path, before: dict[str, str], scene: int) -> None:
    """That scene's clip changed, every other clip is byte-identical, the hand edit survived."""
    after = clip_digests(folder)
    name = f"scene-{scene:03d}.mp4"
    assert after[name] != before[name]
    assert {k: v for k, v in after.items() if k != name} == {
        k: v for k, v in before.items() if k != name}  # fmt: skip
    kept = json.loads((folder / "timeline.json").read_text())
    assert kept["shots"][-1]["transition"] == "cut"  # the hand edit survived
