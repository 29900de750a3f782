"""The beat-level model: candidate grids, their features, and the shipped weights' choice."""

from __future__ import annotations

import json

import mir_eval
import numpy as np
import pytest

from mvagent.audio import level
from mvagent.audio.beats import track_beats
from mvagent.audio.features import compute_features
from mvagent.audio.harmony import chord_novelty
from mvagent.audio.onsets import onset_envelopes
from tests.audio import synth


def _grid(period_s: float, n: int, start_s: float = 1.0) -> np.ndarray:
    return start_s + period_s * np.arange(n)


def test_candidates_cover_every_related_level_and_phase():
    beats = _grid(0.5, 40)
    cands = level.candidates(beats, span_s=(0.0, 30.0))
    assert cands[0].ratio == 1.0 and cands[0].phase == 0.0
    np.testing.assert_allclose(cands[0].beats_s, beats)
    pairs = {(c.ratio, round(c.phase, 3)) for c in cands}
    # At 120: on/off the beat; both parities of half tempo (60); three phases of 3/2 the
    # period (80); two of 2/3 the period (180). Double (240) is faster than anyone taps.
    assert pairs == {
        (1.0, 0.0), (1.0, 0.5),
        (2.0, 0.0), (2.0, 1.0),
        (1.5, 0.0), (1.5, 0.5), (1.5, 1.0),
        (2 / 3, 0.0), (2 / 3, 0.333),
    }  # fmt: skip
    # At 80 the double (160) is offered and the half (40) is not.
    slow = {(c.ratio, c.phase) for c in level.candidates(_grid(0.75, 40), span_s=(0.0, 40.0))}
    assert (0.5, 0.0) in slow and (2.0, 0.0) not in slow
    by = {(c.ratio, round(c.phase, 3)): c.beats_s for c in cands}
    np.testing.assert_allclose(np.diff(by[(2 / 3, 0.0)]), 0.5 * 2 / 3)
    np.testing.assert_allclose(by[(1.0, 0.5)][:2], [1.25, 1.75])
    np.testing.assert_allclose(by[(2.0, 1.0)][:2], [1.5, 2.5])


def test_candidates_follow_a_tempo_that_moves():
    beats = np.cumsum(np.linspace(0.6, 0.4, 40))
    off = next(
        c for c in level.candidates(beats, span_s=(0, 60)) if (c.ratio, c.phase) == (1.0, 0.5)
    )
    np.testing.assert_allclose(off.beats_s, 0.5 * (beats[1:] + beats[:-1]))


@pytest.mark.parametrize("n", [0, 3, 15])
def test_too_few_beats_give_no_candidates_and_keep_the_beats(n):
    beats = _grid(0.5, n)
    assert level.candidates(beats, span_s=(0, 60)) == []
    z = np.zeros(100, np.float32)
    bands = level.Bands({name: (z, 86.0) for name in level.BANDS})
    kept, cand = level.choose(beats, bands, span_s=(0, 60))
    assert cand is None and kept is beats


def test_features_are_finite_on_silence():
    z = np.zeros(3000, np.float32)
    bands = level.Bands({name: (z, 86.0) for name in level.BANDS})
    x = level.feature_matrix(level.candidates(_grid(0.5, 40), span_s=(0, 30)), bands)
    assert x.shape == (9, len(level.feature_names())) and np.all(np.isfinite(x))


def test_shipped_weights_match_the_features():
    data = json.loads(level.WEIGHTS_PATH.read_text())
    assert data["features"] == level.feature_names()
    assert len(data["weights"]) == len(level.feature_names())
    assert level._weights() is not None


def _bands(y):
    features = compute_features(y, synth.SR)
    envs = onset_envelopes(features)
    harmonic = chord_novelty(features.chroma + features.bass_chroma, fps=features.fps_harmony)
    return (
        features,
        envs,
        level.Bands.from_envelopes(
            envs, features.fps, harmonic=harmonic, harmonic_fps=features.fps_harmony
        ),
    )


@pytest.mark.parametrize(
    ("ratio", "phase"), [(1.0, 0.5), (2.0, 0.0), (0.5, 0.0), (1.5, 0.0), (2 / 3, 0.0)]
)
def test_the_model_takes_the_true_grid_back_from_a_wrong_one(rng, ratio, phase):
    """Start from each wrong level or phase of a rock groove at 120: the model returns to
    the truth (the grid a listener taps), whichever way the rules had gone wrong."""
    y, truth = synth.groove(rng, bpm=120.0, bars=24)
    features, _, bands = _bands(y)
    span = (0.0, len(y) / synth.SR)
    wrong = level._time_at(truth, np.arange(phase, len(truth) - 1, 1.0 / ratio))
    assert mir_eval.beat.f_measure(truth, wrong) < 0.7
    chosen, cand = level.choose(wrong, bands, span_s=span)
    assert cand is not None
    assert mir_eval.beat.f_measure(truth, chosen) >= 0.95


def test_the_model_keeps_a_right_grid(rng):
    y, truth = synth.groove(rng, bpm=96.0, bars=20, offbeat_bass=True)
    _, _, bands = _bands(y)
    kept, cand = level.choose(truth, bands, span_s=(0.0, len(y) / synth.SR))
    assert cand is None and kept is truth


def test_track_beats_without_the_model_is_the_rules_answer(rng):
    y, truth = synth.groove(rng, bpm=128.0, bars=16)
    features = compute_features(y, synth.SR)
    envs = onset_envelopes(features)
    on = track_beats(features, envs=envs)
    off = track_beats(features, envs=envs, level_model=False)
    for track in (on, off):
        assert mir_eval.beat.f_measure(truth, track.beats_s) >= 0.98


def test_bar_phase_model_ships_and_reads_the_cues_it_was_fitted_on(rng):
    from mvagent.audio import downbeats

    data = json.loads(downbeats.PHASE_WEIGHTS_PATH.read_text())
    assert data["features"] == downbeats.phase_feature_names()
    assert downbeats._phase_weights() is not None
    y, truth = synth.groove(rng, bpm=120.0, bars=24)
    features = compute_features(y, synth.SR)
    envs = onset_envelopes(features)
    ev = downbeats.downbeat_evidence(truth, features, envs)
    x = downbeats.phase_features(ev)
    assert x.shape == (4, len(downbeats.phase_feature_names())) and np.all(np.isfinite(x))
    # Column 0 is the hand-weighted score: without weights the rules' phase comes back.
    assert int(np.argmax(x[:, 0])) == int(np.argmax(downbeats._phase_scores(ev)))
    bars = downbeats.find_bars(truth, features, envs)
    assert mir_eval.beat.f_measure(truth[::4], bars.downbeats_s) >= 0.95


def test_a_grid_faster_than_anyone_taps_gives_way_without_a_margin():
    """The rules' grid keeps close calls, except above the tap range: then the best grid a
    listener could tap wins however small its lead, and a true 200 BPM grid stays."""
    scores = np.array([5.0, 4.9, 4.8, 1.0])
    fast = np.array([223.0, 223.0, 111.5, 148.7])
    assert level.decide(scores, fast, margin=0.5) == 2
    at_200 = np.array([200.4, 200.4, 100.2, 133.6])
    assert level.decide(scores, at_200, margin=0.5) == 0
    # Nothing slower to go to: the rules' grid stays.
    assert level.decide(scores[:2], fast[:2], margin=0.5) == 0


def test_the_model_does_not_slow_a_grid_below_the_slowest_move():
    """Halving 120 to 60 is not the model's call however sure it is; halving 146 to 73 is,
    and a grid the rules found at 60 may still move to its off-beat or double."""
    scores = np.array([4.0, 1.0, 9.0, 2.0])
    assert level.decide(scores, np.array([120.0, 120.0, 60.0, 80.0]), margin=0.5) == 0
    assert level.decide(scores, np.array([146.0, 146.0, 73.0, 97.3]), margin=0.5) == 2
    assert level.decide(scores, np.array([60.0, 60.0, 120.0, 40.0]), margin=0.5) == 2
    assert level.decide(np.array([4.0, 9.0]), np.array([60.0, 60.0]), margin=0.5) == 1


def test_a_swung_grid_at_double_tempo_is_judged_when_nobody_taps_that_fast(rng):
    """A beat the rules found swung is left alone, unless it runs above the tap range."""
    y, truth = synth.groove(rng, bpm=112.0, bars=24)
    _, _, bands = _bands(y)
    span = (0.0, len(y) / synth.SR)
    double = level._time_at(truth, np.arange(0.0, len(truth) - 1 + 1e-9, 0.5))
    chosen, cand = level.choose(double, bands, span_s=span, subdivision=3)
    assert cand is not None and cand.ratio == 2.0
    assert mir_eval.beat.f_measure(truth, chosen) >= 0.95
    # At a tempo a listener taps, the swung grid is not judged.
    y, truth = synth.groove(rng, bpm=75.0, bars=20)
    _, _, bands = _bands(y)
    double = level._time_at(truth, np.arange(0.0, len(truth) - 1 + 1e-9, 0.5))
    kept, cand = level.choose(double, bands, span_s=(0.0, len(y) / synth.SR), subdivision=3)
    assert cand is None and kept is double
