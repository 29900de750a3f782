"""Beats: where a listener taps, at which level, and how fast.

`track_beats` ties the steps together:
1. onset envelopes (`onsets`) and the beat period (`tempo`);
2. dynamic programming places beats that follow the envelope at the local period;
3. the phase is checked (drums on the off-beat? swung eighths the wrong way round?);
4. the level is checked against the drums (`adjust_level`);
5. constant-tempo stretches become exact grids (`grid`);
6. a fitted model (`level`) checks the grid against its related levels and phases and
   overrules the rules when it is sure by its margin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mvagent.audio.features import Features
from mvagent.audio.grid import change_points, fit_segments, lay_grid
from mvagent.audio.harmony import chord_novelty
from mvagent.audio.level import Bands
from mvagent.audio.level import choose as choose_level
from mvagent.audio.onsets import Envelopes, accents, contrast, onset_envelopes
from mvagent.audio.steady import (
    SteadyGrid,
    fold_search,
    grid_beats,
    steady_grid,
    thirds_are_beats,
)
from mvagent.audio.tempo import (
    BACKBEAT_MARGIN,
    MAX_BPM,
    MIN_BPM,
    TAP_MIN_BPM,
    backbeat_gain,
    choose_period,
    local_periods,
    snare_autocorrelations,
    tempogram,
)

SLOW_CONTRAST = 1.35  # beats / half-way points needed before a slower level is taken
SLOW_KICK_CONTRAST = 1.3
# Accents on every other beat halve the level only in a sparse texture (a one-drop, a
# ballad: little between the beats); in dense rock at 150, with eighths as loud as the
# beats, accents on 1 and 3 do not make it 75 for a listener.
SLOW_SPARSE_CONTRAST = 1.5
# A snare band this much stronger on the beats than between them (SNARE_ON_BEATS), and about
# as strong on the beats a slower level would drop (its contrast below SNARE_OFF_SLOW),
# keeps this level: heroes06's 145 was halved to 72.5 on its accents on 1 and 3.
SNARE_ON_BEATS, SNARE_OFF_SLOW = 2.0, 1.5
ALTERNATION = 0.4  # log ratio of kick (snare) on even over odd beats that marks a backbeat
# Kick and snare both on the same half of the beats (log ratio over the other half at least
# SHARED_MIN each and DRUMS_DECISIVE on average), with this level's beats this much louder
# than the points between them: the other half are subdivisions (a one-drop or dembow kit
# tracked at twice its tempo, a snare whose kick spill looks like a faster backbeat).
SHARED_MIN, SHARED_ONSET_CONTRAST = 0.5, 2.0
PHASE_TIE = 0.1  # |log on/off| of the percussive envelope below which other cues vote
# Kick and snare together this decisive (log on/off, each at least KICK_DECISIVE and on
# average DRUMS_DECISIVE) outvote a percussive envelope that leans the other way by less
# than PHASE_DRUMS_OVERRIDE: off-beat hats over a kick/snare groove.
DRUMS_DECISIVE = 1.0  # e^1 = 2.7x; 2.0 (7x) left a chiptune with ghost notes on the off-beat
PHASE_DRUMS_OVERRIDE = 0.5
KICK_DECISIVE = 0.4  # |log on/off| of the kick alone that settles a near tie
KICK_TIE = 0.25  # |log on/off| of the percussive envelope below which the kick decides
# The snare's body and its noise band both this decisive (each, and on average
# DRUMS_DECISIVE) settle a near tie, unless the kick leans the other way by more than
# KICK_DECISIVE and more than the weaker snare band: a limiter squashes the kick band at
# the kick while the bass fills it between (loud masters of funk, metal, lo-fi).
SNARE_BANDS_DECISIVE = 0.4


@dataclass(frozen=True)
class BeatTrack:
    beats_s: np.ndarray
    tempo_bpm: float
    tempo_changes: list[tuple[float, float]] = field(default_factory=list)  # (time_s, bpm)
    steady: bool = True
    subdivision: int = 2  # 3 when the beat divides in three (shuffle, swing, compound meter)
    agreement: float | None = None  # the steady grid's window agreement (None: DP beats)


def dp_beats(env: np.ndarray, period: np.ndarray, *, tightness: float = 120.0) -> np.ndarray:
    """Beat frames maximising envelope at beats minus a penalty on deviating from `period`.

    `period` gives the expected beat period (frames) at every frame.
    """
    n = len(env)
    if n == 0:
        return np.zeros(0, int)
    score = env.astype(np.float64).copy()
    back = np.full(n, -1, dtype=np.int64)
    for t in range(n):
        p = period[t]
        hi = t - int(round(0.5 * p))
        if hi < 0:
            continue
        lo = max(t - int(round(2.0 * p)), 0)
        offs = t - np.arange(lo, hi + 1)
        cand = score[lo : hi + 1] - tightness * np.log(offs / p) ** 2
        j = int(np.argmax(cand))
        if cand[j] > 0:
            score[t] += cand[j]
            back[t] = lo + j
    tail = max(int(np.ceil(period[-1])), 1)
    start = max(n - tail, 0)
    t = start + int(np.argmax(score[start:]))
    path = []
    while t >= 0:
        path.append(t)
        t = int(back[t])
    return np.array(path[::-1], dtype=int)


def halve(beats_s: np.ndarray, env: np.ndarray, fps: float) -> np.ndarray:
    """Every other beat, keeping the stronger parity."""
    even, odd = beats_s[0::2], beats_s[1::2]
    return even if accents(env, even, fps).mean() >= accents(env, odd, fps).mean() else odd


def _double(beats_s: np.ndarray) -> np.ndarray:
    mids = 0.5 * (beats_s[1:] + beats_s[:-1])
    return np.sort(np.concatenate([beats_s, mids]))


def every_beat(env: np.ndarray, beats_s: np.ndarray, fps: float) -> bool:
    """A kick on (nearly) every beat and clearly less between: four-on-the-floor, surdo."""
    on = accents(env, beats_s, fps)
    if len(on) < 8:
        return False
    strong = on >= 0.5 * np.percentile(on, 90)
    return bool(strong.mean() >= 0.6 and contrast(env, beats_s, fps) >= 1.3)


def alternating_backbeat(envs: Envelopes, beats_s: np.ndarray, fps: float) -> bool:
    """Kick on one parity of the beats and snare on the other: a backbeat at this level.

    Read from beat positions, so it holds when the tempo moves and the song-wide
    autocorrelation (`tempo.backbeat`) is smeared. At twice the tempo both drums share the
    even beats and the odd ones are empty, so it does not hold there.
    """
    even, odd = beats_s[::2], beats_s[1::2]
    snare = _log_ratio(envs.snare, odd, even, fps)
    kick = _log_ratio(envs.kick, even, odd, fps)
    return bool(min(snare, kick) > ALTERNATION or max(snare, kick) < -ALTERNATION)


def drums_on_one_parity(envs: Envelopes, beats_s: np.ndarray, fps: float) -> np.ndarray | None:
    """The half of the beats (every other one) that holds both kick and snare while the
    other half holds neither; None when the drums do not say so."""
    even, odd = beats_s[::2], beats_s[1::2]
    kick = _log_ratio(envs.kick, even, odd, fps)
    snare = _log_ratio(envs.snare, even, odd, fps)
    lean = _drums_agree(kick, snare, each=SHARED_MIN)
    return None if lean == 0 else even if lean > 0 else odd


def _drums_agree(kick: float, snare: float, *, each: float) -> int:
    """+1 (-1) when kick and snare log ratios both lean positive (negative) by at least
    `each` and together by more than 2 * DRUMS_DECISIVE; 0 otherwise."""
    if min(kick, snare) >= each and kick + snare > 2 * DRUMS_DECISIVE:
        return 1
    if max(kick, snare) <= -each and kick + snare < -2 * DRUMS_DECISIVE:
        return -1
    return 0


def snare_on_every_beat(
    envs: Envelopes, beats_s: np.ndarray, slower_s: np.ndarray, fps: float
) -> bool:
    """The snare band marks every beat of this level and not the points between them: the
    beats the slower level would drop get about as much as those it keeps. A ballad's snare
    plays only on the slow level's beats; a one-drop has little snare at all."""
    return (
        contrast(envs.snare, beats_s, fps) >= SNARE_ON_BEATS
        and contrast(envs.snare, slower_s, fps) < SNARE_OFF_SLOW
    )


def adjust_level(
    beats_s: np.ndarray,
    envs: Envelopes,
    fps: float,
    *,
    snare_acf: list[np.ndarray],
    ternary: bool,
    backbeat_here: bool,
    triple_bar: bool,
) -> tuple[np.ndarray, int]:
    """Halve or double the tempo of DP beats when the drums say so; returns (beats, factor).

    - Slower when the slower level has a backbeat that this level lacks and no kick marks
      every beat here (lo-fi swung sixteenths tracked at double speed), or, for straight
      rhythms, when the slower level's beats clearly outweigh its off-beats overall and in
      the bass (a piano or hi-hat eighth pulse over a slow groove), or when kick and snare
      share every other beat and leave the rest empty (`drums_on_one_parity`).
    - Faster when a slow, straight level's off-beats are as strong as its beats overall and
      in the bass (a punk beat tracked at half speed).
    """
    if len(beats_s) < 16:
        return beats_s, 1
    period = float(np.median(np.diff(beats_s))) * fps
    bpm = 60.0 * fps / period
    slower = halve(beats_s, envs.onset, fps)
    duple = not ternary and not triple_bar  # beats in twos, each split in two
    straight = duple and not backbeat_here
    onset_here = contrast(envs.onset, beats_s, fps)
    alternates_here = alternating_backbeat(envs, beats_s, fps)
    if 60.0 / np.median(np.diff(slower)) >= TAP_MIN_BPM:
        # Slower needs every snare envelope to agree: a half-time feel, a jazz ride or a
        # clave also put a hit on every other beat in one register.
        gain = backbeat_gain(snare_acf, period, 2 * period, agree=True)
        if gain >= BACKBEAT_MARGIN and not every_beat(envs.kick, beats_s, fps):
            return slower, -2
        # The autocorrelation's backbeat here, where beat positions put kick and snare
        # alternating only on the slower level's beats: kick spill in the snare band made
        # the snare recur on every slow beat (a ballad's kit from another soundfont). Only
        # from beats that are louder than the points between them (funk's off-beat-heavy
        # texture had its alternation read on the wrong positions).
        if (
            backbeat_here
            and duple
            and onset_here >= 1.0
            and not alternates_here
            and alternating_backbeat(envs, slower, fps)
        ):
            return slower, -2
        if duple and onset_here >= SHARED_ONSET_CONTRAST:
            shared = drums_on_one_parity(envs, beats_s, fps)
            if shared is not None:
                return shared, -2
        if (
            straight
            and onset_here >= SLOW_SPARSE_CONTRAST
            and not alternates_here
            and not snare_on_every_beat(envs, beats_s, slower, fps)
            and contrast(envs.onset, slower, fps) >= SLOW_CONTRAST
            and contrast(envs.kick, slower, fps) >= SLOW_KICK_CONTRAST
        ):
            return slower, -2
    if (
        straight
        and bpm < 100.0
        and 2 * bpm <= MAX_BPM
        and onset_here < 1.25
        and contrast(envs.kick, beats_s, fps) < 1.25
    ):
        return _double(beats_s), 2
    return beats_s, 1


def _log_ratio(env: np.ndarray, a_s: np.ndarray, b_s: np.ndarray, fps: float) -> float:
    on = accents(env, a_s, fps).mean()
    off = accents(env, b_s, fps).mean()
    return float(np.log(max(on, 1e-9) / max(off, 1e-9)))


def _parity_log_ratio(env: np.ndarray, a_s: np.ndarray, b_s: np.ndarray, fps: float) -> float:
    """`_log_ratio` of the busier half (every other time) of `a_s` over that of `b_s`."""
    on = max(accents(env, a_s[0::2], fps).mean(), accents(env, a_s[1::2], fps).mean())
    off = max(accents(env, b_s[0::2], fps).mean(), accents(env, b_s[1::2], fps).mean())
    return float(np.log(max(on, 1e-9) / max(off, 1e-9)))


def correct_phase(
    beats_s: np.ndarray,
    envs: Envelopes,
    fps: float,
    *,
    harmonic: np.ndarray,
    harmonic_fps: float,
    ternary: bool,
) -> np.ndarray:
    """Move the beats to the off-beat, or to another triplet position, when that fits better.

    Straight rhythms: the percussive envelope decides; when it is nearly indifferent (funk,
    where syncopated bass and guitar match the drums on the off-beats) the whole-signal flux,
    kick, snare and chord changes vote together. Swung rhythms: the beat is where the pair of
    triplet eighths is long-short (the shuffle convention), never short-long.
    """
    if len(beats_s) < 8:
        return beats_s
    period = float(np.median(np.diff(beats_s)))
    env = envs.percussive
    if ternary:

        def swing_fit(frac: float) -> float:
            at = lambda f: accents(env, beats_s + ((frac + f) % 1.0) * period, fps).mean()  # noqa: E731
            return at(0.0) + at(2 / 3) - 2.0 * at(1 / 3)

        levels = sorted(accents(env, beats_s + f * period, fps).mean() for f in (0.0, 1 / 3, 2 / 3))
        if levels[1] >= 0.3 * levels[2]:  # two busy triplet positions: swung eighths
            best = max((0.0, 1 / 3, 2 / 3), key=swing_fit)
            return beats_s + best * period if best else beats_s
        return beats_s

    other = beats_s + 0.5 * period
    score = _log_ratio(env, other, beats_s, fps)
    kick = _log_ratio(envs.kick, other, beats_s, fps)
    snare = _log_ratio(envs.snare, other, beats_s, fps)
    noise = _log_ratio(envs.snare_noise, other, beats_s, fps)
    # A backbeat hits every other beat, so the mean over all beats halves its contrast (a
    # hot master's fill between the hits halves it again); the busier parity reads it whole.
    snare_pair = _parity_log_ratio(envs.snare, other, beats_s, fps)
    noise_pair = _parity_log_ratio(envs.snare_noise, other, beats_s, fps)
    if abs(score) < PHASE_DRUMS_OVERRIDE:
        # Kick and snare agree and together are decisive: a funk kick that also plays
        # off-beats agrees less strongly than its snare does.
        lean = _drums_agree(kick, snare, each=KICK_DECISIVE)
        if lean:
            return other if lean > 0 else beats_s
        lean = _drums_agree(snare_pair, noise_pair, each=SNARE_BANDS_DECISIVE)
        if lean and lean * kick > -max(KICK_DECISIVE, min(abs(snare_pair), abs(noise_pair))):
            return other if lean > 0 else beats_s
        # The kick marks the beat a listener taps even where the snare plays the off-beats
        # (a double-time rock beat) or guitars push them: it decides a near tie.
        if abs(kick) >= KICK_DECISIVE and abs(score) < KICK_TIE and abs(kick) > abs(snare):
            return other if kick > 0 else beats_s
    if abs(score) < PHASE_TIE:
        # Every drum band votes, the snare's noise band too: claps and hats over a limited
        # four-on-the-floor whose kick band the off-beat bass fills (loud techno).
        score = _log_ratio(envs.rise, other, beats_s, fps) + kick + snare + noise
        if len(harmonic):
            t_h = np.arange(len(harmonic)) / harmonic_fps
            on = np.interp(beats_s, t_h, harmonic).mean()
            off = np.interp(other, t_h, harmonic).mean()
            score += float(np.log(max(off, 1e-9) / max(on, 1e-9)))
    return other if score > 0 else beats_s


def active_span(features: Features, *, floor_db: float = -50.0) -> tuple[float, float]:
    """First and last time (s) the signal is within `floor_db` of its loud level."""
    rms = features.rms
    if len(rms) == 0 or rms.max() <= 0:
        return 0.0, 0.0
    ref = np.percentile(rms, 95)
    on = np.flatnonzero(rms > ref * 10 ** (floor_db / 20))
    if len(on) == 0:
        return 0.0, 0.0
    return on[0] / features.fps, on[-1] / features.fps


def music_start(
    features: Features,
    *,
    floor_db: float = -50.0,
    lead_s: float = 0.1,
    rise_db: float = 20.0,
    playing_db: float = -40.0,
) -> float:
    """Where the music starts (s): the first frame within `floor_db` of the loud level (95th
    percentile of RMS), or, when the file's first `lead_s` sits on a noise floor less than
    `rise_db` below that (a hot master's limiter lifts a silent lead-in's hiss to about
    -48 dB), the first frame `rise_db` above the floor. A file whose first `lead_s` is
    already above `playing_db` starts at 0 s (music playing, or a cut)."""
    rms = features.rms
    if len(rms) == 0 or rms.max() <= 0:
        return 0.0
    lead = rms[: max(int(lead_s * features.fps), 1)] / np.percentile(rms, 95)
    lead_db = float(np.median(20.0 * np.log10(np.maximum(lead, 1e-12))))
    if lead_db <= playing_db:
        floor_db = max(floor_db, lead_db + rise_db)
    return active_span(features, floor_db=floor_db)[0]


def track_beats(
    features: Features, *, envs: Envelopes | None = None, level_model: bool = True
) -> BeatTrack:
    """Beats (s), tempo and tempo changes of a song's features.

    `level_model=False` keeps the rules' level and phase (`level.choose` is not asked): the
    level model's training data is the rules' answer and the grids related to it.
    """
    fps = features.fps
    empty = BeatTrack(beats_s=np.zeros(0), tempo_bpm=0.0)
    start_s, end_s = active_span(features)
    if end_s - start_s < 1.0:
        return empty
    envs = onset_envelopes(features) if envs is None else envs
    choice = choose_period(envs, fps=fps)
    period = choice.frames
    if period <= 0:
        return empty
    centres, rows = tempogram(envs.onset, fps=fps)
    local = local_periods(rows, period)
    frames_s = np.arange(len(envs.onset)) / fps
    per_frame = (
        np.interp(frames_s, centres, local) if len(local) > 1 else np.full(len(frames_s), period)
    )
    beats = dp_beats(envs.onset, per_frame) / fps
    beats = beats[(beats >= start_s - 0.05) & (beats <= end_s + 0.05)]
    if len(beats) < 2:
        return BeatTrack(beats_s=beats, tempo_bpm=60.0 * fps / period)
    harmonic = chord_novelty(features.chroma + features.bass_chroma, fps=features.fps_harmony)
    beats = correct_phase(
        beats,
        envs,
        fps,
        harmonic=harmonic,
        harmonic_fps=features.fps_harmony,
        ternary=choice.ternary,
    )
    snare_acf = snare_autocorrelations(envs, max_lag=int(round(4.5 * 60.0 * fps / MIN_BPM)))
    beats, factor = adjust_level(
        beats,
        envs,
        fps,
        snare_acf=snare_acf,
        ternary=choice.ternary,
        backbeat_here=choice.backbeat,
        triple_bar=choice.triple_bar,
    )
    local = local * 2 if factor == -2 else local / 2 if factor == 2 else local
    # Two swung beats make one beat of swung sixteenths: it divides in two, not three.
    ternary = choice.ternary and factor != -2
    # One fold of the whole song at the beats' period serves both level check and grid.
    fold = (
        fold_search(
            envs.onset, fps=fps, period_s=float(np.median(np.diff(beats))), span_s=(start_s, end_s)
        )
        if len(beats) >= 16
        else None
    )
    if thirds_are_beats(envs.onset, fps=fps, beats_s=beats, span_s=(start_s, end_s), fold=fold):
        # Three equal hits per "beat" and nothing half way: a 2/3-tempo lock (a dotted or
        # 3+3+2 groove crossed the beat). Track again at the faster level.
        local = local * (2.0 / 3.0)
        period_now = float(np.median(np.diff(beats))) * fps * (2.0 / 3.0)
        beats = dp_beats(envs.onset, np.full(len(envs.onset), period_now)) / fps
        beats = beats[(beats >= start_s - 0.05) & (beats <= end_s + 0.05)]
        ternary = False
        fold = None  # the period changed: fold again
        beats = correct_phase(
            beats, envs, fps, harmonic=harmonic, harmonic_fps=features.fps_harmony, ternary=False
        )
    steady = _steady(
        beats,
        envs,
        fps,
        span_s=(start_s, end_s),
        harmonic=harmonic,
        harmonic_fps=features.fps_harmony,
        ternary=ternary,
        fold=fold,
    )
    # The level model leaves a beat that divided in three anywhere on the way (a swung level
    # the drums halved, swung sixteenths): its notes sit where the model looks for a wrong
    # level.
    swung = choice.ternary or choice.swung_half or ternary
    bands = Bands.from_envelopes(envs, fps, harmonic=harmonic, harmonic_fps=features.fps_harmony)

    def checked(beats_s: np.ndarray) -> tuple[np.ndarray, float]:
        """The level model's grid for `beats_s` and its period multiplier (1: the rules')."""
        if not level_model:
            return beats_s, 1.0
        chosen, cand = choose_level(
            beats_s, bands, span_s=(start_s, end_s), subdivision=3 if swung else 2
        )
        return (beats_s, 1.0) if cand is None else (chosen, cand.ratio)

    if steady is not None:
        grid, grid_s = steady
        grid_s, ratio = checked(grid_s)
        return BeatTrack(
            beats_s=grid_s,
            tempo_bpm=60.0 / (grid.period_s * ratio),
            steady=True,
            subdivision=3 if ternary and ratio == 1.0 else 2,
            agreement=grid.agreement,
        )
    segments = fit_segments(beats, change_points(beats, local / fps, centres))
    dp_count = len(beats)
    beats = lay_grid(beats, segments, (start_s, end_s))
    beats, ratio = checked(beats)
    ternary = ternary and ratio == 1.0
    if segments:
        main = max(segments, key=lambda s: s.end_s - s.start_s)
        tempo = 60.0 / (main.period_s * ratio)
    else:
        tempo = 60.0 / float(np.median(np.diff(beats)))
    changes = []
    for prev, seg in zip(segments, segments[1:], strict=False):
        if abs(np.log(prev.period_s / seg.period_s)) > 0.02:
            changes.append((round(float(seg.start_s), 3), round(60.0 / (seg.period_s * ratio), 3)))
    covered_s = sum(s.end_s - s.start_s for s in segments)
    span_s = (beats[-1] - beats[0]) if len(beats) > 1 else 0.0
    steady = not changes and len(segments) >= 1 and covered_s >= 0.8 * span_s and dp_count > 0
    return BeatTrack(
        beats_s=beats,
        tempo_bpm=float(tempo),
        tempo_changes=changes,
        steady=steady,
        subdivision=3 if ternary else 2,
    )


def _steady(
    beats_s: np.ndarray,
    envs: Envelopes,
    fps: float,
    *,
    span_s: tuple[float, float],
    harmonic: np.ndarray,
    harmonic_fps: float,
    ternary: bool,
    fold: tuple[float, float, float] | None = None,
) -> tuple[SteadyGrid, np.ndarray] | None:
    """The whole song's one grid at the DP beats' level, on the beat (not the off-beat)."""
    if len(beats_s) < 16:
        return None
    period = float(np.median(np.diff(beats_s)))
    grid = steady_grid(envs.onset, fps=fps, period_s=period, span_s=span_s, fold=fold)
    if grid is None:
        return None
    beats = grid_beats(grid, span_s)
    moved = correct_phase(
        beats, envs, fps, harmonic=harmonic, harmonic_fps=harmonic_fps, ternary=ternary
    )
    shift = float(np.median(moved - beats)) if len(beats) else 0.0
    if abs(shift) > 1e-6:
        grid = SteadyGrid(
            origin_s=grid.origin_s + shift,
            period_s=grid.period_s,
            agreement=grid.agreement,
            sharpness=grid.sharpness,
        )
        beats = grid_beats(grid, span_s)
    return grid, beats
