"""Slither over decree8's contract templates, one file at a time (`make audit-contracts`).

Runs in its own virtual environment (build/slither-venv, made by the Makefile target) with a
native-like `solc` (tools/solc-shim over the solc-js in node_modules). Every file under contracts/
except contracts/mocks (test-only doubles, some faulty on purpose) is compiled through solc's
standard JSON with `@openzeppelin/` mapped to node_modules and analysed with every detector.
Exits 1 when a Medium or High finding remains. A finding is accepted only where the line carries
Slither's own suppression comment *with a reason*, e.g.

    // slither-disable-next-line reentrancy-no-eth -- the callee is the registry, a view

and a suppression comment without a reason (nothing after `--`) is itself an error.
See docs/audit-contracts.md.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from crytic_compile.platform.solc_standard_json import SolcStandardJson
from slither import Slither
from slither.detectors import all_detectors
from slither.detectors.abstract_detector import AbstractDetector

ROOT = Path(__file__).resolve().parents[1]
SHIM = ROOT / "tools" / "solc-shim"
REMAP = "@openzeppelin/=node_modules/@openzeppelin/"
FAILING = ("High", "Medium")
SUPPRESSION = re.compile(r"//\s*slither-disable-(next-line|line|start|end)\b(.*)$")


def _detectors() -> list[type[AbstractDetector]]:
    found = [getattr(all_detectors, name) for name in dir(all_detectors)]
    return [d for d in found if isinstance(d, type) and issubclass(d, AbstractDetector)]


def _files() -> list[Path]:
    files = sorted((ROOT / "contracts").rglob("*.sol"))
    return [f for f in files if "mocks" not in f.relative_to(ROOT).parts]


def _unexplained_suppressions(files: list[Path]) -> list[str]:
    bad = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = SUPPRESSION.search(line)
            if match and match.group(1) != "end" and "--" not in match.group(2):
                bad.append(f"{path.relative_to(ROOT)}:{number}: suppression without a reason")
    return bad


def _analyse(path: Path) -> list[tuple[str, str, str]]:
    """(impact, check, description) of every finding Slither keeps for ``path``."""
    source = str(path.relative_to(ROOT))
    standard = SolcStandardJson()
    standard.add_source_file(source)
    standard.add_remapping(REMAP)
    slither = Slither(standard, solc=str(SHIM))
    for detector in _detectors():
        slither.register_detector(detector)
    out = []
    for results in slither.run_detectors():
        for result in results:
            elements = result.get("elements") or [{}]
            where = elements[0].get("source_mapping", {}).get("filename_relative", "")
            if where.startswith("node_modules"):
                continue  # OpenZeppelin's code, not ours
            out.append((result["impact"], result["check"], result["description"].strip()))
    return out


def main() -> int:
    files = _files()
    failures = _unexplained_suppressions(files)
    for path in files:
        findings = _analyse(path)
        failing = [f for f in findings if f[0] in FAILING]
        counts = {impact: sum(1 for f in findings if f[0] == impact) for impact in FAILING}
        others = len(findings) - len(failing)
        rel = path.relative_to(ROOT)
        high, medium = counts["High"], counts["Medium"]
        print(f"{rel}: {high} high, {medium} medium, {others} low/informational")
        failures += [f"{rel}: {impact} {check}: {text}" for impact, check, text in failing]
    for line in failures:
        print(line, file=sys.stderr)
    if failures:
        print(f"audit-contracts: {len(failures)} unexplained finding(s)", file=sys.stderr)
        return 1
    print("audit-contracts: no unexplained Medium or High finding")
    return 0


if __name__ == "__main__":
    sys.exit(main())
