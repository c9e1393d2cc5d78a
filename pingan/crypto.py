"""Password protection of the workbooks that hold personal information.

Rosters, insurance lists and registration forms carry full ID numbers and
phones. They are encrypted with standard Office encryption (ECMA-376 agile,
AES-256, by msoffcrypto-tool), which Excel, WPS and LibreOffice open after
asking for the password. Writing them in plaintext is allowed only on a
person's own computer: in CI the file would end up in an artifact that
everybody with read access to the repository can download.
"""
from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

from .errors import PinganError

#: The first eight bytes of an OLE2 compound file, the container of an encrypted OOXML file.
OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


class PasswordMissing(PinganError):
    """--password-env names a variable that is unset or empty."""


class PlaintextInCI(PinganError):
    """No password was given while running in CI: plaintext personal data would be published."""


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True when the `CI` variable is set to anything but empty, `false` or `0` (GitHub and GitLab set it)."""
    value = (os.environ if environ is None else environ).get("CI", "").strip().lower()
    return value not in ("", "false", "0")


def password_from_env(variable: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The password held in `variable`; None when no variable was named and plaintext is allowed here.

    Raises PasswordMissing for a named but unset or empty variable (a usage
    error: the caller asked for encryption) and PlaintextInCI when no variable
    was named in CI.
    """
    env = os.environ if environ is None else environ
    if variable:
        password = env.get(variable, "")
        if not password:
            raise PasswordMissing(variable)
        return password
    if in_ci(env):
        raise PlaintextInCI()
    return None


def encrypt_bytes(plain: bytes, password: str) -> bytes:
    """An OOXML package (the bytes of an .xlsx) encrypted with `password`."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()


def encrypt_file(path: Path, password: str) -> None:
    """Replace the .xlsx at `path` by its encrypted form (written next to it, then moved over it)."""
    encrypted = encrypt_bytes(path.read_bytes(), password)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(encrypted)
    partial.replace(path)


def deliver(written: Path, target: Path, password: str | None) -> None:
    """Move a finished workbook to `target`, encrypting it first when a password is given."""
    import shutil

    if password is not None:
        encrypt_file(written, password)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(written), target)


def decrypt_bytes(data: bytes, password: str) -> bytes:
    """The plain .xlsx inside an encrypted file; raises msoffcrypto's InvalidKeyError for a wrong password."""
    import msoffcrypto

    source = msoffcrypto.OfficeFile(io.BytesIO(data))
    source.load_key(password=password, verify_password=True)
    out = io.BytesIO()
    source.decrypt(out)
    return out.getvalue()


def is_encrypted(data: bytes) -> bool:
    """An Office file that needs a password (an OLE2 container), not a bare zip package."""
    return data[:8] == OLE2_SIGNATURE
