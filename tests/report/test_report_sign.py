"""Signed reports: every format carries the signature and the signed data; `decree8 report verify`
says VALID, TAMPERED or UNSIGNED; bad keys and signatures are one line, exit 2."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from eth_account import Account

from decree8.cli import main
from decree8.cli._app import App
from decree8.errors import UsageError
from decree8.report import OutputFormat, Report, write_report
from decree8.report.load import extract_data
from decree8.report.sign import (
    PASSWORD_ENV,
    SCHEME,
    KeySigner,
    load_signer,
    report_hash,
    sign_report,
    signer_role,
    verify_data,
)

KEY = bytes.fromhex("4c" * 32)
SIGNER = Account.from_key(KEY).address
FORMATS = ("json", "html", "markdown", "sarif", "text")


def _cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "signer.key"
    path.write_text("0x" + KEY.hex() + "\n")
    return path


@pytest.fixture
def signed_json(sample_report: Report, tmp_path: Path, key_file: Path) -> Path:
    """The sample report (three findings) saved as JSON, then signed by `decree8 report`."""
    plain = tmp_path / "report.json"
    plain.write_text(write_report(sample_report, OutputFormat.JSON))
    out = tmp_path / "signed.json"
    result = _cli("report", str(plain), "--format", "json", "-o", str(out), "--sign-with",
                  str(key_file))  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_a_signed_report_is_valid_in_every_format(signed_json: Path, tmp_path: Path) -> None:
    data = json.loads(signed_json.read_text())
    block = data["signature"]
    assert block["scheme"] == SCHEME and block["signer"] == SIGNER
    assert block["hash"] == "0x" + report_hash(data).hex()
    for fmt in FORMATS:
        out = tmp_path / f"rendered.{fmt}"
        rendered = _cli("report", str(signed_json), "--format", fmt, "-o", str(out))
        assert rendered.exit_code == 0, rendered.output
        text = out.read_text()
        assert SIGNER in text and block["hash"] in text and block["signature"] in text
        assert extract_data(text) == data  # the signed data travels with every format
        checked = _cli("report", "verify", str(out))
        assert checked.exit_code == 0, checked.output
        assert checked.stdout == f"VALID: signed by {SIGNER}; the content is as it was signed\n"


def _tamper(text: str, fmt: str) -> str:
    """One character of the first finding's message changed, where each format keeps the data."""
    if fmt == "json":
        return text.replace('"receiver has no', '"receiver had no', 1)
    if fmt == "html":
        head, data, tail = re.split(r'(<script type="application/json"[^>]*>.*?</script>)', text,
                                    maxsplit=1, flags=re.S)  # fmt: skip
        return head + data.replace("receiver has no", "receiver had no", 1) + tail
    data = extract_data(text)
    message = data["findings"][0]["message"]
    data["findings"][0]["message"] = message[:-1] + ("X" if message[-1] != "X" else "Y")
    if fmt == "sarif":
        sarif = json.loads(text)
        sarif["runs"][0]["properties"]["decree8Report"] = data
        return json.dumps(sarif, indent=2)
    import base64

    from decree8.fsutil import canonical_json

    encoded = base64.b64encode(canonical_json(data).encode()).decode()
    return re.sub(r"(decree8-report-data: )\S+", lambda m: m.group(1) + encoded, text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_changed_character_in_the_findings_is_tampered(
    signed_json: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"rendered.{fmt}"
    assert _cli("report", str(signed_json), "--format", fmt, "-o", str(out)).exit_code == 0
    changed = _tamper(out.read_text(), fmt)
    assert changed != out.read_text()
    out.write_text(changed)
    result = _cli("report", "verify", str(out))
    assert result.exit_code == 1
    assert result.stdout.startswith("TAMPERED: the report's content hashes to ")
    assert "changed after it was signed" in result.stdout


def test_a_signature_by_someone_else_than_the_named_signer_is_tampered(
    signed_json: Path,
) -> None:
    data = json.loads(signed_json.read_text())
    data["signature"]["signer"] = "0x" + "ab" * 20
    outcome = verify_data(data)
    assert outcome.status == "TAMPERED" and outcome.recovered == SIGNER


def test_an_unsigned_report_is_unsigned(sample_report: Report, tmp_path: Path) -> None:
    for fmt in ("json", "html"):
        path = tmp_path / f"plain.{fmt}"
        path.write_text(write_report(sample_report, fmt))
        result = _cli("report", "verify", str(path))
        assert result.exit_code == 1 and result.stdout == (
            "UNSIGNED: the report carries no signature\n"
        )


def test_a_keystore_signs_with_the_password_from_the_environment(
    sample_report: Report, tmp_path: Path
) -> None:
    keystore = tmp_path / "keystore.json"
    keystore.write_text(json.dumps(Account.encrypt(KEY, "correct horse", iterations=2)))
    plain = tmp_path / "report.json"
    plain.write_text(write_report(sample_report, OutputFormat.JSON))
    out = tmp_path / "signed.html"
    args = ("report", str(plain), "--format", "html", "-o", str(out), "--sign-with", str(keystore))
    ok = _cli(*args, env={PASSWORD_ENV: "correct horse"})
    assert ok.exit_code == 0, ok.output
    assert _cli("report", "verify", str(out)).exit_code == 0
    wrong = _cli(*args, "--force", env={PASSWORD_ENV: "wrong"})
    assert wrong.exit_code == 2 and wrong.stderr.count("\n") == 1
    assert f"cannot decrypt key file {keystore}" in wrong.stderr


def test_a_node_account_signs(sample_report: Report, demo: Any) -> None:
    signer = load_signer("3", lambda: demo.chain)
    assert signer.address == demo.chain.accounts[3]
    signed = sign_report(sample_report, signer)
    assert verify_data(signed.signature.signed_report()).ok
    with pytest.raises(UsageError, match="not an account of the node"):
        load_signer("0x" + "ab" * 20, lambda: demo.chain)


def test_a_signer_attested_as_operator_is_named_as_such(
    demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = demo.chain
    registry = demo.deployments["registry"]
    operator = demo.names and next(a for a, n in demo.names.items() if n == "operator")
    signed = sign_report(demo.report, KeySigner(KEY))
    data = signed.signature.signed_report()
    assert signer_role(chain, data, SIGNER) is None  # not attested
    snapshot = chain.snapshot()
    try:
        contract = registry.bind(chain)
        # The demo's chain starts in 2024; the next block may carry today's time.
        expiry = max(chain.timestamp(), int(time.time())) + 86_400
        contract.functions.attest(SIGNER, 3, b"BY", expiry, b"\x01" * 32, 0).transact(
            {"from": operator}
        )
        role = f"a registered operator in HolderRegistry {registry.address}"
        assert signer_role(chain, data, SIGNER) == role
        path = tmp_path / "signed.json"
        path.write_text(write_report(signed, OutputFormat.JSON))
        monkeypatch.setattr(App, "chain", lambda self: chain)
        named = _cli("--rpc", "http://127.0.0.1:9", "report", "verify", str(path))
        assert named.exit_code == 0 and named.stdout.rstrip().endswith(f"({role})")
    finally:
        chain.revert(snapshot)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("missing.key", "cannot read key file missing.key"),
        ("binary.key", "cannot read key file binary.key"),
        ("short.key", "holds neither a 32-byte hex private key nor a keystore JSON"),
        ("keystore.json", f"is an encrypted keystore: set {PASSWORD_ENV}"),
        ("folder.key", "is a folder"),
    ],
)
def test_bad_keys_are_one_line_and_exit_2(
    sample_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    (tmp_path / "binary.key").write_bytes(b"\xff\xfe\x00\x81")
    (tmp_path / "short.key").write_text("0x1234")
    (tmp_path / "keystore.json").write_text(json.dumps(Account.encrypt(KEY, "pw", iterations=2)))
    (tmp_path / "folder.key").mkdir()
    (tmp_path / "report.json").write_text(write_report(sample_report, OutputFormat.JSON))
    result = _cli("report", "report.json", "--sign-with", key, "-o", "out.json")
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out.json").exists()


def test_a_signature_that_recovers_no_address_is_exit_2(signed_json: Path) -> None:
    data = json.loads(signed_json.read_text())
    data["signature"]["signature"] = "0x" + "00" * 65
    signed_json.write_text(json.dumps(data))
    result = _cli("report", "verify", str(signed_json))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "does not recover to any address" in result.stderr


def test_a_malformed_signature_block_is_exit_2(signed_json: Path) -> None:
    data = json.loads(signed_json.read_text())
    data["signature"] = {"signer": SIGNER}
    signed_json.write_text(json.dumps(data))
    result = _cli("report", "verify", str(signed_json))
    assert result.exit_code == 2 and "signature block is malformed" in result.stderr
