"""The native backend: a ``solc`` binary of the pinned version, found through py-solc-x or PATH."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from decree8.compile._toolchain import PINNED_SOLC_VERSION
from decree8.compile.interface import Compiler
from decree8.errors import ToolchainError

_VERSION_LINE = re.compile(r"Version:\s*(\d+\.\d+\.\d+)(\S*)")
_COMPILE_TIMEOUT = 600.0


@dataclass(frozen=True)
class NativeSolc:
    """A native solc binary and the version it reports."""

    path: Path
    version: str  # "0.8.30"
    full_version: str  # "0.8.30+commit.73712a01.Linux.g++"
    origin: str  # "py-solc-x" | "PATH" | "given"


def solc_binary_version(binary: Path | str) -> tuple[str, str]:
    """Run ``solc --version``; return ``("0.8.30", "0.8.30+commit...")``."""
    try:
        result = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolchainError(f"cannot run `{binary} --version`: {exc}") from None
    match = _VERSION_LINE.search(result.stdout or "")
    if result.returncode != 0 or match is None:
        shown = (result.stdout or result.stderr).strip().splitlines()
        raise ToolchainError(
            f"`{binary} --version` did not print a solc version"
            + (f": {shown[-1]!r}" if shown else "")
        )
    return match.group(1), match.group(1) + match.group(2)


def _how_to_get(version: str) -> str:
    return (
        f"install it with `python -m solcx.install v{version}` or put solc {version} on PATH, "
        f"or use the solc-js backend (--compiler solcjs)"
    )


def _from_solcx(version: str) -> Path | None:
    try:
        from packaging.version import Version
        from solcx.install import get_executable, get_installed_solc_versions
    except ImportError:
        return None
    try:
        if Version(version) not in get_installed_solc_versions():
            return None
        return Path(get_executable(version))
    except Exception:  # py-solc-x raises its own types; a broken install is just "not found"
        return None


def find_native_solc(
    version: str = PINNED_SOLC_VERSION, *, strict: bool = False
) -> NativeSolc | None:
    """A native solc of ``version``: first one installed by py-solc-x, then ``solc`` on PATH.

    Returns ``None`` if there is none; with ``strict=True`` raises :class:`ToolchainError`
    instead, naming a ``solc`` on PATH of another version if there is one.
    """
    installed = _from_solcx(version)
    if installed is not None:
        try:
            found, full = solc_binary_version(installed)
        except ToolchainError:
            if strict:
                raise
        else:
            if found == version:
                return NativeSolc(installed, found, full, "py-solc-x")
    on_path = shutil.which("solc")
    if on_path is not None:
        try:
            found, full = solc_binary_version(on_path)
        except ToolchainError:
            if strict:
                raise
            return None
        if found == version:
            return NativeSolc(Path(on_path), found, full, "PATH")
        if strict:
            raise ToolchainError(
                f"solc on PATH ({on_path}) is {found} but decree8 pins {version}: "
                + _how_to_get(version)
            )
        return None
    if strict:
        raise ToolchainError(f"no native solc {version} found: " + _how_to_get(version))
    return None


class SolcxCompiler(Compiler):
    """A native ``solc`` run with ``--standard-json`` (one process per compile).

    Sources are inlined in the input, so solc reads no file; ``allow_paths`` is passed anyway so
    an input that names files under the project still compiles.
    """

    backend = "solcx"

    def __init__(
        self,
        solc_binary: Path | str | None = None,
        *,
        pinned: str | None = None,
        allow_paths: Path | str | None = None,
    ) -> None:
        expected = pinned or PINNED_SOLC_VERSION
        if solc_binary is not None:
            version, full = solc_binary_version(solc_binary)
            if version != expected:
                raise ToolchainError(
                    f"{solc_binary} is solc {version} but decree8 pins {expected}: "
                    + _how_to_get(expected)
                )
            native = NativeSolc(Path(solc_binary), version, full, "given")
        else:
            found = find_native_solc(expected, strict=True)
            assert found is not None
            native = found
        self.native = native
        self._allow_paths = Path(allow_paths).resolve() if allow_paths is not None else None

    @property
    def version(self) -> str:
        return self.native.version

    @property
    def full_version(self) -> str:
        return self.native.full_version

    def command(self) -> list[str]:
        """The command line run for each compile."""
        cmd = [str(self.native.path), "--standard-json"]
        if self._allow_paths is not None:
            cmd += ["--allow-paths", str(self._allow_paths)]
        return cmd

    def _compile_raw(self, input: Mapping[str, Any]) -> dict[str, Any]:
        cmd = self.command()
        try:
            result = subprocess.run(
                cmd,
                input=json.dumps(input, ensure_ascii=False).encode("utf-8"),
                capture_output=True,
                timeout=_COMPILE_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ToolchainError(f"cannot run {cmd[0]}: {exc}") from None
        try:
            output = json.loads(result.stdout)
        except ValueError:
            lines = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
            raise ToolchainError(
                f"{cmd[0]} --standard-json exited with code {result.returncode} without JSON output"
                + (f": {lines[-1]}" if lines else "")
            ) from None
        if not isinstance(output, dict):
            raise ToolchainError(f"{cmd[0]} --standard-json printed an unexpected value")
        return output
