"""The leak scanner: zero hits on a demo build, and every planted canary found wherever it hides."""
from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT, TODAY, record_file, valid_record
from pingan import cellsafe, cli, leak, site
from pingan.reader import Repository


@pytest.fixture
def canary(demo_site: tuple[Path, Path]) -> dict[str, str]:
    """One real record of the demo repository (synthetic, like all of it)."""
    root, _ = demo_site
    repo = Repository(root)
    data = next(d for d in (repo.load(rel).data for rel in repo.paths) if d and d.get("QQ") and len(d["姓名"]) >= 3)
    return {k: str(v) for k, v in data.items() if isinstance(v, (str, int))}


@pytest.fixture
def site_copy(demo_site: tuple[Path, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(demo_site[1], tmp_path / "site"))


def check(demo_site: tuple[Path, Path], site_dir: Path) -> list[tuple[str, str, str]]:
    root, _ = demo_site
    return [(h.file, h.kind, h.record)
            for h in leak.check_site(site_dir, root, stories=[PROJECT / "demo/stories"])]


def test_demo_build_has_no_personal_data(demo_site: tuple[Path, Path]) -> None:
    assert check(demo_site, demo_site[1]) == []


def test_canaries_are_found_wherever_they_are_planted(demo_site: tuple[Path, Path], site_copy: Path,
                                                      canary: dict[str, str]) -> None:
    record = canary["编号"]
    about = site_copy / "about/index.html"
    about.write_text(about.read_text(encoding="utf-8").replace("</article>", f"<p>{canary['身份证号码']}</p></article>"),
                     encoding="utf-8")
    index = site_copy / "search/search_index.json"
    data = json.loads(index.read_text(encoding="utf-8"))
    mobile = canary["手机"]
    data["docs"][0]["text"] += f" 联系 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]} {canary['姓名']}"
    index.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")  # names as \\uXXXX escapes
    svg = site_copy / "generated/charts/sex.svg"
    svg.write_text(svg.read_text(encoding="utf-8").replace("</svg>", f"<text>{canary['QQ']}</text></svg>"),
                   encoding="utf-8")
    sitemap = site_copy / "sitemap.xml.gz"
    address = canary["通信地址"].replace("号", "&#21495;")  # an entity must not hide it
    sitemap.write_bytes(gzip.compress(gzip.decompress(sitemap.read_bytes()) + address.encode()))
    stats = site_copy / "generated/stats/index.html"
    stats.write_text(stats.read_text(encoding="utf-8") + canary["姓名"][0] + "\u200b" + canary["姓名"][1:],
                     encoding="utf-8")
    assert sorted(check(demo_site, site_copy)) == sorted([
        ("about/index.html", leak.ID, record),
        ("generated/charts/sex.svg", leak.QQ, record),
        ("generated/stats/index.html", leak.NAME, record),
        ("search/search_index.json", leak.MOBILE, record),
        ("search/search_index.json", leak.NAME, record),
        ("sitemap.xml.gz", leak.ADDRESS, record),
    ])


def test_public_contacts_and_consented_story_persons_are_allowed(demo_site: tuple[Path, Path]) -> None:
    secrets = leak.Secrets(names={"高伟": "taiyuan-00001", "林晓岚": "taiyuan-00002", "王建国": "taiyuan-00003"})
    allowed = leak.allow(secrets, names={"高伟", "林晓岚"})
    text = "联系人高伟；志愿者林晓岚；王建国"
    assert list(leak.find_names(text, allowed.names)) == ["王建国"]


def test_a_name_inside_an_allowed_name_is_not_a_hit() -> None:
    names = {"郭一": "a-00001", "王建国": "a-00002"}
    assert list(leak.find_names("郭一鸣和王建国", names, allowed={"郭一鸣"})) == ["王建国"]


def test_a_name_that_is_a_site_word_is_not_a_hit() -> None:
    assert list(leak.find_names("倡导文明出行", {"文明": "x-00001"}, vocabulary="劝导不文明行为")) == []


def test_numbers_inside_longer_numbers_and_with_dashes() -> None:
    numbers = {"140121199001011019": (leak.ID, "a"), "13812345678": (leak.MOBILE, "b"), "03514182850": (leak.LANDLINE, "c")}
    text = "x140121199001011019x 138-1234-5678 0351-4182850 1381234567 99140121199001011019"
    assert sorted({d for d, _ in leak.find_numbers(text, numbers)}) == sorted(numbers)


def test_cli_leak_check(demo_site: tuple[Path, Path], site_copy: Path, canary: dict[str, str],
                        capsys: pytest.CaptureFixture[str]) -> None:
    root, built = demo_site
    base = ["leak-check", "--root", str(root), "--stories", str(PROJECT / "demo/stories")]
    assert cli.main([*base, "--site", str(built)]) == 0
    assert capsys.readouterr().out.startswith("泄露检查通过")
    (site_copy / "extra.csv").write_text(f"表,{canary['身份证号码']}\n", encoding="utf-8")
    assert cli.main([*base, "--site", str(site_copy)]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    masked = canary["身份证号码"][:6] + "********" + canary["身份证号码"][-4:]
    assert first == f"{site_copy.as_posix()}/extra.csv: 错误 [LEK001] 发现身份证号码 {masked}（记录 {canary['编号']}）"


def test_hits_are_reported_as_catalogue_code_lek001(demo_site: tuple[Path, Path], site_copy: Path,
                                                   canary: dict[str, str]) -> None:
    """What leak-check prints, as report.leak_line renders it: the catalogue's LEK001, values masked."""
    from pingan.report import leak_line

    root, _ = demo_site
    (site_copy / "extra.csv").write_text(f"表,{canary['身份证号码']},{canary['手机']}\n", encoding="utf-8")
    hits = leak.check_site(site_copy, root, stories=[PROJECT / "demo/stories"])
    lines = [leak_line(site_copy, hit) for hit in hits]
    masked = canary["身份证号码"][:6] + "********" + canary["身份证号码"][-4:]
    assert f"{site_copy.as_posix()}/extra.csv: 错误 [LEK001] 发现身份证号码 {masked}（记录 {canary['编号']}）" in lines
    assert all(" 错误 [LEK001] 发现" in line and canary["身份证号码"] not in line and canary["手机"] not in line
               for line in lines)


# ---------------------------------------------------------------------------------------------
# The publishing allow-list (LEK002), image metadata, formula-neutral tables, and the records' past

def jpeg_with_exif(description: str) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010E] = description  # ImageDescription
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_allow_list_names_every_file_it_refuses(demo_site: tuple[Path, Path], site_copy: Path) -> None:
    assert site.unpublishable(demo_site[1]) == []
    (site_copy / "stories/名单.xlsx").write_bytes(b"PK\x03\x04")
    (site_copy / "assets/data.js").write_bytes(gzip.compress("李四".encode()))
    (site_copy / "photo.jpg").write_bytes(jpeg_with_exif("taken by 18710095656"))
    (site_copy / "generated/extra.csv").write_text("表,=HYPERLINK(\"http://x\")\n", encoding="utf-8")
    (site_copy / "notes.txt").write_text("x", encoding="utf-8")
    found = {(p.code, p.file.rsplit("/", 1)[-1]) for p in site.unpublishable(site_copy)}
    assert found == {("LEK002", name) for name in ("名单.xlsx", "data.js", "photo.jpg", "extra.csv", "notes.txt")}


def test_a_workbook_read_before_publishing_is_trusted_only_byte_for_byte(demo_site: tuple[Path, Path],
                                                                          site_copy: Path) -> None:
    """The build reads its workbooks while MkDocs runs; what is published is read again unless it is the same
    bytes: a workbook with a formula, or one changed after it was read, is refused all the same."""
    import xlsxwriter

    releases = site_copy / "generated/releases"
    published = sorted(releases.glob("*.xlsx"))
    assert published, "the demo site offers its releases as workbooks"
    book = xlsxwriter.Workbook(str(releases / "extra.xlsx"))
    book.add_worksheet().write_string(0, 0, "=HYPERLINK(\"http://x\")")
    book.close()
    checked = site.neutral_workbooks(site_copy / "generated")
    assert len(checked) == len(published)  # every neutral workbook, and not the one with a formula
    shutil.copy(releases / "extra.xlsx", published[0])  # changed after it was read
    (releases / "broken.xlsx").write_bytes(b"PK\x03\x04")
    assert site.neutral_workbooks(site_copy / "generated") < checked
    found = {(p.file.rsplit("/", 1)[-1], p.message.split("：")[-1])
             for p in site.unpublishable(site_copy, checked=checked)}
    formula = "表格中有以 = + - @ 开头、会被当作公式的单元格"
    assert found == {("extra.xlsx", formula), (published[0].name, formula), ("broken.xlsx", "无法作为 Excel 表格读取")}


def test_cli_leak_check_reports_unpublishable_files(demo_site: tuple[Path, Path], site_copy: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = demo_site
    (site_copy / "roster.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    assert cli.main(["leak-check", "--root", str(root), "--stories", str(PROJECT / "demo/stories"),
                     "--site", str(site_copy)]) == 1
    out = capsys.readouterr().out
    assert f"{site_copy.as_posix()}/roster.zip: 错误 [LEK002] 不允许发布这个文件：文件类型 .zip 不在允许发布之列" in out


def test_build_reencodes_images_and_refuses_other_files(repo: Path, tmp_path: Path) -> None:
    from PIL import Image

    sources = tmp_path / "sources"
    sources.mkdir()
    for part in site.SOURCE_PARTS:
        src = PROJECT / part
        (shutil.copytree(src, sources / part) if src.is_dir() else shutil.copy(src, sources / part))
    (sources / "docs/assets/photo.jpg").write_bytes(jpeg_with_exif("王建国 13812345678"))
    out = tmp_path / "out"
    site.build(repo, out, sources, today=date.fromisoformat(TODAY))
    with Image.open(out / "assets/photo.jpg") as image:
        assert not image.getexif() and "exif" not in image.info and image.size == (4, 4)
    (sources / "docs/assets/名单.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(site.NotPublishable) as refused:
        site.build(repo, out, sources, today=date.fromisoformat(TODAY))
    assert [(p.code, p.file) for p in refused.value.problems] == [("LEK002", "docs/assets/名单.xlsx")]


def test_csv_cells_are_formula_neutral() -> None:
    text = "\ufeff表,行,列,人数\n单位,=HYPERLINK(\"http://x\"),+1,@SUM(A1)\n"
    assert cellsafe.neutral_csv(text) == "\ufeff表,行,列,人数\n单位,\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'@SUM(A1)\n"
    assert cellsafe.neutral_csv("a,b\n") == "a,b\n"


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x"}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_a_deleted_record_is_still_protected(repo: Path) -> None:
    rel, text = record_file(valid_record(姓名="石强涵", 手机="18710095656"))
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text, encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "add")
    git(repo, "rm", "-q", rel)
    git(repo, "commit", "-qm", "delete")
    assert leak.record_blobs(repo)
    secrets = leak.secrets_of(repo)
    assert secrets.names == {"石强涵": "taiyuan-00001"}
    assert secrets.numbers["18710095656"] == (leak.MOBILE, "taiyuan-00001")
    assert secrets.numbers["140121199001011019"] == (leak.ID, "taiyuan-00001")


def test_a_past_version_is_protected_and_the_current_one_read_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rel, text = record_file(valid_record(手机="18710095656"))
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text, encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "add")
    (repo / rel).write_text(record_file(valid_record(手机="18710095657"))[1], encoding="utf-8")
    git(repo, "commit", "-qam", "new phone")
    read: list[int] = []
    past = leak._past_records

    def counted(root: Path, blobs: dict[str, str], keyring: Any) -> Iterator[tuple[dict[str, Any], str]]:
        read.append(len(blobs))
        return past(root, blobs, keyring)

    monkeypatch.setattr(leak, "_past_records", counted)
    secrets = leak.secrets_of(repo)
    assert {"18710095656", "18710095657"} <= set(secrets.numbers) and read == [1]  # the old version only


def test_workbooks_planted_under_generated_in_the_sources_are_never_published(repo: Path, tmp_path: Path) -> None:
    """A maintainer who commits docs/generated/releases/… (a workbook with a formula, a "release" listing names)
    does not get it read early and trusted: the build makes generated/ anew from the records, so only the
    release files pingan writes are published, and they are neutral."""
    import xlsxwriter

    sources = tmp_path / "sources"
    sources.mkdir()
    for part in site.SOURCE_PARTS:
        src = PROJECT / part
        (shutil.copytree(src, sources / part) if src.is_dir() else shutil.copy(src, sources / part))
    planted = sources / "docs/generated/releases"
    planted.mkdir(parents=True, exist_ok=True)
    for name in ("2014Q4.xlsx", "名单.xlsx"):
        book = xlsxwriter.Workbook(str(planted / name))
        book.add_worksheet().write_string(0, 0, "=HYPERLINK(\"http://x\",\"王建国 13812345678\")")
        book.close()
    out = tmp_path / "out"
    site.build(repo, out, sources, today=date.fromisoformat(TODAY))
    published = sorted(p.name for p in (out / "generated/releases").glob("*.xlsx"))
    assert "名单.xlsx" not in published
    assert site.unpublishable(out) == []  # read again from scratch: every published workbook is neutral
    for path in (out / "generated/releases").glob("*.xlsx"):
        assert path.read_bytes() != (planted / "2014Q4.xlsx").read_bytes()
