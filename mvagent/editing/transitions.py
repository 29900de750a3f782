"""Transitions between shots: small frozen dataclasses with one `apply` method.

The renderer splits each shot's footage into a head (used by the transition in), a body
and a tail (used by the transition out), then joins everything with one `concat`:

    body 0 | T1(tail 0, head 1) | body 1 | T2(tail 1, head 2) | body 2 | ...

`apply` turns the outgoing shot's last `out_frames` and the incoming shot's first
`in_frames` frames into exactly `frames` frames. Each transition sees only the frames
it mixes, so its timing is local (offset 0) and exact, and the single `concat` pulls
each shot's footage only when its turn comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from mvagent.editing.graph import FilterGraph, seconds
from mvagent.models import TransitionName

if TYPE_CHECKING:  # timeline.py imports this module for `mixes`
    from mvagent.editing.timeline import ShotFrames


@dataclass(frozen=True)
class Cut:
    """A hard cut: the next shot's first frame follows the previous shot's last."""

    frames: int = 0
    mixes: ClassVar[bool] = False

    @property
    def out_frames(self) -> int:
        return 0

    @property
    def in_frames(self) -> int:
        return 0

    def apply(self, graph: FilterGraph, outgoing: str, incoming: str, *, fps: int) -> str:
        return graph.chain([outgoing, incoming], ["concat=n=2:v=1:a=0", f"settb=1/{fps}"])


@dataclass(frozen=True)
class _Mix:
    """Both shots on screen at once for `frames` frames, drawn by ffmpeg's `xfade`.

    The layout gives each side the whole window: the outgoing shot runs on past the
    cut and the incoming one starts before it (`timeline.frame_layout`).
    """

    frames: int
    mixes: ClassVar[bool] = True
    kind: ClassVar[str] = "fade"

    @property
    def out_frames(self) -> int:
        return self.frames

    @property
    def in_frames(self) -> int:
        return self.frames

    def apply(self, graph: FilterGraph, outgoing: str, incoming: str, *, fps: int) -> str:
        return graph.chain(
            [outgoing, incoming],
            f"xfade=transition={self.kind}:duration={seconds(self.frames / fps)}:offset=0",
        )


@dataclass(frozen=True)
class Crossfade(_Mix):
    """Mix from one shot to the next."""

    kind: ClassVar[str] = "fade"


@dataclass(frozen=True)
class Zoom(_Mix):
    """Zoom into the outgoing shot while the next one appears."""

    kind: ClassVar[str] = "zoomin"


@dataclass(frozen=True)
class Whip(_Mix):
    """A whip pan: the next shot slides in, smeared sideways as a fast camera move would."""

    kind: ClassVar[str] = "slideleft"
    blur_px: int = 24

    def apply(self, graph: FilterGraph, outgoing: str, incoming: str, *, fps: int) -> str:
        moved = super().apply(graph, outgoing, incoming, fps=fps)
        return graph.chain(moved, f"avgblur=sizeX={self.blur_px}:sizeY=1")


@dataclass(frozen=True)
class _FadeThrough:
    """Fade the outgoing shot to `color` up to the cut, then the next one in from it.

    Darkest (or brightest) exactly on the cut, half the frames on each side; the two
    shots never overlap, so no extra footage is needed.
    """

    frames: int
    mixes: ClassVar[bool] = False
    color: ClassVar[str] = "black"

    @property
    def out_frames(self) -> int:
        return self.frames // 2

    @property
    def in_frames(self) -> int:
        return self.frames - self.frames // 2

    def apply(self, graph: FilterGraph, outgoing: str, incoming: str, *, fps: int) -> str:
        parts = []
        if self.out_frames:
            d = seconds(self.out_frames / fps)
            parts.append(graph.chain(outgoing, f"fade=t=out:st=0:d={d}:color={self.color}"))
        if self.in_frames:
            d = seconds(self.in_frames / fps)
            parts.append(graph.chain(incoming, f"fade=t=in:st=0:d={d}:color={self.color}"))
        if len(parts) == 1:
            return parts[0]
        return graph.chain(parts, ["concat=n=2:v=1:a=0", f"settb=1/{fps}"])


@dataclass(frozen=True)
class DipToBlack(_FadeThrough):
    """Fade to black and up again: a breath, for quiet sections and endings."""

    color: ClassVar[str] = "black"


@dataclass(frozen=True)
class Flash(_FadeThrough):
    """Burn to white on the beat and back: for drops and strong downbeats."""

    color: ClassVar[str] = "white"


Transition = Cut | Crossfade | DipToBlack | Flash | Zoom | Whip

_BY_NAME: dict[str, type[Transition]] = {
    "cut": Cut,
    "crossfade": Crossfade,
    "dip_to_black": DipToBlack,
    "flash": Flash,
    "zoom": Zoom,
    "whip": Whip,
}


def make_transition(name: TransitionName, *, frames: int, width: int = 1280) -> Transition:
    """The transition called `name` lasting `frames` output frames (0 frames is a cut)."""
    if name == "cut" or frames <= 0:
        return Cut()
    if name == "whip":
        return Whip(frames=frames, blur_px=max(2, min(1024, width // 50)))
    return _BY_NAME[name](frames=frames)


def join_shots(
    graph: FilterGraph,
    segments: list[str],
    layout: list[ShotFrames],
    transitions: list[Transition],
    *,
    fps: int,
) -> str:
    """Join the shots' footage into one stream: head | body | tail, one `concat`.

    `transitions[i]` leads into shot i (the first is ignored); each shot's footage is
    `layout[i].frames` long and already holds the frames its transitions need.
    """
    pieces: list[str] = []
    tail = ""
    for i, (frames, segment) in enumerate(zip(layout, segments, strict=True)):
        t_in = transitions[i] if i else Cut()
        t_out = transitions[i + 1] if i + 1 < len(transitions) else Cut()
        lengths = [
            t_in.in_frames,
            frames.frames - t_in.in_frames - t_out.out_frames,
            t_out.out_frames,
        ]
        head, body, next_tail = _slice(graph, segment, lengths)
        if t_in.frames:
            pieces.append(t_in.apply(graph, tail, head, fps=fps))
        if body:
            pieces.append(body)
        tail = next_tail
    if len(pieces) == 1:
        return pieces[0]
    return graph.chain(pieces, [f"concat=n={len(pieces)}:v=1:a=0", f"settb=1/{fps}"])


def _slice(graph: FilterGraph, pad: str, lengths: list[int]) -> list[str]:
    """Split `pad` into consecutive pieces of `lengths` frames ("" for empty pieces)."""
    wanted = [n for n in lengths if n > 0]
    if len(wanted) == 1:
        return [pad if n > 0 else "" for n in lengths]
    copies = iter(graph.split(pad, len(wanted)))
    out, start = [], 0
    for n in lengths:
        if n <= 0:
            out.append("")
            continue
        trim = f"trim=start_frame={start}:end_frame={start + n}" if start else f"trim=end_frame={n}"
        out.append(graph.chain(next(copies), [trim, "setpts=PTS-STARTPTS"]))
        start += n
    return out
