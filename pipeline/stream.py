"""The ingest stage in bounded memory: the forms with many rows per case, streamed.

The contact forms (and every other year form that is not one per case: client interviews,
non-case contacts) grow with the export; the case list and the start and end forms grow with
the number of cases. :func:`stream_ingest` reads the case list and the one-per-case forms whole,
as :func:`pipeline.ingest.process_exports` does, and streams the others: each file is read in
chunks of :data:`CHUNK_ROWS` rows (a csv file never whole: each chunk is a byte range of whole
records, found by :mod:`pipeline.csvsplit` and read by the worker that parses it; a workbook or
``.sav`` file is read whole, then handled in chunks), and each chunk is parsed, checked,
linked, pseudonymised and redacted (in worker processes when there are several), then appended
to its clean table as a parquet row group. What stays in memory per row read is a few bytes:
its status, its case, its spreadsheet row and a 128-bit fingerprint for the exact-duplicate
rule. The one-per-case forms' clean tables are written before the streaming starts; the case
table keeps only the columns it is derived from.

The outcome is the same as the whole-file path, rule for rule: the cell rules, ``empty_row``,
``duplicate_row`` (exact duplicates over the whole file, through the fingerprints), the label
and format checks (counted over the whole file, raised once the file is read),
``unknown_case`` and ``after_peildatum``; the same data-quality lines, flow table and case
table. A file of at most :data:`CHUNK_ROWS` rows is one chunk, and a table of at most that many
rows one row group: on such exports the files written are byte for byte those of the whole-file
path (a test compares them on the demo export and at 30×).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import functools
import gc
import io
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import atomic
from pipeline.cells import (
    LABEL_CHECK,
    MappedTable,
    column_text,
    map_headers,
    multi_key,
    prepare_validation,
    raise_unknown_labels,
    raise_unread_formats,
    text_frame,
    validate_text,
)
from pipeline.codebook import Codebook, Form, load_codebook
from pipeline.csvsplit import record_layout
from pipeline.errors import StructuralError
from pipeline.exports import ExportFile, discover
from pipeline.ingest import (
    KEPT,
    ParsedFile,
    Processed,
    _analysed_gate,
    _check_caselist,
    _empty_rows,
    _link,
    _parse_values,
    _second_forms,
    _year_folder_gate,
    build_manifest,
    listed_lookups,
    parse_files,
    quality_table,
)
from pipeline.link import link_keys
from pipeline.parallel import available_workers, worker_count
from pipeline.readers import (
    DUTCH_CSV,
    HEADER_SEARCH_ROWS,
    RawTable,
    _clean_column,
    _Closest,
    _csv_error,
    _first_records,
    _header_index,
    read_table,
    reject_utf16,
)

log = logging.getLogger("pipeline.ingest")

STATUSES = [KEPT, "empty_row", "duplicate_row", "unknown_case", "after_peildatum", "second_form"]
_STATUS_CODE = {status: np.int8(i) for i, status in enumerate(STATUSES)}  # a row's status as a chunk sends it


def _status_series(codes: np.ndarray) -> pd.Series:
    """Rows' statuses from their codes (positions in :data:`STATUSES`)."""
    return pd.Series(pd.Categorical.from_codes(codes, categories=STATUSES))


CHUNK_ROWS = 100_000  # rows per chunk (CIRKEL_CHUNK_ROWS overrides)
ROW_GROUP_ROWS = 131_072  # rows per parquet row group of a streamed table (at least a chunk)
ENV_CHUNK_ROWS = "CIRKEL_CHUNK_ROWS"
_VALIDATE_BLOCK = 1 << 24  # bytes per step of the csv encoding check


def chunk_rows() -> int:
    return max(1, int(os.environ.get(ENV_CHUNK_ROWS) or CHUNK_ROWS))


def is_streamed(form: Form) -> bool:
    """A year form that is not one per case: its rows grow with the export, not with the cases."""
    return form.location == "year" and not form.one_per_case


# --------------------------------------------------------------------------- reading in chunks


def _csv_encoding(path: Path, rel: str) -> str:
    """``utf-8-sig`` when the whole file is valid UTF-8, else ``cp1252`` (checked in blocks, as
    :func:`pipeline.readers.decode_csv_bytes` decides on the whole; UTF-16 stops)."""
    with open(path, "rb") as handle:
        reject_utf16(handle.read(4096), rel)
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                while block := handle.read(_VALIDATE_BLOCK):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise StructuralError(
        rel,
        "het bestand is geen tekstbestand in UTF-8 of Windows-1252 (een ander bestand met .csv als naam?); "
        "exporteer het opnieuw als 'CSV (gescheiden door lijstscheidingsteken)'",
    )


@dataclass(frozen=True)
class CsvSlice:
    """Whole records of a csv file, by their bytes: the worker reads and parses them itself."""

    path: Path
    start: int
    stop: int | None  # None: to the file's end
    encoding: str
    width: int  # columns of the parse (as for the whole file)


@dataclass(frozen=True)
class TableRows:
    """Rows ``start`` up to ``stop`` of a table read before the workers forked: each worker holds
    it (:attr:`Context.tables`), so the chunk is not sent to it."""

    rel: str
    start: int
    stop: int


@dataclass
class Chunk:
    """Rows of one file: a raw csv grid or slice (read and cleaned by the worker), or cells
    already read and cleaned (or rows of a table the workers hold)."""

    grid: pd.DataFrame | CsvSlice | TableRows
    first_row: int  # spreadsheet row of the grid's first line
    cleaned: bool  # True: ``grid`` are the cells of a RawTable; ``rows`` given
    rows: np.ndarray | None = None


class SliceParseError(Exception):
    """pandas could not parse a csv slice; the file is then read from its start for the message."""


@dataclass
class Header:
    """What every chunk of a file shares: its header row as read."""

    headers: list[str]
    header_row: int
    sheet: str | None
    format: str
    value_labels: dict[int, dict[float, str]] = field(default_factory=dict)
    has_value_labels: set[int] = field(default_factory=set)


def _csv_header(path: Path, rel: str, form: Form, encoding: str) -> tuple[int, int]:
    """(index of the header row, number of columns), found as :func:`pipeline.readers._read_csv` does."""
    with open(path, encoding=encoding, newline="") as handle:
        head = handle.read(1 << 20)
    records = _first_records(head, HEADER_SEARCH_ROWS)
    if not any(any(cell.strip() for cell in record) for record in records):
        raise StructuralError(rel, "het bestand is leeg (geen kopregel)", row=1)
    closest = _Closest()
    header = _header_index(records, form, None, closest)
    if header is None:
        # the whole-file reader words every other case (separators, closest row): let it speak
        read_table(path, rel, form)
        raise closest.error(rel, form, "het bestand")
    return header, max(len(r) for r in records[: header + 1])


def _header_cells(row: pd.Series) -> list[str]:
    cleaned = pd.Series(row.astype(object)).map(lambda v: v.strip() if isinstance(v, str) else v)
    return ["" if not v else str(v) for v in cleaned]


def iter_chunks(
    export: ExportFile, form: Form, rows_per_chunk: int, cache: dict[str, RawTable] | None = None, slices: bool = True
) -> Iterator[Header | Chunk]:
    """The file's :class:`Header`, then its chunks in order (``cache``: a table already read).
    A csv file's chunks are slices of its bytes (:func:`pipeline.csvsplit.record_layout`) where
    its quotes allow, else (and with ``slices`` False) grids parsed here, one after the other."""
    path, rel = export.path, export.rel
    if path.suffix.lower() != ".csv":
        # workbooks and .sav: read whole (a sheet has at most 1,048,576 rows), then handled in chunks
        table = cache.pop(rel) if cache and rel in cache else read_table(path, rel, form)
        yield Header(table.headers, table.header_row, table.sheet, table.format, table.value_labels, table.has_value_labels)
        shared = _CONTEXT is not None and rel in _CONTEXT.tables  # the workers hold it: chunks by reference
        for start in range(0, max(len(table), 1), rows_per_chunk):
            if shared:
                yield Chunk(TableRows(rel, start, start + rows_per_chunk), 0, True)
                continue
            cells = table.cells.iloc[start : start + rows_per_chunk].reset_index(drop=True)
            yield Chunk(cells, 0, True, table.rows[start : start + rows_per_chunk])
        if shared:
            del _CONTEXT.tables[rel]  # this process is done with it (the workers keep their copy)
        return
    encoding = _csv_encoding(path, rel)
    header, width = _csv_header(path, rel, form, encoding)
    pieces = record_layout(path, header + 1, rows_per_chunk, encoding) if slices else None
    if pieces is not None:
        # the records cut where the whole-file reader cuts its chunks; each read by its worker
        with open(path, "rb") as handle:
            head = io.BytesIO(handle.read(pieces[0].start))
        try:
            grid = pd.read_csv(head, names=range(width), encoding=encoding, **DUTCH_CSV)
        except pd.errors.ParserError as exc:
            raise _csv_error(rel, str(exc)) from None
        yield Header(_header_cells(grid.iloc[header]), header + 1, None, "csv")
        for piece in pieces:
            source = CsvSlice(path, piece.start, piece.stop, encoding, width)
            yield Chunk(source, piece.first_record + 1, False)
        return
    reader = pd.read_csv(path, names=range(width), encoding=encoding, chunksize=rows_per_chunk, **DUTCH_CSV)
    first_line = 1
    try:
        for number, grid in enumerate(reader):
            if number == 0:
                if len(grid) <= header:
                    raise StructuralError(rel, "het bestand is leeg (geen kopregel)")
                yield Header(_header_cells(grid.iloc[header]), header + 1, None, "csv")
                grid = grid.iloc[header + 1 :]
                first_line = header + 2
            if len(grid):
                yield Chunk(grid.reset_index(drop=True), first_line, False)
            first_line += len(grid)
    except pd.errors.ParserError as exc:
        raise _csv_error(rel, str(exc)) from None


def _read_slice(piece: CsvSlice) -> pd.DataFrame:
    """The records of a csv slice, parsed as the whole-file reader parses them. A first line of
    ``width`` empty fields stands in for the file's first line: pandas takes the number of
    columns from it (a wider record then stops, as in the whole file)."""
    with open(piece.path, "rb") as handle:
        handle.seek(piece.start)
        data = handle.read() if piece.stop is None else handle.read(piece.stop - piece.start)
    stand_in = b";" * (piece.width - 1) + b"\n"
    try:
        grid = pd.read_csv(io.BytesIO(stand_in + data), names=range(piece.width), encoding=piece.encoding, **DUTCH_CSV)
    except pd.errors.ParserError as exc:
        raise SliceParseError(str(exc)) from None
    return grid.iloc[1:].reset_index(drop=True)


def _chunk_table(chunk: Chunk, header: Header, rel: str) -> RawTable:
    """A chunk as a :class:`RawTable` (the worker cleans a raw csv grid as the whole-file reader does)."""
    if isinstance(chunk.grid, TableRows):
        table, part = _CONTEXT.tables[chunk.grid.rel], slice(chunk.grid.start, chunk.grid.stop)
        cells, rows = table.cells.iloc[part].reset_index(drop=True), table.rows[part]
    elif chunk.cleaned:
        cells, rows = chunk.grid, chunk.rows
    else:
        grid = _read_slice(chunk.grid) if isinstance(chunk.grid, CsvSlice) else chunk.grid
        grid = grid.astype(object)
        cleaned = pd.DataFrame({i: _clean_column(grid.iloc[:, i]) for i in range(grid.shape[1])})
        filled = cleaned.notna().any(axis=1).to_numpy()
        rows = np.arange(chunk.first_row, chunk.first_row + len(grid))[filled]
        cells = cleaned.loc[filled].reset_index(drop=True)
        cells.columns = range(cells.shape[1])
    return RawTable(
        file=rel,
        format=header.format,
        headers=header.headers,
        cells=cells,
        rows=rows,
        value_labels=header.value_labels,
        has_value_labels=header.has_value_labels,
        sheet=header.sheet,
        header_row=header.header_row,
    )


# --------------------------------------------------------------------------- one chunk (worker)


@dataclass
class Context:
    """What every chunk of a run needs, set before the workers fork (nothing of it is pickled)."""

    codebook: Codebook
    peildatum: dt.date
    lookups: dict[str, pd.Series]  # link column → key → the one listed case it names
    case_ids: pd.Series  # case-list position → case pseudonym
    key: object  # PseudonymKey
    redactor: object  # Redactor
    tables: dict[str, RawTable] = field(default_factory=dict)  # streamed tables read before the fork, by path


_CONTEXT: Context | None = None


@dataclass
class ChunkResult:
    """One chunk, checked and cleaned, with what the whole-file rules need to finish it."""

    rows: np.ndarray  # spreadsheet row of each data row
    # int8 position in STATUSES: KEPT, empty_row, unknown_case or after_peildatum (duplicates are decided later)
    status: np.ndarray
    fingerprint: np.ndarray  # (n, 2) uint64 of the duplicate key; 0 for empty rows
    case_pos: np.ndarray  # float: linked case-list position, NaN where none
    empty_columns: pd.Series  # rule empty_row: the column each such row names (chunk index)
    cells: pd.DataFrame  # cell-rule failures of non-empty rows: index, column, check, text
    labels: pd.DataFrame  # answers not in the code list: index, column, text
    nonblank: pd.DataFrame  # per format-checked column: the cell is filled (non-empty rows; chunk index)
    clean: pd.DataFrame  # clean columns of the rows with status KEPT (chunk index)


_PRIME = np.uint64(0x100000001B3)


_HASH_KEYS = ("cirkel-dup-key-1", "cirkel-dup-key-2")
_VALUE_MARK = np.uint64(0x9E3779B97F4A7C15)  # a parsed value never equals a text
_NULL_HASH = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(hashes: np.ndarray) -> np.ndarray:
    """A second, independent-looking 64-bit hash of 64-bit hashes (splitmix64's finaliser)."""
    with np.errstate(over="ignore"):
        z = hashes ^ (hashes >> np.uint64(30))
        z = z * np.uint64(0xBF58476D1CE4E5B9)
        z = z ^ (z >> np.uint64(27))
        z = z * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _hash_pair(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two 64-bit hashes per cell: numbers and dates by value, text by its characters, blank
    alike. Text is hashed once per distinct value (under each key); equal cells, equal hashes,
    in any chunk."""
    values = values.reset_index(drop=True)
    if values.dtype != object:
        first = pd.util.hash_pandas_object(values, index=False, hash_key=_HASH_KEYS[0]).to_numpy()
        return first, _mix(first)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=object)
    pair = []
    for key in _HASH_KEYS:
        hashed = pd.util.hash_pandas_object(distinct, index=False, hash_key=key, categorize=False).to_numpy()
        pair.append(np.where(codes >= 0, hashed.take(np.maximum(codes, 0)) if len(hashed) else _NULL_HASH, _NULL_HASH))
    return pair[0], pair[1]


def _fingerprint(mapped: MappedTable, text: pd.DataFrame, values: pd.DataFrame) -> np.ndarray:
    """A 128-bit fingerprint per row of the exact-duplicate key of
    :func:`pipeline.ingest._duplicate_key`: every column, compared as parsed values where they
    parse and as trimmed text where they do not (a parsed value and a text never equal), blank =
    blank; columns the codebook does not know as their text. Equal keys give equal fingerprints
    in any chunk; two different keys share one with a chance of about 2⁻¹²⁸."""
    by_position = {pos: name for name, pos in mapped.positions.items()}
    rows = [np.zeros(len(text), dtype=np.uint64), np.zeros(len(text), dtype=np.uint64)]
    for position in range(len(mapped.raw.headers)):
        name = by_position.get(position)
        if name is None:
            raw = mapped.raw.cells[position]
            cell = _hash_pair(pd.Series([None if v is None else str(v) for v in raw], dtype=object))
        else:
            column = mapped.form.columns[name]
            shown = text[name]
            if column.type in ("date", "safety", "integer", "number", "code", "yes_no"):
                parsed = values[name]
                filled = parsed.notna().to_numpy()
                as_value, as_text = _hash_pair(parsed), _hash_pair(shown)
                cell = tuple(np.where(filled, v ^ _VALUE_MARK, t) for v, t in zip(as_value, as_text))
            elif column.type == "multi":
                cell = _hash_pair(multi_key(shown).where(shown.notna(), None))
            elif column.type == "case_number":
                cell = _hash_pair(values[name])
            else:
                cell = _hash_pair(shown)
        with np.errstate(over="ignore"):
            for half in (0, 1):
                rows[half] = rows[half] * _PRIME + cell[half].astype(np.uint64) + np.uint64(position + 1)
    return np.stack(rows, axis=1)


def process_chunk(
    form: Form, positions: dict[str, int], link: str | None, export: ExportFile, header: Header, chunk: Chunk
) -> ChunkResult:
    """Parse, check, link, pseudonymise and redact one chunk (in a worker, or in the run's process)."""
    ctx = _CONTEXT
    codebook, peildatum = ctx.codebook, ctx.peildatum
    raw = _chunk_table(chunk, header, export.rel)
    mapped = MappedTable(raw=raw, form=form, positions=positions, link=link)
    text = text_frame(mapped, codebook)
    empty, empty_columns = _empty_rows(mapped)
    failures = validate_text(text.loc[~empty.to_numpy()], form, codebook, peildatum.year)
    label_rows = failures[failures["check"] == LABEL_CHECK]
    labels = pd.DataFrame(
        {
            "index": label_rows["index"].to_numpy(),
            "column": label_rows["column"].to_numpy(),
            "text": [text.at[int(i), c] for i, c in zip(label_rows["index"], label_rows["column"])],
        }
    )
    failures = failures[failures["check"] != LABEL_CHECK].reset_index(drop=True)
    values = _parse_values(mapped, text, failures, codebook, peildatum.year)
    fingerprint = _fingerprint(mapped, text, values)
    fingerprint[empty.to_numpy()] = 0
    status = np.where(empty.to_numpy(), _STATUS_CODE["empty_row"], _STATUS_CODE[KEPT]).astype(np.int8)
    case_pos = np.full(len(text), np.nan)
    if link:
        linked = link_keys(values[link], ctx.lookups[link])
        case_pos = linked.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        status[(status == _STATUS_CODE[KEPT]) & np.isnan(case_pos)] = _STATUS_CODE["unknown_case"]
    dates = values[form.date_column]
    late = (dates >= pd.Timestamp(peildatum)).fillna(False).to_numpy()
    status[(status == _STATUS_CODE[KEPT]) & late] = _STATUS_CODE["after_peildatum"]
    checked = [n for n, c in form.columns.items() if c.type in ("date", "safety", "integer", "number")]
    nonblank = text.loc[~empty.to_numpy(), checked].notna()
    cells = failures.assign(text=[text.at[int(i), c] for i, c in zip(failures["index"], failures["column"])])
    kept = pd.Index(np.flatnonzero(status == _STATUS_CODE[KEPT]))
    parsed = ParsedFile(export, mapped, text, values, raw.rows, _status_series(status), cells)
    parsed.case_pos = pd.Series(case_pos).astype("Int64") if link else None
    clean = _clean_rows(parsed, kept, form, export)
    del parsed, text, values, failures
    return ChunkResult(raw.rows, status, fingerprint, case_pos, empty_columns, cells, labels, nonblank, clean)


def _clean_rows(parsed: ParsedFile, kept: pd.Index, form: Form, export: ExportFile) -> pd.DataFrame:
    """The clean columns of the kept rows, as :func:`pipeline.clean_tables.form_table` makes them."""
    from pipeline.clean_tables import _form_columns

    ctx = _CONTEXT
    columns: dict = {}
    if form.is_case_form:
        columns["case_id"] = parsed.case_pos.loc[kept].map(ctx.case_ids).astype("string")
    columns["source_file"] = pd.Series(export.rel, index=kept, dtype="string")
    columns["source_row"] = pd.Series(parsed.rows[kept.to_numpy()], index=kept, dtype="int64")
    columns["year_folder"] = pd.Series(export.year or "", index=kept, dtype="string")
    columns.update(_form_columns(parsed, kept, ctx.key, ctx.redactor, ctx.codebook))
    return pd.DataFrame(columns, index=kept)


def _run_chunk(args: tuple) -> ChunkResult:
    return process_chunk(*args)


# --------------------------------------------------------------------------- one file (run's process)


class TableWriter:
    """A clean table written as parquet row groups of :func:`chunk_rows` rows (one row group, and
    the bytes of ``DataFrame.to_parquet``, when the table is no larger)."""

    def __init__(self, path: Path, limit: int):
        self.path, self.limit = path, limit
        self.buffer: list[pd.DataFrame] = []
        self.buffered = 0
        self.writer = None
        self.template: pd.DataFrame | None = None  # the first chunk's columns and types

    def add(self, frame: pd.DataFrame) -> None:
        if self.template is None:
            self.template = frame.iloc[0:0]
        if len(frame):
            self.buffer.append(frame)
            self.buffered += len(frame)
        while self.buffered >= self.limit:
            whole = pd.concat(self.buffer, ignore_index=True)
            self._write(whole.iloc[: self.limit])
            rest = whole.iloc[self.limit :]
            self.buffer, self.buffered = ([rest] if len(rest) else []), len(rest)

    def close(self, empty: pd.DataFrame) -> None:
        """Write what is left (``empty``: the table's columns and types, for a table without rows)."""
        if self.buffer or self.writer is None:
            fallback = self.template if self.template is not None else empty
            frame = pd.concat(self.buffer, ignore_index=True) if self.buffer else fallback
            self._write(frame)
        self.writer.close()

    def _write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="snappy")
        self.writer.write_table(table)


@dataclass
class _FileState:
    """What one streamed file keeps between chunks."""

    rows: list[np.ndarray] = field(default_factory=list)
    status: list[np.ndarray] = field(default_factory=list)
    case_pos: list[np.ndarray] = field(default_factory=list)
    # the fingerprints of the earlier chunks' rows that were not duplicates: first halves sorted,
    # second halves in the same order (one array each, so a chunk is looked up once, not per chunk)
    seen_first: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.uint64))
    seen_second: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.uint64))
    cells: list[pd.DataFrame] = field(default_factory=list)
    labels: list[pd.DataFrame] = field(default_factory=list)
    empty_columns: list[pd.Series] = field(default_factory=list)
    nonblank: pd.Series | None = None  # per column: filled cells of the rows subject to the cell rules
    offset: int = 0  # data rows before this chunk


def _duplicates(fingerprint: np.ndarray, subject: np.ndarray, state: _FileState) -> np.ndarray:
    """Rows whose duplicate key occurred before, in this chunk or an earlier one of the file
    (fingerprints compared in full: the first half through the sorted index of the earlier rows,
    the second half where the first matches). The chunk's first halves are looked up in sorted
    order (one pass over the index instead of a jump per row), and its new fingerprints are
    merged into the index at the positions found."""
    duplicate = np.zeros(len(fingerprint), dtype=bool)
    index = np.flatnonzero(subject)
    first, second = fingerprint[index, 0], fingerprint[index, 1]
    keys = pd.DataFrame({"a": first, "b": second})
    duplicate[index[keys.duplicated(keep="first").to_numpy()]] = True
    order = np.argsort(first, kind="stable")
    sorted_first, sorted_second = first[order], second[order]
    low = np.searchsorted(state.seen_first, sorted_first, side="left")
    high = np.searchsorted(state.seen_first, sorted_first, side="right")
    for i in np.flatnonzero(high > low):  # the first half occurred before: compare the second
        if (state.seen_second[low[i] : high[i]] == sorted_second[i]).any():
            duplicate[index[order[i]]] = True
    fresh = ~duplicate[index[order]]
    state.seen_first = np.insert(state.seen_first, high[fresh], sorted_first[fresh])
    state.seen_second = np.insert(state.seen_second, high[fresh], sorted_second[fresh])
    return duplicate


def _release_memory() -> None:
    """Hand freed memory back to the system (glibc keeps it otherwise, and the process would look
    as large as its largest moment). Done once, before the workers fork; not after every chunk: a
    chunk's memory is soon needed again by the next, and handing it back and faulting it in again
    cost 0.7 s of system time at 400× (the peak stays bounded by a chunk either way)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc: nothing to do
        pass


def _finish_chunk(result: ChunkResult, state: _FileState, writer: TableWriter) -> None:
    subject = result.status != _STATUS_CODE["empty_row"]
    duplicate = _duplicates(result.fingerprint, subject, state)
    status = result.status.copy()
    status[duplicate] = _STATUS_CODE["duplicate_row"]
    keep_rows = ~duplicate  # cell problems and format counts: rows that are neither empty nor duplicate
    offset = state.offset
    cells = result.cells[keep_rows[result.cells["index"].to_numpy()]] if len(result.cells) else result.cells
    state.cells.append(cells.assign(index=cells["index"] + offset))
    labels = result.labels
    state.labels.append(labels.assign(index=labels["index"] + offset))
    nonblank = result.nonblank[keep_rows[result.nonblank.index.to_numpy()]].sum()
    state.nonblank = nonblank if state.nonblank is None else state.nonblank.add(nonblank, fill_value=0)
    state.empty_columns.append(result.empty_columns.set_axis(result.empty_columns.index + offset))
    state.rows.append(result.rows.astype(np.int32))
    state.status.append(status)
    state.case_pos.append(result.case_pos.astype(np.float32))
    state.offset += len(status)
    writer.add(result.clean[~duplicate[result.clean.index.to_numpy()]])
    del result


def _raise_file_problems(state: _FileState, mapped: MappedTable) -> None:
    """The whole-file checks, on what every chunk found: an answer not in the code list, a column
    mostly in a format that is not read (the messages of the whole-file path)."""
    if state.labels:
        raise_unknown_labels(pd.concat(state.labels, ignore_index=True), mapped, _CONTEXT.codebook)
    if state.cells:
        nonblank = state.nonblank if state.nonblank is not None else pd.Series(dtype=int)
        raise_unread_formats(pd.concat(state.cells, ignore_index=True), nonblank, mapped)


def _with_rows(mapped: MappedTable, rows: np.ndarray) -> MappedTable:
    """The file's mapping with the spreadsheet rows of all its data rows and no cells."""
    import dataclasses

    raw = dataclasses.replace(mapped.raw, cells=mapped.raw.cells.iloc[0:0], rows=rows)
    return dataclasses.replace(mapped, raw=raw)


@dataclass
class _OpenFile:
    """A streamed file being read: its mapping, what its chunks found so far, its table's writer."""

    export: ExportFile
    mapped: MappedTable
    writer: TableWriter
    tasks: Iterator[tuple]  # the arguments of process_chunk, chunk by chunk
    state: _FileState = field(default_factory=_FileState)


def _open_file(export: ExportFile, codebook: Codebook, writer: TableWriter, cache: dict | None = None) -> _OpenFile:
    """Start reading one streamed file: its header row, mapped (a workbook or ``.sav`` file is
    read whole here, a csv file only as far as its header)."""
    form = codebook.forms[export.form]
    chunks = iter_chunks(export, form, chunk_rows(), cache)
    header = next(chunks)
    probe = RawTable(
        file=export.rel,
        format=header.format,
        headers=header.headers,
        cells=pd.DataFrame(),
        rows=np.array([], dtype=int),
        value_labels=header.value_labels,
        has_value_labels=header.has_value_labels,
        sheet=header.sheet,
        header_row=header.header_row,
    )
    mapped = map_headers(probe, form)
    tasks = ((form, mapped.positions, mapped.link, export, header, chunk) for chunk in chunks)
    return _OpenFile(export, mapped, writer, tasks)


def _close_file(opened: _OpenFile) -> ParsedFile:
    """The file once all its chunks are finished, as a slim :class:`ParsedFile` (status, case
    positions, rows and the data-quality facts; no cells) for the rules across files; the
    whole-file checks raise here."""
    state, export, mapped = opened.state, opened.export, opened.mapped
    rows = np.concatenate(state.rows) if state.rows else np.array([], dtype=int)
    slim = _with_rows(mapped, rows)
    _raise_file_problems(state, slim)
    status = _status_series(np.concatenate(state.status) if state.status else np.array([], dtype=np.int8))
    cells = (
        pd.concat(state.cells, ignore_index=True)[["index", "column", "check"]]
        if state.cells
        else pd.DataFrame({"index": pd.Series(dtype=int), "column": pd.Series(dtype=str), "check": pd.Series(dtype=str)})
    )
    empty_columns = pd.concat(state.empty_columns) if state.empty_columns else pd.Series(dtype=object)
    parsed = ParsedFile(
        export,
        slim,
        pd.DataFrame(index=status.index),
        pd.DataFrame(index=status.index),
        rows,
        status,
        cells,
        empty_columns=empty_columns,
    )
    if mapped.link:
        positions = np.concatenate(state.case_pos) if state.case_pos else np.array([], dtype=np.float32)
        parsed.case_pos = pd.Series(positions).astype("Int32")
    log.info("gelezen: %s (%d rijen)", export.rel, len(status))
    return parsed


def _raise_parse_problem(export: ExportFile, codebook: Codebook, message: str) -> None:
    """A csv slice pandas could not parse: read the file from its start, one chunk after the
    other, for the message the whole file gives (its line numbers count from the file's start)."""
    for _ in iter_chunks(export, codebook.forms[export.form], chunk_rows(), slices=False):
        pass
    # not reached (the same records fail in the whole file); the slice's own line numbers would
    # not be the file's, so the message names none
    raise _csv_error(export.rel, message.split(" in line ")[0].split(" starting at row ")[0])


def stream_files(
    plan: list[tuple[ExportFile, TableWriter, Callable[[], pd.DataFrame] | None]],
    codebook: Codebook,
    pool=None,
    cache: dict | None = None,
) -> dict[str, ParsedFile]:
    """Stream the files of ``plan`` in order, each into its table's writer; return each file as
    a slim :class:`ParsedFile` (by its path). A plan item's third part, when given, closes the
    writer after that file (it gives the table's columns and types, for a table without rows).

    ``pool``: worker processes for the chunks (None: this process). The chunks of all files
    form one queue, so that the workers go on with the next file while the last chunks of a
    file are still being parsed; at most one chunk per worker and one more are in flight
    (memory stays bounded), and chunks are finished, files closed and tables written strictly
    in order: the outcome, and the first error raised, are those of a run without workers."""
    parsed: dict[str, ParsedFile] = {}
    pending: list[Callable[[], None]] = []  # the steps still to finish, in order

    def finish_oldest() -> None:
        pending.pop(0)()

    def finish_chunk(opened: _OpenFile, result: Callable[[], ChunkResult]) -> None:
        try:
            done = result()
        except SliceParseError as problem:
            _raise_parse_problem(opened.export, codebook, str(problem))
        _finish_chunk(done, opened.state, opened.writer)

    def close(opened: _OpenFile, closer: Callable[[], pd.DataFrame] | None) -> None:
        parsed[opened.export.rel] = _close_file(opened)
        if closer is not None:
            opened.writer.close(closer())

    def read(step: Callable[[], object]) -> object:
        """A step of reading the files; a structural problem it meets is raised after what came
        before it is finished (an earlier file's problem comes first)."""
        try:
            return step()
        except StructuralError:
            while pending:
                finish_oldest()
            raise

    workers = pool._max_workers if pool is not None else 0
    for export, writer, closer in plan:
        opened = read(functools.partial(_open_file, export, codebook, writer, cache))
        while (args := read(functools.partial(next, opened.tasks, None))) is not None:
            while len(pending) > workers:
                finish_oldest()
            result = pool.submit(_run_chunk, args).result if pool is not None else functools.partial(process_chunk, *args)
            pending.append(functools.partial(finish_chunk, opened, result))
        pending.append(functools.partial(close, opened, closer))
    while pending:
        finish_oldest()
    return parsed


# --------------------------------------------------------------------------- the run


@dataclass
class FileNames:
    """The names and case numbers in one streamed file, and whether it holds free text."""

    names: list
    numbers: list
    free_text: bool


NAMES_COST_PER_BYTE = 0.3  # reading a csv file's name columns, against parsing it whole (1.0)


def _file_names(export: ExportFile, codebook: Codebook, cache: dict[str, RawTable] | None = None) -> FileNames:
    """The names and case numbers in one streamed file (the redaction must know every name of
    the run before it redacts any text) and whether it holds free text. A csv file is read for
    those columns only; a workbook or ``.sav`` whole (kept in ``cache``, when given, for its
    turn: the cache holds one table)."""
    names: dict = {}  # distinct, in the order found: a name recurs on many rows and chunks
    numbers: dict = {}
    free_text = False
    form = codebook.forms[export.form]
    wanted = {n: c for n, c in form.columns.items() if c.type in ("name", "case_number", "text")}
    if export.path.suffix.lower() == ".csv":
        encoding = _csv_encoding(export.path, export.rel)
        header, width = _csv_header(export.path, export.rel, form, encoding)
        with open(export.path, encoding=encoding, newline="") as handle:
            head = handle.read(1 << 20)
        headers = [str(h).strip() for h in _first_records(head, header + 1)[header]]
        headers += [""] * (width - len(headers))
        probe = RawTable(export.rel, "csv", headers, pd.DataFrame(), np.array([], dtype=int), header_row=header + 1)
        positions = {n: p for n, p in map_headers(probe, form).positions.items() if n in wanted}
        if not positions:
            return FileNames([], [], False)
        reader = pd.read_csv(
            export.path,
            names=range(width),
            usecols=sorted(positions.values()),
            encoding=encoding,
            skiprows=header + 1,
            chunksize=chunk_rows(),
            **DUTCH_CSV,
        )
        try:
            for grid in reader:
                for name, position in positions.items():
                    distinct = pd.unique(grid[position])  # a name or case number recurs: stripped once
                    if wanted[name].type == "text":
                        free_text = free_text or any(isinstance(v, str) and v.strip() for v in distinct)
                        continue
                    cells = (v.strip() if isinstance(v, str) else v for v in distinct)
                    (names if wanted[name].type == "name" else numbers).update(dict.fromkeys(v for v in cells if v != ""))
        except pd.errors.ParserError as exc:
            raise _csv_error(export.rel, str(exc)) from None
    else:
        table = read_table(export.path, export.rel, form)
        if cache is not None:
            cache.clear()
            cache[export.rel] = table
        mapped = map_headers(table, form)
        for name, column in wanted.items():
            if name not in mapped.positions:
                continue
            cells = column_text(mapped, column, codebook).dropna()
            if column.type == "text":
                free_text = free_text or len(cells) > 0
            else:
                (names if column.type == "name" else numbers).update(dict.fromkeys(cells.unique()))
    return FileNames(list(names), list(numbers), free_text)


def _file_names_or_problem(
    export: ExportFile, codebook: Codebook, cache: dict[str, RawTable] | None = None
) -> FileNames | StructuralError:
    try:
        return _file_names(export, codebook, cache)
    except StructuralError as problem:
        return problem


def _merge_names(found: list[FileNames | StructuralError]) -> tuple[list, list, bool]:
    """The names, case numbers and free-text flag of several files, in order; the first file's
    structural problem raises."""
    names: dict = {}
    numbers: dict = {}
    free_text = False
    for item in found:
        if isinstance(item, StructuralError):
            raise item
        names.update(dict.fromkeys(item.names))
        numbers.update(dict.fromkeys(item.numbers))
        free_text = free_text or item.free_text
    return list(names), list(numbers), free_text


def _load_annotator(organisations: tuple[str, ...]):
    from pipeline.deid import DeduceAnnotator

    return DeduceAnnotator(organisations)


@dataclass
class IngestResult:
    """What :func:`stream_ingest` wrote: counts for the stage's closing line, and the clean tables
    themselves on request (read back from ``out_dir``)."""

    out_dir: Path
    listed: int
    analysed: int
    data_quality: int
    forms_unlinked: int

    @property
    def clean(self):
        from pipeline.load import clean_data

        return clean_data(self.out_dir)


@contextlib.contextmanager
def _cycle_collection_deferred() -> Iterator[Callable[[], None]]:
    """Python's cycle collector off while the run builds its large, long-lived objects (deduce's
    word tries, a workbook's cells, the one-per-case forms), then, at the call of the function
    yielded, those objects frozen (never examined again by the collector, nor copied into forked
    workers) and the collector back on. Each full collection walks every object alive, and the
    growing heap set off one after another: 1.2 s of the run's process at 400×, for about a
    hundred objects found in the whole run (pandas and the run make next to no reference cycles;
    everything else is freed by reference counting, as before). All as it was when the run ends."""
    enabled = gc.isenabled()
    frozen = False

    def settle() -> None:
        nonlocal frozen
        gc.freeze()
        frozen = True
        if enabled:
            gc.enable()

    gc.disable()
    try:
        yield settle
    finally:
        if frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()


def stream_ingest(raw_dir: Path, peildatum: dt.date, out_dir: Path, codebook: Codebook | None = None) -> IngestResult:
    """The ingest stage in bounded memory: raw exports → ``out_dir`` (replaced as a whole, atomically)."""
    with _cycle_collection_deferred() as settle:
        return _stream_ingest(raw_dir, peildatum, out_dir, codebook, settle)


def _stream_ingest(
    raw_dir: Path, peildatum: dt.date, out_dir: Path, codebook: Codebook | None, settle: Callable[[], None]
) -> IngestResult:
    from pipeline.clean_tables import (
        FORM_TABLES,
        TEMPORARY_COLUMNS,
        case_base,
        case_fields,
        derive_cases,
        form_table,
        kept_texts,
        new_redactor,
    )
    from pipeline.ingest import _after_peildatum, flow_table
    from pipeline.pseudonym import resolve_key
    from pipeline.spss import write_cases_sav
    from pipeline.stages import csv_bytes

    global _CONTEXT
    codebook = codebook or load_codebook()
    key = resolve_key(raw_dir)  # before reading anything: no key, no run
    log.info("ingest: sleutel uit %s", key.source)
    found = discover(Path(raw_dir), codebook)
    for path, why in found.ignored:
        log.info("niet gelezen: %s (%s)", path, why)
    exports = found.exports
    streamed = [e for e in exports if e.year is not None and is_streamed(codebook.forms[e.form])]
    whole = [e for e in exports if e not in streamed]
    workers = worker_count(sum(e.path.stat().st_size for e in exports), len(exports))
    from concurrent.futures import Future, ThreadPoolExecutor, wait

    # The streamed files' names are read while the other files are parsed: a csv file's in a
    # worker beside them, a workbook's or .sav file's in this process (its table is kept for its turn).
    cache: dict[str, RawTable] = {}
    csv_streamed = [e for e in streamed if e.path.suffix.lower() == ".csv"]
    other_streamed = [e for e in streamed if e.path.suffix.lower() != ".csv"]
    names_found: dict[str, FileNames | StructuralError] = {}
    annotator: Future | None = None

    def names_here() -> None:
        nonlocal annotator
        # The de-identification library loads in a thread meanwhile (its import is heavy; it is
        # used only when some answer holds free text). Started here, once the workers have
        # forked, and waited for before the streaming workers fork: no fork while it imports.
        loader = ThreadPoolExecutor(max_workers=1)
        annotator = loader.submit(_load_annotator, codebook.keep_organisations)
        loader.shutdown(wait=False)
        for export in reversed(other_streamed):
            names_found[export.rel] = _file_names_or_problem(export, codebook, cache)

    beside = [
        (functools.partial(_file_names_or_problem, e, codebook), e.path.stat().st_size * NAMES_COST_PER_BYTE)
        for e in csv_streamed
    ]
    parse_bytes = sum(e.path.stat().st_size for e in [*whole, *csv_streamed])
    parse_workers = worker_count(parse_bytes, len(whole) + len(beside))
    if max(parse_workers, workers) > 1:
        prepare_validation()  # once here, not in every worker
    results = parse_files(whole, codebook, peildatum, parse_workers, beside=beside, meanwhile=names_here)
    parsed = dict(zip([e.rel for e in whole], results[: len(whole)]))
    names_found.update(zip([e.rel for e in csv_streamed], results[len(whole) :]))
    caselist = next(parsed[e.rel] for e in whole if e.year is None)
    _check_caselist(caselist)
    lookups = listed_lookups(caselist)
    for export in whole:
        if export.year is not None:
            if parsed[export.rel].mapped.link:
                _link(parsed[export.rel], lookups)
            _after_peildatum(parsed[export.rel], peildatum)
    whole_forms = [parsed[e.rel] for e in whole if e.year is not None]
    for name, form in codebook.forms.items():
        if form.one_per_case:
            _second_forms([f for f in whole_forms if f.form == name and f.case_pos is not None])

    names, numbers, free_text = _merge_names([names_found[e.rel] for e in reversed(streamed)])
    redactor = new_redactor([caselist, *whole_forms], names, numbers, free_text, codebook, annotator)
    del names, numbers  # the redactor keeps what it needs of them
    cases = case_base(caselist, key)
    _CONTEXT = Context(codebook, peildatum, lookups, cases["case_id"], key, redactor)
    pool = None
    try:
        with atomic.replace_dir(Path(out_dir)) as staging:
            # The one-per-case forms' clean tables now, written at once, so that their cells can go
            # before the workers fork (a forked worker's memory is shared with this process's, but
            # counts once per process); the case table later needs only a few of their columns.
            redacted = redactor.redact_distinct(kept_texts(whole_forms), available_workers())
            tables: dict[str, pd.DataFrame] = {}
            for form_name, table_name in FORM_TABLES.items():
                form = codebook.forms[form_name]
                if not is_streamed(form):
                    files = [f for f in whole_forms if f.form == form_name]
                    table = form_table(files, form, cases["case_id"], key, redactor, codebook, redacted)
                    written = table.drop(columns=[c for c in TEMPORARY_COLUMNS if c in table])
                    written.to_parquet(staging / f"{table_name}.parquet", index=False)
                    tables[table_name] = case_fields(table_name, table)
                    del table, written
            del redacted
            for parsed_file in whole_forms:  # what the rules across files and the quality lines still read stays
                parsed_file.text = parsed_file.text.iloc[0:0]
                parsed_file.values = parsed_file.values.iloc[0:0]
            caselist.text = caselist.text.iloc[0:0]  # its values stay (the case table is derived from them)
            _release_memory()
            settle()  # forked workers then also share the run's objects without copying their pages
            limit = max(chunk_rows(), ROW_GROUP_ROWS)
            streamed_bytes = sum(e.path.stat().st_size for e in streamed)
            if worker_count(streamed_bytes, len(streamed) * 2) > 1:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                # A workbook or .sav file read in the names pass is held by every worker: its chunks
                # are then sent as row numbers. The workers fork at the first task (all at once).
                _CONTEXT.tables = dict(cache)
                if annotator is not None:  # deduce's loader done (also when unused): no fork while it imports
                    wait([annotator])
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
                pool.submit(int).result()
            plan = []
            for form_name, table_name in FORM_TABLES.items():
                form = codebook.forms[form_name]
                if not is_streamed(form):
                    continue
                writer = TableWriter(staging / f"{table_name}.parquet", limit)
                files = [e for e in streamed if e.form == form_name]
                empty = functools.partial(form_table, [], form, cases["case_id"], key, redactor, codebook)
                if not files:
                    writer.close(empty())
                plan += [(e, writer, empty if e is files[-1] else None) for e in files]
            streamed_parsed = stream_files(plan, codebook, pool, cache)
            if pool is not None:  # the workers' memory goes before the case table is made
                pool.shutdown()
                pool = None
            forms = [parsed[e.rel] if e.rel in parsed else streamed_parsed[e.rel] for e in exports if e.year is not None]
            _year_folder_gate(forms, peildatum, codebook)
            _analysed_gate(caselist, forms, peildatum)
            dq = quality_table(caselist, forms, exports, codebook)
            processed = Processed(
                Path(raw_dir),
                peildatum,
                codebook,
                caselist,
                forms,
                dq,
                build_manifest(exports, peildatum, codebook),
                found.ignored,
            )
            counts = {}
            for form_name, table_name in FORM_TABLES.items():
                if is_streamed(codebook.forms[form_name]) and codebook.forms[form_name].is_case_form:
                    positions = [p.case_pos[p.status == KEPT] for p in processed.files_of(form_name)]
                    per_position = (pd.concat(positions) if positions else pd.Series(dtype="Int64")).value_counts()
                    # forms per case id, counted on the positions (a form row's case id is not spelled out)
                    per_case = pd.Series(per_position.to_numpy(), index=per_position.index.map(cases["case_id"]))
                    counts[table_name] = per_case[per_case.index.notna()]
            derived, analysed_positions = derive_cases(cases, caselist, tables, counts, peildatum)
            flow = flow_table(processed, analysed_positions)
            derived.to_parquet(staging / "cases.parquet", index=False)
            write_cases_sav(derived, staging / "cases.sav", codebook, peildatum)
            (staging / "data_quality.csv").write_bytes(csv_bytes(dq))
            (staging / "flow.csv").write_bytes(csv_bytes(flow))
            forms_unlinked = int((dq["rule"] == "unknown_case").sum())
            manifest = dict(processed.manifest, forms_unlinked=forms_unlinked)
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        _CONTEXT = None
    return IngestResult(Path(out_dir), len(derived), int(derived["analysed"].sum()), len(dq), forms_unlinked)
