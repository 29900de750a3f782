"""The clip cache: keys, atomic writes, a local folder and S3 (moto's real server)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mvagent.errors import ConfigError
from mvagent.providers.cache import (
    LocalClipCache,
    S3ClipCache,
    clip_key,
    default_cache_dir,
    open_cache,
)
from mvagent.providers.generation import generate_clip
from mvagent.providers.sora import SoraProvider
from tests.fakes.media import tiny_mp4, tiny_png
from tests.providers.helpers import actions, make_request, settings_for


def key(req, *, provider="sora", model="sora-2", fields=SoraProvider.cache_fields, **kw):
    return clip_key(provider=provider, model=model, request=req, duration_s=kw.get("duration_s", req.duration_s),
                    width=req.width, height=req.height, fields=fields)  # fmt: skip


def test_key_covers_provider_model_prompt_duration_size_seed_and_reference(tmp_path: Path) -> None:
    base = make_request()
    ref_a, ref_b = tmp_path / "a.png", tmp_path / "b.png"
    ref_a.write_bytes(tiny_png(color="red"))
    ref_b.write_bytes(tiny_png(color="blue"))
    variants = {
        key(base),
        key(base, provider="veo"),
        key(base, model="sora-2-pro"),
        key(base.model_copy(update={"prompt": "other"})),
        key(base, duration_s=4.0),
        key(base.model_copy(update={"width": 720, "height": 1280})),
        key(base.model_copy(update={"reference_image": ref_a})),
        key(base.model_copy(update={"reference_image": ref_b})),
        key(base.model_copy(update={"seed": 2})),  # a new take
    }
    assert len(variants) == 9
    # Same bytes under another name: same key. Things sora ignores (fps, cues, palette): same key.
    ref_c = tmp_path / "c.png"
    ref_c.write_bytes(ref_a.read_bytes())
    assert key(base.model_copy(update={"reference_image": ref_c})) == key(
        base.model_copy(update={"reference_image": ref_a})
    )
    assert key(
        base.model_copy(update={"fps": 30, "palette": ["#000000"], "beat_times_s": [0.5]})
    ) == key(base)
    assert key(base.model_copy(update={"scene_index": 7})) == key(base)


def test_full_request_key_when_the_provider_does_not_say(tmp_path: Path) -> None:
    base = make_request()
    for change in ({"seed": 1}, {"fps": 30}, {"palette": ["#ff0000"]}, {"beat_times_s": [0.5]}):
        assert key(base.model_copy(update=change), fields=None) != key(base, fields=None)
    assert key(base.model_copy(update={"scene_index": 3}), fields=None) == key(base, fields=None)


def test_local_store_and_fetch_are_atomic(tmp_path: Path, monkeypatch) -> None:
    cache = LocalClipCache(tmp_path / "cache")
    src = tmp_path / "clip.mp4"
    src.write_bytes(tiny_mp4(4.0))
    cache.store("k1", src, meta={"provider": "sora"})
    assert cache.has("k1") and cache.meta("k1") == {"provider": "sora"}
    assert cache.fetch("k1", tmp_path / "out" / "x.mp4")
    assert (tmp_path / "out" / "x.mp4").read_bytes() == src.read_bytes()
    assert not cache.fetch("missing", tmp_path / "out" / "y.mp4")
    assert not (tmp_path / "out" / "y.mp4").exists()

    # A copy that dies half-way leaves neither a partial entry nor a temp file.
    import shutil

    def dying_copy(a, b):
        Path(b).write_bytes(Path(a).read_bytes()[:100])
        raise OSError("disk full")

    monkeypatch.setattr(shutil, "copyfile", dying_copy)
    with pytest.raises(OSError):
        cache.store("k2", src, meta={})
    assert not cache.has("k2")
    assert [p.name for p in (tmp_path / "cache").rglob("*") if p.name.startswith(".")] == []


def test_locations(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MVAGENT_CACHE_DIR", str(tmp_path / "env-cache"))
    assert default_cache_dir() == tmp_path / "env-cache"
    monkeypatch.delenv("MVAGENT_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert default_cache_dir() == tmp_path / ".cache" / "mvagent" / "clips"
    assert isinstance(open_cache(""), LocalClipCache)
    assert open_cache(str(tmp_path / "x")).location == str(tmp_path / "x")
    with pytest.raises(ConfigError, match="s3://bucket/prefix"):
        open_cache("gs://bucket/x")
    with pytest.raises(ConfigError, match="no bucket"):
        open_cache("s3:///x")


@pytest.mark.service
def test_s3_cache_round_trip(s3_server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket()
    cache = S3ClipCache(bucket, "clips/v1", client=s3_server.client())
    src = tmp_path / "clip.mp4"
    src.write_bytes(tiny_mp4(4.0))
    assert not cache.has("k") and cache.meta("k") is None
    cache.store("k", src, meta={"provider": "veo"})
    keys = sorted(o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["clips/v1/k.mp4", "clips/v1/records/meta/k.json"]
    assert cache.has("k") and cache.meta("k") == {"provider": "veo"}
    assert (
        cache.fetch("k", tmp_path / "got.mp4")
        and (tmp_path / "got.mp4").read_bytes() == src.read_bytes()
    )
    assert not cache.fetch("nope", tmp_path / "nope.mp4") and not (tmp_path / "nope.mp4").exists()


@pytest.mark.service
def test_generation_with_an_s3_cache_location(s3_server, scripted, tmp_path, clips_dir, decisions, retry,
                                              monkeypatch) -> None:  # fmt: skip
    """`cache_dir = s3://...` goes through boto3's default client (endpoint from the env)."""
    bucket = s3_server.new_bucket()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings = settings_for("scripted", tmp_path).model_copy(
        update={"cache_dir": f"s3://{bucket}/mv"}
    )
    first = generate_clip(
        make_request(), settings=settings, clips_dir=clips_dir, decisions=decisions, retry=retry
    )
    other = tmp_path / "elsewhere"
    second = generate_clip(
        make_request(), settings=settings, clips_dir=other, decisions=decisions, retry=retry
    )
    assert len(scripted.calls) == 1 and not first.cached and second.cached
    assert second.path.read_bytes() == first.path.read_bytes()
    assert actions(decisions) == ["generated", "cache_hit"]
    assert os.environ["AWS_ENDPOINT_URL_S3"] == s3_server.endpoint_url
