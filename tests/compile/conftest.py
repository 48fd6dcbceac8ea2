"""Fixtures for the compiler layer: one shared solc-js worker, fake toolchains, fixture projects."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from decree8.compile import Build, SolcJsCompiler, build_project

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"


@pytest.fixture(scope="session")
def solcjs() -> Iterator[SolcJsCompiler]:
    """One solc-js compiler (one Node worker) for the whole session."""
    compiler = SolcJsCompiler(REPO)
    yield compiler
    compiler.close()


@pytest.fixture
def project(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a fixture project into tmp_path, so a test may edit it and build into it."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return copy


@pytest.fixture(scope="session")
def oz_build(tmp_path_factory: pytest.TempPathFactory, solcjs: SolcJsCompiler) -> Build:
    """The OpenZeppelin-importing fixture, built cold once per session."""
    build_dir = tmp_path_factory.mktemp("oz-build")
    return build_project(FIXTURES / "oz", compiler=solcjs, cache_dir=build_dir)


def write_script(folder: Path, name: str, body: str) -> Path:
    """An executable ``/bin/sh`` script ``folder/name``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def isolated_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH is only an empty tmp folder (tests put fake tools there); py-solc-x looks in another
    empty tmp folder for installed compilers."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    solcx_dir = tmp_path / "solcx"
    solcx_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(solcx_dir))
    return bin_dir


_REAL_NODE = shutil.which("node")  # looked up before any test narrows PATH


def real_node() -> str:
    """The real ``node`` executable, whatever PATH a test has set."""
    assert _REAL_NODE is not None, "these tests need Node.js on PATH"
    return _REAL_NODE
