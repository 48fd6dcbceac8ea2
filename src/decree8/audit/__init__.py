"""Audit a deployment's history: every event of its token, registry and escrows read once, the
state rebuilt from the events alone and compared with the chain (RECORDS), and every rule evaluated
for every transaction against the state at its block.

```python
from decree8.audit import audit
report = audit(chain, build, deployments=[token_dep], from_block=None, to_block=None)
report.findings, report.checks, report.facts
```
"""

from __future__ import annotations

from decree8.audit.audit import AuditStats, Refusal, audit, contract_kinds, read_views
from decree8.audit.logs import (
    ChunkedLogReader,
    EmbeddedLogSource,
    Event,
    EventDecoder,
    LogSource,
    RawLog,
    RpcLogSource,
    TxInfo,
    log_source,
)
from decree8.audit.rebuild import World, WorldReader

__all__ = [
    "AuditStats",
    "ChunkedLogReader",
    "EmbeddedLogSource",
    "Event",
    "EventDecoder",
    "LogSource",
    "RawLog",
    "Refusal",
    "RpcLogSource",
    "TxInfo",
    "World",
    "WorldReader",
    "audit",
    "contract_kinds",
    "read_views",
    "log_source",
]
