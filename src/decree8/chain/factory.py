"""Opening a chain: the constructors of :class:`~decree8.chain.Chain` (``Chain.open``,
``Chain.embedded``, ``Chain.revm``, ``Chain.rpc``, ``Chain.default``), which know the backends.
The interface does not import its backends; this module does, each one when it is first used
(a command on a JSON-RPC node never loads eth-tester)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from decree8.chain.interface import Chain
from decree8.errors import UsageError

if TYPE_CHECKING:
    from decree8.chain.embedded import EmbeddedChain
    from decree8.chain.revm import RevmChain
    from decree8.chain.rpc import RpcChain

__all__ = ["default", "embedded", "open_chain", "revm", "rpc"]


def embedded(accounts: int = 10) -> EmbeddedChain:
    """An in-process eth-tester chain (py-evm) with ``accounts`` funded, unlocked accounts."""
    from decree8.chain.embedded import EmbeddedChain

    return EmbeddedChain(accounts=accounts)


def open_chain(
    spec: str | None = None, *, accounts: int = 10, timestamp: int | None = None
) -> Chain:
    """The one way to open a chain from what a user names (the CLI, scenarios and the pytest
    plugin all use it): ``"embedded"`` (eth-tester, the reference), ``"revm"`` (the fast
    chain), ``"default"`` or ``None`` (the fast chain where it can run, else eth-tester), or
    the URL of a JSON-RPC node. ``timestamp`` starts an in-process chain at that unix time
    (a scenario that starts in the past); a node keeps its own clock."""
    if spec is not None and spec.startswith(("http://", "https://")):
        return rpc(spec)
    if spec in (None, "default"):
        from decree8.chain.revm import fast_chain_missing

        spec = "revm" if fast_chain_missing() is None else "embedded"
    if spec == "revm":
        options = {} if timestamp is None else {"timestamp": timestamp}
        return revm(accounts=accounts, **options)
    if spec == "embedded":
        from decree8.chain.embedded import EmbeddedChain

        return EmbeddedChain(accounts=accounts, genesis_timestamp=timestamp)
    raise UsageError(
        f"unknown chain {spec!r}: use embedded, revm, default or an http(s):// node URL"
    )


def default(accounts: int = 10) -> Chain:
    """The fast in-process chain (:meth:`revm`) where decree8's extension loaded, else the
    embedded chain (eth-tester), after one ``RuntimeWarning`` saying why."""
    return open_chain("default", accounts=accounts)


def revm(accounts: int = 10, **options: Any) -> RevmChain:
    """An in-process revm chain (decree8's extension, Prague): the same API and gas, many
    times faster.

    Needs the compiled extension ``decree8._evm`` (built by ``pip install`` where Rust is
    installed); :func:`decree8.chain.revm.fast_chain_missing` says whether it loaded.
    """
    from decree8.chain.revm import RevmChain

    return RevmChain(accounts=accounts, **options)


def rpc(url: str, timeout: float = 10) -> RpcChain:
    """A JSON-RPC node at ``url``; every request is bounded by ``timeout`` seconds.

    Raises :class:`~decree8.errors.RpcUnavailable` when the node does not answer
    ``eth_chainId`` within ``timeout``.
    """
    from decree8.chain.rpc import RpcChain

    return RpcChain(url, timeout=timeout)


for _name, _constructor in (
    ("open", open_chain),
    ("embedded", embedded),
    ("revm", revm),
    ("rpc", rpc),
    ("default", default),
):
    setattr(Chain, _name, staticmethod(_constructor))
