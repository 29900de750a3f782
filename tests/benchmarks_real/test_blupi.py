"""Planet Blupi's truth (`benchmarks/real/blupi.py`): the MIDI notes' offset from their own
grid, and the audio's lag found near a rough one on a regular pattern."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.real import blupi, sanity  # noqa: E402

PPQ = 192


def _pattern(late: int, bars: int = 8) -> np.ndarray:
    """Drum ticks of a groove: kick on every beat, hats on the off-beats, a swung triplet
    figure, all `late` ticks after the grid (as six of the exports are)."""
    beat = np.arange(bars * 4) * PPQ
    return np.concatenate([beat, beat + PPQ // 2, beat[::2] + 2 * PPQ // 3]) + late


def test_the_notes_offset_is_the_beat_notes_not_the_off_beats():
    assert blupi.note_offset_ticks(_pattern(18), ticks_per_beat=PPQ) == 18
    assert blupi.note_offset_ticks(_pattern(0), ticks_per_beat=PPQ) == 0
    assert blupi.note_offset_ticks(_pattern(-7), ticks_per_beat=PPQ) == -7
    assert blupi.note_offset_ticks(np.array([96, 288]), ticks_per_beat=PPQ) == 0  # none near


def test_a_lag_searched_near_a_rough_one_skips_the_pattern_s_other_fits():
    # Hits every eighth at 120 BPM, played 40 ms late: shifts of +-250 ms fit as well, so
    # only a search near the rough lag can tell; a rough lag 30 ms off still lands on 40.
    fps = sanity._SR / sanity._HOP
    notes = np.arange(1.0, 30.0, 0.25)
    env = np.zeros(int(32 * fps))
    lat = sanity.envelope_latency_s()
    for t in notes + 0.040 + lat:
        env[int(round(t * fps))] = 1.0
    lag = sanity.best_lag_s(env, fps, notes, max_lag_s=0.0625, around_s=0.070)
    assert abs(lag - 0.040) < 1.0 / fps
    far = sanity.best_lag_s(env, fps, notes, max_lag_s=0.0625, around_s=0.250)
    assert abs(far - 0.290) < 1.0 / fps  # the next eighth: why the rough lag must be right
