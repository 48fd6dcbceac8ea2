"""Runtime bytecode as solc lays it out: executable code, then a CBOR metadata tail; immutables
written into the code at deployment at the offsets ``immutableReferences`` lists.

These helpers are shared by ``verify`` (exact / functional / mismatch, first difference) and by the
checker (which template is at an address). They import nothing above the compile layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from decree8.compile import Artifact

__all__ = [
    "CodeComparison",
    "Difference",
    "ImmutableRange",
    "MatchKind",
    "compare_runtime",
    "decode_metadata",
    "first_difference",
    "immutable_ranges",
    "mask_immutables",
    "runtime_matches",
    "split_metadata",
    "strip_metadata",
]

MatchKind = Literal["exact", "functional", "mismatch"]

#: How many bytes of each side a :class:`Difference` shows.
CONTEXT_BYTES = 8


# --------------------------------------------------------------------------------------------------
# CBOR metadata
# --------------------------------------------------------------------------------------------------


def split_metadata(code: bytes) -> tuple[bytes, bytes]:
    """``(executable part, metadata tail)``. The tail is solc's CBOR map followed by its two-byte
    length; it is empty when the code does not end in one (e.g. code that is no solc output)."""
    code = bytes(code)
    if len(code) < 2:
        return code, b""
    length = int.from_bytes(code[-2:], "big")
    start = len(code) - 2 - length
    if length == 0 or start < 0 or not 0xA0 <= code[start] <= 0xBF:  # a CBOR map
        return code, b""
    return code[:start], code[start:]


def strip_metadata(code: bytes) -> bytes:
    """``code`` without solc's CBOR metadata tail."""
    return split_metadata(code)[0]


class _Cbor:
    """The small part of CBOR solc writes: a map of text keys to byte strings, text, integers and
    booleans."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("truncated CBOR")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def _length(self, info: int) -> int:
        if info < 24:
            return info
        sizes = {24: 1, 25: 2, 26: 4, 27: 8}
        if info not in sizes:
            raise ValueError("unsupported CBOR length")
        return int.from_bytes(self._take(sizes[info]), "big")

    def item(self) -> Any:
        head = self._take(1)[0]
        major, info = head >> 5, head & 0x1F
        if major == 0:
            return self._length(info)
        if major == 2:
            return self._take(self._length(info))
        if major == 3:
            return self._take(self._length(info)).decode("utf-8")
        if major == 5:
            size = self._length(info)
            return {self.item(): self.item() for _ in range(size)}
        if major == 7 and info in (20, 21):
            return info == 21
        raise ValueError(f"unsupported CBOR item 0x{head:02x}")


def decode_metadata(tail: bytes) -> dict[str, Any]:
    """The CBOR map of a metadata tail (``{"ipfs": b"...", "solc": b"\\x00\\x08\\x1e"}``), or an
    empty dict when it does not decode."""
    if len(tail) < 3:
        return {}
    try:
        value = _Cbor(bytes(tail[:-2])).item()
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def metadata_summary(tail: bytes) -> str:
    """``solc 0.8.30, ipfs 1220ab…`` for a metadata tail; ``none`` when there is none."""
    data = decode_metadata(tail)
    if not data:
        return "none" if not tail else f"{len(tail)} bytes, not solc's CBOR map"
    parts = []
    solc = data.get("solc")
    if isinstance(solc, bytes) and len(solc) == 3:
        parts.append("solc " + ".".join(str(b) for b in solc))
    elif isinstance(solc, str):
        parts.append(f"solc {solc}")
    for key in ("ipfs", "bzzr1", "bzzr0"):
        value = data.get(key)
        if isinstance(value, bytes):
            parts.append(f"{key} 0x{value.hex()}")
    return ", ".join(parts) or "empty"


# --------------------------------------------------------------------------------------------------
# Immutables
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImmutableRange:
    """One place where the value of immutable ``ast_id`` is written into the runtime code."""

    ast_id: str
    start: int
    length: int


def immutable_ranges(references: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[ImmutableRange]:
    """solc's ``immutableReferences`` (AST id -> ``[{start, length}]``) as ranges by offset."""
    ranges = [
        ImmutableRange(str(ast_id), int(ref["start"]), int(ref["length"]))
        for ast_id, refs in references.items()
        for ref in refs
    ]
    return sorted(ranges, key=lambda r: (r.start, r.ast_id))


def mask_immutables(code: bytes, references: Mapping[str, Iterable[Mapping[str, Any]]]) -> bytes:
    """``code`` with every immutable range zeroed (ranges past the end of ``code`` are cut)."""
    masked = bytearray(code)
    for r in immutable_ranges(references):
        end = min(r.start + r.length, len(masked))
        if r.start < end:
            masked[r.start : end] = bytes(end - r.start)
    return bytes(masked)


# --------------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """Where two codes first differ: a byte offset into the runtime code and up to
    :data:`CONTEXT_BYTES` bytes of each side from there (hex, ``""`` past the end)."""

    offset: int
    expected: str
    found: str

    def __str__(self) -> str:
        return (
            f"byte {self.offset}: expected 0x{self.expected or '(end)'}, "
            f"found 0x{self.found or '(end)'}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"offset": self.offset, "expected": self.expected, "found": self.found}


def first_difference(expected: bytes, found: bytes) -> Difference | None:
    """The first offset where ``expected`` and ``found`` differ (a length difference counts at the
    end of the shorter one), or ``None`` when they are equal."""
    if expected == found:
        return None
    limit = min(len(expected), len(found))
    offset = next((i for i in range(limit) if expected[i] != found[i]), limit)
    return Difference(
        offset=offset,
        expected=expected[offset : offset + CONTEXT_BYTES].hex(),
        found=found[offset : offset + CONTEXT_BYTES].hex(),
    )


@dataclass(frozen=True)
class CodeComparison:
    """Runtime code from a build compared with the code at an address, immutables masked.

    ``match``: ``exact`` (code and metadata hash equal), ``functional`` (only the metadata tail
    differs), ``mismatch`` (the executable code differs: ``difference`` says where).
    """

    match: MatchKind
    difference: Difference | None
    expected_metadata: bytes
    found_metadata: bytes


def compare_runtime(
    expected: bytes, found: bytes, references: Mapping[str, Iterable[Mapping[str, Any]]]
) -> CodeComparison:
    """Compares runtime codes after masking the immutables of ``references`` in both."""
    exec_expected, meta_expected = split_metadata(mask_immutables(expected, references))
    exec_found, meta_found = split_metadata(mask_immutables(found, references))
    difference = first_difference(exec_expected, exec_found)
    if difference is not None:
        match: MatchKind = "mismatch"
    elif meta_expected == meta_found:
        match = "exact"
    else:
        match = "functional"
    return CodeComparison(match, difference, meta_expected, meta_found)


def runtime_matches(artifact: Artifact, code: bytes) -> bool:
    """Whether ``code`` (from ``eth_getCode``) is ``artifact``'s runtime code, whatever its
    immutables hold and whatever metadata hash it carries (an exact or functional match)."""
    expected = bytes.fromhex(artifact.deployed_bytecode)
    if not expected or len(expected) != len(code):
        return False
    return compare_runtime(expected, bytes(code), artifact.immutable_references).match != "mismatch"
