"""A hypothesis state machine over the holder registry and the compliant token, checked step by
step against a Python model of both (used by test_token_machine.py and by
bench/bench_token_machine.py).

Rules: attest, revoke, block/unblock, accept terms, amend terms, approve, issue, transfer,
transferWithPurpose, transferFrom (with or without a purpose), freeze/unfreeze, freezeAmount,
unfreezeAmount, forcedTransfer, pause/unpause, the legal-order roles (the admin trying to grant
itself the role, the authority trying to grant it to the admin, the executor renouncing it and the
authority appointing it again: legal orders then fail or pass accordingly), and time passing (short
attestations expire), over
five holders whose registry statuses start random (an ``initialize`` rule). Each rule predicts from
the model what the contract does: success, or the exact custom error and its arguments; the decoded
revert must match. Transfers by the sender itself (and issuance) also ask the ERC-1404 views first:
the detected code must be the model's, the transfer must succeed exactly when it is 0 (and the
sender holds the value), and a restricted transfer must revert with the detected code.

Invariants after every step, on what the chain says: every balance is the model's; the total supply
is the sum of the balances of every account that can hold tokens (the five holders: nothing else
is ever issued or sent anything) and at most the cap; a balance drops below the holder's frozen
amount, or a wholly frozen holder's balance changes, only in a forced transfer; and an address
gains a balance only while it is identified and not blocked (read from the registry).

The chain is deployed once; :func:`machine_for` snapshots it, and every example ends by reverting to
that snapshot and taking a new one (snapshots are single-use). The hot loop stays off web3: calldata
is packed from the ABI here (:class:`Abi`), transactions and reads go through ``Chain.transact`` and
``Chain.call`` (straight to the EVM on revm), and the invariant's reads are one batched call
(multiread.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, ClassVar, cast

from eth_abi import abi as eth_abi
from eth_typing import ABIFunction
from eth_utils import to_checksum_address
from eth_utils.abi import (
    function_abi_to_4byte_selector,
    get_abi_input_types,
    get_abi_output_types,
)
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from multiread import MultiRead, View, answers_creations
from web3 import Web3

from decree8.chain import Chain
from decree8.errors import TransactionReverted
from support import (
    BY,
    CAP,
    CODE,
    ENTITY,
    FLAG_COMPETENCE_PASSED,
    FLAG_MINOR,
    GAS,
    INDIVIDUAL,
    MAX_UINT256,
    NONE,
    OPERATOR,
    PURPOSE_GIFT,
    PURPOSE_INHERITANCE,
    PURPOSE_NONE,
    PURPOSE_OWN_WALLET,
    TOKEN_TERMS_HASH,
    YEAR,
    System,
    Target,
    ref,
)

HOUR = 60 * 60
#: Short attestations last an hour; time passes two hours at a time. An example mines far fewer than
#: 3600 blocks, so no attestation is ever on the boundary the model and the chain could read apart.
SHORT_VALIDITY = HOUR
TIME_STEP = 2 * HOUR
UNIT = 10**18
ZERO = "0x0000000000000000000000000000000000000000"
#: The holders, by their names on :class:`System`.
NAMES = ("alice", "bob", "carol", "exchange", "dave")
ORDER = ref("ORDER-M")
LEGAL_ORDER_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_ROLE"))
AUTHORITY_ROLE = bytes(Web3.keccak(text="LEGAL_ORDER_AUTHORITY_ROLE"))
role_actions = st.sampled_from(
    ("admin grants itself", "authority grants the admin", "reappoint", "reappoint", "renounce")
)
#: Amending the terms stops every transfer until the receivers accept again: at most two amendments
#: an example, so that most steps test something else.
MAX_TERMS_VERSION = 3
BASE_ALLOWANCE = MAX_UINT256

#: Expected outcome of a transaction: None for success, else the custom error's name and arguments.
Outcome = tuple[str, dict[str, Any]] | None

# ── strategies ────────────────────────────────────────────────────────────────────────────────
names = st.sampled_from(NAMES)
holder_types = st.sampled_from((INDIVIDUAL, ENTITY, OPERATOR))
flag_sets = st.sampled_from((FLAG_COMPETENCE_PASSED, 0, FLAG_MINOR | FLAG_COMPETENCE_PASSED))
#: How much of the sender's balance a transfer moves.
transfer_amounts = st.sampled_from(
    ("unit", "half", "available", "available+1", "all", "all+1", "zero")
)
issue_amounts = st.sampled_from(("unit", "big", "room", "room+1", "zero"))
freeze_amounts = st.sampled_from(("unit", "balance", "balance+unit", "zero"))
unfreeze_amounts = st.sampled_from(("unit", "all", "all+1", "zero"))
allowances = st.sampled_from(("unit", "big", "max", "zero"))
#: For the switches that stop transfers (block, freeze, pause): on a third of the time, so that the
#: state is mostly one where transfers can pass, and both error paths still come up.
rarely_true = st.sampled_from((False, True, False))
purposes = st.sampled_from((PURPOSE_GIFT, PURPOSE_INHERITANCE, PURPOSE_OWN_WALLET))
#: A starting status: None keeps the deployment's; else (type, or None to revoke; flags; blocked;
#: accepts the current terms). Weighted towards compliant holders, so that transfers also succeed.
statuses = st.none() | st.tuples(
    st.sampled_from((INDIVIDUAL, ENTITY, OPERATOR, INDIVIDUAL, ENTITY, None)),
    st.sampled_from((FLAG_COMPETENCE_PASSED,) * 3 + (0, FLAG_MINOR | FLAG_COMPETENCE_PASSED)),
    st.sampled_from((False,) * 5 + (True,)),
    st.sampled_from((True, True, False)),
)


@lru_cache(maxsize=64)
def _senders(funded: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Half the time a holder from `funded`, if any (built once per set: strategies are costly)."""
    return st.sampled_from(funded) | names if funded else names


# ── model ─────────────────────────────────────────────────────────────────────────────────────
@dataclass
class HolderModel:
    """What the registry and the token know of one holder."""

    holder_type: int = NONE  # as attested, even if since revoked or expired
    flags: int = 0
    revoked: bool = False
    short: bool = False  # attested for SHORT_VALIDITY only
    expired: bool = False
    blocked: bool = False
    accepted: int = 0  # terms version accepted
    balance: int = 0
    whole_frozen: bool = False
    frozen: int = 0

    @property
    def identified(self) -> bool:
        return self.holder_type != NONE and not self.revoked and not self.expired

    @property
    def eligible(self) -> bool:
        if not self.identified or self.flags & FLAG_MINOR:
            return False
        return self.holder_type != INDIVIDUAL or bool(self.flags & FLAG_COMPETENCE_PASSED)

    @property
    def status_type(self) -> int:
        """The holder type the registry reports (None unless identified)."""
        return self.holder_type if self.identified else NONE

    def available(self) -> int:
        return max(self.balance - self.frozen, 0)


@dataclass
class TokenModel:
    holders: dict[str, HolderModel]
    supply: int
    paused: bool = False
    terms_version: int = 1
    terms_hash: bytes = TOKEN_TERMS_HASH
    allowances: dict[tuple[str, str], int] = field(default_factory=dict)
    legal_role: bool = True  # the legal-order authority also holds LEGAL_ORDER_ROLE

    def copy(self) -> TokenModel:
        """A copy to change (every holder copied: the machine edits them in place)."""
        return replace(
            self,
            holders={n: replace(h) for n, h in self.holders.items()},
            allowances=dict(self.allowances),
        )


def read_model(system: System) -> TokenModel:
    """The model of the deployment as the chain has it now (read once, before the examples)."""
    now = system.chain.timestamp()
    holders = {}
    for name in NAMES:
        addr = getattr(system, name)
        holder_type, _, valid_until, _, flags, revoked = system.view(
            system.registry, "attestationOf", addr
        )
        assert holder_type == NONE or valid_until > now + 30 * 24 * HOUR, name
        holders[name] = HolderModel(
            holder_type=int(holder_type),
            flags=int(flags),
            revoked=bool(revoked),
            blocked=bool(system.view(system.registry, "isBlocked", addr)),
            accepted=int(system.view(system.token, "acceptedTermsVersion", addr)),
            balance=system.balance(addr),
            whole_frozen=bool(system.view(system.token, "isFrozen", addr)),
            frozen=int(system.view(system.token, "frozenBalanceOf", addr)),
        )
    allowed = {}
    for owner in NAMES:
        for spender in NAMES:
            value = int(
                system.view(
                    system.token, "allowance", getattr(system, owner), getattr(system, spender)
                )
            )
            if value:
                allowed[(owner, spender)] = value
    return TokenModel(
        holders=holders,
        supply=int(system.view(system.token, "totalSupply")),
        paused=bool(system.view(system.token, "paused")),
        terms_version=int(system.view(system.token, "termsVersion")),
        terms_hash=bytes(system.view(system.token, "termsHash")),
        allowances=allowed,
    )


def _word_codec(type_: str) -> tuple[Callable[[Any], bytes], Callable[[bytes], Any]] | None:
    """Encoder and decoder of one ABI word for a static elementary type (address, bool, uintN,
    bytesN), or None for any other type (eth_abi handles those). As strict as eth_abi about the
    values these types take."""
    if type_ == "address":

        def enc(value: Any) -> bytes:
            if not (isinstance(value, str) and len(value) == 42 and value[:2] == "0x"):
                raise ValueError(f"not an address: {value!r}")
            return bytes(12) + bytes.fromhex(value[2:])

        return enc, lambda word: to_checksum_address(word[12:])
    if type_ == "bool":

        def dec_bool(word: bytes) -> bool:
            value = int.from_bytes(word, "big")
            if value > 1:
                raise ValueError(f"not a bool: {word.hex()}")
            return value == 1

        return (lambda value: (1 if value else 0).to_bytes(32, "big")), dec_bool
    if type_.startswith("uint"):
        bound = 2 ** int(type_[4:] or 256)

        def enc_uint(value: Any) -> bytes:
            if type(value) is not int or not 0 <= value < bound:
                raise ValueError(f"not a {type_}: {value!r}")
            return value.to_bytes(32, "big")

        def dec_uint(word: bytes) -> int:
            value = int.from_bytes(word, "big")
            if value >= bound:
                raise ValueError(f"not a {type_}: {value}")
            return value

        return enc_uint, dec_uint
    if type_.startswith("bytes") and type_[5:].isdigit():
        size = int(type_[5:])

        def enc_bytes(value: Any) -> bytes:
            if not isinstance(value, bytes) or len(value) > size:
                raise ValueError(f"not a {type_}: {value!r}")
            return bytes(value).ljust(32, b"\0")

        return enc_bytes, lambda word: bytes(word[:size])
    return None


class Abi:
    """Calldata and answers of one deployed contract, from its ABI (selectors and types worked out
    once, static words packed here, anything else by eth_abi): the machine's hot loop does without
    web3's contract objects, whose argument checking and formatting cost more than the EVM run on
    revm."""

    def __init__(self, chain: Chain, contract: Target) -> None:
        self.chain = chain
        self.address = contract.address
        #: function name -> (selector, input types, output types); overloads are not needed here
        self._fns: dict[str, tuple[bytes, list[str], list[str]]] = {}
        #: function name -> the word encoder of each input, when every input is a static word
        self._packers: dict[str, tuple[Callable[[Any], bytes], ...] | None] = {}
        for entry in contract.abi:
            if entry.get("type") != "function":
                continue
            fn = cast(ABIFunction, entry)  # a "function" entry of the ABI
            name = str(fn.get("name"))
            assert name not in self._fns, f"overloaded {name}: not supported"
            inputs = get_abi_input_types(fn)
            self._fns[name] = (
                function_abi_to_4byte_selector(fn),
                inputs,
                get_abi_output_types(fn),
            )
            codecs = [_WORDS.get(t) for t in inputs]
            self._packers[name] = (
                tuple(c[0] for c in codecs if c is not None) if all(codecs) else None
            )

    def data(self, fn: str, args: list[Any] | tuple[Any, ...]) -> bytes:
        selector, types, _ = self._fns[fn]
        if len(args) != len(types):
            raise TypeError(f"{fn} takes {len(types)} arguments, got {len(args)}")
        packers = self._packers[fn]
        if packers is None:
            return selector + eth_abi.encode(types, args)
        return selector + b"".join(pack(a) for pack, a in zip(packers, args, strict=True))

    def tx(self, fn: str, args: list[Any], sender: str) -> dict[str, Any]:
        return {"from": sender, "to": self.address, "data": self.data(fn, args)}

    def view(self, fn: str, *args: Any, words: int = 1) -> View:
        """`fn(*args)` as one view of a :class:`MultiRead`."""
        return View(self.address, self.data(fn, args), words)

    def call(self, fn: str, *args: Any) -> Any:
        """The answer of the view `fn(*args)`: its one output (a tuple for a struct), or the tuple
        of them."""
        raw = self.chain.call({"to": self.address, "data": self.data(fn, args)})
        types = self._fns[fn][2]
        values = tuple(_decode(t, raw, 32 * i) for i, t in enumerate(types))
        return values[0] if len(values) == 1 else values


#: Word codecs of the static types the token and the registry use.
_WORDS = {
    t: codec
    for t in ("address", "bool", "uint8", "uint32", "uint64", "uint256", "bytes2", "bytes32")
    if (codec := _word_codec(t)) is not None
}


def _decode(type_: str, raw: bytes, at: int) -> Any:
    """Output ``type_`` at word offset ``at``; a struct of static words too (``(uint8,bool)``)."""
    codec = _WORDS.get(type_)
    if codec is not None:
        return codec[1](raw[at : at + 32])
    if type_[:1] == "(" and "(" not in type_[1:] and "[" not in type_:
        inner = type_[1:-1].split(",")
        if all(t in _WORDS for t in inner):
            return tuple(_decode(t, raw, at + 32 * i) for i, t in enumerate(inner))
    raise NotImplementedError(f"cannot decode {type_} (not a static word or a struct of them)")


# ── machine ───────────────────────────────────────────────────────────────────────────────────
class TokenMachine(RuleBasedStateMachine):
    """Bound to a deployment by :func:`machine_for`; see the module docstring."""

    system: ClassVar[System]
    base: ClassVar[TokenModel]
    snapshot: ClassVar[list[int]]  # one element: the snapshot every example starts from
    steps: ClassVar[list[int]]  # one element: rules run so far (for the benchmark)
    # Worked out once by machine_for, shared by every example:
    token: ClassVar[Abi]
    registry: ClassVar[Abi]
    addr: ClassVar[dict[str, str]]  # holder name -> address
    name_of: ClassVar[dict[str, str]]  # address -> holder name
    #: balances of every holder, then the total supply
    totals: ClassVar[MultiRead]
    #: per holder: frozen amount and whole-address freeze
    freezes: ClassVar[dict[str, MultiRead]]

    def __init__(self) -> None:
        super().__init__()
        self.m = self.base.copy()
        self.prev = {n: h.balance for n, h in self.m.holders.items()}
        self.whole_before = {n: h.whole_frozen for n, h in self.m.holders.items()}
        self.forced = False

    def teardown(self) -> None:
        chain = self.system.chain
        chain.revert(self.snapshot[0])
        self.snapshot[0] = chain.snapshot()

    # -- plumbing ----------------------------------------------------------------------------
    def _begin(self, forced: bool = False) -> None:
        self.forced = forced
        self.steps[0] += 1

    def _send(
        self, contract: Abi, fn: str, args: list[Any], sender: str, expected: Outcome
    ) -> TransactionReverted | None:
        """Sends contract.fn(*args); asserts the outcome the model expects. Returns the revert."""
        try:
            self.system.chain.transact(contract.tx(fn, args, sender), gas=GAS)
        except TransactionReverted as err:
            got = (err.name, dict(err.args))  # the chain's decoder checksums addresses
            event(f"{fn}: {err.name}" + (f" {err.args['code']}" if "code" in err.args else ""))
            assert expected is not None, f"{fn}{tuple(args)} reverted with {got}; model: success"
            assert got == expected, f"{fn}{tuple(args)} reverted with {got}; model: {expected}"
            return err
        assert expected is None, f"{fn}{tuple(args)} succeeded; model: {expected}"
        event(f"{fn}: ok")
        return None

    def _status(self, addr: str) -> tuple[int, bool, bool, bool]:
        """The registry's (holderType, identified, eligible, blocked) of `addr`."""
        t, identified, eligible, blocked = self.registry.call("statusOf", addr)
        return int(t), bool(identified), bool(eligible), bool(blocked)

    def _check_freeze_state(self, name: str) -> None:
        h = self.m.holders[name]
        assert self.freezes[name].ints() == [h.frozen, int(h.whole_frozen)], name

    def _detect(self, frm: str, to: str, value: int, purpose: int) -> int:
        """The ERC-1404 code the token's view gives (with `purpose` unless PURPOSE_NONE)."""
        if purpose == PURPOSE_NONE:
            return int(self.token.call("detectTransferRestriction", frm, to, value))
        fn = "detectTransferRestrictionWithPurpose"
        return int(self.token.call(fn, frm, to, value, purpose))

    def _sender(self, data: st.DataObject) -> str:
        """A holder to move tokens from: half the time one that has some, if any does."""
        funded = tuple(n for n, h in self.m.holders.items() if h.balance > 0)
        return data.draw(_senders(funded), label="from")

    def _amount(self, name: str, kind: str) -> int:
        h = self.m.holders[name]
        return {
            "unit": UNIT,
            "half": h.balance // 2,
            "available": h.available(),
            "available+1": h.available() + 1,
            "all": h.balance,
            "all+1": h.balance + 1,
            "zero": 0,
        }[kind]

    def _code(self, operator: str, frm: str, to: str, value: int, purpose: int) -> int:
        """The model's ERC-1404 code for moving `value` from `frm` (ZERO: issuance) to `to`, made
        by `operator` with `purpose`: the first failing rule in the contract's documented order."""
        m = self.m
        minting = frm == ZERO
        if m.paused:
            return CODE["OVERSIGHT-PAUSE"]
        if minting and m.supply + value > CAP:
            return CODE["SUPPLY-CAP"]
        r = m.holders[self.name_of[to]]
        s = None if minting else m.holders[self.name_of[frm]]
        if r.blocked or (s is not None and s.blocked):
            return CODE["ILLICIT-ADDRESS"]
        if not r.identified or (s is not None and not s.identified):
            return CODE["HOLDER-IDENTIFIED"]
        if not r.eligible or (s is not None and not s.eligible):
            return CODE["HOLDER-ELIGIBLE"]
        if r.accepted != m.terms_version:
            return CODE["TERMS-ACCEPTED"]
        if r.whole_frozen:
            return CODE["LEGAL-ORDER"]
        if s is not None:
            if s.whole_frozen:
                return CODE["LEGAL-ORDER"]
            if s.frozen and value <= s.balance and value > s.available():
                return CODE["LEGAL-ORDER"]
            if (
                purpose == PURPOSE_NONE
                and frm != to
                and s.status_type == INDIVIDUAL
                and r.status_type == INDIVIDUAL
                and (operator in (frm, to) or not self._compliant_operator(operator))
            ):
                return CODE["P2P-SALE"]
        return 0

    def _compliant_operator(self, addr: str) -> bool:
        h = self.m.holders.get(self.name_of.get(addr, ""))
        return h is not None and h.status_type == OPERATOR and h.eligible and not h.blocked

    def _move_outcome(self, frm: str, to: str, value: int, code: int) -> Outcome:
        if code:
            return ("TransferRestricted", {"code": code, "from": frm, "to": to, "value": value})
        balance = self.m.holders[self.name_of[frm]].balance
        if value > balance:
            return (
                "ERC20InsufficientBalance",
                {"sender": frm, "balance": balance, "needed": value},
            )
        return None

    def _moved(self, frm: str, to: str, value: int) -> None:
        self.m.holders[self.name_of[frm]].balance -= value
        self.m.holders[self.name_of[to]].balance += value

    def _own_transfer(self, frm_name: str, to_name: str, kind: str, purpose: int) -> None:
        """A transfer by the sender itself: the ERC-1404 view first, then the action."""
        frm, to = self.addr[frm_name], self.addr[to_name]
        value = self._amount(frm_name, kind)
        detected = self._detect(frm, to, value, purpose)
        code = self._code(frm, frm, to, value, purpose)
        assert detected == code, f"detected {detected}, model {code}"
        balance = self.m.holders[frm_name].balance
        fn, args = (
            ("transfer", [to, value])
            if purpose == PURPOSE_NONE
            else ("transferWithPurpose", [to, value, purpose])
        )
        err = self._send(self.token, fn, args, frm, self._move_outcome(frm, to, value, code))
        # ERC-1404: success exactly when the view said 0 (for a value the sender holds), and a
        # restricted transfer reverts with the code the view gave.
        assert (err is None) == (detected == 0 and value <= balance)
        if err is not None and detected:
            assert (err.name, err.args["code"]) == ("TransferRestricted", detected)
        if err is None:
            self._moved(frm, to, value)

    # -- initial statuses --------------------------------------------------------------------
    @initialize(start=st.lists(statuses, min_size=len(NAMES), max_size=len(NAMES)))
    def random_statuses(self, start: list[tuple[int | None, int, bool, bool] | None]) -> None:
        for name, status in zip(NAMES, start, strict=True):
            if status is None:
                continue
            holder_type, flags, blocked, accepts = status
            if holder_type is None:
                self.revoke(name)
            else:
                self.attest(name, holder_type, flags, short=False)
            if blocked:
                self.set_blocked(name, on=True)
            if accepts:
                self.accept_terms(name)

    # -- registry ----------------------------------------------------------------------------
    @rule(name=names, holder_type=holder_types, flags=flag_sets, short=st.booleans())
    def attest(self, name: str, holder_type: int, flags: int, short: bool) -> None:
        self._begin()
        s, addr = self.system, self.addr[name]
        valid_until = s.chain.timestamp() + (SHORT_VALIDITY if short else YEAR)
        kyc = bytes(Web3.keccak(text=f"kyc:{name}"))
        args = [addr, holder_type, BY, valid_until, kyc, flags]
        self._send(self.registry, "attest", args, s.operator, None)
        h = self.m.holders[name]
        h.holder_type, h.flags, h.revoked, h.short, h.expired = (
            holder_type,
            flags,
            False,
            short,
            False,
        )

    @rule(name=names)
    def revoke(self, name: str) -> None:
        self._begin()
        h, addr = self.m.holders[name], self.addr[name]
        expected: Outcome = None
        if h.holder_type == NONE or h.revoked:
            expected = ("NotAttested", {"holder": addr})
        s = self.system
        if self._send(self.registry, "revoke", [addr, ref("KYC-WITHDRAWN")], s.operator, expected):
            return
        h.revoked = True

    @rule(name=names, on=rarely_true)
    def set_blocked(self, name: str, on: bool) -> None:
        """Puts `name` on the illicit-address register, or takes it off."""
        self._begin()
        h, addr, s = self.m.holders[name], self.addr[name], self.system
        expected: Outcome = None
        if on and h.blocked:
            expected = ("AlreadyBlocked", {"account": addr})
        elif not on and not h.blocked:
            expected = ("NotBlocked", {"account": addr})
        fn, reference = ("blockAddress", "D48-REG") if on else ("unblockAddress", "D48-OFF")
        if not self._send(self.registry, fn, [addr, ref(reference)], s.operator, expected):
            h.blocked = on

    @rule()
    def time_passes(self) -> None:
        """Two hours pass: every short attestation expires."""
        self._begin()
        self.system.chain.time_travel(TIME_STEP)
        for h in self.m.holders.values():
            if h.short:
                h.expired = True

    # -- terms ---------------------------------------------------------------------------------
    @rule(name=names)
    def accept_terms(self, name: str) -> None:
        self._begin()
        m = self.m
        self._send(
            self.token, "acceptTerms", [m.terms_version, m.terms_hash], self.addr[name], None
        )
        m.holders[name].accepted = m.terms_version

    @precondition(lambda self: self.m.terms_version < MAX_TERMS_VERSION)
    @rule()
    def amend_terms(self) -> None:
        self._begin()
        s, m = self.system, self.m
        version = m.terms_version + 1
        terms_hash = bytes(Web3.keccak(text=f"terms v{version}"))
        self._send(
            self.token, "amendTerms", [terms_hash, f"ipfs://terms-v{version}"], s.admin, None
        )
        m.terms_version, m.terms_hash = version, terms_hash

    # -- ERC-20 --------------------------------------------------------------------------------
    @rule(owner=names, spender=names, kind=allowances)
    def approve(self, owner: str, spender: str, kind: str) -> None:
        self._begin()
        value = {"unit": UNIT, "big": 500 * UNIT, "max": MAX_UINT256, "zero": 0}[kind]
        self._send(self.token, "approve", [self.addr[spender], value], self.addr[owner], None)
        self.m.allowances[(owner, spender)] = value

    @rule(to=names, kind=issue_amounts, by_agent=st.sampled_from((True, True, True, False)))
    def issue(self, to: str, kind: str, by_agent: bool) -> None:
        self._begin()
        s, m, addr = self.system, self.m, self.addr[to]
        room = CAP - m.supply
        value = {"unit": UNIT, "big": 1000 * UNIT, "room": room, "room+1": room + 1, "zero": 0}[
            kind
        ]
        if not by_agent:  # ISSUER-HTP: the admin is privileged, but not the placement agent
            refused: Outcome = (
                "TransferRestricted",
                {"code": CODE["ISSUER-HTP"], "from": ZERO, "to": addr, "value": value},
            )
            self._send(self.token, "issue", [addr, value], s.admin, refused)
            return
        detected = self._detect(ZERO, addr, value, PURPOSE_NONE)
        code = self._code(s.agent, ZERO, addr, value, PURPOSE_NONE)
        assert detected == code, f"detected {detected}, model {code}"
        expected: Outcome = None
        if code:
            expected = (
                "TransferRestricted",
                {"code": code, "from": ZERO, "to": addr, "value": value},
            )
        err = self._send(self.token, "issue", [addr, value], s.agent, expected)
        assert (err is None) == (detected == 0)
        if err is None:
            m.supply += value
            m.holders[to].balance += value

    @rule(data=st.data(), to=names, kind=transfer_amounts)
    def transfer(self, data: st.DataObject, to: str, kind: str) -> None:
        self._begin()
        self._own_transfer(self._sender(data), to, kind, PURPOSE_NONE)

    @rule(data=st.data(), to=names, kind=transfer_amounts, purpose=purposes)
    def transfer_with_purpose(self, data: st.DataObject, to: str, kind: str, purpose: int) -> None:
        self._begin()
        self._own_transfer(self._sender(data), to, kind, purpose)

    @rule(
        spender=names,
        data=st.data(),
        to=names,
        kind=transfer_amounts,
        purpose=st.none() | purposes,
    )
    def transfer_from(
        self, spender: str, data: st.DataObject, to: str, kind: str, purpose: int | None
    ) -> None:
        self._begin()
        frm = self._sender(data)
        m = self.m
        by, src, dst = self.addr[spender], self.addr[frm], self.addr[to]
        value = self._amount(frm, kind)
        allowance = m.allowances.get((frm, spender), 0)
        expected: Outcome
        if allowance < value:
            expected = (
                "ERC20InsufficientAllowance",
                {"spender": by, "allowance": allowance, "needed": value},
            )
        else:
            code = self._code(by, src, dst, value, purpose or PURPOSE_NONE)
            expected = self._move_outcome(src, dst, value, code)
        fn, args = (
            ("transferFrom", [src, dst, value])
            if purpose is None
            else ("transferFromWithPurpose", [src, dst, value, purpose])
        )
        if self._send(self.token, fn, args, by, expected):
            return
        if allowance != MAX_UINT256:
            m.allowances[(frm, spender)] = allowance - value
        self._moved(src, dst, value)

    # -- legal orders ----------------------------------------------------------------------------
    def _gate(self, expected: Outcome) -> Outcome:
        """onlyRole(LEGAL_ORDER_ROLE) comes before every other check of a legal order."""
        if self.m.legal_role:
            return expected
        return (
            "AccessControlUnauthorizedAccount",
            {"account": self.system.legal, "neededRole": LEGAL_ORDER_ROLE},
        )

    @rule(action=role_actions)
    def legal_roles(self, action: str) -> None:
        """Who may execute legal orders: never the admin, and only whom the authority appoints."""
        self._begin()
        s, m = self.system, self.m
        code = CODE["LEGAL-ORDER"]
        if action == "admin grants itself":
            expected: Outcome = (
                "AccessControlUnauthorizedAccount",
                {"account": s.admin, "neededRole": AUTHORITY_ROLE},
            )
            self._send(self.token, "grantRole", [LEGAL_ORDER_ROLE, s.admin], s.admin, expected)
        elif action == "authority grants the admin":
            expected = (
                "RoleRestricted",
                {"code": code, "account": s.admin, "role": LEGAL_ORDER_ROLE},
            )
            self._send(self.token, "grantRole", [LEGAL_ORDER_ROLE, s.admin], s.legal, expected)
        elif action == "reappoint":
            self._send(self.token, "grantRole", [LEGAL_ORDER_ROLE, s.legal], s.legal, None)
            m.legal_role = True
        else:
            self._send(self.token, "renounceRole", [LEGAL_ORDER_ROLE, s.legal], s.legal, None)
            m.legal_role = False
        assert not self.token.call("hasRole", LEGAL_ORDER_ROLE, s.admin)

    @rule(name=names, on=rarely_true)
    def set_frozen(self, name: str, on: bool) -> None:
        """Freezes `name` as a whole, or lifts that freeze."""
        self._begin()
        h, addr, s = self.m.holders[name], self.addr[name], self.system
        expected: Outcome = None
        if on and h.whole_frozen:
            expected = ("AlreadyFrozen", {"holder": addr})
        elif not on and not h.whole_frozen:
            expected = ("NotFrozen", {"holder": addr})
        expected = self._gate(expected)
        if not self._send(
            self.token, "freeze" if on else "unfreeze", [addr, ORDER], s.legal, expected
        ):
            h.whole_frozen = on
        self._check_freeze_state(name)

    @rule(name=names, kind=freeze_amounts)
    def freeze_amount(self, name: str, kind: str) -> None:
        self._begin()
        h, addr, s = self.m.holders[name], self.addr[name], self.system
        amount = {"unit": UNIT, "balance": h.balance, "balance+unit": h.balance + UNIT, "zero": 0}[
            kind
        ]
        expected: Outcome = self._gate(("ZeroAmount", {}) if amount == 0 else None)
        if not self._send(self.token, "freezeAmount", [addr, amount, ORDER], s.legal, expected):
            h.frozen += amount
        self._check_freeze_state(name)

    @rule(name=names, kind=unfreeze_amounts)
    def unfreeze_amount(self, name: str, kind: str) -> None:
        self._begin()
        h, addr, s = self.m.holders[name], self.addr[name], self.system
        amount = {"unit": UNIT, "all": h.frozen, "all+1": h.frozen + 1, "zero": 0}[kind]
        expected: Outcome = None
        if amount == 0:
            expected = ("ZeroAmount", {})
        elif amount > h.frozen:
            expected = (
                "UnfreezeExceedsFrozen",
                {"holder": addr, "frozen": h.frozen, "requested": amount},
            )
        expected = self._gate(expected)
        if not self._send(self.token, "unfreezeAmount", [addr, amount, ORDER], s.legal, expected):
            h.frozen -= amount
        self._check_freeze_state(name)

    @rule(data=st.data(), to=names, kind=transfer_amounts)
    def forced_transfer(self, data: st.DataObject, to: str, kind: str) -> None:
        self._begin(forced=True)
        frm = self._sender(data)
        s, m = self.system, self.m
        src, dst = self.addr[frm], self.addr[to]
        sender, receiver = m.holders[frm], m.holders[to]
        value = self._amount(frm, kind)
        expected: Outcome = None
        if src == dst:
            expected = ("ForcedTransferToSelf", {"holder": src})
        elif receiver.blocked:
            code = CODE["ILLICIT-ADDRESS"]
            expected = (
                "TransferRestricted",
                {"code": code, "from": src, "to": dst, "value": value},
            )
        elif not receiver.identified:
            code = CODE["HOLDER-IDENTIFIED"]
            expected = (
                "TransferRestricted",
                {"code": code, "from": src, "to": dst, "value": value},
            )
        elif value > sender.balance:
            expected = (
                "ERC20InsufficientBalance",
                {"sender": src, "balance": sender.balance, "needed": value},
            )
        args = [src, dst, value, ref("ENFORCEMENT")]
        expected = self._gate(expected)
        if not self._send(self.token, "forcedTransfer", args, s.legal, expected):
            sender.frozen -= max(value - sender.available(), 0)
            self._moved(src, dst, value)
        self._check_freeze_state(frm)

    # -- oversight -------------------------------------------------------------------------------
    @rule(on=rarely_true)
    def set_paused(self, on: bool) -> None:
        """Pauses the token, or unpauses it."""
        self._begin()
        s, m = self.system, self.m
        expected: Outcome = None
        if on and m.paused:
            expected = ("EnforcedPause", {})
        elif not on and not m.paused:
            expected = ("ExpectedPause", {})
        if not self._send(self.token, "pause" if on else "unpause", [], s.oversight, expected):
            m.paused = on

    # -- invariants ------------------------------------------------------------------------------
    @invariant()
    def balances_supply_freezes_and_receivers(self) -> None:
        m = self.m
        *amounts, supply = self.totals.ints()
        balances = dict(zip(NAMES, amounts, strict=True))
        assert balances == {n: h.balance for n, h in m.holders.items()}
        assert supply == m.supply == sum(balances.values())
        assert supply <= CAP
        for name, now in balances.items():
            before = self.prev[name]
            if not self.forced:
                if now < before:  # only what was not frozen was spent
                    frozen = self.freezes[name].ints()[0]
                    assert now >= frozen, (name, now, frozen)
                if self.whole_before[name]:
                    assert now == before, (name, before, now)
            if now > before:  # only an identified, unblocked address gains
                _, identified, _, blocked = self._status(self.addr[name])
                assert identified and not blocked, (name, identified, blocked)
        self.prev = balances
        self.whole_before = {n: h.whole_frozen for n, h in m.holders.items()}


@dataclass(frozen=True)
class BoundMachine:
    """What :func:`machine_for` returns: makes TokenMachines bound to one deployment, for
    ``run_state_machine_as_test`` (which takes anything that returns a machine when called).

    Not the bound class itself: for a class, hypothesis reads and tokenizes its source on every run
    (``inspect.getsource``, to key its example database and seed derandomized runs), about 80 ms for
    this module, a quarter of a ci-sized run on revm. A factory object has no source to read;
    hypothesis keys it by its ``__name__`` (the machine's qualified name), as stable and free."""

    cls: type[TokenMachine]

    @property
    def __name__(self) -> str:
        return f"{self.cls.__module__}.{self.cls.__qualname__}"

    @property
    def steps(self) -> list[int]:
        """``steps[0]``: rules run so far, over every example."""
        return self.cls.steps

    def __call__(self) -> TokenMachine:
        return self.cls()


def machine_for(system: System) -> BoundMachine:
    """TokenMachines bound to `system` (a fresh deployment, which they change): every holder first
    approves every holder (itself too) for BASE_ALLOWANCE, so that transferFrom often gets past the
    allowance check; then the model is read from the chain and a snapshot taken that every example
    starts from. The step counter is ``steps[0]``."""
    for owner in NAMES:
        for spender in NAMES:
            system.tok(
                "approve", getattr(system, spender), BASE_ALLOWANCE, sender=getattr(system, owner)
            )
    base = read_model(system)
    chain = system.chain
    batched = answers_creations(chain)
    token, registry = Abi(chain, system.token), Abi(chain, system.registry)
    addr = {name: getattr(system, name) for name in NAMES}
    totals = MultiRead(
        chain,
        [token.view("balanceOf", a) for a in addr.values()] + [token.view("totalSupply")],
        batched,
    )
    freezes = {
        n: MultiRead(chain, [token.view("frozenBalanceOf", a), token.view("isFrozen", a)], batched)
        for n, a in addr.items()
    }
    bound = type(
        "TokenMachine",
        (TokenMachine,),
        {
            "system": system,
            "base": base,
            "snapshot": [chain.snapshot()],
            "steps": [0],
            "token": token,
            "registry": registry,
            "addr": addr,
            "name_of": {a: n for n, a in addr.items()},
            "totals": totals,
            "freezes": freezes,
        },
    )
    return BoundMachine(bound)
