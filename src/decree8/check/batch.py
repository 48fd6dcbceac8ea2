"""Many mined checks in one process: ``check tx HASH...``, ``--from-file`` and a block range.

Each transaction is checked by the one mined-check entry point, :meth:`Checker.check_tx`. What
makes a batch cheaper than as many processes is everything around it: one start-up, one template
build, one checker (which contract is where is looked up once) and, on a JSON-RPC node, batched
reads: the transactions, receipts and blocks of a chunk of hashes are asked in three JSON-RPC
batches (one HTTP round trip each) and answered from memory when the check asks for them, through
a web3 middleware at the innermost layer (:class:`Prefetched`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from web3.middleware.base import Web3Middleware

from decree8.errors import Decree8Error, RpcUnavailable, UsageError

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.check.checker import Checker
    from decree8.check.verdict import Verdict
    from decree8.result import Report
    from decree8.rules.finding import Finding

__all__ = [
    "CHUNK",
    "Prefetched",
    "RpcReads",
    "batch_report",
    "check_many",
    "hashes_in_blocks",
    "read_hash_file",
]

#: Hashes whose transactions, receipts and blocks are read in one batch.
CHUNK = 200

_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")

_Key = tuple[str, Any]


def read_hash_file(path: Path) -> list[str]:
    """The transaction hashes in ``path``, one per line (blank lines and ``#`` comments ignored);
    :class:`UsageError` naming the first line that is no hash."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"--from-file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--from-file {path}: cannot read it ({exc})") from None
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        item = line.split("#", 1)[0].strip()
        if not item:
            continue
        if not _HASH.match(item):
            raise UsageError(
                f"--from-file {path}, line {number}: {item[:80]!r} is not a transaction hash "
                "(0x followed by 64 hex digits)"
            )
        out.append(item.lower())
    return out


def hashes_in_blocks(
    chain: Chain, addresses: Iterable[str], from_block: int, to_block: int
) -> list[str]:
    """The hashes of the transactions sent to ``addresses`` in blocks ``from_block..to_block``."""
    wanted = {a.lower() for a in addresses}
    out: list[str] = []
    for number in range(from_block, to_block + 1):
        block = chain.w3.eth.get_block(number, full_transactions=True)
        out.extend(
            "0x" + bytes(tx["hash"]).hex()
            for tx in block["transactions"]
            if isinstance(tx, Mapping) and tx.get("to") and str(tx["to"]).lower() in wanted
        )
    return out


class _Cache:
    def __init__(self) -> None:
        self.answers: dict[_Key, Any] = {}

    @staticmethod
    def key(method: str, params: Sequence[Any]) -> _Key | None:
        if method in ("eth_getTransactionByHash", "eth_getTransactionReceipt") and params:
            return method, str(params[0]).lower()
        if method == "eth_getBlockByNumber" and len(params) == 2 and isinstance(params[0], str):
            if params[0].startswith("0x"):  # by number only: "latest" moves
                return method, (int(params[0], 16), bool(params[1]))
        return None


def Prefetched(cache: _Cache) -> type[Web3Middleware]:  # noqa: N802 - a class factory
    """A web3 middleware class answering the reads ``cache`` holds without asking the node."""

    class _Prefetched(Web3Middleware):
        def wrap_make_request(self, make_request: Callable[..., Any]) -> Callable[..., Any]:
            def middleware(method: str, params: Any) -> Any:
                key = _Cache.key(method, params)
                if key is not None and key in cache.answers:
                    return {"jsonrpc": "2.0", "id": 0, "result": cache.answers[key]}
                return make_request(method, params)

            return middleware

    return _Prefetched


def _batch(
    url: str,
    session: requests.Session,
    calls: Sequence[tuple[str, list[Any]]],
    timeout: float = 30,
) -> list[Any]:
    """``calls`` as one JSON-RPC batch; the results in order (None for an error answer)."""
    payload: list[Any] = [
        {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
        for i, (method, params) in enumerate(calls)
    ]
    try:
        response = session.post(url, json=payload, timeout=timeout)
        response.raise_for_status()
        answers = response.json()
    except requests.RequestException as exc:
        raise RpcUnavailable(f"lost the JSON-RPC node at {url}: {type(exc).__name__}") from None
    except ValueError:
        return [None] * len(calls)
    if not isinstance(answers, list):  # a node without batches answers with one error
        return [None] * len(calls)
    by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
    return [by_id.get(i, {}).get("result") for i in range(len(calls))]


class RpcReads:
    """Raw JSON-RPC batches to a node over HTTP, and a web3 middleware (innermost, installed on the
    chain's web3 until :meth:`close`) that answers the transactions, receipts and blocks they read
    without asking the node again. ``for_chain`` gives None for an in-process chain, whose reads
    cost no round trip."""

    NAME = "decree8_batch_prefetch"

    def __init__(self, chain: Chain, url: str) -> None:
        self.chain = chain
        self.url = url
        self.cache = _Cache()
        self.session = requests.Session()
        middleware = Prefetched(self.cache)
        chain.w3.middleware_onion.inject(middleware, name=self.NAME, layer=0)
        transparent = getattr(chain, "transparent", None)
        if callable(transparent):  # it answers no eth_call: the chain's fast call stays on
            transparent(middleware)

    @classmethod
    def for_chain(cls, chain: Chain) -> RpcReads | None:
        url = getattr(chain, "url", None)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return None
        return cls(chain, url)

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        if not calls:
            return []
        # A batch waits as long as the chain's own requests do, and longer for a large batch.
        timeout = float(getattr(self.chain, "timeout", 10)) * max(1, len(calls) // 100)
        return _batch(self.url, self.session, calls, timeout)

    def clear(self) -> None:
        self.cache.answers.clear()

    def remember(self, method: str, params: list[Any], result: Any) -> None:
        key = _Cache.key(method, params)
        if key is not None and result is not None:
            self.cache.answers[key] = result

    def block_with_transactions(self, number: int) -> dict[str, Any] | None:
        """Block ``number`` with its transactions (raw JSON-RPC), remembered for the check: its
        transactions by hash and the block without them."""
        block = self.batch([("eth_getBlockByNumber", [hex(number), True])])[0]
        if not isinstance(block, dict):
            return None
        hashes = []
        for tx in block.get("transactions") or []:
            if isinstance(tx, dict) and tx.get("hash"):
                self.remember("eth_getTransactionByHash", [tx["hash"]], tx)
                hashes.append(tx["hash"])
        self.remember(
            "eth_getBlockByNumber", [hex(number), False], {**block, "transactions": hashes}
        )
        return block

    def receipts(self, hashes: Sequence[str]) -> None:
        calls: list[tuple[str, list[Any]]] = [("eth_getTransactionReceipt", [h]) for h in hashes]
        for (method, params), result in zip(calls, self.batch(calls), strict=True):
            self.remember(method, params, result)

    def prefetch(self, hashes: Sequence[str]) -> None:
        """The transactions and receipts of ``hashes``, then their blocks, in two batches."""
        calls: list[tuple[str, list[Any]]] = []
        for h in hashes:
            calls += [("eth_getTransactionByHash", [h]), ("eth_getTransactionReceipt", [h])]
        blocks: set[int] = set()
        for (method, params), result in zip(calls, self.batch(calls), strict=True):
            # A hash the node does not know is asked again by the check, which explains it.
            self.remember(method, params, result)
            if method == "eth_getTransactionReceipt" and isinstance(result, dict):
                if result.get("blockNumber"):
                    blocks.add(int(result["blockNumber"], 16))
        numbers = sorted(blocks)
        block_calls: list[tuple[str, list[Any]]] = [
            ("eth_getBlockByNumber", [hex(n), False]) for n in numbers
        ]
        for (method, params), result in zip(block_calls, self.batch(block_calls), strict=True):
            self.remember(method, params, result)

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            self.chain.w3.middleware_onion.remove(self.NAME)
        self.session.close()


def check_many(
    checker: Checker, hashes: Sequence[str], chunk: int = CHUNK
) -> Iterator[tuple[str, Verdict | Decree8Error]]:
    """``(hash, verdict)`` for every hash in order, or ``(hash, error)`` for one that cannot be
    checked (not a transaction on this chain, not to a template ...). A node that stops answering
    ends the batch with :class:`RpcUnavailable`."""
    reads = RpcReads.for_chain(checker.chain)
    try:
        for start in range(0, len(hashes), chunk):
            part = hashes[start : start + chunk]
            if reads is not None:
                reads.clear()
                reads.prefetch(part)
            for tx_hash in part:
                try:
                    yield tx_hash, checker.check_tx(tx_hash)
                except RpcUnavailable:
                    raise
                except Decree8Error as exc:
                    yield tx_hash, exc
    finally:
        if reads is not None:
            reads.close()


def batch_report(
    results: Sequence[tuple[str, Verdict | Exception]],
    chain_id: int | None,
    subject: Sequence[str] = (),
    block_range: tuple[int, int] | None = None,
    what: str = "transaction",
) -> Report:
    """A batch of checks (mined transactions, or pre-flight calls with ``what="call"``) as ONE
    ``check`` report: every verdict in ``verdicts`` (one that could not be checked as an
    ``error`` verdict), all findings, the blocks covered (``block_range``, else from the first to
    the last block checked), the law in force at the last of them. ``subject`` names what was
    checked (by default the names the results carry: transaction hashes, or ``call N``). ``ok``
    is False when any of them broke a rule, was refused or could not be checked."""
    from decree8.result import Report

    verdicts: list[Any] = []
    findings: list[Finding] = []
    for tx_hash, result in results:
        if isinstance(result, Exception):
            verdicts.append({"verdict": "error", "tx_hash": tx_hash, "error": str(result)})
        else:
            verdicts.append(result)
            findings.extend(result.findings)
    checked = [v for v in verdicts if not isinstance(v, dict)]
    blocks = [v.block for v in checked if v.block is not None]
    if block_range is None and blocks:
        block_range = (min(blocks), max(blocks))
    latest = max(checked, key=lambda v: v.block or 0, default=None)
    count = len(verdicts)
    return Report(
        title=f"Check of {count:,} {what}{'s' if count != 1 else ''}",
        kind="check",
        ok=all(not isinstance(v, dict) and v.compliant for v in verdicts),
        subject=tuple(subject) or tuple(tx_hash for tx_hash, _ in results),
        chain_id=chain_id,
        block_range=block_range,
        findings=tuple(findings),
        transactions=count,
        law=None if latest is None else latest.law,
        verdicts=tuple(verdicts),
    )
