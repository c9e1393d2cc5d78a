"""JSON Schemas generated from the models, for editors and for check-jsonschema."""
from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from .model import Province, Unit, Volunteer

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "volunteer.schema.json": Volunteer,
    "unit.schema.json": Unit,
    "province.schema.json": Province,
}


class _FileSchema(GenerateJsonSchema):
    """In these files an empty value means "not given": optional fields are shown without null."""

    def nullable_schema(self, schema):  # type: ignore[no-untyped-def]
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema):  # type: ignore[no-untyped-def]
        return self.generate_inner(schema["schema"])


def schema_text(model: type[BaseModel]) -> str:
    generated = model.model_json_schema(by_alias=True, schema_generator=_FileSchema)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **generated}
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema file into `folder`; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMA_FILES.items():
        path = folder / name
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written
