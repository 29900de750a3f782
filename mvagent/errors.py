"""One root exception; narrow subclasses whose messages say how to fix the problem.

The CLI turns any `MvagentError` into a one-line message and exit status 2 (bad input)
or 1 (a failure elsewhere). Messages never contain secrets.
"""


class MvagentError(Exception):
    """Root of every error the engine raises on purpose."""

    exit_code: int = 1


class BadInputError(MvagentError):
    """The user's input (file, option, timeline) is wrong; they can fix it."""

    exit_code = 2


class AudioDecodeError(BadInputError):
    """The song file is missing, empty, not audio or corrupt."""


class TimelineError(BadInputError):
    """A timeline.json is malformed or points at missing files."""


class ConfigError(BadInputError):
    """A provider, block or setting is missing or inconsistent."""


class FFmpegError(MvagentError):
    """ffmpeg exited non-zero; the message carries the last lines of its log."""


class ProviderError(MvagentError):
    """A video provider failed in a way retries did not fix."""


class ModerationError(ProviderError):
    """The provider refused the prompt for content reasons; rewrite it or fall back."""


class RetryableProviderError(ProviderError):
    """Rate limit, 5xx or timeout: worth trying again after `retry_after_s`."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ScenesFailedError(ProviderError):
    """Scenes no provider in the chain could make; the run stops without a final video."""

    exit_code = 4

    def __init__(self, message: str, *, scenes: list[int]) -> None:
        super().__init__(message)
        self.scenes = scenes


class LLMError(MvagentError):
    """The LLM endpoint failed, or answered nonsense even after one repair round."""

    exit_code = 2


class BudgetExceededError(MvagentError):
    """Generating the next clip would exceed `--max-cost`."""

    exit_code = 3


class RedoError(BadInputError):
    """`mvagent redo` was pointed at a folder or scene it cannot redo."""


class RailwayError(MvagentError):
    """Railway's GraphQL API refused a call or a per-run service failed to deploy."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class QuotaExceededError(ProviderError):
    """The provider's account is out of quota or credit (e.g. HTTP 429 `insufficient_quota`).

    Not retried: waiting does not refill an account. Top it up, raise the plan's limit, or
    fall back to another provider; a `mvagent.quota.low` event tells the team's webhook.
    """
