// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CompliantToken} from "../token/CompliantToken.sol";

/**
 * @title AdminLegalOrderToken
 * @notice Test-only child of {CompliantToken} with the shape of the templates before issue 12: the admin
 * administers `LEGAL_ORDER_ROLE`, so it can hand the power of legal orders to an account of its choice. The
 * checker's LEGAL-ORDER findings about role grants and legal orders run against it.
 */
contract AdminLegalOrderToken is CompliantToken {
    constructor(
        string memory name_,
        string memory symbol_,
        uint256 cap_,
        bytes32 issuerRegistration_,
        address registry_,
        bytes32 termsHash_,
        string memory termsUri_,
        address admin,
        address placementAgent,
        address legalOrderAuthority,
        address oversight
    )
        CompliantToken(
            name_,
            symbol_,
            cap_,
            issuerRegistration_,
            registry_,
            termsHash_,
            termsUri_,
            admin,
            placementAgent,
            legalOrderAuthority,
            oversight
        )
    {
        _setRoleAdmin(LEGAL_ORDER_ROLE, DEFAULT_ADMIN_ROLE);
    }
}
