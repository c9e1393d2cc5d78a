"""Find every commit that still holds a person's ID number (for deletion under PIPL).

Deleting a record leaves it in the history: each earlier commit still holds
the file. This searches every blob reachable from any ref for the ID number in
its normalised form and as it was given (and the usual variants: lower-case x,
full-width digits), then lists the commits whose tree holds such a blob. Only
masked ID numbers are ever printed.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import gitio, idcard
from ..agekeys import Keyring
from ..errors import KeysCannotOpen
from ..fields import ID_NUMBER
from .checking import loaded_blobs

_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
#: What every encrypted record holds: its values are looked for once it is opened.
_SEALED = b"ENC[AES256_GCM,data:"


@dataclass(frozen=True)
class Holding:
    """A commit whose tree still holds the number, and where."""

    commit: str
    date: str
    subject: str
    paths: tuple[str, ...]


def forms(raw: str) -> list[str]:
    """The spellings to search for: as given, normalised, lower-case x, full-width."""
    number = idcard.normalise(raw)
    found = [raw.strip(), number, number.replace("X", "x"), number.translate(_FULL_WIDTH)]
    return [form for form in dict.fromkeys(found) if form]


def matching_blobs(root: Path, needles: list[bytes], keyring: Keyring) -> set[str]:
    """Blob ids whose content holds any of the needles, an encrypted record's once opened with `keyring`.

    This reads every object stored, reachable or not: a blob that no commit
    holds any more still sits in the repository until it is pruned. Raises
    KeysCannotOpen for encrypted records the keys cannot open (a search that
    skipped them would report the person gone while they are not).
    """
    found: set[str] = set()
    sealed: list[tuple[str, bytes]] = []
    for oid, kind, content in gitio.objects(root):
        if kind != "blob":
            continue
        if any(needle in content for needle in needles):
            found.add(oid)
        elif _SEALED in content:
            sealed.append((oid, content))
    wanted = {needle.decode("utf-8") for needle in needles}
    locked = 0
    for loaded in loaded_blobs(sealed, keyring):
        if loaded.locked:
            locked += 1
        elif loaded.seal is not None and loaded.data is not None and str(loaded.data.get(ID_NUMBER, "")) in wanted:
            found.add(loaded.rel)
    if locked:
        raise KeysCannotOpen(locked)
    return found


def holding_commits(root: Path, raw: str, keyring: Keyring | None = None) -> list[Holding]:
    """Every commit reachable from any ref whose tree holds the ID number, newest first."""
    needles = [form.encode("utf-8") for form in forms(raw)]
    blobs = matching_blobs(root, needles, keyring or Keyring())
    if not blobs:
        return []
    log = gitio.git(root, "log", "--all", "--reflog", "--format=%H%x09%cs%x09%s").decode("utf-8", "replace")
    held = []
    for line in log.splitlines():
        commit, day, subject = line.split("\t", 2)
        tree = gitio.text(root, "ls-tree", "-r", "-z", commit)
        paths = tuple(entry.split("\t", 1)[1] for entry in tree.split("\0")
                      if entry and entry.split("\t", 1)[0].split()[2] in blobs)
        if paths:
            held.append(Holding(commit, day, idcard.mask_in_text(subject), paths))
    return held


def masked(raw: str) -> str:
    return idcard.mask(idcard.normalise(raw))
