// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {RuleCodes} from "../interfaces/RuleCodes.sol";

/**
 * @title LegalOrderGovernance
 * @notice Who may execute legal orders on a decree8 contract, and who may not (LEGAL-ORDER, RECORDS).
 *
 * - The contract's admin (`DEFAULT_ADMIN_ROLE`) follows OpenZeppelin's {AccessControlDefaultAdminRules}:
 *   exactly one admin, changed only in two steps (`beginDefaultAdminTransfer`, then
 *   `acceptDefaultAdminTransfer` by the new admin after {INITIAL_ADMIN_DELAY} or the delay in force).
 * - `LEGAL_ORDER_ROLE` is administered by `LEGAL_ORDER_AUTHORITY_ROLE`, which administers itself: the
 *   admin can neither grant nor revoke the power to execute legal orders.
 * - No account holds the admin role together with `LEGAL_ORDER_ROLE` or `LEGAL_ORDER_AUTHORITY_ROLE`: such a
 *   grant (at deployment, by the authority, or by accepting an admin transfer) reverts with
 *   {RoleRestricted} and code LEGAL_ORDER. So the admin cannot make itself the executor of legal orders.
 * - Every grant, revocation and admin change emits OpenZeppelin's `RoleGranted`, `RoleRevoked`,
 *   `RoleAdminChanged` and `DefaultAdminTransfer*` events (RECORDS).
 * - {canExecuteLegalOrders} tells whether any account still holds one of the two legal-order roles; the
 *   escrow uses it to let frozen deals be refunded once nobody can lift their freeze.
 */
abstract contract LegalOrderGovernance is AccessControlDefaultAdminRules {
    /// @notice Role that executes legal orders (LEGAL-ORDER). Administered by `LEGAL_ORDER_AUTHORITY_ROLE`.
    bytes32 public constant LEGAL_ORDER_ROLE = keccak256("LEGAL_ORDER_ROLE");
    /// @notice The legal-order authority: grants and revokes `LEGAL_ORDER_ROLE` and its own role.
    bytes32 public constant LEGAL_ORDER_AUTHORITY_ROLE = keccak256("LEGAL_ORDER_AUTHORITY_ROLE");
    /// @notice Delay between the start and the acceptance of an admin transfer, at deployment.
    uint48 public constant INITIAL_ADMIN_DELAY = 2 days;

    /// @dev Number of accounts holding `LEGAL_ORDER_ROLE`, and holding `LEGAL_ORDER_AUTHORITY_ROLE`.
    uint128 private _legalOrderHolders;
    uint128 private _authorityHolders;

    /// @notice `account` may not be given `role`: it would hold the admin role together with a legal-order
    /// role (`code` is LEGAL_ORDER, see {RuleCodes}).
    error RoleRestricted(uint8 code, address account, bytes32 role);
    /// @notice A role was to be granted to the zero address.
    error ZeroRoleHolder(bytes32 role);

    /// @param admin the one holder of `DEFAULT_ADMIN_ROLE`; non-zero (else `AccessControlInvalidDefaultAdmin`).
    constructor(address admin) AccessControlDefaultAdminRules(INITIAL_ADMIN_DELAY, admin) {
        _setRoleAdmin(LEGAL_ORDER_AUTHORITY_ROLE, LEGAL_ORDER_AUTHORITY_ROLE);
        _setRoleAdmin(LEGAL_ORDER_ROLE, LEGAL_ORDER_AUTHORITY_ROLE);
    }

    /// @notice Whether some account holds `LEGAL_ORDER_ROLE` or `LEGAL_ORDER_AUTHORITY_ROLE`, i.e. whether a
    /// legal order can still be executed (or its executor appointed).
    function canExecuteLegalOrders() public view returns (bool) {
        return _legalOrderHolders != 0 || _authorityHolders != 0;
    }

    /// @dev Appoints the first legal-order authority, which also receives `LEGAL_ORDER_ROLE`: call it once from
    /// the derived constructor. `authority` must be non-zero and not the admin.
    function _appointLegalOrderAuthority(address authority) internal {
        _grantNonZero(LEGAL_ORDER_AUTHORITY_ROLE, authority);
        _grantRole(LEGAL_ORDER_ROLE, authority);
    }

    /// @dev Grants `role` to `account`, refusing the zero address.
    function _grantNonZero(bytes32 role, address account) internal {
        if (account == address(0)) revert ZeroRoleHolder(role);
        _grantRole(role, account);
    }

    /// @dev Refuses to combine the admin role with a legal-order role, and counts legal-order role holders.
    function _grantRole(bytes32 role, address account) internal virtual override returns (bool) {
        bool legal = role == LEGAL_ORDER_ROLE || role == LEGAL_ORDER_AUTHORITY_ROLE;
        if (role == DEFAULT_ADMIN_ROLE) {
            if (hasRole(LEGAL_ORDER_ROLE, account) || hasRole(LEGAL_ORDER_AUTHORITY_ROLE, account)) {
                revert RoleRestricted(RuleCodes.LEGAL_ORDER, account, role);
            }
        } else if (legal && hasRole(DEFAULT_ADMIN_ROLE, account)) {
            revert RoleRestricted(RuleCodes.LEGAL_ORDER, account, role);
        }
        bool granted = super._grantRole(role, account);
        if (granted && legal) {
            if (role == LEGAL_ORDER_ROLE) ++_legalOrderHolders;
            else ++_authorityHolders;
        }
        return granted;
    }

    /// @dev Counts legal-order role holders down.
    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool) {
        bool revoked = super._revokeRole(role, account);
        if (revoked) {
            if (role == LEGAL_ORDER_ROLE) --_legalOrderHolders;
            else if (role == LEGAL_ORDER_AUTHORITY_ROLE) --_authorityHolders;
        }
        return revoked;
    }
}
