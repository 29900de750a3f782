"""The webhook that hears about finished videos and low quotas, as a Prefect notification Block.

Prefect's automations send notifications through NotificationBlocks. `RAILWAY_WEBHOOK` (or any
incoming-webhook URL, Slack's included) becomes a `CustomWebhookNotificationBlock` that POSTs
`{"text": "<subject>\\n<body>"}`, the shape Slack's incoming webhooks take. The URL is
itself a secret (its path is the token), so it is kept in the Block's secret values and only
referenced from the URL template: the UI and the API show it obfuscated.
A saved `SlackWebhook` or any other NotificationBlock can be named instead.
"""

from __future__ import annotations

from typing import Any

from mvagent.errors import ConfigError

DEFAULT_NAME = "mvagent"
# Tried in order for a bare name (`team`); `type-slug/name` picks the type itself.
_BARE_NAME_TYPES = ("custom-webhook", "slack-webhook", "webhook")


def webhook_block(url: str) -> Any:
    """A CustomWebhookNotificationBlock POSTing Slack-style JSON to `url` (kept secret)."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.types import SecretDict

    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise ConfigError("the webhook must be an http(s) URL (RAILWAY_WEBHOOK or --webhook-url)")
    return CustomWebhookNotificationBlock(
        name="mvagent",
        url="{{webhook_url}}",
        method="POST",
        json_data={"text": "{{subject}}\n{{body}}"},
        secrets=SecretDict({"webhook_url": url}),
    )


def save_webhook_block(url: str, *, name: str = DEFAULT_NAME) -> str:
    """Save `url` as `custom-webhook/<name>`; returns that reference."""
    block = webhook_block(url)
    block.save(name, overwrite=True)
    return f"{block.get_block_type_slug()}/{name}"


def notification_block_id(ref: str) -> tuple[str, Any]:
    """(`type-slug/name`, block document id) of the NotificationBlock `ref` names.

    A plain Webhook Block (what `mvagent blocks from-env` saves from RAILWAY_WEBHOOK) is
    not a NotificationBlock; its URL is saved again as a custom-webhook Block of that name.
    """
    from prefect.blocks.abstract import NotificationBlock
    from prefect.blocks.core import Block

    from blocks.naming import split_block_name

    slug, name = split_block_name(ref)
    block = None
    for candidate in [slug] if slug else list(_BARE_NAME_TYPES):
        try:
            block = Block.load(f"{candidate}/{name}")
            slug = candidate
            break
        except (ValueError, KeyError):
            continue
    if block is None:
        raise ConfigError(
            f"no notification Block named {ref!r}: save one with `mvagent automations apply "
            "--webhook-url URL`, or name a custom-webhook or slack-webhook Block"
        )
    if not isinstance(block, NotificationBlock):
        url = getattr(block, "url", None)
        if url is None:
            raise ConfigError(f"Block {slug}/{name} cannot send notifications; name a webhook")
        secret = url.get_secret_value() if hasattr(url, "get_secret_value") else str(url)
        slug = save_webhook_block(secret, name=name).split("/")[0]
        block = Block.load(f"{slug}/{name}")
    return f"{slug}/{name}", block._block_document_id
