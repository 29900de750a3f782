import json

import pytest

from mvagent.errors import BadInputError
from mvagent.ingest import slugify
from mvagent.manifest import load_manifest


def test_csv_manifest_resolves_relative_paths(tmp_path):
    (tmp_path / "m.csv").write_text("source,title\nsongs/a.mp3,A\nsuno:123,B\nhttps://x/y.mp3,\n")
    rows = load_manifest(tmp_path / "m.csv")
    assert rows[0] == {"source": str(tmp_path / "songs" / "a.mp3"), "title": "A"}
    assert rows[1]["source"] == "suno:123"
    assert rows[2] == {"source": "https://x/y.mp3"}


def test_json_manifest(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps([{"source": "/abs/a.wav", "artist": "Z"}]))
    assert load_manifest(tmp_path / "m.json") == [{"source": "/abs/a.wav", "artist": "Z"}]


@pytest.mark.parametrize(
    "name,text,msg",
    [
        ("m.json", "{}", "must be a list"),
        ("m.json", "[{}]", "row 1 has no 'source'"),
        ("m.json", "{oops", "not a valid manifest"),
        ("m.csv", "title\nA\n", "row 1 has no 'source'"),
    ],
)
def test_bad_manifests_say_what_to_do(tmp_path, name, text, msg):
    (tmp_path / name).write_text(text)
    with pytest.raises(BadInputError, match=msg):
        load_manifest(tmp_path / name)


def test_missing_manifest(tmp_path):
    with pytest.raises(BadInputError, match="not found"):
        load_manifest(tmp_path / "nope.csv")


def test_slugify():
    assert slugify("Mon Cœur (Remix)!") == "mon-coeur-remix"
    assert slugify("???") == "song"
