// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {CompliantToken} from "../token/CompliantToken.sol";

/**
 * @title LaxToken
 * @notice TEST ONLY. A {CompliantToken} (same constructor, same ABI, same events) with extra functions
 * that move tokens WITHOUT the restrictions: `lax...` functions call `ERC20._update` directly, skipping
 * `CompliantToken._update` (which is not `virtual`, so it cannot be overridden). The audit tests use it to
 * plant, on chain, the violations the template itself refuses: transfers to unidentified, blocked,
 * ineligible or frozen holders, to holders who did not accept the terms, between individuals without a
 * purpose, while paused, and issuance above the cap or by anyone.
 *
 * `silentMint` goes further and writes the balance and total supply straight into storage without a
 * `Transfer` event (a RECORDS violation: the state can no longer be rebuilt from the events). Its slots
 * are those of OpenZeppelin 5's ERC20 as the first base: `_balances` at slot 0, `_totalSupply` at slot 2.
 * Never deploy it for real.
 */
contract LaxToken is CompliantToken {
    uint256 private constant _BALANCES_SLOT = 0;
    uint256 private constant _TOTAL_SUPPLY_SLOT = 2;

    constructor(
        string memory name_,
        string memory symbol_,
        uint256 cap_,
        bytes32 issuerRegistration_,
        address registry_,
        bytes32 termsHash_,
        string memory termsUri_,
        address admin,
        address placementAgent,
        address legalOrderAuthority,
        address oversight
    )
        CompliantToken(
            name_,
            symbol_,
            cap_,
            issuerRegistration_,
            registry_,
            termsHash_,
            termsUri_,
            admin,
            placementAgent,
            legalOrderAuthority,
            oversight
        )
    {}

    /// @notice Moves `value` of the caller's tokens to `to` with no restriction checked.
    /// Emits a {Transfer} event.
    function laxTransfer(address to, uint256 value) external returns (bool) {
        ERC20._update(msg.sender, to, value);
        return true;
    }

    /// @notice As {laxTransfer}, stating `purpose` (any value, unchecked).
    /// Emits a {Transfer} and a {TransferPurposeStated} event.
    function laxTransferWithPurpose(address to, uint256 value, uint8 purpose) external returns (bool) {
        ERC20._update(msg.sender, to, value);
        emit TransferPurposeStated(msg.sender, to, value, purpose);
        return true;
    }

    /// @notice Issues `amount` to `to` with no role, cap or receiver check.
    /// Emits a {Transfer} event from the zero address.
    function laxIssue(address to, uint256 amount) external {
        ERC20._update(address(0), to, amount);
    }

    /// @notice Adds `amount` to the balance of `to` and to the total supply WITHOUT any event.
    function silentMint(address to, uint256 amount) external {
        assembly {
            mstore(0x00, to)
            mstore(0x20, _BALANCES_SLOT)
            let slot := keccak256(0x00, 0x40)
            sstore(slot, add(sload(slot), amount))
            sstore(_TOTAL_SUPPLY_SLOT, add(sload(_TOTAL_SUPPLY_SLOT), amount))
        }
    }
}
