"""How the factsheet process runs under CPython, where that changes its speed.

CPython 3.11+ keeps the frames of Python calls in "data stack chunks" of 16 KB. When a call
does not fit in the current chunk, a new one is mapped (``mmap``); when that call returns, the
chunk is unmapped again. WeasyPrint's layout recurses a hundred or more calls deep and goes up
and down across a chunk boundary thousands of times per sheet: about 2,000 ``mmap`` and
``munmap`` pairs, a tenth of the build's time spent in the kernel. A chunk is sized to the
frame that opens it, so :func:`on_roomy_stack` runs the program under one frame that asks for
about 120 KB of stack slots: CPython gives it a chunk of 256 KB, and the rest of that chunk
holds some 800 ordinary frames, deeper than a sheet's layout goes.

The frame's size comes from the code object's ``co_stacksize`` (slots the frame reserves for
its value stack, unused here); the output does not depend on any of this.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Just over half a 256 KB chunk (CPython doubles a chunk's size from 16 KB until the frame and
# an allowance of 1,000 slots fit), so that the chunk opened for the frame is 256 KB.
ROOMY_FRAME_SLOTS = 15_400


def _call(function: Callable[[], T]) -> T:
    return function()


def on_roomy_stack(function: Callable[[], T]) -> T:
    """Call ``function`` under a frame that makes CPython open one large stack chunk."""
    if sys.implementation.name != "cpython" or sys.version_info < (3, 11):
        return function()
    code = _call.__code__
    roomy = types.FunctionType(
        code.replace(co_stacksize=code.co_stacksize + ROOMY_FRAME_SLOTS), _call.__globals__
    )
    result: T = roomy(function)
    return result
