"""``eth_getLogs`` in block chunks that adapt to the node, and a reader that fetches ahead.

A chunk is halved when the node refuses it (too many results, range too large, a timeout) and
doubled, up to a ceiling, when it is answered quickly; after a refusal the chunk never grows back
to the size that was refused. :class:`ReadAhead` lets a background thread fetch the next chunk
while the caller decodes and replays the last one.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from decree8.errors import ChainError, RpcUnavailable

__all__ = ["REFUSAL", "ChunkedLogReader", "Progress", "ReadAhead", "Request"]

Progress = Callable[[int, int], None]  # (blocks done, blocks in all)
T = TypeVar("T")

Request = Callable[[str, list[Any]], Any]

#: What nodes say when a log query is too big for them (geth, Erigon, Alchemy, Infura, QuickNode,
#: Hardhat, Anvil word it differently).
REFUSAL = re.compile(
    r"too many|too large|range|limit|exceed|more than|timeout|timed out|response size|"
    r"query returned|max results|try with this block range",
    re.IGNORECASE,
)


class ChunkedLogReader:
    """``eth_getLogs`` in block chunks that adapt to what the node accepts.

    ``request(method, params)`` sends one JSON-RPC request and raises :class:`ChainError` with
    the node's message when it is refused. A refusal that names the range or the result size, or
    a timeout, halves the chunk (down to one block, then the error stands) and sets a ceiling
    below the refused size; an answer within ``fast_seconds`` doubles the chunk, up to
    ``max_chunk``. Near the ceiling growth becomes a bisection between the largest size answered
    and the ceiling, so the chunk settles on the node's limit in a few requests.
    """

    def __init__(
        self,
        request: Request,
        *,
        initial_chunk: int = 5_000,
        max_chunk: int = 100_000,
        fast_seconds: float = 1.0,
    ) -> None:
        if initial_chunk < 1 or max_chunk < 1:
            raise ChainError("log chunks are at least one block")
        self.request = request
        self.chunk = min(initial_chunk, max_chunk)
        self.max_chunk = max_chunk
        self.ceiling = max_chunk
        self.fast_seconds = fast_seconds
        self.requests = 0
        self.refusals = 0
        self.good = 0  # the largest chunk answered
        self.chunks: list[tuple[int, int]] = []  # the ranges that were answered

    def read(
        self,
        addresses: Sequence[str],
        from_block: int,
        to_block: int,
        topics: Sequence[Any] | None = None,
        progress: Progress | None = None,
    ) -> list[dict[str, Any]]:
        """Every log of ``addresses`` in ``[from_block, to_block]`` as the node sends it."""
        out: list[dict[str, Any]] = []
        total = to_block - from_block + 1
        for _, end, answer in self.read_chunks(addresses, from_block, to_block, topics):
            out += answer
            if progress is not None:
                progress(end + 1 - from_block, total)
        return out

    def read_chunks(
        self,
        addresses: Sequence[str],
        from_block: int,
        to_block: int,
        topics: Sequence[Any] | None = None,
    ) -> Iterator[tuple[int, int, list[dict[str, Any]]]]:
        """``(first block, last block, logs)`` of each chunk answered, in block order."""
        start = from_block
        while start <= to_block:
            end = min(start + self.chunk - 1, to_block)
            flt: dict[str, Any] = {
                "fromBlock": hex(start),
                "toBlock": hex(end),
                "address": list(addresses),
            }
            if topics is not None:
                flt["topics"] = list(topics)
            began = time.perf_counter()
            self.requests += 1
            try:
                answer = self.request("eth_getLogs", [flt])
            except ChainError as exc:
                if not (isinstance(exc, RpcUnavailable) or REFUSAL.search(str(exc))):
                    raise
                self.refusals += 1
                size = end - start + 1
                if size <= 1:
                    raise ChainError(
                        f"the node refuses the logs of even one block ({start}): {exc}"
                    ) from None
                self.ceiling = min(self.ceiling, size - 1)
                self.chunk = max(1, size // 2, self.good if self.good < size else 0)
                continue
            if not isinstance(answer, list):
                raise ChainError(f"eth_getLogs answered {type(answer).__name__}, not a list")
            self.chunks.append((start, end))
            size = end - start + 1
            self.good = max(self.good, size)
            if time.perf_counter() - began < self.fast_seconds and size == self.chunk:
                grown = self.chunk * 2
                if grown > self.ceiling and self.ceiling < self.max_chunk:  # below a refusal
                    grown = max(self.chunk, (self.good + self.ceiling + 1) // 2)
                self.chunk = min(grown, self.ceiling)
            start = end + 1
            yield start - size, end, answer


_DONE = object()


class _Failure(NamedTuple):
    error: BaseException


class ReadAhead(Generic[T]):
    """Iterates ``items`` with a background thread producing the next items while the consumer
    works on the last: the next chunks of logs are fetched (the node works, this process mostly
    waits on its socket) while the caller decodes and replays the chunk before.

    After the first item the thread waits until the consumer calls :meth:`release` (or asks for
    the second item): the consumer's own requests about the first chunk (the state before the
    range, block times, senders: most of them concern the start of a history) then reach a node
    that serves one request at a time before the next chunk does, not after it. From then on the
    thread stays up to ``ahead`` items ahead of those taken, so that the node never waits for the
    consumer. An error of ``items`` is raised to the consumer; :meth:`close` stops the thread
    after its current item.
    """

    def __init__(self, items: Iterator[T], ahead: int = 2) -> None:
        self._items = items
        self._ahead = max(1, ahead)
        self._ready: queue.Queue[Any] = queue.Queue()
        self._go = threading.Semaphore(1)
        self._open = False
        self._stop = threading.Event()
        self._woke = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="decree8-logs", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            while True:
                while not self._go.acquire(timeout=0.05):
                    if self._stop.is_set():
                        return
                if self._stop.is_set():
                    return
                self._woke.set()
                item = next(self._items, _DONE)
                self._ready.put(item)
                if item is _DONE:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            self._ready.put(_Failure(exc))

    def release(self) -> None:
        """Lets the thread go on past the first item, and waits (briefly) until it has woken:
        a thread woken while this one computes would wait for the interpreter lock for up to a
        switch interval (5 ms) before sending its request."""
        if not self._open:
            self._open = True
            self._woke.clear()
            self._go.release(self._ahead)
            if self._thread.is_alive():
                self._woke.wait(0.05)

    def __iter__(self) -> Iterator[T]:
        try:
            taken = 0
            while True:
                if taken:
                    self.release()
                item = self._ready.get()
                if taken:
                    self._go.release()
                taken += 1
                if item is _DONE:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
