"""The cut check reads the audio: cuts on the off-beat fail even when the grid says "on beat"."""

from __future__ import annotations

import numpy as np
import pytest

from mvagent.review.heard_beats import heard_beats, heard_beats_at, onset_strength
from tests.audio import synth


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def test_off_beat_cuts_fail_and_on_beat_cuts_pass(rng):
    # Kick on 1 and 3, snare on 2 and 4, hi-hats on every eighth: the hats alone would
    # favour neither position, the drums favour the beat.
    y, beats = synth.groove(rng, bpm=120.0, bars=16)
    env, fps = onset_strength(y, sr=synth.SR)
    period = 0.5
    on_grid = list(beats[4::4])
    off_grid = [b + period / 2 for b in on_grid]
    good = heard_beats_at(on_grid, env=env, fps=fps, beat_period_s=period)
    bad = heard_beats_at(off_grid, env=env, fps=fps, beat_period_s=period)
    assert good.passed and good.contrast > 1.5 and good.on_beat_share > 0.9
    assert not bad.passed and bad.contrast < 1.0 and bad.on_beat_share < 0.2


def test_silence_and_no_cuts_say_nothing():
    env = np.zeros(1000)
    assert heard_beats_at([1.0, 2.0], env=env, fps=86.0, beat_period_s=0.5).cuts == 0
    assert heard_beats_at([], env=np.ones(1000), fps=86.0, beat_period_s=0.5).passed


def test_reads_the_soundtrack_of_a_file(rng, tmp_path):
    y, beats = synth.groove(rng, bpm=100.0, bars=8)
    wav = synth.write_wav(tmp_path / "song.wav", y)
    result = heard_beats(wav, list(beats[2::2]), beat_period_s=0.6)
    assert result.passed and result.cuts >= 10
