// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CompliantToken} from "../token/CompliantToken.sol";

/**
 * @title CappedHoldingToken
 * @notice Test-only child of {CompliantToken} that uses both extension points: a project rule (no holder may
 * hold more than `maxHolding`, code 64, reported by the ERC-1404 views and enforced on transfers) through
 * {_projectRestriction}, and a movement counter kept in an {_update} override that calls `super._update`.
 */
contract CappedHoldingToken is CompliantToken {
    /// @notice Project restriction code: the receiver would hold more than {maxHolding}.
    uint8 public constant MAX_HOLDING = 64;

    uint256 public immutable maxHolding;
    /// @notice Number of token movements seen by the {_update} override (issuance and forced transfers too).
    uint256 public movements;

    constructor(
        uint256 maxHolding_,
        address registry_,
        address admin,
        address placementAgent,
        address legalOrderAuthority,
        address oversight
    )
        CompliantToken(
            "Capped Holding Token",
            "CHT",
            1_000_000 ether,
            bytes32("HTP-ISSUER-0042"),
            registry_,
            keccak256("capped holding terms"),
            "ipfs://capped-holding-terms",
            admin,
            placementAgent,
            legalOrderAuthority,
            oversight
        )
    {
        maxHolding = maxHolding_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        ++movements;
    }

    function _projectRestriction(address from, address to, uint256 value) internal view override returns (uint8) {
        if (to != address(0) && from != to && balanceOf(to) + value > maxHolding) return MAX_HOLDING;
        return 0;
    }

    function _projectRestrictionMessage(uint8 code) internal view override returns (string memory) {
        if (code == MAX_HOLDING) return "MAX-HOLDING: the receiver would hold more than the project allows";
        return super._projectRestrictionMessage(code);
    }
}
