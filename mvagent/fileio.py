"""Atomic writes: a reader never sees half a file, a crash never leaves one in place."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def temp_beside(dest: str | Path, *, suffix: str = ".tmp") -> Path:
    """A new empty temp file in `dest`'s folder (so a rename onto `dest` is atomic).

    mkstemp makes it owner-only (0600); it gets the usual permissions instead, since it
    becomes the user's output file and other tools (a web server, a container) read it.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=suffix)
    os.close(fd)
    os.chmod(name, _default_mode())
    return Path(name)


def write_text_atomic(path: str | Path, text: str) -> Path:
    path = Path(path)
    tmp = temp_beside(path)
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: str | Path, data: BaseModel | dict | list) -> Path:
    if isinstance(data, BaseModel):
        text = data.model_dump_json(indent=2)
    else:
        text = json.dumps(data, indent=2, default=str)
    return write_text_atomic(path, text + "\n")
