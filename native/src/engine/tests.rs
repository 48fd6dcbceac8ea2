//! The engine's node semantics, checked without Python.

use super::*;

const ALICE: Address = Address::new([0x11; 20]);
const BOB: Address = Address::new([0x22; 20]);
const COINBASE: Address = Address::new([0xc0; 20]);
const STORE: Address = Address::new([0x33; 20]);
const ETHER: u128 = 1_000_000_000_000_000_000;

/// `sstore(0, calldataload(0))`
const STORE_CODE: &[u8] = &[0x60, 0x00, 0x35, 0x60, 0x00, 0x55, 0x00];
/// `revert(0, 0)`
const REVERT_CODE: &[u8] = &[0x60, 0x00, 0x60, 0x00, 0xfd];
/// `mstore(0, 42); log1(0, 32, 0xaa)`
const LOG_CODE: &[u8] = &[
    0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0xaa, 0x60, 0x20, 0x60, 0x00, 0xa1, 0x00,
];

fn block(number: u64, base_fee: u64) -> BlockInput {
    BlockInput {
        number,
        timestamp: 1_700_000_000 + number,
        base_fee,
        gas_limit: 30_000_000,
        coinbase: COINBASE,
        prevrandao: B256::repeat_byte(number as u8),
    }
}

fn engine() -> Engine {
    let mut engine = Engine::new(1337, SpecId::PRAGUE, block(1, 0));
    engine.set_balance(ALICE, U256::from(100 * ETHER));
    engine
}

fn call(to: Address, data: Vec<u8>) -> TxInput {
    TxInput {
        caller: ALICE,
        to: Some(to),
        data: Bytes::from(data),
        gas_limit: 1_000_000,
        ..TxInput::default()
    }
}

fn word(value: u8) -> Vec<u8> {
    let mut data = vec![0u8; 32];
    data[31] = value;
    data
}

#[test]
fn a_transfer_bumps_the_nonce_and_pays_the_fee_to_the_coinbase() {
    let mut engine = engine();
    let tx = TxInput {
        caller: ALICE,
        to: Some(BOB),
        value: U256::from(ETHER),
        gas_limit: 21_000,
        gas_price: 7,
        ..TxInput::default()
    };
    let outcome = engine.transact(&tx).expect("a valid transfer runs");
    assert!(outcome.success);
    assert_eq!(outcome.gas_used, 21_000);
    assert_eq!(engine.account(BOB).0, U256::from(ETHER));
    assert_eq!(engine.account(ALICE).1, 1);
    assert_eq!(engine.account(ALICE).0, U256::from(99 * ETHER - 21_000 * 7));
    assert_eq!(engine.account(COINBASE).0, U256::from(21_000 * 7));
}

#[test]
fn every_transaction_starts_cold_with_fresh_original_values() {
    let mut engine = engine();
    engine.set_code(STORE, Bytes::from_static(STORE_CODE));
    // intrinsic 21,000 + calldata 31 zero bytes * 4 + 1 byte * 16 + three pushes and a
    // calldataload (12) ... + SSTORE: cold (2,100) plus 20,000 for 0 -> 1
    let first = engine.transact(&call(STORE, word(1))).expect("runs");
    assert_eq!(first.gas_used, 21_000 + 140 + 9 + 2_100 + 20_000);
    // the slot is cold again and its original value is now 1: 2,100 + 2,900 for 1 -> 2
    let second = engine.transact(&call(STORE, word(2))).expect("runs");
    assert_eq!(second.gas_used, 21_000 + 140 + 9 + 2_100 + 2_900);
    assert_eq!(engine.storage(STORE, U256::ZERO), U256::from(2));
    // a call warms nothing either
    engine.simulate(&call(STORE, word(3))).expect("runs");
    let third = engine.transact(&call(STORE, word(3))).expect("runs");
    assert_eq!(third.gas_used, second.gas_used);
    assert_eq!(engine.account(ALICE).1, 3);
}

#[test]
fn a_simulation_changes_nothing_and_ignores_nonce_and_base_fee() {
    let mut engine = engine();
    engine.set_block(block(2, 1_000_000_000));
    engine.set_code(STORE, Bytes::from_static(STORE_CODE));
    let mut tx = call(STORE, word(9));
    tx.nonce = Some(41);
    let outcome = engine.simulate(&tx).expect("runs");
    assert!(outcome.success);
    assert_eq!(engine.storage(STORE, U256::ZERO), U256::ZERO);
    assert_eq!(engine.account(ALICE).1, 0);
}

#[test]
fn a_creation_reports_its_address_and_deployed_code() {
    let mut engine = engine();
    let mut init = vec![
        0x60, 7, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 7, 0x60, 0x00, 0xf3,
    ];
    init.extend_from_slice(STORE_CODE);
    let tx = TxInput {
        caller: ALICE,
        to: None,
        data: Bytes::from(init),
        gas_limit: 200_000,
        ..TxInput::default()
    };
    let outcome = engine.transact(&tx).expect("runs");
    let created = outcome.created.expect("an address");
    assert_eq!(created, ALICE.create(0));
    assert_eq!(outcome.output.as_ref(), STORE_CODE);
    assert_eq!(engine.code(created).as_ref(), STORE_CODE);
    assert_eq!(engine.account(created).1, 1);
}

#[test]
fn logs_come_back_with_address_topics_and_data() {
    let mut engine = engine();
    let emitter = Address::new([0x44; 20]);
    engine.set_code(emitter, Bytes::from_static(LOG_CODE));
    let outcome = engine.transact(&call(emitter, vec![])).expect("runs");
    assert_eq!(outcome.logs.len(), 1);
    assert_eq!(outcome.logs[0].address, emitter);
    assert_eq!(outcome.logs[0].topics, vec![B256::with_last_byte(0xaa)]);
    assert_eq!(outcome.logs[0].data.as_ref(), word(42).as_slice());
}

#[test]
fn a_revert_is_mined_and_traced() {
    let mut engine = engine();
    let reverter = Address::new([0x55; 20]);
    engine.set_code(reverter, Bytes::from_static(REVERT_CODE));
    let outcome = engine.transact(&call(reverter, vec![1, 2])).expect("runs");
    assert!(!outcome.success);
    assert_eq!(
        engine.account(ALICE).1,
        1,
        "a reverted transaction still uses its nonce"
    );
    let (traced, frames) = engine.trace(&call(reverter, vec![1, 2])).expect("runs");
    assert_eq!(traced.gas_used, outcome.gas_used);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].kind, "CALL");
    assert_eq!(frames[0].to, reverter);
    assert_eq!(frames[0].input.as_ref(), &[1, 2]);
    assert_eq!(frames[0].result, "revert");
}

#[test]
fn refusals_name_the_failed_check() {
    let mut engine = engine();
    let mut tx = call(BOB, vec![]);
    tx.nonce = Some(5);
    let Err(EngineError::Invalid { kind, message }) = engine.transact(&tx) else {
        panic!("a future nonce is refused");
    };
    assert_eq!(kind, "nonce_too_high");
    assert!(message.starts_with("nonce too high"), "{message}");

    let mut poor = call(BOB, vec![]);
    poor.caller = BOB;
    poor.value = U256::from(1);
    let Err(EngineError::Invalid { kind, message }) = engine.transact(&poor) else {
        panic!("an empty account cannot send value");
    };
    assert_eq!(kind, "insufficient_funds");
    assert!(message.starts_with("insufficient funds for gas * price + value"));

    let mut short = call(BOB, vec![]);
    short.gas_limit = 20_000;
    let Err(EngineError::Invalid { kind, .. }) = engine.transact(&short) else {
        panic!("too little gas is refused");
    };
    assert_eq!(kind, "intrinsic_gas");
    assert_eq!(engine.account(ALICE).1, 0, "nothing was charged");
}

#[test]
fn snapshots_survive_commits_and_restore_the_state() {
    let mut engine = engine();
    engine.set_code(STORE, Bytes::from_static(STORE_CODE));
    let before = engine.snapshot();
    engine.transact(&call(STORE, word(1))).expect("runs");
    let middle = engine.snapshot();
    engine.transact(&call(STORE, word(2))).expect("runs");
    assert!(engine.revert(middle, true));
    assert_eq!(engine.storage(STORE, U256::ZERO), U256::from(1));
    engine
        .transact(&call(STORE, word(5)))
        .expect("runs after a revert");
    assert!(engine.revert(before, false));
    assert_eq!(engine.storage(STORE, U256::ZERO), U256::ZERO);
    assert_eq!(engine.account(ALICE).1, 0);
    assert!(!engine.revert(before, true), "used up");
    assert!(engine.drop_snapshot(middle));
    assert_eq!(engine.snapshot_count(), 0);
    // the first write after the revert costs what it cost the first time
    let again = engine.transact(&call(STORE, word(1))).expect("runs");
    assert_eq!(again.gas_used, 21_000 + 140 + 9 + 2_100 + 20_000);
}

#[test]
fn unknown_hardforks_are_refused() {
    assert_eq!(spec_from_name("prague"), Ok(SpecId::PRAGUE));
    assert!(matches!(
        spec_from_name("london2"),
        Err(EngineError::Argument(_))
    ));
}
