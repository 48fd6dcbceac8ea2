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
 * - only `REGISTRAR_ROLE` (the operator) and the identification agents it appoints make and replace
 *   attestations; only `REGISTRAR_ROLE` revokes them, restricts jurisdictions and appoints or removes agents
 *   (HTP rules as amended in 2025: third-party identification agents appointed by the operator);
 * - an attestation records who identified the holder ({attestedBy}); an attestation made by an agent the
 *   operator has since removed no longer identifies the holder (it stays on record) until the operator or a
 *   current agent attests the holder again; appointing the same account again does not revive it;
 * - only `BLOCKLIST_ROLE` adds addresses to and removes them from the illicit-address register, each
 *   time with a non-zero reference to the entry in the official register (Decree No. 48);
 * - an attestation always has a type, a jurisdiction, an expiry in the future and a KYC hash;
 * - every change emits an event from which the whole registry state can be rebuilt (RECORDS);
 * - register changes, revocations and jurisdiction restrictions cite a non-zero reference.
 * It also records, without enforcing anything, an operator's entry in the National Bank's register of
 * cryptobanks (Decree No. 19 of 16.01.2026; {cryptobankEntryOf}).
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
        uint32 agentId; // 0: attested by the operator (REGISTRAR_ROLE); else the agent's appointment number
    }

    bytes32 private immutable _operatorRegistration;
    mapping(address holder => Record) private _records;
    mapping(address holder => bytes32 kycHash) private _kycHashes;
    mapping(bytes2 jurisdiction => bool prohibited) private _prohibited;
    mapping(address account => bytes32 ref) private _blockRefs;
    mapping(address holder => address attester) private _attesters;
    mapping(address agent => uint32 agentId) private _agentIds;
    mapping(uint32 agentId => bool active) private _agentActive;
    uint32 private _agentCount;
    mapping(address operatorAccount => bytes32 ref) private _cryptobankEntries;

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

    /// @notice `agent` was appointed identification agent number `agentId` by `by`, citing `ref`.
    event AgentAppointed(address indexed agent, uint32 agentId, bytes32 ref, address indexed by);
    /// @notice Identification agent `agent` (number `agentId`) was removed by `by`, citing `ref`; its
    /// attestations no longer identify anyone.
    event AgentRemoved(address indexed agent, uint32 agentId, bytes32 ref, address indexed by);
    /// @notice `operatorAccount`'s entry in the National Bank's cryptobank register was recorded as `ref`
    /// (zero: no entry) by `by`.
    event CryptobankEntryRecorded(address indexed operatorAccount, bytes32 ref, address indexed by);

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
    /// @notice A role was to be granted to the zero address.
    error ZeroRoleHolder(bytes32 role);
    /// @notice The caller is neither the operator (`REGISTRAR_ROLE`) nor a current identification agent.
    error NotAnAttester(address account);
    /// @notice `agent` is already a current identification agent.
    error AlreadyAgent(address agent);
    /// @notice `agent` is not a current identification agent.
    error NotAnAgent(address agent);

    /**
     * @param operatorRegistration_ HTP registration reference of the operator running this registry.
     * @param admin receives `DEFAULT_ADMIN_ROLE` (grants and revokes the other roles); non-zero.
     * @param operator receives `REGISTRAR_ROLE` and `BLOCKLIST_ROLE`; non-zero.
     */
    constructor(bytes32 operatorRegistration_, address admin, address operator) {
        if (operatorRegistration_ == bytes32(0)) revert MissingOperatorRegistration();
        if (admin == address(0)) revert ZeroRoleHolder(DEFAULT_ADMIN_ROLE);
        if (operator == address(0)) revert ZeroRoleHolder(REGISTRAR_ROLE);
        _operatorRegistration = operatorRegistration_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, operator);
        _grantRole(BLOCKLIST_ROLE, operator);
    }

    // ───────────────────────────── attestations ─────────────────────────────

    /**
     * @notice Makes or replaces the attestation of `holder` (clearing any revocation), recording the caller
     * as the one who identified the holder ({attestedBy}).
     *
     * Requirements: caller has `REGISTRAR_ROLE` or is a current identification agent (else
     * `NotAnAttester`); `holder` non-zero; `holderType` not `None`; `validUntil` after the current block time;
     * `kycHash` and `jurisdiction` non-zero.
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
    ) external {
        uint32 agentId = 0; // the operator's own attestation
        if (!hasRole(REGISTRAR_ROLE, msg.sender)) {
            agentId = _agentIds[msg.sender];
            if (agentId == 0) revert NotAnAttester(msg.sender);
        }
        if (holder == address(0)) revert ZeroHolder();
        if (holderType == HolderType.None) revert HolderTypeNone();
        if (validUntil <= block.timestamp) revert ValidUntilNotInFuture(validUntil, block.timestamp);
        if (kycHash == bytes32(0)) revert MissingKycHash();
        if (jurisdiction == bytes2(0)) revert MissingJurisdiction();
        bool blocked = _records[holder].blocked;
        _records[holder] = Record(holderType, jurisdiction, validUntil, flags, false, blocked, agentId);
        _kycHashes[holder] = kycHash;
        _attesters[holder] = msg.sender;
        emit HolderAttested(holder, holderType, jurisdiction, validUntil, kycHash, flags, msg.sender);
    }

    /**
     * @notice Revokes the attestation of `holder`; it stays on record but no longer identifies.
     *
     * Requirements: caller has `REGISTRAR_ROLE`; `reason` non-zero; `holder` has an unrevoked attestation
     * (expired or not).
     *
     * Emits a {HolderRevoked} event.
     */
    function revoke(address holder, bytes32 reason) external onlyRole(REGISTRAR_ROLE) {
        if (reason == bytes32(0)) revert MissingReference();
        Record storage record = _records[holder];
        if (record.holderType == HolderType.None || record.revoked) revert NotAttested(holder);
        record.revoked = true;
        emit HolderRevoked(holder, reason, msg.sender);
    }

    /**
     * @notice Marks `jurisdiction` (ISO 3166-1 alpha-2) as prohibiting token operations, or lifts that mark.
     * Holders attested in a prohibited jurisdiction are not eligible.
     *
     * Requirements: caller has `REGISTRAR_ROLE`; `jurisdiction` and `ref` non-zero.
     *
     * Emits a {JurisdictionRestricted} event.
     */
    function setJurisdictionProhibited(bytes2 jurisdiction, bool prohibited, bytes32 ref)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        if (jurisdiction == bytes2(0)) revert MissingJurisdiction();
        if (ref == bytes32(0)) revert MissingReference();
        _prohibited[jurisdiction] = prohibited;
        emit JurisdictionRestricted(jurisdiction, prohibited, ref, msg.sender);
    }

    // ─────────────────────────── identification agents ───────────────────────────

    /**
     * @notice Appoints `agent` as an identification agent: it may make and replace attestations, recorded as
     * made by it. Each appointment gets a new number, so re-appointing a removed agent does not revive the
     * attestations it made before its removal.
     *
     * Requirements: caller has `REGISTRAR_ROLE`; `agent` non-zero and not a current agent; `ref` non-zero.
     *
     * Emits an {AgentAppointed} event.
     */
    function appointAgent(address agent, bytes32 ref) external onlyRole(REGISTRAR_ROLE) {
        if (agent == address(0)) revert ZeroHolder();
        if (ref == bytes32(0)) revert MissingReference();
        if (_agentIds[agent] != 0) revert AlreadyAgent(agent);
        uint32 agentId = ++_agentCount;
        _agentIds[agent] = agentId;
        _agentActive[agentId] = true;
        emit AgentAppointed(agent, agentId, ref, msg.sender);
    }

    /**
     * @notice Removes identification agent `agent`. Every attestation it made stops identifying its holder
     * (HOLDER-IDENTIFIED) until the operator or a current agent attests the holder again.
     *
     * Requirements: caller has `REGISTRAR_ROLE`; `agent` is a current agent; `ref` non-zero.
     *
     * Emits an {AgentRemoved} event.
     */
    function removeAgent(address agent, bytes32 ref) external onlyRole(REGISTRAR_ROLE) {
        if (ref == bytes32(0)) revert MissingReference();
        uint32 agentId = _agentIds[agent];
        if (agentId == 0) revert NotAnAgent(agent);
        delete _agentIds[agent];
        _agentActive[agentId] = false;
        emit AgentRemoved(agent, agentId, ref, msg.sender);
    }

    /**
     * @notice Records `operatorAccount`'s entry in the National Bank's register of cryptobanks (Decree No. 19);
     * zero records that it has none. Nothing is enforced on it; reports show it.
     *
     * Requirements: caller has `REGISTRAR_ROLE`; `operatorAccount` non-zero.
     *
     * Emits a {CryptobankEntryRecorded} event.
     */
    function recordCryptobankEntry(address operatorAccount, bytes32 ref) external onlyRole(REGISTRAR_ROLE) {
        if (operatorAccount == address(0)) revert ZeroHolder();
        _cryptobankEntries[operatorAccount] = ref;
        emit CryptobankEntryRecorded(operatorAccount, ref, msg.sender);
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

    /// @inheritdoc IHolderRegistry
    function jurisdictionOf(address holder) external view returns (bytes2) {
        return _records[holder].jurisdiction;
    }

    /// @notice Whether `jurisdiction` is marked as prohibiting token operations.
    function isJurisdictionProhibited(bytes2 jurisdiction) external view returns (bool) {
        return _prohibited[jurisdiction];
    }

    /// @notice The register reference under which `account` is blocked (zero when it is not blocked).
    function blockReference(address account) external view returns (bytes32) {
        return _blockRefs[account];
    }

    /// @notice Whether `agent` is a current identification agent.
    function isAgent(address agent) external view returns (bool) {
        return _agentIds[agent] != 0;
    }

    /// @notice Who made the current attestation of `holder`: the operator's account or an identification
    /// agent (zero when `holder` was never attested). An agent's attestation identifies only while the agent
    /// that made it stays appointed.
    function attestedBy(address holder) external view returns (address) {
        return _attesters[holder];
    }

    /// @notice The reference of `operatorAccount`'s entry in the National Bank's cryptobank register (zero
    /// when none was recorded).
    function cryptobankEntryOf(address operatorAccount) external view returns (bytes32) {
        return _cryptobankEntries[operatorAccount];
    }

    function _identified(Record memory record) private view returns (bool) {
        return record.holderType != HolderType.None && !record.revoked && block.timestamp < record.validUntil
            && (record.agentId == 0 || _agentActive[record.agentId]);
    }

    function _eligibleIfIdentified(Record memory record) private view returns (bool) {
        if (record.flags & FLAG_MINOR != 0) return false;
        if (record.holderType == HolderType.Individual && record.flags & FLAG_COMPETENCE_PASSED == 0) return false;
        return !_prohibited[record.jurisdiction];
    }
}
