"""Gas of the escrow's operations (open, accept, fund, complete, withdraw, refund, dispute, resolve)
on the embedded chain, one figure per operation and asset kind: ``{"name", "value", "unit":
"gas"}``.

The deployment and the measurement are the escrow tests' own (``tests/support``),
so the bench and the gas test report the same numbers. Run ``PYTHONPATH=src python
bench/bench_escrow.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for path in (
    REPO / "src",
    REPO / "tests",
):  # runnable before the package is pip-installed
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from decree8.chain import Chain  # noqa: E402
from support import deploy_system, measure_gas, suite_build  # noqa: E402


def figures() -> list[dict[str, Any]]:
    """Deploys the escrow system on a fresh embedded chain and measures each operation once."""
    chain = Chain.embedded(accounts=20)
    try:
        return measure_gas(deploy_system(chain, suite_build(), kit=True))
    finally:
        chain.close()


if __name__ == "__main__":
    for figure in figures():
        print(f"{figure['name']:<45} {figure['value']:>9,} {figure['unit']}")
