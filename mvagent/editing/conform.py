"""Conform any clip to one shot: canvas size, frame rate and an exact number of frames.

A shot reads only the part of its clip it needs (`-ss`/`-t` on the input, so a long
clip feeding several shots is never decoded in full), then:

    setpts (speed) -> fps -> scale+crop (or fit on a blurred copy) -> [back and forth]
    -> tpad (a few cloned frames as a safety margin) -> trim to the exact frame count

There is no `format` filter per shot: the output's `-pix_fmt yuv420p` propagates back
through the graph, so each shot's `scale` converts once; an explicit per-shot `format`
made ffmpeg hold far more frames (1.36 GB -> 2.2 GB peak on a 60-shot 720p timeline).

A clip shorter than its shot is slowed down (to `MIN_SPEED` at most) and, if that is
still not enough, played forwards and backwards; it is never frozen on one frame.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mvagent.editing.graph import FilterGraph, seconds
from mvagent.errors import FFmpegError, TimelineError
from mvagent.ffmpeg import probe

MIN_SPEED = 0.5  # slower than half speed looks like a stutter, not slow motion
_SAFETY_FRAMES = 2  # cloned at the very end, then trimmed away when the clip had enough

Fit = Literal["crop", "blur"]


@dataclass(frozen=True)
class SourceInfo:
    """What the renderer needs to know about a clip before building the graph."""

    path: Path
    duration_s: float
    width: int
    height: int


def probe_sources(paths: list[Path], *, max_workers: int = 4) -> dict[Path, SourceInfo]:
    """Probe every distinct clip once, in parallel; raise `TimelineError` on unusable files."""

    def one(path: Path) -> SourceInfo:
        try:
            info = probe(path)
        except FFmpegError:
            raise TimelineError(
                f"{path.name}: not a readable video; regenerate or replace it"
            ) from None
        if not info.has_video or not info.width or not info.height:
            raise TimelineError(f"{path.name}: has no video stream; use a video clip as the source")
        return SourceInfo(
            path=path, duration_s=info.duration_s, width=info.width, height=info.height
        )

    unique = list(dict.fromkeys(paths))
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return dict(zip(unique, pool.map(one, unique), strict=True))


@dataclass(frozen=True)
class Footage:
    """Which part of a clip a shot reads, and how it stretches it to fill the shot.

    `seek_s`/`span_s` become `-ss`/`-t` on the input; `speed` < 1 is slow motion;
    `legs` > 1 plays the footage forwards and backwards that many times, each leg
    `leg_frames` long at the output rate.
    """

    seek_s: float
    span_s: float
    speed: float = 1.0
    legs: int = 1
    leg_frames: int = 0


def plan_footage(
    *,
    source_in_s: float,
    head_frames: int,
    frames: int,
    fps: int,
    clip_duration_s: float,
    min_speed: float = MIN_SPEED,
) -> Footage:
    """Decide seek, span, speed and back-and-forth legs for a shot of `frames` output frames.

    The footage at `source_in_s` lands on the shot's cut; the `head_frames` shown during
    the incoming transition come from just before it (or from 0 near the clip's start).
    """
    need_s = frames / fps
    seek_s = max(0.0, source_in_s - head_frames / fps)
    available_s = clip_duration_s - seek_s
    if available_s < 2 / fps:
        raise TimelineError(
            f"source_in {source_in_s:.3f} s is at or past the end of its {clip_duration_s:.3f} s "
            "clip; lower source_in"
        )
    if available_s >= need_s:
        span = min(available_s, need_s + _SAFETY_FRAMES / fps)
        return Footage(seek_s=round(seek_s, 6), span_s=round(span, 6))
    if available_s >= need_s * min_speed:
        return Footage(
            seek_s=round(seek_s, 6), span_s=round(available_s, 6), speed=available_s / need_s
        )
    # Back and forth: the fewest legs that fill the shot at no less than `min_speed`.
    # Each turn drops its first frame (it repeats the previous leg's last one), so
    # `legs` legs of `leg_frames` give legs * leg_frames - (legs - 1) frames.
    legs = 2
    while True:
        leg_frames = math.ceil((frames + legs - 1) / legs)
        speed = available_s * fps / leg_frames
        if speed >= min_speed or leg_frames <= 2:
            break
        legs += 1
    return Footage(
        seek_s=round(seek_s, 6),
        span_s=round(available_s, 6),
        speed=speed,
        legs=legs,
        leg_frames=leg_frames,
    )


MAX_SHARED_JUMP_S = 1.0  # decoding this much unused footage beats opening another decoder


@dataclass
class SharedInput:
    """One ffmpeg input feeding one or more consecutive shots from the same clip.

    Every open input costs a decoder and its frame queues (20-30 MB at 720p), so
    consecutive shots that read on through one clip share a single input; each then takes
    its own window with `trim`. `members` holds (shot index, offset from `seek_s`, span).
    """

    path: Path
    seek_s: float
    end_s: float
    members: list[tuple[int, float, float]]

    def args(self, *, decoder_threads: int = 0) -> list[str]:
        """ffmpeg input options reading only the needed part of the clip, video only.

        `decoder_threads` 0 lets ffmpeg choose; 1 saves memory when many inputs are open.
        """
        args = ["-threads", str(decoder_threads)] if decoder_threads else []
        if self.seek_s > 0:
            args += ["-ss", seconds(self.seek_s)]
        span = seconds(self.end_s - self.seek_s)
        return [*args, "-t", span, "-an", "-sn", "-dn", "-i", str(self.path)]


def share_inputs(paths: list[Path], footage: list[Footage]) -> list[SharedInput]:
    """Group shots into inputs.

    A shot joins the previous shot's input when both read the same clip and its footage
    starts within `MAX_SHARED_JUMP_S` of where that input's footage ends (transitions
    make them overlap a little). Only neighbours share: frames decoded for a later shot
    wait in memory until it plays, which must be moments, not minutes.
    """
    inputs: list[SharedInput] = []
    for i, (path, f) in enumerate(zip(paths, footage, strict=True)):
        last = inputs[-1] if inputs else None
        if (
            last is not None
            and last.path == path
            and f.seek_s >= last.seek_s + last.members[-1][1]
            and abs(f.seek_s - last.end_s) <= MAX_SHARED_JUMP_S
        ):
            last.members.append((i, f.seek_s - last.seek_s, f.span_s))
            last.end_s = max(last.end_s, f.seek_s + f.span_s)
        else:
            inputs.append(SharedInput(path, f.seek_s, f.seek_s + f.span_s, [(i, 0.0, f.span_s)]))
    return inputs


def shot_pads(graph: FilterGraph, inputs: list[SharedInput]) -> dict[int, str]:
    """The pad each shot's footage comes out of: the input itself, or its trimmed window."""
    pads: dict[int, str] = {}
    for n, shared in enumerate(inputs):
        if len(shared.members) == 1:
            pads[shared.members[0][0]] = f"[{n}:v]"
            continue
        copies = graph.split(f"[{n}:v]", len(shared.members))
        for (shot, offset, span), copy in zip(shared.members, copies, strict=True):
            # A millisecond of slack keeps a frame stamped a hair early inside the window.
            start = max(0.0, offset - 0.001)
            pads[shot] = graph.chain(copy, f"trim=start={seconds(start)}:duration={seconds(span)}")
    return pads


def conform(
    graph: FilterGraph,
    pad: str,
    *,
    footage: Footage,
    frames: int,
    source: SourceInfo,
    width: int,
    height: int,
    fps: int,
    fit: Fit = "crop",
) -> str:
    """Add the chain turning input `pad` into exactly `frames` canvas-sized frames."""
    timing = ["setpts=PTS-STARTPTS"]
    if footage.speed != 1.0:
        timing = [f"setpts=(PTS-STARTPTS)/{footage.speed:.6f}"]
    # Frame rate first, so frames dropped by the conversion are never scaled.
    pad = graph.chain(pad, [*timing, f"fps={fps}"])
    pad = fit_canvas(graph, pad, source=source, width=width, height=height, fit=fit)
    if footage.legs > 1:
        pad = _back_and_forth(graph, pad, legs=footage.legs, leg_frames=footage.leg_frames)
    return graph.chain(
        pad,
        [
            f"tpad=stop_mode=clone:stop={_SAFETY_FRAMES}",
            f"trim=end_frame={frames}",
            "setpts=PTS-STARTPTS",
            f"settb=1/{fps}",  # concat (back and forth) counts in microseconds
        ],
    )


def fit_canvas(
    graph: FilterGraph, pad: str, *, source: SourceInfo, width: int, height: int, fit: Fit
) -> str:
    """Scale to the canvas: fill and centre-crop, or fit inside a blurred, filled copy."""
    same_aspect = source.width * height == source.height * width
    if same_aspect or fit == "crop":
        # force_original_aspect_ratio=increase may overshoot by a pixel; crop trims it.
        return graph.chain(
            pad,
            [
                f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic",
                f"crop={width}:{height}",
                "setsar=1",
            ],
        )
    back, front = graph.split(pad, 2)
    # The background is blurred small and scaled up: same look, a fraction of the cost.
    small_w, small_h = _even(max(16, width // 8)), _even(max(16, height // 8))
    back = graph.chain(
        back,
        [
            f"scale={small_w}:{small_h}:force_original_aspect_ratio=increase",
            f"crop={small_w}:{small_h}",
            f"gblur=sigma={max(2.0, min(small_w, small_h) / 10):.2f}",
            f"scale={width}:{height}:flags=bilinear",
        ],
    )
    front = graph.chain(
        front,
        f"scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2",
    )
    return graph.chain([back, front], ["overlay=(W-w)/2:(H-h)/2", "setsar=1"])


def _back_and_forth(graph: FilterGraph, pad: str, *, legs: int, leg_frames: int) -> str:
    pad = graph.chain(
        pad, ["tpad=stop_mode=clone:stop=1", f"trim=end_frame={leg_frames}", "setpts=PTS-STARTPTS"]
    )
    copies = graph.split(pad, legs)
    parts = []
    for i, copy in enumerate(copies):
        steps = ["reverse"] if i % 2 else []
        if i:
            # The turn frame was the last frame of the previous leg: drop the repeat.
            steps += ["trim=start_frame=1", "setpts=PTS-STARTPTS"]
        parts.append(graph.chain(copy, steps) if steps else copy)
    return graph.chain(parts, f"concat=n={legs}:v=1:a=0")


def _even(value: int) -> int:
    return value - value % 2
