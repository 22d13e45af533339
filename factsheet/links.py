"""Check that the addresses the sheets print still work (``factsheet links``).

The only part of the tool that touches the network, and never part of a build. Every web
address a sheet prints (its body's links, its contact lines, its ``url``) is requested
concurrently with httpx, following redirects, with a timeout. A dead address (an HTTP error,
a timeout, no connection) is an error at the line that prints it; a redirect is a warning
that gives the new address. Results are kept in the output folder for a set time, so that
checking a collection again asks only about what changed or expired.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import Site
from .content import read_sheet
from .errors import FactsheetError, ProblemsError, display_path, line_of_text

CACHE_NAME = ".factsheet-links.json"
CONCURRENCY = 8
USER_AGENT = "factsheet-links (a fact sheet's link checker)"
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")


@dataclass(frozen=True)
class Citation:
    """A web address as a sheet prints it, and where."""

    address: str
    path: Path
    line: int | None


@dataclass(frozen=True)
class Result:
    """What asking for an address gave: an HTTP status, the address it ended at, or a failure."""

    status: int | None
    final: str
    failure: str = ""
    checked: float = 0.0

    @property
    def dead(self) -> bool:
        """No answer, or an HTTP error."""
        return self.status is None or self.status >= 400

    @property
    def moved(self) -> bool:
        """Answered, after a redirect to another address."""
        return not self.dead and self.final != ""


def citations(paths: Iterable[Path], site: Site) -> list[Citation]:
    """Every web address the sheets at ``paths`` print, with its line, in file order."""
    from .markdown import render_body  # noqa: PLC0415

    found: list[Citation] = []
    problems: list[FactsheetError] = []
    for path in paths:
        sheet, collector = read_sheet(path, site)
        try:
            collector.raise_if_any()
            body = render_body(sheet, site)
        except ProblemsError as error:
            problems.extend(error.problems)
            continue
        except FactsheetError as error:
            problems.append(error)
            continue
        for link in body.links:
            if link.href.startswith(("http://", "https://")):
                found.append(Citation(link.href, path, link.line))
        # The front matter's addresses: the sheet's own (`url`), and the contact lines'.
        printed = [sheet.url] if sheet.url else []
        for line in sheet.contact:
            printed += _WEB_ADDRESS.findall(line)
        for address in printed:
            found.append(Citation(address, path, line_of_text(sheet.source, address)))
    if problems:
        raise ProblemsError(problems)
    return list(dict.fromkeys(found))


def check_addresses(
    addresses: Iterable[str], cache_dir: Path, *, timeout: float, max_age_hours: float
) -> dict[str, Result]:
    """The result for each address: from the cache when younger than ``max_age_hours``, else
    asked now, concurrently. The cache is rewritten with what was asked."""
    cache = _read_cache(cache_dir / CACHE_NAME)
    now = time.time()
    results = {
        address: cache[address]
        for address in addresses
        if address in cache and now - cache[address].checked < max_age_hours * 3600
    }
    pending = [address for address in dict.fromkeys(addresses) if address not in results]
    if pending:
        asked = asyncio.run(_ask_all(pending, timeout))
        results.update(asked)
        # Only answers are kept: a timeout or a refused connection is asked again next time.
        cache.update({address: result for address, result in asked.items() if result.status})
        _write_cache(cache_dir / CACHE_NAME, cache)
    return results


async def _ask_all(addresses: list[str], timeout: float) -> dict[str, Result]:
    import httpx  # noqa: PLC0415 - only this command needs it

    limit = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(
        follow_redirects=True,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        max_redirects=10,
    ) as client:

        async def ask(address: str) -> tuple[str, Result]:
            async with limit:
                return address, await _ask(client, address)

        answers = await asyncio.gather(*(ask(address) for address in addresses))
    return dict(answers)


async def _ask(client: object, address: str) -> Result:
    import httpx  # noqa: PLC0415

    assert isinstance(client, httpx.AsyncClient)
    checked = time.time()
    try:
        # GET, not HEAD: many servers answer HEAD wrongly. The body is not read.
        async with client.stream("GET", address) as response:
            final = str(response.url)
            moved = final if response.history and final != address else ""
            return Result(response.status_code, moved, checked=checked)
    except httpx.TimeoutException:
        return Result(None, "", "timeout", checked)
    except httpx.TooManyRedirects:
        return Result(None, "", "too many redirects", checked)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError):
        # A host name that is not a valid IDNA name, an unclosed [IPv6 address…
        return Result(None, "", "invalid address", checked)
    except httpx.HTTPError as error:
        return Result(None, "", f"no answer ({type(error).__name__})", checked)


def report(found: list[Citation], results: dict[str, Result]) -> tuple[list[str], list[str]]:
    """(errors, warnings) as ``path:line: …`` lines, in file order."""
    errors, warnings = [], []
    for citation in found:
        result = results[citation.address]
        where = display_path(citation.path) + (f":{citation.line}" if citation.line else "")
        if result.dead:
            what = str(result.status) if result.status is not None else result.failure
            errors.append(f"{where}: {what} {citation.address}")
        elif result.moved:
            warnings.append(
                f"{where}: warning: {result.status} after a redirect: {citation.address} "
                f"→ {result.final} (print the new address)"
            )
    return errors, warnings


def _read_cache(path: Path) -> dict[str, Result]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {address: Result(**fields) for address, fields in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}  # none, or unreadable: every address is asked


def _write_cache(path: Path, cache: dict[str, Result]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        data = {address: asdict(result) for address, result in sorted(cache.items())}
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # a read-only output folder: the addresses are asked again next time
