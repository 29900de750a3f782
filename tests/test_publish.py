"""publish: report.md, a Prefect artifact, and the output folder uploaded to S3 (moto's server)."""

from __future__ import annotations

import pytest

from mvagent.models import Analysis, Section, Song, Storyboard
from mvagent.review.metrics import OutputMetrics
from tests.fakes.s3 import CREDS, s3_server  # noqa: F401 - the session fixture

pytestmark = pytest.mark.service


def test_publish_uploads_the_folder(prefect_harness, s3_server, tmp_path):  # noqa: F811
    from prefect.client.orchestration import get_client

    from tasks.publish import publish_video

    bucket = s3_server.new_bucket()
    s3_server.bucket_block(bucket).save("mv-results", overwrite=True)

    song_dir = tmp_path / "my-song"
    (song_dir / "clips").mkdir(parents=True)
    (song_dir / "final.mp4").write_bytes(b"video")
    (song_dir / "clips" / "scene-000.mp4").write_bytes(b"clip")
    song = Song(path=tmp_path / "s.wav", title="My Song", slug="my-song")
    analysis = Analysis(
        duration=10.0, tempo_bpm=120.0, sections=[Section(start=0, end=10, label="verse")]
    )
    metrics = OutputMetrics(
        duration_s=10.0, song_duration_s=10.0, duration_error_frames=0.0, frames=240, width=640,
        height=360, fps=24.0, video_codec="h264", pix_fmt="yuv420p", audio_codec="aac",
        audio_bitrate_kbps=256, faststart=True, cuts=4, cut_on_beat_rate=1.0, section_coverage=1.0,
        hard_cuts_confirmed=1.0,
    )  # fmt: skip
    report = publish_video.fn(
        song, analysis, Storyboard(), {}, metrics, timings_s={"edit": 1.0}, provider="local",
        song_dir=str(song_dir), storage_block="mv-results",
    )  # fmt: skip
    assert "cut-on-beat rate" in (song_dir / "report.md").read_text()
    assert report.endswith("report.md")
    keys = {o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]}
    assert {"my-song/final.mp4", "my-song/report.md", "my-song/clips/scene-000.mp4"} <= keys
    with get_client(sync_client=True) as client:
        artifact = client.read_artifacts()
    assert any(a.key == "report-my-song" for a in artifact)
