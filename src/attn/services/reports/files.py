"""Report tables as files: CSV (UTF-8 with a byte order mark, comma- or semicolon-separated)
and XLSX (XlsxWriter).

The semicolon variant is the one Excel opens in columns where the list separator is ``;``
and the decimal mark a comma (Turkish, German, French... locales), so its numbers are
written with a decimal comma too (``85,7``); the comma variant writes ``85.7``.

Formula injection (OWASP "CSV injection") is guarded as in the attendance export: a CSV
text cell starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe.
In XLSX every text cell is stored as a string (never a formula), so names stay exactly as
typed and are never evaluated.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

import xlsxwriter

from attn.services.attendance.export import BOM
from attn.services.reports.tables import Cell, Table

Separator = Literal["comma", "semicolon"]
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""The same starts as ``services/attendance/export.py`` guards."""


def csv_text(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet evaluates."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value: Cell, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.1f}"
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, int):
        return str(value)
    return csv_text(value)


def csv_bytes(table: Table, separator: Separator) -> bytes:
    """The table as CSV: a BOM, the header, the rows, CRLF line ends."""
    semicolon = separator == "semicolon"
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";" if semicolon else ",", lineterminator="\r\n")
    writer.writerow([csv_text(name) for name in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(value, semicolon) for value in row])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(tables: list[Table]) -> bytes:
    """A workbook with a sheet per table: a bold, frozen header row (and the table's frozen
    columns), the column widths, rates as numbers with one decimal.

    XlsxWriter rather than openpyxl: a course's workbook (some 100,000 cells, most in the
    records sheet) takes it a third of openpyxl's time. Strings are never turned into
    formulas, numbers or links (``strings_to_*`` off), so every name stays text as typed."""
    buffer = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    book = xlsxwriter.Workbook(buffer, options)
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    rate = book.add_format({"num_format": "0.0"})
    for table in tables:
        sheet = book.add_worksheet(_sheet_name(table.name))
        sheet.write_row(0, 0, table.header, head)
        for row_number, row in enumerate(table.rows, start=1):
            if all(isinstance(value, str | int) for value in row):
                sheet.write_row(row_number, 0, row)
                continue
            for column, value in enumerate(row):
                if isinstance(value, float):
                    sheet.write_number(row_number, column, value, rate)
                elif value is not None:
                    sheet.write(row_number, column, value)
        for column, width in enumerate(table.widths):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, table.frozen_columns)
    book.close()
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip()
    return cleaned[:31] or "Sheet"
