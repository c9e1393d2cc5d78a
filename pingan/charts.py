"""Bar charts of the published statistics as SVG, drawn for a phone: text stays text, output is repeatable.

Every chart is a horizontal bar chart drawn 4 inches wide (384 CSS pixels), so
that on a 360-pixel phone, where it is shown at the width of the text (about
328 pixels), its smallest text (11 pt) is still at least 11 CSS pixels. Each
bar carries its number; there is no axis to read.

Values are what the table beside the chart publishes: plain numbers (int,
float or digit strings, such as noisy release counts) are drawn to length; any
other text ("<10", "≥10") is a protected count, drawn as a short hatched bar
with its text, so that it does not look like zero; "—" (withheld) gets its text
and no bar. The picture never tells more than the table.

A time series of months ("YYYY-MM") longer than 36 months is drawn by quarter,
and longer than 36 quarters by year: numbers are added up; a period holding a
protected count shows "至少 N" (the published numbers and the lower bounds of
the protected ones), again hatched.

Fonts are not embedded: the SVG names a CJK font stack and the reader's system
draws the text (no web fonts, nothing fetched).
"""
from __future__ import annotations

import io
import logging
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

RED = "#b5121b"
PALE_RED = "#f2c4c6"
TEXT = "#1a1a1a"
GRID = "#d9d9d9"
FONT_STACK = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
              "WenQuanYi Micro Hei", "Noto Sans CJK JP", "DejaVu Sans"]
#: Width of every chart in inches (72 pt, 96 CSS pixels each) and the smallest text in points.
WIDTH = 4.0
TEXT_PT = 11.0
TITLE_PT = 12.0
#: A time series longer than this many periods is drawn by the next longer period.
MAX_PERIODS = 36
_RC = {
    "svg.fonttype": "none",          # keep text as <text>, searchable and sharp
    "svg.hashsalt": "pingan",        # stable ids, so builds are reproducible
    "svg.id": "chart",
    "font.family": "sans-serif",
    "font.sans-serif": FONT_STACK,
    "font.size": TEXT_PT,
    "axes.edgecolor": GRID,
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.unicode_minus": False,
    "hatch.color": RED,
    "hatch.linewidth": 0.8,
}
Value = str | int | float
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_BOUND = re.compile(r"([<≥>≤])\s*(\d+)")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def number(value: Value) -> float | None:
    """A value drawn to length: a number, or text that is only digits; None for a protected or withheld count."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    return float(text.replace(",", "")) if _NUMBER.fullmatch(text) else None


def lower_bound(value: Value) -> float:
    """The least a value can be: the number itself, 1 for "<10", 10 for "≥10", 0 for anything else."""
    found = number(value)
    if found is not None:
        return found
    bound = _BOUND.fullmatch(str(value).strip())
    if not bound:
        return 0.0
    return float(bound.group(2)) if bound.group(1) in "≥>" else 1.0


def stand_in(value: Value) -> float:
    """The length of a protected count's hatched bar: half of "<N", N of "≥N"; 0 for a withheld one."""
    bound = _BOUND.fullmatch(str(value).strip())
    if not bound:
        return 0.0
    return float(bound.group(2)) / (2 if bound.group(1) in "<≤" else 1)


def _text(value: Value) -> str:
    found = number(value)
    if found is None:
        return str(value)
    return str(int(found)) if found == int(found) else f"{found:.1f}"


def _period(label: str, by: str) -> str:
    year, month = _MONTH.fullmatch(label).groups()  # type: ignore[union-attr]
    if by == "quarter":
        return f"{year}年{'一二三四'[(int(month) - 1) // 3]}季度"
    if by == "year":
        return f"{year}年"
    return f"{year}年{int(month)}月"


def by_period(labels: Sequence[str], values: Sequence[Value]) -> tuple[list[str], list[Value]]:
    """Months ("YYYY-MM") as months, quarters or years, whichever gives at most MAX_PERIODS bars.

    Numbers are added up; a period holding a protected count becomes the text
    "至少 N" (its lower bound), so no hidden count can be worked out from it.
    Labels that are not months are returned as they are.
    """
    if not labels or not all(_MONTH.fullmatch(label) for label in labels):
        return list(labels), list(values)
    by = "month"
    if len(labels) > MAX_PERIODS:
        by = "quarter" if len({_period(label, "quarter") for label in labels}) <= MAX_PERIODS else "year"
    groups: dict[str, list[Value]] = {}
    for label, value in zip(labels, values):
        groups.setdefault(_period(label, by), []).append(value)
    merged: list[Value] = []
    for members in groups.values():
        if len(members) == 1:
            merged.append(members[0])
        elif all(number(v) is not None for v in members):
            merged.append(_text(sum(number(v) or 0 for v in members)))
        else:
            merged.append(f"至少 {_text(sum(lower_bound(v) for v in members))}")
    return list(groups), merged


def _ems(text: str) -> float:
    """About how wide `text` is in ems: a CJK character is one em, anything else 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def _inches(text: str, points: float) -> float:
    """About how wide `text` is set at `points` (the margins are worked out from this, not by tight_layout)."""
    return _ems(text) * points / 72


def _wrap(text: str, points: float, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` inches."""
    lines, line = [], ""
    for ch in text:
        if line and _inches(line + ch, points) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def _matplotlib() -> tuple[Any, Any, Any]:
    """matplotlib, its SVG canvas and Figure (importing it takes most of a second: done once per process)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return matplotlib, FigureCanvasSVG, Figure


def bar_chart(title: str, labels: Sequence[str], shown: Sequence[Value], *, time: bool = False) -> str:
    """An SVG horizontal bar chart of `shown` (published values) by `labels`, drawn for a phone.

    `time`: the labels are months ("YYYY-MM") in order, drawn by month, quarter or year.
    """
    matplotlib, FigureCanvasSVG, Figure = _matplotlib()
    if time:
        labels, shown = by_period(labels, shown)
        labels = [_period(label, "month") if _MONTH.fullmatch(label) else label for label in labels]
    values = [number(v) for v in shown]
    lengths = [v if v is not None else stand_in(s) for v, s in zip(values, shown)]
    texts = [_text(v) for v in shown]
    top = max(lengths, default=0) or 1
    with matplotlib.rc_context(_RC):
        n = len(labels)
        pad = 0.1  # inches around the edges
        title_lines = _wrap(title, TITLE_PT, WIDTH - 2 * pad)
        head = 0.15 + len(title_lines) * TITLE_PT * 1.35 / 72
        row = 0.3
        height = head + max(n, 1) * row + 0.15
        left = min(max((_inches(label, TEXT_PT) for label in labels), default=0) + 2 * pad, WIDTH * 0.45)
        right = max((_inches(t, TEXT_PT) for t in texts), default=0) + 2 * pad
        fig = Figure(figsize=(WIDTH, height))
        fig.subplots_adjust(left=left / WIDTH, right=1 - right / WIDTH, bottom=0.15 / height, top=1 - head / height)
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        positions = list(range(n))
        exact = [length if value is not None else 0 for length, value in zip(lengths, values)]
        ax.barh(positions, exact, color=RED, height=0.62)
        hidden = [length if value is None else 0 for length, value in zip(lengths, values)]
        if any(hidden):
            ax.barh(positions, hidden, color=PALE_RED, edgecolor=RED, hatch="////", linewidth=0.6, height=0.62)
        ax.set_yticks(positions, labels, fontsize=TEXT_PT)
        ax.tick_params(axis="y", length=0, pad=4)
        ax.set_xticks([])
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.02)
        ax.set_ylim(n - 0.5, -0.5)
        for pos, text, length in zip(positions, texts, lengths):
            ax.text(length + top * 0.02, pos, text, va="center", ha="left", color=TEXT, fontsize=TEXT_PT,
                    clip_on=False)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        fig.text(pad / WIDTH, 1 - 0.1 / height, "\n".join(title_lines), color=TEXT, fontsize=TITLE_PT,
                 fontweight="bold", va="top", ha="left", linespacing=1.25)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Title": title})
    return out.getvalue()


#: One chart to draw: title, labels, shown values, whether the labels are months (a time series).
Spec = tuple[str, Sequence[str], Sequence[Value], bool]


def _draw(spec: Spec) -> str:
    title, labels, shown, time = spec
    return bar_chart(title, labels, shown, time=time)


def _ready() -> None:
    bar_chart("", ["-"], ["10"])  # imports matplotlib; the first figure also loads fonts and caches


def _paint_for(caller: Any, callers_end: Any, processes: int) -> None:
    """The painters' process: load matplotlib once, fork the painters from here, draw what the caller sends.

    At low priority, as the early MkDocs process (see mkdocs_early.py): it loads on what processor time the
    caller's checking leaves.
    """
    callers_end.close()  # inherited by the fork; closed so that the caller leaving reads as end of file
    os.nice(10)
    _ready()
    with multiprocessing.get_context("fork").Pool(processes) as pool:  # each painter starts loaded
        try:
            specs = caller.recv()
        except EOFError:  # the caller left without charts to draw
            return
        try:
            drawn: list[str] | Exception = pool.map(_draw, specs, chunksize=1)
        except Exception as exc:  # handed to the caller, which raises it
            drawn = exc
        with suppress(OSError):  # the caller failed after asking, and left without them
            caller.send(drawn)


@contextmanager
def painters(processes: int) -> Iterator[Callable[[list[Spec]], Callable[[], list[str]]]]:
    """A function that starts drawing charts in `processes` processes and returns a function that waits for
    them; the processes start now, so that matplotlib loads while the caller does other work (reading,
    counting), and draw while it writes its other files.

    Loading matplotlib takes about a second of processor time, so it is loaded
    once and the painters are forked from the process that loaded it. With
    fewer than two processes, or where processes cannot be forked, charts are
    drawn here, when they are asked for.
    """
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield lambda specs: lambda: [_draw(spec) for spec in specs]
        return
    forking = multiprocessing.get_context("fork")
    ours, theirs = forking.Pipe()
    server = forking.Process(target=_paint_for, args=(theirs, ours, processes))
    server.start()
    theirs.close()

    def drawn() -> list[str]:
        svgs = ours.recv()
        if isinstance(svgs, Exception):
            raise svgs
        return svgs

    def draw(specs: list[Spec]) -> Callable[[], list[str]]:
        ours.send(specs)
        return drawn

    try:
        yield draw
    finally:
        ours.close()
        server.join()
