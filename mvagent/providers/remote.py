"""Plumbing shared by the paid providers (sora, veo, web): keys, redaction, a job journal.

The job journal is what makes "never pay twice" hold across retries and killed runs: a
provider writes the remote job id right after the paid create call and, on the next
attempt for the same request, resumes that job instead of creating a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from mvagent.errors import ConfigError
from mvagent.fileio import temp_beside

# --------------------------------------------------------------------------- secrets


def reveal(value: object) -> str | None:
    """The plain string inside `value` (a `SecretStr`, str or None); empty means None."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def resolve_key(value: object, *, env: Iterable[str], provider: str, block: str) -> str:
    """The API key from config, else the first set env var; a `ConfigError` naming both if none."""
    env = tuple(env)
    key = reveal(value) or next(
        (os.environ[n].strip() for n in env if os.environ.get(n, "").strip()), None
    )
    if not key:
        raise ConfigError(
            f"the {provider} provider needs an API key: save a {block} Block and pass its name "
            f"(--credentials-block), or set {' or '.join(env)}"
        )
    return key


_KNOWN_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()


def remember_secret(secret: str | None) -> None:
    """Register a secret so `redact` scrubs it from every message in this process."""
    if secret and len(secret) >= 4:
        with _SECRETS_LOCK:
            _KNOWN_SECRETS.add(secret)


def redact(text: object, extra: Iterable[str | None] = ()) -> str:
    """`text` with every known secret (and `extra`) replaced by `***`."""
    out = str(text)
    with _SECRETS_LOCK:
        secrets = set(_KNOWN_SECRETS)
    secrets.update(s for s in extra if s and len(s) >= 4)
    for secret in sorted(secrets, key=len, reverse=True):
        out = out.replace(secret, "***")
    return out


# --------------------------------------------------------------------------- files


@contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temp path next to `dest`; it replaces `dest` only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(dest, suffix=".part")
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(dest: Path, data: bytes) -> Path:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return Path(dest)


def sha256_file(path: Path | None) -> str | None:
    if path is None:
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(**fields: Any) -> str:
    """A stable hash of keyword fields (JSON, sorted keys)."""
    blob = json.dumps(fields, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:40]


# --------------------------------------------------------------------------- job journal


class JobJournal:
    """Remote job ids by request fingerprint; in memory, or in a folder of small JSON files."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder).expanduser() if folder else None
        self._memory: dict[str, dict] = {}
        self._lock = threading.Lock()

    def _file(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}.json"

    def get(self, key: str) -> dict | None:
        with self._lock:
            if self.folder is None:
                return self._memory.get(key)
            try:
                return json.loads(self._file(key).read_text())
            except (FileNotFoundError, ValueError):
                return None

    def put(self, key: str, record: dict) -> None:
        with self._lock:
            if self.folder is None:
                self._memory[key] = dict(record)
            else:
                write_atomic(self._file(key), json.dumps(record, sort_keys=True).encode())

    def drop(self, key: str) -> None:
        with self._lock:
            if self.folder is None:
                self._memory.pop(key, None)
            else:
                self._file(key).unlink(missing_ok=True)


# --------------------------------------------------------------------------- HTTP details


def retry_after_s(headers: Any) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if headers is None:
        return None
    get = headers.get
    if (ms := get("retry-after-ms")) is not None:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        from datetime import datetime
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def fit_image(src: Path, *, width: int, height: int) -> bytes:
    """PNG bytes of `src` scaled to cover `width`x`height` and centre-cropped to it.

    Reference-image endpoints want the first frame at exactly the output size.
    """
    from mvagent.ffmpeg import run_ffmpeg

    with tempfile.TemporaryDirectory(prefix="mvagent-ref-") as tmp:
        out = Path(tmp) / "ref.png"
        vf = f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height}"
        run_ffmpeg(
            ["-y", "-i", str(src), "-vf", vf, "-frames:v", "1", str(out)],
            what="fitting the reference image",
        )
        return out.read_bytes()
