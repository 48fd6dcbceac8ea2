// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HolderRegistry} from "../registry/HolderRegistry.sol";

/**
 * @title SilentRegistryMutator
 * @notice TEST ONLY. A {HolderRegistry} (same constructor, ABI and events) with one defect added:
 * {silentBlock} puts an address on the illicit-address register by writing storage directly, WITHOUT the
 * {AddressBlocked} event, so the registry's state can no longer be rebuilt from its events (RECORDS).
 * The audit tests use it to show that such a change is found. The slots are HolderRegistry's:
 * `_records` at slot 1 (the `blocked` flag is byte 16 of the record) and `_blockRefs` at slot 4.
 * Never deploy it for real.
 */
contract SilentRegistryMutator is HolderRegistry {
    uint256 private constant _RECORDS_SLOT = 1;
    uint256 private constant _BLOCK_REFS_SLOT = 4;
    uint256 private constant _BLOCKED_BIT = 1 << 128;

    constructor(bytes32 operatorRegistration_, address admin, address operator)
        HolderRegistry(operatorRegistration_, admin, operator)
    {}

    /// @notice Blocks `account` under `ref` with no role check and no event.
    function silentBlock(address account, bytes32 ref) external {
        assembly {
            mstore(0x00, account)
            mstore(0x20, _RECORDS_SLOT)
            let record := keccak256(0x00, 0x40)
            sstore(record, or(sload(record), _BLOCKED_BIT))
            mstore(0x20, _BLOCK_REFS_SLOT)
            sstore(keccak256(0x00, 0x40), ref)
        }
    }
}
