// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ChainProbe
 * @notice Test-only contract for the chain layer: one stored value, one event, every kind of revert
 * (a custom error with arguments, a `require` string, a panic) and a payable entry point. It enforces
 * nothing and is never deployed by the CLI.
 */
contract ChainProbe {
    uint256 private _value;
    uint256 private _deposited;

    /// @notice `by` changed the stored value from `previous` to `value`.
    event ValueSet(address indexed by, uint256 previous, uint256 value);
    /// @notice `from` sent `amount` wei with {deposit}.
    event Deposited(address indexed from, uint256 amount);

    /// @notice {setValue} was given a value above `limit`.
    error ValueTooLarge(uint256 given, uint256 limit, address caller);

    /// @notice The largest value {setValue} accepts.
    uint256 public constant LIMIT = 1_000_000;

    /// @notice The stored value.
    function value() external view returns (uint256) {
        return _value;
    }

    /// @notice The wei received through {deposit}.
    function deposited() external view returns (uint256) {
        return _deposited;
    }

    /**
     * @notice Stores `newValue`.
     *
     * Requirements: `newValue` is at most {LIMIT}, else reverts with {ValueTooLarge}.
     *
     * Emits a {ValueSet} event.
     */
    function setValue(uint256 newValue) external {
        if (newValue > LIMIT) revert ValueTooLarge(newValue, LIMIT, msg.sender);
        uint256 previous = _value;
        _value = newValue;
        emit ValueSet(msg.sender, previous, newValue);
    }

    /**
     * @notice Reverts with a `require` reason string when `fail` is true; does nothing otherwise.
     *
     * Requirements: `fail` is false.
     */
    function requireNotFailing(bool fail) external pure {
        require(!fail, "ChainProbe: asked to fail");
    }

    /**
     * @notice Returns `a / b`; panics with code 0x12 (division by zero) when `b` is zero.
     *
     * Requirements: `b` is non-zero.
     */
    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }

    /**
     * @notice Accepts ETH and counts it.
     *
     * Emits a {Deposited} event.
     */
    function deposit() external payable {
        _deposited += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    /// @notice The current block's timestamp, as the EVM sees it.
    function blockTimestamp() external view returns (uint256) {
        return block.timestamp;
    }
}
