"""File-system helpers shared by the layers that write results (builds, manifests, reports)."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from decree8.errors import Decree8Error, UsageError


def canonical_json(value: Any) -> str:
    """The one JSON text of ``value`` used for hashing: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_target(
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    exists_error: type[Decree8Error] = UsageError,
    what: str = "",
) -> Path:
    """Refuse ``path`` as a place to write a file unless it is new, or a regular file that may be
    replaced (``overwrite``). Symlinks, folders, FIFOs and devices are always refused; so is a
    path whose parent is not a folder. Call it before any work whose result would be lost."""
    target = Path(path)
    label = f"{what} {target}" if what else str(target)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        parent = target.parent
        if parent.exists() and not parent.is_dir():
            raise UsageError(f"cannot write {label}: {parent} is not a folder") from None
        return target
    except OSError as exc:
        raise UsageError(f"cannot write {label}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a symbolic link"
            if stat.S_ISLNK(info.st_mode)
            else "a folder"
            if stat.S_ISDIR(info.st_mode)
            else "not a regular file"
        )
        raise UsageError(f"{label} is {kind}: give the path of a regular file or a new one")
    if not overwrite:
        raise exists_error(f"{label} already exists; pass --force to replace it")
    return target


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
    check_target(target, overwrite=overwrite, exists_error=exists_error)
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


def read_user_text(path: str | os.PathLike[str], what: str = "") -> str:
    """The UTF-8 text of a file a user named; :class:`UsageError` in one line (naming ``what``
    and the path) when it is missing, a folder, unreadable or not UTF-8 text."""
    source = Path(path)
    label = f"{what} {source}" if what else str(source)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{label} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{label} is a folder; give a file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {label}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{label} is not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x}): "
            "save it as UTF-8"
        ) from None
