import wave

import numpy as np

from mvagent.demo import synthesize_demo_song


def test_demo_song_is_deterministic_stereo_44k(tmp_path):
    a = synthesize_demo_song(tmp_path / "a.wav", form="short")
    synthesize_demo_song(tmp_path / "b.wav", form="short")
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    with wave.open(str(tmp_path / "a.wav")) as w:
        assert w.getnchannels() == 2 and w.getframerate() == 44100
        assert abs(w.getnframes() / 44100 - a.duration) < 1e-3


def test_full_demo_has_required_shape(tmp_path):
    truth = synthesize_demo_song(tmp_path / "d.wav")
    assert 60 <= truth.duration <= 90
    labels = [s[2] for s in truth.sections]
    assert {"intro", "verse", "chorus"} <= set(labels)
    gaps = np.diff(truth.beats)
    assert np.allclose(gaps, 60 / truth.tempo_bpm)
    assert truth.downbeats == truth.beats[::4]


def test_seed_changes_the_noise(tmp_path):
    synthesize_demo_song(tmp_path / "a.wav", form="short", seed=0)
    synthesize_demo_song(tmp_path / "b.wav", form="short", seed=1)
    assert (tmp_path / "a.wav").read_bytes() != (tmp_path / "b.wav").read_bytes()
