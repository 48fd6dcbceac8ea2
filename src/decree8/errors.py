"""One root exception for everything decree8 raises on purpose.

Every error a user can cause (bad input, a missing tool, a node that does not answer) is a
:class:`Decree8Error`. Its message is one line that names what was wrong and how to fix it; the CLI
prints that line and exits 2. web3, eth-tester and solc errors are wrapped, never leaked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class Decree8Error(Exception):
    """Root of every error decree8 raises on purpose. ``str(err)`` is one line for the user."""

    exit_code: int = 2


class UsageError(Decree8Error):
    """The user gave input that cannot be used (a bad flag value, an unknown name, a bad file)."""


class ToolchainError(Decree8Error):
    """A tool decree8 needs is missing or too old (Node.js, npm packages, solc)."""


@dataclass(frozen=True)
class Diagnostic:
    """One compiler message, located in a source file."""

    severity: str  # "error" | "warning" | "info"
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    kind: str = ""  # solc's type, e.g. "ParserError", "DeclarationError"

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        kind = f"{self.kind}: " if self.kind else ""
        return f"{where}{self.severity}: {kind}{self.message}"


class CompileError(Decree8Error):
    """Solidity did not compile. Carries one :class:`Diagnostic` per compiler error."""

    def __init__(self, diagnostics: Sequence[Diagnostic], summary: str | None = None) -> None:
        self.diagnostics = tuple(diagnostics)
        first = str(self.diagnostics[0]) if self.diagnostics else "unknown compiler error"
        more = len(self.diagnostics) - 1
        text = summary or first
        if more > 0 and summary is None:
            text += f" (and {more} more error{'s' if more > 1 else ''})"
        super().__init__(text)


class ImportNotFound(CompileError):
    """An ``import`` in a Solidity file names a file that does not exist."""


class ChainError(Decree8Error):
    """The chain refused or failed a request (other than a contract revert)."""


class RpcUnavailable(ChainError):
    """A JSON-RPC node did not answer in time."""


class TransactionReverted(ChainError):
    """A call or transaction reverted. The revert data is decoded with every ABI the chain knows.

    ``name`` is the custom error's name (``"TransferRestricted"``), ``"Error"`` for a
    ``require`` string, ``"Panic"`` for a panic code, or ``None`` when the data matches nothing
    known.
    ``args`` maps the error's parameter names to their decoded values.
    """

    exit_code = 1

    def __init__(
        self,
        *,
        name: str | None,
        args: dict[str, Any] | None = None,
        data: bytes = b"",
        tx_hash: str | None = None,
        signature: str | None = None,
    ) -> None:
        self.name = name
        self._error_args = dict(args or {})
        self.data = bytes(data)
        self.tx_hash = tx_hash
        self.signature = signature
        if name is None:
            text = "transaction reverted" + (
                f" with data 0x{self.data.hex()}" if self.data else " without data"
            )
        else:
            shown = ", ".join(f"{k}={_short(v)}" for k, v in self.args.items())
            text = f"transaction reverted: {name}({shown})"
        if tx_hash:
            text += f" in {tx_hash}"
        super().__init__(text)

    @property
    def args(self) -> dict[str, Any]:  # type: ignore[override]
        """The decoded error arguments by parameter name (shadows ``BaseException.args``, whose
        setter would turn a dict into a tuple of its keys; ``str(err)`` is still the message)."""
        return self._error_args


def _short(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)


class ManifestError(Decree8Error):
    """A deployment manifest is corrupt, from another chain, or would be overwritten."""


class TemplateError(UsageError):
    """An unknown template or a bad template parameter."""
