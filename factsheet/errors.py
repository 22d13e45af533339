"""The one error type of factsheet: a problem located at ``path:line``.

Every stage raises :class:`FactsheetError` where it knows what went wrong and where; the CLI
prints it once. Because it derives from :class:`click.ClickException`, click shows the message
without a traceback and exits with status 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import click


def display_path(path: Path | str) -> str:
    """Return ``path`` relative to the working directory when it lies below it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class FactsheetError(click.ClickException):
    """A problem with the user's input, located at a file and (when known) a line."""

    exit_code = 1

    def __init__(self, path: Path | str | None, line: int | None, message: str) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        self.reason = message
        super().__init__(self.location_prefix() + message)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # Rebuilt from its parts when a worker process sends it back to the parent.
        return (FactsheetError, (self.path, self.line, self.reason))

    def location_prefix(self) -> str:
        """Return ``"path:line: "`` (or ``"path: "`` without a line, ``""`` without a path)."""
        if self.path is None:
            return ""
        if self.line is None:
            return f"{display_path(self.path)}: "
        return f"{display_path(self.path)}:{self.line}: "

    def sort_key(self) -> tuple[str, int]:
        """Order problems by file, then line."""
        return (str(self.path or ""), self.line or 0)

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the one-line message, without click's ``Error:`` prefix: it starts with a path."""
        click.echo(self.format_message(), err=True, file=file)


class ProblemsError(FactsheetError):
    """Several problems found in one pass (for example every error in one content file)."""

    def __init__(self, problems: Iterable[FactsheetError]) -> None:
        self.problems = sorted(problems, key=FactsheetError.sort_key)
        first = self.problems[0]
        super().__init__(first.path, first.line, first.reason)

    def format_message(self) -> str:
        """Every problem, one line each."""
        return "\n".join(problem.format_message() for problem in self.problems)

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (ProblemsError, (self.problems,))


class ProblemCollector:
    """Collects problems so that one pass can report all of them at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[FactsheetError] = []

    def add(self, line: int | None, message: str) -> None:
        """Record a problem at ``line`` of the collector's file."""
        self.problems.append(FactsheetError(self.path, line, message))

    def extend(self, problems: Iterable[FactsheetError]) -> None:
        """Record problems found elsewhere."""
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        """Raise every recorded problem together, if there is one."""
        if self.problems:
            raise ProblemsError(self.problems)


def problems_of(error: FactsheetError) -> list[FactsheetError]:
    """Return the individual problems an error carries."""
    return list(error.problems) if isinstance(error, ProblemsError) else [error]
