"""The decree8 pytest plugin's fixtures for these tests.

Once the ``pytest11`` entry point is installed the plugin is active everywhere; importing its
fixtures here as well makes these tests independent of that (conftest fixtures take precedence
over a plugin's, and these are the same functions). Its command-line options are tested in a
subprocess (test_plugin.py).

The plugin's default chain is the fast one (revm); these tests run on it and on eth-tester, the
reference, through a parametrized ``decree8_session_chain``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from decree8.chain import Chain
from decree8.testing.plugin import (  # noqa: F401 - fixtures, found by name
    decree8_accounts,
    decree8_build,
    decree8_chain,
    decree8_escrow,
    decree8_factory,
    decree8_machine,
    decree8_registry,
    decree8_token,
)


@pytest.fixture(scope="session", params=["revm", "embedded"])
def decree8_session_chain(request: pytest.FixtureRequest) -> Iterator[Chain]:
    """The plugin's session chain, on the fast chain (the default) and on eth-tester."""
    chain = Chain.revm() if request.param == "revm" else Chain.embedded()
    try:
        yield chain
    finally:
        chain.close()
