"""The committed JSON Schemas are exactly what the models generate, and accept every valid case."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import PROJECT
from pingan.schemas import SCHEMA_FILES, schema_text

VALID = sorted((PROJECT / "tests/cases/valid").glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_committed_schema_matches_model(name: str) -> None:
    committed = (PROJECT / "schemas" / name).read_text(encoding="utf-8")
    assert committed == schema_text(SCHEMA_FILES[name]), "run `make schema` and commit schemas/"


def as_json(value: Any) -> Any:
    """What an editor's YAML language server hands the schema: dates as strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def schema(name: str) -> dict[str, Any]:
    return json.loads((PROJECT / "schemas" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_valid_cases_pass_the_exported_schema(case: Path) -> None:
    data = as_json(yaml.safe_load(case.read_text(encoding="utf-8-sig")))
    jsonschema.validate(data, schema("volunteer.schema.json"), format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("path", sorted((PROJECT / "data/units").glob("*.yaml")), ids=lambda p: p.stem)
def test_units_pass_the_exported_schema(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema("unit.schema.json"))


def test_province_passes_the_exported_schema() -> None:
    data = as_json(yaml.safe_load((PROJECT / "data/province.yaml").read_text(encoding="utf-8")))
    jsonschema.validate(data, schema("province.schema.json"))


def test_schema_rejects_an_unknown_key() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"电话": "1"}, schema("volunteer.schema.json"))
