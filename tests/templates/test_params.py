from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils import keccak

from decree8.errors import TemplateError
from decree8.templates import (
    CATALOGUE,
    TOKEN,
    get_template,
    parse_amount,
    parse_reference,
    reference_text,
)

ADMIN = "0x" + "11" * 20


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000", 1000),
        ("1_000", 1000),
        ("1000e18", 1000 * 10**18),
        ("1.5e18", 15 * 10**17),
        ("0", 0),
        (42, 42),
    ],
)
def test_parse_amount_accepts_plain_underscored_and_scientific(text: str, expected: int) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["", "-1", "1.5", "ten", "1e", "0x10", str(2**256)])
def test_parse_amount_rejects_what_is_not_a_whole_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_reference_text_round_trips_and_hex_is_accepted() -> None:
    ref = parse_reference("HTP-2018-0421")
    assert len(ref) == 32 and ref.startswith(b"HTP-2018-0421")
    assert reference_text(ref) == "HTP-2018-0421"
    raw = "0x" + "ab" * 32
    assert parse_reference(raw) == bytes.fromhex("ab" * 32)
    assert reference_text(bytes.fromhex("ab" * 32)) == raw
    with pytest.raises(ValueError):
        parse_reference("x" * 33)


def test_token_params_hash_the_terms_file_and_default_roles_to_the_deployer(tmp_path: Path) -> None:
    terms = tmp_path / "offer.md"
    terms.write_text("# Offer\nTerms of the token.\n")
    deployer = "0x" + "11" * 20
    values = TOKEN.resolve(
        {
            "name": "Minsk Token",
            "symbol": "MNSK",
            "cap": "1000000e18",
            "issuer_registration": "HTP-0421",
            "registry": "0x" + "22" * 20,
            "terms": str(terms),
            "legal_order_authority": "0x" + "33" * 20,
        },
        deployer="0x1111111111111111111111111111111111111111",
    )
    assert values["terms"] == keccak(terms.read_bytes())
    assert values["terms_uri"] == "offer.md"
    assert values["cap"] == 10**24
    assert values["placement_agent"].lower() == deployer
    assert values["admin"].lower() == deployer
    assert values["legal_order_authority"].lower() == "0x" + "33" * 20  # never defaults
    args = TOKEN.constructor_args(values)
    assert args[0] == "Minsk Token" and args[2] == 10**24 and len(args) == len(TOKEN.constructor)


def test_missing_unknown_and_bad_params_name_the_parameter(tmp_path: Path) -> None:
    deployer = "0x" + "11" * 20
    with pytest.raises(TemplateError, match="--param name="):
        TOKEN.resolve({}, deployer=deployer)
    with pytest.raises(TemplateError, match="no parameter 'colour'"):
        TOKEN.resolve({"colour": "red"}, deployer=deployer)
    with pytest.raises(TemplateError, match="--param cap=lots"):
        TOKEN.resolve(
            {
                "name": "T",
                "symbol": "T",
                "cap": "lots",
                "issuer_registration": "HTP",
                "registry": deployer,
                "terms": "0x" + "aa" * 32,
                "terms_uri": "ipfs://x",
            },
            deployer=deployer,
        )
    with pytest.raises(TemplateError, match="does not exist"):
        TOKEN.resolve(
            {
                "name": "T",
                "symbol": "T",
                "cap": "1",
                "issuer_registration": "HTP",
                "registry": deployer,
                "terms": str(tmp_path / "missing.md"),
            },
            deployer=deployer,
        )
    with pytest.raises(TemplateError, match="zero address"):
        TOKEN.resolve(
            {
                "name": "T",
                "symbol": "T",
                "cap": "1",
                "issuer_registration": "HTP",
                "registry": "0x" + "00" * 20,
                "terms": "0x" + "aa" * 32,
                "terms_uri": "ipfs://x",
            },
            deployer=deployer,
        )


def test_catalogue_lookup_by_name_or_contract_and_unknown_lists_the_names() -> None:
    assert get_template("compliant-token") is TOKEN
    assert get_template("CompliantToken") is TOKEN
    with pytest.raises(TemplateError, match="decree8 templates"):
        get_template("nope")
    for t in CATALOGUE.values():
        assert set(t.constructor) <= {p.name for p in t.params}
        assert t.rules and t.roles


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0x1234", "is 2 bytes, not 32"),
        ("0x" + "zz" * 32, "is not valid hex"),
    ],
)
def test_hex_looking_references_must_be_32_bytes_of_hex(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_reference(text)


def test_addresses_with_a_wrong_checksum_are_refused_and_the_right_one_is_named() -> None:
    from decree8.hexutil import parse_address

    good = "0xF2E246BB76DF876Cef8b38ae84130F4F55De395b"
    assert parse_address(good) == good
    assert parse_address(good.lower()) == good
    typo = good[:-1] + "B"
    with pytest.raises(ValueError, match=f"wrong EIP-55 checksum .* expected {good}"):
        parse_address(typo)
    for bad in ("0x1234", "F2E246BB76DF876Cef8b38ae84130F4F55De395b", "0x" + "g" * 40):
        with pytest.raises(ValueError, match="is not an address"):
            parse_address(bad)


def test_bad_hex_in_params_is_one_line_naming_the_parameter(tmp_path: Path) -> None:
    registry = get_template("holder-registry")
    with pytest.raises(TemplateError, match=r"--param operator_registration=0x1234: .*not 32"):
        registry.resolve({"operator_registration": "0x1234"}, deployer=ADMIN)
    typo = "0xF2E246BB76DF876Cef8b38ae84130F4F55De395B"
    with pytest.raises(TemplateError, match="wrong EIP-55 checksum"):
        registry.resolve({"operator_registration": "HTP-1", "operator": typo}, deployer=ADMIN)
