"""solc-js installed on first use into decree8's per-user cache, checked file by file."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from decree8.compile import install
from decree8.compile.install import (
    MARKER,
    ensure_solcjs,
    install_solcjs,
    toolchain_dir,
    try_download_native,
    verify_toolchain,
)
from decree8.errors import ToolchainError

VERSION = "0.8.30"
NODE = shutil.which("node")
NPM = shutil.which("npm")


def _script(folder: Path, name: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One real install from the npm registry into a fresh cache (shared by this module)."""
    assert NODE and NPM, "these tests need Node.js and npm"
    cache = tmp_path_factory.mktemp("cache")
    old = os.environ.get("DECREE8_CACHE_DIR")
    os.environ["DECREE8_CACHE_DIR"] = str(cache)
    notes: list[str] = []
    try:
        modules = install_solcjs(VERSION, note=notes.append)
        assert any("installing solc-js 0.8.30" in n for n in notes)
        yield modules.parent
    finally:
        if old is None:
            os.environ.pop("DECREE8_CACHE_DIR", None)
        else:
            os.environ["DECREE8_CACHE_DIR"] = old


@pytest.fixture
def cache_env(installed: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DECREE8_CACHE_DIR", str(installed.parent.parent))
    install._verified.clear()
    return installed


def test_install_is_complete_and_verified(cache_env: Path) -> None:
    assert cache_env == toolchain_dir(VERSION)
    assert (cache_env / MARKER).is_file()
    assert verify_toolchain(cache_env, VERSION) is None
    assert (cache_env / "node_modules" / "solc" / "soljson.js").is_file()
    # A second call reuses it (no npm run): it returns at once with the same folder.
    assert install_solcjs(VERSION) == cache_env / "node_modules"


def test_the_cache_is_used_when_no_node_modules_is_around(
    cache_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulates a machine where decree8 is installed from a wheel: no node_modules anywhere.
    monkeypatch.delenv("DECREE8_NODE_MODULES", raising=False)
    monkeypatch.setattr(install, "find_node_modules", lambda *_a, **_k: None)
    assert ensure_solcjs(None, VERSION, install=False) == cache_env / "node_modules"
    from decree8.compile import SolcJsCompiler

    compiler = SolcJsCompiler(None)
    try:
        out = compiler.compile_standard(
            {
                "language": "Solidity",
                "sources": {"A.sol": {"content": "pragma solidity ^0.8.0; contract A {}"}},
                "settings": {"outputSelection": {"*": {"*": ["evm.bytecode.object"]}}},
            }
        )
        assert out["contracts"]["A.sol"]["A"]["evm"]["bytecode"]["object"]
        assert compiler.node_modules == cache_env / "node_modules"
    finally:
        compiler.close()


def test_a_corrupt_or_half_finished_cache_is_detected_and_replaced(
    cache_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_cache = tmp_path / "cache"
    shutil.copytree(cache_env.parent.parent, broken_cache, symlinks=True)
    monkeypatch.setenv("DECREE8_CACHE_DIR", str(broken_cache))
    folder = toolchain_dir(VERSION)
    soljson = folder / "node_modules" / "solc" / "soljson.js"
    soljson.write_bytes(soljson.read_bytes()[:1000])  # a truncated download
    assert "differ from the install record (solc/soljson.js)" in str(
        verify_toolchain(folder, VERSION)
    )
    (folder / MARKER).unlink()  # an install killed before it finished
    assert "no completion marker" in str(verify_toolchain(folder, VERSION))
    monkeypatch.setattr(install, "find_node_modules", lambda *_a, **_k: None)
    with pytest.raises(ToolchainError, match="0.8.30 is not installed: run `decree8 setup`"):
        ensure_solcjs(None, VERSION, install=False)  # never used as it is
    notes: list[str] = []
    modules = install_solcjs(VERSION, note=notes.append)
    assert any("unusable, replacing it: it has no completion marker" in n for n in notes)
    assert verify_toolchain(folder, VERSION) is None
    assert (modules / "solc" / "soljson.js").stat().st_size > 1_000_000


def test_unwritable_cache_folder_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DECREE8_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(ToolchainError) as caught:
        install_solcjs(VERSION)
    message = str(caught.value)
    assert "is not writable" in message and "set DECREE8_CACHE_DIR" in message
    assert "\n" not in message


def test_npm_missing_or_too_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert NODE
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(NODE)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("DECREE8_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ToolchainError, match="npm is not installed"):
        install_solcjs(VERSION)
    _script(bin_dir, "npm", 'echo "6.14.0"\n')
    with pytest.raises(ToolchainError, match=r"npm 6\.14\.0 .* is too old: decree8 needs npm 8"):
        install_solcjs(VERSION)
    assert not (tmp_path / "cache" / "toolchain" / f"solc-{VERSION}").exists()


def test_node_missing_when_a_compile_is_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DECREE8_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ToolchainError, match="Node.js is not installed"):
        install_solcjs(VERSION)


def test_a_failed_native_download_is_remembered_for_a_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import solcx

    calls: list[str] = []

    def refuse(version: str, **_kwargs: object) -> None:
        calls.append(version)
        raise ConnectionError("no route to the download host")

    monkeypatch.setattr(solcx, "install_solc", refuse)
    monkeypatch.setenv("DECREE8_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DECREE8_NO_DOWNLOAD", raising=False)
    notes: list[str] = []
    assert try_download_native(VERSION, note=notes.append) is False
    assert try_download_native(VERSION) is False
    assert calls == [VERSION]
    assert any("using solc-js instead" in n for n in notes)
    monkeypatch.setenv("DECREE8_NO_DOWNLOAD", "1")
    (tmp_path / "toolchain" / f"native-solc-{VERSION}.failed").unlink()
    assert try_download_native(VERSION) is False and calls == [VERSION]
