// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";

/**
 * @title BenchToken
 * @notice A pausable OpenZeppelin ERC-20 with role-based minting, used only to benchmark the
 * compiler layer. It enforces nothing beyond roles and pause; it is never deployed.
 */
contract BenchToken is ERC20, ERC20Pausable, AccessControl {
    /// @notice Role allowed to mint.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice Role allowed to pause and unpause transfers.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /**
     * @notice Grants every role to `admin`.
     * @param admin The account that administers, mints and pauses.
     */
    constructor(address admin) ERC20("Bench Token", "BENCH") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /**
     * @notice Mints `amount` tokens to `to`.
     *
     * Requirements:
     * - the caller has `MINTER_ROLE`; transfers are not paused.
     *
     * Emits a {Transfer} event.
     */
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /**
     * @notice Stops all transfers.
     *
     * Requirements:
     * - the caller has `PAUSER_ROLE`.
     *
     * Emits a {Paused} event.
     */
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /**
     * @notice Lets transfers resume.
     *
     * Requirements:
     * - the caller has `PAUSER_ROLE`.
     *
     * Emits an {Unpaused} event.
     */
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _update(address from, address to, uint256 value)
        internal
        override(ERC20, ERC20Pausable)
    {
        super._update(from, to, value);
    }
}
