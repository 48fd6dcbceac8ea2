"""Access control: every privileged escrow function refuses callers without its role and names the
role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from support import ESCROW_TERMS_HASH, ETH, TOKEN_TERMS_HASH, System, assert_error, ref

ORDER = ref("order-1")

#: function -> (role constant, builder of its arguments from the system and a funded deal id)
PRIVILEGED: dict[str, tuple[str, Callable[[System, int], tuple[Any, ...]]]] = {
    "resolve": ("OPERATOR_ROLE", lambda s, d: (d, 5_000, ref("ruling"))),
    "acceptTokenTerms": ("OPERATOR_ROLE", lambda s, d: (s.token.address, 1, TOKEN_TERMS_HASH)),
    "freezeDeal": ("LEGAL_ORDER_ROLE", lambda s, d: (d, ORDER)),
    "unfreezeDeal": ("LEGAL_ORDER_ROLE", lambda s, d: (d, ORDER)),
    "directFunds": ("LEGAL_ORDER_ROLE", lambda s, d: (d, s.enforcer, ORDER)),
    "directCredit": ("LEGAL_ORDER_ROLE", lambda s, d: (s.alice, ETH, s.enforcer, ORDER)),
    "pause": ("OVERSIGHT_ROLE", lambda s, d: ()),
    "unpause": ("OVERSIGHT_ROLE", lambda s, d: ()),
    "amendTerms": ("TERMS_ADMIN_ROLE", lambda s, d: (ESCROW_TERMS_HASH, "ipfs://v2")),
    "grantRole": ("DEFAULT_ADMIN_ROLE", lambda s, d: (ref("X_ROLE"), s.bob)),
}


@pytest.mark.parametrize("fn", sorted(PRIVILEGED))
def test_privileged_function_refuses_every_other_role_and_party(system: System, fn: str) -> None:
    s = system
    role_name, make_args = PRIVILEGED[fn]
    role = s.view(s.escrow, role_name)
    deal_id = s.ready(s.alice, s.bob, ETH, 10**18)
    holders = {s.admin, s.operator, s.legal, s.oversight}
    for caller in sorted(holders | {s.alice, s.bob, s.dave}):
        if s.view(s.escrow, "hasRole", role, caller):
            continue
        err = s.esc_reverts(fn, *make_args(s, deal_id), sender=caller)
        assert_error(err, "AccessControlUnauthorizedAccount", account=caller, neededRole=role)


def test_roles_can_be_granted_and_revoked_by_the_admin_only(system: System) -> None:
    s = system
    role = s.view(s.escrow, "OVERSIGHT_ROLE")
    s.esc("grantRole", role, s.carol, sender=s.admin)
    s.esc("pause", sender=s.carol)
    s.esc("revokeRole", role, s.carol, sender=s.admin)
    assert_error(
        s.esc_reverts("unpause", sender=s.carol),
        "AccessControlUnauthorizedAccount",
        account=s.carol,
        neededRole=role,
    )
    s.esc("unpause", sender=s.oversight)
