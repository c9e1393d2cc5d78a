"""Writing cells that stay what they are: text stays text, nothing becomes a formula or a number.

Spreadsheets guess: 140121199001011019 typed into a cell becomes 1.40121E+17
and loses its last digits; "=HYPERLINK(...)" in a name becomes a live formula
(CSV/formula injection). Every workbook this package writes goes through
`workbook_options` and `write_text`, so ID numbers, phones and QQ numbers are
string cells with the text number format, and text starting with = + - @ tab
or carriage return is a string cell with Excel's quote prefix (it shows as
typed and stays inert when someone edits it).
"""
from __future__ import annotations

from typing import Any

#: First characters that make Excel, WPS or LibreOffice treat typed text as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: The text number format: Excel keeps what is typed into such a cell as text.
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"


def workbook_options(constant_memory: bool = False) -> dict[str, Any]:
    """xlsxwriter options that turn off every guess it could make about a string.

    A workbook not written row by row (`constant_memory`) is held in memory
    anyway, so its parts are assembled there too, not in temporary files (a
    third less time for the site's small release workbooks).
    """
    return {
        "constant_memory": constant_memory,
        "in_memory": not constant_memory,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "default_date_format": DATE_FORMAT,
    }


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would evaluate when typed (or when the cell is edited)."""
    return text.startswith(FORMULA_START)


def write_text(sheet: Any, row: int, col: int, text: str, plain: Any, quoted: Any) -> None:
    """A string cell; formula-looking text gets the quote-prefix format `quoted`."""
    sheet.write_string(row, col, text, quoted if text.startswith(FORMULA_START) else plain)


def neutral(text: str) -> str:
    """A CSV cell that no spreadsheet evaluates: formula-looking text gets a leading apostrophe ('=1+1)."""
    return "'" + text if looks_like_formula(text) else text


def neutral_csv(text: str) -> str:
    """CSV text with every cell made `neutral` (a leading byte-order mark and the line ends kept)."""
    import csv
    import io

    bom = "\ufeff" if text.startswith("\ufeff") else ""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    if not any(looks_like_formula(cell) for row in rows for cell in row):
        return text
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(
        [[neutral(cell) for cell in row] for row in rows])
    return bom + out.getvalue()
