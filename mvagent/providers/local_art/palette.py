"""Scene colours: parse the requested hex palette or derive one from the prompt's words.

Colours are float32 RGB in 0..1. A `Palette` also carries a cyclic 256-entry lookup
table so a scalar "hue" field can be coloured with one `take` per channel.
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass

import numpy as np

from mvagent.errors import BadInputError
from mvagent.providers.local_art.vocab import stable_hash

LUT_SIZE = 256

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

# Words a prompt is likely to contain, and the colours a viewer expects from them.
_WORD_COLOURS: dict[str, tuple[str, ...]] = {
    "neon": ("#ff2a6d", "#05d9e8", "#b620e0"),
    "cyberpunk": ("#ff2a6d", "#05d9e8", "#7700ff"),
    "synthwave": ("#ff3cac", "#784ba0", "#2b86c5"),
    "sunset": ("#ff7e5f", "#feb47b", "#c94b7c"),
    "sunrise": ("#ffb347", "#ffcc80", "#ff6f61"),
    "dawn": ("#ffc3a0", "#ffafbd", "#8ec5fc"),
    "ocean": ("#006994", "#00c2c7", "#7ee8fa"),
    "sea": ("#0077be", "#00bfb3", "#a7e9ff"),
    "underwater": ("#003f5c", "#00a6a6", "#7be0d6"),
    "forest": ("#1b5e20", "#66bb6a", "#c5e1a5"),
    "jungle": ("#0b6e4f", "#08a045", "#c2f970"),
    "fire": ("#ff3d00", "#ff9100", "#ffd600"),
    "flame": ("#ff4500", "#ff8c00", "#ffd27f"),
    "lava": ("#c62828", "#ff6f00", "#ffab40"),
    "ice": ("#a8e6ff", "#e0f7ff", "#5c9ead"),
    "snow": ("#e8f4ff", "#b3d4fc", "#8aa9d6"),
    "winter": ("#b3e5fc", "#81d4fa", "#e1f5fe"),
    "gold": ("#ffd700", "#ffb300", "#fff1a8"),
    "golden": ("#ffc94d", "#ff9f1c", "#fff3b0"),
    "night": ("#1a237e", "#5e35b1", "#00acc1"),
    "midnight": ("#191970", "#4b3f9e", "#2ec4b6"),
    "space": ("#240b36", "#6a3093", "#00d2ff"),
    "cosmic": ("#3a1c71", "#d76d77", "#ffaf7b"),
    "galaxy": ("#2e1760", "#8e2de2", "#4facfe"),
    "desert": ("#e2a76f", "#c2593f", "#f6d7a7"),
    "candy": ("#ff9ff3", "#feca57", "#48dbfb"),
    "pastel": ("#ffd1dc", "#b5ead7", "#c7ceea"),
    "storm": ("#4b6584", "#a5b1c2", "#45aaf2"),
    "rain": ("#536976", "#8fb3c9", "#bbd2c5"),
    "dream": ("#c3aed6", "#f6a6b2", "#a0d2eb"),
    "dreamy": ("#c3aed6", "#f6a6b2", "#a0d2eb"),
    "love": ("#ff4d6d", "#ff8fa3", "#c9184a"),
    "dark": ("#2d1b4e", "#4a1942", "#1b3a4b"),
    "red": ("#ff1744",),
    "crimson": ("#dc143c",),
    "orange": ("#ff9100",),
    "amber": ("#ffbf00",),
    "yellow": ("#ffea00",),
    "lime": ("#aeea00",),
    "green": ("#00e676",),
    "emerald": ("#00c878",),
    "teal": ("#00bfa5",),
    "cyan": ("#00e5ff",),
    "aqua": ("#18ffff",),
    "turquoise": ("#1de9b6",),
    "blue": ("#2979ff",),
    "azure": ("#0096ff",),
    "navy": ("#1a237e",),
    "indigo": ("#5c3bd6",),
    "violet": ("#8f00ff",),
    "purple": ("#aa00ff",),
    "magenta": ("#ff00c8",),
    "pink": ("#ff4fa3",),
    "rose": ("#ff5c8a",),
    "silver": ("#c0c8d8",),
    "white": ("#f0f4ff",),
}


@dataclass(frozen=True)
class Palette:
    """Scene colours (K x 3, 0..1) plus lookup tables built from them."""

    colours: np.ndarray  # (K, 3) float32, as requested or derived
    lut: np.ndarray  # (3, LUT_SIZE) float32: a cyclic gradient through the lit colours
    shadow: np.ndarray  # (2, 3) float32: two deep tones for the background

    def colour_at(self, hue: float) -> np.ndarray:
        """RGB (3,) of the lookup table at a scalar position (wraps every 1.0)."""
        return self.lut[:, int(hue * LUT_SIZE) % LUT_SIZE]

    def colours_at(self, hues: np.ndarray) -> np.ndarray:
        """RGB (N, 3) for N positions (wrapping every 1.0), e.g. one per particle."""
        return self.lut[:, (hues * LUT_SIZE).astype(np.int32) % LUT_SIZE].T


def parse_hex(text: str) -> np.ndarray:
    """'#ff2a6d', 'ff2a6d' or '#f2a' -> float32 RGB in 0..1; BadInputError otherwise."""
    m = _HEX.match(text.strip())
    if not m:
        raise BadInputError(
            f"palette colour {text!r} is not a hex colour; write it like '#ff2a6d' or '#f2a'"
        )
    digits = m[1] if len(m[1]) == 6 else "".join(c * 2 for c in m[1])
    return np.array([int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)], dtype=np.float32)


def prompt_colours(prompt: str) -> list[str]:
    """Hex colours named or implied by the prompt's words, in the order they appear."""
    found: list[str] = []
    for word in re.findall(r"[a-z]+", prompt.lower()):
        for hex_colour in _WORD_COLOURS.get(word, ()):
            if hex_colour not in found:
                found.append(hex_colour)
    return found


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), dtype=np.float32)


def _harmonise(colours: list[np.ndarray], *, seed: int, want: int) -> list[np.ndarray]:
    """Pad `colours` to `want` entries.

    Given colours are padded with close variations of themselves (so the requested hues
    stay dominant); with none, a seeded hue gets an analogous, split-complementary or
    triadic scheme.
    """
    rng = np.random.default_rng(seed)
    out = list(colours)
    if colours:
        i = 0
        while len(out) < want:
            h, s, v = colorsys.rgb_to_hsv(*(float(c) for c in colours[i % len(colours)]))
            shift = (0.045 if i % 2 == 0 else -0.045) * (1 + i // 2)
            out.append(_hsv(h + shift, min(1.0, s * 0.85 + 0.1), min(1.0, v * 0.8 + 0.25)))
            i += 1
        return out
    h0 = float(rng.random())
    schemes = ((0.0, 0.08, -0.08), (0.0, 0.42, 0.58), (0.0, 1 / 3, 2 / 3))
    offsets = schemes[int(rng.integers(len(schemes)))]
    for k in range(want):
        h = h0 + offsets[k % len(offsets)] + 0.02 * float(rng.standard_normal())
        out.append(_hsv(h, float(rng.uniform(0.6, 0.9)), float(rng.uniform(0.8, 1.0))))
    return out


def _lit(colour: np.ndarray) -> np.ndarray:
    """Same hue and saturation, but bright enough to read as light on a dark frame."""
    h, s, v = colorsys.rgb_to_hsv(*(float(c) for c in colour))
    return _hsv(h, s, max(v, 0.7))


def build_palette(hex_colours: list[str], *, prompt: str, seed: int) -> Palette:
    """The scene palette: the requested colours, else the prompt's, padded to at least 3."""
    given = [parse_hex(c) for c in hex_colours]
    if not given:
        given = [parse_hex(c) for c in prompt_colours(prompt)[:5]]
    colours = _harmonise(given, seed=stable_hash("palette", prompt, seed), want=3)
    stack = np.stack(colours).astype(np.float32)

    lit = np.stack([_lit(c) for c in colours])
    k = len(lit)
    # Cosine-eased cyclic gradient: each colour holds a short plateau, then blends into the next.
    pos = np.arange(LUT_SIZE, dtype=np.float32) / LUT_SIZE * k
    i0 = np.floor(pos).astype(int) % k
    frac = pos - np.floor(pos)
    w = 0.5 - 0.5 * np.cos(np.pi * np.clip((frac - 0.2) / 0.6, 0.0, 1.0))
    lut = (lit[i0] * (1 - w[:, None]) + lit[(i0 + 1) % k] * w[:, None]).T.astype(np.float32)

    # Background tones: the two darkest colours, pushed deep so lights stand out.
    by_value = sorted(colours, key=lambda c: float(c.max()))
    shadow = np.stack(
        [
            _hsv(*_hs(by_value[0]), 0.24),
            _hsv(*_hs(by_value[min(1, len(by_value) - 1)]), 0.10),
        ]
    )
    return Palette(colours=stack, lut=np.ascontiguousarray(lut), shadow=shadow)


def _hs(colour: np.ndarray) -> tuple[float, float]:
    h, s, _ = colorsys.rgb_to_hsv(*(float(c) for c in colour))
    return h, max(s, 0.55)
