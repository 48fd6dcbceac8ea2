"""`decree8 new`: the generated project's content, refusals (one line, exit 2, nothing written),
atomic writing, and (test_generated_projects_pass_their_own_tests) the project's own tests."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from decree8 import scaffold
from decree8.cli import main
from decree8.errors import UsageError
from decree8.scaffold import EscrowOptions, TokenOptions, generate

REPO = Path(__file__).resolve().parents[2]
TERMS = REPO / "examples" / "terms" / "minsk-token-white-paper.md"
#: The generated projects' build cache, kept across runs so that their contracts compile once.
BUILD_CACHE = REPO / "build" / "scaffold-test"
PROJECT_TIMEOUT = 600


def new(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["new", *args])
    return result.exit_code, result.stdout, result.stderr


def test_new_token_writes_a_complete_project(tmp_path: Path) -> None:
    target = tmp_path / "mnt"
    code, out, err = new(
        "token",
        str(target),
        "--name",
        "Minsk Token",
        "--symbol",
        "MNT",
        "--cap",
        "5000e18",
        "--terms",
        str(TERMS),
        "--issuer-registration",
        "HTP-2018-0421",
    )
    assert code == 0, err
    assert "make demo" in out and "make test" in out
    contract = (target / "contracts" / "MinskToken.sol").read_text()
    assert "contract MinskToken is CompliantToken" in contract
    assert 'import {CompliantToken} from "./decree8/token/CompliantToken.sol";' in contract
    assert contract.index("YOUR LOGIC BEGINS") < contract.index("YOUR LOGIC ENDS")
    config = tomllib.loads((target / "deploy.toml").read_text())
    assert (config["token"]["contract"], config["token"]["name"], config["token"]["symbol"]) == (
        "MinskToken",
        "Minsk Token",
        "MNT",
    )
    assert config["token"]["cap"] == "5000e18"
    assert config["token"]["issuer_registration"] == "HTP-2018-0421"
    assert (target / config["token"]["terms"]).read_bytes() == TERMS.read_bytes()
    assert (target / "tests" / "test_minsk_token.py").is_file()
    assert (target / "README.md").read_text().startswith("# Minsk Token")


def test_vendored_sources_are_decree8s_with_their_hashes(tmp_path: Path) -> None:
    generate("token", tmp_path / "p", TokenOptions(), home=REPO)
    vendored = json.loads((tmp_path / "p" / "contracts" / "decree8" / "VENDORED.json").read_text())
    assert vendored["files"]
    for rel, entry in vendored["files"].items():
        ours = (REPO / "contracts" / rel).read_bytes()
        theirs = (tmp_path / "p" / "contracts" / "decree8" / rel).read_bytes()
        assert theirs == ours and entry["sha256"] == hashlib.sha256(ours).hexdigest()
    assert "token/CompliantToken.sol" in vendored["files"]


def test_npm_pins_are_decree8s_without_development_packages(tmp_path: Path) -> None:
    generate("escrow", tmp_path / "p", EscrowOptions(), home=REPO)
    ours = json.loads((REPO / "package.json").read_text())
    pkg = json.loads((tmp_path / "p" / "package.json").read_text())
    lock = json.loads((tmp_path / "p" / "package-lock.json").read_text())
    assert pkg["dependencies"] == ours["dependencies"] and "devDependencies" not in pkg
    assert lock["packages"][""]["dependencies"] == ours["dependencies"]
    assert "node_modules/hardhat" not in lock["packages"]
    assert lock["packages"]["node_modules/solc"]["version"] == ours["dependencies"]["solc"]


def test_makefile_installs_decree8_from_where_the_project_was_generated(tmp_path: Path) -> None:
    generate("token", tmp_path / "p", TokenOptions(), home=REPO, decree8_source=tmp_path)
    makefile = (tmp_path / "p" / "Makefile").read_text()
    assert f"DECREE8_SOURCE ?= {tmp_path.resolve()}\n" in makefile
    for line in ("demo: setup", "test: setup", "npm ci", 'pip install --quiet "$(DECREE8_SOURCE)"'):
        assert line in makefile


def test_new_refuses_a_non_empty_folder_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    code, out, err = new("token", str(tmp_path))
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "not empty" in err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_new_writes_into_an_empty_folder(tmp_path: Path) -> None:
    code, _, err = new("escrow", str(tmp_path), "--contract", "Deals")
    assert code == 0, err
    assert (tmp_path / "contracts" / "Deals.sol").is_file()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--cap", "0"], "--cap 0"),
        (["--cap", "lots"], "--cap lots"),
        (["--contract", "CompliantToken"], "--contract"),
        (["--contract", "9Lives"], "--contract"),
        (["--issuer-registration", "x" * 33], "--issuer-registration"),
        (["--name", 'Say "hi"'], "--name"),
    ],
)
def test_bad_options_are_one_line_errors_and_nothing_is_written(
    tmp_path: Path, args: list[str], words: str
) -> None:
    code, _, err = new("token", str(tmp_path / "p"), *args)
    assert code == 2 and words in err and err.strip().count("\n") == 0, err
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scaffold.os, "rename", broken_rename)
    with pytest.raises(UsageError, match="No space left"):
        generate("token", tmp_path / "p", TokenOptions(), home=REPO)
    assert list(tmp_path.iterdir()) == []


def test_missing_template_sources_are_a_usage_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "contracts").mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        (home / name).write_bytes((REPO / name).read_bytes())
    with pytest.raises(UsageError, match="DECREE8_HOME"):
        generate("token", tmp_path / "p", TokenOptions(), home=home)
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("kind", ["token", "escrow"])
def test_generated_projects_pass_their_own_tests(tmp_path: Path, kind: str) -> None:
    """Generates a project and runs its tests and its demo with this venv's Python, using this
    repository's node_modules (no second npm install) and a build cache kept between runs."""
    target = tmp_path / f"my-{kind}"
    code, _, err = new(kind, str(target), "--terms", str(TERMS))
    assert code == 0, err
    env = {
        **os.environ,
        "DECREE8_NODE_MODULES": str(REPO / "node_modules"),
        "DECREE8_BUILD_DIR": str(BUILD_CACHE / kind),
        "HYPOTHESIS_PROFILE": "ci",
    }
    env.pop("PYTEST_ADDOPTS", None)
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=PROJECT_TIMEOUT,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout
    demo = subprocess.run(
        [sys.executable, "scripts/deploy.py", "--demo"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=PROJECT_TIMEOUT,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert "refused" in demo.stdout and "ok " in demo.stdout


def test_json_output_lists_the_files_written(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--json", "new", "escrow", str(tmp_path / "p")])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["kind"] == "escrow" and data["directory"] == str(tmp_path / "p")
    written = sorted(
        str(p.relative_to(tmp_path / "p")) for p in (tmp_path / "p").rglob("*") if p.is_file()
    )
    assert sorted(data["files"]) == written
    assert "contracts/decree8/escrow/DealEscrow.sol" in written


def test_help_names_the_template_parameters() -> None:
    result = CliRunner().invoke(main, ["new", "token", "--help"])
    assert result.exit_code == 0
    for option in ("--name", "--symbol", "--cap", "--terms", "--issuer-registration", "--contract"):
        assert option in result.stdout
