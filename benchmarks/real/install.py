"""Install the Debian packages a source needs, idempotently (only when missing, only as root)."""

from __future__ import annotations

import os
import shutil
import subprocess


def missing_packages(packages: list[str]) -> list[str]:
    """The packages dpkg does not report as installed."""
    if shutil.which("dpkg-query") is None:
        return list(packages)
    missing = []
    for pkg in packages:
        r = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True
        )
        if "install ok installed" not in r.stdout:
            missing.append(pkg)
    return missing


def ensure_packages(packages: list[str]) -> bool:
    """Install whatever of `packages` is missing; True when all are there afterwards.

    Never prompts and never uses sudo: a non-root user gets False and the source is skipped.
    """
    missing = missing_packages(packages)
    if not missing:
        return True
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        # The package lists may never have been fetched on a fresh machine.
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return r.returncode == 0 and not missing_packages(packages)
