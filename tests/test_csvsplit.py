"""Cutting a csv file into byte ranges of whole records (pipeline.csvsplit) without parsing it.

Property: for csv files of quoted and unquoted fields, separators and line ends inside quotes,
doubled quotes, blank lines, CRLF or LF, with or without a byte-order mark and a final line
end, the byte ranges parsed one by one (as the worker parses them) give exactly the records
of pandas' parse of the whole file, cut where its ``chunksize`` reader cuts. A file whose
quotes do not tell the records (a quote inside an unquoted field, a lone carriage return) is
not cut: it is read from start to end.
"""

from __future__ import annotations

import io

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.csvsplit import record_layout
from pipeline.readers import DUTCH_CSV
from pipeline.stream import CsvSlice, _read_slice

_PLAIN = st.text(alphabet="abcé ë12-,.:", max_size=6)
_INSIDE = st.lists(st.sampled_from(["a", "é", ";", "\n", "\r\n", '""', " ", "1"]), max_size=6).map("".join)
_FIELD = st.one_of(_PLAIN, _INSIDE.map(lambda t: f'"{t}"'))
_RECORD = st.lists(_FIELD, min_size=1, max_size=4).map(";".join)


def _parse_whole(data: bytes, width: int) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), names=range(width), encoding="utf-8-sig", **DUTCH_CSV)


def _write(tmp_path, data: bytes):
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    return path


@settings(max_examples=300, deadline=None)
@given(
    records=st.lists(_RECORD, min_size=1, max_size=25),
    crlf=st.booleans(),
    bom=st.booleans(),
    final_end=st.booleans(),
    skip=st.integers(min_value=1, max_value=3),
    every=st.integers(min_value=1, max_value=7),
)
def test_the_pieces_parse_to_the_records_of_the_whole_file_cut_as_pandas_cuts(
    tmp_path_factory, records, crlf, bom, final_end, skip, every
):
    end = "\r\n" if crlf else "\n"
    text = end.join(records) + (end if final_end else "")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    path = _write(tmp_path_factory.mktemp("csv"), data)
    width = 5
    whole = _parse_whole(data, width)
    pieces = record_layout(path, skip, every)
    if len(whole) <= skip:
        assert pieces is None  # nothing after the header: read as a whole
        return
    assert pieces is not None  # every quote here is structural: the file is cut
    cuts = [skip, *(n for n in range(skip + 1, len(whole)) if n % every == 0)]  # pandas' chunksize cuts
    expected = [whole.iloc[a:b].reset_index(drop=True) for a, b in zip(cuts, [*cuts[1:], len(whole)])]
    got = [_read_slice(CsvSlice(path, p.start, p.stop, "utf-8-sig", width)) for p in pieces]
    assert [p.first_record for p in pieces] == cuts
    assert len(got) == len(expected)
    for piece, want in zip(got, expected):
        pd.testing.assert_frame_equal(piece, want)


def test_the_cuts_are_those_of_the_chunked_reader(tmp_path):
    """Header on the third record; chunks of 4 records from the file's start, as pandas reads them."""
    lines = ["Titel;", ";", "Casusnummer;Toelichting", *[f'CIR-{i};"regel {i};\nmet ""quote"""' for i in range(10)]]
    data = "\r\n".join(lines).encode("utf-8")
    path = _write(tmp_path, data)
    pieces = record_layout(path, 3, 4)
    assert [p.first_record for p in pieces] == [3, 4, 8, 12]
    chunked = list(pd.read_csv(io.BytesIO(data), names=range(2), chunksize=4, **{**DUTCH_CSV, "encoding": "utf-8"}))
    parsed = [_read_slice(CsvSlice(path, p.start, p.stop, "utf-8", 2)) for p in pieces]
    pd.testing.assert_frame_equal(parsed[0], chunked[0].iloc[3:].reset_index(drop=True))
    for piece, chunk in zip(parsed[1:], chunked[1:]):
        pd.testing.assert_frame_equal(piece, chunk.reset_index(drop=True))
    assert parsed[1].iloc[0, 1] == 'regel 1;\nmet "quote"'


def test_a_quote_inside_an_unquoted_field_or_a_lone_carriage_return_is_not_cut(tmp_path):
    stray = _write(tmp_path, b'a;b\n1;een scherm van 5" breed\n2;x\n3;y\n')
    assert record_layout(stray, 1, 1) is None
    mac = tmp_path / "mac.csv"
    mac.write_bytes(b"a;b\r1;x\r2;y\r")
    assert record_layout(mac, 1, 1) is None
    # a lone carriage return inside quotes is text, not a line end: the file is cut
    inside = tmp_path / "inside.csv"
    inside.write_bytes(b'a;b\n1;"x\ry"\n2;z\n')
    pieces = record_layout(inside, 1, 1)
    assert [p.first_record for p in pieces] == [1, 2]
    assert _read_slice(CsvSlice(inside, pieces[0].start, pieces[0].stop, "utf-8", 2)).iloc[0, 1] == "x\ry"


def test_blocks_join_where_a_quoted_field_spans_them(tmp_path, monkeypatch):
    import pipeline.csvsplit as csvsplit

    monkeypatch.setattr(csvsplit, "BLOCK_BYTES", 7)  # every record crosses a block edge
    lines = ["h1;h2", *[f'{i};"a;\r\nb""c"' for i in range(6)]]
    data = "\r\n".join(lines).encode()
    path = _write(tmp_path, data)
    pieces = record_layout(path, 1, 2)
    whole = _parse_whole(data, 2)
    got = pd.concat([_read_slice(CsvSlice(path, p.start, p.stop, "utf-8-sig", 2)) for p in pieces], ignore_index=True)
    pd.testing.assert_frame_equal(got, whole.iloc[1:].reset_index(drop=True))
    assert [p.first_record for p in pieces] == [1, 2, 4, 6]


@settings(max_examples=500, deadline=None)
@given(
    text=st.lists(st.sampled_from(['"', ";", "\n", "\r", "a", "é", " "]), max_size=40).map("".join),
    bom=st.booleans(),
    encoding=st.sampled_from(["utf-8-sig", "cp1252"]),
    skip=st.integers(min_value=1, max_value=2),
    every=st.integers(min_value=1, max_value=3),
)
def test_whenever_a_file_is_cut_the_pieces_are_the_whole_files_records(tmp_path_factory, text, bom, encoding, skip, every):
    """Any text at all (quotes, separators, line ends anywhere; a byte-order mark, also in a file
    read as Windows-1252, where it is text): where record_layout cuts the file, the pieces parse
    to the records of the whole file; otherwise it does not cut."""
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8" if encoding == "utf-8-sig" else "cp1252")
    path = _write(tmp_path_factory.mktemp("csv"), data)
    try:
        whole = pd.read_csv(io.BytesIO(data), names=range(8), encoding=encoding, **DUTCH_CSV)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return  # the file does not parse: the run stops on its message (read from its start)
    pieces = record_layout(path, skip, every, encoding)
    if pieces is None:
        return
    cuts = [skip, *(n for n in range(skip + 1, len(whole)) if n % every == 0)]
    assert [p.first_record for p in pieces] == cuts
    got = pd.concat([_read_slice(CsvSlice(path, p.start, p.stop, encoding, 8)) for p in pieces], ignore_index=True)
    pd.testing.assert_frame_equal(got, whole.iloc[skip:].reset_index(drop=True))


def test_a_byte_order_mark_in_a_file_read_as_windows_1252_is_text(tmp_path):
    """A file with a UTF-8 mark but a byte that is not UTF-8 is read as Windows-1252: the mark
    is then text before the first field, so a quote after it is text too and the quoted line
    feed ends a record. Cut as if the mark were no text, the first data row would be lost."""
    data = b'\xef\xbb\xbf"Export\nrapport"\r\nCasusnummer;Toelichting\r\nCIR-1;caf\xe9\r\nCIR-2;x\r\n'
    path = _write(tmp_path, data)
    whole = pd.read_csv(io.BytesIO(data), names=range(2), encoding="cp1252", **DUTCH_CSV)
    assert len(whole) == 5  # 'ï»¿"Export', 'rapport"', the header, two rows
    assert record_layout(path, 3, 100, "cp1252") is None  # the quote after the mark is not structural
    assert record_layout(path, 3, 100, "utf-8-sig") is not None  # read as UTF-8 the mark is no text
