"""A planted key never shows up in exceptions, logs, decisions, cache records or journals."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import pytest

from mvagent.errors import ConfigError
from mvagent.providers.generation import generate_clip
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.server import Reply
from tests.fakes.veo import FakeVeo
from tests.providers.helpers import SORA_KEY, VEO_KEY, make_request, settings_for

pytestmark = pytest.mark.service


def every_text_under(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()
                     and p.suffix != ".mp4")  # fmt: skip


def test_planted_keys_stay_out_of_every_output(
    tmp_path, clips_dir, decisions, retry, caplog
) -> None:
    caplog.set_level(logging.DEBUG)  # SDK and httpx debug logs included
    errors: list[str] = []
    with FakeOpenAIVideos(api_key=SORA_KEY, polls_to_complete=1, poll_after_ms=1) as sora, \
            FakeVeo(api_key=VEO_KEY, polls_to_complete=1) as veo:  # fmt: skip
        creds = {
            "sora": {"api_key": SORA_KEY, "base_url": sora.base_url},
            "veo": {"api_key": VEO_KEY, "base_url": veo.url, "poll_interval_s": 0.01},
        }
        settings = settings_for("sora", tmp_path, fallback=["veo", "local"])
        # A success after a 429 and a 500, a moderation fallback to veo, a veo refusal to local.
        sora.inject(
            "create",
            Reply(
                429, {"error": {"message": f"slow down {SORA_KEY}"}}, headers={"retry-after": "1"}
            ),
        )
        sora.inject("retrieve", Reply(500, {"error": {"message": f"boom, key was {SORA_KEY}"}}))
        generate_clip(make_request(0), settings=settings, clips_dir=clips_dir, decisions=decisions,
                      credentials=creds, retry=retry)  # fmt: skip
        generate_clip(make_request(1, prompt="FORBIDDEN"), settings=settings, clips_dir=clips_dir,
                      decisions=decisions, credentials=creds, retry=retry)  # fmt: skip
        # A rejected key (the fake quotes it back, like the real API) is a one-line ConfigError.
        wrong = {"sora": {"api_key": SORA_KEY + "-revoked", "base_url": sora.base_url}}
        with pytest.raises(ConfigError) as info:
            generate_clip(make_request(2, prompt="new"), settings=settings, clips_dir=clips_dir, decisions=decisions,
                          credentials=wrong, retry=retry)  # fmt: skip
        errors.append("".join(traceback.format_exception(info.value)))

    outputs = {
        "decisions": decisions.path.read_text(),
        "logs": caplog.text,
        "exceptions": "\n".join(errors),
        "cache and journal": every_text_under(tmp_path / "cache"),
        "clips folder": every_text_under(clips_dir),
    }
    assert "429" in outputs["decisions"] and "local" in outputs["decisions"]  # the runs did happen
    for where, text in outputs.items():
        assert SORA_KEY not in text, where
        assert VEO_KEY not in text, where
    assert "***" in outputs["decisions"]  # the quoted key was scrubbed, not dropped silently
