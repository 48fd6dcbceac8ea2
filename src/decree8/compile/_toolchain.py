"""Finding the pinned Solidity toolchain: the solc pin, ``node_modules`` and Node.js itself."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from decree8.errors import ToolchainError

DEFAULT_SOLC_VERSION = "0.8.30"
MIN_NODE_MAJOR = 18
NODE_MODULES_ENV = "DECREE8_NODE_MODULES"
SETUP_HINT = "run `make setup`"

_HERE = Path(__file__).resolve().parent


def _ancestors(start: Path) -> Iterator[Path]:
    start = start.resolve()
    yield start
    yield from start.parents


def _search_starts(root: Path | None) -> list[Path]:
    starts: list[Path] = []
    for candidate in (root, Path.cwd(), _HERE):
        if candidate is not None and candidate not in starts:
            starts.append(candidate)
    return starts


def find_project_root(root: Path | None = None) -> Path:
    """The nearest folder holding a ``package.json``, from ``root``/cwd up; else ``root``/cwd."""
    for start in _search_starts(root)[:2]:
        for folder in _ancestors(start):
            if (folder / "package.json").is_file():
                return folder
    return (root or Path.cwd()).resolve()


def _pin_from(package_json: Path) -> str | None:
    try:
        data = json.loads(package_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for section in ("dependencies", "devDependencies"):
        spec = (data.get(section) or {}).get("solc")
        if isinstance(spec, str):
            match = re.search(r"\d+\.\d+\.\d+", spec)
            if match:
                return match.group(0)
    return None


def read_pinned_solc_version() -> str:
    """The solc version pinned in decree8's own ``package.json`` (a checkout), else the default."""
    for folder in _ancestors(_HERE):
        candidate = folder / "package.json"
        if candidate.is_file():
            pin = _pin_from(candidate)
            if pin:
                return pin
    return DEFAULT_SOLC_VERSION


PINNED_SOLC_VERSION = read_pinned_solc_version()


def find_node_modules(root: Path | None = None, package: str = "solc") -> Path | None:
    """The ``node_modules`` folder to use: ``$DECREE8_NODE_MODULES`` if set (even if it lacks
    ``package``), else the first ``node_modules`` holding ``package`` walking up from ``root``, the
    current folder, or decree8's own checkout."""
    env = os.environ.get(NODE_MODULES_ENV)
    if env:
        return Path(env).expanduser().resolve()
    for start in _search_starts(root):
        for folder in _ancestors(start):
            if (folder / "node_modules" / package).is_dir():
                return folder / "node_modules"
    return None


def _install_hint(root: Path | None) -> str:
    where = find_project_root(root)
    return f"run `npm ci` in {where} (or {SETUP_HINT})"


def require_npm_package(package: str, root: Path | None = None) -> Path:
    """The folder of an installed npm ``package``; :class:`ToolchainError` if it is missing."""
    modules = find_node_modules(root, package)
    if modules is None or not (modules / package / "package.json").is_file():
        origin = f" (${NODE_MODULES_ENV}={modules})" if os.environ.get(NODE_MODULES_ENV) else ""
        raise ToolchainError(
            f"npm package `{package}` is not installed{origin}: {_install_hint(root)}"
        )
    return modules / package


def npm_package_version(package_dir: Path) -> str:
    """The ``version`` field of an installed npm package."""
    try:
        data = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
        return str(data["version"])
    except (OSError, ValueError, KeyError) as exc:
        raise ToolchainError(f"cannot read the version of {package_dir}: {exc}") from None


def find_versioned_tool(name: str, label: str, minimum: int, missing: str) -> Path:
    """The executable ``name`` on PATH whose ``--version`` major is at least ``minimum``;
    :class:`ToolchainError` (one line: ``missing`` says how to get it) otherwise."""
    found = shutil.which(name)
    if found is None:
        raise ToolchainError(f"{label} is not installed (`{name}` is not on PATH): {missing}")
    try:
        result = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolchainError(f"`{found} --version` failed: {exc}") from None
    text = (result.stdout or result.stderr).strip()
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", text)
    if result.returncode != 0 or match is None:
        raise ToolchainError(f"`{found} --version` did not print a {label} version: {text!r}")
    if int(match.group(1)) < minimum:
        raise ToolchainError(
            f"{label} {text} at {found} is too old: decree8 needs {label} {minimum} or newer"
        )
    return Path(found)


def find_node() -> Path:
    """The ``node`` executable on PATH, at least Node.js 18; :class:`ToolchainError` otherwise."""
    return find_versioned_tool(
        "node",
        "Node.js",
        MIN_NODE_MAJOR,
        f"install Node.js {MIN_NODE_MAJOR} or newer, or use a native solc with --compiler solcx",
    )
