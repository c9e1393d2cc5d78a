"""The leak scanner: zero hits on a demo build, and every planted canary found wherever it hides."""
from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from conftest import PROJECT
from pingan import cli, leak
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
