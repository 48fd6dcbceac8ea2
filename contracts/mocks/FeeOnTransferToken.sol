// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title FeeOnTransferToken
 * @notice Test-only ERC-20 that burns `feeBps` of every transfer between two accounts, so the receiver
 * gets less than the amount named. An escrow that trusts the named amount would owe more than it holds.
 */
contract FeeOnTransferToken is ERC20 {
    uint16 private immutable _feeBps;

    /// @notice The fee is more than 100%.
    error FeeTooHigh(uint16 feeBps);

    constructor(uint16 feeBps_) ERC20("Fee On Transfer", "FOT") {
        if (feeBps_ > 10_000) revert FeeTooHigh(feeBps_);
        _feeBps = feeBps_;
    }

    /// @notice Mints `amount` to `to`. Open to anyone (test-only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The share of each transfer that is burned, in basis points.
    function feeBps() external view returns (uint16) {
        return _feeBps;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * _feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
