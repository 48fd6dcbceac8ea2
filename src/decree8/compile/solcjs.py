"""The solc-js backend: one long-lived Node.js worker per compiler, started on first use."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from decree8.compile._toolchain import (
    PINNED_SOLC_VERSION,
    find_node,
    npm_package_version,
)
from decree8.compile.interface import Compiler
from decree8.errors import ToolchainError

WORKER_SCRIPT = Path(__file__).resolve().parent / "solcjs_worker.js"
_STOP_TIMEOUT = 5.0


class _Worker:
    """A running ``node solcjs_worker.js`` process and its pipes."""

    def __init__(self, node: Path, node_modules: Path) -> None:
        self.stderr: IO[bytes] = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                [str(node), str(WORKER_SCRIPT), str(node_modules)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                cwd=str(node_modules.parent),
            )
        except OSError as exc:
            self.stderr.close()
            raise ToolchainError(f"cannot start the solc-js worker with {node}: {exc}") from None
        self.next_id = 1

    def stderr_tail(self) -> str:
        try:
            self.stderr.seek(0)
            text = self.stderr.read().decode("utf-8", errors="replace").strip()
        except (OSError, ValueError):
            return ""
        return text.splitlines()[-1] if text else ""

    def read_message(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        while line and not line.lstrip().startswith(b"{"):
            line = self.proc.stdout.readline()  # skip anything a library logged to stdout
        if not line:
            code = self.proc.wait()
            tail = self.stderr_tail()
            raise ToolchainError(
                f"the solc-js worker exited with code {code}" + (f": {tail}" if tail else "")
            )
        try:
            message = json.loads(line)
        except ValueError:
            raise ToolchainError(
                f"the solc-js worker printed something that is not JSON: {line[:200]!r}"
            ) from None
        if not isinstance(message, dict):
            raise ToolchainError(f"the solc-js worker printed an unexpected value: {line[:200]!r}")
        return message

    def request(self, input: Mapping[str, Any]) -> dict[str, Any]:
        """Send one input; return the worker's reply (``output`` or ``error``)."""
        assert self.proc.stdin is not None
        request_id = self.next_id
        self.next_id += 1
        line = json.dumps({"id": request_id, "input": input}, ensure_ascii=False) + "\n"
        try:
            self.proc.stdin.write(line.encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            code = self.proc.wait()
            tail = self.stderr_tail()
            raise ToolchainError(
                f"the solc-js worker exited with code {code}" + (f": {tail}" if tail else "")
            ) from None
        message = self.read_message()
        if message.get("id") != request_id:
            raise ToolchainError(
                f"the solc-js worker answered request {message.get('id')}, not {request_id}"
            )
        return message


def _stop(worker: _Worker) -> None:
    """Close the worker's stdin so it exits by itself; kill it if it does not. Idempotent."""
    proc = worker.proc
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdin, proc.stdout, worker.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _stderr_note(message: str) -> None:
    """Progress of a first-use install, for the person waiting (stderr keeps stdout clean)."""
    print(f"decree8: {message}", file=sys.stderr, flush=True)


class SolcJsCompiler(Compiler):
    """solc-js (the npm ``solc`` package) run by one Node.js worker that loads it once.

    Constructing it checks the toolchain (Node.js 18+, the pinned solc-js, installed into decree8's
    cache on first use: see :mod:`decree8.compile.install`) but starts no compiler process;
    the worker starts on the first :meth:`compile_standard` and answers every later one. It stops
    on :meth:`close`, when the compiler is garbage-collected, or at exit.
    """

    backend = "solcjs"

    def __init__(
        self,
        root: Path | None = None,
        *,
        pinned: str | None = None,
        note: Callable[[str], None] | None = None,
        install: bool = True,
    ) -> None:
        from decree8.compile.install import ensure_solcjs

        self._node = find_node()
        expected = pinned or PINNED_SOLC_VERSION
        self._node_modules = ensure_solcjs(
            root, expected, note=note or _stderr_note, install=install
        )
        solc_dir = self._node_modules / "solc"
        self._version = npm_package_version(solc_dir)
        if self._version != expected:
            raise ToolchainError(
                f"npm package solc is {self._version} in {self._node_modules} but decree8 pins "
                f"{expected}: run `npm ci` in {self._node_modules.parent}"
            )
        self._full_version = self._version
        self._worker: _Worker | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def version(self) -> str:
        return self._version

    @property
    def full_version(self) -> str:
        return self._full_version

    @property
    def node_modules(self) -> Path:
        """The ``node_modules`` folder the worker loads ``solc`` from."""
        return self._node_modules

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id while it runs, else ``None``."""
        worker = self._worker
        if worker is None or worker.proc.poll() is not None:
            return None
        return worker.proc.pid

    def _start(self) -> _Worker:
        worker = _Worker(self._node, self._node_modules)
        # The finalizer holds the worker, not self: it runs on close(), on collection and at exit.
        finalizer = weakref.finalize(self, _stop, worker)
        try:
            hello = worker.read_message()
            if "error" in hello or not hello.get("ready"):
                raise ToolchainError(f"the solc-js worker did not start: {hello.get('error')}")
            reported = str(hello.get("version", ""))
            if not reported.startswith(self._version):
                raise ToolchainError(
                    f"solc-js in {self._node_modules} reports {reported}, expected "
                    f"{self._version}: run `npm ci` in {self._node_modules.parent}"
                )
        except BaseException:
            finalizer()
            raise
        self._full_version = reported.split(".Emscripten")[0]
        self._finalizer = finalizer
        return worker

    def _compile_raw(self, input: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._closed:
                raise ToolchainError("this solc-js compiler was closed")
            worker = self._worker
            if worker is None or worker.proc.poll() is not None:
                if self._finalizer is not None:
                    self._finalizer()
                worker = self._worker = self._start()
            try:
                reply = worker.request(input)
            except BaseException:
                # The worker died, or (Ctrl-C) may be half-way through a reply: never reuse it.
                if self._finalizer is not None:
                    self._finalizer()
                self._worker = None
                raise
        if "error" in reply:
            raise ToolchainError(f"solc-js failed: {reply['error']}")
        output = reply.get("output")
        if not isinstance(output, dict):
            raise ToolchainError("the solc-js worker answered without an output")
        return output

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._finalizer is not None:
                self._finalizer()
            self._worker = None
