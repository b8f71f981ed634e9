"""From raw cells to typed values: header mapping, text form, validation (pandera) and parsing.

The steps, per file:

1. :func:`map_headers` finds each codebook column among the file's headers (tolerant matching,
   aliases); a missing required column is a structural problem.
2. :func:`text_frame` writes every mapped cell as text (date cells as ``jjjj-mm-dd``, numbers
   without a trailing ``.0``, ``.sav`` codes as their value label), blank = ``None``.
3. :func:`validate_text` checks the text against the codebook with one pandera schema
   (``lazy=True``: every failure in one pass). Failures become value problems
   (``invalid_date``, ``safety_out_of_range``, ``invalid_number``) or, for an answer label that
   is not in the code list, a structural problem.
4. The ``parse_*`` functions turn valid text into typed values; failed cells become blank.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from pipeline.codebook import Codebook, Column, Form, normalise_header, normalise_label
from pipeline.errors import StructuralError
from pipeline.readers import WORKBOOK_FORMATS, RawTable
from pipeline.vector import per_distinct

# Rules of the data-quality table that are about one cell (see docs/definitions.md).
RULE_INVALID_DATE = "invalid_date"
RULE_SAFETY = "safety_out_of_range"
RULE_NUMBER = "invalid_number"
LABEL_CHECK = "label_not_in_code_list"  # structural, never a data-quality line

SAFETY_UNKNOWN = 99

# Date text forms of the contract (day first always): d-m-jjjj, d/m/jjjj, d.m.jjjj (one separator
# throughout), jjjj-mm-dd with an optional time hh:mm or hh:mm:ss (dropped), and d-m-jj (two-digit year).
_DMY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: ([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?)?$")
_DMYY = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{2})$")
DATE_FORMS_NL = "dd-mm-jjjj, d-m-jjjj, dd/mm/jjjj, d.m.jjjj, jjjj-mm-dd (eventueel met tijd) of dd-mm-jj"
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel serial n ≥ 61 is this date + n days (1 = 1900-01-01; 60 is Excel's 29-02-1900)
EXCEL_LAST_SERIAL = (dt.date(2100, 12, 31) - EXCEL_EPOCH).days
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)?|[.,]\d+)$")


@dataclass
class MappedTable:
    """A raw table with its columns found in the codebook."""

    raw: RawTable
    form: Form
    positions: dict[str, int]  # codebook column -> position in the raw table
    link: str | None  # "case_number" or "client_name" for case forms, else None

    def header(self, column: str) -> str:
        """The canonical (codebook) header of a column, as the data-quality table names it."""
        return self.form.columns[column].header


def map_headers(raw: RawTable, form: Form) -> MappedTable:
    """Find every codebook column of ``form`` among the headers of ``raw``."""
    by_key: dict[str, str] = {}
    for column in form.columns.values():
        for key in column.header_keys:
            by_key.setdefault(key, column.name)
    positions: dict[str, int] = {}
    for position, header in enumerate(raw.headers):
        if not header.strip():
            continue
        name = by_key.get(normalise_header(header))
        if name is None:
            continue  # a column not in the codebook is ignored
        if name in positions:
            first = raw.headers[positions[name]]
            raise StructuralError(
                raw.file,
                f"de kolom '{form.columns[name].header}' komt twee keer voor ('{first}' en '{header}'); "
                "geef één van beide een andere naam of haal hem weg",
                row=raw.header_row,
                column=header,
                sheet=raw.sheet,
            )
        positions[name] = position
    for column in form.columns.values():
        if column.required is True and column.name not in positions:
            raise StructuralError(
                raw.file,
                f"verplichte kolom '{column.header}' ontbreekt in de kopregel; voeg hem toe of geef "
                "de kolom zijn naam uit het exportcontract",
                row=raw.header_row,
                column=column.header,
                sheet=raw.sheet,
            )
    link = None
    if "case_number" in form.columns and form.location == "year":
        if "case_number" in positions:
            link = "case_number"
        elif "client_name" in positions:
            link = "client_name"
        else:
            number = form.columns["case_number"].header
            name = form.columns["client_name"].header if "client_name" in form.columns else number
            raise StructuralError(
                raw.file,
                f"verplichte kolom ontbreekt: het formulier heeft '{number}' noch '{name}', dus geen rij is aan een "
                f"casus te koppelen; voeg de kolom {number} toe",
                row=raw.header_row,
                column=number,
                sheet=raw.sheet,
            )
    return MappedTable(raw=raw, form=form, positions=positions, link=link)


# --------------------------------------------------------------------------- text form


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _is_blank(value: object) -> bool:
    """None, NaN, NaT or pd.NA: a blank cell whatever container it came through."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


def _cell_text(value: object) -> str | None:
    if _is_blank(value):
        return None
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat") and hasattr(value, "year"):
        return value.isoformat()[:10]
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _number_text(float(value) if isinstance(value, (float, np.floating)) else int(value))
    return str(value)


def column_text(mapped: MappedTable, column: Column, codebook: Codebook) -> pd.Series:
    """Every cell of one mapped column as text (``None`` = blank)."""
    position = mapped.positions[column.name]
    values = mapped.raw.cells[position]
    labelled = column.type in ("code", "yes_no")
    if mapped.raw.format == "sav" and labelled:
        labels = mapped.raw.value_labels.get(position)
        if column.type == "yes_no":  # the contract's 1 / 0 / 9: a label in the file wins, 9 is unknown without one
            labels = {**{float(k): v for k, v in codebook.yes_no_sav_codes.items()}, **(labels or {})}
        if labels:

            def label_of(value: object) -> str | None:
                if _is_blank(value):
                    return None
                if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
                    return labels.get(float(value), _number_text(float(value)))
                return _cell_text(value)

            return per_distinct(lambda v: v.map(label_of).astype(object))(values)
    if pd.api.types.infer_dtype(values, skipna=True) == "string":  # text and blanks only (C-level check)
        return values.astype(object)
    if column.type == "date" and mapped.raw.format in WORKBOOK_FORMATS:
        return _workbook_date_text(values)
    return _cells_text(values)


def excel_serial_date(value: float) -> dt.date | None:
    """The date of an Excel serial number (1 = 1900-01-01, Excel's own count, the time of day
    dropped), or None when it falls outside 1900-2100 or is Excel's non-existent 29-02-1900 (60)."""
    serial = int(np.floor(value))
    if serial < 1 or serial > EXCEL_LAST_SERIAL or serial == 60:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=serial if serial > 60 else serial + 1)


@per_distinct
def _workbook_date_text(values: pd.Series) -> pd.Series:
    """A workbook date column: date cells as ``jjjj-mm-dd``; a plain number cell is an Excel serial
    date (the date format lost in Excel) when it falls in 1900-2100, else it stays a number text
    (an invalid date)."""

    def text(value: object) -> str | None:
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and not _is_blank(value):
            day = excel_serial_date(float(value))
            return day.isoformat() if day else _cell_text(value)
        return _cell_text(value)

    return values.map(text).astype(object)


@per_distinct
def _cells_text(values: pd.Series) -> pd.Series:
    """:func:`_cell_text` of every cell (booleans were turned into Ja/Nee by the reader)."""
    return values.map(_cell_text).astype(object)


def text_frame(mapped: MappedTable, codebook: Codebook) -> pd.DataFrame:
    """The mapped columns as text; absent optional columns are all blank."""
    out = {}
    n = len(mapped.raw)
    for name, column in mapped.form.columns.items():
        if name in mapped.positions:
            out[name] = column_text(mapped, column, codebook).reset_index(drop=True)
        else:
            out[name] = pd.Series([None] * n, dtype=object)
    frame = pd.DataFrame(out, index=pd.RangeIndex(n)).astype(object)
    return frame.where(frame.notna(), None)


# --------------------------------------------------------------------------- parsing


def two_digit_year(yy: pd.Series, pivot_year: int) -> pd.Series:
    """``jj`` → 20jj when that is not later than ``pivot_year`` (the peildatum's year), else 19jj."""
    years = 2000 + yy.astype(int)
    return years.where(years <= pivot_year, years - 100)


@per_distinct
def parse_dates(text: pd.Series, pivot_year: int) -> pd.Series:
    """Dates from text in one of the contract's forms (see :data:`DATE_FORMS_NL`; date cells and
    Excel serial numbers arrive as ``jjjj-mm-dd``). ``pivot_year``: the peildatum's year, which
    decides the century of a two-digit year. Anything else, and a text that is not a real
    calendar date (``31-02-2020``), gives NaT."""
    text = text.astype(object)
    as_str = text.where(text.notna(), "").astype(str)
    parts = pd.DataFrame({"y": pd.Series(None, index=text.index, dtype=object), "m": None, "d": None})
    dmy = as_str.str.extract(_DMY)
    ok = dmy[0].notna()
    parts.loc[ok, ["d", "m", "y"]] = dmy.loc[ok, [0, 2, 3]].to_numpy()
    ymd = as_str.str.extract(_YMD)
    ok = ymd[0].notna()
    parts.loc[ok, ["y", "m", "d"]] = ymd.loc[ok, [0, 1, 2]].to_numpy()
    dmyy = as_str.str.extract(_DMYY)
    ok = dmyy[0].notna()
    if ok.any():
        parts.loc[ok, ["d", "m"]] = dmyy.loc[ok, [0, 1]].to_numpy()
        parts.loc[ok, "y"] = two_digit_year(dmyy.loc[ok, 2], pivot_year).astype(str).to_numpy()
    found = parts["y"].notna()
    iso = pd.Series(None, index=text.index, dtype=object)
    iso[found] = (
        parts.loc[found, "y"].astype(str)
        + "-"
        + parts.loc[found, "m"].astype(str).str.zfill(2)
        + "-"
        + parts.loc[found, "d"].astype(str).str.zfill(2)
    )
    # one unit whatever the cells hold (an all-blank column would otherwise come out in another)
    return pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").astype("datetime64[us]")


@per_distinct
def parse_numbers(text: pd.Series) -> pd.Series:
    """Numbers from text with a decimal comma (or point); anything else gives NA."""
    text = text.astype(object)
    as_str = text.where(text.notna(), "").astype(str)
    ok = as_str.str.match(_NUMBER)
    values = pd.to_numeric(as_str.where(ok, None).str.replace(",", ".", regex=False), errors="coerce")
    return values.astype("Float64")


@per_distinct
def valid_dates(text: pd.Series, pivot_year: int) -> pd.Series:
    return text.isna() | parse_dates(text, pivot_year).notna()


@per_distinct
def valid_safety(text: pd.Series) -> pd.Series:
    """A safety score: a whole number 0-10, or 99 (= unknown)."""
    values = parse_numbers(text)
    whole = (values % 1 == 0).fillna(False)
    ok = whole & (values.between(0, 10) | (values == SAFETY_UNKNOWN)).fillna(False)
    return (text.isna() | ok).astype(bool)


@per_distinct
def valid_numbers(text: pd.Series, column: Column) -> pd.Series:
    """A number within the codebook's range; ``integer`` columns also whole."""
    values = parse_numbers(text)
    ok = values.notna()
    if column.type == "integer":
        ok &= (values % 1 == 0).fillna(False)
    if column.min is not None:
        ok &= (values >= column.min).fillna(False)
    if column.max is not None:
        ok &= (values <= column.max).fillna(False)
    return (text.isna() | ok.fillna(False)).astype(bool)


def code_lookup(codebook: Codebook, column: Column) -> dict[str, str]:
    return codebook.code_lists["yes_no" if column.type == "yes_no" else column.code_list].lookup


@per_distinct
def valid_labels(text: pd.Series, lookup: dict[str, str]) -> pd.Series:
    keys = text.dropna().map(normalise_label)
    ok = pd.Series(True, index=text.index)
    ok[keys.index] = keys.isin(lookup.keys())
    return ok


def multi_parts(cell: object) -> tuple[str, ...]:
    """The distinct normalised labels a multi-select cell names, sorted.

    Split on ``;``; empty parts (a trailing or doubled ``;``) are ignored; a label named twice
    counts once; order does not matter.
    """
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ()
    return tuple(sorted({normalise_label(part) for part in str(cell).split(";") if part.strip()}))


@per_distinct
def multi_key(text: pd.Series) -> pd.Series:
    """A canonical text of each multi-select cell (for comparing rows as read values)."""
    return text.map(lambda v: None if v is None else ";".join(multi_parts(v))).astype(object)


@per_distinct
def valid_multi(text: pd.Series, lookup: dict[str, str]) -> pd.Series:
    return text.map(lambda v: all(p in lookup for p in multi_parts(v))).astype(bool)


@per_distinct
def parse_codes(text: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """Label → code key; blank and missing labels (``Onbekend``) give NA."""
    codes = text.map(lambda v: None if v is None else (lookup.get(normalise_label(v)) or None))
    return codes.astype("string")


def parse_multi(text: pd.Series, lookup: dict[str, str], codes: list[str]) -> pd.DataFrame:
    """A bool column per code: does the cell name it? (computed once per distinct cell)."""
    index, uniques = pd.factorize(text.astype(object), use_na_sentinel=True)
    position = {code: i for i, code in enumerate(codes)}
    table = np.zeros((len(uniques) + 1, len(codes)), dtype=bool)
    for row, cell in enumerate(uniques):
        for part in multi_parts(cell):
            code = lookup.get(part)
            if code:
                table[row, position[code]] = True
    rows = table[np.where(index < 0, len(uniques), index)]
    return pd.DataFrame(rows, index=text.index, columns=codes)


# --------------------------------------------------------------------------- validation


def _checks(column: Column, codebook: Codebook, pivot_year: int) -> list[pa.Check]:
    if column.type == "date":
        return [pa.Check(lambda s: valid_dates(s, pivot_year), name=RULE_INVALID_DATE)]
    if column.type == "safety":
        return [pa.Check(valid_safety, name=RULE_SAFETY)]
    if column.type in ("integer", "number"):
        return [pa.Check(lambda s, c=column: valid_numbers(s, c), name=RULE_NUMBER)]
    if column.type in ("code", "yes_no"):
        lookup = code_lookup(codebook, column)
        return [pa.Check(lambda s, lk=lookup: valid_labels(s, lk), name=LABEL_CHECK)]
    if column.type == "multi":
        lookup = code_lookup(codebook, column)
        return [pa.Check(lambda s, lk=lookup: valid_multi(s, lk), name=LABEL_CHECK)]
    return []


def text_schema(form: Form, codebook: Codebook, pivot_year: int) -> pa.DataFrameSchema:
    """The pandera schema of a form's text frame: every rule of the codebook, nullable.
    ``pivot_year`` (the peildatum's year) decides the century of a two-digit year."""
    columns = {}
    for name, col in form.columns.items():
        checks = _checks(col, codebook, pivot_year)
        if checks:  # free text and names have no rule: nothing to validate (saves pandera's per-column cost)
            columns[name] = pa.Column(None, checks=checks, nullable=True)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def prepare_validation() -> None:
    """Have pandera load what it loads at its first validation (its pandas backends, and with them
    its data-synthesis module: 0.1-0.15 s). Called in the run's process before worker processes
    fork, so that they inherit it instead of each loading it again."""
    column = pa.Column(None, checks=[pa.Check(lambda s: s.notna())], nullable=True)
    pa.DataFrameSchema({"x": column}).validate(pd.DataFrame({"x": ["a"]}), lazy=True)


def validate_text(frame: pd.DataFrame, form: Form, codebook: Codebook, pivot_year: int) -> pd.DataFrame:
    """All check failures of a text frame, one row per failing cell: ``index``, ``column``, ``check``."""
    try:
        text_schema(form, codebook, pivot_year).validate(frame, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases[cases["index"].notna() & cases["column"].isin(form.columns.keys())]
        out = pd.DataFrame(
            {
                "index": cases["index"].astype(int).to_numpy(),
                "column": cases["column"].astype(str).to_numpy(),
                "check": cases["check"].astype(str).to_numpy(),
            }
        )
        return out.drop_duplicates().sort_values(["index", "column"]).reset_index(drop=True)
    return pd.DataFrame({"index": pd.Series(dtype=int), "column": pd.Series(dtype=str), "check": pd.Series(dtype=str)})


def raise_label_errors(failures: pd.DataFrame, mapped: MappedTable, text: pd.DataFrame, codebook: Codebook) -> None:
    """An answer label that is not in the code list stops the run (no silent "Anders")."""
    labels = failures[failures["check"] == LABEL_CHECK]
    if labels.empty:
        return
    values = [text.at[int(i), c] for i, c in zip(labels["index"], labels["column"])]
    raise_unknown_labels(labels.assign(text=values), mapped, codebook)


EXCEL_ERRORS = frozenset(
    [
        "#N/A",
        "#VALUE!",
        "#DIV/0!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
    ]
)


def _unknown_label_fix(shown: str, mapped: MappedTable) -> str:
    """How to fix an answer that is not in the code list, in Dutch: an Excel error value, a
    header repeated inside the data (two exports pasted together), or a new label variant."""
    if shown.strip().upper() in EXCEL_ERRORS:
        return "de cel bevat een Excel-foutwaarde; herstel de formule in Excel of typ het antwoord zelf in"
    if mapped.raw.format == "sav" and re.fullmatch(r"-?\d+(?:[.,]\d+)?", shown.strip()):
        return (
            "de code heeft in het .sav-bestand geen waardelabel; geef hem in SPSS het label uit de codelijst "
            "(Variable View > Values), of vervang hem door een code die er een heeft"
        )
    headers = {normalise_header(h) for h in mapped.raw.headers if h}
    if normalise_header(shown) in headers:
        return (
            "de rij lijkt een herhaalde kopregel (twee exports onder elkaar geplakt?); haal die rij weg, "
            "zodat alleen de eerste rij de kolomnamen bevat"
        )
    return "voeg het toe aan het codeboek in de configuratiemap (config/codebook.yaml) als het een variant is"


def raise_unknown_labels(labels: pd.DataFrame, mapped: MappedTable, codebook: Codebook) -> None:
    """The stop for answers not in the code list: ``labels`` (``index``, ``column``, ``text``) of
    every such cell of the file; the first in row and column order is named, the others counted."""
    if labels.empty:
        return
    order = {name: i for i, name in enumerate(mapped.form.columns)}
    labels = labels.assign(order=labels["column"].map(order)).sort_values(["index", "order"])
    first = labels.iloc[0]
    column = mapped.form.columns[first["column"]]
    value = first["text"]
    lookup = code_lookup(codebook, column)
    if column.type == "multi":
        unknown = [p.strip() for p in str(value).split(";") if p.strip() and normalise_label(p) not in lookup]
        shown = "; ".join(unknown)
    else:
        shown = str(value)
    code_list = codebook.code_lists["yes_no" if column.type == "yes_no" else column.code_list]
    known = ", ".join([*code_list.labels.values(), *code_list.missing_labels])
    more = f" (en nog {len(labels) - 1} andere cel(len) met een onbekend antwoord)" if len(labels) > 1 else ""
    raise StructuralError(
        mapped.raw.file,
        f"antwoord '{shown[:60]}' staat niet in de codelijst ({known}); {_unknown_label_fix(shown, mapped)}{more}",
        row=int(mapped.raw.rows[int(first["index"])]),
        column=mapped.raw.headers[mapped.positions[column.name]],
        sheet=mapped.raw.sheet,
    )


# A column in a format the pipeline does not read: at least this many cells break the same cell
# rule, and they are at least this share of the column's non-blank cells.
FORMAT_MIN_CELLS = 5
FORMAT_MIN_SHARE = 0.5


def _expected_nl(column: Column, rule: str) -> tuple[str, str]:
    """(what a cell should hold, how to fix the column), in Dutch, for a broken cell rule."""
    if rule == RULE_INVALID_DATE:
        return f"een datum ({DATE_FORMS_NL}) of een datumcel", (
            "sla de kolom op als datum (in Excel: Celeigenschappen > Datum) of schrijf de datums als dd-mm-jjjj"
        )
    if rule == RULE_SAFETY:
        return "een geheel getal van 0 tot en met 10, of 99 (onbekend)", "zet de scores om naar de schaal 0-10"
    whole = "een geheel getal" if column.type == "integer" else "een getal (decimale komma)"
    if column.min is not None and column.max is not None:
        whole += f" van {column.min:g} tot en met {column.max:g}"
    elif column.min is not None:
        whole += f" van minstens {column.min:g}"
    return whole, "sla de kolom op als getal, zonder eenheden of tekst"


def raise_format_errors(problems: pd.DataFrame, mapped: MappedTable, text: pd.DataFrame, subject: pd.Series) -> None:
    """A column mostly in a format the pipeline does not read stops the run: a handful of bad
    cells is a value problem, a whole column in the wrong format never is one.

    ``problems``: the cell-rule failures (``index``, ``column``, ``check``) of the rows that are
    subject to the cell rules (``subject``: not an empty or duplicate row).
    """
    if len(problems) < FORMAT_MIN_CELLS:
        return
    values = [text.at[int(i), c] for i, c in zip(problems["index"], problems["column"])]
    checked = sorted(set(problems["column"]))
    nonblank = text.loc[subject.to_numpy(), checked].notna().sum()
    raise_unread_formats(problems.assign(text=values), nonblank, mapped)


def raise_unread_formats(problems: pd.DataFrame, nonblank: pd.Series, mapped: MappedTable) -> None:
    """The stop for a column in a format that is not read: ``problems`` (``index``, ``column``,
    ``check``, ``text``) of every cell-rule failure of the file's rows subject to the rules,
    ``nonblank`` the filled cells per column of those rows. A column stops the run when at least
    :data:`FORMAT_MIN_CELLS` of its cells break the same rule and they are at least
    :data:`FORMAT_MIN_SHARE` of its filled cells."""
    if len(problems) < FORMAT_MIN_CELLS:
        return
    order = {name: i for i, name in enumerate(mapped.form.columns)}
    counts = problems.groupby(["column", "check"]).size()
    for (name, rule), n in sorted(counts.items(), key=lambda item: order[item[0][0]]):
        filled = int(nonblank.get(name, 0))
        if n < FORMAT_MIN_CELLS or n < FORMAT_MIN_SHARE * filled:
            continue
        column = mapped.form.columns[name]
        failing = problems[(problems["column"] == name) & (problems["check"] == rule)].sort_values("index", kind="mergesort")
        rows = [int(mapped.raw.rows[i]) for i in failing["index"].to_numpy()[:3]]
        value = failing["text"].iloc[0]
        expected, fix = _expected_nl(column, rule)
        raise StructuralError(
            mapped.raw.file,
            f"de kolom is grotendeels in een vorm die niet gelezen wordt: {n} van de {filled} ingevulde cellen zijn niet te "
            f"lezen als {expected} (rijen {', '.join(map(str, rows))}{', ...' if n > 3 else ''}; gevonden bijvoorbeeld '{str(value)[:40]}'). "
            f"Verwacht: {expected}; {fix}",
            row=rows[0],
            column=mapped.raw.headers[mapped.positions[name]],
            sheet=mapped.raw.sheet,
        )
