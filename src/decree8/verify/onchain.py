"""Reading a deployment from the chain: its views, its creation transaction (found or given), the
creation code compared and the constructor arguments at its end."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_abi import abi as eth_abi
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from decree8.compile.bytecode import (
    CodeComparison,
    Difference,
    compare_runtime,
    first_difference,
    split_metadata,
)
from decree8.errors import Decree8Error, UsageError

if TYPE_CHECKING:
    from decree8.chain import Chain

__all__ = ["compare_creation", "constructor_args_at_end", "find_creation"]


# --------------------------------------------------------------------------------------------------
# Reading the chain
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _View:
    kind: str
    raw: bytes
    value: Any


def _call(chain: Chain, address: str, data: bytes) -> bytes | None:
    try:
        return chain.call({"to": address, "data": "0x" + data.hex()})
    except Decree8Error:
        return None


def _read_views(chain: Chain, address: str, abi: Sequence[Mapping[str, Any]]) -> dict[str, _View]:
    """Every view without inputs and with one output, read at ``address`` (unreadable ones left
    out)."""
    views: dict[str, _View] = {}
    for entry in abi:
        if entry.get("type") != "function" or entry.get("inputs"):
            continue
        if entry.get("stateMutability") not in ("view", "pure") or len(entry["outputs"]) != 1:
            continue
        kind = str(entry["outputs"][0]["type"])
        selector = function_signature_to_4byte_selector(f"{entry['name']}()")
        raw = _call(chain, address, selector)
        if raw is None:
            continue
        try:
            value = eth_abi.decode([kind], raw)[0]
        except (DecodingError, ValueError, OverflowError):
            continue
        views[str(entry["name"])] = _View(kind, raw, value)
    return views


def compare_creation(
    built_creation: bytes, creation_input: bytes, runtime: bytes
) -> CodeComparison:
    """The creation code of a build compared with the start of a creation transaction's input.
    The runtime code, metadata tail included, sits inside the creation code, and solc may put data
    after it (constants the constructor copies with CODECOPY): the runtime's metadata is then not
    the creation code's tail, so the code is compared up to the end of that metadata (a differing
    hash there is a functional match) and the data after it must be equal."""
    found = creation_input[: len(built_creation)]
    _, tail = split_metadata(runtime)
    end = built_creation.rfind(tail) + len(tail) if tail else -1
    if not tail or end <= len(tail) - 1 or end >= len(built_creation):
        return compare_runtime(built_creation, found, {})
    head = compare_runtime(built_creation[:end], found[:end], {})
    if head.match == "mismatch":
        return head
    rest = first_difference(built_creation[end:], found[end:])
    if rest is None:
        return head
    moved = Difference(offset=end + rest.offset, expected=rest.expected, found=rest.found)
    return CodeComparison("mismatch", moved, head.expected_metadata, head.found_metadata)


def _creation(chain: Chain, tx_hash: str, address: str) -> tuple[bytes, str]:
    """The input and sender of the transaction that created ``address``."""
    from web3.exceptions import Web3Exception

    try:
        tx = chain.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        receipt = chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except (Web3Exception, Decree8Error, ValueError):
        raise UsageError(
            f"transaction {tx_hash} is not on this chain (chain {chain.chain_id})"
        ) from None
    created = receipt.get("contractAddress")
    if not created or to_checksum_address(created) != address:
        raise UsageError(
            f"transaction {tx_hash} did not create {address}"
            + (f" (it created {to_checksum_address(created)})" if created else "")
        )
    return bytes(tx["input"]), to_checksum_address(tx["from"])


def constructor_args_at_end(
    creation_input: bytes, types: Sequence[str], expected_start: int | None = None
) -> tuple[Any, ...] | None:
    """The constructor arguments ABI-encoded at the end of ``creation_input``, whatever the
    length of the creation code before them (a changed constructor changes it).

    The arguments take the last ``32 * len(types)`` bytes when every type is static. Otherwise
    the head word of the first dynamic argument holds the head's length (the encoder puts the
    first dynamic value right after the head), which marks where the arguments may start; a
    start is taken when the bytes from it decode and encode back to exactly themselves.
    ``expected_start`` (the template's creation code length) is tried first."""
    types = list(types)
    head = 32 * len(types)
    if len(creation_input) < head:
        return None
    dynamic = [n for n, t in enumerate(types) if _is_dynamic(t)]
    starts: list[int] = []
    if expected_start is not None and expected_start <= len(creation_input) - head:
        starts.append(expected_start)
    if not dynamic:
        starts.append(len(creation_input) - head)
    else:
        marker = head.to_bytes(32, "big")
        first = 32 * dynamic[0]
        at = creation_input.find(marker, first)
        while at != -1:
            starts.append(at - first)
            at = creation_input.find(marker, at + 1)
    for start in dict.fromkeys(starts):
        if start < 0:
            continue
        tail = creation_input[start:]
        try:
            values = eth_abi.decode(types, tail)
            if eth_abi.encode(types, values) == tail:
                return tuple(values)
        except (DecodingError, ValueError, OverflowError, TypeError):
            continue
    return None


def _is_dynamic(abi_type: str) -> bool:
    return abi_type in ("string", "bytes") or abi_type.endswith("[]")


def find_creation(chain: Chain, address: str) -> tuple[str | None, str]:
    """The transaction that created ``address``, found by searching the block where its code
    first appears (a binary search over ``eth_getCode`` at past blocks), or ``(None, why)`` when
    the node keeps no past state or the contract was created by another contract."""
    try:
        latest = chain.block_number
        low, high = 0, latest  # the code is at `high`, and not before `low`
        if bytes(chain.w3.eth.get_code(address, 0)):  # type: ignore[arg-type]
            return None, "the code is in the genesis block: no transaction created it"
        while high - low > 1:
            mid = (low + high) // 2
            if bytes(chain.w3.eth.get_code(address, mid)):  # type: ignore[arg-type]
                high = mid
            else:
                low = mid
        block = chain.w3.eth.get_block(high, full_transactions=True)
    except Exception:  # noqa: BLE001 - a node without past state cannot be searched
        return None, "this node keeps no past state to search for the deployment block"
    for tx in block.get("transactions", []):
        if isinstance(tx, bytes | str) or tx.get("to"):
            continue
        tx_hash = "0x" + bytes(tx["hash"]).hex()
        try:
            receipt = chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001
            continue
        created = receipt.get("contractAddress")
        if created and to_checksum_address(created) == address:
            return tx_hash, ""
    return None, (
        f"no transaction in block {high}, where the code first appears, created it directly: "
        "a contract created it"
    )
