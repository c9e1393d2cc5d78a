"""`mkdocs build`, started before its pages exist, so that its slow start-up overlaps the data step.

Importing MkDocs, Material and the Markdown extensions and loading jieba's
dictionary take about two seconds and need no page. This process does them at
once, then waits for one line on standard input: "build" runs MkDocs' own
command line with this process's arguments; anything else (the caller gave up)
ends it. The search plugin finds jieba ready and only adds the user dictionary.
"""
from __future__ import annotations

import sys

import jieba
import material.plugins.blog.plugin  # noqa: F401 - the heaviest imports of the build, made now
import material.plugins.search.plugin  # noqa: F401
import mkdocs.commands.build  # noqa: F401
from mkdocs.__main__ import cli


def main() -> None:
    jieba.initialize()
    if sys.stdin.readline().strip() == "build":
        cli.main(args=sys.argv[1:], prog_name="mkdocs")


if __name__ == "__main__":
    main()
