"""The `pingan` command: thin wrappers that parse arguments, call the library and print.

Exit codes: 0 valid, 1 problems found, 2 usage error, 3 cannot continue.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, settings

if TYPE_CHECKING:
    from .importer import Outcome

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_CANNOT_CONTINUE = 0, 1, 2, 3

_ARGPARSE_CHINESE = {
    "usage: ": "用法：",
    "options": "选项",
    "positional arguments": "位置参数",
    "show this help message and exit": "显示帮助并退出",
    "the following arguments are required: %s": "缺少参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "expected one argument": "需要一个值",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "show program's version number and exit": "显示版本并退出",
}


def _chinese(message: str) -> str:
    return _ARGPARSE_CHINESE.get(message, message)


def _speak_chinese() -> None:
    """argparse looks its own strings up through gettext: answer them in Chinese (done when the parser is built)."""
    argparse._ = _chinese  # type: ignore[attr-defined]
    argparse.ngettext = lambda s, p, n: _chinese(s if n == 1 else p)  # type: ignore[attr-defined]


class Stop(Exception):
    """Print a Chinese message to stderr and exit with `code`."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def resolve_root(value: str | None) -> Path:
    """--root, or the nearest ancestor of the current folder holding data/units/."""
    if value:
        root = Path(value)
        if not (root / settings.UNITS_DIR).is_dir():
            raise Stop(EXIT_CANNOT_CONTINUE, f"{value} 不是数据仓库：其中没有 data/units/ 文件夹。")
        return root.resolve()
    found = settings.find_root(Path.cwd())
    if found is None:
        raise Stop(EXIT_CANNOT_CONTINUE, "当前文件夹及其上级都不是数据仓库（没有 data/units/）；请进入仓库或用 --root 指定。")
    return found


def _today_or_stop() -> date:
    try:
        return settings.today()
    except settings.BadToday as exc:
        raise Stop(EXIT_USAGE, f"环境变量 PINGAN_TODAY 应为 YYYY-MM-DD 格式的日期，实际为“{exc}”。") from exc


COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


Handler = Callable[[argparse.Namespace], int]


def command(name: str, add_arguments: Callable[[argparse.ArgumentParser], None]) -> Callable[[Handler], Handler]:
    """Register a sub-command: its docstring is its help text."""
    def register(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = (add_arguments, func)
        return func
    return register


def _root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", metavar="DIR", help="数据仓库所在文件夹（含 data/）；默认从当前文件夹向上查找")


def _validate_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="只报告与这些文件有关的问题（pre-commit 这样调用）；默认检查整个仓库")
    parser.add_argument("--format", choices=("text", "github", "json", "codeclimate"), default="text",
                        help="输出格式：text（默认）、github（工作流注释）、json 或 codeclimate（GitLab 代码质量报告）")
    parser.add_argument("--changed-since", metavar="REF",
                        help="合并请求模式：只有与 REF 以来改动的文件有关的问题才算数，其余降为提示")
    parser.add_argument("--author", metavar="LOGIN", action="append", default=[],
                        help="合并请求背后的账号（作者，以及触发这次运行的账号；可重复）：每个账号都须有权修改改动的每个文件，"
                             "权限和设置一律取自 REF 所在的目标分支；须与 --changed-since 同用")
    parser.add_argument("--no-cache", action="store_true", help="不读也不写校验缓存")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="校验缓存放在这个文件夹（CI 中放在工作区之外，合并请求无法改写）；默认为仓库的 .cache/pingan/，"
                             "也可用环境变量 PINGAN_CACHE_DIR 指定")
    parser.add_argument("--fix", action="store_true", help="为缺少编辑器校验注释（YML013）的记录自动加上这一行")


def _repo_path(raw: str, root: Path) -> Path:
    path = Path(os.path.abspath(raw))  # never resolve links: a linked record is reported, not followed
    if not path.is_relative_to(root):
        raise Stop(EXIT_USAGE, f"{raw} 不在数据仓库 {root} 中。")
    if not path.exists() and not path.is_symlink():
        raise Stop(EXIT_USAGE, f"找不到文件 {raw}。")
    return path


@command("validate", _validate_args)
def cmd_validate(args: argparse.Namespace) -> int:
    """校验数据仓库：每条记录的字段、身份证号码、年龄、户籍、代码表，以及名额、重复登记、文件位置和修改权限。"""
    from . import report
    from .errors import ChangesUnavailable, NotARepository
    from .fix import fix_pragma
    from .problems import Report
    from .validate import validate

    root = resolve_root(args.root)
    today = _today_or_stop()
    if args.author and not args.changed_since:
        raise Stop(EXIT_USAGE, "--author 须与 --changed-since 一起使用。")
    if any(not login.strip() for login in args.author):
        raise Stop(EXIT_USAGE, "--author 的账号为空：工作流没有传来合并请求作者或触发者的账号，无法判断修改权限。")
    if args.paths and args.changed_since:
        raise Stop(EXIT_USAGE, "PATH 与 --changed-since 不能同时使用。")
    paths = [_repo_path(raw, root) for raw in args.paths]
    cache_value = args.cache_dir or os.environ.get("PINGAN_CACHE_DIR", "").strip()
    cache_dir = Path(cache_value).resolve() if cache_value else None

    def run() -> Report:
        return validate(root, paths or None, today=today, changed_since=args.changed_since,
                        authors=args.author, use_cache=not args.no_cache, cache_dir=cache_dir)
    try:
        result = run()
        if args.fix:
            fixed = fix_pragma(root, result)
            if fixed:
                print(f"已为 {len(fixed)} 个文件加上编辑器校验注释。", file=sys.stderr)
                result = run()
    except NotARepository as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"{exc} 不是数据仓库。") from exc
    except ChangesUnavailable as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"无法确定 {args.changed_since} 以来改动的文件（需要完整的 git 历史）：{exc}") from exc
    if args.format in ("json", "codeclimate"):
        print(report.render_json(result) if args.format == "json" else report.render_codeclimate(result))
        print(report.summary(result), file=sys.stderr)
    elif args.format == "github":
        for line in report.render_github(result):
            print(line)
        _write_step_summary(report.step_summary(result))
    else:
        for line in report.render_text(result):
            print(line)
    return EXIT_OK if result.valid else EXIT_PROBLEMS


@command("check", _root_option)
def cmd_check(args: argparse.Namespace) -> int:
    """提交前检查：对当前分支已提交的改动运行和 CI 完全相同的合并请求检查（账号取自 PINGAN_AUTHOR 或 git config pingan.author）。"""
    from . import report
    from .errors import ChangesUnavailable, NoHistory
    from .local_check import NoAuthor, check_committed

    root = resolve_root(args.root)
    try:
        found = check_committed(root, _today_or_stop())
    except NoAuthor as exc:
        raise Stop(EXIT_USAGE, "不知道用哪个账号检查：请运行 git config pingan.author 你的代码托管平台账号"
                               "（或设置环境变量 PINGAN_AUTHOR），再运行一次。") from exc
    except (NoHistory, ChangesUnavailable) as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"无法与目标分支比较（需要 git 仓库和 origin/main 或 main 分支）：{exc}") from exc
    print(f"以账号 {found.author} 检查当前分支已提交的改动（与 {found.target} 比较，和 CI 相同）：")
    for line in report.render_text(found.report):
        print(line)
    if found.uncommitted:
        shown = "、".join(found.uncommitted[:10]) + (f" 等 {len(found.uncommitted)} 个" if len(found.uncommitted) > 10 else "")
        print(f"警告：以下文件有未提交的修改，不在本次检查范围内（提交后再检查）：{shown}")
    return EXIT_OK if found.report.valid else EXIT_PROBLEMS


@command("owners", _root_option)
def cmd_owners(args: argparse.Namespace) -> int:
    """根据各单位的维护者和办公室的管理员生成 .github/CODEOWNERS 和 .gitlab/CODEOWNERS。"""
    from .errors import SettingsInvalid
    from .owners import BadLogin, write_codeowners
    from .reader import load_settings

    root = resolve_root(args.root)
    try:
        units, province = load_settings(root).required()
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    try:
        written = write_codeowners(root, units, province)
    except BadLogin as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, str(exc)) from exc
    for path in written:
        print(f"已写入 {path.relative_to(root).as_posix()}")
    return EXIT_OK


def _history_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("id_number", metavar="身份证号码", help="要查找的身份证号码（规范形式或原样写法均可）")


@command("history", _history_args)
def cmd_history(args: argparse.Namespace) -> int:
    """列出仍含有某个身份证号码的全部提交（彻底删除个人信息前后使用）；只显示打码后的号码。

    退出码：0 表示历史中已没有该号码，1 表示仍有提交含有它。
    """
    from .errors import GitUnavailable
    from .reader import holding_commits, masked

    root = resolve_root(args.root)
    try:
        held = holding_commits(root, args.id_number)
    except (GitUnavailable, OSError) as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"无法读取 git 历史：{exc}") from exc
    if not held:
        print(f"没有任何提交含有身份证号码 {masked(args.id_number)}。")
        return EXIT_OK
    print(f"身份证号码 {masked(args.id_number)} 仍在 {len(held)} 个提交中：")
    for holding in held:
        print(f"{holding.commit[:12]} {holding.date} {holding.subject}")
        for path in holding.paths:
            print(f"    {path}")
    return EXIT_PROBLEMS


def _codes_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="FILE", help="写入的文件（如 docs/reference/codes.md）；默认输出到屏幕")


@command("codes", _codes_args)
def cmd_codes(args: argparse.Namespace) -> int:
    """由规则目录生成错误代码说明页（代码、级别、含义、改正方法和例子）。"""
    from .reference import render_codes_page

    page = render_codes_page()
    if args.out:
        Path(args.out).write_text(page, encoding="utf-8")
        print(f"已写入 {args.out}")
    else:
        print(page, end="")
    return EXIT_OK


def _schema_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", default=settings.SCHEMAS_DIR, help="输出文件夹（默认 schemas/）")


@command("schema", _schema_args)
def cmd_schema(args: argparse.Namespace) -> int:
    """由数据模型生成 JSON Schema（志愿者记录、单位、全省设置），供编辑器提示和校验。"""
    from .schemas import write_schemas

    for path in write_schemas(Path(args.out)):
        print(f"已写入 {path}")
    return EXIT_OK


def _demo_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("--out", metavar="DIR", required=True, help="输出文件夹（须不存在或为空）")
    parser.add_argument("--count", metavar="N", type=int, default=30000, help="记录数（默认 30000）")
    parser.add_argument("--seed", metavar="S", type=int, default=0, help="随机种子（默认 0）；同一种子生成的文件完全相同")
    parser.add_argument("--git", action="store_true", help="生成后初始化 git 仓库并提交一次")


@command("demo-data", _demo_args)
def cmd_demo_data(args: argparse.Namespace) -> int:
    """生成虚构的演示数据仓库（身份证号码校验码有效，但人物均为虚构）。"""
    from . import demo

    if args.count < 0:
        raise Stop(EXIT_USAGE, "--count 不能为负数。")
    root = resolve_root(args.root)
    out = Path(args.out)
    try:
        written = sum(1 for _ in demo.generate(root, out, args.count, args.seed))
    except demo.OutputNotEmpty as exc:
        raise Stop(EXIT_USAGE, f"输出文件夹 {exc} 不是空的；请指定一个不存在或空的文件夹。") from exc
    if args.git:
        demo.commit(out)
    print(f"已在 {out} 生成 {written} 条虚构的志愿者记录。")
    return EXIT_OK


# --- Excel: rosters, forms, the entry template and import (issue 5) -------------------------

def _iso_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为 YYYY-MM-DD 格式的日期，如 2026-11-01，实际为“{value}”") from None


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-env", metavar="VAR",
                        help="从环境变量 VAR 读取密码并加密输出的工作簿（Excel、WPS、LibreOffice 输入密码后可打开）；"
                             "在 CI 中必须使用")


def _password(args: argparse.Namespace) -> str | None:
    from . import crypto

    try:
        return crypto.password_from_env(args.password_env)
    except crypto.PasswordMissing as exc:
        raise Stop(EXIT_USAGE, f"环境变量 {exc} 未设置或为空：--password-env 需要一个保存着密码的环境变量。") from exc
    except crypto.PlaintextInCI as exc:
        raise Stop(EXIT_USAGE, "在 CI 中不能输出未加密的名单（其中有身份证号码等个人信息，任何能下载构建产物的人都能看到）。"
                               "请用 --password-env 指定保存密码的环境变量，如 --password-env ROSTER_PASSWORD。") from exc


def _settings_stop(exc: Exception) -> Stop:
    from .report import text_line

    problems = getattr(exc, "problems", [])
    lines = "\n".join(text_line(p) for p in problems[:20])
    return Stop(EXIT_CANNOT_CONTINUE, "全省设置或单位文件有错误，无法生成；请先运行 pingan validate 改正：\n" + lines)


def _write_step_summary(text: str) -> None:
    """Append to the run's summary page (GitHub/Gitea Actions): numbers masked, any file name written safely."""
    from .report import clean

    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8", errors="replace") as handle:
            handle.write(clean(text))


def _append_step_summary(title: str, lines: list[str]) -> None:
    """On GitHub/Gitea Actions, repeat what a command printed on the run's summary page."""
    _write_step_summary(f"## {title}\n\n" + "\n".join(f"    {line}" if line else "" for line in lines) + "\n")


def _roster_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("--out", metavar="DIR", required=True, help="输出文件夹（不存在时创建；同名文件会被覆盖）")
    parser.add_argument("--unit", metavar="CODE", action="append",
                        help="只生成这个单位的名单工作簿（单位代码，如 taiyuan；可重复）")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", type=_iso_day,
                        help="名单日期：年龄按这一天计算，登记日期晚于这一天的不列入（默认今天）")
    since = parser.add_mutually_exclusive_group()
    since.add_argument("--since", metavar="YYYY-MM-DD", type=_iso_day,
                       help="另外生成保险变动名单：这一天以来新增、减少和信息变更的志愿者（依据 git 提交历史）")
    since.add_argument("--since-env", metavar="VAR",
                       help="同 --since，但日期取自环境变量 VAR（供 CI 使用）；变量为空或未设置时为本月 1 日（北京时间）")
    _password_option(parser)


def _since_from_env(var: str, today: date) -> date:
    """The --since-env date: CI passes a workflow input through the environment, never through a shell or make.

    The value is checked here and never echoed (a hostile value must not reach the log either)."""
    raw = os.environ.get(var, "").strip()
    if not raw:
        return today.replace(day=1)
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise Stop(EXIT_USAGE, f"环境变量 {var} 的值不是 YYYY-MM-DD 格式的日期（如 2026-11-01）；"
                               "请填写这样的日期，或留空（即本月 1 日）。") from None


@command("roster", _roster_args)
def cmd_roster(args: argparse.Namespace) -> int:
    """生成 Excel 名单：全省名单汇总表（附件4，含名额完成情况）、保险名单，或某个单位的名单。"""
    from . import roster
    from .errors import NoHistory, SettingsInvalid, ShallowHistory, UnknownUnit

    root = resolve_root(args.root)
    if args.since_env is not None:
        args.since = _since_from_env(args.since_env, _today_or_stop())
    password = _password(args)
    as_of = args.as_of or _today_or_stop()
    if args.since is not None and args.since > as_of:
        raise Stop(EXIT_USAGE, f"--since {args.since} 晚于名单日期 {as_of}。")
    try:
        built = roster.build_rosters(root, Path(args.out), as_of=as_of, units=args.unit, since=args.since,
                                     password=password)
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except UnknownUnit as exc:
        raise Stop(EXIT_USAGE, f"data/units/ 中没有代码为“{exc}”的单位。") from exc
    except ShallowHistory as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, "保险变动名单需要完整的提交历史，但这是浅克隆；"
                                         "请运行 git fetch --unshallow（工作流中设置 fetch-depth: 0）。") from exc
    except NoHistory as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"保险变动名单需要 git 提交历史，但 {root} 不是 git 仓库（{exc}）。") from exc
    lines = [f"已写入 {path}{'（已加密）' if password else ''}" for path in built.files]
    progress = built.progress
    lines.append(f"名单日期 {as_of}：列入 {progress.total} 名志愿者，其中 {sum(progress.overage.values())} 名已超过 "
                 f"{progress.max_age} 周岁（已标出）。")
    if built.changes is not None:
        lines.append(f"保险变动名单：自 {args.since} 以来 {built.changes} 条变动。")
    if progress.left_out:
        lines.append(f"注意：{progress.left_out} 条记录有错误，未列入名单；运行 pingan validate 查看并改正。")
    if progress.to_verify:
        lines.append(f"注意：{progress.to_verify} 条记录的身份证号码与其他记录相同，列在“待核实”表中，未计入名单。")
    if progress.registered_later:
        lines.append(f"另有 {progress.registered_later} 条记录的登记日期晚于名单日期，未列入。")
    if password is None:
        lines.append("注意：文件未加密，含身份证号码等个人信息，请勿外传；需要加密时使用 --password-env。")
    print("\n".join(lines))
    _append_step_summary("Excel 名单" + ("（已加密）" if password else ""), lines + [
        "", "在本次运行页面底部的 Artifacts 中下载，保存 7 天；打开时输入名单密码。"])
    return EXIT_OK


def _form_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("record_id", metavar="编号", help="志愿者编号，如 taiyuan-00001")
    parser.add_argument("--out", metavar="FILE", required=True, help="输出的 .xlsx 文件")
    _root_option(parser)
    _password_option(parser)


@command("form", _form_args)
def cmd_form(args: argparse.Namespace) -> int:
    """生成一名志愿者的《山西省平安志愿者登记表》（附件3），A4 纵向一页，可直接打印签字盖章。"""
    from .errors import NoSuchRecord, SettingsInvalid
    from .report import text_line
    from .unit_workbooks import build_form

    root = resolve_root(args.root)
    password = _password(args)
    target = Path(args.out)
    try:
        errors = build_form(root, args.record_id, target, password, _today_or_stop())
    except NoSuchRecord as exc:
        if exc.rel is None:
            raise Stop(EXIT_USAGE, f"编号“{args.record_id}”格式不对，应为“单位代码-5位数字”，如 taiyuan-00001。") from exc
        raise Stop(EXIT_USAGE, f"找不到编号为 {args.record_id} 的记录（{exc.rel}）。") from exc
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    if errors:
        for problem in errors:
            print(text_line(problem))
        print(f"记录 {args.record_id} 有 {len(errors)} 个错误，请改正后再生成登记表。")
        return EXIT_PROBLEMS
    print(f"已写入 {target}{'（已加密）' if password else ''}")
    return EXIT_OK


def _template_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("--unit", metavar="CODE", required=True, help="单位代码，如 taiyuan")
    parser.add_argument("--out", metavar="FILE", required=True, help="输出的 .xlsx 文件")
    parser.add_argument("--with-records", action="store_true", help="填入本单位现有的志愿者记录（用于批量修改）")


@command("template", _template_args)
def cmd_template(args: argparse.Namespace) -> int:
    """生成 Excel 批量填报模板：每行一名志愿者，代码表字段有下拉列表；可填入本单位现有记录。"""
    from .errors import SettingsInvalid, UnknownUnit
    from .unit_workbooks import build_template

    root = resolve_root(args.root)
    out = Path(args.out)
    try:
        made = build_template(root, args.unit, out, args.with_records, _today_or_stop())
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except UnknownUnit as exc:
        raise Stop(EXIT_USAGE, f"data/units/ 中没有代码为“{args.unit}”的单位。") from exc
    print(f"已写入 {out}（{made.unit_name}，{made.count} 名志愿者）")
    if made.unreadable:
        print(f"注意：{made.unreadable} 个记录文件无法读取，未填入模板；运行 pingan validate 查看。")
    if made.count:
        print("注意：模板中含身份证号码等个人信息，请妥善保管。")
    return EXIT_OK


def _import_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="填好的工作簿（.xlsx，可由 Excel、WPS 或 LibreOffice 保存）或 .csv 文件")
    parser.add_argument("--unit", metavar="CODE", required=True, help="这些志愿者的招募单位代码，如 taiyuan")
    _root_option(parser)
    parser.add_argument("--dry-run", action="store_true", help="只检查并列出将要写入的文件，不写入")
    parser.add_argument("--error-workbook", metavar="OUT.xlsx",
                        help="有错误时，把标注了错误的工作簿副本写到这里（默认：原文件名-错误标注.xlsx，放在原文件旁边）")
    parser.add_argument("--write-back", action="store_true",
                        help="导入成功后写出“原文件名-已编号.xlsx”：填好了新编号的副本，以后用它修改，导入时更新而不是重复新增")


def _annotated_copy(args: argparse.Namespace, path: Path, outcome: Outcome) -> None:
    """The error workbook after a failed import, the written-back copy after a successful one."""
    from . import importer

    if outcome.valid and not args.write_back:
        return
    if outcome.valid and args.dry_run:
        print("注意：--dry-run 时没有分配编号，不写回编号。")
        return
    if outcome.valid:
        target = importer.write_back_path(path)
    else:
        target = Path(args.error_workbook) if args.error_workbook else importer.error_workbook_path(path)
    if target.resolve() == path.resolve():
        raise Stop(EXIT_USAGE, f"输出文件 {target} 与输入文件相同；请另选文件名，输入文件不会被改写。")
    try:
        if outcome.valid:
            count = importer.write_back(path, outcome, target)
            print(f"已写出 {target}：填入了 {count} 个新编号。以后用这个文件修改，导入时会更新这些志愿者，不会重复新增。")
        else:
            rows = importer.write_error_workbook(path, outcome, target)
            print(f"已写出错误标注工作簿 {target}：{rows} 行有错误，出错的单元格已标红并加了批注，"
                  "每行的“错误说明”列和第一个工作表“错误汇总”列出了全部问题。直接在这个文件里改正后重新导入即可。")
    except importer.CannotAnnotate:
        if path.suffix.lower() == ".csv":
            print("注意：CSV 文件不生成标注工作簿；请按上面列出的行号改正。")
    except OSError as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"无法写入 {target}：{exc.strerror or exc}") from exc


def _print_outcome(outcome: Outcome, dry_run: bool) -> None:
    from .importer import row_line, sorted_problems

    for problem in sorted_problems(outcome.problems):
        print(f"{outcome.source} {problem.level}：{row_line(problem)}")
    if not outcome.valid:
        errors = sum(1 for p in outcome.problems if p.level == "错误")
        print(f"{outcome.source}：共 {outcome.rows} 行，{errors} 个错误；没有写入任何记录，请改正后重新导入。")
        return
    verb = "将" if dry_run else "已"
    for rel, action in outcome.written:
        print(f"{verb}{action} {rel}")
    print(f"{outcome.source}：共 {outcome.rows} 行，{verb}新增 "
          f"{sum(1 for _, a in outcome.written if a == '新增')} 条、{verb}更新 "
          f"{sum(1 for _, a in outcome.written if a == '更新')} 条，{outcome.unchanged} 条没有变化。")


@command("import", _import_args)
def cmd_import(args: argparse.Namespace) -> int:
    """导入 Excel 或 CSV 名单：逐行按 pingan validate 的规则检查（含名额和重复），全部通过才写入记录文件。

    有错误时在原文件旁边写出“原文件名-错误标注.xlsx”（或 --error-workbook 指定的文件）：改正后重新导入；
    导入成功后加 --write-back 写出填好新编号的“原文件名-已编号.xlsx”。
    """
    from . import importer
    from .errors import SettingsInvalid, UnknownUnit

    root = resolve_root(args.root)
    path = Path(args.file)
    if not path.is_file():
        raise Stop(EXIT_USAGE, f"找不到文件 {args.file}。")
    try:
        outcome = importer.import_file(root, path, args.unit, dry_run=args.dry_run, today=_today_or_stop())
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except UnknownUnit as exc:
        raise Stop(EXIT_USAGE, f"data/units/ 中没有代码为“{exc}”的单位。") from exc
    _print_outcome(outcome, args.dry_run)
    _annotated_copy(args, path, outcome)
    return EXIT_OK if outcome.valid else EXIT_PROBLEMS


def _import_pending_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("--apply", action="store_true",
                        help="全部通过时写入记录文件并删除已导入的工作簿（合并后在默认分支上运行）")
    parser.add_argument("--changed-since", metavar="REF",
                        help="合并请求的目标分支（如 origin/main）：维护者、名额和招募条件一律取自这个分支，而不是合并请求本身")
    parser.add_argument("--author", metavar="LOGIN", action="append", default=[],
                        help="合并请求背后的账号（作者，以及触发这次运行的账号；可重复）：只能上传到自己维护的单位的文件夹（管理员不限）")


@command("import-pending", _import_pending_args)
def cmd_import_pending(args: argparse.Namespace) -> int:
    """检查（或导入）上传到 imports/单位代码/ 的 Excel 名单；供拉取请求检查和合并后的自动导入使用。"""
    from . import import_ci
    from .errors import ChangesUnavailable, SettingsInvalid

    root = resolve_root(args.root)
    if any(not login.strip() for login in args.author):
        raise Stop(EXIT_USAGE, "--author 的账号为空：工作流没有传来合并请求作者或触发者的账号，无法判断修改权限。")
    try:
        pending = import_ci.run_pending(root, apply=args.apply, today=_today_or_stop(), authors=args.author,
                                        base_ref=args.changed_since)
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except ChangesUnavailable as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"无法读取目标分支 {args.changed_since} 的设置（需要完整的 git 历史）：{exc}") from exc
    for line in import_ci.text_lines(pending):
        print(line)
    summary = import_ci.step_summary(pending, applied=bool(pending.removed))
    _write_step_summary(summary)
    if not pending.files and not pending.problems:
        print("imports/ 中没有待导入的文件。")
    elif pending.valid:
        print("Excel 导入：全部通过。" + ("已写入记录并删除工作簿。" if pending.removed else ""))
    else:
        print("Excel 导入：检查未通过，没有写入任何记录。")
    return EXIT_OK if pending.valid else EXIT_PROBLEMS


def _site_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("--out", metavar="DIR", help="网站输出文件夹（须不存在、为空或是之前生成的网站）")
    parser.add_argument("--prepare", action="store_true",
                        help="只生成数据页到网站源文件的 docs/generated/（供 mkdocs serve 预览），不构建")
    parser.add_argument("--sources", metavar="DIR",
                        help="网站源文件（mkdocs.yml、docs/）所在文件夹；默认为本工具所在仓库，其次为数据仓库")
    parser.add_argument("--stories", metavar="DIR", action="append", default=[],
                        help="另外加入的事迹文件夹（如演示用的 demo/stories），可重复")
    parser.add_argument("--site-url", metavar="URL",
                        help="网站的正式地址（如 https://example.github.io/pingan/），用于 404 页面和站点地图；可不填")


def _site_sources(root: Path, sources: str | None) -> Path:
    from .site import NoSiteSources, site_sources

    try:
        return site_sources(root, Path(sources) if sources else None)
    except NoSiteSources as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"找不到网站源文件：{exc} 中没有 mkdocs.yml 和 docs/。") from exc


@command("site", _site_args)
def cmd_site(args: argparse.Namespace) -> int:
    """生成公开网站：先由记录生成匿名统计等数据页，再运行 mkdocs build --strict。"""
    from . import report, site
    from .errors import SettingsInvalid
    from .problems import Report

    if bool(args.out) == bool(args.prepare):
        raise Stop(EXIT_USAGE, "请指定 --out DIR（构建网站）或 --prepare（只生成数据页），二者选一。")
    root = resolve_root(args.root)
    sources = _site_sources(root, args.sources)
    today = _today_or_stop()
    stories = [Path(s) for s in args.stories]
    for folder in stories:
        if not folder.is_dir():
            raise Stop(EXIT_USAGE, f"找不到事迹文件夹 {folder}。")
    try:
        if args.prepare:
            generated = site.prepare(root, sources, stories, today)
        else:
            generated = site.build(root, Path(args.out), sources, stories, today, site_url=args.site_url)
    except site.BadSiteUrl as exc:
        raise Stop(EXIT_USAGE, f"--site-url 应为以 http:// 或 https:// 开头的网址，实际为“{exc}”。") from exc
    except site.NotASiteFolder as exc:
        raise Stop(EXIT_USAGE, f"输出文件夹 {exc} 不是空的，也不像之前生成的网站；为免误删，请换一个文件夹。") from exc
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except site.StoriesRefused as exc:
        for line in report.render_text(Report(files=0, problems=exc.problems)):
            print(line)
        raise Stop(EXIT_PROBLEMS, "事迹中有未取得书面同意的人物，网站没有生成。") from exc
    except site.MkdocsFailed as exc:
        print(exc.log, file=sys.stderr)
        raise Stop(EXIT_CANNOT_CONTINUE, "mkdocs 构建失败（见上面的输出，常见原因是页面中的链接或锚点写错）。") from exc
    st = generated.statistics
    for problem in generated.story_problems:
        print(report.text_line(problem))
    left = "".join(f"，{status} {n} 条未计入" for status, n in st.not_counted.items() if n)
    print(f"统计：已登记 {st.registered} 人，总名额 {st.total_quota} 人{left}。")
    if args.prepare:
        print(f"已生成数据页：{sources / 'docs' / site.GENERATED}")
    else:
        print(f"已生成网站：{Path(args.out)}")
    return EXIT_OK


def _leak_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("--site", metavar="DIR", required=True, help="已生成的网站文件夹")
    parser.add_argument("--sources", metavar="DIR", help="网站源文件所在文件夹（读取事迹中同意公开的人物和页面用语）")
    parser.add_argument("--stories", metavar="DIR", action="append", default=[],
                        help="构建时另外加入的事迹文件夹，可重复")


@command("leak-check", _leak_args)
def cmd_leak_check(args: argparse.Namespace) -> int:
    """检查已生成的网站中有没有志愿者的身份证号码、电话、QQ、住址和姓名（发布前必须通过）。"""
    from . import leak, report

    root = resolve_root(args.root)
    site_dir = Path(args.site)
    if not (site_dir / "index.html").is_file():
        raise Stop(EXIT_USAGE, f"{site_dir} 不是生成的网站（其中没有 index.html）。")
    sources = _site_sources(root, args.sources)
    hits = leak.check_site(site_dir, root, sources, [Path(s) for s in args.stories])
    for hit in hits:
        print(report.leak_line(site_dir, hit))
    if hits:
        print(f"泄露检查未通过：在网站中发现 {len(hits)} 处个人信息，不能发布。")
        return EXIT_PROBLEMS
    print(f"泄露检查通过：{site_dir} 中没有发现志愿者的个人信息。")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    _speak_chinese()
    parser = argparse.ArgumentParser(prog="pingan", description="山西青年平安志愿者数据仓库工具。")
    parser.add_argument("--version", action="version", version=f"pingan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令")
    for name, (add_arguments, func) in COMMANDS.items():
        doc = (func.__doc__ or "").strip()
        child = sub.add_parser(name, help=doc.splitlines()[0] if doc else None, description=doc)
        add_arguments(child)
        child.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except Stop as stop:
        print(f"pingan：{stop}", file=sys.stderr)
        return stop.code
    except KeyboardInterrupt:
        print("pingan：已中断。", file=sys.stderr)
        return EXIT_CANNOT_CONTINUE
    except OSError as exc:
        print(f"pingan：无法继续：{exc.strerror or exc}（{exc.filename or ''}）", file=sys.stderr)
        return EXIT_CANNOT_CONTINUE
    except Exception as exc:  # a bug: say so in Chinese; the traceback only when asked for
        if os.environ.get("PINGAN_DEBUG"):
            raise
        print(f"pingan：程序内部错误（{type(exc).__name__}），未完成。请把所运行的命令告诉管理员；"
              "设置环境变量 PINGAN_DEBUG=1 后重新运行可看到详细信息。", file=sys.stderr)
        return EXIT_CANNOT_CONTINUE


if __name__ == "__main__":
    sys.exit(main())
