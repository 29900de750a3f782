"""Lyric loaders: Suno aligned words, LRC, SRT and plain text spread over vocals."""

from __future__ import annotations

import json

import pytest

from mvagent.audio.lyrics import detect_format, load_lyrics
from mvagent.errors import BadInputError

WORDS = [
    {"word": "[Verse 1]\n", "startS": 0.0, "endS": 0.0, "success": True},
    {"word": "Hello ", "startS": 1.0, "endS": 1.4},
    {"word": "bright ", "startS": 1.5, "endS": 1.9},
    {"word": "world\n", "startS": 2.0, "endS": 2.6},
    {"word": "[Chorus]\n", "startS": 2.6, "endS": 2.6},
    {"word": "we ", "startS": 3.0, "endS": 3.2},
    {"word": "shine", "startS": 3.3, "endS": 4.0},
]


@pytest.mark.parametrize(
    "payload",
    [WORDS, {"alignedWords": WORDS}, {"data": {"alignedWords": WORDS}, "code": 200}],
    ids=["list", "alignedWords", "data.alignedWords"],
)
def test_suno_aligned_words(tmp_path, payload):
    path = tmp_path / "aligned.json"
    path.write_text(json.dumps(payload))
    lines = load_lyrics(path)
    assert [line.text for line in lines] == ["Hello bright world", "we shine"]
    assert (lines[0].start, lines[0].end) == (1.0, 2.6)
    assert [w.word for w in lines[1].words] == ["we", "shine"]
    assert lines[1].words[1].start == 3.3 and not lines[0].estimated


def test_suno_words_far_apart_start_a_new_line():
    words = [
        {"word": "one", "startS": 1.0, "endS": 1.2},
        {"word": "two", "startS": 9.0, "endS": 9.3},
    ]
    lines = load_lyrics(text=json.dumps(words))
    assert [line.text for line in lines] == ["one", "two"]


def test_lrc_with_offset_repeats_and_word_times():
    lrc = (
        "[ar:Someone]\n[ti:A song]\n[offset:+500]\n"
        "[00:10.00]first line\n"
        "[00:14.50][01:00.00]chorus line\n"
        "[00:20.00]<00:20.00>word <00:20.80>by <00:21.40>word\n"
        "[00:24.00]\n"
    )
    lines = load_lyrics(text=lrc, duration_s=90.0)
    assert [line.text for line in lines] == [
        "first line",
        "chorus line",
        "word by word",
        "chorus line",
    ]
    assert lines[0].start == pytest.approx(9.5)  # +500 ms offset shows lyrics earlier
    assert lines[0].end == pytest.approx(14.0)  # the next stamp
    assert lines[2].end == pytest.approx(23.5)  # the empty stamp ends it
    assert [w.start for w in lines[2].words] == pytest.approx([19.5, 20.3, 20.9])
    assert lines[3].start == pytest.approx(59.5) and lines[3].end <= 90.0


def test_srt(tmp_path):
    srt = (
        "1\n00:00:01,000 --> 00:00:03,500\nFirst <i>line</i>\n\n"
        "2\n00:00:04,000 --> 00:00:06,000\nSecond\nline two\n\n"
    )
    path = tmp_path / "song.srt"
    path.write_text(srt, encoding="utf-8-sig")  # a BOM, as some editors write it
    lines = load_lyrics(path)
    assert [(line.text, line.start, line.end) for line in lines] == [
        ("First line", 1.0, 3.5),
        ("Second line two", 4.0, 6.0),
    ]


def test_plain_text_is_spread_over_vocals_and_marked_estimated():
    text = "[Verse]\nshort\na much longer line of lyrics here\n\n(Chorus)\nend"
    vocals = [(10.0, 20.0), (30.0, 40.0)]
    lines = load_lyrics(text=text, vocals=vocals, duration_s=60.0)
    assert [line.text for line in lines] == ["short", "a much longer line of lyrics here", "end"]
    assert all(line.estimated for line in lines)
    assert lines[0].start == 10.0 and lines[-1].end == 40.0
    for line in lines:
        assert any(s <= line.start < e for s, e in vocals)
        assert line.words and line.words[0].start == line.start
    # Longer lines get more time.
    assert (lines[1].end - lines[1].start) > (lines[0].end - lines[0].start)


def test_plain_text_without_vocals_uses_the_whole_song():
    lines = load_lyrics(text="one\ntwo", duration_s=10.0)
    assert lines[0].start == 0.0 and lines[-1].end == 10.0


def test_detect_format():
    assert detect_format(json.dumps(WORDS)) == "json"
    assert detect_format("[00:01.00] hi") == "lrc"
    assert detect_format("1\n00:00:01,000 --> 00:00:02,000\nhi") == "srt"
    assert detect_format("[Chorus]\nla la") == "plain"


def test_errors_are_one_line(tmp_path):
    with pytest.raises(BadInputError, match="not found"):
        load_lyrics(tmp_path / "missing.lrc")
    bad = tmp_path / "bad.json"
    bad.write_text('{"alignedWords": [')
    with pytest.raises(BadInputError, match="not valid JSON"):
        load_lyrics(bad)
    with pytest.raises(BadInputError) as exc:
        load_lyrics(text='{"data": {"nothing": 1}}')
    assert "aligned words" in str(exc.value) and "\n" not in str(exc.value)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(BadInputError, match="UTF-8"):
        load_lyrics(latin)
