"""The data key of a record wrapped for one recipient: an age v1 file (age-encryption.org/v1), armored.

pyrage (rage) adds a random "grease" stanza to every file it writes, which
makes a wrapped key 410–610 bytes instead of about 410; a record holds one
per recipient, so a record for four readers would grow by some 600 bytes.
This writes exactly what the age specification asks for an X25519 recipient
and nothing more, and the tests check that pyrage and `sops decrypt` open
what this writes.

It also reads such a file back for an X25519 identity: every record read with
a key is one such file, and pyrage took 89 µs where this takes 62 µs (the
X25519 exchange itself is about 35 µs of it). The tests check that it opens
what pyrage and sops write, and refuses every altered byte.
"""
from __future__ import annotations

import base64
import hmac
import os
from functools import lru_cache

import bech32
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

_INTRO = b"age-encryption.org/v1\n"
_LABEL = b"age-encryption.org/v1/X25519"
ARMOR_BEGIN, ARMOR_END = "-----BEGIN AGE ENCRYPTED FILE-----", "-----END AGE ENCRYPTED FILE-----"


class BadRecipient(ValueError):
    """Not an age X25519 recipient (age1…)."""


class NotForIdentity(ValueError):
    """The file is damaged, not an age v1 file, or not encrypted for the identity given."""


def _b64(raw: bytes) -> bytes:
    """Base64 without padding, as age writes stanza arguments and bodies."""
    return base64.b64encode(raw).rstrip(b"=")


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    """HKDF-SHA-256 (RFC 5869) of 32 bytes: extract, then one block of expand.

    Two one-shot HMACs of the standard library: each record read derives
    three keys, and cryptography's HKDF object cost 3.5 µs a key where this
    costs 1 µs. The tests hold it to cryptography's HKDF.
    """
    pseudorandom = hmac.digest(salt or bytes(32), key, "sha256")
    return hmac.digest(pseudorandom, info + b"\x01", "sha256")


@lru_cache(maxsize=1024)
def recipient_bytes(recipient: str) -> bytes:
    """The 32-byte X25519 public key of an age1… recipient; raises BadRecipient.

    Kept once decoded: a repository has a few dozen recipients, and decoding
    one (bech32 in pure Python) cost a fifth of encrypting a record.
    """
    hrp, data = bech32.bech32_decode(recipient)
    raw = bech32.convertbits(data, 5, 8, False) if data is not None else None
    if hrp != "age" or raw is None or len(raw) != 32:
        raise BadRecipient(recipient)
    return bytes(raw)


def _stanza(file_key: bytes, recipient: bytes) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    share = ephemeral.public_key().public_bytes_raw()
    secret = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    wrap_key = _hkdf(secret, share + recipient, _LABEL)
    body = ChaCha20Poly1305(wrap_key).encrypt(bytes(12), file_key, None)
    return b"-> X25519 " + _b64(share) + b"\n" + _b64(body) + b"\n"


def encrypt(plaintext: bytes, recipient: str) -> str:
    """`plaintext` (at most one 64 KiB chunk: a data key) as an armored age file for `recipient`."""
    file_key = os.urandom(16)
    header = _INTRO + _stanza(file_key, recipient_bytes(recipient)) + b"---"
    mac = hmac.digest(_hkdf(file_key, b"", b"header"), header, "sha256")
    nonce = os.urandom(16)
    payload = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload")).encrypt(bytes(11) + b"\x01", plaintext, None)
    body = base64.b64encode(header + b" " + _b64(mac) + b"\n" + nonce + payload).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "\n".join([ARMOR_BEGIN, *lines, ARMOR_END]) + "\n"


@lru_cache(maxsize=64)
def identity(secret_key: str) -> tuple[X25519PrivateKey, bytes]:
    """An AGE-SECRET-KEY-1… identity as (private key, its 32-byte public key); raises NotForIdentity."""
    hrp, data = bech32.bech32_decode(secret_key.lower())
    raw = bech32.convertbits(data, 5, 8, False) if data is not None else None
    if hrp != "age-secret-key-" or raw is None or len(raw) != 32:
        raise NotForIdentity("not an age X25519 identity")
    private = X25519PrivateKey.from_private_bytes(bytes(raw))
    return private, private.public_key().public_bytes_raw()


def _unb64(text: bytes, size: int | None = None) -> bytes:
    """Canonical unpadded base64 (age's encoding of stanza arguments, bodies and the MAC)."""
    if text.endswith(b"=") or b"\n" in text:
        raise NotForIdentity("bad base64")
    try:
        raw = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except ValueError:
        raise NotForIdentity("bad base64") from None
    if _b64(raw) != text or (size is not None and len(raw) != size):
        raise NotForIdentity("bad base64")
    return raw


def _file_key(stanzas: list[list[bytes]], private: X25519PrivateKey, public: bytes) -> bytes:
    """The file key from the X25519 stanza for `public` (others, grease included, are passed over)."""
    for stanza in stanzas:
        arguments = stanza[0].split(b" ")
        if arguments[:2] != [b"->", b"X25519"]:
            continue
        if len(arguments) != 3 or len(stanza) != 2:
            raise NotForIdentity("malformed X25519 stanza")
        share, body = _unb64(arguments[2], 32), _unb64(stanza[1], 32)
        secret = private.exchange(X25519PublicKey.from_public_bytes(share))
        wrap_key = _hkdf(secret, share + public, _LABEL)
        try:
            return ChaCha20Poly1305(wrap_key).decrypt(bytes(12), body, None)
        except InvalidTag:
            continue  # a stanza for someone else
    raise NotForIdentity("no stanza for this identity")


def decrypt(armored: str, private: X25519PrivateKey, public: bytes) -> bytes:
    """The plaintext of an armored age v1 file of one chunk (a data key) for the X25519 identity (`private`,
    `public`); raises NotForIdentity. The header MAC and the payload are authenticated as the spec asks."""
    lines = armored.strip().split("\n")
    if len(lines) < 3 or lines[0] != ARMOR_BEGIN or lines[-1] != ARMOR_END \
            or any(len(line) != 64 for line in lines[1:-2]) or not 0 < len(lines[-2]) <= 64:
        raise NotForIdentity("not an armored age file")
    try:
        raw = base64.b64decode("".join(lines[1:-1]), validate=True)
    except ValueError:
        raise NotForIdentity("bad armor") from None
    end = raw.find(b"\n--- ")
    if not raw.startswith(_INTRO) or end < 0:
        raise NotForIdentity("not an age v1 file")
    header = raw[:end + 4]
    mac, newline, payload = raw[end + 5:].partition(b"\n")
    stanzas: list[list[bytes]] = []  # each: its "->" line, then its body's lines (full ones, then one shorter)
    for line in raw[len(_INTRO):end].split(b"\n"):
        if stanzas and len(stanzas[-1][-1]) == 64 or stanzas and len(stanzas[-1]) == 1:
            stanzas[-1].append(line)
        elif line.startswith(b"-> "):
            stanzas.append([line])
        else:
            raise NotForIdentity("malformed header")
    if not newline or not stanzas or len(stanzas[-1]) == 1 or len(stanzas[-1][-1]) == 64:
        raise NotForIdentity("not an age v1 file")
    file_key = _file_key(stanzas, private, public)
    if not hmac.compare_digest(hmac.digest(_hkdf(file_key, b"", b"header"), header, "sha256"),
                               _unb64(mac, 32)):
        raise NotForIdentity("header MAC does not match")
    nonce, chunk = payload[:16], payload[16:]
    if len(nonce) != 16 or not 16 < len(chunk) <= 64 * 1024 + 16:
        raise NotForIdentity("not a one-chunk payload")
    try:
        return ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload")).decrypt(bytes(11) + b"\x01", chunk, None)
    except InvalidTag:
        raise NotForIdentity("payload does not authenticate") from None


__all__ = ["ARMOR_BEGIN", "ARMOR_END", "BadRecipient", "NotForIdentity", "decrypt", "encrypt", "identity", "recipient_bytes"]
