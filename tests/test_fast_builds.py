"""What makes builds fast without changing a byte: what a build keeps in the cache folder
(``$XDG_CACHE_HOME/factsheet``) to start faster is read back exactly as computed, computed
again when damaged, and never needed; WeasyPrint's import leaves the library search as it
was; the command runs on one large stack chunk."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
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

from factsheet.files import cache_folder, cached_json
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


def test_kept_value_is_read_back_not_computed(cache_home: Path) -> None:
    calls: list[int] = []

    def compute() -> dict[str, list[int]]:
        calls.append(1)
        return {"a": [1, 2]}

    first = cached_json("sample.json", compute, lambda data: data["a"])
    second = cached_json("sample.json", compute, lambda data: data["a"])
    assert first == second == [1, 2]
    assert len(calls) == 1
    assert json.loads((cache_home / "sample.json").read_text()) == {"a": [1, 2]}


@pytest.mark.parametrize("damage", ["{not json", '{"b": 1}', "[]", ""])
def test_damaged_value_is_computed_again(cache_home: Path, damage: str) -> None:
    cache_home.mkdir(parents=True)
    (cache_home / "sample.json").write_text(damage)
    assert cached_json("sample.json", lambda: {"a": 7}, lambda data: data["a"]) == 7
    assert json.loads((cache_home / "sample.json").read_text()) == {"a": 7}


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
