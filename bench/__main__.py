"""Run every benchmark module, print a table of figures and write bench/results.json.

A figure is `{"name", "value", "unit"}` plus, where it has a baseline measured in the same run,
`"baseline"`, `"baseline_value"` and `"ratio"`. Nothing here is a timed test: numbers are reported,
not asserted. Usage: `python -m bench [MODULE ...]` (default: all).
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _modules(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    if selected:
        wanted = {s if s.startswith("bench_") else f"bench_{s}" for s in selected}
        names = [n for n in names if n in wanted]
    return names


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent / "src"))
    sys.path.insert(0, str(HERE.parent))
    results: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in _modules(argv):
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            figures = module.figures()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        for fig in figures:
            fig.setdefault("module", name)
            results.append(fig)
        print(f"  {name}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
    rows = [("figure", "value", "unit", "baseline", "baseline value", "ratio")]
    rows.extend(
        (
            f["name"],
            _fmt(f.get("value")),
            f.get("unit", ""),
            f.get("baseline") or "",
            _fmt(f.get("baseline_value")),
            (f"{f['ratio']:.2f}x" if isinstance(f.get("ratio"), int | float) else ""),
        )
        for f in results
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    out = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "figures": results,
        "failed_modules": failed,
    }
    target = HERE / "results.json"
    existing: dict[str, Any] = {}
    if argv and target.exists():  # a partial run updates only its modules' figures
        try:
            existing = json.loads(target.read_text())
        except (OSError, json.JSONDecodeError):
            existing = {}
        kept = [
            f
            for f in existing.get("figures", [])
            if f.get("module") not in {r["module"] for r in results}
        ]
        out["figures"] = kept + results
    fd, tmp = tempfile.mkstemp(dir=HERE, prefix=".results.", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(out, fh, indent=2)
    os.replace(tmp, target)
    print(f"wrote {target}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
