"""Nothing is lost: an interrupted build never leaves a truncated PDF nor replaces a good one.

A sheet is built once; then a much longer version of it is rebuilt with --force and the build
is killed part-way (SIGKILL, or SIGTERM which the tool turns into a clean exit). The previous
PDF must still be there, byte for byte. Two builds into one folder at once must both succeed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from helpers import PROJECT_ROOT, make_project, run_cli, sections_body, sheet_text, write_sheet

from factsheet import cli
from factsheet.files import atomic_output

NAME = "interrupted"
SHORT = sheet_text("Interrupted Build", "A short first version.", date="2020-01-02")


def long_version(sections: int = 60, title: str = "Interrupted Build") -> str:
    """About 17 letter pages: long enough that rendering takes a good second."""
    body = sections_body(
        sections,
        "Paragraph {section}.{paragraph} has enough ordinary words to fill several printed "
        "lines, so that the whole sheet runs to many pages and takes a while to lay out, which "
        "leaves time to interrupt the build part-way through it.",
    )
    return sheet_text(title, body, date="2020-01-02", max_pages=40)


@dataclass(frozen=True)
class Built:
    """A project whose dist/ holds a good PDF of the short version; content is now long."""

    project: Path
    previous: bytes

    @property
    def out(self) -> Path:
        return self.project / "dist"

    @property
    def pdf(self) -> Path:
        return self.out / f"{NAME}.pdf"


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    project = make_project(tmp_path_factory.mktemp("interrupted") / "project")
    write_sheet(project, NAME, SHORT)
    result = run_cli(["pdf", f"content/{NAME}.md"], cwd=project)
    assert result.returncode == 0, result.stderr
    pdf = project / "dist" / f"{NAME}.pdf"
    return Built(project, pdf.read_bytes())


@pytest.fixture
def built(first_build: Built, tmp_path: Path) -> Built:
    """A copy of the first build's project, with the long version of the sheet in content/."""
    project = tmp_path / "project"
    shutil.copytree(first_build.project, project, symlinks=True)
    write_sheet(project, NAME, long_version())
    return Built(project, first_build.previous)


_STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_stray_builds() -> Iterator[None]:
    """Whatever happens in a test, the builds it started do not outlive it."""
    yield
    while _STARTED:
        process = _STARTED.pop()
        kill_group(process)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=10)


# Runs build.py with each fsync 50 ms late, so that the instant a PDF is being written lasts
# long enough for a test to interrupt it (writing the finished bytes takes well under 1 ms).
SLOW_WRITES = (
    "import os, runpy, sys, time\n"
    "fsync = os.fsync\n"
    "os.fsync = lambda descriptor: (time.sleep(0.05), fsync(descriptor))[1]\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def start_build(project: Path, *args: str, slow_writes: bool = False) -> subprocess.Popen[str]:
    """Start `python build.py pdf --force ARGS` in its own process group (with its workers);
    with ``slow_writes``, each fsync waits 50 ms first."""
    python = [sys.executable, "-c", SLOW_WRITES] if slow_writes else [sys.executable]
    process = subprocess.Popen(
        [*python, str(PROJECT_ROOT / "build.py"), "pdf", "--force", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _STARTED.append(process)
    return process


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL what is left of a build this test started (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def finish(process: subprocess.Popen[str], seconds: float = 60) -> str:
    """Wait for the build and every process of its group to end; return its stderr."""
    try:
        _, stderr = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        kill_group(process)
        process.communicate()
        pytest.fail(f"the build did not end within {seconds} s")
    deadline = time.monotonic() + 10
    while True:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return stderr
        if time.monotonic() > deadline:
            kill_group(process)
            pytest.fail("worker processes outlived the build by 10 s")
        time.sleep(0.01)


def weasyprint_loaded(process: subprocess.Popen[str]) -> bool:
    """True once the process has imported WeasyPrint (its Pango library is mapped)."""
    try:
        return "libpango" in Path(f"/proc/{process.pid}/maps").read_text()
    except OSError:
        return False


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the build ended ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            kill_group(process)
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.001)


def interrupt_mid_render(process: subprocess.Popen[str], signum: int) -> None:
    """Send ``signum`` while WeasyPrint lays the sheet out (imported + 0.3 s, still running)."""
    if Path("/proc/self/maps").exists():
        wait_for(lambda: weasyprint_loaded(process), process, "WeasyPrint was imported")
        time.sleep(0.3)
    else:
        time.sleep(1.0)
    assert process.poll() is None, "the build finished before it could be interrupted"
    process.send_signal(signum)


def temporary_files(out: Path) -> list[str]:
    return sorted(path.name for path in out.iterdir() if path.name.endswith(".tmp"))


def interrupt_while_writing(process: subprocess.Popen[str], out: Path, signum: int) -> None:
    """Send ``signum`` while the PDF is being written: 3 ms after its temporary file appears
    beside the target (the instant of its creation is tested on its own, below). The build
    must be started with ``slow_writes``."""
    pattern = f".{NAME}.pdf."
    wait_for(
        lambda: any(name.startswith(pattern) for name in temporary_files(out)),
        process,
        "the temporary PDF appeared",
    )
    time.sleep(0.003)
    process.send_signal(signum)


def assert_previous_intact(built: Built) -> None:
    assert built.pdf.read_bytes() == built.previous
    with pikepdf.open(built.pdf) as document:
        assert len(document.pages) == 1
    for pdf in built.out.glob("*.pdf"):
        with pikepdf.open(pdf):
            pass


def test_sigkill_mid_render_keeps_previous_pdf(built: Built) -> None:
    process = start_build(built.project, f"content/{NAME}.md")
    interrupt_mid_render(process, signal.SIGKILL)
    finish(process)
    assert process.returncode == -signal.SIGKILL
    assert_previous_intact(built)
    assert sorted(p.name for p in built.out.glob("*.pdf")) == [f"{NAME}.pdf"]


def test_sigkill_while_writing_keeps_previous_pdf_and_next_build_works(built: Built) -> None:
    """Killed as the temporary file is written: the target is the previous PDF or the
    complete new one, never a truncated file, and the next build (not forced: the content
    changed) writes the long version."""
    process = start_build(built.project, f"content/{NAME}.md", slow_writes=True)
    interrupt_while_writing(process, built.out, signal.SIGKILL)
    finish(process)
    assert process.returncode == -signal.SIGKILL
    with pikepdf.open(built.pdf) as document:
        pages = len(document.pages)
    assert built.pdf.read_bytes() == built.previous or pages > 10
    result = run_cli(["pdf", f"content/{NAME}.md"], cwd=built.project)
    assert result.returncode == 0, result.stderr
    with pikepdf.open(built.pdf) as document:
        assert len(document.pages) > 10


def test_sigterm_mid_render_exits_cleanly(built: Built) -> None:
    process = start_build(built.project, f"content/{NAME}.md")
    interrupt_mid_render(process, signal.SIGTERM)
    stderr = finish(process)
    assert process.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in stderr
    assert_previous_intact(built)
    assert temporary_files(built.out) == []


def test_sigterm_while_writing_removes_temporary_file(built: Built) -> None:
    """SIGTERM as the PDF is being written: no temporary file is left, and the PDF at the
    target is either the previous one or the complete new one."""
    process = start_build(built.project, f"content/{NAME}.md", slow_writes=True)
    interrupt_while_writing(process, built.out, signal.SIGTERM)
    stderr = finish(process)
    # 143 from the handler; -15 when the signal lands as the finished process exits; 0 when
    # the write (now a single write of finished bytes) was over before the signal arrived.
    assert process.returncode in (128 + signal.SIGTERM, -signal.SIGTERM, 0)
    assert "Traceback" not in stderr
    assert temporary_files(built.out) == []
    with pikepdf.open(built.pdf) as document:
        pages = len(document.pages)
    assert built.pdf.read_bytes() == built.previous or pages > 10


def test_sigterm_with_worker_processes_leaves_nothing_behind(built: Built) -> None:
    """With -j 2 and two sheets, SIGTERM mid-render: exit 143, no temporary files, no
    truncated PDFs; the previous PDF is intact."""
    # Long enough that the build is still rendering when the signal comes, even under load.
    write_sheet(built.project, "second", long_version(120))
    process = start_build(built.project, "-j", "2")
    interrupt_mid_render(process, signal.SIGTERM)
    stderr = finish(process)
    assert process.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in stderr
    assert temporary_files(built.out) == []
    assert_previous_intact(built)
    assert not (built.out / "second.pdf").exists()


def test_two_concurrent_builds_into_one_folder(tmp_path: Path) -> None:
    """Two builds of the same sheets into the same --out at once: both succeed, every PDF
    opens, no temporary file is left and the manifest is valid JSON."""
    project = make_project(tmp_path / "project")
    for index in range(2):
        write_sheet(project, f"concurrent-{index}", long_version(12, f"Concurrent Build {index}"))
    out = tmp_path / "shared"
    processes = [start_build(project, "-j", "1", "--out", str(out)) for _ in range(2)]
    for process in processes:
        stderr = finish(process, 120)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
        assert stderr.splitlines()[-1].startswith("2 built, 0 skipped, 0 failed in ")
    for index in range(2):
        with pikepdf.open(out / f"concurrent-{index}.pdf") as document:
            assert len(document.pages) >= 3
    assert temporary_files(out) == []
    manifest = json.loads((out / ".factsheet-manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["sheets"]) <= {"concurrent-0.pdf", "concurrent-1.pdf"}
    # Either build's record is a correct one: nothing left to do.
    result = run_cli(["pdf", "--out", str(out)], cwd=project)
    assert result.returncode == 0, result.stderr


def test_sigterm_as_the_temporary_file_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM delivered while the temporary file is being created (the signal arrives during
    the open() system call, and the tool's handler runs as soon as it returns): the temporary
    file must not be left behind, and the previous file stays."""
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"previous")
    real_open = os.open

    def open_during_sigterm(path: str, flags: int, mode: int = 0o777, **kwargs: object) -> int:
        descriptor = real_open(path, flags, mode, **kwargs)  # type: ignore[arg-type]
        if str(path).endswith(".tmp"):
            os.kill(os.getpid(), signal.SIGTERM)
        return descriptor

    previous = signal.signal(signal.SIGTERM, cli._terminate)
    try:
        monkeypatch.setattr(os, "open", open_during_sigterm)
        with pytest.raises(SystemExit) as raised, atomic_output(target) as temporary:
            temporary.write_bytes(b"new")
    finally:
        monkeypatch.undo()
        signal.signal(signal.SIGTERM, previous)
    assert raised.value.code == 128 + signal.SIGTERM
    assert target.read_bytes() == b"previous"
    assert temporary_files(tmp_path) == []


def test_next_build_removes_only_stale_temporary_files(tmp_path: Path) -> None:
    """What kill -9 leaves behind is cleared by a later build once it is an hour old; a
    fresh temporary file (a build still running) is left alone."""
    from factsheet.files import STALE_TEMPORARY_SECONDS, remove_stale_temporaries

    stale = tmp_path / ".sheet.pdf.0123456789ab.factsheet.tmp"
    fresh = tmp_path / ".other.pdf.ba9876543210.factsheet.tmp"
    kept = tmp_path / "sheet.pdf"
    users = tmp_path / ".my-notes.tmp"  # not the tool's: never deleted
    for path in (stale, fresh, kept, users):
        path.write_bytes(b"x")
    old = time.time() - STALE_TEMPORARY_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(kept, (old, old))
    os.utime(users, (old, old))
    remove_stale_temporaries(tmp_path)
    assert users.exists()
    assert not stale.exists()
    assert fresh.exists()
    assert kept.exists()


def children_of(pid: int) -> list[int]:
    """The process IDs whose parent is ``pid`` (from /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            if int(fields.get("PPid", "0").strip()) == pid:
                found.append(int(status.parent.name))
    return found


def test_workers_end_when_their_parent_is_killed(built: Built) -> None:
    """kill -9 of a -j 2 build (the parent only) leaves no worker process waiting forever."""
    # Long enough that the build is still rendering when the signal comes, even under load.
    write_sheet(built.project, "second", long_version(120))
    process = start_build(built.project, "-j", "2")
    wait_for(lambda: len(children_of(process.pid)) >= 2, process, "the workers started")
    workers = children_of(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        if time.monotonic() > deadline:
            pytest.fail(f"workers {workers} outlived their killed parent")
        time.sleep(0.05)
    assert_previous_intact(built)
