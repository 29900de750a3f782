"""The `web` provider: Playwright + Debian chromium against a generator site on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mvagent.errors import ConfigError, ModerationError, ProviderError, RetryableProviderError
from mvagent.ffmpeg import probe
from mvagent.providers import get_provider
from mvagent.providers.generation import generate_clip
from mvagent.providers.web import RECIPES_DIR, load_recipe
from tests.fakes.server import Reply
from tests.fakes.web_generator import FakeWebGenerator
from tests.providers.helpers import actions, make_request, settings_for

COOKIE = "PLANTED-session-cookie-0123456789"

pytestmark = [
    pytest.mark.service,
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists() and not shutil.which("chromium"),
        reason="Debian chromium is not installed",
    ),  # fmt: skip
]


@pytest.fixture
def site():
    with FakeWebGenerator(cookie=COOKIE, ready_after_s=0.4) as server:
        yield server


def provider(site: FakeWebGenerator, tmp_path: Path, **kw: object):
    config = {
        "session_cookie": COOKIE,
        "base_url": site.url,
        "recipe": "example",
        "screenshots_dir": tmp_path / "shots",
        "jobs_dir": tmp_path / "jobs",
        **kw,
    }
    return get_provider("web", **config)


def test_fills_the_form_waits_and_downloads(site, tmp_path: Path) -> None:
    out = provider(site, tmp_path).generate(make_request(duration_s=10.0), dest=tmp_path / "a.mp4")
    job = next(iter(site.jobs.values()))
    assert (job.prompt, job.duration) == ("neon city at night, rain", "10")
    assert site.calls["submit"] == 1 and site.calls["download"] == 1
    assert site.calls["status"] >= 2  # it really waited for the slow render
    assert probe(out).duration_s == pytest.approx(10.0, abs=0.05)
    assert not list((tmp_path / "jobs").glob("*.json")) and not (tmp_path / "shots").exists()


def test_moderation_failure_screenshot(site, tmp_path: Path) -> None:
    p = provider(site, tmp_path)
    with pytest.raises(ModerationError, match="content policy") as info:
        p.generate(make_request(prompt="a river of blood", duration_s=5.0), dest=tmp_path / "a.mp4")
    assert p.last_screenshot is not None and str(p.last_screenshot) in str(info.value)
    assert p.last_screenshot.read_bytes()[:4] == b"\x89PNG"


def test_job_failure_is_a_provider_error_with_screenshot(site, tmp_path: Path) -> None:
    p = provider(site, tmp_path)
    with pytest.raises(ProviderError, match="Render failed") as info:
        p.generate(make_request(prompt="FAIL please"), dest=tmp_path / "a.mp4")
    assert not isinstance(info.value, ModerationError | RetryableProviderError)
    assert p.last_screenshot.exists()


def test_rejected_cookie_is_a_config_error(site, tmp_path: Path) -> None:
    p = get_provider("web", session_cookie="expired-cookie-123", base_url=site.url,
                     screenshots_dir=tmp_path / "shots")  # fmt: skip
    with pytest.raises(ConfigError, match="session cookie") as info:
        p.generate(make_request(), dest=tmp_path / "a.mp4")
    assert "expired-cookie-123" not in str(info.value) and p.last_screenshot.exists()
    assert site.calls["login"] == 1 and site.calls["submit"] == 0


def test_slow_job_times_out_retryably_and_resumes_without_resubmitting(
    site, tmp_path: Path
) -> None:
    import tomllib

    recipe = tomllib.loads((RECIPES_DIR / "example.toml").read_text())
    recipe["result"]["timeout_s"] = 0.3
    site.ready_after_s = 1.5
    impatient = tmp_path / "impatient.toml"
    impatient.write_text(_to_toml(recipe))
    with pytest.raises(RetryableProviderError, match="did not finish"):
        provider(site, tmp_path, recipe=str(impatient)).generate(
            make_request(), dest=tmp_path / "a.mp4"
        )
    assert site.calls["submit"] == 1 and len(list((tmp_path / "jobs").glob("*.json"))) == 1
    out = provider(site, tmp_path).generate(make_request(), dest=tmp_path / "a.mp4")
    assert site.calls["submit"] == 1 and site.calls["download"] == 1 and probe(out).has_video


def test_429_on_submit_is_retryable_with_retry_after(site, tmp_path: Path) -> None:
    site.inject("submit", Reply(429, "<h1>Too many requests</h1>", headers={"retry-after": "9"}))
    with pytest.raises(RetryableProviderError) as info:
        provider(site, tmp_path).generate(make_request(), dest=tmp_path / "a.mp4")
    assert info.value.retry_after_s == 9.0 and "HTTP 429" in str(info.value)


def test_generation_through_web_and_secret_stays_out_of_decisions(site, tmp_path, clips_dir, decisions,
                                                                   retry) -> None:  # fmt: skip
    creds = {
        "session_cookie": COOKIE,
        "base_url": site.url,
        "screenshots_dir": str(tmp_path / "shots"),
    }
    clip = generate_clip(make_request(duration_s=12.0), settings=settings_for("web", tmp_path), clips_dir=clips_dir,
                         decisions=decisions, credentials=creds, retry=retry)  # fmt: skip
    assert clip.provider == "web" and clip.model == "example" and clip.cost_usd == 0.0
    assert actions(decisions) == ["fit_duration", "generated"]
    assert COOKIE not in json.dumps(decisions.read())


def test_recipes_are_validated() -> None:
    assert load_recipe("example").form.prompt == "textarea#prompt"
    with pytest.raises(ConfigError, match="no web recipe 'nope'.*example"):
        load_recipe("nope")


def test_invalid_recipe_is_a_one_line_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nurl = "http://x"\n[form]\nprompt = "#p"\n')
    with pytest.raises(ConfigError, match="invalid"):
        load_recipe(bad)


def _to_toml(data: dict) -> str:
    """Just enough TOML writing for a recipe (strings, numbers, lists, one level of tables)."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for table, body in data.items():
        if isinstance(body, dict):
            lines += [f"[{table}]", *(f"{k} = {value(v)}" for k, v in body.items())]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- login form

EMAIL, PASSWORD = "artist@example.com", "PLANTED-pass-word-4471"


@pytest.fixture
def login_site():
    from mvagent.providers import web

    web._SESSIONS.clear()  # sessions are kept per process; each test signs in afresh
    with FakeWebGenerator(cookie=COOKIE, ready_after_s=0.2, email=EMAIL, password=PASSWORD) as s:
        yield s
    web._SESSIONS.clear()


def test_signs_in_with_email_and_password_once_and_keeps_the_session(
    login_site, tmp_path, clips_dir, decisions, retry, caplog
) -> None:
    creds = {"login_email": EMAIL, "login_password": PASSWORD, "base_url": login_site.url,
             "screenshots_dir": str(tmp_path / "shots")}  # fmt: skip
    for duration in (5.0, 10.0):  # two clips through the real generation path
        generate_clip(make_request(duration_s=duration), settings=settings_for("web", tmp_path),
                      clips_dir=clips_dir, decisions=decisions, credentials=creds, retry=retry)  # fmt: skip
    assert login_site.calls["sign_in"] == 1 and login_site.calls["submit"] == 2
    assert login_site.sign_ins == [{"email": EMAIL, "password": PASSWORD}]  # typed in the form
    assert login_site.calls["download"] == 2
    assert PASSWORD not in json.dumps(decisions.read()) and PASSWORD not in caplog.text
    assert COOKIE not in json.dumps(decisions.read())


def test_wrong_password_is_a_config_error_that_never_shows_it(login_site, tmp_path) -> None:
    p = get_provider("web", login_email=EMAIL, login_password="PLANTED-wrong-pass-99",
                     base_url=login_site.url, screenshots_dir=tmp_path / "shots")  # fmt: skip
    with pytest.raises(ConfigError, match="did not accept the login") as info:
        p.generate(make_request(), dest=tmp_path / "a.mp4")
    assert "PLANTED-wrong-pass-99" not in str(info.value) and p.last_screenshot.exists()
    assert login_site.calls["sign_in"] == 1 and login_site.calls["submit"] == 0
    assert not (tmp_path / "a.mp4").exists()


def test_an_expired_session_signs_in_again_from_sora_env_vars(
    login_site, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("SORA_EMAIL", EMAIL)
    monkeypatch.setenv("SORA_PASSWORD", PASSWORD)
    monkeypatch.delenv("MVAGENT_WEB_SESSION_COOKIE", raising=False)
    p = provider(login_site, tmp_path, session_cookie=None)
    p.generate(make_request(), dest=tmp_path / "a.mp4")
    login_site.cookie = "rotated-session-2"  # the site logged the old session out
    out = p.generate(make_request(prompt="second clip"), dest=tmp_path / "b.mp4")
    assert probe(out).has_video and login_site.calls["sign_in"] == 2
    assert login_site.calls["login"] == 1 and login_site.calls["submit"] == 2


def test_a_login_needs_a_recipe_with_a_login_form(tmp_path) -> None:
    import tomllib

    recipe = tomllib.loads((RECIPES_DIR / "example.toml").read_text())
    del recipe["login"]
    bare = tmp_path / "bare.toml"
    bare.write_text(_to_toml(recipe))
    with pytest.raises(ConfigError, match=r"no \[login\] section"):
        get_provider("web", recipe=str(bare), login_email=EMAIL, login_password=PASSWORD)
