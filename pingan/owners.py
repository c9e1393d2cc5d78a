"""CODEOWNERS for GitHub and GitLab, generated from the units' 维护者 and the province's 管理员.

Each unit's folder of records is owned by its maintainers (and the office);
everything else by the office. The Git host then asks the right people to
review a pull request; `pingan validate --author` enforces the same split.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import settings
from .errors import PinganError
from .model import Province, Unit

GITHUB_FILE = ".github/CODEOWNERS"
GITLAB_FILE = ".gitlab/CODEOWNERS"


#: A login as GitHub, Gitea and GitLab spell them: a letter or digit, then up to 38 letters, digits,
#: ".", "_" or "-" (an optional leading "@"). Nothing else may reach CODEOWNERS: a space, "#" or a
#: newline would change what the line means.
LOGIN = re.compile(r"@?[A-Za-z0-9][A-Za-z0-9._-]{0,38}")


class BadLogin(PinganError, ValueError):
    """A 维护者 or 管理员 entry is not a login; `where` says which file it came from."""

    def __init__(self, login: str, where: str):
        shown = login.encode("unicode_escape").decode("ascii")[:60]
        super().__init__(f"{where}中的账号“{shown}”不是有效的 GitHub / Gitea / GitLab 用户名："
                         "只能由字母、数字和 . _ - 组成（可以 @ 开头），不能有空格、换行或 #；"
                         "请改正后重新运行 pingan owners。")
        self.login, self.where = login, where


def _handles(logins: list[str], where: str) -> list[str]:
    handles = []
    for login in logins:
        if not isinstance(login, str) or not LOGIN.fullmatch(login):
            raise BadLogin(str(login), where)
        handles.append(f"@{login.removeprefix('@')}")
    return handles


def render_codeowners(units: dict[str, Unit], province: Province | None, host: str = "github") -> str:
    """The CODEOWNERS text; GitLab reads the same syntax (the last matching line wins on both).

    Raises BadLogin for a maintainer or administrator that is not a plain login.
    """
    office = _handles(province.admins if province else [], f"{settings.PROVINCE_FILE}（管理员）")
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
        owners = list(dict.fromkeys(_handles(units[code].maintainers, f"{settings.UNITS_DIR}/{code}.yaml（维护者）")
                                    + office))
        folder = f"/{settings.VOLUNTEERS_DIR}/{code}/"
        lines.append(f"{folder} {' '.join(owners)}" if owners else f"# {folder}（{units[code].name}：尚未指定维护者）")
    return "\n".join(lines) + "\n"


def write_codeowners(root: Path, units: dict[str, Unit], province: Province | None) -> list[Path]:
    """Write both files under `root`; returns their paths. Raises BadLogin before writing anything."""
    texts = {rel: render_codeowners(units, province, host) for rel, host in ((GITHUB_FILE, "github"),
                                                                              (GITLAB_FILE, "gitlab"))}
    written = []
    for rel, text in texts.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
