"""The LLM client against the fake OpenAI-compatible server, driven by the real openai SDK."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from mvagent.errors import LLMError
from tests.fakes.openai_chat import Refuse
from tests.fakes.server import Reply
from tests.llm.conftest import PLANTED_KEY

pytestmark = pytest.mark.service


class Colour(BaseModel):
    name: str
    warm: bool


MESSAGES = [{"role": "system", "content": "Name a colour."}, {"role": "user", "content": "one"}]


def ask(llm, **kw):
    return llm.structured(messages=MESSAGES, schema=Colour, purpose="test", **kw)


def test_valid_reply_is_parsed_with_json_schema(fake, make_llm):
    fake.script.append({"name": "amber", "warm": True})
    llm = make_llm()
    assert ask(llm) == Colour(name="amber", warm=True)
    body = fake.requests[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["model"] == "gpt-4o-mini"
    (call,) = llm.calls
    assert call.ok and call.mode == "json_schema" and call.prompt_tokens > 0
    assert call.cost_usd is not None and call.cost_usd > 0  # gpt-4o-mini is in the price table


def test_malformed_json_gets_one_repair_round_with_the_error(fake, make_llm):
    fake.script.extend(["{not json", {"name": "teal", "warm": False}])
    llm = make_llm()
    assert ask(llm).name == "teal"
    assert fake.calls["chat"] == 2
    repair = fake.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "{not json"}
    assert "not valid JSON" in repair[-1]["content"]
    assert [c.ok for c in llm.calls] == [False, True] and llm.calls[1].repair


def test_schema_violation_twice_is_an_llm_error(fake, make_llm):
    fake.script.extend([{"name": "red"}, {"colour": "red"}])
    with pytest.raises(LLMError, match="no usable test"):
        ask(make_llm())
    assert fake.calls["chat"] == 2
    assert "warm" in fake.requests[1]["messages"][-1]["content"]  # the missing field is named


def test_semantic_check_failure_is_sent_back(fake, make_llm):
    fake.script.extend([{"name": "red", "warm": False}, {"name": "red", "warm": True}])
    got = ask(make_llm(), check=lambda c: [] if c.warm else ["warm: red is warm"])
    assert got.warm
    assert "red is warm" in fake.requests[1]["messages"][-1]["content"]


def test_refusal_then_answer(fake, make_llm):
    fake.script.extend([Refuse("I can't help with that."), {"name": "blue", "warm": False}])
    llm = make_llm()
    assert ask(llm).name == "blue"
    assert "refused" in llm.calls[0].problems[0]


def test_429_with_retry_after_is_honoured(fake, make_llm, sleeps):
    fake.inject(
        "chat", Reply(429, {"error": {"message": "slow down"}}, headers={"retry-after": "2"})
    )
    fake.script.append({"name": "amber", "warm": True})
    llm = make_llm()
    ask(llm)
    assert sleeps == [2.0]
    assert llm.calls[0].attempts == 2 and "429" in llm.calls[0].retries[0]


def test_500_is_retried_with_backoff(fake, make_llm, sleeps):
    fake.inject(
        "chat",
        Reply(500, {"error": {"message": "boom"}}),
        Reply(503, {"error": {"message": "busy"}}),
    )
    fake.script.append({"name": "amber", "warm": True})
    ask(make_llm())
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] > 0


def test_persistent_500_gives_up_in_one_line(fake, make_llm, sleeps):
    fake.inject("chat", *[Reply(500, {"error": {"message": "boom"}})] * 4)
    with pytest.raises(LLMError) as err:
        ask(make_llm())
    assert "after 4 attempts" in str(err.value) and "\n" not in str(err.value)


def test_timeout_is_retried(fake, make_llm, sleeps):
    fake.inject("chat", Reply(200, {}, delay_s=1.5))
    fake.script.append({"name": "amber", "warm": True})
    llm = make_llm(timeout_s=0.5)
    ask(llm)
    assert "timed out" in llm.calls[0].retries[0]


def test_endpoint_without_json_schema_falls_back_to_json_object(make_llm, sleeps):
    from tests.fakes.openai_chat import FakeOpenAIChat

    with FakeOpenAIChat(api_key=PLANTED_KEY, json_schema=False) as fake:
        fake.script.append("```json\n" + json.dumps({"name": "amber", "warm": True}) + "\n```")
        llm = make_llm(base_url=fake.base_url)
        assert ask(llm).name == "amber"
        assert [r["response_format"]["type"] for r in fake.requests] == [
            "json_schema",
            "json_object",
        ]
        assert "JSON Schema" in fake.requests[1]["messages"][1]["content"]
        assert llm.calls[0].mode == "json_object"


def test_wrong_key_is_one_line_and_never_echoed(fake, make_llm):
    with pytest.raises(LLMError) as err:
        ask(make_llm(api_key="sk-wrong-key-0123456789"))
    assert "rejected the API key" in str(err.value)
    assert "sk-wrong-key-0123456789" not in str(err.value)
    assert err.value.__cause__ is None


def test_endpoint_down_is_an_llm_error(make_llm, sleeps):
    llm = make_llm(base_url="http://127.0.0.1:9/v1", max_attempts=2)
    with pytest.raises(LLMError, match="cannot reach"):
        ask(llm)
    assert len(sleeps) == 1


def test_unknown_model_price_is_none():
    from mvagent.llm.prices import chat_cost_usd

    assert chat_cost_usd("llama3.1:8b", prompt_tokens=100, completion_tokens=100) is None
    assert chat_cost_usd("openai/gpt-4o-mini", prompt_tokens=10**6, completion_tokens=0) == 0.15


def test_env_config_ignores_openai_variables():
    from mvagent.llm import config_from_env

    cfg = config_from_env({"OPENAI_BASE_URL": "http://video-gateway/v1", "OPENAI_API_KEY": "x"})
    assert not cfg.configured and cfg.base_url is None
    cfg = config_from_env({"MVAGENT_LLM_BASE_URL": "http://llm/v1", "MVAGENT_LLM_MODEL": "qwen3"})
    assert cfg.configured and cfg.model == "qwen3"
    assert PLANTED_KEY not in repr(config_from_env({"MVAGENT_LLM_API_KEY": PLANTED_KEY}))
