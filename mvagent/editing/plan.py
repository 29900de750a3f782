"""Plan the timeline in beats and bars: where to cut, which footage, which transition.

Rules, in order:
1. Every section boundary cuts (on the nearest beat), and so does every scene change.
2. Between those, shots end on downbeats; how many bars a shot lasts follows the energy
   (1 bar when intense, 2 in between, 4 when calm), never shorter than `min_shot_s`, and
   no longer than a short clip can cover without slow motion.
3. Cuts move `anticipation_ms` earlier when asked (default 0), then snap to frames.
4. Transitions follow the music: a white flash into a drop or chorus, a dip to black
   into a quieter part, crossfades in calm passages, zooms and whips in the middle,
   hard cuts when the energy is high. High-energy downbeat cuts get a beat accent.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mvagent.editing.timeline import relative_to, to_frame
from mvagent.errors import TimelineError
from mvagent.models import (
    LOW_BEAT_CONFIDENCE,
    Analysis,
    Clip,
    RenderSettings,
    Scene,
    Shot,
    Storyboard,
    Timeline,
    TitleCard,
    TransitionName,
)

HIGH_ENERGY = 0.7
MID_ENERGY = 0.4
_LIFTS = {"drop", "chorus"}  # sections a flash may announce
_FALLS = {"breakdown", "bridge", "outro"}  # sections a dip to black may open


def plan_timeline(
    analysis: Analysis,
    storyboard: Storyboard,
    clips: Mapping[int, Clip],
    *,
    settings: RenderSettings,
    audio: str | Path,
    base_dir: Path,
    title: str = "",
    artist: str = "",
) -> Timeline:
    """Cut the storyboard's clips to the music; return the timeline to save and render.

    `clips[scene.index]` is each scene's generated clip (absolute path). Shot sources
    and `audio` are stored relative to `base_dir`, the folder timeline.json will live in.
    An empty storyboard or a zero-length song gives a timeline with no shots.
    """
    fps = settings.fps
    base_dir = Path(base_dir)
    timeline = Timeline(
        fps=fps,
        width=settings.width,
        height=settings.height,
        audio=relative_to(Path(audio), base_dir),
        shots=[],
        lyrics=list(analysis.lyrics),
        subtitles=settings.subtitles,
        fit=settings.fit,
        preset=settings.preset,
        duration=analysis.duration,
    )
    scenes = sorted(storyboard.scenes, key=lambda s: s.start)
    total = to_frame(analysis.duration, fps=fps)
    if not scenes or total < 1:
        return timeline
    for scene in scenes:
        if scene.index not in clips:
            raise TimelineError(f"scene {scene.index} has no clip; generate its clip first")

    grid = _BeatGrid.from_analysis(analysis, level=settings.beat_level)
    cuts = _plan_cuts(analysis, scenes, clips, grid=grid, settings=settings, total=total)
    shots = _make_shots(cuts, scenes, clips, fps=fps, base_dir=base_dir)
    _choose_transitions(shots, analysis, grid=grid, settings=settings, section_cuts=cuts.sections)
    timeline.shots = shots
    if settings.title_card and (title.strip() or artist.strip()):
        timeline.title, timeline.end_card = _cards(title, artist, duration=total / fps, fps=fps)
    return timeline


# --------------------------------------------------------------------------- beats


@dataclass(frozen=True)
class _BeatGrid:
    """Beat and downbeat times (s) and the typical beat and bar lengths (s)."""

    beats: list[float]
    downbeats: list[float]
    beat_s: float
    bar_s: float

    @classmethod
    def from_analysis(
        cls, analysis: Analysis, *, level: Literal["half", "beat", "double"] = "beat"
    ) -> _BeatGrid:
        dur = analysis.duration
        pulse = analysis.beats_at_level(level)
        if analysis.beat_confidence < LOW_BEAT_CONFIDENCE and len(analysis.onsets) >= 8:
            # The grid is doubtful: cut where the audio clearly hits instead.
            pulse = analysis.onsets
        beats = sorted(b for b in pulse if 0 <= b <= dur)
        if len(beats) >= 2:
            beat_s = statistics.median(b - a for a, b in zip(beats, beats[1:], strict=False))
        else:
            beat_s = 60.0 / analysis.tempo_bpm if analysis.tempo_bpm > 0 else 0.5
            # No beats: a steady grid from 0 at the stated tempo, so cuts still have a pulse.
            beats = [i * beat_s for i in range(int(dur / beat_s) + 1)]
        per_bar = max(1, analysis.time_signature)
        downbeats = sorted(d for d in analysis.downbeats if 0 <= d <= dur) or beats[::per_bar]
        if len(downbeats) >= 2:
            bar_s = statistics.median(b - a for a, b in zip(downbeats, downbeats[1:], strict=False))
        else:
            bar_s = beat_s * per_bar
        return cls(beats, downbeats, beat_s, bar_s)

    def nearest_beat(self, time_s: float) -> float | None:
        """The beat closest to `time_s` if it lies within half a beat, else None."""
        i = bisect.bisect_left(self.beats, time_s)
        near = [self.beats[j] for j in (i - 1, i) if 0 <= j < len(self.beats)]
        best = min(near, key=lambda b: abs(b - time_s), default=None)
        return best if best is not None and abs(best - time_s) <= self.beat_s / 2 else None

    def is_downbeat(self, time_s: float, *, tol_s: float) -> bool:
        i = bisect.bisect_left(self.downbeats, time_s - tol_s)
        return i < len(self.downbeats) and abs(self.downbeats[i] - time_s) <= tol_s


# --------------------------------------------------------------------------- cuts


@dataclass(frozen=True)
class _Cuts:
    frames: list[int]  # sorted cut frames, from 0 to the last frame (the video's end)
    sections: set[int]  # those of them that are section boundaries


def _plan_cuts(
    analysis: Analysis,
    scenes: list[Scene],
    clips: Mapping[int, Clip],
    *,
    grid: _BeatGrid,
    settings: RenderSettings,
    total: int,
) -> _Cuts:
    fps = settings.fps
    lead_s = settings.anticipation_ms / 1000.0
    min_frames = max(1, to_frame(settings.min_shot_s, fps=fps))

    def cut_frame(time_s: float) -> int:
        beat = grid.nearest_beat(time_s)
        return to_frame((beat if beat is not None else time_s) - lead_s, fps=fps)

    # Mandatory cuts: section boundaries first, then scene changes. A section boundary
    # outranks the minimum shot length (it may leave a shot down to half of it); a scene
    # change closer than that to a kept cut is dropped.
    wanted = [(2, cut_frame(s.start)) for s in analysis.sections if 0 < s.start < analysis.duration]
    wanted += [(1, cut_frame(s.start)) for s in scenes[1:] if 0 < s.start < analysis.duration]
    kept: list[int] = []
    sections: set[int] = set()
    for priority, frame in sorted(wanted, key=lambda pf: (-pf[0], pf[1])):
        gap = min_frames if priority == 1 else max(1, min_frames // 2)
        if min(frame, total - frame, *(abs(frame - k) for k in kept)) < gap:
            continue
        kept.append(frame)
        if priority == 2:
            sections.add(frame)
    bounds = [0, *sorted(kept), total]

    # Subdivide each stretch on downbeats, faster when the music is more intense.
    bar_frames = grid.bar_s * fps
    downs = [to_frame(d - lead_s, fps=fps) for d in grid.downbeats]
    frames = [0]
    for a, b in zip(bounds, bounds[1:], strict=False):
        scene = _scene_at((a + b) / 2 / fps, scenes)
        clip_s = clips[scene.index].duration_s
        # A clip clearly shorter than its stretch: cut before it would need slow motion.
        short_clip = clip_s < 0.9 * (b - a) / fps
        inside = [d for d in downs if a < d < b]
        last = a
        for j, d in enumerate(inside):
            bars = round((d - last) / bar_frames)
            energy = _energy(analysis, last / fps, d / fps, default=scene.energy)
            target = 1 if energy >= HIGH_ENERGY else 2 if energy >= MID_ENERGY else 4
            nxt = inside[j + 1] if j + 1 < len(inside) else b
            too_long = short_clip and (nxt - last) / fps > clip_s
            if (bars >= target or too_long) and d - last >= min_frames and b - d >= min_frames:
                frames.append(d)
                last = d
        frames.append(b)
    return _Cuts(sorted(set(frames)), sections)


def _scene_at(time_s: float, scenes: list[Scene]) -> Scene:
    for scene in scenes:
        if scene.start <= time_s < scene.end:
            return scene
    return min(scenes, key=lambda s: min(abs(s.start - time_s), abs(s.end - time_s)))


def _energy(analysis: Analysis, start_s: float, end_s: float, *, default: float) -> float:
    """Mean per-beat energy over `[start_s, end_s)`; `default` when the analysis has none."""
    if not analysis.energy or not analysis.beats:
        return default
    return analysis.mean_energy(start_s, end_s)


# --------------------------------------------------------------------------- footage


def _make_shots(
    cuts: _Cuts,
    scenes: list[Scene],
    clips: Mapping[int, Clip],
    *,
    fps: int,
    base_dir: Path,
) -> list[Shot]:
    shots: list[Shot] = []
    cursor: dict[int, float] = {}
    used: dict[int, list[float]] = {}
    for a, b in zip(cuts.frames, cuts.frames[1:], strict=False):
        start, end = a / fps, b / fps
        scene = _scene_at((start + end) / 2, scenes)
        clip = clips[scene.index]
        length = end - start
        source_in = _source_in(
            clip_s=clip.duration_s,
            scene=scene,
            start_s=start,
            length_s=length,
            cursor=cursor,
            used=used,
        )
        shots.append(
            Shot(
                start=round(start, 6),
                end=round(end, 6),
                source=relative_to(clip.path, base_dir),
                source_in=round(source_in, 6),
                scene_index=scene.index,
            )
        )
    return shots


def _source_in(
    *,
    clip_s: float,
    scene: Scene,
    start_s: float,
    length_s: float,
    cursor: dict[int, float],
    used: dict[int, list[float]],
) -> float:
    """Where in its clip a shot starts.

    A clip as long as its scene plays straight through, so generated motion stays in
    step with the music. A shorter clip is used in order, then revisited from points
    away from the windows shown last, so a repeat reads as a new angle.
    """
    key = scene.index
    if clip_s >= scene.duration - 1e-6:
        return min(max(0.0, start_s - scene.start), max(0.0, clip_s - length_s))
    pos = cursor.get(key, 0.0)
    if pos + length_s <= clip_s + 1e-6:
        chosen = pos
    elif length_s >= clip_s:
        chosen = 0.0  # longer than the whole clip: the renderer slows it or plays it back and forth
    else:
        # The candidate farthest from the last few windows used, so repeats vary.
        room = clip_s - length_s
        recent = used.get(key, [])[-3:] or [0.0]
        candidates = [room * f for f in (0.0, 0.5, 1.0, 0.25, 0.75)]
        chosen = max(candidates, key=lambda p: min(abs(p - r) for r in recent))
    cursor[key] = chosen + length_s
    used.setdefault(key, []).append(chosen)
    return chosen


# --------------------------------------------------------------------------- transitions


def _even_frames(seconds_: float, *, fps: int, minimum: int = 2) -> int:
    frames = max(minimum, round(seconds_ * fps))
    return frames + frames % 2  # even, so the transition is centred exactly on the cut


def _choose_transitions(
    shots: list[Shot],
    analysis: Analysis,
    *,
    grid: _BeatGrid,
    settings: RenderSettings,
    section_cuts: set[int],
) -> None:
    fps = settings.fps
    beat = grid.beat_s
    bar = beat * max(1, analysis.time_signature)
    labels = [(s.start, s.label) for s in sorted(analysis.sections, key=lambda s: s.start)]

    def label_at(time_s: float) -> str:
        found = ""
        for start, label in labels:
            if start <= time_s + beat / 2:
                found = label
        return found

    for i, shot in enumerate(shots):
        shot.transition, shot.transition_duration, shot.accent = "cut", 0.0, "none"
        before = _energy(analysis, shot.start - bar, shot.start, default=0.5)
        after = _energy(analysis, shot.start, shot.start + bar, default=0.5)
        if i:
            prev = shots[i - 1]
            name: TransitionName = "cut"
            frames = 0
            at_section = to_frame(shot.start, fps=fps) in section_cuts
            label = label_at(shot.start)
            if at_section and (label in _LIFTS and after > before + 0.1 or after >= 0.85):
                name, frames = "flash", _even_frames(min(0.35, beat * 0.75), fps=fps)
            elif at_section and (label in _FALLS or after < before - 0.15):
                name, frames = "dip_to_black", _even_frames(min(1.0, beat * 2), fps=fps)
            elif at_section and after >= HIGH_ENERGY:
                name = "zoom"
                frames = _even_frames(min(0.4, beat / 2), fps=fps, minimum=4)
            elif at_section:
                name, frames = "crossfade", _even_frames(min(0.75, beat), fps=fps)
            elif shot.scene_index != prev.scene_index:
                if after >= HIGH_ENERGY:
                    name = "cut"
                elif after >= 0.45:
                    name = "zoom" if (shot.scene_index or 0) % 2 else "whip"
                    frames = _even_frames(min(0.4, beat / 2), fps=fps, minimum=4)
                else:
                    name, frames = "crossfade", _even_frames(min(0.75, beat), fps=fps)
            shot.transition, shot.transition_duration = name, round(frames / fps, 6)
        if (
            settings.beat_accents
            and shot.transition == "cut"
            and after >= HIGH_ENERGY
            and grid.is_downbeat(shot.start + settings.anticipation_ms / 1000, tol_s=1 / fps)
        ):
            bar_index = bisect.bisect_left(grid.downbeats, shot.start - 1 / fps)
            shot.accent = "flash" if bar_index % 4 == 0 else "zoom_punch"


# --------------------------------------------------------------------------- cards


def _cards(title: str, artist: str, *, duration: float, fps: int) -> tuple[TitleCard, TitleCard]:
    text, subtitle = (title.strip(), artist.strip()) if title.strip() else (artist.strip(), "")
    card_s = min(4.0, duration / 4)
    opening = TitleCard(
        text=text, subtitle=subtitle, start=0.0, end=round(to_frame(card_s, fps=fps) / fps, 6)
    )
    end_start = max(opening.end, duration - card_s)
    closing = TitleCard(
        text=text,
        subtitle=subtitle,
        start=round(to_frame(end_start, fps=fps) / fps, 6),
        end=round(duration, 6),
    )
    return opening, closing
