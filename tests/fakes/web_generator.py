"""A small browser-based video generator on 127.0.0.1, for the `web` provider.

`/create` shows the form (or a login form without the right `session` cookie); posting it
creates a job and redirects to `/jobs/<id>`, whose page polls `/api/jobs/<id>` and shows a
download link when the job is done (after `ready_after_s`), or an error: "Blocked: this
prompt violates our content policy" for blocked words, "Render failed" for prompts with
FAIL. `/login` is a sign-in form (e-mail, password); a right pair sets the `session` cookie
and redirects to `/create`, a wrong one shows `.login-error`. Routes: create_page, submit,
job_page, status, download, login (the form shown instead of the generator), login_page,
sign_in (the form posted).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from tests.fakes.media import tiny_mp4
from tests.fakes.server import FakeServer, Reply, Request

BLOCKED_WORDS = ("FORBIDDEN", "blood")

FORM_PAGE = """<!doctype html><html><head><title>Clipmaker</title></head><body>
<h1>Make a clip</h1>
<form method="post" action="/jobs">
  <textarea id="prompt" name="prompt"></textarea>
  <select id="duration" name="duration"><option value="5">5 s</option><option value="10">10 s</option></select>
  <button id="generate" type="submit">Generate</button>
</form></body></html>"""

LOGIN_PAGE = """<!doctype html><html><body><h1>Sign in</h1>{error}
<form id="login" method="post" action="/login">
  <input id="email" name="email" type="email">
  <input id="password" name="password" type="password">
  <button id="sign-in" type="submit">Sign in</button>
</form></body></html>"""
LOGIN_ERROR = '<div class="login-error">Wrong e-mail or password</div>'

JOB_PAGE = """<!doctype html><html><head><title>Job {id}</title></head><body>
<h1>Rendering&hellip;</h1><div id="state">queued</div>
<script>
async function tick() {{
  const r = await fetch('/api/jobs/{id}');
  const j = await r.json();
  document.getElementById('state').textContent = j.status;
  if (j.status === 'done') {{
    const a = document.createElement('a');
    a.className = 'download'; a.href = '/files/{id}.mp4'; a.textContent = 'Download';
    document.body.appendChild(a);
  }} else if (j.status === 'failed') {{
    const d = document.createElement('div');
    d.className = 'job-error'; d.textContent = j.error;
    document.body.appendChild(d);
  }} else {{ setTimeout(tick, 100); }}
}}
tick();
</script></body></html>"""


@dataclass
class WebJob:
    id: str
    prompt: str
    duration: str
    created: float = field(default_factory=time.monotonic)


class FakeWebGenerator(FakeServer):
    def __init__(
        self,
        *,
        cookie: str = "valid-session",
        ready_after_s: float = 0.3,
        email: str = "artist@example.com",
        password: str = "correct horse battery",
    ) -> None:
        super().__init__()
        self.cookie = cookie
        self.email = email
        self.password = password
        self.sign_ins: list[dict[str, str]] = []
        self.ready_after_s = ready_after_s
        self.jobs: dict[str, WebJob] = {}
        self._ids = itertools.count(1)

    def _logged_in(self, req: Request) -> bool:
        cookies = dict(
            part.strip().split("=", 1)
            for part in req.headers.get("cookie", "").split(";")
            if "=" in part
        )
        return cookies.get("session") == self.cookie

    def handle(self, req: Request) -> tuple[str, object]:
        path = req.path
        if path == "/create" and req.method == "GET":
            if not self._logged_in(req):
                return "login", Reply(200, LOGIN_PAGE.format(error=""))
            return "create_page", Reply(200, FORM_PAGE)
        if path == "/login" and req.method == "GET":
            return "login_page", Reply(200, LOGIN_PAGE.format(error=""))
        if path == "/login" and req.method == "POST":
            return "sign_in", lambda: self._sign_in(req)
        if path == "/jobs" and req.method == "POST":
            if not self._logged_in(req):
                return "login", Reply(403, LOGIN_PAGE.format(error=""))
            return "submit", lambda: self._submit(req)
        if path.startswith("/jobs/"):
            job_id = path.rsplit("/", 1)[-1]
            if job_id not in self.jobs:
                return "job_page", Reply(404, "<h1>No such job</h1>")
            return "job_page", Reply(200, JOB_PAGE.format(id=job_id))
        if path.startswith("/api/jobs/"):
            return "status", lambda: self._status(path.rsplit("/", 1)[-1])
        if path.startswith("/files/"):
            return "download", lambda: self._file(path.rsplit("/", 1)[-1].removesuffix(".mp4"))
        return "unknown", Reply(404, "<h1>Not found</h1>")

    def _sign_in(self, req: Request) -> Reply:
        form = dict(parse_qsl(req.body.decode()))
        with self.lock:
            self.sign_ins.append(form)
        if (form.get("email"), form.get("password")) != (self.email, self.password):
            return Reply(200, LOGIN_PAGE.format(error=LOGIN_ERROR))
        return Reply(303, "", headers={"location": "/create",
                                       "set-cookie": f"session={self.cookie}; Path=/; HttpOnly"})  # fmt: skip

    def _submit(self, req: Request) -> Reply:
        form = dict(parse_qsl(req.body.decode()))
        job = WebJob(
            id=f"j{next(self._ids)}",
            prompt=form.get("prompt", ""),
            duration=form.get("duration", "5"),
        )
        with self.lock:
            self.jobs[job.id] = job
        return Reply(303, "", headers={"location": f"/jobs/{job.id}"})

    def _status(self, job_id: str) -> Reply:
        job = self.jobs.get(job_id)
        if job is None:
            return Reply(404, {"status": "unknown"})
        if time.monotonic() - job.created < self.ready_after_s:
            return Reply(200, {"status": "rendering"})
        if any(w in job.prompt for w in BLOCKED_WORDS):
            return Reply(
                200,
                {"status": "failed", "error": "Blocked: this prompt violates our content policy"},
            )
        if "FAIL" in job.prompt:
            return Reply(200, {"status": "failed", "error": "Render failed (GPU error)"})
        return Reply(200, {"status": "done"})

    def _file(self, job_id: str) -> Reply:
        job = self.jobs.get(job_id)
        if job is None:
            return Reply(404, "<h1>No such file</h1>")
        return Reply(
            200,
            tiny_mp4(float(job.duration)),
            headers={
                "content-type": "video/mp4",
                "content-disposition": f'attachment; filename="{job_id}.mp4"',
            },
        )
