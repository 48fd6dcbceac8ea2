// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {DealEscrow} from "../escrow/DealEscrow.sol";

/**
 * @title EscrowProbe
 * @notice Test-only reader that gathers, in one `eth_call`, everything the escrow property tests check after
 * each step: per-asset totals, per-account credits and wallet balances, the state of every deal, and whether
 * each listed deal could be refunded now. Refundability is found by really calling `refund`, so {read} is not
 * a `view`: call it with `eth_call` only, never in a transaction.
 */
contract EscrowProbe {
    /// @notice What {read} found. Per-account arrays are account-major: index `i * assets.length + j`.
    struct Reading {
        uint256[] locked;
        uint256[] totalCredits;
        uint256[] escrowBalances;
        uint256[] credits;
        uint256[] balances;
        uint256[] deals;
        bool[] refundable;
    }

    /**
     * @notice Reads the escrow's books. `deals[k]` packs deal `dealIds[k]` as `state | fundedA << 8 |
     * fundedB << 9 | acceptedB << 10 | frozen << 11`. `refundable[k]` tells whether `refund(refundIds[k])`
     * succeeds (tried after every read, so the reads see the state before any refund).
     */
    function read(
        DealEscrow escrow,
        address[] calldata assets,
        address[] calldata accounts,
        uint256[] calldata dealIds,
        uint256[] calldata refundIds
    ) external returns (Reading memory r) {
        uint256 n = assets.length;
        r.locked = new uint256[](n);
        r.totalCredits = new uint256[](n);
        r.escrowBalances = new uint256[](n);
        r.credits = new uint256[](n * accounts.length);
        r.balances = new uint256[](n * accounts.length);
        for (uint256 j = 0; j < n; ++j) {
            r.locked[j] = escrow.lockedIn(assets[j]);
            r.totalCredits[j] = escrow.totalCredits(assets[j]);
            r.escrowBalances[j] = _balance(assets[j], address(escrow));
            for (uint256 i = 0; i < accounts.length; ++i) {
                r.credits[i * n + j] = escrow.creditOf(accounts[i], assets[j]);
                r.balances[i * n + j] = _balance(assets[j], accounts[i]);
            }
        }
        r.deals = new uint256[](dealIds.length);
        for (uint256 k = 0; k < dealIds.length; ++k) {
            DealEscrow.Deal memory d = escrow.dealOf(dealIds[k]);
            r.deals[k] = uint256(d.state) | (_bit(d.fundedA) << 8) | (_bit(d.fundedB) << 9)
                | (_bit(d.acceptedB) << 10) | (_bit(d.frozen) << 11);
        }
        r.refundable = new bool[](refundIds.length);
        for (uint256 k = 0; k < refundIds.length; ++k) {
            try escrow.refund(refundIds[k]) {
                r.refundable[k] = true;
            } catch {
                r.refundable[k] = false;
            }
        }
    }

    function _balance(address asset, address account) private view returns (uint256) {
        return asset == address(0) ? account.balance : IERC20(asset).balanceOf(account);
    }

    function _bit(bool value) private pure returns (uint256) {
        return value ? 1 : 0;
    }
}
