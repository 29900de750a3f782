"""The real-song benchmark's error classification, on exact synthetic grids (no audio)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.real import RealSong, evaluate  # noqa: E402

PERIOD = 0.5  # 120 BPM


def _song() -> RealSong:
    beats = np.arange(0.0, 60.0, PERIOD)
    return RealSong(
        name="grid",
        source="test",
        path=Path("/nonexistent.wav"),
        beats_s=beats,
        downbeats_s=beats[::4],
        bpm=120.0,
        meter=4,
        duration_s=60.0,
    )


@pytest.mark.parametrize(
    ("beats", "downbeats", "kind"),
    [
        (np.arange(0.0, 60.0, PERIOD), np.arange(0.0, 60.0, 4 * PERIOD), "ok"),
        (np.arange(0.0, 60.0, PERIOD), np.arange(PERIOD, 60.0, 4 * PERIOD), "bar-phase"),
        (np.arange(0.0, 60.0, 2 * PERIOD), np.array([]), "half"),
        (np.arange(0.0, 60.0, PERIOD / 2), np.array([]), "double"),
        (np.arange(PERIOD / 2, 60.0, PERIOD), np.array([]), "off-beat"),
        (np.arange(0.0, 60.0, 1.5 * PERIOD), np.array([]), "2/3"),
        (np.arange(0.0, 60.0, PERIOD / 1.5), np.array([]), "3/2"),
        (np.arange(0.0, 60.0, PERIOD * 1.02), np.array([]), "drift"),
        (np.random.default_rng(0).uniform(0, 60, 120), np.array([]), "other"),
    ],
)
def test_error_kind(beats: np.ndarray, downbeats: np.ndarray, kind: str) -> None:
    assert evaluate(beats, downbeats, _song())["error_kind"] == kind


def test_signed_error_is_positive_when_late() -> None:
    r = evaluate(np.arange(0.0, 60.0, PERIOD) + 0.02, np.array([]), _song())
    assert r["signed_error_ms"] == pytest.approx(20.0, abs=0.5)
    assert r["beat_f"] == pytest.approx(1.0)
