"""Fixtures for the compiler layer: one shared solc-js worker, fake toolchains, fixture projects."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from compile_support import FIXTURES, REPO

from decree8.compile import Build, SolcJsCompiler, build_project


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
