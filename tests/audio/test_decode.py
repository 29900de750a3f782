"""load_audio: any format, channel count and sample rate; clear errors for bad files."""

from __future__ import annotations

import numpy as np
import pytest

from mvagent.audio import load_audio
from mvagent.errors import AudioDecodeError
from mvagent.ffmpeg import run_ffmpeg


def _make(path, *, codec_args, rate=44100, channels=2, seconds=3.0):
    """A 440 Hz tone (left) / 660 Hz (right) encoded by ffmpeg."""
    src = f"sine=frequency=440:sample_rate={rate}:duration={seconds}"
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", src, "-ac", str(channels), *codec_args, str(path)],
        what="making a test file",
    )
    return path


@pytest.mark.parametrize(
    ("suffix", "codec_args"),
    [
        ("wav", []),
        ("mp3", ["-c:a", "libmp3lame", "-b:a", "128k"]),
        ("flac", ["-c:a", "flac"]),
        ("ogg", ["-c:a", "libvorbis"]),
        ("m4a", ["-c:a", "aac", "-b:a", "128k"]),
    ],
)
def test_formats_decode_to_the_right_length_and_pitch(tmp_path, suffix, codec_args):
    path = _make(tmp_path / f"tone.{suffix}", codec_args=codec_args)
    y, sr = load_audio(path)
    assert sr == 22050 and y.dtype == np.float32 and y.ndim == 1
    # Encoders add a little padding; the length is right to within 60 ms.
    assert abs(len(y) / sr - 3.0) < 0.06
    spectrum = np.abs(np.fft.rfft(y[sr // 2 : sr // 2 + sr]))
    assert abs(np.argmax(spectrum) - 440) <= 2  # 1 Hz bins over one second


@pytest.mark.parametrize("rate", [8000, 44100, 96000])
def test_sample_rates_are_resampled(tmp_path, rate):
    path = _make(tmp_path / f"tone_{rate}.wav", codec_args=[], rate=rate, channels=1)
    y, sr = load_audio(path, sr=16000)
    assert sr == 16000 and abs(len(y) / 16000 - 3.0) < 0.01
    spectrum = np.abs(np.fft.rfft(y[:16000]))
    assert abs(np.argmax(spectrum) - 440) <= 2


@pytest.mark.parametrize("channels", [1, 2, 6])
def test_channels(tmp_path, channels):
    path = _make(tmp_path / f"tone_{channels}ch.wav", codec_args=[], channels=channels)
    mono, _ = load_audio(path)
    multi, _ = load_audio(path, mono=False)
    assert mono.ndim == 1
    assert multi.shape[0] == channels and multi.shape[1] == len(mono)


def _assert_one_line(err: AudioDecodeError, *needles: str) -> None:
    msg = str(err)
    assert "\n" not in msg and len(msg) < 300
    for needle in needles:
        assert needle in msg


def test_missing_file(tmp_path):
    with pytest.raises(AudioDecodeError) as exc:
        load_audio(tmp_path / "nope.mp3")
    _assert_one_line(exc.value, "not found", "nope.mp3")
    assert exc.value.exit_code == 2


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioDecodeError) as exc:
        load_audio(tmp_path / "empty.wav")
    _assert_one_line(exc.value, "empty")


def test_text_file(tmp_path):
    (tmp_path / "notes.mp3").write_text("these are my lyrics, not a song\n" * 20)
    with pytest.raises(AudioDecodeError) as exc:
        load_audio(tmp_path / "notes.mp3")
    _assert_one_line(exc.value, "notes.mp3")


def test_corrupt_file(tmp_path, rng):
    (tmp_path / "broken.flac").write_bytes(
        b"fLaC" + rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
    )
    with pytest.raises(AudioDecodeError) as exc:
        load_audio(tmp_path / "broken.flac")
    _assert_one_line(exc.value, "broken.flac")


def test_video_without_audio(tmp_path):
    path = tmp_path / "silent.mp4"
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", "color=c=black:s=64x64:d=1", "-c:v", "libx264", str(path)],
        what="making a video without audio",
    )
    with pytest.raises(AudioDecodeError) as exc:
        load_audio(path)
    _assert_one_line(exc.value, "no audio stream")


def test_folder(tmp_path):
    with pytest.raises(AudioDecodeError) as exc:
        load_audio(tmp_path)
    _assert_one_line(exc.value, "folder")
