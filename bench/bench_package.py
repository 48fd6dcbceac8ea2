"""Benchmarks of decree8 as users install it (issue 11): the wheel in a fresh virtual environment.

Figures (ratio = baseline_value / value, so bigger is better):

- ``package.install_to_demo_verdict_s``: wall time from `pip install` of the wheel into a new
  virtual environment (pip's own cache warm, as on a developer's machine after the first install)
  to the end of the first `decree8 demo` run, with decree8's toolchain cache warm (solc-js
  installed), against the same with an empty toolchain cache. The demo needs no compiler, so the
  two are expected to be equal: that is the point of shipping the artifacts.
- ``package.deploy_shipped_s``: `decree8 deploy compliant-token` from the shipped artifacts, in a
  folder whose project has no build, against the same deployment of the template sources compiled
  cold (the templates copied into a project and compiled with solc-js before deploying).
- ``package.first_compile_s``: first `decree8 compile` of a generated project with the toolchain
  cache warm, against an empty cache (solc-js installed from the npm registry first).

Run ``python -m bench package``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
Figure = dict[str, Any]


def _figure(name: str, value: float, unit: str, baseline: str, baseline_value: float) -> Figure:
    return {
        "name": name,
        "value": round(value, 2),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": round(baseline_value, 2),
        "ratio": round(baseline_value / value, 2) if value > 0 else None,
    }


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {result.stderr[-2000:]}")
    return elapsed


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DECREE8_")}
    env["DECREE8_CACHE_DIR"] = str(cache)
    env["DECREE8_NO_DOWNLOAD"] = "1"
    return env


def _wheel(work: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work), str(REPO)],
        check=True,
        capture_output=True,
    )
    return next(work.glob("decree8-*.whl"))


def _install_and_demo(work: Path, wheel: Path, cache: Path, tag: str) -> float:
    venv = work / f"venv-{tag}"
    empty = work / f"empty-{tag}"
    empty.mkdir()
    env = _env(cache)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], work, env)
    _run([str(venv / "bin" / "decree8"), "demo"], empty, env)
    return time.perf_counter() - started


def figures() -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="decree8-bench-package."))
    try:
        wheel = _wheel(work)
        warm_cache = work / "warm-cache"
        subprocess.run(  # fill the warm toolchain cache with what `decree8 setup` does
            [
                sys.executable,
                "-c",
                "from decree8.compile.install import install_solcjs; install_solcjs()",
            ],
            env=_env(warm_cache),
            check=True,
            capture_output=True,
        )
        with_cache = _install_and_demo(work, wheel, warm_cache, "warm")
        without_cache = _install_and_demo(work, wheel, work / "cold-cache", "cold")
        venv = work / "venv-warm"
        decree8 = str(venv / "bin" / "decree8")

        # deploy from the shipped artifacts vs after a cold compile of the same sources
        folder = work / "deploy-shipped"
        folder.mkdir()
        params = ["--param", "operator_registration=HTP-0421"]
        shipped = _run([decree8, "deploy", "holder-registry", *params], folder, _env(warm_cache))
        project = work / "deploy-cold"
        (project / "contracts").mkdir(parents=True)
        for sub in ("interfaces", "legal", "registry", "token", "escrow"):
            shutil.copytree(REPO / "contracts" / sub, project / "contracts" / sub)
        cold = _run([decree8, "compile"], project, _env(warm_cache))
        cold += _run([decree8, "deploy", "holder-registry", *params], project, _env(warm_cache))

        # a generated project's first compile: toolchain cache warm vs empty
        gen_warm = work / "gen-warm"
        _run([decree8, "new", "token", str(gen_warm)], work, _env(warm_cache))
        first_warm = _run([decree8, "compile"], gen_warm, _env(warm_cache))
        gen_cold = work / "gen-cold"
        _run([decree8, "new", "token", str(gen_cold)], work, _env(work / "empty-cache"))
        first_cold = _run([decree8, "compile"], gen_cold, _env(work / "empty-cache"))
        return [
            _figure(
                "package.install_to_demo_verdict_s",
                with_cache,
                "s",
                "same, empty toolchain cache",
                without_cache,
            ),
            _figure(
                "package.deploy_shipped_s",
                shipped,
                "s",
                "cold compile of the templates, then deploy",
                cold,
            ),
            _figure(
                "package.first_compile_s",
                first_warm,
                "s",
                "same, empty toolchain cache (npm install of solc-js first)",
                first_cold,
            ),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    for fig in figures():
        print(fig)
