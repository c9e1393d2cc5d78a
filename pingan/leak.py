"""Leak scanner: look through a built site for the personal data of the records.

Every output file is read the way a reader or a search engine could read it:
HTML/SVG/XML with entities decoded, the search index JSON decoded string by
string, .gz files decompressed, zero-width characters (jieba's word breaks)
removed. In every file we look for each record's ID number, mobile, landline,
QQ and address; in the generated pages (docs/generated) and the search index,
which together hold the text of every page, also for full names.

Allowed: the 公开联系人 of data/province.yaml, and people listed with a consent
date in a published story. A name that is also an ordinary word of the site's
hand-written pages (a record named 文明 against "不文明行为") is not a hit.
"""
from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fields as f
from . import idcard
from .reader import Repository, load_settings

ID, MOBILE, LANDLINE, QQ, ADDRESS, NAME = f.ID_NUMBER, f.MOBILE, f.LANDLINE, f.QQ, f.ADDRESS, f.NAME
TEXT_SUFFIXES = {".html", ".htm", ".svg", ".xml", ".csv", ".txt", ".json", ".js", ".css", ".md", ".yml", ".yaml"}
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_NUMBER = re.compile(r"[0-9]+(?:-[0-9]+)*[Xx]?")
ADDRESS_KEY = 6


@dataclass
class Secrets:
    """What must never be published, each value mapped to the record it belongs to."""

    numbers: dict[str, tuple[str, str]] = field(default_factory=dict)   # digits → (kind, record)
    addresses: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add_number(self, kind: str, value: object, record: str) -> None:
        digits = re.sub(r"[^0-9Xx]", "", str(value or "")).upper()
        if len(digits) >= 5:
            self.numbers.setdefault(digits, (kind, record))


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


def secrets_of(root: Path) -> Secrets:
    """Every identifying value of every readable record under `root`."""
    repo = Repository(root)
    found = Secrets()
    for rel in repo.paths:
        data = repo.load(rel).data
        if not data:
            continue
        record = str(data.get(f.RECORD_ID) or rel.rsplit("/", 1)[-1].removesuffix(".yaml"))
        found.add_number(ID, data.get(f.ID_NUMBER), record)
        found.add_number(MOBILE, data.get(f.MOBILE), record)
        found.add_number(LANDLINE, data.get(f.LANDLINE), record)
        found.add_number(QQ, data.get(f.QQ), record)
        address = data.get(f.ADDRESS)
        if isinstance(address, str) and len(address.strip()) >= ADDRESS_KEY + 2:
            found.addresses.setdefault(address.strip(), record)
        name = data.get(f.NAME)
        if isinstance(name, str) and len(name.strip()) >= 2:
            found.names.setdefault(name.strip(), record)
    return found


def allow(secrets: Secrets, names: Iterable[str] = (), numbers: Iterable[str] = ()) -> Secrets:
    """Secrets without the allowed names and numbers (public contacts, consenting story persons)."""
    allowed_digits = {re.sub(r"[^0-9Xx]", "", n).upper() for n in numbers}
    allowed_names = set(names)
    return Secrets({k: v for k, v in secrets.numbers.items() if k not in allowed_digits},
                   dict(secrets.addresses),
                   {k: v for k, v in secrets.names.items() if k not in allowed_names})


# ---------------------------------------------------------------------------------------------
# Reading output files as text

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


def decoded_text(name: str, raw: bytes) -> str | None:
    """The readable text of one file (None for binary files such as images and fonts)."""
    if name.endswith(".gz"):
        try:
            return decoded_text(name[:-3], gzip.decompress(raw))
        except (OSError, EOFError):
            return None
    suffix = Path(name).suffix.lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None if suffix not in TEXT_SUFFIXES else raw.decode("utf-8", "replace")
    if suffix == ".json":
        try:
            text = "\n".join(_json_strings(json.loads(text)))
        except ValueError:
            pass
    if suffix in (".html", ".htm", ".svg", ".xml", ".json", ".js"):
        text = text + "\n" + html.unescape(text)
    return _ZERO_WIDTH.sub("", text)


# ---------------------------------------------------------------------------------------------
# Matching

def find_numbers(text: str, numbers: dict[str, tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(digits, …) of every secret number written in `text`, with or without dashes."""
    for match in _NUMBER.finditer(text):
        digits = match.group(0).replace("-", "").upper()
        if digits in numbers:
            yield digits, match.group(0)
        elif len(digits) > 11:
            for width in (18, 11):
                for i in range(len(digits) - width + 1):
                    part = digits[i:i + width]
                    if part in numbers:
                        yield part, match.group(0)


def find_names(text: str, names: dict[str, str], vocabulary: str = "", allowed: Iterable[str] = ()) -> Iterator[str]:
    """Record names written in `text`, not counting those inside an allowed name (林晓 in 林晓岚)."""
    from .stories import without

    text = without(text, allowed)
    lengths = sorted({len(n) for n in names})
    for width in lengths:
        windows = {text[i:i + width] for i in range(len(text) - width + 1)}
        for name in sorted(windows.intersection(names)):
            if name not in vocabulary:
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


def names_scanned(rel: str) -> bool:
    """Full names are looked for in the generated pages and the search index."""
    return rel.startswith("generated/") or rel.startswith("search/")


def scan(site: Path, secrets: Secrets, vocabulary: str = "", allowed_names: Iterable[str] = ()) -> list[Hit]:
    """Every hit in every file under `site` (sorted, one per file, kind and value)."""
    hits: set[Hit] = set()
    allowed = set(allowed_names)
    index = address_index(secrets.addresses)
    has_han = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        text = decoded_text(path.name, path.read_bytes())
        if text is None:
            continue
        for digits, _ in find_numbers(text, secrets.numbers):
            kind, record = secrets.numbers[digits]
            hits.add(Hit(rel, kind, record, mask(kind, digits)))
        if not has_han.search(text):
            continue
        for address in find_addresses(text, secrets.addresses, index):
            hits.add(Hit(rel, ADDRESS, secrets.addresses[address], mask(ADDRESS, address)))
        if names_scanned(rel):
            for name in find_names(text, secrets.names, vocabulary, allowed):
                hits.add(Hit(rel, NAME, secrets.names[name], mask(NAME, name)))
    return sorted(hits, key=lambda h: (h.file, h.kind, h.record))


def check_site(site: Path, root: Path, sources: Path | None = None, stories: Iterable[Path] = ()) -> list[Hit]:
    """The leak check of `pingan leak-check`: records of `root` against the site built in `site`."""
    from .site import POSTS, site_sources
    from .stories import read_stories, site_vocabulary
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
    secrets = allow(secrets_of(root), names, numbers)
    return scan(site, secrets, site_vocabulary(src / "docs"), names)
