"""Where things are: the user's project, its settings, and decree8's per-user cache.

A *project* is the nearest folder, from the current folder upwards, that holds a ``decree8.toml``,
a ``pyproject.toml`` with a ``[tool.decree8]`` table, or a ``contracts/`` folder. Its settings come
from ``[tool.decree8]`` (or the whole of ``decree8.toml``); the command line wins over the file, the
file over the environment's defaults:

```toml
[tool.decree8]
rpc = "http://127.0.0.1:8545"   # a JSON-RPC node (default: an embedded chain per command)
chain = "embedded"              # embedded | revm, when no rpc is given
compiler = "auto"               # auto | solcjs | solcx
build-dir = ".decree8/build"    # build output, relative to the project
terms = "terms/white-paper.md"  # default terms document for deployments
rules = "rules.toml"            # the project's own rules (codes 64-127)
```

The per-user cache (solc-js installed on first use, builds made outside any project) is the
platform's cache folder (``~/.cache/decree8`` on Linux), or ``$DECREE8_CACHE_DIR``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from decree8.errors import UsageError

__all__ = [
    "CACHE_ENV",
    "DEFAULT_BUILD_DIR",
    "SETTINGS",
    "Project",
    "Setting",
    "Settings",
    "find_project",
    "load_settings",
    "user_cache_dir",
]

CACHE_ENV = "DECREE8_CACHE_DIR"
#: The build folder of a project, relative to its root. Not ``build/``: setuptools uses that one.
DEFAULT_BUILD_DIR = ".decree8/build"
CONFIG_FILE = "decree8.toml"


@dataclass(frozen=True)
class Setting:
    """One key of ``[tool.decree8]``: its type, allowed values and what it means. Relative paths
    in the file are taken from the project's root; on the command line, from the current folder."""

    key: str
    kind: type
    help: str
    choices: tuple[str, ...] = ()


SETTINGS: tuple[Setting, ...] = (
    Setting("rpc", str, "JSON-RPC node URL (default: an embedded chain for each command)"),
    Setting("chain", str, "in-process chain when no rpc is given", choices=("embedded", "revm")),
    Setting("compiler", str, "Solidity compiler", choices=("auto", "solcjs", "solcx")),
    Setting("build-dir", str, "build output folder, relative to the project"),
    Setting("terms", str, "default terms document for deployments"),
    Setting("rules", str, "the project's own rule file (codes 64-127)"),
)
_BY_KEY = {s.key: s for s in SETTINGS}
#: Built-in defaults (None: none; a path setting resolves against the project).
DEFAULTS: dict[str, Any] = {
    "rpc": None,
    "chain": "embedded",
    "compiler": "auto",
    "build-dir": DEFAULT_BUILD_DIR,
    "terms": None,
    "rules": None,
}


def user_cache_dir() -> Path:
    """decree8's per-user cache folder: ``$DECREE8_CACHE_DIR``, else the platform's cache
    folder for decree8 (``~/.cache/decree8`` on Linux)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_cache_dir("decree8", appauthor=False))


@dataclass(frozen=True)
class Project:
    """A user's project: its root folder and the file its settings came from (if any)."""

    root: Path
    config_file: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        """How the settings' file is named in messages and in ``decree8 config``."""
        if self.config_file is None:
            return "no settings file"
        if self.config_file.name == "pyproject.toml":
            return f"{self.config_file} [tool.decree8]"
        return str(self.config_file)


def _read_toml(path: Path) -> dict[str, Any]:
    from decree8.fsutil import read_user_text

    try:
        return tomllib.loads(read_user_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None


def _validate(values: Any, where: str) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise UsageError(f"{where} must be a table of settings")
    allowed = ", ".join(s.key for s in SETTINGS)
    out: dict[str, Any] = {}
    for key, value in values.items():
        setting = _BY_KEY.get(key)
        if setting is None:
            raise UsageError(f"{where}: unknown key {key!r} (allowed: {allowed})")
        if not isinstance(value, setting.kind):
            raise UsageError(
                f"{where}: {key} must be a {setting.kind.__name__} ({setting.help}), "
                f"not {type(value).__name__} {value!r}"
            )
        if setting.choices and value not in setting.choices:
            raise UsageError(
                f"{where}: {key} = {value!r} is not one of {', '.join(setting.choices)}"
            )
        if isinstance(value, str) and not value.strip():
            raise UsageError(f"{where}: {key} is empty ({setting.help})")
        out[key] = value
    return out


def _project_at(folder: Path) -> Project | None:
    own = folder / CONFIG_FILE
    if own.is_file():
        data = _read_toml(own)
        table = data.get("tool", {}).get("decree8", data) if "tool" in data else data
        return Project(folder, own, _validate(table, str(own)))
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        data = _read_toml(pyproject)
        tool = data.get("tool")
        if isinstance(tool, dict) and "decree8" in tool:
            where = f"{pyproject} [tool.decree8]"
            return Project(folder, pyproject, _validate(tool["decree8"], where))
    if (folder / "contracts").is_dir():
        return Project(folder)
    return None


def find_project(start: Path | None = None) -> Project | None:
    """The project holding ``start`` (default: the current folder), or None outside any."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        project = _project_at(folder)
        if project is not None:
            return project
    return None


@dataclass(frozen=True)
class Settings:
    """The settings in force and where each came from: ``default``, the project's settings file,
    ``environment (NAME)`` or ``command line``."""

    project: Project | None
    values: Mapping[str, Any]
    sources: Mapping[str, str]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def build_dir(self) -> Path:
        """Where builds go: the configured folder, else the project's ``.decree8/build``, else
        (outside any project) the per-user cache. Never inside the installed package."""
        if self.sources["build-dir"] != "default":
            path = self.path("build-dir")
            assert path is not None
            return path
        if self.project is not None:
            return self.project.root / DEFAULT_BUILD_DIR
        return user_cache_dir() / "build"

    def path(self, key: str) -> Path | None:
        value = self.values.get(key)
        if value is None:
            return None
        path = Path(value).expanduser()
        if path.is_absolute() or not self.from_file(key):
            return path.resolve()
        assert self.project is not None
        return self.project.root / path

    def from_file(self, key: str) -> bool:
        return self.project is not None and self.sources.get(key) == self.project.origin


ENV_KEYS = {
    "rpc": "DECREE8_RPC",
    "compiler": "DECREE8_COMPILER",
    "build-dir": "DECREE8_BUILD_DIR",
}


def load_settings(
    overrides: Mapping[str, Any] | None = None, *, start: Path | None = None
) -> Settings:
    """Settings in force: the command line (``overrides``, None values ignored) over the
    environment (``DECREE8_RPC``, ``DECREE8_COMPILER``, ``DECREE8_BUILD_DIR``) over the project's
    settings file over the defaults."""
    project = find_project(start)
    values: dict[str, Any] = dict(DEFAULTS)
    sources = dict.fromkeys(DEFAULTS, "default")
    if project is not None:
        for key, value in project.values.items():
            values[key] = value
            sources[key] = project.origin
    for key, env in ENV_KEYS.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
            sources[key] = f"environment ({env})"
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
            sources[key] = "command line"
    return Settings(project, values, sources)
