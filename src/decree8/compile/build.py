"""Building a project: collect sources, resolve imports, compile once, cache and write artifacts."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from decree8.compile._toolchain import (
    PINNED_SOLC_VERSION,
    SETUP_HINT,
    find_node_modules,
    find_project_root,
)
from decree8.compile.interface import Compiler, diagnostics_from_output, raise_for_errors
from decree8.config import DEFAULT_BUILD_DIR
from decree8.errors import Diagnostic, ImportNotFound, ToolchainError, UsageError
from decree8.fsutil import atomic_write_json, atomic_write_text, canonical_json

CONTRACTS_DIR = "contracts"
BUILD_DIR = DEFAULT_BUILD_DIR  # relative to the project root

OUTPUT_SELECTION: tuple[str, ...] = (
    "abi",
    "evm.bytecode.object",
    "evm.bytecode.linkReferences",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.immutableReferences",
    "evm.deployedBytecode.linkReferences",
    "evm.methodIdentifiers",
    "metadata",
)

DEFAULT_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "viaIR": False,
    "metadata": {"bytecodeHash": "ipfs"},
}

# One left-to-right scan: comments and string literals are consumed whole, so an ``import``
# inside either is never seen; an import statement yields its path (group "path"). Every
# alternative starts with a literal character, which lets the regex engine skip plain code fast.
_SCAN = re.compile(
    r"//[^\n]*"
    r"|/\*.*?(?:\*/|\Z)"
    r"|i(?<![\w$.]i)mport\b[^;\"']*?([\"'])(?P<path>[^\"'\n]*)\1"
    r"|\"(?:\\.|[^\"\\\n])*\""
    r"|'(?:\\.|[^'\\\n])*'",
    re.DOTALL,
)


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Artifact:
    """One compiled contract. Bytecode is hex without ``0x``; ``metadata`` is solc's JSON text."""

    name: str
    source: str  # source-unit name, "contracts/token/CompliantToken.sol"
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    metadata: str
    immutable_references: dict[str, Any]
    link_references: dict[str, Any]
    compiler_version: str
    settings_hash: str
    source_hash: str  # sha256 of the source file's content
    input_hash: str  # sha256 of the canonical standard-JSON input
    deployed_link_references: dict[str, Any] = field(default_factory=dict)
    method_identifiers: dict[str, str] = field(default_factory=dict)

    @property
    def qualified_name(self) -> str:
        """``source:Name``, unique within a build."""
        return f"{self.source}:{self.name}"

    @property
    def is_deployable(self) -> bool:
        """False for interfaces and abstract contracts (no creation code)."""
        return bool(self.bytecode)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "abi": self.abi,
            "bytecode": self.bytecode,
            "deployedBytecode": self.deployed_bytecode,
            "metadata": self.metadata,
            "immutableReferences": self.immutable_references,
            "linkReferences": self.link_references,
            "deployedLinkReferences": self.deployed_link_references,
            "methodIdentifiers": self.method_identifiers,
            "compiler_version": self.compiler_version,
            "settings_hash": self.settings_hash,
            "source_hash": self.source_hash,
            "input_hash": self.input_hash,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Artifact:
        return cls(
            name=data["name"],
            source=data["source"],
            abi=list(data["abi"]),
            bytecode=data["bytecode"],
            deployed_bytecode=data["deployedBytecode"],
            metadata=data["metadata"],
            immutable_references=dict(data.get("immutableReferences") or {}),
            link_references=dict(data.get("linkReferences") or {}),
            compiler_version=data["compiler_version"],
            settings_hash=data["settings_hash"],
            source_hash=data["source_hash"],
            input_hash=data["input_hash"],
            deployed_link_references=dict(data.get("deployedLinkReferences") or {}),
            method_identifiers=dict(data.get("methodIdentifiers") or {}),
        )


@dataclass(frozen=True)
class Build:
    """The result of :func:`build_project`."""

    root: Path
    build_dir: Path
    artifacts: Mapping[str, Artifact]  # by name; a repeated name by "source:Name"
    input: dict[str, Any]  # the exact standard-JSON input
    output: dict[str, Any]  # solc's standard-JSON output
    warnings: tuple[Diagnostic, ...]
    cached: bool  # True when nothing was compiled
    compiler_version: str
    cache_key: str  # sha256 of compiler version + canonical input
    input_hash: str  # sha256 of the canonical input
    settings_hash: str
    backend: str | None = None  # the backend that compiled, None when cached

    def artifact(self, name: str) -> Artifact:
        """The artifact of contract ``name`` (or ``"source:Name"``); UsageError if unknown or
        if several sources define a contract of that name."""
        if ":" in name:
            for art in self.artifacts.values():
                if art.qualified_name == name:
                    return art
        else:
            matches = [a for a in self.artifacts.values() if a.name == name]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                shown = ", ".join(a.qualified_name for a in matches)
                raise UsageError(
                    f"contract name {name} is ambiguous ({shown}): name it as source:Name"
                )
        known = ", ".join(sorted(a.name for a in self.artifacts.values())) or "none"
        raise UsageError(f"no contract {name} in this build (contracts: {known})")


# --------------------------------------------------------------------------------------------
# Sources and imports


def find_imports(content: str) -> list[tuple[str, int, int]]:
    """The import paths of a Solidity source, each with its 1-based line and column."""
    found = []
    for match in _SCAN.finditer(content):
        path = match.group("path")
        if path is None:
            continue
        start = match.start("path")
        line = content.count("\n", 0, start) + 1
        column = start - (content.rfind("\n", 0, start) + 1) + 1
        found.append((path, line, column))
    return found


def _unit_of_import(importer: str, path: str) -> str | None:
    """The source-unit name an import path refers to (solc's rules), None if it escapes the root."""
    if path.startswith(("./", "../")):
        joined = posixpath.join(posixpath.dirname(importer), path)
    else:
        joined = path
    unit = posixpath.normpath(joined)
    if unit in (".", "..") or unit.startswith(("../", "/")):
        return None
    return unit


#: OpenZeppelin Contracts files shipped with decree8 (the ones its templates import, the pinned
#: version, with OpenZeppelin's licence): ``vendor/@openzeppelin/contracts/...``.
VENDOR_DIR = Path(__file__).resolve().parent / "vendor"


class _Resolver:
    """Maps source-unit names to files: the project root first, then ``node_modules``, then the
    files shipped with decree8 (:data:`VENDOR_DIR`); with ``vendored_first``, the shipped files
    before ``node_modules`` (decree8's own templates build the same whatever is installed)."""

    def __init__(self, root: Path, vendored_first: bool = False) -> None:
        self.root = root
        self.vendored_first = vendored_first
        self._node_modules: Path | None | bool = False  # False: not looked up yet

    @property
    def node_modules(self) -> Path | None:
        if self._node_modules is False:
            self._node_modules = find_node_modules(self.root, "@openzeppelin/contracts")
        assert self._node_modules is not True
        return self._node_modules

    def locate(self, unit: str) -> Path | None:
        local = self.root / unit
        if local.is_file():
            return local
        vendored = VENDOR_DIR / unit
        if self.vendored_first and vendored.is_file():
            return vendored
        modules = self.node_modules
        if modules is not None and (modules / unit).is_file():
            return modules / unit
        return vendored if vendored.is_file() else None

    def missing_package(self, unit: str) -> str | None:
        """The scoped npm package (``@openzeppelin/contracts``) of an unresolved unit, if that
        whole package is not installed."""
        parts = unit.split("/")
        if not parts[0].startswith("@") or len(parts) < 3:
            return None
        package = "/".join(parts[:2])
        modules = self.node_modules
        if modules is not None and (modules / package / "package.json").is_file():
            return None
        return package


def _install_advice(package: str, root: Path) -> str:
    shipped = VENDOR_DIR / package / "package.json"
    if shipped.is_file():
        version = json.loads(shipped.read_text(encoding="utf-8")).get("version", "")
        return (
            f"; decree8 ships only the {package} files its templates use: run "
            f"`npm install {package}@{version}` in {find_project_root(root)}"
        )
    return f": run `npm ci` in {find_project_root(root)} (or {SETUP_HINT})"


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None


def _root_units(root: Path, sources: Iterable[str | Path] | None) -> list[str]:
    if sources is None:
        folder = root / CONTRACTS_DIR
        files = sorted(folder.rglob("*.sol")) if folder.is_dir() else []
        if not files:
            raise UsageError(f"no Solidity sources under {folder}")
    else:
        files = []
        for item in sources:
            path = Path(item)
            # A relative source stays under ``root`` even through a symlinked folder (decree8's
            # shipped templates link their contracts/ into the package).
            path = path.resolve() if path.is_absolute() else Path(os.path.normpath(root / path))
            if path.is_dir():
                files.extend(sorted(path.rglob("*.sol")))
            elif path.is_file():
                files.append(path)
            else:
                raise UsageError(f"source {item} does not exist")
        if not files:
            raise UsageError("no Solidity sources given")
    units = []
    for path in files:
        try:
            units.append(path.relative_to(root).as_posix())
        except ValueError:
            raise UsageError(f"source {path} is outside the project root {root}") from None
    return sorted(set(units))


def collect_sources(
    root: Path, sources: Iterable[str | Path] | None = None, *, vendored_first: bool = False
) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """Read the project's sources and, recursively, everything they import.

    Returns ``(contents by source-unit name in sorted order, root unit names, sha256 by unit)``.
    Raises :class:`ImportNotFound` naming the importing file and line for an unresolved import,
    and :class:`ToolchainError` when a whole npm package (``@openzeppelin/contracts``) is missing.
    """
    root = root.resolve()
    resolver = _Resolver(root, vendored_first)
    roots = _root_units(root, sources)
    contents: dict[str, str] = {}
    todo = [(unit, root / unit) for unit in roots]
    while todo:
        unit, path = todo.pop()
        if unit in contents:
            continue
        text = contents[unit] = _read(path)
        for raw, line, column in find_imports(text):
            target = _unit_of_import(unit, raw)
            located = resolver.locate(target) if target is not None else None
            if target is None or located is None:
                package = resolver.missing_package(target) if target is not None else None
                if package is not None:
                    raise ToolchainError(
                        f"npm package `{package}` is not installed (imported by {unit}:{line})"
                        + _install_advice(package, root)
                    )
                raise ImportNotFound(
                    [
                        Diagnostic(
                            severity="error",
                            kind="ImportNotFound",
                            message=f'import "{raw}" not found',
                            file=unit,
                            line=line,
                            column=column,
                        )
                    ]
                )
            if target not in contents:
                todo.append((target, located))
    ordered = {unit: contents[unit] for unit in sorted(contents)}
    hashes = {u: hashlib.sha256(c.encode("utf-8")).hexdigest() for u, c in ordered.items()}
    return ordered, roots, hashes


# --------------------------------------------------------------------------------------------
# Input, hashing and the cache


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def make_settings(
    roots: Sequence[str], settings: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """decree8's compiler settings (:data:`DEFAULT_SETTINGS` plus outputs for the root sources),
    with ``settings`` merged over them."""
    base = copy.deepcopy(DEFAULT_SETTINGS)
    base["outputSelection"] = {unit: {"*": list(OUTPUT_SELECTION)} for unit in sorted(roots)}
    return _merge(base, settings or {})


def make_input(contents: Mapping[str, str], settings: Mapping[str, Any]) -> dict[str, Any]:
    """The standard-JSON input: every source inlined as ``content``, in sorted order."""
    return {
        "language": "Solidity",
        "sources": {unit: {"content": contents[unit]} for unit in sorted(contents)},
        "settings": dict(settings),
    }


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_key(compiler_version: str, input: Mapping[str, Any]) -> str:
    """sha256 of the compiler version and the canonical JSON of the input."""
    return _sha256(compiler_version + "\n" + canonical_json(input))


def _artifacts(
    output: Mapping[str, Any],
    *,
    compiler_version: str,
    settings_hash: str,
    input_hash: str,
    source_hashes: Mapping[str, str],
) -> dict[str, Artifact]:
    result: dict[str, Artifact] = {}
    for unit in sorted(output.get("contracts") or {}):
        for name in sorted(output["contracts"][unit]):
            data = output["contracts"][unit][name]
            evm = data.get("evm") or {}
            creation = evm.get("bytecode") or {}
            runtime = evm.get("deployedBytecode") or {}
            art = Artifact(
                name=name,
                source=unit,
                abi=list(data.get("abi") or []),
                bytecode=creation.get("object") or "",
                deployed_bytecode=runtime.get("object") or "",
                metadata=data.get("metadata") or "",
                immutable_references=dict(runtime.get("immutableReferences") or {}),
                link_references=dict(creation.get("linkReferences") or {}),
                deployed_link_references=dict(runtime.get("linkReferences") or {}),
                method_identifiers=dict(evm.get("methodIdentifiers") or {}),
                compiler_version=compiler_version,
                settings_hash=settings_hash,
                source_hash=source_hashes.get(unit, ""),
                input_hash=input_hash,
            )
            key = name if name not in result else art.qualified_name
            result[key] = art
    return result


def artifact_path(build_dir: Path, key: str) -> Path:
    """Where an artifact is written: ``artifacts/<Name>.json``, or for a repeated name
    ``artifacts/<source>/<Name>.json``."""
    if ":" in key:
        unit, name = key.rsplit(":", 1)
        return build_dir / "artifacts" / unit / f"{name}.json"
    return build_dir / "artifacts" / f"{key}.json"


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _write_outputs(build: Build, key: str, fresh: bool, prune: bool) -> None:
    """Write input.json and the artifacts unless they are already this build's. With ``prune``
    (a build of the whole tree), artifacts the previous build wrote and this one lacks go."""
    build_dir = build.build_dir
    stamp_path = build_dir / "build-info.json"
    stamp = _load_json(stamp_path) if not fresh else None
    paths = {k: artifact_path(build_dir, k) for k in build.artifacts}
    if (
        isinstance(stamp, dict)
        and stamp.get("cache_key") == key
        and all(p.is_file() for p in paths.values())
        and (build_dir / "input.json").is_file()
    ):
        return  # the files on disk are already this build's
    previous = _load_json(stamp_path)
    atomic_write_json(build_dir / "input.json", build.input)
    for art_key, art in build.artifacts.items():
        atomic_write_json(paths[art_key], art.to_json())
    if prune and isinstance(previous, dict):
        for old in previous.get("artifacts") or ():
            if isinstance(old, str) and old not in build.artifacts:
                artifact_path(build_dir, old).unlink(missing_ok=True)
    atomic_write_json(
        stamp_path,
        {
            "cache_key": key,
            "input_hash": build.input_hash,
            "compiler_version": build.compiler_version,
            "settings_hash": build.settings_hash,
            "artifacts": sorted(build.artifacts),
        },
    )


# --------------------------------------------------------------------------------------------
# The entry point


def assemble_build(
    root: Path,
    build_dir: Path,
    std_input: dict[str, Any],
    output: dict[str, Any],
    *,
    compiler_version: str,
    cached: bool = True,
    backend: str | None = None,
    source_hashes: Mapping[str, str] | None = None,
) -> Build:
    """A :class:`Build` from a standard-JSON input and solc's output for it (a fresh compile, the
    cache, or artifacts shipped with decree8). Raises :class:`CompileError` if the output has
    errors, so a hand-edited cache or artifact file never passes for a good build."""
    raise_for_errors(output, std_input)
    canonical = canonical_json(std_input)
    settings_hash = _sha256(canonical_json(std_input.get("settings") or {}))
    input_hash = _sha256(canonical)
    if source_hashes is None:
        source_hashes = {
            unit: _sha256(entry.get("content", ""))
            for unit, entry in (std_input.get("sources") or {}).items()
        }
    warnings = tuple(d for d in diagnostics_from_output(output, std_input) if d.severity != "error")
    return Build(
        root=root,
        build_dir=build_dir,
        artifacts=_artifacts(
            output,
            compiler_version=compiler_version,
            settings_hash=settings_hash,
            input_hash=input_hash,
            source_hashes=source_hashes,
        ),
        input=std_input,
        output=output,
        warnings=warnings,
        cached=cached,
        compiler_version=compiler_version,
        cache_key=_sha256(compiler_version + "\n" + canonical),
        input_hash=input_hash,
        settings_hash=settings_hash,
        backend=backend,
    )


def build_project(
    root: str | Path = ".",
    compiler: str | Compiler = "auto",
    sources: Iterable[str | Path] | None = None,
    cache_dir: str | Path | None = None,
    settings: Mapping[str, Any] | None = None,
    on_compile: Callable[[int, str], None] | None = None,
    vendored_first: bool = False,
) -> Build:
    """Compile a project's Solidity sources, or take the result from the cache.

    ``on_compile(files, version)`` is called just before a cold compile starts (not on a cache
    hit), so a command can tell its user why it is busy.

    ``root`` holds ``contracts/`` (every ``.sol`` under it is built unless ``sources`` names
    files or folders, relative to ``root``). ``compiler`` is a backend name (``"auto"``,
    ``"solcjs"``, ``"solcx"``) or a :class:`Compiler`; a named backend is created only when
    something must be compiled (and closed afterwards), so a warm build starts no process.
    ``cache_dir`` is the build folder (default ``<root>/.decree8/build``): ``cache/<key>.json``
    holds solc's output, ``artifacts/<Name>.json`` one file per contract, ``input.json`` the
    input of the latest build. A build of the whole tree also removes artifacts of contracts that
    are gone; a build of some ``sources`` only adds or replaces artifacts.
    """
    from decree8.compile.backends import get_compiler

    root_path = Path(root).resolve()
    if not root_path.is_dir():
        raise UsageError(f"project root {root} is not a folder")
    build_dir = Path(cache_dir).resolve() if cache_dir is not None else root_path / BUILD_DIR
    if isinstance(compiler, Compiler):
        version = compiler.version
    elif compiler in ("auto", "solcjs", "solcx"):
        version = PINNED_SOLC_VERSION  # every backend must be the pinned version
    else:
        raise UsageError(f"unknown compiler {compiler!r}: use auto, solcjs or solcx")

    contents, roots, source_hashes = collect_sources(
        root_path, sources, vendored_first=vendored_first
    )
    full_settings = make_settings(roots, settings)
    std_input = make_input(contents, full_settings)
    key = cache_key(version, std_input)
    cache_file = build_dir / "cache" / f"{key}.json"

    output = _load_json(cache_file)
    cached = isinstance(output, dict)
    backend: str | None = None
    if not cached:
        if on_compile is not None:
            on_compile(len(contents), version)
        owned = not isinstance(compiler, Compiler)
        active = get_compiler(compiler, root=root_path) if isinstance(compiler, str) else compiler
        try:
            output = active.compile_standard(std_input)
            backend = active.backend
        finally:
            if owned:
                active.close()
        atomic_write_text(cache_file, json.dumps(output, separators=(",", ":")))
    assert isinstance(output, dict)
    build = assemble_build(
        root_path,
        build_dir,
        std_input,
        output,
        compiler_version=version,
        cached=cached,
        backend=backend,
        source_hashes=source_hashes,
    )
    _write_outputs(build, key, fresh=not cached, prune=sources is None)
    return build
