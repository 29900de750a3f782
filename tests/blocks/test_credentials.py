"""Credential Blocks: SecretStr fields, loaded by name, clients built from them; S3 storage."""

from __future__ import annotations

import pytest

from mvagent.errors import ConfigError

pytestmark = [pytest.mark.service, pytest.mark.slow]

KEY = "sk-PLANTED-block-key-0123456789"


def test_secrets_are_masked_everywhere_a_block_is_shown(prefect_harness) -> None:
    from blocks.credentials import SoraCredentials

    block = SoraCredentials(api_key=KEY, base_url="http://127.0.0.1:9/v1", model="wan-2.5")
    for text in (repr(block), str(block), block.model_dump_json(), repr(block.provider_config())):
        assert KEY not in text
    assert block.provider_config()["api_key"].get_secret_value() == KEY


def test_save_load_by_name_and_clients(prefect_harness) -> None:
    from blocks.credentials import (
        SoraCredentials,
        VeoCredentials,
        WebSessionCredentials,
        load_credentials,
    )

    SoraCredentials(api_key=KEY, base_url="http://127.0.0.1:9/v1", model="wan-2.5",
                    price_per_second_usd=0.05).save("sora-gateway", overwrite=True)  # fmt: skip
    VeoCredentials(api_key="veo-PLANTED-0123456789", base_url="http://127.0.0.1:9/").save(
        "veo-x", overwrite=True
    )
    WebSessionCredentials(session_cookie="cookie-PLANTED-0123", recipe="example",
                          base_url="http://127.0.0.1:9").save("web-x", overwrite=True)  # fmt: skip

    config = load_credentials("sora", "sora-gateway")
    assert config["model"] == "wan-2.5" and config["price_per_second_usd"] == 0.05
    assert config["api_key"].get_secret_value() == KEY  # still wrapped
    assert load_credentials("sora", "mvagent-sora-credentials/sora-gateway")["model"] == "wan-2.5"

    client = SoraCredentials.load("sora-gateway").get_client()
    assert str(client.base_url) == "http://127.0.0.1:9/v1/" and client.max_retries == 0
    veo_client = VeoCredentials.load("veo-x").get_client()
    assert veo_client._api_client.vertexai is True
    web = WebSessionCredentials.load("web-x").get_client()
    assert web.url == "http://127.0.0.1:9/create"

    from mvagent.providers import get_provider

    provider = get_provider("sora", **config)
    assert provider.capabilities.price_per_second_usd == 0.05 and provider.model == "wan-2.5"


def test_a_missing_block_is_a_config_error(prefect_harness) -> None:
    from blocks.credentials import load_credentials

    with pytest.raises(ConfigError, match="no saved SoraCredentials Block named 'nope'"):
        load_credentials("sora", "nope")


def test_s3_bucket_block_gives_a_shared_clip_cache(prefect_harness, s3_server, tmp_path) -> None:

    from blocks.storage import s3_clip_cache
    from tests.fakes.media import tiny_mp4

    bucket = s3_server.new_bucket()
    s3_server.bucket_block(bucket, folder="team").save("clips-bucket", overwrite=True)

    cache = s3_clip_cache("clips-bucket")
    assert cache.location == f"s3://{bucket}/team/clips"
    src = tmp_path / "c.mp4"
    src.write_bytes(tiny_mp4(4.0))
    cache.store("abc", src, meta={"provider": "sora"})
    listed = s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert "team/clips/abc.mp4" in {o["Key"] for o in listed}
    assert (
        cache.fetch("abc", tmp_path / "back.mp4")
        and (tmp_path / "back.mp4").read_bytes() == src.read_bytes()
    )
    with pytest.raises(ConfigError, match="S3Bucket Block named 'missing'"):
        s3_clip_cache("missing")
