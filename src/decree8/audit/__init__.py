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

__all__ = [
    "AuditStats",
    "Refusal",
    "audit",
    "contract_kinds",
    "read_views",
]
