"""The webhook as a notification Block: its URL kept secret, any saved webhook usable."""

from __future__ import annotations

import pytest

from mvagent.errors import ConfigError

pytestmark = pytest.mark.service
URL = "https://hooks.example/services/T0/B0/PLANTED-token-42"


def test_the_url_is_a_secret_and_the_block_is_found_by_name(prefect_harness) -> None:
    from prefect.client.orchestration import get_client

    from blocks.notify import notification_block_id, save_webhook_block

    assert save_webhook_block(URL, name="notify-a") == "custom-webhook/notify-a"
    ref, block_id = notification_block_id("notify-a")
    assert ref == "custom-webhook/notify-a"
    with get_client(sync_client=True) as client:
        shown = client.read_block_document(block_id, include_secrets=False)
    assert "PLANTED" not in shown.model_dump_json()  # what the UI and the API show


def test_a_plain_webhook_block_becomes_a_notification_block(prefect_harness) -> None:
    from prefect.blocks.core import Block
    from prefect.blocks.webhook import Webhook

    from blocks.notify import notification_block_id

    Webhook(method="POST", url=URL).save("notify-b", overwrite=True)  # what from-env saves
    ref, _ = notification_block_id("webhook/notify-b")
    assert ref == "custom-webhook/notify-b"
    block = Block.load(ref)
    assert block.secrets.get_secret_value()["webhook_url"] == URL
    with pytest.raises(ConfigError, match="no notification Block named 'nope'"):
        notification_block_id("nope")
    with pytest.raises(ConfigError, match="http"):
        from blocks.notify import webhook_block

        webhook_block("hooks.example/no-scheme")
