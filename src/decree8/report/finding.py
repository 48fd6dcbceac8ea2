"""Deprecated home of the result types: they live in :mod:`decree8.rules.finding` (``Finding``)
and :mod:`decree8.result` (``Report``, ``Check``). Kept so that old imports work for one release;
new code imports from there (or from :mod:`decree8.report`, which re-exports them)."""

from __future__ import annotations

from decree8.result import Check, Report
from decree8.rules.finding import SOURCES, Finding, iso_utc, jsonable

__all__ = ["SOURCES", "Check", "Finding", "Report", "iso_utc", "jsonable"]
