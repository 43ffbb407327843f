"""Exports a spreadsheet cannot turn into formulas ("CSV injection", OWASP).

Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what Excel,
WPS and LibreOffice read as a formula: a party named ``=HYPERLINK("https://…"&A2)`` would
be a live link sending the next cell away. One rule, written the way each format keeps
text; numbers, dates and times are written as themselves (a negative number stays one).

- XLSX, :func:`append_safe_row`: openpyxl stores any string starting with ``=`` as a
  formula, so every text cell is given the string type, and one that looks like a formula
  also the "quote prefix" style (what typing an apostrophe first sets). The spreadsheet
  shows exactly the original characters, evaluates nothing on opening, and keeps the cell
  text when someone edits it. No apostrophe goes into the value: in XLSX it would be shown.
- CSV, or any text without types, :func:`safe_cell`: an apostrophe before such text,
  which spreadsheets take as "text follows" and do not show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl is loaded by the exports themselves, not by every module
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value):
    """``value`` for a CSV cell: text a spreadsheet would read as a formula comes back
    after an apostrophe (``'=A1``); other text, numbers, dates and None unchanged."""
    return "'" + value if _formula_like(value) else value


def append_safe_row(sheet: Worksheet, values) -> None:
    """Append ``values`` to an openpyxl ``sheet`` as one row in which no text is a formula:
    every text cell is a string cell, and one that looks like a formula is quote-prefixed
    (shown as written, kept text when edited). Numbers and dates keep their types. Write
    every row of an export with it, the header too."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl made a formula of a leading "="
            if _formula_like(cell.value):
                cell.quotePrefix = True
