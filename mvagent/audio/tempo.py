"""The beat period: how fast the beat a listener taps goes, before any beat is placed.

Autocorrelation of the onset envelope supports a period (and its double, the half bar);
a wide log-normal prior around 120 BPM picks among those. Then the drums check the metrical
level: a snare on every second beat (a backbeat) at twice the speed moves the level faster;
swung eighths belong to the beat they swing; a slow beat that divides in three is counted in
eighths (6/8). Moving the level slower needs beat positions: see `beats.adjust_level`.
Local tempo for songs that change tempo is a Viterbi path through windowed autocorrelations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mvagent.audio.onsets import Envelopes

MIN_BPM = 50.0
MAX_BPM = 220.0
PRIOR_BPM = 120.0  # centre of the log-normal tempo prior
PRIOR_OCTAVES = 1.0  # its width
BACKBEAT_MIN = 0.2  # snare-periodicity evidence needed to move the level
BACKBEAT_MARGIN = 0.25
COMPOUND_BELOW_BPM = 80.0  # a ternary beat slower than this is counted in eighths (6/8)
# No rule moves the beat above this (nobody taps 212): not a backbeat at twice the speed,
# not the eighths of a slow compound beat (pingus' 72.5 in threes is 145 for a listener, not 217).
TAP_MAX_BPM = 200.0
# No rule moves the beat slower than this: a kit at 100 with its snare only on 4 is a
# backbeat at 50 to the autocorrelation, but nobody taps 50 (the MIDI set's slowest song is
# 58 BPM, its ballads are tapped at 60-64).
TAP_MIN_BPM = 55.0
# Swung notes faster than this are sixteenths, not the eighths of a beat a listener taps:
# Hydrogen's jazz kit at 100 with swung sixteenths was counted at 200.
SWING_MAX_BPM = 180.0
# A period whose 2/3 and 4/3 recur within this much autocorrelation of itself is a beat and a
# half of a straight pulse (the autocorrelation of a finite song also falls a little with lag).
THIRDS_TOLERANCE = 0.05


def autocorrelation(x: np.ndarray, *, max_lag: int) -> np.ndarray:
    """Normalised autocorrelation of a whole envelope up to `max_lag` frames."""
    n = len(x)
    if n < 2:
        return np.zeros(max_lag + 1)
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(x - x.mean(), nfft)
    ac = np.fft.irfft(np.abs(spec) ** 2, nfft)[: max_lag + 1]
    ac = np.pad(ac, (0, max(0, max_lag + 1 - len(ac))))
    return ac / ac[0] if ac[0] > 1e-12 else np.zeros_like(ac)


def tempogram(
    env: np.ndarray,
    *,
    fps: float,
    window_s: float = 8.0,
    hop_s: float = 2.0,
    max_lag_s: float = 2.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Autocorrelation per window: (window centre times s, (windows, lags) array)."""
    win = int(round(window_s * fps))
    hop = int(round(hop_s * fps))
    max_lag = int(round(max_lag_s * fps))
    n = len(env)
    if n < 8:
        return np.zeros(0), np.zeros((0, max_lag + 1))
    if n <= win:
        starts, win = [0], n
    else:
        starts = list(range(0, n - win + 1, hop))
        if starts[-1] + win < n:
            starts.append(n - win)
    taper = np.hanning(win)
    rows = [autocorrelation(env[s : s + win] * taper, max_lag=max_lag) for s in starts]
    centres = [(s + win / 2) / fps for s in starts]
    return np.array(centres), np.array(rows)


def _parabolic(y: np.ndarray, i: int) -> float:
    if 0 < i < len(y) - 1:
        a, b, c = y[i - 1], y[i], y[i + 1]
        den = a - 2 * b + c
        if den < 0:
            return i + float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
    return float(i)


def _at(acf: np.ndarray, lag: float) -> float:
    """Largest autocorrelation within 2 frames of a (fractional) lag; 0 beyond the array."""
    i = int(round(lag))
    if i < 2 or i + 2 >= len(acf):
        return 0.0
    return float(acf[i - 2 : i + 3].max())


def _comb(acf: np.ndarray, lag: float) -> float:
    """Support for a beat period: its own autocorrelation plus half that of its double."""
    return max(_at(acf, lag), 0.0) + 0.5 * max(_at(acf, 2 * lag), 0.0)


def _prior(bpm: float) -> float:
    return float(np.exp(-0.5 * (np.log2(bpm / PRIOR_BPM) / PRIOR_OCTAVES) ** 2))


def _in_range(period: float, fps: float) -> bool:
    return period > 0 and MIN_BPM <= 60.0 * fps / period <= MAX_BPM


def _tappable(period: float, fps: float) -> bool:
    """In the tracked range and no faster than a listener taps."""
    return _in_range(period, fps) and 60.0 * fps / period <= TAP_MAX_BPM


def _refine(acf: np.ndarray, lag: float) -> float:
    """Fractional position of the autocorrelation peak within 2 frames of `lag`."""
    j = int(round(lag))
    if j < 2 or j + 3 > len(acf):
        return lag
    k = j - 2 + int(np.argmax(acf[j - 2 : j + 3]))
    return float(_parabolic(acf, k))


def prior_period(acf: np.ndarray, fps: float) -> float:
    """Most salient beat period (frames): comb support times the tempo prior; 0 if none."""
    lo = max(int(np.floor(60.0 * fps / MAX_BPM)), 2)
    hi = min(int(np.ceil(60.0 * fps / MIN_BPM)), len(acf) - 3)
    if hi < lo:
        return 0.0
    lags = np.arange(lo, hi + 1)
    score = np.array([_comb(acf, lag) * _prior(60.0 * fps / lag) for lag in lags])
    i = int(np.argmax(score))
    return _refine(acf, float(lags[i])) if score[i] > 0 else 0.0


def _backbeat_one(acf: np.ndarray, period: float) -> float:
    on = min(_at(acf, 2 * period), _at(acf, 4 * period))
    off = max(_at(acf, period), _at(acf, 3 * period))
    return on - off


def backbeat(snare_acfs: list[np.ndarray], period: float) -> float:
    """How much snare hits recur every 2 and 4 beats but not every 1 or 3 (a backbeat).

    The best of several snare envelopes: what spills into one register (chord attacks in the
    body, hi-hats or synth arpeggios in the noise) rarely fakes a backbeat in both.
    """
    return max(_backbeat_one(acf, period) for acf in snare_acfs)


def backbeat_gain(
    snare_acfs: list[np.ndarray], here: float, there: float, *, agree: bool = False
) -> float:
    """How much clearer the backbeat is at period `there` than at `here`, compared within each
    snare envelope (each is consistent with itself): the best envelope's gain, or with
    `agree` the worst one's; -inf unless some envelope shows a backbeat at `there`."""
    gains = [_backbeat_one(a, there) - _backbeat_one(a, here) for a in snare_acfs]
    if max(_backbeat_one(a, there) for a in snare_acfs) < BACKBEAT_MIN:
        return -np.inf
    return float(min(gains) if agree else max(gains))


def snare_autocorrelations(envs: Envelopes, *, max_lag: int) -> list[np.ndarray]:
    return [autocorrelation(e, max_lag=max_lag) for e in (envs.snare, envs.snare_noise)]


def is_ternary(acf: np.ndarray, period: float) -> bool:
    """True when the beat divides in three (shuffle, swing, compound meters)."""
    thirds = max(_at(acf, period / 3), _at(acf, 2 * period / 3))
    return thirds > 1.25 * max(_at(acf, period / 2), 1e-3)


def triple_bar(kick_acf: np.ndarray, period: float) -> bool:
    """True when the kick pattern repeats every 3 beats rather than every 2 or 4 (3/4, 6/8)."""
    return (
        _at(kick_acf, 3 * period) > max(_at(kick_acf, 2 * period), _at(kick_acf, 4 * period)) + 0.05
    )


@dataclass(frozen=True)
class Period:
    frames: float
    backbeat: bool  # a backbeat confirms this level
    ternary: bool  # the beat divides in three
    triple_bar: bool  # bars of three beats
    swung_half: bool = False  # the half beat divides in three (swung sixteenths)


def choose_period(envs: Envelopes, *, fps: float) -> Period:
    """The beat period from periodicity, tempo prior, swing and the snare backbeat.

    The backbeat here moves the level faster, or from a seemingly swung period to 4/3 of
    it (a dembow's dotted eighths); halving needs beat positions (see `adjust_level`)
    because a snare once per slow beat is as often a half-time feel.
    """
    max_lag = int(round(4.5 * 60.0 * fps / MIN_BPM))
    acf = autocorrelation(envs.onset, max_lag=max_lag)
    period = prior_period(acf, fps)
    if period <= 0:
        return Period(0.0, False, False, False)
    if _tappable(period * 2 / 3, fps):
        # Two thirds of the period recur as strongly as the period, and so do four thirds:
        # the period is a beat and a half of a straight pulse (eighths that limiting made as
        # loud as the beats, a kick every 1.5 beats), not a level of its own.
        here = _at(acf, period) - THIRDS_TOLERANCE
        if _at(acf, 2 * period / 3) >= here and _at(acf, 4 * period / 3) >= here:
            period = _refine(acf, 2 * period / 3)
    # A pulse that is crossed by a stronger one 1.5 periods long is not a metrical level
    # (two eighths of a 6/8 bar): the common subdivision is.
    if _at(acf, 1.5 * period) > _at(acf, period) + 0.15 and _in_range(period / 2, fps):
        period = _refine(acf, period / 2)
    kick_acf = autocorrelation(envs.kick, max_lag=max_lag)
    if triple_bar(kick_acf, period) and _in_range(period / 2, fps):
        # Bars of three such beats whose accents fall every 1.5 beats (kick on 1, snare on 4
        # of six eighths) are 6/8 heard two eighths at a time: count the eighths.
        accents_acf = autocorrelation(envs.kick + envs.snare, max_lag=max_lag)
        ternary_accents = _at(accents_acf, 1.5 * period)
        if ternary_accents > max(_at(accents_acf, period), _at(accents_acf, 2 * period)) + 0.1:
            period = _refine(acf, period / 2)
    snare_acf = snare_autocorrelations(envs, max_lag=max_lag)
    here = backbeat(snare_acf, period)
    best, best_bb = period, here
    swung = is_ternary(acf, period)
    if not triple_bar(kick_acf, period):
        # A syncopated kick can make 1.5 beats look like the period (drum and bass): try 2/3.
        # A beat that seems to divide in three may be that too (straight eighths every third
        # of 1.5 beats), or three quarters of a beat (the dotted eighths of a dembow's 3+3+2),
        # but then every snare envelope must show the backbeat of the other reading.
        gain_best = 0.0
        for alt in (period * 2 / 3, period * 4 / 3) if swung else (period / 2, period * 2 / 3):
            if not _tappable(alt, fps):
                continue
            gain = backbeat_gain(snare_acf, period, alt)
            agreed = backbeat_gain(snare_acf, period, alt, agree=True)
            # No snare envelope may disagree: a bass line in the snare-body register fakes a
            # faster backbeat that the snare noise does not show.
            ok = agreed >= BACKBEAT_MARGIN if swung else agreed >= -0.05
            if gain >= BACKBEAT_MARGIN and gain > gain_best and ok:
                best, best_bb, gain_best = _refine(acf, alt), backbeat(snare_acf, alt), gain
        # Swung eighths belong to the beat they swing: jazz ride and walking bass at 160,
        # not the two-beat ride figure at 80.
        if (
            not swung
            and best_bb < BACKBEAT_MIN
            and _in_range(best / 2, fps)
            and 2 * 60.0 * fps / best <= SWING_MAX_BPM
            and is_ternary(acf, best / 2)
            and not is_ternary(acf, best)
        ):
            best = _refine(acf, best / 2)
    if (
        is_ternary(acf, best)
        and 60.0 * fps / best < COMPOUND_BELOW_BPM
        and _tappable(best / 3, fps)
    ):
        # A slow beat that divides in three is a compound meter (6/8, 12/8): we count its
        # eighths, so bars have 6 beats.
        best = _refine(acf, best / 3)
    return Period(
        frames=best,
        backbeat=best_bb >= BACKBEAT_MIN,
        ternary=is_ternary(acf, best),
        triple_bar=triple_bar(kick_acf, best),
        swung_half=_in_range(best / 2, fps) and is_ternary(acf, best / 2),
    )


def local_periods(rows: np.ndarray, period: float, *, spread: float = 1.3) -> np.ndarray:
    """Beat period per tempogram window: the best path through the windows' autocorrelation.

    Changing the period costs in proportion to the size of the change, and every window is
    pulled weakly towards the song's period, so a drumless breakdown or syncopated stabs do
    not look like a tempo change while a real one (sustained evidence) is followed.
    """
    if len(rows) == 0:
        return np.zeros(0)
    lo = max(int(np.floor(period / spread)), 2)
    hi = min(int(np.ceil(period * spread)), rows.shape[1] - 3)
    lags = np.arange(lo, hi + 1, dtype=float)
    if len(lags) < 3:
        return np.full(len(rows), period)
    log_lags = np.log(lags)
    # Each window's support for a lag counts the lag and twice it: a dembow's 3+3+2 recurs
    # more at five sixteenths than at its beat, but not at two beats.
    support = rows[:, lo : hi + 1].copy()
    for j, lag in enumerate(lags.astype(int)):
        if 2 * lag + 2 <= rows.shape[1]:  # the peak at twice the lag, to within a frame
            support[:, j] = 0.5 * (support[:, j] + rows[:, 2 * lag - 1 : 2 * lag + 2].max(axis=1))
    obs = np.maximum(support, 0.0) - 1.0 * np.abs(log_lags - np.log(period))[None, :]
    jump = 8.0 * np.abs(log_lags[:, None] - log_lags[None, :])  # (from, to)
    score = obs[0].copy()
    back = np.zeros((len(rows), len(lags)), dtype=int)
    for w in range(1, len(rows)):
        total = score[:, None] - jump
        back[w] = np.argmax(total, axis=0)
        score = total[back[w], np.arange(len(lags))] + obs[w]
    path = np.empty(len(rows), dtype=int)
    path[-1] = int(np.argmax(score))
    for w in range(len(rows) - 1, 0, -1):
        path[w - 1] = back[w, path[w]]
    out = np.empty(len(rows))
    for w, j in enumerate(path):
        out[w] = lo + _parabolic(rows[w, lo : hi + 1], j) if 0 < j < len(lags) - 1 else lags[j]
    return out
