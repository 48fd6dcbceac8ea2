"""The compiler layer: Solidity standard-JSON in and out, through solc-js or a native solc.

```
compiler = get_compiler("auto")            # native solc of the pinned version, else solc-js
out = compiler.compile_standard(std_json)  # CompileError on errors; warnings stay in out
build = build_project(Path("."))           # cached build of contracts/, artifacts by name
```
"""

from __future__ import annotations

from decree8.compile._toolchain import PINNED_SOLC_VERSION
from decree8.compile.backends import BACKENDS, get_compiler
from decree8.compile.build import (
    DEFAULT_SETTINGS,
    OUTPUT_SELECTION,
    Artifact,
    Build,
    build_project,
    cache_key,
    collect_sources,
    find_imports,
    make_input,
    make_settings,
)
from decree8.compile.install import ensure_solcjs, install_solcjs, try_download_native
from decree8.compile.interface import Compiler, diagnostics_from_output
from decree8.compile.solcjs import SolcJsCompiler
from decree8.compile.solcx import SolcxCompiler, find_native_solc

__all__ = [
    "BACKENDS",
    "DEFAULT_SETTINGS",
    "OUTPUT_SELECTION",
    "PINNED_SOLC_VERSION",
    "Artifact",
    "Build",
    "Compiler",
    "SolcJsCompiler",
    "SolcxCompiler",
    "ensure_solcjs",
    "install_solcjs",
    "try_download_native",
    "build_project",
    "cache_key",
    "collect_sources",
    "diagnostics_from_output",
    "find_imports",
    "find_native_solc",
    "get_compiler",
    "make_input",
    "make_settings",
]
