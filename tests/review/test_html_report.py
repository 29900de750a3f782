"""report.html: pure parts checked directly; the page itself checked in Debian's headless Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mvagent.ffmpeg import run_ffmpeg
from mvagent.models import Analysis, Scene, Section, Song, Storyboard
from mvagent.review.html_report import render_html_report, song_plot_svg, write_html_report
from mvagent.review.metrics import OutputMetrics
from tests.fakes.media import tiny_mp4, tiny_png

CHROMIUM = "/usr/bin/chromium"
SECTIONS = [(0.0, 1.0, "intro"), (1.0, 2.5, "verse"), (2.5, 3.5, "chorus"), (3.5, 4.0, "outro")]


def _analysis() -> Analysis:
    beats = [i * 0.25 for i in range(16)]
    return Analysis(
        duration=4.0, tempo_bpm=240.0, beats=beats, downbeats=beats[::4],
        sections=[Section(start=a, end=b, label=lab) for a, b, lab in SECTIONS],
        energy=[0.2 + 0.05 * i for i in range(16)],
    )  # fmt: skip


def _storyboard() -> Storyboard:
    return Storyboard(scenes=[
        Scene(index=i, start=a, end=b, section=lab, prompt=f"<b>scene {i}</b> & neon", clip_duration=b - a)
        for i, (a, b, lab) in enumerate(SECTIONS)
    ])  # fmt: skip


METRICS = OutputMetrics(
    duration_s=4.0, song_duration_s=4.0, duration_error_frames=0.0, frames=96, width=320,
    height=180, fps=24.0, video_codec="h264", pix_fmt="yuv420p", audio_codec="aac",
    audio_bitrate_kbps=128, faststart=True, cuts=3, cut_on_beat_rate=1.0, section_coverage=1.0,
    hard_cuts_confirmed=1.0,
)  # fmt: skip


def test_plot_has_one_rect_per_section_and_every_layer() -> None:
    svg = song_plot_svg(analysis=_analysis(), cuts=[1.0, 2.5, 3.5], waveform=[(-0.5, 0.5)] * 50)
    assert svg.count('class="section"') == len(SECTIONS)
    for layer in ("waveform", "energy", "beats", "cuts"):
        assert f'class="{layer}"' in svg


def test_page_escapes_text_and_uses_relative_media() -> None:
    page = render_html_report(song=None, analysis=_analysis(), storyboard=_storyboard(),
                              metrics=METRICS, contact_sheet="contact_sheet.png")  # fmt: skip
    assert "<b>scene 0</b>" not in page and "&lt;b&gt;scene 0&lt;/b&gt; &amp; neon" in page
    assert 'src="final.mp4"' in page and 'src="contact_sheet.png"' in page
    assert "cut on beat rate" in page
    no_sheet = render_html_report(song=None, analysis=_analysis(), storyboard=_storyboard())
    assert "contact_sheet" not in no_sheet


def _song_dir(tmp_path: Path) -> tuple[Path, Song]:
    base = tmp_path / "my-song"
    (base / "clips").mkdir(parents=True)
    run_ffmpeg(["-y", "-f", "lavfi", "-i", "sine=frequency=220:duration=4", str(base / "song.wav")],
               what="making the test song")  # fmt: skip
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24:duration=4", "-i",
         str(base / "song.wav"), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(base / "final.mp4")],
        what="making the test video",
    )  # fmt: skip
    shots = []
    for i, (a, b, _lab) in enumerate(SECTIONS):
        (base / "clips" / f"scene-{i:03d}.mp4").write_bytes(tiny_mp4(1.5))
        shots.append({"start": a, "end": b, "source": f"clips/scene-{i:03d}.mp4"})
    timeline = {"fps": 24, "width": 320, "height": 180, "audio": "song.wav", "shots": shots}
    (base / "timeline.json").write_text(json.dumps(timeline))
    (base / "contact_sheet.png").write_bytes(tiny_png(320, 180, "blue"))
    return base, Song(path=base / "song.wav", title="Night <Drive>", slug="my-song")


def test_write_reads_timeline_song_and_sheet(tmp_path: Path) -> None:
    base, song = _song_dir(tmp_path)
    out = write_html_report(base, song=song, analysis=_analysis(), storyboard=_storyboard(),
                            metrics=METRICS, timings_s={"edit": 1.5})  # fmt: skip
    page = out.read_text()
    assert out == base / "report.html"
    assert "Night &lt;Drive&gt;" in page and 'class="waveform"' in page
    assert page.count('class="section"') == len(SECTIONS) and "contact_sheet.png" in page
    assert "3 cuts" in page


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                    reason="Debian chromium is not installed")  # fmt: skip
def test_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from mvagent.providers.web import CHROMIUM_ARGS

    base, song = _song_dir(tmp_path)
    write_html_report(base, song=song, analysis=_analysis(), storyboard=_storyboard(),
                      metrics=METRICS)  # fmt: skip
    shot = tmp_path / "report.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((base / "report.html").as_uri())
            page.wait_for_function(
                "() => { const v = document.querySelector('video'); return v && v.readyState >= 1; }",
                timeout=20000,
            )
            duration = page.evaluate("document.querySelector('video').duration")
            sections = page.evaluate(
                "document.querySelectorAll('svg.song-plot rect.section').length"
            )
            sheet_w = page.evaluate("document.querySelector('img.contact-sheet').naturalWidth")
            svg_box = page.locator("svg.song-plot").bounding_box()
            rows = page.locator("table.storyboard tbody tr").count()
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert duration == pytest.approx(4.0, abs=0.1)
    assert sections == len(SECTIONS)
    assert sheet_w == 320  # the contact sheet loaded
    assert svg_box and svg_box["width"] > 800 and svg_box["height"] > 150
    assert rows == len(SECTIONS)
    # The screenshot is a real render, not a blank page.
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    assert img.width == 1200 and img.height > 900
    assert len(set(img.resize((120, 90)).getdata())) > 20
