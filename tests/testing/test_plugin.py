"""The plugin's command-line options, in a pytest run of its own (subprocess): the in-process chain
is chosen with --decree8-chain, a node with --decree8-rpc, and the fixtures revert every test."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

INNER = """
import os
from decree8.testing import Accounts


def test_chain_kind(decree8_chain):
    assert type(decree8_chain).__name__ == os.environ["EXPECT_CHAIN"]


def test_first_changes_the_chain(decree8_factory, decree8_chain):
    decree8_factory.token(parties=["alice"], issue={"alice": 5})
    assert decree8_chain.block_number > 0


def test_second_sees_none_of_it(decree8_token, decree8_accounts: Accounts):
    assert decree8_token.call("balanceOf", decree8_accounts.alice) == 0
    assert decree8_token.call("totalSupply") == 0
"""


def plugin_args() -> list[str]:
    """``-p decree8.testing.plugin`` unless the installed entry point already loads it."""
    installed = any(ep.value == "decree8.testing.plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "decree8.testing.plugin"]


def run_inner(tmp_path: Path, expect: str, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_inner.py").write_text(INNER)
    env = {**os.environ, "EXPECT_CHAIN": expect}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *plugin_args(),
            *options,
            str(tmp_path / "test_inner.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_fast_chain_by_default_and_each_test_reverted(tmp_path: Path) -> None:
    done = run_inner(tmp_path, "RevmChain")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout


def test_decree8_chain_option_selects_eth_tester(tmp_path: Path) -> None:
    done = run_inner(tmp_path, "EmbeddedChain", "--decree8-chain", "embedded")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout


def test_decree8_chain_option_selects_revm(tmp_path: Path) -> None:
    done = run_inner(tmp_path, "RevmChain", "--decree8-chain", "revm")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout


@pytest.mark.rpc
def test_decree8_rpc_option_runs_on_a_node(tmp_path: Path, decree8_node_url: str) -> None:
    done = run_inner(tmp_path, "RpcChain", "--decree8-rpc", decree8_node_url)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout


def test_options_are_listed_in_help(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin_args(), "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0
    for option in ("--decree8-rpc", "--decree8-chain", "--decree8-root"):
        assert option in done.stdout
