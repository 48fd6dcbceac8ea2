"""`decree8 setup`, `decree8 config` and `decree8 completion`: the toolchain, the settings in force
and shell completion."""

from __future__ import annotations

import os
from pathlib import Path

import click

from decree8.cli._app import App, fail, pass_app


@click.command("setup", short_help="Install the pinned compiler ahead of time (for CI images).")
@click.option("--force", is_flag=True, help="Reinstall solc-js even if a good copy is cached.")
@click.option(
    "--native/--no-native",
    default=False,
    show_default=True,
    help="Also try to download a native solc with py-solc-x (faster than solc-js).",
)
@pass_app
def setup_cmd(app: App, force: bool, native: bool) -> None:
    """Install what decree8 needs to compile Solidity, ahead of first use.

    decree8 needs no compiler for its own templates (their build ships inside the package): a
    compiler is needed for your own contracts, projects made by `decree8 new`, and rebuilds. This
    installs solc-js at the pinned version from the npm registry into decree8's per-user cache
    (needs Node.js 20+ and npm; the cache folder is the platform's, or $DECREE8_CACHE_DIR), checks
    a cached copy file by file and replaces it when broken, and with --native also tries a native
    solc. Useful in CI images and before going offline.

    \b
    Examples:
      decree8 setup                    install (or check) solc-js in the cache
      DECREE8_CACHE_DIR=/opt/d8 decree8 setup --force
    """
    from decree8.compile import PINNED_SOLC_VERSION, find_native_solc
    from decree8.compile.install import install_solcjs, toolchain_dir, try_download_native

    native_solc = find_native_solc(PINNED_SOLC_VERSION)
    if native and native_solc is None and try_download_native(PINNED_SOLC_VERSION, note=app.note):
        native_solc = find_native_solc(PINNED_SOLC_VERSION)
    modules = install_solcjs(PINNED_SOLC_VERSION, note=app.note, force=force)
    data = {
        "solc": PINNED_SOLC_VERSION,
        "solcjs": str(modules.parent),
        "native": str(native_solc.path) if native_solc is not None else None,
        "cache": str(toolchain_dir(PINNED_SOLC_VERSION).parent.parent),
    }
    app.emit(
        data,
        lambda: "\n".join(
            [
                f"solc-js {PINNED_SOLC_VERSION}: ready in {modules.parent}",
                "native solc: "
                + (f"{native_solc.path}" if native_solc is not None else "none (solc-js is used)"),
            ]
        ),
    )


@click.command("config", short_help="Show the settings in force and where each came from.")
@pass_app
def config_cmd(app: App) -> None:
    """Show the settings in force and where each came from.

    Settings are read from [tool.decree8] in the pyproject.toml of the project around the current
    folder (or from a decree8.toml there); environment variables (DECREE8_RPC, DECREE8_COMPILER,
    DECREE8_BUILD_DIR) override the file, and command-line options override both.

    \b
    Keys:
      rpc        JSON-RPC node URL (default: an embedded chain for each command)
      chain      embedded | revm, when no rpc is given
      compiler   auto | solcjs | solcx
      build-dir  build output folder (default: .decree8/build in the project)
      terms      default terms document for deployments
      rules      the project's own rule file (codes 64-127)

    \b
    Example:
      decree8 --rpc http://127.0.0.1:8545 config --json
    """
    from decree8.compile import PINNED_SOLC_VERSION
    from decree8.config import SETTINGS, load_settings, user_cache_dir

    settings = app.settings or load_settings()
    project = settings.project
    rows = []
    for setting in SETTINGS:
        value = settings.values.get(setting.key)
        if setting.key == "build-dir":
            value = str(settings.build_dir)
        elif value is not None and setting.key in ("terms", "rules"):
            value = str(settings.path(setting.key))
        rows.append({"key": setting.key, "value": value, "source": settings.sources[setting.key]})
    data = {
        "project": str(project.root) if project is not None else None,
        "settings_file": str(project.config_file) if project and project.config_file else None,
        "settings": rows,
        "cache": str(user_cache_dir()),
        "solc": PINNED_SOLC_VERSION,
    }

    def text() -> str:
        lines = [
            f"project: {project.root}" if project is not None else "project: none (not in one)",
            f"settings file: {project.origin}" if project is not None else "settings file: none",
        ]
        width = max(len(s.key) for s in SETTINGS)
        for row in rows:
            shown = "(none)" if row["value"] is None else row["value"]
            lines.append(f"  {row['key']:<{width}} = {shown}   [{row['source']}]")
        lines.append(f"cache: {user_cache_dir()}")
        return "\n".join(lines)

    app.emit(data, text)


_SHELLS = ("bash", "zsh", "fish")


@click.command("completion", short_help="Print the shell completion script.")
@click.argument("shell", required=False, type=click.Choice(_SHELLS))
@click.pass_context
def completion_cmd(ctx: click.Context, shell: str | None) -> None:
    """Print the completion script for SHELL (default: from $SHELL) to enable tab completion of
    commands, options and template names.

    \b
    Examples:
      decree8 completion bash >> ~/.bashrc
      decree8 completion zsh > "${fpath[1]}/_decree8"
      decree8 completion fish > ~/.config/fish/completions/decree8.fish
    """
    from click.shell_completion import get_completion_class

    chosen = shell or Path(os.environ.get("SHELL", "")).name
    if chosen not in _SHELLS:
        fail(
            f"cannot tell the shell from $SHELL={os.environ.get('SHELL', '')!r}: name it "
            f"({', '.join(_SHELLS)})"
        )
    cls = get_completion_class(chosen)
    assert cls is not None
    root = ctx.find_root()
    completer = cls(root.command, {}, "decree8", "_DECREE8_COMPLETE")
    click.echo(completer.source())
