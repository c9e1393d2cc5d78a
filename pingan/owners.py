"""CODEOWNERS for GitHub and GitLab, generated from the units' 维护者 and the province's 管理员.

Each unit's folder of records is owned by its maintainers (and the office);
everything else by the office. The Git host then asks the right people to
review a pull request; `pingan validate --author` enforces the same split.
"""
from __future__ import annotations

from pathlib import Path

from . import settings
from .model import Province, Unit

GITHUB_FILE = ".github/CODEOWNERS"
GITLAB_FILE = ".gitlab/CODEOWNERS"


def _handles(logins: list[str]) -> list[str]:
    return [f"@{login.strip().removeprefix('@')}" for login in logins if login.strip().removeprefix("@")]


def render_codeowners(units: dict[str, Unit], province: Province | None, host: str = "github") -> str:
    """The CODEOWNERS text; GitLab reads the same syntax (the last matching line wins on both)."""
    office = _handles(province.admins if province else [])
    lines = [
        "# 由 `pingan owners` 根据 data/units/*.yaml（维护者）和 data/province.yaml（管理员）生成，请勿手工修改。",
        f"# Generated for {'GitHub' if host == 'github' else 'GitLab'}; edit the units, then run `pingan owners`.",
        "",
        "# 办公室（管理员）负责其余所有文件。",
        f"* {' '.join(office)}" if office else "# *（尚未在 data/province.yaml 中指定管理员）",
        "",
        "# 各单位的维护者负责本单位的志愿者记录。",
    ]
    for code in sorted(units):
        owners = list(dict.fromkeys(_handles(units[code].maintainers) + office))
        folder = f"/{settings.VOLUNTEERS_DIR}/{code}/"
        lines.append(f"{folder} {' '.join(owners)}" if owners else f"# {folder}（{units[code].name}：尚未指定维护者）")
    return "\n".join(lines) + "\n"


def write_codeowners(root: Path, units: dict[str, Unit], province: Province | None) -> list[Path]:
    """Write both files under `root`; returns their paths."""
    written = []
    for rel, host in ((GITHUB_FILE, "github"), (GITLAB_FILE, "gitlab")):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_codeowners(units, province, host), encoding="utf-8")
        written.append(path)
    return written
