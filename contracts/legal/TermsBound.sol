// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

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
