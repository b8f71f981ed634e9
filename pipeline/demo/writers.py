"""Export files as the registration system writes them: xlsx, Dutch csv and SPSS ``.sav``.

Shared by the demo generator and the tests' hand-made exports (``tests/exportkit.py``). The same
rows give the same bytes: the xlsx zip entries and document properties and the ``.sav`` header
stamp are fixed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

FIXED_STAMP = (2000, 1, 1, 0, 0, 0)


def xlsx_bytes(headers: list[str], rows: list[list[object]], sheet: str = "Blad1") -> bytes:
    """One sheet: a bold header row, then the rows; dates shown as dd-mm-yyyy."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    for cell in ws[1]:
        cell.font = openpyxl.styles.Font(bold=True)
    for column_cells in ws.iter_cols(min_row=2):
        for cell in column_cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD-MM-YYYY"
    fixed = dt.datetime(*FIXED_STAMP)
    wb.properties.creator = "demo"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def csv_cell(value: object, date_style: str = "dmy") -> str:
    """A cell of a Dutch csv: decimal comma, dates as ``dd-mm-yyyy`` (``short``: ``d-m-yyyy``,
    ``iso``: ``yyyy-mm-dd``), quoted when it holds ``;``, ``"`` or a line break."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        if date_style == "iso":
            return value.isoformat()
        if date_style == "short":
            return f"{value.day}-{value.month}-{value.year}"
        return value.strftime("%d-%m-%Y")
    text = f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)
    if any(ch in text for ch in ';"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def csv_bytes(headers: list[str], rows: list[list[object]], encoding: str = "utf-8-sig", date_style: str = "dmy") -> bytes:
    """A Dutch csv: ``;`` between cells, CRLF line ends, in ``encoding``."""
    lines = [";".join(csv_cell(h, date_style) for h in headers)]
    lines += [";".join(csv_cell(v, date_style) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def sav_bytes(
    headers: list[str],
    rows: list[list[object]],
    value_labels: dict[str, dict[float, str]] | None = None,
    stamp: dt.date | None = None,
) -> bytes:
    """An SPSS file as an SPSS export writes one: variables ``V1``, ``V2``, ... with the headers as
    variable labels, codes with value labels, dates as ``DATE11``, text as strings."""
    import pyreadstat

    from pipeline.spss import stamp_sav_header

    value_labels = value_labels or {}
    names = [f"V{i + 1}" for i in range(len(headers))]
    columns = list(zip(*rows)) if rows else [[] for _ in headers]
    frame = pd.DataFrame({n: list(c) for n, c in zip(names, columns)})
    formats, labels = {}, {}
    for name, header in zip(names, headers):
        values = [v for v in frame[name] if v is not None]
        if values and all(isinstance(v, dt.date) for v in values):
            formats[name] = "DATE11"
        elif values and all(isinstance(v, (int, float)) for v in values):
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        else:
            frame[name] = (
                frame[name].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v)).astype(object)
            )
        if header in value_labels:
            labels[name] = value_labels[header]
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.sav"
        pyreadstat.write_sav(
            frame, str(path), column_labels=dict(zip(names, headers)), variable_value_labels=labels, variable_format=formats
        )
        data = path.read_bytes()
    return stamp_sav_header(data, stamp) if stamp else data


def write_table(
    path: Path,
    headers: list[str],
    rows: list[list[object]],
    *,
    encoding: str = "utf-8-sig",
    value_labels: dict[str, dict[float, str]] | None = None,
    date_style: str = "dmy",
) -> Path:
    """Write one export table; its extension (``.xlsx``, ``.csv``, ``.sav``) decides the format."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        data = xlsx_bytes(headers, rows)
    elif suffix == ".csv":
        data = csv_bytes(headers, rows, encoding, date_style)
    elif suffix == ".sav":
        data = sav_bytes(headers, rows, value_labels)
    else:
        raise ValueError(f"write_table: {suffix!r} is not an export format (.xlsx, .csv, .sav)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
