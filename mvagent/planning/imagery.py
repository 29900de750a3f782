"""Concrete imagery from words: the lyric sung in a scene, the title and the style tags.

The heuristic planner has no LLM, but "rain", "highway" or "heart" in a lyric are still
better pictures than an abstract motif, so a small lexicon turns such words into images;
other salient words are used as they are.
"""

from __future__ import annotations

import re
from collections import Counter

from mvagent.models import LyricLine

_STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "over",
        "under",
        "up",
        "down",
        "out",
        "off",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "i",
        "me",
        "my",
        "mine",
        "you",
        "your",
        "yours",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "it",
        "its",
        "we",
        "us",
        "our",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "so",
        "not",
        "no",
        "yes",
        "oh",
        "ooh",
        "ah",
        "yeah",
        "hey",
        "la",
        "na",
        "just",
        "all",
        "can",
        "will",
        "would",
        "could",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "let",
        "get",
        "got",
        "go",
        "going",
        "gone",
        "come",
        "came",
        "like",
        "now",
        "then",
        "than",
        "too",
        "very",
        "really",
        "only",
        "ever",
        "never",
        "again",
        "still",
        "what",
        "when",
        "where",
        "who",
        "why",
        "how",
        "one",
        "ones",
        "some",
        "any",
        "every",
        "each",
        "much",
        "many",
        "more",
        "most",
        "own",
        "same",
        "such",
        "through",
        "back",
        "away",
        "around",
        "about",
        "tonight",
        "today",
        "baby",
        "gonna",
        "wanna",
        "gotta",
        "cause",
        "know",
        "feel",
        "want",
        "need",
        "make",
        "made",
        "take",
        "took",
        "give",
        "gave",
        "say",
        "said",
        "tell",
        "told",
        "see",
        "saw",
        "look",
    ]
)

IMAGERY = {
    "rain": "rain-streaked windows and wet streets",
    "storm": "a storm rolling over the horizon",
    "fire": "embers and flames licking the dark",
    "burn": "embers and flames licking the dark",
    "ocean": "waves breaking on a dark shore",
    "sea": "waves breaking on a dark shore",
    "wave": "waves breaking on a dark shore",
    "river": "a river glinting under a bridge",
    "city": "city lights seen from a rooftop",
    "street": "an empty street under sodium lamps",
    "streets": "an empty street under sodium lamps",
    "road": "a highway unspooling through the night",
    "highway": "a highway unspooling through the night",
    "drive": "headlights on a night highway",
    "car": "headlights on a night highway",
    "night": "a night sky over rooftops",
    "midnight": "a clock tower at midnight",
    "moon": "a full moon over still water",
    "star": "a sky full of stars",
    "stars": "a sky full of stars",
    "sun": "low sun flaring through the trees",
    "sunrise": "dawn breaking over hills",
    "summer": "a sun-bleached summer field",
    "winter": "snow falling in lamplight",
    "snow": "snow falling in lamplight",
    "heart": "a hand pressed to a heartbeat",
    "love": "two silhouettes close together",
    "kiss": "two silhouettes close together",
    "dance": "dancers moving under coloured lights",
    "dancing": "dancers moving under coloured lights",
    "party": "a crowded party under strobes",
    "dream": "a dreamlike drift through clouds",
    "dreams": "a dreamlike drift through clouds",
    "sky": "a wide open sky",
    "fly": "birds taking flight",
    "flying": "birds taking flight",
    "gold": "gold light on skin",
    "diamond": "light refracting through crystal",
    "ghost": "a translucent figure in a hallway",
    "mirror": "a reflection in a cracked mirror",
    "window": "a face behind a window",
    "home": "a lit window of a small house",
    "train": "a train passing in the dark",
    "neon": "neon signs humming in the rain",
    "light": "shafts of light through haze",
    "lights": "city lights blurring past",
    "shadow": "long shadows across a wall",
    "desert": "a desert road at dusk",
    "forest": "sunbeams in a misty forest",
    "flower": "flowers opening in time-lapse",
    "flowers": "flowers opening in time-lapse",
    "tears": "a single tear on a cheek",
    "cry": "a single tear on a cheek",
    "run": "feet running on wet pavement",
    "running": "feet running on wet pavement",
    "time": "clock hands spinning",
    "wild": "wild horses running",
    "blue": "deep blue twilight",
}

_WORD = re.compile(r"[A-Za-z']+")


def scene_lyric(lyrics: list[LyricLine], start: float, end: float) -> str:
    """The words sung in `[start, end)` (by word timing, else by line midpoint)."""
    words: list[str] = []
    for line in lyrics:
        if line.words:
            words += [w.word for w in line.words if start <= w.start < end]
        elif start <= (line.start + line.end) / 2 < end:
            words.append(line.text)
    return " ".join(words).strip()


def keywords(text: str, *, limit: int = 3) -> list[str]:
    """Salient words of `text`: not stop words, most frequent first, then first seen."""
    tokens = [t.lower().strip("'") for t in _WORD.findall(text)]
    tokens = [t for t in tokens if len(t) > 2 and t not in _STOP]
    counts = Counter(tokens)
    first = {t: i for i, t in reversed(list(enumerate(tokens)))}
    return sorted(counts, key=lambda t: (-counts[t], first[t]))[:limit]


def imagery(*texts: str, limit: int = 2) -> list[str]:
    """Concrete images for the words in `texts` (earlier texts count first)."""
    out: list[str] = []
    loose: list[str] = []
    for text in texts:
        for word in keywords(text, limit=6):
            image = IMAGERY.get(word)
            if image and image not in out:
                out.append(image)
            elif not image and word not in loose:
                loose.append(word)
    out += [f"imagery of {w}" for w in loose]
    return out[:limit]
