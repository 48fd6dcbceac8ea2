"""Fixtures of the verify tests. Verifying only reads the chain, so one deployed world serves a
whole session; the changed tree is compiled once (about 20-30 s cold with solc-js)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from verify_helpers import World, changed_tree, deploy_world, template_build

from decree8.chain import Chain
from decree8.compile import Build


@pytest.fixture(scope="session")
def build() -> Build:
    return template_build()


@pytest.fixture(scope="session")
def changed_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return changed_tree(tmp_path_factory.mktemp("changed-tree"))


@pytest.fixture(scope="session")
def world(
    build: Build, changed_build: Build, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    chain = Chain.embedded()
    try:
        yield deploy_world(chain, build, tmp_path_factory.mktemp("world"), changed_build)
    finally:
        chain.close()
