"""Fixtures for the report-format tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from report_samples import make_empty_report, make_sample_report

from decree8.report import Report


@pytest.fixture
def sample_report() -> Report:
    """Three findings under two rules (a statute rule and a policy rule), out of pack order."""
    return make_sample_report()


@pytest.fixture
def empty_report() -> Report:
    return make_empty_report()


# -- real audits for the evidence (HTML, signed) tests ------------------------------------------


@pytest.fixture(scope="session")
def evidence_build() -> Any:
    """The templates, the demo's UnrecordedToken and the audit mocks, compiled once."""
    from evidence_helpers import evidence_build

    return evidence_build()


@pytest.fixture(scope="session")
def demo(evidence_build: Any) -> Iterator[Any]:
    """examples/demo.toml run on an embedded chain and audited (the chain stays open)."""
    from evidence_helpers import demo_audit

    run = demo_audit(evidence_build)
    yield run
    run.chain.close()


#: Transactions of the generated history the browser tests open (the bench uses 10,000).
GENERATED_TRANSACTIONS = 3_000


@pytest.fixture(scope="session")
def generated(evidence_build: Any) -> Any:
    """A generated history of GENERATED_TRANSACTIONS transactions on the revm chain, audited."""
    from evidence_helpers import generated_audit

    return generated_audit(GENERATED_TRANSACTIONS, evidence_build)
