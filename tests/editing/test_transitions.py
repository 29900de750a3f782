"""Every transition, measured on the output frames: centred on the cut, exact in length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mvagent.editing import render_timeline
from mvagent.editing.graph import FilterGraph
from mvagent.editing.transitions import Cut, Whip, make_transition
from mvagent.ffmpeg import count_frames
from tests.editing.conftest import PALETTE, read_frames, timeline_of

# One second per shot; each cut is on frame 24 * k; transitions last 12 frames (0.5 s).
ORDER = ["red", "lime", "blue", "yellow", "magenta", "cyan", "red"]
KINDS = ["cut", "cut", "crossfade", "dip_to_black", "flash", "zoom", "whip"]
D = 12


@pytest.fixture(scope="module")
def frames(color_clips: Path, tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    out = tmp_path_factory.mktemp("transitions") / "t.mp4"
    cuts = [float(k) for k in range(len(ORDER) + 1)]
    timeline = timeline_of(
        cuts,
        [f"{c}.mp4" for c in ORDER],
        transitions=[(k, 0.5) for k in KINDS],
        # Footage before source_in feeds the half of the transition before the cut.
        source_in=[0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    )
    render_timeline(timeline, base_dir=color_clips, out=out)
    assert count_frames(out) == 24 * len(ORDER)
    return read_frames(out)


def centre(frames: np.ndarray, index: int) -> np.ndarray:
    return frames[index, 6:12, 12:20].mean(axis=(0, 1))


def is_pure(frames: np.ndarray, index: int, color: str) -> bool:
    return bool(np.abs(frames[index] - np.array(PALETTE[color])).max() < 40)


@pytest.mark.parametrize("k", range(1, len(ORDER)))
def test_frames_outside_the_window_are_untouched(frames: np.ndarray, k: int) -> None:
    cut = 24 * k
    half = 0 if KINDS[k] == "cut" else D // 2
    assert is_pure(frames, cut - half - 1, ORDER[k - 1])
    assert is_pure(frames, cut + half, ORDER[k])
    if KINDS[k] != "cut":  # the window really is a transition, starting exactly on time
        if KINDS[k] != "zoom":  # zoomin only magnifies the first half: invisible on flat colour
            assert not is_pure(frames, cut - half + 3, ORDER[k - 1])
        assert not is_pure(frames, cut + half - 3, ORDER[k])


def test_hard_cut_is_exact(frames: np.ndarray) -> None:
    assert is_pure(frames, 23, "red") and is_pure(frames, 24, "lime")


def test_crossfade_is_half_way_on_the_cut(frames: np.ndarray) -> None:
    mid = centre(frames, 48)
    assert np.allclose(mid, (np.array(PALETTE["lime"]) + PALETTE["blue"]) / 2, atol=20)


def test_dip_to_black_is_black_on_the_cut(frames: np.ndarray) -> None:
    assert centre(frames, 72).max() < 25


def test_flash_is_white_on_the_cut(frames: np.ndarray) -> None:
    assert centre(frames, 96).min() > 230


def test_zoom_moves_monotonically_from_one_shot_to_the_next(frames: np.ndarray) -> None:
    # magenta -> cyan: red falls and green rises through the window
    red = [centre(frames, i)[0] for i in range(120 - D // 2, 120 + D // 2 + 1)]
    green = [centre(frames, i)[1] for i in range(120 - D // 2, 120 + D // 2 + 1)]
    assert red[0] > 200 and red[-1] < 30 and green[0] < 30 and green[-1] > 200
    assert all(b <= a + 8 for a, b in zip(red, red[1:], strict=False))


def test_whip_slides_the_next_shot_in_from_the_side(frames: np.ndarray) -> None:
    mid = frames[144]
    left, right = mid[:, :6].mean(axis=(0, 1)), mid[:, -6:].mean(axis=(0, 1))
    assert np.allclose(left, PALETTE["cyan"], atol=40)
    assert np.allclose(right, PALETTE["red"], atol=40)


def test_transition_objects_are_small_and_frozen() -> None:
    t = make_transition("whip", frames=12, width=1280)
    assert isinstance(t, Whip) and t.blur_px == 25
    assert isinstance(make_transition("crossfade", frames=0), Cut)
    with pytest.raises(AttributeError):
        t.frames = 3  # type: ignore[misc]
    graph = FilterGraph()
    out = t.apply(graph, "[a]", "[b]", fps=24)
    text = graph.render()
    assert "[a][b]xfade=transition=slideleft:duration=0.5:offset=0" in text and out in text
    # Mixes take the whole window from both shots; fades half from each; cuts nothing.
    sides = {
        name: (
            make_transition(name, frames=12).out_frames,
            make_transition(name, frames=12).in_frames,
        )
        for name in KINDS[1:]
    }
    assert sides == {
        "cut": (0, 0),
        "crossfade": (12, 12),
        "dip_to_black": (6, 6),
        "flash": (6, 6),
        "zoom": (12, 12),
        "whip": (12, 12),
    }


def test_beat_accents_punch_and_flash_on_the_cut(tmp_path: Path) -> None:
    from tests.editing.conftest import make_clip, make_song

    # A white square on grey: a zoom makes it bigger, a flash makes everything white.
    make_clip(
        tmp_path / "box.mp4",
        source="color=c=gray:s=160x90:d=3,drawbox=x=60:y=25:w=40:h=40:color=white:t=fill",
    )
    make_song(tmp_path / "song.wav", seconds=3.0)
    timeline = timeline_of([0, 1.0, 2.0, 3.0], ["box.mp4"] * 3)
    timeline.shots[1].accent = "zoom_punch"
    timeline.shots[2].accent = "flash"
    out = tmp_path / "accents.mp4"
    render_timeline(timeline, base_dir=tmp_path, out=out)
    frames = read_frames(out, width=160, height=90)
    white = [int(np.sum(f.min(axis=-1) > 200)) for f in frames]
    assert count_frames(out) == 72
    assert white[23] == pytest.approx(1600, rel=0.1)  # before the beat: untouched
    assert white[24] > 1.12 * white[23]  # on the beat: zoomed in (8 % -> ~17 % more area)
    assert white[24] > white[27] > white[31]  # easing back out
    assert white[31] == pytest.approx(white[23], rel=0.05)
    assert white[47] == pytest.approx(1600, rel=0.1) and white[48] == 160 * 90  # flash on the beat
    level = frames.mean(axis=(1, 2, 3))
    assert level[48] > level[49] > level[50] > level[51] > level[53]  # fading back to the picture
    assert white[53] == pytest.approx(1600, rel=0.1)
