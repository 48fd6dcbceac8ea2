"""The history of a deployment: its logs read fast on any chain, decoded with the templates' event
ABIs, and the state of its contracts rebuilt from those events alone.

Both the audit (a block range) and the in-block check (the transactions before the checked one in
its block) use it; it imports neither.

```python
from decree8.history import EventDecoder, World, log_source
source = log_source(chain)
world = World({token_address: "CompliantToken"})
for chunk in source.events({token_address: "CompliantToken"}, EventDecoder(abis), 0, head):
    for event in chunk.events:
        world.apply(event)
```
"""

from __future__ import annotations

from decree8.history.chunks import ChunkedLogReader, ReadAhead
from decree8.history.contracts import (
    Attestation,
    ContractState,
    RegistryState,
    TokenState,
)
from decree8.history.escrow import EscrowState
from decree8.history.events import Event, EventDecoder, RawLog, TxInfo
from decree8.history.sources import (
    EmbeddedLogSource,
    EventChunk,
    LogSource,
    RpcLogSource,
    log_source,
)
from decree8.history.world import World, WorldReader

__all__ = [
    "Attestation",
    "ChunkedLogReader",
    "ContractState",
    "EmbeddedLogSource",
    "EscrowState",
    "Event",
    "EventChunk",
    "EventDecoder",
    "LogSource",
    "RawLog",
    "ReadAhead",
    "RegistryState",
    "RpcLogSource",
    "TokenState",
    "TxInfo",
    "World",
    "WorldReader",
    "log_source",
]
