from __future__ import annotations

import json
from pathlib import Path

import pytest

from decree8.errors import ManifestError, UsageError
from decree8.fsutil import atomic_write_json, atomic_write_text, canonical_json


def test_atomic_write_creates_parents_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.txt"
    atomic_write_text(target, "hello\n", overwrite=False)
    assert target.read_text() == "hello\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]


def test_atomic_write_refuses_to_overwrite_unless_told(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "first", overwrite=False)
    with pytest.raises(UsageError, match="already exists"):
        atomic_write_text(target, "second", overwrite=False)
    assert target.read_text() == "first"
    atomic_write_text(target, "second", overwrite=True)
    assert target.read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_write_raises_the_error_type_asked_for(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    atomic_write_json(target, {"b": 1, "a": [1, 2]}, False, exists_error=ManifestError)
    assert json.loads(target.read_text()) == {"a": [1, 2], "b": 1}
    with pytest.raises(ManifestError):
        atomic_write_json(target, {}, False, exists_error=ManifestError)


def test_canonical_json_sorts_keys_and_keeps_unicode() -> None:
    assert canonical_json({"b": "ж", "a": {"d": 1, "c": 2}}) == '{"a":{"c":2,"d":1},"b":"ж"}'
