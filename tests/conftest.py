"""Shared test helpers: a valid synthetic record, tiny repositories, and a fixed today."""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pingan import settings
from pingan.agekeys import Keyring, read_identity_file
from pingan.yamlio import dump_record

PROJECT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-29"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules that depend on today see the same day in every run, and no test inherits CI's environment.

    CI runs the suite with CI=true, where pingan refuses plaintext outputs; a test of that refusal sets CI itself.
    """
    monkeypatch.setenv("PINGAN_TODAY", TODAY)
    monkeypatch.delenv("CI", raising=False)
    for variable in ("PINGAN_AGE_KEY_FILE", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY"):  # nobody's own keys either
        monkeypatch.delenv(variable, raising=False)


def valid_record(**changes: Any) -> dict[str, Any]:
    """A complete, valid, made-up record; keyword arguments replace fields (None removes one)."""
    record: dict[str, Any] = {
        "编号": "taiyuan-00001",
        "招募单位": "taiyuan",
        "姓名": "张伟",
        "性别": "男",
        "出生日期": date(1990, 1, 1),
        "民族": "汉族",
        "政治面貌": "共青团员",
        "身份证号码": "140121199001011019",
        "所在地区": "太原市小店区",
        "工作单位": "太原市小店区坞城街道办事处",
        "职业": "社区工作者",
        "文化程度": "大学本科",
        "通信地址": "太原市小店区坞城路 92 号",
        "手机": "13812345678",
        "QQ": "12345678",
        "个人特长": ["急救", "摄影"],
        "健康状况": "健康",
        "服务时间": ["周六", "周日"],
        "服务类型": "社区平安志愿者",
        "服务项目": ["法制宣传"],
        "岗位": ["宣传员"],
        "无犯罪记录": True,
        "个人信息同意日期": date(2024, 5, 1),
        "登记日期": date(2024, 5, 1),
    }
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def make_repo(root: Path, files: dict[str, str | bytes] | None = None, *, settings_from: Path = PROJECT) -> Path:
    """A repository under `root` with the project's units and province, plus `files` {relative path: content}."""
    shutil.copytree(settings_from / settings.UNITS_DIR, root / settings.UNITS_DIR)
    shutil.copy(settings_from / settings.PROVINCE_FILE, root / settings.PROVINCE_FILE)
    (root / settings.VOLUNTEERS_DIR).mkdir(parents=True, exist_ok=True)
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@dataclass(frozen=True)
class KeySet:
    """The secret key files of an encrypted test repository (kept outside it, as real ones are)."""

    folder: Path

    @property
    def ci(self) -> Path:
        return self.folder / "ci.agekey"

    @property
    def office(self) -> Path:
        return self.folder / "office-a.agekey"

    def unit(self, code: str) -> Path:
        return self.folder / f"{code}.agekey"


def encrypt_repo(root: Path, units: tuple[str, ...] = ("taiyuan", "datong")) -> KeySet:
    """Make `root` an encrypted repository: a maintainer key for each of `units` (login "<unit>-keeper", made a
    维护者 of the unit), two office keys and a CI key; every record already there is rewritten encrypted."""
    from pingan.agekeys import Keyring
    from pingan.reader import Repository

    keyset = add_keys(root, units)
    repository = Repository(root, keyring=Keyring())
    for rel in repository.paths:
        loaded = repository.load(rel)
        if loaded.seal is None and loaded.data is not None:
            repository.write_record(rel, loaded.data)
    return keyset


def add_keys(root: Path, units: tuple[str, ...] = ("taiyuan", "datong")) -> KeySet:
    """The keys of `encrypt_repo` (keys/ and the maintainers), records left as they are (plaintext ones stay so)."""
    from pingan.agekeys import new_identity

    keyset = KeySet(root.parent / f"{root.name}-secret-keys")
    keyset.folder.mkdir()
    keys = root / settings.KEYS_DIR
    keys.mkdir()
    for code in units:
        login = f"{code}-keeper"
        unit_file = root / settings.UNITS_DIR / f"{code}.yaml"
        text = unit_file.read_text(encoding="utf-8")
        unit_file.write_text(re.sub(r"维护者: \[\]", f"维护者:\n  - {login}", text), encoding="utf-8")
        (keys / f"{code}.txt").write_text(f"{new_identity(keyset.unit(code))} # {login}\n", encoding="utf-8")
    office = [new_identity(keyset.folder / f"office-{n}.agekey") for n in "ab"]
    (keys / "office.txt").write_text("".join(f"{r} # 办公室{n}\n" for r, n in zip(office, "甲乙")), encoding="utf-8")
    (keys / "ci.txt").write_text(f"{new_identity(keyset.ci)} # CI\n", encoding="utf-8")
    return keyset


def keyring_of(*paths: Path) -> Keyring:
    """The Keyring holding the secret keys in these key files (what PINGAN_AGE_KEY_FILE=a:b would give)."""
    return Keyring.of(identity for path in paths for identity in read_identity_file(path))


def record_file(record: dict[str, Any]) -> tuple[str, str]:
    """(relative path, canonical text) of a record placed where it belongs."""
    return f"{settings.VOLUNTEERS_DIR}/{record['招募单位']}/{record['编号']}.yaml", dump_record(record)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty repository with the real units and province settings."""
    return make_repo(tmp_path / "repo")


#: Size of the synthetic repository the site tests build (the full 30,000 is `make demo`).
SITE_TEST_RECORDS = 1000


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(data repository, built site) of a synthetic repository with the sample stories; built once."""
    from pingan import demo, site

    base = tmp_path_factory.mktemp("demo-site")
    root = base / "repo"
    for _ in demo.generate(PROJECT, root, SITE_TEST_RECORDS, seed=6):
        pass
    out = base / "site"
    site.build(root, out, stories=[PROJECT / "demo" / "stories"], today=date.fromisoformat(TODAY))
    return root, out
