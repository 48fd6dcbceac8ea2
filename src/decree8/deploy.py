"""Deploy a compiled artifact and record the deployment as a JSON manifest.

A manifest is the evidence of what was deployed: which chain, which address, which contract from
which source (hash), which compiler and settings, which constructor arguments, by whom, in which
transaction and block. `verify` and `audit` start from it. Manifests are written atomically and
never overwritten unless the caller asks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from decree8.errors import ManifestError
from decree8.fsutil import atomic_write_text
from decree8.hexutil import to_0x

if TYPE_CHECKING:
    from web3.contract import Contract

    from decree8.chain import Chain
    from decree8.compile import Artifact

MANIFEST_SCHEMA = "decree8.deployment/1"

_REQUIRED = (
    "chain_id",
    "address",
    "contract",
    "source",
    "source_hash",
    "compiler_version",
    "settings_hash",
    "constructor_args",
    "deployer",
    "tx_hash",
    "block",
)


@dataclass(frozen=True)
class Deployment:
    """One deployed contract, as recorded in its manifest."""

    chain_id: int
    address: str
    contract: str
    source: str
    source_hash: str
    compiler_version: str
    settings_hash: str
    input_hash: str
    constructor_args: tuple[Any, ...]
    deployer: str
    tx_hash: str
    block: int
    template: str | None = None
    template_version: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    terms_hash: str | None = None
    abi: tuple[Mapping[str, Any], ...] = field(default=(), repr=False, compare=False)

    # -- web3 -----------------------------------------------------------------------------------
    def bind(self, chain: Chain) -> Contract:
        """A web3 contract object for this deployment on `chain` (checks the chain id)."""
        if chain.chain_id != self.chain_id:
            raise ManifestError(
                f"deployment {self.address} is on chain {self.chain_id}, but the node is chain "
                f"{chain.chain_id}: use the --rpc of the chain it was deployed to"
            )
        chain.register_abi(list(self.abi))
        return chain.w3.eth.contract(address=to_checksum_address(self.address), abi=list(self.abi))

    # -- manifest -------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["constructor_args"] = [_jsonable(a) for a in self.constructor_args]
        data["params"] = {k: _jsonable(v) for k, v in dict(self.params).items()}
        data["abi"] = list(self.abi)
        return {"schema": MANIFEST_SCHEMA, **data}

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the manifest atomically. Refuses to replace an existing file unless `overwrite`."""
        target = Path(path)
        text = json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n"
        try:
            atomic_write_text(target, text, overwrite, exists_error=ManifestError)
        except ManifestError:
            raise ManifestError(
                f"{target} already exists: pass --force to replace it, or choose another --out"
            ) from None
        return target

    @classmethod
    def load(cls, path: str | Path, *, chain_id: int | None = None) -> Deployment:
        """Read a manifest; ManifestError when it is missing, corrupt or from another chain."""
        source = Path(path)
        try:
            raw = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ManifestError(f"manifest {source} does not exist") from None
        except OSError as exc:
            raise ManifestError(f"cannot read manifest {source}: {exc.strerror}") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ManifestError(
                f"manifest {source} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                f"{exc.msg}): restore it or deploy again"
            ) from None
        if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
            raise ManifestError(
                f"{source} is not a decree8 deployment manifest (expected schema {MANIFEST_SCHEMA})"
            )
        missing = [k for k in _REQUIRED if k not in data]
        if missing:
            raise ManifestError(f"manifest {source} is corrupt: missing {', '.join(missing)}")
        try:
            dep = cls(
                chain_id=int(data["chain_id"]),
                address=to_checksum_address(data["address"]),
                contract=str(data["contract"]),
                source=str(data["source"]),
                source_hash=str(data["source_hash"]),
                compiler_version=str(data["compiler_version"]),
                settings_hash=str(data["settings_hash"]),
                input_hash=str(data.get("input_hash", "")),
                constructor_args=tuple(data["constructor_args"]),
                deployer=to_checksum_address(data["deployer"]),
                tx_hash=str(data["tx_hash"]),
                block=int(data["block"]),
                template=data.get("template"),
                template_version=data.get("template_version"),
                params=dict(data.get("params") or {}),
                terms_hash=data.get("terms_hash"),
                abi=tuple(data.get("abi") or ()),
            )
        except (TypeError, ValueError) as exc:
            raise ManifestError(f"manifest {source} is corrupt: {exc}") from None
        if chain_id is not None and dep.chain_id != chain_id:
            raise ManifestError(
                f"manifest {source} is for chain {dep.chain_id}, but the node is chain {chain_id}: "
                "pass the --rpc of the chain it was deployed to"
            )
        return dep


def deploy(
    chain: Chain,
    artifact: Artifact,
    args: Sequence[Any] = (),
    *,
    sender: str | None = None,
    gas: int | None = None,
    value: int = 0,
    template: str | None = None,
    template_version: str | None = None,
    params: Mapping[str, Any] | None = None,
    terms_hash: str | None = None,
) -> Deployment:
    """Deploy `artifact` with constructor `args` from `sender` (default: the first account)."""
    if artifact.link_references:
        raise ManifestError(
            f"{artifact.name} needs linked libraries ({', '.join(artifact.link_references)}); "
            "decree8 templates never do: deploy the libraries and link them first"
        )
    sender = to_checksum_address(sender or chain.accounts[0])
    chain.register_abi(artifact.abi)
    factory = chain.w3.eth.contract(abi=artifact.abi, bytecode="0x" + artifact.bytecode)
    data = factory.constructor(*args).data_in_transaction
    tx: dict[str, Any] = {"from": sender, "data": data, "value": value}
    receipt = chain.transact(tx, gas=gas)
    address = receipt["contractAddress"]
    if not address:
        raise ManifestError(f"deploying {artifact.name} returned no contract address")
    return Deployment(
        chain_id=chain.chain_id,
        address=to_checksum_address(address),
        contract=artifact.name,
        source=artifact.source,
        source_hash=artifact.source_hash,
        compiler_version=artifact.compiler_version,
        settings_hash=artifact.settings_hash,
        input_hash=artifact.input_hash,
        constructor_args=tuple(_jsonable(a) for a in args),
        deployer=sender,
        tx_hash=to_0x(receipt["transactionHash"]),
        block=int(receipt["blockNumber"]),
        template=template,
        template_version=template_version,
        params=dict(params or {}),
        terms_hash=terms_hash,
        abi=tuple(artifact.abi),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value
