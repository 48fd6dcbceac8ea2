// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ReentrantReceiver
 * @notice Test-only contract party that attacks an escrow by re-entry. Its owner drives it with
 * {execute} (open, accept, fund, withdraw ...). Once armed, every ETH payment it receives ({receive}) and
 * every token-transfer hook ({onTokenTransfer}, called by a ReentrantToken) makes it call the target again
 * with the armed calldata (e.g. `withdraw(asset)` a second time). The re-entry's outcome is recorded and
 * swallowed, so the outer call can still succeed and the test can read what the re-entry got.
 */
contract ReentrantReceiver {
    address private immutable _owner;
    address private _target;
    bytes private _reentryData;
    bool private _armed;
    bool private _inReentry;
    uint256 private _reentryAttempts;
    uint256 private _reentrySuccesses;
    bytes private _lastReentryResult;

    /// @notice A re-entry was attempted; `succeeded` tells whether the target accepted it.
    event ReentryAttempted(address indexed target, bool succeeded, bytes result);

    /// @notice Only the owner may drive this contract.
    error NotOwner(address caller);
    /// @notice The forwarded call reverted; `result` is its revert data.
    error ForwardedCallFailed(bytes result);

    constructor() {
        _owner = msg.sender;
    }

    /// @notice ETH arrives here; when armed, re-enters the target once.
    receive() external payable {
        _reenter();
    }

    /// @notice Called by a ReentrantToken during a transfer; when armed, re-enters the target once.
    function onTokenTransfer() external {
        _reenter();
    }

    /**
     * @notice Calls `target` with `data` and `value` (taken from this call or the contract's balance).
     * Reverts with {ForwardedCallFailed} carrying the callee's revert data.
     */
    function execute(address target, uint256 value, bytes calldata data)
        external
        payable
        returns (bytes memory result)
    {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        bool ok;
        (ok, result) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    /// @notice Arms the attack: the next payments make this contract call `target` with `data`.
    function arm(address target, bytes calldata data) external {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        _target = target;
        _reentryData = data;
        _armed = true;
    }

    /// @notice Disarms the attack.
    function disarm() external {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        _armed = false;
    }

    /// @notice How many re-entries were attempted and how many the target accepted.
    function reentryStats() external view returns (uint256 attempts, uint256 successes) {
        return (_reentryAttempts, _reentrySuccesses);
    }

    /// @notice Return or revert data of the last re-entry.
    function lastReentryResult() external view returns (bytes memory) {
        return _lastReentryResult;
    }

    function _reenter() private {
        if (!_armed || _inReentry) return;
        _inReentry = true;
        _reentryAttempts += 1;
        (bool ok, bytes memory result) = _target.call(_reentryData);
        if (ok) _reentrySuccesses += 1;
        _lastReentryResult = result;
        emit ReentryAttempted(_target, ok, result);
        _inReentry = false;
    }
}
