"""Beat accents inside a shot: a short zoom punch or white flash on its downbeat cut.

Like transitions, each accent is a frozen dataclass with one `apply` method; it acts on
one shot's conformed footage (`pad`, starting at frame 0) at frame `at_frame`, which is
where the shot's cut lands inside that footage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mvagent.editing.graph import FilterGraph, seconds


@dataclass(frozen=True)
class ZoomPunch:
    """Jump in by `amount` (0.08 = 8 %) on the beat and ease back out over `frames`."""

    frames: int
    amount: float = 0.08

    def apply(
        self,
        graph: FilterGraph,
        pad: str,
        *,
        at_frame: int,
        total_frames: int,
        width: int,
        height: int,
        fps: int,
    ) -> str:
        k = min(self.frames, total_frames - at_frame)
        if k <= 0:
            return pad
        # zoompan has no timeline switch and costs a full rescale per frame, so only the
        # few accented frames go through it: split, zoom the middle part, concat back.
        end = at_frame + k
        has_after = end < total_frames
        parts = graph.split(pad, 1 + bool(at_frame) + has_after)
        out = []
        if at_frame:
            out.append(graph.chain(parts.pop(0), [f"trim=end_frame={at_frame}"]))
        zoom = f"1+{self.amount:.4f}*(1-on/{k})*(1-on/{k})"
        out.append(
            graph.chain(
                parts.pop(0),
                [
                    f"trim=start_frame={at_frame}:end_frame={end}",
                    "setpts=PTS-STARTPTS",
                    f"zoompan=z='{zoom}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
                    f":d=1:s={width}x{height}:fps={fps}",
                    "setsar=1",
                ],
            )
        )
        if has_after:
            out.append(
                graph.chain(parts.pop(0), [f"trim=start_frame={end}", "setpts=PTS-STARTPTS"])
            )
        if len(out) == 1:
            return out[0]
        return graph.chain(out, [f"concat=n={len(out)}:v=1:a=0", f"settb=1/{fps}"])


@dataclass(frozen=True)
class FlashAccent:
    """A white frame on the beat that fades back to the picture over `frames`."""

    frames: int

    def apply(
        self,
        graph: FilterGraph,
        pad: str,
        *,
        at_frame: int,
        total_frames: int,
        width: int,
        height: int,
        fps: int,
    ) -> str:
        if at_frame >= total_frames:
            return pad
        start = at_frame / fps
        # `enable` keeps the frames before the beat untouched (fade-in paints them white).
        window = f"between(t,{seconds(start - 0.5 / fps)},{seconds(start + self.frames / fps)})"
        return graph.chain(
            pad,
            f"fade=t=in:st={seconds(start)}:d={seconds(self.frames / fps)}:color=white"
            f":enable='{window}'",
        )


Accent = ZoomPunch | FlashAccent


def make_accent(name: Literal["none", "zoom_punch", "flash"], *, fps: int) -> Accent | None:
    """The accent called `name`, sized for `fps` (about a quarter of a second)."""
    frames = max(2, round(fps * 0.25))
    if name == "zoom_punch":
        return ZoomPunch(frames=frames)
    if name == "flash":
        return FlashAccent(frames=max(2, round(fps * 0.2)))
    return None
