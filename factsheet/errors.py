"""Problems located at ``path:line``: errors that fail a sheet, and warnings that do not.

Every stage raises :class:`FactsheetError` where it knows what went wrong and where, or records
a :class:`Problem` of severity ``warning`` for something a user should see but that does not
stop the build. This module knows nothing of the command line: the CLI prints each problem once
and maps errors to exit codes (and, with ``--strict``, warnings too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


def display_path(path: Path | str) -> str:
    """Return ``path`` relative to the working directory when it lies below it.

    The path as given is tried first, so that a symbolic link is named as the user knows it.
    """
    path = Path(path)
    cwd = Path.cwd()
    candidates = [path.absolute()]
    try:
        candidates.append(path.resolve())
        cwd = cwd.resolve()
    except (ValueError, OSError, RuntimeError):
        pass  # a path the file system cannot resolve (a link loop, a name too long)
    for candidate in candidates:
        for folder in (Path.cwd(), cwd):
            if candidate.is_relative_to(folder):
                return str(candidate.relative_to(folder))
    return str(path)


class Severity(Enum):
    """How much a problem matters: an error fails its sheet, a warning does not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One problem with the user's input, at a file and (when known) a line."""

    path: Path | None
    line: int | None
    message: str
    severity: Severity = Severity.ERROR

    def location_prefix(self) -> str:
        """Return ``"path:line: "`` (or ``"path: "`` without a line, ``""`` without a path)."""
        if self.path is None:
            return ""
        if self.line is None:
            return f"{display_path(self.path)}: "
        return f"{display_path(self.path)}:{self.line}: "

    def format(self) -> str:
        """The one printed line: ``path:line: message`` or ``path:line: warning: message``."""
        marker = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.location_prefix()}{marker}{self.message}"

    def sort_key(self) -> tuple[str, int]:
        """Order problems by file, then line."""
        return (str(self.path or ""), self.line or 0)


class FactsheetError(Exception):
    """A problem with the user's input that stops its sheet, located at a file and line."""

    def __init__(self, path: Path | str | None, line: int | None, message: str) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        self.reason = message
        super().__init__(self.format_message())

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # Rebuilt from its parts when a worker process sends it back to the parent.
        return (type(self), (self.path, self.line, self.reason))

    @property
    def problem(self) -> Problem:
        """The error as a :class:`Problem`."""
        return Problem(self.path, self.line, self.reason)

    def location_prefix(self) -> str:
        """Return ``"path:line: "`` (or ``"path: "`` without a line, ``""`` without a path)."""
        return self.problem.location_prefix()

    def sort_key(self) -> tuple[str, int]:
        """Order problems by file, then line."""
        return self.problem.sort_key()

    def format_message(self) -> str:
        """The message as printed: ``path:line: message``, one line per problem."""
        return self.problem.format()


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
    """Collects the problems of one file so that one pass can report all of them at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[FactsheetError] = []
        self.warnings: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        """Record an error at ``line`` of the collector's file."""
        self.problems.append(FactsheetError(self.path, line, message))

    def warn(self, line: int | None, message: str) -> None:
        """Record a warning at ``line`` of the collector's file."""
        self.warnings.append(Problem(self.path, line, message, Severity.WARNING))

    def extend(self, problems: Iterable[FactsheetError]) -> None:
        """Record errors found elsewhere."""
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        """Raise every recorded error together, if there is one."""
        if self.problems:
            raise ProblemsError(self.problems)


def line_of_text(source: str, text: str) -> int | None:
    """The line (1-based) of ``source`` where ``text`` first appears, or None."""
    at = source.find(text)
    return source.count("\n", 0, at) + 1 if at >= 0 else None


def unexpected(path: Path, error: Exception) -> FactsheetError:
    """An exception nobody foresaw while handling the file at ``path``, as that file's error.

    A batch reports it against the sheet and goes on with the others; ``--debug`` shows the
    traceback instead.
    """
    if isinstance(error, RecursionError):
        return FactsheetError(path, None, "too deeply nested to process (a recursion limit)")
    if isinstance(error, MemoryError):
        return FactsheetError(path, None, "too large to process (out of memory)")
    return FactsheetError(
        path,
        None,
        f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback)",
    )


def problems_of(error: FactsheetError) -> list[FactsheetError]:
    """Return the individual problems an error carries."""
    return list(error.problems) if isinstance(error, ProblemsError) else [error]
