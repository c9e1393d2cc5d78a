"""The SOPS file format (getsops/sops 3.x with age recipients), read and written natively.

An encrypted value is `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`: AES-256-GCM
under one data key per file, a 32-byte nonce, and the key path ("姓名:") as
associated data, so a value cannot be moved to another field. The data key is
wrapped for each recipient as an armored age file (agefile.py). The MAC is SHA-512
over every value in document order, clear ones included, itself encrypted under
the data key with `lastmodified` as associated data: a clear field changed
without the key no longer matches. This is what sops does (aes/cipher.go,
sops.go), so `sops decrypt`, `sops edit` and `sops updatekeys` work on these
files; calling the sops binary instead would cost about 29 ms a file.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any

import pyrage
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import agefile

#: The top-level key of the metadata block, as sops names it.
ENVELOPE_KEY = "sops"
#: The sops version these files claim to be written by (the format has not changed since 3.0).
VERSION = "3.11.0"
_NONCE = 32
_TAG = 16

Scalar = str | bool | int | float | date


class SealBroken(Exception):
    """A value, a wrapped key or the metadata cannot be read or does not authenticate (the reason in Chinese)."""


_HEAD = "ENC[AES256_GCM,data:"
_TYPES = frozenset(f"type:{kind}" for kind in ("str", "int", "float", "bool", "time"))


def is_token(value: object) -> bool:
    """A value written encrypted (by its opening only: whether the rest holds needs the key, see decrypt_value)."""
    return isinstance(value, str) and value.startswith(_HEAD)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _typed(value: Scalar) -> tuple[str, str]:
    """(sops type, text) of a value, spelled as sops spells it (Go's strconv)."""
    if isinstance(value, bool):
        return "bool", "true" if value else "false"
    if isinstance(value, int):
        return "int", str(value)
    if isinstance(value, float):
        return "float", repr(value)
    return "str", value.isoformat() if isinstance(value, date) else value


def encrypt_value(value: Scalar, cipher: AESGCM, aad: str) -> str:
    """The token of one value under a file's data key ("" stays "", as sops leaves empty strings)."""
    if value == "":
        return ""
    kind, text = _typed(value)
    iv = os.urandom(_NONCE)
    sealed = cipher.encrypt(iv, text.encode("utf-8"), aad.encode("utf-8"))
    return f"ENC[AES256_GCM,data:{_b64(sealed[:-_TAG])},iv:{_b64(iv)},tag:{_b64(sealed[-_TAG:])},type:{kind}]"


def _opened(token: str, cipher: AESGCM, aad: bytes) -> tuple[bytes, str]:
    """The plaintext bytes behind a token and its sops type; raises SealBroken."""
    # Sliced and split rather than matched with a pattern: this runs for every value of every record, and a
    # match cost half as much again (base64 has no commas).
    try:
        if token[:len(_HEAD)] != _HEAD or token[-1] != "]":
            raise ValueError
        data, iv, tag, kind = token[len(_HEAD):-1].split(",")
        if iv[:3] != "iv:" or tag[:4] != "tag:" or kind not in _TYPES:
            raise ValueError
    except (ValueError, IndexError):
        raise SealBroken("不是有效的加密值") from None
    iv, tag, kind = iv[3:], tag[4:], kind[5:]
    try:
        decode = binascii.a2b_base64
        return cipher.decrypt(decode(iv, strict_mode=True), decode(data, strict_mode=True)
                              + decode(tag, strict_mode=True), aad), kind
    except (binascii.Error, ValueError, InvalidTag):
        raise SealBroken("加密值无法解开（被改动过，或是从别的字段、别的文件复制来的）") from None


def _typed_value(raw: bytes, kind: str) -> Scalar:
    """A decrypted value as its sops type says; raises SealBroken when they disagree."""
    try:
        text = raw.decode("utf-8")
        if kind == "str":
            return text
        if kind == "bool":
            return {"true": True, "false": False}[text.lower()]
        if kind == "int":
            return int(text)
        if kind == "time":  # sops's own type for an unquoted YAML date; a day at midnight UTC is that day
            when = datetime.fromisoformat(text)
            return when.date() if when.time() == time() and when.utcoffset() == timedelta(0) else text
        return float(text)
    except (KeyError, ValueError):  # UnicodeDecodeError is a ValueError
        raise SealBroken(f"加密值的类型 {kind} 与内容不符") from None


def decrypt_value(token: str, cipher: AESGCM, aad: str) -> Scalar:
    """The value behind a token; raises SealBroken when it is damaged or was moved from another field."""
    return "" if token == "" else _typed_value(*_opened(token, cipher, aad.encode("utf-8")))


class Opening:
    """A file's values read in document order under its data key, each fed to the MAC as it is read: what
    reading a record costs is mostly this, so a text value's decrypted bytes are hashed as they are."""

    def __init__(self, cipher: AESGCM):
        self.cipher = cipher
        self._mac = hashlib.sha512()

    def clear(self, value: Any) -> None:
        """A value in clear (it counts in the MAC too)."""
        self._mac.update(_mac_bytes(value))

    def value(self, token: str, aad: bytes) -> Scalar:
        """The value behind a token (`aad`: its key path, "姓名:", encoded); raises SealBroken."""
        if token == "":
            return ""
        raw, kind = _opened(token, self.cipher, aad)
        value = _typed_value(raw, kind)
        self._mac.update(raw if kind == "str" else _mac_bytes(value))
        return value

    def mac_matches(self, envelope: Envelope) -> bool:
        """The MAC in `envelope` is the one of the values read."""
        try:
            recorded = decrypt_value(envelope.mac, self.cipher, envelope.lastmodified)
        except SealBroken:
            return False
        return recorded == self._mac.hexdigest().upper()


def _mac_bytes(value: Any) -> bytes:
    """A value as sops feeds it to the MAC (Go's ToBytes: booleans as True/False, dates as RFC 3339)."""
    if type(value) is str:  # nearly every value: asked first
        return value.encode("utf-8")
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z").encode()
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z".encode()
    if isinstance(value, float):
        return repr(value).encode()
    return str(value).encode("utf-8")


def mac_of(values: Iterable[Any]) -> str:
    """The MAC of the plaintext values in document order: SHA-512, upper-case hex."""
    hasher = hashlib.sha512()
    for value in values:
        hasher.update(_mac_bytes(value))
    return hasher.hexdigest().upper()


@dataclass(frozen=True)
class Envelope:
    """The `sops:` block: the data key wrapped per recipient, when it was written, and its encrypted MAC."""

    stanzas: dict[str, str]  #: recipient (age1…) → the data key as an armored age file for it
    lastmodified: str
    mac: str
    unencrypted_regex: str
    version: str = VERSION

    @property
    def recipients(self) -> frozenset[str]:
        return frozenset(self.stanzas)


#: The metadata keys sops writes for age-only files; any other (pgp, kms, encrypted_regex…) is refused here.
_KNOWN = {"age", "lastmodified", "mac", "unencrypted_regex", "version"}


def read_envelope(value: Any) -> Envelope:
    """The metadata block as loaded; raises SealBroken saying what is wrong with it."""
    if not isinstance(value, dict):
        raise SealBroken("不是一组“字段: 值”")
    other = sorted(set(value) - _KNOWN)
    if other:
        raise SealBroken(f"含有本系统不使用的项目 {'、'.join(map(str, other))}（只用 age 公钥和 unencrypted_regex）")
    stanzas: dict[str, str] = {}
    entries = value.get("age")
    if not isinstance(entries, list) or not entries:
        raise SealBroken("缺少 age 收件人")
    for entry in entries:
        if not (isinstance(entry, dict) and isinstance(entry.get("recipient"), str) and isinstance(entry.get("enc"), str)):
            raise SealBroken("age 收件人的写法不对（每项应有 recipient 和 enc）")
        stanzas[entry["recipient"]] = entry["enc"]
    texts = [value.get(key) for key in ("lastmodified", "mac", "unencrypted_regex", "version")]
    if not all(isinstance(text, str) for text in texts):
        raise SealBroken("缺少 lastmodified、mac、unencrypted_regex 或 version")
    lastmodified, mac, regex, version = map(str, texts)
    return Envelope(stanzas, lastmodified, mac, regex, version)


def unwrap(envelope: Envelope, identities: Mapping[str, pyrage.x25519.Identity]) -> bytes | None:
    """The data key, unwrapped with the identity whose recipient the file names (None: none held here).

    The stanza is found by its recipient, never by trying every identity on every stanza.
    """
    for recipient, armored in envelope.stanzas.items():
        identity = identities.get(recipient)
        if identity is None:
            continue
        try:
            key = agefile.decrypt(armored, *agefile.identity(str(identity)))
        except agefile.NotForIdentity:
            raise SealBroken(f"写给公钥 {recipient[:12]}… 的数据密钥无法解开") from None
        if len(key) != 32:
            raise SealBroken("数据密钥的长度不对")
        return key
    return None


def wrap(key: bytes, recipients: Iterable[str]) -> dict[str, str]:
    """The data key as an armored age file for each recipient, in the order given."""
    return {recipient: agefile.encrypt(key, recipient) for recipient in recipients}


def now() -> str:
    """A `lastmodified` stamp as sops writes it (RFC 3339, UTC, seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Sealer:
    """Encrypts the values of one file under its data key for its recipients.

    A value written again unchanged at the same path keeps its ciphertext
    (sops keeps the nonce for the same plaintext and path), so a changed
    field shows as one changed line in a diff and nothing else moves.
    """

    key: bytes
    stanzas: dict[str, str]
    #: What was read: (associated data, token or list of tokens, value or list of values) per encrypted key.
    opened: list[tuple[str, Any, Any]] = field(default_factory=list)

    @cached_property
    def kept(self) -> dict[tuple[str, Scalar], str]:
        """(associated data, value) → the token it had when read; made when a record is written back, not each
        time one is read."""
        found: dict[tuple[str, Scalar], str] = {}
        for aad, tokens, values in self.opened:
            if isinstance(tokens, list):
                found.update(((aad, value), token) for token, value in zip(tokens, values))
            else:
                found[(aad, values)] = tokens
        return found

    @cached_property
    def cipher(self) -> AESGCM:
        """The data key's cipher, made once: a record's twenty-odd values are encrypted with it."""
        return AESGCM(self.key)

    @classmethod
    def fresh(cls, recipients: Iterable[str]) -> Sealer:
        """A new data key wrapped for `recipients`."""
        key = AESGCM.generate_key(bit_length=256)
        return cls(key, wrap(key, recipients))

    def for_recipients(self, recipients: Iterable[str]) -> Sealer:
        """The same data key (and ciphertexts) for another set of recipients: stanzas of those kept stay as
        they are, new ones are wrapped (what `sops updatekeys` does)."""
        wanted = list(recipients)
        stanzas = {r: self.stanzas[r] for r in wanted if r in self.stanzas}
        stanzas.update(wrap(self.key, [r for r in wanted if r not in stanzas]))
        return Sealer(self.key, {r: stanzas[r] for r in wanted}, self.opened)

    def token(self, value: Scalar, aad: str) -> str:
        kept = self.kept.get((aad, value))
        return kept if kept is not None else encrypt_value(value, self.cipher, aad)

    def envelope(self, mac: str, unencrypted_regex: str) -> Envelope:
        """The metadata block for values whose MAC is `mac`, stamped now."""
        stamp = now()
        return Envelope(dict(self.stanzas), stamp, encrypt_value(mac, self.cipher, stamp), unencrypted_regex)


@dataclass
class Seal:
    """How a loaded file was encrypted: its metadata, the keys whose values were encrypted, and (when a key held
    here opened it) what writes it back under the same data key."""

    envelope: Envelope
    encrypted: frozenset[str]
    sealer: Sealer | None = None

    @property
    def opened(self) -> bool:
        return self.sealer is not None


def envelope_lines(envelope: Envelope) -> list[str]:
    """The metadata block as YAML lines (keys in the order sops writes them)."""
    lines = [f"{ENVELOPE_KEY}:", "  age:"]
    for recipient, armored in envelope.stanzas.items():
        lines += [f"  - recipient: {recipient}", "    enc: |"]
        lines += [f"     {line}" for line in armored.splitlines()]  # one column in from "enc": each byte is paid per reader
    lines += [f"  lastmodified: {json.dumps(envelope.lastmodified)}", f"  mac: {envelope.mac}",
              f"  unencrypted_regex: {json.dumps(envelope.unencrypted_regex, ensure_ascii=False)}",
              f"  version: {envelope.version}"]
    return lines


#: A character a double-quoted YAML value holds as itself, with no escape and nothing libyaml refuses or reads
#: as a line break: the quoted text that the layout readers (here and loader._written) accept.
QUOTED_CHAR = '[^"\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]'
#: An encrypted value as encrypt_value writes it, up to its type (a pattern; the type and "]" follow).
TOKEN_UP_TO_TYPE = r"ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:"
#: An armored age file as envelope_lines indents it.
_ARMORED = rf"     {agefile.ARMOR_BEGIN}\n(?:     [A-Za-z0-9+/=]+\n)+     {agefile.ARMOR_END}\n"
_STANZA_START = "  - recipient: "
#: Exactly what envelope_lines writes, to the end of the file; nothing else matches (see written_envelope).
_WRITTEN = re.compile(
    rf"{ENVELOPE_KEY}:\n  age:\n((?:{_STANZA_START}age1[0-9a-z]+\n    enc: \|\n{_ARMORED})+)"
    r'  lastmodified: "([0-9TZ:.+-]+)"\n'
    rf"  mac: ({TOKEN_UP_TO_TYPE}str\])\n"
    f'  unencrypted_regex: "({QUOTED_CHAR}*)"\n'
    r"  version: ([0-9]+\.[0-9]+\.[0-9]+)\n")

Marks = dict[tuple[str | int, ...], tuple[int, int]]


def written_envelope(tail: str, line: int) -> tuple[dict[str, Any], Marks, Marks] | None:
    """The `sops:` block as YAML would load it, with its value and key positions, when `tail` (starting at line
    `line` of its file and running to the file's end) is exactly what envelope_lines writes; None otherwise.

    The loader reads a record's block this way: it is a third of a record's
    YAML events, and its shape is fixed. Anything else, sops's own layout
    included, is left to the YAML parser (tests check that both read the same).
    """
    found = _WRITTEN.fullmatch(tail)
    if found is None:
        return None
    # Every line's place is fixed by the layout: only the armored keys' lengths vary.
    values: Marks = {(ENVELOPE_KEY,): (line + 1, 3), (ENVELOPE_KEY, "age"): (line + 2, 3)}
    keys: Marks = {(ENVELOPE_KEY,): (line, 1), (ENVELOPE_KEY, "age"): (line + 1, 3)}
    stanzas: list[dict[str, str]] = []
    row = line + 2
    for number, stanza in enumerate(found[1].split(_STANZA_START)[1:]):
        path = (ENVELOPE_KEY, "age", number)
        recipient, armored = stanza.split("\n", 1)
        stanzas.append({"recipient": recipient, "enc": armored[11:].replace("\n     ", "\n")[5:]})  # after "enc: |"
        values[path] = keys[(*path, "recipient")] = (row, 5)
        values[(*path, "recipient")] = (row, 16)
        keys[(*path, "enc")], values[(*path, "enc")] = (row + 1, 5), (row + 1, 10)
        row += 1 + armored.count("\n")
    block: dict[str, Any] = {"age": stanzas}
    for name, group, column in (("lastmodified", 2, 17), ("mac", 3, 8), ("unencrypted_regex", 4, 22), ("version", 5, 12)):
        keys[(ENVELOPE_KEY, name)], values[(ENVELOPE_KEY, name)] = (row, 3), (row, column)
        block[name] = found[group]
        row += 1
    return block, values, keys


def with_envelope(text: str, envelope: Envelope) -> str:
    """A file's text with its top-level `sops:` block replaced by `envelope`, every other byte as it was.

    This is how the readers of a file change without touching a value, the
    MAC or `lastmodified` (what `sops updatekeys` does): a clear field changed
    without the key stays detectable, since the MAC is not computed again.
    Raises SealBroken when the file has no block-style `sops:` key.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"{ENVELOPE_KEY}:"), None)
    if start is None:
        raise SealBroken("不是 sops 写出的格式（找不到顶格的“sops:”一行）")
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][:1] in (" ", "\t", "-")):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():  # blank lines after the block stay where they were
        end -= 1
    block = "".join(f"{line}\n" for line in envelope_lines(envelope))
    return "".join(lines[:start]) + block + "".join(lines[end:])


__all__ = ["ENVELOPE_KEY", "Envelope", "Scalar", "Seal", "SealBroken", "Sealer", "decrypt_value", "encrypt_value",
           "Opening", "QUOTED_CHAR", "TOKEN_UP_TO_TYPE", "envelope_lines", "is_token", "mac_of", "read_envelope",
           "unwrap", "with_envelope", "wrap", "written_envelope"]
