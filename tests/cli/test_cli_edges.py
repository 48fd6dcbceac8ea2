"""Edges of the command line: Ctrl-C, an --out that must not be lost, non-regular files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from decree8.cli import main


def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from decree8.cli import main; main()", "demo"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # the demo has started
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.decode() == "decree8: interrupted\n"


def test_deploy_refuses_an_existing_out_before_sending_anything(tmp_path: Path) -> None:
    out = tmp_path / "manifest.json"
    out.write_text("mine")
    args = ["deploy", "holder-registry", "--param", "operator_registration=HTP-1"]
    args += ["--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "already exists; pass --force to replace it" in result.stderr
    assert "deployed" not in result.stdout and out.read_text() == "mine"


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_out_that_is_not_a_regular_file_is_refused_even_with_force(
    tmp_path: Path, kind: str
) -> None:
    target = tmp_path / "out.json"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    if kind == "symlink":
        target.symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    args = [
        "deploy",
        "holder-registry",
        "--param",
        "operator_registration=HTP-1",
        "--out",
        str(target),
        "--force",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    expected = "is a directory" if kind == "folder" else "give the path of a regular file"
    assert expected in result.stderr
    assert victim.read_text() == "keep"
    assert result.stderr.count("\n") == 1
