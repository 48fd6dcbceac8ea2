"""Many view calls in one ``eth_call``: a throwaway creation whose init code calls each view and
returns the answers.

On eth-tester every ``eth_call`` costs several milliseconds of set-up whatever it runs, so a state
machine that reads a dozen views after every step spends most of its time there; one call that runs
all of them costs far less (six balance reads here: about 10 ms, against 35 ms one by one). No
contract is deployed: the init code is assembled here (STATICCALL per view, answers concatenated
after a zero word, so the returned "code" never starts with 0xEF) and run by ``eth_call`` without a
``to``. A chain whose ``eth_call`` does not return a creation's return data gets the views one call
each: the answers are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from decree8.chain import Chain

# opcodes
_JUMP, _JUMPI, _JUMPDEST, _MSTORE, _GAS, _STATICCALL, _ISZERO = (
    0x56,
    0x57,
    0x5B,
    0x52,
    0x5A,
    0xFA,
    0x15,
)
_DUP1, _RETURN, _REVERT = 0x80, 0xF3, 0xFD
_FAIL = 3  # offset of the JUMPDEST that reverts (see _PRELUDE)
_PRELUDE = bytes([0x60, 8, _JUMP, _JUMPDEST, 0x60, 0, _DUP1, _REVERT, _JUMPDEST])
_PROBE = bytes.fromhex("602a60005260206000f3")  # returns the word 42


def _push(value: int, size: int) -> bytes:
    return bytes([0x5F + size]) + value.to_bytes(size, "big")


@dataclass(frozen=True)
class View:
    """A view call: the contract, its calldata, and how many 32-byte words it returns."""

    to: str
    data: bytes
    words: int = 1


def init_code(views: Sequence[View]) -> bytes:
    """Init code that STATICCALLs each view (reverting if one fails) and returns a zero word
    followed by every answer, each padded to its number of words."""
    scratch = max((len(v.data) for v in views), default=0)
    scratch = (scratch + 31) // 32 * 32
    out = scratch + 32  # the zero word sits at `scratch`
    code = bytearray(_PRELUDE)
    for view in views:
        for j in range(0, len(view.data), 32):
            chunk = view.data[j : j + 32].ljust(32, b"\0")
            code += bytes([0x7F]) + chunk + _push(j, 2) + bytes([_MSTORE])
        code += _push(32 * view.words, 2) + _push(out, 2) + _push(len(view.data), 2)
        code += _push(0, 1) + _push(int(view.to, 16), 20)
        code += bytes([_GAS, _STATICCALL, _ISZERO]) + _push(_FAIL, 2) + bytes([_JUMPI])
        out += 32 * view.words
    code += _push(out - scratch, 2) + _push(scratch, 2) + bytes([_RETURN])
    return bytes(code)


def answers_creations(chain: Chain) -> bool:
    """Whether ``eth_call`` on `chain` returns what a creation's init code returns."""
    return chain.call({"data": _PROBE}) == (42).to_bytes(32, "big")


class MultiRead:
    """Reads a fixed list of views, batched when the chain answers creations from ``eth_call``
    (`batched`: asked of the chain when None)."""

    def __init__(self, chain: Chain, views: Sequence[View], batched: bool | None = None) -> None:
        self.chain = chain
        self.views = tuple(views)
        self.code = init_code(self.views)
        self.batched = answers_creations(chain) if batched is None else batched

    def read(self) -> list[bytes]:
        """The answers, one bytes value of ``32 * words`` bytes per view, in order."""
        if not self.batched:
            return [self.chain.call({"to": v.to, "data": v.data}) for v in self.views]
        raw = self.chain.call({"data": self.code})
        assert raw[:32] == bytes(32), raw[:32].hex()
        answers, at = [], 32
        for view in self.views:
            answers.append(raw[at : at + 32 * view.words])
            at += 32 * view.words
        return answers

    def ints(self) -> list[int]:
        """The answers of one-word views, as unsigned integers."""
        return [int.from_bytes(a, "big") for a in self.read()]
