"""Test support for every suite: shared values, the one deployed :class:`System` and its
:func:`deploy_system`, and the backends the behaviour suites run on (tests/conftest.py holds the
fixtures). Importable as ``support`` (pyproject's pytest ``pythonpath`` puts tests/ on sys.path)."""

from .backends import BACKENDS, EMBEDDED, HARDHAT, IN_PROCESS, REVM, WITH_DECREE8_NODE, ChainPool
from .constants import *  # noqa: F403 - the shared values, listed in constants.py
from .measure import by_tx, measure_gas, of_rule
from .served import served_system
from .system import (
    ACCOUNTS,
    PARTY_NAMES,
    REPO,
    SOURCES,
    TEMPLATE_SOURCES,
    System,
    Target,
    deploy_system,
    suite_build,
    template_build,
)

__all__ = [
    "ACCOUNTS",
    "BACKENDS",
    "EMBEDDED",
    "HARDHAT",
    "REVM",
    "IN_PROCESS",
    "PARTY_NAMES",
    "REPO",
    "SOURCES",
    "TEMPLATE_SOURCES",
    "WITH_DECREE8_NODE",
    "ChainPool",
    "by_tx",
    "measure_gas",
    "of_rule",
    "served_system",
    "System",
    "Target",
    "deploy_system",
    "suite_build",
    "template_build",
]
