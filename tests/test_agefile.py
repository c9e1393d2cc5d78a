"""age files of one data key: what pingan writes opens in pyrage, what pyrage writes (grease and several
recipients included) opens here, and no altered byte and no other identity opens."""
from __future__ import annotations

import base64

import pyrage
import pytest

from pingan import agefile

KEY = bytes(range(32))


@pytest.fixture(scope="module")
def people() -> tuple[pyrage.x25519.Identity, pyrage.x25519.Identity]:
    return pyrage.x25519.Identity.generate(), pyrage.x25519.Identity.generate()


def test_each_opens_what_the_other_writes(people: tuple[pyrage.x25519.Identity, pyrage.x25519.Identity]) -> None:
    ours, other = people
    written = agefile.encrypt(KEY, str(ours.to_public()))
    assert pyrage.decrypt(written.encode(), [ours]) == KEY
    for _ in range(10):  # rage adds a random "grease" stanza of another type: passed over
        theirs = pyrage.encrypt(KEY, [other.to_public(), ours.to_public()], armored=True).decode()
        assert agefile.decrypt(theirs, *agefile.identity(str(ours))) == KEY
        assert agefile.decrypt(theirs, *agefile.identity(str(other))) == KEY


def test_nothing_opens_for_another_identity(people: tuple[pyrage.x25519.Identity, pyrage.x25519.Identity]) -> None:
    ours, other = people
    with pytest.raises(agefile.NotForIdentity):
        agefile.decrypt(agefile.encrypt(KEY, str(ours.to_public())), *agefile.identity(str(other)))


def test_every_altered_byte_is_refused(people: tuple[pyrage.x25519.Identity, pyrage.x25519.Identity]) -> None:
    """Flip each bit position of the binary file in turn (header, stanza, MAC, nonce, payload): none opens."""
    ours, _ = people
    lines = agefile.encrypt(KEY, str(ours.to_public())).strip().split("\n")
    raw = base64.b64decode("".join(lines[1:-1]))
    identity = agefile.identity(str(ours))
    for at in range(len(raw)):
        altered = bytearray(raw)
        altered[at] ^= 1 << (at % 8)
        body = base64.b64encode(bytes(altered)).decode()
        armored = "\n".join([agefile.ARMOR_BEGIN, *(body[i:i + 64] for i in range(0, len(body), 64)),
                             agefile.ARMOR_END]) + "\n"
        with pytest.raises(agefile.NotForIdentity):
            agefile.decrypt(armored, *identity)


@pytest.mark.parametrize("damage", [
    lambda text: text.replace(agefile.ARMOR_BEGIN, "-----BEGIN AGE FILE-----"),
    lambda text: text.replace("\n", "\n\n", 2),
    lambda text: text[:-40] + "\n" + agefile.ARMOR_END + "\n",
    lambda text: text.replace(text.split("\n")[1], text.split("\n")[1][:-1] + "!"),
])
def test_a_broken_armor_is_refused(people: tuple[pyrage.x25519.Identity, pyrage.x25519.Identity], damage) -> None:  # type: ignore[no-untyped-def]
    ours, _ = people
    with pytest.raises(agefile.NotForIdentity):
        agefile.decrypt(damage(agefile.encrypt(KEY, str(ours.to_public()))), *agefile.identity(str(ours)))


def test_its_hkdf_is_rfc_5869() -> None:
    """The key derivation written with the standard library's HMAC gives what cryptography's HKDF gives."""
    import os

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    for salt in (b"", os.urandom(16), os.urandom(64)):
        key, info = os.urandom(32), os.urandom(20)
        assert agefile._hkdf(key, salt, info) == HKDF(hashes.SHA256(), 32, salt or None, info).derive(key)
