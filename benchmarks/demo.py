"""Wall time of the whole demo pipeline against the song's own duration.

Target (foundation issue): the demo takes less wall time than the song lasts, on 2 cores.
Runs `mvagent make --demo` twice in a fresh output folder: the first run generates every
clip, the second is a rerun that the clip cache should make much cheaper. Install time is
excluded (run `make install` first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_demo(out: Path) -> float:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.setdefault("PREFECT_HOME", str(out / ".prefect"))
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mvagent.cli", "make", "--demo", "--out", str(out)],
        check=True,
        env=env,
        cwd=ROOT,
    )
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mvagent-bench-") as tmp:
        out = Path(tmp)
        cold = run_demo(out)
        warm = run_demo(out)
        analysis = json.loads((out / "demo" / "analysis.json").read_text())
        song = analysis["duration"]
        stages = {}
        for line in (out / "demo" / "report.md").read_text().splitlines():
            parts = [p.strip() for p in line.strip("|").split("|")]
            if len(parts) == 2 and parts[0] in (
                "ingest",
                "analyse",
                "plan",
                "generate",
                "edit",
                "evaluate",
                "publish",
            ):
                stages[parts[0]] = float(parts[1])
    print(f"song duration          {song:7.2f} s")
    print(f"demo, first run        {cold:7.2f} s  ratio {cold / song:.2f} of real time")
    print(f"demo, rerun (cached)   {warm:7.2f} s  ratio {warm / song:.2f} of real time")
    print("rerun stage times      " + ", ".join(f"{k} {v:.2f}s" for k, v in stages.items()))
    print("PASS" if cold < song else "FAIL", "- first run faster than the song lasts")


if __name__ == "__main__":
    main()
