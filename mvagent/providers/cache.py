"""The clip cache: every generated clip, stored under a hash of what made it.

The key covers provider, model, prompt, duration, size and the reference image's bytes
(for providers that declare `cache_fields`), or the whole request for those that do not
(`local`, whose output also depends on seed, palette and beat cues). A folder by default
(`~/.cache/mvagent/clips`), S3 when the location is `s3://bucket/prefix`. Every write is
atomic: a clip is either fully there or absent, so a killed run never leaves a half file
that a rerun would trust.
"""

from __future__ import annotations

import json
import os
import shutil
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from mvagent.errors import ConfigError
from mvagent.models import ClipRequest
from mvagent.ops.clean import evict, limits_from_env, touch_used
from mvagent.providers.remote import atomic_path, fingerprint, sha256_file, write_atomic

KEY_VERSION = 1


def default_cache_dir() -> Path:
    """`$MVAGENT_CACHE_DIR`, else `$XDG_CACHE_HOME/mvagent/clips`, else `~/.cache/mvagent/clips`."""
    if env := os.environ.get("MVAGENT_CACHE_DIR"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "mvagent" / "clips"


def clip_key(
    *,
    provider: str,
    model: str,
    request: ClipRequest,
    duration_s: float,
    width: int,
    height: int,
    fields: tuple[str, ...] | None = None,
) -> str:
    """Hash of everything that decides the clip's content.

    `fields` names the request fields the provider actually uses ("reference" means the
    reference image's bytes); None means all of them, which only risks extra misses.
    """
    if fields is None:
        used = request.model_dump(
            mode="json", exclude={"scene_index", "reference_image", "duration_s", "width", "height"}
        )
        with_ref = True
    else:
        used = {f: getattr(request, f) for f in fields if f != "reference"}
        with_ref = "reference" in fields
    return fingerprint(
        v=KEY_VERSION,
        provider=provider,
        model=model,
        duration_s=round(float(duration_s), 3),
        size=[int(width), int(height)],
        reference=sha256_file(request.reference_image) if with_ref else None,
        **used,
    )


class ClipCache(ABC):
    """Clips (`<key>.mp4`) with a JSON sidecar, plus small named records (fallback aliases)."""

    location: str

    @abstractmethod
    def fetch(self, key: str, dest: Path) -> bool:
        """Copy the clip for `key` to `dest` (atomically); False on a miss."""

    @abstractmethod
    def store(self, key: str, src: Path, *, meta: dict[str, Any]) -> None:
        """Keep `src` under `key` with its metadata."""

    @abstractmethod
    def has(self, key: str) -> bool: ...

    @abstractmethod
    def get_record(self, name: str) -> dict | None: ...

    @abstractmethod
    def put_record(self, name: str, record: dict) -> None: ...

    def meta(self, key: str) -> dict | None:
        return self.get_record(f"meta/{key}")

    def jobs_dir(self) -> Path:
        """Where providers journal in-flight remote jobs (always a local folder)."""
        return default_cache_dir() / "jobs"


class LocalClipCache(ClipCache):
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()
        self.location = str(self.folder)

    def _clip(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.mp4"

    def _record(self, name: str) -> Path:
        return self.folder / "records" / f"{name}.json"

    def has(self, key: str) -> bool:
        return self._clip(key).is_file()

    def fetch(self, key: str, dest: Path) -> bool:
        src = self._clip(key)
        if not src.is_file():
            return False
        with atomic_path(dest) as tmp:
            shutil.copyfile(src, tmp)
        touch_used(src)  # least recently used goes first when the cache is trimmed
        return True

    def store(self, key: str, src: Path, *, meta: dict[str, Any]) -> None:
        with atomic_path(self._clip(key)) as tmp:
            shutil.copyfile(src, tmp)
        self.put_record(f"meta/{key}", meta)
        if (limits := limits_from_env()).active:  # MVAGENT_CACHE_MAX_GB / _MAX_AGE_DAYS
            evict(self.folder, limits=limits, protect=(key,))

    def get_record(self, name: str) -> dict | None:
        try:
            return json.loads(self._record(name).read_text())
        except (FileNotFoundError, ValueError):
            return None

    def put_record(self, name: str, record: dict) -> None:
        write_atomic(self._record(name), json.dumps(record, sort_keys=True).encode())

    def jobs_dir(self) -> Path:
        return self.folder / "jobs"


class S3ClipCache(ClipCache):
    """`s3://bucket/prefix`; the client is boto3's (endpoint from `AWS_ENDPOINT_URL[_S3]`)."""

    def __init__(self, bucket: str, prefix: str = "", *, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.location = f"s3://{bucket}/{self.prefix}".rstrip("/")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def _missing(self, exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def has(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(f"{key}.mp4"))
            return True
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise

    def fetch(self, key: str, dest: Path) -> bool:
        from botocore.exceptions import ClientError

        try:
            with atomic_path(dest) as tmp:
                self.client.download_file(self.bucket, self._key(f"{key}.mp4"), str(tmp))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def store(self, key: str, src: Path, *, meta: dict[str, Any]) -> None:
        # An S3 object appears whole or not at all, so the upload itself is atomic.
        self.client.upload_file(str(src), self.bucket, self._key(f"{key}.mp4"))
        self.put_record(f"meta/{key}", meta)

    def get_record(self, name: str) -> dict | None:
        from botocore.exceptions import ClientError

        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._key(f"records/{name}.json"))
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise
        try:
            return json.loads(obj["Body"].read())
        except ValueError:
            return None

    def put_record(self, name: str, record: dict) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._key(f"records/{name}.json"),
            Body=json.dumps(record, sort_keys=True).encode(),
            ContentType="application/json",
        )


def open_cache(location: str = "", *, s3_client: Any = None) -> ClipCache:
    """The cache at `location`: "" (default folder), a folder, or `s3://bucket/prefix`."""
    location = (location or "").strip()
    if location.startswith("s3://"):
        bucket, _, prefix = location[5:].partition("/")
        if not bucket:
            raise ConfigError(f"cache location {location!r} has no bucket; use s3://bucket/prefix")
        return S3ClipCache(bucket, prefix, client=s3_client)
    if "://" in location:
        raise ConfigError(f"cache location {location!r}: use a folder or s3://bucket/prefix")
    return LocalClipCache(location or default_cache_dir())
