"""The repository as every command sees it: settings, the one listing of records, and each record's verdict.

A record's verdict is decided once per run, from the full check (record rules
and repository rules, as `pingan validate` runs them without a pull request):

* 计入 — no error concerns it: it counts in the public figures, rosters,
  insurance lists and statistics;
* 待核实 — its only errors say that another file holds the same ID number
  (DUP001): it counts nowhere until the office resolves the duplicate, and
  the roster lists it on a 待核实 sheet;
* 有错误 — any other error: it counts nowhere and is reported;
* 已退出 — 状态 says 已退出 and it has no other error: the volunteer has left.
  It counts nowhere (figures, rosters, insurance lists, statistics) and is
  not an error; it frees its unit's quota. Its ID number still belongs to
  the person, so a new registration of them is a duplicate (DUP001): the
  unit reinstates the record (状态 back to 在册) instead. A withdrawn record
  that shares its ID number is 已退出, not 待核实 (the new record is 待核实).

A file that is not where records belong (a `.yml` file, a file outside a unit
folder) is not a record at all: it is a placement problem and nobody counts it.
"""
from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import catalogue, gitio, settings
from ..agekeys import Keyring
from ..catalogue import Verbatim
from ..errors import GitUnavailable, KeysCannotOpen, SettingsInvalid
from ..fields import DATE_KEYS
from ..loader import Loaded
from ..model import Volunteer, iso_date
from ..problems import ERROR, Problem
from ..rules import Context, check_record
from ..rules.repository import Entry, RepoContext, check_repository, scan_records, scan_settings
from ..rules.sealing import secret_keys_in
from ..sopsfile import Sealer
from ..yamlio import dump_record
from . import cache
from .checking import JOBS, load_record, record_index
from .facts import Facts
from .index import Index, Stored
from .settings_files import Settings, load_settings


def unit_of(rel: str) -> str:
    """The unit folder of a record path (data/volunteers/<unit>/<file>)."""
    return rel.split("/")[-2]


def tracked_files(root: Path) -> list[str]:
    """Every file git tracks under `root` but the records where they belong (none outside a git repository):
    what else a change may bring. git leaves the 30,000 records out itself, so a warm run pays nothing for them."""
    try:
        out = gitio.text(root, "ls-files", "-z", "--", ".", f":(exclude,glob){settings.VOLUNTEERS_DIR}/*/*.yaml")
    except GitUnavailable:
        return []  # not a git repository: nothing is tracked
    return sorted(path for path in out.split("\0") if path)


def tracked_caches(root: Path, tracked: list[str] | None = None) -> list[str]:
    """Files under .cache/ that git tracks: a cache is never trusted from the tree (anyone can write one)."""
    folder = cache.CACHE_DIR.split("/")[0] + "/"
    return [path for path in (tracked_files(root) if tracked is None else tracked) if path.startswith(folder)]


def uploads(root: Path) -> list[str]:
    """Every file under imports/ (links too) but the instructions and folder markers, as repository paths."""
    base = root / settings.IMPORTS_DIR
    if not base.is_dir():
        return []
    return [path.relative_to(root).as_posix() for path in sorted(base.rglob("*"))
            if (path.is_symlink() or not path.is_dir()) and path.name not in settings.IMPORTS_KEPT]


def refused_uploads(root: Path) -> list[Problem]:
    """In an encrypted repository nothing may be uploaded to imports/: a workbook holds its rows in clear, and once
    committed they stay in the git history whatever becomes of the file. Units import on their own computer."""
    return [catalogue.make("XLS016", rel, None, path=Verbatim(rel)) for rel in uploads(root)]


COUNTED, HAS_ERRORS, TO_VERIFY, WITHDRAWN = "计入", "有错误", "待核实", "已退出"
STATUSES = (COUNTED, TO_VERIFY, HAS_ERRORS, WITHDRAWN)
#: Always in a tally; the others only when some record has them (older reports had these three only).
TALLIED = (COUNTED, TO_VERIFY, HAS_ERRORS)
#: The error that puts a record on the 待核实 list rather than among the errors.
DUPLICATE_ID = "DUP001"


@dataclass(frozen=True)
class Verdict:
    """One record's verdict: where it stands, what it counts, and whether it counts."""

    stored: Stored
    status: str

    @property
    def entry(self) -> Entry:
        return self.stored.entry

    @property
    def facts(self) -> Facts:
        return self.stored.facts

    @property
    def rel(self) -> str:
        return self.stored.entry.rel

    @property
    def counts(self) -> bool:
        return self.status == COUNTED

    def registered_by(self, day: date) -> bool:
        """Registered on or before `day` (a record without a readable 登记日期 never is)."""
        return bool(self.entry.registered) and self.entry.registered <= day.isoformat()


@dataclass
class Verdicts:
    """Every problem of the repository and every record's verdict, in path order (read from the index)."""

    problems: list[Problem]
    index: Index | None
    errors: frozenset[str] = frozenset()
    duplicates: frozenset[str] = frozenset()
    #: The tally, when it was kept with the index (an unchanged tree: no line is read for it).
    tallied: dict[str, int] | None = None

    def status(self, entry: Entry) -> str:
        """The status of one record under the policy in this module's docstring."""
        rel = entry.rel
        return (HAS_ERRORS if rel in self.errors else WITHDRAWN if entry.withdrawn
                else TO_VERIFY if rel in self.duplicates else COUNTED)

    def __iter__(self) -> Iterator[Verdict]:
        if self.index is None:
            return
        for stored in self.index.records():
            yield Verdict(stored, self.status(stored.entry))

    def require_open(self, unit: str | None = None) -> None:
        """Raise KeysCannotOpen when a record (of `unit`, or any) is encrypted for others than the keys held here:
        a roster, statistics or a leak check made without it would be wrong without saying so."""
        locked = sum(1 for entry in (self.index or ()) if entry.locked and (unit is None or entry.unit == unit))
        if locked:
            raise KeysCannotOpen(locked)

    def of_unit(self, unit: str) -> Iterator[Verdict]:
        return (v for v in self if v.entry.unit == unit)

    def tally(self) -> dict[str, int]:
        """How many records have each status (计入, 待核实 and 有错误 always; 已退出 when there are any).

        Counted from the entries the repository rules already read (no record's facts decoded again).
        """
        if self.tallied is not None:
            return dict(self.tallied)
        found = Counter(map(self.status, self.index)) if self.index is not None else Counter()
        return {status: found.get(status, 0) for status in STATUSES if status in TALLIED or found.get(status)}


def _statuses(problems: list[Problem]) -> tuple[frozenset[str], frozenset[str]]:
    """(files with an error, files whose only errors say their ID number is registered twice)."""
    errors: set[str] = set()
    duplicates: set[str] = set()
    for problem in problems:
        if problem.level == ERROR:
            (duplicates if problem.code == DUPLICATE_ID else errors).update(problem.files)
    return frozenset(errors), frozenset(duplicates - errors)


@dataclass
class Repository:
    """A data repository at `root`, judged as of `today`. Raises NotARepository when there is none."""

    root: Path
    today: date = field(default_factory=settings.today)
    #: Settings to judge by instead of the tree's own (the gate judges a change by its target branch's).
    judged_by: Settings | None = None
    #: Where the cache lives; None: .cache/pingan/ in the repository.
    cache_dir: Path | None = None
    #: The secret keys held here (from PINGAN_AGE_KEY_FILE and the like): what they open is read whole,
    #: the rest of an encrypted repository only by its clear fields.
    keyring: Keyring = field(default_factory=Keyring.from_env)
    settings: Settings = field(init=False)
    #: Record files (data/volunteers/<unit>/<name>.yaml), in path order: the one listing of records.
    paths: list[str] = field(init=False)
    #: What stands where it should not, under data/units/ and data/volunteers/.
    placement: list[Problem] = field(init=False)
    #: The files git tracks besides the records (tracked_files): looked through for secret keys when judged.
    tracked: list[str] = field(init=False)

    def __post_init__(self) -> None:
        if self.judged_by is None:
            self.settings = load_settings(self.root)
            known = [p.stem for p in (self.root / settings.UNITS_DIR).glob("*.yaml")]
        else:  # only the units the judging settings know are unit folders
            self.settings, known = self.judged_by, list(self.judged_by.units)
        self.paths, placement = scan_records(self.root, known)
        self.tracked = tracked_files(self.root)
        tracked = tracked_caches(self.root, self.tracked)
        #: A cache that git tracks was written by whoever committed it: never read it.
        self.tree_cache_trusted = not tracked
        self.placement = scan_settings(self.root) + placement + [
            catalogue.make("PLC006", rel, None, path=Verbatim(rel)) for rel in tracked]
        if self.encrypted:
            self.placement += refused_uploads(self.root)

    @property
    def context(self) -> Context | None:
        """What record rules read (None without a readable province file: then no record can be judged)."""
        province = self.settings.province
        return None if province is None else Context(self.settings.units, province, self.today, self.settings.keys)

    @property
    def encrypted(self) -> bool:
        """The repository's records are encrypted (keys/ci.txt is set)."""
        return self.settings.keys is not None

    def holds_key_for(self, unit: str) -> bool:
        """A key held here is one that `unit`'s records are encrypted for (always so in a plaintext repository)."""
        keys = self.settings.keys
        return keys is None or not self.keyring.recipients.isdisjoint(keys.recipients_for(unit))

    def _cache_at(self) -> cache.CacheAt | None:
        """Where this run's index is kept: encrypted for the keys held here in an encrypted repository, and
        not at all there without a key (the index would hold what plaintext records say)."""
        at = cache.cache_at(self.root, self.cache_dir)
        if not self.encrypted:
            return at
        return dataclasses.replace(at, sealed_for=self.keyring) if self.keyring else None

    @contextmanager
    def verdicts(self, *, use_cache: bool = True, jobs: int = JOBS,
                 recent: frozenset[str] = frozenset()) -> Iterator[Verdicts]:
        """Every problem and every record's verdict (cached by content in .cache/pingan/ with `use_cache`).

        `recent` names files a change under review adds: when a quota is
        exceeded they count as the latest registrations.
        """
        listed = set(self.paths)  # keys/ is read with the settings; each record by its own rule
        problems = self.settings.problems + self.placement + list(secret_keys_in(self.root, (
            rel for rel in self.tracked if rel not in listed and not rel.startswith(f"{settings.KEYS_DIR}/"))))
        ctx = self.context
        if ctx is None:
            yield Verdicts(problems, None)
            return
        complete = not any(p.level == ERROR for p in self.settings.problems)
        at = self._cache_at()
        use_cache = use_cache and at is not None and (self.cache_dir is not None or self.tree_cache_trusted)
        with record_index(self.root, self.paths, ctx, self.settings.digest, at or cache.cache_at(self.root),
                          use_cache=use_cache, jobs=jobs, keyring=self.keyring) as records:
            # The repository rules over an unchanged index give what they gave last time: kept beside the index.
            key = json.dumps([records.key, cache.index_stamp(at), sorted(recent), complete]) \
                if at is not None and use_cache else None
            kept = cache.stored_summary(at, key) if at is not None and key and records.unchanged else None
            if kept is not None:
                found = [Problem(file, line, col, code, level, field_, message, involves=frozenset(involves))
                         for file, line, col, code, level, field_, message, involves in kept[0]], kept[1]
            else:
                found = self._judged(records, RepoContext(ctx.units, ctx.province, recent, complete))
                if at is not None and key:
                    cache.keep_summary(at, key, ([[p.file, p.line, p.col, p.code, p.level, p.field, p.message,
                                                   sorted(p.involves)] for p in found[0]], found[1]))
            problems += found[0]
            yield Verdicts(problems, records, *_statuses(problems), tallied=found[1])

    def _judged(self, records: Index, repo_ctx: RepoContext) -> tuple[list[Problem], dict[str, int]]:
        """The records' own problems and the repository rules', and the tally of statuses."""
        problems = [*records.problems(), *check_repository(records, repo_ctx)]
        locked = sum(1 for entry in records if entry.locked)
        if locked:
            problems.append(catalogue.make("ENC015", settings.VOLUNTEERS_DIR, None, count=locked,
                                           variant=None if self.keyring else "no_keys"))
        return problems, Verdicts(problems, records, *_statuses(problems)).tally()

    def load(self, rel: str) -> Loaded:
        """A record file as loaded, judged or not (leak checks look at every record, even broken ones)."""
        return load_record(self.root, rel, self.keyring)

    def sealer_for(self, unit: str, previous: Loaded | None = None) -> Sealer | None:
        """How a record of `unit` is written: None in a plaintext repository, else encrypted for the unit's,
        the office's and CI's keys. A record that was opened here (`previous`) and stays in its unit keeps
        its data key, so its unchanged values keep their ciphertext; any other gets a new data key (a
        transferred record is re-encrypted for the receiving unit, whose old readers never had this key)."""
        keys = self.settings.keys
        if keys is None:
            return None
        recipients = keys.recipients_for(unit)
        seal = previous.seal if previous is not None else None
        if seal is not None and seal.sealer is not None and previous is not None and unit_of(previous.rel) == unit:
            return seal.sealer.for_recipients(recipients)
        return Sealer.fresh(recipients)

    def write_record(self, rel: str, data: dict[str, Any], previous: Loaded | None = None) -> None:
        """Write a record file: the one writer every command uses, so that in an encrypted repository no
        plaintext of a record ever reaches the work tree. `previous`: the record as loaded before the change."""
        sealer = self.sealer_for(unit_of(rel), previous)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_record(data, sealer), encoding="utf-8")

    def check(self, loaded: Loaded) -> tuple[list[Problem], dict[str, Any] | None]:
        """Every record rule on a loaded record (a file, or a spreadsheet row): problems and normalised data."""
        ctx = self.context
        if ctx is None:  # no readable province file: nothing can be judged
            raise SettingsInvalid([p for p in self.settings.problems if p.level == ERROR])
        return check_record(loaded, ctx)

    def normalised(self, rel: str) -> tuple[list[Problem], dict[str, Any] | None]:
        """The record file's problems and its data as the rules normalise it."""
        return self.check(self.load(rel))

    def volunteer(self, verdict: Verdict) -> Volunteer | None:
        """The record behind a verdict as a Volunteer, read once; None when it no longer holds valid data.

        A record that had no problem at all is read as it stands (its bytes
        are checked against the verdict's hash); one with warnings is
        normalised by the rules again, as the verdict was.
        """
        loaded = self.load(verdict.rel)
        if verdict.stored.clean and loaded.raw is not None and cache.digest_bytes(loaded.raw) == verdict.stored.digest:
            data = dict(loaded.data or {})
            for key in DATE_KEYS:
                if key in data:
                    data[key] = iso_date(data[key])
        else:
            problems, found = self.check(loaded)
            if found is None or any(p.level == ERROR and p.code != DUPLICATE_ID for p in problems):
                return None
            data = found
        return Volunteer.model_construct(**data)

    def problems_with(self, replacing: Mapping[str, tuple[dict[str, Any] | None, tuple[int | None, int | None]]],
                      recent: frozenset[str]) -> list[Problem]:
        """The repository rules (quotas, duplicates) over the records as they would be with `replacing` written.

        `replacing` maps a record path to its normalised data and where its ID
        number stands (an import's rows); `recent` names those that are new.
        """
        units, province = self.settings.required()
        ctx = self.context
        assert ctx is not None  # required() raised otherwise
        at = self._cache_at()
        with record_index(self.root, self.paths, ctx, self.settings.digest, at or cache.cache_at(self.root),
                          use_cache=at is not None, keyring=self.keyring) as existing:  # validate's cache, where fresh
            entries = [entry for entry in existing if entry.rel not in replacing]
        entries += [Entry.of(rel, data, at) for rel, (data, at) in replacing.items()]
        return check_repository(entries, RepoContext(units, province, recent))


__all__ = ["COUNTED", "HAS_ERRORS", "STATUSES", "TO_VERIFY", "WITHDRAWN", "Repository", "Verdict", "Verdicts"]
