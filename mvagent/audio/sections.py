"""Song sections: where the music changes, which parts repeat, and what to call them.

1. Bar-synchronous features: chroma (harmony), a mel-cepstrum (instrumentation), loudness
   per band and percussive density (are the drums playing?).
2. Boundaries: at each bar line, how much the bars after it stop repeating the bars one
   progression (4 or 8 bars) before it, plus how much the sound changes; peaks taken on bar
   lines, with a mild preference for the song's 4-bar phrase grid.
3. Groups: sections whose bar-by-bar harmony and sound match are repeats of one another
   (same group id), found by agglomerative clustering of pairwise section distances.
4. Labels from position, repetition, loudness and drums: intro/outro at the ends, the loudest
   repeated group is the chorus (or drop in four-on-the-floor music), the first other repeated
   group the verse, quiet drumless stretches are breakdowns, one-offs bridges or instrumentals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

from mvagent.audio.features import Features
from mvagent.audio.onsets import Envelopes

OFF_GRID_WEIGHT = 0.8  # novelty weight of bar lines off the 4-bar phrase grid


@dataclass(frozen=True)
class BarFeatures:
    starts_s: np.ndarray  # start of each bar (the last bar ends at the song's end)
    chroma: np.ndarray  # (bars, 12) unit vectors, centred on the song's mean chroma
    timbre: np.ndarray  # (bars, d) z-scored mel-cepstrum and band loudness
    loudness_db: np.ndarray  # (bars,) RMS level
    drums: np.ndarray  # (bars,) mean percussive onset strength
    vocal: np.ndarray  # (bars,) share of the bar with vocals (0..1)


@dataclass(frozen=True)
class SectionSpan:
    start_s: float
    end_s: float
    label: str
    group: int


def _bar_means(matrix: np.ndarray, edges_s: np.ndarray, fps: float) -> np.ndarray:
    """Mean of each column-range between consecutive edges: (bars, rows)."""
    n = matrix.shape[1]
    idx = np.clip(np.round(edges_s * fps).astype(int), 0, n)
    cs = np.cumsum(np.pad(matrix.astype(np.float64), ((0, 0), (1, 0))), axis=1)
    lo, hi = idx[:-1], np.maximum(idx[1:], idx[:-1] + 1)
    hi = np.minimum(hi, n)
    lo = np.minimum(lo, np.maximum(hi - 1, 0))
    return ((cs[:, hi] - cs[:, lo]) / np.maximum(hi - lo, 1)).T


def _zscore(x: np.ndarray) -> np.ndarray:
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 1e-9, sd, 1.0)


def bar_features(
    downbeats_s: np.ndarray,
    features: Features,
    envs: Envelopes,
    *,
    vocal_frames: np.ndarray | None = None,
) -> BarFeatures:
    """Features per bar; bars run from each downbeat to the next (the last to the end)."""
    duration = features.duration_s
    starts = np.asarray(downbeats_s, dtype=float)
    starts = starts[(starts > 0.05) & (starts < duration - 0.05)]
    if len(starts) >= 2 and starts[0] < 0.5 * (starts[1] - starts[0]):
        # A lead-in shorter than half a bar (silence, a pickup) joins the first bar.
        starts = starts[1:]
    edges = np.concatenate([[0.0], starts, [duration]])
    fps, fh = features.fps, features.fps_harmony

    chroma = _bar_means(features.chroma, edges, fh)
    # Centre on the song's average so chords differ clearly (raw chroma is broad and alike).
    chroma -= chroma.mean(axis=0)
    chroma /= np.linalg.norm(chroma, axis=1, keepdims=True) + 1e-9
    logmel = _bar_means(features.logmel, edges, fps)
    cepstrum = scipy.fft.dct(logmel, type=2, norm="ortho", axis=1)[:, 1:14]
    rms = _bar_means(features.rms[None, :], edges, fps)[:, 0]
    loud = 20 * np.log10(rms + 1e-6)
    bands = np.stack(
        [
            logmel[:, (features.mel_hz >= lo) & (features.mel_hz < hi)].mean(axis=1)
            for lo, hi in ((0, 200), (200, 2000), (2000, 20000))
        ],
        axis=1,
    )
    drums = _bar_means(envs.percussive[None, :], edges, fps)[:, 0]
    timbre = _zscore(np.column_stack([cepstrum, bands, loud, drums]))
    if vocal_frames is not None and len(vocal_frames):
        vocal = _bar_means(vocal_frames[None, :].astype(float), edges, fps)[:, 0]
    else:
        vocal = np.zeros(len(edges) - 1)
    return BarFeatures(
        starts_s=edges[:-1],
        chroma=chroma,
        timbre=timbre,
        loudness_db=loud,
        drums=drums,
        vocal=vocal,
    )


# --------------------------------------------------------------------------- boundaries


def _lag_change(chroma: np.ndarray, i: int, k: int) -> float | None:
    """Mean distance of bars i.. i+k-1 from the bars k earlier (None near the edges)."""
    n = len(chroma)
    if i - k < 0 or i + k > n:
        return None
    a, b = chroma[i : i + k], chroma[i - k : i]
    return float(np.mean(1.0 - np.sum(a * b, axis=1)))


def novelty(bars: BarFeatures) -> np.ndarray:
    """Per bar line: how much the music changes there (0 = not at all).

    Harmony: the bars after a line no longer repeat the bars one progression (4 or 8 bars)
    before it. Sound: the mean timbre over two and four bars after differs from before.
    """
    n = len(bars.starts_s)
    harm = np.zeros(n)
    sound = np.zeros(n)
    for i in range(1, n):
        # Near the ends there is no whole progression to compare with: sound decides.
        lags = [v for k in (4, 8) if (v := _lag_change(bars.chroma, i, k)) is not None]
        harm[i] = min(lags) if lags else 0.0
        diffs = []
        for k in (2, 4):
            lo, hi = max(i - k, 0), min(i + k, n)
            d = bars.timbre[i:hi].mean(axis=0) - bars.timbre[lo:i].mean(axis=0)
            diffs.append(float(np.sqrt(np.mean(d * d))))
        sound[i] = np.mean(diffs)

    def unit(x: np.ndarray) -> np.ndarray:
        ref = np.percentile(x[1:], 95) if n > 2 else x.max()
        return x / ref if ref > 1e-9 else x

    nov = 0.5 * unit(harm) + 0.5 * unit(sound)
    nov[0] = 0.0
    return nov


def pick_boundaries(nov: np.ndarray, *, min_bars: int = 2, phrase: int = 4) -> list[int]:
    """Bar indices where sections start (excluding 0), from novelty peaks.

    Bar lines on the song's phrase grid (every `phrase` bars, phase chosen from the data)
    are preferred; a peak must stand out from its neighbourhood.
    """
    n = len(nov)
    if n < 2 * min_bars:
        return []
    # The phrase grid's phase: where the local maxima of novelty fall most often.
    peaks = [i for i in range(1, n - 1) if nov[i] >= nov[i - 1] and nov[i] >= nov[i + 1]]
    grid_score = [sum(nov[i] for i in peaks if (i - p) % phrase == 0) for p in range(phrase)]
    phase = int(np.argmax(grid_score))
    weight = np.where((np.arange(n) - phase) % phrase == 0, 1.0, OFF_GRID_WEIGHT)
    score = nov * weight
    thresh = max(0.25, float(np.median(score) + 0.5 * score.std()))
    picked: list[int] = []
    for i in np.argsort(score)[::-1]:
        if score[i] < thresh:
            break
        if i < min_bars or i > n - min_bars:
            continue
        if any(abs(int(i) - j) < min_bars for j in picked):
            continue
        lo, hi = max(i - 2, 0), min(i + 3, n)
        if score[i] < score[lo:hi].max():
            continue
        picked.append(int(i))
    return sorted(picked)


# --------------------------------------------------------------------------- groups and labels


def _section_distance(bars: BarFeatures, a: tuple[int, int], b: tuple[int, int]) -> float:
    """Distance of two sections: bar-by-bar harmony (aligned from their starts) and sound."""
    la, lb = a[1] - a[0], b[1] - b[0]
    m = min(la, lb)
    ca = bars.chroma[a[0] : a[0] + m]
    cb = bars.chroma[b[0] : b[0] + m]
    harmony = 1.0 - float(np.mean(np.sum(ca * cb, axis=1)))
    ta = bars.timbre[a[0] : a[1]].mean(axis=0)
    tb = bars.timbre[b[0] : b[1]].mean(axis=0)
    sound = float(np.sqrt(np.mean((ta - tb) ** 2)))
    length = abs(np.log(la / lb))
    return harmony + 0.5 * sound + 0.2 * length


def group_sections(
    bars: BarFeatures, spans: list[tuple[int, int]], *, threshold: float = 0.4
) -> list[int]:
    """Group id per section (0, 1, ... in order of first appearance); repeats share an id."""
    n = len(spans)
    groups = list(range(n))
    dist = np.full((n, n), np.inf)
    for i in range(n):
        for j in range(i + 1, n):
            dist[i, j] = dist[j, i] = _section_distance(bars, spans[i], spans[j])
    # Average-linkage agglomeration until the closest clusters are farther than threshold.
    clusters = {i: [i] for i in range(n)}
    while len(clusters) > 1:
        keys = list(clusters)
        best, pair = np.inf, None
        for x in range(len(keys)):
            for y in range(x + 1, len(keys)):
                d = np.mean([dist[i, j] for i in clusters[keys[x]] for j in clusters[keys[y]]])
                if d < best:
                    best, pair = d, (keys[x], keys[y])
        if pair is None or best > threshold:
            break
        clusters[pair[0]] += clusters.pop(pair[1])
    for members in clusters.values():
        for m in members:
            groups[m] = min(members)
    order: dict[int, int] = {}
    return [order.setdefault(g, len(order)) for g in groups]


def label_sections(
    bars: BarFeatures, spans: list[tuple[int, int]], groups: list[int], *, four_on_floor: bool
) -> list[str]:
    """A label per section from position, repetition, loudness, drums and vocals.

    - first and last sections: intro and outro (unless the song opens at full strength);
    - the repeated group that is loudest, sung and comes back late is the chorus (the drop
      in four-on-the-floor music when it is not sung); the earliest other repeated group is
      the verse;
    - quiet drumless stretches in the middle are breakdowns; a short one-off right before a
      chorus is a pre-chorus; other one-offs are bridges (sung) or instrumentals.
    """
    n = len(spans)
    if n == 0:
        return []
    if n == 1:
        return ["verse"]
    loud = np.array([bars.loudness_db[a:b].mean() for a, b in spans])
    drums = np.array([bars.drums[a:b].mean() for a, b in spans])
    vocal = np.array([bars.vocal[a:b].mean() for a, b in spans])
    length = np.array([b - a for a, b in spans])
    song_loud = float(np.median(loud))
    drum_ref = float(np.percentile(drums, 75)) + 1e-9
    inner = range(1, n - 1) if n >= 3 else range(n)
    counts = {g: sum(groups[i] == g for i in inner) for g in set(groups)}
    repeated = [g for g in dict.fromkeys(groups[i] for i in inner) if counts[g] > 1]

    def chorus_score(g: int) -> float:
        idx = [i for i in inner if groups[i] == g]
        late = max(idx) >= n - 3
        return (
            float(np.mean(loud[idx]))
            - song_loud
            + 0.5 * (len(idx) - 2)
            + 2.0 * float(np.mean(vocal[idx]))
            + 1.5 * late
            - 1.0 * (g == repeated[0] and len(repeated) > 1)
        )

    if repeated:
        chorus = max(repeated, key=chorus_score) if repeated else None
        verse = next((g for g in repeated if g != chorus), None)
    else:
        # Nothing repeats (a short or through-composed song): the loudest middle part is
        # the chorus and the first other one the verse, rather than calling all "bridge".
        singles = list(dict.fromkeys(groups[i] for i in inner))
        first = {g: next(i for i in inner if groups[i] == g) for g in singles}
        chorus = max(singles, key=lambda g: loud[first[g]]) if len(singles) >= 2 else None
        verse = next((g for g in singles if g != chorus), None)
    labels = [""] * n
    for i in range(n):
        g = groups[i]
        drumless = drums[i] < 0.35 * drum_ref
        if g == chorus:
            labels[i] = "drop" if four_on_floor and vocal[i] < 0.3 else "chorus"
        elif g == verse:
            labels[i] = "verse"
        elif drumless and loud[i] < song_loud:
            labels[i] = "breakdown"
        elif counts.get(g, 0) > 1:
            labels[i] = "verse" if vocal[i] >= 0.3 else "instrumental"
        else:
            labels[i] = "bridge" if vocal[i] >= 0.3 else "instrumental"
    if n >= 3:
        opens_full = length[0] >= 16 and loud[0] >= song_loud and groups[0] in (chorus, verse)
        if not opens_full:
            labels[0] = "intro"
        closes_full = length[-1] >= 16 and loud[-1] >= song_loud and groups[-1] in (chorus, verse)
        if not closes_full:
            labels[-1] = "outro"
    for i in range(1, n - 1):
        before_chorus = labels[i + 1] in ("chorus", "drop")
        if before_chorus and length[i] <= 4 and groups[i] not in (verse, chorus):
            labels[i] = "prechorus"
    return labels


def find_sections(
    bars: BarFeatures, *, duration_s: float, four_on_floor: bool
) -> list[SectionSpan]:
    """Sections covering 0..duration without gaps."""
    n = len(bars.starts_s)
    if n < 4 or duration_s <= 0:
        return [SectionSpan(0.0, max(duration_s, 0.0), "verse" if n else "intro", 0)]
    cuts = pick_boundaries(novelty(bars))
    edges = [0, *cuts, n]
    spans = [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]
    groups = group_sections(bars, spans)
    labels = label_sections(bars, spans, groups, four_on_floor=four_on_floor)
    out = []
    for (a, b), g, lab in zip(spans, groups, labels, strict=True):
        start = 0.0 if a == 0 else float(bars.starts_s[a])
        end = duration_s if b == n else float(bars.starts_s[b])
        out.append(SectionSpan(round(start, 3), round(end, 3), lab, g))
    return out
