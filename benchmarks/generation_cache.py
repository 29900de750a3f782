"""What the clip cache saves on a rerun: time and paid calls, against regenerating.

A storyboard of N scenes is generated twice with `generate_clip`: the cold run calls the
provider for every scene, the warm run (same song, fresh output folder) must be served by
the cache. The provider is a fake Sora API on 127.0.0.1 (tests/fakes) that takes
`--job-s` seconds per job, like a (much faster) real one; the obvious alternative to the
cache is the cold run itself. Prints wall times, the ratio, and the paid calls of each run.

    .venv/bin/python benchmarks/generation_cache.py --scenes 8 --job-s 0.5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mvagent.decisions import DecisionLog  # noqa: E402
from mvagent.models import ClipRequest, GenerationSettings  # noqa: E402
from mvagent.providers.generation import generate_clip  # noqa: E402
from tests.fakes.openai_videos import FakeOpenAIVideos  # noqa: E402

KEY = "sk-bench-0123456789"


def run(
    requests: list[ClipRequest], *, settings: GenerationSettings, out: Path, base_url: str
) -> tuple[float, float]:
    t0 = time.perf_counter()
    clips = [
        generate_clip(
            r,
            settings=settings,
            clips_dir=out / "clips",
            decisions=DecisionLog(out / "decisions.jsonl"),
            credentials={"api_key": KEY, "base_url": base_url},
        )  # fmt: skip
        for r in requests
    ]
    return time.perf_counter() - t0, sum(c.cost_usd for c in clips)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int, default=8)
    ap.add_argument("--job-s", type=float, default=0.5, help="seconds the fake API takes per job")
    args = ap.parse_args()
    polls = 4
    with tempfile.TemporaryDirectory(prefix="mvagent-bench-cache-") as tmp, \
            FakeOpenAIVideos(api_key=KEY, polls_to_complete=polls,
                             poll_after_ms=int(args.job_s * 1000 / (polls + 1))) as fake:  # fmt: skip
        tmp_path = Path(tmp)
        settings = GenerationSettings(provider="sora", cache_dir=str(tmp_path / "cache"))
        requests = [ClipRequest(scene_index=i, prompt=f"scene {i}: neon rain", duration_s=8, width=1280,
                                height=720, fps=24) for i in range(args.scenes)]  # fmt: skip
        cold_s, cold_usd = run(
            requests, settings=settings, out=tmp_path / "cold", base_url=fake.base_url
        )
        creates_cold = fake.calls["create"]
        warm_s, warm_usd = run(
            requests, settings=settings, out=tmp_path / "warm", base_url=fake.base_url
        )
        creates_warm = fake.calls["create"] - creates_cold
    print(f"scenes: {args.scenes}, fake job time {args.job_s:.2f} s")
    print(
        f"cold run (provider called):   {cold_s:7.2f} s, {creates_cold} paid creates, ${cold_usd:.2f}"
    )
    print(
        f"warm run (served from cache): {warm_s:7.2f} s, {creates_warm} paid creates, ${warm_usd:.2f}"
    )
    print(f"ratio warm/cold: {warm_s / cold_s:.3f}  (cold/warm = {cold_s / warm_s:.1f}x faster)")


if __name__ == "__main__":
    main()
