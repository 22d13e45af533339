"""What makes builds fast without changing a byte: what a build keeps in the cache folder
(``$XDG_CACHE_HOME/factsheet``) to start faster is read back exactly as computed, computed
again when damaged, and never needed; WeasyPrint's import leaves the library search as it
was; the command runs on one large stack chunk."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyphen
import pytest
from helpers import (
    PROJECT_ROOT,
    make_project,
    run_python,
    sections_body,
    sheet_text,
    write_sheet,
)

from factsheet import fonts, running_title
from factsheet.files import cache_folder, cached_json
from factsheet.fonts import bundled_coverage
from factsheet.weasyprint_private import keep_hyphenation_patterns

WORDS = [
    "hyphenation",
    "internationalization",
    "accountability",
    "Rechtsstaatlichkeit",
    "développement",
    "гуманитарный",
    "independência",
]


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder for the test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "factsheet"


def test_cache_folder_follows_xdg(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_folder() == cache_home
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored
    assert cache_folder() == Path.home() / ".cache" / "factsheet"


@pytest.mark.parametrize("home", ["", "relative/home"])
def test_no_absolute_home_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: str
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", home)
    monkeypatch.chdir(tmp_path)
    assert cache_folder() is None
    assert cached_json("sample.json", lambda: {"a": 1}, lambda data: data["a"]) == 1
    assert not any(tmp_path.iterdir())  # nothing written beside the project


def kept_json(path: Path) -> object:
    """The value a kept file holds, after checking its checksum line."""
    checksum, _, body = path.read_bytes().partition(b"\n")
    assert hashlib.sha256(body).hexdigest().encode() == checksum
    return json.loads(body)


def test_kept_value_is_read_back_not_computed(cache_home: Path) -> None:
    calls: list[int] = []

    def compute() -> dict[str, list[int]]:
        calls.append(1)
        return {"a": [1, 2]}

    first = cached_json("sample.json", compute, lambda data: data["a"])
    second = cached_json("sample.json", compute, lambda data: data["a"])
    assert first == second == [1, 2]
    assert len(calls) == 1
    assert kept_json(cache_home / "sample.json") == {"a": [1, 2]}


def _with_checksum(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest() + "\n" + body


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        "",
        '{"a": 5}',  # no checksum line
        "0" * 64 + '\n{"a": 5}',  # a checksum that does not hold
        _with_checksum('{"b": 1}'),  # not what decode expects
        _with_checksum("[]"),
        _with_checksum('{"a": -1}'),  # out of decode's range
        _with_checksum('{"a": 1e400}'),
        _with_checksum("[" * 100_000),
    ],
)
def test_damaged_value_is_computed_again(cache_home: Path, damage: str) -> None:
    def decode(data: dict[str, int]) -> int:
        if not 0 <= data["a"] <= 100:
            raise ValueError("out of range")
        return int(data["a"])

    cache_home.mkdir(parents=True)
    (cache_home / "sample.json").write_text(damage)
    assert cached_json("sample.json", lambda: {"a": 7}, decode) == 7
    assert kept_json(cache_home / "sample.json") == {"a": 7}


def test_a_pipe_or_a_device_is_not_read(cache_home: Path) -> None:
    cache_home.mkdir(parents=True)
    os.mkfifo(cache_home / "pipe.json")  # reading it would wait forever
    (cache_home / "device.json").symlink_to("/dev/zero")  # reading it would never end
    for name in ("pipe.json", "device.json"):
        assert cached_json(name, lambda: {"a": 2}, lambda data: data["a"]) == 2


def test_unused_kept_files_are_removed(cache_home: Path) -> None:
    cache_home.mkdir(parents=True)
    old, recent = cache_home / "old-fonts.json", cache_home / "recent.json"
    for path in (old, recent):
        path.write_text(_with_checksum("{}"))
    long_ago = time.time() - 40 * 24 * 3600
    os.utime(old, (long_ago, long_ago))
    cached_json("new-fonts.json", lambda: {"a": 1}, lambda data: data["a"])
    assert not old.exists()
    assert recent.exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("advances", [{"65": 600}, 0]),  # no units per em
        ("advances", [{"65": 1e30}, 1000]),
        ("coverage", [[0, 300_000_000]]),  # beyond Unicode
        ("coverage", [[70, 65]]),
    ],
)
def test_kept_font_data_out_of_range_is_read_again(
    cache_home: Path, project: Path, name: str, value: object
) -> None:
    """Damaged font data in the cache (with a valid checksum) is read from the fonts again."""
    fonts_dir = project / "templates" / "fonts"
    expected_coverage = bundled_coverage(fonts_dir)
    expected_advances = running_title._advances(fonts_dir / running_title.TITLE_FONT.file)
    for kept in cache_home.glob(f"{name}-*.json"):
        kept.write_text(_with_checksum(json.dumps(value)))
    fonts._COVERAGE.clear()
    running_title._advances.cache_clear()
    assert bundled_coverage(fonts_dir) == expected_coverage
    assert running_title._advances(fonts_dir / running_title.TITLE_FONT.file) == expected_advances


def test_unwritable_cache_folder_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file where the folder should be: nothing can be kept (even by root).
    (tmp_path / "blocked").write_text("a file")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))
    assert cached_json("sample.json", lambda: {"a": 3}, lambda data: data["a"]) == 3


@pytest.mark.parametrize("lang", ["en", "de", "fr", "ru", "pt"])
def test_kept_hyphenation_patterns_hyphenate_as_parsed_ones(cache_home: Path, lang: str) -> None:
    keep_hyphenation_patterns()
    kept_class = pyphen.HyphDict
    parsed_class = kept_class.__mro__[1]
    path = pyphen.LANGUAGES[pyphen.language_fallback(lang)]
    parsed = parsed_class(path)
    computed = kept_class(path)  # parsed, then kept
    assert list((cache_home / "hyphenation").glob(f"{path.name}-*.json"))
    read_back = kept_class(path)  # from the kept file
    assert read_back.patterns == parsed.patterns
    assert read_back.maxlen == parsed.maxlen
    for word in WORDS:
        expected = parsed.positions(word.lower())
        assert computed.positions(word.lower()) == expected
        assert read_back.positions(word.lower()) == expected


def test_weasyprint_import_leaves_library_search_alone(tmp_path: Path) -> None:
    code = (
        "import ctypes.util\n"
        "search = ctypes.util.find_library\n"
        "from factsheet.weasyprint_private import import_weasyprint\n"
        "weasyprint = import_weasyprint()\n"
        "from weasyprint.text import ffi\n"
        "assert ctypes.util.find_library is search\n"
        "assert ffi.pango is not None and ffi.harfbuzz_subset is not None\n"
        "print('ok')\n"
    )
    result = run_python(code, [], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_roomy_stack_runs_the_function_and_passes_its_exit_on() -> None:
    from factsheet.runtime import ROOMY_FRAME_SLOTS, on_roomy_stack

    def caller_stack_size() -> int:
        frame = sys._getframe(1)  # the frame on_roomy_stack made
        return frame.f_code.co_stacksize

    assert on_roomy_stack(caller_stack_size) >= ROOMY_FRAME_SLOTS

    def stop() -> None:
        raise SystemExit(3)

    with pytest.raises(SystemExit) as stopped:
        on_roomy_stack(stop)
    assert stopped.value.code == 3


def test_a_build_maps_no_stack_chunk_per_call(tmp_path: Path) -> None:
    """A -j1 build of three sheets runs deep in one stack chunk: without it, CPython 3.11 maps
    and unmaps a 16 KB chunk thousands of times as the layout recursion goes up and down."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.fail("strace is not installed (Debian strace, installed by .ci/run)")
    project = make_project(tmp_path / "project")
    for index in range(3):
        body = sections_body(3, "A paragraph of section {section}, long enough to wrap. " * 6)
        write_sheet(project, f"sheet-{index}", sheet_text(f"Sheet {index}", body))
    summary = tmp_path / "syscalls.txt"
    result = subprocess.run(
        [strace, "-f", "-c", "-e", "trace=munmap", "-o", str(summary), sys.executable,
         str(PROJECT_ROOT / "build.py"), "pdf", "-j1"],
        cwd=project, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    calls = int(next(line.split()[3] for line in summary.read_text().splitlines()
                     if line.rstrip().endswith("munmap")))  # fmt: skip
    assert calls < 500, f"{calls} munmap calls for three sheets"
