"""Cleanup on real files with real atimes/mtimes: cache limits (LRU), temporaries, intermediates."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mvagent.ops.clean import (
    GB,
    drop_intermediates,
    end_of_run,
    evict,
    limits,
    limits_from_env,
    stale_render_dirs,
    stray_temporaries,
)
from mvagent.providers.cache import LocalClipCache

NOW = time.time()
MB = 1024 * 1024


def _clip(
    cache: Path, n: int, *, size: int = MB, used_days_ago: float, made_days_ago: float = 60
) -> str:
    key = f"{n:02x}" + "ab" * 19  # 40 hex characters, like clip_key
    path = cache / key[:2] / f"{key}.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    meta = cache / "records" / "meta" / f"{key}.json"
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_text("{}")
    os.utime(path, (NOW - used_days_ago * 86400, NOW - made_days_ago * 86400))
    return key


def _present(cache: Path) -> set[str]:
    return {p.stem for p in cache.glob("??/*.mp4")}


def test_age_limit_removes_unused_clips_and_their_records(tmp_path: Path) -> None:
    a = _clip(tmp_path, 1, used_days_ago=40)
    b = _clip(tmp_path, 2, used_days_ago=2)
    c = _clip(tmp_path, 3, used_days_ago=45, made_days_ago=1)  # made recently: mtime counts as use
    report = evict(tmp_path, limits=limits(older_than_days=30), now=NOW)
    assert _present(tmp_path) == {b, c}
    assert not (tmp_path / "records" / "meta" / f"{a}.json").exists()
    assert (tmp_path / "records" / "meta" / f"{b}.json").exists()
    assert report.freed_bytes == MB and report.kept_files == 2


def test_size_limit_evicts_least_recently_used_first(tmp_path: Path) -> None:
    keys = [_clip(tmp_path, i, used_days_ago=d) for i, d in enumerate([5, 1, 9, 3, 7])]
    report = evict(tmp_path, limits=limits(max_gb=2.5 * MB / GB), now=NOW)
    # Used 9, 7 and 5 days ago go (oldest use first); 1 and 3 days ago fit in 2.5 MB.
    assert _present(tmp_path) == {keys[1], keys[3]}
    assert report.kept_bytes == 2 * MB and len(report.removed) == 3


def test_a_cache_hit_counts_as_use(tmp_path: Path) -> None:
    old = _clip(tmp_path, 1, used_days_ago=20)
    newer = _clip(tmp_path, 2, used_days_ago=10)
    LocalClipCache(tmp_path).fetch(old, tmp_path / "out" / "x.mp4")  # touches atime
    evict(tmp_path, limits=limits(max_gb=1.5 * MB / GB), now=time.time())
    assert _present(tmp_path) == {old}
    assert newer not in _present(tmp_path)


def test_store_enforces_mvagent_cache_max_gb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    for i in range(3):
        _clip(cache_dir, i, used_days_ago=10 - i)
    monkeypatch.setenv("MVAGENT_CACHE_MAX_GB", str(2 * MB / GB))
    src = tmp_path / "new.mp4"
    src.write_bytes(os.urandom(MB))
    new_key = "ff" + "cd" * 19
    LocalClipCache(cache_dir).store(new_key, src, meta={"prompt": "x"})
    kept = _present(cache_dir)
    assert new_key in kept and len(kept) == 2  # the new clip and the most recently used one
    assert sum(p.stat().st_size for p in cache_dir.glob("??/*.mp4")) <= 2 * MB


def test_limits_from_env_and_bad_values() -> None:
    from mvagent.errors import ConfigError

    assert not limits_from_env({}).active
    lim = limits_from_env({"MVAGENT_CACHE_MAX_GB": "1.5", "MVAGENT_CACHE_MAX_AGE_DAYS": "7"})
    assert lim.max_bytes == int(1.5 * GB) and lim.max_age_s == 7 * 86400
    with pytest.raises(ConfigError, match="MVAGENT_CACHE_MAX_GB must be a number"):
        limits_from_env({"MVAGENT_CACHE_MAX_GB": "lots"})


def test_stray_temporaries_only_old_ones_and_only_ours(tmp_path: Path) -> None:
    song = tmp_path / "song"
    (song / "clips").mkdir(parents=True)
    old_tmp = song / ".final.mp4.k2j3h4g5.tmp"
    old_part = song / "clips" / ".scene-001.mp4.ab12cd34.part"
    young = song / ".report.md.zz99yy88.tmp"
    mine = song / "notes.tmp"  # a user's file: not our pattern
    for p in (old_tmp, old_part, young, mine):
        p.write_bytes(b"x" * 10)
    for p in (old_tmp, old_part, mine):
        os.utime(p, (NOW - 7200, NOW - 7200))
    report = stray_temporaries(song, now=NOW)
    assert {p.name for p in report.removed} == {old_tmp.name, old_part.name}
    assert young.exists() and mine.exists()
    # At the end of a run its own temporaries go whatever their age.
    end_of_run(song)
    assert not young.exists() and mine.exists()


def test_stale_render_dirs(tmp_path: Path) -> None:
    old = tmp_path / "mvagent-render-abc"
    new = tmp_path / "mvagent-render-def"
    other = tmp_path / "someone-else"
    for d in (old, new, other):
        d.mkdir()
        (d / "graph.txt").write_text("x" * 100)
    os.utime(old, (NOW - 2 * 86400, NOW - 2 * 86400))
    os.utime(other, (NOW - 2 * 86400, NOW - 2 * 86400))
    report = stale_render_dirs(temp_dir=tmp_path, now=NOW)
    assert report.removed == [old] and report.freed_bytes == 100
    assert new.exists() and other.exists()


def test_drop_intermediates_keeps_the_outputs(tmp_path: Path) -> None:
    song = tmp_path / "song"
    for name in ("final.mp4", "report.md", "report.html", "timeline.json", "analysis.json",
                 "storyboard.json", "decisions.jsonl", "song.wav", "clips/scene-001.mp4",
                 "refs/scene-002.png", "clips/takes/t1.mp4"):  # fmt: skip
        (song / name).parent.mkdir(parents=True, exist_ok=True)
        (song / name).write_bytes(b"x" * 1000)
    report = drop_intermediates(song)
    assert sorted(p.name for p in song.iterdir()) == [
        "analysis.json", "decisions.jsonl", "final.mp4", "report.html", "report.md",
        "storyboard.json", "timeline.json",
    ]  # fmt: skip
    assert report.freed_bytes == 4000


def test_clean_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mvagent.cli import cli

    cache = tmp_path / "cache"
    keep = _clip(cache, 1, used_days_ago=1)
    _clip(cache, 2, used_days_ago=50)
    _clip(cache, 3, used_days_ago=3, size=3 * MB)
    out = tmp_path / "out"
    (out / "song").mkdir(parents=True)
    stray = out / "song" / ".final.mp4.q1w2e3r4.tmp"
    stray.write_bytes(b"x")
    os.utime(stray, (NOW - 7200, NOW - 7200))
    monkeypatch.setenv("MVAGENT_CACHE_DIR", str(cache))
    args = ["clean", "--older-than", "30", "--max-gb", str(2 * MB / GB), "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--dry-run"])
    assert result.exit_code == 0 and "would have removed 3 files" in result.output
    assert len(_present(cache)) == 3 and stray.exists()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "removed 3 files" in result.output and "cache keeps 1 clips" in result.output
    assert _present(cache) == {keep} and not stray.exists()
