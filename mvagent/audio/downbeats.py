"""Meter and downbeats: how many beats make a bar, and which beat is the one.

Bars are found from beat-synchronous evidence: chords and bass notes change on the first
beat of a bar, the kick drum favours it and the snare avoids it; the song's biggest changes
of sound (where sections start) fall on it too, and so does the beat where the music
starts. For each meter (3/4, 4/4, and 6/8 counted in eighths) and each bar phase, the
profile of that evidence over bar positions is scored by how much the first position
stands out; the best pair wins. In 4/4 a fitted linear model over the same cues
(`bar_phase_weights.json`, `benchmarks/train_level.py`) may overrule the hand-weighted phase
by its margin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from mvagent.audio.features import Features
from mvagent.audio.level import fitted, overrule
from mvagent.audio.onsets import Envelopes, accents

METERS = (3, 4, 6)
# Weights of the cues in the downbeat score (z-scored per song).
_W_CHORD, _W_BASS, _W_KICK, _W_SNARE = 1.0, 0.5, 0.5, 0.4
# Kick on 1 over kick on 3, used only under a clear backbeat (z units of the snare profile).
# 0.1-0.3 all fix the Hydrogen song whose chords sit on 2 and 4 and keep the MIDI set's
# reggae (kick with the rimshot on 3) right.
_W_LONE, _BACKBEAT_MARGIN = 0.25, 0.5
# Without a backbeat the heavier kick of a pair pulls weakly, and only where the snare does
# not go with it: it settles a pair the chords leave tied (a drum kit alone, whose chroma is
# cymbal noise) but not a one-drop's (kick and rimshot on 3) or a jazz comp's.
_W_LONE_NO_BACKBEAT, _SNARE_WITH_KICK = 0.1, 0.25
# Where it does go with it, that beat is the one-drop's 3 and pushes beat 1 to the other of
# the pair, as weakly (a TimGM6mb reggae variant's chords tied and its bass chose 3).
_W_ONE_DROP = 0.1
# Bass-note changes peaking on the chords' beat 1 confirm it (a tracker song's chords tied
# with its drums); as a cue of their own they broke the shuffle blues variants' downbeats.
_W_BASS_AGREES = 0.25
# Sections start on beat 1: the strongest changes of timbre and harmony over two-bar windows,
# one per 48 beats, vote for their bar position. A share of the votes (0-1 over 1/4) times
# this: 0.3-0.5 fixed two tracker/score songs and changed none of the MIDI set's 90.
_W_BOUNDARY, _BOUNDARY_CONTEXT, _BEATS_PER_BOUNDARY, _MIN_BOUNDARIES = 0.35, 8, 48, 4
# Songs are written and rendered from bar 1 (a DAW's timeline, a tracker's first row), so the
# beat where the music starts (`beats.music_start`) votes for beat 1 in 4/4, when the start
# sits on the beat grid (within START_ON_GRID beats; a lead-in or pickup of no whole beats
# abstains) and at most START_MAX_BEATS before the first beat tracked from it on. It held on
# 204 of 208 training songs and 41 of 43 real ones that did not abstain; 0.5-1.0 beat the
# rules' tie-breaks everywhere there (0.75 best, picked on the training renders), 1.5 and
# up outvoted real evidence.
_W_START, START_ON_GRID, START_MAX_BEATS = 0.75, 0.15, 16
# Music already playing at 0 s may be an excerpt cut mid-song, whose first beat sits
# anywhere in the bar: there only a beat at the cut itself (within START_AT_CUT beats) votes.
# Songs rendered from bar 1 put one there within 0.04 (41 of 47 training and real songs that
# start at 0 s); a random cut does so one time in ten instead of three.
START_AT_CUT = 0.05


@dataclass(frozen=True)
class Bars:
    meter: int  # beats per bar
    downbeats_s: np.ndarray
    first_index: int  # index into the beats of the first downbeat


def _beat_sync(matrix: np.ndarray, beats_s: np.ndarray, fps: float) -> np.ndarray:
    """Mean of each column-range between consecutive beats: (rows, beats) array."""
    n = matrix.shape[1]
    edges = np.clip(
        np.round(np.append(beats_s, beats_s[-1] + np.median(np.diff(beats_s))) * fps), 0, n
    )
    edges = edges.astype(int)
    cs = np.cumsum(np.pad(matrix, ((0, 0), (1, 0))), axis=1)
    lo, hi = edges[:-1], np.maximum(edges[1:], edges[:-1] + 1)
    hi = np.minimum(hi, n)
    lo = np.minimum(lo, hi - 1)
    return (cs[:, hi] - cs[:, lo]) / np.maximum(hi - lo, 1)


def _change(sync: np.ndarray, *, context: int = 2) -> np.ndarray:
    """Per beat: cosine distance between the mean vectors of the `context` beats before it
    and the `context` beats from it on. Two-beat context hears chords that last a bar and
    not a walking bass that moves every beat."""
    n = sync.shape[1]
    cs = np.cumsum(np.pad(sync, ((0, 0), (1, 0))), axis=1)
    out = np.zeros(n)
    for i in range(1, n):
        lo, hi = max(i - context, 0), min(i + context, n)
        before = cs[:, i] - cs[:, lo]
        after = cs[:, hi] - cs[:, i]
        den = np.linalg.norm(before) * np.linalg.norm(after)
        out[i] = 1.0 - float(before @ after) / den if den > 1e-12 else 0.0
    return out


def _z(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - np.median(x)) / sd if sd > 1e-9 else np.zeros_like(x)


@dataclass(frozen=True)
class _Evidence:
    """Per-beat cues, each z-scored over the song."""

    chord: np.ndarray  # chord change at this beat (two-beat context)
    bass: np.ndarray  # bass-note change
    kick: np.ndarray
    snare: np.ndarray
    # 1 where one of the song's biggest changes starts (empty: no such cue)
    boundary: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # index (0-3) of the beat where the music starts, on the 4/4 bar grid (None: abstains)
    start: int | None = None

    @property
    def combined(self) -> np.ndarray:
        """How much each beat looks like the first beat of a bar."""
        return (
            _W_CHORD * self.chord
            + _W_BASS * self.bass
            + _W_KICK * self.kick
            - _W_SNARE * self.snare
        )

    @property
    def harmonic(self) -> np.ndarray:
        return _W_CHORD * self.chord + _W_BASS * self.bass

    @property
    def drums(self) -> np.ndarray:
        return self.kick - self.snare


def downbeat_evidence(
    beats_s: np.ndarray, features: Features, envs: Envelopes, *, music_start_s: float | None = None
) -> _Evidence:
    fh = features.fps_harmony
    chroma = _beat_sync(features.chroma, beats_s, fh)
    return _Evidence(
        chord=_z(_change(chroma)),
        bass=_z(_change(_beat_sync(features.bass_chroma, beats_s, fh))),
        kick=_z(accents(envs.kick, beats_s, features.fps)),
        snare=_z(accents(envs.snare, beats_s, features.fps)),
        boundary=boundaries(_beat_sync(features.logmel, beats_s, features.fps), chroma),
        start=None if music_start_s is None else start_phase(beats_s, music_start_s=music_start_s),
    )


def start_phase(beats_s: np.ndarray, *, music_start_s: float) -> int | None:
    """Bar phase in 4/4 (index among the first four beats) that puts a bar line where the
    music starts, counting whole beats back from the first beat from the start on (beats
    tracked in a lead-in's noise are skipped) at its local period; None when the start is
    not on the grid or is too far before that beat. A start at 0 s (music playing from the
    file's first frame, perhaps a cut) must be closer to the grid."""
    if len(beats_s) < 8:
        return None
    on_grid = START_AT_CUT if music_start_s <= 0.0 else START_ON_GRID
    rough_period_s = float(np.median(np.diff(beats_s[:9])))
    first = int(np.searchsorted(beats_s, music_start_s - on_grid * rough_period_s))
    if first + 8 > len(beats_s):
        return None
    period_s = float(np.median(np.diff(beats_s[first : first + 9])))
    ahead = (float(beats_s[first]) - music_start_s) / period_s  # beats from the start on
    whole = round(ahead)
    if abs(ahead - whole) > on_grid or not 0 <= whole <= START_MAX_BEATS:
        return None
    return (first - whole) % 4


def boundaries(mel: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """1 at the beats where the song's biggest changes start, else 0.

    `mel` and `chroma` are beat-synchronous (bands or pitch classes, beats). The change at a
    beat is the distance between the mean sound of the `_BOUNDARY_CONTEXT` beats before it and
    of those from it on (log-mel standardised, chroma as shares of each beat's energy); its
    strongest local peaks, one per `_BEATS_PER_BOUNDARY` beats, are kept.
    """
    n, k = mel.shape[1], _BOUNDARY_CONTEXT
    out = np.zeros(n)
    if n < 4 * k:
        return out
    timbre = (mel - mel.mean(axis=1, keepdims=True)) / (mel.std() + 1e-9)
    shares = 3.0 * chroma / (chroma.sum(axis=0, keepdims=True) + 1e-9)
    x = np.vstack([timbre, shares])
    cs = np.cumsum(np.pad(x, ((0, 0), (1, 0))), axis=1)
    i = np.arange(k, n - k + 1)
    after, before = (cs[:, i + k] - cs[:, i]) / k, (cs[:, i] - cs[:, i - k]) / k
    change = np.zeros(n)
    change[k : n - k + 1] = np.linalg.norm(after - before, axis=0)
    c = change[1:-1]
    peaks = np.flatnonzero((c >= change[:-2]) & (c > change[2:]) & (c > 0)) + 1
    keep = max(_MIN_BOUNDARIES, int(round(n / _BEATS_PER_BOUNDARY)))
    out[peaks[np.argsort(-change[peaks], kind="stable")][:keep]] = 1.0
    return out


def _profile(x: np.ndarray, meter: int, phase: int) -> np.ndarray | None:
    x = x[phase:]
    n = len(x) // meter
    return x[: n * meter].reshape(n, meter).mean(axis=0) if n >= 2 else None


def _profile_score(x: np.ndarray, meter: int, phase: int) -> float:
    """How much bar position 0 stands out over the others when bars start at `phase`."""
    prof = _profile(x, meter, phase)
    return -np.inf if prof is None else float(prof[0] - prof[1:].mean())


def _phase_in_four(ev: _Evidence) -> int:
    """Downbeat phase in 4/4 (index of the first downbeat among the first four beats): the
    hand-weighted score's choice, unless the fitted bar-phase model (when its weights ship)
    prefers another phase by its margin."""
    x = phase_features(ev)
    if x is None:
        return 0
    rules = int(np.argmax(x[:, 0]))
    model = _phase_weights()
    if model is None:
        return rules
    w, margin = model
    return overrule(x @ w, rules=rules, margin=margin)


PHASE_WEIGHTS_PATH = Path(__file__).with_name("bar_phase_weights.json")


def phase_feature_names() -> list[str]:
    return [
        "rules", "chord", "bass", "kick", "snare", "kick_vs_3", "snare_vs_3",
        "backbeat_around", "chord_vs_3", "bass_vs_3", "boundary",
    ]  # fmt: skip


def phase_features(ev: _Evidence) -> np.ndarray | None:
    """Per 4/4 bar phase (rows 0-3), the cues behind the hand-weighted score and that score
    itself (column 0): what `benchmarks/train_level.py` fits the bar-phase model on."""
    rules = _phase_scores(ev)
    profiles = [_profile(x, 4, 0) for x in (ev.chord, ev.bass, ev.kick, ev.snare)]
    if rules is None or any(p is None for p in profiles):
        return None
    chord, bass, kick, snare = profiles
    votes = _profile(ev.boundary, 4, 0) if len(ev.boundary) else None
    share = votes / votes.sum() - 0.25 if votes is not None and votes.sum() > 0 else np.zeros(4)

    def vs3(x: np.ndarray) -> np.ndarray:
        return x - np.roll(x, -2)

    around = np.roll(snare, -1) + np.roll(snare, 1) - snare - np.roll(snare, -2)
    cols = [
        rules,
        chord - chord.mean(),
        bass - bass.mean(),
        kick - kick.mean(),
        snare - snare.mean(),
        vs3(kick),
        vs3(snare),
        around,
        vs3(chord),
        vs3(bass),
        share,
    ]
    return np.stack(cols, axis=1)


@cache
def _phase_weights() -> tuple[np.ndarray, float] | None:
    """(weights, margin over the rules' phase) of the shipped bar-phase model, if any."""
    return fitted(PHASE_WEIGHTS_PATH, phase_feature_names())


def _phase_scores(ev: _Evidence) -> np.ndarray | None:
    """Per bar phase in 4/4, how well it fits: chords change on beat 1; the drums (kick on 1
    and 3, snare on 2 and 4) pick the pair. The bass counts only where it changes most at the
    same beat as the chords (a walking bass moves every beat, so on its own it says little)."""
    drums = _profile(ev.drums, 4, 0)
    chord = _profile(ev.chord, 4, 0)
    if drums is None or chord is None:
        return None
    pair = drums + np.roll(drums, -2)  # pair[p]: evidence that p and p+2 are kick beats
    # Within the pair, the stronger kick marks beat 1 when the snare plays a backbeat on the
    # other pair; reggae's one drop (kick with the rimshot on 3) has none, and there the
    # chords decide (the kick pulls only weakly, and where the snare goes with it, it marks
    # beat 3). The kick alone: a fill's snare hits on 3 are not a kick.
    snare = _profile(ev.snare, 4, 0)
    snare_pair = snare + np.roll(snare, -2)
    backbeat = (np.roll(snare_pair, -1) - snare_pair) > _BACKBEAT_MARGIN
    kick = _profile(ev.kick, 4, 0)
    heavier = kick - np.roll(kick, -2)  # [p]: kick on p over kick on p+2
    snare_with = np.where(heavier > 0, 1.0, -1.0) * (snare - np.roll(snare, -2))
    no_backbeat = np.where(snare_with < _SNARE_WITH_KICK, _W_LONE_NO_BACKBEAT, -_W_ONE_DROP)
    lone = heavier * np.where(backbeat, _W_LONE, no_backbeat)
    score = 0.25 * (pair - np.roll(pair, -1)) + (chord - chord.mean()) + lone
    bass = _profile(ev.bass, 4, 0)
    top = int(np.argmax(chord))
    if bass is not None and int(np.argmax(bass)) == top:
        score[top] += _W_BASS_AGREES * (bass[top] - bass.mean())
    votes = _profile(ev.boundary, 4, 0)
    if votes is not None and votes.sum() > 0:
        score = score + _W_BOUNDARY * (votes / votes.sum() - 0.25)
    if ev.start is not None:
        score = score + _W_START * (np.eye(4)[ev.start] - 0.25)
    return score


def find_bars(
    beats_s: np.ndarray,
    features: Features,
    envs: Envelopes,
    *,
    meters: tuple[int, ...] = METERS,
    change_times_s: tuple[float, ...] = (),
    music_start_s: float | None = None,
) -> Bars:
    """Meter and downbeats of tracked beats.

    The meter is chosen once for the song; the bar phase is chosen again after each tempo
    change (`change_times_s`), where a beat may have been gained or lost between grids.
    `music_start_s` (where the music starts; `beats.music_start`) votes for a bar line there.
    """
    if len(beats_s) < 4:
        return Bars(meter=4, downbeats_s=beats_s[:1].copy(), first_index=0)
    ev = downbeat_evidence(beats_s, features, envs, music_start_s=music_start_s)
    combined = ev.combined
    scores = {m: max((_profile_score(combined, m, p), p) for p in range(m)) for m in meters}
    # Prefer the common meter a little: 4/4 needs less evidence than 3/4 or 6/8.
    candidates = {m: sc + (0.1 if m == 4 else 0.0) for m, (sc, _) in scores.items()}
    if 6 in candidates and 3 in candidates and not _compound(ev, scores):
        del candidates[6]
    meter = max(candidates, key=candidates.get)
    cuts = [0] + [int(np.searchsorted(beats_s, t - 1e-3)) for t in change_times_s] + [len(beats_s)]
    downbeats: list[np.ndarray] = []
    first = 0
    for k, (u, v) in enumerate(zip(cuts, cuts[1:], strict=False)):
        if v - u < 2 * meter:
            continue
        part = _slice(ev, u, v)
        if meter == 4:
            phase = _phase_in_four(part)
        else:
            phase = max(range(meter), key=lambda p: _profile_score(part.combined, meter, p))
        if k == 0:
            first = phase
        downbeats.append(beats_s[u + phase : v : meter])
    db = np.concatenate(downbeats) if downbeats else beats_s[:0]
    return Bars(meter=meter, downbeats_s=db.copy(), first_index=first)


def _slice(ev: _Evidence, u: int, v: int) -> _Evidence:
    return _Evidence(
        chord=ev.chord[u:v],
        bass=ev.bass[u:v],
        kick=ev.kick[u:v],
        snare=ev.snare[u:v],
        boundary=ev.boundary[u:v],
        start=ev.start if u == 0 else None,
    )


def _compound(ev: _Evidence, scores: dict[int, tuple[float, int]]) -> bool:
    """6/8 rather than two bars of 3/4: bar position 0 stands out much more in sixes than in
    threes, and the snare marks the half bar (beat 4 of 6), where a waltz has a downbeat."""
    s6, phase = scores[6]
    s3 = max(scores[3][0], 1e-6)
    snare = _profile(ev.snare, 6, phase)
    if snare is None:
        return False
    # Only the half bar: a 4/4 backbeat puts the snare on every other beat (1, 3 and 5 here).
    half_bar_snare = snare[3] > snare.mean() and snare[3] > max(snare[1], snare[5]) + 0.5
    return s6 >= 1.3 * s3 and half_bar_snare
