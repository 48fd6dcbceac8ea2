"""A project's own rules (codes 64-127) declared in its rule file."""

from __future__ import annotations

from pathlib import Path

import pytest

from decree8.errors import UsageError
from decree8.rules import load_pack
from decree8.rules.project import is_project_rule, load_project_rules, with_project_rules

GOOD = """
[[rule]]
id = "MAX-BALANCE"
code = 64
title = "Maximum balance per holder"
summary = "No holder may hold more than the maximum balance stated in the white paper."
basis = "Minsk Token white paper, section 4.2"
confidence = "policy"

[[rule]]
id = "LOCK-UP"
code = 65
title = "Lock-up of founders' tokens"
summary = "Founders may not transfer before the lock-up ends."
basis = "shareholders' agreement of 01.02.2026"
confidence = ["secondary"]
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_project_rules_load_and_join_the_pack(tmp_path: Path) -> None:
    rules = load_project_rules(_file(tmp_path, GOOD))
    assert [(r.id, r.code, r.severity) for r in rules] == [
        ("MAX-BALANCE", 64, "warning"),
        ("LOCK-UP", 65, "error"),
    ]
    assert all(is_project_rule(r) for r in rules)
    pack = with_project_rules(load_pack(), rules)
    assert pack.by_code(64).title == "Maximum balance per holder"
    assert pack.rule("LOCK-UP").basis == "shareholders' agreement of 01.02.2026"
    assert not any(is_project_rule(r) for r in load_pack())


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("code = 64", "code = 12"), "code 12 is outside the range reserved for projects (64-127)"),
        (("code = 64", "code = 128"), "outside the range reserved for projects"),
        (("code = 65", "code = 64"), "rules MAX-BALANCE and LOCK-UP both use code 64"),
        (('id = "LOCK-UP"', 'id = "MAX-BALANCE"'), "rule MAX-BALANCE is declared twice"),
        (('id = "MAX-BALANCE"', 'id = "P2P-SALE"'), "is one of decree8's rules"),
        (('confidence = "policy"', 'confidence = "vibes"'), "confidence 'vibes' is not one of"),
        (('confidence = "policy"', 'confidence = "unverified"'), "unverified claim is not a rule"),
        (('basis = "Minsk', 'colour = "red"\nbasis = "Minsk'), "unknown key 'colour'"),
        (("code = 64\n", ""), "needs 'code'"),
    ],
)
def test_bad_project_rules_are_one_line_naming_file_and_rule(
    tmp_path: Path, change: tuple[str, str], words: str
) -> None:
    path = _file(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(UsageError) as caught:
        load_project_rules(path)
    message = str(caught.value)
    assert words in message and str(path) in message and "\n" not in message


def test_missing_or_broken_rule_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_project_rules(tmp_path / "nope.toml")
    with pytest.raises(UsageError, match="is not valid TOML"):
        load_project_rules(_file(tmp_path, "[[rule]\n"))
    with pytest.raises(UsageError, match=r"declare each rule as a \[\[rule\]\] table"):
        load_project_rules(_file(tmp_path, 'rules = "x"\n'))


def test_activated_project_rules_are_part_of_the_pack_in_force(tmp_path: Path) -> None:
    from decree8.rules.project import activate_project_rules

    builtin = load_pack()
    try:
        activate_project_rules(_file(tmp_path, GOOD + 'in_force_from = "01.03.2026"\n'))
        pack = load_pack()
        assert pack is load_pack() and pack is not builtin
        assert pack.by_code(65).id == "LOCK-UP"
        lock_up = pack.rule("LOCK-UP")
        assert not lock_up.in_force_at(1_767_000_000) and lock_up.in_force_at(1_800_000_000)
        assert pack.rule("MAX-BALANCE").period.from_deployment
    finally:
        activate_project_rules(None)
    assert load_pack() is builtin
