"""The loader's reading of records as pingan writes them, plaintext and encrypted (loader._written), gives
exactly what the YAML parser gives: values, every position and every problem, on written files and on altered
ones."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from conftest import valid_record
from pingan import loader
from pingan.agekeys import new_identity
from pingan.loader import Loaded, load_yaml
from pingan.model import TEXT_KEYS
from pingan.sopsfile import Sealer
from pingan.yamlio import dump_record

#: Characters that mean something to YAML, and some that look like what the layout allows.
_HOSTILE = list("\"'#:- \n\t[]{}|>&*!%@`,?\\=/+.()_~<AZaz09yYnNoO\u3000\u2028\ufeff\ufffe\x85\xa0\u200b") + [
    "姓", "：", "\r\n", "  ", ": ", " #", "- ", "true", "no", "null", "0x1", "1.5", "-1", "2015-02-30", "2015-2-3"]


def _both(path: Path) -> tuple[Loaded, Loaded, bool]:
    """(as loaded, as the YAML parser alone loads it, whether the layout reader took it)."""
    text = path.read_bytes().decode("utf-8", "surrogatepass").removeprefix("\ufeff")  # as the loader decodes it
    taken = loader._written(Loaded("probe"), text) is not loader._UNREAD
    fast = load_yaml(path, "r.yaml", TEXT_KEYS, pragma=True)
    saved = loader._written
    loader._written = lambda loaded, text: loader._UNREAD
    try:
        parsed = load_yaml(path, "r.yaml", TEXT_KEYS, pragma=True)
    finally:
        loader._written = saved
    return fast, parsed, taken


def _same(a: Loaded, b: Loaded) -> bool:
    return (a.data, a.marks, a.key_marks, [p.__dict__ for p in a.problems]) == \
        (b.data, b.marks, b.key_marks, [p.__dict__ for p in b.problems])


@pytest.fixture(scope="module")
def sealer(tmp_path_factory: pytest.TempPathFactory) -> Sealer:
    folder = tmp_path_factory.mktemp("keys")
    return Sealer.fresh([new_identity(folder / f"{n}.agekey") for n in "abcd"])


@pytest.fixture(scope="module", params=["plaintext", "encrypted"])
def writer(request: pytest.FixtureRequest, sealer: Sealer) -> Sealer | None:
    """Records written both ways: in clear, and encrypted for four keys."""
    return sealer if request.param == "encrypted" else None


def _records() -> list[dict[str, Any]]:
    return [
        valid_record(),
        valid_record(QQ="12345", 固定电话="0351-1234567", 备注="说明：含冒号 # 和引号\"'", 个人特长=[]),
        valid_record(服务时间=["周六", "周日", "节假日"], 岗位=[], 通信地址="", 状态="已退出", 退出日期="2016-01-02",
                     退出原因="个人原因"),
    ]


@pytest.mark.parametrize("number", range(3))
def test_written_records_read_as_the_parser_reads_them(tmp_path: Path, writer: Sealer | None, number: int) -> None:
    path = tmp_path / "r.yaml"
    text = dump_record(_records()[number], writer)
    path.write_text(text, encoding="utf-8")
    fast, parsed, taken = _both(path)
    # Only a value with a character YAML must escape ("\\" in a quoted value) is left to the parser.
    assert taken == ("\\" not in text), "a record as pingan writes it takes the layout reader"
    assert _same(fast, parsed)
    assert fast.data is not None and ("sops" in fast.data) == (writer is not None)


def test_every_kind_of_plain_value_reads_as_the_parser_reads_it(tmp_path: Path) -> None:
    """Dates, booleans, codes and text that start as numbers or booleans may: read as YAML reads them, or left
    to the parser when YAML reads them as another type or refuses them."""
    path = tmp_path / "r.yaml"
    for value in ["2015-02-28", "2015-02-30", "2015-2-3", "true", "false", "True", "yes", "No", "on", "null",
                  "Null", "0351-1234567", "12345", "1_000", "0x1F", "1.5", "1e3", "lvliang-00226", "tyut",
                  "nan", "NaN", "inf", "83号", "(备注)", "a/b", "三.五"]:
        text = dump_record(valid_record(), None).replace("\n民族: 汉族\n", f"\n民族: {value}\n")
        path.write_text(text, encoding="utf-8")
        fast, parsed, taken = _both(path)
        assert _same(fast, parsed), value
        # What YAML reads as text, a date or a boolean is read without the parser; the rest is the parser's.
        assert taken == (value not in {"2015-02-30", "True", "yes", "No", "on", "null", "Null", "12345", "1_000",
                                       "0x1F", "1.5", "(备注)"}), value


def test_altered_records_read_as_the_parser_reads_them(tmp_path: Path, writer: Sealer | None) -> None:
    """Thousands of one-character edits of written records (YAML's special characters, look-alikes, line breaks):
    whatever the layout reader accepts, it reads as the parser does; everything else goes to the parser."""
    chance = random.Random(15)
    texts = [dump_record(record, writer) for record in _records()]
    path = tmp_path / "r.yaml"
    taken_count = 0
    for attempt in range(3000):
        text = chance.choice(texts)
        at = chance.randrange(len(text))
        edit = chance.choice(("insert", "replace", "delete"))
        piece = "" if edit == "delete" else chance.choice(_HOSTILE)
        altered = text[:at] + piece + text[at + (edit != "insert"):]
        path.write_bytes(altered.encode("utf-8", "surrogatepass"))
        fast, parsed, taken = _both(path)
        taken_count += taken
        assert _same(fast, parsed), (attempt, edit, at, piece, altered)
    assert 0 < taken_count < 3000  # both paths were exercised


def test_a_file_sops_wrote_goes_to_the_parser(tmp_path: Path, sealer: Sealer) -> None:
    """sops indents its block by four spaces: another layout, read by the parser."""
    text = dump_record(valid_record(), sealer)
    head, block = text.split("\nsops:\n")
    sops_layout = head + "\nsops:\n" + "".join(f"  {line}\n" for line in block.splitlines())
    path = tmp_path / "r.yaml"
    path.write_text(sops_layout, encoding="utf-8")
    fast, parsed, taken = _both(path)
    assert not taken and _same(fast, parsed) and fast.data is not None and "sops" in fast.data


@pytest.mark.parametrize("alter", [
    lambda text: text.replace('编号: "', '编号: "\nsops:\n  age: []\n', 1),  # a sops: line inside a quoted value
    lambda text: text.replace("\n性别:", "\n姓名: x\n性别:", 1),  # a duplicate key
    lambda text: text.replace("\n性别:", "\n性别x:", 1),  # a key outside the model
    lambda text: text.replace("\n性别: ", "\n性别:\n性别2: ", 1),  # a key with nothing under it
    lambda text: text.replace("\n", "\r\n"),  # Windows line ends
    lambda text: text.replace('编号: "', '编号: "\\u0041', 1),  # an escape in a clear value
    lambda text: text + "姓名: 张三\n",  # a clear value after the sops: block
    lambda text: text.replace("\nsops:\n", "\n# 备注\nsops:\n", 1),  # a comment
    # a character libyaml refuses, in the quoted text of the block and of a clear value
    lambda text: text.replace('unencrypted_regex: "^(', 'unencrypted_regex: "^(\ufffe', 1),
    lambda text: text.replace('编号: "', '编号: "\uffff', 1),
])
def test_hand_altered_records_go_to_the_parser(tmp_path: Path, sealer: Sealer, alter) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.yaml"
    path.write_text(alter(dump_record(valid_record(), sealer)), encoding="utf-8", newline="")
    fast, parsed, taken = _both(path)
    assert not taken and _same(fast, parsed)
