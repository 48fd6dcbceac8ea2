"""The rule pack agrees with LEGAL-BASIS.md and RuleCodes.sol, and behaves as its API promises."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
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
from decree8.rules.pack import day_start

REPO_ROOT = Path(__file__).resolve().parents[2]
LEGAL_BASIS = REPO_ROOT.parent / "shared" / "design" / "LEGAL-BASIS.md"
RULE_CODES = REPO_ROOT / "contracts" / "interfaces" / "RuleCodes.sol"


# -------------------------------------------------------------------------------------------------
# Parsing the sources of truth
# -------------------------------------------------------------------------------------------------


def _table_after(text: str, heading: str) -> list[dict[str, str]]:
    """Body rows of the first Markdown table after ``heading``, each a mapping from the (lower-case)
    column header to the stripped cell."""
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
    names = [name.lower() for name in header]
    assert all(len(row) == len(names) for row in body), heading
    return [dict(zip(names, row, strict=True)) for row in body]


ADDITIONS = "## Additions"


def _paragraph_table(additions: str, marker: str) -> list[dict[str, str]]:
    """The table after the paragraph that starts with ``marker`` (e.g. ``**New rule**``)."""
    return _table_after(additions, marker)


def _fold_additions(
    text: str, rules: list[dict[str, str]], acts: list[dict[str, str]]
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Applies the section "Additions (...)" of LEGAL-BASIS.md to its rule and act tables, as the
    section tells: an "in force from" column, a new rule row, a new act row and changed rows.
    Every change is parsed from the section's own words, so a wording the parser does not know
    fails here instead of passing unapplied."""
    additions = text.split(ADDITIONS, 1)[1]
    rules = [dict(row) for row in rules]
    acts = [dict(row) for row in acts]

    # New rule: "(a row after P2P-SALE, ...)".
    after = re.search(r"\*\*New rule\*\* \(a row after ([A-Z0-9-]+)", additions)
    assert after, "the additions' new rule names no row to follow"
    new_rules = _paragraph_table(additions, "**New rule**")
    at = next(i for i, row in enumerate(rules) if row["id"] == after.group(1)) + 1
    rules[at:at] = new_rules

    # Law in force at the time: the "in force from" column.
    by_id = {row["id"]: row for row in rules}
    covered: set[str] = set()
    for row in _paragraph_table(additions, "**Law in force at the time.**"):
        for rule_id in (part.strip() for part in row["rule"].split(",")):
            assert rule_id in by_id, rule_id
            by_id[rule_id]["in force from"] = row["in force from"]
            by_id[rule_id]["why"] = row["why"]
            covered.add(rule_id)
    assert covered == set(by_id), set(by_id) - covered

    # Changed rows.
    changed = additions.split("**Changed rows.**", 1)[1].split("**New act**", 1)[0]
    bullets = [" ".join(b.split()) for b in re.split(r"\n- ", changed) if b.strip()]
    applied = 0
    for bullet in bullets:
        subject, _, change = bullet.partition(": ")
        replaced = re.match(r'"(.+?)" becomes "(.+?)"; (.+?)\.?$', change)
        if subject in by_id and replaced:
            old, new, more = replaced.groups()
            row = by_id[subject]
            assert old in row["rule"], subject
            row["rule"] = row["rule"].replace(old, new, 1) + f" {more[0].upper()}{more[1:]}."
            applied += 1
            continue
        act = next((a for a in acts if a["act"].startswith(subject)), None)
        assert act is not None, f"the changed row {subject!r} names no rule or act"
        dated = re.match(r'date "(.+?)"; (?:the )?(.+) came into force on ([\d.]+)\.$', change)
        amended = re.match(r"(amended \d{4}) (\(.+?\)): (.+?)\.?$", change)
        if dated:
            act["date"] = dated.group(1)
            named, day = dated.group(2), dated.group(3)
            assert named in act["what matters here"], subject
            act["what matters here"] = act["what matters here"].replace(
                named, f"{named}, in force {day}", 1
            )
        elif amended:
            assert amended.group(1) in act["date"], subject
            act["date"] = act["date"].replace(
                amended.group(1), f"{amended.group(1)} {amended.group(2)}", 1
            )
            what = amended.group(3)
            act["what matters here"] += f" {amended.group(1).capitalize()}: {what}."
        else:
            raise AssertionError(f"unknown change to {subject!r}: {change}")
        applied += 1
    assert applied == len(bullets) == 3, bullets

    # New act: "(a row of the acts table, before the Civil Code)".
    before = re.search(
        r"\*\*New act\*\* \(a row of the acts table, before the ([^)]+)\)", additions
    )
    assert before, "the additions' new act names no row to precede"
    at = next(i for i, row in enumerate(acts) if row["act"].startswith(before.group(1)))
    acts[at:at] = _paragraph_table(additions, "**New act**")
    return rules, acts


def _legal_tables(text: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The rule and act tables of LEGAL-BASIS.md with its additions folded in (a file whose
    tables already hold them, with an "in force from" column and no additions section, is taken
    as it is)."""
    rules = _table_after(text, "## The rules")
    acts = _table_after(text, "## The acts")
    if ADDITIONS in text:
        return _fold_additions(text, rules, acts)
    assert all("in force from" in row for row in rules), "the rule table has no in-force column"
    return rules, acts


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


def test_the_range_reserved_for_projects_matches_rule_codes_sol() -> None:
    from decree8.rules.project import PROJECT_CODES

    text = RULE_CODES.read_text(encoding="utf-8")
    bounds = dict(re.findall(r"constant\s+(PROJECT_MIN|PROJECT_MAX)\s*=\s*(\d+)\s*;", text))
    assert (int(bounds["PROJECT_MIN"]), int(bounds["PROJECT_MAX"])) == (
        PROJECT_CODES.start,
        PROJECT_CODES.stop - 1,
    )


# -------------------------------------------------------------------------------------------------
# Agreement with LEGAL-BASIS.md and RuleCodes.sol
# -------------------------------------------------------------------------------------------------


def test_pack_rules_match_legal_basis_table_in_order(legal_basis: str, pack: RulePack) -> None:
    rows, _ = _legal_tables(legal_basis)
    assert [row["id"] for row in rows] == list(pack.ids)
    for row in rows:
        rule = pack.rule(row["id"])
        assert rule.statement == row["rule"], rule.id
        assert rule.basis == row["basis"], rule.id
        assert rule.confidence == tuple(p.strip() for p in row["confidence"].split("/")), rule.id
        assert rule.enforced_by == row["enforced by"], rule.id
        assert rule.period.text == row["in force from"], rule.id
        if "why" in row:
            assert rule.period.why == row["why"], rule.id


def test_pack_periods_follow_their_wording(legal_basis: str, pack: RulePack) -> None:
    """An approximate day is marked approximate; policy rules apply from deployment; a dated rule
    is in force from the start of its day in Minsk and not the second before."""
    for rule in pack:
        words = rule.period.text
        assert rule.period.approximate == ("about" in words or "unverified" in words), rule.id
        assert rule.period.from_deployment == rule.is_policy == ("deployment" in words), rule.id
        if rule.period.start is not None:
            start = rule.period.start
            assert f"{start:%d.%m.%Y}" in words, rule.id
            first = day_start(start)
            assert (
                first
                == int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
                - 3 * 3600
            )
            assert rule.in_force_at(first) and not rule.in_force_at(first - 1), rule.id
    assert pack.rule("ILLICIT-ADDRESS").period.approximate
    assert pack.act("decree-19").period.approximate
    assert pack.act("decree-48").period.approximate


def test_pack_acts_match_legal_basis_acts_table(legal_basis: str, pack: RulePack) -> None:
    _, rows = _legal_tables(legal_basis)
    assert [(act.name, act.date) for act in pack.acts] == [(r["act"], r["date"]) for r in rows]
    for act, row in zip(pack.acts, rows, strict=True):
        assert act.matters == row["what matters here"].replace("**", ""), act.key


def test_folding_a_future_legal_basis_without_additions(legal_basis: str, pack: RulePack) -> None:
    """A LEGAL-BASIS.md whose tables already hold the additions (an "in force from" column, no
    additions section) is read as it is and gives the same tables as folding the additions."""
    rules, acts = _legal_tables(legal_basis)
    head = legal_basis.split(ADDITIONS, 1)[0]
    rule_lines = [
        "| ID | rule | basis | confidence | in force from | enforced by |",
        "|---|---|---|---|---|---|",
    ]
    rule_lines += [
        f"| {r['id']} | {r['rule']} | {r['basis']} | {r['confidence']} | {r['in force from']} | "
        f"{r['enforced by']} |"
        for r in rules
    ]
    act_lines = ["| act | date | what matters here |", "|---|---|---|"]
    act_lines += [f"| {a['act']} | {a['date']} | {a['what matters here']} |" for a in acts]
    folded = (
        "## The acts\n" + "\n".join(act_lines) + "\n\n## The rules\n" + "\n".join(rule_lines) + "\n"
    )
    assert ADDITIONS not in folded and "## The rules" in head
    again_rules, again_acts = _legal_tables(folded)
    assert again_acts == acts
    assert again_rules == [{k: v for k, v in r.items() if k != "why"} for r in rules]


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
    assert [rule.code for rule in pack] == [1, 2, 3, 4, 5, 6, 7, 14, 8, 9, 10, 11, 12, 13]
    assert pack.ids[0] == "ISSUER-HTP" and pack.ids[-1] == "SUPPLY-CAP"
    assert pack.ids[pack.index("P2P-SALE") + 1] == "FOREIGN-PLATFORM"
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
    uncited = {act.key for act in pack.acts} - {act.key for act in pack.acts_cited()}
    assert uncited == {"decree-19"}  # recorded as an act; the sources state no rule from it yet


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

    from decree8.report.catalog import rules_markdown

    page = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    assert page.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: regenerate it (see its first lines)"
    )
