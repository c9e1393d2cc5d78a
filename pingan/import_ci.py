"""Import for units without Python: workbooks uploaded to imports/<unit>/ through the web interface.

In a pull request the check runs `pingan import-pending` (nothing is written)
and puts every row error into the step summary. After the merge, the workflow
on the default branch runs `pingan import-pending --apply`: the rows become
record files and the workbooks are deleted, and the workflow commits both in
one commit. Nothing is written unless every pending workbook passes.

An encrypted repository takes no uploads: a workbook holds its rows in
clear, and a commit keeps them in the history for good. There every file in
imports/ is refused unread (XLS016, which `pingan validate` reports too).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import catalogue
from .gate import is_admin, maintained_by
from .importer import Outcome, column_label, fix_text, import_file, row_line, sorted_problems
from .markdown_cells import escape_cell
from .problems import ERROR, Problem
from .reader import Settings, load_settings, refused_uploads, settings_at, uploads
from .report import clean, one_line
from .settings import IMPORTS_DIR

SUFFIXES = (".xlsx", ".csv")
#: Problems listed per uploaded file (and for the folder itself) in the log and the step summary;
#: a broken workbook can have thousands, and the rest are summed up in one line.
MAX_LISTED_PROBLEMS = 200


@dataclass
class Pending:
    """The workbooks waiting in imports/, what is wrong with the folder itself, and the import results."""

    files: dict[str, Path] = field(default_factory=dict)  # unit code -> file
    problems: list[Problem] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: The repository is encrypted: uploads are refused, not read.
    encrypted: bool = False

    @property
    def valid(self) -> bool:
        return not any(p.level == ERROR for p in self.problems) and all(o.valid for o in self.outcomes)


def find_pending(root: Path, units: set[str]) -> Pending:
    """One workbook per unit folder under imports/; anything else there is a problem."""
    pending = Pending()
    by_unit: dict[str, list[Path]] = {}
    for rel in uploads(root):
        path = root / rel
        parts = Path(rel).parts[1:]
        if len(parts) != 2 or parts[0] not in units or path.is_symlink() or path.suffix.lower() not in SUFFIXES:
            pending.problems.append(catalogue.make("XLS010", rel, None, path=rel))
            continue
        by_unit.setdefault(parts[0], []).append(path)
    for unit, paths in by_unit.items():
        if len(paths) > 1:
            names = "、".join(p.relative_to(root).as_posix() for p in paths)
            pending.problems.append(catalogue.make("XLS011", f"{IMPORTS_DIR}/{unit}", None, unit=unit,
                                                   count=len(paths), files=catalogue.Verbatim(names)))
        else:
            pending.files[unit] = paths[0]
    return pending


def authorship(pending: Pending, authors: Sequence[str], base: Settings) -> list[Problem]:
    """Each pending workbook sits in the folder of a unit every login behind the change maintains.

    Administrators may upload for any unit. Maintainers come from `base`, the
    target branch's settings, never from the change itself.
    """
    problems = []
    for author in authors:
        if is_admin([author], base):
            continue
        own = maintained_by(author, base)
        for unit_code, path in sorted(pending.files.items()):
            unit = base.units.get(unit_code)
            if unit_code not in own:
                rel = f"{IMPORTS_DIR}/{unit_code}/{path.name}"
                problems.append(catalogue.make("AUT001", rel, None, author=author, unit=unit_code, path=rel,
                                               unit_name=unit.name if unit else unit_code))
    return problems


def run_pending(root: Path, *, apply: bool = False, today: date | None = None, authors: Sequence[str] = (),
                base_ref: str | None = None) -> Pending:
    """Check every pending workbook; with `apply` and all valid, write the records and delete the workbooks.

    With `base_ref` (a pull request's target branch), maintainers, quotas and
    rules come from that ref, read with git; with `authors`, a workbook in the
    folder of a unit one of them does not maintain is an error, as a record
    there would be. In an encrypted repository (by the same settings) every
    upload is refused unread: units import on their own computer, where
    their key encrypts the records before anything is committed.
    """
    base = settings_at(root, base_ref) if base_ref else load_settings(root)
    units, _ = base.required()
    if base.keys is not None:  # an encrypted repository: no workbook is read, none imported (XLS016)
        return Pending(problems=refused_uploads(root), encrypted=True)
    judged_by = None if base_ref is None or is_admin(authors, base) else base
    pending = find_pending(root, set(units))
    if authors:
        pending.problems += authorship(pending, authors, base)
    for unit, path in sorted(pending.files.items()):
        source = path.relative_to(root).as_posix()
        pending.outcomes.append(import_file(root, path, unit, dry_run=True, source=source, today=today,
                                            judged_by=judged_by))
    if apply and pending.valid and pending.files:
        pending.outcomes = []
        for unit, path in sorted(pending.files.items()):
            source = path.relative_to(root).as_posix()
            pending.outcomes.append(import_file(root, path, unit, source=source, today=today))
            path.unlink()
            pending.removed.append(source)
    return pending


def step_summary(pending: Pending, applied: bool) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY (or a GitLab job log): one table of row errors per workbook."""
    lines = ["## Excel 批量导入", ""]
    if not pending.files and not pending.problems:
        return "\n".join(lines + ["imports/ 中没有待导入的文件。", ""])
    for problem in pending.problems[:MAX_LISTED_PROBLEMS]:
        lines.append(f"- **{problem.level}** {escape_cell(clean(problem.message))}")
    lines += _not_listed(len(pending.problems))
    if pending.problems:
        lines.append("")
    for outcome in pending.outcomes:
        lines.append(f"### {escape_cell(clean(outcome.source))}")
        lines.append("")
        if outcome.valid:
            verb = "已" if applied else "合并后将"
            added = sum(1 for _, action in outcome.written if action == "新增")
            changed = sum(1 for _, action in outcome.written if action == "更新")
            lines.append(f"检查通过：共 {outcome.rows} 行，{verb}新增 {added} 条、更新 {changed} 条，"
                         f"{outcome.unchanged} 条没有变化。")
        else:
            errors = sum(1 for p in outcome.problems if p.level == ERROR)
            lines.append(f"检查未通过：共 {outcome.rows} 行，{errors} 个错误。请在 Excel 中改正后重新上传同名文件。"
                         "这里不生成标注了错误的工作簿；需要时在本机运行 `pingan import 文件名.xlsx --unit 单位代码`，"
                         "会在文件旁边得到“文件名-错误标注.xlsx”：出错的单元格已标红并写明改正方法，在其中改正后上传即可。")
        shown = sorted_problems(outcome.problems)
        if shown:
            lines += ["", "| 级别 | 行 | 列 | 字段 | 说明 | 代码 | 改正方法 |",
                      "| --- | --- | --- | --- | --- | --- | --- |"]
            lines += [f"| {p.level} | {escape_cell(p.line)} | {escape_cell(p.col)} | "
                      f"{escape_cell(None if p.field is None else clean(column_label(p.field)))} | "
                      f"{escape_cell(clean(p.message))} | {p.code} | {escape_cell(clean(fix_text(p)))} |"
                      for p in shown[:MAX_LISTED_PROBLEMS]]
            lines += [""] + _not_listed(len(shown)) if len(shown) > MAX_LISTED_PROBLEMS else []
        lines.append("")
    return "\n".join(lines) + "\n"


def text_lines(pending: Pending) -> list[str]:
    """The same findings as plain lines for the job log and the terminal."""
    lines = [f"{one_line(p.file)}: {p.level}：{one_line(p.message)}" for p in pending.problems[:MAX_LISTED_PROBLEMS]]
    lines += _not_listed(len(pending.problems))
    for outcome in pending.outcomes:
        shown = sorted_problems(outcome.problems)
        lines += [f"{one_line(outcome.source)} {p.level}：{one_line(row_line(p))}" for p in shown[:MAX_LISTED_PROBLEMS]]
        lines += [f"{one_line(outcome.source)} {line}" for line in _not_listed(len(shown))]
        lines += [f"{'已' if pending.removed else '将'}{action} {one_line(rel)}" for rel, action in outcome.written]
    lines += [f"已删除 {one_line(rel)}" for rel in pending.removed]
    return lines


def _not_listed(count: int) -> list[str]:
    """The one line that stands for the problems beyond MAX_LISTED_PROBLEMS (none when all are listed)."""
    if count <= MAX_LISTED_PROBLEMS:
        return []
    return [f"另有 {count - MAX_LISTED_PROBLEMS} 个问题未列出（只列出前 {MAX_LISTED_PROBLEMS} 个）。"]
