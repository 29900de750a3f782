"""The benchmark set: 34 songs spanning 60-190 BPM, 3/4, 4/4 and 6/8, swing and shuffle,
half-time feels, drumless intros and breakdowns, off-beat-heavy genres, tempo changes, fades.

A plan is written as `label bars material parts [feel]` entries separated by `|`.
Parts: d drums, b bass, c chords, a arp, p pad, v vocal line. Same material = same music.
"""

from __future__ import annotations

from benchmarks.songs import styles as st
from benchmarks.songs.spec import Section, SongSpec, Style

_PARTS = {"d": "drums", "b": "bass", "c": "chords", "a": "arp", "p": "pad", "v": "vocal"}

# Chord progressions (scale degrees) and bars per chord, by material letter.
POP_PROGS = {
    "I": ((1, 5, 6, 4), 1.0),
    "A": ((1, 6, 4, 5), 1.0),
    "P": ((4, 5), 1.0),
    "B": ((4, 1, 5, 6), 1.0),
    "C": ((6, 4, 1, 5), 2.0),
    "K": ((6, 4, 1, 5), 2.0),
    "O": ((1, 4), 2.0),
}
MINOR_PROGS = {
    "I": ((1, 6), 2.0),
    "A": ((1, 6, 3, 7), 1.0),
    "P": ((4, 5), 1.0),
    "B": ((6, 7, 1, 1), 1.0),
    "C": ((4, 5, 1, 3), 2.0),
    "K": ((6, 7), 2.0),
    "O": ((1, 6), 2.0),
}
BLUES_PROGS = {
    "I": ((5, 4, 1, 5), 1.0),
    "A": ((1, 1, 1, 1, 4, 4, 1, 1, 5, 4, 1, 5), 1.0),
    "B": ((4, 4, 1, 1, 5, 5, 1, 1, 2, 5, 1, 1), 1.0),
    "O": ((1, 4), 2.0),
}


def plan(text: str, progs: dict) -> tuple[Section, ...]:
    out = []
    for item in text.split("|"):
        label, bars, material, parts, *feel = item.split()
        prog, per = progs[material]
        out.append(
            Section(
                label=label,
                bars=int(bars),
                material=material,
                parts=tuple(_PARTS[c] for c in parts),
                feel=feel[0] if feel else "full",
                progression=prog,
                bars_per_chord=per,
            )
        )
    return tuple(out)


def song(name: str, style: Style, bpm: float, text: str, *, minor: bool = False, **kw) -> SongSpec:
    progs = kw.pop("progs", MINOR_PROGS if minor else POP_PROGS)
    return SongSpec(
        name=name,
        style=style,
        bpm=bpm,
        sections=plan(text, progs),
        mode="minor" if minor else "major",
        **kw,
    )


POP_PLAN = (
    "intro 4 I pc none | verse 8 A dbcv | prechorus 4 P dbcv light | chorus 8 B dbcpv |"
    "verse 8 A dbcv | prechorus 4 P dbcv light | chorus 8 B dbcpv | bridge 8 C dbpv half |"
    "chorus 8 B dbcpv | outro 4 O pc none"
)
SHORT_PLAN = (
    "intro 4 I dbc | verse 8 A dbcv | chorus 8 B dbcpv | verse 8 A dbcv | chorus 8 B dbcpv |"
    "bridge 8 C dbc light | chorus 8 B dbcpv | outro 4 O dbc"
)
CLUB_PLAN = (
    "intro 8 I db light | verse 16 A dbc | breakdown 8 K pv none | drop 16 B dbcpv |"
    "verse 8 A dbc | breakdown 8 K pc none | drop 16 B dbcpv | outro 8 O db light"
)

SONGS: tuple[SongSpec, ...] = (
    song(
        "pop_100", st.POP, 100, POP_PLAN, key=0, seed=1, tags=("drumless intro", "half-time bridge")
    ),
    song(
        "rock_120_halftime",
        st.ROCK,
        120,
        "intro 4 I dbc | verse 8 A dbcv | chorus 8 B dbcav half | verse 8 A dbcv |"
        "chorus 8 B dbcav half | bridge 8 C dbc light | chorus 8 B dbcav half | outro 4 O dbc",
        minor=True,
        key=4,
        seed=2,
        tags=("half-time chorus",),
    ),
    song(
        "house_128",
        st.HOUSE,
        128,
        CLUB_PLAN,
        minor=True,
        key=9,
        seed=3,
        tags=("off-beat", "breakdown"),
    ),
    song(
        "deep_house_122_fadein",
        st.HOUSE,
        122,
        CLUB_PLAN,
        minor=True,
        key=5,
        seed=4,
        fade_in_s=12.0,
        tags=("off-beat", "fade-in"),
    ),
    song(
        "techno_132",
        st.TECHNO,
        132,
        "intro 8 I db light | verse 16 A dba | breakdown 8 K pa none | build 4 K pa build |"
        "drop 16 B dbapv | outro 8 O db light",
        minor=True,
        key=2,
        seed=5,
        tags=("off-beat", "breakdown"),
    ),
    song(
        "trance_138",
        st.TRANCE,
        138,
        "intro 8 I db light | verse 16 A dba | breakdown 16 K pav none | build 8 K pa build |"
        "drop 16 B dbapv | outro 8 O db light",
        minor=True,
        key=7,
        seed=6,
        tags=("off-beat", "breakdown", "build"),
    ),
    song(
        "dnb_174",
        st.DNB,
        174,
        "intro 16 I pa none | drop 32 B dbp | breakdown 16 K pv none | drop 32 B dbpv |"
        "outro 8 O db light",
        minor=True,
        key=5,
        seed=7,
        tags=("drum and bass", "drumless intro"),
    ),
    song(
        "dnb_172_vocal",
        st.DNB,
        172,
        "intro 8 I db light | verse 16 A dbpv | drop 16 B dbap | verse 16 A dbpv |"
        "breakdown 8 K pa none | drop 16 B dbap | outro 8 O p none",
        minor=True,
        key=9,
        seed=8,
        tags=("drum and bass",),
    ),
    song(
        "reggae_76",
        st.REGGAE,
        76,
        SHORT_PLAN.replace("dbc", "dbca"),
        key=7,
        seed=9,
        tags=("reggae", "one drop"),
    ),
    song(
        "reggae_84_minor",
        st.REGGAE,
        84,
        "intro 4 I bca light | verse 8 A dbcav | chorus 8 B dbcav | verse 8 A dbcav |"
        "chorus 8 B dbcav | outro 4 O dbca",
        minor=True,
        key=2,
        seed=10,
        tags=("reggae",),
    ),
    song(
        "reggaeton_95",
        st.REGGAETON,
        95,
        POP_PLAN,
        minor=True,
        key=11,
        seed=11,
        tags=("reggaeton", "dembow"),
    ),
    song(
        "reggaeton_90",
        st.REGGAETON,
        90,
        SHORT_PLAN,
        minor=True,
        key=1,
        seed=12,
        tags=("reggaeton",),
    ),
    song(
        "hiphop_90_swing",
        st.HIPHOP,
        90,
        SHORT_PLAN,
        minor=True,
        key=2,
        seed=13,
        tags=("16th swing",),
    ),
    song("lofi_72_swing", st.LOFI, 72, SHORT_PLAN, key=5, seed=14, tags=("16th swing", "slow")),
    song(
        "ballad_64",
        st.BALLAD,
        64,
        "intro 4 I ap none | verse 8 A abv none | chorus 8 B dbapv | verse 8 A dbav light |"
        "chorus 8 B dbapv | outro 4 O ap none",
        key=4,
        seed=15,
        tags=("slow", "drumless intro"),
    ),
    song(
        "ballad_60_fadeout",
        st.BALLAD,
        60,
        "intro 2 I ap none | verse 8 A abv none | chorus 8 B dbapv | verse 8 A dbav light |"
        "chorus 8 B dbapv | outro 4 O dbap",
        key=9,
        seed=16,
        fade_out_s=10.0,
        tags=("slow", "fade-out", "drumless intro"),
    ),
    song(
        "waltz_150",
        st.WALTZ,
        150,
        "intro 8 I dbc | verse 16 A dbcv | chorus 16 B dbcpv | verse 16 A dbcv |"
        "chorus 16 B dbcpv | outro 8 O bc light",
        meter=3,
        key=5,
        seed=17,
        tags=("3/4",),
    ),
    song(
        "waltz_96_minor",
        st.WALTZ,
        96,
        "intro 4 I bcp none | verse 16 A dbcv | chorus 16 B dbcpv | verse 16 A dbcv |"
        "chorus 16 B dbcpv | outro 4 O bc light",
        meter=3,
        minor=True,
        key=2,
        seed=18,
        tags=("3/4", "drumless intro"),
    ),
    song(
        "six_eight_138",
        st.SIX_EIGHT,
        138,
        "intro 4 I ap none | verse 8 A dbav | chorus 8 B dbapv | verse 8 A dbav |"
        "chorus 8 B dbapv | outro 4 O ap light",
        meter=6,
        key=0,
        seed=19,
        tags=("6/8",),
    ),
    song(
        "six_eight_180",
        st.SIX_EIGHT,
        180,
        "intro 4 I dba | verse 8 A dbav | chorus 8 B dbapv | verse 8 A dbav |"
        "chorus 8 B dbapv | bridge 8 C bp none | chorus 8 B dbapv | outro 4 O dba",
        meter=6,
        minor=True,
        key=9,
        seed=20,
        tags=("6/8",),
    ),
    song(
        "shuffle_blues_100",
        st.SHUFFLE,
        100,
        "intro 4 I dbc light | verse 12 A dbcv | instrumental 12 B dbc | verse 12 A dbcv |"
        "outro 4 O dbc",
        key=4,
        seed=21,
        progs=BLUES_PROGS,
        tags=("shuffle",),
    ),
    song(
        "swing_jazz_160",
        st.SWING,
        160,
        "intro 8 I bc | verse 16 A dbcv | instrumental 16 B dbc | verse 16 A dbcv | outro 8 O dbc",
        key=10,
        seed=22,
        tags=("swing", "no backbeat"),
    ),
    song("funk_108", st.FUNK, 108, SHORT_PLAN, minor=True, key=4, seed=23, tags=("syncopated",)),
    song(
        "disco_118_fadeout",
        st.DISCO,
        118,
        SHORT_PLAN.replace("dbcpv", "dbcpv"),
        minor=True,
        key=9,
        seed=24,
        fade_out_s=12.0,
        tags=("off-beat", "fade-out"),
    ),
    song("punk_185", st.PUNK, 185, SHORT_PLAN, key=2, seed=25, tags=("fast",)),
    song(
        "metal_190",
        st.METAL,
        190,
        "intro 4 I dbc | verse 8 A dbcv | chorus 8 B dbcv | verse 8 A dbcv | chorus 8 B dbcv |"
        "bridge 8 C dbc half | chorus 8 B dbcv | outro 4 O dbc",
        minor=True,
        key=4,
        seed=26,
        tags=("fast", "half-time bridge"),
    ),
    song(
        "country_168",
        st.COUNTRY,
        168,
        SHORT_PLAN.replace("dbc", "dbca"),
        key=7,
        seed=27,
        tags=("two-beat",),
    ),
    song(
        "synthwave_84",
        st.SYNTHWAVE,
        84,
        SHORT_PLAN.replace("dbc", "dba"),
        minor=True,
        key=6,
        seed=28,
        tags=("slow",),
    ),
    song(
        "bigroom_128_fadeout",
        st.BIGROOM,
        128,
        "intro 8 I db light | verse 8 A dbc light | build 8 K pc build | drop 16 B dbcp |"
        "breakdown 8 K pv none | build 8 K pc build | drop 16 B dbcp | outro 8 O db light",
        minor=True,
        key=0,
        seed=29,
        fade_out_s=12.0,
        tags=("off-beat", "build", "fade-out"),
    ),
    song(
        "ska_160",
        st.SKA,
        160,
        SHORT_PLAN.replace("dbc", "dbca"),
        key=10,
        seed=30,
        tags=("off-beat", "ska"),
    ),
    song("bossa_140", st.BOSSA, 140, SHORT_PLAN, minor=True, key=2, seed=31, tags=("syncopated",)),
    song(
        "garage_132",
        st.GARAGE,
        132,
        SHORT_PLAN,
        minor=True,
        key=8,
        seed=32,
        tags=("2-step", "16th swing"),
    ),
    song(
        "pop_96_to_120",
        st.POP,
        96,
        POP_PLAN,
        key=2,
        seed=33,
        tempo_changes=((36, 120.0),),
        tags=("tempo change",),
    ),
    song(
        "rock_132_to_108",
        st.ROCK,
        132,
        SHORT_PLAN,
        minor=True,
        key=7,
        seed=34,
        tempo_changes=((36, 108.0),),
        tags=("tempo change",),
    ),
)


def by_name(name: str) -> SongSpec:
    for s in SONGS:
        if s.name == name:
            return s
    raise KeyError(name)


def variants(per_song: int) -> tuple[SongSpec, ...]:
    """Held-out songs: each benchmark song re-rendered with another tempo (+-10 %), key,
    seed and, for pop-form songs, the other section plan. Not used while tuning."""
    import dataclasses

    import numpy as np

    out = []
    for spec in SONGS:
        rng = np.random.default_rng(1000 + spec.seed)
        for k in range(per_song):
            factor = float(rng.uniform(0.9, 1.1))
            bpm = round(float(np.clip(spec.bpm * factor, 58, 195)), 1)
            changes = tuple((bar, round(b * factor, 1)) for bar, b in spec.tempo_changes)
            sections = spec.sections
            if sections == plan(POP_PLAN, MINOR_PROGS if spec.mode == "minor" else POP_PROGS):
                sections = plan(SHORT_PLAN, MINOR_PROGS if spec.mode == "minor" else POP_PROGS)
            out.append(
                dataclasses.replace(
                    spec,
                    name=f"{spec.name}_v{k + 1}",
                    bpm=bpm,
                    tempo_changes=changes,
                    key=int((spec.key + rng.integers(1, 12)) % 12),
                    seed=spec.seed + 100 * (k + 1),
                    sections=sections,
                )
            )
    return tuple(out)
