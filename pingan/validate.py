"""Run the rules over a repository: settings first, then every record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import catalogue, settings
from .loader import Loaded, load_yaml
from .model import TEXT_KEYS, Province, Unit
from .problems import Problem, Report
from .rules import Context, RecordView, check_record
from .rules.schema import model_problems


class NotARepository(Exception):
    """The root holds no data/units/ folder: nothing can be checked."""


@dataclass
class Settings:
    """Units and province as loaded, and what is wrong with them."""

    units: dict[str, Unit]
    province: Province | None
    problems: list[Problem]


def _settings_file(path: Path, root: Path, model: type) -> tuple[Any, list[Problem]]:
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
    return Settings(units, province, problems)


def record_paths(root: Path) -> list[Path]:
    """Every file under data/volunteers/ that may be a record (not the units' README)."""
    base = root / settings.VOLUNTEERS_DIR
    return sorted(p for p in base.rglob("*") if p.suffix in (".yaml", ".yml") and (p.is_file() or p.is_symlink()))


def load_record(path: Path, root: Path) -> Loaded:
    """Load one record file (positions kept, YAML traps refused)."""
    return load_yaml(path, path.relative_to(root).as_posix(), TEXT_KEYS, pragma=True)


def check_file(path: Path, root: Path, ctx: Context) -> tuple[list[Problem], dict[str, Any] | None]:
    """Every record rule on one file: its problems and its normalised data."""
    return check_record(load_record(path, root), ctx)


def validate(root: Path, paths: list[Path] | None = None, today: date | None = None) -> Report:
    """Record rules on `paths` (default: every record), after the settings they depend on."""
    found = load_settings(root)
    targets = record_paths(root) if paths is None else paths
    report = Report(files=len(targets), problems=list(found.problems))
    if found.province is None:
        return report
    ctx = Context(found.units, found.province, today or settings.today())
    for path in targets:
        report.problems += check_file(path, root, ctx)[0]
    return report
