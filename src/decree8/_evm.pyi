"""Types of decree8's EVM core, the Rust extension built from ``native/`` (``python.rs``)."""

REVM_VERSION: str

class EvmError(Exception):
    """revm refused a request: ``args`` are ``(kind, message)``."""

class TxOutcome:
    @property
    def success(self) -> bool: ...
    @property
    def gas_used(self) -> int: ...
    @property
    def gas_refunded(self) -> int: ...
    @property
    def output(self) -> bytes: ...
    @property
    def created(self) -> str | None: ...
    @property
    def halt(self) -> str | None: ...
    @property
    def logs(self) -> list[tuple[str, tuple[str, ...], bytes]]: ...

#: (depth, kind, from, to, value, input, output, gas limit, gas used, result)
Frame = tuple[int, str, str, str, int, bytes, bytes, int, int, str]

class Evm:
    def __init__(
        self,
        chain_id: int,
        spec: str,
        *,
        number: int,
        timestamp: int,
        base_fee: int,
        gas_limit: int,
        coinbase: str,
        prevrandao: bytes,
    ) -> None: ...
    def set_block(
        self,
        *,
        number: int,
        timestamp: int,
        base_fee: int,
        gas_limit: int,
        coinbase: str,
        prevrandao: bytes,
    ) -> None: ...
    def account(self, address_hex: str) -> tuple[int, int, bytes]: ...
    def code(self, address_hex: str) -> bytes: ...
    def storage(self, address_hex: str, slot: int) -> int: ...
    def set_balance(self, address_hex: str, balance: int) -> None: ...
    def set_nonce(self, address_hex: str, nonce: int) -> None: ...
    def set_code(self, address_hex: str, code: bytes) -> None: ...
    def set_storage(self, address_hex: str, slot: int, value: int) -> None: ...
    def transact(
        self,
        caller: str,
        to: str | None,
        value: int,
        data: bytes,
        gas: int,
        gas_price: int,
        priority_fee: int | None = None,
        nonce: int | None = None,
    ) -> TxOutcome: ...
    def simulate(
        self,
        caller: str,
        to: str | None,
        value: int,
        data: bytes,
        gas: int,
        gas_price: int | None = None,
        priority_fee: int | None = None,
    ) -> TxOutcome: ...
    def trace(
        self,
        caller: str,
        to: str | None,
        value: int,
        data: bytes,
        gas: int,
        gas_price: int | None = None,
    ) -> tuple[TxOutcome, list[Frame]]: ...
    def snapshot(self) -> int: ...
    def revert(self, snapshot_id: int, keep: bool = True) -> bool: ...
    def drop_snapshot(self, snapshot_id: int) -> bool: ...
    @property
    def snapshot_count(self) -> int: ...
