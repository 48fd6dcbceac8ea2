"""The check's view of a template's ABI: :class:`decree8.abi.ContractAbi` whose logs decode to
:class:`DecodedEvent` (with the emitter's address and the template's contract name). The
recognition of a template from runtime code (``runtime_matches``) lives in
:mod:`decree8.compile.bytecode` and is re-exported here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from decree8 import abi
from decree8.abi import AbiFunction, coerce_arg
from decree8.compile.bytecode import runtime_matches, strip_metadata
from decree8.hexutil import checksummed
from decree8.rules.finding import jsonable

__all__ = [
    "AbiFunction",
    "ContractAbi",
    "DecodedEvent",
    "coerce_arg",
    "runtime_matches",
    "strip_metadata",
]


@dataclass(frozen=True)
class DecodedEvent:
    """One log decoded with a known ABI (``contract`` is the template's contract name)."""

    address: str
    contract: str | None
    name: str
    args: Mapping[str, Any]
    log_index: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "contract": self.contract,
            "name": self.name,
            "args": {k: jsonable(v) for k, v in self.args.items()},
            "log_index": self.log_index,
        }


class ContractAbi(abi.ContractAbi):
    """A template's ABI (see :class:`decree8.abi.ContractAbi`) whose logs decode to events."""

    def decode_log(self, log: Mapping[str, Any]) -> DecodedEvent | None:
        """``log`` decoded with this ABI, or ``None`` when its topic is not one of its events."""
        topics = [bytes(t) for t in log.get("topics", [])]
        found = self.decode_event(topics, bytes(log.get("data", b"")))
        if found is None:
            return None
        return DecodedEvent(
            address=checksummed(log["address"]),
            contract=self.name,
            name=found[0],
            args=found[1],
            log_index=int(log.get("logIndex", 0)),
        )
