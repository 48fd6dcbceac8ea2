//! The `decree8._evm` module: thin Python wrappers around [`crate::engine`].
//!
//! Addresses come in as 0x-hex strings and go out as lowercase 0x-hex; quantities are Python ints; byte
//! strings are `bytes`. Nothing here trusts its input: a malformed argument raises `ValueError`,
//! a transaction revm refuses raises `EvmError(kind, message)`.

use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use revm::primitives::{hex, Address, Bytes, B256, U256};

use crate::engine::{self, BlockInput, Engine, EngineError, Frame, Outcome, TxInput};

pyo3::create_exception!(
    _evm,
    EvmError,
    PyException,
    "revm refused a request: args are (kind, message); kind names the failed check."
);

fn to_py_err(error: EngineError) -> PyErr {
    match error {
        EngineError::Invalid { kind, message } => EvmError::new_err((kind, message)),
        EngineError::Argument(message) => PyValueError::new_err(message),
        EngineError::Internal(message) => EvmError::new_err(("internal", message)),
    }
}

fn address(text: &str) -> PyResult<Address> {
    text.parse::<Address>()
        .map_err(|_| PyValueError::new_err(format!("not a 20-byte hex address: {text:?}")))
}

fn quantity(value: &Bound<'_, PyAny>, what: &str) -> PyResult<U256> {
    if let Ok(small) = value.extract::<u128>() {
        return Ok(U256::from(small));
    }
    let raw: Vec<u8> = value
        .call_method1("to_bytes", (32, "big"))
        .and_then(|bytes| bytes.extract())
        .map_err(|_| {
            PyValueError::new_err(format!("{what} must be an int in [0, 2**256): got {value}"))
        })?;
    Ok(U256::from_be_slice(&raw))
}

fn int<'py>(py: Python<'py>, value: U256) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(small) = u128::try_from(value) {
        return Ok(small.into_pyobject(py)?.into_any());
    }
    let bytes = PyBytes::new(py, &value.to_be_bytes::<32>());
    py.get_type::<pyo3::types::PyInt>()
        .call_method1("from_bytes", (bytes, "big"))
}

fn hash32(raw: &[u8], what: &str) -> PyResult<B256> {
    if raw.len() != 32 {
        return Err(PyValueError::new_err(format!(
            "{what} must be 32 bytes, got {}",
            raw.len()
        )));
    }
    Ok(B256::from_slice(raw))
}

/// The result of running a transaction.
#[pyclass(module = "decree8._evm", frozen)]
pub struct TxOutcome {
    inner: Outcome,
}

#[pymethods]
impl TxOutcome {
    /// True if the transaction succeeded (status 1).
    #[getter]
    fn success(&self) -> bool {
        self.inner.success
    }
    /// Gas used, as the receipt reports it.
    #[getter]
    fn gas_used(&self) -> u64 {
        self.inner.gas_used
    }
    /// The refund granted.
    #[getter]
    fn gas_refunded(&self) -> u64 {
        self.inner.gas_refunded
    }
    /// Return data (a creation: the deployed code) or revert data.
    #[getter]
    fn output<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.output)
    }
    /// The created contract's address (lowercase 0x-hex), or None.
    #[getter]
    fn created(&self) -> Option<String> {
        self.inner.created.map(hex::encode_prefixed)
    }
    /// Why execution halted, or None.
    #[getter]
    fn halt(&self) -> Option<String> {
        self.inner.halt.clone()
    }
    /// The logs, as (lowercase 0x-hex address, tuple of 0x-hex topics, data bytes).
    #[getter]
    fn logs<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.inner
            .logs
            .iter()
            .map(|log| {
                let topics: Vec<String> = log.topics.iter().map(hex::encode_prefixed).collect();
                (
                    hex::encode_prefixed(log.address),
                    PyTuple::new(py, topics)?,
                    PyBytes::new(py, &log.data),
                )
                    .into_pyobject(py)
            })
            .collect()
    }
}

fn frame_tuple<'py>(py: Python<'py>, frame: &Frame) -> PyResult<Bound<'py, PyTuple>> {
    (
        frame.depth,
        frame.kind,
        hex::encode_prefixed(frame.from),
        hex::encode_prefixed(frame.to),
        int(py, frame.value)?,
        PyBytes::new(py, &frame.input),
        PyBytes::new(py, &frame.output),
        frame.gas_limit,
        frame.gas_used,
        frame.result.as_str(),
    )
        .into_pyobject(py)
}

/// The engine behind a mutex: Python may call from any thread (the node serves requests from
/// several), one at a time.
struct Shared(Engine);

// SAFETY: two things keep revm's EVM from being `Send`: an `Rc` (the context's shared memory
// buffer) and raw pointers (an interpreter frame's instruction pointer into its bytecode). Every
// clone of that `Rc` lives inside the same `Engine`, and the pointers point into heap bytes owned
// by (refcounted, thread-safe) `Bytes` that the same engine holds; neither is handed out. So moving
// the whole engine to another thread, always behind the mutex below and never used from two
// threads at once, leaves no `Rc` shared across threads and no pointer dangling.
unsafe impl Send for Shared {}

/// One EVM run the way a node runs transactions (see the `engine` module of the crate).
#[pyclass(module = "decree8._evm", frozen)]
pub struct Evm {
    engine: Mutex<Shared>,
}

impl Evm {
    fn engine(&self) -> PyResult<MutexGuard<'_, Shared>> {
        self.engine
            .lock()
            .map_err(|_| EvmError::new_err(("internal", "the EVM was poisoned by a panic")))
    }
}

#[allow(clippy::too_many_arguments)]
fn tx_input(
    caller: &str,
    to: Option<&str>,
    value: &Bound<'_, PyAny>,
    data: &[u8],
    gas: u64,
    gas_price: &Bound<'_, PyAny>,
    priority_fee: Option<&Bound<'_, PyAny>>,
    nonce: Option<u64>,
) -> PyResult<TxInput> {
    let price = u128::try_from(quantity(gas_price, "gas price")?)
        .map_err(|_| PyValueError::new_err("gas price does not fit in 128 bits"))?;
    let priority_fee = match priority_fee {
        Some(fee) => Some(
            u128::try_from(quantity(fee, "priority fee")?)
                .map_err(|_| PyValueError::new_err("priority fee does not fit in 128 bits"))?,
        ),
        None => None,
    };
    Ok(TxInput {
        caller: address(caller)?,
        to: to.map(address).transpose()?,
        value: quantity(value, "value")?,
        data: Bytes::copy_from_slice(data),
        gas_limit: gas,
        gas_price: price,
        priority_fee,
        nonce,
    })
}

#[pymethods]
impl Evm {
    #[new]
    #[pyo3(signature = (chain_id, spec, *, number, timestamp, base_fee, gas_limit, coinbase, prevrandao))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        chain_id: u64,
        spec: &str,
        number: u64,
        timestamp: u64,
        base_fee: u64,
        gas_limit: u64,
        coinbase: &str,
        prevrandao: &[u8],
    ) -> PyResult<Self> {
        let spec = engine::spec_from_name(spec).map_err(to_py_err)?;
        let block = BlockInput {
            number,
            timestamp,
            base_fee,
            gas_limit,
            coinbase: address(coinbase)?,
            prevrandao: hash32(prevrandao, "prevrandao")?,
        };
        Ok(Evm {
            engine: Mutex::new(Shared(Engine::new(chain_id, spec, block))),
        })
    }

    /// Run what follows in this block.
    #[pyo3(signature = (*, number, timestamp, base_fee, gas_limit, coinbase, prevrandao))]
    fn set_block(
        &self,
        number: u64,
        timestamp: u64,
        base_fee: u64,
        gas_limit: u64,
        coinbase: &str,
        prevrandao: &[u8],
    ) -> PyResult<()> {
        let block = BlockInput {
            number,
            timestamp,
            base_fee,
            gas_limit,
            coinbase: address(coinbase)?,
            prevrandao: hash32(prevrandao, "prevrandao")?,
        };
        self.engine()?.0.set_block(block);
        Ok(())
    }

    /// (balance, nonce, code hash) of an address.
    fn account<'py>(
        &self,
        py: Python<'py>,
        address_hex: &str,
    ) -> PyResult<(Bound<'py, PyAny>, u64, Bound<'py, PyBytes>)> {
        let (balance, nonce, code_hash) = self.engine()?.0.account(address(address_hex)?);
        Ok((
            int(py, balance)?,
            nonce,
            PyBytes::new(py, code_hash.as_slice()),
        ))
    }

    /// The code deployed at an address.
    fn code<'py>(&self, py: Python<'py>, address_hex: &str) -> PyResult<Bound<'py, PyBytes>> {
        let code = self.engine()?.0.code(address(address_hex)?);
        Ok(PyBytes::new(py, &code))
    }

    /// The value of a storage slot.
    fn storage<'py>(
        &self,
        py: Python<'py>,
        address_hex: &str,
        slot: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let slot = quantity(slot, "slot")?;
        let value = self.engine()?.0.storage(address(address_hex)?, slot);
        int(py, value)
    }

    fn set_balance(&self, address_hex: &str, balance: &Bound<'_, PyAny>) -> PyResult<()> {
        let balance = quantity(balance, "balance")?;
        self.engine()?.0.set_balance(address(address_hex)?, balance);
        Ok(())
    }

    fn set_nonce(&self, address_hex: &str, nonce: u64) -> PyResult<()> {
        self.engine()?.0.set_nonce(address(address_hex)?, nonce);
        Ok(())
    }

    fn set_code(&self, address_hex: &str, code: &[u8]) -> PyResult<()> {
        self.engine()?
            .0
            .set_code(address(address_hex)?, Bytes::copy_from_slice(code));
        Ok(())
    }

    fn set_storage(
        &self,
        address_hex: &str,
        slot: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let slot = quantity(slot, "slot")?;
        let value = quantity(value, "value")?;
        self.engine()?
            .0
            .set_storage(address(address_hex)?, slot, value)
            .map_err(to_py_err)
    }

    /// Run a transaction for good (validated, executed, fee charged, committed, finalized).
    #[pyo3(signature = (caller, to, value, data, gas, gas_price, priority_fee=None, nonce=None))]
    #[allow(clippy::too_many_arguments)]
    fn transact(
        &self,
        caller: &str,
        to: Option<&str>,
        value: &Bound<'_, PyAny>,
        data: &[u8],
        gas: u64,
        gas_price: &Bound<'_, PyAny>,
        priority_fee: Option<&Bound<'_, PyAny>>,
        nonce: Option<u64>,
    ) -> PyResult<TxOutcome> {
        let tx = tx_input(caller, to, value, data, gas, gas_price, priority_fee, nonce)?;
        let inner = self.engine()?.0.transact(&tx).map_err(to_py_err)?;
        Ok(TxOutcome { inner })
    }

    /// Run a transaction and drop what it did (a call or an estimate).
    #[pyo3(signature = (caller, to, value, data, gas, gas_price=None, priority_fee=None))]
    #[allow(clippy::too_many_arguments)]
    fn simulate(
        &self,
        py: Python<'_>,
        caller: &str,
        to: Option<&str>,
        value: &Bound<'_, PyAny>,
        data: &[u8],
        gas: u64,
        gas_price: Option<&Bound<'_, PyAny>>,
        priority_fee: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<TxOutcome> {
        let zero = 0u8.into_pyobject(py)?.into_any();
        let price = gas_price.unwrap_or(&zero);
        let tx = tx_input(caller, to, value, data, gas, price, priority_fee, None)?;
        let inner = self.engine()?.0.simulate(&tx).map_err(to_py_err)?;
        Ok(TxOutcome { inner })
    }

    /// Run a transaction as `simulate` does and return (outcome, frames); a frame is
    /// (depth, kind, from, to, value, input, output, gas limit, gas used, result).
    #[pyo3(signature = (caller, to, value, data, gas, gas_price=None))]
    #[allow(clippy::too_many_arguments)]
    fn trace<'py>(
        &self,
        py: Python<'py>,
        caller: &str,
        to: Option<&str>,
        value: &Bound<'py, PyAny>,
        data: &[u8],
        gas: u64,
        gas_price: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(TxOutcome, Vec<Bound<'py, PyTuple>>)> {
        let zero = 0u8.into_pyobject(py)?.into_any();
        let price = gas_price.unwrap_or(&zero);
        let tx = tx_input(caller, to, value, data, gas, price, None, None)?;
        let (inner, frames) = self.engine()?.0.trace(&tx).map_err(to_py_err)?;
        let frames = frames
            .iter()
            .map(|frame| frame_tuple(py, frame))
            .collect::<PyResult<Vec<_>>>()?;
        Ok((TxOutcome { inner }, frames))
    }

    /// Save the state; returns an id.
    fn snapshot(&self) -> PyResult<u64> {
        Ok(self.engine()?.0.snapshot())
    }

    /// Return to a snapshot (kept for reuse when `keep`); False if it is unknown.
    #[pyo3(signature = (snapshot_id, keep=true))]
    fn revert(&self, snapshot_id: u64, keep: bool) -> PyResult<bool> {
        Ok(self.engine()?.0.revert(snapshot_id, keep))
    }

    /// Forget a snapshot; False if it is unknown.
    fn drop_snapshot(&self, snapshot_id: u64) -> PyResult<bool> {
        Ok(self.engine()?.0.drop_snapshot(snapshot_id))
    }

    /// How many snapshots are held.
    #[getter]
    fn snapshot_count(&self) -> PyResult<usize> {
        Ok(self.engine()?.0.snapshot_count())
    }
}

#[pymodule]
fn _evm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Evm>()?;
    m.add_class::<TxOutcome>()?;
    m.add("EvmError", m.py().get_type::<EvmError>())?;
    m.add("REVM_VERSION", "43.0.3")?;
    Ok(())
}
