"""The data key of a record wrapped for one recipient: an age v1 file (age-encryption.org/v1), armored.

pyrage (rage) adds a random "grease" stanza to every file it writes, which
makes a wrapped key 410–610 bytes instead of about 410; a record holds one
per recipient, so a record for four readers would grow by some 600 bytes.
This writes exactly what the age specification asks for an X25519 recipient
and nothing more. Files are read with pyrage, and the tests check that
pyrage and `sops decrypt` open what this writes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

import bech32
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INTRO = b"age-encryption.org/v1\n"
_LABEL = b"age-encryption.org/v1/X25519"
_ARMOR_BEGIN, _ARMOR_END = "-----BEGIN AGE ENCRYPTED FILE-----", "-----END AGE ENCRYPTED FILE-----"


class BadRecipient(ValueError):
    """Not an age X25519 recipient (age1…)."""


def _b64(raw: bytes) -> bytes:
    """Base64 without padding, as age writes stanza arguments and bodies."""
    return base64.b64encode(raw).rstrip(b"=")


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


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
    mac = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
    nonce = os.urandom(16)
    payload = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload")).encrypt(bytes(11) + b"\x01", plaintext, None)
    body = base64.b64encode(header + b" " + _b64(mac) + b"\n" + nonce + payload).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "\n".join([_ARMOR_BEGIN, *lines, _ARMOR_END]) + "\n"


__all__ = ["BadRecipient", "encrypt", "recipient_bytes"]
