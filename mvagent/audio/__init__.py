"""Music analysis: tempo, beats, downbeats, meter, sections, energy, vocals, mood, lyrics.

from mvagent.audio import analyze, load_audio
analysis = analyze("song.mp3", lyrics_path="song.lrc")
"""

from mvagent.audio.analyze import analyze, analyze_samples
from mvagent.audio.decode import load_audio

__all__ = ["analyze", "analyze_samples", "load_audio"]
