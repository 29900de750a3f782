"""Fixtures for the audio tests: a seeded RNG and small synthetic songs on disk."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio import synth


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def groove_wav(tmp_path_factory) -> tuple:
    """A 24-bar 4/4 groove at 112 BPM: (path, beat times)."""
    rng = np.random.default_rng(7)
    y, beats = synth.groove(rng, bpm=112.0, bars=24)
    path = synth.write_wav(tmp_path_factory.mktemp("groove") / "groove.wav", y)
    return path, beats
