"""`pingan keys sync`: every record encrypted for exactly the keys under keys/, and .sops.yaml saying the same.

After a key file changes (a maintainer's key added or removed, an office key
replaced), each record's data key is wrapped again for the unit's, the
office's and CI's keys as keys/ lists them now. The data key, every value's
ciphertext, the MAC and `lastmodified` stay as they are: only the `sops:`
block changes, as with `sops updatekeys` (sopsfile.with_envelope). This
needs a key that opens the file: the office's or CI's for any record, a
unit's own for its records. A plaintext record in the encrypted repository
is encrypted whole by the one writer (Repository.write_record).

.sops.yaml gives sops one creation rule per unit folder with the same
recipients and the same clear fields, so `sops edit` and `sops updatekeys`
agree with pingan.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from . import catalogue, settings
from .agekeys import Keyring
from .errors import NotEncrypted
from .problems import Problem
from .reader import Repository, Settings, unit_of
from .rewritable import blockers
from .sopsfile import SealBroken, with_envelope
from .yamlio import UNENCRYPTED_REGEX

#: sops looks for its creation rules here, from the file it works on upwards.
SOPS_CONFIG = ".sops.yaml"
_HEADER = ("# 由 pingan keys sync 按 keys/ 中的公钥写出，不要手工修改：改公钥文件后再运行 pingan keys sync。\n"
           "# sops edit、sops updatekeys 据此为每个单位文件夹中的记录选择收件人（本单位维护者、办公室和 CI）。\n")


def path_regex(unit: str) -> str:
    """The creation rule's path pattern for a unit's records (relative to the repository, as sops matches it)."""
    return f"^{settings.VOLUNTEERS_DIR}/{unit}/.*\\.yaml$"


def sops_config(found: Settings) -> str:
    """The text of .sops.yaml: a creation rule per unit (in code order) with its recipients and clear fields."""
    keys = found.keys
    if keys is None:
        raise NotEncrypted(SOPS_CONFIG)
    lines = [_HEADER.rstrip("\n"), "creation_rules:"]
    for unit in sorted(found.units):
        lines += [f"  - path_regex: {json.dumps(path_regex(unit))}",
                  f"    age: {json.dumps(','.join(keys.recipients_for(unit)))}",
                  f"    unencrypted_regex: {json.dumps(UNENCRYPTED_REGEX, ensure_ascii=False)}"]
    return "\n".join(lines) + "\n"


def write_sops_config(root: Path, found: Settings) -> bool:
    """Write .sops.yaml for these settings; whether it changed."""
    path = root / SOPS_CONFIG
    text = sops_config(found)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


@dataclass
class Synced:
    """What `sync` did, file by file (record paths; nothing here holds a value)."""

    config_changed: bool = False
    rewrapped: list[str] = field(default_factory=list)  #: the data key wrapped for the keys now listed
    encrypted: list[str] = field(default_factory=list)  #: plaintext records, now encrypted
    unchanged: int = 0
    #: Unit → records whose recipients are out of date but that no key held here opens.
    locked: dict[str, list[str]] = field(default_factory=dict)
    #: Why the other records could not be rewritten (broken YAML or encryption, unknown fields).
    problems: list[Problem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.locked and not self.problems


def sync(root: Path, keyring: Keyring | None = None) -> Synced:
    """Bring .sops.yaml and every record's recipients in line with keys/ (see the module docstring).

    Raises NotEncrypted (no keys/ci.txt) and SettingsInvalid (a settings or
    key file has an error: a key of someone who is not a maintainer must not
    be given the data key).
    """
    repo = Repository(root) if keyring is None else Repository(root, keyring=keyring)
    keys = repo.settings.keys
    if keys is None:
        raise NotEncrypted(str(root))
    repo.settings.required()
    done = Synced(config_changed=write_sops_config(root, repo.settings))
    for rel in repo.paths:
        loaded = repo.load(rel)
        wanted = keys.recipients_for(unit_of(rel))
        seal = loaded.seal
        if seal is not None and seal.envelope.recipients == frozenset(wanted):
            done.unchanged += 1
            continue
        if seal is None or seal.sealer is None:  # plaintext, or not opened here
            stopped = blockers(loaded)
            if stopped:
                done.problems += stopped
            elif seal is None and loaded.data is not None:
                repo.write_record(rel, loaded.data)
                done.encrypted.append(rel)
            else:
                done.locked.setdefault(unit_of(rel), []).append(rel)
            continue
        envelope = dataclasses.replace(seal.envelope, stanzas=seal.sealer.for_recipients(wanted).stanzas)
        try:
            text = with_envelope((loaded.raw or b"").decode("utf-8"), envelope)
        except SealBroken as exc:
            done.problems.append(catalogue.make("ENC004", rel, None, detail=str(exc)))
            continue
        (root / rel).write_bytes(text.encode("utf-8"))
        done.rewrapped.append(rel)
    return done


__all__ = ["SOPS_CONFIG", "Synced", "path_regex", "sops_config", "sync", "write_sops_config"]
