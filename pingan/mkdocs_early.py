"""`mkdocs build`, started before its pages exist, so that its slow start-up overlaps the data step.

Importing MkDocs, Material and the Markdown extensions and loading jieba's
dictionary take about two seconds and need no page. This process does them at
once, then waits for one line on standard input: "build" runs MkDocs' own
command line with this process's arguments; anything else (the caller gave up)
ends it. The search plugin finds jieba ready and only adds the user dictionary,
and the theme's templates are compiled already (mkdocs_hooks.compile_templates).

It runs at low priority (nice 10): while the records are checked on every
processor it loads on the time they leave, and once the checking is done it has
a processor to itself. At normal priority its start-up slowed the checking by as
much as it saved.
"""
from __future__ import annotations

import os
import sys


def main() -> None:
    if hasattr(os, "nice"):  # not on Windows, where the build runs as it is
        os.nice(10)
    import jieba
    import material.plugins.blog.plugin  # noqa: F401 - the heaviest imports of the build, made now
    import material.plugins.search.plugin  # noqa: F401
    import mkdocs.commands.build  # noqa: F401
    from mkdocs.__main__ import cli

    from .mkdocs_hooks import compile_templates

    jieba.initialize()
    compile_templates(sys.argv[sys.argv.index("-f") + 1])
    if sys.stdin.readline().strip() == "build":
        cli.main(args=sys.argv[1:], prog_name="mkdocs")


if __name__ == "__main__":
    main()
