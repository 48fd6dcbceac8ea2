"""verify() on the embedded chain: exact, functional and mismatch; immutables and constructor
arguments against the expected values; the legal facts; bad input."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from verify_helpers import (
    CHANGED_MESSAGE,
    ISSUER_REGISTRATION,
    MESSAGE,
    OPERATOR_REGISTRATION,
    World,
)

from decree8.errors import ManifestError, TemplateError, UsageError
from decree8.templates import parse_amount
from decree8.verify import verify


def test_template_deployment_is_an_exact_match_via_its_manifest(world: World) -> None:
    result = verify(world.chain, world.token.address, manifest=world.token, build=world.build)
    assert result.status == result.code_match == "exact"
    assert result.ok and not result.findings and result.first_difference is None
    assert result.template == "compliant-token" and result.contract == "CompliantToken"
    immutables = {i.name: i for i in result.immutables}
    assert set(immutables) == {"issuerRegistration", "registry", "cap"}
    assert all(i.ok for i in immutables.values())
    assert immutables["issuerRegistration"].found == ISSUER_REGISTRATION
    assert immutables["registry"].found == world.registry.address
    assert immutables["cap"].found == str(parse_amount("1000000e18"))
    args = {a.name: a for a in result.constructor_args}
    assert list(args) == list(world.token.params)[: len(args)]  # template order
    assert all(a.ok for a in args.values()), args
    assert result.tx_hash == world.token.tx_hash
    assert result.verdict_line() == f"EXACT MATCH: compliant-token v1 at {world.token.address}"


def test_exact_match_states_the_legal_facts(world: World) -> None:
    facts = dict(
        verify(world.chain, world.token.address, manifest=world.token, build=world.build).facts
    )
    assert facts["Issuer HTP registration"] == ISSUER_REGISTRATION
    assert facts["Terms hash"] == world.token.terms_hash
    assert facts["Terms URI"] == "ipfs://token-terms"
    assert facts["Terms version"] == "1"
    assert facts["Holder registry"] == world.registry.address
    assert facts["Holder registry code"] == "decree8 holder-registry (exact match)"
    assert facts["Registry operator HTP registration"] == OPERATOR_REGISTRATION
    assert facts["Cap"] == str(parse_amount("1000000e18"))
    assert (facts["Name"], facts["Symbol"]) == ("Decree Token", "DCR")
    deployer = world.token.deployer
    assert facts[f"Role PLACEMENT_AGENT_ROLE of {deployer}"] == "held"


def test_exact_match_via_template_and_params_with_the_creation_tx(world: World) -> None:
    result = verify(
        world.chain,
        world.token.address,
        template="compliant-token",
        params=world.params,
        tx_hash=world.token.tx_hash,
        build=world.build,
    )
    assert result.status == "exact" and result.ok
    # The deployer (from the transaction) fills the role parameters' defaults.
    args = {a.name: a for a in result.constructor_args}
    assert args["admin"].expected == world.token.deployer and args["admin"].ok
    assert all(a.ok for a in result.constructor_args)


def test_partial_params_check_only_what_they_name(world: World) -> None:
    result = verify(
        world.chain,
        world.token.address,
        template="compliant-token",
        params={"cap": "1000000e18"},
        build=world.build,
    )
    assert result.status == "exact" and result.ok
    oks = {i.name: i.ok for i in result.immutables}
    assert oks == {"cap": True, "registry": None, "issuerRegistration": None}
    # no creation transaction given: it is found in the deployment block
    assert any("found by searching the deployment block" in note for note in result.notes)
    args = {a.name: a.ok for a in result.constructor_args}
    assert args["cap"] is True and False not in args.values() and None in args.values()


def test_template_is_recognised_from_the_code(world: World) -> None:
    result = verify(world.chain, world.registry.address, build=world.build)
    assert result.template == "holder-registry" and result.status == "exact"
    assert dict(result.facts)["Operator HTP registration"] == OPERATOR_REGISTRATION


def test_changed_comment_is_a_functional_match_and_says_the_input_changed(world: World) -> None:
    assert world.commented is not None
    result = verify(
        world.chain, world.commented.address, manifest=world.commented, build=world.build
    )
    assert result.code_match == "functional" and result.status == "functional", result.notes
    assert result.ok and result.first_difference is None
    assert result.expected_metadata != result.found_metadata
    assert result.recorded_input_hash != result.build_input_hash
    assert any("input" in note and "differs" in note for note in result.notes)
    assert all(i.ok for i in result.immutables)
    assert result.verdict_line().startswith("FUNCTIONAL MATCH: compliant-token v1 at ")


def test_changed_constant_is_a_mismatch_at_the_changed_byte(world: World) -> None:
    assert world.changed is not None
    result = verify(world.chain, world.changed.address, manifest=world.changed, build=world.build)
    assert result.status == result.code_match == "mismatch" and not result.ok
    diff = result.first_difference
    assert diff is not None
    code = bytes(world.chain.w3.eth.get_code(world.changed.address))
    built = bytes.fromhex(world.build.artifact("CompliantToken").deployed_bytecode)
    # The first difference is the one letter changed in the message ("cap" -> "CAP").
    old, new = MESSAGE.strip('"').encode(), CHANGED_MESSAGE.strip('"').encode()
    letter = next(i for i in range(len(old)) if old[i] != new[i])
    assert code[diff.offset] == new[letter] and built[diff.offset] == old[letter]
    assert code[diff.offset - letter : diff.offset - letter + len(new)] == new
    assert bytes.fromhex(diff.found)[0] == new[letter]
    assert bytes.fromhex(diff.expected)[0] == old[letter]
    assert [f.rule_id for f in result.findings] == ["TERMS-BOUND"]
    assert f"byte {diff.offset}" in result.findings[0].message
    assert f"code differs at byte {diff.offset}" in result.verdict_line()


def test_other_cap_and_registry_name_the_immutables_and_arguments(world: World) -> None:
    result = verify(
        world.chain,
        world.other_args.address,
        template="compliant-token",
        params=world.params,
        tx_hash=world.other_args.tx_hash,
        build=world.build,
    )
    assert result.code_match == "exact"  # the same code, other values in it
    assert result.status == "mismatch" and not result.ok
    wrong = {i.name: i for i in result.immutables if i.ok is False}
    assert set(wrong) == {"cap", "registry"}
    assert wrong["cap"].found == str(parse_amount("5e18"))
    assert wrong["cap"].expected == str(parse_amount("1000000e18"))
    assert wrong["registry"].found == world.registry2.address
    assert wrong["registry"].expected == world.registry.address
    bad_args = {a.name for a in result.constructor_args if a.ok is False}
    assert bad_args == {"cap", "registry"}
    assert {f.rule_id for f in result.findings} == {"SUPPLY-CAP", "HOLDER-IDENTIFIED"}
    assert all(f.source == "verify" for f in result.findings)
    assert "immutables differ: " in result.verdict_line()
    for name in ("cap", "registry"):
        assert name in result.verdict_line()


def test_registry_verified_as_the_token_is_a_mismatch(world: World) -> None:
    result = verify(
        world.chain,
        world.registry.address,
        template="compliant-token",
        params=world.params,
        tx_hash=world.registry.tx_hash,
        build=world.build,
    )
    assert result.status == "mismatch" and result.first_difference is not None
    assert result.immutables == ()
    assert all(a.ok is False for a in result.constructor_args)
    assert "TERMS-BOUND" in {f.rule_id for f in result.findings}


def test_terms_file_is_hashed_and_compared(world: World, tmp_path: Path) -> None:
    same = verify(
        world.chain,
        world.token.address,
        manifest=world.token,
        build=world.build,
        terms_file=world.terms_file,
    )
    assert same.ok and any(c.rule_id == "TERMS-BOUND" and c.passed for c in same.checks)
    other = tmp_path / "other.txt"
    other.write_text("Another white paper.\n", encoding="utf-8")
    different = verify(
        world.chain, world.token.address, manifest=world.token, build=world.build, terms_file=other
    )
    assert different.status == "exact" and not different.ok
    assert [f.rule_id for f in different.findings] == ["TERMS-BOUND"]
    assert "other.txt" in different.findings[0].message
    assert different.verdict_line().endswith(", 1 finding")


def test_no_code_at_the_address_is_bad_input(world: World) -> None:
    empty = world.chain.accounts[5]
    with pytest.raises(UsageError, match="no contract code"):
        verify(world.chain, empty, template="compliant-token", build=world.build)


def test_unknown_template_and_unknown_parameter_are_bad_input(world: World) -> None:
    with pytest.raises(TemplateError, match="unknown template"):
        verify(world.chain, world.token.address, template="nope", build=world.build)
    with pytest.raises(TemplateError, match="no parameter"):
        verify(
            world.chain,
            world.token.address,
            template="compliant-token",
            params={"colour": "red"},
            build=world.build,
        )


def test_manifest_from_another_chain_is_refused(world: World) -> None:
    elsewhere = dataclasses.replace(world.token, chain_id=world.token.chain_id + 1)
    with pytest.raises(ManifestError, match="chain"):
        verify(world.chain, world.token.address, manifest=elsewhere, build=world.build)


def test_tx_that_did_not_create_the_address_is_bad_input(world: World) -> None:
    with pytest.raises(UsageError, match="did not create"):
        verify(
            world.chain,
            world.token.address,
            template="compliant-token",
            tx_hash=world.registry.tx_hash,
            build=world.build,
        )


def test_empty_operator_registration_is_an_issuer_htp_finding(world: World) -> None:
    assert world.unreferenced is not None and world.on_unreferenced is not None
    # Its constructor lacks the template's guard; the runtime code is the template's.
    registry = verify(
        world.chain, world.unreferenced.address, template="holder-registry", build=world.build
    )
    assert registry.code_match == "functional" and not registry.ok
    # its creation transaction is found, so the changed constructor is a finding too
    assert [f.rule_id for f in registry.findings] == ["TERMS-BOUND", "ISSUER-HTP"]
    token = verify(
        world.chain,
        world.on_unreferenced.address,
        manifest=world.on_unreferenced,
        build=world.build,
    )
    assert token.status == "exact" and not token.ok  # the token is fine, its registry is not
    assert [f.rule_id for f in token.findings] == ["ISSUER-HTP"]
    assert "empty HTP registration" in token.findings[0].message
    assert dict(token.facts)["Holder registry code"] == "decree8 holder-registry (functional match)"


def test_changed_constructor_is_a_mismatch_of_the_creation_code(world: World) -> None:
    assert world.unreferenced is not None
    result = verify(
        world.chain,
        world.unreferenced.address,
        template="holder-registry",
        tx_hash=world.unreferenced.tx_hash,
        build=world.build,
    )
    assert result.code_match == "functional" and result.status == "mismatch"
    assert result.creation_match == "mismatch" and result.creation_difference is not None
    assert result.first_difference is None
    assert {f.rule_id for f in result.findings} == {"TERMS-BOUND", "ISSUER-HTP"}
    assert "creation code differs at byte" in result.verdict_line()


def test_creation_code_of_the_template_matches(world: World) -> None:
    result = verify(world.chain, world.token.address, manifest=world.token, build=world.build)
    assert result.creation_match == "exact" and result.creation_difference is None


def test_constructor_only_change_is_found_without_a_creation_tx(world: World) -> None:
    """The registry whose constructor lost its guard has the template's runtime code: without a
    creation transaction given, verify finds it in the deployment block and compares the
    constructor."""
    assert world.unreferenced is not None
    result = verify(
        world.chain, world.unreferenced.address, template="holder-registry", build=world.build
    )
    assert result.code_match == "functional" and result.status == "mismatch"
    assert result.creation_match == "mismatch" and result.tx_hash == world.unreferenced.tx_hash
    assert any("found by searching the deployment block" in note for note in result.notes)
    assert not any(note.startswith("only the metadata hash differs") for note in result.notes)
    assert any("creation code (the constructor) differs" in note for note in result.notes)


def test_arguments_are_decoded_from_the_end_of_a_changed_creation_code(world: World) -> None:
    assert world.unreferenced is not None
    admin = world.chain.accounts[0]
    result = verify(
        world.chain,
        world.unreferenced.address,
        template="holder-registry",
        tx_hash=world.unreferenced.tx_hash,
        params={"admin": admin, "operator": admin},
        build=world.build,
    )
    assert result.creation_match == "mismatch"
    args = {a.name: a for a in result.constructor_args}
    assert all(a.found is not None for a in args.values()), result.constructor_args
    assert all(a.ok is not False for a in args.values()), result.constructor_args
    assert not any("not decoded" in note for note in result.notes)


def test_decoding_arguments_at_the_end_of_any_creation_code() -> None:
    from eth_abi import abi as eth_abi

    from decree8.verify.onchain import constructor_args_at_end

    types = ["string", "bytes32", "address", "uint256"]
    values = ("Decree Token", b"\x01" * 32, "0x" + "ab" * 20, 10**24)
    encoded = eth_abi.encode(types, values)
    for code in (b"", b"\x60\x80" * 7, bytes(range(256)) * 3 + b"\x20"):
        found = constructor_args_at_end(code + encoded, types)
        assert found is not None and found[0] == "Decree Token" and found[3] == 10**24
    assert constructor_args_at_end(b"\x00" * 40, types) is None
    static = eth_abi.encode(["uint256", "address"], (7, "0x" + "cd" * 20))
    found = constructor_args_at_end(b"\x61\x02" + static, ["uint256", "address"])
    assert found is not None and found[0] == 7


def test_a_note_says_when_the_creation_code_was_not_compared(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by searching when the node keeps past state; when it cannot be found (simulated: a
    node without past state), the verdict and a note say what is left unproven."""
    import importlib

    module = importlib.import_module("decree8.verify.verify")  # the module, not the function

    tx, why = module.find_creation(world.chain, world.token.address)
    assert tx == world.token.tx_hash and why == ""
    found = verify(world.chain, world.token.address, template="compliant-token", build=world.build)
    assert found.creation_match == "exact" and found.status == "exact"

    unfound = "this node keeps no past state to search for the deployment block"
    monkeypatch.setattr(module, "find_creation", lambda chain, address: (None, unfound))
    result = verify(world.chain, world.token.address, template="compliant-token", build=world.build)
    assert result.creation_match is None and result.status == "exact"
    assert result.verdict_line().endswith(
        "creation code not compared (the constructor is unproven)"
    )
    note = next(n for n in result.notes if n.startswith("creation code NOT compared"))
    assert unfound in note and "unproven" in note and "--tx" in note


def test_a_cryptobank_register_entry_is_shown_with_decree_19_and_not_enforced() -> None:
    """Decree No. 19: a registry that records its operator's cryptobank-register entry has it
    shown as a fact; an empty entry is "none recorded", and neither is a finding."""
    import importlib

    module = importlib.import_module("decree8.verify.facts")
    entry = b"NB-CB-0007".ljust(32, b"\0")
    views = {
        "cryptobankRegistration": module._View("bytes32", entry, entry),
        "operatorRegistration": module._View("bytes32", bytes(32), bytes(32)),
    }
    ((label, value),) = module._cryptobank_facts(views, "Operator")
    assert label.startswith("Operator cryptobank-register entry (Decree No. 19")
    assert "exact day unverified" in label and value == "NB-CB-0007"
    empty = {"cryptobankRegistration": module._View("bytes32", bytes(32), bytes(32))}
    assert module._cryptobank_facts(empty, "Operator")[0][1] == "none recorded"
