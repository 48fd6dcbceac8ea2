// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title UnrecordedToken
 * @notice TEST ONLY. A deliberately defective token: `transfer` moves balances without emitting the
 * ERC-20 `Transfer` event, so its state cannot be rebuilt from its events (a RECORDS violation).
 * decree8's demo, checker and audit tests use it to show that such a change is detected.
 * Never deploy it for real.
 */
contract UnrecordedToken {
    mapping(address account => uint256) private _balances;
    uint256 private _totalSupply;

    /// @notice Emitted by `mint` only; `transfer` stays silent on purpose.
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice The sender's balance is below `needed`.
    error InsufficientBalance(address account, uint256 balance, uint256 needed);

    constructor(address holder, uint256 amount) {
        _balances[holder] = amount;
        _totalSupply = amount;
        emit Transfer(address(0), holder, amount);
    }

    function name() external pure returns (string memory) {
        return "Unrecorded Token (test only)";
    }

    function symbol() external pure returns (string memory) {
        return "UNREC";
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @notice Moves `value` to `to` WITHOUT emitting {Transfer}: the defect this mock exists for.
    function transfer(address to, uint256 value) external returns (bool) {
        uint256 balance = _balances[msg.sender];
        if (balance < value) revert InsufficientBalance(msg.sender, balance, value);
        unchecked {
            _balances[msg.sender] = balance - value;
        }
        _balances[to] += value;
        return true;
    }
}
