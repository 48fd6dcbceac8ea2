"""The catalogue of decree8 templates and typed parameters for deploying them."""

from __future__ import annotations

from decree8.templates.catalogue import (
    CATALOGUE,
    ESCROW,
    REGISTRY,
    TOKEN,
    Role,
    Template,
    deploy_template,
    get_template,
    template_for_contract,
)
from decree8.templates.params import Param, hash_file, parse_amount, parse_reference, reference_text

__all__ = [
    "CATALOGUE",
    "ESCROW",
    "REGISTRY",
    "TOKEN",
    "Param",
    "Role",
    "Template",
    "deploy_template",
    "get_template",
    "hash_file",
    "parse_amount",
    "parse_reference",
    "reference_text",
    "template_for_contract",
]
