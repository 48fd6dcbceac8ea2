// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title RuleCodes
 * @notice One ERC-1404 restriction code per decree8 rule. The numbering follows the rule table of
 * LEGAL-BASIS.md and is shared with the Python rule pack (`decree8.rules`): change both or neither.
 * 0 means "no restriction".
 */
library RuleCodes {
    uint8 internal constant SUCCESS = 0;
    uint8 internal constant ISSUER_HTP = 1;
    uint8 internal constant TERMS_BOUND = 2;
    uint8 internal constant TERMS_ACCEPTED = 3;
    uint8 internal constant HOLDER_IDENTIFIED = 4;
    uint8 internal constant HOLDER_ELIGIBLE = 5;
    uint8 internal constant ILLICIT_ADDRESS = 6;
    uint8 internal constant P2P_SALE = 7;
    uint8 internal constant LEGAL_ORDER = 8;
    uint8 internal constant RECORDS = 9;
    uint8 internal constant NOT_PAYMENT = 10;
    uint8 internal constant FUNDS_RETURN = 11;
    uint8 internal constant OVERSIGHT_PAUSE = 12;
    uint8 internal constant SUPPLY_CAP = 13;
    uint8 internal constant FOREIGN_PLATFORM = 14;

    /// @notice Codes 64 to 127 belong to projects built on decree8 (e.g. a child token's own rule
    /// returned by `_projectRestriction`); decree8 never uses them. Codes are appended, never renumbered.
    uint8 internal constant PROJECT_MIN = 64;
    /// @notice The last code of the project range (see {PROJECT_MIN}).
    uint8 internal constant PROJECT_MAX = 127;
}
