"""The bytecode helpers: CBOR metadata split, immutable masking, the first difference."""

from __future__ import annotations

import decree8.check
import decree8.check.decode
from decree8.compile import Build
from decree8.compile.bytecode import immutable_ranges, metadata_summary
from decree8.verify import (
    compare_runtime,
    decode_metadata,
    first_difference,
    mask_immutables,
    runtime_matches,
    split_metadata,
    strip_metadata,
)


def _token(build: Build) -> tuple[bytes, dict]:
    art = build.artifact("CompliantToken")
    return bytes.fromhex(art.deployed_bytecode), art.immutable_references


def test_metadata_tail_is_solc_cbor_with_ipfs_hash_and_version(build: Build) -> None:
    code, _ = _token(build)
    body, tail = split_metadata(code)
    assert body + tail == code and strip_metadata(code) == body
    assert int.from_bytes(tail[-2:], "big") == len(tail) - 2
    meta = decode_metadata(tail)
    assert set(meta) == {"ipfs", "solc"}
    assert len(meta["ipfs"]) == 34 and meta["ipfs"][:2] == b"\x12\x20"  # a sha2-256 multihash
    version = ".".join(str(b) for b in meta["solc"])
    assert version == build.compiler_version
    assert metadata_summary(tail).startswith(f"solc {version}, ipfs 0x1220")


def test_code_without_metadata_has_an_empty_tail() -> None:
    code = bytes.fromhex("6080604052") + (3).to_bytes(2, "big")  # length points at 0x60: no map
    assert split_metadata(code) == (code, b"")
    assert split_metadata(b"\x00") == (b"\x00", b"")
    assert decode_metadata(b"") == {} and metadata_summary(b"") == "none"


def test_masking_zeroes_exactly_the_immutable_ranges(build: Build) -> None:
    code, refs = _token(build)
    filled = bytearray(code)
    ranges = immutable_ranges(refs)
    for r in ranges:
        filled[r.start : r.start + r.length] = b"\xab" * r.length
    masked = mask_immutables(bytes(filled), refs)
    inside = {i for r in ranges for i in range(r.start, r.start + r.length)}
    assert all(masked[i] == 0 for i in inside)
    assert all(masked[i] == filled[i] for i in range(len(code)) if i not in inside)
    assert len(inside) == sum(r.length for r in ranges) == 32 * len(ranges)


def test_first_difference_locates_the_first_differing_byte() -> None:
    assert first_difference(b"abc", b"abc") is None
    diff = first_difference(b"abcdef", b"abXdeY")
    assert diff is not None and diff.offset == 2
    assert diff.expected == b"cdef".hex() and diff.found == b"XdeY".hex()
    shorter = first_difference(b"abcd", b"ab")
    assert shorter is not None and (shorter.offset, shorter.found) == (2, "")
    assert str(shorter) == "byte 2: expected 0x6364, found 0x(end)"


def test_compare_runtime_exact_functional_and_mismatch(build: Build) -> None:
    code, refs = _token(build)
    filled = bytearray(code)
    for r in immutable_ranges(refs):
        filled[r.start : r.start + r.length] = r.start.to_bytes(r.length, "big")
    assert compare_runtime(code, bytes(filled), refs).match == "exact"
    body, tail = split_metadata(code)
    other_hash = tail[:10] + bytes(b ^ 0xFF for b in tail[10:20]) + tail[20:]
    functional = compare_runtime(code, body + other_hash, refs)
    assert functional.match == "functional" and functional.difference is None
    assert functional.found_metadata == other_hash
    changed = bytearray(code)
    changed[100] ^= 0x01
    mismatch = compare_runtime(code, bytes(changed), refs)
    assert mismatch.match == "mismatch"
    assert mismatch.difference is not None and mismatch.difference.offset == 100


def test_checker_uses_the_same_runtime_matcher(build: Build) -> None:
    assert decree8.check.runtime_matches is runtime_matches
    assert decree8.check.decode.strip_metadata is strip_metadata
    code, _ = _token(build)
    assert runtime_matches(build.artifact("CompliantToken"), code)
    assert not runtime_matches(build.artifact("HolderRegistry"), code)
