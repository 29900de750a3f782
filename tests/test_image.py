"""The worker image's Python layer, built the way the Dockerfile builds it, and used.

There is no Docker engine here, so the test does what the Dockerfile's steps do, in a clean
`python3.11 -m venv` in a temporary folder: `uv pip sync` of exactly requirements-runtime.lock
(the uv cache makes it a copy, not a download), the folders the Dockerfile COPYs (read from
the Dockerfile itself, so a folder it forgets fails here), the project with `--no-deps`, the
numba warm-up (after which the demo must compile nothing), then `mvagent doctor` (offline
defaults: only unconfigured rows, Prefect ok) and the demo, whose final.mp4 must last as long
as the song. The environment is a container's:
only the venv on PATH, no keys, a fresh home.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.healthcheck import healthy
from mvagent.ffmpeg import probe
from tests.fakes.server import FakeServer, Reply

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
UV = Path(sys.executable).with_name("uv")


def _copied_paths() -> list[str]:
    """Every source the Dockerfile COPYs into /app."""
    sources: list[str] = []
    for line in DOCKERFILE.splitlines():
        if line.startswith("COPY "):
            *src, _dest = line.split()[1:]
            sources += [s for s in src if not s.startswith("--")]
    return sources


def test_dockerfile_uses_the_runtime_lock_only_a_user_and_a_healthcheck() -> None:
    assert "uv pip sync --system --no-cache requirements-runtime.lock" in DOCKERFILE
    steps = "\n".join(ln for ln in DOCKERFILE.splitlines() if not ln.lstrip().startswith("#"))
    assert "requirements.lock" not in steps.replace("requirements-runtime.lock", "")
    assert "--no-deps -e ." in DOCKERFILE
    assert re.search(r"^RUN python -m mvagent.warmup$", DOCKERFILE, re.M)  # as the test runs it
    assert re.search(r"^USER mvagent$", DOCKERFILE, re.M)
    assert re.search(
        r"^HEALTHCHECK .*\n\s+CMD \[\"python\", \"-m\", \"flows.healthcheck\"\]", DOCKERFILE, re.M
    )
    runtime = (ROOT / "requirements-runtime.lock").read_text()
    for tool in ("pytest", "ruff", "moto"):
        assert not re.search(rf"^{tool}==", runtime, re.M), f"{tool} is a test tool"
    # Every package the project installs is copied in (so the editable install finds it).
    packages = re.search(r"include = \[(.*?)\]", (ROOT / "pyproject.toml").read_text()).group(1)
    for pkg in re.findall(r'"(\w+)\*"', packages):
        assert pkg in _copied_paths(), f"the Dockerfile does not COPY {pkg}/"


def test_healthcheck_follows_the_worker_health_server_or_the_run() -> None:
    class Health(FakeServer):
        def handle(self, req):
            return "health", Reply(200, {"message": "OK"})

    with Health() as server:
        port = server.url.rsplit(":", 1)[1]
        assert healthy({"PREFECT_WORKER_WEBSERVER_PORT": port}) and server.calls["health"] == 1
    assert not healthy({"PREFECT_WORKER_WEBSERVER_PORT": port}, timeout_s=1)  # server gone
    assert healthy({"PREFECT__FLOW_RUN_ID": "a-run", "PREFECT_WORKER_WEBSERVER_PORT": port})


@pytest.mark.slow
@pytest.mark.service
@pytest.mark.skipif(not UV.exists() or not shutil.which("python3.11"), reason="needs uv and 3.11")
def test_image_layer_in_a_clean_venv_runs_doctor_and_the_demo(
    prefect_harness, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    timings: dict[str, float] = {}

    def step(name: str, argv: list[str], **kw) -> subprocess.CompletedProcess:
        began = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=240, **kw)
        timings[name] = time.monotonic() - began
        assert done.returncode == 0, f"{name}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
        return done

    venv, app, home = tmp_path / "venv", tmp_path / "app", tmp_path / "home"
    home.mkdir()
    python = str(venv / "bin" / "python")
    step("venv", ["python3.11", "-m", "venv", str(venv)])
    app.mkdir()
    for src in _copied_paths():
        (shutil.copytree if (ROOT / src).is_dir() else shutil.copy2)(ROOT / src, app / src)
    # The Dockerfile's two installs, with the uv cache instead of --no-cache and --python
    # instead of --system.
    step("sync", [str(UV), "pip", "sync", "--quiet", "--python", python,
                  "requirements-runtime.lock"], cwd=app)  # fmt: skip
    step("project", [str(UV), "pip", "install", "--quiet", "--python", python, "--no-deps",
                     "-e", "."], cwd=app)  # fmt: skip
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "PREFECT_HOME": str(home / ".prefect"),
        "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": PREFECT_API_URL.value(),  # as a Railway variable sets it
    }
    bin_ = venv / "bin"
    step("warm", [python, "-m", "mvagent.warmup"], cwd=app, env=env)
    cache = Path(env["NUMBA_CACHE_DIR"])
    warmed = sorted(p.name for p in cache.rglob("*.nbc"))
    assert warmed, "the warm-up compiled nothing into NUMBA_CACHE_DIR"

    doctor = step("doctor", [str(bin_ / "mvagent"), "doctor"], cwd=app, env=env)
    table = doctor.stdout
    assert re.search(r"prefect\s.*\bok\b", table), table
    for name in ("llm", "sora", "suno", "s3", "web"):
        assert re.search(rf"^\W*{name}\b.*not configured", table, re.M), table
    assert "failed" not in table

    step("demo", [str(bin_ / "mvagent"), "make", "--demo", "--out", "out", "--size", "320x180",
                  "--fps", "12", "--preset", "draft", "--critic", "rules"], cwd=app, env=env)  # fmt: skip
    final = app / "out" / "demo" / "final.mp4"
    analysis = (app / "out" / "demo" / "analysis.json").read_text()
    song_s = float(re.search(r'"duration":\s*([0-9.]+)', analysis).group(1))
    info = probe(final)
    assert info.has_video and abs(info.duration_s - song_s) <= 1 / 12 + 0.01
    # A new container compiles nothing: every function the make ran was in the warm cache.
    assert sorted(p.name for p in cache.rglob("*.nbc")) == warmed
    # The package really came from the clean venv, not from the project's .venv (where the
    # import system finds them; importing Prefect only to print a path costs seconds).
    where = step("where", [python, "-c", "from importlib.util import find_spec as f; "
                           "print(f('mvagent').origin, f('prefect').origin)"], cwd=app, env=env)  # fmt: skip
    assert str(app) in where.stdout and str(venv) in where.stdout
    print("image layer timings (s):", {k: round(v, 1) for k, v in timings.items()})
