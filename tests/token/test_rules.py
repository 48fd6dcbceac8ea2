"""CompliantToken: each rule stops the non-compliant action with its ERC-1404 code (and the ERC-1404
view agrees and names the rule), and lets the compliant action through.

The restrictions of every rule are one table (RESTRICTED); what each order of LEGAL-ORDER does
beyond that has its own module (test_legal_orders.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from web3 import Web3

from decree8.compile import Build
from decree8.deploy import deploy
from decree8.errors import TransactionReverted
from support import (
    CAP,
    CODE,
    DAY,
    ENTITY,
    FLAG_COMPETENCE_PASSED,
    FLAG_MINOR,
    INDIVIDUAL,
    ISSUED,
    ISSUER_REGISTRATION,
    PURPOSE_GIFT,
    PURPOSE_INHERITANCE,
    PURPOSE_NONE,
    PURPOSE_OWN_WALLET,
    TOKEN_TERMS_HASH,
    TOKEN_TERMS_URI,
    System,
    args_of,
    ref,
)

ZERO = "0x" + "00" * 20
V = 10 * 10**18


def moved(system: System, frm: str, to: str, fn: str, *args: object, sender: str) -> None:
    """Sends token.fn(*args); asserts that V tokens moved from `frm` to `to` with one Transfer."""
    before = system.balance(frm), system.balance(to)
    receipt = system.tok(fn, *args, sender=sender)
    assert system.balance(frm) == before[0] - V
    assert system.balance(to) == before[1] + V
    assert system.events(system.token, "Transfer", receipt) == [{"from": frm, "to": to, "value": V}]


# ── every rule's restriction, one table ─────────────────────────────────────────────────────

ORDER = ref("MINJUST-2025-0001")


def _expire(system: System, holder: str) -> None:
    system.attest(holder, INDIVIDUAL, valid_for=DAY)
    system.chain.time_travel(DAY + 1)


#: What a case sets up before the restricted action.
SETUPS: dict[str, Callable[[System], object]] = {
    "nothing": lambda s: None,
    "dave attested, no terms": lambda s: s.attest(s.dave, ENTITY, flags=0),
    "bob blocked": lambda s: s.reg("blockAddress", s.bob, ref("D48-REG-10")),
    "paused": lambda s: s.tok("pause", sender=s.oversight),
    "paused, exchange approved": lambda s: (
        s.tok("approve", s.exchange, V, sender=s.alice),
        s.tok("pause", sender=s.oversight),
    ),
    "alice frozen": lambda s: s.tok("freeze", s.alice, ORDER, sender=s.legal),
    "alice revoked": lambda s: s.reg("revoke", s.alice, ref("KYC-WITHDRAWN")),
    "bob revoked": lambda s: s.reg("revoke", s.bob, ref("KYC-WITHDRAWN")),
    "alice expired": lambda s: _expire(s, s.alice),
    "bob expired": lambda s: _expire(s, s.bob),
}


@dataclass(frozen=True)
class Restricted:
    """`sender` calls token.`fn`(*`args`) after `setup`; the rule stops a transfer of V tokens
    from `frm` to `to`. Party names are resolved on the system; "zero" is the zero address."""

    rule: str
    setup: str
    fn: str
    args: tuple[str | int, ...]
    sender: str
    frm: str
    to: str


RESTRICTED = [
    Restricted("HOLDER-IDENTIFIED", "nothing", "issue", ("dave", V), "agent", "zero", "dave"),
    Restricted("HOLDER-IDENTIFIED", "nothing", "transfer", ("dave", V), "carol", "carol", "dave"),
    Restricted("HOLDER-IDENTIFIED", "bob expired", "transfer", ("bob", V), "carol", "carol", "bob"),
    Restricted("HOLDER-IDENTIFIED", "bob revoked", "transfer", ("bob", V), "carol", "carol", "bob"),
    Restricted("HOLDER-IDENTIFIED", "alice expired", "transfer", ("carol", V), "alice", "alice",
               "carol"),
    Restricted("HOLDER-IDENTIFIED", "alice revoked", "transfer", ("carol", V), "alice", "alice",
               "carol"),
    Restricted("TERMS-ACCEPTED", "dave attested, no terms", "transfer", ("dave", V), "carol",
               "carol", "dave"),
    Restricted("TERMS-ACCEPTED", "dave attested, no terms", "issue", ("dave", V), "agent", "zero",
               "dave"),
    Restricted("ILLICIT-ADDRESS", "bob blocked", "issue", ("bob", V), "agent", "zero", "bob"),
    Restricted("OVERSIGHT-PAUSE", "paused", "transfer", ("carol", V), "alice", "alice", "carol"),
    Restricted("OVERSIGHT-PAUSE", "paused", "issue", ("carol", V), "agent", "zero", "carol"),
    Restricted("OVERSIGHT-PAUSE", "paused, exchange approved", "transferFromWithPurpose",
               ("alice", "bob", V, PURPOSE_GIFT), "exchange", "alice", "bob"),
    Restricted("LEGAL-ORDER", "alice frozen", "transfer", ("carol", V), "alice", "alice", "carol"),
    Restricted("LEGAL-ORDER", "alice frozen", "transfer", ("alice", V), "carol", "carol", "alice"),
    Restricted("LEGAL-ORDER", "alice frozen", "issue", ("alice", V), "agent", "zero", "alice"),
]  # fmt: skip


def _party(system: System, name: str | int) -> str | int:
    if name == "zero":
        return ZERO
    return getattr(system, name) if isinstance(name, str) else name


@pytest.mark.parametrize(
    "case", RESTRICTED, ids=[f"{c.rule}-{c.fn}-{c.setup}-{c.sender}" for c in RESTRICTED]
)
def test_rule_stops_the_action_with_its_code(system: System, case: Restricted) -> None:
    """TransferRestricted with the rule's code and the failing values; the ERC-1404 view agrees
    and its message names the rule (System.assert_restricted)."""
    SETUPS[case.setup](system)
    system.assert_restricted(
        case.rule,
        case.fn,
        *(_party(system, a) for a in case.args),
        sender=str(_party(system, case.sender)),
        frm=str(_party(system, case.frm)),
        to=str(_party(system, case.to)),
        value=V,
        purpose=PURPOSE_GIFT if case.fn.endswith("WithPurpose") else None,
    )


# ── messages ───────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("rule", "code"), list(CODE.items()))
def test_every_rule_code_has_a_message_naming_the_rule(
    system: System, rule: str, code: int
) -> None:
    message = system.message(code)
    assert message.startswith(f"{rule}: ")
    assert len(message) > len(rule) + 10


def test_success_and_unknown_codes_have_messages(system: System) -> None:
    assert system.message(0) == "SUCCESS: no restriction"
    assert system.message(max(CODE.values()) + 1) == "UNKNOWN: unknown restriction code"
    assert system.message(255) == "UNKNOWN: unknown restriction code"


# ── ISSUER-HTP ────────────────────────────────────────────────────────────────────────────────


def test_issuer_registration_is_fixed_at_deployment(system: System) -> None:
    assert system.view(system.token, "issuerRegistration") == ISSUER_REGISTRATION
    assert system.view(system.token, "registry") == system.registry.address
    assert system.view(system.token, "cap") == CAP


@pytest.mark.parametrize(
    ("field", "error"),
    [
        ("cap", "ZeroCap"),
        ("issuerRegistration", "MissingIssuerRegistration"),
        ("registry", "MissingRegistry"),
    ],
)
def test_deployment_needs_cap_issuer_registration_and_registry(
    system: System, build: Build, field: str, error: str
) -> None:
    args = {
        "name": "T",
        "symbol": "T",
        "cap": CAP,
        "issuerRegistration": ISSUER_REGISTRATION,
        "registry": system.registry.address,
        "termsHash": TOKEN_TERMS_HASH,
        "termsUri": TOKEN_TERMS_URI,
        "admin": system.admin,
        "agent": system.agent,
        "legal": system.legal,
        "oversight": system.oversight,
    }
    args[field] = {"cap": 0, "issuerRegistration": b"\0" * 32, "registry": ZERO}[field]
    with pytest.raises(TransactionReverted) as info:
        deploy(
            system.chain,
            build.artifact("CompliantToken"),
            list(args.values()),
            sender=system.admin,
            gas=5_000_000,
        )
    assert info.value.name == error


@pytest.mark.parametrize("caller", ["admin", "operator", "legal", "oversight", "alice", "exchange"])
def test_issue_by_anyone_but_the_placement_agent_is_restricted(system: System, caller: str) -> None:
    system.assert_restricted(
        "ISSUER-HTP",
        "issue",
        system.bob,
        V,
        sender=getattr(system, caller),
        frm=ZERO,
        to=system.bob,
        value=V,
        detect=False,
    )


def test_placement_agent_issues(system: System) -> None:
    supply = system.view(system.token, "totalSupply")
    assert system.detect(ZERO, system.bob, V) == 0
    moved_from_nothing = system.tok("issue", system.bob, V, sender=system.agent)
    assert system.balance(system.bob) == V
    assert system.view(system.token, "totalSupply") == supply + V
    assert system.events(system.token, "Transfer", moved_from_nothing) == [
        {"from": ZERO, "to": system.bob, "value": V}
    ]


# ── SUPPLY-CAP ────────────────────────────────────────────────────────────────────────────────


def test_issuance_beyond_the_cap_is_restricted(system: System) -> None:
    room = CAP - system.view(system.token, "totalSupply")
    system.assert_restricted(
        "SUPPLY-CAP",
        "issue",
        system.bob,
        room + 1,
        sender=system.agent,
        frm=ZERO,
        to=system.bob,
        value=room + 1,
    )


def test_issuance_up_to_the_cap_succeeds(system: System) -> None:
    room = CAP - system.view(system.token, "totalSupply")
    assert system.detect(ZERO, system.bob, room) == 0
    system.tok("issue", system.bob, room, sender=system.agent)
    assert system.view(system.token, "totalSupply") == CAP
    system.assert_restricted(
        "SUPPLY-CAP", "issue", system.bob, 1, sender=system.agent, frm=ZERO, to=system.bob, value=1
    )


# ── TERMS-ACCEPTED ────────────────────────────────────────────────────────────────────────────


def test_receiver_that_accepted_the_terms_receives(system: System) -> None:
    system.attest(system.dave, ENTITY, flags=0)
    receipt = system.accept_terms(system.dave)
    assert system.events(system.token, "TermsAccepted", receipt) == [
        {"party": system.dave, "version": 1, "termsHash": TOKEN_TERMS_HASH}
    ]
    assert system.view(system.token, "acceptedTermsVersion", system.dave) == 1
    assert system.view(system.token, "hasAcceptedCurrentTerms", system.dave)
    assert system.detect(system.carol, system.dave, V) == 0
    moved(system, system.carol, system.dave, "transfer", system.dave, V, sender=system.carol)


@pytest.mark.parametrize("wrong", ["version", "hash"])
def test_acceptance_must_name_the_current_version_and_hash(system: System, wrong: str) -> None:
    version, terms_hash = (2, TOKEN_TERMS_HASH) if wrong == "version" else (1, ref("other"))
    err = system.reverts(system.token, "acceptTerms", version, terms_hash, sender=system.dave)
    if wrong == "version":
        assert (err.name, err.args) == ("TermsVersionNotCurrent", {"current": 1, "given": 2})
    else:
        assert err.name == "TermsHashMismatch"
        assert err.args == {"version": 1, "expected": TOKEN_TERMS_HASH, "given": ref("other")}


# ── TERMS-BOUND ───────────────────────────────────────────────────────────────────────────────


def test_terms_are_bound_at_deployment(system: System) -> None:
    assert system.view(system.token, "termsVersion") == 1
    assert system.view(system.token, "termsHash") == TOKEN_TERMS_HASH
    assert system.view(system.token, "termsUri") == TOKEN_TERMS_URI
    assert system.message(CODE["TERMS-BOUND"]).startswith("TERMS-BOUND: ")


def test_amended_terms_make_earlier_acceptance_stale(system: System) -> None:
    new_hash = bytes(Web3.keccak(text="white paper v2"))
    receipt = system.tok("amendTerms", new_hash, "ipfs://terms-v2", sender=system.admin)
    assert system.events(system.token, "TermsPublished", receipt) == [
        {"version": 2, "termsHash": new_hash, "uri": "ipfs://terms-v2", "by": system.admin}
    ]
    assert system.view(system.token, "termsVersion") == 2
    assert system.view(system.token, "termsHash") == new_hash
    assert tuple(system.view(system.token, "termsOf", 1))[:2] == (TOKEN_TERMS_HASH, TOKEN_TERMS_URI)
    assert system.view(system.token, "acceptedTermsVersion", system.carol) == 1
    assert not system.view(system.token, "hasAcceptedCurrentTerms", system.carol)

    system.assert_restricted(
        "TERMS-ACCEPTED",
        "transfer",
        system.carol,
        V,
        sender=system.alice,
        frm=system.alice,
        to=system.carol,
        value=V,
    )
    err = system.reverts(system.token, "acceptTerms", 1, TOKEN_TERMS_HASH, sender=system.carol)
    assert err.name == "TermsVersionNotCurrent"

    system.tok("acceptTerms", 2, new_hash, sender=system.carol)
    moved(system, system.alice, system.carol, "transfer", system.carol, V, sender=system.alice)


def test_amended_terms_must_have_hash_and_uri(system: System) -> None:
    for terms_hash, uri in ((b"\0" * 32, "ipfs://x"), (ref("h"), "")):
        err = system.reverts(system.token, "amendTerms", terms_hash, uri, sender=system.admin)
        assert err.name == "TermsEmpty"


# ── HOLDER-IDENTIFIED ─────────────────────────────────────────────────────────────────────────


def test_reidentified_holder_transfers_again(system: System) -> None:
    system.reg("revoke", system.alice, ref("KYC-WITHDRAWN"))
    system.attest(system.alice, INDIVIDUAL)
    assert system.detect(system.alice, system.carol, V) == 0
    moved(system, system.alice, system.carol, "transfer", system.carol, V, sender=system.alice)


# ── HOLDER-ELIGIBLE ───────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("why", ["minor", "prohibited-jurisdiction", "no-competence"])
@pytest.mark.parametrize("side", ["receiver", "sender"])
def test_ineligible_party_is_restricted(system: System, why: str, side: str) -> None:
    party = system.bob if side == "receiver" else system.alice
    if why == "minor":
        system.attest(party, INDIVIDUAL, flags=FLAG_COMPETENCE_PASSED | FLAG_MINOR)
    elif why == "no-competence":
        system.attest(party, INDIVIDUAL, flags=0)
    else:
        system.attest(party, INDIVIDUAL, jurisdiction=b"KP")
        system.reg("setJurisdictionProhibited", b"KP", True, ref("FATF-2025"))
    frm, to = (system.carol, party) if side == "receiver" else (party, system.carol)
    system.assert_restricted(
        "HOLDER-ELIGIBLE", "transfer", to, V, sender=frm, frm=frm, to=to, value=V
    )


def test_entity_needs_no_competence_test(system: System) -> None:
    system.attest(system.dave, ENTITY, flags=0)
    system.accept_terms(system.dave)
    moved(system, system.alice, system.dave, "transfer", system.dave, V, sender=system.alice)


# ── ILLICIT-ADDRESS ───────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("side", ["receiver", "sender"])
def test_blocked_party_is_restricted(system: System, side: str) -> None:
    party = system.carol if side == "receiver" else system.alice
    system.reg("blockAddress", party, ref("D48-REG-9"))
    frm, to = (system.alice, party) if side == "receiver" else (party, system.carol)
    system.assert_restricted(
        "ILLICIT-ADDRESS", "transfer", to, V, sender=frm, frm=frm, to=to, value=V
    )


def test_unblocked_party_transfers_again(system: System) -> None:
    system.reg("blockAddress", system.carol, ref("D48-REG-11"))
    system.reg("unblockAddress", system.carol, ref("D48-DELISTED"))
    moved(system, system.alice, system.carol, "transfer", system.carol, V, sender=system.alice)


# ── P2P-SALE ──────────────────────────────────────────────────────────────────────────────────


def test_direct_transfer_between_individuals_without_purpose_is_restricted(system: System) -> None:
    system.assert_restricted(
        "P2P-SALE",
        "transfer",
        system.bob,
        V,
        sender=system.alice,
        frm=system.alice,
        to=system.bob,
        value=V,
    )
    assert system.detect(system.alice, system.bob, V, PURPOSE_NONE) == CODE["P2P-SALE"]


def test_transfer_between_individuals_by_an_individual_spender_is_restricted(
    system: System,
) -> None:
    system.tok("approve", system.bob, V, sender=system.alice)
    system.assert_restricted(
        "P2P-SALE",
        "transferFrom",
        system.alice,
        system.bob,
        V,
        sender=system.bob,
        frm=system.alice,
        to=system.bob,
        value=V,
    )


@pytest.mark.parametrize("purpose", [PURPOSE_GIFT, PURPOSE_INHERITANCE, PURPOSE_OWN_WALLET])
def test_transfer_between_individuals_with_a_non_sale_purpose_succeeds(
    system: System, purpose: int
) -> None:
    assert system.detect(system.alice, system.bob, V, purpose) == 0
    before = system.balance(system.bob)
    receipt = system.tok("transferWithPurpose", system.bob, V, purpose, sender=system.alice)
    assert system.balance(system.bob) == before + V
    assert system.events(system.token, "TransferPurposeStated", receipt) == [
        {"from": system.alice, "to": system.bob, "value": V, "purpose": purpose}
    ]
    # the purpose lasts for that transfer only
    system.assert_restricted(
        "P2P-SALE",
        "transfer",
        system.bob,
        V,
        sender=system.alice,
        frm=system.alice,
        to=system.bob,
        value=V,
    )


def test_transfer_from_with_purpose_between_individuals_succeeds(system: System) -> None:
    system.tok("approve", system.carol, V, sender=system.alice)
    receipt = system.tok(
        "transferFromWithPurpose", system.alice, system.bob, V, PURPOSE_GIFT, sender=system.carol
    )
    assert system.balance(system.bob) == V
    assert system.view(system.token, "allowance", system.alice, system.carol) == 0
    assert system.events(system.token, "TransferPurposeStated", receipt) == [
        {"from": system.alice, "to": system.bob, "value": V, "purpose": PURPOSE_GIFT}
    ]


def test_restriction_view_rejects_an_invalid_purpose_as_the_transfer_does(system: System) -> None:
    for purpose in (4, 255):
        err = system.view_reverts(
            system.token,
            "detectTransferRestrictionWithPurpose",
            system.alice,
            system.bob,
            V,
            purpose,
        )
        assert (err.name, err.args) == ("InvalidPurpose", {"purpose": purpose})
    assert system.detect(system.alice, system.bob, V, PURPOSE_NONE) == CODE["P2P-SALE"]


@pytest.mark.parametrize("purpose", [PURPOSE_NONE, 4, 255])
@pytest.mark.parametrize("fn", ["transferWithPurpose", "transferFromWithPurpose"])
def test_invalid_purpose_is_rejected(system: System, purpose: int, fn: str) -> None:
    system.tok("approve", system.carol, V, sender=system.alice)
    args = (
        (system.bob, V, purpose)
        if fn == "transferWithPurpose"
        else (system.alice, system.bob, V, purpose)
    )
    sender = system.alice if fn == "transferWithPurpose" else system.carol
    err = system.reverts(system.token, fn, *args, sender=sender)
    assert (err.name, err.args) == ("InvalidPurpose", {"purpose": purpose})


def test_operator_spender_may_move_tokens_between_individuals(system: System) -> None:
    system.tok("approve", system.exchange, V, sender=system.alice)
    moved(
        system,
        system.alice,
        system.bob,
        "transferFrom",
        system.alice,
        system.bob,
        V,
        sender=system.exchange,
    )


def test_blocked_or_unidentified_operator_spender_is_no_exemption(system: System) -> None:
    system.tok("approve", system.exchange, 2 * V, sender=system.alice)
    system.reg("blockAddress", system.exchange, ref("D48-REG-12"))
    system.assert_restricted(
        "P2P-SALE",
        "transferFrom",
        system.alice,
        system.bob,
        V,
        sender=system.exchange,
        frm=system.alice,
        to=system.bob,
        value=V,
        detect=False,
    )
    system.reg("unblockAddress", system.exchange, ref("D48-DELISTED"))
    system.reg("revoke", system.exchange, ref("LICENCE-LAPSED"))
    system.assert_restricted(
        "P2P-SALE",
        "transferFrom",
        system.alice,
        system.bob,
        V,
        sender=system.exchange,
        frm=system.alice,
        to=system.bob,
        value=V,
        detect=False,
    )


@pytest.mark.parametrize("counterpart", ["exchange", "carol"])
def test_individual_may_transfer_to_an_operator_or_entity_without_purpose(
    system: System, counterpart: str
) -> None:
    to = getattr(system, counterpart)
    assert system.detect(system.alice, to, V) == 0
    moved(system, system.alice, to, "transfer", to, V, sender=system.alice)


def test_individual_may_receive_from_an_operator_without_purpose(system: System) -> None:
    system.tok("transfer", system.exchange, 2 * V, sender=system.alice)
    moved(system, system.exchange, system.bob, "transfer", system.bob, V, sender=system.exchange)


def test_self_transfer_of_an_individual_is_not_a_sale(system: System) -> None:
    before = system.balance(system.alice)
    system.tok("transfer", system.alice, V, sender=system.alice)
    assert system.balance(system.alice) == before


# ── OVERSIGHT-PAUSE ───────────────────────────────────────────────────────────────────────────


def test_unpause_restores_transfers(system: System) -> None:
    receipt = system.tok("pause", sender=system.oversight)
    assert system.events(system.token, "Paused", receipt) == [{"account": system.oversight}]
    assert system.view(system.token, "paused")
    receipt = system.tok("unpause", sender=system.oversight)
    assert system.events(system.token, "Unpaused", receipt) == [{"account": system.oversight}]
    moved(system, system.alice, system.carol, "transfer", system.carol, V, sender=system.alice)


def test_pause_and_unpause_require_the_opposite_state(system: System) -> None:
    assert system.reverts(system.token, "unpause", sender=system.oversight).name == "ExpectedPause"
    system.tok("pause", sender=system.oversight)
    assert system.reverts(system.token, "pause", sender=system.oversight).name == "EnforcedPause"


# ── precedence: the contract reverts with the first failing rule, the view agrees ─────────────


def test_first_failing_rule_wins_and_the_view_agrees(system: System) -> None:
    """Break the rules for a dave → alice transfer one by one, from last to first; after each
    breach the transfer reverts with the newest (earliest-ranked) rule and the ERC-1404 view
    agrees."""
    system.attest(system.dave, INDIVIDUAL)
    system.accept_terms(system.dave)
    system.tok("transferWithPurpose", system.dave, 3 * V, PURPOSE_GIFT, sender=system.alice)
    ranked = []

    def check(rule: str, frm: str, to: str) -> None:
        system.assert_restricted(rule, "transfer", to, V, sender=frm, frm=frm, to=to, value=V)
        ranked.append(rule)

    check("P2P-SALE", system.dave, system.alice)
    system.tok("freezeAmount", system.dave, 3 * V, ref("ORDER-1"), sender=system.legal)
    check("LEGAL-ORDER", system.dave, system.alice)
    system.tok("amendTerms", ref("v2"), "ipfs://v2", sender=system.admin)
    check("TERMS-ACCEPTED", system.dave, system.alice)
    system.attest(system.dave, INDIVIDUAL, flags=FLAG_MINOR)
    check("HOLDER-ELIGIBLE", system.dave, system.alice)
    system.reg("revoke", system.dave, ref("KYC"))
    check("HOLDER-IDENTIFIED", system.dave, system.alice)
    system.reg("blockAddress", system.dave, ref("D48"))
    check("ILLICIT-ADDRESS", system.dave, system.alice)
    system.tok("pause", sender=system.oversight)
    check("OVERSIGHT-PAUSE", system.dave, system.alice)
    assert [CODE[r] for r in ranked] == [7, 8, 3, 5, 4, 6, 12]


def test_restriction_error_carries_the_failing_values(system: System) -> None:
    err = system.reverts(system.token, "transfer", system.dave, 7, sender=system.alice)
    assert args_of(err) == {
        "code": CODE["HOLDER-IDENTIFIED"],
        "from": system.alice,
        "to": system.dave,
        "value": 7,
    }
    assert system.balance(system.dave) == 0
    assert system.balance(system.alice) == ISSUED
