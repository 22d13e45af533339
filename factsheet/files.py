"""Reading the user's files and writing outputs safely."""

from __future__ import annotations

import contextlib
import ctypes.util
import hashlib
import json
import os
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from .errors import FactsheetError

# Largest settings or content file accepted: far above any real fact sheet, small enough that a
# mistaken path (a log, a binary) is refused before it is parsed.
MAX_FILE_BYTES = 1_000_000
# Ends the name of every temporary file this tool writes, and only those.
TEMPORARY_SUFFIX = ".factsheet.tmp"

T = TypeVar("T")


def read_text_file(path: Path) -> str:
    """Read a UTF-8 text file as a user's input: size-limited, BOM and CRLF tolerated."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            # A named pipe or a device would block the build forever, or never end.
            raise FactsheetError(path, None, "not a regular file: refused, not read")
        size = status.st_size
        if size > MAX_FILE_BYTES:
            raise FactsheetError(
                path, None, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
            )
        data = path.read_bytes()
    except OSError as error:
        raise FactsheetError(path, None, f"cannot read file: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FactsheetError(
            path, line, f"file is not UTF-8 text (byte 0x{data[error.start]:02x}); save it as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Stop:
    """The signal that asked the build to stop, set by the CLI's handler.

    The handler raises SystemExit, but one raised inside a C library's callback (Pango,
    fontconfig) can be swallowed there. So the build checks between steps
    (:func:`stop_if_asked`), and no file is put in place after a stop was asked for.
    """

    signal: int | None = None


def stop_if_asked() -> None:
    """End the build (SystemExit with the signal's status) if a signal asked it to stop."""
    if Stop.signal is not None:
        raise SystemExit(128 + Stop.signal)


@contextlib.contextmanager
def atomic_output(target: Path, *, stoppable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place only on success.

    A failed or interrupted build never leaves a truncated file at ``target`` and never
    replaces the previous good one; concurrent builds each write their own temporary file.
    A ``stoppable`` file (an output) is not put in place once a stop was asked for; the
    manifest, written on the way out of a stopped build, is not stoppable: it records only
    the outputs that were put in place.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # The name is chosen before the file exists, so that the cleanup below knows it even if a
    # signal interrupts the build just as the file is being created.
    temporary = target.parent / f".{target.name}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}"
    try:
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        yield temporary
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        temporary.chmod(0o644)
        if stoppable:
            stop_if_asked()  # told to stop while the file was made: the previous one stays
        temporary.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


# A temporary file this old belongs to no running build: its build was killed (kill -9).
STALE_TEMPORARY_SECONDS = 3600


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that killed builds left in ``folder`` (never a live build's)."""
    _remove_older(folder, f".*{TEMPORARY_SUFFIX}", STALE_TEMPORARY_SECONDS)


def _remove_older(folder: Path, pattern: str, seconds: float) -> None:
    """Delete the files of ``folder`` matching ``pattern`` last modified over ``seconds`` ago
    (one that cannot be removed, or is not a file, stays)."""
    now = time.time()
    for path in folder.glob(pattern):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > seconds:
                path.unlink()


def cache_folder() -> Path | None:
    """Where factsheet keeps what it can always compute again (parsed hyphenation patterns,
    font data): ``$XDG_CACHE_HOME/factsheet``, by default ``~/.cache/factsheet``; None (keep
    nothing) when no absolute home folder is known."""
    base = Path(os.environ.get("XDG_CACHE_HOME", ""))
    if not base.is_absolute():  # unset, or relative: ignored, as the XDG rules say
        if os.environ.get("HOME") == "":
            return None  # Python would take "/" for it
        try:
            home = Path.home()
        except RuntimeError:  # no home folder known
            return None
        if not home.is_absolute():  # HOME set to a relative path
            return None
        base = home / ".cache"
    return base / "factsheet"


# A kept file larger than this is not one factsheet wrote (English patterns: 300 KB).
MAX_CACHED_BYTES = 8_000_000
# A kept file not used for this long is removed when a file beside it is written.
CACHE_MAX_AGE_SECONDS = 30 * 24 * 3600


def cached_json(name: str, compute: Callable[[], Any], decode: Callable[[Any], T]) -> T:
    """``decode(compute())``, with what ``compute`` returns kept as JSON in the cache folder
    under ``name`` (which must change when the result would) and read back by the next process.

    The file's first line is the SHA-256 of the JSON below it. A kept file that is missing,
    damaged, not a regular file, too large, or not what ``decode`` expects (``decode`` raises
    ``ValueError`` or ``TypeError`` on a value out of its range) is computed again and
    replaced. A cache folder that cannot be written only means the next process computes again.
    """
    folder = cache_folder()
    if folder is None:
        return decode(compute())
    kept = folder / name
    text = _read_kept(kept)
    if text is not None:
        try:
            return decode(json.loads(text))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, ArithmeticError,
                RecursionError):  # fmt: skip
            pass  # damaged: computed, and kept again, below
    data = compute()
    body = json.dumps(data, ensure_ascii=False)
    checksum = hashlib.sha256(body.encode()).hexdigest()
    with contextlib.suppress(OSError), atomic_output(kept, stoppable=False) as temporary:
        temporary.write_text(f"{checksum}\n{body}", encoding="utf-8")
        _forget_unused(kept)
    return decode(data)


def _read_kept(kept: Path) -> str | None:
    """The JSON text of a kept file whose checksum holds, or None. Never blocks (a named
    pipe), never reads more than ``MAX_CACHED_BYTES`` (a link to a device)."""
    try:
        descriptor = os.open(kept, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as file:
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_CACHED_BYTES:
                return None
            data = file.read(MAX_CACHED_BYTES + 1)
            if time.time() - status.st_mtime > 24 * 3600:
                os.utime(descriptor)  # in use: not one of the files _forget_unused removes
        except OSError:
            return None
    checksum, _, body = data.partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != checksum:
        return None
    return body.decode("utf-8", errors="replace")


def _forget_unused(kept: Path) -> None:
    """Remove the files beside ``kept`` that no build has used for ``CACHE_MAX_AGE_SECONDS``
    (kept for fonts or dictionaries since changed)."""
    _remove_older(kept.parent, "*.json", CACHE_MAX_AGE_SECONDS)


HARFBUZZ_SUBSET_HINT = (
    "libharfbuzz-subset0 is not installed: fonts will be subset with fontTools, about ten times "
    "slower. Install it with: sudo apt-get install libharfbuzz-subset0"
)


def harfbuzz_subset_missing() -> bool:
    """True when WeasyPrint would have to fall back to fontTools to subset fonts."""
    return ctypes.util.find_library("harfbuzz-subset") is None
