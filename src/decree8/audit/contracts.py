"""Which contracts an audit covers (the tokens, registries and escrows named, and the registry each
reads) and their views, read in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from eth_utils import is_address, to_checksum_address

from decree8.audit.batch import ChainReads, Read
from decree8.errors import UsageError
from decree8.rules.evaluators import (
    ESCROW,
    REGISTRY,
    TOKEN,
)
from decree8.rules.state import StateReader

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.deploy import Deployment

__all__ = ["KINDS", "contract_kinds", "read_views"]


KINDS = (TOKEN, REGISTRY, ESCROW)


# --------------------------------------------------------------------------------------------------
# Which contracts
# --------------------------------------------------------------------------------------------------


def _kind_from_abi(abi: Iterable[Mapping[str, Any]]) -> str | None:
    events = {str(e.get("name")) for e in abi if e.get("type") == "event"}
    if "DealOpened" in events:
        return ESCROW
    if "HolderAttested" in events:
        return REGISTRY
    if {"Transfer", "TermsAccepted"} <= events:
        return TOKEN
    return None


def _probe_kind(chain: Chain, address: str, abis: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """The kind of decree8 contract at ``address``, told by the views it answers."""
    if not bytes(chain.w3.eth.get_code(address)):  # type: ignore[arg-type]
        raise UsageError(f"there is no contract at {address} on this chain")
    reader = StateReader(chain, "latest", abis)
    for kind, fn in ((ESCROW, "dealCount"), (TOKEN, "cap"), (REGISTRY, "operatorRegistration")):
        if reader.try_call(address, kind, fn) is not None:
            return kind
    raise UsageError(
        f"the contract at {address} is not a decree8 token, registry or escrow; pass its --manifest"
    )


def contract_kinds(
    chain: Chain,
    abis: Mapping[str, Sequence[Mapping[str, Any]]],
    deployments: Iterable[Deployment] = (),
    addresses: Iterable[str] = (),
) -> dict[str, str]:
    """``{address: kind}`` of the contracts to audit: those named, and the registries their tokens
    and escrows read."""
    kinds = _named_kinds(chain, abis, deployments, addresses)
    reads = ChainReads(chain, abis)
    _add_registries(kinds, reads, lambda: reads.run())
    return kinds


def _named_kinds(
    chain: Chain,
    abis: Mapping[str, Sequence[Mapping[str, Any]]],
    deployments: Iterable[Deployment],
    addresses: Iterable[str],
) -> dict[str, str]:
    """``{address: kind}`` of the contracts named (their registries not yet)."""
    kinds: dict[str, str] = {}
    for dep in deployments:
        if dep.chain_id != chain.chain_id:
            raise UsageError(
                f"deployment {dep.address} is on chain {dep.chain_id}, but the node is chain "
                f"{chain.chain_id}: use the --rpc of the chain it was deployed to"
            )
        kind = dep.contract if dep.contract in KINDS else _kind_from_abi(dep.abi)
        if kind is None:
            kind = _probe_kind(chain, to_checksum_address(dep.address), abis)
        kinds[to_checksum_address(dep.address)] = kind
    for text in addresses:
        if not (isinstance(text, str) and is_address(text) and text.startswith("0x")):
            raise UsageError(f"{text!r} is not an address (0x followed by 40 hex digits)")
        address = str(to_checksum_address(text))
        if address not in kinds:
            kinds[address] = _probe_kind(chain, address, abis)
    if not kinds:
        raise UsageError("name the contracts to audit: --manifest FILE or an ADDRESS")
    return kinds


def _add_registries(kinds: dict[str, str], reads: ChainReads, run: Callable[[], None]) -> None:
    """Adds to ``kinds`` the registry each token and escrow reads, asked (at the latest block)
    through ``reads``, which ``run`` makes along with whatever else was asked of it."""
    wanted = [(a, k, "registry", ()) for a, k in kinds.items() if k in (TOKEN, ESCROW)]
    reads.views(wanted, "latest")
    run()
    for read in wanted:
        registry = reads.answers.get("latest", {}).get(read)
        if not isinstance(registry, str):
            raise UsageError(f"{read[1]} {read[0]} does not answer registry(): not a decree8 one")
        kinds.setdefault(registry, REGISTRY)


# --------------------------------------------------------------------------------------------------
# Views read in batches
# --------------------------------------------------------------------------------------------------


def read_views(
    chain: Chain,
    abis: Mapping[str, Sequence[Mapping[str, Any]]],
    reads: Iterable[Read],
    block: int,
) -> dict[Read, Any]:
    """The answers to view calls ``(address, kind, function, args)`` at ``block``, made
    :data:`VIEW_BATCH` at a time in one ``eth_call`` each (on a JSON-RPC node, every batch in one
    round trip). A view that reverts answers ``None``."""
    wanted = list(reads)
    batch = ChainReads(chain, abis)
    batch.views(wanted, block)
    batch.run()
    found = batch.answers.get(block, {})
    return {read: found.get(read) for read in wanted}


def _same(fn: str, expected: Any, actual: Any) -> bool:
    if fn == "termsOf" and isinstance(actual, tuple):
        actual = actual[:2]
    return bool(_plain(expected) == _plain(actual))


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, bool):
        return value
    return value


def _show(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return str(value)


def _call_text(fn: str, args: tuple[Any, ...]) -> str:
    return f"{fn}({', '.join(_show(a) for a in args)})"
