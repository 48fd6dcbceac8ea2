// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IHolderRegistry
 * @notice What tokens and escrows ask of a holder registry. One registry, run by one HTP-resident
 * operator, can serve many tokens and escrows. No personal data is kept on chain: an attestation holds
 * only a type, an ISO 3166 alpha-2 jurisdiction, an expiry, a hash of the operator's KYC record and flags.
 */
interface IHolderRegistry {
    /// @notice Kind of party. `None` means "no attestation".
    enum HolderType {
        None,
        Individual,
        Entity,
        Operator
    }

    /// @notice An operator's attestation about one address.
    struct Attestation {
        HolderType holderType;
        bytes2 jurisdiction; // ISO 3166-1 alpha-2, e.g. "BY"
        uint64 validUntil; // unix time; the attestation is void from this second on
        bytes32 kycHash; // hash of the off-chain KYC record kept by the operator
        uint32 flags; // FLAG_* bits below
        bool revoked;
    }

    /// @notice Everything a token or escrow needs to know about one party, answered by one call.
    /// `holderType` is `None` unless the holder is identified.
    struct HolderStatus {
        HolderType holderType;
        bool identified;
        bool eligible;
        bool blocked;
    }

    /// @notice Whether `holder` has an unrevoked, unexpired attestation of a type other than `None`.
    /// (HOLDER-IDENTIFIED)
    function isIdentified(address holder) external view returns (bool);

    /// @notice Whether `holder` is identified and passes the eligibility rules: not a minor, not from a
    /// prohibited jurisdiction, and (for individuals) a passed competence test. (HOLDER-ELIGIBLE)
    function isEligible(address holder) external view returns (bool);

    /// @notice Whether `holder` is on the illicit-address register. (ILLICIT-ADDRESS)
    function isBlocked(address holder) external view returns (bool);

    /// @notice The holder's type if identified, else `None`.
    function holderTypeOf(address holder) external view returns (HolderType);

    /// @notice The full attestation record of `holder` (zeroed when none was ever made).
    function attestationOf(address holder) external view returns (Attestation memory);

    /// @notice {isIdentified}, {isEligible}, {isBlocked} and {holderTypeOf} of `holder` in one call, so a
    /// token reads each party's record once per transfer.
    function statusOf(address holder) external view returns (HolderStatus memory);

    /// @notice The ISO 3166-1 alpha-2 jurisdiction of `holder`'s attestation (zero when none was ever made),
    /// whether or not it still identifies the holder: one storage read, for FOREIGN-PLATFORM.
    function jurisdictionOf(address holder) external view returns (bytes2);

    /// @notice The HTP registration reference of the operator that runs this registry, fixed at deployment.
    function operatorRegistration() external view returns (bytes32);
}
