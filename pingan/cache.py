"""The validation cache: each record's results, reused only while nothing they depend on changed.

A record's result depends on its path and bytes, the settings files, the code
tables, the tool's own source and libraries, and today's date. The run key
hashes everything but the record; each record is stored with the hash of its
bytes. Any difference means the record is checked again, so the cache can
never hide a change (it is never keyed on size or modification time).

The cache is one JSON file in the gitignored `.cache/pingan/` of the
repository (JSON, not pickle: a file someone commits there is data, never
code). It is written only inside the repository and never through a link.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from typing import Any

from . import settings

CACHE_DIR = ".cache/pingan"
CACHE_FILE = "validate.json"
FORMAT = 2

Result = list[Any]  # [digest, entry fields, problems as lists, file signature, stored line (None: re-encode)]


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
    """(signature, digest) of one file; the signature is taken before reading, so it can only be older."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            return "", "link:" + os.readlink(path)
        if not stat.S_ISREG(info.st_mode):
            return "", f"special:{stat.S_IFMT(info.st_mode)}"
        with open(path, "rb") as handle:
            return signature(info), digest_bytes(handle.read())
    except OSError as exc:
        return "", f"unreadable:{exc.errno}"


def current_signature(path: str) -> str:
    """The signature of a regular file now ("" for anything else: always read)."""
    try:
        info = os.lstat(path)
    except OSError:
        return ""
    return signature(info) if stat.S_ISREG(info.st_mode) else ""


#: A file changed this close to the moment the cache is written could change again within the
#: same time stamp; its signature is not trusted (git's "racily clean" entries).
RACY_NS = 2_000_000_000


def _package_source() -> bytes:
    """Every source file of the package, so that a changed rule or code table invalidates the cache."""
    hasher = hashlib.blake2b(digest_size=16)
    for path in sorted(settings.PACKAGE_DIR.rglob("*.py")):
        hasher.update(path.relative_to(settings.PACKAGE_DIR).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.digest()


def _library_versions() -> str:
    import phonenumbers
    import pydantic
    import pydantic_core
    import stdnum
    import yaml

    return ";".join(f"{module.__name__}={version}" for module, version in (
        (pydantic, pydantic.VERSION), (pydantic_core, pydantic_core.__version__), (yaml, yaml.__version__),
        (stdnum, stdnum.__version__), (phonenumbers, phonenumbers.__version__)))


def run_key(root: Path, today: date) -> str:
    """Everything a record's result depends on besides the record itself."""
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(f"format {FORMAT}\n{sys.version}\n{_library_versions()}\n{today.isoformat()}\n".encode())
    hasher.update(_package_source())
    settings_files = [root / settings.PROVINCE_FILE, *sorted((root / settings.UNITS_DIR).glob("*"))]
    for path in settings_files:
        hasher.update(path.relative_to(root).as_posix().encode() + b"\0" + digest_file(path).encode() + b"\0")
    return hasher.hexdigest()


def _cache_path(root: Path) -> Path | None:
    """The cache file, or None when .cache or .cache/pingan is a link or otherwise unsafe to use."""
    folder = root
    for part in CACHE_DIR.split("/"):
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return None
    path = folder / CACHE_FILE
    if path.is_symlink():
        return None
    return path


_SEP = "\x1f"
_ESCAPES = (("\\", "\\\\"), ("\n", "\\n"), (_SEP, "\\u001f"))


def _escape(text: str) -> str:
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            for raw, escaped in _ESCAPES:
                if text.startswith(escaped, i):
                    out.append(raw)
                    i += len(escaped)
                    break
            else:
                out.append(text[i])
                i += 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _encode(rel: str, result: Result) -> str:
    if len(result) > 4 and result[4]:
        return result[4]  # unchanged since it was loaded: written back verbatim
    digest, facts, _problems, sig = result[:4]
    parts = (rel, digest, sig, *facts)
    line = _SEP.join(map(str, parts))
    if "\\" in line or "\n" in line or line.count(_SEP) != len(parts) - 1:
        line = _SEP.join(_escape(str(part)) for part in parts)
    return line


def _decode(line: str, problems: dict[str, Any]) -> tuple[str, Result]:
    parts = line.split(_SEP)
    if "\\" in line:
        parts = [_unescape(part) for part in parts]
    rel, digest, sig, unit, record_id, registered, number, id_line, id_col, person = parts
    facts = [unit, record_id, registered, number, int(id_line), int(id_col), person]
    return rel, [digest, facts, problems.get(rel, []), sig, line]


def load(root: Path, key: str) -> dict[str, Result]:
    """The stored results of the last run with the same key ({} when none or unusable).

    One line of plain fields per record keeps loading cheap; problems are
    stored only for the records that have some.
    """
    path = _cache_path(root)
    if path is None or not path.is_file():
        return {}
    try:
        stored = json.loads(path.read_bytes())
        if not isinstance(stored, dict) or stored.get("key") != key:
            return {}
        problems = stored["problems"]
        return dict(_decode(line, problems) for line in stored["records"].split("\n") if line)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def save(root: Path, key: str, records: dict[str, Result]) -> None:
    """Replace the stored results (atomically); silently skipped when the folder is unsafe or read-only."""
    path = _cache_path(root)
    if path is None:
        return
    now = time.time_ns()
    for result in records.values():
        ctime_ns = int(result[3].rsplit(":", 1)[-1]) if result[3] else 0
        if now - ctime_ns < RACY_NS:
            result[3] = ""
            del result[4:]
    write_atomically(root, path, {
        "key": key, "format": FORMAT,
        "records": "\n".join(_encode(rel, result) for rel, result in records.items()),
        "problems": {rel: result[2] for rel, result in records.items() if result[2]}})


def write_atomically(root: Path, path: Path, payload: dict[str, Any]) -> None:
    """Replace a cache file with `payload` as JSON; skipped when its folder is outside `root` or read-only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.parent.resolve().is_relative_to(root.resolve()):
            return
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, path)
    except OSError:
        return
