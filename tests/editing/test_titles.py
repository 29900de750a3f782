"""Opening title and end card in the shipped font; filter values survive any characters."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from mvagent.editing import render_timeline
from mvagent.editing.graph import FilterGraph, quote_value
from mvagent.editing.titles import FONT_FILE, FONTS_DIR, draw_card, font_size_for
from mvagent.ffmpeg import ffmpeg_exe
from mvagent.models import TitleCard
from tests.editing.conftest import make_clip, make_song, read_frames, timeline_of


def test_an_open_font_ships_with_its_licence() -> None:
    assert FONT_FILE.is_file() and FONT_FILE.stat().st_size > 100_000
    licence = (FONTS_DIR / "LICENSE-DejaVu.txt").read_text()
    assert "Bitstream" in licence and "Permission is hereby granted" in licence


def _white(frame: np.ndarray) -> int:
    return int(np.sum(frame.min(axis=-1) > 220))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("titles")
    make_clip(d / "blue.mp4", color="blue", size="320x180", seconds=6.0)
    make_song(d / "song.wav", seconds=6.0)
    return d


def test_title_and_end_card_show_at_their_times(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "cards.mp4"
    timeline = timeline_of(
        [0, 6.0],
        ["blue.mp4"],
        width=320,
        height=180,
        title=TitleCard(text="Night Drive: 100% 'Live'", subtitle="The Band", start=0, end=2.0),
        end_card=TitleCard(text="Night Drive", start=4.5, end=6.0),
    )
    render_timeline(timeline, base_dir=folder, out=out)
    frames = read_frames(out, width=320, height=180)
    at = lambda t: _white(frames[round(t * 24)])  # noqa: E731
    assert at(1.0) > 300 and at(5.25) > 150  # both cards drawn
    assert at(3.0) == 0 and at(2.2) == 0  # nothing in between
    assert at(0.05) < at(1.0) and at(5.9) < at(5.25)  # they fade in and out
    middle = frames[24, 60:120]
    assert _white(middle) > 0.8 * _white(frames[24])  # centred vertically


def test_long_titles_shrink_to_fit() -> None:
    short = font_size_for("Hi", width=1280, height=720, scale=0.1)
    long = font_size_for(
        "A Very Long Song Title That Goes On And On Forever", width=1280, height=720, scale=0.1
    )
    assert short == 72 and long < 40


def test_quoted_values_survive_the_filtergraph_parser(tmp_path: Path) -> None:
    # A workdir with every character the graph or option parser treats specially.
    odd = tmp_path / "it's a [test]; a, b: c\\d"
    odd.mkdir()
    graph = FilterGraph()
    card = TitleCard(text='Ça va? 50% off: "yes"', start=0, end=1)
    pad = draw_card(graph, "[0:v]", card, width=160, height=90, workdir=odd, name="t")
    assert (odd / "t-title.txt").read_text() == card.text
    graph.chain_to(pad, "null", ["[out]"])
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=160x90:d=0.5"]
        + ["-filter_complex", graph.render(), "-map", "[out]", "-f", "null", "-"],
        check=True,
    )
    assert quote_value("a:b") == "a\\\\:b"
