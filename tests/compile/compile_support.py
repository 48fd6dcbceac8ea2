"""Constants and helpers shared by the compiler-layer tests (fixtures live in conftest.py)."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"


def write_script(folder: Path, name: str, body: str) -> Path:
    """An executable ``/bin/sh`` script ``folder/name``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


_REAL_NODE = shutil.which("node")  # looked up before any test narrows PATH


def real_node() -> str:
    """The real ``node`` executable, whatever PATH a test has set."""
    assert _REAL_NODE is not None, "these tests need Node.js on PATH"
    return _REAL_NODE
