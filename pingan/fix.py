"""`pingan validate --fix`: the one safe automatic fix, adding the editor schema comment (YML013)."""
from __future__ import annotations

from pathlib import Path

from . import settings
from .problems import Report


def fix_pragma(root: Path, report: Report) -> list[str]:
    """Add the editor schema comment to each record that lacks it (YML013); the files changed.

    Only regular files inside the repository are rewritten, never through a link.
    """
    fixed = []
    for rel in sorted({p.file for p in report.problems if p.code == "YML013"}):
        path = root / rel
        if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
            continue
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        body = raw[3:] if bom else raw
        newline = b"\r\n" if b"\r\n" in body else b"\n"
        path.write_bytes(settings.SCHEMA_PRAGMA.encode() + newline + body)
        fixed.append(rel)
    return fixed
