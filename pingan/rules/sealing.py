"""Rules of encrypted records that need no key: every personal value encrypted, for the right people, nothing
secret or personal left in clear text.

They hold for every record of an encrypted repository (one with keys/ci.txt),
whether or not a key held here opens it; the MAC and the record rules need
the key, and run where the record is opened (sealed.py, record.py).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from .. import catalogue
from .. import fields as f
from ..agekeys import IDENTITY_SUFFIX, SECRET_PREFIX
from ..problems import Problem
from ..settings import SCHEMA_PRAGMA
from ..sopsfile import ENVELOPE_KEY
from .context import Context, RecordView

_CLEAR = frozenset(f.CLEAR_KEYS)
_SECRET = SECRET_PREFIX.encode()
_PRAGMA_LINE = f"{SCHEMA_PRAGMA}\n".encode()
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'')
_COMMENT = re.compile(r"(?:^|\s)#")
#: A comment sops wrote encrypted (its content is as safe as any encrypted value).
_SEALED_COMMENT = re.compile(r"\s*#ENC\[AES256_GCM,[^\]]*,type:comment\]\s*")


def _line_of(raw: bytes, needle: bytes) -> int:
    return raw[:raw.upper().find(needle)].count(b"\n") + 1


def no_secret_key(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """An age secret key pasted into a record (any repository: it would be in every clone)."""
    raw = rec.loaded.raw or b""
    if _SECRET in raw.upper():
        yield catalogue.make("ENC007", rec.rel, None, _line_of(raw, _SECRET), 1)


def sealed_as_the_repository_says(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """Encrypted where the repository is, for exactly the unit's, the office's and CI's keys; plaintext elsewhere.

    Only files are judged: a spreadsheet row or data about to be written (nothing read, `raw` None) is not
    stored yet, and the one writer (Repository.write_record) encrypts it as this rule asks.
    """
    seal, keys = rec.loaded.seal, ctx.keys
    if rec.loaded.raw is None:
        return
    if keys is None:
        if seal is not None:
            yield rec.problem("ENC009", ENVELOPE_KEY, at_key=True)
        return
    if seal is None:
        personal = next((key for key in rec.data if key not in _CLEAR), None)
        yield rec.problem("ENC001", personal, at_key=True) if personal else catalogue.make("ENC001", rec.rel, None)
        return
    for key, value in rec.data.items():
        if key not in _CLEAR and key not in seal.encrypted and value not in ("", None, []):
            yield rec.problem("ENC002", key, at_key=True, key=key)
    expected = keys.recipients_for(rec.folder)
    actual = seal.envelope.recipients
    missing = [keys.login_of(r) for r in expected if r not in actual]
    extra = len(actual - set(expected))
    if missing or extra:
        detail = "；".join(part for part in (
            f"缺少 {'、'.join(missing)} 的公钥" if missing else "",
            f"多出 {extra} 个不在公钥文件中的收件人" if extra else "") if part)
        yield rec.problem("ENC003", ENVELOPE_KEY, at_key=True, detail=detail)


def no_comments(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """No comment but the schema line: comments are never encrypted, so a note in one would be in clear text."""
    if ctx.keys is None or rec.loaded.seal is None or rec.loaded.raw is None:
        return
    raw = rec.loaded.raw
    if raw.startswith(_PRAGMA_LINE) and raw.find(b"#", len(_PRAGMA_LINE)) < 0:  # the usual case
        return
    lines = raw.decode("utf-8", "replace").splitlines()
    for number, line in enumerate(lines, 1):
        if "#" not in line or (number == 1 and line.strip() == SCHEMA_PRAGMA) or _SEALED_COMMENT.fullmatch(line):
            continue
        if _COMMENT.search(_QUOTED.sub('""', line)):
            yield catalogue.make("ENC008", rec.rel, None, number, line.index("#") + 1)


SEALING_RULES = (no_secret_key, sealed_as_the_repository_says, no_comments)

#: Files larger than this are not read for secret keys (an identity file is a few hundred bytes; a large
#: file is data, a workbook or an image, which the other checks look at).
_SCANNED_UP_TO = 1 << 20


def secret_keys_in(root: Path, rels: Iterable[str]) -> Iterator[Problem]:
    """Tracked files (other than records, which the record rule reads) holding an age secret key or named as one."""
    for rel in rels:
        path = root / rel
        if rel.endswith(IDENTITY_SUFFIX):
            yield catalogue.make("ENC007", rel, None, 1, 1)
            continue
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > _SCANNED_UP_TO:
                continue
            raw = path.read_bytes()
        except OSError:
            continue
        if _SECRET in raw.upper():
            yield catalogue.make("ENC007", rel, None, _line_of(raw, _SECRET), 1)
