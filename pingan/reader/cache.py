"""The validation cache: each record's results, reused only while nothing they depend on changed.

A record's result depends on its path and bytes, the settings files, the code
tables, the tool's own source and libraries, and today's date. The run key
hashes everything but the record; each record is stored with the hash of its
bytes. Any difference means the record is checked again, so the cache can
never hide a change (it is never keyed on size or modification time alone).

The cache is the last run's index (see index.py): a header line with the run
key, then one line of plain fields per record in path order, kept in the
gitignored `.cache/pingan/` of the repository (text, not pickle: a file
someone commits there is data, never code). It is written only inside the
repository and never through a link. In an encrypted repository the index
holds what the keys opened, so it is kept as an age file for those keys and
read into memory, never onto the disk in clear (see CacheAt.sealed_for).
"""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO, cast

import pyrage

from .. import settings
from ..agekeys import Keyring
from ..loader import Loaded
from .index import FIELDS, SEP

CACHE_DIR = ".cache/pingan"
CACHE_FILE = "validate.txt"
#: The repository rules' results over an index, kept beside it: an unchanged tree needs no rule run at all.
SUMMARY_FILE = "verdicts.json"
#: Beside an encrypted index: each line's path, digest and file signature in clear (nothing a record says:
#: the path is the record's clear 编号, the digest is of the encrypted file), so that a run finding every file
#: unchanged need not decrypt the index at all.
SIGNATURES_FILE = "validate.sigs"
FORMAT = 6
#: A file changed this close to the moment it is read could change again within the same time
#: stamp; its signature is not trusted (git's "racily clean" entries).
RACY_NS = 2_000_000_000


def digest_bytes(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def signature(info: os.stat_result) -> str:
    """What the file system says about a file: inode, size, modification and change times (ns).

    Any write changes the change time (ctime), which no program can set back,
    so an edit that keeps the size and the modification time still changes
    the signature. A matching signature lets a warm run skip reading the file,
    as git's index does; anything else is decided by the hash of the bytes.
    """
    return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


def digest_file(path: Path | str) -> str:
    """The hash of a file's bytes; a link or special file is hashed by what it is, never followed."""
    return stat_and_digest(str(path))[1]


def stat_and_digest(path: str) -> tuple[str, str]:
    """(signature worth storing, digest) of one file, the signature taken before reading.

    The signature is "" for anything but a regular file, and for a file
    changed so recently that a further change could keep its time stamps.
    """
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return "", "link:" + os.readlink(path)
        if not stat.S_ISREG(info.st_mode):
            return "", f"special:{stat.S_IFMT(info.st_mode)}"
        with open(path, "rb") as handle:
            return read_facts(info, handle.read())
    except OSError as exc:
        return "", f"unreadable:{exc.errno}"


def read_facts(info: os.stat_result, raw: bytes) -> tuple[str, str]:
    """(signature worth storing, digest) of a regular file that was found as `info`, then read as `raw`."""
    return ("" if time.time_ns() - info.st_ctime_ns < RACY_NS else signature(info)), digest_bytes(raw)


def file_facts(loaded: Loaded, path: str) -> tuple[str, str]:
    """(signature worth storing, digest) of a file just loaded: from what the loader saw and read, if it read it."""
    if loaded.raw is not None and loaded.info is not None:  # the signature was taken before the bytes were read
        return read_facts(loaded.info, loaded.raw)
    return stat_and_digest(path)  # a link, a special or unreadable file, one too large: described, not parsed


def unchanged(path: str, digest: str, signature: str) -> str | None:
    """The signature to store for a file last seen with `digest` and `signature`; None when its bytes changed.

    A matching signature is trusted (see `signature`); otherwise the bytes are hashed again.
    """
    if signature and signature == current_signature(path):
        return signature
    now, now_digest = stat_and_digest(path)
    return now if now_digest == digest else None


def current_signature(path: str) -> str:
    """The signature of a regular file now ("" for anything else: always read)."""
    try:
        info = os.lstat(path)
    except OSError:
        return ""
    return signature(info) if stat.S_ISREG(info.st_mode) else ""


def _package_source() -> bytes:
    """Every source file of the package, so that a changed rule or code table invalidates the cache."""
    hasher = hashlib.blake2b(digest_size=16)
    for path in sorted(settings.PACKAGE_DIR.rglob("*.py")):
        hasher.update(path.relative_to(settings.PACKAGE_DIR).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.digest()


#: The libraries whose behaviour a record's result depends on (validation, parsing, ID numbers, phones).
_LIBRARIES = ("pydantic", "pydantic-core", "PyYAML", "python-stdnum", "phonenumbers")


def _library_versions() -> str:
    """Their installed versions, read from the package metadata (a warm run need not import phonenumbers)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:  # pragma: no cover - every one is a requirement
            return "?"

    return ";".join(f"{name}={installed(name)}" for name in _LIBRARIES)


def run_key(settings_digest: str, today: date, recipients: frozenset[str] = frozenset()) -> str:
    """Everything a record's result depends on besides the record itself: code, libraries, settings, the day,
    and which keys opened the encrypted records."""
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(f"format {FORMAT}\n{sys.version}\n{_library_versions()}\n{today.isoformat()}\n".encode())
    hasher.update(" ".join(sorted(recipients)).encode())
    hasher.update(_package_source())
    hasher.update(settings_digest.encode())
    return hasher.hexdigest()


def settings_digest(root: Path) -> str:
    """The settings files' names and bytes as one digest (what a record's verdict is judged against)."""
    hasher = hashlib.blake2b(digest_size=16)
    keys = sorted((root / settings.KEYS_DIR).glob("*")) if (root / settings.KEYS_DIR).is_dir() else []
    for path in [root / settings.PROVINCE_FILE, *sorted((root / settings.UNITS_DIR).glob("*")), *keys]:
        hasher.update(path.relative_to(root).as_posix().encode() + b"\0" + digest_file(path).encode() + b"\0")
    return hasher.hexdigest()


@dataclass(frozen=True)
class CacheAt:
    """Where the cache lives: `folder` (None when no safe one), which must stay inside `container`."""

    container: Path
    folder: Path | None
    #: In an encrypted repository the index holds what the keys opened, so it is kept encrypted for them.
    sealed_for: Keyring | None = None

    def seal(self, raw: bytes) -> bytes:
        """A cache file's bytes as kept: an age file for the keys held here when `sealed_for`, else as they are."""
        if self.sealed_for is None:
            return raw
        return pyrage.encrypt(raw, [pyrage.x25519.Recipient.from_str(r) for r in sorted(self.sealed_for.recipients)])

    def unseal(self, raw: bytes) -> bytes:
        """The bytes `seal` kept (decrypted in memory, never onto the disk); raises pyrage.DecryptError."""
        return raw if self.sealed_for is None else pyrage.decrypt(raw, list(self.sealed_for.identities.values()))


def cache_at(root: Path, cache_dir: Path | None = None) -> CacheAt:
    """The cache's place: `cache_dir` when given (CI keeps caches outside the work tree, so no change under
    review can plant one), else .cache/pingan/ of the repository when no part of it is a link."""
    if cache_dir is not None:
        return CacheAt(cache_dir, None if cache_dir.is_symlink() else cache_dir)
    folder = root
    for part in CACHE_DIR.split("/"):
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return CacheAt(root, None)
    return CacheAt(root, folder)


def _cache_file(at: CacheAt, name: str = CACHE_FILE) -> Path | None:
    path = None if at.folder is None else at.folder / name
    return None if path is None or path.is_symlink() else path


def _header(key: str) -> str:
    return f"pingan-validate-cache {FORMAT} {key}\n"


def _open_sealed(path: Path, at: CacheAt) -> TextIO | None:
    """An encrypted index, decrypted into memory (never onto the disk); None when these keys cannot open it."""
    try:
        plain = at.unseal(path.read_bytes())
    except (OSError, pyrage.DecryptError):
        return None
    # Decoded as it is read, as a file is (decoding the 10 MB at once and copying it would double the cost).
    return io.TextIOWrapper(io.BytesIO(plain), encoding="utf-8", newline="\n")


class _Deferred:
    """An encrypted index whose signatures file says it is this run's (see `_signatures_for`): decrypted when
    first read, which an unchanged run that needs only its summary never does. The file was sealed for the
    keys of this run key and has not been written since, so it opens; if the disk damaged it, the run stops
    with an OSError saying so rather than go on without the records."""

    def __init__(self, path: Path, at: CacheAt, start: int, signatures: TextIO):
        self._path, self._at, self._start = path, at, start
        #: The signatures file, open after its header: what `signature_lines` gives.
        self.signatures = signatures
        self._open: TextIO | None = None

    def _handle(self) -> TextIO:
        if self._open is None:
            self._open = _open_sealed(self._path, self._at)
            if self._open is None:
                raise OSError(errno.EIO, "校验缓存已损坏，请删除这个文件后重新运行", str(self._path))
        return self._open

    def tell(self) -> int:
        return self._start if self._open is None else self._open.tell()

    def seek(self, offset: int) -> int:
        return self._handle().seek(offset)

    def readline(self) -> str:
        return self._handle().readline()

    def __iter__(self) -> Iterator[str]:
        return iter(self._handle())

    def close(self) -> None:
        self.signatures.close()
        if self._open is not None:
            self._open.close()


def _signatures_for(at: CacheAt, key: str, index: Path) -> TextIO | None:
    """The signatures file beside the encrypted index `index`, open after its header, when it was written for
    that index as it stands under `key` (its header names the index file's signature); else None."""
    path = _cache_file(at, SIGNATURES_FILE)
    if path is None or not path.is_file():
        return None
    try:
        handle = open(path, encoding="utf-8", newline="\n")
    except OSError:
        return None
    if handle.readline() != _signatures_header(key, current_signature(str(index))):
        handle.close()
        return None
    return handle


def signature_lines(stored: TextIO | None) -> TextIO | None:
    """The path, digest and signature of each line of an index `stored` left encrypted (one per index line, in
    the same order); None for any other (a plaintext or opened index is read directly)."""
    return stored.signatures if isinstance(stored, _Deferred) else None


def _signatures_header(key: str, index_signature: str) -> str:
    return f"pingan-validate-signatures {FORMAT} {key} {index_signature}\n"


@contextmanager
def stored(at: CacheAt, key: str) -> Iterator[TextIO | None]:
    """The last run's index when its key is `key`, open after the header line, else None."""
    path = _cache_file(at)
    signatures = _signatures_for(at, key, path) if path is not None and at.sealed_for is not None else None
    if path is not None and signatures is not None:  # an encrypted index its signatures describe: left closed
        deferred = _Deferred(path, at, len(_header(key).encode("utf-8")), signatures)
        try:
            yield cast(TextIO, deferred)
        finally:
            deferred.close()
        return
    try:
        if path is None or not path.is_file():
            handle = None
        elif at.sealed_for is not None:
            handle = _open_sealed(path, at)
        else:
            handle = open(path, encoding="utf-8", newline="\n")
    except OSError:
        handle = None
    if handle is None:
        yield None
        return
    with handle:
        try:
            found = handle.readline() == _header(key)
        except UnicodeDecodeError:
            found = False
        yield handle if found else None


@contextmanager
def scratch(at: CacheAt, key: str) -> Iterator[TextIO]:
    """A nameless temporary file for a run's index, headed like the cache (in the cache folder when safe)."""
    folder = at.folder if at.folder is not None and _made_inside(at.container, at.folder) else None
    handle: TextIO
    if at.sealed_for is not None:  # what the keys opened never touches the disk in clear
        handle = io.StringIO(newline="\n")
    else:
        try:
            handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", dir=folder)
        except OSError:
            handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
    with handle:
        handle.write(_header(key))
        yield handle


def keep(at: CacheAt, index: TextIO) -> None:
    """Make a run's index the cache of the next run (atomically); skipped when the folder is unsafe or read-only."""
    path = _cache_file(at)
    if path is None:
        return
    index.flush()
    index.seek(0)
    if at.sealed_for is not None:
        text = index.read()
        # Written only once the index is: signatures of this text beside an older index would lie (their header
        # names the index file they describe, so a replaced index never matches old ones).
        if _replace(at.container, path, lambda out: out.write(at.seal(text.encode("utf-8"))), binary=True):
            _keep_signatures(at, path, text)
        return
    _replace(at.container, path, lambda out: shutil.copyfileobj(index, out, 1 << 20))


def _keep_signatures(at: CacheAt, index: Path, text: str) -> None:
    """Write the signatures file of the encrypted index just kept at `index` from its text (see SIGNATURES_FILE):
    each line's first three fields, the rest left empty so the line has an index line's shape."""
    path = _cache_file(at, SIGNATURES_FILE)
    if path is None:
        return
    header, _, lines = text.partition("\n")
    key = header.rsplit(" ", 1)[-1]
    empty = SEP * (len(FIELDS) - 3)
    signatures = [_signatures_header(key, current_signature(str(index)))]
    signatures += (SEP.join(line.split(SEP, 3)[:3]) + empty + "\n" for line in lines.split("\n") if line)
    _replace(at.container, path, lambda out: out.writelines(signatures))


def index_stamp(at: CacheAt) -> str:
    """The kept index's file signature ("" without one): every write replaces the file, so it names the content."""
    path = _cache_file(at)
    return current_signature(str(path)) if path is not None else ""


def stored_summary(at: CacheAt, key: str) -> Any:
    """What keep_summary kept under `key` (the run key and the index it was made from), else None."""
    path = _cache_file(at, SUMMARY_FILE)
    if path is None or not path.is_file():
        return None
    try:
        found = json.loads(at.unseal(path.read_bytes()))
    except (OSError, ValueError, pyrage.DecryptError):
        return None
    return found.get("value") if isinstance(found, dict) and found.get("key") == key else None


def keep_summary(at: CacheAt, key: str, value: Any) -> None:
    """Keep `value` (plain JSON data) under `key`, encrypted like the index in an encrypted repository."""
    path = _cache_file(at, SUMMARY_FILE)
    if path is None:
        return
    raw = at.seal(json.dumps({"key": key, "value": value}, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    _replace(at.container, path, lambda out: out.write(raw), binary=True)


def _made_inside(root: Path, folder: Path) -> bool:
    """Create `folder` if needed; whether it exists and lies inside the repository (not reached by a link)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder.resolve().is_relative_to(root.resolve())
    except OSError:
        return False


def _replace(root: Path, path: Path, write: Any, binary: bool = False) -> bool:
    """Write `path` anew through a temporary file; whether it was written (a cache that cannot be is skipped)."""
    if not _made_inside(root, path.parent):
        return False
    try:
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with (temporary.open("wb") if binary else temporary.open("w", encoding="utf-8", newline="\n")) as out:
            write(out)
        os.replace(temporary, path)
    except OSError:
        return False
    return True
