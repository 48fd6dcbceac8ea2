"""Installing the pinned solc-js into decree8's per-user cache, on first use or by `decree8 setup`.

decree8 needs a compiler only for sources that have no shipped artifact (the user's own contracts,
generated projects, rebuilds). Then a native solc of the pinned version is used where there is one
(py-solc-x's install folder or ``solc`` on PATH); otherwise solc-js, looked up in ``node_modules``
folders (``$DECREE8_NODE_MODULES``, the project's, decree8's source checkout) and finally in the
cache, where it is installed from the npm registry at the pinned version when missing:

``<cache>/toolchain/solc-<version>/node_modules/solc``, with ``decree8-toolchain.json`` beside
``node_modules`` listing the sha256 of every installed file. An install goes to a staging folder
and is moved into place only when complete, under a lock, so a half-finished or corrupted copy is
never used: it is detected (a missing marker, a file that differs) and replaced.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from decree8.compile._toolchain import (
    PINNED_SOLC_VERSION,
    find_node,
    find_node_modules,
    find_versioned_tool,
    npm_package_version,
)
from decree8.config import user_cache_dir
from decree8.errors import ToolchainError

__all__ = [
    "MIN_NPM_MAJOR",
    "MARKER",
    "ensure_solcjs",
    "find_npm",
    "install_solcjs",
    "toolchain_dir",
    "verify_toolchain",
]

MIN_NPM_MAJOR = 8
MARKER = "decree8-toolchain.json"
NPM_TIMEOUT = 600.0
_verified: set[Path] = set()  # toolchain folders checked whole in this process


def toolchain_dir(version: str = PINNED_SOLC_VERSION) -> Path:
    """The cache folder for solc-js ``version``: ``<cache>/toolchain/solc-<version>``."""
    return user_cache_dir() / "toolchain" / f"solc-{version}"


def _file_hashes(modules: Path) -> dict[str, str]:
    out = {}
    for path in sorted(modules.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[path.relative_to(modules).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return out


def verify_toolchain(folder: Path, version: str = PINNED_SOLC_VERSION) -> str | None:
    """None if ``folder`` holds a complete, unmodified solc-js ``version`` install made by decree8,
    else what is wrong with it (one phrase)."""
    marker = folder / MARKER
    modules = folder / "node_modules"
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "it has no completion marker (an interrupted install?)"
    except (OSError, ValueError) as exc:
        return f"its marker {marker.name} is unreadable ({exc})"
    if not isinstance(recorded, dict) or recorded.get("solc") != version:
        return f"its marker names another version ({recorded.get('solc')!r})"
    files = recorded.get("files")
    if not isinstance(files, dict) or "solc/package.json" not in files:
        return "its marker lists no files"
    try:
        found = _file_hashes(modules)
    except OSError as exc:
        return f"it cannot be read ({exc})"
    if found != files:
        changed = sorted(set(found) ^ set(files)) or sorted(
            k for k in files if found.get(k) != files[k]
        )
        return f"{len(changed)} installed file(s) differ from the install record ({changed[0]})"
    return None


def find_npm() -> Path:
    """The ``npm`` executable, at least npm :data:`MIN_NPM_MAJOR`; ToolchainError otherwise."""
    return find_versioned_tool(
        "npm",
        "npm",
        MIN_NPM_MAJOR,
        f"install Node.js 20+ with npm, or a native solc {PINNED_SOLC_VERSION} (py-solc-x: "
        f"`python -m solcx.install v{PINNED_SOLC_VERSION}`), then try again",
    )


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    lock_path = folder.parent / f".{folder.name}.lock"
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _writable_parent(folder: Path) -> None:
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder.parent, prefix=".probe.", delete=True)
        probe.close()
    except OSError as exc:
        raise ToolchainError(
            f"decree8's cache folder {folder.parent} is not writable ({exc.strerror or exc}): "
            "set DECREE8_CACHE_DIR to a writable folder"
        ) from None


def install_solcjs(
    version: str = PINNED_SOLC_VERSION,
    *,
    note: Callable[[str], None] | None = None,
    force: bool = False,
) -> Path:
    """Install solc-js ``version`` into the cache (unless a complete install is there) and return
    its ``node_modules``. ``note`` receives progress lines for a person."""
    folder = toolchain_dir(version)
    _writable_parent(folder)
    with _locked(folder):
        if folder.exists():
            problem = None if force else verify_toolchain(folder, version)
            if problem is None and not force:
                _verified.add(folder)
                return folder / "node_modules"
            if note is not None:
                reason = "reinstalling on request" if force else f"replacing it: {problem}"
                note(f"solc-js {version} in {folder} is unusable, {reason}")
            shutil.rmtree(folder, ignore_errors=True)
        find_node()
        npm = find_npm()
        if note is not None:
            note(
                f"installing solc-js {version} from the npm registry into {folder} "
                "(first use only; takes a minute)..."
            )
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            (staging / "package.json").write_text(
                json.dumps({"name": "decree8-toolchain", "private": True}) + "\n",
                encoding="utf-8",
            )
            try:
                result = subprocess.run(
                    [
                        str(npm),
                        "install",
                        "--no-audit",
                        "--no-fund",
                        "--no-save",
                        "--no-package-lock",
                        "--loglevel=error",
                        f"solc@{version}",
                    ],
                    cwd=staging,
                    capture_output=True,
                    text=True,
                    timeout=NPM_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise ToolchainError(
                    f"`npm install solc@{version}` did not finish in {NPM_TIMEOUT:.0f} s: "
                    "check the network or npm's registry setting, then try again"
                ) from None
            if result.returncode != 0:
                tail = (result.stderr or result.stdout).strip().splitlines()
                raise ToolchainError(
                    f"`npm install solc@{version}` failed"
                    + (f": {tail[-1]}" if tail else "")
                    + " (check the network or npm's registry setting, then try again)"
                )
            modules = staging / "node_modules"
            installed = npm_package_version(modules / "solc")
            if installed != version:
                raise ToolchainError(f"npm installed solc {installed}, not the pinned {version}")
            marker = {"solc": version, "files": _file_hashes(modules)}
            (staging / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
            os.rename(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _verified.add(folder)
        if note is not None:
            note(f"solc-js {version} installed in {folder}")
        return folder / "node_modules"


def _cached_solcjs(version: str) -> Path | None:
    folder = toolchain_dir(version)
    if folder in _verified and (folder / MARKER).is_file():
        return folder / "node_modules"
    if not folder.exists() or verify_toolchain(folder, version) is not None:
        return None
    _verified.add(folder)
    return folder / "node_modules"


def ensure_solcjs(
    root: Path | None = None,
    version: str = PINNED_SOLC_VERSION,
    *,
    note: Callable[[str], None] | None = None,
    install: bool = True,
) -> Path:
    """The ``node_modules`` holding solc-js ``version``: ``$DECREE8_NODE_MODULES``, a
    ``node_modules`` of the project or of decree8's checkout, else decree8's cache, installed there
    first when missing or broken (unless ``install`` is False)."""
    modules = find_node_modules(root, "solc")
    if modules is not None and (modules / "solc" / "package.json").is_file():
        if npm_package_version(modules / "solc") == version or os.environ.get(
            "DECREE8_NODE_MODULES"
        ):
            return modules
    elif os.environ.get("DECREE8_NODE_MODULES"):
        raise ToolchainError(
            f"npm package `solc` is not installed ($DECREE8_NODE_MODULES={modules}): "
            f"run `npm install solc@{version}` there, or unset DECREE8_NODE_MODULES"
        )
    cached = _cached_solcjs(version)
    if cached is not None:
        return cached
    if not install:
        raise ToolchainError(
            f"solc-js {version} is not installed: run `decree8 setup` (needs Node.js and npm)"
        )
    return install_solcjs(version, note=note)


#: How long a failed native download is remembered (no new attempt before then).
NATIVE_RETRY_SECONDS = 24 * 3600
NO_DOWNLOAD_ENV = "DECREE8_NO_DOWNLOAD"


def try_download_native(
    version: str = PINNED_SOLC_VERSION, *, note: Callable[[str], None] | None = None
) -> bool:
    """Try once to download a native solc ``version`` with py-solc-x (into its own folder). A
    failure is remembered for a day in the cache, so commands do not retry it every time; set
    ``DECREE8_NO_DOWNLOAD=1`` to never try. True when a native solc was installed."""
    if os.environ.get(NO_DOWNLOAD_ENV) == "1":
        return False
    import time

    failed = user_cache_dir() / "toolchain" / f"native-solc-{version}.failed"
    with contextlib.suppress(OSError):
        if time.time() - failed.stat().st_mtime < NATIVE_RETRY_SECONDS:
            return False
    try:
        import solcx
    except ImportError:
        return False
    if note is not None:
        note(f"downloading a native solc {version} with py-solc-x...")
    try:
        solcx.install_solc(version, show_progress=False)
    except Exception as exc:  # py-solc-x raises requests', OS and its own errors alike
        if note is not None:
            note(
                f"no native solc {version} could be downloaded ({type(exc).__name__}); "
                "using solc-js instead"
            )
        with contextlib.suppress(OSError):
            failed.parent.mkdir(parents=True, exist_ok=True)
            failed.write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
        return False
    return True
