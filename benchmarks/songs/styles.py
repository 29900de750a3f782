"""Genre styles for the benchmark set: drum grooves per feel and the pitched parts' patterns.

Bars are written at 4 steps per beat (sixteenths) unless a style says otherwise;
shuffle and jazz styles use 3 steps per beat (triplets); 6/8 uses 2 (the beat is an eighth).
GM drums: 35/36 kick, 37 side stick, 38 snare, 39 clap, 42 closed hat, 44 pedal hat,
46 open hat, 51 ride, 54 tambourine, 70 maracas.
"""

from __future__ import annotations

from benchmarks.songs.spec import Pitched, Style

K, STICK, SN, CLAP, HH, PED, OH, RIDE, TAMB, SHAKER = 36, 37, 38, 39, 42, 44, 46, 51, 54, 70

FOUR_ON_FLOOR = "X...X...X...X..."
BACKBEAT = "....X.......X..."
EIGHTHS = "x.x.x.x.x.x.x.x."
OFFBEATS = "..x...x...x...x."
SIXTEENTHS = "xoxoxoxoxoxoxoxo"

POP = Style(
    name="pop",
    steps_per_beat=4,
    drums={
        "full": {K: "X.......X.x.....", SN: BACKBEAT, HH: EIGHTHS},
        "half": {K: "X.........x.....", SN: "........X.......", HH: EIGHTHS},
        "light": {K: "X.......X.......", HH: EIGHTHS},
        "build": {K: FOUR_ON_FLOOR},
    },
    bass=Pitched(33, "R-----R-R-5-----", octave=2, velocity=96),
    chords=Pitched(0, "x-------x---x---", octave=4, velocity=70),
    pad=Pitched(89, "x---------------", octave=4, velocity=55),
)

ROCK = Style(
    name="rock",
    steps_per_beat=4,
    drums={
        "full": {K: "X.......X.X.....", SN: BACKBEAT, HH: EIGHTHS},
        "half": {K: "X.......x.......", SN: "........X.......", HH: EIGHTHS},
        "light": {K: "X.......X.......", RIDE: "x...x...x...x..."},
    },
    bass=Pitched(34, "R.R.R.R.R.R.R.R.", octave=2, velocity=100, staccato=0.8),
    chords=Pitched(29, "x-------x-----x-", octave=3, velocity=85),
    arp=Pitched(25, "x.x.x.x.x.x.x.x.", octave=4, velocity=70),
)

HOUSE = Style(
    name="house",
    steps_per_beat=4,
    drums={
        "full": {K: FOUR_ON_FLOOR, CLAP: BACKBEAT, OH: "..X...X...X...X.", SHAKER: SIXTEENTHS},
        "light": {K: FOUR_ON_FLOOR, OH: "..X...X...X...X."},
        "build": {K: FOUR_ON_FLOOR, OH: "..X...X...X...X."},
    },
    bass=Pitched(38, "..R-..R-..R-..R-", octave=2, velocity=105),
    chords=Pitched(0, "...x-.x-...x-.x-", octave=4, velocity=82),
    pad=Pitched(89, "x---------------", octave=4, velocity=50),
    vocal_program=52,
)

TECHNO = Style(
    name="techno",
    steps_per_beat=4,
    drums={
        "full": {K: FOUR_ON_FLOOR, OH: "..X...X...X...X.", HH: SIXTEENTHS, CLAP: BACKBEAT},
        "light": {K: FOUR_ON_FLOOR, HH: SIXTEENTHS},
        "build": {HH: SIXTEENTHS},
    },
    bass=Pitched(39, "..RR..RR..RR..RR", octave=2, velocity=100, staccato=0.6),
    arp=Pitched(81, "x..x..x.x..x..x.", octave=4, velocity=70, staccato=0.5),
    pad=Pitched(90, "x---------------", octave=4, velocity=45),
    vocal_program=54,
)

TRANCE = Style(
    name="trance",
    steps_per_beat=4,
    drums={
        "full": {K: FOUR_ON_FLOOR, CLAP: BACKBEAT, OH: "..X...X...X...X.", HH: SIXTEENTHS},
        "light": {K: FOUR_ON_FLOOR, OH: "..X...X...X...X."},
        "build": {},
    },
    bass=Pitched(38, "..RR..RR..RR..RR", octave=2, velocity=100, staccato=0.6),
    arp=Pitched(81, "xxxxxxxxxxxxxxxx", octave=4, velocity=62, staccato=0.5),
    pad=Pitched(90, "x---------------", octave=4, velocity=55),
    vocal_program=85,
)

DNB = Style(
    name="dnb",
    steps_per_beat=4,
    drums={
        "full": {K: "X.........X.....", SN: BACKBEAT, HH: EIGHTHS, RIDE: "..x...x...x...x."},
        "light": {HH: EIGHTHS, RIDE: "..x...x...x...x."},
    },
    bass=Pitched(38, "R-------------5-", octave=2, velocity=100),
    pad=Pitched(89, "x---------------", octave=4, velocity=60),
    arp=Pitched(11, "x.....x.....x...", octave=5, velocity=60),
    vocal_program=53,
)

REGGAE = Style(
    name="reggae",
    steps_per_beat=4,
    drums={
        "full": {K: "........X.......", STICK: "........X.......", HH: EIGHTHS},
        "light": {HH: EIGHTHS, STICK: "........X......."},
    },
    bass=Pitched(33, "R--R----5---3-5-", octave=2, velocity=105),
    chords=Pitched(27, "....x.......x...", octave=4, velocity=85, staccato=0.3),
    arp=Pitched(17, "..x...x...x...x.", octave=4, velocity=55, staccato=0.4),
    vocal_program=53,
)

REGGAETON = Style(
    name="reggaeton",
    steps_per_beat=4,
    drums={
        "full": {K: FOUR_ON_FLOOR, 40: "...x..x....x..x.", HH: EIGHTHS},
        "light": {K: FOUR_ON_FLOOR},
    },
    bass=Pitched(38, "R--R--R.R--R--R.", octave=2, velocity=100),
    chords=Pitched(81, "x--x--x.x--x--x.", octave=4, velocity=60, staccato=0.7),
    pad=Pitched(89, "x---------------", octave=4, velocity=45),
    vocal_program=53,
)

HIPHOP = Style(
    name="hiphop",
    steps_per_beat=4,
    drums={
        "full": {K: "X.....x...X.....", SN: BACKBEAT, HH: SIXTEENTHS},
        "light": {HH: SIXTEENTHS},
    },
    bass=Pitched(33, "R-----R---5-----", octave=2, velocity=100),
    chords=Pitched(4, "x-------x-------", octave=4, velocity=65),
    swing=0.6,
    swing_unit=16,
    vocal_program=53,
)

BALLAD = Style(
    name="ballad",
    steps_per_beat=4,
    drums={
        "full": {K: "X.......x.x.....", SN: BACKBEAT, HH: EIGHTHS},
        "light": {K: "X.......X.......", RIDE: "x...x...x...x..."},
    },
    bass=Pitched(32, "R-------5-------", octave=2, velocity=90),
    arp=Pitched(0, "x.x.x.x.x.x.x.x.", octave=4, velocity=62),
    pad=Pitched(48, "x---------------", octave=4, velocity=50),
    vocal_program=53,
)

WALTZ = Style(
    name="waltz",
    steps_per_beat=4,
    drums={
        "full": {K: "X...........", SN: "....x...x...", HH: "x.x.x.x.x.x."},
        "light": {K: "X...........", HH: "x...x...x..."},
    },
    bass=Pitched(32, "R-----------", octave=2, velocity=100),
    chords=Pitched(21, "....x-..x-..", octave=4, velocity=72),
    pad=Pitched(48, "x-----------", octave=4, velocity=45),
    vocal_program=53,
)

SIX_EIGHT = Style(
    name="six_eight",
    steps_per_beat=2,
    drums={
        "full": {K: "X...........", SN: "......X.....", HH: "x.x.x.x.x.x."},
        "light": {K: "X.....x.....", HH: "x.x.x.x.x.x."},
    },
    bass=Pitched(33, "R-----5-----", octave=2, velocity=96),
    arp=Pitched(0, "x.x.x.x.x.x.", octave=4, velocity=62),
    pad=Pitched(48, "x-----------", octave=4, velocity=48),
    vocal_program=53,
)

SHUFFLE = Style(
    name="shuffle",
    steps_per_beat=3,
    drums={
        "full": {K: "X.....X.....", SN: "...X.....X..", HH: "x.xx.xx.xx.x"},
        "light": {HH: "x.xx.xx.xx.x"},
    },
    bass=Pitched(33, "R.R3.35.56.5", octave=2, velocity=98, staccato=0.8),
    chords=Pitched(0, "...x-....x-.", octave=4, velocity=70),
    vocal_program=53,
)

SWING = Style(
    name="swing",
    steps_per_beat=3,
    drums={
        "full": {RIDE: "x..x.xx..x.x", PED: "...x.....x..", 35: "o.....o....."},
        "light": {RIDE: "x..x.xx..x.x"},
    },
    bass=Pitched(32, "R--3--5--6--", octave=2, velocity=100, staccato=0.85),
    chords=Pitched(0, "x-...x-.....", octave=4, velocity=60),
    crash_on_sections=False,
    fills=False,
    vocal_program=66,
)

FUNK = Style(
    name="funk",
    steps_per_beat=4,
    drums={
        "full": {K: "X..x..x...X.....", SN: "....X..o.o..X..o", HH: SIXTEENTHS},
        "light": {HH: SIXTEENTHS, K: "X.........X....."},
    },
    bass=Pitched(36, "R..R.8..R.5.R..8", octave=2, velocity=104, staccato=0.6),
    chords=Pitched(28, "..x...x.x...x..x", octave=4, velocity=72, staccato=0.3),
    vocal_program=53,
)

DISCO = Style(
    name="disco",
    steps_per_beat=4,
    drums={
        "full": {K: FOUR_ON_FLOOR, SN: BACKBEAT, OH: "..X...X...X...X.", HH: "x...x...x...x..."},
        "light": {K: FOUR_ON_FLOOR, OH: "..X...X...X...X."},
    },
    bass=Pitched(33, "R.8.R.8.R.8.R.8.", octave=2, velocity=100, staccato=0.7),
    chords=Pitched(0, "..x...x...x...x.", octave=4, velocity=70, staccato=0.4),
    pad=Pitched(48, "x---------------", octave=4, velocity=50),
    vocal_program=53,
)

PUNK = Style(
    name="punk",
    steps_per_beat=4,
    drums={
        "full": {K: "X.......X.......", SN: BACKBEAT, HH: EIGHTHS},
        "light": {K: "X.......X.......", HH: EIGHTHS},
    },
    bass=Pitched(34, "R.R.R.R.R.R.R.R.", octave=2, velocity=100, staccato=0.8),
    chords=Pitched(30, "x.x.x.x.x.x.x.x.", octave=3, velocity=80, staccato=0.8),
    vocal_program=53,
)

METAL = Style(
    name="metal",
    steps_per_beat=4,
    drums={
        "full": {K: "X.x.X.x.X.x.X.x.", SN: BACKBEAT, RIDE: "x...x...x...x..."},
        "half": {K: "X.x.X.x.X.x.X.x.", SN: "........X.......", RIDE: "x...x...x...x..."},
    },
    bass=Pitched(34, "R.RRR.RRR.RRR.RR", octave=2, velocity=100, staccato=0.7),
    chords=Pitched(30, "x.xxx.xxx.xxx.xx", octave=3, velocity=82, staccato=0.7),
    vocal_program=53,
)

COUNTRY = Style(
    name="country",
    steps_per_beat=4,
    drums={
        "full": {K: "X.......X.......", SN: BACKBEAT, HH: EIGHTHS},
        "light": {STICK: BACKBEAT, HH: EIGHTHS},
    },
    bass=Pitched(32, "R-------5-------", octave=2, velocity=100, staccato=0.7),
    chords=Pitched(25, "....x.......x...", octave=4, velocity=75, staccato=0.5),
    arp=Pitched(105, "x.x.x.x.x.x.x.x.", octave=5, velocity=55, staccato=0.5),
    vocal_program=53,
)

SYNTHWAVE = Style(
    name="synthwave",
    steps_per_beat=4,
    drums={
        "full": {K: "X.......X.......", SN: BACKBEAT, HH: SIXTEENTHS},
        "light": {HH: SIXTEENTHS},
    },
    bass=Pitched(38, "R.R.R.R.R.R.R.R.", octave=2, velocity=96, staccato=0.6),
    arp=Pitched(81, "x.xxx.xxx.xxx.xx", octave=4, velocity=55, staccato=0.5),
    pad=Pitched(89, "x---------------", octave=4, velocity=55),
    vocal_program=54,
)

LOFI = Style(
    name="lofi",
    steps_per_beat=4,
    drums={
        "full": {K: "X......x..X.....", SN: BACKBEAT, HH: SIXTEENTHS},
        "light": {HH: SIXTEENTHS},
    },
    bass=Pitched(33, "R-----R---5---3-", octave=2, velocity=95),
    chords=Pitched(4, "x-------x-------", octave=4, velocity=60),
    swing=0.62,
    swing_unit=16,
    vocal_program=53,
)

BIGROOM = Style(
    name="bigroom",
    steps_per_beat=4,
    drums={
        "full": {K: FOUR_ON_FLOOR, CLAP: BACKBEAT, OH: "..X...X...X...X."},
        "build": {K: FOUR_ON_FLOOR},
        "light": {K: FOUR_ON_FLOOR},
    },
    bass=Pitched(38, "..R...R...R...R.", octave=2, velocity=104, staccato=0.6),
    chords=Pitched(81, "x..x..x...x..x..", octave=4, velocity=70, staccato=0.5),
    pad=Pitched(90, "x---------------", octave=4, velocity=55),
    vocal_program=85,
)

SKA = Style(
    name="ska",
    steps_per_beat=4,
    drums={
        "full": {K: "X.......X.......", SN: BACKBEAT, HH: EIGHTHS},
        "light": {HH: EIGHTHS},
    },
    bass=Pitched(33, "R.3.5.6.R.5.3.5.", octave=2, velocity=100, staccato=0.8),
    chords=Pitched(27, "..x...x...x...x.", octave=4, velocity=88, staccato=0.3),
    arp=Pitched(17, "..x...x...x...x.", octave=4, velocity=55, staccato=0.3),
    vocal_program=53,
)

BOSSA = Style(
    name="bossa",
    steps_per_beat=4,
    drums={
        "full": {35: "X..xX..xX..xX..x", STICK: "x..x..x...x..x..", SHAKER: SIXTEENTHS},
        "light": {SHAKER: SIXTEENTHS},
    },
    bass=Pitched(32, "R-----5-R-----5-", octave=2, velocity=95),
    chords=Pitched(24, "x.x..x.x.x..x.x.", octave=4, velocity=66, staccato=0.6),
    crash_on_sections=False,
    fills=False,
    vocal_program=53,
)

GARAGE = Style(
    name="garage",
    steps_per_beat=4,
    drums={
        "full": {K: "X.........X.....", SN: BACKBEAT, HH: "..x...x...x..x.x", SHAKER: SIXTEENTHS},
        "light": {HH: "..x...x...x..x.x"},
    },
    bass=Pitched(38, "R--R------R--5--", octave=2, velocity=100),
    chords=Pitched(4, "..x-....x-.x....", octave=4, velocity=68),
    swing=0.58,
    swing_unit=16,
    vocal_program=53,
)
