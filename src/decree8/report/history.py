"""Deprecated home of an audit's timeline: it lives in :mod:`decree8.audit.timeline` (it is built
from the audit's replay; the report package only renders it). Kept so that old imports work for
one release."""

from __future__ import annotations

from decree8.audit import timeline as _timeline
from decree8.audit.timeline import *  # noqa: F403
from decree8.audit.timeline import manifest_names

__all__ = [*_timeline.__all__, "manifest_names"]
