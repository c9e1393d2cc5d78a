"""Opening an encrypted record where it was loaded: values decrypted in place, so every position stays true.

A record encrypted for a key held here is opened whole: each value
decrypted with its key path as associated data, and the MAC over all values
(clear ones too) checked. A record for others is left locked: only its clear
fields remain in the data, and `Loaded.seal` says which fields were
encrypted, for the checks anyone can make without a key.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from . import catalogue
from .agekeys import Keyring
from .loader import Loaded
from .sopsfile import ENVELOPE_KEY, Opening, Seal, SealBroken, Sealer, is_token, read_envelope, unwrap


def _encrypted(value: Any) -> bool:
    """A value written encrypted: a token, or a list of them."""
    return is_token(value) or (isinstance(value, list) and bool(value) and all(is_token(item) for item in value))


@lru_cache(maxsize=256)
def _clear(unencrypted_regex: str, key: str) -> bool:
    """The key is one sops leaves in clear (raises re.error for a broken pattern); a repository has one
    pattern and a few dozen keys, so each answer is kept."""
    return re.search(unencrypted_regex, key) is not None


def unseal(loaded: Loaded, keyring: Keyring) -> None:
    """Open `loaded` in place if it is encrypted (see the module docstring); problems are added to it."""
    data = loaded.data
    if data is None or ENVELOPE_KEY not in data:
        return
    where = loaded.key_marks.get((ENVELOPE_KEY,), (None, None))
    try:
        envelope = read_envelope(data.pop(ENVELOPE_KEY))
        regex = envelope.unencrypted_regex
        encrypted = frozenset(key for key, value in data.items() if _encrypted(value) and not _clear(regex, key))
    except (SealBroken, re.error) as exc:
        detail = str(exc) if isinstance(exc, SealBroken) else "中 unencrypted_regex 不是有效的正则表达式"
        loaded.problems.append(catalogue.make("ENC004", loaded.rel, ENVELOPE_KEY, *where, detail=detail))
        loaded.data = None
        return
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
    opening, opened = Opening(sealer.cipher), sealer.opened
    name = ""
    try:
        for name, value in data.items():
            if name not in encrypted:
                for item in value if isinstance(value, list) else [value] if value is not None else []:
                    opening.clear(item)
                continue
            aad = f"{name}:"
            path = aad.encode()
            data[name] = [opening.value(token, path) for token in value] if isinstance(value, list) \
                else opening.value(value, path)
            opened.append((aad, value, data[name]))
    except SealBroken as exc:
        at = loaded.marks.get((name,), (None, None))
        loaded.problems.append(catalogue.make("ENC006", loaded.rel, name, *at, detail=f"“{name}”{exc}"))
        loaded.data = {k: v for k, v in data.items() if k not in encrypted}
        return
    if not opening.mac_matches(envelope):
        at = loaded.marks.get((ENVELOPE_KEY, "mac"), where)
        loaded.problems.append(catalogue.make("ENC005", loaded.rel, ENVELOPE_KEY, *at))
    seal.sealer = sealer


__all__ = ["unseal"]
