"""Fixtures for the report-format tests."""

from __future__ import annotations

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
