"""The decree8 pytest plugin: a chain, named accounts, deployment factories and state machines.

Active once decree8 is installed (entry point ``pytest11``), or with ``-p decree8.testing.plugin``.

Options: ``--decree8-rpc URL`` (a JSON-RPC node instead of the in-process chain),
``--decree8-chain embedded|revm`` (which in-process chain; default revm, the fast chain, where
decree8's extension loaded, else embedded with a warning saying why), ``--decree8-root DIR``
(the project whose ``contracts/`` are built; default: the rootdir when it has a ``contracts/``
folder, else decree8's own templates, from the artifacts shipped with decree8: no compiler).
``--decree8-gas`` prints a gas report per contract and function; ``--decree8-gas-snapshot FILE``
(with ``--decree8-gas-tolerance PCT``, ``--decree8-gas-update``) writes or checks a gas snapshot
(:mod:`decree8.testing.gas`). Builds go to the project's build folder (``.decree8/build``;
``build-dir`` in ``[tool.decree8]`` or ``$DECREE8_BUILD_DIR`` moves it).

Fixtures (all prefixed ``decree8_`` so they never clash with a project's own):

- ``decree8_session_chain`` (session) and ``decree8_chain``: the chain, reverted after each test;
- ``decree8_build`` (session): the project's build (cached across runs);
- ``decree8_accounts``: :class:`~decree8.testing.factories.Accounts` (``.admin``, ``.alice`` ...);
- ``decree8_factory``: a :class:`~decree8.testing.factories.Factory` on the chain;
- ``decree8_registry``, ``decree8_token``, ``decree8_escrow``: default deployments: alice and bob
  eligible individuals, carol an eligible entity, all three accepted the terms; the escrow is
  admitted to hold the token;
- ``decree8_machine``: runs a :class:`~decree8.testing.stateful.ChainMachine` on the chain.

Every function-scoped fixture works on ``decree8_chain``, so whatever a test deploys or sends is
undone when it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as Settings

from decree8.chain import Chain
from decree8.compile import Build, build_project
from decree8.errors import Decree8Error
from decree8.testing.factories import Accounts, Deployed, Factory
from decree8.testing.gas import add_gas_options
from decree8.testing.gas import configure as configure_gas
from decree8.testing.parties import ELIGIBLE_ENTITY, ELIGIBLE_INDIVIDUAL
from decree8.testing.stateful import ChainMachine, MachineStats

__all__ = [
    "decree8_accounts",
    "decree8_build",
    "decree8_chain",
    "decree8_escrow",
    "decree8_factory",
    "decree8_machine",
    "decree8_registry",
    "decree8_session_chain",
    "decree8_token",
    "open_chain",
    "project_root",
    "pytest_addoption",
    "pytest_configure",
]

DEFAULT_PARTIES = {
    "alice": ELIGIBLE_INDIVIDUAL,
    "bob": ELIGIBLE_INDIVIDUAL,
    "carol": ELIGIBLE_ENTITY,
}


def pytest_configure(config: pytest.Config) -> None:
    """The gas report (decree8.testing.gas) when asked for, and the project's own rules
    (``rules`` in ``[tool.decree8]``) joined to the pack the checker uses."""
    from decree8.config import load_settings
    from decree8.rules.project import activate_project_rules

    configure_gas(config)
    root = project_root(config)
    if root is None:
        return
    rules_file = load_settings(start=root).path("rules")
    if rules_file is not None:
        activate_project_rules(rules_file)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("decree8", "decree8 contract testing")
    group.addoption(
        "--decree8-rpc",
        metavar="URL",
        default=None,
        help="run decree8 fixtures on this JSON-RPC node (default: an in-process chain)",
    )
    group.addoption(
        "--decree8-chain",
        choices=("embedded", "revm"),
        default=None,
        help="the in-process chain for decree8 fixtures: revm (the fast chain, default where "
        "decree8's extension is built) or embedded (eth-tester)",
    )
    group.addoption(
        "--decree8-root",
        metavar="DIR",
        default=None,
        help="the project whose contracts/ decree8_build compiles (default: the rootdir if it "
        "has contracts/, else decree8's own templates)",
    )
    add_gas_options(group)


def _option(config: pytest.Config, name: str) -> str | None:
    try:
        value = config.getoption(name)
    except ValueError:  # the option was not registered (fixtures imported by a conftest)
        return None
    return str(value) if value is not None else None


def open_chain(config: pytest.Config) -> Chain:
    """The chain the options ask for: ``--decree8-rpc``, else ``--decree8-chain``, else the fast
    chain where it can run (:meth:`Chain.default`)."""
    return Chain.open(_option(config, "decree8_rpc") or _option(config, "decree8_chain"))


def project_root(config: pytest.Config) -> Path | None:
    """The folder whose ``contracts/`` the build compiles, or None for decree8's own templates
    (see the module docstring)."""
    given = _option(config, "decree8_root")
    if given:
        return Path(given).resolve()
    root = Path(str(config.rootpath))
    if (root / "contracts").is_dir():
        return root
    return None


@pytest.fixture(scope="session")
def decree8_session_chain(request: pytest.FixtureRequest) -> Iterator[Chain]:
    """The chain of the session (not reverted between tests: use ``decree8_chain``)."""
    chain = open_chain(request.config)
    try:
        yield chain
    finally:
        chain.close()


@pytest.fixture
def decree8_chain(decree8_session_chain: Chain) -> Iterator[Chain]:
    """The chain, from a snapshot taken before the test and reverted after it."""
    with decree8_session_chain.reverting() as chain:
        yield chain


def _is_decree8_checkout(root: Path) -> bool:
    """decree8's own source tree: its contracts/ holds the templates (and test mocks)."""
    from decree8.templates.home import template_home

    try:
        home_contracts = (template_home() / "contracts").resolve()
    except Decree8Error:
        return False
    return (root / "contracts").resolve() == home_contracts


@pytest.fixture(scope="session")
def decree8_build(request: pytest.FixtureRequest) -> Build:
    """The project's contracts, compiled once (and cached on disk across sessions); decree8's
    own templates (the shipped build) outside a project and in decree8's own checkout."""
    from decree8.config import load_settings
    from decree8.templates.home import template_build

    root = project_root(request.config)
    build_dir = load_settings(start=root).build_dir
    if root is None or _is_decree8_checkout(root):
        return template_build(build_dir=build_dir / "templates")
    return build_project(root, cache_dir=build_dir)


@pytest.fixture(scope="session")
def decree8_accounts(decree8_session_chain: Chain) -> Accounts:
    """Named accounts: admin, operator, issuer, enforcer, oversight, alice, bob, carol, dave,
    eve (the chain's first ten, in that order)."""
    return Accounts.of(decree8_session_chain)


@pytest.fixture
def decree8_factory(
    decree8_chain: Chain, decree8_build: Build, decree8_accounts: Accounts
) -> Factory:
    """Deploys registries, tokens and escrows on the test's chain (undone after the test)."""
    return Factory(decree8_chain, decree8_build, decree8_accounts)


@pytest.fixture
def decree8_registry(decree8_factory: Factory) -> Deployed:
    """A holder registry with alice and bob (eligible individuals) and carol (an entity)."""
    return decree8_factory.registry(parties=DEFAULT_PARTIES)


@pytest.fixture
def decree8_token(decree8_factory: Factory, decree8_registry: Deployed) -> Deployed:
    """A compliant token on ``decree8_registry``; alice, bob and carol accepted its terms."""
    return decree8_factory.token(registry=decree8_registry, parties=DEFAULT_PARTIES)


@pytest.fixture
def decree8_escrow(
    decree8_factory: Factory, decree8_registry: Deployed, decree8_token: Deployed
) -> Deployed:
    """A deal escrow on ``decree8_registry`` that may hold ``decree8_token``; alice, bob and carol
    accepted its terms."""
    return decree8_factory.escrow(
        registry=decree8_registry, parties=DEFAULT_PARTIES, tokens=[decree8_token]
    )


MachineRunner = Callable[..., MachineStats]


@pytest.fixture
def decree8_machine(
    decree8_chain: Chain, decree8_build: Build, decree8_accounts: Accounts
) -> MachineRunner:
    """``decree8_machine(MachineClass, settings=None)`` runs a ChainMachine on the chain and
    returns its counters; the chain is left as it was."""

    def run(machine: type[ChainMachine], settings: Settings | None = None) -> MachineStats:
        return machine.run(
            decree8_chain, decree8_build, settings=settings, accounts=decree8_accounts
        )

    return run
