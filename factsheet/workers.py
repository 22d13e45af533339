"""Worker processes that render sheets in parallel, and survive each other's deaths.

Each worker is forked from a process whose renderer is already warm, and renders one sheet at
a time, sent to it over a pipe. The parent waits on every busy worker's pipe *and* its process
sentinel: a worker that dies mid-sheet (the OOM killer, a crash in a C library) fails that
sheet with a clear message, is replaced, and the build goes on and ends. (A
``multiprocessing.Pool`` would wait forever for the lost result.)
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

from .errors import FactsheetError, unexpected

# prctl(2) option: the signal a process receives when its parent dies (Linux).
PR_SET_PDEATHSIG = 1
# How long a worker told to stop may take to clean up before it is killed.
STOP_SECONDS = 5.0


class SheetBuilder(Protocol):
    """What a worker runs: one sheet in, its outcome out (an ``Outcome`` of the pipeline)."""

    def build_one(self, path: Path) -> object: ...


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    sheet: Path | None = None


def render_in_workers(
    paths: list[Path],
    builder: SheetBuilder,
    jobs: int,
    failed: Callable[[Path, FactsheetError], object],
    on_start: Callable[[Path], None] | None = None,
) -> Iterator[object]:
    """Render ``paths`` in ``jobs`` forked workers; yield each sheet's outcome as it ends.

    ``failed(path, error)`` makes the outcome of a sheet whose worker died.
    """
    crew = _Crew(paths, builder, failed, on_start)
    try:
        for _ in range(min(jobs, len(paths))):
            crew.hire()
        while crew.unfinished:
            yield from crew.collect()
    finally:
        _stop(crew.workers)


class _Crew:
    """The workers of one build and the sheets they have yet to render."""

    def __init__(
        self,
        paths: list[Path],
        builder: SheetBuilder,
        failed: Callable[[Path, FactsheetError], object],
        on_start: Callable[[Path], None] | None,
    ) -> None:
        self.context = multiprocessing.get_context("fork")
        self.builder = builder
        self.failed = failed
        self.on_start = on_start
        self.waiting = deque(paths)
        self.workers: list[_Worker] = []
        # Workers take the sheets in order, so the first one not yet done is being rendered.
        self.unfinished = dict.fromkeys(paths)
        if on_start:
            on_start(paths[0])

    def hire(self) -> None:
        """Start a worker and give it the next sheet."""
        parent_end, child_end = self.context.Pipe()
        # With fork, the builder reaches the worker as it is in memory (it is not pickled).
        process = self.context.Process(
            target=_serve, args=(self.builder, child_end, self.failed), daemon=True
        )
        # A stop signal that lands during fork would raise inside the interpreter's at-fork
        # hooks (logging's lock), which print a traceback and go on: held until fork is done.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        child_end.close()
        worker = _Worker(process, parent_end)
        self.workers.append(worker)
        self.give_work(worker)

    def give_work(self, worker: _Worker) -> None:
        if self.waiting:
            worker.sheet = self.waiting.popleft()
            worker.connection.send(worker.sheet)

    def finish(self, sheet: Path) -> None:
        del self.unfinished[sheet]
        if self.on_start and self.unfinished:
            self.on_start(next(iter(self.unfinished)))

    def collect(self) -> Iterator[object]:
        """Wait for a worker to send an outcome or to die; yield what ended."""
        busy = [worker for worker in self.workers if worker.sheet is not None]
        ready = set(wait([w.connection for w in busy] + [w.process.sentinel for w in busy]))
        for worker in busy:
            sheet = worker.sheet
            assert sheet is not None
            outcome = self.receive(worker) if worker.connection in ready else None
            if outcome is not None:
                worker.sheet = None
                self.finish(sheet)
                yield outcome
                self.give_work(worker)
            elif worker.process.sentinel in ready or not worker.process.is_alive():
                worker.process.join()
                worker.sheet = None
                self.finish(sheet)
                yield self.failed(sheet, _death(worker.process, sheet))
                self.workers.remove(worker)
                worker.connection.close()
                if self.waiting:
                    self.hire()

    @staticmethod
    def receive(worker: _Worker) -> object | None:
        try:
            return worker.connection.recv()
        except (EOFError, OSError):
            return None  # it died before or while sending: its sentinel says so


def _death(process: BaseProcess, sheet: Path) -> FactsheetError:
    code = process.exitcode
    how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    return FactsheetError(sheet, None, f"worker died ({how}) while rendering")


def _stop(workers: list[_Worker]) -> None:
    """End every worker: idle ones at once, a busy one after removing its temporary file."""
    for worker in workers:
        if worker.process.is_alive():
            worker.process.terminate()
    for worker in workers:
        worker.process.join(STOP_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()


_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _serve(
    builder: SheetBuilder,
    connection: Connection,
    failed: Callable[[Path, FactsheetError], object],
) -> None:
    """A worker's life: render each sheet it is sent, send back the outcome."""
    # A worker whose parent is killed (kill -9) must not wait for work forever.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # An idle worker ends at once on SIGTERM; a busy one first removes its temporary file.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # held while the parent forked
    first = True
    while True:
        try:
            sheet = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            outcome = builder.build_one(sheet)
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            connection.send(outcome)
        except Exception as error:  # an outcome that cannot be pickled, say
            connection.send(failed(sheet, unexpected(sheet, error)))
        if first:
            set_aside_warm_objects()
            first = False


def set_aside_warm_objects() -> None:
    """Take the objects alive now out of the garbage collector's view, after a collection.

    After its first sheet, a rendering process holds what it keeps for life (modules, fonts,
    stylesheets, hyphenation patterns, cffi's parsed types); every collection of the oldest
    generation would walk them all again, which costs about 3% of a build. They are still
    freed when nothing refers to them; :func:`gc.unfreeze` gives them back to the collector.
    """
    gc.collect()
    gc.freeze()


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)
