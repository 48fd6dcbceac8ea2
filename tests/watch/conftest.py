"""Fixtures of the watch tests: a real `decree8 node` subprocess with the registry, token and
escrow of tests/check deployed on it (see watch_helpers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from watch_helpers import Deployed, deploy_on

from decree8.chain.node import NodeProcess
from decree8.compile import Build
from support import ACCOUNTS, template_build


@pytest.fixture(scope="session")
def build() -> Build:
    return template_build()


@pytest.fixture(scope="module")
def deployed(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    with NodeProcess(accounts=ACCOUNTS, startup_timeout=60) as node:
        d = deploy_on(node, build, tmp_path_factory.mktemp("manifests"))
        try:
            yield d
        finally:
            d.s.chain.close()
