"""Values the suites share: holder types, flags, purposes, deal states, the rule codes, the
registrations and terms the test deployments are made with, and small value helpers."""

from __future__ import annotations

from typing import Any

from eth_utils import is_address, to_checksum_address

from decree8.errors import TransactionReverted
from decree8.rules import load_pack

GAS = 1_500_000
DAY = 24 * 60 * 60
YEAR = 365 * DAY
ETH = ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO32 = b"\0" * 32
MAX_UINT256 = 2**256 - 1

# IHolderRegistry.HolderType and HolderRegistry flags
NONE, INDIVIDUAL, ENTITY, OPERATOR = 0, 1, 2, 3
FLAG_MINOR, FLAG_COMPETENCE_PASSED = 1, 2
# CompliantToken purposes
PURPOSE_NONE, PURPOSE_GIFT, PURPOSE_INHERITANCE, PURPOSE_OWN_WALLET = 0, 1, 2, 3
# DealEscrow purposes, legs and states
SALE, INVESTMENT, LOAN, OTHER, PAYMENT = 1, 2, 3, 4, 5
LEG_A, LEG_B = 0, 1
OPEN, FUNDED, COMPLETED, REFUNDED, DISPUTED, RESOLVED = range(1, 7)
FINAL_STATES = (COMPLETED, REFUNDED, RESOLVED)

#: ERC-1404 code of every rule, from the rule pack (a rules test keeps it equal to RuleCodes.sol).
CODE: dict[str, int] = {rule.id: rule.code for rule in load_pack()}

BY = b"BY"
OPERATOR_REGISTRATION = b"HTP-OPERATOR-0001".ljust(32, b"\0")
ESCROW_REGISTRATION = b"HTP-ESCROW-0007".ljust(32, b"\0")
ISSUER_REGISTRATION = b"HTP-ISSUER-0042".ljust(32, b"\0")
TOKEN_TERMS_HASH = bytes.fromhex("11" * 32)
TOKEN_TERMS_URI = "ipfs://token-terms-v1"
ESCROW_TERMS_HASH = bytes.fromhex("22" * 32)
ESCROW_TERMS_URI = "ipfs://escrow-terms-v1"
DEAL_TERMS = bytes.fromhex("33" * 32)
CAP = 10**9 * 10**18
ISSUED = 1_000 * 10**18  # what `alice` and `carol` are issued by default
FUNDS = 1_000_000 * 10**18  # what every party holds of each token with `deploy_system(kit=True)`


def ref(text: str) -> bytes:
    """A bytes32 reference (order, register entry, dispute reason) made from a short text."""
    return text.encode().ljust(32, b"\0")


def norm(value: Any) -> Any:
    """Addresses checksummed and bytearrays as bytes, so decoded values compare as written."""
    if isinstance(value, str) and is_address(value):
        return to_checksum_address(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return value


def args_of(err: TransactionReverted) -> dict[str, Any]:
    """The decoded arguments of a revert, normalised (see :func:`norm`)."""
    return {k: norm(v) for k, v in err.args.items()}


def assert_error(err: TransactionReverted, name: str, **args: Any) -> None:
    """The revert is the custom error `name` with exactly `args` (addresses, bytes normalised)."""
    assert err.name == name, err
    assert args_of(err) == {k: norm(v) for k, v in args.items()}, err


def assert_deal_restricted(err: TransactionReverted, rule: str, deal_id: int, party: str) -> None:
    """The revert is the escrow's `DealRestricted` with `rule`'s code for `deal_id`, `party`."""
    assert err.name == "DealRestricted", err
    assert err.args == {"code": CODE[rule], "dealId": deal_id, "party": party}, err
