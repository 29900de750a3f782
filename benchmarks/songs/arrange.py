"""Turn a `SongSpec` into a MIDI arrangement (pretty_midi) and its exact ground truth."""

from __future__ import annotations

import zlib

import numpy as np
import pretty_midi

from benchmarks.songs.spec import Pitched, Section, SongSpec, Style, Truth

_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
_VELOCITY = {"X": 118, "x": 92, "o": 48}
_CRASH, _SNARE, _KICK = 49, 38, 36


def bar_starts(spec: SongSpec) -> np.ndarray:
    """Start time (s) of every bar, plus the end of the last bar as a final entry."""
    n_bars = sum(s.bars for s in spec.sections)
    changes = dict(spec.tempo_changes)
    bpm, t, starts = spec.bpm, spec.lead_in_s, []
    for bar in range(n_bars + 1):
        bpm = changes.get(bar, bpm)
        starts.append(t)
        t += spec.meter * 60.0 / bpm
    return np.array(starts)


def _swung(frac: float, style: Style) -> float:
    """Map a position within the beat (0..1) through the style's swing."""
    if style.swing == 0.5:
        return frac
    if style.swing_unit == 16:  # swing inside each half beat
        half = int(frac >= 0.5)
        return 0.5 * half + 0.5 * _swing_unit(2 * frac - half, style.swing)
    return _swing_unit(frac, style.swing)


def _swing_unit(frac: float, s: float) -> float:
    return frac * 2 * s if frac < 0.5 else s + (frac - 0.5) * 2 * (1 - s)


class _Clock:
    """Seconds for (bar, step) on the song's tempo map, with swing."""

    def __init__(self, spec: SongSpec) -> None:
        self.spec, self.style = spec, spec.style
        self.bars = bar_starts(spec)
        self.spb = spec.style.steps_per_beat
        self.steps_per_bar = spec.meter * self.spb

    def at(self, bar: int, step: float) -> float:
        bar += int(step // self.steps_per_bar)
        step = step % self.steps_per_bar
        bar = min(bar, len(self.bars) - 2)
        beat_len = (self.bars[bar + 1] - self.bars[bar]) / self.spec.meter
        beat, frac = divmod(step / self.spb, 1.0)
        return float(self.bars[bar] + (beat + _swung(frac, self.style)) * beat_len)


def _chord(spec: SongSpec, degree: int) -> tuple[int, list[int]]:
    """(root pitch class offset from C, triad intervals) of a scale degree (1-based)."""
    scale = _SCALES[spec.mode]
    idx = degree - 1
    root = scale[idx % 7]
    third = (scale[(idx + 2) % 7] - root) % 12
    fifth = (scale[(idx + 4) % 7] - root) % 12
    return (spec.key + root) % 12, [0, third, fifth]


def _chord_at(spec: SongSpec, sec: Section, bar_in_sec: int, step: float, steps_per_bar: int):
    pos_bars = bar_in_sec + step / steps_per_bar
    idx = int(pos_bars / sec.bars_per_chord + 1e-9) % len(sec.progression)
    return _chord(spec, sec.progression[idx])


def _events(pattern: str) -> list[tuple[int, int, str]]:
    """(start step, length in steps, symbol) of each onset in a pattern string."""
    out = []
    for i, ch in enumerate(pattern):
        if ch in ".-":
            continue
        j = i + 1
        while j < len(pattern) and pattern[j] == "-":
            j += 1
        out.append((i, max(j - i, 1), ch))
    return out


class _Arranger:
    def __init__(self, spec: SongSpec) -> None:
        self.spec = spec
        self.style = spec.style
        self.clock = _Clock(spec)
        self.rng = np.random.default_rng(spec.seed)
        self.pm = pretty_midi.PrettyMIDI(resolution=960, initial_tempo=spec.bpm)
        self.tracks: dict[str, pretty_midi.Instrument] = {}
        self.vocal_regions: list[tuple[float, float]] = []

    def track(self, name: str, program: int, *, drum: bool = False) -> pretty_midi.Instrument:
        if name not in self.tracks:
            inst = pretty_midi.Instrument(program=program, is_drum=drum, name=name)
            self.tracks[name] = inst
            self.pm.instruments.append(inst)
        return self.tracks[name]

    def note(self, inst, pitch: int, start: float, end: float, vel: int, *, jitter_s: float):
        start += float(self.rng.normal(0.0, jitter_s)) if jitter_s else 0.0
        start = max(start, 0.0)
        end = max(end, start + 0.03)
        vel = int(np.clip(vel + self.rng.integers(-6, 7), 1, 127))
        inst.notes.append(pretty_midi.Note(velocity=vel, pitch=int(pitch), start=start, end=end))

    # ---------------------------------------------------------------- parts

    def drums(self, sec: Section, first_bar: int, next_sec: Section | None) -> None:
        if "drums" not in sec.parts or sec.feel == "none":
            return
        kit = self.track("drums", 0, drum=True)
        spb_bar = self.clock.steps_per_bar
        pats = self.style.drums.get(sec.feel)
        if pats is None:
            pats = self.style.drums["full"]
        for b in range(sec.bars):
            bar = first_bar + b
            last_bar = b == sec.bars - 1
            fill = (
                self.style.fills
                and last_bar
                and next_sec is not None
                and "drums" in next_sec.parts
                and next_sec.feel in ("full", "half")
                and sec.feel != "build"
            )
            fill_from = spb_bar - self.clock.spb  # the last beat
            for note, pattern in pats.items():
                n_bars = max(len(pattern) // spb_bar, 1)
                offset = (b % n_bars) * spb_bar
                for step, _, sym in _events(pattern[offset : offset + spb_bar]):
                    if fill and step >= fill_from and note != _KICK:
                        continue
                    t = self.clock.at(bar, step)
                    self.note(kit, note, t, t + 0.08, _VELOCITY.get(sym, 90), jitter_s=0.002)
            if sec.feel == "build":
                # A snare roll that doubles its rate every quarter of the section.
                quarter = min(int(4 * b / sec.bars), 3)
                per_beat = (1, 2, 4, 4)[quarter]
                for k in range(self.spec.meter * per_beat):
                    t = self.clock.at(bar, k * self.clock.spb / per_beat)
                    vel = 60 + int(50 * (b + k / (self.spec.meter * per_beat)) / sec.bars)
                    self.note(kit, _SNARE, t, t + 0.06, vel, jitter_s=0.002)
            if fill:
                for k in range(self.clock.spb):
                    t = self.clock.at(bar, fill_from + k)
                    self.note(kit, _SNARE, t, t + 0.06, 80 + 10 * k, jitter_s=0.002)
        if self.style.crash_on_sections and sec.feel in ("full", "half"):
            t = self.clock.at(first_bar, 0)
            self.note(kit, _CRASH, t, t + 0.5, 105, jitter_s=0.002)

    def pitched(self, part: str, p: Pitched, sec: Section, first_bar: int) -> None:
        if part not in sec.parts:
            return
        inst = self.track(part, p.program)
        spb_bar = self.clock.steps_per_bar
        n_bars = max(len(p.pattern) // spb_bar, 1)
        arp_i = 0
        for b in range(sec.bars):
            bar = first_bar + b
            offset = (b % n_bars) * spb_bar
            for step, length, sym in _events(p.pattern[offset : offset + spb_bar]):
                root, triad = _chord_at(self.spec, sec, b, step, spb_bar)
                start = self.clock.at(bar, step)
                end = start + (self.clock.at(bar, step + length) - start) * p.staccato
                base = 12 * (p.octave + 1) + root
                if part == "bass":
                    iv = {"R": 0, "3": triad[1], "5": triad[2], "6": 9, "7": 10, "8": 12}[sym]
                    self.note(inst, base + iv, start, end, p.velocity, jitter_s=0.004)
                elif part == "arp":
                    tones = [base + i for i in triad] + [base + 12 + i for i in triad]
                    self.note(inst, tones[arp_i % 6], start, end, p.velocity, jitter_s=0.004)
                    arp_i += 1
                else:
                    for pitch in _voicing(base, triad):
                        self.note(inst, pitch, start, end, p.velocity, jitter_s=0.004)

    def vocal(self, sec: Section, first_bar: int, melodies: dict) -> None:
        if "vocal" not in sec.parts:
            return
        inst = self.track("vocal", self.style.vocal_program)
        if sec.material not in melodies:
            melodies[sec.material] = self._melody(sec)
        phrase_bars, phrases = melodies[sec.material]
        spb_bar = self.clock.steps_per_bar
        for b0 in range(0, sec.bars, phrase_bars):
            phrase = phrases[(b0 // phrase_bars) % len(phrases)]
            region = None
            for step, length, pitch in phrase:
                if b0 + step // spb_bar >= sec.bars:
                    break
                start = self.clock.at(first_bar + b0, step)
                end = self.clock.at(first_bar + b0, step + length) - 0.02
                self.note(inst, pitch, start, end, 96, jitter_s=0.006)
                region = (start if region is None else region[0], end)
            if region:
                self.vocal_regions.append(region)

    def _melody(self, sec: Section) -> tuple[int, list[list[tuple[int, int, int]]]]:
        """Phrases of (step, length, pitch) for one material: sung, then a rest of >= 1 beat."""
        rng = np.random.default_rng(zlib.crc32(f"{self.spec.seed}:{sec.material}".encode()))
        spb, meter = self.clock.spb, self.spec.meter
        spb_bar = self.clock.steps_per_bar
        phrase_bars = 2 if meter * 60 / self.spec.bpm < 2.5 else 1
        scale = _SCALES[self.spec.mode]
        tonic = 60 + self.spec.key
        phrases = []
        degree = int(rng.integers(0, 5))
        unit = max(spb // 2, 1)  # melody onsets on an eighth-note grid
        for _ in range(2):
            notes, step = [], 0
            sing_until = phrase_bars * spb_bar - spb * int(rng.integers(1, 3))
            while step < sing_until:
                length = unit * int(rng.choice([1, 2, 2, 3, 4]))
                length = min(length, sing_until - step)
                root, triad = _chord_at(self.spec, sec, step // spb_bar, step % spb_bar, spb_bar)
                degree += int(rng.choice([-2, -1, -1, 0, 1, 1, 2]))
                degree = int(np.clip(degree, -2, 9))
                pitch = tonic + 12 * (degree // 7) + scale[degree % 7]
                if step % spb == 0:  # strong positions snap to the nearest chord tone
                    tones = [root + i + 12 * o for i in triad for o in (4, 5, 6)]
                    pitch = min(tones, key=lambda x: abs(x - pitch))
                notes.append((step, length, int(np.clip(pitch, 55, 84))))
                step += length
                if rng.random() > self.style.vocal_density:
                    step += unit
            phrases.append(notes)
        return phrase_bars, phrases


def _voicing(base: int, triad: list[int]) -> list[int]:
    """Close triad voicing, inverted to sit near the root's octave (voice-leading stand-in)."""
    notes = [base + i for i in triad]
    center = (base // 12) * 12 + 7
    while max(notes) - center > 9:
        top = max(notes)
        notes[notes.index(top)] = top - 12
    return sorted(notes)


def arrange(spec: SongSpec) -> tuple[pretty_midi.PrettyMIDI, Truth]:
    """The MIDI file and its ground truth (duration is the end of the last bar + a tail)."""
    arr = _Arranger(spec)
    melodies: dict = {}
    first_bar = 0
    bars = arr.clock.bars
    sections = []
    for i, sec in enumerate(spec.sections):
        nxt = spec.sections[i + 1] if i + 1 < len(spec.sections) else None
        arr.drums(sec, first_bar, nxt)
        for part in ("bass", "chords", "arp", "pad"):
            p = getattr(spec.style, part)
            if p is not None:
                arr.pitched(part, p, sec, first_bar)
        arr.vocal(sec, first_bar, melodies)
        sections.append(
            (float(bars[first_bar]), float(bars[first_bar + sec.bars]), sec.label, sec.material)
        )
        first_bar += sec.bars
    end = float(bars[-1])
    for inst in arr.pm.instruments:
        # Nothing may sound past the last bar line (fades and truth assume that).
        inst.notes = [n for n in inst.notes if n.start < end - 0.01]
        for n in inst.notes:
            n.end = min(n.end, end + 0.05)
    beats = []
    for b in range(len(bars) - 1):
        beats += list(np.linspace(bars[b], bars[b + 1], spec.meter, endpoint=False))
    vocals = _merge(arr.vocal_regions, gap_s=0.3)
    truth = Truth(
        name=spec.name,
        duration=end + 1.5,
        bpm=spec.bpm if spec.steady else None,
        meter=spec.meter,
        beats=[round(float(b), 5) for b in beats],
        downbeats=[round(float(b), 5) for b in bars[:-1]],
        sections=sections,
        vocals=vocals,
        mode=spec.mode,
        steady=spec.steady,
        tags=list(spec.tags),
    )
    return arr.pm, truth


def _merge(regions: list[tuple[float, float]], *, gap_s: float) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for s, e in sorted(regions):
        if out and s - out[-1][1] <= gap_s:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(round(s, 4), round(e, 4)) for s, e in out]
