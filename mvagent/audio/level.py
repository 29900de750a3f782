"""The beat level and phase a listener taps, chosen among grids related to the tracked one.

The tracker (`beats.track_beats`) follows the music well, but its rules for the metrical
level (half, double, 2/3, 3/2 of the tempo) and the phase (on or off the beat) each read one
or two cues with hand-set margins. Here every related grid is scored by one linear function
of the same cues, in every band at once, whose weights were fitted on renders with exact
ground truth (`benchmarks/train_level.py`, weights in `level_weights.json`):

- candidates: the tracked beats re-counted at the `CANDIDATES`' multiples of their period,
  at each phase the relation allows (on the beat, half a beat over, the other parity, ...),
  within the tempi a listener taps;
- features per candidate and per onset envelope: beats against the points half-way, a
  third and a quarter of the way between them, and against the envelope's mean; kick and
  snare taking turns; how fast, and how many onsets fall in a beat (each with its square:
  a prior);
- the highest score wins when it beats the tracker's own grid by the fitted margin (the
  rules are right far more often than not, so they keep close calls), or outright when the
  tracker's grid is faster than anyone taps. A swung beat is not judged (`choose`).

Times are seconds; a candidate is a beat array on the song's clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from mvagent.audio.onsets import Envelopes, accents
from mvagent.audio.tempo import TAP_MAX_BPM, TAP_MIN_BPM

WEIGHTS_PATH = Path(__file__).with_name("level_weights.json")
# (period multiplier, phases in tracked beats): on or off the beat; half the tempo on either
# parity; double; 2/3 of the tempo (a beat and a half: three phases) and 3/2 of it (two).
# Compound mistakes (half the tempo and off the beat) are left out: the rules do not make
# them, and each extra candidate is one more way to be wrong.
CANDIDATES = (
    (1.0, (0.0, 0.5)),
    (2.0, (0.0, 1.0)),
    (0.5, (0.0,)),
    (1.5, (0.0, 0.5, 1.0)),
    (2.0 / 3.0, (0.0, 1.0 / 3.0)),
)
MIN_BEATS = 16
# A tracked grid this much faster than anyone taps keeps no margin: the best-scoring grid a
# listener could tap replaces it. The 2.5 % keeps a true 200 BPM song measured at 200.4.
TOO_FAST_BPM = TAP_MAX_BPM * 1.025
# The model does not slow the tracker's grid below this: its tempo prior (a weak quadratic)
# let it halve two held-out real songs at 120-122 BPM to 60-61 (a plain backbeat among them),
# while no halving it got right on any collection landed below 73. The rules still find
# slow songs themselves (the 60-64 BPM ballads).
SLOWEST_MOVE_BPM = 65.0
BANDS = ("onset", "percussive", "rise", "kick", "snare", "snare_noise", "harmonic")
LOG_CLIP = 3.0


@dataclass(frozen=True)
class Candidate:
    ratio: float  # period multiplier against the tracked beats
    phase: float  # offset in tracked beats
    beats_s: np.ndarray


@dataclass(frozen=True)
class Bands:
    """The envelopes the features read, each with its frame rate."""

    envs: dict[str, tuple[np.ndarray, float]]

    @classmethod
    def from_envelopes(
        cls, envs: Envelopes, fps: float, *, harmonic: np.ndarray, harmonic_fps: float
    ) -> Bands:
        d = {name: (getattr(envs, name), fps) for name in BANDS if name != "harmonic"}
        d["harmonic"] = (harmonic, harmonic_fps)
        return cls(d)


def feature_names() -> list[str]:
    names = [f"{b}_{k}" for b in BANDS for k in ("mid", "third", "quarter", "mean")]
    return names + [
        "alt_onset", "alt_kick", "alt_snare", "kick_x_snare",
        "log2_tempo", "log2_tempo_sq", "log2_events", "log2_events_sq",
    ]  # fmt: skip


def candidates(beats_s: np.ndarray, *, span_s: tuple[float, float]) -> list[Candidate]:
    """Grids related to `beats_s` (the first is `beats_s` itself), clipped to `span_s`.

    A grid at `ratio` r and `phase` f has a beat at tracked-beat index f + k * r for every
    integer k, mapped to time through the tracked beats (so a tempo that moves is followed).
    Other levels outside the tempi a listener taps (TAP_MIN_BPM-TAP_MAX_BPM) are not offered.
    """
    n = len(beats_s)
    if n < MIN_BEATS:
        return []
    out = []
    for r, phases in CANDIDATES:
        for f in phases:
            idx = np.arange(f, n - 1 + 1e-9, r)
            t = _time_at(beats_s, idx)
            t = t[(t >= span_s[0] - 0.05) & (t <= span_s[1] + 0.05)]
            if len(t) < 4:
                continue
            bpm = _bpm(t)
            if r == 1.0 or TAP_MIN_BPM <= bpm <= TAP_MAX_BPM:
                out.append(Candidate(ratio=r, phase=f, beats_s=t))
    return out


def _time_at(beats_s: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Time of fractional beat indices, linear between tracked beats."""
    return np.interp(idx, np.arange(len(beats_s)), beats_s)


def _between(beats_s: np.ndarray, frac: float) -> np.ndarray:
    return beats_s[:-1] + frac * np.diff(beats_s)


def _events_per_s(env: np.ndarray, fps: float, *, span_s: tuple[float, float]) -> float:
    """Clear onsets per second between `span_s` (local peaks above a third of the envelope's
    loud level): how busy the music is, against which a beat is slow or fast."""
    lo, hi = int(span_s[0] * fps), int(span_s[1] * fps)
    x = env[max(lo, 0) : max(hi, 0)]
    if len(x) < 3 or hi <= lo:
        return 0.0
    floor = np.percentile(x, 95) / 3.0
    peaks = (x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:]) & (x[1:-1] > floor)
    return float(peaks.sum() / ((hi - lo) / fps))


def _log(a: float, b: float) -> float:
    return float(np.clip(np.log(max(a, 1e-6) / max(b, 1e-6)), -LOG_CLIP, LOG_CLIP))


def features(c: Candidate, bands: Bands) -> np.ndarray:
    """One candidate's feature vector, in the order of `feature_names()`."""
    b = c.beats_s
    mids = _between(b, 0.5)
    thirds = np.concatenate([_between(b, 1 / 3), _between(b, 2 / 3)])
    quarters = np.concatenate([_between(b, 1 / 4), _between(b, 3 / 4)])
    row = []
    for name in BANDS:
        env, fps = bands.envs[name]
        on = accents(env, b, fps).mean()
        row += [
            _log(on, accents(env, mids, fps).mean()),
            _log(on, accents(env, thirds, fps).mean()),
            _log(on, accents(env, quarters, fps).mean()),
            _log(on, float(np.mean(env)) if len(env) else 0.0),
        ]

    def alternation(name: str) -> float:
        env, fps = bands.envs[name]
        return _log(accents(env, b[0::2], fps).mean(), accents(env, b[1::2], fps).mean())

    kick, snare = alternation("kick"), alternation("snare")
    bpm = _bpm(b)
    t = float(np.log2(bpm / 120.0))
    env, fps = bands.envs["onset"]
    e = np.log2(max(_events_per_s(env, fps, span_s=(b[0], b[-1])), 0.1) * 60.0 / bpm)
    row += [abs(alternation("onset")), abs(kick), abs(snare), kick * snare, t, t * t, e, e * e]
    return np.asarray(row, dtype=np.float64)


def feature_matrix(cands: list[Candidate], bands: Bands) -> np.ndarray:
    return np.stack([features(c, bands) for c in cands])


def fitted(path: Path, names: list[str]) -> tuple[np.ndarray, float] | None:
    """(weights, margin over the rules' answer) of a shipped linear model, or None when the
    file is missing or was fitted on other features (then the rules decide)."""
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if data.get("features") != names:
        return None
    return np.asarray(data["weights"], dtype=np.float64), float(data.get("margin") or 0.0)


def overrule(scores: np.ndarray, *, rules: int, margin: float) -> int:
    """The best-scoring choice when it beats the rules' choice (row `rules`) by `margin`,
    else the rules' choice: the one decision both models and their fitting make."""
    best = int(np.argmax(scores))
    return best if scores[best] - scores[rules] >= margin else rules


@cache
def _weights() -> tuple[np.ndarray, float] | None:
    return fitted(WEIGHTS_PATH, feature_names())


def choose(
    beats_s: np.ndarray, bands: Bands, *, span_s: tuple[float, float], subdivision: int = 2
) -> tuple[np.ndarray, Candidate | None]:
    """The best-scoring related grid, or `beats_s` unchanged (with None) when the tracker's
    own grid scores within the margin of the best, or there is too little to judge.

    A beat the tracker found divided in three (`subdivision` 3: swing, shuffle, 6/8) is left
    alone, unless it is faster than anyone taps: its notes sit where the features look for a
    wrong level (a third of the way).
    """
    model = _weights()
    cands = candidates(beats_s, span_s=span_s)
    if model is None or len(cands) < 2:
        return beats_s, None
    bpm = np.array([_bpm(c.beats_s) for c in cands])
    # Faster than anyone taps, a swung grid is judged too (a ternary tracker song at 223).
    if subdivision != 2 and bpm[0] <= TOO_FAST_BPM:
        return beats_s, None
    w, margin = model
    best = decide(feature_matrix(cands, bands) @ w, bpm, margin=margin)
    return (beats_s, None) if best == 0 else (cands[best].beats_s, cands[best])


def decide(scores: np.ndarray, bpm: np.ndarray, *, margin: float) -> int:
    """Index of the chosen candidate (0 is the tracker's grid) from their scores and tempi.

    The tracker's grid keeps close calls (`margin`), unless it is faster than anyone taps (a
    tracker song at 223, a hot funk render at 209, both at double tempo): then the grids at
    that speed (it and its off-beat) drop out and the best of the others wins. Grids slower
    than the tracker's and than `SLOWEST_MOVE_BPM` are never chosen.
    """
    scores = np.where((bpm < SLOWEST_MOVE_BPM) & (bpm < 0.9 * bpm[0]), -np.inf, scores)
    if bpm[0] > TOO_FAST_BPM and np.any(bpm <= TOO_FAST_BPM):
        scores = np.where(bpm > TOO_FAST_BPM, -np.inf, scores)
        margin = 0.0
    return overrule(scores, rules=0, margin=margin)


def _bpm(beats_s: np.ndarray) -> float:
    return 60.0 / float(np.median(np.diff(beats_s)))
