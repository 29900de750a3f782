"""Truth extraction for tracker modules: libopenmpt's row log, and the beat/bar grid from it.

The module is a 4-channel ProTracker MOD written here byte by byte: one 64-row pattern,
speed 4 / tempo 125 for rows 0-31 and speed 6 / tempo 150 from row 32, a note every beat.
In ProTracker timing a row lasts speed * 2.5 / tempo seconds (a tick is 2.5 / tempo s),
and a new tempo (Fxx >= 32) takes effect from the second tick of its row: the row log must
show that, since it is what the audio does.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.real import openmpt, tracker  # noqa: E402
from benchmarks.real.openmpt import Row  # noqa: E402

ROWS = 64
CHANNELS = 4
FIRST = (4, 125)  # (speed, tempo) for rows 0-31: 0.08 s a row
SECOND = (6, 150)  # from row 32: 0.10 s a row


def _cell(*, sample: int = 0, period: int = 0, effect: int = 0, param: int = 0) -> bytes:
    return bytes(
        [
            (sample & 0xF0) | (period >> 8),
            period & 0xFF,
            ((sample & 0x0F) << 4) | effect,
            param,
        ]
    )


def _mod() -> bytes:
    """A minimal valid M.K. module: one sample (a decaying square wave), one pattern."""
    wave = np.sign(np.sin(np.arange(2000) * 2 * np.pi / 32)) * np.exp(-np.arange(2000) / 600)
    sample = (wave * 100).astype(np.int8).tobytes()
    head = b"tracker test".ljust(20, b"\0")
    # name, length in words, finetune, volume, loop start, loop length (1 word = no loop)
    head += struct.pack(">22sHBBHH", b"square", len(sample) // 2, 0, 64, 0, 1)
    head += struct.pack(">22sHBBHH", b"", 0, 0, 0, 0, 1) * 30
    head += bytes([1, 127]) + bytes(128) + b"M.K."
    pattern = b""
    for row in range(ROWS):
        cells = [_cell() for _ in range(CHANNELS)]
        if row % 4 == 0:
            cells[0] = _cell(sample=1, period=428)  # C-2 on every beat
        speed, tempo = FIRST if row == 0 else SECOND if row == 32 else (0, 0)
        if speed:
            cells[1] = _cell(effect=0xF, param=speed)
            cells[2] = _cell(effect=0xF, param=tempo)
        pattern += b"".join(cells)
    return head + pattern + sample


def _row_s(speed: int, tempo: int) -> float:
    return speed * 2.5 / tempo


def _expected_row_starts() -> np.ndarray:
    durations = [_row_s(*FIRST)] * 32 + [_row_s(*SECOND)] * 32
    # Row 32's first tick still runs at the old tempo.
    durations[32] += 2.5 / FIRST[1] - 2.5 / SECOND[1]
    return np.concatenate([[0.0], np.cumsum(durations)[:-1]])


@pytest.mark.skipif(not openmpt.available(), reason="apt-get install libopenmpt0")
def test_row_times_follow_speed_and_tempo_exactly():
    r = openmpt.render(_mod())
    assert [x.row for x in r.rows] == list(range(ROWS))  # played once, every row logged
    assert r.reached_end
    assert {(x.speed, x.tempo) for x in r.rows[:32]} == {FIRST}
    assert {(x.speed, x.tempo) for x in r.rows[33:]} == {SECOND}
    times = np.array([x.time_s for x in r.rows])
    # A row is logged at the middle of a 64-frame block: within 0.73 ms of its start.
    assert np.max(np.abs(times - _expected_row_starts())) < 0.0008
    np.testing.assert_allclose(np.diff(times)[:31], _row_s(*FIRST), atol=0.0015)
    np.testing.assert_allclose(np.diff(times)[33:], _row_s(*SECOND), atol=0.0015)
    # The sample really sounds where the log says beat rows start.
    onsets = np.flatnonzero(np.abs(r.audio) > 0.01)
    assert onsets[0] / openmpt.SAMPLE_RATE < 0.003

    g = tracker.grid(r.rows, rows_per_beat=4, rows_per_bar=16)
    np.testing.assert_allclose(g.beats_s, _expected_row_starts()[::4], atol=0.0015)
    np.testing.assert_allclose(np.diff(g.beats_s)[:8], 0.32, atol=0.0015)  # 187.5 BPM
    np.testing.assert_allclose(np.diff(g.beats_s)[9:], 0.40, atol=0.0015)  # 150 BPM
    assert len(g.downbeats_s) == 4 and not g.broken_beats and not g.broken_bars


def _rows(numbers: list[int], row_s: float = 0.1) -> list[Row]:
    return [Row(i * row_s, 0, 0, n, 6, 125) for i, n in enumerate(numbers)]


def test_a_pattern_break_off_the_beat_is_reported_not_hidden():
    # Pattern 0 broken after row 29 (a Dxx on row 29), then the next pattern from row 0.
    rows = _rows([*range(30), *range(64)])
    g = tracker.grid(rows, rows_per_beat=4, rows_per_bar=16)
    assert g.broken_beats == [pytest.approx(3.0)]  # beat 28 -> 0 took 2 rows
    assert g.broken_bars == [pytest.approx(3.0)]
    # A break on a bar line breaks nothing.
    assert not tracker.grid(
        _rows([*range(32), *range(64)]), rows_per_beat=4, rows_per_bar=16
    ).broken_bars


def test_it_row_highlights_are_read_from_the_header():
    it = b"IMPM" + b"song".ljust(26, b"\0") + bytes([3, 12]) + bytes(200)
    assert tracker.highlight(it)[:2] == (3, 12)
    assert tracker.highlight(b"IMPM" + bytes(26) + bytes([0, 0]) + bytes(10))[:2] == (4, 16)
    assert tracker.highlight(_mod())[:2] == (4, 16)
