"""`timeline.json` on disk, its checks, and the frame layout the renderer builds from it.

Everything the renderer does is counted in whole output frames: a shot covers frames
`[start, end)`, and a transition into a shot is centred on its first frame. Times in the
file are seconds on the song's clock; `to_frame` is the one place they become frames.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from mvagent.editing.transitions import make_transition
from mvagent.errors import TimelineError
from mvagent.fileio import write_text_atomic
from mvagent.models import Timeline


def to_frame(time_s: float, *, fps: int) -> int:
    """Nearest frame boundary to `time_s` seconds (halves round up, never banker's rounding)."""
    return math.floor(time_s * fps + 0.5 + 1e-9)


def snap_s(time_s: float, *, fps: int) -> float:
    """`time_s` moved to the nearest frame boundary, in seconds."""
    return round(to_frame(time_s, fps=fps) / fps, 6)


def resolve(base_dir: Path, path: str) -> Path:
    """A path from the timeline (relative to its folder, or absolute) as an absolute path."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base_dir / p)


def relative_to(path: Path, base_dir: Path) -> str:
    """`path` as the timeline stores it: relative to `base_dir` when possible, POSIX slashes."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(base_dir).resolve())).as_posix()
    except ValueError:  # another drive on Windows: keep it absolute
        return Path(path).resolve().as_posix()


# --------------------------------------------------------------------------- file I/O


def load_timeline(path: Path) -> Timeline:
    """Read and check a timeline.json; raise `TimelineError` (one line) when it is unusable."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TimelineError(f"{path}: file not found; pass the timeline.json to render") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TimelineError(f"{path}: cannot read it ({exc.__class__.__name__})") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise TimelineError(
            f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    try:
        timeline = Timeline.model_validate(data)
    except ValidationError as exc:
        raise TimelineError(f"{path.name}: {_first_problem(exc)}") from None
    check_timeline(timeline, base_dir=path.parent, name=path.name)
    return timeline


def save_timeline(timeline: Timeline, path: Path) -> Path:
    """Write `timeline` as indented JSON, atomically (temp file, then rename)."""
    text = timeline.model_dump_json(indent=2, exclude_none=True) + "\n"
    return write_text_atomic(path, text)


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "top level"
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}; fix it and render again"


# --------------------------------------------------------------------------- checks


def check_timeline(timeline: Timeline, *, base_dir: Path, name: str = "timeline") -> None:
    """Raise `TimelineError` unless the shots tile the song on whole frames and all files exist."""
    fps = timeline.fps
    if not timeline.shots:
        raise TimelineError(f"{name}: has no shots; plan it again or add at least one shot")
    if not resolve(base_dir, timeline.audio).is_file():
        raise TimelineError(
            f"{name}: audio {timeline.audio} not found in {base_dir}; fix the 'audio' path"
        )
    if to_frame(timeline.shots[0].start, fps=fps) != 0:
        raise TimelineError(
            f"{name}: the first shot starts at {timeline.shots[0].start} s; make it 0"
        )
    for i, shot in enumerate(timeline.shots):
        if to_frame(shot.end, fps=fps) <= to_frame(shot.start, fps=fps):
            raise TimelineError(
                f"{name}: shot {i} ({shot.start}-{shot.end} s) is shorter than one frame; "
                "remove it or give it a later end"
            )
        if shot.source_in < 0:
            raise TimelineError(f"{name}: shot {i} has a negative source_in; use 0 or more")
        if not resolve(base_dir, shot.source).is_file():
            raise TimelineError(
                f"{name}: shot {i} source {shot.source} not found in {base_dir}; fix its path"
            )
        if i and to_frame(shot.start, fps=fps) != to_frame(timeline.shots[i - 1].end, fps=fps):
            raise TimelineError(
                f"{name}: shot {i - 1} ends at {timeline.shots[i - 1].end} s but shot {i} starts "
                f"at {shot.start} s; shots must tile the song, so make them equal"
            )
    last_end = to_frame(timeline.shots[-1].end, fps=fps)
    if timeline.duration is not None and abs(last_end - timeline.duration * fps) > 1.0:
        raise TimelineError(
            f"{name}: the last shot ends at {timeline.shots[-1].end} s but the song lasts "
            f"{timeline.duration} s; end the last shot at the song's end"
        )


# --------------------------------------------------------------------------- frame layout


@dataclass(frozen=True)
class ShotFrames:
    """One shot in output frames, plus the extra frames its transitions need.

    The transition into a shot spans `transition_frames` centred on `start`. When it
    mixes the two shots, the shot's footage begins `head` frames before its cut and the
    previous shot's runs on `tail` frames past it (`head + previous.tail ==
    transition_frames`); fades need no extra footage (`head == previous.tail == 0`).
    """

    index: int
    start: int
    end: int
    head: int = 0
    tail: int = 0
    transition_frames: int = 0

    @property
    def first(self) -> int:
        """First output frame this shot's footage appears on."""
        return self.start - self.head

    @property
    def frames(self) -> int:
        """Frames of footage the shot must supply (its own, plus transition overlap)."""
        return self.end - self.start + self.head + self.tail


def frame_layout(timeline: Timeline) -> list[ShotFrames]:
    """Shots in frames, with transitions clamped so they never overlap each other.

    A transition may last at most as long as the shorter of its two shots; it runs
    floor(D/2) frames before the cut and the rest after, so it is centred on the cut.
    """
    fps = timeline.fps
    shots = timeline.shots
    if not shots:
        return []
    bounds = [to_frame(s.start, fps=fps) for s in shots]
    total = to_frame(timeline.end, fps=fps)
    bounds.append(max(total, bounds[-1] + 1))
    lengths = [bounds[i + 1] - bounds[i] for i in range(len(shots))]
    trans = [0] * len(shots)
    for i in range(1, len(shots)):
        shot = shots[i]
        if shot.transition == "cut":
            continue
        want = to_frame(shot.transition_duration, fps=fps)
        trans[i] = max(0, min(want, lengths[i - 1], lengths[i]))
    # Transitions that mix two shots need footage from both at once; the others (cuts,
    # a dip to black, a white flash) end one shot at the cut and start the next there.
    mixes = [
        make_transition(s.transition, frames=d).mixes for s, d in zip(shots, trans, strict=True)
    ]
    heads = [d // 2 if mix else 0 for d, mix in zip(trans, mixes, strict=True)]
    tails = [
        trans[i + 1] - heads[i + 1] if i + 1 < len(shots) and mixes[i + 1] else 0
        for i in range(len(shots))
    ]
    return [
        ShotFrames(
            index=i,
            start=bounds[i],
            end=bounds[i + 1],
            head=heads[i],
            tail=tails[i],
            transition_frames=trans[i],
        )
        for i in range(len(shots))
    ]
