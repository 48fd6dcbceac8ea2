// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title EthRefusingParty
 * @notice Test-only contract party that refuses every ETH payment (no `receive`): it can make calls through
 * {execute} (driven by its owner) but cannot be paid in ETH, so it withdraws to a payee it names.
 */
contract EthRefusingParty {
    address private immutable _owner;

    error NotOwner(address caller);
    error ForwardedCallFailed(bytes result);

    constructor() {
        _owner = msg.sender;
    }

    /// @notice Calls `target` with `data`, sending `msg.value` along.
    function execute(address target, bytes calldata data) external payable returns (bytes memory result) {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        bool ok;
        (ok, result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
