"""A migrated Prefect database to start test servers from, made once per Prefect version.

A server on a fresh SQLite file runs every Alembic migration first: 15-25 s of a 2-core
machine, at each of the session's Prefect servers (the test harness and the team-path and
automation servers). The schema those migrations make depends only on the installed Prefect,
so one database is migrated by `prefect server database upgrade` and each server starts on a
copy of it (it still runs its own migration check, which finds nothing to do).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from unittest import mock


def template_path(folder: Path) -> Path:
    """The migrated database for the installed Prefect in `folder`, made if missing."""
    import prefect
    import sqlalchemy

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"prefect-{prefect.__version__}-sqlalchemy-{sqlalchemy.__version__}.db"
    with open(folder / ".lock", "w") as lock:  # the other xdist worker waits for this one
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with tempfile.TemporaryDirectory() as home:
                env = {**os.environ, "PREFECT_HOME": home,
                       "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp}"}  # fmt: skip
                env.pop("PREFECT_API_URL", None)
                done = subprocess.run(
                    [sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
                    env=env, capture_output=True, text=True, timeout=300,
                )  # fmt: skip
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
            tmp.replace(path)
    return path


def copy_to(template: Path, dest: Path) -> Path:
    """A copy of the migrated database at `dest` (a server's own file)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, dest)
    return dest


@contextlib.contextmanager
def harness_on(template: Path) -> Iterator[list[Path]]:
    """While open, `prefect_test_harness` starts on a copy of `template`.

    The harness puts its database at <mkdtemp()>/prefect-test.db; that folder gets the copy.
    Yields the copies made, so the caller can check the harness really uses one.
    """
    import prefect.testing.utilities as harness

    copies: list[Path] = []

    def folder_with_db() -> str:
        made = tempfile.mkdtemp()
        copies.append(copy_to(template, Path(made) / "prefect-test.db"))
        return made

    with mock.patch.object(harness, "mkdtemp", folder_with_db):
        yield copies
