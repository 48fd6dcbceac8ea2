// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {RuleCodes} from "../interfaces/RuleCodes.sol";

// The two legal bases of decree8's contracts: {TermsBound} (terms bound by hash and accepted) and
// {LegalOrderGovernance} (who may execute legal orders). They share this file so that a project scaffolded
// by `decree8 new`, which vendors this file, gets both.

/**
 * @title TermsBound
 * @notice Binds a contract to its legal terms (white paper, public offer): each version has a content
 * hash and a URI. Amending the terms publishes a new version. Each party accepts a version explicitly by
 * its hash, which is recorded and emitted (TERMS-BOUND, TERMS-ACCEPTED; HTP Regulations pt 21).
 *
 * The derived contract decides who may amend by implementing {_authorizeTermsAmendment}. This contract does
 * not rely on any presumption that a party is "deemed informed" of the terms: acceptance is explicit.
 */
abstract contract TermsBound {
    struct TermsVersion {
        bytes32 termsHash;
        string uri;
        uint64 publishedAt;
    }

    uint32 private _currentVersion;
    mapping(uint32 version => TermsVersion) private _versions;
    mapping(address party => uint32 version) private _acceptedVersion;

    /// @notice A new version of the terms was published (version 1 at deployment).
    event TermsPublished(uint32 indexed version, bytes32 indexed termsHash, string uri, address indexed by);
    /// @notice `party` accepted terms `version` whose content hash is `termsHash`.
    event TermsAccepted(address indexed party, uint32 indexed version, bytes32 termsHash);

    /// @notice The terms hash is zero or the URI is empty.
    error TermsEmpty();
    /// @notice The amendment publishes the hash of the current terms again, which would only make every
    /// acceptance stale (and could front-run pending transfers).
    error TermsUnchanged(bytes32 termsHash);
    /// @notice `acceptTerms` named a version that is not the current one.
    error TermsVersionNotCurrent(uint32 current, uint32 given);
    /// @notice `acceptTerms` gave a hash that is not the hash of the current version.
    error TermsHashMismatch(uint32 version, bytes32 expected, bytes32 given);

    constructor(bytes32 termsHash_, string memory termsUri_) {
        _publishTerms(termsHash_, termsUri_);
    }

    /**
     * @notice Publishes a new version of the terms. Earlier acceptances stay on record but no longer
     * count as acceptance of the current version.
     *
     * Requirements: the caller passes {_authorizeTermsAmendment}; `contentHash` non-zero and not the hash of
     * the current version (`TermsUnchanged`); `uri` non-empty.
     *
     * Emits a {TermsPublished} event.
     */
    function amendTerms(bytes32 contentHash, string calldata uri) external {
        _authorizeTermsAmendment();
        if (contentHash == _versions[_currentVersion].termsHash) revert TermsUnchanged(contentHash);
        _publishTerms(contentHash, uri);
    }

    /**
     * @notice Records that the caller accepts terms `version` with content hash `contentHash`.
     *
     * Requirements: `version` is the current version and `contentHash` its hash.
     *
     * Emits a {TermsAccepted} event.
     */
    function acceptTerms(uint32 version, bytes32 contentHash) external {
        uint32 current = _currentVersion;
        if (version != current) revert TermsVersionNotCurrent(current, version);
        bytes32 expected = _versions[current].termsHash;
        if (contentHash != expected) revert TermsHashMismatch(current, expected, contentHash);
        _acceptedVersion[msg.sender] = current;
        emit TermsAccepted(msg.sender, current, contentHash);
    }

    /// @notice The current terms version (1 after deployment).
    function termsVersion() public view returns (uint32) {
        return _currentVersion;
    }

    /// @notice The hash of the current terms.
    function termsHash() public view returns (bytes32) {
        return _versions[_currentVersion].termsHash;
    }

    /// @notice The URI of the current terms.
    function termsUri() public view returns (string memory) {
        return _versions[_currentVersion].uri;
    }

    /// @notice Hash, URI and publication time of terms `version` (zero for an unknown version).
    function termsOf(uint32 version) public view returns (bytes32 termsHash_, string memory uri, uint64 publishedAt) {
        TermsVersion storage t = _versions[version];
        return (t.termsHash, t.uri, t.publishedAt);
    }

    /// @notice The last terms version `party` accepted (0 if none).
    function acceptedTermsVersion(address party) public view returns (uint32) {
        return _acceptedVersion[party];
    }

    /// @notice Whether `party` has accepted the current terms version.
    function hasAcceptedCurrentTerms(address party) public view returns (bool) {
        return _acceptedVersion[party] == _currentVersion;
    }

    /// @dev Reverts unless the caller may amend the terms.
    function _authorizeTermsAmendment() internal view virtual;

    function _publishTerms(bytes32 termsHash_, string memory termsUri_) private {
        if (termsHash_ == bytes32(0) || bytes(termsUri_).length == 0) revert TermsEmpty();
        uint32 version = _currentVersion + 1;
        _currentVersion = version;
        _versions[version] = TermsVersion(termsHash_, termsUri_, uint64(block.timestamp));
        emit TermsPublished(version, termsHash_, termsUri_, msg.sender);
    }
}

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

    /// @dev Refuses to combine the admin role with a legal-order role, and a legal-order role for the zero
    /// address (it would count as a holder that no one can act as), and counts legal-order role holders.
    function _grantRole(bytes32 role, address account) internal virtual override returns (bool) {
        bool legal = role == LEGAL_ORDER_ROLE || role == LEGAL_ORDER_AUTHORITY_ROLE;
        if (legal && account == address(0)) revert ZeroRoleHolder(role);
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
