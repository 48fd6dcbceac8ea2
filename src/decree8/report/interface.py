"""The one interface every report format implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

from decree8.result import Report

__all__ = ["Formatter"]


class Formatter(ABC):
    """Renders a :class:`Report` as text in one format."""

    @abstractmethod
    def format(self, report: Report) -> str:
        """The whole report as one string, ending with a newline."""
