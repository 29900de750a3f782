"""`analyze()`: everything a video editor needs to know about a song, in one pass.

Decode once at 22050 Hz mono, compute the frame features once, then derive beats, bars,
sections, energy, vocals, mood and lyrics from them. Times are seconds on the song's clock.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mvagent.audio.beats import every_beat, music_start, track_beats
from mvagent.audio.confidence import beat_confidence, strong_onsets, tempo_candidates
from mvagent.audio.decode import load_audio
from mvagent.audio.downbeats import find_bars
from mvagent.audio.energy import beat_energy
from mvagent.audio.features import compute_features
from mvagent.audio.latency import FALLBACK_S, beat_latency_s
from mvagent.audio.lyrics import load_lyrics
from mvagent.audio.mood import estimate_mood
from mvagent.audio.onsets import onset_envelopes
from mvagent.audio.sections import bar_features, find_sections
from mvagent.audio.vocals import vocal_mask, vocal_regions
from mvagent.errors import FFmpegError
from mvagent.ffmpeg import probe
from mvagent.models import Analysis, Region, Section

ANALYSIS_SR = 22050
# The envelopes' clock: the fixed shift the downbeat, section and level cues were tuned at
# (and `train_level.py` scores with); the written times are measured per song.
BEAT_LATENCY_S = FALLBACK_S


def analyze(
    path: str | Path,
    *,
    lyrics_path: str | Path | None = None,
    lyrics_text: str | None = None,
) -> Analysis:
    """Analyse the song at `path` (any format ffmpeg decodes).

    Raises `AudioDecodeError` for a missing, empty, non-audio or corrupt file and
    `BadInputError` for an unreadable lyrics file.
    """
    y, sr = load_audio(path, sr=ANALYSIS_SR, mono=True)
    try:
        file_sr = probe(path).sample_rate or sr
    except FFmpegError:
        file_sr = sr
    return analyze_samples(
        y, sr=sr, file_sample_rate=file_sr, lyrics_path=lyrics_path, lyrics_text=lyrics_text
    )


def analyze_samples(
    y: np.ndarray,
    *,
    sr: int,
    file_sample_rate: int | None = None,
    lyrics_path: str | Path | None = None,
    lyrics_text: str | None = None,
) -> Analysis:
    """`analyze()` on decoded mono samples."""
    duration = round(len(y) / sr, 3) if sr > 0 else 0.0
    features = compute_features(y, sr)
    envs = onset_envelopes(features)
    track = track_beats(features, envs=envs)
    # The envelopes are read at their own clock (the tracker's beats and the fixed shift the
    # downbeat and section cues were tuned at); the beats a listener hears are the attacks,
    # whose lag against the envelopes depends on the sound: measured per song, applied to
    # the times written out (`latency.py`).
    beats = track.beats_s + BEAT_LATENCY_S
    heard_s = beat_latency_s(y, sr=sr, beats_s=track.beats_s) - BEAT_LATENCY_S

    def heard(times_s: np.ndarray) -> list[float]:
        return [round(float(t), 3) for t in np.clip(times_s + heard_s, 0.0, duration)]

    changes = tuple(t for t, _ in track.tempo_changes)
    bars = (
        find_bars(
            beats,
            features,
            envs,
            change_times_s=changes,
            music_start_s=music_start(features),
        )
        if len(beats) >= 4
        else None
    )
    downbeats = bars.downbeats_s if bars is not None else beats[:0]

    vocals = vocal_regions(features)
    mask = vocal_mask(vocals, n_frames=features.n_frames, fps=features.fps)
    if bars is not None and len(downbeats) >= 2:
        bf = bar_features(downbeats, features, envs, vocal_frames=mask)
        spans = find_sections(
            bf, duration_s=duration, four_on_floor=every_beat(envs.kick, beats, features.fps)
        )
        sections = [
            Section(start=s.start_s, end=s.end_s, label=s.label, group=s.group) for s in spans
        ]
    else:
        sections = [
            Section(start=0.0, end=duration, label="intro" if len(beats) else "instrumental")
        ]
    sections[-1] = sections[-1].model_copy(update={"end": duration})

    energy = beat_energy(beats, features, envs)
    lyrics = []
    if lyrics_path is not None or lyrics_text is not None:
        lyrics = load_lyrics(lyrics_path, text=lyrics_text, vocals=vocals, duration_s=duration)
    onset_rate = _onset_rate(envs.onset, features.fps)
    mood = estimate_mood(
        features,
        tempo_bpm=track.tempo_bpm,
        energy=energy,
        onset_rate_hz=onset_rate,
        lyrics_text=" ".join(line.text for line in lyrics),
    )
    return Analysis(
        duration=duration,
        sample_rate=int(file_sample_rate or sr),
        tempo_bpm=round(float(track.tempo_bpm), 3),
        beats=heard(beats),
        downbeats=heard(downbeats),
        time_signature=bars.meter if bars is not None else 4,
        sections=sections,
        energy=energy,
        vocals=[Region(start=s, end=e) for s, e in vocals],
        mood=mood,
        lyrics=lyrics,
        tempo_changes=[(float(t), float(b)) for t, b in track.tempo_changes],
        beat_confidence=beat_confidence(
            envs.onset, beats, fps=features.fps, agreement=track.agreement
        ),
        tempo_candidates=tempo_candidates(envs.onset, fps=features.fps, tempo_bpm=track.tempo_bpm),
        onsets=heard(strong_onsets(envs.onset, fps=features.fps) + BEAT_LATENCY_S),
    )


def _onset_rate(env: np.ndarray, fps: float) -> float:
    """Clear onsets per second (peaks above a fixed fraction of the envelope's scale)."""
    if len(env) < 3:
        return 0.0
    peaks = (env[1:-1] > env[:-2]) & (env[1:-1] >= env[2:]) & (env[1:-1] > 0.3)
    return float(peaks.sum() / (len(env) / fps))
