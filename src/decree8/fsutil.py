"""File-system helpers shared by the layers that write results (builds, manifests, reports)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from decree8.errors import Decree8Error, UsageError


def canonical_json(value: Any) -> str:
    """The one JSON text of ``value`` used for hashing: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def atomic_write_bytes(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    overwrite: bool = True,
    exists_error: type[Decree8Error] = UsageError,
) -> Path:
    """Write ``data`` to ``path`` so that readers see either the old file or the whole new one.

    The data goes to a temporary file in the same folder, is flushed to disk, then takes the
    place of ``path`` with :func:`os.replace`. With ``overwrite=False`` the final step is an
    exclusive :func:`os.link`, so an existing file is never replaced, even by a racing writer;
    ``exists_error`` (a :class:`UsageError` unless given, e.g. ``ManifestError``) is raised then.
    Missing parent folders are created. Returns the path written.
    """
    target = Path(path)
    if not overwrite and target.exists():
        raise exists_error(f"{target} already exists; pass overwrite to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        if overwrite:
            os.replace(tmp_name, target)
        else:
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                raise exists_error(
                    f"{target} already exists; pass overwrite to replace it"
                ) from None
            os.unlink(tmp_name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return target


def atomic_write_text(
    path: str | os.PathLike[str],
    text: str,
    overwrite: bool = True,
    *,
    exists_error: type[Decree8Error] = UsageError,
) -> Path:
    """Write ``text`` (UTF-8) atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(
        path, text.encode("utf-8"), overwrite=overwrite, exists_error=exists_error
    )


def atomic_write_json(
    path: str | os.PathLike[str],
    value: Any,
    overwrite: bool = True,
    *,
    exists_error: type[Decree8Error] = UsageError,
    indent: int | None = 2,
) -> Path:
    """Write ``value`` as JSON (sorted keys, trailing newline) atomically."""
    text = json.dumps(value, indent=indent, sort_keys=True, ensure_ascii=False) + "\n"
    return atomic_write_text(path, text, overwrite, exists_error=exists_error)
