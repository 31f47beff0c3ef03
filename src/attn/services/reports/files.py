"""Report tables as files: CSV (UTF-8 with a byte order mark, comma- or semicolon-separated)
and XLSX (openpyxl).

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

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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
    columns), the column widths, rates as numbers with one decimal."""
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.name))
        for column, name in enumerate(table.header, start=1):
            head = sheet.cell(row=1, column=column, value=name)
            head.data_type = "s"
            head.font = Font(bold=True)
            head.alignment = Alignment(wrap_text=True, vertical="top")
        for row_number, row in enumerate(table.rows, start=2):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row=row_number, column=column, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                elif isinstance(value, float):
                    cell.number_format = "0.0"
        for column, width in enumerate(table.widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = sheet.cell(row=2, column=table.frozen_columns + 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip()
    return cleaned[:31] or "Sheet"
