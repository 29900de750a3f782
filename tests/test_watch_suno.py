"""watch_suno against the fake self-hosted Suno API, on the session's Prefect server."""

from __future__ import annotations

from unittest import mock

import pytest

from tests.fakes.suno import FakeSuno

pytestmark = pytest.mark.service


def test_new_tracks_are_announced_once(prefect_harness, monkeypatch):
    from flows import watch_suno as module

    with FakeSuno(api_key=None) as fake:
        monkeypatch.setenv("SUNO_API_BASE_URL", fake.url)
        monkeypatch.setenv("SUNO_API_KIND", "selfhosted")
        with mock.patch.object(module, "emit_event", wraps=module.emit_event) as emitted:
            first = module.watch_suno(seen_variable="test-seen")
            second = module.watch_suno(seen_variable="test-seen")
    # "c-busy" is still rendering on Suno's side, so it is not announced yet.
    assert sorted(first) == ["c-instr", "c-lyrics"]
    assert second == []
    assert emitted.call_count == 2
    kwargs = emitted.call_args_list[0].kwargs
    assert kwargs["event"] == "mvagent.suno.track.ready"
    assert kwargs["payload"]["source"] in ("suno:c-lyrics", "suno:c-instr")
    assert kwargs["resource"]["prefect.resource.id"].startswith("suno.track.")
