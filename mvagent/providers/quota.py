"""Telling an empty account from a busy server in a provider's error answer.

Both arrive as HTTP 429 on the OpenAI contract: `rate_limit_exceeded` means "slow down"
(retry after a while), `insufficient_quota` means "no money left" (retrying only burns
time). Other vendors say the same with 402 Payment Required or words such as "credits".
"""

from __future__ import annotations

QUOTA_CODES = frozenset({"insufficient_quota", "quota_exceeded", "billing_hard_limit_reached",
                         "insufficient_credits", "payment_required"})  # fmt: skip
QUOTA_WORDS = ("insufficient_quota", "exceeded your current quota", "insufficient credit",
               "not enough credits", "out of credits", "billing hard limit", "exhausted balance",
               "credit balance")  # fmt: skip


def is_quota_error(status: int | None, code: object = None, message: object = "") -> bool:
    """True when the answer says the account is out of quota or credit (not a rate limit)."""
    if status == 402:
        return True
    if str(code or "").lower() in QUOTA_CODES:
        return True
    text = str(message or "").lower()
    return status in (400, 403, 429) and any(w in text for w in QUOTA_WORDS)
