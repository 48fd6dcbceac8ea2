// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DealEscrow} from "../escrow/DealEscrow.sol";

/**
 * @title HookedEscrow
 * @notice Test-only child of {DealEscrow} that records every call of the three project hooks with what the
 * deal looked like at that moment and what the escrow held, and refuses in a hook when told to.
 */
contract HookedEscrow is DealEscrow {
    /// @notice Hook `hook` (1 opened, 2 funded, 3 released) ran for `dealId`; `state`, `fundedA` and
    /// `fundedB` are the deal's at that moment, `ethHeld` the escrow's ETH balance less the call's value.
    event HookCalled(
        uint8 hook, uint256 indexed dealId, address depositor, DealState state, bool fundedA, bool fundedB, uint256 ethHeld
    );

    /// @notice The hook `hook` refused.
    error HookRefused(uint8 hook, uint256 dealId);

    /// @notice Hook number that refuses (0: none). Test-only, so anyone may set it.
    uint8 public refusingHook;

    constructor(
        bytes32 operatorRegistration_,
        address registry_,
        bytes32 termsHash_,
        string memory termsUri_,
        address admin,
        address operator,
        address legalOrderAuthority,
        address oversight
    )
        DealEscrow(
            operatorRegistration_, registry_, termsHash_, termsUri_, admin, operator, legalOrderAuthority, oversight
        )
    {}

    function setRefusingHook(uint8 hook) external {
        refusingHook = hook;
    }

    function _beforeDealOpened(uint256 dealId) internal override {
        _record(1, dealId, address(0));
    }

    function _beforeDealFunded(uint256 dealId, address depositor) internal override {
        _record(2, dealId, depositor);
    }

    function _beforeDealReleased(uint256 dealId) internal override {
        _record(3, dealId, address(0));
    }

    function _record(uint8 hook, uint256 dealId, address depositor) private {
        if (refusingHook == hook) revert HookRefused(hook, dealId);
        Deal memory d = this.dealOf(dealId);
        emit HookCalled(hook, dealId, depositor, d.state, d.fundedA, d.fundedB, address(this).balance - msg.value);
    }
}
