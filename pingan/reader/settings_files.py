"""The repository's settings: data/province.yaml and data/units/*.yaml, loaded and checked against the model."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .. import catalogue, settings
from ..errors import NotARepository, SettingsInvalid, UnknownUnit
from ..loader import load_yaml
from ..model import Province, Unit
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
    return Settings(units, province, problems, settings_digest(root))
