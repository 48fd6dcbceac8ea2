"""Settings from [tool.decree8] / decree8.toml, the environment and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from decree8.cli import main
from decree8.config import DEFAULT_BUILD_DIR, find_project, load_settings
from decree8.errors import UsageError


def _pyproject(folder: Path, table: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text('[project]\nname = "p"\n\n[tool.decree8]\n' + table, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DECREE8_RPC", "DECREE8_COMPILER", "DECREE8_BUILD_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_project_found_from_a_subfolder_with_relative_paths_from_its_root(tmp_path: Path) -> None:
    _pyproject(tmp_path / "p", 'build-dir = "out"\nterms = "terms/wp.md"\nchain = "revm"\n')
    sub = tmp_path / "p" / "tests" / "deep"
    sub.mkdir(parents=True)
    settings = load_settings(start=sub)
    assert settings.project is not None and settings.project.root == (tmp_path / "p").resolve()
    assert settings.build_dir == (tmp_path / "p" / "out").resolve()
    assert settings.path("terms") == (tmp_path / "p" / "terms" / "wp.md").resolve()
    assert settings["chain"] == "revm"
    assert settings.sources["chain"].endswith("pyproject.toml [tool.decree8]")


def test_command_line_beats_environment_beats_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pyproject(tmp_path, 'rpc = "http://127.0.0.1:1"\ncompiler = "solcjs"\n')
    monkeypatch.setenv("DECREE8_COMPILER", "solcx")
    settings = load_settings({"rpc": "http://127.0.0.1:2", "chain": None}, start=tmp_path)
    assert settings["rpc"] == "http://127.0.0.1:2"
    assert settings.sources["rpc"] == "command line"
    assert settings["compiler"] == "solcx"
    assert settings.sources["compiler"] == "environment (DECREE8_COMPILER)"
    assert settings["chain"] == "embedded" and settings.sources["chain"] == "default"


def test_decree8_toml_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "decree8.toml").write_text('compiler = "solcjs"\n')
    settings = load_settings(start=tmp_path)
    assert settings["compiler"] == "solcjs"
    assert settings.build_dir == tmp_path.resolve() / DEFAULT_BUILD_DIR


def test_outside_any_project_builds_go_to_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECREE8_CACHE_DIR", str(tmp_path / "cache"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_project(empty) is None
    assert load_settings(start=empty).build_dir == (tmp_path / "cache" / "build").resolve()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('colour = "red"\n', "unknown key 'colour' (allowed: rpc, chain, compiler, build-dir"),
        ("rpc = 8545\n", "rpc must be a str"),
        ('chain = "geth"\n', "chain = 'geth' is not one of embedded, revm"),
        ('build-dir = ""\n', "build-dir is empty"),
        ("compiler = [", "is not valid TOML"),
    ],
)
def test_bad_settings_are_one_line_naming_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, message: str
) -> None:
    path = _pyproject(tmp_path, table)
    with pytest.raises(UsageError) as caught:
        load_settings(start=tmp_path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["templates"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_config_command_shows_values_and_origins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pyproject(tmp_path, 'chain = "revm"\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["config", "--json", "--compiler", "solcjs"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {row["key"]: row for row in data["settings"]}
    assert rows["chain"]["value"] == "revm" and "pyproject.toml" in rows["chain"]["source"]
    assert rows["compiler"] == {"key": "compiler", "value": "solcjs", "source": "command line"}
    assert rows["build-dir"]["value"] == str(tmp_path.resolve() / DEFAULT_BUILD_DIR)
    text = CliRunner().invoke(main, ["config"]).stdout
    assert "chain     = revm" in text and "[tool.decree8]" in text


@pytest.mark.parametrize(
    "argv",
    [
        ["--json", "rules"],
        ["rules", "--json"],
        ["rules", "--debug", "--json"],
        ["rules", "--chain=revm", "--json"],
        ["rules", "--chain", "revm", "--json"],
    ],
)
def test_global_options_before_or_after_the_subcommand(argv: list[str]) -> None:
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)


def test_a_subcommand_option_of_the_same_name_stays_the_subcommand_s() -> None:
    from decree8.cli._app import hoist_global_options

    ctx = main.make_context("decree8", ["rules"], resilient_parsing=True)
    assert hoist_global_options(main, ctx, ["demo", "--chain", "revm", "--json"]) == [
        "--json",
        "demo",
        "--chain",
        "revm",
    ]
    assert hoist_global_options(main, ctx, ["check", "tx", "--json", "0xab"]) == [
        "--json",
        "check",
        "tx",
        "0xab",
    ]
    assert hoist_global_options(main, ctx, ["rules", "--", "--json"]) == ["rules", "--", "--json"]


def test_completion_script_for_each_shell() -> None:
    for shell, marker in (("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete")):
        result = CliRunner().invoke(main, ["completion", shell])
        assert result.exit_code == 0, result.output
        assert "_DECREE8_COMPLETE" in result.stdout and marker in result.stdout
    result = CliRunner(env={"SHELL": "/bin/tcsh"}).invoke(main, ["completion"])
    assert result.exit_code == 2 and "cannot tell the shell" in result.stderr
