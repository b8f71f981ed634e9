"""Readers for the three export formats: xlsx (first sheet), Dutch csv and SPSS .sav.

Every reader returns a :class:`RawTable`: the header row as written and the data cells as read
(text trimmed, blank = ``None``; date cells as ``datetime.date``; numbers as ``int``/``float``),
with the row number of each data row as the spreadsheet numbers it (header = row 1; in a
``.sav`` file case k is row k + 1). Fully blank rows are not data rows and are skipped.
Nothing is interpreted here: mapping headers, validating and parsing answers is the job of
:mod:`pipeline.cells` and :mod:`pipeline.ingest`, driven by the codebook.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import StructuralError
from pipeline.vector import per_distinct

FORMATS = ("xlsx", "csv", "sav")


@dataclass
class RawTable:
    """The cells of one export file, as read."""

    file: str  # path relative to the raw folder, for messages and the data-quality table
    format: str
    headers: list[str]
    cells: pd.DataFrame  # object columns 0..n-1, one per header
    rows: np.ndarray  # spreadsheet row number of each data row
    value_labels: dict[int, dict[float, str]] = field(default_factory=dict)  # .sav: column -> code -> label
    has_value_labels: set[int] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.cells)


def read_table(path: Path, rel: str) -> RawTable:
    """Read one export file; an unreadable file is a :class:`StructuralError`."""
    suffix = path.suffix.lower().lstrip(".")
    try:
        if suffix == "xlsx":
            return _from_grid(_read_xlsx(path), rel, "xlsx")
        if suffix == "csv":
            return _from_grid(_read_csv(path, rel), rel, "csv")
        if suffix == "sav":
            return _read_sav(path, rel)
    except StructuralError:
        raise
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if match:
            expected, line, seen = (int(g) for g in match.groups())
            raise StructuralError(
                rel,
                f"de rij heeft {seen} velden, de kopregel {expected} (een ';' in een cel zonder aanhalingstekens?)",
                row=line,
            ) from exc
        raise StructuralError(rel, f"het bestand is niet te lezen als csv ({exc})") from exc
    except Exception as exc:  # any library error on a broken file: name the file, keep the cause
        raise StructuralError(rel, f"het bestand is niet te lezen als {suffix} ({type(exc).__name__}: {exc})") from exc
    raise StructuralError(rel, f"onbekend bestandsformaat '.{suffix}' (verwacht: xlsx, csv of sav)")


def _clean_cell(value: object) -> object:
    """Trim text (blank → None), turn datetimes into dates, keep numbers as numbers."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool):
        return "Ja" if value else "Nee"
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _clean_column(values: pd.Series) -> pd.Series:
    """Vectorised :func:`_clean_cell`: text columns with pandas string methods, other columns once
    per distinct value (a column holding booleans cell by cell, as ``True == 1`` in hashing)."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):  # text and blanks only
        return _strip_distinct(values)
    if values.map(type).eq(bool).any():
        return values.map(_clean_cell).astype(object)
    return _clean_distinct(values)


@per_distinct
def _strip_distinct(values: pd.Series) -> pd.Series:
    """Trimmed text, blank → None (once per distinct text)."""
    return pd.Series([(v.strip() or None) if isinstance(v, str) else None for v in values], index=values.index, dtype=object)


@per_distinct
def _clean_distinct(values: pd.Series) -> pd.Series:
    return values.map(_clean_cell).astype(object)


def _from_grid(grid: pd.DataFrame, rel: str, fmt: str) -> RawTable:
    """Split a header-less grid (row 0 = spreadsheet row 1) into headers and data rows."""
    if grid.shape[0] == 0 or grid.shape[1] == 0:
        raise StructuralError(rel, "het bestand is leeg (geen kopregel)")
    grid = grid.astype(object)
    cleaned = pd.DataFrame({i: _clean_column(grid.iloc[:, i]) for i in range(grid.shape[1])})
    header_values = list(cleaned.iloc[0])
    headers = ["" if v is None else str(v) for v in header_values]
    data = cleaned.iloc[1:]
    rows = np.arange(2, len(grid) + 1)
    filled = data.notna().any(axis=1).to_numpy()
    data = data.loc[filled].reset_index(drop=True)
    return RawTable(file=rel, format=fmt, headers=headers, cells=data, rows=rows[filled])


def _read_xlsx(path: Path) -> pd.DataFrame:
    """First sheet through pandas with the calamine engine, as read (no type inference)."""
    return pd.read_excel(path, sheet_name=0, engine="calamine", header=None, dtype=object, na_filter=False)


def decode_csv_bytes(data: bytes) -> str:
    """UTF-8 (a BOM is dropped); bytes that are not valid UTF-8 are cp1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _read_csv(path: Path, rel: str) -> pd.DataFrame:
    """Dutch Excel csv: ``;`` separator, every cell read as text."""
    text = decode_csv_bytes(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise StructuralError(rel, "het bestand is leeg (geen kopregel op rij 1)", row=1)
    if ";" not in first_line and ("," in first_line or "\t" in first_line):
        separator = "','" if "," in first_line else "een tab"
        raise StructuralError(rel, f"de kopregel is gescheiden door {separator}, niet door ';' (exporteer als "
                              "Nederlandse Excel-csv: 'CSV (gescheiden door lijstscheidingsteken)')", row=1)
    return pd.read_csv(
        io.StringIO(text),
        sep=";",
        header=None,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        quotechar='"',
        engine="c",
    )


def _read_sav(path: Path, rel: str) -> RawTable:
    """SPSS: header = variable label (name where there is none); codes kept with their labels."""
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, dates_as_pandas_datetime=False)
    labels = meta.column_names_to_labels or {}
    headers = [labels.get(name) or name for name in frame.columns]
    cells = pd.DataFrame({i: _clean_column(frame.iloc[:, i].astype(object)) for i in range(frame.shape[1])})
    filled = cells.notna().any(axis=1).to_numpy()
    rows = np.arange(2, len(frame) + 2)[filled]
    cells = cells.loc[filled].reset_index(drop=True)
    value_labels: dict[int, dict[float, str]] = {}
    has_labels: set[int] = set()
    for i, name in enumerate(frame.columns):
        mapping = meta.variable_value_labels.get(name)
        if mapping:
            has_labels.add(i)
            value_labels[i] = {float(k): str(v) for k, v in mapping.items()}
    return RawTable(
        file=rel, format="sav", headers=headers, cells=cells, rows=rows, value_labels=value_labels, has_value_labels=has_labels
    )
