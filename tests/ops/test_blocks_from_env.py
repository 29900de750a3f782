"""`mvagent blocks from-env`: the deployment's variables become Blocks; doctor reads them back."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.fakes.openai_videos import FakeOpenAIVideos
from tests.fakes.s3 import s3_server  # noqa: F401  (a fixture)
from tests.fakes.suno import FakeSuno

SECRETS = {
    "SORA_API_KEY": "sk-sora-env-secret",
    "SUNO_API_KEY": "suno-test-key",
    "SORA_EMAIL": "artist@example.com",
    "SORA_PASSWORD": "pw-env-secret-42",
    "RAILWAY_WEBHOOK": "https://hooks.example/railway/secret-path-77",
    "FAL_KEY": "fal-env-secret",
    "MVAGENT_LLM_API_KEY": "sk-llm-env-secret",
}


def test_blocks_built_from_env_without_saving() -> None:
    from blocks.from_env import blocks_from_env

    env = {**SECRETS, "SUNO_API_BASE_URL": "http://127.0.0.1:1", "STORAGE_BUCKET_URL": "s3://b/p/q",
           "MVAGENT_LLM_BASE_URL": "http://127.0.0.1:2/v1"}  # fmt: skip
    built = blocks_from_env(env)
    assert set(built) == {"sora", "suno", "web", "webhook", "fal", "llm", "s3"}
    assert built["web"].login_email == "artist@example.com"
    assert built["web"].login_password.get_secret_value() == "pw-env-secret-42"
    assert built["s3"].bucket_name == "b" and built["s3"].bucket_folder == "p/q"
    assert built["webhook"].url.get_secret_value() == SECRETS["RAILWAY_WEBHOOK"]
    assert blocks_from_env({}) == {}


def test_bad_bucket_url_is_one_clear_error() -> None:
    from blocks.from_env import blocks_from_env
    from mvagent.errors import ConfigError

    with pytest.raises(ConfigError, match="s3://bucket/prefix"):
        blocks_from_env({"STORAGE_BUCKET_URL": "bucket-only"})


@pytest.mark.service
def test_from_env_saves_blocks_and_doctor_checks_them(
    prefect_harness,
    monkeypatch,
    s3_server,  # noqa: F811
) -> None:
    from mvagent.cli import cli

    for name in ("OPENAI_BASE_URL", "SUNO_API_BASE_URL", "MVAGENT_LLM_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    bucket = s3_server.new_bucket()
    with FakeOpenAIVideos(api_key=SECRETS["SORA_API_KEY"]) as sora, FakeSuno() as suno:
        env = {"SORA_API_KEY": SECRETS["SORA_API_KEY"], "OPENAI_BASE_URL": sora.base_url,
               "SUNO_API_KEY": "suno-test-key", "SUNO_API_BASE_URL": suno.url,
               "SORA_EMAIL": SECRETS["SORA_EMAIL"], "SORA_PASSWORD": SECRETS["SORA_PASSWORD"],
               "RAILWAY_WEBHOOK": SECRETS["RAILWAY_WEBHOOK"],
               "STORAGE_BUCKET_URL": f"s3://{bucket}/runs", "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_ENDPOINT_URL": s3_server.endpoint_url}  # fmt: skip
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        result = CliRunner().invoke(cli, ["blocks", "from-env", "--name", "team"])
        assert result.exit_code == 0, result.output
        assert "saved mvagent-sora-credentials/team" in result.output
        assert "saved s3-bucket/team" in result.output and "saved webhook/team" in result.output
        for secret in SECRETS.values():
            assert secret not in result.output

        # The Blocks alone (no variables) are enough for doctor.
        for k in env:
            monkeypatch.delenv(k)
        monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint_url)  # moto, for boto3
        result = CliRunner().invoke(cli, ["doctor", "--blocks", "team"])
        assert result.exit_code == 0, result.output
        assert sora.calls["list"] == 1 and suno.calls["credits"] == 1
        assert "bucket reachable" in result.output
        for secret in SECRETS.values():
            assert secret not in result.output
