"""Rebuilding a template with the compiler, settings and sources a deployment recorded."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from decree8.compile import collect_sources, make_input, make_settings
from decree8.fsutil import canonical_json
from decree8.templates.home import TEMPLATE_SOURCES

if TYPE_CHECKING:
    from decree8.compile import Build
    from decree8.deploy import Deployment

__all__ = ["rebuild"]


#: The source sets decree8 has built templates from: the template folders (the shipped build, used
#: by every command since 0.2) and the whole tree (``decree8 deploy`` of 0.1). A rebuild picks the
#: one a manifest recorded.
_CANDIDATE_SOURCES: tuple[tuple[str, ...] | None, ...] = (None, TEMPLATE_SOURCES)


# --------------------------------------------------------------------------------------------------
# Rebuilding with the recorded settings
# --------------------------------------------------------------------------------------------------


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _candidate_hashes(root: Path, sources: Sequence[str] | None) -> tuple[str, str]:
    """``(input hash, settings hash)`` a build of ``sources`` would have, without compiling."""
    contents, roots, _ = collect_sources(root, sources)
    settings = make_settings(roots)
    return _sha256(canonical_json(make_input(contents, settings))), _sha256(
        canonical_json(settings)
    )


def rebuild(
    root: str | Path | None = None,
    *,
    manifest: Deployment | None = None,
    compiler: str = "auto",
    build_dir: Path | None = None,
) -> Build:
    """The template build to compare a deployment with: the source set whose input hash (else
    settings hash) the manifest recorded, else the template folders. The template folders of
    decree8's own home come from the shipped artifacts (no compiler); anything else compiles
    only that one source set, into ``build_dir`` (a warm cache compiles nothing)."""
    from decree8.compile import build_project
    from decree8.templates.home import template_build, template_home

    home = Path(root) if root is not None else template_home()
    chosen: tuple[str, ...] | None = TEMPLATE_SOURCES
    if manifest is not None:
        hashes = {sources: _candidate_hashes(home, sources) for sources in _CANDIDATE_SOURCES}
        by_input = [s for s, (ih, _) in hashes.items() if ih == manifest.input_hash]
        by_settings = [s for s, (_, sh) in hashes.items() if sh == manifest.settings_hash]
        if by_input:
            chosen = by_input[0]
        elif by_settings:
            chosen = by_settings[0]
    if chosen == TEMPLATE_SOURCES and root is None:
        return template_build(build_dir=build_dir, compiler=compiler)
    return build_project(home, compiler=compiler, sources=chosen, cache_dir=build_dir)
