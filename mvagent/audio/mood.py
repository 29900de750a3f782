"""Mood: valence (dark..bright) and arousal (calm..intense) with descriptive tags.

From the audio: mode and key clarity (major is brighter), tempo, loudness, onset density
and spectral brightness. From lyrics, when given: a small word list of positive and
negative words nudges valence and adds theme tags. Simple and explainable, not a model.
"""

from __future__ import annotations

import re

import numpy as np

from mvagent.audio.features import Features
from mvagent.audio.harmony import estimate_key, key_chroma
from mvagent.models import Mood


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_POSITIVE = _words(
    """
    love loving loved happy joy joyful smile smiling shine shining sun sunny sunshine
    bright light dance dancing free freedom alive dream dreams hope hoping together forever
    kiss sweet beautiful glow golden heaven celebrate party laugh laughing fly flying high
    best good great wonderful warm home yes fire wild young summer
    """
)
_NEGATIVE = _words(
    """
    sad sadness cry crying cried tears tear alone lonely broken break breaking heartbreak
    pain hurt hurting dark darkness cold lost lose losing gone goodbye die dying dead death
    fear afraid scared hate angry rage empty grey gray rain falling fall ghost ghosts
    sorrow regret lie lies lying bleed bleeding cage chains night
    """
)
_THEMES = {
    "love": {"love", "loving", "loved", "heart", "kiss", "baby", "darling"},
    "party": {"party", "dance", "dancing", "club", "tonight", "celebrate"},
    "heartbreak": {"heartbreak", "goodbye", "broken", "tears", "alone", "lonely"},
    "nature": {"sun", "sky", "ocean", "sea", "river", "rain", "stars", "moon", "mountain"},
    "night": {"night", "midnight", "moon", "stars", "dark"},
}


def lyric_sentiment(text: str) -> tuple[float, list[str]]:
    """(-1..1 sentiment, theme tags) of lyric text by word counts."""
    words = re.findall(r"[a-z']+", text.lower())
    if not words:
        return 0.0, []
    pos = sum(w in _POSITIVE for w in words)
    neg = sum(w in _NEGATIVE for w in words)
    score = (pos - neg) / max(pos + neg, 1) * min(1.0, (pos + neg) / 8.0)
    themes = [t for t, vocab in _THEMES.items() if sum(w in vocab for w in words) >= 2]
    return float(score), themes


def estimate_mood(
    features: Features,
    *,
    tempo_bpm: float,
    energy: list[float],
    onset_rate_hz: float,
    lyrics_text: str = "",
) -> Mood:
    """Valence in -1..1, arousal in 0..1 and tags."""
    loud = features.rms > 1e-4
    if not loud.any():
        return Mood(valence=0.0, arousal=0.0, tags=["silent"])
    _, mode, clarity = estimate_key(key_chroma(features.chroma, features.bass_chroma))
    rms_db = 20 * np.log10(np.sqrt(np.mean(features.rms[loud] ** 2)) + 1e-9)
    bright_hz = float(np.median(features.centroid_hz[loud]))

    tempo_term = np.clip((tempo_bpm - 70.0) / 90.0, 0.0, 1.0) if tempo_bpm > 0 else 0.2
    loud_term = np.clip((rms_db + 30.0) / 24.0, 0.0, 1.0)
    onset_term = np.clip(onset_rate_hz / 6.0, 0.0, 1.0)
    bright_term = np.clip((bright_hz - 800.0) / 2500.0, 0.0, 1.0)
    arousal = 0.3 * tempo_term + 0.25 * loud_term + 0.3 * onset_term + 0.15 * bright_term

    mode_term = (0.5 if mode == "major" else -0.5) * np.clip(clarity / 0.6, 0.0, 1.0)
    valence = mode_term + 0.3 * (bright_term - 0.5) + 0.2 * (tempo_term - 0.5)
    themes: list[str] = []
    if lyrics_text.strip():
        sentiment, themes = lyric_sentiment(lyrics_text)
        valence = 0.7 * valence + 0.4 * sentiment
    valence = float(np.clip(valence, -1.0, 1.0))
    arousal = float(np.clip(arousal, 0.0, 1.0))

    tags = []
    if arousal >= 0.65:
        tags.append("energetic" if valence >= 0 else "aggressive")
    elif arousal <= 0.35:
        tags.append("calm" if valence >= 0 else "melancholic")
    if valence >= 0.25:
        tags.append("happy" if arousal >= 0.5 else "warm")
    elif valence <= -0.25:
        tags.append("dark" if arousal >= 0.5 else "sad")
    if 110 <= tempo_bpm <= 135 and energy and float(np.mean(energy)) > 0.4 and arousal >= 0.5:
        tags.append("danceable")
    tags.append(mode)
    tags += themes
    return Mood(
        valence=round(valence, 3), arousal=round(arousal, 3), tags=list(dict.fromkeys(tags))
    )
