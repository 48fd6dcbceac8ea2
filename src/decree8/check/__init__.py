"""The checker: is a call compliant before it is signed, and was a mined transaction?

```python
from decree8.check import Checker, CallRequest
checker = Checker(chain, build, deployments=[token_dep, registry_dep])
v = checker.check_call(CallRequest(to=token, sender=alice, function="transfer",
                                   args={"to": bob, "value": 5}))
v.verdict, v.rule_ids, v.findings, v.simulation, v.law   # "compliant" | "violation" | "refused"
v = checker.check_tx("0x...")           # a mined transaction, in its own block's context
```
"""

from __future__ import annotations

from decree8.check.checker import Checker
from decree8.check.decode import ContractAbi, DecodedEvent, coerce_arg, runtime_matches
from decree8.check.verdict import (
    CallRequest,
    DecodedCall,
    SimulationResult,
    Verdict,
    error_report,
)

__all__ = [
    "CallRequest",
    "Checker",
    "ContractAbi",
    "DecodedCall",
    "DecodedEvent",
    "SimulationResult",
    "Verdict",
    "error_report",
    "coerce_arg",
    "runtime_matches",
]
