"""Measures of a finished video against the song: sync, cut placement, section coverage."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mvagent.ffmpeg import is_faststart, probe
from mvagent.models import Analysis, Timeline
from mvagent.review.frames import read_gray_frames
from mvagent.review.heard_beats import heard_beats


def _nearest_distance(t: float, grid: list[float]) -> float:
    if not grid:
        return float("inf")
    i = bisect_left(grid, t)
    near = [abs(t - grid[j]) for j in (i - 1, i) if 0 <= j < len(grid)]
    return min(near)


def cut_times(timeline: Timeline) -> list[float]:
    """Where shots change (the first shot's start at 0 is not a cut)."""
    return [s.start for s in timeline.shots[1:]]


def cut_on_beat_rate(
    cuts_s: list[float],
    beats_s: list[float],
    *,
    fps: float,
    anticipation_s: float = 0.0,
    slack_s: float = 1e-6,
) -> float:
    """Share of cuts within one frame (plus `slack_s`) of a beat (1.0 when there are no cuts)."""
    if not cuts_s:
        return 1.0
    tol = 1.0 / fps + slack_s
    hits = sum(_nearest_distance(c + anticipation_s, beats_s) <= tol for c in cuts_s)
    return hits / len(cuts_s)


def section_coverage(
    cuts_s: list[float], boundaries_s: list[float], *, beat_period_s: float
) -> float:
    """Share of inner section boundaries that have a cut within half a beat (1.0 if none)."""
    if not boundaries_s:
        return 1.0
    cuts = sorted(cuts_s)
    hits = sum(_nearest_distance(b, cuts) <= beat_period_s / 2 + 1e-6 for b in boundaries_s)
    return hits / len(boundaries_s)


def detect_hard_cuts(
    video: str | Path | None = None,
    *,
    fps: float,
    threshold: float = 28.0,
    frames: np.ndarray | None = None,
) -> list[float]:
    """Frame times (s) where the picture jumps: mean absolute grey difference over `threshold`.

    Pass already decoded grey `frames` to avoid decoding `video` again.
    """
    if frames is None:
        frames = read_gray_frames(video)
    frames = frames.astype(np.int16)
    if len(frames) < 2:
        return []
    diff = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2))
    return [round((i + 1) / fps, 4) for i in np.flatnonzero(diff > threshold)]


@dataclass(frozen=True)
class OutputMetrics:
    duration_s: float
    song_duration_s: float
    duration_error_frames: float
    frames: int
    width: int
    height: int
    fps: float
    video_codec: str
    pix_fmt: str
    audio_codec: str
    audio_bitrate_kbps: int | None
    faststart: bool
    cuts: int
    cut_on_beat_rate: float
    section_coverage: float
    hard_cuts_confirmed: float  # share of planned hard cuts seen as a picture jump within 1 frame
    # Measured on the soundtrack, not the grid (see heard_beats): an off-beat grid fails here.
    heard_cuts: int = 0
    heard_on_beat_share: float = 1.0
    heard_contrast: float = 1.0
    heard_passed: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def measure_output(
    video: str | Path, *, timeline: Timeline, analysis: Analysis, anticipation_s: float = 0.0
) -> OutputMetrics:
    """Read the video back and measure it against the analysis and its own timeline."""
    info = probe(video)
    grey = read_gray_frames(video)  # one decode serves the frame count and the cut check
    frames = len(grey)
    fps = info.fps or timeline.fps
    duration = frames / fps
    cuts = cut_times(timeline)
    beat_period = 60.0 / analysis.tempo_bpm if analysis.tempo_bpm > 0 else 0.5
    boundaries = [s.start for s in analysis.sections[1:]]
    hard = [s.start for s in timeline.shots[1:] if s.transition == "cut"]
    confirmed = 1.0
    if hard:
        seen = detect_hard_cuts(fps=fps, frames=grey)
        confirmed = sum(_nearest_distance(c, seen) <= 1.0 / fps + 1e-6 for c in hard) / len(hard)
    heard = heard_beats(video, cuts, beat_period_s=beat_period)
    return OutputMetrics(
        duration_s=round(duration, 4),
        song_duration_s=round(analysis.duration, 4),
        duration_error_frames=round(abs(duration - analysis.duration) * fps, 2),
        frames=frames,
        width=info.width or 0,
        height=info.height or 0,
        fps=fps,
        video_codec=info.video_codec or "",
        pix_fmt=info.pix_fmt or "",
        audio_codec=info.audio_codec or "",
        audio_bitrate_kbps=info.audio_bitrate_kbps,
        faststart=is_faststart(video),
        cuts=len(cuts),
        cut_on_beat_rate=round(
            cut_on_beat_rate(cuts, analysis.beats, fps=fps, anticipation_s=anticipation_s), 4
        ),
        section_coverage=round(section_coverage(cuts, boundaries, beat_period_s=beat_period), 4),
        hard_cuts_confirmed=round(float(confirmed), 4),
        heard_cuts=heard.cuts,
        heard_on_beat_share=heard.on_beat_share,
        heard_contrast=heard.contrast,
        heard_passed=heard.passed,
    )
