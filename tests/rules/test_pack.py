"""The rule pack agrees with LEGAL-BASIS.md and RuleCodes.sol, and behaves as its API promises."""

from __future__ import annotations

import dataclasses
import re
from importlib import resources
from pathlib import Path

import pytest

from decree8.errors import UsageError
from decree8.rules import (
    CONFIDENCE_LEVELS,
    TARGETS,
    Note,
    RulePack,
    confidence_label,
    load_pack,
    parse_pack,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
LEGAL_BASIS = REPO_ROOT.parent / "shared" / "design" / "LEGAL-BASIS.md"
RULE_CODES = REPO_ROOT / "contracts" / "interfaces" / "RuleCodes.sol"


# -------------------------------------------------------------------------------------------------
# Parsing the sources of truth
# -------------------------------------------------------------------------------------------------


def _table_after(text: str, heading: str) -> list[list[str]]:
    """Body rows of the first Markdown table after ``heading``, as lists of stripped cells."""
    section = text.split(heading, 1)[1]
    rows: list[list[str]] = []
    for line in section.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in stripped.strip("|").split("|")]
        rows.append(cells)
    header, separator, *body = rows
    assert all(set(cell) <= {"-", ":"} for cell in separator), separator
    return body


@pytest.fixture(scope="module")
def legal_basis() -> str:
    if not LEGAL_BASIS.is_file():
        pytest.skip(f"{LEGAL_BASIS} is not present (the shared design folder is not checked out)")
    return LEGAL_BASIS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack()


def _solidity_codes() -> dict[str, int]:
    text = RULE_CODES.read_text(encoding="utf-8")
    found = re.findall(r"uint8\s+internal\s+constant\s+([A-Z0-9_]+)\s*=\s*(\d+)\s*;", text)
    # PROJECT_MIN and PROJECT_MAX bound the range reserved for projects (64-127): not rules.
    skipped = {"SUCCESS", "PROJECT_MIN", "PROJECT_MAX"}
    return {name.replace("_", "-"): int(value) for name, value in found if name not in skipped}


# -------------------------------------------------------------------------------------------------
# Agreement with LEGAL-BASIS.md and RuleCodes.sol
# -------------------------------------------------------------------------------------------------


def _rules_rows(legal_basis: str) -> list[list[str]]:
    """The rules table, with the rule of the "New rule" addition (FOREIGN-PLATFORM, "a row after
    P2P-SALE") put in place until LEGAL-BASIS.md moves it into the table itself."""
    rows = _table_after(legal_basis, "## The rules")
    if "**New rule**" in legal_basis:
        ids = [row[0] for row in rows]
        for row in _table_after(legal_basis, "**New rule**"):
            if row[0] not in ids:
                rows.insert(ids.index("P2P-SALE") + 1, row)
                ids = [r[0] for r in rows]
    return rows


def test_pack_rules_match_legal_basis_table_in_order(legal_basis: str, pack: RulePack) -> None:
    rows = _rules_rows(legal_basis)
    assert [row[0] for row in rows] == list(pack.ids)
    for rule_id, _text, basis, confidence, enforced_by in rows:
        rule = pack.rule(rule_id)
        assert rule.basis == basis, rule_id
        assert rule.confidence == tuple(part.strip() for part in confidence.split("/")), rule_id
        assert rule.enforced_by == enforced_by, rule_id


def test_pack_acts_match_legal_basis_acts_table(legal_basis: str, pack: RulePack) -> None:
    rows = _table_after(legal_basis, "## The acts")
    assert [(act.name, act.date) for act in pack.acts] == [(name, date) for name, date, _ in rows]
    for act, (_name, _date, matters) in zip(pack.acts, rows, strict=True):
        assert act.matters == matters.replace("**", ""), act.key


def test_unverified_presumption_is_a_note_not_a_rule(legal_basis: str, pack: RulePack) -> None:
    assert "Unverified: a presumption" in legal_basis
    presumption = next(note for note in pack.notes if note.kind == "presumption")
    assert isinstance(presumption, Note)
    assert presumption.confidence == "unverified"
    assert confidence_label(presumption) == "UNVERIFIED"
    assert "deemed informed" in presumption.text
    assert all("unverified" not in rule.confidence for rule in pack)


def test_codes_match_rule_codes_sol(pack: RulePack) -> None:
    codes = _solidity_codes()
    assert codes == {rule.id: rule.code for rule in pack}
    for rule_id, code in codes.items():
        assert pack.by_code(code).id == rule_id


# -------------------------------------------------------------------------------------------------
# Content of the pack
# -------------------------------------------------------------------------------------------------


def test_pack_is_package_data_and_loaded_once() -> None:
    assert resources.files("decree8.rules").joinpath("pack.toml").is_file()
    assert load_pack() is load_pack()


def test_severity_is_error_for_statute_rules_and_warning_for_policy(pack: RulePack) -> None:
    for rule in pack:
        assert rule.severity == ("warning" if rule.is_policy else "error"), rule.id
    assert {r.id for r in pack if r.is_policy} == {"FUNDS-RETURN", "OVERSIGHT-PAUSE", "SUPPLY-CAP"}


def test_every_rule_is_complete(pack: RulePack) -> None:
    for rule in pack:
        assert rule.title and rule.summary and rule.basis and rule.enforced_by, rule.id
        assert set(rule.applies_to) <= set(TARGETS), rule.id
        assert rule.acts, rule.id
        assert all(pack.act(key) for key in rule.acts)
        for param in rule.parameters:
            assert param.description and param.source, (rule.id, param.name)
            if not param.enabled:
                assert param.value is None and rule.value(param.name) is None


def test_two_tag_confidence_keeps_both_and_defines_weakest(pack: RulePack) -> None:
    terms = pack.rule("TERMS-BOUND")
    assert terms.confidence == ("primary", "secondary")
    assert terms.weakest == "secondary"
    assert confidence_label(terms) == "primary source / secondary source"
    records = pack.rule("RECORDS")
    assert records.confidence == ("secondary", "news")
    assert records.weakest == "news"
    assert confidence_label(records) == "secondary source / news only"


@pytest.mark.parametrize(
    ("tag", "label"),
    [
        ("primary", "primary source"),
        ("secondary", "secondary source"),
        ("news", "news only"),
        ("policy", "policy safeguard (not law)"),
        ("unverified", "UNVERIFIED"),
    ],
)
def test_confidence_label_for_each_tag(tag: str, label: str) -> None:
    assert confidence_label(tag) == label


def test_confidence_label_rejects_unknown_tag() -> None:
    with pytest.raises(UsageError, match="unknown confidence tag 'rumour'"):
        confidence_label("rumour")


def test_policy_rules_are_labelled_not_law(pack: RulePack) -> None:
    assert confidence_label(pack.rule("SUPPLY-CAP")) == "policy safeguard (not law)"


def test_holder_eligible_parameters(pack: RulePack) -> None:
    rule = pack.rule("HOLDER-ELIGIBLE")
    jurisdictions = rule.parameter("prohibited_jurisdictions")
    assert jurisdictions.enabled and jurisdictions.value == ()
    assert jurisdictions.source == "configured by the registry operator"
    cap = rule.parameter("non_qualified_investor_cap")
    assert not cap.enabled and "not pinned down" in cap.source


def test_p2p_sale_and_not_payment_purpose_codes(pack: RulePack) -> None:
    assert dict(pack.rule("P2P-SALE").value("allowed_purposes")) == {
        "gift": 1,
        "inheritance": 2,
        "own_wallet": 3,
    }
    assert pack.rule("NOT-PAYMENT").value("refused_purpose") == 5


def test_loaded_pack_cannot_be_changed(pack: RulePack) -> None:
    rule = pack.rule("P2P-SALE")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.code = 99  # type: ignore[misc]
    with pytest.raises(TypeError):
        rule.value("allowed_purposes")["sale"] = 4


# -------------------------------------------------------------------------------------------------
# Lookups
# -------------------------------------------------------------------------------------------------


def test_iteration_follows_table_order(pack: RulePack) -> None:
    # FOREIGN-PLATFORM (code 14, appended to RuleCodes.sol) follows P2P-SALE in the table.
    assert [rule.code for rule in pack] == [*range(1, 8), 14, *range(8, 14)]
    assert pack.ids[0] == "ISSUER-HTP" and pack.ids[-1] == "SUPPLY-CAP"
    assert len(pack) == 14 and "RECORDS" in pack and "NOPE" not in pack
    assert pack.index("HOLDER-IDENTIFIED") == 3


def test_unknown_rule_id_lists_valid_ids(pack: RulePack) -> None:
    with pytest.raises(UsageError) as info:
        pack.rule("HOLDER-KNOWN")
    message = str(info.value)
    assert "'HOLDER-KNOWN'" in message
    assert all(rule_id in message for rule_id in pack.ids)


def test_by_code_refuses_zero_and_unknown(pack: RulePack) -> None:
    with pytest.raises(UsageError, match="no restriction"):
        pack.by_code(0)
    with pytest.raises(UsageError, match="unknown restriction code 15"):
        pack.by_code(15)


def test_unknown_parameter_lists_valid_names(pack: RulePack) -> None:
    with pytest.raises(UsageError, match="refused_purpose"):
        pack.rule("NOT-PAYMENT").parameter("cap")


def test_bind_pairs_by_id_in_table_order_and_refuses_unknown_ids(pack: RulePack) -> None:
    evaluators = {"SUPPLY-CAP": "cap-check", "ISSUER-HTP": "issuer-check"}
    bound = pack.bind(evaluators)
    assert [(rule.id, value) for rule, value in bound] == [
        ("ISSUER-HTP", "issuer-check"),
        ("SUPPLY-CAP", "cap-check"),
    ]
    with pytest.raises(UsageError, match="unknown rule ID\\(s\\) SUPPLYCAP"):
        pack.bind({"SUPPLYCAP": "x"})


def test_acts_cited_in_acts_table_order(pack: RulePack) -> None:
    cited = pack.acts_cited(["NOT-PAYMENT", "ISSUER-HTP"])
    assert [act.key for act in cited] == ["decree-8", "civil-code-141"]
    assert len(pack.acts_cited()) == len(pack.acts)


# -------------------------------------------------------------------------------------------------
# Validation of a malformed pack
# -------------------------------------------------------------------------------------------------


def _rule_entry(**overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": "X-RULE",
        "code": 1,
        "title": "t",
        "summary": "s",
        "basis": "b",
        "confidence": "primary",
        "severity": "error",
        "enforced_by": "T",
        "applies_to": ["token"],
    }
    entry.update(overrides)
    return entry


def test_parse_pack_refuses_duplicate_codes() -> None:
    with pytest.raises(UsageError, match="code 1 to both X-RULE and Y-RULE"):
        parse_pack({"rules": [_rule_entry(), _rule_entry(id="Y-RULE")]})


def test_parse_pack_refuses_unknown_confidence_tag() -> None:
    with pytest.raises(UsageError, match="unknown confidence rumour"):
        parse_pack({"rules": [_rule_entry(confidence=["primary", "rumour"])]})


def test_parse_pack_refuses_enabled_parameter_without_value() -> None:
    params = {"cap": {"description": "d", "source": "s"}}
    with pytest.raises(UsageError, match="'cap' is enabled but has no 'value'"):
        parse_pack({"rules": [_rule_entry(parameters=params)]})


def test_parse_pack_refuses_unknown_act() -> None:
    with pytest.raises(UsageError, match="cites unknown act"):
        parse_pack({"rules": [_rule_entry(acts=["decree-9"])]})


def test_confidence_levels_cover_every_tag_in_the_pack(pack: RulePack) -> None:
    used = {tag for rule in pack for tag in rule.confidence} | {n.confidence for n in pack.notes}
    assert used == set(CONFIDENCE_LEVELS)


def test_docs_rules_page_is_the_generated_one() -> None:
    """docs/rules.md is generated from the pack: regenerate it when the pack changes."""
    from pathlib import Path

    from decree8.rules.docs import render_rules_markdown

    page = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    assert page.read_text(encoding="utf-8") == render_rules_markdown(), (
        "docs/rules.md is stale: regenerate it (see its first lines)"
    )
