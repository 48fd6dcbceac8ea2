// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ReturnsFalseToken
 * @notice Test-only token whose `transfer` and `transferFrom` move nothing. By default they return
 * `false` (an old-style failure a careless caller ignores); with `setLying(true)` they return `true`
 * while still moving nothing, which only a balance check catches.
 */
contract ReturnsFalseToken {
    mapping(address account => uint256) private _balances;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;
    uint256 private _totalSupply;
    bool private _lying;

    /// @notice ERC-20 Approval event (approvals do work).
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Mints `amount` to `to`. Open to anyone (test-only).
    function mint(address to, uint256 amount) external {
        _balances[to] += amount;
        _totalSupply += amount;
    }

    /// @notice Makes transfers report success (`true`) or failure (`false`); they never move anything.
    function setLying(bool lying) external {
        _lying = lying;
    }

    /// @notice Moves nothing; returns `false` (or `true` when lying).
    function transfer(address, uint256) external view returns (bool) {
        return _lying;
    }

    /// @notice Moves nothing; returns `false` (or `true` when lying).
    function transferFrom(address, address, uint256) external view returns (bool) {
        return _lying;
    }

    /// @notice Records an allowance like a normal token.
    function approve(address spender, uint256 value) external returns (bool) {
        _allowances[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// @notice The balance of `account`.
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @notice The allowance `owner` gave `spender`.
    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @notice Total minted.
    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    /// @notice Token decimals.
    function decimals() external pure returns (uint8) {
        return 18;
    }
}
