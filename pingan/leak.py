"""Leak scanner: look through a built site for the personal data of every person the records ever held.

Whom: every record file in data/volunteers/ now, and every version of every
record file that git history holds (any ref): a person deleted from the
records is still protected. People purged from the history on request are
out of scope (their stories are withdrawn with them).

Where: every file, read the way a browser, a spreadsheet, a search engine or
a curious reader could read it (see `pieces`): the path and file name; the
text of pages and the values of their attributes (alt, title, <meta
name="description" content>, href …); the strings of JSON (the search index,
entry by entry); gzip data found by its magic bytes whatever the file is
called; the members of zip files (.xlsx, .docx …) and their names; the
metadata of images (EXIF, XMP, PNG text chunks, comments).

How: each piece of text is read as it shows (`plaintext.readable`: entities,
NFKC, invisible characters and inline markup undone), and also as its
percent- and base64-encoded parts decode. Numbers (ID, mobile, landline, QQ)
are matched as digit runs whatever separates the digits (`187 1009 5656`,
`(187)1009.5656`, `+86 …`, Chinese numerals); addresses and names are
matched with all whitespace removed, addresses also without their province
and city (`小店区坞城路92号`).

Names of three or more characters are looked for everywhere. Two-character
names are looked for in the stories and generated pages, attribute values,
front matter, file names and image metadata, except the ordinary words of
`COMMON_WORDS` (a record named 文明 against “不文明行为”). Allowed: the 公开联系人 of
data/province.yaml, and people listed with a consent date in a published story.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fields as f
from . import gitio, idcard
from . import settings as pingan_settings
from .agekeys import Keyring
from .errors import GitUnavailable, KeysCannotOpen
from .plaintext import BREAK, attributes, readable, squeezed, variants
from .reader import Repository, load_settings, loaded_blobs
from .stories import COMMON_WORDS, without

ID, MOBILE, LANDLINE, QQ, ADDRESS, NAME = f.ID_NUMBER, f.MOBILE, f.LANDLINE, f.QQ, f.ADDRESS, f.NAME
ADDRESS_KEY = 6
#: Digit runs: digits (any width after NFKC, or Chinese numerals) with at most three separators between two.
_SEPARATORS = r"[ \t\r\n\-.()/+·—–]{0,3}"
_DIGIT = "[0-9〇零一二三四五六七八九]"
_RUN = re.compile(rf"{_DIGIT}(?:{_SEPARATORS}{_DIGIT})*(?:{_SEPARATORS}[Xx](?![A-Za-z]))?")
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
_PREFIX = re.compile(r"^(?:[^省市]{1,7}(?:省|自治区))?(?:[^省市]{1,7}市)?")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp", ".tif", ".tiff"}
#: How much a compressed file or a zip member may unpack to before the rest is not read (a bomb is not a leak).
MAX_UNPACKED = 64 * 1024 * 1024
MAX_DEPTH = 3


@dataclass
class Secrets:
    """What must never be published, each value mapped to the record it belongs to."""

    numbers: dict[str, tuple[str, str]] = field(default_factory=dict)   # digits → (kind, record)
    addresses: dict[str, str] = field(default_factory=dict)             # squeezed address → record
    names: dict[str, str] = field(default_factory=dict)

    def add_number(self, kind: str, value: object, record: str) -> None:
        digits = re.sub(r"[^0-9X]", "", readable(str(value or "")).upper())
        if len(digits) < 5:
            return
        self.numbers.setdefault(digits, (kind, record))
        if kind == LANDLINE and digits.startswith("0") and len(digits) >= 10:
            area = 3 if digits[1] in "12" else 4  # 010, 02x; else 0351 …
            self.numbers.setdefault(digits[area:], (kind, record))  # written without the area code

    def add_address(self, value: object, record: str) -> None:
        if not isinstance(value, str):
            return
        full = squeezed(readable(value))
        if len(full) >= ADDRESS_KEY + 2:
            self.addresses.setdefault(full, record)
            tail = full[len(_PREFIX.match(full).group(0)):]  # type: ignore[union-attr]
            if len(tail) >= ADDRESS_KEY + 2:
                self.addresses.setdefault(tail, record)  # written without province and city

    def add_name(self, value: object, record: str) -> None:
        if isinstance(value, str):
            name = squeezed(readable(value))
            if len(name) >= 2:
                self.names.setdefault(name, record)

    def add_record(self, data: dict[str, Any], record: str) -> None:
        self.add_number(ID, data.get(f.ID_NUMBER), record)
        self.add_number(MOBILE, data.get(f.MOBILE), record)
        self.add_number(LANDLINE, data.get(f.LANDLINE), record)
        self.add_number(QQ, data.get(f.QQ), record)
        self.add_address(data.get(f.ADDRESS), record)
        self.add_name(data.get(f.NAME), record)


@dataclass(frozen=True)
class Hit:
    """One piece of a record's personal data found in an output file (shown masked)."""

    file: str
    kind: str
    record: str
    shown: str


def mask(kind: str, value: str) -> str:
    """A value as a report may show it: enough to find it, not enough to use it."""
    if kind == ID:
        return idcard.mask(value)
    if kind in (MOBILE, LANDLINE, QQ):
        return value[:3] + "*" * max(0, len(value) - 5) + value[-2:]
    if kind == NAME:
        return value[0] + "*" * (len(value) - 1)
    return value[:6] + "…"


def _record_id(data: dict[str, Any], rel: str) -> str:
    return str(data.get(f.RECORD_ID) or rel.rsplit("/", 1)[-1].removesuffix(".yaml"))


def record_blobs(root: Path) -> dict[str, str]:
    """{blob id: path} of every version of every record file in the history reachable from any ref."""
    try:
        log = gitio.text(root, "log", "--all", "--format=", "--raw", "--no-abbrev", "--no-renames", "--",
                         f"{pingan_settings.VOLUNTEERS_DIR}/")
    except GitUnavailable:
        return {}  # not a git repository (or no commit yet): the work tree is all there is
    blobs: dict[str, str] = {}
    for line in log.splitlines():
        if not line.startswith(":") or "\t" not in line:
            continue
        meta, path = line.split("\t", 1)
        if not path.endswith(".yaml"):
            continue
        for oid in meta.split()[2:4]:
            if oid.strip("0"):
                blobs.setdefault(oid, path)
    return blobs


def _past_records(root: Path, blobs: dict[str, str], keyring: Keyring) -> Iterator[tuple[dict[str, Any], str]]:
    """(data, record) of every blob, each loaded by the reader's one record loader from a private copy
    (opened with `keyring`); raises KeysCannotOpen for an encrypted blob the keys cannot open."""
    if not blobs:
        return
    out = gitio.git(root, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid in blobs).encode())

    def contents() -> Iterator[tuple[str, bytes]]:
        position = 0
        for path in blobs.values():
            header_end = out.index(b"\n", position)
            header = out[position:header_end].split()
            if len(header) < 3 or header[1] != b"blob":
                position = header_end + 1
                continue
            size = int(header[2])
            yield path, out[header_end + 1:header_end + 1 + size]
            position = header_end + 1 + size + 1

    for loaded in loaded_blobs(contents(), keyring):
        if loaded.locked:
            raise KeysCannotOpen(1)
        if loaded.data:
            yield loaded.data, _record_id(loaded.data, loaded.rel)


def _blob_id(content: bytes) -> str:
    """The id git gives these bytes as a blob (SHA-1 repositories; in others it matches nothing, which is safe)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def secrets_of(root: Path) -> Secrets:
    """Every identifying value of every record under `root`, now and in every version git history holds.

    A version that is also in the work tree is read once: most of history is the records as they stand,
    and opening an encrypted record costs about a millisecond.
    """
    repo = Repository(root)
    found = Secrets()
    locked = 0
    current: set[str] = set()
    for rel in repo.paths:
        loaded = repo.load(rel)
        locked += loaded.locked
        if loaded.data:
            found.add_record(loaded.data, _record_id(loaded.data, rel))
        if loaded.raw is not None:
            current.add(_blob_id(loaded.raw))
    if locked:
        raise KeysCannotOpen(locked)
    past = {oid: path for oid, path in record_blobs(root).items() if oid not in current}
    for data, record in _past_records(root, past, repo.keyring):
        found.add_record(data, record)
    return found


def allow(secrets: Secrets, names: Iterable[str] = (), numbers: Iterable[str] = ()) -> Secrets:
    """Secrets without the allowed names and numbers (public contacts, consenting story persons)."""
    allowed_digits = {re.sub(r"[^0-9X]", "", readable(n).upper()) for n in numbers}
    allowed_names = {squeezed(readable(n)) for n in names}
    return Secrets({k: v for k, v in secrets.numbers.items() if k not in allowed_digits},
                   dict(secrets.addresses),
                   {k: v for k, v in secrets.names.items() if k not in allowed_names})


# ---------------------------------------------------------------------------------------------
# Reading output files: every piece of text a reader could get out of them

@dataclass(frozen=True)
class Piece:
    """A piece of text of a file, and whether two-character names are looked for in it."""

    text: str
    short_names: bool


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def short_names_in(rel: str) -> bool:
    """Two-character names are looked for in the generated pages and the stories (and their listings)."""
    return rel.startswith(("generated/", "stories/"))


def _bounded(stream: Any) -> bytes:
    return bytes(stream.read(MAX_UNPACKED))


def _gunzip(raw: bytes) -> bytes | None:
    try:
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return unpacker.decompress(raw, MAX_UNPACKED)
    except zlib.error:
        try:
            return _bounded(gzip.GzipFile(fileobj=io.BytesIO(raw)))
        except (OSError, EOFError):
            return None


def _as_text(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        if value.startswith(b"UNICODE\0"):
            for codec in ("utf-16-be", "utf-16-le"):
                yield value[8:].decode(codec, "ignore")
        yield value.decode("utf-8", "ignore")
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _as_text(item)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _as_text(k)
            yield from _as_text(v)


def image_metadata(raw: bytes) -> list[str] | None:
    """The text an image carries besides its pixels (EXIF incl. GPS, XMP, PNG text chunks, comments).

    None when Pillow cannot read it as an image.
    """
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a runtime dependency
        return None
    try:
        with Image.open(io.BytesIO(raw)) as image:
            texts = [text for key, value in image.info.items() for text in (str(key), *_as_text(value))]
            exif = image.getexif()
            for ifd in (exif, exif.get_ifd(0x8769), exif.get_ifd(0x8825)):
                texts += [text for value in ifd.values() for text in _as_text(value)]
            for frame_text in getattr(image, "text", {}).items():
                texts += list(_as_text(frame_text))
            return texts
    except Exception:  # noqa: BLE001 - any unreadable image is read as raw bytes instead
        return None


def pieces(rel: str, raw: bytes, depth: int = 0) -> Iterator[Piece]:
    """Every piece of text of the file `rel` with content `raw` (see the module docstring)."""
    short = short_names_in(rel)
    name = rel.rsplit("!", 1)[-1]
    yield Piece(name, True)
    for part in name.split("/"):  # each folder and file name alone, and without its extension (for base64)
        yield Piece(BREAK.join((part, part.split(".", 1)[0])), True)
    if depth > MAX_DEPTH:
        return
    if raw[:2] == b"\x1f\x8b":
        unpacked = _gunzip(raw)
        if unpacked is not None:
            yield from pieces(rel.removesuffix(".gz"), unpacked, depth + 1)
            return
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                for member in archive.infolist():
                    if not member.is_dir():
                        with archive.open(member) as stream:
                            yield from pieces(f"{rel}!{member.filename}", _bounded(stream), depth + 1)
            return
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
            pass
    suffix = Path(name).suffix.lower()
    if suffix in IMAGE_SUFFIXES or raw[:8] == b"\x89PNG\r\n\x1a\n" or raw[:3] == b"\xff\xd8\xff" or raw[:4] == b"GIF8":
        metadata = image_metadata(raw)
        if metadata is not None:
            yield from (Piece(text, True) for text in metadata if text)
            return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        yield Piece(raw.decode("utf-8", "ignore"), short)
        return
    if suffix == ".json" or (suffix == ".map" and text.lstrip().startswith("{")):
        try:
            value = json.loads(text)
        except ValueError:
            pass
        else:
            if rel.endswith("search/search_index.json") and isinstance(value, dict):
                for doc in value.get("docs") or ():
                    if isinstance(doc, dict):
                        inner = short_names_in(str(doc.get("location", "")))
                        yield from _markup(BREAK.join(_json_strings(doc)), inner)
                return
            text = BREAK.join(_json_strings(value))
    yield from _markup(text, short)


def _markup(text: str, short: bool) -> Iterator[Piece]:
    if "<" in text:
        for value in attributes(text):
            yield Piece(value, True)
    yield Piece(text, short)


# ---------------------------------------------------------------------------------------------
# Matching

def find_numbers(text: str, numbers: dict[str, tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(digits, as written) of every secret number in readable `text`, whatever separates its digits."""
    for match in _RUN.finditer(text):
        digits = re.sub(r"[^0-9X]", "", match.group(0).translate(_CHINESE_DIGITS).upper())
        if len(digits) < 5:
            continue
        if digits in numbers:
            yield digits, match.group(0)
        if len(digits) > 10:
            for width in (18, 12, 11, 10):
                for i in range(len(digits) - width + 1):
                    part = digits[i:i + width]
                    if part in numbers and part != digits:
                        yield part, match.group(0)


def find_names(text: str, names: dict[str, str], vocabulary: str = "", allowed: Iterable[str] = (),
               short: bool = True) -> Iterator[str]:
    """Record names in `text` (squeezed), not counting those inside an allowed name (林晓 in 林晓岚).

    Two-character names only when `short`, and never the ordinary words of COMMON_WORDS or `vocabulary`.
    """
    text = without(text, {squeezed(readable(a)) for a in allowed})
    lengths = sorted({len(n) for n in names if short or len(n) >= 3})
    for width in lengths:
        windows = {text[i:i + width] for i in range(len(text) - width + 1)}
        for name in sorted(windows.intersection(names)):
            if not (width == 2 and (name in COMMON_WORDS or name in vocabulary)):
                yield name


def find_addresses(text: str, addresses: dict[str, str], index: dict[str, list[str]]) -> Iterator[str]:
    for i in range(len(text) - ADDRESS_KEY + 1):
        for address in index.get(text[i:i + ADDRESS_KEY], ()):
            if text.startswith(address, i):
                yield address


def address_index(addresses: Iterable[str]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for address in addresses:
        index.setdefault(address[:ADDRESS_KEY], []).append(address)
    return index


@dataclass
class Scanner:
    """Secrets prepared for matching (address index built once)."""

    secrets: Secrets
    vocabulary: str = ""
    allowed: frozenset[str] = frozenset()
    index: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = address_index(self.secrets.addresses)

    def hits_in(self, rel: str, raw: bytes) -> set[Hit]:
        """Every hit in one file (its name and everything in it), one per kind of data and record."""
        hits: set[Hit] = set()
        s = self.secrets
        for piece in pieces(rel, raw):
            for variant in variants(piece.text):
                text = readable(variant)
                for digits, _ in find_numbers(text, s.numbers):
                    kind, record = s.numbers[digits]
                    hits.add(Hit(rel, kind, record, mask(kind, digits)))
                if not _HAN.search(text):
                    continue
                flat = squeezed(text)
                for address in find_addresses(flat, s.addresses, self.index):
                    hits.add(Hit(rel, ADDRESS, s.addresses[address], mask(ADDRESS, address)))
                for name in find_names(flat, s.names, self.vocabulary, self.allowed, piece.short_names):
                    hits.add(Hit(rel, NAME, s.names[name], mask(NAME, name)))
        first: dict[tuple[str, str], Hit] = {}
        for hit in sorted(hits, key=lambda h: (h.kind, h.record, -len(h.shown), h.shown)):
            first.setdefault((hit.kind, hit.record), hit)  # one hit per kind and record (an address and its tail)
        return set(first.values())


def scan(site: Path, secrets: Secrets, vocabulary: str = "", allowed_names: Iterable[str] = ()) -> list[Hit]:
    """Every hit in every file under `site` (sorted, one per file, kind and value)."""
    scanner = Scanner(secrets, vocabulary, frozenset(allowed_names))
    hits: set[Hit] = set()
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        hits |= scanner.hits_in(path.relative_to(site).as_posix(), path.read_bytes())
    return sorted(hits, key=lambda h: (h.file, h.kind, h.record, h.shown))


def allowed_people(root: Path, sources: Path | None = None, stories: Iterable[Path] = ()) -> tuple[set[str], list[str]]:
    """(names, phone numbers) that may be published: public contacts and consenting story persons."""
    from .site import POSTS, site_sources
    from .stories import read_stories

    src = site_sources(root, sources)
    province = load_settings(root).province
    names: set[str] = set()
    numbers: list[str] = []
    if province is not None:
        for contact in province.public_contacts:
            names.add(contact.name)
            numbers += re.findall(r"[0-9][0-9-]{4,}[0-9]", contact.phone or "")
    for folder in (src / "docs" / POSTS, *stories):
        for story in read_stories(Path(folder)):
            if not story.draft:
                names |= story.consented_names()
    return names, numbers


def check_site(site: Path, root: Path, sources: Path | None = None, stories: Iterable[Path] = ()) -> list[Hit]:
    """The leak check of `pingan leak-check`: records of `root` (now and in its history) against `site`."""
    names, numbers = allowed_people(root, sources, stories)
    return scan(site, allow(secrets_of(root), names, numbers), "", names)
