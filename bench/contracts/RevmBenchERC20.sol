// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title RevmBenchERC20
 * @notice A plain OpenZeppelin ERC-20 for the backend benchmark: the deployer gets the whole supply.
 * It enforces nothing and is never deployed by the CLI.
 */
contract RevmBenchERC20 is ERC20 {
    /// @notice Mints `supply` tokens to the deployer.
    constructor(uint256 supply) ERC20("Revm Bench", "RVB") {
        _mint(msg.sender, supply);
    }
}
