"""`pingan show` and `pingan edit`: one record in clear text, on the computer of someone who holds a key to it.

`show` gives the record as the plaintext writer would write it. `edit`
writes that text into a private temporary file (a folder only its owner can
enter, on a memory file system where there is one), runs the editor on it,
reads the result with the one loader and, when it still reads as a record,
writes it back through the one writer: values left as they were keep their
ciphertext, so the diff shows exactly the fields that changed. The
temporary folder is removed afterwards, whatever happens.

Both refuse to run in CI, whose logs many people can read.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .crypto import in_ci
from .errors import KeysCannotOpen, PinganError, RecordUnreadable, RefusedInCI
from .fields import DATE_KEYS
from .lifecycle import record_rel
from .loader import Loaded
from .model import iso_date
from .problems import ERROR, WARNING, Problem
from .reader import Repository, load_record, unit_of
from .rewritable import blockers
from .yamlio import dump_record, scalar, unwritten_keys

#: Where the temporary copy goes when this folder exists: memory, never the disk.
MEMORY_DIR = "/dev/shm"


class EditorFailed(PinganError):
    """The editor could not be started (`code` None) or exited with an error code: nothing was saved."""

    def __init__(self, editor: str, code: int | None):
        super().__init__(editor)
        self.editor, self.code = editor, code


class NotSaved(PinganError):
    """The edited text does not read as a record (its problems), and the person gave up: nothing was saved."""

    def __init__(self, rel: str, problems: list[Problem]):
        super().__init__(rel)
        self.rel, self.problems = rel, problems


def _opened(root: Path, record_id: str) -> tuple[Repository, Loaded]:
    """The repository and the record opened with the keys held here.

    Raises RefusedInCI, NoSuchRecord, RecordUnreadable and KeysCannotOpen.
    """
    if in_ci():
        raise RefusedInCI(record_id)
    rel = record_rel(root, record_id)
    repo = Repository(root)
    loaded = repo.load(rel)
    broken = [p for p in blockers(loaded) if p.code != "REC002"]  # unknown fields are shown, and can be put right
    if broken:
        raise RecordUnreadable(rel, broken)
    if loaded.locked and loaded.seal is not None:
        keys = repo.settings.keys
        readers = [keys.login_of(r) if keys else r[:12] + "…" for r in loaded.seal.envelope.stanzas]
        raise KeysCannotOpen(1, rels=[rel], unit=unit_of(rel), readers=list(dict.fromkeys(readers)),
                             keyless=not repo.keyring)
    return repo, loaded


def as_text(data: dict[str, Any]) -> str:
    """A record in clear text as the plaintext writer writes it (dates as dates), then any field the model does
    not know, so that it can be seen and put right."""
    readable = {key: iso_date(value) if key in DATE_KEYS else value for key, value in data.items()}
    lines = []
    for key in unwritten_keys(data):
        value = data[key]
        if isinstance(value, list):
            lines += [f"{scalar(key)}:", *(f"  - {scalar(item)}" for item in value)]
        else:
            lines.append(f"{scalar(key)}: {scalar(value)}")
    return dump_record(readable) + "".join(f"{line}\n" for line in lines)


def shown(root: Path, record_id: str) -> str:
    """The record `record_id` in clear text (see `as_text`). Raises as `_opened` does."""
    _, loaded = _opened(root, record_id)
    return as_text(loaded.data or {})


@contextmanager
def private_folder() -> Iterator[Path]:
    """A new folder only its owner can enter (memory-backed where possible), removed with everything in it."""
    base = MEMORY_DIR if os.path.isdir(MEMORY_DIR) and os.access(MEMORY_DIR, os.W_OK | os.X_OK) else None
    folder = Path(tempfile.mkdtemp(prefix="pingan-edit-", dir=base))  # mode 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


def _run(editor: Sequence[str], path: Path) -> None:
    try:
        done = subprocess.run([*editor, str(path)], check=False)
    except OSError:
        raise EditorFailed(editor[0], None) from None
    if done.returncode != 0:
        raise EditorFailed(editor[0], done.returncode)


def _unsaveable(edited: Loaded) -> list[Problem]:
    """Why the edited text cannot be saved: it does not read as YAML, or it has fields the writer would drop."""
    if edited.data is None:
        return [p for p in edited.problems if p.level == ERROR]
    return blockers(edited)


@dataclass
class Edited:
    """What `edit` did: whether the record changed, and what the record rules say about it now."""

    rel: str
    changed: bool
    problems: list[Problem] = field(default_factory=list)  #: errors and warnings of the saved record


def edit(root: Path, record_id: str, editor: Sequence[str],
         again: Callable[[list[Problem]], bool] = lambda problems: False) -> Edited:
    """Let a person change the record `record_id` in `editor` (see the module docstring).

    When the edited text cannot be saved, `again(problems)` says whether to
    open the editor once more on what was written; if not, NotSaved is raised
    and the record file is untouched. Raises as `_opened` does, EditorFailed, and SettingsInvalid (in an
    encrypted repository whose settings or key files have errors).
    """
    repo, loaded = _opened(root, record_id)
    if repo.encrypted:  # a key file with an error (a key of someone who is no maintainer) must not get the data key
        repo.settings.required()
    rel = loaded.rel
    before = as_text(loaded.data or {})
    # A MAC that does not match is put right by saving what the person has now seen (ENC005's fix).
    resealing = any(p.code == "ENC005" for p in loaded.problems)
    with private_folder() as folder:
        _write_private(folder / rel, before)
        while True:
            _run(editor, folder / rel)
            edited = load_record(folder, rel)
            problems = _unsaveable(edited)
            if not problems:
                break
            if not again(problems):
                raise NotSaved(rel, problems)
    data = edited.data or {}
    if as_text(data) == before and not resealing:
        return Edited(rel, False)
    repo.write_record(rel, data, previous=loaded)
    found = repo.check(repo.load(rel))[0] if repo.context is not None else []
    return Edited(rel, True, [p for p in found if p.level in (ERROR, WARNING)])


__all__ = ["EditorFailed", "Edited", "NotSaved", "as_text", "edit", "private_folder", "shown"]
