"""``decree8 new``: generate a ready project that extends a decree8 template.

```python
from decree8.scaffold import TokenOptions, generate
files = generate("token", Path("my-token"), TokenOptions(name="Minsk Token", symbol="MNT"))
```
The project holds the user's contract (extending the template, with a marked place for their own
logic), the template sources it needs vendored under ``contracts/decree8/`` (with their decree8
version and sha256 in ``VENDORED.json``), a deployment config (``deploy.toml``), property tests
that use the pytest plugin, a README and a Makefile whose ``make demo`` / ``make test`` set
everything up.

The project is portable: no absolute path is written into it. It depends on decree8 by a version
constraint (``decree8>=0.2,<0.3``), or on a local wheel, folder or git URL given to
:func:`generate` as ``decree8_spec`` (a local path is recorded relative to the project).
OpenZeppelin imports resolve to the files shipped with decree8, and the compiler comes from
decree8 (a native solc, or solc-js installed into decree8's cache on first use): no npm set-up.

The target folder must be missing or empty; the project is written in a temporary sibling folder
and moved into place in one step, so a failure leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib.resources import files as resource_files
from pathlib import Path

from decree8 import __version__
from decree8.compile import PINNED_SOLC_VERSION
from decree8.errors import UsageError
from decree8.templates import ESCROW, TOKEN, Template, parse_amount, parse_reference

__all__ = ["EscrowOptions", "TokenOptions", "decree8_requirement", "generate", "vendored_sources"]

KINDS = ("token", "escrow")
#: Template sources each kind vendors, relative to decree8's contracts/ folder.
VENDORED: dict[str, tuple[str, ...]] = {
    "token": (
        "interfaces/IHolderRegistry.sol",
        "interfaces/RuleCodes.sol",
        "legal/TermsBound.sol",
        "registry/HolderRegistry.sol",
        "token/CompliantToken.sol",
    ),
    "escrow": (
        "interfaces/IHolderRegistry.sol",
        "interfaces/RuleCodes.sol",
        "legal/TermsBound.sol",
        "registry/HolderRegistry.sol",
        "escrow/DealEscrow.sol",
    ),
}
#: Names the user's contract must not take (they are vendored).
RESERVED = {
    "CompliantToken",
    "DealEscrow",
    "HolderRegistry",
    "IHolderRegistry",
    "RuleCodes",
    "TermsBound",
}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

DEFAULT_TERMS = """# {title}: terms

Replace this document with the real terms (white paper / public offer) before deploying. Its
keccak-256 is bound to the contract at deployment, and every party accepts it by that hash.

1. The issuer or operator is a resident of the High Technologies Park.
2. Parties are identified by the HTP-resident operator before they take part.
"""


@dataclass(frozen=True)
class TokenOptions:
    name: str = "Example Token"
    symbol: str = "EXT"
    cap: str = "1000000e18"
    issuer_registration: str = "HTP-ISSUER-0001"
    operator_registration: str = "HTP-OPERATOR-0001"
    terms: Path | None = None
    terms_uri: str | None = None
    contract: str | None = None


@dataclass(frozen=True)
class EscrowOptions:
    operator_registration: str = "HTP-OPERATOR-0001"
    terms: Path | None = None
    terms_uri: str | None = None
    contract: str | None = None
    name: str = "Example Deals"


def _contract_name(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name or not name[0].isalpha():
        name = "My" + name
    return name


def _check_reference(what: str, text: str) -> None:
    try:
        parse_reference(text)
    except ValueError as exc:
        raise UsageError(f"--{what} {text!r}: {exc}") from None


def _check_toml_text(what: str, text: str) -> None:
    if any(ch in text for ch in '"\\\n\r') or not text.strip():
        raise UsageError(f"--{what} must be non-empty text without quotes, backslashes or newlines")


def vendored_sources(home: Path, kind: str) -> dict[str, bytes]:
    """The template sources ``kind`` needs, read from decree8's template home ``home``."""
    out = {}
    for rel in VENDORED[kind]:
        path = home / "contracts" / rel
        try:
            out[rel] = path.read_bytes()
        except OSError as exc:
            raise UsageError(
                f"cannot read decree8 template source {path}: {exc.strerror}; "
                "reinstall decree8, or set DECREE8_HOME to a decree8 source tree"
            ) from None
    return out


def _compatible_range(version: str) -> str:
    """``decree8>=0.2,<0.3`` for 0.2.x (a 0.x minor may change the API), ``>=1.2,<2`` for 1.x."""
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]] + [0, 0]
    major, minor = parts[0], parts[1]
    if major == 0:
        return f"decree8>={major}.{minor},<{major}.{minor + 1}"
    return f"decree8>={major}.{minor},<{major + 1}"


def decree8_requirement(spec: str | None, target: Path) -> str:
    """What the generated project installs decree8 from: a version constraint by default, or
    ``spec`` (a wheel file, a source folder, a VCS/HTTP URL or a requirement). A local path is
    recorded relative to the project ``target`` when it lies on the same file system tree, so a
    copy of both keeps working; it must exist."""
    if spec is None or not spec.strip():
        return _compatible_range(__version__)
    spec = spec.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", spec) or spec.startswith("git+"):
        return spec
    path = Path(spec).expanduser()
    looks_like_path = path.exists() or "/" in spec or spec.endswith((".whl", ".tar.gz"))
    if not looks_like_path:
        if not re.match(r"^decree8\b", spec):
            raise UsageError(
                f"--decree8 {spec!r}: give a wheel, a folder, a git/https URL or a requirement "
                "such as 'decree8>=0.2,<0.3'"
            )
        return spec
    if not path.exists():
        raise UsageError(f"--decree8 {spec}: no such file or folder")
    if path.is_dir() and not (path / "pyproject.toml").is_file():
        raise UsageError(f"--decree8 {spec}: the folder has no pyproject.toml")
    relative = os.path.relpath(path.resolve(), target.resolve())
    return relative if not relative.startswith("/") else str(path.resolve())


def _render(text: str, values: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"scaffold template placeholder {key!r} has no value")
        return values[key]

    return _PLACEHOLDER.sub(sub, text)


def _template(kind_dir: str, name: str) -> str:
    return (resource_files("decree8.scaffold") / "templates" / kind_dir / name).read_text(
        encoding="utf-8"
    )


def generate(
    kind: str,
    target: Path,
    options: TokenOptions | EscrowOptions,
    *,
    home: Path | None = None,
    decree8_spec: str | None = None,
) -> list[Path]:
    """Writes a new ``kind`` project into ``target`` (missing or empty) and returns the files
    written, relative to ``target``. ``home`` is where the template sources are (default: the
    ones shipped with decree8); ``decree8_spec`` is what the project installs decree8 from
    (default: a version constraint; see :func:`decree8_requirement`)."""
    if kind not in KINDS:
        raise UsageError(f"unknown project kind {kind!r}: use token or escrow")
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} is not empty: choose a new or empty folder")
    if home is None:
        from decree8.templates.home import template_home

        home = template_home()
    requirement = decree8_requirement(decree8_spec, target)
    values, terms_name, terms_bytes = _values(kind, target, options, requirement)
    files = _files(kind, home, values, terms_name, terms_bytes)
    _write_all(target, files)
    return sorted(Path(p) for p in files)


def _values(
    kind: str, target: Path, options: TokenOptions | EscrowOptions, requirement: str
) -> tuple[dict[str, str], str, bytes]:
    template: Template = TOKEN if kind == "token" else ESCROW
    title = options.name
    _check_toml_text("name", title)
    contract = options.contract or _contract_name(title)
    if not _IDENT.match(contract) or contract in RESERVED:
        raise UsageError(
            f"--contract {contract!r} is not usable as a Solidity contract name "
            f"(letters, digits, _; not one of {', '.join(sorted(RESERVED))})"
        )
    _check_reference("operator-registration", options.operator_registration)
    _check_toml_text("operator-registration", options.operator_registration)
    if options.terms is not None:
        try:
            terms_bytes = Path(options.terms).read_bytes()
        except OSError as exc:
            raise UsageError(f"--terms {options.terms}: {exc.strerror}") from None
        terms_name = Path(options.terms).name
    else:
        terms_bytes = DEFAULT_TERMS.format(title=title).encode("utf-8")
        terms_name = "white-paper.md" if kind == "token" else "escrow-terms.md"
    if not re.match(r"^[\w.-]+$", terms_name):
        raise UsageError(f"--terms file name {terms_name!r}: use letters, digits, '.', '-', '_'")
    terms_uri = options.terms_uri or terms_name
    _check_toml_text("terms-uri", terms_uri)
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", contract).lower()
    package = re.sub(r"[^a-z0-9-]+", "-", target.resolve().name.lower()).strip("-") or "project"
    values = {
        "kind": kind,
        "project": title,
        "name": title,
        "contract": contract,
        "snake": snake,
        "package": package,
        "template_contract": template.contract,
        "rules": ", ".join(template.rules),
        "decree8_version": __version__,
        "solc_version": PINNED_SOLC_VERSION,
        "decree8_requirement": requirement,
        "decree8_range": _compatible_range(__version__),
        "operator_registration": options.operator_registration,
        "terms_path": f"terms/{terms_name}",
        "rules_setting": 'rules = "rules.toml"  # the project\'s own rules (codes 64-127)\n'
        if kind == "token"
        else "",
        "terms_uri": terms_uri,
    }
    if isinstance(options, TokenOptions):
        for what, text in (
            ("name", options.name),
            ("symbol", options.symbol),
            ("issuer-registration", options.issuer_registration),
        ):
            _check_toml_text(what, text)
        _check_reference("issuer-registration", options.issuer_registration)
        try:
            if parse_amount(options.cap) == 0:
                raise ValueError("must be greater than zero")
        except ValueError as exc:
            raise UsageError(f"--cap {options.cap}: {exc}") from None
        values.update(
            symbol=options.symbol,
            cap=str(options.cap),
            issuer_registration=options.issuer_registration,
        )
    return values, terms_name, terms_bytes


def _files(
    kind: str, home: Path, values: dict[str, str], terms_name: str, terms_bytes: bytes
) -> dict[str, bytes]:
    contract = values["contract"]
    out: dict[str, bytes] = {}

    def text(path: str, body: str) -> None:
        out[path] = body.encode("utf-8")

    text(f"contracts/{contract}.sol", _render(_template(kind, "Contract.sol.tmpl"), values))
    text("deploy.toml", _render(_template(kind, "deploy.toml.tmpl"), values))
    if kind == "token":
        text("rules.toml", _render(_template(kind, "rules.toml.tmpl"), values))
    text(
        f"tests/test_{values['snake']}.py",
        _render(_template(kind, "test_contract.py.tmpl"), values),
    )
    text("Makefile", _render(_template("common", "Makefile.tmpl"), values))
    text("README.md", _render(_template("common", "README.md.tmpl"), values))
    text("pyproject.toml", _render(_template("common", "pyproject.toml.tmpl"), values))
    text("conftest.py", _render(_template("common", "conftest.py.tmpl"), values))
    text("scripts/deploy.py", _render(_template("common", "deploy.py.tmpl"), values))
    text(".gitignore", _render(_template("common", "gitignore.tmpl"), values))
    out[f"terms/{terms_name}"] = terms_bytes
    hashes: dict[str, dict[str, str]] = {}
    for rel, data in vendored_sources(home, kind).items():
        out[f"contracts/decree8/{rel}"] = data
        hashes[rel] = {"sha256": hashlib.sha256(data).hexdigest()}
    manifest = {"decree8_version": __version__, "source": "decree8 templates", "files": hashes}
    text("contracts/decree8/VENDORED.json", json.dumps(manifest, indent=2) + "\n")
    return out


def _write_all(target: Path, files: dict[str, bytes]) -> None:
    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {parent}: {exc.strerror}") from None
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        for rel, data in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        os.chmod(staging, 0o755)
        if target.exists():
            target.rmdir()  # empty, checked above; fails (and we clean up) if that changed
        os.rename(staging, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
        raise UsageError(f"cannot write the project to {target}: {exc.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
        raise
