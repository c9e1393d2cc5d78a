"""Whatever a unit writes, the validator answers with problems, never with an exception."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_repo, valid_record
from pingan.validate import validate
from pingan.yamlio import RECORD_KEYS, dump_record

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.dates(date(1, 1, 1), date(9999, 12, 31)),
    st.text(max_size=30), st.sampled_from(["140121199001011019", "男", "其它", "其它:", "周六", "交通", "x"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=4))
_REPOS: dict[int, tuple[Path, Path]] = {}


def shared_repo(factory) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """One repository per session; each example overwrites the same record file."""
    if id(factory) not in _REPOS:
        root = make_repo(factory.mktemp("fuzz"))
        path = root / "data/volunteers/taiyuan/taiyuan-00001.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        _REPOS[id(factory)] = (root, path)
    return _REPOS[id(factory)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(RECORD_KEYS + ("未知",)), values, max_size=6))
def test_random_values_never_raise(tmp_path_factory, changes: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    record = valid_record()
    record.update(changes)
    root, path = shared_repo(tmp_path_factory)
    path.write_text(dump_record(record) + ("未知: 1\n" if "未知" in changes else ""), encoding="utf-8")
    report = validate(root, [path])
    assert all(p.message and p.code for p in report.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_random_bytes_never_raise(tmp_path_factory, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    root, path = shared_repo(tmp_path_factory)
    path.write_bytes(raw)
    validate(root, [path])


#: Values as someone might type them, unquoted: forms YAML 1.1 reads as dates, numbers, merge keys and so on.
typed = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}(Z|\+08:00)?)?", fullmatch=True),
    st.sampled_from(["<<", "=", "0x_", "0b_", "~", "null", "yes", "no", "on", "1_000", "0o17", "017", "1e3", ".inf",
                     "-.nan", "3:20", "[a, [b]]", "{a: 1}", "!!str x", "&a x", "*a", "", "- x", "[" * 999 + "]" * 999]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(RECORD_KEYS), typed, min_size=1, max_size=4))
def test_values_typed_without_quotes_never_raise(tmp_path_factory, changes: dict[str, str]):  # type: ignore[no-untyped-def]
    kept = {key: value for key, value in valid_record().items() if key not in changes}
    typed_lines = "".join(f"{key}: {value}\n" for key, value in changes.items())
    root, path = shared_repo(tmp_path_factory)
    path.write_text(dump_record(kept) + typed_lines, encoding="utf-8")
    report = validate(root, [path])
    assert all(p.message and p.code and p.file for p in report.problems)
