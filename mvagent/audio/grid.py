"""Beat grids: turn dynamic-programming beats into exact constant-tempo grids.

Stretches of constant tempo (split where the local tempo changes) are fitted with a grid
t = origin + k * period; beats are matched to grid positions by rounding, so a beat the DP
skipped or doubled in a quiet passage does not bend the fit. The grid gives sub-frame
phase, tempo to thousandths of a BPM, and beats through drumless passages and fades.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage as ndi


@dataclass(frozen=True)
class Segment:
    start_s: float  # first beat time the stretch covers
    end_s: float  # last beat time it covers
    origin_s: float  # a beat on the fitted grid
    period_s: float


def fit_grid(times_s: np.ndarray, *, tol_s: float = 0.035) -> tuple[float, float, float] | None:
    """(origin s, period s, inlier share) of the constant-tempo grid that most beat times sit
    on (within `tol_s`), or None for too few beats.

    Beats are matched to grid positions by rounding, not by their order, so a beat the DP
    skipped or doubled in a quiet passage does not bend the fit.
    """
    t = np.asarray(times_s, dtype=float)
    n = len(t)
    if n < 8:
        return None
    p0 = float(np.median(np.diff(t)))
    periods = p0 * (1.0 + np.linspace(-0.03, 0.03, 241))
    anchors = t[np.unique(np.linspace(0, n - 1, min(n, 24)).astype(int))]
    best = (-1, 0.0, p0)
    for a in anchors:
        k = np.round((t[None, :] - a) / periods[:, None])
        hits = (np.abs(t[None, :] - a - k * periods[:, None]) < tol_s).sum(axis=1)
        j = int(np.argmax(hits))
        if hits[j] > best[0]:
            best = (int(hits[j]), float(a), float(periods[j]))
    _, origin, period = best
    for _ in range(3):  # least squares on the inliers, with their grid indices
        k = np.round((t - origin) / period)
        inl = np.abs(t - origin - k * period) < tol_s
        if inl.sum() < 2 or len(np.unique(k[inl])) < 2:
            break
        period, origin = (float(v) for v in np.polyfit(k[inl], t[inl], 1))
    k = np.round((t - origin) / period)
    share = float(np.mean(np.abs(t - origin - k * period) < tol_s))
    return origin, period, share


def change_points(beats_s: np.ndarray, local_s: np.ndarray, centres_s: np.ndarray) -> list[int]:
    """Beat indices where the local period path changes by more than 3 % and stays changed."""
    if len(local_s) < 3:
        return []
    at_beats = np.interp(beats_s, centres_s, local_s)
    ratio = np.abs(np.diff(np.log(ndi.median_filter(at_beats, size=9, mode="nearest"))))
    cuts, last = [], 0
    for i in np.flatnonzero(ratio > 0.0):
        if i - last < 16:
            continue
        before = np.median(at_beats[max(last, i - 16) : i + 1])
        after = np.median(at_beats[i + 1 : i + 17])
        if abs(np.log(after / before)) > 0.03:
            cuts.append(int(i + 1))
            last = i + 1
    return cuts


def fit_segments(beats_s: np.ndarray, cuts: list[int], *, tol_s: float = 0.035) -> list[Segment]:
    """Constant-tempo grids between tempo change points.

    Each change point is moved to the split that leaves the fewest beats off both grids; a
    stretch whose beats do not sit on a grid (rubato, a drifting drummer) keeps its DP beats.
    """
    edges = [0, *cuts, len(beats_s)]

    def misses(u: int, v: int) -> int:
        fit = fit_grid(beats_s[u:v], tol_s=tol_s)
        return v - u if fit is None else int(round((1 - fit[2]) * (v - u)))

    for j in range(1, len(edges) - 1):
        lo, hi = edges[j - 1] + 8, edges[j + 1] - 8
        candidates = range(max(lo, edges[j] - 24), min(hi, edges[j] + 24) + 1, 2)
        if candidates:
            edges[j] = min(
                candidates, key=lambda c: misses(edges[j - 1], c) + misses(c, edges[j + 1])
            )
    out = []
    for u, v in zip(edges, edges[1:], strict=False):
        fit = fit_grid(beats_s[u:v], tol_s=tol_s)
        if fit is not None and fit[2] >= 0.6:
            out.append(Segment(float(beats_s[u]), float(beats_s[v - 1]), fit[0], fit[1]))
    return out


def lay_grid(
    beats_s: np.ndarray, segments: list[Segment], active: tuple[float, float]
) -> np.ndarray:
    """Replace the beats of fitted stretches by their grid; extend the ends to the active span."""
    if not segments:
        return beats_s
    pieces: list[np.ndarray] = []
    for i, seg in enumerate(segments):
        p = seg.period_s
        lo = seg.start_s - 0.5 * p
        hi = seg.end_s + 0.5 * p
        if i == 0:
            lo = min(lo, active[0] - 0.05)
        if i == len(segments) - 1:
            hi = max(hi, active[1] + 0.05)
        if i > 0:  # the grids meet half way between the stretches
            lo = max(lo, 0.5 * (segments[i - 1].end_s + seg.start_s))
        if i + 1 < len(segments):
            hi = min(hi, 0.5 * (seg.end_s + segments[i + 1].start_s))
        k = np.arange(np.ceil((lo - seg.origin_s) / p), np.floor((hi - seg.origin_s) / p) + 1)
        pieces.append(seg.origin_s + k * p)
    covered = np.zeros(len(beats_s), bool)
    for seg in segments:
        covered |= (beats_s >= seg.start_s - 0.5 * seg.period_s) & (
            beats_s <= seg.end_s + 0.5 * seg.period_s
        )
    pieces.append(beats_s[~covered])
    out = np.sort(np.concatenate(pieces))
    # A grid beat a hair before the file starts is the beat at 0.
    out = np.where((out < 0.0) & (out > -0.05), 0.0, out)
    out = out[(out >= max(active[0] - 0.05, 0.0)) & (out <= active[1] + 0.05)]
    if len(out) < 2:
        return out
    keep = np.concatenate([[True], np.diff(out) > 0.5 * np.median(np.diff(out))])
    return out[keep]
