"""The contact sheet: one frame per scene of the finished video, tiled into one PNG."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mvagent.models import Timeline
from mvagent.review.frames import read_rgb_frames


@dataclass(frozen=True)
class SheetFrame:
    scene_index: int
    time_s: float


def scene_frames(timeline: Timeline) -> list[SheetFrame]:
    """For each scene, the middle of its first (longest-living) shot on the song's clock."""
    seen: dict[int, SheetFrame] = {}
    for i, shot in enumerate(timeline.shots):
        scene = shot.scene_index if shot.scene_index is not None else i
        if scene not in seen:
            seen[scene] = SheetFrame(scene, round((shot.start + shot.end) / 2, 3))
    return sorted(seen.values(), key=lambda f: f.time_s)


def write_contact_sheet(
    video: str | Path, *, timeline: Timeline, dest: str | Path, tile_width: int = 240
) -> list[SheetFrame]:
    """Tile one frame per scene (labelled with its number) into `dest` (PNG, atomic)."""
    from PIL import Image, ImageDraw

    picks = scene_frames(timeline)
    tile_h = max(int(round(tile_width * timeline.height / max(timeline.width, 1) / 2)) * 2, 2)
    frames = read_rgb_frames(video, width=tile_width, height=tile_h,
                             times_s=[p.time_s for p in picks])  # fmt: skip
    cols = min(max(len(picks), 1), 5)
    rows = max((len(picks) + cols - 1) // cols, 1)
    gap = 4
    sheet = Image.new("RGB", (cols * (tile_width + gap) + gap, rows * (tile_h + gap) + gap))
    draw = ImageDraw.Draw(sheet)
    for k, (pick, frame) in enumerate(zip(picks, frames, strict=False)):
        x = gap + (k % cols) * (tile_width + gap)
        y = gap + (k // cols) * (tile_h + gap)
        sheet.paste(Image.fromarray(np.ascontiguousarray(frame)), (x, y))
        draw.rectangle((x, y, x + 28, y + 14), fill=(0, 0, 0))
        draw.text((x + 3, y + 1), str(pick.scene_index), fill=(255, 255, 255))
    dest = Path(dest)
    tmp = dest.with_name("." + dest.name)
    sheet.save(tmp, format="PNG")
    tmp.replace(dest)
    return picks
