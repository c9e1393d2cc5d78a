"""The `pingan` command: thin wrappers that parse arguments, call the library and print.

Exit codes: 0 valid, 1 problems found, 2 usage error, 3 cannot continue.
"""
from __future__ import annotations

import argparse
import gettext
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__, settings

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


argparse._ = _chinese  # type: ignore[attr-defined]  # argparse looks its strings up through gettext
argparse.ngettext = lambda s, p, n: _chinese(s if n == 1 else p)  # type: ignore[attr-defined]
gettext  # noqa: B018 - imported so the intent above is explicit


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


def _today_or_stop() -> object:
    try:
        return settings.today()
    except settings.BadToday as exc:
        raise Stop(EXIT_USAGE, f"环境变量 PINGAN_TODAY 应为 YYYY-MM-DD 格式的日期，实际为“{exc}”。") from exc


COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def command(name: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    """Register a sub-command: its docstring is its help text."""
    def register(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = (add_arguments, func)
        return func
    return register


def _root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", metavar="DIR", help="数据仓库所在文件夹（含 data/）；默认从当前文件夹向上查找")


def _validate_args(parser: argparse.ArgumentParser) -> None:
    _root_option(parser)
    parser.add_argument("paths", nargs="*", metavar="PATH", help="要检查的记录文件（默认：全部）")
    parser.add_argument("--format", choices=("text", "github", "json"), default="text",
                        help="输出格式：text（默认）、github（工作流注释）或 json")


@command("validate", _validate_args)
def cmd_validate(args: argparse.Namespace) -> int:
    """校验志愿者记录：字段、身份证号码、年龄、户籍与居住、代码表等。"""
    from . import report
    from .validate import NotARepository, validate

    root = resolve_root(args.root)
    today = _today_or_stop()
    paths = []
    for raw in args.paths:
        path = Path(raw).resolve() if Path(raw).is_absolute() else (Path.cwd() / raw).absolute()
        if not path.is_relative_to(root):
            raise Stop(EXIT_USAGE, f"{raw} 不在数据仓库 {root} 中。")
        if not path.exists() and not path.is_symlink():
            raise Stop(EXIT_USAGE, f"找不到文件 {raw}。")
        paths.append(path)
    try:
        result = validate(root, paths or None, today=today)
    except NotARepository as exc:
        raise Stop(EXIT_CANNOT_CONTINUE, f"{exc} 不是数据仓库。") from exc
    if args.format == "json":
        print(report.render_json(result))
    elif args.format == "github":
        for line in report.render_github(result):
            print(line)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            with open(summary_file, "a", encoding="utf-8") as handle:
                handle.write(report.step_summary(result))
    else:
        for line in report.render_text(result):
            print(line)
    return EXIT_OK if result.valid else EXIT_PROBLEMS


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


def build_parser() -> argparse.ArgumentParser:
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
