"""The ingest stage: raw exports → validated, linked, pseudonymised clean tables.

``process_exports`` reads and checks every file and applies the value-problem rules of the
export contract, in the contract's order:

1. cell rules (``invalid_date``, ``safety_out_of_range``, and ``invalid_number`` for the other
   numbers) on every row that is not a ``duplicate_row``: the cell is set blank, the row kept;
2. row rules, each row dropped by the first that applies: ``duplicate_row`` (the later copy of
   an exact duplicate), ``unknown_case`` (links to no listed case), ``after_peildatum`` (the
   form's own date on/after peildatum), ``second_form`` (a case's second start or end form; the
   earliest filled in stays, blank date last, then lower year folder, then lower row).

Structural problems raise :class:`~pipeline.errors.StructuralError` before anything is written.
``build_clean_tables`` then pseudonymises, redacts and derives the case table; ``write_clean``
replaces ``data/clean`` as a whole, atomically.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.cells import (
    LABEL_CHECK,
    RULE_INVALID_DATE,
    RULE_NUMBER,
    RULE_SAFETY,
    SAFETY_UNKNOWN,
    MappedTable,
    code_lookup,
    map_headers,
    multi_key,
    parse_codes,
    parse_dates,
    parse_numbers,
    raise_format_errors,
    raise_label_errors,
    text_frame,
    validate_text,
)
from pipeline.codebook import Codebook, load_codebook
from pipeline.errors import StructuralError
from pipeline.exports import ExportFile, discover
from pipeline.link import link_keys, link_lookup, normalise_case_numbers, normalise_names
from pipeline.parallel import run_tasks, worker_count
from pipeline.pseudonym import file_sha256
from pipeline.readers import read_table

log = logging.getLogger("pipeline.ingest")

KEPT = "kept"
ROW_RULES = ("empty_row", "duplicate_row", "unknown_case", "after_peildatum", "second_form")
CASE_RULES = ("end_before_start", "expert_before_professional")
DQ_COLUMNS = ["file", "row", "column", "rule", "action"]
TEXT_KEPT_TYPES = ("name", "case_number", "multi", "text")
PARSE_COST_PER_BYTE = {".xlsx": 6.0, ".csv": 1.0, ".sav": 1.0}  # measured: xlsx ~0.3 s/MB, csv and sav ~0.05 s/MB
FLOW_COLUMNS = ["file", "form", "rows_read", "kept", "excluded", *ROW_RULES]


@dataclass
class ParsedFile:
    """One export file after reading, validation and parsing (before the row rules)."""

    export: ExportFile
    mapped: MappedTable
    text: pd.DataFrame  # codebook columns as text
    values: pd.DataFrame  # codebook columns parsed (multi and text stay text)
    rows: np.ndarray  # spreadsheet row numbers
    status: pd.Series  # KEPT or the row rule that dropped the row
    cell_problems: pd.DataFrame  # index, column, check (cells set blank)
    case_pos: pd.Series | None = None  # linked position in the case list (case forms)
    empty_columns: pd.Series | None = None  # rule empty_row: the column each such row names

    @property
    def form(self) -> str:
        return self.export.form


@dataclass
class Processed:
    """Everything ``process_exports`` learned from a raw folder."""

    raw_dir: Path
    peildatum: dt.date
    codebook: Codebook
    caselist: ParsedFile | None  # None only when checking (validate) and the casuslijst could not be read
    forms: list[ParsedFile]
    data_quality: pd.DataFrame
    manifest: dict = field(default_factory=dict)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # files and folders not read, with the reason

    def files_of(self, form: str) -> list[ParsedFile]:
        return [f for f in self.forms if f.form == form]


# --------------------------------------------------------------------------- per file


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column's values (equal values, equal codes); blank → -1."""
    return pd.factorize(values, use_na_sentinel=True)[0].astype(np.int64)


def _duplicate_key(mapped: MappedTable, text: pd.DataFrame, values: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """What two rows must share to be exact duplicates: every column, compared as read values.

    Text is trimmed; dates, numbers and codes are compared as parsed values (``5-1-2020`` =
    ``05-01-2020``); a cell that does not parse is compared as its text; blank = blank.
    Columns that the codebook does not know are compared as their trimmed text. Each column
    becomes integer codes (a parsed value and an unparsed text never share a code).
    """
    key = {}
    by_position = {pos: name for name, pos in mapped.positions.items()}
    for position in range(len(mapped.raw.headers)):
        name = by_position.get(position)
        if name is None:
            raw = mapped.raw.cells[position]
            key[f"_raw{position}"] = _codes(pd.Series([None if v is None else str(v) for v in raw], dtype=object))
            continue
        column = mapped.form.columns[name]
        shown = text[name]
        if column.type in ("date", "safety", "integer", "number", "code", "yes_no"):
            parsed = _codes(values[name])
            unparsed = _codes(shown)
            key[name] = np.where(parsed >= 0, parsed, np.where(unparsed >= 0, unparsed + parsed.max(initial=-1) + 1, -1))
        elif column.type == "multi":
            key[name] = _codes(multi_key(shown))
        elif column.type == "case_number":
            key[name] = _codes(values[name])
        else:
            key[name] = _codes(shown)
    return pd.DataFrame(key, index=text.index)


def _yes_no(codes: pd.Series) -> pd.Series:
    """Code keys ``yes`` / ``no`` → True / False; anything else (unknown, blank) → NA."""
    yes = (codes == "yes").fillna(False).to_numpy(dtype=bool)
    no = (codes == "no").fillna(False).to_numpy(dtype=bool)
    flags = pd.array(yes, dtype="boolean")
    flags[~(yes | no)] = pd.NA
    return pd.Series(flags, index=codes.index)


def _parse_values(
    mapped: MappedTable, text: pd.DataFrame, failures: pd.DataFrame, codebook: Codebook, pivot_year: int
) -> pd.DataFrame:
    """Typed values for every codebook column; cells that failed a check become blank."""
    out = {}
    for name, column in mapped.form.columns.items():
        cells = text[name]
        failed = failures.loc[failures["column"] == name, "index"].to_numpy()
        if len(failed):
            cells = cells.copy()
            cells.iloc[failed] = None
        if column.type == "date":
            out[name] = parse_dates(cells, pivot_year)
        elif column.type == "safety":
            numbers = parse_numbers(cells)
            out[name] = numbers.where(numbers != SAFETY_UNKNOWN).astype("Int64")
        elif column.type == "integer":
            out[name] = parse_numbers(cells).astype("Int64")
        elif column.type == "number":
            out[name] = parse_numbers(cells)
        elif column.type == "code":
            out[name] = parse_codes(cells, code_lookup(codebook, column))
        elif column.type == "yes_no":
            codes = parse_codes(cells, code_lookup(codebook, column))
            out[name] = _yes_no(codes)
        elif column.type == "case_number":
            out[name] = normalise_case_numbers(cells)
        elif column.type == "name":
            out[name] = normalise_names(cells)
        else:  # multi and text stay text here
            out[name] = cells
    return pd.DataFrame(out, index=text.index)


def _empty_rows(mapped: MappedTable) -> tuple[pd.Series, pd.Series]:
    """Rule ``empty_row``: rows with at most one non-blank cell (a summary line under a list, a row
    holding only a case number). Returns the mask and, for those rows, the column the data-quality
    table names: the codebook header of that cell's column, its header as written for a column
    the codebook does not know, blank when the cell has no header."""
    filled = mapped.raw.cells.notna()
    empty = pd.Series((filled.sum(axis=1) <= 1).to_numpy(), index=pd.RangeIndex(len(filled)))
    names = {pos: mapped.header(name) for name, pos in mapped.positions.items()}
    positions = filled.loc[empty.to_numpy()].to_numpy().argmax(axis=1)
    columns = pd.Series(
        [names.get(int(p), mapped.raw.headers[int(p)]) for p in positions], index=empty.index[empty], dtype=object
    )
    return empty, columns


def parse_file(export: ExportFile, codebook: Codebook, peildatum: dt.date) -> ParsedFile:
    """Read, map, validate and parse one file, and apply the rules of one file: ``empty_row``,
    ``duplicate_row`` and the cell rules (on the rows that are neither). Structural problems of the
    file (an answer not in the code list, a column mostly in a format that is not read) raise."""
    form = codebook.forms[export.form]
    raw = read_table(export.path, export.rel, form)
    mapped = map_headers(raw, form)
    text = text_frame(mapped, codebook)
    empty, empty_columns = _empty_rows(mapped)
    failures = validate_text(text.loc[~empty.to_numpy()], form, codebook, peildatum.year)
    raise_label_errors(failures, mapped, text, codebook)
    failures = failures[failures["check"] != LABEL_CHECK].reset_index(drop=True)
    values = _parse_values(mapped, text, failures, codebook, peildatum.year)
    key = _duplicate_key(mapped, text, values, codebook)
    duplicate = pd.Series(False, index=text.index)
    duplicate[~empty.to_numpy()] = key.loc[~empty.to_numpy()].duplicated(keep="first").to_numpy()
    status = pd.Series(np.where(empty, "empty_row", np.where(duplicate, "duplicate_row", KEPT)), index=text.index, dtype=object)
    subject = status == KEPT
    cell_problems = failures[subject.to_numpy()[failures["index"].to_numpy()]].reset_index(drop=True)
    raise_format_errors(cell_problems, mapped, text, subject)
    return ParsedFile(export, mapped, text, values, raw.rows, status, cell_problems, empty_columns=empty_columns)


def _slim(parsed: ParsedFile) -> ParsedFile:
    """Drop what no later step reads (the raw cells; text of parsed columns), so the result of a
    worker process pickles quickly. Later steps read ``text`` only for name, case-number, multi
    and open-text columns, and ``mapped.raw`` only for its headers."""
    keep = [n for n, c in parsed.mapped.form.columns.items() if c.type in TEXT_KEPT_TYPES]
    raw = parsed.mapped.raw
    parsed.mapped.raw = dataclasses.replace(raw, cells=raw.cells.iloc[0:0])
    parsed.text = parsed.text[keep]
    return parsed


def _parse_cost(export: ExportFile) -> float:
    """Rough parsing cost of a file: its size, weighted by format (a compressed xlsx byte costs
    several csv or sav bytes to read)."""
    return export.path.stat().st_size * PARSE_COST_PER_BYTE.get(export.path.suffix.lower(), 1.0)


def parse_files(
    exports: list[ExportFile],
    codebook: Codebook,
    peildatum: dt.date,
    workers: int = 1,
    problems: list[StructuralError] | None = None,
    beside: list[tuple[Callable[[], object], float]] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list:
    """:func:`parse_file` for every export, in export order (in ``workers`` worker processes,
    see :mod:`pipeline.parallel`; the outcome does not depend on their number).

    The first structural problem raises; with ``problems`` (a list) each file's problem is
    appended to it instead and that file's place holds None. ``beside``: other tasks (with
    their cost) for the same workers, their results appended to the list returned after the
    files' (which then holds more than ParsedFile or None); ``meanwhile``: work for this process
    while the workers work."""
    beside = beside or []

    def progress(index: int, parsed: ParsedFile | StructuralError) -> None:
        if isinstance(parsed, ParsedFile):
            log.info("gelezen: %s (%d rijen)", exports[index].rel, len(parsed.status))

    tasks = [functools.partial(_parse_slim, export, codebook, peildatum, problems is not None) for export in exports]
    costs = [_parse_cost(e) for e in exports] + [cost for _, cost in beside]
    results = run_tasks([*tasks, *(task for task, _ in beside)], workers, costs, on_result=progress, meanwhile=meanwhile)
    own, others = results[: len(tasks)], results[len(tasks) :]
    for result in own:
        if isinstance(result, StructuralError):
            problems.append(result)
    return [r if isinstance(r, ParsedFile) else None for r in own] + others


def _parse_slim(
    export: ExportFile, codebook: Codebook, peildatum: dt.date, collect: bool = False
) -> ParsedFile | StructuralError:
    try:
        return _slim(parse_file(export, codebook, peildatum))
    except StructuralError as problem:
        if collect:
            return problem
        raise


# --------------------------------------------------------------------------- rules across files


def _check_caselist(caselist: ParsedFile) -> None:
    """Every listed case has a case number, and a case number is listed once."""
    kept = caselist.status == KEPT
    numbers = caselist.values["case_number"]
    header = caselist.mapped.raw.headers[caselist.mapped.positions["case_number"]]
    blank = kept & numbers.isna()
    if blank.any():
        i = int(np.flatnonzero(blank.to_numpy())[0])
        raise StructuralError(
            caselist.export.rel,
            "casus zonder casusnummer: elke casus op de lijst heeft een casusnummer nodig",
            row=int(caselist.rows[i]),
            column=header,
            sheet=caselist.mapped.raw.sheet,
        )
    kept_numbers = numbers[kept]
    later = kept_numbers[kept_numbers.duplicated(keep="first")]
    if len(later):
        i = int(later.index[0])
        first = int(kept_numbers.index[(kept_numbers == later.iloc[0]).to_numpy()][0])
        raise StructuralError(
            caselist.export.rel,
            f"casusnummer staat twee keer op de lijst met verschillende inhoud (ook op rij {int(caselist.rows[first])}); "
            "houd één rij per casus over, met de juiste gegevens",
            row=int(caselist.rows[i]),
            column=header,
            sheet=caselist.mapped.raw.sheet,
        )


def listed_lookups(caselist: ParsedFile) -> dict[str, pd.Series]:
    """Per link column (case number, client name): :func:`pipeline.link.link_lookup` of the
    case list's kept cases, made once for every form file."""
    listed = caselist.values.loc[(caselist.status == KEPT).to_numpy()]
    return {name: link_lookup(listed[name].dropna()) for name in ("case_number", "client_name")}


def _link(parsed: ParsedFile, lookups: dict[str, pd.Series]) -> None:
    """Link a case form's kept rows to the case list (``lookups``: :func:`listed_lookups`);
    unlinked rows get ``unknown_case``."""
    link = parsed.mapped.link or "case_number"
    positions = link_keys(parsed.values[link], lookups[link])
    parsed.case_pos = positions
    unlinked = (parsed.status == KEPT) & positions.isna()
    parsed.status = parsed.status.mask(unlinked, "unknown_case")


def _after_peildatum(parsed: ParsedFile, peildatum: dt.date) -> None:
    column = parsed.mapped.form.date_column
    dates = parsed.values[column]
    late = (parsed.status == KEPT) & (dates >= pd.Timestamp(peildatum)).fillna(False)
    parsed.status = parsed.status.mask(late, "after_peildatum")


def _second_forms(files: list[ParsedFile]) -> None:
    """Of a case's kept start (end) forms the earliest filled in stays (blank date last;
    ties: lower year folder, then lower row); the others get ``second_form``."""
    if not files:
        return
    parts = []
    for i, parsed in enumerate(files):
        kept = parsed.status == KEPT
        parts.append(
            pd.DataFrame(
                {
                    "file": i,
                    "index": parsed.status.index[kept],
                    "case": parsed.case_pos[kept].to_numpy(),
                    "date": parsed.values[parsed.mapped.form.date_column][kept].to_numpy(),
                    "year": parsed.export.year_number,
                    "row": parsed.rows[kept.to_numpy()],
                }
            )
        )
    forms = pd.concat(parts, ignore_index=True)
    forms = forms.sort_values(["date", "year", "row", "file"], na_position="last", kind="mergesort")
    later = forms[forms.duplicated("case", keep="first")]
    for i, parsed in enumerate(files):
        index = later.loc[later["file"] == i, "index"].to_numpy()
        if len(index):
            parsed.status.loc[index] = "second_form"


def _case_rule_rows(caselist: ParsedFile) -> pd.DataFrame:
    """``end_before_start`` and ``expert_before_professional`` on the kept listed cases."""
    v = caselist.values
    kept = caselist.status == KEPT
    checks = [
        ("end_before_start", "professional_end", (v["professional_end"] < v["professional_start"]).fillna(False)),
        ("end_before_start", "expert_end", (v["expert_end"] < v["expert_start"]).fillna(False)),
        ("expert_before_professional", "expert_start", (v["expert_start"] < v["professional_start"]).fillna(False)),
    ]
    frames = []
    for rule, column, mask in checks:
        index = np.flatnonzero((kept & mask).to_numpy())
        frames.append(
            pd.DataFrame(
                {
                    "file": caselist.export.rel,
                    "row": caselist.rows[index],
                    "column": caselist.mapped.header(column),
                    "rule": rule,
                    "action": "",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _file_quality_rows(parsed: ParsedFile) -> pd.DataFrame:
    """The data-quality lines of one file: cell problems (of rows that are neither empty nor an
    exact duplicate), then row rules."""
    frames = []
    cells = parsed.cell_problems
    if len(cells):
        frames.append(
            pd.DataFrame(
                {
                    "file": parsed.export.rel,
                    "row": parsed.rows[cells["index"].to_numpy()],
                    "column": cells["column"].map(parsed.mapped.header).to_numpy(),
                    "rule": cells["check"].to_numpy(),
                    "action": "",
                }
            )
        )
    dropped = parsed.status[parsed.status != KEPT]
    if len(dropped):
        form = parsed.mapped.form
        link_header = parsed.mapped.header(parsed.mapped.link) if parsed.mapped.link else ""
        date_header = parsed.mapped.header(form.date_column) if form.date_column else ""
        named = dropped.map(
            {"duplicate_row": "", "unknown_case": link_header, "after_peildatum": date_header, "second_form": link_header}
        )
        if parsed.empty_columns is not None and len(parsed.empty_columns):
            named.loc[parsed.empty_columns.index] = parsed.empty_columns
        frames.append(
            pd.DataFrame(
                {
                    "file": parsed.export.rel,
                    "row": parsed.rows[dropped.index.to_numpy()],
                    "column": named.to_numpy(),
                    "rule": dropped.to_numpy(),
                    "action": "",
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=DQ_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _attempt(problems: list[StructuralError] | None, check, *args) -> None:
    """Run a check; its structural problem raises, or is collected when ``problems`` is a list."""
    try:
        check(*args)
    except StructuralError as problem:
        if problems is None:
            raise
        problems.append(problem)


def _year_folder_gate(forms: list[ParsedFile], peildatum: dt.date, codebook: Codebook) -> None:
    """A year folder that holds files but yields no kept row stops the run, with the likely cause."""
    by_year: dict[str, list[ParsedFile]] = {}
    for parsed in forms:
        by_year.setdefault(parsed.export.year, []).append(parsed)
    for year, files in by_year.items():
        if any((p.status == KEPT).any() for p in files):
            continue
        statuses = pd.concat([p.status for p in files])
        names = ", ".join(p.export.path.name for p in files)
        if statuses.empty:
            cause = "de bestanden hebben alleen een kopregel, geen enkele gegevensrij: is de export goed gegaan?"
        else:
            counts = statuses.value_counts()
            counts = counts[counts > 0]  # a streamed file's statuses are categorical: no "0 × ..." parts
            parts = "; ".join(f"{n} × {codebook.rule_label(rule)}" for rule, n in counts.items())
            hints = {
                "unknown_case": "geen rij is aan een casus op de casuslijst te koppelen: kloppen de casusnummers (of, in jaren "
                "met namen, de namen van de cliënten), en staat de juiste casuslijst bovenin de exportmap?",
                "after_peildatum": f"alle rijen hebben een datum op of na de peildatum {peildatum:%d-%m-%Y}: zet de peildatum in "
                "params.yaml later, of haal deze map weg tot het jaar om is",
                "empty_row": "alle rijen hebben hooguit één gevulde cel: is de export goed gegaan?",
            }
            cause = f"{hints.get(counts.index[0], 'geen rij blijft over')} ({parts})"
        raise StructuralError(
            year,
            f"de map bevat {len(files)} bestand(en) ({names}) met {len(statuses)} rijen, maar geen enkele rij blijft "
            f"over: {cause}",
            folder=True,
        )


def _analysed_gate(caselist: ParsedFile, forms: list[ParsedFile], peildatum: dt.date) -> None:
    """A run in which no case would be analysed stops, with the likely cause (an analysed case:
    started before the peildatum and linked to at least one start, contact or end form)."""
    kept = caselist.status == KEPT
    rel = caselist.export.rel
    if not kept.any():
        raise StructuralError(
            rel, "de casuslijst bevat geen enkele casus (alleen lege of dubbele rijen)", sheet=caselist.mapped.raw.sheet
        )
    start = caselist.values.loc[kept, "expert_start"]
    started = (start < pd.Timestamp(peildatum)).fillna(False)
    counting = [p for p in forms if p.mapped.form.counts_for_analysis]
    linked: set[int] = set()
    for parsed in counting:
        if parsed.case_pos is not None:
            linked.update(int(p) for p in parsed.case_pos[parsed.status == KEPT].dropna().unique())
    if (started & start.index.isin(list(linked))).any():
        return
    header = caselist.mapped.raw.headers[caselist.mapped.positions["expert_start"]]
    if not started.any():
        if start.isna().all():
            cause = (
                f"de kolom is bij alle {int(kept.sum())} casussen leeg of onleesbaar, dus geen casus is gestart; "
                "sla de kolom op als datum (zie de meldingen invalid_date)"
            )
        else:
            cause = f"alle casussen zijn gestart op of na de peildatum {peildatum:%d-%m-%Y}: klopt de peildatum in params.yaml?"
        raise StructuralError(
            rel, "geen enkele casus wordt geanalyseerd: " + cause, column=header, sheet=caselist.mapped.raw.sheet
        )
    rows = sum(len(p.status) for p in counting)
    unlinked = sum(int((p.status == "unknown_case").sum()) for p in counting)
    if rows == 0:
        cause = "er is geen enkel start-, contact- of eindformulier (staan de formulieren in jaarmappen jjjj?)"
    else:
        cause = (
            f"geen van de {int(started.sum())} gestarte casussen heeft een start-, contact- of eindformulier; "
            f"{unlinked} van de {rows} formulierrijen zijn aan geen casus te koppelen: kloppen de casusnummers op de "
            "formulieren en op de casuslijst?"
        )
    raise StructuralError(rel, "geen enkele casus wordt geanalyseerd: " + cause, sheet=caselist.mapped.raw.sheet)


def process_exports(
    raw_dir: Path, peildatum: dt.date, codebook: Codebook | None = None, problems: list[StructuralError] | None = None
) -> Processed:
    """Read and check every export under ``raw_dir`` and apply the value-problem rules.

    Writes nothing. Raises :class:`StructuralError` on the first structural problem; with
    ``problems`` (a list; the validate command) every structural problem found is appended to it
    and the check goes on wherever it can.
    """
    codebook = codebook or load_codebook()
    found = discover(Path(raw_dir), codebook, problems)
    for path, why in found.ignored:
        log.info("niet gelezen: %s (%s)", path, why)
    exports = found.exports
    workers = worker_count(sum(e.path.stat().st_size for e in exports), len(exports))
    parsed_files = parse_files(exports, codebook, peildatum, workers, problems)
    caselist = next((p for p, e in zip(parsed_files, exports) if p is not None and e.year is None), None)
    forms = [p for p, e in zip(parsed_files, exports) if p is not None and e.year is not None]
    if caselist is not None:
        _attempt(problems, _check_caselist, caselist)
        lookups = listed_lookups(caselist)
        for parsed in forms:
            if parsed.mapped.link:
                _link(parsed, lookups)
    for parsed in forms:
        _after_peildatum(parsed, peildatum)
    for name, form in codebook.forms.items():
        if form.one_per_case:
            _second_forms([f for f in forms if f.form == name and f.case_pos is not None])
    _attempt(problems, _year_folder_gate, forms, peildatum, codebook)
    if caselist is not None:
        _attempt(problems, _analysed_gate, caselist, forms, peildatum)

    dq = quality_table(caselist, forms, exports, codebook)
    manifest = build_manifest(exports, peildatum, codebook)
    return Processed(Path(raw_dir), peildatum, codebook, caselist, forms, dq, manifest, found.ignored)


def quality_table(
    caselist: ParsedFile | None, forms: list[ParsedFile], exports: list[ExportFile], codebook: Codebook
) -> pd.DataFrame:
    """The data-quality lines of every file read, in file order, then row, rule and column order."""
    read = [p for p in (caselist, *forms) if p is not None]
    quality = [_file_quality_rows(p) for p in read] + ([_case_rule_rows(caselist)] if caselist is not None else [])
    rule_order = {r: i for i, r in enumerate([RULE_INVALID_DATE, RULE_SAFETY, RULE_NUMBER, *ROW_RULES, *CASE_RULES])}
    dq = (
        pd.concat([q for q in quality if len(q)], ignore_index=True)
        if any(len(q) for q in quality)
        else pd.DataFrame(columns=DQ_COLUMNS)
    )
    dq["row"] = dq["row"].astype(int)
    dq["action"] = dq["rule"].map(codebook.rule_action)
    file_order = {e.rel: i for i, e in enumerate(exports)}
    form_of_file = {e.rel: e.form for e in exports}
    column_order = {
        (name, column.header): i for name, form in codebook.forms.items() for i, column in enumerate(form.columns.values())
    }
    dq = (
        dq.assign(
            _f=dq["file"].map(file_order),
            _r=dq["rule"].map(rule_order),
            _c=[column_order.get((form_of_file[f], c), -1) for f, c in zip(dq["file"], dq["column"])],
        )
        .sort_values(["_f", "row", "_r", "_c"], kind="mergesort")
        .drop(columns=["_f", "_r", "_c"])
        .reset_index(drop=True)
    )
    return dq[DQ_COLUMNS]


def build_manifest(exports: list[ExportFile], peildatum: dt.date, codebook: Codebook) -> dict:
    """The sha256 of every raw file read (and of them all), peildatum and codebook version."""
    manifest = {
        "peildatum": peildatum.isoformat(),
        "codebook_version": codebook.version,
        "files": [
            {"file": e.rel, "form": e.form, "sha256": file_sha256(e.path), "bytes": e.path.stat().st_size} for e in exports
        ],
    }
    manifest["raw_sha256"] = hashlib.sha256(
        "\n".join(f"{f['file']} {f['sha256']}" for f in manifest["files"]).encode()
    ).hexdigest()
    return manifest


def flow_table(processed: Processed, analysed_positions: np.ndarray) -> pd.DataFrame:
    """Rows read per file and what became of each: kept (in the analysis), excluded (kept in the
    clean data but belonging to a case that is not analysed), or dropped by a row rule.
    ``rows_read`` = ``kept + excluded + duplicate_row + unknown_case + after_peildatum + second_form``."""
    analysed = set(int(p) for p in analysed_positions)
    lines = []
    for parsed in [processed.caselist, *processed.forms]:
        counts = parsed.status.value_counts()
        kept_mask = parsed.status == KEPT
        if parsed is processed.caselist:
            in_analysis = kept_mask & pd.Series(parsed.status.index.isin(list(analysed)), index=parsed.status.index)
        elif parsed.case_pos is not None:
            in_analysis = kept_mask & parsed.case_pos.isin(list(analysed)).fillna(False).astype(bool)
        else:
            in_analysis = kept_mask
        line = {
            "file": parsed.export.rel,
            "form": parsed.form,
            "rows_read": int(len(parsed.status)),
            "kept": int(in_analysis.sum()),
            "excluded": int((kept_mask & ~in_analysis).sum()),
        }
        line.update({rule: int(counts.get(rule, 0)) for rule in ROW_RULES})
        lines.append(line)
    return pd.DataFrame(lines, columns=FLOW_COLUMNS)
