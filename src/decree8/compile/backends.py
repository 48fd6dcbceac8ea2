"""Choosing a compiler by name: a native solc of the pinned version, else solc-js."""

from __future__ import annotations

from pathlib import Path

from decree8.compile._toolchain import PINNED_SOLC_VERSION
from decree8.compile.install import try_download_native
from decree8.compile.interface import Compiler
from decree8.compile.solcjs import SolcJsCompiler
from decree8.compile.solcx import SolcxCompiler, find_native_solc
from decree8.errors import ToolchainError, UsageError

__all__ = ["BACKENDS", "get_compiler"]

BACKENDS = ("auto", "solcjs", "solcx")


def get_compiler(name: str = "auto", *, root: str | Path | None = None) -> Compiler:
    """A compiler of the pinned solc version.

    ``"solcx"``: a native solc (py-solc-x's install folder or ``solc`` on PATH);
    ``"solcjs"``: the npm ``solc`` package in a Node.js worker (found from ``root``/cwd);
    ``"auto"``: native when one of the pinned version exists or can be downloaded by py-solc-x,
    else solc-js (installed into decree8's cache on first use).
    Raises :class:`ToolchainError` (one line, saying how to fix it) if the backend is missing.
    """
    root_path = Path(root) if root is not None else None
    if name == "solcx":
        return SolcxCompiler(allow_paths=root_path)
    if name == "solcjs":
        return SolcJsCompiler(root_path)
    if name == "auto":
        native = find_native_solc(PINNED_SOLC_VERSION)
        if native is None and try_download_native(PINNED_SOLC_VERSION):
            native = find_native_solc(PINNED_SOLC_VERSION)
        if native is not None:
            return SolcxCompiler(native.path, allow_paths=root_path)
        try:
            return SolcJsCompiler(root_path)
        except ToolchainError as exc:
            raise ToolchainError(
                f"no native solc {PINNED_SOLC_VERSION} and solc-js is unusable: {exc}"
            ) from None
    raise UsageError(f"unknown compiler {name!r}: use one of {', '.join(BACKENDS)}")
