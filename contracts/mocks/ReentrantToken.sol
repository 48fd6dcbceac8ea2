// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title ReentrantToken
 * @notice Test-only ERC-20 that calls back during every transfer (not mints or burns): when a hook is
 * set, `_update` calls `hookTarget` with `hookData` before moving the balance, e.g. a ReentrantReceiver's
 * `onTokenTransfer()` that re-enters an escrow, or the escrow itself. The hook's outcome is recorded and
 * swallowed, so the transfer itself still succeeds.
 */
contract ReentrantToken is ERC20 {
    address private _hookTarget;
    bytes private _hookData;
    bool private _inHook;
    uint256 private _hookCalls;
    uint256 private _hookSuccesses;
    bytes private _lastHookResult;

    /// @notice The hook was called during a transfer; `succeeded` tells whether it returned normally.
    event HookCalled(address indexed target, bool succeeded, bytes result);

    constructor() ERC20("Reentrant Token", "REENT") {}

    /// @notice Mints `amount` to `to`. Open to anyone (test-only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the call made during each transfer (`target == address(0)` turns it off). Test-only.
    function setHook(address target, bytes calldata data) external {
        _hookTarget = target;
        _hookData = data;
    }

    /// @notice How many times the hook ran and how many runs returned normally.
    function hookStats() external view returns (uint256 calls, uint256 successes) {
        return (_hookCalls, _hookSuccesses);
    }

    /// @notice Return or revert data of the last hook run.
    function lastHookResult() external view returns (bytes memory) {
        return _lastHookResult;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (_hookTarget != address(0) && from != address(0) && to != address(0) && !_inHook) {
            _inHook = true;
            _hookCalls += 1;
            (bool ok, bytes memory result) = _hookTarget.call(_hookData);
            if (ok) _hookSuccesses += 1;
            _lastHookResult = result;
            emit HookCalled(_hookTarget, ok, result);
            _inHook = false;
        }
        super._update(from, to, value);
    }
}
