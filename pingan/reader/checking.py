"""Each record's verdict as a line of the index: stored where the file is unchanged, checked now otherwise.

A cold run checks records in batches of BATCH, dealt in turn to this process
and forked children, and merges their lines in path order with the stored
lines still true (see index.py for the line, cache.py for when one is true).
"""
from __future__ import annotations

import heapq
import multiprocessing
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..agekeys import Keyring
from ..fields import ID_NUMBER, TEXT_KEYS
from ..loader import Loaded, load_yaml
from ..rules import Context, check_record
from ..rules.repository import Entry
from ..sealed import unseal
from . import cache, index
from .facts import NO_FACTS, facts_of

#: Worker processes for a cold run (the machines this runs on have two cores).
JOBS = 2
#: Below this many records to check, starting a second process costs more than it saves.
PARALLEL_FROM = 400
#: Records per batch handed to a process: small, so that the results waiting for their turn stay few.
BATCH = 100


_NO_KEYS = Keyring()


def load_record(root: Path, rel: str, keyring: Keyring = _NO_KEYS) -> Loaded:
    """The one loader of record files: the file at `rel` (relative to `root`), positions kept, YAML traps refused,
    and its encrypted values opened where a key in `keyring` can (sealed.py)."""
    loaded = load_yaml(f"{root}/{rel}", rel, TEXT_KEYS, pragma=True)
    unseal(loaded, keyring)
    return loaded


def loaded_blobs(blobs: Iterable[tuple[str, bytes]], keyring: Keyring = _NO_KEYS) -> Iterator[Loaded]:
    """Records as git history holds them ((path, bytes) pairs), each loaded by the one loader from a private
    copy and opened where `keyring` can (an encrypted blob's copy holds only what git already holds)."""
    with tempfile.TemporaryDirectory(prefix="pingan-blob-") as tmp:
        copy = f"{tmp}/record.yaml"
        for rel, content in blobs:
            with open(copy, "wb") as out:
                out.write(content)
            loaded = load_yaml(copy, rel, TEXT_KEYS, pragma=True)
            unseal(loaded, keyring)
            yield loaded


def check_line(root: Path, rel: str, ctx: Context, keyring: Keyring) -> str:
    """The index line of one record file: its hash, facts, problems and file signature."""
    loaded = load_record(root, rel, keyring)
    signature, digest = cache.file_facts(loaded, f"{root}/{rel}")
    problems, data = check_record(loaded, ctx)
    locked = loaded.locked
    entry = Entry.of(rel, data, loaded.marks.get((ID_NUMBER,), (None, None)) if data else (None, None), locked)
    return index.encode(entry, facts_of(data) if data and not locked else NO_FACTS, digest, signature, problems)


def _child(connection: Any, root: Path, batches: list[list[str]], ctx: Context, keyring: Keyring) -> None:
    try:
        for batch in batches:
            connection.send([check_line(root, rel, ctx, keyring) for rel in batch])
    finally:
        connection.close()


#: Bytes a child's pipe holds (Linux's default is 64 KiB, under two batches): with room for about twenty
#: batches a child works on while this process checks its own, instead of waiting for it to read.
PIPE_BYTES = 1 << 20


def _roomy(connection: Any) -> None:
    """Give the pipe under `connection` PIPE_BYTES where the system lets it (Linux), else leave it."""
    import fcntl  # only where processes fork: Windows has neither

    if hasattr(fcntl, "F_SETPIPE_SZ"):
        with suppress(OSError):  # above the system's pipe-max-size
            fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def checked_lines(root: Path, rels: list[str], ctx: Context, jobs: int = JOBS,
                  keyring: Keyring = _NO_KEYS) -> Iterator[str]:
    """The index lines of `rels`, in order; with jobs > 1 and enough files, forked processes share the work.

    The work is cut into batches dealt out in turn (this process takes every
    jobs-th one), and each batch's lines are passed on as soon as it is its
    turn: no process ever holds more than a few batches of results.
    """
    if jobs <= 1 or len(rels) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        yield from (check_line(root, rel, ctx, keyring) for rel in rels)
        return
    forking = multiprocessing.get_context("fork")
    batches = [rels[i:i + BATCH] for i in range(0, len(rels), BATCH)]
    # The first record warms what every process would otherwise load for itself (phone metadata,
    # region tables, validators), so the children inherit it.
    first = check_line(root, rels[0], ctx, keyring)
    children = []
    for worker in range(1, jobs):
        receive, send = forking.Pipe(duplex=False)
        _roomy(send)
        process = forking.Process(target=_child, args=(send, root, batches[worker::jobs], ctx, keyring), daemon=True)
        process.start()
        send.close()
        children.append((process, receive))
    try:
        yield first
        for number, batch in enumerate(batches):
            turn = number % jobs
            if turn == 0:
                yield from (check_line(root, rel, ctx, keyring) for rel in (batch[1:] if number == 0 else batch))
                continue
            try:
                yield from children[turn - 1][1].recv()
            except EOFError as exc:  # the child died (out of memory, killed): cannot continue honestly
                raise RuntimeError("a validation worker process stopped unexpectedly") from exc
    finally:
        for process, receive in children:
            receive.close()
            process.terminate()
            process.join()


@dataclass
class Comparison:
    """How the stored index compares with the files now: what to check again and what to keep."""

    cold: list[str]  #: paths to check now, in order
    dropped: set[int]  #: numbers of stored lines not to keep (file gone or changed, line damaged)
    resigned: dict[int, str]  #: new signatures of stored lines whose file is unchanged but was touched

    @property
    def unchanged(self) -> bool:
        return not (self.cold or self.dropped or self.resigned)


def compare(root: Path, rels: list[str], stored: Iterable[str]) -> Comparison:
    """Walk the paths and the stored lines side by side (both in path order) and decide for each file.

    This is most of a warm run: one lstat per file, and the stored signature compared as it stands.
    """
    found = Comparison([], set(), {})
    cold, dropped, resigned = found.cold, found.dropped, found.resigned
    base = f"{root}/"
    separator, separators = index.SEP, len(index.FIELDS) - 1
    lstat, is_regular, signature = os.lstat, stat.S_ISREG, cache.signature
    lines = enumerate(stored)
    number, line = next(lines, (-1, ""))
    head = line[:line.find(separator)]
    for rel in rels:
        while line and head < rel:  # a file that is gone
            dropped.add(number)
            number, line = next(lines, (-1, ""))
            head = line[:line.find(separator)]
        if not line or head != rel:
            cold.append(rel)
            continue
        # A damaged line (cut short, fields missing) counts as changed: the file is checked again.
        if line[-1] != "\n" or line.count(separator) != separators:
            kept = None
        else:
            _, digest, signed, _ = line.split(separator, 3)
            try:
                info = lstat(base + rel)
            except OSError:
                info = None
            if signed and info is not None and is_regular(info.st_mode) and signed == signature(info):
                kept = signed  # the common case of a warm run: unchanged, nothing to hash
            else:
                kept = cache.unchanged(base + rel, digest, signed)
        if kept is None:
            cold.append(rel)
            dropped.add(number)
        elif kept != signed:
            resigned[number] = kept
        number, line = next(lines, (-1, ""))
        head = line[:line.find(separator)]
    while line:
        dropped.add(number)
        number, line = next(lines, (-1, ""))
    return found


def _kept(stored: Iterable[str], comparison: Comparison) -> Iterator[str]:
    """The stored lines still true, re-signed where needed, in path order."""
    dropped, resigned = comparison.dropped, comparison.resigned
    for number, line in enumerate(stored):
        if number in dropped:
            continue
        signature = resigned.get(number)
        yield line if signature is None else index.with_signature(line, signature)


@contextmanager
def record_index(root: Path, rels: list[str], ctx: Context, settings_digest: str, at: cache.CacheAt, *,
                 use_cache: bool = True, jobs: int = JOBS, keyring: Keyring = _NO_KEYS) -> Iterator[index.Index]:
    """The index of the record files `rels` (in path order): stored lines where a file is unchanged, the
    rest checked now. With `use_cache`, the stored index (in `at`) is read and the new one kept.

    What a record's line says depends on the keys that opened it, so they are part of the run key.
    """
    key = cache.run_key(settings_digest, ctx.today, keyring.recipients)
    with cache.stored(at, key) if use_cache else nullcontext() as stored:
        start = stored.tell() if stored else 0
        signatures = cache.signature_lines(stored)  # an encrypted index need not be opened
        comparison = compare(root, rels, signatures if signatures is not None else stored or ())
        if stored and comparison.unchanged:
            yield index.Index(stored, start, len(rels), key=key, kept=True)  # nothing changed: the stored index is this run's
            return
        if stored:
            stored.seek(start)
        with cache.scratch(at, key) as scratch:
            start_new = scratch.tell()
            checked = checked_lines(root, comparison.cold, ctx, jobs, keyring)
            # A line begins with its path and a separator below any path character: lines sort as paths do.
            scratch.writelines(heapq.merge(_kept(stored or (), comparison), checked))
            if use_cache:
                cache.keep(at, scratch)
            yield index.Index(scratch, start_new, len(rels), key=key)
