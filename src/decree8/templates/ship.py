"""Remake what ships with the templates (run in a source checkout after changing a template).

``python -m decree8.templates.ship`` (or ``make artifacts``)

1. copies the OpenZeppelin Contracts files the templates import (found in ``node_modules``, the
   version pinned in ``package.json``) into ``decree8/compile/vendor/@openzeppelin/contracts/``
   and removes files no template imports any longer;
2. compiles the template sources with the pinned solc and writes ``shipped/artifacts/input.json``
   and ``output.json`` (canonical JSON, atomically), and likewise ``demo-input.json`` and
   ``demo-output.json`` for the test-only contract the demo deploys.

``--check`` changes nothing and exits 1 when the shipped files are not what a fresh build gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from decree8.compile import collect_sources, get_compiler, make_input, make_settings
from decree8.compile._toolchain import find_node_modules
from decree8.compile.build import VENDOR_DIR
from decree8.errors import Decree8Error, ToolchainError
from decree8.fsutil import atomic_write_bytes, canonical_json
from decree8.templates.home import ARTIFACTS, OZ_DIR, SHIPPED_SETS, TEMPLATE_SOURCES, _shipped

__all__ = ["main", "plan"]


def _checkout() -> Path:
    for folder in Path(__file__).resolve().parents:
        if (folder / "contracts" / "token").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    raise ToolchainError("decree8.templates.ship runs in decree8's source checkout only")


def _dump(value: Any) -> bytes:
    return (canonical_json(value) + "\n").encode("utf-8")


def plan(compiler: str = "solcjs") -> dict[Path, bytes]:
    """Every shipped file and the bytes it must hold (vendored OpenZeppelin files, artifacts)."""
    checkout = _checkout()
    modules = find_node_modules(checkout, "@openzeppelin/contracts")
    if modules is None:
        raise ToolchainError("@openzeppelin/contracts is not installed: run `npm ci` first")
    contents, roots, _ = collect_sources(checkout, TEMPLATE_SOURCES)
    shipped = _shipped()
    out: dict[Path, bytes] = {}
    for unit, text in contents.items():
        if unit.startswith(OZ_DIR + "/"):
            out[VENDOR_DIR / unit] = text.encode("utf-8")
    out[VENDOR_DIR / OZ_DIR / "package.json"] = (modules / OZ_DIR / "package.json").read_bytes()
    active = get_compiler(compiler, root=checkout)
    try:
        for prefix, sources in SHIPPED_SETS.items():
            contents, roots, _ = collect_sources(checkout, sources)
            std_input = make_input(contents, make_settings(roots))
            output = active.compile_standard(std_input)
            out[shipped / ARTIFACTS / f"{prefix}input.json"] = _dump(std_input)
            out[shipped / ARTIFACTS / f"{prefix}output.json"] = _dump(output)
    finally:
        active.close()
    return out


def _stale(wanted: dict[Path, bytes]) -> list[Path]:
    folder = VENDOR_DIR / OZ_DIR
    keep = set(wanted) | {folder / "LICENSE"}
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and p not in keep]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m decree8.templates.ship", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    parser.add_argument("--compiler", default="solcjs", choices=("auto", "solcjs", "solcx"))
    args = parser.parse_args(argv)
    try:
        wanted = plan(args.compiler)
    except Decree8Error as exc:
        print(f"ship: error: {exc}", file=sys.stderr)
        return 2
    changed = [p for p, data in wanted.items() if not p.is_file() or p.read_bytes() != data]
    stale = _stale(wanted)
    if args.check:
        for path in changed:
            print(f"differs: {path}")
        for path in stale:
            print(f"not imported by any template: {path}")
        return 1 if changed or stale else 0
    for path in changed:
        atomic_write_bytes(path, wanted[path])
    for path in stale:
        path.unlink()
    print(json.dumps({"written": len(changed), "removed": len(stale), "files": len(wanted)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
