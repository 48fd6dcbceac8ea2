"""Reading contract state at one block, for the rule evaluators.

A :class:`StateReader` answers view calls (``paused()``, ``statusOf(holder)`` ...) of decree8's
contracts at one block, each through one ``eth_call`` encoded by hand from the contract's ABI (no web3
contract objects in the hot path), and remembers every answer per ``(address, function, args, block)``.
Evaluators ask the same question many times (every rule looks at the parties' registry status): the
chain is asked once. A reader is meant for one check; the state it reads does not change under it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from eth_abi import abi as eth_abi
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from eth_utils.abi import abi_to_signature, get_abi_input_types, get_abi_output_types

from decree8.errors import TransactionReverted, UsageError

if TYPE_CHECKING:
    from decree8.chain import Chain

__all__ = ["HolderStatus", "StateReader", "ViewFunction", "view_functions"]

T = TypeVar("T")

#: Views that return an immutable of decree8's contracts: their answer is kept across readers
#: (when the readers share an ``immutables`` cache, as a checker's do).
IMMUTABLE_VIEWS = frozenset({"registry", "cap", "issuerRegistration", "operatorRegistration"})

#: IHolderRegistry.HolderType
HOLDER_TYPES: tuple[str, ...] = ("None", "Individual", "Entity", "Operator")


class HolderStatus(NamedTuple):
    """``IHolderRegistry.HolderStatus`` of one address: ``holder_type`` is 0 (None) unless identified."""

    holder_type: int
    identified: bool
    eligible: bool
    blocked: bool

    @property
    def type_name(self) -> str:
        return HOLDER_TYPES[self.holder_type] if 0 <= self.holder_type < 4 else str(self.holder_type)


@dataclass(frozen=True)
class ViewFunction:
    """One ABI function, ready to encode a call and decode its answer."""

    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def encode(self, args: Sequence[Any]) -> bytes:
        return self.selector + eth_abi.encode(list(self.inputs), list(args))

    def decode(self, data: bytes) -> Any:
        values = eth_abi.decode(list(self.outputs), data)
        values = tuple(_normalise(v) for v in values)
        return values[0] if len(values) == 1 else values


def _normalise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    if isinstance(value, tuple):
        return tuple(_normalise(v) for v in value)
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def view_functions(abi: Iterable[Mapping[str, Any]]) -> dict[str, ViewFunction]:
    """The functions of ``abi`` by name (the first of an overloaded name wins)."""
    out: dict[str, ViewFunction] = {}
    for entry in abi:
        if entry.get("type") != "function":
            continue
        name = str(entry["name"])
        if name in out:
            continue
        signature = abi_to_signature(entry)  # type: ignore[arg-type]
        out[name] = ViewFunction(
            name=name,
            selector=function_signature_to_4byte_selector(signature),
            inputs=tuple(get_abi_input_types(entry)),  # type: ignore[arg-type]
            outputs=tuple(get_abi_output_types(entry)),  # type: ignore[arg-type]
        )
    return out


class StateReader:
    """View calls of known contracts at ``block`` (a number, or ``"latest"`` for one pre-flight check).

    ``abis`` maps a contract name (``"CompliantToken"``) to its ABI. ``template_of`` tells the
    contract name of an address when it is one of decree8's (used to recognise, e.g., that an escrow
    leg's asset is a compliant token); ``timestamp`` is the block time the checked transaction runs at.
    ``immutables`` is a cache of :data:`IMMUTABLE_VIEWS` answers that outlives the reader.
    """

    def __init__(
        self,
        chain: Chain,
        block: int | str,
        abis: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        timestamp: int,
        template_of: Callable[[str], str | None] | None = None,
        immutables: dict[Hashable, Any] | None = None,
    ) -> None:
        self.chain = chain
        self.block = block
        self.timestamp = timestamp
        self._functions = {name: view_functions(abi) for name, abi in abis.items()}
        self._template_of = template_of
        self._cache: dict[Hashable, Any] = {}
        self._immutables = immutables if immutables is not None else {}
        self.calls = 0  # eth_calls made (the rest came from the cache)

    # -- calls ---------------------------------------------------------------------------------
    def function(self, contract: str, fn: str) -> ViewFunction:
        try:
            return self._functions[contract][fn]
        except KeyError:
            raise UsageError(f"the state reader knows no function {contract}.{fn}") from None

    def call(self, address: str, contract: str, fn: str, *args: Any) -> Any:
        """``contract(address).fn(*args)`` at this reader's block; raises TransactionReverted."""
        immutable = fn in IMMUTABLE_VIEWS and not args
        key = (address, fn, _hashable(args), None if immutable else self.block)
        cache = self._immutables if immutable else self._cache
        try:
            found = cache[key]
        except KeyError:
            pass
        else:
            if isinstance(found, TransactionReverted):
                raise found
            return found
        spec = self.function(contract, fn)
        tx = {"to": address, "data": "0x" + spec.encode(args).hex()}
        self.calls += 1
        try:
            value = spec.decode(self.chain.call(tx, block=self.block))
        except TransactionReverted as err:
            self._cache[key] = err
            raise
        cache[key] = value
        return value

    def try_call(self, address: str, contract: str, fn: str, *args: Any) -> Any | None:
        """As :meth:`call`, but ``None`` when the view reverts."""
        try:
            return self.call(address, contract, fn, *args)
        except TransactionReverted:
            return None

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of ``compute()``, computed once per reader and ``key``."""
        full = ("memo", key)
        if full not in self._cache:
            self._cache[full] = compute()
        return self._cache[full]  # type: ignore[no-any-return]

    def template_of(self, address: str) -> str | None:
        """The decree8 contract name deployed at ``address``, if known."""
        if self._template_of is None:
            return None
        return self.memo(("template_of", address), lambda: self._template_of(address))  # type: ignore[misc]

    # -- shared reads ----------------------------------------------------------------------------
    def holder_status(self, registry: str, holder: str) -> HolderStatus:
        """``registry.statusOf(holder)``."""
        raw = self.call(registry, "HolderRegistry", "statusOf", holder)
        holder_type, identified, eligible, blocked = raw
        return HolderStatus(int(holder_type), bool(identified), bool(eligible), bool(blocked))

    def has_role(self, address: str, contract: str, role: bytes, account: str) -> bool:
        return bool(self.call(address, contract, "hasRole", role, account))


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, bytearray):
        return bytes(value)
    return value  # type: ignore[no-any-return]
