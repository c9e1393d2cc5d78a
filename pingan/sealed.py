"""Opening an encrypted record where it was loaded: values decrypted in place, so every position stays true.

A record encrypted for a key held here is opened whole: each value
decrypted with its key path as associated data, and the MAC over all values
(clear ones too) checked. A record for others is left locked: only its clear
fields remain in the data, and `Loaded.seal` says which fields were
encrypted, for the checks anyone can make without a key.
"""
from __future__ import annotations

import re
from typing import Any

from . import catalogue
from .agekeys import Keyring
from .loader import Loaded
from .sopsfile import ENVELOPE_KEY, Seal, SealBroken, Sealer, decrypt_value, is_token, mac_of, read_envelope, unwrap


def _encrypted(value: Any) -> bool:
    """A value written encrypted: a token, or a list of them."""
    return is_token(value) or (isinstance(value, list) and bool(value) and all(is_token(item) for item in value))


def unseal(loaded: Loaded, keyring: Keyring) -> None:
    """Open `loaded` in place if it is encrypted (see the module docstring); problems are added to it."""
    data = loaded.data
    if data is None or ENVELOPE_KEY not in data:
        return
    where = loaded.key_marks.get((ENVELOPE_KEY,), (None, None))
    try:
        envelope = read_envelope(data.pop(ENVELOPE_KEY))
        clear = re.compile(envelope.unencrypted_regex)
    except (SealBroken, re.error) as exc:
        detail = str(exc) if isinstance(exc, SealBroken) else "中 unencrypted_regex 不是有效的正则表达式"
        loaded.problems.append(catalogue.make("ENC004", loaded.rel, ENVELOPE_KEY, *where, detail=detail))
        loaded.data = None
        return
    encrypted = frozenset(key for key, value in data.items() if _encrypted(value) and not clear.search(key))
    seal = loaded.seal = Seal(envelope, encrypted)
    try:
        key = unwrap(envelope, keyring.identities)
    except SealBroken as exc:
        loaded.problems.append(catalogue.make("ENC006", loaded.rel, ENVELOPE_KEY, *where, detail=str(exc)))
        key = None
    if key is None:  # locked: what anyone may read stays
        loaded.data = {k: v for k, v in data.items() if k not in encrypted}
        return
    sealer = Sealer(key, dict(envelope.stanzas))
    cipher = sealer.cipher
    kept = sealer.kept
    values: list[Any] = []
    for name, value in data.items():
        if name not in encrypted:
            values += value if isinstance(value, list) else [value] if value is not None else []
            continue
        aad = f"{name}:"
        tokens = value if isinstance(value, list) else [value]
        try:
            opened = [decrypt_value(token, cipher, aad) for token in tokens]
        except SealBroken as exc:
            at = loaded.marks.get((name,), (None, None))
            loaded.problems.append(catalogue.make("ENC006", loaded.rel, name, *at, detail=f"“{name}”{exc}"))
            loaded.data = {k: v for k, v in data.items() if k not in encrypted}
            return
        for token, plain in zip(tokens, opened):
            kept[(aad, plain)] = token
        values += opened
        data[name] = opened if isinstance(value, list) else opened[0]
    try:
        recorded = decrypt_value(envelope.mac, cipher, envelope.lastmodified)
    except SealBroken:
        recorded = None
    if recorded != mac_of(values):
        at = loaded.marks.get((ENVELOPE_KEY, "mac"), where)
        loaded.problems.append(catalogue.make("ENC005", loaded.rel, ENVELOPE_KEY, *at))
    seal.sealer = sealer


__all__ = ["unseal"]
