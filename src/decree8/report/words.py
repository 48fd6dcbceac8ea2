"""Words the Markdown and HTML reports share: what each source of findings means, and what each
confidence tag of a legal basis means."""

from __future__ import annotations

__all__ = ["SOURCE_WORDS", "TAG_MEANING"]

#: What a finding's source means, for the method section of a report.
SOURCE_WORDS = {
    "preflight": "pre-flight checks of transactions before they were sent",
    "mined": "checks of mined transactions",
    "audit": "an audit of the contracts' history replayed from their events",
    "verify": "a comparison of the deployed code with the template build",
}

#: What a confidence tag says about how the legal basis was read.
TAG_MEANING = {
    "primary": "read in the official text or a translation of the act",
    "secondary": "read in a law firm's or professional summary",
    "news": "read in news or a secondary summary only",
    "policy": "not a statute; a safeguard decree8 adds on purpose",
    "unverified": "commonly claimed, no source confirmed; never presented as law",
}
