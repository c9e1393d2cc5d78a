"""Whether a record can be written back whole: read, opened where it is encrypted, and holding only known fields.

The commands that rewrite records (keys sync, keys rotate, edit, encrypt-all)
ask this before writing. The one writer (yamlio.dump_record) writes the
model's fields only, so a field it does not know would be silently dropped;
a file whose encryption is broken would be written again under a new MAC
that blesses whatever was changed without the key. Both stop the rewrite,
with the problems that say why.
"""
from __future__ import annotations

from . import catalogue
from .loader import Loaded
from .problems import ERROR, Problem
from .yamlio import unwritten_keys

#: A file whose metadata or values cannot be opened with the key that should open them.
BROKEN = frozenset({"ENC004", "ENC006"})
#: The values and the MAC disagree: a field was changed without the key.
MAC_MISMATCH = "ENC005"


def blockers(loaded: Loaded, *, mac: bool = False) -> list[Problem]:
    """The problems that stop `loaded` from being written back whole (empty: it can be).

    With `mac`, a MAC that does not match stops it too (a rewrite would compute
    a new one). A record that is merely locked (no key held here opens it, and
    nothing is broken) has no blockers: whether that matters is the caller's.
    """
    stopping = BROKEN | {MAC_MISMATCH} if mac else BROKEN
    if loaded.data is None:
        return [p for p in loaded.problems if p.level == ERROR]
    broken = [p for p in loaded.problems if p.level == ERROR and p.code in stopping]
    if broken:
        return broken
    return [catalogue.make("REC002", loaded.rel, key, *loaded.key_marks.get((key,), (None, None)), key=key,
                           suggestion=None) for key in unwritten_keys(loaded.data)]


__all__ = ["BROKEN", "MAC_MISMATCH", "blockers"]
