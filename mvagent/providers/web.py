"""`web`: drive a browser-only video generator with Playwright, from a recipe file.

The recipe (TOML, see `recipes/example.toml`) says where the form is, which selectors hold
the prompt, duration and submit button, how completion and failure show, and what to click
to download. The login is a session cookie from the `WebSessionCredentials` Block; without
one, an e-mail and password (the Block, or `SORA_EMAIL` / `SORA_PASSWORD`) sign in through
the recipe's `[login]` form, and the session cookie the site sets is kept in memory for every
later clip in this process (never written to disk). The password is registered as a secret,
so it is scrubbed from every error, log and decision. The browser is Debian's `chromium`
through `executable_path` (Playwright's own download is not available here). Every failure
saves a screenshot, and its path is in the error message.
"""

from __future__ import annotations

import os
import threading
import time
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mvagent import telemetry
from mvagent.errors import ConfigError, ModerationError, ProviderError, RetryableProviderError
from mvagent.models import ClipRequest
from mvagent.providers import register
from mvagent.providers.base import Capabilities, VideoProvider
from mvagent.providers.remote import (
    JobJournal,
    atomic_path,
    fingerprint,
    redact,
    remember_secret,
    retry_after_s,
    reveal,
)

RECIPES_DIR = Path(__file__).parent / "recipes"
# Session cookies obtained by signing in, by (site, e-mail): one login per process, not per clip.
_SESSIONS: dict[tuple[str, str], str] = {}
_SESSIONS_LOCK = threading.Lock()
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# --------------------------------------------------------------------------- the recipe


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SessionSpec(_Strict):
    cookie_name: str = "session"
    cookie_domain: str | None = None  # default: the host of `url`
    login_selector: str | None = None


class LoginSpec(_Strict):
    """The site's sign-in form, used when there is no session cookie but a login."""

    url: str | None = None  # default: the generator's `url` (which shows the form when signed out)
    email: str
    password: str
    submit: str
    failed: str | None = None  # shown when the site refused the e-mail or password


class FormSpec(_Strict):
    prompt: str
    submit: str
    duration: str | None = None
    duration_action: Literal["select", "fill"] = "select"


class ResultSpec(_Strict):
    done: str
    download: str
    failed: str | None = None
    rate_limited: str | None = None
    job_url_contains: str | None = None
    moderation_words: list[str] = Field(default_factory=lambda: ["policy", "moderation"])
    timeout_s: float = 600.0
    reload_every_s: float = 0.0


class CapabilitySpec(_Strict):
    durations_s: list[float] | None = None
    sizes: list[tuple[int, int]] | None = None
    max_prompt_chars: int = 1000
    image_reference: bool = False
    price_per_second_usd: float = 0.0


class Recipe(_Strict):
    name: str
    url: str
    session: SessionSpec = Field(default_factory=SessionSpec)
    login: LoginSpec | None = None
    form: FormSpec
    result: ResultSpec
    capabilities: CapabilitySpec = Field(default_factory=CapabilitySpec)


def load_recipe(name_or_path: str | Path) -> Recipe:
    """A recipe by file path, or by name from `mvagent/providers/recipes/`."""
    path = Path(name_or_path)
    if not path.suffix:
        path = RECIPES_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in RECIPES_DIR.glob("*.toml")))
        raise ConfigError(
            f"no web recipe {str(name_or_path)!r}; give a .toml path or one of: {known}"
        )
    try:
        return Recipe.model_validate(tomllib.loads(path.read_text()))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0:3]
        raise ConfigError(f"web recipe {path} is invalid: {' '.join(first)}") from None


# --------------------------------------------------------------------------- the provider


@register("web")
class WebProvider(VideoProvider):
    """Browser-driven generation; see the module docstring."""

    # The seed is the plan's take number: a new seed asks for a new take (not sent to the API).
    cache_fields: tuple[str, ...] = ("prompt", "seed")
    remote = True

    def __init__(
        self,
        *,
        recipe: str | Path | None = None,
        session_cookie: object = None,
        login_email: object = None,
        login_password: object = None,
        base_url: str | None = None,
        model: str | None = None,
        executable_path: str | None = None,
        headless: bool = True,
        screenshots_dir: str | Path | None = None,
        timeout_s: float = 30.0,
        jobs_dir: str | Path | None = None,
        **_ignored: object,
    ) -> None:
        self.recipe = load_recipe(recipe or os.environ.get("MVAGENT_WEB_RECIPE") or "example")
        self._cookie = reveal(session_cookie) or reveal(
            os.environ.get("MVAGENT_WEB_SESSION_COOKIE")
        )
        self._email = reveal(login_email) or reveal(os.environ.get("SORA_EMAIL"))
        self._password = reveal(login_password) or reveal(os.environ.get("SORA_PASSWORD"))
        remember_secret(self._password)
        if not self._cookie and not (self._email and self._password):
            raise ConfigError(
                "the web provider needs a session cookie or a login: save a "
                "WebSessionCredentials Block (--credentials-block) or set "
                "MVAGENT_WEB_SESSION_COOKIE, or SORA_EMAIL and SORA_PASSWORD"
            )
        if not self._cookie and self.recipe.login is None:
            raise ConfigError(
                f"web recipe {self.recipe.name!r} has no [login] section, so it cannot sign in "
                "with an e-mail and password; give a session cookie or add [login] to the recipe"
            )
        remember_secret(self._cookie)
        self.base_url = (reveal(base_url) or os.environ.get("MVAGENT_WEB_BASE_URL") or "").rstrip(
            "/"
        )
        self.url = self.recipe.url.replace("{base_url}", self.base_url)
        self.model = model or self.recipe.name
        self.executable_path = (
            executable_path or os.environ.get("MVAGENT_CHROMIUM") or DEFAULT_CHROMIUM
        )
        self.headless = headless
        self.screenshots_dir = Path(screenshots_dir) if screenshots_dir else None
        self.timeout_s = timeout_s
        self.journal = JobJournal(jobs_dir)
        self.last_job_id: str | None = None
        self.last_screenshot: Path | None = None

    @property
    def capabilities(self) -> Capabilities:
        spec = self.recipe.capabilities
        return Capabilities(
            durations_s=tuple(spec.durations_s) if spec.durations_s else None,
            max_duration_s=max(spec.durations_s) if spec.durations_s else 600.0,
            sizes=tuple(tuple(s) for s in spec.sizes) if spec.sizes else None,
            max_prompt_chars=spec.max_prompt_chars,
            image_reference=spec.image_reference,
            price_per_second_usd=spec.price_per_second_usd,
        )

    def generate(self, request: ClipRequest, *, dest: Path) -> Path:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"web recipe {self.recipe.name!r} has no absolute URL; set base_url "
                "(WebSessionCredentials Block or MVAGENT_WEB_BASE_URL)"
            )
        caps = self.capabilities
        seconds = caps.pick_duration(request.duration_s)
        key = fingerprint(provider="web", url=self.url, prompt=request.prompt, seconds=seconds)
        dest = Path(dest)
        with sync_playwright() as pw:
            try:
                browser = pw.chromium.launch(
                    executable_path=self.executable_path, headless=self.headless, args=CHROMIUM_ARGS
                )
            except PlaywrightError as exc:
                raise ConfigError(
                    f"cannot start chromium at {self.executable_path} ({redact(exc).splitlines()[0]}); "
                    "install Debian's chromium or set MVAGENT_CHROMIUM"
                ) from None
            page = None
            try:
                context = browser.new_context(accept_downloads=True)
                page = context.new_page()
                page.set_default_timeout(self.timeout_s * 1000)
                cookie = self._cookie or self._kept_session()
                if cookie:
                    context.add_cookies([self._cookie_spec(cookie)])
                else:
                    self._sign_in(context, page)
                return self._run(page, request, seconds=seconds, key=key, dest=dest)
            except (ProviderError, ConfigError) as exc:
                raise self._with_screenshot(page, request, exc, dest=dest) from None
            except PlaywrightError as exc:
                err = self._map_playwright(exc)
                raise self._with_screenshot(page, request, err, dest=dest) from None
            finally:
                browser.close()

    # ------------------------------------------------------------------ steps

    def _cookie_spec(self, value: str) -> dict[str, Any]:
        spec = self.recipe.session
        if spec.cookie_domain:
            return {"name": spec.cookie_name, "value": value, "domain": spec.cookie_domain,
                    "path": "/"}  # fmt: skip
        parts = urlsplit(self.url)
        return {"name": spec.cookie_name, "value": value, "url": f"{parts.scheme}://{parts.netloc}"}

    def _session_key(self) -> tuple[str, str]:
        parts = urlsplit(self.url)
        return (f"{parts.scheme}://{parts.netloc}", self._email or "")

    def _kept_session(self) -> str | None:
        with _SESSIONS_LOCK:
            return _SESSIONS.get(self._session_key())

    def forget_session(self) -> None:
        """Drop the kept session (the site logged it out): the next clip signs in again."""
        with _SESSIONS_LOCK:
            _SESSIONS.pop(self._session_key(), None)

    def _sign_in(self, context: Any, page: Any) -> None:
        """Fill the recipe's login form; keep the session cookie the site sets."""
        login = self.recipe.login
        assert login is not None and self._email and self._password  # checked in __init__
        statuses: list[Any] = []
        page.on(
            "response", lambda r: statuses.append(r) if r.request.is_navigation_request() else None
        )
        page.goto((login.url or self.url).replace("{base_url}", self.base_url))
        self._check_status(statuses, "opening the login page")
        page.fill(login.email, self._email)
        page.fill(login.password, self._password)
        page.click(login.submit)
        page.wait_for_load_state()
        refused = login.failed and page.locator(login.failed).count() > 0
        name = self.recipe.session.cookie_name
        cookie = next((c["value"] for c in context.cookies() if c["name"] == name), None)
        if refused or not cookie:
            raise ConfigError(
                f"{self.recipe.name} did not accept the login (no {name!r} cookie after signing "
                "in); check the e-mail and password in the WebSessionCredentials Block or "
                "SORA_EMAIL / SORA_PASSWORD"
            )
        remember_secret(cookie)
        with _SESSIONS_LOCK:
            _SESSIONS[self._session_key()] = cookie

    def _run(
        self, page: Any, request: ClipRequest, *, seconds: float, key: str, dest: Path
    ) -> Path:
        statuses: list[Any] = []
        page.on(
            "response",
            lambda r: (
                statuses.append(r)
                if r.request.is_navigation_request() and r.frame == page.main_frame
                else None
            ),
        )
        record = self.journal.get(key)
        if record is not None:
            response = page.goto(record["job_url"])
            if response is not None and response.status == 404:
                self.journal.drop(key)
                record = None
            else:
                self._check_status(statuses, "reopening the job")
        model = self.recipe.name
        if record is None:
            with telemetry.provider_call("web", "create", model=model):
                self._submit(page, request, seconds=seconds, statuses=statuses)
                if self.recipe.result.job_url_contains:
                    page.wait_for_url(f"**{self.recipe.result.job_url_contains}**")
                    self.journal.put(
                        key, {"provider": "web", "job_url": page.url, "created": time.time()}
                    )
        self.last_job_id = page.url
        with telemetry.provider_call("web", "poll", model=model):
            self._wait_done(page, statuses)
        with telemetry.provider_call("web", "download", model=model):
            with page.expect_download(timeout=self.timeout_s * 1000) as info:
                page.click(self.recipe.result.download)
            with atomic_path(dest) as tmp:
                info.value.save_as(tmp)
        self.journal.drop(key)
        return dest

    def _submit(
        self, page: Any, request: ClipRequest, *, seconds: float, statuses: list[Any]
    ) -> None:
        form = self.recipe.form
        page.goto(self.url)
        self._check_status(statuses, "opening the generator")
        login = self.recipe.session.login_selector
        if login and page.locator(login).count() > 0 and not self._cookie:
            # The kept session expired: sign in once more, then the form must be there.
            self.forget_session()
            self._sign_in(page.context, page)
            page.goto(self.url)
            self._check_status(statuses, "opening the generator")
        if login and page.locator(login).count() > 0:
            raise ConfigError(
                f"{self.recipe.name} did not accept the session cookie (a login form is shown); "
                "refresh the WebSessionCredentials Block"
            )
        page.fill(form.prompt, request.prompt)
        if form.duration:
            value = f"{seconds:g}"
            if form.duration_action == "select":
                page.select_option(form.duration, value)
            else:
                page.fill(form.duration, value)
        before = len(statuses)
        page.click(form.submit)
        page.wait_for_load_state()
        if len(statuses) > before:
            self._check_status(statuses, "submitting the prompt")

    def _wait_done(self, page: Any, statuses: list[Any]) -> None:
        res = self.recipe.result
        watch = ", ".join(s for s in (res.done, res.failed, res.rate_limited) if s)
        deadline = time.monotonic() + res.timeout_s
        while True:
            step = res.reload_every_s if res.reload_every_s > 0 else res.timeout_s
            left = deadline - time.monotonic()
            try:
                page.wait_for_selector(
                    watch, state="visible", timeout=max(min(step, left), 0.05) * 1000
                )
                break
            except Exception as exc:  # a Playwright TimeoutError
                if "Timeout" not in type(exc).__name__:
                    raise
                if time.monotonic() >= deadline:
                    raise RetryableProviderError(
                        f"{self.recipe.name} did not finish within {res.timeout_s:g} s"
                    ) from None
                page.reload()
                self._check_status(statuses, "reloading the job")
        if res.rate_limited and page.locator(res.rate_limited).count() > 0:
            raise RetryableProviderError(f"{self.recipe.name} asks to slow down")
        if res.failed and page.locator(res.failed).count() > 0:
            reason = (
                redact(page.locator(res.failed).first.inner_text().strip()) or "no reason shown"
            )
            if any(w.lower() in reason.lower() for w in res.moderation_words):
                raise ModerationError(f"{self.recipe.name} refused the prompt: {reason}")
            raise ProviderError(f"{self.recipe.name} job failed: {reason}")

    def _check_status(self, statuses: list[Any], what: str) -> None:
        if not statuses:
            return
        response = statuses[-1]
        status = response.status
        if status == 429 or status >= 500:
            raise RetryableProviderError(
                f"{self.recipe.name} answered HTTP {status} while {what}",
                retry_after_s=retry_after_s(response.headers),
            )
        if status in (401, 403):
            raise ConfigError(
                f"{self.recipe.name} answered HTTP {status} while {what}; refresh the "
                "WebSessionCredentials Block"
            )
        if status >= 400:
            raise ProviderError(f"{self.recipe.name} answered HTTP {status} while {what}")

    def _map_playwright(self, exc: Exception) -> ProviderError:
        first = redact(str(exc)).splitlines()[0] if str(exc) else type(exc).__name__
        if "Timeout" in type(exc).__name__:
            return RetryableProviderError(f"{self.recipe.name}: browser step timed out: {first}")
        return ProviderError(f"{self.recipe.name}: browser step failed: {first}")

    def _with_screenshot(
        self, page: Any, request: ClipRequest, err: Exception, *, dest: Path
    ) -> Exception:
        """Save what the browser showed (next to the clip, in `failures/`, unless
        `screenshots_dir` is set) and name the file in the error message."""
        if page is None:
            return err
        folder = self.screenshots_dir or (dest.parent / "failures")
        folder.mkdir(parents=True, exist_ok=True)
        shot = (
            folder
            / f"web-scene-{request.scene_index:03d}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.png"
        )
        try:
            page.screenshot(path=str(shot), full_page=True)
        except Exception:  # the page may be gone; the error still matters more
            return err
        self.last_screenshot = shot
        message = f"{err} (screenshot: {shot})"
        if isinstance(err, RetryableProviderError):
            new: Exception = RetryableProviderError(message, retry_after_s=err.retry_after_s)
        else:
            new = type(err)(message)
        for attr in ("http_status",):
            if hasattr(err, attr):
                setattr(new, attr, getattr(err, attr))
        return new
