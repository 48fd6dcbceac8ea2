"""The abstract compiler: Solidity standard-JSON in, standard-JSON out, errors as diagnostics."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any

from decree8.closing import Closing
from decree8.errors import CompileError, Diagnostic

_SEVERITIES = {"error": "error", "warning": "warning", "info": "info"}


class Compiler(Closing, abc.ABC):
    """One Solidity compiler of one version.

    ``compile_standard`` takes a standard-JSON input (a dict) and returns the standard-JSON output.
    Errors raise :class:`CompileError` with one :class:`Diagnostic` each; warnings stay in the
    output's ``errors`` list (see :func:`diagnostics_from_output`). A compiler may hold a process:
    call :meth:`close` or use it as a context manager.
    """

    #: ``"solcjs"`` or ``"solcx"``
    backend: str = ""

    @property
    @abc.abstractmethod
    def version(self) -> str:
        """The compiler's version, ``"0.8.30"`` (no commit suffix)."""

    @property
    def full_version(self) -> str:
        """The version with its commit suffix when known (``"0.8.30+commit.73712a01"``)."""
        return self.version

    def compile_standard(self, input: Mapping[str, Any]) -> dict[str, Any]:
        """Compile a standard-JSON input; raise :class:`CompileError` if solc reports any error."""
        output = self._compile_raw(input)
        raise_for_errors(output, input)
        return output

    @abc.abstractmethod
    def _compile_raw(self, input: Mapping[str, Any]) -> dict[str, Any]:
        """Run the compiler and return its standard-JSON output as is, errors included."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op for stateless compilers
        """Release what the compiler holds (a worker process). Calling it twice is harmless."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} backend={self.backend} version={self.version}>"


def locate(content: str | None, offset: int | None) -> tuple[int | None, int | None]:
    """The 1-based line and column of solc's byte ``offset`` into ``content``."""
    if content is None or offset is None or offset < 0:
        return None, None
    data = content.encode("utf-8")
    prefix = data[: min(offset, len(data))]
    line = prefix.count(b"\n") + 1
    line_start = prefix.rfind(b"\n") + 1
    column = len(prefix[line_start:].decode("utf-8", errors="replace")) + 1
    return line, column


def diagnostic_from_solc(error: Mapping[str, Any], input: Mapping[str, Any] | None) -> Diagnostic:
    """Turn one entry of solc's ``errors`` list into a located :class:`Diagnostic`."""
    severity = _SEVERITIES.get(str(error.get("severity", "error")).lower(), "error")
    kind = str(error.get("type", ""))
    if kind.lower() == severity:  # "Warning"/"Info" say nothing the severity does not
        kind = ""
    text = str(error.get("message") or error.get("formattedMessage") or "").strip()
    message = text.splitlines()[0].strip() if text else "(no message)"
    where = error.get("sourceLocation") or {}
    file = where.get("file") or None
    line = column = None
    if file is not None:
        sources = (input or {}).get("sources") or {}
        content = (sources.get(file) or {}).get("content")
        line, column = locate(content, where.get("start"))
    return Diagnostic(
        severity=severity, message=message, file=file, line=line, column=column, kind=kind
    )


def diagnostics_from_output(
    output: Mapping[str, Any], input: Mapping[str, Any] | None = None
) -> tuple[Diagnostic, ...]:
    """Every message in a standard-JSON output, located against the input's sources."""
    return tuple(diagnostic_from_solc(e, input) for e in output.get("errors") or ())


def raise_for_errors(output: Mapping[str, Any], input: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`CompileError` (one diagnostic per error) if the output holds any error."""
    errors = [d for d in diagnostics_from_output(output, input) if d.severity == "error"]
    if errors:
        raise CompileError(errors)
