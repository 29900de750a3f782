"""Per-song beat latency: the grid moves onto the attacks it stands for."""

from __future__ import annotations

import numpy as np
import pytest

from mvagent.audio.latency import FALLBACK_S, MAX_SHIFT_S, beat_latency_s

SR = 22050


def _hits(rng: np.random.Generator, times_s: np.ndarray, *, attack_s: float, seconds: float):
    """Noise bursts starting exactly at `times_s`, each rising linearly over `attack_s` and
    decaying over 60 ms, on a quiet noise floor."""
    y = rng.normal(0, 0.002, int(seconds * SR))
    n = int(0.25 * SR)
    t = np.arange(n) / SR
    env = np.minimum(1.0, t / attack_s) if attack_s > 0 else np.ones(n)
    burst = 0.5 * rng.normal(0, 1, n) * env * np.exp(-t / 0.06)
    for at in times_s:
        i = int(round(at * SR))
        y[i : i + n] += burst[: len(y) - i]
    return y


@pytest.mark.parametrize("error_s", [-0.02, 0.0, 0.012, 0.025])
def test_a_grid_off_the_clicks_moves_onto_them(rng, error_s):
    truth = 0.5 + 0.5 * np.arange(40)
    y = _hits(rng, truth, attack_s=0.0, seconds=21.0)
    beats = truth + error_s
    shift = beat_latency_s(y, sr=SR, beats_s=beats)
    assert shift == pytest.approx(-error_s, abs=0.0015)


@pytest.mark.parametrize("attack_s", [0.004, 0.012])
def test_a_slow_attack_is_heard_where_it_starts(rng, attack_s):
    """A ramp is found at its start (within a hop and a half), not at its peak."""
    truth = 0.5 + 0.4 * np.arange(50)
    y = _hits(rng, truth, attack_s=attack_s, seconds=21.0)
    shift = beat_latency_s(y, sr=SR, beats_s=truth)
    assert abs(shift) <= 0.0025


def test_one_late_stray_hit_does_not_move_the_grid(rng):
    """The median of the clearer half: a flam 20 ms after every fourth beat changes nothing."""
    truth = 0.5 + 0.5 * np.arange(40)
    y = _hits(rng, np.concatenate([truth, truth[::4] + 0.02]), attack_s=0.0, seconds=21.0)
    assert abs(beat_latency_s(y, sr=SR, beats_s=truth)) <= 0.0015


@pytest.mark.parametrize(
    "case", ["few beats", "silence", "empty", "zero rate", "far off"]
)  # fmt: skip
def test_degenerate_input_gives_the_fixed_shift_or_a_bounded_one(rng, case):
    beats = 0.5 + 0.5 * np.arange(20)
    y = _hits(rng, beats, attack_s=0.0, seconds=11.0)
    if case == "few beats":
        assert beat_latency_s(y, sr=SR, beats_s=beats[:5]) == FALLBACK_S
    elif case == "silence":
        assert beat_latency_s(np.zeros(11 * SR), sr=SR, beats_s=beats) == FALLBACK_S
    elif case == "empty":
        assert beat_latency_s(np.zeros(0), sr=SR, beats_s=beats) == FALLBACK_S
    elif case == "zero rate":
        assert beat_latency_s(y, sr=0, beats_s=beats) == FALLBACK_S
    else:  # a grid a quarter beat off: nothing to find within the search, and the shift stays small
        assert abs(beat_latency_s(y, sr=SR, beats_s=beats + 0.125)) <= MAX_SHIFT_S
