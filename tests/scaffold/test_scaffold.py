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

from decree8 import __version__, scaffold
from decree8.cli import main
from decree8.errors import UsageError
from decree8.scaffold import EscrowOptions, TokenOptions, generate

REPO = Path(__file__).resolve().parents[2]
TERMS = REPO / "examples" / "terms" / "minsk-token-white-paper.md"
#: The generated projects' build cache, kept across runs so that their contracts compile once.
BUILD_CACHE = REPO / ".decree8" / "build" / "scaffold-test"
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


def test_project_has_no_npm_set_up_and_no_absolute_path(tmp_path: Path) -> None:
    generate("escrow", tmp_path / "p", EscrowOptions(), home=REPO)
    project = tmp_path / "p"
    assert not (project / "package.json").exists()
    assert not (project / "package-lock.json").exists()
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for absolute in (str(tmp_path), str(REPO), "/site-packages/"):
                assert absolute not in text, f"{path.relative_to(project)} holds {absolute}"


def test_project_depends_on_a_compatible_decree8_range_by_default(tmp_path: Path) -> None:
    generate("token", tmp_path / "p", TokenOptions(), home=REPO)
    major, minor = (int(x) for x in __version__.split(".")[:2])
    expected = f"decree8>={major}.{minor},<{major}.{minor + 1}"
    makefile = (tmp_path / "p" / "Makefile").read_text()
    assert f"DECREE8 ?= {expected}\n" in makefile
    for line in ("demo: setup", "test: setup", 'pip install --quiet "$(DECREE8)" "pytest>=8"'):
        assert line in makefile
    assert "npm ci" not in makefile and "node_modules" not in makefile
    pyproject = tomllib.loads((tmp_path / "p" / "pyproject.toml").read_text())
    assert expected in pyproject["project"]["dependencies"]
    assert pyproject["tool"]["decree8"]["build-dir"] == ".decree8/build"


def test_a_local_wheel_or_folder_is_recorded_relative_to_the_project(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    wheel = dist / "decree8-9.9.9-py3-none-any.whl"
    wheel.write_bytes(b"")
    generate("token", tmp_path / "work" / "p", TokenOptions(), home=REPO, decree8_spec=str(wheel))
    makefile = (tmp_path / "work" / "p" / "Makefile").read_text()
    assert "DECREE8 ?= ../../dist/decree8-9.9.9-py3-none-any.whl\n" in makefile
    generate("token", tmp_path / "q", TokenOptions(), home=REPO, decree8_spec=str(REPO))
    expected = os.path.relpath(REPO, tmp_path / "q")
    assert f"DECREE8 ?= {expected}\n" in (tmp_path / "q" / "Makefile").read_text()
    url = "git+https://example.org/decree8.git@v0.2.0"
    generate("token", tmp_path / "r", TokenOptions(), home=REPO, decree8_spec=url)
    assert f"DECREE8 ?= {url}\n" in (tmp_path / "r" / "Makefile").read_text()


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("./missing.whl", "no such file or folder"),
        ("requests>=2", "give a wheel, a folder"),
    ],
)
def test_bad_decree8_spec_is_one_line_and_nothing_is_written(
    tmp_path: Path, spec: str, words: str
) -> None:
    code, _, err = new("token", str(tmp_path / "p"), "--decree8", spec)
    assert code == 2 and words in err and err.strip().count("\n") == 0, err
    assert list(tmp_path.iterdir()) == []
    folder = tmp_path / "src"
    folder.mkdir()
    code, _, err = new("token", str(tmp_path / "p"), "--decree8", str(folder))
    assert code == 2 and "has no pyproject.toml" in err


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
    with pytest.raises(UsageError, match="reinstall decree8"):
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


def test_token_project_declares_its_own_rule_in_the_reserved_range(tmp_path: Path) -> None:
    from decree8.rules.project import PROJECT_CODES, load_project_rules

    generate("token", tmp_path / "p", TokenOptions(name="Minsk Token"), home=REPO)
    project = tmp_path / "p"
    rules = load_project_rules(project / "rules.toml")
    assert [(r.id, r.code) for r in rules] == [("MAX-BALANCE", 64)]
    assert rules[0].code in PROJECT_CODES
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["tool"]["decree8"]["rules"] == "rules.toml"
    contract = (project / "contracts" / "MinskToken.sol").read_text()
    assert "function _projectRestriction(" in contract and "MAX_BALANCE = 64" in contract
    assert "## Rules of your own" in (project / "README.md").read_text()
    assert not (tmp_path / "q").exists()
    generate("escrow", tmp_path / "q", EscrowOptions(), home=REPO)
    assert not (tmp_path / "q" / "rules.toml").exists()
