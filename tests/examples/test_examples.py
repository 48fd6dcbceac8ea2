"""The runnable examples in examples/: each runs end to end and does what its docstring says."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from decree8.chain import Chain
from decree8.compile import Build, build_project

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TEMPLATES = ("contracts/registry", "contracts/token", "contracts/escrow")
UNIT = 10**18


def load(name: str) -> ModuleType:
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"decree8_example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build() -> Build:
    return build_project(REPO, sources=TEMPLATES)


@pytest.fixture
def fresh_chain() -> Iterator[Chain]:
    """A chain of the test's own: the examples start from block 0, as when run by hand."""
    with Chain.embedded() as chain:
        yield chain


def test_issue_and_sell_through_a_two_sided_deal(fresh_chain: Chain, build: Build) -> None:
    result = load("issue_and_sell").run(fresh_chain, build, say=False)
    assert result.deal_state == 3  # Completed
    assert (result.carol_tokens, result.bob_tokens) == (900 * UNIT, 100 * UNIT)
    assert result.carol_eth_gain == UNIT // 2
    assert result.escrow_tokens == 0
    assert result.refused_rule == "P2P-SALE"


def test_legal_order_freezes_arrests_and_forces_a_transfer(
    fresh_chain: Chain, build: Build
) -> None:
    result = load("legal_order").run(fresh_chain, build, say=False)
    assert result.refused == {
        "freeze without an order reference": "LEGAL-ORDER",
        "alice gifts 1 token to bob while frozen": "LEGAL-ORDER",
        "bob (not the authority) unfreezes alice": "LEGAL-ORDER",
        "alice gifts 50 tokens (only 40 are free)": "LEGAL-ORDER",
    }
    assert result.enforcer_balance == 60 * UNIT
    assert (result.alice_balance, result.alice_frozen) == (30 * UNIT, 0)
    assert result.events == (
        "AddressFrozen",
        "AddressUnfrozen",
        "TokensFrozen",
        "TokensUnfrozen",
        "ForcedTransfer",
        "TokensUnfrozen",
    )


def test_audit_history_writes_a_markdown_report(
    fresh_chain: Chain, build: Build, tmp_path: Path
) -> None:
    result = load("audit_history").run(fresh_chain, build, tmp_path, say=False)
    assert result.refused_on_chain == 3
    assert [f.rule_id for f in result.report.findings] == ["FUNDS-RETURN"]
    text = result.markdown.read_text()
    assert text.startswith("# decree8 audit")
    assert "FUNDS-RETURN" in text and "P2P-SALE" in text
    for manifest in result.manifests:
        assert manifest.is_file() and manifest.parent == tmp_path


@pytest.mark.parametrize(
    ("name", "args", "expect"),
    [
        ("issue_and_sell", [], "carol holds 900 MDT and withdrew 0.5 ETH; bob holds 100 MDT"),
        ("legal_order", [], "alice 30 (frozen 0), enforcer 60"),
        ("audit_history", ["-o", "{tmp}"], "finding FUNDS-RETURN"),
    ],
)
def test_examples_run_as_scripts(name: str, args: list[str], expect: str, tmp_path: Path) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert expect in done.stdout
