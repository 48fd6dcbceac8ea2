"""The decree8 pytest plugin's fixtures for these tests.

Once the ``pytest11`` entry point is installed the plugin is active everywhere; importing its
fixtures here as well makes these tests independent of that (conftest fixtures take precedence
over a plugin's, and these are the same functions). Its command-line options are tested in a
subprocess (test_plugin.py).

The plugin's session chain is here the suites' ``backend_chain`` (tests/conftest.py): these tests
run on every backend (embedded, revm, Hardhat), like the other behaviour suites."""

from __future__ import annotations

import pytest

from decree8.chain import Chain
from decree8.testing import Accounts
from decree8.testing.plugin import (  # noqa: F401 - fixtures, found by name
    decree8_build,
    decree8_chain,
    decree8_escrow,
    decree8_factory,
    decree8_machine,
    decree8_registry,
    decree8_token,
)


@pytest.fixture(scope="module")
def decree8_session_chain(backend_chain: Chain) -> Chain:
    """The plugin's session chain: the module's backend (reverted when the module ends)."""
    return backend_chain


@pytest.fixture(scope="module")
def decree8_accounts(decree8_session_chain: Chain) -> Accounts:
    """The plugin's named accounts, on the module's backend."""
    return Accounts.of(decree8_session_chain)
