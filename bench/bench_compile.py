"""Benchmarks of the compiler layer.

``figures()`` returns one dict per figure: ``{"name", "value", "unit", "baseline",
"baseline_value", "ratio"}`` (ratio = baseline_value / value, so bigger is better):

- ``compile.warm_build_ms``: a warm (cached) ``build_project`` of the repository's ``contracts/``
  tree, against the cold build of the same tree. Target: under 100 ms.
- ``compile.worker_compile_ms``: one compile of ``bench/contracts/BenchToken.sol`` (an
  OpenZeppelin ERC-20 with ERC20Pausable and AccessControl) through the long-lived solc-js worker,
  mean of the 2nd..Nth compile with a comment varied each time so nothing is reused, against
  spawning the solc-js CLI (``solcjs --standard-json``) per compile on the same input. Target: 3x.

Run ``PYTHONPATH=src python bench/bench_compile.py`` to print them.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH_ROOT = REPO / "bench"
BENCH_SOURCE = "contracts/BenchToken.sol"

if str(REPO / "src") not in sys.path:  # runnable before the package is pip-installed
    sys.path.insert(0, str(REPO / "src"))

from decree8.compile import (  # noqa: E402
    SolcJsCompiler,
    build_project,
    collect_sources,
    make_input,
    make_settings,
)
from decree8.errors import Decree8Error  # noqa: E402

Figure = dict[str, Any]


def _figure(name: str, value: float, unit: str, baseline: str, baseline_value: float) -> Figure:
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": round(baseline_value, 3),
        "ratio": round(baseline_value / value, 2) if value > 0 else None,
    }


def bench_warm_build(repeats: int = 20) -> Figure:
    """Warm build of the whole ``contracts/`` tree (median of ``repeats``) vs its cold build.

    Falls back to the ``bench/contracts`` tree if the repository's tree does not compile.
    """
    with tempfile.TemporaryDirectory(prefix="decree8-bench-") as tmp:
        build_dir = Path(tmp) / "build"
        root, tree = REPO, "contracts/"
        started = time.perf_counter()
        try:
            build_project(root, "solcjs", cache_dir=build_dir)
        except Decree8Error as exc:
            print(f"contracts/ does not build ({exc}); timing bench/contracts", file=sys.stderr)
            root, tree = BENCH_ROOT, "bench/contracts/"
            started = time.perf_counter()
            build_project(root, "solcjs", cache_dir=build_dir)
        cold_ms = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            build = build_project(root, "solcjs", cache_dir=build_dir)
            times.append((time.perf_counter() - started) * 1000)
            assert build.cached, "the warm build compiled something"
    return _figure(
        "compile.warm_build_ms",
        statistics.median(times),
        "ms",
        f"cold build of {tree} ({len(build.input['sources'])} sources, solc-js)",
        cold_ms,
    )


def _bench_input(run: int) -> dict[str, Any]:
    contents, roots, _ = collect_sources(BENCH_ROOT, [BENCH_SOURCE])
    contents[BENCH_SOURCE] += f"// bench run {run}\n"  # a new input each time: no cache can hit
    return make_input(contents, make_settings(roots))


def _cli_command(node_modules: Path) -> list[str]:
    script = node_modules / ".bin" / "solcjs"
    if script.exists():
        return [str(script), "--standard-json"]
    node = shutil.which("node") or "node"
    return [node, str(node_modules / "solc" / "solc.js"), "--standard-json"]


def _cli_compile(command: list[str], input: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(
        command, input=json.dumps(input).encode(), capture_output=True, check=True, cwd=REPO
    )
    # The CLI prints a note about SMT solvers before the JSON.
    text = result.stdout.decode()
    return dict(json.loads(text[text.index("{") :]))


def bench_worker_vs_cli(compiles: int = 5) -> Figure:
    """Mean of the 2nd..Nth BenchToken compile in one worker vs one CLI process per compile."""
    if compiles < 2:
        raise ValueError("need at least 2 compiles")
    worker_ms: list[float] = []
    with SolcJsCompiler(REPO) as compiler:
        for run in range(compiles):
            input = _bench_input(run)
            started = time.perf_counter()
            out = compiler.compile_standard(input)
            worker_ms.append((time.perf_counter() - started) * 1000)
            assert out["contracts"][BENCH_SOURCE]["BenchToken"]["evm"]["bytecode"]["object"]
        command = _cli_command(compiler.node_modules)
    cli_ms: list[float] = []
    for run in range(compiles, 2 * compiles - 1):
        input = _bench_input(run)
        started = time.perf_counter()
        out = _cli_compile(command, input)
        cli_ms.append((time.perf_counter() - started) * 1000)
        assert out["contracts"][BENCH_SOURCE]["BenchToken"]["evm"]["bytecode"]["object"]
    return _figure(
        "compile.worker_compile_ms",
        statistics.mean(worker_ms[1:]),
        "ms",
        f"spawn `{' '.join(Path(c).name for c in command)}` per compile (mean of {len(cli_ms)})",
        statistics.mean(cli_ms),
    )


def figures() -> list[Figure]:
    """Every figure of this module (takes about a minute: one cold build of contracts/)."""
    return [bench_warm_build(), bench_worker_vs_cli()]


def main() -> None:
    for figure in figures():
        ratio = f"{figure['ratio']}x" if figure["ratio"] is not None else "n/a"
        print(
            f"{figure['name']}: {figure['value']} {figure['unit']} "
            f"(baseline {figure['baseline']}: {figure['baseline_value']} {figure['unit']}; "
            f"ratio {ratio})"
        )


if __name__ == "__main__":
    main()
