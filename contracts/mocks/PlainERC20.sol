// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title PlainERC20
 * @notice Test-only: an unrestricted OpenZeppelin ERC-20, the gas baseline for {CompliantToken} and a
 * plain token for escrow tests. Never deployed by the CLI.
 */
contract PlainERC20 is ERC20 {
    /// @param holder receives the whole initial `supply`.
    constructor(string memory name_, string memory symbol_, address holder, uint256 supply) ERC20(name_, symbol_) {
        _mint(holder, supply);
    }
}
