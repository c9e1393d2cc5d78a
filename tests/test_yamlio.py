"""The canonical writer: every text reads back as the same text; records round-trip byte for byte."""
from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_repo, record_file, valid_record
from pingan.model import TEXT_KEYS
from pingan.reader import load_record
from pingan.yamlio import dump_record, scalar

texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x85\u2028\u2029\ufeff"), max_size=40)


@given(texts)
def test_every_string_reads_back_unchanged(text: str) -> None:
    assert yaml.safe_load(f"k: {scalar(text)}\n")["k"] == text


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_our_loader_reads_back_what_the_writer_wrote(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    record = valid_record(备注=text) if text else valid_record()
    folder = tmp_path_factory.mktemp("y")
    path = folder / "r.yaml"
    path.write_text(dump_record(record), encoding="utf-8")
    loaded = load_record(folder, path.name)
    assert loaded.problems == [] and loaded.data.get("备注") == (text or None)


def test_numbers_that_yaml_would_change_are_quoted() -> None:
    assert scalar("13812345678") == '"13812345678"'
    assert scalar("no") == '"no"'
    assert scalar("0351-4182850") == "0351-4182850"
    assert scalar("其它: 巡逻") == '"其它: 巡逻"'
    assert scalar("=SUM(A1)") == "=SUM(A1)"


def test_written_record_round_trips(tmp_path: Path) -> None:
    rel, text = record_file(valid_record())
    root = make_repo(tmp_path, {rel: text})
    loaded = load_record(root, rel)
    assert dump_record(loaded.data) == text
    assert "身份证号码" in TEXT_KEYS
