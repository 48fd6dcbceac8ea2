"""``decree8 watch``: follow a deployment on a node as blocks arrive, check every transaction and
keep findings, legally significant events and the position in a store.

```python
from decree8.watch import Follower, SqliteStore
store = SqliteStore(Path(".decree8/watch.sqlite"))      # exclusive until store.close()
store.set_chain(chain.chain_id, [token.address])
ended = Follower(chain, checker, store, [token.address], start=token.block).run()
```
"""

from __future__ import annotations

from decree8.watch.follower import LEGAL_EVENTS, Follower, WatchEnded
from decree8.watch.sqlite import SqliteStore, inspect_database
from decree8.watch.store import (
    SCHEMA_VERSION,
    STORE_MARKER,
    BlockRecord,
    CheckRecord,
    EventRecord,
    StoredFinding,
    WatchStore,
)

__all__ = [
    "LEGAL_EVENTS",
    "SCHEMA_VERSION",
    "STORE_MARKER",
    "BlockRecord",
    "CheckRecord",
    "EventRecord",
    "Follower",
    "SqliteStore",
    "StoredFinding",
    "WatchEnded",
    "WatchStore",
    "inspect_database",
]
