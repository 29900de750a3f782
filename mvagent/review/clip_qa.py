"""Clip QA: is a generated clip usable, or should it be made again?"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mvagent.errors import FFmpegError
from mvagent.ffmpeg import probe
from mvagent.review.frames import read_gray_frames


@dataclass(frozen=True)
class ClipQA:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    black_share: float = 0.0
    frozen_share: float = 0.0
    motion: float = 0.0


def assess_clip(
    path: str | Path,
    *,
    expected_duration_s: float,
    max_black_share: float = 0.5,
    max_frozen_share: float = 0.8,
) -> ClipQA:
    """Check decodability, length, blackness and motion on 4 frames per second."""
    try:
        info = probe(path)
        frames = read_gray_frames(path, width=48, height=27, fps=4).astype(np.float32)
    except FFmpegError as exc:
        return ClipQA(ok=False, reasons=[f"undecodable: {exc}"])
    reasons = []
    if not info.has_video or len(frames) == 0:
        return ClipQA(ok=False, reasons=["no video stream"])
    if info.duration_s < expected_duration_s * 0.9 - 0.1:
        reasons.append(f"too short: {info.duration_s:.2f}s of {expected_duration_s:.2f}s")
    black = float((frames.mean(axis=(1, 2)) < 16).mean())
    diffs = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2)) if len(frames) > 1 else np.zeros(1)
    frozen = float((diffs < 0.5).mean())
    if black > max_black_share:
        reasons.append(f"mostly black ({black:.0%} of frames)")
    if frozen > max_frozen_share:
        reasons.append(f"frozen ({frozen:.0%} of frame pairs static)")
    return ClipQA(
        ok=not reasons,
        reasons=reasons,
        duration_s=info.duration_s,
        black_share=round(black, 3),
        frozen_share=round(frozen, 3),
        motion=round(float(diffs.mean()), 3),
    )
