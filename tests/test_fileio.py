import os
import stat

import pytest

from mvagent.fileio import write_json_atomic, write_text_atomic


def test_atomic_files_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "a" / "report.md", "hi\n")
    finally:
        os.umask(old)
    assert path.read_text() == "hi\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert not list(path.parent.glob(".*.tmp"))


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = write_json_atomic(tmp_path / "x.json", {"a": 1})

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr("mvagent.fileio.os.replace", crash)
    with pytest.raises(OSError):
        write_json_atomic(path, {"a": 2})
    assert path.read_text() == '{\n  "a": 1\n}\n'
    assert not list(tmp_path.glob(".*.tmp"))
