"""A prompt the video model refused, rewritten by the LLM so that it keeps its intent.

`llm_rewriter(llm, ...)` returns the callable `generate_clip` takes (`rewriter=`): given
the refused prompt and the provider's reason, it returns the new prompt, or None when the
LLM cannot help (the word swap in `providers.generation.soften_prompt` is then used).
"""

from __future__ import annotations

from collections.abc import Callable

from mvagent.errors import LLMError
from mvagent.llm.client import LLM
from mvagent.planning.llm_schema import RewrittenPrompt

SYSTEM = """A text-to-video model refused a music video shot for content reasons. Rewrite the \
prompt so it passes moderation while keeping the scene's intent, characters, setting, camera and \
look: replace violence, weapons, gore, nudity, drugs and names of real people with tasteful, \
stylised equivalents; keep character descriptions word for word unless they are the problem. \
Keep it under {max_chars} characters. Answer with the JSON object only."""


def llm_rewriter(llm: LLM, *, max_chars: int = 4000) -> Callable[[str, str], str | None]:
    def rewrite(prompt: str, reason: str) -> str | None:
        def check(reply: RewrittenPrompt) -> list[str]:
            problems = []
            if not reply.prompt.strip():
                problems.append("prompt: empty")
            if len(reply.prompt) > max_chars:
                problems.append(f"prompt: {len(reply.prompt)} characters, over {max_chars}")
            if reply.prompt.strip() == prompt.strip():
                problems.append("prompt: unchanged; it was refused as it is")
            return problems

        messages = [
            {"role": "system", "content": SYSTEM.format(max_chars=max_chars)},
            {"role": "user", "content": f"Refusal: {reason}\n\nPrompt:\n{prompt}"},
        ]
        try:
            reply = llm.structured(messages=messages, schema=RewrittenPrompt,
                                   purpose="moderation rewrite", check=check)  # fmt: skip
        except LLMError:
            return None
        return reply.prompt.strip()

    return rewrite
