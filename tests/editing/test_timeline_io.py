"""timeline.json: round trip, one-line errors on bad files, and the frame layout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mvagent.editing import frame_layout, load_timeline, save_timeline
from mvagent.editing.timeline import snap_s, to_frame
from mvagent.errors import BadInputError, TimelineError
from mvagent.models import Shot, Timeline
from tests.editing.conftest import timeline_of


@pytest.fixture()
def folder(tmp_path: Path, color_clips: Path) -> Path:
    for name in ("red.mp4", "lime.mp4", "song.wav"):
        shutil.copy(color_clips / name, tmp_path / name)
    return tmp_path


def test_round_trip_keeps_relative_paths(folder: Path) -> None:
    timeline = timeline_of(
        [0, 1.5, 3.0], ["red.mp4", "lime.mp4"], transitions=[("cut", 0), ("crossfade", 0.5)]
    )
    path = save_timeline(timeline, folder / "timeline.json")
    data = json.loads(path.read_text())
    assert data["shots"][1]["source"] == "lime.mp4" and data["audio"] == "song.wav"
    assert load_timeline(path) == timeline
    assert not list(folder.glob(".timeline.json.*"))  # no temp file left behind


def _write(folder: Path, data: object) -> Path:
    path = folder / "timeline.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _good(folder: Path) -> dict:
    return timeline_of([0, 1.5, 3.0], ["red.mp4", "lime.mp4"]).model_dump(mode="json")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: "{not json", "not valid JSON"),
        (lambda d: {**d, "fps": "fast"}, "fps"),
        (
            lambda d: {**d, "shots": [{**d["shots"][0], "start": "zero"}, d["shots"][1]]},
            "shots.0.start",
        ),
        (
            lambda d: {**d, "shots": [d["shots"][0], {**d["shots"][1], "source": "gone.mp4"}]},
            "gone.mp4",
        ),
        (lambda d: {**d, "audio": "missing.wav"}, "missing.wav"),
        (lambda d: {**d, "shots": [d["shots"][0], {**d["shots"][1], "start": 2.0}]}, "tile"),
        (lambda d: {**d, "shots": [{**d["shots"][0], "start": 0.5}, d["shots"][1]]}, "make it 0"),
        (lambda d: {**d, "duration": 9.0}, "song lasts"),
        (lambda d: {**d, "shots": []}, "no shots"),
        (
            lambda d: {**d, "shots": [d["shots"][0], {**d["shots"][1], "transition": "spin"}]},
            "transition",
        ),
    ],
)
def test_bad_timelines_raise_one_line(folder: Path, mutate, expected: str) -> None:
    path = _write(folder, mutate(_good(folder)))
    with pytest.raises(TimelineError) as err:
        load_timeline(path)
    message = str(err.value)
    assert expected in message and "\n" not in message
    assert isinstance(err.value, BadInputError) and err.value.exit_code == 2


def test_missing_file_is_a_timeline_error(tmp_path: Path) -> None:
    with pytest.raises(TimelineError, match="not found"):
        load_timeline(tmp_path / "nope.json")


def test_frames_round_half_up_and_snap() -> None:
    assert to_frame(0.5 / 24, fps=24) == 1  # exactly half a frame rounds up, not to even
    assert to_frame(1.0, fps=24) == 24 and to_frame(1.02, fps=24) == 24
    assert snap_s(1.03, fps=24) == pytest.approx(25 / 24, abs=1e-6)


def test_layout_centres_transitions_and_clamps_them() -> None:
    timeline = Timeline(
        fps=24,
        width=160,
        height=90,
        audio="song.wav",
        shots=[
            Shot(start=0, end=1, source="a.mp4"),
            Shot(start=1, end=2, source="b.mp4", transition="crossfade", transition_duration=0.5),
            Shot(start=2, end=2.25, source="c.mp4", transition="flash", transition_duration=1.0),
            Shot(start=2.25, end=4, source="d.mp4", transition="cut", transition_duration=1.0),
            Shot(start=4, end=4.5, source="e.mp4", transition="zoom", transition_duration=2.0),
        ],
    )
    a, b, c, d, e = frame_layout(timeline)
    assert (b.start, b.transition_frames, b.head, a.tail) == (24, 12, 6, 6)  # centred on frame 24
    assert c.transition_frames == 6  # clamped to the 6-frame shot it leads into
    assert (c.head, b.tail) == (0, 0)  # a flash fades through white: no footage overlap
    assert d.transition_frames == 0 and c.tail == 0  # a cut has no overlap whatever its duration
    assert (e.transition_frames, e.head, d.tail) == (12, 6, 6)  # clamped to the 12-frame shot
    for shot in (a, b, c, d, e):
        assert shot.frames == shot.end - shot.start + shot.head + shot.tail
    # Inside each shot, the end of the transition in and the start of the one out never overlap.
    shots = [a, b, c, d, e]
    for cur, nxt in zip(shots, shots[1:] + [None], strict=True):
        incoming_after_cut = cur.transition_frames - cur.transition_frames // 2
        outgoing_before_end = nxt.transition_frames // 2 if nxt else 0
        assert incoming_after_cut + outgoing_before_end <= cur.end - cur.start


def test_render_rejects_unknown_container(folder: Path) -> None:
    from mvagent.editing import render_timeline

    timeline = timeline_of([0, 1.5, 3.0], ["red.mp4", "lime.mp4"])
    with pytest.raises(BadInputError, match=r"\.mp4 or \.mov"):
        render_timeline(timeline, base_dir=folder, out=folder / "video.avi")
