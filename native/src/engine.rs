//! The EVM run the way a node runs transactions, in plain Rust.
//!
//! [`Engine`] holds one revm EVM over an in-memory database. Every transaction goes through
//! revm's full handler (validation of nonce, balance, fees and gas; execution; the fee paid to
//! the coinbase) and is then *finalized*: the journal is cleared, so cold/warm access, transient
//! storage and the "original" value of every storage slot start afresh at the next transaction,
//! as on any node. Committed transactions write into the database; simulated ones (calls,
//! estimates, traces) are finalized and dropped.
//!
//! Snapshots are copies of the database taken between transactions: they survive any number of
//! commits and reverting to one restores the database exactly.

use std::collections::HashMap;
use std::fmt;

use revm::context::result::{EVMError, ExecutionResult, HaltReason, InvalidTransaction, Output};
use revm::context::{BlockEnv, CfgEnv, Context, Journal, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::database_interface::DatabaseRef;
use revm::handler::{MainBuilder, MainnetEvm};
use revm::inspector::Inspector;
use revm::interpreter::{
    CallInputs, CallOutcome, CallScheme, CreateInputs, CreateOutcome, InstructionResult,
};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, B256, KECCAK_EMPTY, U256};
use revm::state::{AccountInfo, Bytecode};
use revm::{ExecuteCommitEvm, ExecuteEvm, InspectEvm};

/// The in-memory world state.
pub type Db = CacheDB<EmptyDB>;
type Ctx = Context<BlockEnv, TxEnv, CfgEnv, Db, Journal<Db>, ()>;
type Vm = MainnetEvm<Ctx, CallTracer>;

/// Why the engine refused a request. A transaction that runs and reverts is not an error (it is
/// an [`Outcome`] with `success == false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// revm refused the transaction before running it; `kind` names the check that failed
    /// (`"nonce_too_low"`, `"insufficient_funds"`, `"intrinsic_gas"`, ...).
    Invalid { kind: &'static str, message: String },
    /// A bad argument (an unknown hardfork, snapshot or similar).
    Argument(String),
    /// Anything else revm reported.
    Internal(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Invalid { message, .. } => f.write_str(message),
            EngineError::Argument(message) | EngineError::Internal(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for EngineError {}

/// The hardfork named `name` (case-insensitive): the ones a contract compiled by this project
/// may target.
pub fn spec_from_name(name: &str) -> Result<SpecId, EngineError> {
    match name.to_ascii_uppercase().as_str() {
        "SHANGHAI" => Ok(SpecId::SHANGHAI),
        "CANCUN" => Ok(SpecId::CANCUN),
        "PRAGUE" => Ok(SpecId::PRAGUE),
        "OSAKA" => Ok(SpecId::OSAKA),
        other => Err(EngineError::Argument(format!(
            "unknown hardfork {other:?}: use one of SHANGHAI, CANCUN, PRAGUE, OSAKA"
        ))),
    }
}

/// A transaction (or call) to run.
#[derive(Debug, Clone, Default)]
pub struct TxInput {
    pub caller: Address,
    /// None for a contract creation.
    pub to: Option<Address>,
    pub value: U256,
    pub data: Bytes,
    pub gas_limit: u64,
    /// The legacy gas price, or the max fee per gas of an EIP-1559 transaction.
    pub gas_price: u128,
    /// Set for an EIP-1559 transaction.
    pub priority_fee: Option<u128>,
    /// The transaction's nonce; the sender's current one when None.
    pub nonce: Option<u64>,
}

/// One event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// What running a transaction gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub success: bool,
    /// Gas used as a receipt reports it (after refunds and the EIP-7623 floor).
    pub gas_used: u64,
    /// The refund granted (before the floor).
    pub gas_refunded: u64,
    /// Return data (a creation: the deployed code), or revert data; empty after a halt.
    pub output: Bytes,
    pub created: Option<Address>,
    pub logs: Vec<LogEntry>,
    /// Why execution halted (out of gas, invalid opcode...), when it did.
    pub halt: Option<String>,
}

/// One call frame of a traced transaction, in the order the frames were entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// 0 for the transaction's own frame.
    pub depth: usize,
    /// `CALL`, `STATICCALL`, `DELEGATECALL`, `CALLCODE`, `CREATE` or `CREATE2`.
    pub kind: &'static str,
    pub from: Address,
    /// The callee (the created address for a creation; zero if the creation failed).
    pub to: Address,
    pub value: U256,
    pub input: Bytes,
    pub output: Bytes,
    pub gas_limit: u64,
    pub gas_used: u64,
    /// `"ok"`, `"revert"` or the halt reason.
    pub result: String,
}

/// An inspector that records call frames when tracing (and costs nothing otherwise: revm calls
/// inspectors only in its `inspect_*` entry points).
#[derive(Debug, Default)]
pub struct CallTracer {
    frames: Vec<Frame>,
    open: Vec<usize>,
}

impl CallTracer {
    fn enter(&mut self, frame: Frame) {
        self.open.push(self.frames.len());
        self.frames.push(frame);
    }

    fn leave(&mut self, result: &InstructionResult, output: &Bytes, gas_used: u64) {
        if let Some(index) = self.open.pop() {
            if let Some(frame) = self.frames.get_mut(index) {
                frame.output = output.clone();
                frame.gas_used = gas_used;
                frame.result = describe(result);
            }
        }
    }
}

fn describe(result: &InstructionResult) -> String {
    if result.is_ok() {
        "ok".to_string()
    } else if result.is_revert() {
        "revert".to_string()
    } else {
        format!("{result:?}")
    }
}

impl<CTX, INTR: revm::interpreter::InterpreterTypes> Inspector<CTX, INTR> for CallTracer
where
    CTX: revm::context_interface::ContextTr,
{
    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        let kind = match inputs.scheme {
            CallScheme::Call => "CALL",
            CallScheme::CallCode => "CALLCODE",
            CallScheme::DelegateCall => "DELEGATECALL",
            CallScheme::StaticCall => "STATICCALL",
        };
        let depth = self.open.len();
        self.enter(Frame {
            depth,
            kind,
            from: inputs.caller,
            to: inputs.target_address,
            value: inputs.value.get(),
            input: inputs.input.bytes(context),
            output: Bytes::new(),
            gas_limit: inputs.gas_limit,
            gas_used: 0,
            result: String::new(),
        });
        None
    }

    fn call_end(&mut self, _context: &mut CTX, _inputs: &CallInputs, outcome: &mut CallOutcome) {
        let gas_used = outcome.gas().total_gas_spent();
        self.leave(outcome.instruction_result(), outcome.output(), gas_used);
    }

    fn create(&mut self, _context: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        let kind = match inputs.scheme() {
            revm::context_interface::CreateScheme::Create => "CREATE",
            _ => "CREATE2",
        };
        let depth = self.open.len();
        self.enter(Frame {
            depth,
            kind,
            from: inputs.caller(),
            to: Address::ZERO,
            value: inputs.value(),
            input: inputs.init_code().clone(),
            output: Bytes::new(),
            gas_limit: inputs.gas_limit(),
            gas_used: 0,
            result: String::new(),
        });
        None
    }

    fn create_end(
        &mut self,
        _context: &mut CTX,
        _inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        if let (Some(address), Some(&index)) = (outcome.address, self.open.last()) {
            if let Some(frame) = self.frames.get_mut(index) {
                frame.to = address;
            }
        }
        let gas_used = outcome.gas().total_gas_spent();
        self.leave(outcome.instruction_result(), outcome.output(), gas_used);
    }
}

/// The block a transaction runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockInput {
    pub number: u64,
    pub timestamp: u64,
    pub base_fee: u64,
    pub gas_limit: u64,
    pub coinbase: Address,
    pub prevrandao: B256,
}

/// One EVM with a node's transaction semantics and database snapshots.
pub struct Engine {
    vm: Vm,
    snapshots: HashMap<u64, Db>,
    next_snapshot: u64,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("chain_id", &self.vm.ctx.cfg.chain_id)
            .field("spec", &self.vm.ctx.cfg.spec)
            .field("snapshots", &self.snapshots.len())
            .finish()
    }
}

impl Engine {
    /// An empty world on `spec` for chain `chain_id`, in `block`.
    pub fn new(chain_id: u64, spec: SpecId, block: BlockInput) -> Self {
        let mut ctx: Ctx = Context::new(CacheDB::new(EmptyDB::new()), spec);
        ctx.cfg.chain_id = chain_id;
        ctx.cfg.tx_chain_id_check = true;
        let mut engine = Engine {
            vm: ctx.build_mainnet_with_inspector(CallTracer::default()),
            snapshots: HashMap::new(),
            next_snapshot: 1,
        };
        engine.set_block(block);
        engine
    }

    /// The chain id transactions are checked against.
    pub fn chain_id(&self) -> u64 {
        self.vm.ctx.cfg.chain_id
    }

    fn db(&self) -> &Db {
        &self.vm.ctx.journaled_state.database
    }

    fn db_mut(&mut self) -> &mut Db {
        &mut self.vm.ctx.journaled_state.database
    }

    // -- the environment ------------------------------------------------------------------------

    /// Run what follows in `block`.
    pub fn set_block(&mut self, block: BlockInput) {
        let env = &mut self.vm.ctx.block;
        env.number = U256::from(block.number);
        env.timestamp = U256::from(block.timestamp);
        env.basefee = block.base_fee;
        env.gas_limit = block.gas_limit;
        env.beneficiary = block.coinbase;
        env.prevrandao = Some(block.prevrandao);
        env.difficulty = U256::ZERO;
        env.set_blob_excess_gas_and_price(
            0,
            revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE,
        );
    }

    // -- state: reads and direct edits ------------------------------------------------------------

    /// Balance, nonce and code hash of `address` (zero, zero, the empty hash for a new one).
    pub fn account(&self, address: Address) -> (U256, u64, B256) {
        match self.db().basic_ref(address) {
            Ok(Some(info)) => (info.balance, info.nonce, info.code_hash),
            _ => (U256::ZERO, 0, KECCAK_EMPTY),
        }
    }

    /// The code deployed at `address` (empty when none).
    pub fn code(&self, address: Address) -> Bytes {
        let Ok(Some(info)) = self.db().basic_ref(address) else {
            return Bytes::new();
        };
        if info.code_hash == KECCAK_EMPTY {
            return Bytes::new();
        }
        if let Some(code) = &info.code {
            if !code.is_empty() {
                return code.original_bytes();
            }
        }
        self.db()
            .code_by_hash_ref(info.code_hash)
            .map(|code| code.original_bytes())
            .unwrap_or_default()
    }

    /// The value of storage `slot` of `address`.
    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        self.db().storage_ref(address, slot).unwrap_or_default()
    }

    fn info(&self, address: Address) -> AccountInfo {
        match self.db().basic_ref(address) {
            Ok(Some(info)) => info,
            _ => AccountInfo::default(),
        }
    }

    /// Give `address` a balance of `balance` wei.
    pub fn set_balance(&mut self, address: Address, balance: U256) {
        let mut info = self.info(address);
        info.balance = balance;
        self.db_mut().insert_account_info(address, info);
    }

    /// Set the nonce of `address`.
    pub fn set_nonce(&mut self, address: Address, nonce: u64) {
        let mut info = self.info(address);
        info.nonce = nonce;
        self.db_mut().insert_account_info(address, info);
    }

    /// Put `code` at `address` (empty: remove it).
    pub fn set_code(&mut self, address: Address, code: Bytes) {
        let mut info = self.info(address);
        if code.is_empty() {
            info.code_hash = KECCAK_EMPTY;
            info.code = Some(Bytecode::default());
        } else {
            let bytecode = Bytecode::new_raw(code);
            info.code_hash = bytecode.hash_slow();
            info.code = Some(bytecode);
        }
        self.db_mut().insert_account_info(address, info);
    }

    /// Write `value` into storage `slot` of `address`.
    pub fn set_storage(
        &mut self,
        address: Address,
        slot: U256,
        value: U256,
    ) -> Result<(), EngineError> {
        self.db_mut()
            .insert_account_storage(address, slot, value)
            .map_err(|e| EngineError::Internal(e.to_string()))
    }

    // -- execution ----------------------------------------------------------------------------------

    fn tx_env(&self, tx: &TxInput, commit: bool) -> TxEnv {
        let nonce = tx.nonce.unwrap_or_else(|| self.account(tx.caller).1);
        TxEnv {
            tx_type: if tx.priority_fee.is_some() { 2 } else { 0 },
            caller: tx.caller,
            gas_limit: tx.gas_limit,
            gas_price: tx.gas_price,
            kind: match tx.to {
                Some(to) => TxKind::Call(to),
                None => TxKind::Create,
            },
            value: tx.value,
            data: tx.data.clone(),
            nonce,
            chain_id: if commit { Some(self.chain_id()) } else { None },
            gas_priority_fee: tx.priority_fee,
            ..TxEnv::default()
        }
    }

    /// Calls and estimates run with no nonce check and a base fee of 0 (as geth's and Hardhat's
    /// `eth_call` do, so that a call without a gas price is valid); returns the base fee to put
    /// back.
    fn simulation_mode(&mut self, on: bool, base_fee: u64) -> u64 {
        self.vm.ctx.cfg.disable_nonce_check = on;
        std::mem::replace(&mut self.vm.ctx.block.basefee, base_fee)
    }

    /// Run `tx` for good: validated as a node validates it, executed, its fee charged, its
    /// state committed and the journal finalized.
    pub fn transact(&mut self, tx: &TxInput) -> Result<Outcome, EngineError> {
        let env = self.tx_env(tx, true);
        let result = self.vm.transact_commit(env).map_err(refusal)?;
        Ok(outcome(result))
    }

    /// Run `tx` and drop what it did (a call or an estimate): the nonce is not checked and the
    /// base fee not required.
    pub fn simulate(&mut self, tx: &TxInput) -> Result<Outcome, EngineError> {
        let base_fee = self.simulation_mode(true, 0);
        let env = self.tx_env(tx, false);
        let result = self.vm.transact(env);
        self.simulation_mode(false, base_fee);
        Ok(outcome(result.map_err(refusal)?.result))
    }

    /// Run `tx` as [`Engine::simulate`] does, recording every call frame.
    pub fn trace(&mut self, tx: &TxInput) -> Result<(Outcome, Vec<Frame>), EngineError> {
        let base_fee = self.simulation_mode(true, 0);
        let env = self.tx_env(tx, false);
        self.vm.inspector = CallTracer::default();
        let result = self.vm.inspect_tx(env);
        self.simulation_mode(false, base_fee);
        let frames = std::mem::take(&mut self.vm.inspector.frames);
        self.vm.inspector = CallTracer::default();
        Ok((outcome(result.map_err(refusal)?.result), frames))
    }

    // -- snapshots ----------------------------------------------------------------------------------

    /// Save the world state; returns an id for [`Engine::revert`].
    pub fn snapshot(&mut self) -> u64 {
        let id = self.next_snapshot;
        self.next_snapshot += 1;
        let copy = self.db().clone();
        self.snapshots.insert(id, copy);
        id
    }

    /// Return to snapshot `id` (it stays usable when `keep`); false if it is unknown.
    pub fn revert(&mut self, id: u64, keep: bool) -> bool {
        let saved = if keep {
            self.snapshots.get(&id).cloned()
        } else {
            self.snapshots.remove(&id)
        };
        match saved {
            Some(db) => {
                self.vm.ctx.journaled_state.database = db;
                true
            }
            None => false,
        }
    }

    /// Forget snapshot `id`; false if it is unknown.
    pub fn drop_snapshot(&mut self, id: u64) -> bool {
        self.snapshots.remove(&id).is_some()
    }

    /// How many snapshots are held.
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }
}

fn outcome(result: ExecutionResult<HaltReason>) -> Outcome {
    let gas_used = result.tx_gas_used();
    let gas_refunded = result.gas().final_refunded();
    let logs = result
        .logs()
        .iter()
        .map(|log| LogEntry {
            address: log.address,
            topics: log.data.topics().to_vec(),
            data: log.data.data.clone(),
        })
        .collect();
    match result {
        ExecutionResult::Success { output, .. } => {
            let (data, created) = match output {
                Output::Call(data) => (data, None),
                Output::Create(data, address) => (data, address),
            };
            Outcome {
                success: true,
                gas_used,
                gas_refunded,
                output: data,
                created,
                logs,
                halt: None,
            }
        }
        ExecutionResult::Revert { output, .. } => Outcome {
            success: false,
            gas_used,
            gas_refunded,
            output,
            created: None,
            logs: Vec::new(),
            halt: None,
        },
        ExecutionResult::Halt { reason, .. } => Outcome {
            success: false,
            gas_used,
            gas_refunded,
            output: Bytes::new(),
            created: None,
            logs: Vec::new(),
            halt: Some(format!("{reason:?}")),
        },
    }
}

/// The one-line error for a transaction revm would not run, worded as geth and Hardhat word
/// them where they have a wording (clients classify errors by it).
fn refusal<E: fmt::Display>(error: EVMError<E, InvalidTransaction>) -> EngineError {
    let invalid = match error {
        EVMError::Transaction(invalid) => invalid,
        EVMError::Header(header) => {
            return EngineError::Internal(format!("invalid block: {header}"))
        }
        other => return EngineError::Internal(other.to_string()),
    };
    let (kind, message) = match &invalid {
        InvalidTransaction::NonceTooLow { tx, state } => (
            "nonce_too_low",
            format!("nonce too low: next nonce {state}, tx nonce {tx}"),
        ),
        InvalidTransaction::NonceTooHigh { tx, state } => (
            "nonce_too_high",
            format!("nonce too high: next nonce {state}, tx nonce {tx}"),
        ),
        InvalidTransaction::LackOfFundForMaxFee { fee, balance } => (
            "insufficient_funds",
            format!("insufficient funds for gas * price + value: have {balance} want {fee}"),
        ),
        InvalidTransaction::CallGasCostMoreThanGasLimit {
            initial_gas,
            gas_limit,
        } => (
            "intrinsic_gas",
            format!("intrinsic gas too low: gas {gas_limit}, minimum needed {initial_gas}"),
        ),
        InvalidTransaction::GasFloorMoreThanGasLimit {
            gas_floor,
            gas_limit,
        } => (
            "intrinsic_gas",
            format!("intrinsic gas too low: gas {gas_limit}, minimum needed {gas_floor}"),
        ),
        InvalidTransaction::CallerGasLimitMoreThanBlock => {
            ("gas_limit", "exceeds block gas limit".to_string())
        }
        InvalidTransaction::RejectCallerWithCode => {
            ("sender_not_eoa", "sender not an eoa".to_string())
        }
        InvalidTransaction::GasPriceLessThanBasefee => (
            "fee_too_low",
            "max fee per gas less than block base fee".to_string(),
        ),
        InvalidTransaction::PriorityFeeGreaterThanMaxFee => (
            "fee_too_low",
            "max priority fee per gas higher than max fee per gas".to_string(),
        ),
        InvalidTransaction::InvalidChainId => ("chain_id", "invalid chain id".to_string()),
        InvalidTransaction::CreateInitCodeSizeLimit => {
            ("initcode_size", "max initcode size exceeded".to_string())
        }
        other => ("invalid", format!("invalid transaction: {other}")),
    };
    EngineError::Invalid { kind, message }
}

#[cfg(test)]
mod tests;
