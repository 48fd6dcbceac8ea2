"""Gas used by the escrow's operations. Printed with `pytest -s`; bounded so a regression shows."""

from __future__ import annotations

from support import System, measure_gas

#: Generous ceilings (about 1.5x the measured values): a breach means the contract got much
#: costlier.
CEILINGS = {
    "openDeal": 320_000,
    "acceptDeal": 80_000,
    "fund": 200_000,
    "complete": 240_000,
    "withdraw": 100_000,
    "refund": 210_000,
    "dispute": 50_000,
    "resolve": 220_000,
}


def test_escrow_gas_figures_stay_within_their_ceilings(system: System) -> None:
    figures = measure_gas(system)
    width = max(len(f["name"]) for f in figures)
    for f in figures:
        print(f"{f['name']:<{width}}  {f['value']:>9,} {f['unit']}")
    assert {f["unit"] for f in figures} == {"gas"}
    for f in figures:
        operation = f["name"].split()[1]
        assert 21_000 < f["value"] < CEILINGS[operation], f
