"""End to end: the Prefect flow turns a short synthesised song into a video we read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mvagent.demo import synthesize_demo_song
from mvagent.ffmpeg import count_frames, is_faststart, probe
from mvagent.models import RenderSettings, Timeline
from mvagent.review.metrics import cut_on_beat_rate, detect_hard_cuts, section_coverage

pytestmark = [pytest.mark.slow, pytest.mark.service]

FPS = 24  # the beat checks allow one frame: keep it fine; the picture can be small


@pytest.fixture(scope="module")
def made(tmp_path_factory, prefect_harness):
    """Run the flow once on the 50 s song; share the output between the tests below."""
    from flows.music_video import music_video
    from flows.params import SongInput, VideoOptions

    root = tmp_path_factory.mktemp("e2e")
    truth = synthesize_demo_song(root / "Short Song.wav", form="short")
    options = VideoOptions(
        out_dir=str(root / "out"),
        style="neon synthwave",
        render=RenderSettings(width=320, height=180, fps=FPS, preset="draft"),
    )
    song = SongInput(source=str(root / "Short Song.wav"), title="Short Song", artist="Tests")
    final = Path(music_video(song=song, options=options))
    return {
        "root": root,
        "truth": truth,
        "final": final,
        "dir": final.parent,
        "song": song,
        "options": options,
    }


def test_output_folder_contract(made):
    d = made["dir"]
    assert d.name == "short-song"
    for name in (
        "analysis.json",
        "storyboard.json",
        "timeline.json",
        "final.mp4",
        "report.md",
        "report.html",
        "decisions.jsonl",
    ):
        assert (d / name).is_file(), name
    clips = list((d / "clips").glob("*.mp4"))
    assert clips
    assert not list(d.glob(".*.tmp")), "temporary files left behind"


def test_final_video_format(made):
    info = probe(made["final"])
    assert info.video_codec == "h264" and info.pix_fmt == "yuv420p"
    assert (info.width, info.height) == (320, 180)
    assert info.audio_codec == "aac"
    assert is_faststart(made["final"])


def test_duration_matches_song_within_one_frame(made):
    frames = count_frames(made["final"])
    assert abs(frames / FPS - made["truth"].duration) <= 1 / FPS + 1e-6


def test_cuts_land_on_true_beats_and_cover_sections(made):
    truth = made["truth"]
    timeline = Timeline.model_validate_json((made["dir"] / "timeline.json").read_text())
    cuts = [s.start for s in timeline.shots[1:]]
    assert len(cuts) >= 6
    # Against the song's ground truth, not the analysis: a wrong beat grid fails here.
    # The grid goes on through the last notes' ring-out, where the end card may cut.
    period = 60 / truth.tempo_bpm
    grid = truth.beats + [truth.beats[-1] + period * k for k in range(1, 8)]
    assert cut_on_beat_rate(cuts, grid, fps=FPS) >= 0.95
    boundaries = [s[0] for s in truth.sections[1:]]
    assert section_coverage(cuts, boundaries, beat_period_s=60 / truth.tempo_bpm) >= 0.9


def test_hard_cuts_are_visible_in_the_picture(made):
    timeline = Timeline.model_validate_json((made["dir"] / "timeline.json").read_text())
    hard = [s.start for s in timeline.shots[1:] if s.transition == "cut"]
    if not hard:
        pytest.skip("no hard cuts planned")
    seen = detect_hard_cuts(made["final"], fps=FPS, threshold=12)
    hits = sum(any(abs(c - s) <= 1 / FPS + 1e-6 for s in seen) for c in hard)
    assert hits / len(hard) >= 0.8


def test_report_has_measured_metrics(made):
    text = (made["dir"] / "report.md").read_text()
    for needle in ("Tempo", "cut-on-beat rate", "section coverage", "| scene |", "Time per stage"):
        assert needle in text
    decisions = [
        json.loads(line) for line in (made["dir"] / "decisions.jsonl").read_text().splitlines()
    ]
    assert any(d["stage"] == "plan" for d in decisions)


def test_rerun_reuses_every_clip(made):
    from flows.music_video import music_video

    before = {p.name: p.stat().st_mtime_ns for p in (made["dir"] / "clips").glob("*.mp4")}
    music_video(song=made["song"], options=made["options"])
    decisions = [
        json.loads(line) for line in (made["dir"] / "decisions.jsonl").read_text().splitlines()
    ]
    generated = [
        d
        for d in decisions
        if d["stage"] == "generate" and d["action"] in ("generated", "generate")
    ]
    assert not generated, generated
    assert before  # clips were there to reuse
    assert abs(count_frames(made["final"]) / FPS - made["truth"].duration) <= 1 / FPS + 1e-6


def test_render_command_rerenders_timeline(made, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "again.mp4"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mvagent.cli",
            "render",
            str(made["dir"] / "timeline.json"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert count_frames(out) == count_frames(made["final"])
