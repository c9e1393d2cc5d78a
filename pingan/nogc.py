"""Pause Python's cyclic garbage collector around work on many small acyclic values.

Loading tens of thousands of records makes millions of small lists, dicts and
tuples and no reference cycles; the collector would walk them again and again
(a third of a warm validation run). Reference counting still frees everything.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
