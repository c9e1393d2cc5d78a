"""Bar charts of the published statistics as SVG: text stays text, output is byte-for-byte repeatable.

Only published numbers are drawn: a hidden count ("<10", "≥10", "—") gets its
label but no bar, so the picture never tells more than the table beside it.
Fonts are not embedded: the SVG names a CJK font stack and the reader's system
draws the text (no web fonts, nothing fetched).
"""
from __future__ import annotations

import io
import logging
import multiprocessing
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

RED = "#c8102e"
TEXT = "#1a1a1a"
GRID = "#d9d9d9"
FONT_STACK = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
              "WenQuanYi Micro Hei", "Noto Sans CJK JP", "DejaVu Sans"]
_RC = {
    "svg.fonttype": "none",          # keep text as <text>, searchable and sharp
    "svg.hashsalt": "pingan",        # stable ids, so builds are reproducible
    "svg.id": "chart",
    "font.family": "sans-serif",
    "font.sans-serif": FONT_STACK,
    "font.size": 11,
    "axes.edgecolor": GRID,
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.unicode_minus": False,
}


def _numeric(label: str) -> int | None:
    return int(label) if label.isdigit() else None


def _inches(text: str, points: float) -> float:
    """About how wide `text` is set at `points`: a CJK character is one em, anything else 0.6 em.

    The margins are worked out from this instead of by `tight_layout`, which
    lays out every label by drawing the whole figure once more (40% of a chart).
    """
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)
    return ems * points / 72


def _matplotlib() -> tuple[Any, Any, Any]:
    """matplotlib, its SVG canvas and Figure (importing it takes most of a second: done once per process)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return matplotlib, FigureCanvasSVG, Figure


def bar_chart(title: str, labels: Sequence[str], shown: Sequence[str], *, vertical: bool = False) -> str:
    """An SVG bar chart of `shown` (published strings) by `labels`; hidden counts get no bar."""
    matplotlib, FigureCanvasSVG, Figure = _matplotlib()
    values = [_numeric(s) for s in shown]
    heights = [v or 0 for v in values]
    top = max(heights, default=0) or 1
    with matplotlib.rc_context(_RC):
        n = len(labels)
        pad, head = 0.15, 0.4  # inches: around the edges, and above the axes for the title
        if vertical:
            width, height = max(6.0, 0.32 * n + 1.5), 3.6
            left, bottom = _inches(str(top), 11) + 2 * pad, max(map(_inches, labels, [8] * n), default=0) + 2 * pad
        else:
            width, height = 6.4, max(1.6, 0.38 * n + 0.9)
            left, bottom = max(map(_inches, labels, [11] * n), default=0) + 2 * pad, 0.45
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(left=left / width, right=1 - pad / width, bottom=bottom / height, top=1 - head / height)
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        positions = list(range(n))
        if vertical:
            ax.bar(positions, heights, color=RED, width=0.7)
            ax.set_xticks(positions, labels, rotation=90, fontsize=8)
            ax.set_ylim(0, top * 1.15)
            ax.grid(axis="y", color=GRID, linewidth=0.6)
        else:
            ax.barh(positions, heights, color=RED, height=0.6)
            ax.set_yticks(positions, labels)
            ax.invert_yaxis()
            ax.set_xlim(0, top * 1.25)
            ax.grid(axis="x", color=GRID, linewidth=0.6)
            for pos, text, value in zip(positions, shown, values):
                ax.text((value or 0) + top * 0.01, pos, text, va="center", ha="left", color=TEXT, fontsize=10)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_title(title, color=TEXT, fontsize=12, loc="left")
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Title": title})
    return out.getvalue()


#: One chart to draw: title, labels, shown values, vertical.
Spec = tuple[str, Sequence[str], Sequence[str], bool]


def _draw(spec: Spec) -> str:
    title, labels, shown, vertical = spec
    return bar_chart(title, labels, shown, vertical=vertical)


def _ready() -> None:
    bar_chart("", ["-"], ["10"])  # imports matplotlib; the first figure also loads fonts and caches


def _paint_for(caller: Any, callers_end: Any, processes: int) -> None:
    """The painters' process: load matplotlib once, fork the painters from here, draw what the caller sends."""
    callers_end.close()  # inherited by the fork; closed so that the caller leaving reads as end of file
    _ready()
    with multiprocessing.get_context("fork").Pool(processes) as pool:  # each painter starts loaded
        try:
            specs = caller.recv()
        except EOFError:  # the caller left without charts to draw
            return
        try:
            caller.send(pool.map(_draw, specs, chunksize=1))
        except Exception as exc:  # handed to the caller, which raises it
            caller.send(exc)


@contextmanager
def painters(processes: int) -> Iterator[Callable[[list[Spec]], list[str]]]:
    """A function that draws charts in `processes` processes, started now so that matplotlib loads while
    the caller does other work (reading, counting).

    Loading matplotlib takes about a second of processor time, so it is loaded
    once and the painters are forked from the process that loaded it. With
    fewer than two processes, or where processes cannot be forked, charts are
    drawn here.
    """
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield lambda specs: [_draw(spec) for spec in specs]
        return
    forking = multiprocessing.get_context("fork")
    ours, theirs = forking.Pipe()
    server = forking.Process(target=_paint_for, args=(theirs, ours, processes))
    server.start()
    theirs.close()

    def draw(specs: list[Spec]) -> list[str]:
        ours.send(specs)
        drawn = ours.recv()
        if isinstance(drawn, Exception):
            raise drawn
        return drawn

    try:
        yield draw
    finally:
        ours.close()
        server.join()
