"""analyze(): the contract on a real-ish song and on degenerate input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mvagent.audio import analyze
from mvagent.errors import AudioDecodeError
from mvagent.models import Analysis
from tests.audio import synth


def _check_contract(a: Analysis) -> None:
    """What every stage downstream relies on."""
    assert a.duration > 0
    assert a.beats == sorted(a.beats) and all(0 <= b <= a.duration for b in a.beats)
    assert set(a.downbeats) <= set(a.beats)
    assert len(a.energy) == len(a.beats) and all(0.0 <= e <= 1.0 for e in a.energy)
    assert a.sections and a.sections[0].start == 0.0 and a.sections[-1].end == a.duration
    for prev, nxt in zip(a.sections, a.sections[1:], strict=False):
        assert prev.end == nxt.start and prev.start < prev.end  # no gaps, no overlaps
    assert all(r.start < r.end for r in a.vocals)
    assert -1.0 <= a.mood.valence <= 1.0 and 0.0 <= a.mood.arousal <= 1.0
    # The JSON the CLI prints parses back to the same thing.
    assert Analysis.model_validate_json(a.model_dump_json()) == a


def test_groove(groove_wav):
    path, truth = groove_wav
    a = analyze(path)
    _check_contract(a)
    assert abs(a.tempo_bpm - 112.0) < 0.1
    assert a.time_signature == 4
    hits = np.min(np.abs(np.array(a.beats)[:, None] - truth[None, :]), axis=0) < 0.07
    assert hits.mean() > 0.97
    assert a.sample_rate == synth.SR


def test_silence_gives_no_beats_and_one_section(tmp_path):
    path = synth.write_wav(tmp_path / "silence.wav", np.zeros(8 * synth.SR, np.float32))
    a = analyze(path)
    _check_contract(a)
    assert a.beats == [] and a.downbeats == [] and a.tempo_bpm == 0.0 and a.energy == []
    assert len(a.sections) == 1 and a.sections[0].end == pytest.approx(8.0, abs=0.01)
    assert a.vocals == []


def test_two_second_clip(tmp_path, rng):
    y, _ = synth.groove(rng, bpm=120.0, bars=1)
    path = synth.write_wav(tmp_path / "clip.wav", y[: 2 * synth.SR])
    a = analyze(path)
    _check_contract(a)
    assert a.duration == pytest.approx(2.0, abs=0.01)


def test_tiny_clip(tmp_path, rng):
    path = synth.write_wav(tmp_path / "tiny.wav", rng.normal(0, 0.1, 300).astype(np.float32))
    a = analyze(path)
    _check_contract(a)
    assert a.beats == []


def test_noise(tmp_path, rng):
    path = synth.write_wav(
        tmp_path / "noise.wav", rng.normal(0, 0.2, 6 * synth.SR).astype(np.float32)
    )
    _check_contract(analyze(path))


def test_lyrics_are_attached(groove_wav, tmp_path):
    path, _ = groove_wav
    lrc = tmp_path / "song.lrc"
    lrc.write_text("[00:01.00] hello sunshine\n[00:04.50] dancing all night\n")
    a = analyze(path, lyrics_path=lrc)
    assert [line.text for line in a.lyrics] == ["hello sunshine", "dancing all night"]
    plain = analyze(path, lyrics_text="first line\nsecond line")
    assert len(plain.lyrics) == 2 and all(line.estimated for line in plain.lyrics)


@pytest.mark.parametrize("content", [b"", b"not audio at all" * 50])
def test_bad_files_raise_one_line(tmp_path, content):
    path = tmp_path / "bad.mp3"
    path.write_bytes(content)
    with pytest.raises(AudioDecodeError) as exc:
        analyze(path)
    assert "\n" not in str(exc.value) and exc.value.exit_code == 2


def test_cli_shape_is_json(groove_wav):
    data = json.loads(analyze(groove_wav[0]).model_dump_json())
    for key in ("duration", "tempo_bpm", "beats", "downbeats", "time_signature", "sections"):
        assert key in data
    assert {"start", "end", "label"} <= set(data["sections"][0])
