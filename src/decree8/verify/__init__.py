"""Verify a deployment: is the code at an address an unmodified decree8 template, with the expected
parameters, and what legal facts does it state?

```python
from decree8.verify import verify
result = verify(chain, "0x…", manifest=Deployment.load("token.json"))
result.status            # "exact" | "functional" | "mismatch"
result.first_difference  # Difference(offset, expected, found) for a mismatch of the code
result.immutables, result.constructor_args, result.facts, result.findings
report = result.to_report()   # for decree8.report.write_report
```
"""

from __future__ import annotations

from decree8.compile.bytecode import (
    CodeComparison,
    Difference,
    compare_runtime,
    decode_metadata,
    first_difference,
    mask_immutables,
    runtime_matches,
    split_metadata,
    strip_metadata,
)
from decree8.verify.verify import (
    TEMPLATE_SOURCES,
    ArgCheck,
    ImmutableCheck,
    VerifyResult,
    rebuild,
    verify,
)

__all__ = [
    "TEMPLATE_SOURCES",
    "ArgCheck",
    "CodeComparison",
    "Difference",
    "ImmutableCheck",
    "VerifyResult",
    "compare_runtime",
    "decode_metadata",
    "first_difference",
    "mask_immutables",
    "rebuild",
    "runtime_matches",
    "split_metadata",
    "strip_metadata",
    "verify",
]
