"""Validation rules: record rules (one file) and repository rules (the whole tree)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache

from ..fields import SEALED_KEYS, keyless
from ..loader import Loaded
from ..problems import ERROR, Problem
from .context import Context, RecordView


@cache
def record_rules() -> tuple[Callable[[RecordView, Context], Iterator[Problem]], ...]:
    """Every record rule in order: encryption (sealing.py), the rules of one file (record.py), then the
    lifecycle's (lifecycle.py).

    Imported on first use: a warm run checks no record, and need not load phone-number metadata.
    """
    from .lifecycle import LIFECYCLE_RULES
    from .record import RECORD_RULES
    from .sealing import SEALING_RULES

    return SEALING_RULES + RECORD_RULES + LIFECYCLE_RULES


def blocks(problem: Problem) -> bool:
    """An error on a field stops later rules from reading that field; warnings do not."""
    return problem.level == ERROR and problem.field is not None


def check_record(loaded: Loaded, ctx: Context) -> tuple[list[Problem], dict | None]:
    """All problems of one loaded record, and its normalised data (None when unreadable)."""
    problems = list(loaded.problems)
    if loaded.data is None:
        return problems, None
    rec = RecordView(loaded, dict(loaded.data), {p.key for p in problems if blocks(p)})
    locked = loaded.locked
    if locked:  # the encrypted fields are not here: no rule is to read (or miss) them
        rec.reported |= SEALED_KEYS
    for rule in record_rules():
        for problem in rule(rec, ctx):
            if locked and not keyless(problem):
                continue  # about a field this run cannot read (its absence is no fault of the file)
            problems.append(problem)
            if blocks(problem):
                rec.reported.add(problem.key)
    return problems, rec.data



__all__ = ["Context", "RecordView", "check_record", "record_rules"]
