"""``with`` for objects that hold something to release (a connection, a worker, a process)."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """A base for objects used in a ``with`` block: ``__enter__`` gives the object itself and
    ``__exit__`` calls :meth:`close`, whatever ended the block. ``close`` releases nothing here;
    a subclass that holds something overrides it."""

    def close(self) -> None:
        """Releases what the object holds; nothing by default."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
