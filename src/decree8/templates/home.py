"""The templates that ship inside decree8: sources, the OpenZeppelin files they import, artifacts.

``shipped/`` in this package holds

- ``contracts/``: the template sources (in a source checkout, a link to the repository's
  ``contracts/``; the test-only ``mocks/`` do not ship);
- ``artifacts/input.json`` and ``artifacts/output.json``: the standard-JSON input of the template
  build and solc's output for it (ABI, bytecode, metadata, immutable references): the very build
  that ``deploy`` uses and ``verify`` compares against;
- ``examples/``: the demo scenario and the example terms.

:func:`template_build` returns that build without any compiler when the shipped sources are the
ones the artifacts were made from (always, for an installed wheel); when a developer changed them
in a checkout, it compiles them (into the given build folder, never into the package).
The OpenZeppelin Contracts files the templates import ship in ``decree8/compile/vendor/`` (with
OpenZeppelin's licence); the template build resolves them there first, so it does not depend on
whatever ``node_modules`` is around. ``python -m decree8.templates.ship`` remakes the vendored
files and the artifacts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from decree8.errors import Decree8Error, ToolchainError

if TYPE_CHECKING:
    from decree8.compile import Build

__all__ = [
    "OPENZEPPELIN_VERSION",
    "TEMPLATE_SOURCES",
    "DEMO_SOURCES",
    "demo_scenario",
    "scenario_build",
    "openzeppelin_version",
    "shipped_artifacts_current",
    "template_build",
    "template_home",
]

#: The folders of the template sources, relative to the template home (mocks excluded).
TEMPLATE_SOURCES: tuple[str, ...] = ("contracts/registry", "contracts/token", "contracts/escrow")
#: The one test-only contract the demo deploys (a token that moves balances without events, to
#: show a RECORDS finding), shipped and built apart from the templates.
DEMO_SOURCES: tuple[str, ...] = ("contracts/mocks/UnrecordedToken.sol",)
#: Each shipped build: its name (``artifacts/<prefix>input.json``, ``<prefix>output.json``) and
#: its source set.
SHIPPED_SETS: dict[str, tuple[str, ...]] = {"": TEMPLATE_SOURCES, "demo-": DEMO_SOURCES}
HOME_ENV = "DECREE8_HOME"
ARTIFACTS = "artifacts"
OZ_DIR = "@openzeppelin/contracts"


def _shipped() -> Path:
    return Path(str(files("decree8.templates") / "shipped"))


def template_home() -> Path:
    """The folder holding ``contracts/`` (the templates) and ``examples/``:
    ``$DECREE8_HOME`` when set (a decree8 source tree or another template home), else the copy
    inside the installed package."""
    env = os.environ.get(HOME_ENV)
    if env:
        home = Path(env).expanduser()
        if not (home / "contracts" / "token").is_dir():
            raise ToolchainError(
                f"{HOME_ENV}={env} has no contracts/token folder: point it at decree8's source "
                "tree, or unset it to use the templates inside the package"
            )
        return home.resolve()
    home = _shipped()
    if not (home / "contracts" / "token").is_dir():
        raise ToolchainError(
            f"decree8's template sources are missing from {home}: reinstall decree8 "
            "(`pip install --force-reinstall decree8`)"
        )
    return home


@cache
def openzeppelin_version() -> str:
    """The OpenZeppelin Contracts version shipped with the templates."""
    try:
        from decree8.compile.build import VENDOR_DIR

        data = json.loads((VENDOR_DIR / OZ_DIR / "package.json").read_text(encoding="utf-8"))
        return str(data["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


OPENZEPPELIN_VERSION = openzeppelin_version()


def demo_scenario() -> Path:
    """The bundled demo scenario (``examples/demo.toml`` of the template home)."""
    path = template_home() / "examples" / "demo.toml"
    if not path.is_file():
        raise ToolchainError(f"the demo scenario {path} is missing: reinstall decree8")
    return path


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


@cache
def _shipped_pair(prefix: str = "") -> tuple[dict[str, Any], dict[str, Any]] | None:
    folder = _shipped() / ARTIFACTS
    std_input = _load(folder / f"{prefix}input.json")
    output = _load(folder / f"{prefix}output.json")
    if isinstance(std_input, dict) and isinstance(output, dict):
        return std_input, output
    return None


def shipped_artifacts_current(home: Path | None = None, prefix: str = "") -> bool:
    """True when the shipped artifacts (the templates', or with ``prefix="demo-"`` the demo's)
    were built from exactly the sources in ``home`` (default: :func:`template_home`) and their
    imports."""
    from decree8.compile import collect_sources

    pair = _shipped_pair(prefix)
    if pair is None:
        return False
    try:
        contents, _roots, _hashes = collect_sources(
            home or template_home(), SHIPPED_SETS[prefix], vendored_first=True
        )
    except Decree8Error:
        return False
    shipped_sources = pair[0].get("sources") or {}
    return set(contents) == set(shipped_sources) and all(
        shipped_sources[unit].get("content") == text for unit, text in contents.items()
    )


def template_build(
    *,
    build_dir: Path | None = None,
    compiler: str = "auto",
    on_compile: Callable[[int, str], None] | None = None,
    prefix: str = "",
) -> Build:
    """The build of decree8's templates (with ``prefix="demo-"``: of the demo's test-only
    contract): the shipped artifacts (no compiler needed) when they match the sources, else a
    compile of the sources into ``build_dir`` (default: the project's build folder or decree8's
    cache; see :mod:`decree8.config`)."""
    from decree8.compile import PINNED_SOLC_VERSION, build_project
    from decree8.compile.build import assemble_build

    home = template_home()
    pair = _shipped_pair(prefix)
    if pair is not None and shipped_artifacts_current(home, prefix):
        std_input, output = pair
        return assemble_build(
            home,
            build_dir or home / ARTIFACTS,
            std_input,
            output,
            compiler_version=PINNED_SOLC_VERSION,
        )
    if build_dir is None:
        from decree8.config import load_settings

        build_dir = load_settings().build_dir / f"{prefix}templates"
    return build_project(
        home,
        compiler=compiler,
        sources=SHIPPED_SETS[prefix],
        cache_dir=build_dir,
        on_compile=on_compile,
        vendored_first=True,
    )


def scenario_build(
    *,
    build_dir: Path | None = None,
    compiler: str = "auto",
    on_compile: Callable[[int, str], None] | None = None,
) -> Build:
    """The template build with the demo's test-only contract added (for scenarios). Each artifact
    keeps the input hash of the build it came from, so manifests stay verifiable."""
    import dataclasses

    templates = template_build(build_dir=build_dir, compiler=compiler, on_compile=on_compile)
    demo_dir = None if build_dir is None else build_dir.parent / f"demo-{build_dir.name}"
    demo = template_build(
        build_dir=demo_dir, compiler=compiler, on_compile=on_compile, prefix="demo-"
    )
    merged = {**demo.artifacts, **templates.artifacts}
    return dataclasses.replace(
        templates, artifacts=merged, warnings=templates.warnings + demo.warnings
    )
