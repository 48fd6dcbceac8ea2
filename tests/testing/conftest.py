"""The decree8 pytest plugin's fixtures for these tests.

Once the ``pytest11`` entry point is installed the plugin is active everywhere; importing its
fixtures here as well makes these tests independent of that (conftest fixtures take precedence
over a plugin's, and these are the same functions). Its command-line options are tested in a
subprocess (test_plugin.py)."""

from __future__ import annotations

from decree8.testing.plugin import (  # noqa: F401 - fixtures, found by name
    decree8_accounts,
    decree8_build,
    decree8_chain,
    decree8_escrow,
    decree8_factory,
    decree8_machine,
    decree8_registry,
    decree8_session_chain,
    decree8_token,
)
