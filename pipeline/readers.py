"""Readers for the export formats: workbooks (xlsx, xls), Dutch csv and SPSS .sav.

Every reader returns a :class:`RawTable`: the header row as written and the data cells as read
(text trimmed, blank = ``None``; date cells as ``datetime.date``; numbers as ``int``/``float``),
with the row number of each data row as the spreadsheet numbers it (in a ``.sav`` file case k is
row k + 1). Fully blank rows are not data rows and are skipped.

Given the form, a workbook's data sheet is the first sheet that holds the form's required
columns, and its header row the first row among the sheet's first 10 that holds them (title rows
above it and sheets before or after it are not data); a csv file's header row is found the same
way. A workbook whose data sheet holds a formula without a saved value stops the run: the value
is not in the file.

Nothing is interpreted here: mapping headers, validating and parsing answers is the job of
:mod:`pipeline.cells` and :mod:`pipeline.ingest`, driven by the codebook. No library's own error
text reaches the user: every failure is a :class:`StructuralError` in Dutch that says what to do.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.codebook import Form, normalise_header
from pipeline.errors import StructuralError
from pipeline.vector import per_distinct

log = logging.getLogger("pipeline.ingest")

WORKBOOK_FORMATS = ("xlsx", "xls")
FORMATS = (*WORKBOOK_FORMATS, "csv", "sav")
HEADER_SEARCH_ROWS = 10  # the header row is among a sheet's first 10 rows
RESAVE = "open het bestand in Excel en sla het opnieuw op"


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
    sheet: str | None = None  # the data sheet of a workbook
    header_row: int = 1  # spreadsheet row of the header

    def __len__(self) -> int:
        return len(self.cells)


def read_table(path: Path, rel: str, form: Form | None = None) -> RawTable:
    """Read one export file; anything that keeps it from being read is a :class:`StructuralError`.

    Without ``form`` the header is the first row of the first sheet (for tests and tools).
    """
    suffix = path.suffix.lower().lstrip(".")
    if suffix in WORKBOOK_FORMATS:
        return _read_workbook(path, rel, suffix, form)
    if suffix == "csv":
        return _read_csv(path, rel, form)
    if suffix == "sav":
        return _read_sav(path, rel)
    raise StructuralError(rel, f"onbekend bestandsformaat '.{suffix}' (verwacht: xlsx, xls, csv of sav)")


# --------------------------------------------------------------------------- cells


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


# --------------------------------------------------------------------------- header row


def _row_headers(values: list[object]) -> set[str]:
    return {normalise_header(v) for v in values if isinstance(v, str) and v.strip()}


def _requirements_met(headers: set[str], form: Form) -> tuple[int, list[tuple[str, ...]]]:
    """How many of the form's header requirements ``headers`` meets, and the rest (their headers)."""
    missing = [name for name, keys in form.header_requirements() if not (keys & headers)]
    return len(form.header_requirements()) - len(missing), missing


@dataclass
class _Closest:
    """The sheet and row that come closest to a header row, for the error message."""

    score: int = -1
    sheet: str | None = None
    row: int | None = None
    missing: list[tuple[str, ...]] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # that row's headers as written

    def consider(
        self, score: int, sheet: str | None, row: int, missing: list[tuple[str, ...]], found: list[str] | None = None
    ) -> None:
        if score > self.score:
            self.score, self.sheet, self.row, self.missing, self.found = score, sheet, row, missing, found or []

    def error(self, rel: str, form: Form, where: str) -> StructuralError:
        if self.score <= 0:
            wanted = ", ".join(f"'{headers[0]}'" for headers, _ in form.header_requirements()[:4])
            return StructuralError(
                rel,
                f"geen kopregel van het {form.label_nl.lower()} gevonden: geen van de verplichte kolommen ({wanted}, ...) "
                f"staat in de eerste {HEADER_SEARCH_ROWS} rijen van {where}. Is dit het goede bestand? De kopregel moet "
                f"binnen de eerste {HEADER_SEARCH_ROWS} rijen staan.",
            )
        names = ", ".join(" of ".join(f"'{h}'" for h in headers) for headers in self.missing)
        plural = len(self.missing) > 1
        missing = "kolommen ontbreken" if plural else "kolom ontbreekt"
        fix = "voeg de kolommen toe of geef ze hun naam" if plural else "voeg de kolom toe of geef hem zijn naam"
        found = f" Gevonden kolommen in die rij: {_shown_headers(self.found)}." if self.found else ""
        return StructuralError(
            rel,
            f"verplichte {missing}: {names}. Deze rij komt het dichtst bij een kopregel van het "
            f"{form.label_nl.lower()}; {fix} uit het exportcontract.{found}",
            row=self.row,
            column=self.missing[0][0],
            sheet=self.sheet,
        )


def _header_index(grid: list[list[object]], form: Form, sheet: str | None, closest: _Closest) -> int | None:
    """Index of the first of the first 10 rows that holds every required column, else None."""
    for index, values in enumerate(grid[:HEADER_SEARCH_ROWS]):
        score, missing = _requirements_met(_row_headers(values), form)
        if not missing:
            return index
        closest.consider(score, sheet, index + 1, missing, [str(v) for v in values if isinstance(v, str) and v.strip()])
    return None


def _shown_headers(found: list[str], limit: int = 8) -> str:
    """The first headers of a row as written (``repr``-like quotes, so stray characters show)."""
    shown = ", ".join(f"'{h.strip()[:40]}'" for h in found[:limit])
    return shown + (f" en nog {len(found) - limit}" if len(found) > limit else "")


def _from_grid(grid: pd.DataFrame, rel: str, fmt: str, header_index: int = 0, sheet: str | None = None) -> RawTable:
    """Split a header-less grid (row 0 = spreadsheet row 1) into headers and data rows."""
    if grid.shape[0] <= header_index or grid.shape[1] == 0:
        raise StructuralError(rel, "het bestand is leeg (geen kopregel)", sheet=sheet)
    grid = grid.astype(object)
    cleaned = pd.DataFrame({i: _clean_column(grid.iloc[:, i]) for i in range(grid.shape[1])})
    headers = ["" if v is None else str(v) for v in cleaned.iloc[header_index]]
    data = cleaned.iloc[header_index + 1 :]
    rows = np.arange(header_index + 2, len(grid) + 1)
    filled = data.notna().any(axis=1).to_numpy()
    data = data.loc[filled].reset_index(drop=True)
    data.columns = range(data.shape[1])
    return RawTable(
        file=rel, format=fmt, headers=headers, cells=data, rows=rows[filled], sheet=sheet, header_row=header_index + 1
    )


# --------------------------------------------------------------------------- workbooks


def _sheets(path: Path, rel: str) -> Iterator[tuple[int, str, list[list[object]], list]]:
    """(index, name, rows, merged ranges) of every sheet, read with calamine; row 0 is spreadsheet
    row 1; a merged range is ``((first row, first column), (last row, last column))``, 0-based."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
    except Exception as exc:
        log.debug("%s: %s", rel, exc)
        raise StructuralError(
            rel,
            f"het bestand is geen leesbare Excel-werkmap (beschadigd, versleuteld met een wachtwoord of geen Excel-bestand); {RESAVE}",
        ) from None
    for index, name in enumerate(names):
        try:
            sheet = workbook.get_sheet_by_index(index)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            log.debug("%s, %s: %s", rel, name, exc)
            raise StructuralError(rel, f"het tabblad is niet te lezen (beschadigd); {RESAVE}", sheet=name) from None
        try:
            merged = list(sheet.merged_cell_ranges or [])
        except Exception:  # not known for this format: nothing to check
            merged = []
        yield index, name, rows, merged


def _read_workbook(path: Path, rel: str, fmt: str, form: Form | None) -> RawTable:
    """The data sheet of an xlsx or xls workbook (see the module docstring)."""
    closest = _Closest()
    seen_any = False
    for index, name, rows, merged in _sheets(path, rel):
        seen_any = seen_any or any(any(v not in (None, "") for v in row) for row in rows[:HEADER_SEARCH_ROWS])
        header = 0 if form is None else _header_index(rows, form, name, closest)
        if header is None:
            continue
        _check_merged(merged, header, rows, rel, name)
        sheet_xml = _sheet_xml(path, index) if fmt == "xlsx" else b""
        _fill_error_cells(sheet_xml, rows)
        grid = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame()
        table = _from_grid(grid, rel, fmt, header, name)
        _check_formulas(sheet_xml, rel, table)
        return table
    if form is None or not seen_any:
        raise StructuralError(
            rel,
            "het bestand is leeg (geen tabblad met gegevens); controleer of dit het goede bestand is, of exporteer het "
            "formulier opnieuw",
        )
    raise closest.error(rel, form, "een tabblad")


def _check_merged(merged: list, header: int, rows: list[list[object]], rel: str, sheet: str) -> None:
    """Cells merged over several rows below the header stop the run: Excel keeps the value in the
    first row only, so the other rows would read as blank while the reader of the sheet sees a value
    (merges above the header, such as a title, and within one row do not hide any row's value)."""
    for (first_row, first_col), (last_row, last_col) in sorted(merged):
        if last_row <= first_row or last_row <= header:
            continue
        headers = rows[header] if header < len(rows) else []
        column = headers[first_col] if first_col < len(headers) and isinstance(headers[first_col], str) else None
        span = f"{_column_letters(first_col)}{first_row + 1}:{_column_letters(last_col)}{last_row + 1}"
        raise StructuralError(
            rel,
            f"de cellen {span} zijn samengevoegd; Excel bewaart de waarde dan alleen in de eerste rij, zodat de "
            "andere rijen leeg lijken. Hef de samenvoeging op (Start > Samenvoegen en centreren) en vul de waarde in "
            "elke rij in",
            row=max(first_row + 1, header + 2),
            column=column,
            sheet=sheet,
        )


def _column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_CELL_WITH_FORMULA = re.compile(rb"<c\b([^>]*)>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(<v\b[^>]*?(?:/>|>([^<]*)</v>))?")
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


def _sheet_xml_path(archive: zipfile.ZipFile, index: int) -> str | None:
    """The zip path of the ``index``-th sheet of an xlsx workbook (workbook order)."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    sheets = re.findall(r"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook)
    if index >= len(sheets):
        return None
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        if f'Id="{sheets[index]}"' in rel:
            target = re.search(r'Target="([^"]+)"', rel).group(1)
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


def _sheet_xml(path: Path, sheet_index: int) -> bytes:
    """The XML of an xlsx workbook's ``sheet_index``-th sheet (empty when its structure is unusual:
    calamine read it, so there is nothing to check against)."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = _sheet_xml_path(archive, sheet_index)
            return archive.read(name) if name else b""
    except (KeyError, zipfile.BadZipFile, OSError):
        return b""


_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>(?:\s*<f\b[^>]*?(?:/>|>[^<]*</f>))?\s*<v>([^<]*)</v>')


def _fill_error_cells(data: bytes, rows: list[list[object]]) -> None:
    """Put an Excel error value (``#N/A``, ``#VALUE!``, ...) back into its cell: calamine reads it
    as blank, which would make a wrong answer a missing one. As text the cell breaks the rule of
    its column (an invalid date or number, an answer not in the code list) and is reported."""
    if b't="e"' not in data:
        return
    for match in _ERROR_CELL.finditer(data):
        ref = _CELL_REF.search(match.group(1))
        if not ref:
            continue
        row, column = int(ref.group(2)) - 1, _column_index(ref.group(1).decode())
        if row < len(rows):
            if column >= len(rows[row]):
                rows[row] = [*rows[row], *[""] * (column + 1 - len(rows[row]))]
            rows[row][column] = match.group(2).decode("utf-8", "replace")


def _check_formulas(data: bytes, rel: str, table: RawTable) -> None:
    """A formula cell saved without its value (a workbook written by a script) stops the run:
    the value it would show is nowhere in the file."""
    if b"<f" not in data:
        return
    for match in _CELL_WITH_FORMULA.finditer(data):
        attributes, value, text = match.group(1), match.group(2), match.group(3)
        if value is not None and (text or b't="str"' in attributes):
            continue  # a saved value (also an empty text result)
        ref = _CELL_REF.search(attributes)
        column, row = (ref.group(1).decode(), int(ref.group(2))) if ref else ("?", None)
        position = _column_index(column) if ref else -1
        header = table.headers[position] if 0 <= position < len(table.headers) and table.headers[position] else None
        raise StructuralError(
            rel,
            f"cel {column}{row or ''} bevat een formule zonder opgeslagen waarde (het bestand is door een programma "
            f"geschreven, niet door Excel opgeslagen); {RESAVE}: Excel rekent de formules dan uit en bewaart de waarden",
            row=row,
            column=header,
            sheet=table.sheet,
        )


# --------------------------------------------------------------------------- csv


UTF16_MESSAGE = (
    "het bestand is opgeslagen als Unicode-tekst (UTF-16), niet als UTF-8 of Windows-1252; open het in Excel en sla "
    "het op als 'CSV (gescheiden door lijstscheidingsteken)' of 'CSV UTF-8'"
)


def reject_utf16(head: bytes, rel: str) -> None:
    """A csv saved as UTF-16 ("Unicode-tekst") stops the run: its bytes would decode as cp1252
    with a NUL between every letter. Recognised by its byte-order mark, or (without one) by a NUL
    in at least a quarter of the first bytes (a text in UTF-8 or cp1252 has next to none)."""
    head = head[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 8 and head.count(0) * 4 >= len(head)):
        raise StructuralError(rel, UTF16_MESSAGE)


def decode_csv_bytes(data: bytes, rel: str = "") -> str:
    """UTF-8 (a BOM is dropped); bytes that are not valid UTF-8 are cp1252 (UTF-16 stops)."""
    reject_utf16(data[:4096], rel)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise StructuralError(
            rel,
            "het bestand is geen tekstbestand in UTF-8 of Windows-1252 (een ander bestand met .csv als naam?); "
            "exporteer het opnieuw als 'CSV (gescheiden door lijstscheidingsteken)'",
        ) from None


def _first_records(text: str, n: int) -> list[list[str]]:
    import csv
    from itertools import islice

    # newline="": lines end at \r\n, \n or a lone \r (a csv saved as "CSV (Macintosh)")
    return list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"'), n))


def _read_csv(path: Path, rel: str, form: Form | None) -> RawTable:
    """Dutch Excel csv: ``;`` separator, every cell read as text; the header row found as in a sheet."""
    text = decode_csv_bytes(path.read_bytes(), rel)
    records = _first_records(text, HEADER_SEARCH_ROWS)
    if not any(any(cell.strip() for cell in record) for record in records):
        raise StructuralError(rel, "het bestand is leeg (geen kopregel)", row=1)
    if form is None:
        header = 0
    else:
        closest = _Closest()
        header = _header_index(records, form, None, closest)
        if header is None:
            first = next(r for r in records if any(c.strip() for c in r))
            line = ";".join(first)
            if len(first) == 1 and ("," in line or "\t" in line):
                separator = "komma's" if "," in line else "tabs"
                raise StructuralError(
                    rel,
                    f"de kopregel is gescheiden door {separator}, niet door ';'; exporteer als Nederlandse Excel-csv: "
                    "'CSV (gescheiden door lijstscheidingsteken)'",
                    row=records.index(first) + 1,
                )
            raise closest.error(rel, form, "het bestand")
    width = max(len(r) for r in records[: header + 1])
    try:
        grid = pd.read_csv(io.StringIO(text), names=range(width), **DUTCH_CSV)
    except pd.errors.ParserError as exc:
        raise _csv_error(rel, str(exc)) from None
    return _from_grid(grid, rel, "csv", header)


# pandas' reading of a Dutch Excel csv: every cell as text, blank lines kept (rows keep their numbers)
DUTCH_CSV = dict(sep=";", header=None, dtype=object, keep_default_na=False, skip_blank_lines=False, quotechar='"', engine="c")


def _csv_error(rel: str, message: str) -> StructuralError:
    """pandas' csv parser errors, in Dutch."""
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if match:
        expected, line, seen = (int(g) for g in match.groups())
        return StructuralError(
            rel,
            f"de rij heeft {seen} velden, de kopregel {expected}: staat er een ';' in een cel zonder aanhalingstekens? "
            "Exporteer het bestand opnieuw uit Excel",
            row=line,
        )
    match = re.search(r"EOF inside string starting at row (\d+)", message)
    if match:
        return StructuralError(
            rel,
            'een aanhalingsteken (") wordt niet gesloten; de rest van het bestand is daardoor één cel. '
            "Exporteer het bestand opnieuw uit Excel",
            row=int(match.group(1)) + 1,
        )
    log.debug("%s: %s", rel, message)
    return StructuralError(
        rel,
        "het bestand is niet te lezen als Nederlandse csv (';' als scheidingsteken); exporteer het opnieuw "
        "uit Excel als 'CSV (gescheiden door lijstscheidingsteken)'",
    )


# --------------------------------------------------------------------------- sav


def _mixed_text(text: object) -> object:
    """A string read byte for byte (latin-1) as UTF-8 where its bytes are valid UTF-8, else as cp1252."""
    if not isinstance(text, str) or text.isascii():
        return text
    data = text.encode("latin-1")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_spss(path: Path, rel: str):
    """pyreadstat's reader. A file whose strings are not valid in its declared encoding (SPSS files
    written on Windows often declare UTF-8 and hold cp1252) is read again byte for byte, and each
    string is taken as UTF-8 where it is valid UTF-8 and as cp1252 where it is not: a file that
    mixes both is read right, value labels and variable labels included."""
    import pyreadstat

    options = dict(apply_value_formats=False, dates_as_pandas_datetime=False)
    try:
        return pyreadstat.read_sav(str(path), **options)
    except Exception as exc:
        first = str(exc)
    if "encoding" in first.casefold() or "convert string" in first.casefold():
        try:
            frame, meta = pyreadstat.read_sav(str(path), encoding="LATIN1", **options)
        except Exception as exc:
            log.debug("%s: %s", rel, exc)
            raise StructuralError(
                rel,
                "de tekst in het SPSS-bestand is in een onbekende tekencodering; sla het in SPSS "
                "opnieuw op als .sav met Unicode (UTF-8)",
            ) from None
        log.info("%s: tekst niet geldig in de opgegeven codering; per tekst gelezen als UTF-8 of Windows-1252", rel)
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].map(_mixed_text)
        meta.column_names_to_labels = {k: _mixed_text(v) for k, v in (meta.column_names_to_labels or {}).items()}
        meta.variable_value_labels = {
            k: {code: _mixed_text(label) for code, label in labels.items()}
            for k, labels in (meta.variable_value_labels or {}).items()
        }
        return frame, meta
    log.debug("%s: %s", rel, first)
    raise StructuralError(
        rel,
        "het bestand is geen leesbaar SPSS-bestand (beschadigd of een ander formaat met .sav als naam); "
        "sla het in SPSS opnieuw op als .sav",
    ) from None


def _read_sav(path: Path, rel: str) -> RawTable:
    """SPSS: header = variable label (name where there is none); codes kept with their labels."""
    frame, meta = _read_spss(path, rel)
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
