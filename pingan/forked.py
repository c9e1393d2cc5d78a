"""Work dealt out in batches to forked processes: encrypting a record costs about a millisecond (its data key
wrapped for every reader), so writers of many records share the work between the machine's cores.

The work is a function the forked processes inherit (with whatever repository it closes over); only the
batches and their results cross between processes. Where nothing can be forked, this process does it all.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any

#: Items per batch: enough that a batch costs far more than sending it, few enough that both cores stay busy.
BATCH = 200

_work: Callable[[list[Any]], list[Any]] | None = None


def _run(batch: list[Any]) -> list[Any]:
    if _work is None:  # pragma: no cover - set before the processes are forked
        raise RuntimeError("no work to do")
    return _work(batch)


def in_batches(work: Callable[[list[Any]], list[Any]], items: Iterable[Any], jobs: int) -> Iterator[Any]:
    """The results of `work` over `items`, a batch at a time, in order; `jobs` processes share the batches when
    there is more than one batch. Items are drawn here, in order, as the batches are handed out."""
    global _work
    source = iter(items)
    batches = iter(lambda: list(islice(source, BATCH)), [])
    ahead = list(islice(batches, 2))  # one batch alone is not worth a process
    dealt = chain(ahead, batches)
    if jobs <= 1 or len(ahead) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in dealt:
            yield from work(batch)
        return
    _work = work
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for done in pool.imap(_run, dealt):
                yield from done
    finally:
        _work = None
