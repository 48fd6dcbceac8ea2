"""The rule pack: decree8's legal rules as data (IDs, codes, basis, confidence, parameters).

Evaluators (functions that check a decoded transaction against chain state) live apart from the
data and are paired with rules by ID through :meth:`RulePack.bind`.
"""

from __future__ import annotations

from decree8.rules.pack import (
    CONFIDENCE_LABELS,
    CONFIDENCE_LEVELS,
    SEVERITIES,
    TARGETS,
    Act,
    Note,
    Parameter,
    Rule,
    RulePack,
    builtin_pack,
    confidence_label,
    parse_pack,
)
from decree8.rules.project import load_pack

__all__ = [
    "CONFIDENCE_LABELS",
    "CONFIDENCE_LEVELS",
    "SEVERITIES",
    "TARGETS",
    "Act",
    "Note",
    "Parameter",
    "Rule",
    "RulePack",
    "confidence_label",
    "builtin_pack",
    "load_pack",
    "parse_pack",
]
