"""One beat grid for a whole song made to a click: most produced music is.

Dynamic programming follows the envelope beat by beat, so a chorus whose guitars push the
off-beats can pull a stretch of beats half a beat over. A song recorded to a click has one
tempo and one phase from its first bar to its last: folding the whole song's onset envelope
at the right period stacks every beat on one phase (a sharp peak), and at a wrong period
smears it. The fold gives the period to 0.01 % and the phase to a few milliseconds.

`steady_grid` returns that grid only when windows all through the song agree with it (their
own best phase is the grid's or its off-beat, never somewhere drifting); rubato, a live
drummer or a tempo change keep the DP beats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage as ndi

N_BINS = 96  # phase bins per beat
SEARCH = 0.02  # period search range around the DP period, as a fraction
STEPS = 801
WINDOW_BEATS = 16
AGREE_S = 0.035  # a window agrees when its best phase is this close to the grid's
AGREE_SHARE = 0.8  # share of windows that must agree for the grid to stand


@dataclass(frozen=True)
class SteadyGrid:
    origin_s: float  # a beat on the grid
    period_s: float
    agreement: float  # share of windows whose phase agrees (0..1)
    sharpness: float  # fold peak over the fold's mean (>= 1)


def _fold(env: np.ndarray, times_s: np.ndarray, period_s: float) -> np.ndarray:
    """Envelope summed per phase bin of `period_s`, circularly smoothed over ~2 bins."""
    bins = ((times_s / period_s) % 1.0 * N_BINS).astype(int) % N_BINS
    hist = np.bincount(bins, weights=env, minlength=N_BINS)
    return ndi.gaussian_filter1d(hist, sigma=1.5, mode="wrap")


def fold_search(
    env: np.ndarray, *, fps: float, period_s: float, span_s: tuple[float, float]
) -> tuple[float, float, float]:
    """(period s, phase s, sharpness) maximising the folded envelope near `period_s`."""
    t = np.arange(len(env)) / fps
    sel = (t >= span_s[0]) & (t <= span_s[1])
    t, e = t[sel], env[sel].astype(np.float64)
    if len(e) < 8 or e.sum() <= 0:
        return period_s, 0.0, 1.0
    periods = period_s * (1.0 + np.linspace(-SEARCH, SEARCH, STEPS))
    best = (-np.inf, period_s, 0.0, 1.0)
    for p in periods:
        h = _fold(e, t, p)
        j = int(np.argmax(h))
        if h[j] > best[0]:
            best = (h[j], p, j, h[j] / max(h.mean(), 1e-12))
    _, p, j, sharp = best
    # Refine period and phase on a finer step around the winner.
    fine = p * (1.0 + np.linspace(-2 * SEARCH / STEPS, 2 * SEARCH / STEPS, 41))
    for q in fine:
        h = _fold(e, t, q)
        k = int(np.argmax(h))
        if h[k] > best[0]:
            best = (h[k], q, k, h[k] / max(h.mean(), 1e-12))
    _, p, j, sharp = best
    h = _fold(e, t, p)
    a, b, c = h[(j - 1) % N_BINS], h[j], h[(j + 1) % N_BINS]
    den = a - 2 * b + c
    frac = 0.5 * (a - c) / den if den < 0 else 0.0
    return float(p), float(((j + frac) / N_BINS) * p), float(sharp)


def _sharpness(h: np.ndarray) -> float:
    return float(h.max() / max(h.mean(), 1e-12))


def window_agreement(
    env: np.ndarray, *, fps: float, origin_s: float, period_s: float, span_s: tuple[float, float]
) -> float:
    """Share of `WINDOW_BEATS`-beat windows that keep to the grid.

    A window keeps to it when its own best phase at the grid's period is the grid's or half a
    beat off (guitars on the off-beat are not a tempo change; drift is), and no other period
    near it gives a much clearer pulse (a tempo change). Silent windows do not count.
    """
    t = np.arange(len(env)) / fps
    win_s = WINDOW_BEATS * period_s
    starts = np.arange(span_s[0], max(span_s[1] - win_s, span_s[0]) + 1e-9, win_s / 2)
    others = period_s * (1.0 + np.linspace(-0.2, 0.2, 81))
    agree = total = 0
    for s in starts:
        sel = (t >= s) & (t < s + win_s)
        e = env[sel].astype(np.float64)
        if e.sum() <= 1e-9 or e.max() < 0.1:
            continue  # a silent window says nothing either way
        tw = t[sel] - origin_s
        h = _fold(e, tw, period_s)
        here = _sharpness(h)
        elsewhere = max(_sharpness(_fold(e, tw, p)) for p in others)
        if here < 1.3 and elsewhere < 1.3:
            continue  # no clear pulse at all here (a pad breakdown)
        total += 1
        off = (int(np.argmax(h)) / N_BINS) % 0.5  # fold the off-beat onto the beat
        dist_s = min(off, 0.5 - off) * period_s
        agree += dist_s <= AGREE_S and here >= 0.8 * elsewhere
    return agree / total if total else 0.0


def steady_grid(
    env: np.ndarray,
    *,
    fps: float,
    period_s: float,
    span_s: tuple[float, float],
    fold: tuple[float, float, float] | None = None,
) -> SteadyGrid | None:
    """The song's one grid near `period_s`, or None when windows of the song disagree.

    `fold` is `fold_search` at `period_s` when the caller already has it."""
    if period_s <= 0 or span_s[1] - span_s[0] < 8 * period_s:
        return None
    p, phase, sharp = fold or fold_search(env, fps=fps, period_s=period_s, span_s=span_s)
    agreement = window_agreement(env, fps=fps, origin_s=phase, period_s=p, span_s=span_s)
    if agreement < AGREE_SHARE:
        return None
    return SteadyGrid(origin_s=phase, period_s=p, agreement=agreement, sharpness=sharp)


def grid_beats(grid: SteadyGrid, span_s: tuple[float, float]) -> np.ndarray:
    """Beat times of `grid` from the start to the end of `span_s` (s)."""
    p = grid.period_s
    k0 = np.ceil((span_s[0] - 0.05 - grid.origin_s) / p)
    k1 = np.floor((span_s[1] + 0.05 - grid.origin_s) / p)
    out = grid.origin_s + np.arange(k0, k1 + 1) * p
    return out[out >= 0.0]


def _level_at(h: np.ndarray, frac: float) -> float:
    """Fold height near phase `frac` (0..1) relative to the fold's peak."""
    i = int(round(frac * N_BINS))
    idx = np.arange(i - 2, i + 3) % N_BINS
    return float(h[idx].max() / max(h.max(), 1e-12))


THIRDS_EQUAL = 0.75  # thirds this close to the beat's height are beats themselves
HALF_EMPTY = 0.3  # and the half-way point this empty


def thirds_are_beats(
    env: np.ndarray,
    *,
    fps: float,
    beats_s: np.ndarray,
    span_s: tuple[float, float],
    fold: tuple[float, float, float] | None = None,
) -> bool:
    """True when the tracked beat is really three beats (a 2/3-tempo lock).

    Folded at the tracked period, a 2/3 lock shows hits as strong as the beat at 1/3 and 2/3
    and nothing half way; a shuffle's swung eighth shows at 2/3 only, weaker, and a straight
    groove's eighth half way. The faster level must also fold at least as sharply.
    `fold` is `fold_search` at the beats' period when the caller already has it.
    """
    if len(beats_s) < 16:
        return False
    period = float(np.median(np.diff(beats_s)))
    p, phase, sharp = fold or fold_search(env, fps=fps, period_s=period, span_s=span_s)
    t = np.arange(len(env)) / fps
    sel = (t >= span_s[0]) & (t <= span_s[1])
    h = _fold(env[sel].astype(np.float64), t[sel] - phase, p)
    thirds = min(_level_at(h, 1 / 3), _level_at(h, 2 / 3))
    if thirds < THIRDS_EQUAL or _level_at(h, 0.5) > HALF_EMPTY:
        return False
    *_, sharp_fast = fold_search(env, fps=fps, period_s=2 * p / 3, span_s=span_s)
    return sharp_fast >= sharp
