"""A scripted in-process LLM: replies queued per test, the real parsing/repair logic around them."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from mvagent.errors import LLMError
from mvagent.llm.client import LLM, Reply


class ScriptedLLM(LLM):
    """Each request pops the next item: a str/dict is the reply content, an exception is raised,
    a callable gets the request messages and returns one of those."""

    model = "scripted-llm"

    def __init__(self, *replies: Any) -> None:
        super().__init__()
        self.script: deque[Any] = deque(replies)
        self.requests: list[list[dict]] = []

    def _send(self, messages: list[dict], schema: type[BaseModel], *, purpose: str) -> Reply:
        self.requests.append([dict(m) for m in messages])
        if not self.script:
            raise LLMError("scripted LLM: no reply left")
        item = self.script.popleft()
        if isinstance(item, Callable) and not isinstance(item, type):  # type: ignore[arg-type]
            item = item(messages)
        if isinstance(item, BaseException):
            raise item
        content = json.dumps(item) if isinstance(item, dict | list) else str(item)
        return Reply(content=content, prompt_tokens=100, completion_tokens=50, mode="scripted")
