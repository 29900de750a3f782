"""Score an estimated beat/downbeat grid against a `RealSong`, and name the kind of error."""

from __future__ import annotations

import numpy as np

from benchmarks.real.song import RealSong

WINDOW_S = 0.07  # mir_eval's beat F-measure window
GOOD_F = 0.8  # "this transformed truth explains the estimate"
RATIO_TOL = 0.04  # median inter-beat-interval ratio tolerance for 2/3, 3/2 and "same tempo"

ERROR_KINDS = ("ok", "2/3", "3/2", "half", "double", "off-beat", "drift", "bar-phase", "other")


def _f(ref: np.ndarray, est: np.ndarray) -> float:
    import mir_eval

    if len(ref) == 0 or len(est) == 0:
        return 0.0
    return float(mir_eval.beat.f_measure(ref, est, f_measure_threshold=WINDOW_S))


def _ibi(x: np.ndarray) -> float:
    return float(np.median(np.diff(x))) if len(x) > 1 else float("nan")


def _near(x: float, target: float) -> bool:
    return bool(np.isfinite(x)) and abs(x / target - 1.0) <= RATIO_TOL


def _phase_wanders(ref: np.ndarray, est: np.ndarray, *, parts: int = 6) -> bool:
    """True when the estimate is on the beat in one part of the song and off it in another.

    That is drift as a listener hears it: the right tempo on average, a phase that slides
    (onto the off-beat and back), so no transformed truth explains the whole song.
    """
    local = []
    for part in np.array_split(ref, parts):
        if len(part) < 4:
            continue
        inside = est[(est >= part[0] - WINDOW_S) & (est <= part[-1] + WINDOW_S)]
        local.append(_f(part, inside))
    return len(local) >= 2 and max(local) >= GOOD_F and min(local) < 0.5


def _error_kind(
    ref: np.ndarray,
    est: np.ndarray,
    *,
    beat_f: float,
    down_f: float | None,
    cmlt: float,
    amlt: float,
) -> str:
    if beat_f >= GOOD_F:
        return "bar-phase" if down_f is not None and down_f < 0.5 else "ok"
    if len(est) < 2 or len(ref) < 4:
        return "other"
    mids = (ref[:-1] + ref[1:]) / 2
    if max(_f(ref[::2], est), _f(ref[1::2], est)) > GOOD_F:
        return "half"
    if _f(np.sort(np.concatenate([ref, mids])), est) > GOOD_F:
        return "double"
    if _f(mids, est) > GOOD_F:
        return "off-beat"
    ratio = _ibi(est) / _ibi(ref)  # >1: the estimate is slower
    if _near(ratio, 1.5):
        return "2/3"
    if _near(ratio, 2.0 / 3.0):
        return "3/2"
    if _near(ratio, 1.0) and (_phase_wanders(ref, est) or (cmlt < 0.5 and amlt < 0.5)):
        return "drift"
    return "other"


def evaluate(est_beats: np.ndarray, est_downbeats: np.ndarray, song: RealSong) -> dict:
    """mir_eval scores of an estimate on `song` plus an `error_kind` and the timing bias.

    Beats are scored after mir_eval's usual trim of the first 5 s; downbeats are scored
    untrimmed (as in `benchmarks/analysis.py`). `signed_error_ms` is the mean offset of the
    estimated beats matched within 70 ms, positive when the estimate is late.
    """
    import mir_eval

    ref = mir_eval.beat.trim_beats(np.asarray(song.beats_s, dtype=float))
    est = mir_eval.beat.trim_beats(np.sort(np.asarray(est_beats, dtype=float)))
    est_down = np.sort(np.asarray(est_downbeats, dtype=float))
    beat_f = _f(ref, est)
    matches = mir_eval.util.match_events(ref, est, WINDOW_S) if len(ref) and len(est) else []
    precision = len(matches) / len(est) if len(est) else 0.0
    signed = signed_error_ms(ref, est)
    if len(ref) >= 2 and len(est) >= 2:
        _, cmlt, _, amlt = mir_eval.beat.continuity(ref, est)
    else:
        cmlt = amlt = 0.0
    down_f = (
        _f(np.asarray(song.downbeats_s, dtype=float), est_down) if len(song.downbeats_s) else None
    )
    return {
        "beat_f": beat_f,
        "precision": precision,
        "cmlt": float(cmlt),
        "amlt": float(amlt),
        "downbeat_f": down_f,
        "error_kind": _error_kind(ref, est, beat_f=beat_f, down_f=down_f, cmlt=cmlt, amlt=amlt),
        "signed_error_ms": signed,
        "est_bpm": 60.0 / _ibi(est) if len(est) > 1 else float("nan"),
    }


def signed_error_ms(ref_s: np.ndarray, est_s: np.ndarray) -> float:
    """Mean offset (ms) of the estimated beats matched within `WINDOW_S` of a reference beat,
    positive when the estimate is late; NaN when nothing matches."""
    import mir_eval

    ref, est = np.asarray(ref_s, dtype=float), np.asarray(est_s, dtype=float)
    matches = mir_eval.util.match_events(ref, est, WINDOW_S) if len(ref) and len(est) else []
    return float(np.mean([est[j] - ref[i] for i, j in matches]) * 1000) if matches else float("nan")
