"""Run the rules over a repository: settings, placement, every record, then the repository rules.

Three modes share one pass:

* full (no PATHs): every problem counts;
* PATHs (as pre-commit calls it): record rules on the PATHs, repository rules
  over the whole tree, and only problems that involve a PATH are reported;
* changed since a git ref (pull requests): problems that involve a changed
  file count; the others were there before and are reported as 提示.

Each record's results are a line of the index (see index.py), taken from the
cache where the file is unchanged and otherwise computed, by two processes
when there are many.
"""
from __future__ import annotations

import heapq
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from . import cache, catalogue, index, nogc, settings
from .catalogue import Verbatim
from .changes import Change, added, changed_files, touched
from .loader import Loaded, load_yaml
from .model import TEXT_KEYS, Province, Unit
from .problems import ERROR, NOTICE, Problem, Report
from .rules import Context, RecordView, check_record
from .rules.repository import Entry, RepoContext, check_repository, scan_records, scan_settings
from .rules.schema import model_problems

#: Worker processes for a cold run (the machines this runs on have two cores).
JOBS = 2
#: Below this many records to check, starting a second process costs more than it saves.
PARALLEL_FROM = 400
#: Records per batch handed to a process: small, so that the results waiting for their turn stay few.
BATCH = 100
ID = "身份证号码"


class NotARepository(Exception):
    """The root holds no data/units/ folder: nothing can be checked."""


@dataclass
class Settings:
    """Units and province as loaded, and what is wrong with them."""

    units: dict[str, Unit]
    province: Province | None
    problems: list[Problem]


def _settings_file(path: Path, root: Path, model: type) -> tuple[Any, list[Problem]]:
    loaded = load_yaml(path, path.relative_to(root).as_posix())
    if loaded.data is None:
        return None, loaded.problems
    rec = RecordView(loaded, dict(loaded.data))
    problems = loaded.problems + list(model_problems(model, rec))
    return (None if problems else model.model_validate(loaded.data)), problems


def load_settings(root: Path) -> Settings:
    """Read data/province.yaml and data/units/*.yaml; unusable files are left out with problems."""
    units_dir = root / settings.UNITS_DIR
    if not units_dir.is_dir():
        raise NotARepository(root)
    problems: list[Problem] = []
    province, found = _settings_file(root / settings.PROVINCE_FILE, root, Province)
    problems += found
    units: dict[str, Unit] = {}
    for path in sorted(units_dir.glob("*.yaml")):
        unit, found = _settings_file(path, root, Unit)
        problems += found
        if unit is not None and unit.code != path.stem:
            rel = path.relative_to(root).as_posix()
            problems.append(catalogue.make("UNI001", rel, "代码", None, None, value=unit.code, stem=path.stem))
        elif unit is not None:
            units[unit.code] = unit
    return Settings(units, province, problems)


def record_paths(root: Path) -> list[Path]:
    """Every file under data/volunteers/ that may be a record (not the units' README)."""
    base = root / settings.VOLUNTEERS_DIR
    return sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml") and (p.is_file() or p.is_symlink()))


def load_record(path: Path, root: Path) -> Loaded:
    """Load one record file (positions kept, YAML traps refused)."""
    return load_rel(root, path.relative_to(root).as_posix())


def load_rel(root: Path, rel: str) -> Loaded:
    """Load the record file at `rel`, a path relative to `root`, as load_record does (no Path: runs per record)."""
    return load_yaml(f"{root}/{rel}", rel, TEXT_KEYS, pragma=True)


def check_file(path: Path, root: Path, ctx: Context) -> tuple[list[Problem], dict[str, Any] | None]:
    """Every record rule on one file: its problems and its normalised data."""
    return check_record(load_record(path, root), ctx)


# --- the index: each record's line, as stored or as checked now ----------------------------------

def check_line(root: Path, rel: str, ctx: Context) -> str:
    """The index line of one record file: its hash, facts, problems and file signature."""
    loaded = load_rel(root, rel)
    signature, digest = cache.file_facts(loaded, f"{root}/{rel}")
    problems, data = check_record(loaded, ctx)
    entry = Entry.of(rel, data, loaded.marks.get((ID,), (None, None)) if data else (None, None))
    return index.encode(entry, digest, signature, problems)


def _child(connection: Any, root: Path, batches: list[list[str]], ctx: Context) -> None:
    try:
        for batch in batches:
            connection.send([check_line(root, rel, ctx) for rel in batch])
    finally:
        connection.close()


def checked_lines(root: Path, rels: list[str], ctx: Context, jobs: int = JOBS) -> Iterator[str]:
    """The index lines of `rels`, in order; with jobs > 1 and enough files, forked processes share the work.

    The work is cut into batches dealt out in turn (this process takes every
    jobs-th one), and each batch's lines are passed on as soon as it is its
    turn: no process ever holds more than a few batches of results.
    """
    if jobs <= 1 or len(rels) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        yield from (check_line(root, rel, ctx) for rel in rels)
        return
    forking = multiprocessing.get_context("fork")
    batches = [rels[i:i + BATCH] for i in range(0, len(rels), BATCH)]
    # The first record warms what every process would otherwise load for itself (phone metadata,
    # region tables, validators), so the children inherit it.
    first = check_line(root, rels[0], ctx)
    children = []
    for worker in range(1, jobs):
        receive, send = forking.Pipe(duplex=False)
        process = forking.Process(target=_child, args=(send, root, batches[worker::jobs], ctx), daemon=True)
        process.start()
        send.close()
        children.append((process, receive))
    try:
        yield first
        for number, batch in enumerate(batches):
            turn = number % jobs
            if turn == 0:
                yield from (check_line(root, rel, ctx) for rel in (batch[1:] if number == 0 else batch))
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
    """Walk the paths and the stored lines side by side (both in path order) and decide for each file."""
    found = Comparison([], set(), {})
    base = f"{root}/"
    separator, fields = index.SEP, len(index.FIELDS)
    lines = enumerate(stored)
    number, line = next(lines, (-1, ""))
    for rel in rels:
        while line and line[:line.find(separator)] < rel:  # a file that is gone
            found.dropped.add(number)
            number, line = next(lines, (-1, ""))
        if not line or line[:line.find(separator)] != rel:
            found.cold.append(rel)
            continue
        parts = line.split(separator, 3)
        # A damaged line (cut short, fields missing) counts as changed: the file is checked again.
        kept = cache.unchanged(base + rel, parts[1], parts[2]) \
            if line[-1] == "\n" and line.count(separator) == fields - 1 else None
        if kept is None:
            found.cold.append(rel)
            found.dropped.add(number)
        elif kept != parts[2]:
            found.resigned[number] = kept
        number, line = next(lines, (-1, ""))
    while line:
        found.dropped.add(number)
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
def record_index(root: Path, rels: list[str], ctx: Context, *, use_cache: bool = True,
                 jobs: int = JOBS) -> Iterator[index.Index]:
    """The index of the record files `rels` (in path order): stored lines where a file is unchanged, the
    rest checked now. With `use_cache`, the stored index is read and the new one kept."""
    key = cache.run_key(root, ctx.today)
    with cache.stored(root, key) if use_cache else nullcontext() as stored:
        start = stored.tell() if stored else 0
        comparison = compare(root, rels, stored or ())
        if stored and comparison.unchanged:
            yield index.Index(stored, start, len(rels))  # nothing changed: the stored index is this run's
            return
        if stored:
            stored.seek(start)
        with cache.scratch(root, key) as scratch:
            start_new = scratch.tell()
            checked = checked_lines(root, comparison.cold, ctx, jobs)
            # A line begins with its path and a separator below any path character: lines sort as paths do.
            scratch.writelines(heapq.merge(_kept(stored or (), comparison), checked))
            if use_cache:
                cache.keep(root, scratch)
            yield index.Index(scratch, start_new, len(rels))


# --- which problems count ---------------------------------------------------------------------

def _unit_of(rel: str) -> str | None:
    parts = rel.split("/")
    return parts[2] if len(parts) > 3 and rel.startswith(settings.VOLUNTEERS_DIR + "/") else None


def _counts(changed: frozenset[str]) -> Any:
    """A test: does a problem concern the changed files? Settings and tool changes concern their records."""
    everything = settings.PROVINCE_FILE in changed or any(p.startswith("pingan/") for p in changed)
    units = {p.rsplit("/", 1)[-1].removesuffix(".yaml") for p in changed
             if p.startswith(settings.UNITS_DIR + "/")}

    def counts(problem: Problem) -> bool:
        files = problem.files
        if not files.isdisjoint(changed):
            return True
        return any((everything and f.startswith(settings.VOLUNTEERS_DIR + "/")) or _unit_of(f) in units
                   for f in files)
    return counts


def _login(name: str) -> str:
    return name.strip().removeprefix("@").casefold()


def authorship(changes: Iterable[Change], author: str, found: Settings) -> list[Problem]:
    """Each changed record belongs to a unit the author maintains; settings only by an administrator."""
    admins = {_login(a) for a in (found.province.admins if found.province else [])}
    who = _login(author)
    if who in admins:
        return []
    problems = []
    for path in sorted({path for change in changes for path in change.paths}):
        unit_code = _unit_of(path)
        if unit_code is not None:
            unit = found.units.get(unit_code)
            if unit is None or who not in {_login(m) for m in unit.maintainers}:
                problems.append(catalogue.make("AUT001", path, None, author=author, unit=unit_code, path=Verbatim(path),
                                               unit_name=unit.name if unit else unit_code))
        elif path == settings.PROVINCE_FILE or path.startswith(settings.UNITS_DIR + "/"):
            problems.append(catalogue.make("AUT002", path, None, author=author, path=Verbatim(path)))
    return problems


# --- the run ------------------------------------------------------------------------------------

def _rel(root: Path, path: Path) -> str:
    path = path if path.is_absolute() else Path.cwd() / path
    return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()


def validate(root: Path, paths: list[Path] | None = None, today: date | None = None, *,
             changed_since: str | None = None, author: str | None = None, use_cache: bool = True,
             jobs: int = JOBS) -> Report:
    """Validate the repository at `root`; see the module docstring for the modes.

    Raises NotARepository, and changes.ChangesUnavailable when `changed_since`
    cannot be resolved by git.
    """
    with nogc.paused():
        return _validate(root, paths, today, changed_since, author, use_cache, jobs)


def _validate(root: Path, paths: list[Path] | None, today: date | None, changed_since: str | None,
              author: str | None, use_cache: bool, jobs: int) -> Report:
    today = today or settings.today()
    # git works out the changes in a thread while this one reads the tree (joined before any fork).
    with ThreadPoolExecutor(1) as git:
        asked = git.submit(changed_files, root, changed_since) if changed_since else None
        found = load_settings(root)
        known_units = [p.stem for p in (root / settings.UNITS_DIR).glob("*.yaml")]
        rels, placement = scan_records(root, known_units)
        changes: list[Change] | None = asked.result() if asked else None
    problems = found.problems + scan_settings(root) + placement

    if found.province is not None:
        ctx = Context(found.units, found.province, today)
        recent = added(changes) if changes is not None else frozenset()
        complete = not any(p.level == ERROR for p in found.problems)
        with record_index(root, rels, ctx, use_cache=use_cache, jobs=jobs) as records:
            problems += records.problems()
            problems += check_repository(records, RepoContext(found.units, found.province, recent, complete))

    if paths is not None:
        wanted = frozenset(_rel(root, path) for path in paths)
        problems = [p for p in problems if not p.files.isdisjoint(wanted)]
        return Report(files=len(wanted), problems=problems)
    if changes is not None:
        changed = touched(changes)
        counts = _counts(changed)
        problems = [p if p.level == NOTICE or counts(p) else replace(p, level=NOTICE) for p in problems]
        if author is not None:
            problems += authorship(changes, author, found)
        return Report(files=len(changed), problems=problems)
    return Report(files=len(rels), problems=problems)


def fix_pragma(root: Path, report: Report) -> list[str]:
    """Add the editor schema comment to each record that lacks it (YML013); the files changed.

    Only regular files inside the repository are rewritten, never through a link.
    """
    fixed = []
    for rel in sorted({p.file for p in report.problems if p.code == "YML013"}):
        path = root / rel
        if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
            continue
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        body = raw[3:] if bom else raw
        newline = b"\r\n" if b"\r\n" in body else b"\n"
        path.write_bytes(settings.SCHEMA_PRAGMA.encode() + newline + body)
        fixed.append(rel)
    return fixed
