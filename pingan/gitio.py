"""The one way the package asks git: a command's output as bytes, or GitUnavailable with git's message."""
from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import GitUnavailable


def git(root: Path, *args: str, stdin: bytes | None = None, failure: type[GitUnavailable] = GitUnavailable,
        env: Mapping[str, str] | None = None) -> bytes:
    """Run `git -C root ARGS` (in `env` when given); raise `failure` (a GitUnavailable) when git is missing or fails."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False,
                              env=env)
    except OSError as exc:  # git is not installed
        raise failure(str(exc)) from exc
    if done.returncode != 0:
        raise failure(done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return done.stdout


def text(root: Path, *args: str, failure: type[GitUnavailable] = GitUnavailable) -> str:
    """git's output as text (undecodable bytes kept as surrogates, as file names may be)."""
    return git(root, *args, failure=failure).decode("utf-8", "surrogateescape")


def objects(root: Path) -> Iterator[tuple[str, str, bytes]]:
    """(object id, kind, content) of every object stored, reachable or not (`cat-file --batch-all-objects`)."""
    command = ["git", "-C", str(root), "cat-file", "--batch-all-objects", "--batch", "--unordered"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:
        stream = process.stdout
        if stream is None:  # pragma: no cover - stdout=PIPE always gives a stream
            raise GitUnavailable("git cat-file gave no output")
        for header in iter(stream.readline, b""):
            oid, kind, size = header.split()
            yield oid.decode(), kind.decode(), stream.read(int(size) + 1)[:-1]
    if process.returncode != 0:
        raise GitUnavailable("git cat-file failed")
