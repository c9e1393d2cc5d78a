"""The repository's settings: data/province.yaml, data/units/*.yaml and the public keys under keys/, loaded and
checked (against the model; each unit key's login against the unit's 维护者)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .. import agekeys, catalogue, settings
from ..agekeys import Keys, PublicKey
from ..errors import NotARepository, SettingsInvalid, UnknownUnit
from ..loader import load_yaml
from ..model import Province, Unit, login_key
from ..problems import ERROR, Problem
from ..rules import RecordView
from ..rules.schema import model_problems
from .cache import settings_digest


@dataclass
class Settings:
    """Units and province as loaded, and what is wrong with them."""

    units: dict[str, Unit]
    province: Province | None
    problems: list[Problem]
    #: The settings files' names and bytes as one digest: verdicts judged against them are cached under it.
    digest: str = ""
    #: The public keys, when the repository is encrypted (keys/ci.txt exists).
    keys: Keys | None = None

    @property
    def usable(self) -> bool:
        """Everything can be built from these settings: the province file loaded and no file has an error."""
        return self.province is not None and not any(p.level == ERROR for p in self.problems)

    def required(self) -> tuple[dict[str, Unit], Province]:
        """The units and the province; raises SettingsInvalid when some settings file has an error."""
        if self.province is None or not self.usable:
            raise SettingsInvalid([p for p in self.problems if p.level == ERROR])
        return self.units, self.province

    def unit(self, code: str) -> Unit:
        """The unit with this code; raises UnknownUnit."""
        found = self.units.get(code)
        if found is None:
            raise UnknownUnit(code)
        return found


def _settings_file(path: Path, root: Path, model: type[BaseModel]) -> tuple[Any, list[Problem]]:
    loaded = load_yaml(path, path.relative_to(root).as_posix())
    if loaded.data is None:
        return None, loaded.problems
    rec = RecordView(loaded, dict(loaded.data))
    problems = loaded.problems + list(model_problems(model, rec))
    return (None if problems else model.model_validate(loaded.data)), problems


def load_settings(root: Path) -> Settings:
    """Read data/province.yaml and data/units/*.yaml; unusable files are left out with problems."""
    units_dir = root / settings.UNITS_DIR
    if not units_dir.is_dir():
        raise NotARepository(root)
    problems: list[Problem] = []
    province, found = _settings_file(root / settings.PROVINCE_FILE, root, Province)
    problems += found
    units: dict[str, Unit] = {}
    for path in sorted(units_dir.glob("*.yaml")):
        unit, found = _settings_file(path, root, Unit)
        problems += found
        if unit is not None and unit.code != path.stem:
            rel = path.relative_to(root).as_posix()
            problems.append(catalogue.make("UNI001", rel, "代码", None, None, value=unit.code, stem=path.stem))
        elif unit is not None:
            units[unit.code] = unit
    keys, found = load_keys(root, units)
    return Settings(units, province, problems + found, settings_digest(root), keys)


def _key_file(path: Path, root: Path, problems: list[Problem]) -> tuple[PublicKey, ...]:
    rel = path.relative_to(root).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        problems.append(catalogue.make("ENC010", rel, None, 1, 1))
        return ()
    keys, bad = agekeys.parse_key_file(text)
    problems += [catalogue.make("ENC007" if line.secret else "ENC010", rel, None, line.line, 1) for line in bad]
    return tuple(keys)


def load_keys(root: Path, units: dict[str, Unit]) -> tuple[Keys | None, list[Problem]]:
    """The public keys under keys/ (None when keys/ci.txt is absent: the repository is not encrypted)."""
    folder = root / agekeys.KEYS_DIR
    if not (folder / f"{agekeys.CI}.txt").is_file():
        return None, []
    problems: list[Problem] = []
    office = _key_file(folder / f"{agekeys.OFFICE}.txt", root, problems) \
        if (folder / f"{agekeys.OFFICE}.txt").is_file() else ()
    ci = _key_file(folder / f"{agekeys.CI}.txt", root, problems)
    by_unit: dict[str, tuple[PublicKey, ...]] = {}
    for path in sorted(folder.iterdir()):
        rel = path.relative_to(root).as_posix()
        if path.name.endswith(agekeys.IDENTITY_SUFFIX) or (path.is_file() and agekeys.SECRET_PREFIX.encode() in
                                                          path.read_bytes().upper() and path.suffix != ".txt"):
            problems.append(catalogue.make("ENC007", rel, None, 1, 1))
        elif path.suffix != ".txt" or path.stem in (agekeys.OFFICE, agekeys.CI):
            continue
        elif path.stem not in units:
            problems.append(catalogue.make("ENC012", rel, None, 1, 1, name=path.name))
        else:
            unit = units[path.stem]
            keys = _key_file(path, root, problems)
            problems += [catalogue.make("ENC011", rel, None, key.line, 1, login=key.login or "（未写账号）",
                                        unit=unit.name) for key in keys
                         if login_key(key.login) not in {login_key(m) for m in unit.maintainers}]
            by_unit[path.stem] = keys
    if len(office) < 2:
        problems.append(catalogue.make("ENC013", f"{agekeys.KEYS_DIR}/{agekeys.OFFICE}.txt", None, count=len(office)))
    if len(ci) != 1:
        problems.append(catalogue.make("ENC014", f"{agekeys.KEYS_DIR}/{agekeys.CI}.txt", None, count=len(ci)))
    return Keys(by_unit, office, ci), problems
