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
from .agekeys import Keyring, KeysUnreadable
from .errors import KeysCannotOpen

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
        held = holding_commits(root, args.id_number, Keyring.from_env())
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
    parser.add_argument("--root", metavar="DIR",
                        help="从这个数据仓库取单位和全省设置；默认从当前文件夹向上查找，找不到时用本工具自带的")
    parser.add_argument("--out", metavar="DIR", required=True, help="输出文件夹（须不存在或为空）")
    parser.add_argument("--count", metavar="N", type=int, default=30000, help="记录数（默认 30000）")
    parser.add_argument("--seed", metavar="S", type=int, default=0, help="随机种子（默认 0）；同一种子生成的文件完全相同")
    parser.add_argument("--git", action="store_true", help="生成后初始化 git 仓库并提交一次")
    parser.add_argument("--registered-until", metavar="YYYY-MM-DD", type=_iso_day,
                        help="登记日期从 2014-10-08 起均匀分布到这一天（如 2026-06-30）；默认大多在 2014 年 11、12 月，"
                             "其余到 2016 年底")
    parser.add_argument("--unit-count", metavar="UNIT=N", action="append", default=[],
                        help="这个单位恰好生成 N 条记录（如 --unit-count taiyuan=1），可重复；其余记录按名额分给其他单位")
    parser.add_argument("--encrypt", action="store_true",
                        help="生成加密的仓库：为每个单位、办公室（两把）和 CI 生成演示私钥，放在输出文件夹的 .demo-keys/ 中"
                             "（不提交），公钥写入 keys/，每条记录都加密")


def _unit_counts(values: list[str]) -> dict[str, int]:
    found = {}
    for value in values:
        code, sep, number = value.partition("=")
        if not sep or not number.isdigit():
            raise Stop(EXIT_USAGE, f"--unit-count 应写作 单位代码=人数，如 taiyuan=9，实际为“{value}”。")
        found[code.strip()] = int(number)
    return found


@command("demo-data", _demo_args)
def cmd_demo_data(args: argparse.Namespace) -> int:
    """生成虚构的演示数据仓库（身份证号码校验码有效，但人物均为虚构）。"""
    from . import demo

    if args.count < 0:
        raise Stop(EXIT_USAGE, "--count 不能为负数。")
    root = _settings_source(args.root)
    out = Path(args.out)
    counts = _unit_counts(args.unit_count)
    try:
        written = sum(1 for _ in demo.generate(root, out, args.count, args.seed, args.registered_until, counts,
                                               args.encrypt))
    except demo.OutputNotEmpty as exc:
        raise Stop(EXIT_USAGE, f"输出文件夹 {exc} 不是空的；请指定一个不存在或空的文件夹。") from exc
    except demo.BadDemoOption as exc:
        raise Stop(EXIT_USAGE, f"演示数据的选项有误：没有单位“{exc}”，或 --registered-until 早于 2014-10-08。") from exc
    if args.git:
        from .errors import GitUnavailable

        try:
            demo.commit(out)
        except GitUnavailable as exc:
            raise Stop(EXIT_CANNOT_CONTINUE, f"无法用 git 提交演示数据（需要安装 git）：{exc}") from exc
    print(f"已在 {out} 生成 {written} 条虚构的志愿者记录。")
    if args.encrypt:
        keys = out / demo.KEYS_FOLDER
        print(f"记录已加密。演示私钥在 {keys}/（已被 git 忽略）：CI 的 ci.agekey，办公室的 office.agekey 和 "
              f"office-backup.agekey，每个单位一把，如太原市的 taiyuan.agekey；公钥在 {out / settings.KEYS_DIR}/。\n"
              f"用哪把私钥，就用环境变量指定，如 PINGAN_AGE_KEY_FILE={keys / 'ci.agekey'} pingan validate --root {out}")
    return EXIT_OK


def _settings_source(value: str | None) -> Path:
    """Where demo data takes its units and province from: --root, the data repository around the current
    folder, else the one this tool comes with (demo data is often made in a scratch folder)."""
    if value is not None or settings.find_root(Path.cwd()) is not None:
        return resolve_root(value)
    own = settings.PACKAGE_DIR.parent
    if (own / settings.UNITS_DIR).is_dir():
        return own
    return resolve_root(value)  # says that there is none


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


def _key_needed_stop(exc: KeysCannotOpen, whose: str, key_file: str) -> Stop:
    """Why a command that changes encrypted records wrote nothing: no key held here opens them (`whose` key,
    `key_file` an example of its file's name)."""
    what = (f"本机的私钥打不开这些加密的记录：{'、'.join(exc.rels)}" if exc.rels
            else f"本仓库的记录是加密的，本机的私钥打不开单位 {exc.unit} 的记录")
    return Stop(EXIT_PROBLEMS, f"{what}。要读出原有的记录才能核对和修改，所以没有写入任何文件。"
                f"请用环境变量 PINGAN_AGE_KEY_FILE 指定{whose}的私钥文件（如 PINGAN_AGE_KEY_FILE=~/{key_file}）"
                "后再运行；已经指定了的，请办公室确认 keys/ 中有这把私钥对应的公钥。")


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
    if progress.withdrawn:
        lines.append(f"另有 {progress.withdrawn} 名志愿者已退出，未列入。")
    if password is None:
        lines.append("注意：文件未加密，含身份证号码等个人信息，请勿外传；需要加密时使用 --password-env。")
    print("\n".join(lines))
    _append_step_summary("Excel 名单" + ("（已加密）" if password else ""), lines + [
        "", "在本次运行页面底部的 Artifacts 中下载，保存 7 天；打开时输入名单密码。"])
    return EXIT_OK


def _form_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("record_ids", metavar="编号", nargs="*", help="志愿者编号，如 taiyuan-00001；可写多个")
    parser.add_argument("--unit", metavar="CODE", help="打印这个单位的全部登记表（单位代码，如 taiyuan）")
    parser.add_argument("--since", metavar="YYYY-MM-DD", type=_iso_day,
                        help="与 --unit 同用：只打印这一天及以后登记的志愿者")
    parser.add_argument("--out", metavar="FILE", required=True, help="输出的 .xlsx 文件")
    _root_option(parser)
    _password_option(parser)


@command("form", _form_args)
def cmd_form(args: argparse.Namespace) -> int:
    """生成《山西省平安志愿者登记表》（附件3）：每人 A4 纵向一页，可直接打印签字盖章。

    写一个编号时生成这个人的登记表；写多个编号或用 --unit（可加 --since）时，所有登记表放在同一个工作簿中，
    每人一张工作表（一页），可以一次打印。有错误的记录和已退出的志愿者不打印，并列出编号。
    """
    from .errors import NoSuchRecord, SettingsInvalid, UnknownUnit
    from .report import text_line
    from .unit_workbooks import RecordWithdrawn, build_form, build_forms

    root = resolve_root(args.root)
    if not args.record_ids and not args.unit:
        raise Stop(EXIT_USAGE, "请写出志愿者编号，或用 --unit 指定单位。")
    if args.since and not args.unit:
        raise Stop(EXIT_USAGE, "--since 须与 --unit 一起使用。")
    password = _password(args)
    target = Path(args.out)
    if len(args.record_ids) != 1 or args.unit:
        try:
            made = build_forms(root, args.record_ids, args.unit, args.since, target, password, _today_or_stop())
        except NoSuchRecord as exc:
            raise _no_record_stop(exc.record_id, exc) from exc
        except UnknownUnit as exc:
            raise Stop(EXIT_USAGE, f"data/units/ 中没有代码为“{args.unit}”的单位。") from exc
        except SettingsInvalid as exc:
            raise _settings_stop(exc) from exc
        print(f"已写入 {target}{'（已加密）' if password else ''}：{len(made.printed)} 份登记表，每份一页。")
        if made.skipped:
            print(f"以下 {len(made.skipped)} 条记录没有打印：")
            for record_id, why in made.skipped:
                print(f"    {record_id}：{why}")
            print("有错误的记录请运行 pingan validate 查看并改正后再打印。")
        return EXIT_OK if made.printed or not made.skipped else EXIT_PROBLEMS
    record_id = args.record_ids[0]
    try:
        errors = build_form(root, record_id, target, password, _today_or_stop())
    except NoSuchRecord as exc:
        raise _no_record_stop(record_id, exc) from exc
    except RecordWithdrawn as exc:
        raise Stop(EXIT_USAGE, f"记录 {record_id} 的志愿者已退出，不再打印登记表。") from exc
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    if errors:
        for problem in errors:
            print(text_line(problem))
        print(f"记录 {record_id} 有 {len(errors)} 个错误，请改正后再生成登记表。")
        return EXIT_PROBLEMS
    print(f"已写入 {target}{'（已加密）' if password else ''}")
    return EXIT_OK


def _template_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("--unit", metavar="CODE", required=True, help="单位代码，如 taiyuan")
    parser.add_argument("--out", metavar="FILE", required=True, help="输出的 .xlsx 文件")
    parser.add_argument("--with-records", action="store_true",
                        help="填入本单位现有的志愿者记录（用于批量修改）；在 CI 中须加 --password-env")
    _password_option(parser)


@command("template", _template_args)
def cmd_template(args: argparse.Namespace) -> int:
    """生成 Excel 批量填报模板：每行一名志愿者，代码表字段有下拉列表；可填入本单位现有记录。"""
    from .errors import SettingsInvalid, UnknownUnit
    from .unit_workbooks import build_template

    root = resolve_root(args.root)
    out = Path(args.out)
    # An empty template holds no personal data: a password only when asked for; with records, as for rosters.
    password = _password(args) if args.with_records or args.password_env else None
    try:
        made = build_template(root, args.unit, out, args.with_records, _today_or_stop(), password)
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except UnknownUnit as exc:
        raise Stop(EXIT_USAGE, f"data/units/ 中没有代码为“{args.unit}”的单位。") from exc
    print(f"已写入 {out}{'（已加密）' if password else ''}（{made.unit_name}，{made.count} 名志愿者）")
    if made.unreadable:
        print(f"注意：{made.unreadable} 个记录文件无法读取，未填入模板；运行 pingan validate 查看。")
    if made.count and password is None:
        print("注意：模板中含身份证号码等个人信息，文件未加密，请妥善保管；需要加密时使用 --password-env。")
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


def _annotated_copy(args: argparse.Namespace, root: Path, path: Path, outcome: Outcome) -> None:
    """The error workbook after a failed import, the written-back copy after a successful one (never inside an
    encrypted repository's folder: the copy holds every row in clear, one `git add` away from the history)."""
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
    if outcome.encrypted and target.resolve().is_relative_to(root):
        other = "" if outcome.valid else "，或用 --error-workbook 指定仓库以外的文件"
        print(f"注意：本仓库的记录是加密的，没有写出 {target}：工作簿中的个人信息没有加密，不能放进仓库的文件夹。"
              f"请把工作簿放在仓库以外再导入{other}。")
        return
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
    except KeysCannotOpen as exc:
        raise _key_needed_stop(exc, "本单位维护者", f"{args.unit}.agekey") from exc
    except UnknownUnit as exc:
        raise Stop(EXIT_USAGE, f"data/units/ 中没有代码为“{exc}”的单位。") from exc
    _print_outcome(outcome, args.dry_run)
    _annotated_copy(args, root, path, outcome)
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
    if pending.encrypted:
        print("本仓库的记录是加密的，不接受上传到 imports/ 的工作簿：请在本单位的电脑上用 pingan import 导入，"
              "记录加密后再提交。")
    elif not pending.files and not pending.problems:
        print("imports/ 中没有待导入的文件。")
    elif pending.valid:
        print("Excel 导入：全部通过。" + ("已写入记录并删除工作簿。" if pending.removed else ""))
    else:
        print("Excel 导入：检查未通过，没有写入任何记录。")
    return EXIT_OK if pending.valid else EXIT_PROBLEMS


# --- lifecycle: withdrawal, purge on consent withdrawal, transfer (issue 13) -----------------

def _withdraw_args(parser: argparse.ArgumentParser) -> None:
    from .codelists import WITHDRAWAL_REASONS

    parser.add_argument("record_id", metavar="编号", help="志愿者编号，如 taiyuan-00001")
    parser.add_argument("--date", metavar="YYYY-MM-DD", type=_iso_day,
                        help="退出日期（不早于登记日期，不晚于今天）；撤回个人信息同意时不需要")
    parser.add_argument("--reason", metavar="原因", required=True, choices=WITHDRAWAL_REASONS,
                        help="退出原因：" + "、".join(WITHDRAWAL_REASONS) + "。撤回个人信息同意的，记录直接删除")
    _root_option(parser)


def _problem_lines(problems: list) -> str:
    from .report import text_line

    return "\n".join(text_line(p) for p in problems)


@command("withdraw", _withdraw_args)
def cmd_withdraw(args: argparse.Namespace) -> int:
    """志愿者退出：在记录中写明“状态: 已退出”、退出日期和退出原因（由本单位在合并请求中提交）。

    退出的记录不计入任何名单和统计，并让出本单位的名额；身份证号码仍属于此人，重新加入时把状态改回在册，
    不要重新登记。退出原因为“撤回个人信息同意”时，记录文件直接删除，编号记入 data/retired-numbers.txt
    永不再用，并提示办公室从提交历史中清除此人的信息。
    """
    from . import lifecycle
    from .codelists import CONSENT_WITHDRAWN
    from .errors import NoSuchRecord, SettingsInvalid
    from .reader import masked

    root = resolve_root(args.root)
    today = _today_or_stop()
    purge = args.reason == CONSENT_WITHDRAWN
    if args.date is None and not purge:
        raise Stop(EXIT_USAGE, "请用 --date 写明退出日期，如 --date 2026-11-01。")
    try:
        done = lifecycle.withdraw(root, args.record_id, args.reason, args.date, today)
    except NoSuchRecord as exc:
        raise _no_record_stop(args.record_id, exc) from exc
    except KeysCannotOpen as exc:
        raise _key_needed_stop(exc, "本单位维护者（或办公室）", f"{exc.unit}.agekey") from exc
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except lifecycle.AlreadyWithdrawn as exc:
        raise Stop(EXIT_USAGE, f"记录 {args.record_id} 已经是已退出，不需要再退出。") from exc
    except lifecycle.RecordHasErrors as exc:
        print(_problem_lines(exc.problems))
        print(f"记录 {args.record_id} 有 {len(exc.problems)} 个错误，没有修改；请改正后再运行。")
        return EXIT_PROBLEMS
    if not done.purged:
        print(f"已把 {done.rel} 改为已退出（退出日期 {args.date}，退出原因 {args.reason}）。\n"
              "请提交合并请求；合并后此人不再计入名单和统计，本单位让出一个名额。")
        return EXIT_OK
    shown = masked(done.id_number) if done.id_number else "（记录中没有可读的身份证号码）"
    print("\n".join([
        f"此人已撤回个人信息同意：已删除 {done.rel}，编号 {done.record_id} 已记入 {lifecycle.RETIRED_FILE}，永不再用。",
        "接下来（《个人信息保护法》第四十七条：撤回同意后应当删除）：",
        f"1. 提交合并请求（包括删除的记录文件和 {lifecycle.RETIRED_FILE}），合并后此人不再出现在任何名单中。",
        f"2. 提交历史中仍有此人的信息。请办公室运行 pingan history 此人的身份证号码（{shown}，完整号码见原登记表），"
        "列出仍含有它的全部提交。",
        "3. 办公室按 docs/guides/office.md 中“彻底删除”的步骤改写提交历史，再运行 pingan history 确认已没有提交含有它。",
        "4. 销毁本单位保存的纸质登记表和名单中此人的信息。",
    ]))
    return EXIT_OK


def _no_record_stop(record_id: str, exc: Exception) -> Stop:
    rel = getattr(exc, "rel", None)
    if rel is None:
        return Stop(EXIT_USAGE, f"编号“{record_id}”格式不对，应为“单位代码-5位数字”，如 taiyuan-00001。")
    return Stop(EXIT_USAGE, f"找不到编号为 {record_id} 的记录（{rel}）。")


def _transfer_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("record_id", metavar="编号", help="志愿者现在的编号，如 taiyuan-00001")
    parser.add_argument("--to", metavar="CODE", required=True, help="接收单位的代码，如 datong")
    _root_option(parser)


@command("transfer", _transfer_args)
def cmd_transfer(args: argparse.Namespace) -> int:
    """把志愿者转到另一个招募单位（办公室操作）：在接收单位按下一个未用过的编号写入记录，“原编号”记下原来的编号，删除原文件。

    个人信息一律不变；名额随之转移。接收单位名额已满时不做任何修改。
    """
    from . import lifecycle
    from .errors import NoSuchRecord, SettingsInvalid, UnknownUnit

    root = resolve_root(args.root)
    try:
        moved = lifecycle.transfer(root, args.record_id, args.to, _today_or_stop())
    except NoSuchRecord as exc:
        raise _no_record_stop(args.record_id, exc) from exc
    except KeysCannotOpen as exc:
        raise _key_needed_stop(exc, "办公室", "office.agekey") from exc
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except UnknownUnit as exc:
        raise Stop(EXIT_USAGE, f"data/units/ 中没有代码为“{args.to}”的单位。") from exc
    except lifecycle.SameUnit as exc:
        raise Stop(EXIT_USAGE, f"记录 {args.record_id} 已经在单位 {args.to} 中。") from exc
    except lifecycle.AlreadyWithdrawn as exc:
        raise Stop(EXIT_USAGE, f"记录 {args.record_id} 已退出，不能转移；先恢复在册（删去退出信息）再转移。") from exc
    except lifecycle.QuotaFull as exc:
        print(_problem_lines(exc.problems))
        print(f"接收单位 {args.to} 的名额已满，没有修改；请先调整名额。")
        return EXIT_PROBLEMS
    except lifecycle.RecordHasErrors as exc:
        print(_problem_lines(exc.problems))
        print(f"记录 {args.record_id} 有 {len(exc.problems)} 个错误，没有转移；请改正后再运行。")
        return EXIT_PROBLEMS
    shown_as = ("记录已为接收单位重新加密，git 会把它显示为删除一个文件、新增一个文件" if moved.encrypted
                else "git 会把它显示为改名")
    print(f"已转移：{moved.old_rel} → {moved.new_rel}（新编号 {moved.new_id}，原编号 {moved.old_id}）。\n"
          f"请提交合并请求（{shown_as}）；保险变动名单中此人列为“变更”。")
    return EXIT_OK


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
    parser.add_argument("--no-new-releases", action="store_true",
                        help="只发布 data/releases/ 中已有的分项统计，不生成新的一期（CI 的网站作业不能提交新的一期，"
                             "否则每次构建都会重新加噪声；新的一期由定时的 make ci-release 生成并提交）")


def _site_sources(root: Path, sources: str | None) -> Path:
    from .site import NoSiteSources, site_sources

    try:
        return site_sources(root, Path(sources) if sources else None)
    except NoSiteSources as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"找不到网站源文件：{exc} 中没有 mkdocs.yml 和 docs/。") from exc


@command("site", _site_args)
def cmd_site(args: argparse.Namespace) -> int:
    """生成公开网站：先发布到期的分项统计（同 pingan release），再生成数据页，最后运行 mkdocs build --strict。"""
    from . import releases, report, site
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
            generated = site.build(root, Path(args.out), sources, stories, today, site_url=args.site_url,
                                   make_releases=not args.no_new_releases)
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
    except site.NotPublishable as exc:
        for line in report.render_text(Report(files=0, problems=exc.problems)):
            print(line)
        raise Stop(EXIT_PROBLEMS, "docs/ 中有不允许发布的文件，网站没有生成。") from exc
    except site.MkdocsFailed as exc:
        print(exc.log, file=sys.stderr)
        raise Stop(EXIT_CANNOT_CONTINUE, "mkdocs 构建失败（见上面的输出，常见原因是页面中的链接或锚点写错）。") from exc
    except releases.ReleaseInvalid as exc:
        raise _release_stop(exc) from exc
    st = generated.statistics
    if generated.made:
        print(f"已发布到期的分项统计 {len(generated.made)} 期（{generated.made[0].period.label} 至 "
              f"{generated.made[-1].period.label}），写入 {releases.RELEASES_DIR}/；请提交这些文件。")
    for problem in generated.story_problems:
        print(report.text_line(problem))
    left = "".join(f"，{status} {n} 条未计入" for status, n in st.not_counted.items() if n)
    print(f"统计：已登记 {st.registered} 人，总名额 {st.total_quota} 人{left}。")
    if args.prepare:
        print(f"已生成数据页：{sources / 'docs' / site.GENERATED}")
    else:
        print(f"已生成网站：{Path(args.out)}")
    return EXIT_OK


def _release_stop(exc: Exception) -> Stop:
    return Stop(EXIT_CANNOT_CONTINUE, f"统计发布文件有误，不能使用也不会被改写：{exc}。"
                                      "发布后的文件不应修改；请从版本历史中恢复它。")


@command("release", _root_option)
def cmd_release(args: argparse.Namespace) -> int:
    """发布到期的分项统计：每期只统计登记日期在本期内的记录并加入随机噪声，写入 data/releases/，已有的各期永不改写。"""
    from . import releases
    from .errors import SettingsInvalid

    root = resolve_root(args.root)
    today = _today_or_stop()
    try:
        stored, made = releases.release(root, today)
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except releases.ReleaseInvalid as exc:
        raise _release_stop(exc) from exc
    for r in made:
        print(f"已发布 {r.period.label}（登记日期 {r.period.start} 至 {r.period.end}）：{releases.RELEASES_DIR}/{r.period.label}.json")
    if made:
        print(f"共发布 {len(made)} 期，已有 {len(stored)} 期。请提交 {releases.RELEASES_DIR}/ 中的新文件。")
    else:
        print(f"没有到期的统计发布（已有 {len(stored)} 期）。")
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
    from . import leak, report, site

    root = resolve_root(args.root)
    site_dir = Path(args.site)
    if not (site_dir / "index.html").is_file():
        raise Stop(EXIT_USAGE, f"{site_dir} 不是生成的网站（其中没有 index.html）。")
    sources = _site_sources(root, args.sources)
    hits = leak.check_site(site_dir, root, sources, [Path(s) for s in args.stories])
    for hit in hits:
        print(report.leak_line(site_dir, hit))
    refused = site.unpublishable(site_dir)
    for problem in refused:
        print(report.text_line(problem))
    if hits:
        print(f"泄露检查未通过：在网站中发现 {len(hits)} 处个人信息，不能发布。")
    if refused:
        print(f"泄露检查未通过：网站中有 {len(refused)} 个不允许发布的文件。")
    if hits or refused:
        return EXIT_PROBLEMS
    print(f"泄露检查通过：{site_dir} 中没有发现志愿者的个人信息。")
    return EXIT_OK


# --- encrypted records (issue 15): keys, reading and editing one record, migration ----------

def _keys_new_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="FILE.agekey", required=True,
                        help="私钥文件（文件名以 .agekey 结尾，放在数据仓库之外，如 ~/pingan.agekey）；不覆盖已有文件")
    parser.add_argument("--login", metavar="LOGIN", help="你在代码托管平台上的账号，写在公钥行的“# ”后面")


def _keys_sync_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)


def _keys_rotate_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit", metavar="CODE", required=True, help="单位代码，如 taiyuan")
    _root_option(parser)


def keys_new(args: argparse.Namespace) -> int:
    """生成一把新的 age 私钥（只有你能读取的 .agekey 文件），并显示要交给办公室的公钥。"""
    from .agekeys import KeysUnreadable, new_identity

    out = Path(args.out).expanduser()
    if out.parent.is_dir() and settings.find_root(out.parent) is not None:
        raise Stop(EXIT_USAGE, f"{out} 在数据仓库之中：私钥绝不能放进仓库（一旦提交，所有能克隆仓库的人都能拿到）。"
                               "请换一个仓库以外的位置，如 ~/pingan.agekey。")
    try:
        recipient = new_identity(out)
    except KeysUnreadable as exc:
        raise Stop(EXIT_USAGE, str(exc)) from exc
    login = args.login or "你的账号"
    print("\n".join([
        f"已生成私钥文件 {out}（只有你自己能读取）。你的公钥是：",
        "",
        f"    {recipient} # {login}",
        "",
        "接下来：",
        "1. 把上面这一行公钥发给办公室，或在合并请求中把它加到 keys/单位代码.txt（如 keys/taiyuan.txt）；"
        "“# ”后面的账号须是本单位的维护者。",
        "   合并后，由办公室（或本单位已能读取记录的维护者）运行 pingan keys sync，你就能读取本单位的记录了。",
        f"2. 私钥文件 {out.name} 只留在你自己的电脑上：不要放进数据仓库，不要发给任何人（包括办公室），也不要上传到网盘。",
        f"   使用时把环境变量 PINGAN_AGE_KEY_FILE 设为它的完整路径（sops 使用 SOPS_AGE_KEY_FILE）：{out.resolve()}",
        "3. 私钥丢失就再也读不了记录；怀疑被别人拿到时，立即告诉办公室，换一把新的私钥。",
    ]))
    return EXIT_OK


def _not_encrypted_stop(root: Path) -> Stop:
    return Stop(EXIT_USAGE, f"{root} 没有启用加密（没有 keys/ci.txt）：先由办公室设置 keys/ 中的公钥，"
                            "再用 pingan encrypt-all 迁移到加密仓库。")


def _print_problems(problems: list, limit: int = 50) -> None:
    from .report import text_line

    for problem in problems[:limit]:
        print(text_line(problem))
    if len(problems) > limit:
        print(f"……另有 {len(problems) - limit} 个问题，运行 pingan validate 查看全部。")


def keys_sync(args: argparse.Namespace) -> int:
    """按 keys/ 中的公钥同步：写出 .sops.yaml，并为收件人变了的记录重新包装数据密钥（加密的值不变）。

    加了或删了公钥之后运行。需要能打开这些记录的私钥：办公室或 CI 的私钥能同步全部记录，
    单位维护者的私钥只能同步本单位的记录。仓库中的明文记录同时被加密。
    """
    from . import keysync
    from .errors import NotEncrypted, SettingsInvalid

    root = resolve_root(args.root)
    try:
        done = keysync.sync(root)
    except NotEncrypted as exc:
        raise _not_encrypted_stop(root) from exc
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    print(f"已写入 {keysync.SOPS_CONFIG}（sops 据此为每个单位的记录选择收件人）。" if done.config_changed
          else f"{keysync.SOPS_CONFIG} 已是最新。")
    locked = sum(len(rels) for rels in done.locked.values())
    broken = len({p.file for p in done.problems})
    print(f"重新包装数据密钥 {len(done.rewrapped)} 个文件，加密明文记录 {len(done.encrypted)} 个，"
          f"已是最新 {done.unchanged} 个，本机打不开 {locked} 个，无法完整读取 {broken} 个。")
    if done.encrypted:
        print("注意：这些记录以前提交过的明文仍在提交历史中，加密不能把它们从历史中去掉；请告诉办公室，由办公室清除。")
    if done.locked:
        print("以下文件本机的私钥打不开，没有重新包装：")
        for unit, rels in sorted(done.locked.items()):
            shown = "、".join(rels[:3]) + (" 等" if len(rels) > 3 else "")
            print(f"    {unit}：{len(rels)} 个（{shown}）")
        print("请由办公室（或持有 CI 私钥的人）运行 pingan keys sync；单位维护者只能同步本单位的记录。")
    if done.problems:
        _print_problems(done.problems)
        print(f"以上 {broken} 个文件无法完整读取，没有改动；请先改正（pingan validate 查看），再运行 pingan keys sync。")
    if done.config_changed or done.rewrapped or done.encrypted:
        print("请提交改动的文件（合并请求）。")
    return EXIT_OK if done.complete else EXIT_PROBLEMS


def keys_rotate(args: argparse.Namespace) -> int:
    """为一个单位的全部记录换新的数据密钥，每个值重新加密（有人离开、公钥删除之后，在 keys sync 之后运行）。

    需要能打开这个单位全部记录的私钥；有一条打不开或无法完整读取，就一条也不改。
    """
    from .errors import NotEncrypted, SettingsInvalid, UnknownUnit
    from .rotate import rotate

    root = resolve_root(args.root)
    try:
        done = rotate(root, args.unit)
    except NotEncrypted as exc:
        raise _not_encrypted_stop(root) from exc
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except UnknownUnit as exc:
        raise Stop(EXIT_USAGE, f"data/units/ 中没有代码为“{args.unit}”的单位。") from exc
    if not done.done:
        if done.locked:
            shown = "、".join(done.locked[:3]) + (" 等" if len(done.locked) > 3 else "")
            print(f"本机的私钥打不开 {args.unit} 的 {len(done.locked)} 个记录（{shown}）：请由办公室运行。")
        if done.problems:
            _print_problems(done.problems)
            print("以上记录无法完整读取或校验码不符：请先改正（pingan edit 编号 核对后保存）。")
        print(f"没有改动任何文件：{args.unit} 的记录须全部换新密钥，不能只换一部分。")
        return EXIT_PROBLEMS
    print(f"已为 {args.unit} 的 {done.rotated} 条记录换了新的数据密钥，每个加密的值都已重新加密。请提交这些文件（合并请求）。\n"
          "注意：离开的人以前能读到的内容（提交历史中的旧版本）仍然能读；换密钥只保证今后写入的内容他读不到。")
    return EXIT_OK


KEYS_ACTIONS = {"new": (_keys_new_args, keys_new), "sync": (_keys_sync_args, keys_sync),
                "rotate": (_keys_rotate_args, keys_rotate)}


def _keys_args(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="keys_action", metavar="操作", title="操作", required=True)
    for name, (add_arguments, func) in KEYS_ACTIONS.items():
        doc = (func.__doc__ or "").strip()
        child = actions.add_parser(name, help=doc.splitlines()[0], description=doc)
        add_arguments(child)


@command("keys", _keys_args)
def cmd_keys(args: argparse.Namespace) -> int:
    """加密记录的密钥：new 生成自己的私钥，sync 按 keys/ 中的公钥同步收件人，rotate 为一个单位换新的数据密钥。"""
    return KEYS_ACTIONS[args.keys_action][1](args)


def _record_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("record_id", metavar="编号", help="志愿者编号，如 taiyuan-00001")
    _root_option(parser)


def _opened_stops(record_id: str, exc: Exception) -> Stop:
    """The Stop for an error of opening one record (show, edit); records' problems are printed first."""
    from .errors import NoSuchRecord, RefusedInCI

    if isinstance(exc, RefusedInCI):
        return Stop(EXIT_USAGE, "在 CI 中不能显示或编辑记录的明文（CI 的日志很多人都能看到）；请在自己的电脑上运行。")
    if isinstance(exc, NoSuchRecord):
        return _no_record_stop(record_id, exc)
    if isinstance(exc, KeysCannotOpen):
        if exc.keyless:
            return Stop(EXIT_PROBLEMS, f"记录 {record_id} 是加密的，本机没有私钥：请把环境变量 PINGAN_AGE_KEY_FILE "
                                       "设为你的 .agekey 私钥文件（用 pingan keys new 生成），再运行一次。")
        return Stop(EXIT_PROBLEMS, f"本机的私钥打不开记录 {record_id}：它只为这些公钥加密：{'、'.join(exc.readers)}"
                                   "（本单位的维护者、办公室和 CI）。")
    _print_problems(getattr(exc, "problems", []))
    return Stop(EXIT_PROBLEMS, f"记录 {record_id} 无法完整读取（见上）；请从提交历史中恢复这个文件，或请办公室处理。")


@command("show", _record_args)
def cmd_show(args: argparse.Namespace) -> int:
    """显示一条记录的明文（需要能打开它的私钥：本单位维护者、办公室或 CI 的）；在 CI 中拒绝运行。"""
    from .editing import shown
    from .errors import NoSuchRecord, RecordUnreadable, RefusedInCI

    root = resolve_root(args.root)
    try:
        text = shown(root, args.record_id)
    except (RefusedInCI, NoSuchRecord, KeysCannotOpen, RecordUnreadable) as exc:
        raise _opened_stops(args.record_id, exc) from exc
    print(text, end="")
    return EXIT_OK


def _edit_again(problems: list) -> bool:
    """Print why the edited text cannot be saved; ask whether to edit again (only when someone can answer)."""
    _print_problems(problems)
    if not sys.stdin.isatty():
        return False
    answer = input("修改后的记录无法保存（见上）。重新编辑吗？[Y/n] ").strip().lower()
    return not answer.startswith("n")


@command("edit", _record_args)
def cmd_edit(args: argparse.Namespace) -> int:
    """用编辑器修改一条记录：解密到只有你能读的临时文件，保存后重新加密（没改的值保持原样）；在 CI 中拒绝运行。

    编辑器取自环境变量 EDITOR（默认 vi）。改完的内容读不通时不保存，原文件不变；临时文件用后即删。
    """
    import shlex

    from .editing import EditorFailed, NotSaved, edit
    from .errors import NoSuchRecord, RecordUnreadable, RefusedInCI, SettingsInvalid
    from .problems import ERROR

    root = resolve_root(args.root)
    try:
        editor = shlex.split(os.environ.get("EDITOR", "").strip() or "vi")
    except ValueError as exc:
        raise Stop(EXIT_USAGE, "环境变量 EDITOR 的写法不对（引号没有配对）。") from exc
    try:
        done = edit(root, args.record_id, editor, _edit_again)
    except (RefusedInCI, NoSuchRecord, KeysCannotOpen, RecordUnreadable) as exc:
        raise _opened_stops(args.record_id, exc) from exc
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except EditorFailed as exc:
        what = f"无法启动编辑器 {exc.editor}" if exc.code is None else f"编辑器 {exc.editor} 出错退出（退出码 {exc.code}）"
        raise Stop(EXIT_CANNOT_CONTINUE, f"{what}，记录文件没有改动；可用环境变量 EDITOR 指定编辑器。") from exc
    except NotSaved as exc:
        raise Stop(EXIT_PROBLEMS, f"修改后的内容不是有效的记录，没有保存；{exc.rel} 没有改动。") from exc
    if not done.changed:
        print(f"没有修改，{done.rel} 不变。")
        return EXIT_OK
    print(f"已保存 {done.rel}（改动的值重新加密，其余保持原样）。请提交合并请求。")
    _print_problems(done.problems)
    errors = sum(1 for p in done.problems if p.level == ERROR)
    if errors:
        print(f"这条记录有 {errors} 个错误，请再运行 pingan edit {args.record_id} 改正。")
        return EXIT_PROBLEMS
    return EXIT_OK


def _encrypt_all_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", metavar="OLD", help="现有的明文数据仓库（git 仓库的顶层文件夹，须已有 keys/ci.txt 等公钥）；"
                                                      "默认从当前文件夹向上查找")
    parser.add_argument("--out", metavar="NEW", required=True, help="新的加密仓库所在文件夹（须不存在或为空，且不在旧仓库中）")


@command("encrypt-all", _encrypt_all_args)
def cmd_encrypt_all(args: argparse.Namespace) -> int:
    """把明文数据仓库迁移为新的加密仓库（办公室操作）：新仓库只有一个提交，每条记录都已加密。

    设置、公钥和其他文件原样复制，旧仓库历史中用过的编号写入 data/retired-numbers.txt，永不再用。
    旧仓库的提交历史中仍有全部明文，迁移后只由办公室归档。
    """
    from . import migrate
    from .errors import GitUnavailable, NoHistory, NotEncrypted, SettingsInvalid

    root = resolve_root(args.root)
    try:
        done = migrate.encrypt_all(root, Path(args.out))
    except NotEncrypted as exc:
        raise Stop(EXIT_USAGE, f"{root} 还没有公钥：先在 keys/ 中放好 ci.txt（CI 的公钥）、office.txt（办公室的两个公钥）"
                               "和各单位的公钥文件，再迁移。") from exc
    except SettingsInvalid as exc:
        raise _settings_stop(exc) from exc
    except NoHistory as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"{root} 不是 git 仓库的顶层文件夹，或还没有任何提交：迁移的是一个提交的内容。") from exc
    except migrate.UncommittedChanges as exc:
        shown = "、".join(exc.paths[:10]) + (f" 等 {len(exc.paths)} 个" if len(exc.paths) > 10 else "")
        raise Stop(EXIT_USAGE, f"旧仓库有未提交的改动（{shown}）：请先提交或撤销（keys/ 中新加的公钥文件除外），再迁移。") from exc
    except migrate.TargetNotEmpty as exc:
        raise Stop(EXIT_USAGE, f"{args.out} 已存在且不是空文件夹，或在旧仓库之中：请指定旧仓库以外一个不存在或空的文件夹。") from exc
    except migrate.PlaintextOutsideRecords as exc:
        shown = "、".join(exc.paths[:10]) + (f" 等 {len(exc.paths)} 个" if len(exc.paths) > 10 else "")
        raise Stop(EXIT_USAGE, f"旧仓库中有可能含个人信息、却不是记录的文件（{shown}）：它们不能以明文复制到新仓库。"
                               "请先导入或删除 imports/ 中待导入的工作簿，移走 data/volunteers/ 中不是记录的文件，提交后再迁移。") from exc
    except migrate.RecordsNotRewritable as exc:
        _print_problems(exc.problems)
        raise Stop(EXIT_PROBLEMS, f"以上 {len({p.file for p in exc.problems})} 条记录无法完整读取，不能加密；没有生成新仓库。"
                                  "请在旧仓库中改正并提交后再迁移。") from exc
    except GitUnavailable as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"git 没有完成（{exc}），没有生成新仓库；请检查 git 是否已安装、"
                                         "是否设置了 user.name 和 user.email。") from exc
    print("\n".join([
        f"已生成加密仓库 {args.out}：一个提交 {done.new_commit[:12]}，来自旧仓库的提交 {done.old_commit[:12]}。",
        f"加密记录 {done.records} 条，原样复制其他文件 {done.copied} 个，"
        f"把旧历史中用过、现已不在的 {done.retired} 个编号写入 {settings.RETIRED_NUMBERS_FILE}（永不再用）。",
        "接下来：",
        f"1. 用 CI 的私钥检查新仓库：PINGAN_AGE_KEY_FILE=CI私钥文件 pingan validate --root {args.out}",
        "2. 把新仓库推送为新的代码仓库，在 CI 的机密变量中设置 CI 私钥；各单位重新克隆新仓库。",
        "3. 旧仓库的提交历史中仍有全部明文个人信息：旧仓库只由办公室离线归档，不再推送、不再共享；"
        "请各单位删除旧仓库的全部克隆和下载的副本。",
    ]))
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
    except KeysCannotOpen as exc:
        print(f"pingan：有 {exc.count} 条加密的记录用本机的私钥打不开，这一步需要读全部（或本单位的全部）记录："
              "名单、统计、网站和泄露检查在 CI 中用 CI 的私钥生成，或由办公室用办公室的私钥生成；"
              "单位只能生成本单位的名单和表格（设置 PINGAN_AGE_KEY_FILE 为本单位的私钥）。", file=sys.stderr)
        return EXIT_CANNOT_CONTINUE
    except KeysUnreadable as exc:  # any command reads the keys named by the environment
        print(f"pingan：{exc}。私钥由环境变量 PINGAN_AGE_KEY_FILE（或 SOPS_AGE_KEY_FILE、SOPS_AGE_KEY）指定，"
              "请检查。", file=sys.stderr)
        return EXIT_CANNOT_CONTINUE
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
