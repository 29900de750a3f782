"""Cleanup: stray temporaries of a run, the local clip cache's limits, intermediates after upload.

The clip cache is what makes a rerun free, so it is trimmed least-recently-used first: a
clip's last use is the later of its atime and mtime, and a cache hit touches the atime
explicitly (`touch_used`), because `noatime`/`relatime` mounts cannot be trusted to.
Only things this program made are removed: temp files of its atomic writes (`.<name>.*.tmp`,
`.part`), its render work folders in the system temp dir, and cached clips with their
metadata records. A song's outputs (final.mp4, the JSON contracts, reports) are never touched
except by `drop_intermediates`, which keeps exactly those.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mvagent.errors import ConfigError

ENV_MAX_GB = "MVAGENT_CACHE_MAX_GB"
ENV_MAX_AGE_DAYS = "MVAGENT_CACHE_MAX_AGE_DAYS"
_DAY = 86400.0
GB = 1024**3

# Temp files of fileio.temp_beside / remote.atomic_path: ".<dest name>.<random><suffix>".
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{6,}\.(tmp|part)$")
_CLIP_NAME = re.compile(r"^[0-9a-f]{16,}\.mp4$")
RENDER_TEMP_PREFIX = "mvagent-render-"

# What a finished song folder keeps after its upload: the contracts, the video, the reports.
KEEP_AFTER_UPLOAD = (
    "analysis.json", "storyboard.json", "timeline.json", "final.mp4", "final.srt", "final.ass",
    "report.md", "report.html", "decisions.jsonl", "trace.jsonl", "review.json",
    "contact_sheet.png",
)  # fmt: skip


@dataclass
class CleanReport:
    removed: list[Path] = field(default_factory=list)
    freed_bytes: int = 0
    kept_bytes: int = 0
    kept_files: int = 0

    def add(self, path: Path, size: int) -> None:
        self.removed.append(path)
        self.freed_bytes += size

    def merge(self, other: CleanReport) -> CleanReport:
        self.removed += other.removed
        self.freed_bytes += other.freed_bytes
        self.kept_bytes += other.kept_bytes
        self.kept_files += other.kept_files
        return self

    def summary(self) -> str:
        return (
            f"removed {len(self.removed)} files, freed {self.freed_bytes / 1e6:.1f} MB; "
            f"cache keeps {self.kept_files} clips, {self.kept_bytes / 1e6:.1f} MB"
        )


@dataclass(frozen=True)
class CacheLimits:
    max_bytes: int | None = None
    max_age_s: float | None = None

    @property
    def active(self) -> bool:
        return self.max_bytes is not None or self.max_age_s is not None


def limits_from_env(env: Mapping[str, str] | None = None) -> CacheLimits:
    """`MVAGENT_CACHE_MAX_GB` and `MVAGENT_CACHE_MAX_AGE_DAYS`; unset means unlimited."""
    env = os.environ if env is None else env
    return limits(max_gb=_number(env, ENV_MAX_GB), older_than_days=_number(env, ENV_MAX_AGE_DAYS))


def limits(*, max_gb: float | None = None, older_than_days: float | None = None) -> CacheLimits:
    return CacheLimits(
        max_bytes=None if max_gb is None else int(max_gb * GB),
        max_age_s=None if older_than_days is None else older_than_days * _DAY,
    )


def _number(env: Mapping[str, str], name: str) -> float | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {text!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must be >= 0, not {text!r}")
    return value


def touch_used(path: Path) -> None:
    """Mark a cached clip as just used (atime now, mtime kept: it says when it was made)."""
    try:
        st = path.stat()
        os.utime(path, ns=(time.time_ns(), st.st_mtime_ns))
    except OSError:
        pass  # a clip evicted meanwhile, or a read-only cache: LRU order is only advisory


def _last_used(st: os.stat_result) -> float:
    return max(st.st_atime, st.st_mtime)


def _cached_clips(folder: Path) -> list[tuple[Path, os.stat_result]]:
    out = []
    for sub in folder.iterdir() if folder.is_dir() else ():
        if len(sub.name) != 2 or not sub.is_dir():
            continue  # records/ and jobs/ are not clips
        for clip in sub.iterdir():
            if _CLIP_NAME.match(clip.name):
                try:
                    out.append((clip, clip.stat()))
                except FileNotFoundError:
                    continue
    return out


def _unlink(path: Path) -> int:
    try:
        size = path.stat().st_size
        path.unlink()
        return size
    except FileNotFoundError:
        return 0


def evict(
    folder: str | Path,
    *,
    limits: CacheLimits,
    now: float | None = None,
    protect: Iterable[str] = (),
    dry_run: bool = False,
) -> CleanReport:
    """Trim the local clip cache: clips unused for longer than the age limit go, then the
    least recently used until the total fits the size limit. `protect` names keys kept
    regardless (the clip a run just stored)."""
    folder = Path(folder).expanduser()
    now = time.time() if now is None else now
    keep = set(protect)
    report = CleanReport()
    clips = sorted(_cached_clips(folder), key=lambda c: _last_used(c[1]))
    total = sum(st.st_size for _, st in clips)
    survivors = []
    for clip, st in clips:
        key = clip.stem
        too_old = limits.max_age_s is not None and now - _last_used(st) > limits.max_age_s
        too_big = limits.max_bytes is not None and total > limits.max_bytes
        if key not in keep and (too_old or too_big):
            if not dry_run:
                _unlink(clip)
                _unlink(folder / "records" / "meta" / f"{key}.json")
            report.add(clip, st.st_size)
            total -= st.st_size
        else:
            survivors.append(st.st_size)
    report.kept_bytes = sum(survivors)
    report.kept_files = len(survivors)
    return report.merge(stray_temporaries(folder, now=now, dry_run=dry_run))


def stray_temporaries(
    folder: str | Path,
    *,
    now: float | None = None,
    min_age_s: float = 3600.0,
    dry_run: bool = False,
) -> CleanReport:
    """Temp files of atomic writes that a killed process left under `folder`.

    Only those older than `min_age_s`: a younger one may belong to a write in progress.
    """
    folder = Path(folder)
    now = time.time() if now is None else now
    report = CleanReport()
    if not folder.is_dir():
        return report
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if not _TEMP_NAME.match(name):
                continue
            path = Path(root) / name
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            if now - st.st_mtime >= min_age_s:
                if not dry_run:
                    _unlink(path)
                report.add(path, st.st_size)
    return report


def stale_render_dirs(
    *, temp_dir: str | Path | None = None, now: float | None = None, min_age_s: float = _DAY,
    dry_run: bool = False,
) -> CleanReport:  # fmt: skip
    """Render work folders (`mvagent-render-*`) a killed render left in the temp dir."""
    base = Path(temp_dir or tempfile.gettempdir())
    now = time.time() if now is None else now
    report = CleanReport()
    for path in base.glob(f"{RENDER_TEMP_PREFIX}*"):
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if path.is_dir() and now - st.st_mtime >= min_age_s:
            size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
            if not dry_run:
                shutil.rmtree(path, ignore_errors=True)
            report.add(path, size)
    return report


def end_of_run(song_dir: str | Path) -> CleanReport:
    """Temporaries of this run, removed when it ends (any age: the run's writes are done)."""
    return stray_temporaries(song_dir, min_age_s=0.0)


def drop_intermediates(
    song_dir: str | Path, *, keep: Iterable[str] = KEEP_AFTER_UPLOAD
) -> CleanReport:
    """After a successful upload: everything in the song folder but the outputs.

    Clips, reference frames, takes and the decoded song go; they are in the bucket (and the
    clips in the cache), so `mvagent render` or a redo can fetch them back.
    """
    base = Path(song_dir)
    wanted = set(keep)
    report = CleanReport()
    for entry in sorted(base.iterdir()) if base.is_dir() else ():
        if entry.name in wanted:
            continue
        if entry.is_dir():
            files = [f for f in entry.rglob("*") if f.is_file()]
            size = sum(f.stat().st_size for f in files)
            shutil.rmtree(entry)
            report.add(entry, size)
        else:
            report.add(entry, _unlink(entry))
    return report
