from __future__ import annotations

import json
from pathlib import Path

import pytest

from decree8.deploy import Deployment
from decree8.errors import ManifestError


def _deployment(**over: object) -> Deployment:
    fields: dict[str, object] = {
        "chain_id": 131277,
        "address": "0x" + "ab" * 20,
        "contract": "CompliantToken",
        "source": "contracts/token/CompliantToken.sol",
        "source_hash": "aa" * 32,
        "compiler_version": "0.8.30",
        "settings_hash": "bb" * 32,
        "input_hash": "cc" * 32,
        "constructor_args": ("Minsk", "MNSK", str(10**24)),
        "deployer": "0x" + "11" * 20,
        "tx_hash": "0x" + "dd" * 32,
        "block": 7,
        "template": "compliant-token",
        "template_version": "1",
        "params": {"cap": 10**24},
        "terms_hash": "0x" + "ee" * 32,
        "abi": ({"type": "function", "name": "cap", "inputs": [], "outputs": []},),
    }
    fields.update(over)
    return Deployment(**fields)  # type: ignore[arg-type]


def test_manifest_round_trips(tmp_path: Path) -> None:
    dep = _deployment()
    path = dep.save(tmp_path / "token.json")
    loaded = Deployment.load(path, chain_id=131277)
    assert loaded.address.lower() == dep.address.lower()
    assert loaded.constructor_args == dep.constructor_args
    assert loaded.block == 7 and loaded.template == "compliant-token"
    assert loaded.abi == dep.abi
    assert json.loads(path.read_text())["schema"] == "decree8.deployment/1"


def test_manifest_is_never_overwritten_unless_asked(tmp_path: Path) -> None:
    path = _deployment().save(tmp_path / "m.json")
    before = path.read_text()
    with pytest.raises(ManifestError, match="--force"):
        _deployment(block=9).save(path)
    assert path.read_text() == before
    _deployment(block=9).save(path, overwrite=True)
    assert Deployment.load(path).block == 9
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]  # no temp files left behind


def test_manifest_from_another_chain_is_refused(tmp_path: Path) -> None:
    path = _deployment().save(tmp_path / "m.json")
    with pytest.raises(ManifestError, match="chain 131277, but the node is chain 31337"):
        Deployment.load(path, chain_id=31337)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON \\(line 1"),
        ("[]", "not a decree8 deployment manifest"),
        ('{"schema": "decree8.deployment/1", "address": "0x00"}', "missing chain_id"),
    ],
)
def test_corrupt_manifest_gives_one_clear_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ManifestError, match=message) as info:
        Deployment.load(path)
    assert "\n" not in str(info.value)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="does not exist"):
        Deployment.load(tmp_path / "nope.json")
