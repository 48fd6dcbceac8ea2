// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IHolderRegistry} from "../interfaces/IHolderRegistry.sol";

/**
 * @title HolderRegistry
 * @notice The holder registry of one HTP-resident operator: identification attestations
 * (HOLDER-IDENTIFIED), eligibility flags and prohibited jurisdictions (HOLDER-ELIGIBLE) and the
 * illicit-address register (ILLICIT-ADDRESS). Tokens and escrows read it; many can share one registry.
 *
 * What it enforces:
 * - only `REGISTRAR_ROLE` makes, replaces and revokes attestations and restricts jurisdictions;
 * - only `BLOCKLIST_ROLE` adds addresses to and removes them from the illicit-address register, each
 *   time with a non-zero reference to the entry in the official register (Decree No. 48);
 * - an attestation always has a type, a jurisdiction, an expiry in the future and a KYC hash;
 * - every change emits an event from which the whole registry state can be rebuilt (RECORDS).
 *
 * What it does not do: it keeps no personal data (only a hash of the operator's off-chain KYC record),
 * it does not check that the KYC record exists or is correct, and it does not itself stop any transfer:
 * the contracts that read it do.
 */
contract HolderRegistry is IHolderRegistry, AccessControl {
    /// @notice Role that makes, replaces and revokes attestations and restricts jurisdictions.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Role that keeps the illicit-address register.
    bytes32 public constant BLOCKLIST_ROLE = keccak256("BLOCKLIST_ROLE");

    /// @notice Attestation flag: the holder is a minor (never eligible).
    uint32 public constant FLAG_MINOR = 1;
    /// @notice Attestation flag: the holder passed the competence (knowledge) test; required of individuals.
    uint32 public constant FLAG_COMPETENCE_PASSED = 2;

    /// @dev One storage slot per holder with everything a transfer check needs. The `blocked` bit
    /// mirrors `_blockRefs[holder] != 0` so that {statusOf} reads a single slot per holder.
    struct Record {
        HolderType holderType;
        bytes2 jurisdiction;
        uint64 validUntil;
        uint32 flags;
        bool revoked;
        bool blocked;
    }

    bytes32 private immutable _operatorRegistration;
    mapping(address holder => Record) private _records;
    mapping(address holder => bytes32 kycHash) private _kycHashes;
    mapping(bytes2 jurisdiction => bool prohibited) private _prohibited;
    mapping(address account => bytes32 ref) private _blockRefs;

    /// @notice `holder` was attested (or re-attested) by `by`; the record replaces any earlier one.
    event HolderAttested(
        address indexed holder,
        HolderType holderType,
        bytes2 jurisdiction,
        uint64 validUntil,
        bytes32 kycHash,
        uint32 flags,
        address indexed by
    );
    /// @notice The attestation of `holder` was revoked by `by` for `reason`.
    event HolderRevoked(address indexed holder, bytes32 reason, address indexed by);
    /// @notice `jurisdiction` was marked prohibited (or no longer prohibited) by `by`, citing `ref`.
    event JurisdictionRestricted(bytes2 indexed jurisdiction, bool prohibited, bytes32 ref, address indexed by);
    /// @notice `account` was added to the illicit-address register by `by`, citing register entry `ref`.
    event AddressBlocked(address indexed account, bytes32 ref, address indexed by);
    /// @notice `account` was removed from the illicit-address register by `by`, citing `ref`.
    event AddressUnblocked(address indexed account, bytes32 ref, address indexed by);

    /// @notice The operator's HTP registration reference is zero.
    error MissingOperatorRegistration();
    /// @notice The holder or account is the zero address.
    error ZeroHolder();
    /// @notice An attestation must name a holder type other than `None`.
    error HolderTypeNone();
    /// @notice An attestation must expire in the future.
    error ValidUntilNotInFuture(uint64 validUntil, uint256 nowTimestamp);
    /// @notice An attestation must carry the hash of the operator's KYC record.
    error MissingKycHash();
    /// @notice An attestation or restriction must name a jurisdiction.
    error MissingJurisdiction();
    /// @notice `holder` has no unrevoked attestation to revoke.
    error NotAttested(address holder);
    /// @notice A register change must cite a non-zero reference.
    error MissingReference();
    /// @notice `account` is already on the illicit-address register.
    error AlreadyBlocked(address account);
    /// @notice `account` is not on the illicit-address register.
    error NotBlocked(address account);

    /**
     * @param operatorRegistration_ HTP registration reference of the operator running this registry.
     * @param admin receives `DEFAULT_ADMIN_ROLE` (grants and revokes the other roles).
     * @param operator receives `REGISTRAR_ROLE` and `BLOCKLIST_ROLE`.
     */
    constructor(bytes32 operatorRegistration_, address admin, address operator) {
        if (operatorRegistration_ == bytes32(0)) revert MissingOperatorRegistration();
        _operatorRegistration = operatorRegistration_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, operator);
        _grantRole(BLOCKLIST_ROLE, operator);
    }

    // ───────────────────────────── attestations ─────────────────────────────

    /**
     * @notice Makes or replaces the attestation of `holder` (clearing any revocation).
     *
     * Requirements: caller has `REGISTRAR_ROLE`; `holder` non-zero; `holderType` not `None`;
     * `validUntil` after the current block time; `kycHash` and `jurisdiction` non-zero.
     *
     * Emits a {HolderAttested} event.
     */
    function attest(
        address holder,
        HolderType holderType,
        bytes2 jurisdiction,
        uint64 validUntil,
        bytes32 kycHash,
        uint32 flags
    ) external onlyRole(REGISTRAR_ROLE) {
        if (holder == address(0)) revert ZeroHolder();
        if (holderType == HolderType.None) revert HolderTypeNone();
        if (validUntil <= block.timestamp) revert ValidUntilNotInFuture(validUntil, block.timestamp);
        if (kycHash == bytes32(0)) revert MissingKycHash();
        if (jurisdiction == bytes2(0)) revert MissingJurisdiction();
        bool blocked = _records[holder].blocked;
        _records[holder] = Record(holderType, jurisdiction, validUntil, flags, false, blocked);
        _kycHashes[holder] = kycHash;
        emit HolderAttested(holder, holderType, jurisdiction, validUntil, kycHash, flags, msg.sender);
    }

    /**
     * @notice Revokes the attestation of `holder`; it stays on record but no longer identifies.
     *
     * Requirements: caller has `REGISTRAR_ROLE`; `holder` has an unrevoked attestation (expired or not).
     *
     * Emits a {HolderRevoked} event.
     */
    function revoke(address holder, bytes32 reason) external onlyRole(REGISTRAR_ROLE) {
        Record storage record = _records[holder];
        if (record.holderType == HolderType.None || record.revoked) revert NotAttested(holder);
        record.revoked = true;
        emit HolderRevoked(holder, reason, msg.sender);
    }

    /**
     * @notice Marks `jurisdiction` (ISO 3166-1 alpha-2) as prohibiting token operations, or lifts that mark.
     * Holders attested in a prohibited jurisdiction are not eligible.
     *
     * Requirements: caller has `REGISTRAR_ROLE`; `jurisdiction` non-zero.
     *
     * Emits a {JurisdictionRestricted} event.
     */
    function setJurisdictionProhibited(bytes2 jurisdiction, bool prohibited, bytes32 ref)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        if (jurisdiction == bytes2(0)) revert MissingJurisdiction();
        _prohibited[jurisdiction] = prohibited;
        emit JurisdictionRestricted(jurisdiction, prohibited, ref, msg.sender);
    }

    // ─────────────────────────── illicit addresses ───────────────────────────

    /**
     * @notice Adds `account` to the illicit-address register (Decree No. 48).
     *
     * Requirements: caller has `BLOCKLIST_ROLE`; `account` non-zero and not yet blocked; `ref` non-zero.
     *
     * Emits an {AddressBlocked} event.
     */
    function blockAddress(address account, bytes32 ref) external onlyRole(BLOCKLIST_ROLE) {
        if (account == address(0)) revert ZeroHolder();
        if (ref == bytes32(0)) revert MissingReference();
        if (_blockRefs[account] != bytes32(0)) revert AlreadyBlocked(account);
        _blockRefs[account] = ref;
        _records[account].blocked = true;
        emit AddressBlocked(account, ref, msg.sender);
    }

    /**
     * @notice Removes `account` from the illicit-address register.
     *
     * Requirements: caller has `BLOCKLIST_ROLE`; `account` is blocked; `ref` non-zero.
     *
     * Emits an {AddressUnblocked} event.
     */
    function unblockAddress(address account, bytes32 ref) external onlyRole(BLOCKLIST_ROLE) {
        if (ref == bytes32(0)) revert MissingReference();
        if (_blockRefs[account] == bytes32(0)) revert NotBlocked(account);
        delete _blockRefs[account];
        _records[account].blocked = false;
        emit AddressUnblocked(account, ref, msg.sender);
    }

    // ───────────────────────────────── views ─────────────────────────────────

    /// @inheritdoc IHolderRegistry
    function operatorRegistration() external view returns (bytes32) {
        return _operatorRegistration;
    }

    /// @inheritdoc IHolderRegistry
    function isIdentified(address holder) external view returns (bool) {
        return _identified(_records[holder]);
    }

    /// @inheritdoc IHolderRegistry
    function isEligible(address holder) external view returns (bool) {
        Record memory record = _records[holder];
        return _identified(record) && _eligibleIfIdentified(record);
    }

    /// @inheritdoc IHolderRegistry
    function isBlocked(address holder) external view returns (bool) {
        return _records[holder].blocked;
    }

    /// @inheritdoc IHolderRegistry
    function holderTypeOf(address holder) external view returns (HolderType) {
        Record memory record = _records[holder];
        return _identified(record) ? record.holderType : HolderType.None;
    }

    /// @inheritdoc IHolderRegistry
    function statusOf(address holder) external view returns (HolderStatus memory status) {
        Record memory record = _records[holder];
        status.blocked = record.blocked;
        if (_identified(record)) {
            status.identified = true;
            status.holderType = record.holderType;
            status.eligible = _eligibleIfIdentified(record);
        }
    }

    /// @inheritdoc IHolderRegistry
    function attestationOf(address holder) external view returns (Attestation memory) {
        Record memory record = _records[holder];
        return Attestation(
            record.holderType, record.jurisdiction, record.validUntil, _kycHashes[holder], record.flags, record.revoked
        );
    }

    /// @notice Whether `jurisdiction` is marked as prohibiting token operations.
    function isJurisdictionProhibited(bytes2 jurisdiction) external view returns (bool) {
        return _prohibited[jurisdiction];
    }

    /// @notice The register reference under which `account` is blocked (zero when it is not blocked).
    function blockReference(address account) external view returns (bytes32) {
        return _blockRefs[account];
    }

    function _identified(Record memory record) private view returns (bool) {
        return record.holderType != HolderType.None && !record.revoked && block.timestamp < record.validUntil;
    }

    function _eligibleIfIdentified(Record memory record) private view returns (bool) {
        if (record.flags & FLAG_MINOR != 0) return false;
        if (record.holderType == HolderType.Individual && record.flags & FLAG_COMPETENCE_PASSED == 0) return false;
        return !_prohibited[record.jurisdiction];
    }
}
