"""Messy variants of the committed demo export ``data/demo``: a corpus for the ingest stage.

Every variant is a function that takes a fresh copy of ``data/demo`` (a folder), changes it in
place as real exports are changed (by hand in Excel, by a script, by a colleague), checks with
its own readers that the intended change is really in the files, and returns the expected outcome
under the export contract:

- ``harmless``: the key figures equal those of the untouched demo exactly (and, where given, the
  data-quality report holds the listed lines, with the rows as the changed file numbers them);
- ``stop``: a structural problem; the run stops before any output is replaced, with one Dutch
  message naming file, row and column (and sheet, for a workbook) where the variant has them;
- ``value``: value problems; the run goes on and the data-quality report holds the listed lines.

Expected rows and columns are derived from the files the variant wrote (never typed in by hand
where they can be derived): rows as the spreadsheet numbers them (header = row 1 when it is the
first row; title rows above keep the spreadsheet's numbers; ``.sav`` case k = row k + 1), columns
by their canonical header (as in the contract's tables) in data-quality lines, and as written in
the file in a structural message.

Nothing here imports the pipeline: the files are written and checked with openpyxl, the csv
module, pyreadstat, python-calamine, xlwt (the ``.xls`` variant) and byte-level patches.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import struct
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
PEIL = dt.date(2021, 1, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 61 = 1900-03-01: Excel counts the non-existent 1900-02-29 as 60

CASELIST = "casuslijst.xlsx"
END_2020 = "2020/eindformulier_export_2021-01-01.xlsx"
MONTHS_NL = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


class _Any:
    """Sentinel: the test does not check this attribute."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()


@dataclass(frozen=True)
class Line:
    """One expected line of ``data_quality.csv`` (column: the canonical header, "" for none)."""

    file: str
    row: int
    column: str
    rule: str


@dataclass
class Outcome:
    kind: str  # "harmless" | "stop" | "value"
    # harmless / value: lines that must be in data_quality.csv ...
    lines: tuple[Line, ...] = ()
    # ... (file, rule) pairs whose report lines must be exactly those of `lines` with that pair ...
    exact: tuple[tuple[str, str], ...] = ()
    # ... and (file, row or None for any row, rule) that must not be reported.
    absent: tuple[tuple[str, int | None, str], ...] = ()
    # stop: the StructuralError's attributes (ANY = not checked; a tuple for `file` = one of these)
    file: object = ANY
    row: object = ANY
    column: object = ANY
    sheet: object = ANY
    mentions: tuple[str, ...] = ()  # every one must be in str(exc)
    mentions_any: tuple[str, ...] = ()  # at least one must be in str(exc)
    mentions_row: int | None = None  # this row number must be in str(exc) (the first bad row of a column)


@dataclass(frozen=True)
class Variant:
    name: str
    group: str  # A harmless, B stop, C value problem
    description: str
    build: Callable[[Path], Outcome]


VARIANTS: list[Variant] = []


def variant(group: str, description: str):
    def register(func: Callable[[Path], Outcome]) -> Callable[[Path], Outcome]:
        VARIANTS.append(Variant(func.__name__, group, " ".join(description.split()), func))
        return func

    return register


def build_variant(v: Variant, target: Path) -> Outcome:
    """Copy ``data/demo`` to ``target`` and apply the variant there."""
    shutil.copytree(DEMO, target)
    return v.build(target)


# =============================================================================================
# helpers: dates


def excel_serial(day: dt.date) -> int:
    assert day >= dt.date(1900, 3, 1), day
    return (day - EXCEL_EPOCH).days


_TEXT_DATE_FORMS = [
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), "dmy"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: \d{2}:\d{2}(?::\d{2})?)?$"), "ymd"),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{2})$"), "dmyy"),
]


def text_date(text: str) -> dt.date | None:
    """A date written as text in one of the contract's forms (None: not a date by the contract)."""
    text = text.strip()
    for pattern, kind in _TEXT_DATE_FORMS:
        m = pattern.match(text)
        if not m:
            continue
        a, b, c = (int(g) for g in m.groups())
        if kind == "ymd":
            y, mo, d = a, b, c
        else:
            d, mo, y = a, b, c
            if kind == "dmyy":
                y = 2000 + y if 2000 + y <= PEIL.year else 1900 + y
        try:
            return dt.date(y, mo, d)
        except ValueError:
            return None
    return None


def serial_date(number: float) -> dt.date | None:
    """An xlsx plain-number cell in a date column as Excel reads it (None: not a date in 1900-2100)."""
    if number != int(number) or number < 1 or number == 60:
        return None
    day = EXCEL_EPOCH + dt.timedelta(days=int(number)) if number > 60 else dt.date(1899, 12, 31) + dt.timedelta(days=int(number))
    return day if 1900 <= day.year <= 2100 else None


def cell_date(value: object) -> dt.date | None:
    """A date cell (xlsx datetime), a plain number (Excel serial) or valid date text; else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return text_date(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return serial_date(value)
    return None


def dutch_words(day: dt.date) -> str:
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


# =============================================================================================
# helpers: names and headers


def fold(text: str) -> str:
    """Compare names and headers as the contract does: NFKD without marks, casefold, spaces collapsed."""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def header_key(text: str) -> str:
    text = fold(text)
    return text[:-1].strip() if text.endswith(":") else text


def col_of(headers: list[object], *names: str) -> int:
    """0-based index of the first header that matches one of ``names`` (tolerantly)."""
    keys = [header_key(h) if h is not None else "" for h in headers]
    for name in names:
        if header_key(name) in keys:
            return keys.index(header_key(name))
    raise KeyError(f"none of {names} in {headers}")


# =============================================================================================
# helpers: xlsx


def load_xlsx(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def sheet_rows(ws) -> list[list[object]]:
    """All rows of a sheet, 0-based list; rows[i] is spreadsheet row i + 1."""
    return [list(r) for r in ws.iter_rows(values_only=True)]


def xlsx_headers(ws, row: int = 1) -> list[object]:
    return [c.value for c in ws[row]]


def last_data_row(ws) -> int:
    return max(r for r in range(1, ws.max_row + 1) if any(c.value is not None for c in ws[r]))


def set_date(cell, day: dt.date) -> None:
    cell.value = dt.datetime(day.year, day.month, day.day)
    cell.number_format = "DD-MM-YYYY"


def xlsx_sheet_xml(path: Path, sheet_file: str = "xl/worksheets/sheet1.xml") -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(sheet_file).decode("utf-8")


def rewrite_zip_member(path: Path, member: str, transform: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in items:
            if info.filename == member:
                data = transform(data)
            dst.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def calamine_rows(path: Path, sheet: int | str = 0) -> list[list[object]]:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    ws = book.get_sheet_by_index(sheet) if isinstance(sheet, int) else book.get_sheet_by_name(sheet)
    return ws.to_python(skip_empty_area=False)


# =============================================================================================
# helpers: csv (Dutch Excel: ';', quotes only where needed)


@dataclass
class CsvFile:
    records: list[list[str]]
    encoding: str  # "utf-8" or "cp1252"
    bom: bool
    newline: str

    @property
    def headers(self) -> list[str]:
        return self.records[0]

    def row_of(self, index: int) -> int:
        """Spreadsheet row of records[index] (records[0] is the header, row 1)."""
        return index + 1


def read_csv(path: Path) -> CsvFile:
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text = data.decode("cp1252")
        encoding = "cp1252"
    newline = "\r\n" if b"\r\n" in data else "\n"
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"'))
    return CsvFile(records, encoding, bom, newline)


def csv_cell(text: str) -> str:
    if any(ch in text for ch in ';"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_bytes(f: CsvFile) -> bytes:
    text = f.newline.join(";".join(csv_cell(c) for c in rec) for rec in f.records) + f.newline
    data = text.encode(f.encoding)
    return (b"\xef\xbb\xbf" + data) if f.bom else data


def write_csv(path: Path, f: CsvFile) -> None:
    path.write_bytes(csv_bytes(f))


# =============================================================================================
# helpers: SPSS .sav (uncompressed, little-endian, as pyreadstat writes it)


@dataclass
class SavLayout:
    variables: list[tuple[str, int, int, str | None]]  # (name, width 0 = numeric, first slot, label)
    texts: list[tuple[str, int, int]]  # (kind, offset, length): variable labels, value labels, string cells
    data_start: int
    n_cases: int
    slots: int
    encoding: str | None = None  # the declared character encoding (record 7, subtype 20)

    def cell_offset(self, case: int, variable: int) -> int:
        return self.data_start + (case * self.slots + self.variables[variable][2]) * 8


def sav_layout(data: bytes) -> SavLayout:
    assert data[:4] == b"$FL2", "not an SPSS system file"
    layout, slots, compression = struct.unpack_from("<iii", data, 64)
    assert layout == 2 and compression == 0, f"need an uncompressed little-endian .sav ({layout}, {compression})"
    (n_cases,) = struct.unpack_from("<i", data, 80)
    pos = 176
    widths: list[int] = []
    variables: list[tuple[str, int, int, str | None]] = []
    texts: list[tuple[str, int, int]] = []
    encoding = None
    while True:
        (rec,) = struct.unpack_from("<i", data, pos)
        pos += 4
        if rec == 2:
            vtype, has_label, n_missing = struct.unpack_from("<iii", data, pos)
            name = data[pos + 20 : pos + 28].decode("ascii").strip()
            pos += 28
            label = None
            if has_label:
                (n,) = struct.unpack_from("<i", data, pos)
                pos += 4
                texts.append(("variable_label", pos, n))
                label = data[pos : pos + n].decode("utf-8", "replace")
                pos += (n + 3) // 4 * 4
            pos += abs(n_missing) * 8
            if vtype >= 0:
                variables.append((name, vtype, len(widths), label))
            widths.append(vtype)
        elif rec == 3:
            (count,) = struct.unpack_from("<i", data, pos)
            pos += 4
            for _ in range(count):
                pos += 8
                n = data[pos]
                pos += 1
                texts.append(("value_label", pos, n))
                pos += (n + 1 + 7) // 8 * 8 - 1
        elif rec == 4:
            (count,) = struct.unpack_from("<i", data, pos)
            pos += 4 + 4 * count
        elif rec == 6:
            (count,) = struct.unpack_from("<i", data, pos)
            pos += 4 + 80 * count
        elif rec == 7:
            sub, size, count = struct.unpack_from("<iii", data, pos)
            if sub == 20:
                encoding = data[pos + 12 : pos + 12 + size * count].decode("ascii")
            pos += 12 + size * count
        elif rec == 999:
            pos += 4
            break
        else:
            raise ValueError(f"unknown .sav record type {rec}")
    assert len(widths) == slots, (len(widths), slots)
    assert pos + n_cases * slots * 8 == len(data), "unexpected .sav data size"
    out = SavLayout(variables, texts, pos, n_cases, slots, encoding)
    for case in range(n_cases):
        for i, (_name, width, _slot, _label) in enumerate(variables):
            if 0 < width <= 255:
                out.texts.append(("cell", out.cell_offset(case, i), width))
    return out


def recode_cp1252_same_length(raw: bytes) -> bytes:
    """A UTF-8 text field re-encoded as cp1252, padded with spaces to the same byte length."""
    recoded = raw.decode("utf-8").encode("cp1252")
    return recoded + b" " * (len(raw) - len(recoded))


# =============================================================================================
# helpers: the case list, forms and the expected report lines


CL = {  # casuslijst: canonical header -> 0-based column in the demo
    name: i
    for i, name in enumerate(
        [
            "Casusnummer",
            "Naam cliënt",
            "Team",
            "Doelgroep",
            "Ervaringsdeskundige",
            "Ervaringsdeskundige 2",
            "Start casusverantwoordelijke",
            "Einde casusverantwoordelijke",
            "Start ervaringsdeskundige",
            "Einde ervaringsdeskundige",
            "Einde nazorg",
            "Opmerkingen",
        ]
    )
}
CL_DATES = [
    "Start casusverantwoordelijke",
    "Einde casusverantwoordelijke",
    "Start ervaringsdeskundige",
    "Einde ervaringsdeskundige",
    "Einde nazorg",
]


def caselist_lines(path: Path, sheet: str | None = None) -> tuple[list[Line], int]:
    """The report lines of the case list, derived from the file itself: invalid dates, exact
    duplicate rows, end before start, expert before professional. Returns (lines, header row)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = sheet_rows(ws)
    header_row = next(i for i, r in enumerate(rows, start=1) if "Casusnummer" in [str(v).strip() if v else v for v in r])
    headers = rows[header_row - 1]
    col = {name: col_of(headers, name) for name in CL}
    lines: list[Line] = []
    seen: set[tuple] = set()
    for r, values in enumerate(rows[header_row:], start=header_row + 1):
        if sum(v is not None and str(v).strip() != "" for v in values) <= 1:
            continue
        key = tuple(cell_date(v) or (str(v).strip() if v is not None else None) for v in values)
        if key in seen:
            lines.append(Line(path.name, r, "", "duplicate_row"))
            continue
        seen.add(key)
        d = {}
        for name in CL_DATES:
            v = values[col[name]]
            d[name] = cell_date(v)
            if v is not None and d[name] is None:
                lines.append(Line(path.name, r, name, "invalid_date"))
        if (
            d["Start casusverantwoordelijke"]
            and d["Einde casusverantwoordelijke"]
            and d["Einde casusverantwoordelijke"] < d["Start casusverantwoordelijke"]
        ):
            lines.append(Line(path.name, r, "Einde casusverantwoordelijke", "end_before_start"))
        if (
            d["Start ervaringsdeskundige"]
            and d["Einde ervaringsdeskundige"]
            and d["Einde ervaringsdeskundige"] < d["Start ervaringsdeskundige"]
        ):
            lines.append(Line(path.name, r, "Einde ervaringsdeskundige", "end_before_start"))
        if (
            d["Start ervaringsdeskundige"]
            and d["Start casusverantwoordelijke"]
            and d["Start ervaringsdeskundige"] < d["Start casusverantwoordelijke"]
        ):
            lines.append(Line(path.name, r, "Start ervaringsdeskundige", "expert_before_professional"))
    return lines, header_row


def caselist_names(raw: Path) -> dict[str, str]:
    """Folded client name -> case number, from the case list."""
    ws = openpyxl.load_workbook(raw / CASELIST).worksheets[0]
    return {
        fold(r[CL["Naam cliënt"]]): str(r[CL["Casusnummer"]]).strip().upper()
        for r in ws.iter_rows(min_row=2, values_only=True)
        if r[0]
    }


def caselist_numbers(raw: Path) -> set[str]:
    return set(caselist_names(raw).values())


def lines_of(lines: list[Line], rule: str) -> list[Line]:
    return [line for line in lines if line.rule == rule]


def outcome_rules(lines: list[Line]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({(line.file, line.rule) for line in lines}))


def harmless(lines: list[Line] = (), exact: bool = True, absent=()) -> Outcome:
    lines = list(lines)
    return Outcome("harmless", lines=tuple(lines), exact=outcome_rules(lines) if exact else (), absent=tuple(absent))


def value(lines: list[Line], exact: bool = True, absent=()) -> Outcome:
    return Outcome("value", lines=tuple(lines), exact=outcome_rules(lines) if exact else (), absent=tuple(absent))


def stop(file, **kw) -> Outcome:
    return Outcome("stop", file=file, **kw)


# =============================================================================================
# A. harmless variants


@variant(
    "A",
    """casuslijst: every valid date in `Start ervaringsdeskundige` and `Einde nazorg` (date cells
and dd-mm-jjjj text alike) retyped as `dd/mm/jjjj` text; the invalid `onbekend` stays as it is
(so its invalid_date line stays, same row).""",
)
def caselist_dates_as_slash_text(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    changed = 0
    for name in ["Start ervaringsdeskundige", "Einde nazorg"]:
        c = CL[name] + 1
        for r in range(2, ws.max_row + 1):
            cell = ws.cell(r, c)
            day = cell_date(cell.value)
            if day is not None:
                cell.value = day.strftime("%d/%m/%Y")
                cell.number_format = "@"
                changed += 1
    wb.save(path)
    ws = load_xlsx(path).active
    values = [ws.cell(r, CL["Start ervaringsdeskundige"] + 1).value for r in range(2, ws.max_row + 1)]
    assert changed > 100 and all(isinstance(v, str) and re.fullmatch(r"\d\d/\d\d/\d{4}", v) for v in values)
    assert "onbekend" in [ws.cell(r, CL["Einde nazorg"] + 1).value for r in range(2, ws.max_row + 1)]
    lines, _ = caselist_lines(path)
    return harmless(lines_of(lines, "invalid_date"))


def _retype_csv_dates(path: Path, columns: list[str], fmt: Callable[[dt.date, int], str], min_changed: int = 5) -> CsvFile:
    f = read_csv(path)
    cols = [col_of(f.headers, *c.split("|")) for c in columns]
    changed = 0
    for i, rec in enumerate(f.records[1:], start=1):
        for c in cols:
            day = text_date(rec[c]) if rec[c] else None
            if day is not None:
                rec[c] = fmt(day, i)
                changed += 1
    assert changed >= min_changed, changed
    write_csv(path, f)
    return read_csv(path)


def _csv_invalid_dates(path: Path, rel: str, column: str, written: str | None = None) -> list[Line]:
    f = read_csv(path)
    c = col_of(f.headers, written or column)
    return [
        Line(rel, f.row_of(i), column, "invalid_date")
        for i, rec in enumerate(f.records[1:], start=1)
        if rec[c].strip() and text_date(rec[c]) is None
    ]


@variant(
    "A",
    """2019/contactformulier.csv: `Datum contact` written `d/m/jjjj` instead of `d-m-jjjj`;
the two planted invalid dates (31-02-2019, 2 maart 2019) stay and keep their rows.""",
)
def csv_dates_d_m_slash(raw: Path) -> Outcome:
    rel = "2019/contactformulier.csv"
    f = _retype_csv_dates(raw / rel, ["Datum contact"], lambda d, i: f"{d.day}/{d.month}/{d.year}")
    c = col_of(f.headers, "Datum contact")
    assert any(re.fullmatch(r"\d/\d/\d{4}", r[c]) for r in f.records[1:])
    assert f.encoding == "utf-8" and f.bom
    lines = _csv_invalid_dates(raw / rel, rel, "Datum contact")
    assert len(lines) == 2
    return harmless(lines)


@variant(
    "A",
    """2019/startformulier.csv (cp1252, kept cp1252): `Datum ingevuld` and `Geboortedatum cliënt`
written `d.m.jjjj`.""",
)
def csv_dates_d_m_dots(raw: Path) -> Outcome:
    rel = "2019/startformulier.csv"
    f = _retype_csv_dates(
        raw / rel, ["Datum invullen|Datum ingevuld", "Geboortedatum cliënt"], lambda d, i: f"{d.day}.{d.month}.{d.year}"
    )
    assert f.encoding == "cp1252"
    c = col_of(f.headers, "Geboortedatum cliënt")
    assert all(re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", r[c]) for r in f.records[1:] if r[c])
    return harmless()


@variant("A", "2020/niet_casus_contacten.csv: `Datum` written `dd.mm.jjjj` instead of `jjjj-mm-dd`.")
def csv_dates_dd_mm_dots(raw: Path) -> Outcome:
    rel = "2020/niet_casus_contacten.csv"
    f = _retype_csv_dates(raw / rel, ["Datum"], lambda d, i: d.strftime("%d.%m.%Y"))
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4}", r[0]) for r in f.records[1:] if r[0])
    return harmless()


@variant(
    "A",
    """2020/contactformulier.csv: `Datum contact` written `jjjj-mm-dd hh:mm` (times vary, 00:00
included; the time is dropped); the contact dated after the peildatum stays after_peildatum.""",
)
def csv_dates_iso_minutes(raw: Path) -> Outcome:
    rel = "2020/contactformulier.csv"
    f = _retype_csv_dates(raw / rel, ["Datum contact"], lambda d, i: f"{d.isoformat()} {(i * 7) % 24:02d}:{(i * 13) % 60:02d}")
    c = col_of(f.headers, "Datum contact")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r[c]) for r in f.records[1:])
    late = [
        Line(rel, f.row_of(i), "Datum contact", "after_peildatum")
        for i, r in enumerate(f.records[1:], start=1)
        if text_date(r[c]) >= PEIL
    ]
    assert len(late) == 1
    return harmless(late)


@variant("A", "2019/clientervaring.csv: `Datum interview` written `jjjj-mm-dd hh:mm:ss`.")
def csv_dates_iso_seconds(raw: Path) -> Outcome:
    rel = "2019/clientervaring.csv"
    f = _retype_csv_dates(
        raw / rel, ["Datum interview"], lambda d, i: f"{d.isoformat()} {(i * 5) % 24:02d}:{(i * 11) % 60:02d}:{(i * 17) % 60:02d}"
    )
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r[1]) for r in f.records[1:])
    return harmless()


@variant(
    "A",
    """2019/startformulier.csv: `Geboortedatum cliënt` written `dd-mm-jj` (births 1956-2002: `85` is
1985 because 2085 is later than the peildatum year, `02` is 2002) and `Datum ingevuld` written `d-m-jj`.""",
)
def csv_dates_two_digit_year(raw: Path) -> Outcome:
    rel = "2019/startformulier.csv"
    before = read_csv(raw / rel)
    cb = col_of(before.headers, "Geboortedatum cliënt")
    births = [text_date(r[cb]) for r in before.records[1:] if r[cb]]
    f = _retype_csv_dates(raw / rel, ["Geboortedatum cliënt"], lambda d, i: d.strftime("%d-%m-%y"))
    f = _retype_csv_dates(raw / rel, ["Datum ingevuld"], lambda d, i: f"{d.day}-{d.month}-{d.strftime('%y')}")
    after = [text_date(r[cb]) for r in f.records[1:] if r[cb]]
    assert after == births, "the pivot must give back every birth date"
    assert any(d.year < 2000 for d in births) and any(d.year >= 2000 for d in births)
    assert all(re.fullmatch(r"\d\d-\d\d-\d\d", r[cb]) for r in f.records[1:] if r[cb])
    return harmless()


@variant(
    "A",
    """casuslijst: `Einde ervaringsdeskundige` and `Start casusverantwoordelijke` saved as plain numbers
(Excel serial dates, number format General), every valid date of both columns.""",
)
def caselist_serial_numbers(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    targets = [CL["Einde ervaringsdeskundige"] + 1, CL["Start casusverantwoordelijke"] + 1]
    for c in targets:
        for r in range(2, ws.max_row + 1):
            cell = ws.cell(r, c)
            day = cell_date(cell.value)
            if day is not None:
                cell.value = excel_serial(day)
                cell.number_format = "General"
    wb.save(path)
    ws = load_xlsx(path).active
    cells = [ws.cell(r, c) for c in targets for r in range(2, ws.max_row + 1) if ws.cell(r, c).value is not None]
    assert len(cells) > 200 and all(type(x.value) is int and x.number_format == "General" for x in cells)
    grid = calamine_rows(path)
    assert all(isinstance(grid[x.row - 1][x.column - 1], (int, float)) for x in cells), "not numeric cells"
    assert excel_serial(dt.date(2020, 1, 1)) == 43831 and excel_serial(dt.date(1900, 3, 1)) == 61
    lines, _ = caselist_lines(path)
    assert {line.rule for line in lines} == {"invalid_date", "duplicate_row", "end_before_start", "expert_before_professional"}
    return harmless(lines)


@variant(
    "A",
    """casuslijst: two title rows and a blank row above the header (header on row 4); the
planted report lines of the case list keep the spreadsheet's row numbers (3 higher).""",
)
def caselist_title_rows(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    ws.insert_rows(1, 3)
    ws["A1"] = "Casuslijst De Cirkel is Rond"
    ws["A2"] = "Stand per 31-12-2020, bijgehouden door de projectleider"
    wb.save(path)
    lines, header_row = caselist_lines(path)
    assert header_row == 4
    assert {line.rule for line in lines} == {"invalid_date", "duplicate_row", "end_before_start", "expert_before_professional"}
    assert min(line.row for line in lines) > 4
    return harmless(lines)


@variant(
    "A",
    """2018/eindformulier.xlsx: one title row directly above the header (header on row 2); the
safety score 12 is reported on its spreadsheet row.""",
)
def form_title_row(raw: Path) -> Outcome:
    rel = "2018/eindformulier.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    ws.insert_rows(1)
    ws["A1"] = "Eindformulier 2018 (export Microsoft Forms)"
    wb.save(raw / rel)
    return harmless(_safety_lines(raw / rel, rel, header_row=2))


def _safety_lines(path: Path, rel: str, header_row: int = 1, sheet: str | None = None) -> list[Line]:
    wb = load_xlsx(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = sheet_rows(ws)
    headers = rows[header_row - 1]
    out = []
    names = ["Veiligheid volgens cliënt", "Veiligheid volgens ervaringsdeskundige", "Veiligheid volgens casusverantwoordelijke"]
    for r, values in enumerate(rows[header_row:], start=header_row + 1):
        for name in names:
            v = values[col_of(headers, name)]
            if v is not None and not (isinstance(v, int) and (0 <= v <= 10 or v == 99)):
                out.append(Line(rel, r, name, "safety_out_of_range"))
    assert out, "expected the planted safety score"
    return out


def _unknown_survey_lines(raw: Path, path: Path, rel: str, header_row: int = 1, sheet: str | None = None) -> list[Line]:
    wb = load_xlsx(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = sheet_rows(ws)
    c = col_of(rows[header_row - 1], "Casusnummer")
    known = caselist_numbers(raw)
    out = [
        Line(rel, r, "Casusnummer", "unknown_case")
        for r, v in enumerate(rows[header_row:], start=header_row + 1)
        if v[c] and str(v[c]).strip().upper() not in known
    ]
    assert len(out) == 1
    return out


def _unknown_name_lines(raw: Path, path: Path, rel: str, header_row: int = 1, sheet: str | None = None) -> list[Line]:
    wb = load_xlsx(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = sheet_rows(ws)
    c = col_of(rows[header_row - 1], "Naam cliënt")
    known = caselist_names(raw)
    out = [
        Line(rel, r, "Naam cliënt", "unknown_case")
        for r, v in enumerate(rows[header_row:], start=header_row + 1)
        if v[c] and fold(v[c]) not in known
    ]
    assert len(out) >= 1
    return out


@variant(
    "A",
    """2018/clientervaring.xlsx: a title row and eight blank rows above the header, so the header
is on row 10, the last row the contract searches; the unknown case number is reported on its row (14).""",
)
def header_on_row_10(raw: Path) -> Outcome:
    rel = "2018/clientervaring.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    ws.insert_rows(1, 9)
    ws["A1"] = "Cliëntervaringsonderzoek 2018 - telefonische interviews"
    wb.save(raw / rel)
    ws = load_xlsx(raw / rel).active
    assert ws["A10"].value == "Casusnummer"
    return harmless(_unknown_survey_lines(raw, raw / rel, rel, header_row=10))


@variant(
    "A",
    """2018/startformulier.xlsx: an explanation sheet `Toelichting` before the data sheet, with prose
and a two-column legend whose rows each name one column (`Naam cliënt`, `Datum invullen`, ...).""",
)
def explanation_sheet_first(raw: Path) -> Outcome:
    rel = "2018/startformulier.xlsx"
    wb = load_xlsx(raw / rel)
    info = wb.create_sheet("Toelichting", 0)
    info.append(["Toelichting bij het startformulier 2018"])
    info.append([])
    info.append(["Dit bestand is een export van Microsoft Forms. Vul niets in op dit blad."])
    info.append(["Kolom", "Betekenis"])
    for name, meaning in [
        ("Naam cliënt", "volledige naam"),
        ("Datum invullen", "datum"),
        ("Geboortedatum cliënt", "datum"),
        ("Problematiek", "meerkeuze, gescheiden door ;"),
        ("Veiligheid volgens cliënt", "0-10, 99 = onbekend"),
    ]:
        info.append([name, meaning])
    wb.save(raw / rel)
    wb = load_xlsx(raw / rel)
    assert wb.sheetnames == ["Toelichting", "Blad1"]
    return harmless(_unknown_name_lines(raw, raw / rel, rel, sheet="Blad1"))


@variant("A", "2020/eindformulier_export_2021-01-01.xlsx: an empty sheet `Blad0` before the data sheet.")
def empty_sheet_first(raw: Path) -> Outcome:
    wb = load_xlsx(raw / END_2020)
    wb.create_sheet("Blad0", 0)
    wb.save(raw / END_2020)
    wb = load_xlsx(raw / END_2020)
    assert wb.sheetnames == ["Blad0", "Blad1"] and wb["Blad0"].max_row == 1 and wb["Blad0"]["A1"].value is None
    return harmless()


@variant(
    "A",
    """casuslijst: two extra sheets after the data: `Overzicht` (cases per team, with a `Team`
header) and `Codes` (the team labels).""",
)
def extra_sheets_after_data(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    teams: dict[str, int] = {}
    for r in ws.iter_rows(min_row=2, values_only=True):
        teams[r[CL["Team"]]] = teams.get(r[CL["Team"]], 0) + 1
    summary = wb.create_sheet("Overzicht")
    summary.append(["Team", "Aantal casussen"])
    for team, n in sorted(teams.items()):
        summary.append([team, n])
    summary.append(["Totaal", sum(teams.values())])
    codes = wb.create_sheet("Codes")
    codes.append(["Code", "Omschrijving"])
    for i, team in enumerate(sorted(teams), start=1):
        codes.append([i, team])
    wb.save(path)
    assert load_xlsx(path).sheetnames == ["Blad1", "Overzicht", "Codes"]
    return harmless()


@variant("A", "casuslijst: rows 20-40 hidden (still data).")
def hidden_rows(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    for r in range(20, 41):
        ws.row_dimensions[r].hidden = True
    wb.save(path)
    assert len(re.findall(r'<row r="\d+"[^>]*hidden="1"', xlsx_sheet_xml(path))) == 21
    return harmless()


@variant("A", "2018/contactformulier.xlsx: an autofilter over the whole table.")
def autofilter(raw: Path) -> Outcome:
    rel = "2018/contactformulier.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    ws.auto_filter.ref = ws.dimensions
    wb.save(raw / rel)
    assert "<autoFilter" in xlsx_sheet_xml(raw / rel)
    return harmless()


@variant("A", "casuslijst: frozen panes (first row and first two columns).")
def frozen_panes(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    wb.active.freeze_panes = "C2"
    wb.save(path)
    assert 'state="frozen"' in xlsx_sheet_xml(path)
    return harmless()


def _reorder_xlsx(path: Path, order: Callable[[int], list[int]]) -> None:
    wb = load_xlsx(path)
    ws = wb.active
    rows = sheet_rows(ws)
    n = len(rows[0])
    idx = order(n)
    new = openpyxl.Workbook()
    out = new.active
    out.title = ws.title
    for values in rows:
        out.append([values[i] for i in idx])
    for column in out.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "DD-MM-YYYY"
    new.save(path)


@variant(
    "A",
    """2018/eindformulier.xlsx: columns in reverse order; the safety score 12 is still reported
under its canonical header.""",
)
def columns_reordered_xlsx(raw: Path) -> Outcome:
    rel = "2018/eindformulier.xlsx"
    _reorder_xlsx(raw / rel, lambda n: list(range(n))[::-1])
    ws = load_xlsx(raw / rel).active
    assert ws["A1"].value == "Veiligheid volgens casusverantwoordelijke" and ws.cell(1, ws.max_column).value == "Naam cliënt"
    return harmless(_safety_lines(raw / rel, rel))


@variant("A", "2020/niet_casus_contacten.csv: columns rotated (the table starts with `Duur (minuten)`).")
def columns_reordered_csv(raw: Path) -> Outcome:
    rel = "2020/niet_casus_contacten.csv"
    f = read_csv(raw / rel)
    f.records = [rec[4:] + rec[:4] for rec in f.records]
    write_csv(raw / rel, f)
    assert read_csv(raw / rel).headers[0] == "Duur (minuten)"
    return harmless()


@variant(
    "A",
    """extra columns not in the contract: casuslijst gets `Postcode` and `Gemeente` after
`Naam cliënt` and `Laatst gewijzigd` at the end; 2019/startformulier.csv gets `Tijdstempel` first and
`E-mailadres invuller` last.""",
)
def extra_columns(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    ws.insert_cols(3, 2)
    ws.cell(1, 3, "Postcode")
    ws.cell(1, 4, "Gemeente")
    last = ws.max_column + 1
    ws.cell(1, last, "Laatst gewijzigd")
    for r in range(2, ws.max_row + 1):
        n = int(str(ws.cell(r, 1).value)[-4:])  # derived from the case number: identical rows stay identical
        ws.cell(r, 3, f"{4800 + n} AB")
        ws.cell(r, 4, "Breda" if n % 2 else "Tilburg")
        set_date(ws.cell(r, last), dt.date(2020, 12, 1) + dt.timedelta(days=n % 20))
    wb.save(path)
    assert xlsx_headers(load_xlsx(path).active)[2:4] == ["Postcode", "Gemeente"]
    lines, _ = caselist_lines(path)
    assert len(lines_of(lines, "duplicate_row")) == 1, "the planted identical duplicate must stay identical"
    rel = "2019/startformulier.csv"
    f = read_csv(raw / rel)
    f.records = [["Tijdstempel"] + f.records[0] + ["E-mailadres invuller"]] + [
        [f"{rec[1]} 10:{i % 60:02d}"] + rec + ["projectbureau@voorbeeld.nl"] for i, rec in enumerate(f.records[1:], start=1)
    ]
    write_csv(raw / rel, f)
    assert read_csv(raw / rel).headers[0] == "Tijdstempel"
    return harmless()


@variant(
    "A",
    """2018/startformulier.xlsx: header variants: `NAAM CLIENT:`, `datum invullen`,
`  Geboortedatum client  `, `geslacht cliënt:`, `CLIËNT ZWANGER`, `Veiligheid volgens client`;
the unknown client is reported under the canonical `Naam cliënt`.""",
)
def header_variants(raw: Path) -> Outcome:
    rel = "2018/startformulier.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    new = {
        "Naam cliënt": "NAAM CLIENT:",
        "Datum invullen": "datum invullen",
        "Geboortedatum cliënt": "  Geboortedatum client  ",
        "Geslacht cliënt": "geslacht cliënt:",
        "Cliënt zwanger": "CLIËNT ZWANGER",
        "Veiligheid volgens cliënt": "Veiligheid volgens client",
    }
    for cell in ws[1]:
        if cell.value in new:
            cell.value = new.pop(cell.value)
    assert not new
    wb.save(raw / rel)
    assert xlsx_headers(load_xlsx(raw / rel).active)[0] == "NAAM CLIENT:"
    return harmless(_unknown_name_lines(raw, raw / rel, rel))


def _formula_dates(path: Path, column: int, cached: bool) -> list[str]:
    """Write every valid date of a case-list column as a =DATE() formula; with ``cached`` also write
    the value Excel saves with it (<v>serial</v>), which openpyxl itself cannot write."""
    wb = load_xlsx(path)
    ws = wb.active
    refs = {}
    for r in range(2, ws.max_row + 1):
        cell = ws.cell(r, column)
        day = cell_date(cell.value)
        if day is not None:
            cell.value = f"=DATE({day.year},{day.month},{day.day})"
            cell.number_format = "DD-MM-YYYY"
            refs[cell.coordinate] = excel_serial(day)
    wb.save(path)

    if cached:

        def add_values(xml: bytes) -> bytes:
            def fill(m: re.Match) -> bytes:
                ref = m.group(1).decode()
                return (
                    m.group(0)
                    .replace(b"<v />", f"<v>{refs[ref]}</v>".encode())
                    .replace(b"<v></v>", f"<v>{refs[ref]}</v>".encode())
                )

            return re.sub(rb'<c r="([A-Z]+\d+)"[^>]*><f>[^<]*</f><v ?/?>(?:</v>)?</c>', fill, xml)

        rewrite_zip_member(path, "xl/worksheets/sheet1.xml", add_values)
    xml = xlsx_sheet_xml(path)
    formulas = re.findall(r'<c r="([A-Z]+\d+)"[^>]*><f>(DATE\([^<]*\))</f>(<v ?/>|<v>[^<]*</v>)</c>', xml)
    assert len(formulas) == len(refs) > 100, (len(formulas), len(refs))
    grid = calamine_rows(path)
    for ref, _f, v in formulas:
        cell = openpyxl.utils.cell.coordinate_from_string(ref)
        got = grid[cell[1] - 1][openpyxl.utils.cell.column_index_from_string(cell[0]) - 1]
        if cached:
            assert v == f"<v>{refs[ref]}</v>", v
            assert isinstance(got, (dt.date, dt.datetime)) and (
                got if type(got) is dt.date else got.date()
            ) == EXCEL_EPOCH + dt.timedelta(days=refs[ref]), (ref, got)
        else:
            assert v in ("<v />", "<v/>"), v
            assert got in ("", None), (ref, got)
    return sorted(refs, key=lambda ref: openpyxl.utils.cell.coordinate_from_string(ref)[1])


@variant(
    "A",
    """casuslijst: `Start casusverantwoordelijke` as `=DATE(j,m,d)` formulas WITH the value Excel
saves (`<f>DATE(...)</f><v>serial</v>`, date format): the saved values are read.""",
)
def formula_dates_with_values(raw: Path) -> Outcome:
    _formula_dates(raw / CASELIST, CL["Start casusverantwoordelijke"] + 1, cached=True)
    return harmless()


@variant(
    "A",
    """2019/contactformulier.csv converted from UTF-8 with BOM to cp1252 (no BOM; its names with
ë are then not valid UTF-8); the two planted invalid dates keep their rows.""",
)
def csv_converted_to_cp1252(raw: Path) -> Outcome:
    rel = "2019/contactformulier.csv"
    f = read_csv(raw / rel)
    f.encoding, f.bom = "cp1252", False
    write_csv(raw / rel, f)
    data = (raw / rel).read_bytes()
    try:
        data.decode("utf-8")
        raise AssertionError("the cp1252 file must not be valid UTF-8")
    except UnicodeDecodeError:
        pass
    assert b"\xeb" in data and not data.startswith(b"\xef\xbb\xbf")
    return harmless(_csv_invalid_dates(raw / rel, rel, "Datum contact"))


@variant("A", "2019/clientervaring.csv (UTF-8 without BOM) saved with a BOM and CRLF line ends.")
def csv_bom_crlf(raw: Path) -> Outcome:
    rel = "2019/clientervaring.csv"
    f = read_csv(raw / rel)
    assert not f.bom
    f.bom, f.newline = True, "\r\n"
    write_csv(raw / rel, f)
    data = (raw / rel).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n") > 10
    return harmless()


@variant(
    "A",
    """2020/contactformulier.csv (UTF-8 with BOM, CRLF) saved without BOM and with LF line ends;
the contact after the peildatum keeps its row.""",
)
def csv_lf_no_bom(raw: Path) -> Outcome:
    rel = "2020/contactformulier.csv"
    f = read_csv(raw / rel)
    f.bom, f.newline = False, "\n"
    write_csv(raw / rel, f)
    data = (raw / rel).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and data.count(b"\n") > 1000
    f = read_csv(raw / rel)
    c = col_of(f.headers, "Datum contact")
    late = [
        Line(rel, f.row_of(i), "Datum contact", "after_peildatum")
        for i, r in enumerate(f.records[1:], start=1)
        if text_date(r[c]) and text_date(r[c]) >= PEIL
    ]
    assert len(late) == 1
    return harmless(late)


@variant(
    "A",
    """Excel lock files next to the real workbooks: `~$casuslijst.xlsx` and
`2019/~$eindformulier.xlsx` (a few junk bytes each): ignored.""",
)
def excel_lock_files(raw: Path) -> Outcome:
    junk = b"\x0dProjectleider" + b"\x20" * 40 + b"\x00" * 110
    (raw / "~$casuslijst.xlsx").write_bytes(junk)
    (raw / "2019" / "~$eindformulier.xlsx").write_bytes(junk[:120])
    assert (raw / "casuslijst.xlsx").is_file() and (raw / "2019" / "eindformulier.xlsx").is_file()
    return harmless()


def _minimal_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Notities export 2019: eindformulier nagekeken.</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


@variant("A", "2019/: a `README.txt` and a `notities.docx` beside the exports: ignored.")
def readme_and_notes_in_year_folder(raw: Path) -> Outcome:
    (raw / "2019" / "README.txt").write_text("Export 2019, gemaakt op 4-1-2020 door het projectbureau.\n", encoding="utf-8")
    (raw / "2019" / "notities.docx").write_bytes(_minimal_docx())
    with zipfile.ZipFile(raw / "2019" / "notities.docx") as z:
        assert "word/document.xml" in z.namelist()
    return harmless()


@variant("A", "an empty year folder `2017/` (no forms that year).")
def empty_year_folder(raw: Path) -> Outcome:
    (raw / "2017").mkdir()
    assert not any((raw / "2017").iterdir())
    return harmless()


LONG_TEXT_UNIT = 'Gesprek ging goed 😊👍; cliënt voelt zich "gehoord" 🙏\nVolgende keer verder 🌈. '


def _long_text(n: int = 5000) -> str:
    text = (LONG_TEXT_UNIT * (n // len(LONG_TEXT_UNIT) + 1))[: n - 1] + "✅"
    assert len(text) == n
    return text


@variant(
    "A",
    """very long free text (5,000 characters, with emoji, `;`, quotes and a line break inside the
quoted cell) in a non-blank `Toelichting` of 2020/contactformulier.csv and a non-blank `Bereikte
resultaten` of 2019/eindformulier.xlsx; rows count records, not lines, so the contact after the
peildatum keeps its row.""",
)
def long_free_text_with_emoji(raw: Path) -> Outcome:
    text = _long_text()
    rel = "2020/contactformulier.csv"
    f = read_csv(raw / rel)
    c = col_of(f.headers, "Toelichting")
    i = next(i for i, r in enumerate(f.records[1:], start=1) if r[c].strip() and i > 20)
    f.records[i][c] = text
    write_csv(raw / rel, f)
    f = read_csv(raw / rel)
    assert f.records[i][c] == text and "\n" in text and len(f.records) == 1084
    d = col_of(f.headers, "Datum contact")
    late = [
        Line(rel, f.row_of(j), "Datum contact", "after_peildatum")
        for j, r in enumerate(f.records[1:], start=1)
        if text_date(r[d]) and text_date(r[d]) >= PEIL
    ]
    assert len(late) == 1 and (raw / rel).read_bytes().count(b"\n") == len(f.records) + text.count("\n")
    rel2 = "2019/eindformulier.xlsx"
    wb = load_xlsx(raw / rel2)
    ws = wb.active
    c2 = col_of(xlsx_headers(ws), "Bereikte resultaten") + 1
    r2 = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, c2).value)
    ws.cell(r2, c2).value = text
    wb.save(raw / rel2)
    assert load_xlsx(raw / rel2).active.cell(r2, c2).value == text
    return harmless(late)


@variant(
    "A",
    """2019/eindformulier.xlsx saved as `2019/eindformulier.xls` (BIFF8, written with xlwt; date
cells as real xls dates with a date format, text dates stay text).""",
)
def end_form_as_xls(raw: Path) -> Outcome:
    import xlwt  # a test dependency (pyproject: test)

    src = raw / "2019" / "eindformulier.xlsx"
    rows = sheet_rows(load_xlsx(src).active)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Blad1")
    date_style = xlwt.easyxf(num_format_str="DD-MM-YYYY")
    n_dates = 0
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, dt.datetime):
                sheet.write(r, c, v, date_style)
                n_dates += 1
            else:
                sheet.write(r, c, v)
    out = raw / "2019" / "eindformulier.xls"
    book.save(str(out))
    src.unlink()
    assert out.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
    grid = calamine_rows(out)
    assert len(grid) == len(rows) and grid[0] == rows[0]
    got_dates = [v for row in grid[1:] for v in row if isinstance(v, (dt.date, dt.datetime))]
    assert len(got_dates) == n_dates > 20, (len(got_dates), n_dates)
    return harmless()


@variant(
    "A",
    """2018/startformulier.xlsx: blank rows between data rows (before the 10th and the 20th data
row); a blank row is not data and is not reported; the unknown client keeps the spreadsheet's row.""",
)
def blank_rows_between_data_xlsx(raw: Path) -> Outcome:
    rel = "2018/startformulier.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    ws.insert_rows(21)
    ws.insert_rows(11)
    wb.save(raw / rel)
    ws = load_xlsx(raw / rel).active
    assert all(c.value is None for c in ws[11]) and all(c.value is None for c in ws[22])
    lines = _unknown_name_lines(raw, raw / rel, rel)
    assert lines[0].row == ws.max_row
    return harmless(lines, absent=[(rel, None, "empty_row")])


@variant(
    "A",
    """2019/startformulier.csv: blank rows between data rows (an empty line and a line of only
`;`); not data, not reported; the second start form keeps the spreadsheet's row.""",
)
def blank_rows_between_data_csv(raw: Path) -> Outcome:
    rel = "2019/startformulier.csv"
    f = read_csv(raw / rel)
    n = len(f.headers)
    f.records.insert(21, [""] * n)
    f.records.insert(11, [])
    write_csv(raw / rel, f)
    data = (raw / rel).read_bytes()
    assert b"\r\n\r\n" in data and b"\r\n" + b";" * (n - 1) + b"\r\n" in data
    return harmless(_second_form_lines_csv(raw / rel, rel), absent=[(rel, None, "empty_row")])


def _second_form_lines_csv(path: Path, rel: str) -> list[Line]:
    """second_form lines of one start/end csv, derived from the file (earliest date stays, blank
    last, then lower row), for cases whose forms are all in this file."""
    f = read_csv(path)
    c = col_of(f.headers, "Casusnummer", "Casusnr")
    d = col_of(f.headers, "Datum invullen", "Datum ingevuld")
    forms: dict[str, list[tuple]] = {}
    for i, rec in enumerate(f.records[1:], start=1):
        if len(rec) > c and rec[c].strip() and sum(bool(x.strip()) for x in rec) > 1:
            day = text_date(rec[d]) if rec[d] else None
            forms.setdefault(rec[c].strip().upper(), []).append((day or dt.date.max, f.row_of(i)))
    out = []
    for rows in forms.values():
        for _day, row in sorted(rows)[1:]:
            out.append(Line(rel, row, "Casusnummer", "second_form"))
    assert out
    return out


@variant(
    "A",
    """2018/eindformulier.xlsx: a leading empty column A (the table starts in column B); the
safety score 12 keeps its row and canonical column.""",
)
def leading_empty_column(raw: Path) -> Outcome:
    rel = "2018/eindformulier.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    ws.insert_cols(1)
    wb.save(raw / rel)
    ws = load_xlsx(raw / rel).active
    assert ws["A1"].value is None and ws["B1"].value == "Naam cliënt" and all(c.value is None for c in ws["A"])
    return harmless(_safety_lines(raw / rel, rel))


@variant(
    "A",
    """2020/startformulier.sav (declared encoding UTF-8, uncompressed): the bytes of ONE string cell
(`Noëlle wil weer grip ...`) patched in place into cp1252 with the same field length (ë = `eb`, the
rest shifted left, one more padding space), so the file is not valid UTF-8; the variable labels
(`Geboortedatum cliënt`, ...) and the other cells stay valid UTF-8. Per the contract such a file is
retried as cp1252 and reads fine: the headers must still be found, so the retry must not garble the
valid UTF-8 labels (`cliÃ«nt`).""",
)
def sav_one_string_cp1252(raw: Path) -> Outcome:
    path = raw / "2020" / "startformulier.sav"
    data = bytearray(path.read_bytes())
    layout = sav_layout(bytes(data))
    cells = [(o, n) for kind, o, n in layout.texts if kind == "cell" and any(b > 127 for b in data[o : o + n])]
    assert cells, "no non-ASCII string cell"
    o, n = cells[0]
    before = bytes(data[o : o + n])
    data[o : o + n] = recode_cp1252_same_length(before)
    path.write_bytes(bytes(data))
    _check_sav_not_utf8(path)
    assert before.decode("utf-8").rstrip() == bytes(data[o : o + n]).decode("cp1252").rstrip()
    assert b"\xeb" in data[o : o + n] and b"cli\xc3\xabnt" in data
    return harmless()


@variant(
    "A",
    """2020/startformulier.sav (declared UTF-8): EVERY non-ASCII string (variable labels such as
`Geboortedatum cliënt` and the string cells) re-encoded in place as cp1252 with the same length
(padding spaces), as a tool does that writes cp1252 while declaring UTF-8: retried as cp1252, it
reads exactly as the demo.""",
)
def sav_all_strings_cp1252(raw: Path) -> Outcome:
    import pyreadstat

    path = raw / "2020" / "startformulier.sav"
    original = path.read_bytes()
    data = bytearray(original)
    layout = sav_layout(original)
    patched = 0
    for _kind, o, n in layout.texts:
        if any(b > 127 for b in data[o : o + n]):
            data[o : o + n] = recode_cp1252_same_length(bytes(data[o : o + n]))
            patched += 1
    assert patched >= 5
    path.write_bytes(bytes(data))
    _check_sav_not_utf8(path)
    want, want_meta = pyreadstat.read_sav(str(DEMO / "2020" / "startformulier.sav"))
    got, got_meta = pyreadstat.read_sav(str(path), encoding="cp1252")
    assert [v.strip() for v in got_meta.column_labels] == want_meta.column_labels
    assert got.equals(want)
    return harmless()


def _check_sav_not_utf8(path: Path) -> None:
    import pyreadstat

    try:
        pyreadstat.read_sav(str(path))
    except Exception as exc:  # ReadstatError: invalid byte sequence
        assert "encoding" in str(exc) or "byte" in str(exc), exc
    else:
        raise AssertionError("the patched .sav still reads as UTF-8")
    frame, _meta = pyreadstat.read_sav(str(path), encoding="cp1252")
    assert sav_layout(path.read_bytes()).encoding == "UTF-8" and len(frame) == 45


# =============================================================================================
# B. stops (structural problems)


@variant("B", "the year folder 2019 renamed `2019 (kopie)`: a misnamed year folder stops the run.")
def year_folder_kopie(raw: Path) -> Outcome:
    (raw / "2019").rename(raw / "2019 (kopie)")
    return stop("2019 (kopie)", row=None, column=None, sheet=None, mentions=("2019 (kopie)",))


@variant("B", "a copy of the year folder 2019 named `2019_oud` beside 2019: a misnamed year folder stops the run.")
def year_folder_oud(raw: Path) -> Outcome:
    shutil.copytree(raw / "2019", raw / "2019_oud")
    return stop("2019_oud", row=None, column=None, sheet=None, mentions=("2019_oud",))


@variant("B", "2019's end form saved as `eindformulier.txt` (tab-separated text) instead of xlsx.")
def end_form_txt(raw: Path) -> Outcome:
    src = raw / "2019" / "eindformulier.xlsx"
    rows = sheet_rows(load_xlsx(src).active)
    text = (
        "\r\n".join(
            "\t".join("" if v is None else (v.strftime("%d-%m-%Y") if isinstance(v, dt.datetime) else str(v)) for v in r)
            for r in rows
        )
        + "\r\n"
    )
    (raw / "2019" / "eindformulier.txt").write_text(text, encoding="utf-8")
    src.unlink()
    return stop("2019/eindformulier.txt", row=None, column=None, sheet=None, mentions=("2019/eindformulier.txt",))


@variant("B", "2018's start form saved as `startformulier.ods` (OpenDocument) instead of xlsx.")
def start_form_ods(raw: Path) -> Outcome:
    src = raw / "2018" / "startformulier.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2">'
            "<office:body><office:spreadsheet/></office:body></office:document-content>",
        )
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
        )
    (raw / "2018" / "startformulier.ods").write_bytes(buffer.getvalue())
    src.unlink()
    return stop("2018/startformulier.ods", row=None, column=None, sheet=None, mentions=("2018/startformulier.ods",))


@variant(
    "B",
    """casuslijst written by a script: `Start casusverantwoordelijke` as `=DATE(j,m,d)` formulas
WITHOUT saved values (openpyxl's default `<v />`): stops at the first such cell (row 2).""",
)
def formula_dates_without_values(raw: Path) -> Outcome:
    refs = _formula_dates(raw / CASELIST, CL["Start casusverantwoordelijke"] + 1, cached=False)
    first_row = openpyxl.utils.cell.coordinate_from_string(refs[0])[1]
    return stop(
        CASELIST, row=first_row, column="Start casusverantwoordelijke", sheet="Blad1", mentions=("Start casusverantwoordelijke",)
    )


def _column_format_stop(rel: str, written: str, bad_rows: list[int], bad_values: list[str], sheet, dates: bool) -> Outcome:
    first = min(bad_rows)
    return stop(
        rel,
        row=(first, None),
        column=written,
        sheet=sheet,
        mentions=(written,) + (("dd-mm-jjjj",) if dates else ()),
        mentions_any=tuple(bad_values),
        mentions_row=first,
    )


@variant(
    "B",
    """2019/contactformulier.csv: `Datum contact` written `jjjj/mm/dd` (`2019/01/05`) in every row:
a whole column in a format the pipeline does not read stops the run; the message names the column,
the first rows, a value found and the date forms that are read (`dd-mm-jjjj`, ...).""",
)
def date_column_ymd_slashes(raw: Path) -> Outcome:
    rel = "2019/contactformulier.csv"
    f = _retype_csv_dates(raw / rel, ["Datum contact"], lambda d, i: d.strftime("%Y/%m/%d"))
    c = col_of(f.headers, "Datum contact")
    bad = [(f.row_of(i), r[c]) for i, r in enumerate(f.records[1:], start=1) if r[c] and text_date(r[c]) is None]
    assert len(bad) == len(f.records) - 1 > 1000
    return _column_format_stop(rel, "Datum contact", [b[0] for b in bad], [b[1] for b in bad], None, True)


@variant(
    "B",
    """2020/eindformulier_export_2021-01-01.xlsx: `DATUM INVULLEN:` written in words (`5 maart
2020`) in every row: stops, naming the column as written, the first rows and a value found.""",
)
def date_column_dutch_words(raw: Path) -> Outcome:
    wb = load_xlsx(raw / END_2020)
    ws = wb.active
    c = col_of(xlsx_headers(ws), "Datum invullen") + 1
    written = ws.cell(1, c).value
    bad = []
    for r in range(2, ws.max_row + 1):
        day = cell_date(ws.cell(r, c).value)
        assert day is not None
        ws.cell(r, c).value = dutch_words(day)
        ws.cell(r, c).number_format = "General"
        bad.append((r, dutch_words(day)))
    wb.save(raw / END_2020)
    ws = load_xlsx(raw / END_2020).active
    assert all(isinstance(ws.cell(r, c).value, str) and " " in ws.cell(r, c).value for r in range(2, ws.max_row + 1))
    assert written == "DATUM INVULLEN:"
    return _column_format_stop(END_2020, written, [b[0] for b in bad], [b[1] for b in bad], "Blad1", True)


@variant(
    "B",
    """2019/clientervaring.csv: 7 of the 14 `Datum interview` cells written `jjjj/mm/dd`: at least 5
cells and exactly half of the column's non-blank cells, so the column is in a wrong format: stop.""",
)
def date_column_half_unreadable(raw: Path) -> Outcome:
    rel = "2019/clientervaring.csv"
    f = _retype_csv_dates(
        raw / rel, ["Datum interview"], lambda d, i: d.strftime("%Y/%m/%d") if i % 2 == 0 else f"{d.day}-{d.month}-{d.year}"
    )
    c = col_of(f.headers, "Datum interview")
    filled = [(f.row_of(i), r[c]) for i, r in enumerate(f.records[1:], start=1) if r[c].strip()]
    bad = [(row, v) for row, v in filled if text_date(v) is None]
    assert len(bad) >= 5 and 2 * len(bad) == len(filled), (len(bad), len(filled))
    return _column_format_stop(rel, "Datum interview", [b[0] for b in bad], [b[1] for b in bad], None, True)


@variant(
    "B",
    """2019/startformulier.csv: `Veiligheid volgens cliënt` written with a half point (`7,5`) in every
scored row (99 stays): a safety column mostly not a whole number 0-10: stop naming column and a value.""",
)
def safety_column_decimals(raw: Path) -> Outcome:
    rel = "2019/startformulier.csv"
    f = read_csv(raw / rel)
    c = col_of(f.headers, "Veiligheid volgens cliënt")
    bad, filled = [], 0
    for i, rec in enumerate(f.records[1:], start=1):
        if rec[c].strip():
            filled += 1
            if rec[c] != "99":
                rec[c] = f"{min(int(rec[c]), 9)},5"
                bad.append((f.row_of(i), rec[c]))
    write_csv(raw / rel, f)
    assert len(bad) >= 5 and 2 * len(bad) >= filled and read_csv(raw / rel).encoding == "cp1252"
    return _column_format_stop(rel, "Veiligheid volgens cliënt", [b[0] for b in bad], [b[1] for b in bad], None, False)


@variant(
    "B",
    """2020/contactformulier.csv: `Duur contact (uren)` written with a unit (`1 uur`, `0,5 uur`) in
every row: an hours column that cannot be read as numbers: stop naming column and a value.""",
)
def hours_column_with_unit(raw: Path) -> Outcome:
    rel = "2020/contactformulier.csv"
    f = read_csv(raw / rel)
    c = col_of(f.headers, "Duur contact (uren)")
    bad, filled = [], 0
    for i, rec in enumerate(f.records[1:], start=1):
        if rec[c].strip():
            filled += 1
            rec[c] = f"{rec[c]} uur"
            bad.append((f.row_of(i), rec[c]))
    write_csv(raw / rel, f)
    assert len(bad) == filled > 1000
    return _column_format_stop(rel, "Duur contact (uren)", [b[0] for b in bad], [b[1] for b in bad], None, False)


SURVEY_REQUIRED = [
    "Casusnummer",
    "Datum interview",
    "Klik met ervaringsdeskundige",
    "Ervaringsdeskundige goed bereikbaar",
    "Voelde zich begrepen",
    "Inzet hielp problemen oplossen",
    "Zou ervaringsdeskundige aanraden",
    "Folder ontvangen",
    "Folder nuttig",
    "Rapportcijfer",
]


@variant(
    "B",
    """2018/clientervaring.xlsx: the data sheet `Data` has English headers (`Case number`, ...), so it
holds no required column anywhere; the sheet `Toelichting` before it has a legend row (row 4:
`Casusnummer`, `Rapportcijfer`, `Opmerking`) and so comes closest: the message names the 8 missing
columns as found on sheet `Toelichting`, row 4.""",
)
def no_sheet_holds_required_columns(raw: Path) -> Outcome:
    rel = "2018/clientervaring.xlsx"
    rows = sheet_rows(load_xlsx(raw / rel).active)
    english = [
        "Case number",
        "Interview date",
        "Click with expert",
        "Expert easy to reach",
        "Felt understood",
        "Helped solve problems",
        "Would recommend expert",
        "Leaflet received",
        "Leaflet useful",
        "Grade",
        "What went well",
        "What could be better",
    ]
    assert [h for h in rows[0]] == SURVEY_REQUIRED + ["Wat vond u goed", "Wat kan beter"]
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "Toelichting"
    info.append(["Toelichting bij de export van het cliëntervaringsonderzoek"])
    info.append([])
    info.append(["Kolommen die de projectleider gebruikt:"])
    info.append(["Casusnummer", "Rapportcijfer", "Opmerking"])
    info.append(["nummer van de casus", "cijfer 1-10", "vrije tekst"])
    data = wb.create_sheet("Data")
    data.append(english)
    for values in rows[1:]:
        data.append(values)
    wb.save(raw / rel)
    wb = load_xlsx(raw / rel)
    assert wb.sheetnames == ["Toelichting", "Data"] and xlsx_headers(wb["Toelichting"], 4)[:2] == ["Casusnummer", "Rapportcijfer"]
    missing = [h for h in SURVEY_REQUIRED if h not in ("Casusnummer", "Rapportcijfer")]
    return stop(rel, row=4, sheet="Toelichting", mentions=("Toelichting", *missing))


START_REQUIRED_2018 = [
    "Datum invullen",
    "Ervaringsdeskundige",
    "Geboortedatum cliënt",
    "Geslacht cliënt",
    "Kinderen betrokken",
    "Aantal kinderen",
    "Cliënt zwanger",
    "Problematiek",
    "Veiligheid volgens cliënt",
    "Veiligheid volgens ervaringsdeskundige",
    "Veiligheid volgens casusverantwoordelijke",
]


@variant(
    "B",
    """2018/startformulier.xlsx: two title rows and eight blank rows above the header, so the header
is on row 11, below the 10 rows the contract searches: no sheet holds the required columns. No row
searched holds even one of them, so no sheet or row "comes closest": the message must name the
missing required columns (at least one; every one is missing), sheet and row are not checked.""",
)
def header_below_row_10(raw: Path) -> Outcome:
    rel = "2018/startformulier.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    ws.insert_rows(1, 10)
    ws["A1"] = "Startformulier 2018"
    ws["A2"] = "Geëxporteerd op 4-1-2019"
    wb.save(raw / rel)
    ws = load_xlsx(raw / rel).active
    assert ws["A11"].value == "Naam cliënt" and all(c.value is None for r in range(3, 11) for c in ws[r])
    return stop(rel, mentions_any=tuple(START_REQUIRED_2018))


@variant("B", "casuslijst: one team written `VT Nieuw`, a label not in the code list: stop at that cell.")
def team_label_not_in_code_list(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    row = 20
    ws.cell(row, CL["Team"] + 1).value = "VT Nieuw"
    wb.save(path)
    assert load_xlsx(path).active.cell(row, CL["Team"] + 1).value == "VT Nieuw"
    return stop(CASELIST, row=row, column="Team", sheet="Blad1", mentions=("VT Nieuw", "Team"))


@variant(
    "B",
    """2020: two files for the end form (`eindformulier_export_2021-01-01.xlsx` and a copy
`eindformulier_export_2020-12-01.xlsx`): stop naming both.""",
)
def two_files_for_one_form(raw: Path) -> Outcome:
    other = "2020/eindformulier_export_2020-12-01.xlsx"
    shutil.copy2(raw / END_2020, raw / other)
    return stop((END_2020, other), mentions=("eindformulier_export_2021-01-01.xlsx", "eindformulier_export_2020-12-01.xlsx"))


@variant(
    "B",
    """casuslijst: a case number listed a second time (appended at the end) with a different team:
a duplicated `Casusnummer` with conflicting content stops the run at the later row.""",
)
def caselist_duplicate_conflicting(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    source = 21
    values = [c.value for c in ws[source]]
    values[CL["Team"]] = "VT Onderzoek" if values[CL["Team"]] != "VT Onderzoek" else "SG Ambulant"
    row = ws.max_row + 1
    for c, v in enumerate(values, start=1):
        if isinstance(v, dt.datetime):
            set_date(ws.cell(row, c), v.date())
        else:
            ws.cell(row, c).value = v
    wb.save(path)
    ws = load_xlsx(path).active
    numbers = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert numbers.count(ws.cell(source, 1).value) == 2 and ws.cell(row, 1).value == ws.cell(source, 1).value
    return stop(CASELIST, row=row, column="Casusnummer", sheet="Blad1", mentions=("Casusnummer",))


@variant("B", "casuslijst without the required column `Doelgroep`: stop naming the column (header row 1).")
def required_column_missing(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    ws.delete_cols(CL["Doelgroep"] + 1)
    wb.save(path)
    assert "Doelgroep" not in xlsx_headers(load_xlsx(path).active)
    return stop(CASELIST, row=1, column="Doelgroep", sheet="Blad1", mentions=("Doelgroep",))


@variant("B", "casuslijst.xlsx truncated to half its bytes (a broken copy): unreadable file.")
def truncated_xlsx(raw: Path) -> Outcome:
    path = raw / CASELIST
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    try:
        zipfile.ZipFile(path)
        raise AssertionError("still a valid zip")
    except zipfile.BadZipFile:
        pass
    return stop(CASELIST, row=None, column=None, sheet=None)


@variant("B", "2019/clientervaring.csv is an empty file (0 bytes).")
def empty_csv(raw: Path) -> Outcome:
    (raw / "2019" / "clientervaring.csv").write_bytes(b"")
    return stop("2019/clientervaring.csv", column=None, sheet=None)


@variant("B", "2019/clientervaring.csv separated by commas (an English csv export) instead of `;`.")
def comma_separated_csv(raw: Path) -> Outcome:
    rel = "2019/clientervaring.csv"
    f = read_csv(raw / rel)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=",", lineterminator="\r\n").writerows(f.records)
    (raw / rel).write_bytes(buffer.getvalue().encode("utf-8"))
    assert ";" not in (raw / rel).read_text(encoding="utf-8").splitlines()[0]
    return stop(rel, column=None, sheet=None)


# =============================================================================================
# C. value problems


@variant(
    "C",
    """casuslijst: a summary line `Totaal aantal casussen: 128` in column A under the list, after a
blank row: empty_row, named by the header of its column (`Casusnummer`); the blank row is not reported.""",
)
def summary_line_under_caselist(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    row = last_data_row(ws) + 2
    ws.cell(row, 1).value = "Totaal aantal casussen: 128"
    wb.save(path)
    ws = load_xlsx(path).active
    assert all(c.value is None for c in ws[row - 1]) and ws.cell(row, 1).value.startswith("Totaal")
    return value([Line(CASELIST, row, "Casusnummer", "empty_row")])


@variant(
    "C",
    """casuslijst: a note `Bijgewerkt door de projectleider` under the list in a column without a
header (two columns right of the table): empty_row with a blank column.""",
)
def note_outside_the_table(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    width = len(xlsx_headers(ws))
    row = last_data_row(ws) + 2
    ws.cell(row, width + 2).value = "Bijgewerkt door de projectleider"
    wb.save(path)
    ws = load_xlsx(path).active
    assert ws.cell(1, width + 2).value is None and ws.cell(row, width + 2).value
    return value([Line(CASELIST, row, "", "empty_row")])


@variant(
    "C",
    """2019/startformulier.csv: a row holding only a case number (one that has a start form):
empty_row under the canonical `Casusnummer` (the file says `Casusnr`); not also second_form.""",
)
def form_row_only_case_number(raw: Path) -> Outcome:
    rel = "2019/startformulier.csv"
    f = read_csv(raw / rel)
    c = col_of(f.headers, "Casusnr")
    number = f.records[5][c]
    f.records.append([number] + [""] * (len(f.headers) - 1))
    write_csv(raw / rel, f)
    f = read_csv(raw / rel)
    row = f.row_of(len(f.records) - 1)
    assert f.records[-1][0] == number and not any(f.records[-1][1:])
    return value(
        [Line(rel, row, "Casusnummer", "empty_row")],
        absent=[(rel, row, "second_form"), (rel, row, "unknown_case"), (rel, row, "duplicate_row")],
    )


@variant(
    "C",
    """2020/contactformulier.csv: three dates that cannot be read in `Datum contact` (`2020/03/05`,
`5 maart 2020`, `31-04-2020`): fewer than 5, so invalid_date on each, rows kept.""",
)
def three_invalid_dates(raw: Path) -> Outcome:
    rel = "2020/contactformulier.csv"
    f = read_csv(raw / rel)
    c = col_of(f.headers, "Datum contact")
    picks = [100, 400, 700]
    for i, make in zip(picks, [lambda d: d.strftime("%Y/%m/%d"), dutch_words, lambda d: "31-04-2020"]):
        f.records[i][c] = make(text_date(f.records[i][c]))
    write_csv(raw / rel, f)
    lines = _csv_invalid_dates(raw / rel, rel, "Datum contact")
    assert [line.row for line in lines] == [f.row_of(i) for i in picks]
    return value(lines)


@variant(
    "C",
    """2018/clientervaring.xlsx: all 4 `Datum interview` cells written `jjjj/mm/dd`: every cell of
the column, but fewer than 5, so a value problem: invalid_date on each (the unknown case's row too,
which is also unknown_case).""",
)
def all_four_dates_invalid_small_file(raw: Path) -> Outcome:
    rel = "2018/clientervaring.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    rows = []
    for r in range(2, ws.max_row + 1):
        day = cell_date(ws.cell(r, 2).value)
        ws.cell(r, 2).value = day.strftime("%Y/%m/%d")
        ws.cell(r, 2).number_format = "General"
        rows.append(r)
    wb.save(raw / rel)
    assert len(rows) == 4 and all(isinstance(load_xlsx(raw / rel).active.cell(r, 2).value, str) for r in rows)
    lines = [Line(rel, r, "Datum interview", "invalid_date") for r in rows]
    return value(lines + _unknown_survey_lines(raw, raw / rel, rel))


@variant(
    "C",
    """casuslijst: `Einde nazorg` plain-number cells outside a real date: serial 60 (Excel's
non-existent 1900-02-29), 0 (1900-01-00) and 80000 (the year 2119, outside 1900-2100), in three
rows where it was blank: invalid_date each (and the planted `onbekend`).""",
)
def excel_serials_out_of_range(raw: Path) -> Outcome:
    path = raw / CASELIST
    wb = load_xlsx(path)
    ws = wb.active
    c = CL["Einde nazorg"] + 1
    numbers = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    rows = [r for r in range(30, ws.max_row + 1) if ws.cell(r, c).value is None and numbers.count(numbers[r - 1]) == 1][:3]
    for r, serial in zip(rows, [60, 0, 80000]):
        ws.cell(r, c).value = serial
        ws.cell(r, c).number_format = "General"
    wb.save(path)
    ws = load_xlsx(path).active
    assert [ws.cell(r, c).value for r in rows] == [60, 0, 80000]
    assert all(type(ws.cell(r, c).value) is int for r in rows)
    grid = calamine_rows(path)
    assert [grid[r - 1][c - 1] for r in rows] == [60, 0, 80000]
    lines, _ = caselist_lines(path)
    invalid = lines_of(lines, "invalid_date")
    assert {Line(CASELIST, r, "Einde nazorg", "invalid_date") for r in rows} < set(invalid) and len(invalid) == 4
    return value(invalid)


@variant(
    "C",
    """2019/eindformulier.xlsx: a safety score 11 (`Veiligheid volgens ervaringsdeskundige`):
safety_out_of_range; and a 99 (unknown) in another row: set blank without a report line.""",
)
def safety_11_and_99(raw: Path) -> Outcome:
    rel = "2019/eindformulier.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    headers = xlsx_headers(ws)
    c11 = col_of(headers, "Veiligheid volgens ervaringsdeskundige") + 1
    c99 = col_of(headers, "Veiligheid volgens casusverantwoordelijke") + 1
    ws.cell(7, c11).value = 11
    ws.cell(12, c99).value = 99
    wb.save(raw / rel)
    ws = load_xlsx(raw / rel).active
    assert ws.cell(7, c11).value == 11 and ws.cell(12, c99).value == 99
    return value(
        [Line(rel, 7, "Veiligheid volgens ervaringsdeskundige", "safety_out_of_range")], absent=[(rel, 12, "safety_out_of_range")]
    )


@variant(
    "C",
    """2020/niet_casus_contacten.csv: a row repeated right below itself with the date written
`d-m-jjjj` instead of `jjjj-mm-dd` and spaces around the expert's name: equal as read values, so
duplicate_row (blank column) on the copy.""",
)
def duplicate_row_as_read_values(raw: Path) -> Outcome:
    rel = "2020/niet_casus_contacten.csv"
    f = read_csv(raw / rel)
    i = 10
    copy = list(f.records[i])
    day = text_date(copy[0])
    copy[0] = f"{day.day}-{day.month}-{day.year}"
    copy[1] = f"  {copy[1]} "
    assert copy != f.records[i]
    f.records.insert(i + 1, copy)
    write_csv(raw / rel, f)
    f = read_csv(raw / rel)
    assert text_date(f.records[i + 1][0]) == text_date(f.records[i][0])
    return value([Line(rel, f.row_of(i + 1), "", "duplicate_row")])


@variant(
    "C",
    """2020/contactformulier.csv: a contact with case number `CIR-0999`, not on the case list
(inserted mid-file): unknown_case under `Casusnummer`; the contact after the peildatum moves down one row.""",
)
def unknown_case_number(raw: Path) -> Outcome:
    rel = "2020/contactformulier.csv"
    f = read_csv(raw / rel)
    assert "CIR-0999" not in caselist_numbers(raw)
    copy = list(f.records[50])
    copy[0] = "CIR-0999"
    f.records.insert(51, copy)
    write_csv(raw / rel, f)
    f = read_csv(raw / rel)
    c = col_of(f.headers, "Datum contact")
    late = [
        Line(rel, f.row_of(j), "Datum contact", "after_peildatum")
        for j, r in enumerate(f.records[1:], start=1)
        if text_date(r[c]) and text_date(r[c]) >= PEIL
    ]
    return value([Line(rel, f.row_of(51), "Casusnummer", "unknown_case")] + late)


@variant(
    "C",
    """2018/eindformulier.xlsx: an end form of `Onbekende Persoon`, a name not on the case list
(the 2018 forms link by name): unknown_case under `Naam cliënt`.""",
)
def unknown_client_name(raw: Path) -> Outcome:
    rel = "2018/eindformulier.xlsx"
    wb = load_xlsx(raw / rel)
    ws = wb.active
    values = [c.value for c in ws[2]]
    values[0] = "Onbekende Persoon"
    row = ws.max_row + 1
    for c, v in enumerate(values, start=1):
        if isinstance(v, dt.datetime):
            set_date(ws.cell(row, c), v.date() + dt.timedelta(days=3))
        else:
            ws.cell(row, c).value = v
    wb.save(raw / rel)
    assert fold("Onbekende Persoon") not in caselist_names(raw)
    lines = _unknown_name_lines(raw, raw / rel, rel)
    assert [line.row for line in lines] == [row]
    return value(lines)


@variant(
    "C",
    """2019/clientervaring.csv: an interview dated on the peildatum itself (`1-1-2021`):
after_peildatum under `Datum interview`; another with a blank date is kept (a blank date never makes a
row after_peildatum).""",
)
def after_peildatum_on_the_day(raw: Path) -> Outcome:
    rel = "2019/clientervaring.csv"
    f = read_csv(raw / rel)
    c = col_of(f.headers, "Datum interview")
    g = col_of(f.headers, "Cijfer")
    late = list(f.records[3])
    late[c] = "1-1-2021"
    blank = list(f.records[4])
    blank[c] = ""
    blank[g] = "6" if blank[g] != "6" else "5"
    f.records += [late, blank]
    write_csv(raw / rel, f)
    f = read_csv(raw / rel)
    n = len(f.records)
    assert text_date(f.records[n - 2][c]) == PEIL and f.records[n - 1][c] == ""
    return value(
        [Line(rel, f.row_of(n - 2), "Datum interview", "after_peildatum")],
        absent=[(rel, f.row_of(n - 1), "after_peildatum"), (rel, f.row_of(n - 1), "duplicate_row")],
    )


def _end_form_cases(raw: Path) -> dict[str, int]:
    """How many end forms each case number has in the 2019 and 2020 end forms."""
    counts: dict[str, int] = {}
    for rel in ["2019/eindformulier.xlsx", END_2020]:
        ws = load_xlsx(raw / rel).active
        for r in ws.iter_rows(min_row=2, values_only=True):
            if r[0]:
                key = str(r[0]).strip().upper()
                counts[key] = counts.get(key, 0) + 1
    return counts


def _names_2018_end(raw: Path) -> set[str]:
    ws = load_xlsx(raw / "2018" / "eindformulier.xlsx").active
    return {fold(r[0]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


@variant(
    "C",
    """2020 end form: a second end form of a case (dated 10 days after its first) inserted ABOVE
the first: second_form on the later-dated one, although its row comes first.""",
)
def second_end_form_later_date(raw: Path) -> Outcome:
    counts = _end_form_cases(raw)
    by_number = {v: k for k, v in caselist_names(raw).items()}
    names_2018 = _names_2018_end(raw)
    wb = load_xlsx(raw / END_2020)
    ws = wb.active
    row = next(
        r
        for r in range(5, ws.max_row + 1)
        if counts.get(str(ws.cell(r, 1).value).strip().upper()) == 1
        and isinstance(ws.cell(r, 2).value, dt.datetime)
        and ws.cell(r, 2).value.date() < dt.date(2020, 12, 1)
        and by_number[str(ws.cell(r, 1).value).strip().upper()] not in names_2018
    )
    values = [c.value for c in ws[row]]
    ws.insert_rows(row)
    for c, v in enumerate(values, start=1):
        if isinstance(v, dt.datetime):
            set_date(ws.cell(row, c), v.date() + dt.timedelta(days=10))
        else:
            ws.cell(row, c).value = v
    wb.save(raw / END_2020)
    ws = load_xlsx(raw / END_2020).active
    assert ws.cell(row, 1).value == ws.cell(row + 1, 1).value
    assert ws.cell(row, 2).value - ws.cell(row + 1, 2).value == dt.timedelta(days=10)
    return value([Line(END_2020, row, "Casusnummer", "second_form")])


@variant(
    "C",
    """a 2019 end form copied into the 2020 end form file with the same `Datum invullen`: a tie, so
the lower year folder stays: second_form on the 2020 row, nothing on the 2019 row.""",
)
def second_end_form_tie_across_years(raw: Path) -> Outcome:
    counts = _end_form_cases(raw)
    by_number = {v: k for k, v in caselist_names(raw).items()}
    names_2018 = _names_2018_end(raw)
    rel19 = "2019/eindformulier.xlsx"
    ws19 = load_xlsx(raw / rel19).active
    source = next(
        r
        for r in range(2, ws19.max_row + 1)
        if counts.get(str(ws19.cell(r, 1).value).strip().upper()) == 1
        and isinstance(ws19.cell(r, 2).value, dt.datetime)
        and by_number[str(ws19.cell(r, 1).value).strip().upper()] not in names_2018
    )
    values = [c.value for c in ws19[source]]
    wb = load_xlsx(raw / END_2020)
    ws = wb.active
    assert xlsx_headers(ws)[2:20] == xlsx_headers(ws19)[2:20]
    row = ws.max_row + 1
    for c, v in enumerate(values, start=1):
        if isinstance(v, dt.datetime):
            set_date(ws.cell(row, c), v.date())
        else:
            ws.cell(row, c).value = v
    wb.save(raw / END_2020)
    ws = load_xlsx(raw / END_2020).active
    assert ws.cell(row, 2).value == ws19.cell(source, 2).value
    return value([Line(END_2020, row, "Casusnummer", "second_form")], absent=[(rel19, None, "second_form")])


@variant(
    "C",
    """2019/startformulier.csv: a second start form of a case inserted as the FIRST data row with a
blank `Datum ingevuld` (and another safety score): a blank date sorts last, so second_form on row 2;
the planted second start form moves down one row.""",
)
def second_start_form_blank_date(raw: Path) -> Outcome:
    rel = "2019/startformulier.csv"
    f = read_csv(raw / rel)
    c = col_of(f.headers, "Casusnr")
    d = col_of(f.headers, "Datum ingevuld")
    s = col_of(f.headers, "Veiligheid volgens cliënt")
    numbers = [r[c].strip().upper() for r in f.records[1:]]
    import pyreadstat

    frame, _ = pyreadstat.read_sav(str(raw / "2020" / "startformulier.sav"))
    numbers_2020 = {str(v).strip().upper() for v in frame.iloc[:, 0]}
    i = next(i for i in range(5, len(f.records)) if numbers.count(numbers[i - 1]) == 1 and numbers[i - 1] not in numbers_2020)
    copy = list(f.records[i])
    copy[d] = ""
    copy[s] = "3" if copy[s] != "3" else "4"
    f.records.insert(1, copy)
    write_csv(raw / rel, f)
    lines = _second_form_lines_csv(raw / rel, rel)
    assert Line(rel, 2, "Casusnummer", "second_form") in lines and len(lines) == 2
    return value(lines)


@variant(
    "C",
    """casuslijst: `Einde casusverantwoordelijke` 5 days before `Start casusverantwoordelijke` in a
case that had both: end_before_start under `Einde casusverantwoordelijke` (dates kept).""",
)
def end_before_start_professional(raw: Path) -> Outcome:
    path = raw / CASELIST
    before, _ = caselist_lines(path)
    wb = load_xlsx(path)
    ws = wb.active
    cs, ce = CL["Start casusverantwoordelijke"] + 1, CL["Einde casusverantwoordelijke"] + 1
    flagged = {line.row for line in before}
    row = next(
        r
        for r in range(40, ws.max_row + 1)
        if r not in flagged and isinstance(ws.cell(r, cs).value, dt.datetime) and isinstance(ws.cell(r, ce).value, dt.datetime)
    )
    set_date(ws.cell(row, ce), ws.cell(row, cs).value.date() - dt.timedelta(days=5))
    wb.save(path)
    lines, _ = caselist_lines(path)
    assert Line(CASELIST, row, "Einde casusverantwoordelijke", "end_before_start") in lines
    return value(lines_of(lines, "end_before_start"))


@variant(
    "C",
    """casuslijst: `Einde casusverantwoordelijke` as the plain numbers 59 and 61 (General format) in two
cases: Excel's count makes them 1900-02-28 and 1900-03-01 (dates in 1900-2100, so no invalid_date),
both before the start: end_before_start on each.""",
)
def excel_serials_before_march_1900(raw: Path) -> Outcome:
    path = raw / CASELIST
    before, _ = caselist_lines(path)
    wb = load_xlsx(path)
    ws = wb.active
    cs, ce = CL["Start casusverantwoordelijke"] + 1, CL["Einde casusverantwoordelijke"] + 1
    flagged = {line.row for line in before}
    rows = [r for r in range(60, ws.max_row + 1) if r not in flagged and isinstance(ws.cell(r, cs).value, dt.datetime)][:2]
    for r, serial in zip(rows, [59, 61]):
        ws.cell(r, ce).value = serial
        ws.cell(r, ce).number_format = "General"
    wb.save(path)
    assert [serial_date(59), serial_date(61)] == [dt.date(1900, 2, 28), dt.date(1900, 3, 1)]
    grid = calamine_rows(path)
    assert [grid[r - 1][ce - 1] for r in rows] == [59, 61]
    lines, _ = caselist_lines(path)
    for r in rows:
        assert Line(CASELIST, r, "Einde casusverantwoordelijke", "end_before_start") in lines
    assert not [line for line in lines if line.rule == "invalid_date" and line.row in rows]
    return value(lines_of(lines, "end_before_start") + lines_of(lines, "invalid_date"))


@variant(
    "C",
    """casuslijst: `Start casusverantwoordelijke` moved to 3 days after `Start ervaringsdeskundige`
in a case whose professional end is later: expert_before_professional under `Start ervaringsdeskundige`.""",
)
def expert_before_professional(raw: Path) -> Outcome:
    path = raw / CASELIST
    before, _ = caselist_lines(path)
    wb = load_xlsx(path)
    ws = wb.active
    cs, ce, xs = (
        CL[n] + 1 for n in ["Start casusverantwoordelijke", "Einde casusverantwoordelijke", "Start ervaringsdeskundige"]
    )
    flagged = {line.row for line in before}

    def fits(r: int) -> bool:
        start, end, expert = (ws.cell(r, c).value for c in (cs, ce, xs))
        return (
            r not in flagged
            and isinstance(start, dt.datetime)
            and isinstance(expert, dt.datetime)
            and isinstance(end, dt.datetime)
            and end > expert + dt.timedelta(days=30)
        )

    row = next(r for r in range(50, ws.max_row + 1) if fits(r))
    set_date(ws.cell(row, cs), ws.cell(row, xs).value.date() + dt.timedelta(days=3))
    wb.save(path)
    lines, _ = caselist_lines(path)
    assert Line(CASELIST, row, "Start ervaringsdeskundige", "expert_before_professional") in lines
    assert not [line for line in lines if line.row == row and line.rule == "end_before_start"]
    return value(lines_of(lines, "expert_before_professional"))


@variant(
    "C",
    """2020/startformulier.sav: `Veiligheid volgens cliënt` of case 7 patched in place to 11 (a
number without value label): safety_out_of_range on row 8 (case k = row k + 1).""",
)
def sav_safety_11(raw: Path) -> Outcome:
    import pyreadstat

    path = raw / "2020" / "startformulier.sav"
    data = bytearray(path.read_bytes())
    layout = sav_layout(bytes(data))
    var = next(i for i, v in enumerate(layout.variables) if v[3] == "Veiligheid volgens cliënt")
    case = 6  # 0-based: case 7
    o = layout.cell_offset(case, var)
    (old,) = struct.unpack_from("<d", data, o)
    assert 0 <= old <= 10, old
    struct.pack_into("<d", data, o, 11.0)
    path.write_bytes(bytes(data))
    frame, meta = pyreadstat.read_sav(str(path))
    assert frame.iloc[case, var] == 11.0 and meta.column_labels[var] == "Veiligheid volgens cliënt"
    return value([Line("2020/startformulier.sav", case + 2, "Veiligheid volgens cliënt", "safety_out_of_range")])


# =============================================================================================
# Found by a second, independent probe of the contract (a helper that had not seen the variants
# above): ordinary slips of other tools and other machines.


@variant("A", "2019/clientervaring.csv saved with a lone CR at each line end (Excel's 'CSV (Macintosh)').")
def csv_cr_only_line_ends(raw: Path) -> Outcome:
    rel = "2019/clientervaring.csv"
    f = read_csv(raw / rel)
    f.newline = "\r"
    write_csv(raw / rel, f)
    data = (raw / rel).read_bytes()
    assert b"\r\n" not in data and data.count(b"\r") >= len(f.records)
    return harmless()


@variant(
    "A",
    """2020/contactformulier.csv in Unicode NFD (a Mac export: `ë` as `e` plus a combining
diaeresis), headers and answers alike: `Cliënt` is the same label.""",
)
def csv_in_nfd(raw: Path) -> Outcome:
    rel = "2020/contactformulier.csv"
    f = read_csv(raw / rel)
    f.records = [[unicodedata.normalize("NFD", cell) for cell in record] for record in f.records]
    write_csv(raw / rel, f)
    assert "e\u0308" in (raw / rel).read_text(encoding="utf-8-sig")
    return harmless()


@variant("A", """2019/clientervaring.csv: the BOM decoded once too often, so the first header reads `ï»¿Casusnr`.""")
def header_bom_decoded_twice(raw: Path) -> Outcome:
    rel = "2019/clientervaring.csv"
    f = read_csv(raw / rel)
    assert f.headers[0] in ("Casusnummer", "Casusnr")
    f.records[0][0] = "\u00ef\u00bb\u00bf" + f.records[0][0]
    write_csv(raw / rel, f)
    return harmless()


@variant("B", """2020/contactformulier.csv saved as UTF-16 ('Unicode-tekst'): stops, naming UTF-16 and how to save it.""")
def csv_saved_as_utf16(raw: Path) -> Outcome:
    rel = "2020/contactformulier.csv"
    text = (raw / rel).read_bytes().decode("utf-8-sig")
    (raw / rel).write_bytes(text.encode("utf-16"))  # with its BOM, as Excel writes it
    return stop(rel, mentions=("UTF-16", "CSV"))


@variant(
    "B",
    """casuslijst: the `Team` cells of rows 20-23 merged (Excel keeps the value in row 20 only, the
other rows would read as blank): stops at row 20, column Team, naming the merged range.""",
)
def merged_team_cells(raw: Path) -> Outcome:
    wb = load_xlsx(raw / CASELIST)
    ws = wb.active
    letter = openpyxl.utils.get_column_letter(CL["Team"] + 1)
    ws.merge_cells(f"{letter}20:{letter}23")
    wb.save(raw / CASELIST)
    assert load_xlsx(raw / CASELIST).active.cell(21, CL["Team"] + 1).value is None
    return stop(CASELIST, row=20, column="Team", sheet="Blad1", mentions=(f"{letter}20:{letter}23", "samengevoegd"))


def _error_cell(path: Path, row: int, column: int, error: str) -> None:
    """Write an Excel error value (as a failed formula leaves it: `t="e"`) into one cell."""
    wb = load_xlsx(path)
    cell = wb.active.cell(row, column)
    cell.value = error
    cell.data_type = "e"
    wb.save(path)
    assert 't="e"' in xlsx_sheet_xml(path)


@variant(
    "B",
    """casuslijst: `Team` of row 8 is the Excel error `#N/A` (a failed VLOOKUP), which calamine
reads as blank: stops as an answer not in the code list, saying it is an Excel error value.""",
)
def error_value_in_code_column(raw: Path) -> Outcome:
    _error_cell(raw / CASELIST, 8, CL["Team"] + 1, "#N/A")
    return stop(CASELIST, row=8, column="Team", sheet="Blad1", mentions=("#N/A", "Excel-foutwaarde"))


@variant(
    "B",
    """2019/contactformulier.csv: two exports pasted together, so the header row appears again as
row 501: stops at row 501 and says it looks like a repeated header row.""",
)
def header_repeated_inside_the_data(raw: Path) -> Outcome:
    rel = "2019/contactformulier.csv"
    f = read_csv(raw / rel)
    f.records.insert(500, list(f.headers))
    write_csv(raw / rel, f)
    return stop(rel, row=501, mentions=("herhaalde kopregel",))


@variant(
    "C",
    """Excel error values where a date or a score should be: casuslijst `Einde ervaringsdeskundige`
`#VALUE!` (row 8) is invalid_date; 2019/eindformulier.xlsx `Veiligheid volgens cliënt` `#DIV/0!`
(row 3) is safety_out_of_range (calamine alone would read both as blank, without a line).""",
)
def error_values_in_date_and_score(raw: Path) -> Outcome:
    _error_cell(raw / CASELIST, 8, CL["Einde ervaringsdeskundige"] + 1, "#VALUE!")
    rel = "2019/eindformulier.xlsx"
    ws = load_xlsx(raw / rel).active
    column = col_of(xlsx_headers(ws), "Veiligheid volgens cliënt") + 1
    assert ws.cell(3, column).value is not None
    _error_cell(raw / rel, 3, column, "#DIV/0!")
    return value(
        [
            Line(CASELIST, 8, "Einde ervaringsdeskundige", "invalid_date"),
            Line(rel, 3, "Veiligheid volgens cliënt", "safety_out_of_range"),
        ],
        exact=False,
    )


@variant(
    "B",
    """2020/startformulier.sav: `Geslacht cliënt` of case 5 patched in place to code 7, which has no
value label: an answer not in the code list; the message says the code lacks a value label.""",
)
def sav_code_without_value_label(raw: Path) -> Outcome:
    import pyreadstat

    path = raw / "2020" / "startformulier.sav"
    data = bytearray(path.read_bytes())
    layout = sav_layout(bytes(data))
    var = next(i for i, v in enumerate(layout.variables) if v[3] == "Geslacht cliënt")
    case = 4  # 0-based: case 5, spreadsheet row 6
    struct.pack_into("<d", data, layout.cell_offset(case, var), 7.0)
    path.write_bytes(bytes(data))
    frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    assert frame.iloc[case, var] == 7.0 and 7.0 not in meta.variable_value_labels.get(meta.column_names[var], {})
    return stop("2020/startformulier.sav", row=case + 2, column="Geslacht cliënt", mentions=("'7'", "waardelabel"))
