"""LibreOffice opens the roster and sees every cell as pingan wrote it (CSV export of every sheet)."""
from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from excel_support import demo_repo, run_cli, special_record, write_record
from pingan import roster
from pingan.model import Volunteer
from pingan.reader import Repository

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
#: CSV filter: comma, double quote, UTF-8, start row 1, default column format, language, then
#: quoted text, detect numbers, save as shown, export formulas, remove space, and 12th token -1: every sheet
#: to its own file (LibreOffice 7.2+).
ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def test_every_cell_of_every_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "")
    root = demo_repo(tmp_path / "repo", count=30)
    write_record(root, special_record())
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"))
    assert code == 0, err
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
                    ALL_SHEETS, "--outdir", str(tmp_path / "csv"), str(tmp_path / "out" / roster.PROVINCE_ROSTER)],
                   check=True, capture_output=True, timeout=300)
    repo = Repository(root)
    with repo.verdicts() as verdicts:
        volunteers: list[Volunteer] = [v for v in map(repo.volunteer, (x for x in verdicts if x.counts)) if v]
    expected = {v.record_id: [str(x) for x in roster.roster_row(v, repo.today)] for v in volunteers}
    stem = Path(roster.PROVINCE_ROSTER).stem

    def sheet(name: str) -> list[list[str]]:
        with open(tmp_path / "csv" / f"{stem}-{name}.csv", encoding="utf-8", newline="") as handle:
            return list(csv.reader(handle))

    summary = sheet("汇总")
    assert summary[2] == list(roster.ROSTER_COLUMNS)
    assert {row[0]: row for row in summary[3:]} == expected
    assert expected["taiyuan-00900"][1] == "𠮷祥" and expected["taiyuan-00900"][4].startswith("=HYPERLINK")
    seen = 0
    for unit in repo.settings.units.values():
        rows = sheet(roster.sheet_name(unit.name, set()))[3:]
        assert {row[0]: row for row in rows} == {k: v for k, v in expected.items() if k.startswith(unit.code + "-")}
        seen += len(rows)
    assert seen == len(volunteers)
    progress = sheet(roster.PROGRESS_SHEET)
    total = next(row for row in progress if row[0] == "合计")
    assert total[3] == str(len(volunteers))
