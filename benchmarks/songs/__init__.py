"""The MIDI benchmark set: song specs, their arrangement, fluidsynth renders and ground truth."""

from benchmarks.songs.catalog import SONGS, by_name
from benchmarks.songs.render import DATA_DIR, fluidsynth_available, render_song
from benchmarks.songs.spec import SongSpec, Truth

__all__ = [
    "DATA_DIR",
    "SONGS",
    "SongSpec",
    "Truth",
    "by_name",
    "fluidsynth_available",
    "render_song",
]
