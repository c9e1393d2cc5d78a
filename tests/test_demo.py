"""Synthetic repositories: deterministic, proportional, valid, and covering every code list."""
from __future__ import annotations

import filecmp
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT, keyring_of
from pingan import cli, demo
from pingan import codelists as cl
from pingan.reader import Repository
from pingan.validate import validate


def generate(out: Path, count: int, seed: int = 0) -> list[Path]:
    return list(demo.generate(PROJECT, out, count, seed))


def test_largest_remainder_allocation() -> None:
    assert demo.allocate(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    counts = demo.allocate(300, {"x": 1000, "y": 500, "z": 600})
    assert sum(counts.values()) == 300 and counts == {"x": 143, "y": 71, "z": 86}


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", 120, seed=3)
    generate(tmp_path / "b", 120, seed=3)
    comparison = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert not comparison.diff_files and not comparison.left_only and not comparison.right_only
    for sub in ("data/volunteers/taiyuan", "data/units"):
        match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a" / sub, tmp_path / "b" / sub,
                                                   [p.name for p in (tmp_path / "a" / sub).iterdir()], shallow=False)
        assert not mismatch and not errors


def test_quotas_scale_when_count_exceeds_total(tmp_path: Path) -> None:
    generate(tmp_path / "r", 31000 // 100)  # small run, just for the province file
    province = yaml.safe_load((tmp_path / "r/data/province.yaml").read_text(encoding="utf-8"))
    assert province["总名额"] == 30000
    assert demo.scale_for(30001, 30000) == 2 and demo.scale_for(300000, 30000) == 10
    assert demo._scaled("名额: 800\n", "名额", 2) == "名额: 1600\n"


def test_demo_repository_is_valid_and_representative(tmp_path: Path) -> None:
    paths = generate(tmp_path / "r", 2000)
    report = validate(tmp_path / "r")
    assert report.counts["files"] == 2000 and report.problems == []
    records = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in paths]
    assert len({r["身份证号码"] for r in records}) == len({r["手机"] for r in records}) == 2000
    for key in ("民族", "政治面貌", "文化程度", "健康状况", "服务类型", "性别"):
        choices, _ = cl.CODE_LISTS[key]
        assert set(Counter(r[key] for r in records)) == set(choices), key
    assert {r["行业"] for r in records if "行业" in r} == set(cl.INDUSTRIES)
    assert any("·" in r["姓名"] for r in records)
    assert any(not r["身份证号码"].startswith("14") and "在晋居住起始日期" in r for r in records)
    assert all(8 <= len(r["QQ"]) <= 11 for r in records if "QQ" in r)


def test_cli_refuses_a_non_empty_output(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x/keep.txt").write_text("x")
    result = subprocess.run([sys.executable, "-m", "pingan.cli", "demo-data", "--out", str(tmp_path / "x"),
                             "--count", "5"], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 2 and "不是空的" in result.stderr


def test_the_encrypted_demo_holds_nothing_personal_in_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "r"
    monkeypatch.chdir(tmp_path)  # not in a data repository: the units come with the tool
    assert cli.main(["demo-data", "--out", str(out), "--count", "600", "--seed", "5", "--encrypt"]) == 0
    assert f"{out / '.demo-keys'}/" in capsys.readouterr().out
    keys = out / ".demo-keys"
    assert (keys / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert {p.name for p in keys.glob("*.agekey")} >= {"ci.agekey", "office.agekey", "office-backup.agekey",
                                                         "taiyuan.agekey", "datong.agekey"}
    assert "taiyuan-demo" in (out / "keys/taiyuan.txt").read_text(encoding="utf-8")
    repo = Repository(out, keyring=keyring_of(keys / "ci.agekey"))
    with repo.verdicts(use_cache=False) as verdicts:
        assert verdicts.problems == [] and verdicts.tally()["计入"] == 600
    opened = [repo.load(rel) for rel in repo.paths]
    assert all(loaded.seal is not None and loaded.seal.opened and loaded.data for loaded in opened)
    data = [loaded.data for loaded in opened if loaded.data]
    secrets = {str(record[key]) for record in data for key in ("姓名", "身份证号码", "手机")}
    assert len({record["身份证号码"] for record in data}) == len({record["手机"] for record in data}) == 600
    stored = b"\n".join(path.read_bytes() for path in (out / "data").rglob("*") if path.is_file())
    # A value in clear stands in a run of digits or of non-ASCII text (ciphertexts and keys are base64):
    # looking in those runs only is as strict as looking in every byte, and far faster.
    runs = b"\n".join(set(re.findall(rb"[0-9X]{11,}|[^\x00-\x7f]+", stored)))
    assert [value for value in secrets if value.encode() in runs] == []
    unit = Repository(out, keyring=keyring_of(keys / "taiyuan.agekey"))
    own = unit.load(next(rel for rel in unit.paths if "/taiyuan/" in rel))
    other = unit.load(next(rel for rel in unit.paths if "/datong/" in rel))
    assert own.seal is not None and own.seal.opened and other.seal is not None and not other.seal.opened


def test_full_demo_of_30000_records_validates_with_zero_errors(tmp_path: Path) -> None:
    generate(tmp_path / "r", 30000)
    report = validate(tmp_path / "r")
    assert report.counts == {"files": 30000, "错误": 0, "警告": 0, "提示": 0}
