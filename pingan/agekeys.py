"""Age keys: the public key files under keys/ (who may read which records) and the secret identities held here.

`keys/<unit>.txt` lists the public keys of a unit's maintainers, one
`age1… # login` a line; `keys/office.txt` the office's (at least two, one
kept offline) and `keys/ci.txt` the CI key's. A unit's records are encrypted
for exactly its own keys plus the office's and CI's. Secret identities live
in `*.agekey` files outside the repository (or, for CI, in a host secret),
found through PINGAN_AGE_KEY_FILE (paths separated by ":"), then
SOPS_AGE_KEY_FILE, then SOPS_AGE_KEY (the key text itself).
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyrage

from .errors import PinganError
from .settings import KEYS_DIR

OFFICE, CI = "office", "ci"
#: The start of every age secret key: it must never stand in a file of the repository.
SECRET_PREFIX = "AGE-SECRET-KEY-"
#: Secret identities end so, never .txt: a public key file and a secret one cannot be confused.
IDENTITY_SUFFIX = ".agekey"
ENV_FILES, SOPS_FILE, SOPS_TEXT = "PINGAN_AGE_KEY_FILE", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY"
_LINE = re.compile(r"(age1[0-9a-z]{58})\s*(?:#\s*(.*?))?\s*")


class KeysUnreadable(PinganError):
    """A secret identity named by the environment cannot be read or is not an age identity (why, in Chinese)."""


@dataclass(frozen=True)
class PublicKey:
    """One line of a public key file: the recipient, the login it belongs to, and where it stands."""

    recipient: str
    login: str
    line: int


@dataclass(frozen=True)
class BadLine:
    """A line of a key file that is not a public key: a secret key (`secret`), or anything else."""

    line: int
    secret: bool


def parse_key_file(text: str) -> tuple[list[PublicKey], list[BadLine]]:
    """The public keys of a key file, and its lines that are neither keys, comments nor blank."""
    keys: list[PublicKey] = []
    bad: list[BadLine] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if SECRET_PREFIX in line.upper():
            bad.append(BadLine(number, True))
        elif stripped and not stripped.startswith("#"):
            found = _LINE.fullmatch(stripped)
            if found is None or not _valid_recipient(found.group(1)):
                bad.append(BadLine(number, False))
            else:
                keys.append(PublicKey(found.group(1), found.group(2) or "", number))
    return keys, bad


def _valid_recipient(text: str) -> bool:
    try:
        pyrage.x25519.Recipient.from_str(text)
    except pyrage.RecipientError:
        return False
    return True


@dataclass(frozen=True)
class Keys:
    """The repository's public keys: per unit, the office's and CI's (the repository is encrypted when CI has one)."""

    units: dict[str, tuple[PublicKey, ...]]
    office: tuple[PublicKey, ...]
    ci: tuple[PublicKey, ...]

    def recipients_for(self, unit: str) -> tuple[str, ...]:
        """Who a unit's records are encrypted for: its maintainers, then the office, then CI (each once)."""
        found = (*self.units.get(unit, ()), *self.office, *self.ci)
        return tuple(dict.fromkeys(key.recipient for key in found))

    def login_of(self, recipient: str) -> str:
        """Whose key this is, as the key files say ("办公室" or "CI" for theirs)."""
        for keys, owner in ((self.office, "办公室"), (self.ci, "CI")):
            if any(key.recipient == recipient for key in keys):
                return owner
        for keys in self.units.values():
            for key in keys:
                if key.recipient == recipient:
                    return key.login or recipient[:12] + "…"
        return recipient[:12] + "…"


@dataclass
class Keyring:
    """The secret identities held here, by their recipient (empty: nothing encrypted can be read)."""

    identities: dict[str, pyrage.x25519.Identity] = field(default_factory=dict)

    @property
    def recipients(self) -> frozenset[str]:
        return frozenset(self.identities)

    def __bool__(self) -> bool:
        return bool(self.identities)

    @classmethod
    def of(cls, identities: Iterable[pyrage.x25519.Identity]) -> Keyring:
        return cls({str(identity.to_public()): identity for identity in identities})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Keyring:
        """The identities the environment names (see the module docstring); raises KeysUnreadable."""
        env = os.environ if environ is None else environ
        for variable in (ENV_FILES, SOPS_FILE):
            if env.get(variable, "").strip():
                paths = [p for p in env[variable].split(":") if p.strip()] if variable == ENV_FILES else [env[variable]]
                return cls.of(identity for path in paths for identity in read_identity_file(Path(path)))
        if env.get(SOPS_TEXT, "").strip():
            return cls.of(identities_in(env[SOPS_TEXT], f"环境变量 {SOPS_TEXT}"))
        return cls()


def read_identity_file(path: Path) -> list[pyrage.x25519.Identity]:
    """The identities in one secret key file; raises KeysUnreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise KeysUnreadable(f"无法读取私钥文件 {path}") from None
    return identities_in(text, f"私钥文件 {path}")


def identities_in(text: str, where: str) -> list[pyrage.x25519.Identity]:
    """The age identities in a key text (comment lines allowed, as age-keygen writes them); raises KeysUnreadable."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                found.append(pyrage.x25519.Identity.from_str(line))
            except pyrage.IdentityError:
                raise KeysUnreadable(f"{where}中有一行不是 age 私钥（应以 {SECRET_PREFIX}1 开头）") from None
    if not found:
        raise KeysUnreadable(f"{where}中没有 age 私钥")
    return found


def new_identity(path: Path) -> str:
    """Write a new identity to `path` (readable by its owner only, never over an existing file); its recipient."""
    if not path.name.endswith(IDENTITY_SUFFIX):
        raise KeysUnreadable(f"私钥文件名须以 {IDENTITY_SUFFIX} 结尾（如 {path.stem}{IDENTITY_SUFFIX}），以免与公钥文件混淆")
    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"# created: {created}\n# public key: {recipient}\n{identity}\n"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeysUnreadable(f"{path} 已经存在：不覆盖已有的私钥") from None
    except OSError as exc:
        raise KeysUnreadable(f"无法写入 {path}：{exc.strerror}") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    return recipient


__all__ = ["CI", "IDENTITY_SUFFIX", "KEYS_DIR", "OFFICE", "SECRET_PREFIX", "BadLine", "Keyring", "Keys",
           "KeysUnreadable", "PublicKey", "identities_in", "new_identity", "parse_key_file", "read_identity_file"]
