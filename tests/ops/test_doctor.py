"""`mvagent doctor` against the local fakes, through the real SDKs; secrets never printed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from mvagent.ops.doctor import S3Target, doctor, failed
from tests.fakes.fal import FakeFal
from tests.fakes.openai_chat import FakeOpenAIChat
from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.replicate import FakeReplicate
from tests.fakes.runway import FakeRunway
from tests.fakes.s3 import s3_server  # noqa: F401  (a fixture)
from tests.fakes.server import FakeServer, Reply, Request
from tests.fakes.suno import FakeSuno
from tests.fakes.veo import FakeVeo

KEYS = {
    "sora": "sk-sora-secret-1234",
    "llm": "sk-llm-secret-5678",
    "veo": "veo-secret-9012",
    "fal": "fal-secret-3456",
    "replicate": "r8_secret_7890",
    "runway": "key_secret_2468",
    "suno": "suno-secret-1357",
}


class FakePrefectAPI(FakeServer):
    def handle(self, req: Request) -> tuple[str, object]:
        if req.path == "/api/health":
            return "health", Reply(200, b"true", headers={"content-type": "application/json"})
        return "unknown", Reply(404, {"detail": "not found"})


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("MVAGENT_LLM", "SUNO_", "SORA_", "OPENAI_", "PREFECT_API")) or name in (
            "GEMINI_API_KEY", "GOOGLE_API_KEY", "FAL_KEY", "REPLICATE_API_TOKEN",
            "RUNWAYML_API_SECRET", "STORAGE_BUCKET_URL", "MVAGENT_WEB_SESSION_COOKIE",
        ):  # fmt: skip
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fakes() -> Iterator[dict[str, FakeServer]]:
    servers = {
        "llm": FakeOpenAIChat(api_key=KEYS["llm"]),
        "sora": FakeOpenAIVideos(api_key=KEYS["sora"]),
        "veo": FakeVeo(api_key=KEYS["veo"]),
        "fal": FakeFal(api_key=KEYS["fal"]),
        "replicate": FakeReplicate(api_key=KEYS["replicate"]),
        "runway": FakeRunway(api_key=KEYS["runway"]),
        "suno": FakeSuno(api_key=KEYS["suno"]),
        "prefect": FakePrefectAPI(),
    }
    for s in servers.values():
        s.__enter__()
    yield servers
    for s in servers.values():
        s.__exit__(None, None, None)


def _setup(fakes: dict, *, bad: str = "") -> tuple[dict, dict]:
    key = {k: ("wrong-" + v if k == bad else v) for k, v in KEYS.items()}
    env = {
        "MVAGENT_LLM_BASE_URL": fakes["llm"].base_url,
        "MVAGENT_LLM_API_KEY": key["llm"],
        "SORA_API_KEY": key["sora"],
        "OPENAI_BASE_URL": fakes["sora"].base_url,
        "SUNO_API_BASE_URL": fakes["suno"].url,
        "SUNO_API_KEY": key["suno"],
        "PREFECT_API_URL": fakes["prefect"].url + "/api",
    }
    # The video SDKs' endpoints are set per provider config (as a Block would).
    configs = {
        n: {"api_key": key[n], "base_url": fakes[n].url}
        for n in ("veo", "fal", "replicate", "runway")
    }
    return env, configs


def test_every_configured_credential_is_checked_once(fakes, s3_server) -> None:  # noqa: F811
    env, configs = _setup(fakes)
    bucket = s3_server.new_bucket()
    results = doctor(environ=env, configs=configs, s3=S3Target(bucket, "", s3_server.client()))
    by = {r.name: r for r in results}
    assert failed(results) == [], results
    assert {n for n, r in by.items() if r.status == "ok"} == {
        "llm", "sora", "veo", "fal", "replicate", "runway", "suno", "s3", "prefect"
    }  # fmt: skip
    assert by["web"].status == "not configured"
    assert "420 credits" in by["suno"].detail and "1250 credits" in by["runway"].detail
    assert "gpt-4.1-mini listed" in by["llm"].detail
    # One cheap call each; nothing paid for.
    assert fakes["llm"].calls["models"] == 1 and fakes["llm"].calls["chat"] == 0
    assert fakes["sora"].calls["list"] == 1 and fakes["sora"].calls["create"] == 0
    assert fakes["veo"].calls["model"] == 1 and fakes["veo"].calls["create"] == 0
    assert fakes["fal"].calls["status"] == 1 and fakes["fal"].calls["submit"] == 0
    assert fakes["replicate"].calls["account"] == 1
    assert fakes["runway"].calls["organization"] == 1
    assert fakes["suno"].calls["credits"] == 1


def test_selfhosted_suno_reads_get_limit(fakes) -> None:
    env = {"SUNO_API_BASE_URL": fakes["suno"].url, "SUNO_API_KIND": "selfhosted",
           "SUNO_API_KEY": KEYS["suno"]}  # fmt: skip
    by = {r.name: r for r in doctor(environ=env)}
    assert by["suno"].status == "ok" and by["suno"].detail == "420 credits left"
    assert fakes["suno"].calls["limit"] == 1


@pytest.mark.parametrize("bad", ["llm", "sora", "veo", "fal", "replicate", "runway", "suno"])
def test_a_rejected_key_fails_that_check_only(fakes, bad: str) -> None:
    env, configs = _setup(fakes, bad=bad)
    results = doctor(environ=env, configs=configs)
    assert failed(results) == [bad]
    row = next(r for r in results if r.name == bad)
    assert "401" in row.detail or "rejected" in row.detail, row.detail
    assert "wrong-" not in row.detail  # OpenAI's 401 quotes the key: it must be scrubbed


def test_nothing_configured_is_not_a_failure() -> None:
    results = doctor(environ={})
    assert failed(results) == []
    assert {r.status for r in results} == {"not configured"}


def test_cli_table_exit_status_and_no_secret_in_output(fakes, monkeypatch, s3_server) -> None:  # noqa: F811
    from mvagent.cli import cli

    env, _ = _setup(fakes, bad="sora")
    bucket = s3_server.new_bucket()
    env |= {"STORAGE_BUCKET_URL": f"s3://{bucket}/videos", "AWS_ENDPOINT_URL": s3_server.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
            "AWS_DEFAULT_REGION": "us-east-1", "MVAGENT_WEB_SESSION_COOKIE": "cookie-secret-8642"}  # fmt: skip
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    result = CliRunner().invoke(cli, ["doctor"])
    out = result.output
    assert result.exit_code == 1, out
    assert "failed: sora" in str(result.exception)
    for name in ("llm", "sora", "suno", "s3", "prefect", "web"):
        assert name in out
    assert "bucket reachable" in out and "skipped" in out
    for secret in (
        *KEYS.values(),
        "wrong-" + KEYS["sora"],
        "testing-secret-key",
        "cookie-secret-8642",
    ):
        assert secret not in out
    # A missing bucket fails s3 by name.
    monkeypatch.setenv("STORAGE_BUCKET_URL", "s3://no-such-bucket-mvagent/x")
    monkeypatch.setenv("SORA_API_KEY", KEYS["sora"])
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 1 and "failed: s3" in str(result.exception)


def test_unreachable_prefect_api_is_a_row_not_a_traceback(tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "SORA_", "SUNO_"))
    }
    env |= {"PREFECT_API_URL": "http://127.0.0.1:9/api", "PREFECT_API_KEY": "pnu_secret_api_key_1"}
    mvagent = Path(sys.executable).parent / "mvagent"
    proc = subprocess.run([str(mvagent), "doctor", "--blocks", "team"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "mvagent: error: doctor: failed: blocks, prefect"
    assert "pnu_secret_api_key_1" not in proc.stdout + proc.stderr
