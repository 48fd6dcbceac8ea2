"""Signed reports: who produced a report, and proof that it was not edited afterwards.

What is signed: the report's JSON data (the ``json`` format, without its ``signature`` member),
as canonical JSON (keys sorted, no spaces, UTF-8: :func:`decree8.fsutil.canonical_json`). Its
keccak-256 hash is signed as an EIP-191 "personal message" (version ``0x45``): the signer signs
``"\\x19Ethereum Signed Message:\\n32" + hash``, as ``eth_sign``/``personal_sign`` of the 32-byte
hash does, so a node's account or a hardware wallet can sign it as well as a key file.

Every format embeds the signature block ``{scheme, hash, signer, signature}``; the JSON format is
the signed data plus that block, and the other formats carry the signed data too (HTML in a
``<script type="application/json">`` block, Markdown in an HTML comment, text in its last line,
SARIF in the run's property bag), so :func:`verify_data` checks any of them.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import is_address, keccak, to_checksum_address

from decree8.errors import UsageError
from decree8.fsutil import canonical_json
from decree8.rules.solidity import HolderType

if TYPE_CHECKING:
    from decree8.chain import Chain
    from decree8.result import Report

__all__ = [
    "PASSWORD_ENV",
    "SCHEME",
    "KeySigner",
    "NodeSigner",
    "Signature",
    "Signer",
    "Verification",
    "embedded_trailer",
    "load_signer",
    "report_hash",
    "sign_report",
    "signer_role",
    "verify_data",
]

SCHEME = "eip191-keccak256-canonical-json/1"
#: The environment variable holding the password of an encrypted keystore given to --sign-with.
PASSWORD_ENV = "DECREE8_KEY_PASSWORD"
#: How text and Markdown reports carry the signed data (base64 of its canonical JSON).
DATA_MARKER = "decree8-report-data:"


def report_hash(data: Mapping[str, Any]) -> bytes:
    """keccak-256 of the canonical JSON of ``data`` without its ``signature`` member."""
    unsigned = {k: v for k, v in data.items() if k != "signature"}
    return bytes(keccak(canonical_json(unsigned).encode("utf-8")))


@dataclass(frozen=True)
class Signature:
    """A report's signature, with the data it signed (``data``: the JSON report, no signature)."""

    data: Mapping[str, Any]
    hash: str
    signer: str
    signature: str
    scheme: str = SCHEME

    def block(self) -> dict[str, str]:
        return {
            "scheme": self.scheme,
            "hash": self.hash,
            "signer": self.signer,
            "signature": self.signature,
        }

    def signed_report(self) -> dict[str, Any]:
        """The JSON report as written: the signed data plus the signature block."""
        out = copy.deepcopy(dict(self.data))
        out["signature"] = self.block()
        return out

    @classmethod
    def from_report_data(cls, data: Mapping[str, Any]) -> Signature | None:
        """The signature a JSON report carries (``None`` when unsigned); :class:`UsageError` if
        the block is malformed."""
        block = data.get("signature")
        if block is None:
            return None
        if not isinstance(block, Mapping) or any(
            not isinstance(block.get(k), str) for k in ("scheme", "hash", "signer", "signature")
        ):
            raise UsageError(
                "the report's signature block is malformed: it needs scheme, hash, "
                "signer and signature as strings"
            )
        if block["scheme"] != SCHEME:
            raise UsageError(
                f"the report is signed with an unknown scheme {block['scheme']!r}; "
                f"decree8 checks {SCHEME}"
            )
        unsigned = {k: v for k, v in data.items() if k != "signature"}
        return cls(unsigned, block["hash"], block["signer"], block["signature"], block["scheme"])


# --------------------------------------------------------------------------------------------------
# Signers
# --------------------------------------------------------------------------------------------------


class Signer:
    """Signs a 32-byte hash as an EIP-191 personal message."""

    address: str

    def sign_hash(self, digest: bytes) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError


class KeySigner(Signer):
    """A private key (from a hex key file or a decrypted keystore)."""

    def __init__(self, private_key: bytes) -> None:
        from eth_account import Account

        self._key = private_key
        self.address = str(Account.from_key(private_key).address)

    def sign_hash(self, digest: bytes) -> bytes:
        from eth_account import Account
        from eth_account.messages import encode_defunct

        signed = Account.sign_message(encode_defunct(primitive=digest), self._key)
        return bytes(signed.signature)


class NodeSigner(Signer):
    """An account of the node (``eth_sign``, which prefixes the EIP-191 header itself)."""

    def __init__(self, chain: Chain, address: str) -> None:
        self._chain = chain
        self.address = str(to_checksum_address(address))

    def sign_hash(self, digest: bytes) -> bytes:
        from hexbytes import HexBytes
        from web3.exceptions import MethodUnavailable

        try:
            signed = self._chain.w3.eth.sign(self.address, data=digest)
        except MethodUnavailable:
            # eth-tester and the revm chain have no eth_sign; their accounts hold the publicly
            # known development keys 1, 2, 3 ... which sign the same message here.
            key = _dev_key(self.address, len(self._chain.accounts))
            if key is None:
                raise UsageError(
                    f"the node cannot sign (no eth_sign) and {self.address} is not one of its "
                    "development accounts; give a key file instead"
                ) from None
            return KeySigner(key).sign_hash(digest)
        except Exception as err:  # noqa: BLE001 - any node refusal is one line for the user
            raise UsageError(
                f"the node would not sign with {self.address} ({err}); give a key file instead"
            ) from None
        return bytes(HexBytes(signed))


def _dev_key(address: str, accounts: int) -> bytes | None:
    """The development key (1, 2, 3 ...) of ``address``, if it is one of the first ``accounts``."""
    from eth_account import Account

    for index in range(1, accounts + 1):
        key = index.to_bytes(32, "big")
        if Account.from_key(key).address == address:
            return key
    return None


def _key_from_file(path: Path, password: Callable[[], str | None]) -> bytes:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        why = getattr(err, "strerror", None) or str(err)
        raise UsageError(f"cannot read key file {path}: {why}") from None
    if text.startswith("{"):
        try:
            keystore = json.loads(text)
        except json.JSONDecodeError:
            raise UsageError(f"key file {path} is not valid keystore JSON") from None
        if not isinstance(keystore, dict) or not ("crypto" in keystore or "Crypto" in keystore):
            raise UsageError(f"key file {path} is JSON but not an encrypted keystore")
        secret = password()
        if secret is None:
            raise UsageError(
                f"key file {path} is an encrypted keystore: set {PASSWORD_ENV} to its password "
                "(or run in a terminal to be asked)"
            )
        from eth_account import Account

        try:
            return bytes(Account.decrypt(keystore, secret))
        except (ValueError, KeyError, TypeError) as err:
            raise UsageError(f"cannot decrypt key file {path}: {err}") from None
    raw = text[2:] if text[:2].lower() == "0x" else text
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise UsageError(
            f"key file {path} holds neither a 32-byte hex private key nor a keystore JSON"
        )
    return key


def _password() -> str | None:
    found = os.environ.get(PASSWORD_ENV)
    if found is not None:
        return found
    if sys.stdin.isatty():
        import click

        return str(click.prompt("keystore password", hide_input=True, err=True))
    return None


def load_signer(
    spec: str,
    chain: Callable[[], Chain] | None = None,
    password: Callable[[], str | None] = _password,
) -> Signer:
    """The signer ``--sign-with`` names: a key file (hex private key, or a keystore JSON whose
    password is in ``$DECREE8_KEY_PASSWORD`` or asked on a terminal), else an address or account
    index of the node ``chain()`` returns."""
    path = Path(spec)
    if path.exists() or spec.endswith((".json", ".key", ".txt")) or os.sep in spec:
        if path.is_dir():
            raise UsageError(f"key file {path} is a folder; give the key file itself")
        return KeySigner(_key_from_file(path, password))
    if chain is None:
        raise UsageError(f"--sign-with {spec}: no such key file")
    node = chain()
    accounts = [str(a) for a in node.accounts]
    if spec.isdigit() and int(spec) < len(accounts):
        return NodeSigner(node, accounts[int(spec)])
    if is_address(spec):
        address = str(to_checksum_address(spec))
        if address not in accounts:
            raise UsageError(f"--sign-with {address}: not an account of the node")
        return NodeSigner(node, address)
    raise UsageError(
        f"--sign-with {spec}: neither a key file nor an address or account index of the node"
    )


def sign_report(report: Report, signer: Signer) -> Report:
    """``report`` with its :class:`Signature` (every format then embeds it)."""
    from decree8.report.json import report_to_dict

    data = report_to_dict(replace(report, signature=None))
    data = json.loads(json.dumps(data, ensure_ascii=False))  # plain JSON values, as a reader sees
    digest = report_hash(data)
    signature = signer.sign_hash(digest)
    return replace(
        report,
        signature=Signature(
            data=data,
            hash="0x" + digest.hex(),
            signer=signer.address,
            signature="0x" + signature.hex(),
        ),
    )


# --------------------------------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """``status`` is VALID, TAMPERED or UNSIGNED; ``reason`` says why in one sentence."""

    status: str
    reason: str
    signer: str | None = None
    recovered: str | None = None
    hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "VALID"


def verify_data(data: Mapping[str, Any]) -> Verification:
    """Recompute the hash of a JSON report's data and recover who signed it.

    :class:`UsageError` when the signature block is malformed or the signature recovers no
    address (a signature that cannot be checked at all)."""
    signature = Signature.from_report_data(data)
    if signature is None:
        return Verification("UNSIGNED", "the report carries no signature")
    digest = report_hash(data)
    actual = "0x" + digest.hex()
    if actual != signature.hash.lower():
        return Verification(
            "TAMPERED",
            f"the report's content hashes to {actual}, not to the signed {signature.hash}: "
            "it was changed after it was signed",
            signer=signature.signer,
            hash=actual,
        )
    from eth_account import Account
    from eth_account.messages import encode_defunct

    raw = signature.signature
    try:
        sig_bytes = bytes.fromhex(raw[2:] if raw.startswith("0x") else raw)
        recovered = str(
            Account.recover_message(encode_defunct(primitive=digest), signature=sig_bytes)
        )
    except Exception:  # noqa: BLE001 - eth_keys raises several types for a bad signature
        raise UsageError(
            "the report's signature does not recover to any address: it is malformed"
        ) from None
    claimed = signature.signer
    if not is_address(claimed) or str(to_checksum_address(claimed)) != recovered:
        return Verification(
            "TAMPERED",
            f"the signature was made by {recovered}, not by the signer the report names "
            f"({claimed})",
            signer=claimed,
            recovered=recovered,
            hash=actual,
        )
    return Verification(
        "VALID",
        f"signed by {recovered}; the content is as it was signed",
        signer=claimed,
        recovered=recovered,
        hash=actual,
    )


def signer_role(chain: Chain, data: Mapping[str, Any], signer: str) -> str | None:
    """``a registered operator in HolderRegistry 0x..`` when a holder registry the report names
    (its ``subject``) attests ``signer`` on ``chain`` as an operator (type 3, not revoked)."""
    from eth_abi import decode, encode
    from eth_typing import HexStr

    registries = [
        str(s).split(" ", 1)[1]
        for s in data.get("subject", [])
        if str(s).startswith("HolderRegistry ")
    ]
    selector = keccak(text="attestationOf(address)")[:4]
    call = HexStr("0x" + (selector + encode(["address"], [signer])).hex())
    for registry in registries:
        try:
            raw = chain.w3.eth.call({"to": to_checksum_address(registry), "data": call})
            holder_type, _j, _v, _k, _f, revoked = decode(
                ["uint8", "bytes2", "uint64", "bytes32", "uint32", "bool"], bytes(raw)
            )
        except Exception:  # noqa: BLE001 - not a registry on this node: say nothing
            continue
        if holder_type == HolderType.OPERATOR and not revoked:
            return f"a registered operator in HolderRegistry {registry}"
    return None


# --------------------------------------------------------------------------------------------------
# Embedding in the text formats
# --------------------------------------------------------------------------------------------------


def _b64(data: Mapping[str, Any]) -> str:
    return base64.b64encode(canonical_json(data).encode("utf-8")).decode("ascii")


def embedded_trailer(fmt: str, signature: Signature) -> str:
    """What a text or Markdown report appends when signed: the signature, then the signed
    report (base64 of its canonical JSON) on one line."""
    data = _b64(signature.signed_report())
    if fmt == "markdown":
        return (
            "\n## Signature\n\n"
            f"- **Signer:** `{signature.signer}`\n"
            f"- **Hash (keccak-256 of the canonical JSON report):** `{signature.hash}`\n"
            f"- **Signature (EIP-191 personal message over the hash):** `{signature.signature}`\n"
            "- Check it with `decree8 report verify FILE`.\n\n"
            f"<!-- {DATA_MARKER} {data} -->\n"
        )
    return (
        "\nSignature\n"
        f"  signer     {signature.signer}\n"
        f"  hash       {signature.hash} (keccak-256 of the canonical JSON report)\n"
        f"  signature  {signature.signature} (EIP-191 personal message over the hash)\n"
        "  check it with `decree8 report verify FILE`\n"
        f"{DATA_MARKER} {data}\n"
    )


def decode_trailer(text: str) -> dict[str, Any] | None:
    """The signed report a text or Markdown report carries (``None`` if none)."""
    at = text.rfind(DATA_MARKER)
    if at < 0:
        return None
    words = text[at + len(DATA_MARKER) :].split()
    payload = words[0] if words else ""
    try:
        data = json.loads(base64.b64decode(payload, validate=True).decode("utf-8"))
    except ValueError:
        raise UsageError("the report's embedded data is damaged (not base64 JSON)") from None
    return data if isinstance(data, dict) else None
