"""Readers and cell parsing: each format, header variants, multi-select, dates, numbers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from exportkit import CB, START_HEADERS, start_row, write_table
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.cells import (
    MappedTable,
    code_lookup,
    map_headers,
    parse_dates,
    parse_multi,
    parse_numbers,
    text_frame,
    validate_text,
)
from pipeline.codebook import normalise_header
from pipeline.errors import StructuralError
from pipeline.exports import discover, form_of
from pipeline.readers import decode_csv_bytes, read_table


def test_xlsx_keeps_spreadsheet_row_numbers_and_date_cells(tmp_path):
    path = write_table(
        tmp_path / "t.xlsx",
        ["A", "B", "C"],
        [[dt.date(2020, 1, 5), 7, " x "], [None, None, None], ["05-01-2020", 7.5, None]],
    )
    table = read_table(path, "t.xlsx")
    assert table.headers == ["A", "B", "C"]
    assert list(table.rows) == [2, 4]  # the blank row 3 is not a data row, but numbering keeps it
    assert table.cells.iloc[0].tolist() == [dt.date(2020, 1, 5), 7, "x"]
    assert table.cells.iloc[1].tolist() == ["05-01-2020", 7.5, None]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encodings_and_decimal_comma(tmp_path, encoding):
    path = write_table(tmp_path / "t.csv", ["Naam cliënt", "Duur contact (uren)"], [["Zoë Inès", 1.5]], encoding=encoding)
    table = read_table(path, "t.csv")
    assert table.headers == ["Naam cliënt", "Duur contact (uren)"]
    assert table.cells.iloc[0].tolist() == ["Zoë Inès", "1,5"]
    assert parse_numbers(pd.Series(["1,5", "2", " ", None, "1.25", "abc"], dtype=object)).tolist()[:2] == [1.5, 2.0]


def test_csv_quoted_multiselect_and_row_with_too_many_fields(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('A;B\n"x;y;";1\n', encoding="utf-8")
    assert read_table(path, "t.csv").cells.iloc[0].tolist() == ["x;y;", "1"]
    path.write_text("A;B\nx;y;z\n", encoding="utf-8")
    with pytest.raises(StructuralError) as err:
        read_table(path, "t.csv")
    assert err.value.row == 2 and "t.csv" in str(err.value)


def test_sav_headers_are_variable_labels_and_codes_get_value_labels(tmp_path):
    path = write_table(
        tmp_path / "t.sav",
        ["Casusnummer", "Geslacht cliënt", "Veiligheid volgens cliënt", "Datum invullen"],
        [["CIR-0001", 1.0, 99.0, dt.date(2020, 3, 1)], ["CIR-0002", 2.0, 6.0, None]],
        value_labels={"Geslacht cliënt": {1: "Vrouw", 2: "Man"}, "Veiligheid volgens cliënt": {99: "Onbekend"}},
    )
    table = read_table(path, "2020/t.sav")
    assert table.headers == ["Casusnummer", "Geslacht cliënt", "Veiligheid volgens cliënt", "Datum invullen"]
    assert list(table.rows) == [2, 3]
    form = CB.forms["startformulier"]
    # Only the columns this test wrote (map_headers would stop on the missing required ones).
    mapped = MappedTable(table, form, {"case_number": 0, "sex": 1, "safety_client": 2, "date_filled": 3}, "case_number")
    text = text_frame(mapped, CB)
    assert text["sex"].tolist() == ["Vrouw", "Man"]
    assert text["safety_client"].tolist() == ["99", "6"]  # a value label on a number does not change it
    assert text["date_filled"].tolist() == ["2020-03-01", None]


def test_sav_yes_no_codes_without_a_label_of_their_own_follow_the_contract(tmp_path):
    """Contract: yes/no in .sav is 1 / 0 with value labels, 9 = unknown. A 9 that the file gives no
    label of its own is unknown (not a stop); a label the file does give wins; another code stops
    as an answer not in the code list."""
    path = write_table(
        tmp_path / "t.sav",
        ["Casusnummer", "Kinderen betrokken"],
        [["CIR-0001", 1.0], ["CIR-0002", 0.0], ["CIR-0003", 9.0], ["CIR-0004", None]],
        value_labels={"Kinderen betrokken": {1: "Ja", 0: "Nee"}},
    )
    mapped = MappedTable(
        read_table(path, "2020/t.sav"), CB.forms["startformulier"], {"case_number": 0, "children_involved": 1}, "case_number"
    )
    text = text_frame(mapped, CB)
    assert text["children_involved"].tolist() == ["Ja", "Nee", "Onbekend", None]
    assert validate_text(text, CB.forms["startformulier"], CB, 2021).empty  # 9 is a missing answer, no problem
    path = write_table(
        tmp_path / "u.sav",
        ["Casusnummer", "Kinderen betrokken"],
        [["CIR-0001", 7.0]],
        value_labels={"Kinderen betrokken": {1: "Ja", 0: "Nee"}},
    )
    mapped = MappedTable(
        read_table(path, "2020/u.sav"), CB.forms["startformulier"], {"case_number": 0, "children_involved": 1}, "case_number"
    )
    failures = validate_text(text_frame(mapped, CB), CB.forms["startformulier"], CB, 2021)
    assert failures["column"].tolist() == ["children_involved"]


def test_header_matching_is_tolerant():
    assert normalise_header("  Geboortedatum CLIENT : ") == normalise_header("Geboortedatum cliënt")
    assert normalise_header("Duur  contact (uren)") == normalise_header("duur contact (uren):")


def test_map_headers_with_variants_and_missing_required(tmp_path):
    headers = [h.upper() + ":" for h in START_HEADERS]
    headers[0] = " casusnummer "
    path = write_table(tmp_path / "s.csv", headers + ["Extra kolom"], [start_row("CIR-0001")])
    mapped = map_headers(read_table(path, "2019/s.csv"), CB.forms["startformulier"])
    assert mapped.link == "case_number"
    assert mapped.positions["problems"] == START_HEADERS.index("Problematiek")
    path = write_table(
        tmp_path / "m.csv", [h for h in START_HEADERS if h != "Problematiek"], [start_row("CIR-0001")[:8] + start_row("x")[9:]]
    )
    with pytest.raises(StructuralError) as err:
        map_headers(read_table(path, "2019/m.csv"), CB.forms["startformulier"])
    assert err.value.column == "Problematiek" and err.value.file == "2019/m.csv"


def test_dates_accept_the_contract_forms_and_real_calendar_dates_only():
    valid = [
        "05-01-2020",
        "5-1-2020",
        "05/01/2020",
        "5/1/2020",
        "5.1.2020",
        "05.01.2020",
        "2020-01-05",
        "2020-01-05 14:30",
        "2020-01-05 14:30:59",
        "05-01-20",
        "5-1-20",
    ]
    invalid = [
        "31-02-2020",
        "2 maart 2020",
        "2020/03/05",
        "onbekend",
        None,
        "2020-1-5",
        "05-01/2020",
        "01/05/20",
        "2020-01-05T14:30",
        "2020-01-05 25:00",
        "5.1.20",
        "43831",
    ]
    parsed = parse_dates(pd.Series(valid + invalid, dtype=object), 2021)
    assert parsed.iloc[: len(valid)].tolist() == [pd.Timestamp(2020, 1, 5)] * len(valid)
    assert parsed.iloc[len(valid) :].isna().all()


def test_two_digit_years_pivot_on_the_peildatum_year():
    text = pd.Series(["01-02-21", "01-02-22", "01-02-85", "01-02-00"], dtype=object)
    assert parse_dates(text, 2021).dt.year.tolist() == [2021, 1922, 1985, 2000]
    assert parse_dates(text, 2030).dt.year.tolist() == [2021, 2022, 1985, 2000]


def test_excel_serial_numbers_in_a_workbook_date_column(tmp_path):
    from pipeline.cells import excel_serial_date

    assert excel_serial_date(1) == dt.date(1900, 1, 1) and excel_serial_date(59) == dt.date(1900, 2, 28)
    assert excel_serial_date(61) == dt.date(1900, 3, 1) and excel_serial_date(43831.75) == dt.date(2020, 1, 1)
    assert excel_serial_date(73415) == dt.date(2100, 12, 31)
    assert [excel_serial_date(v) for v in (60, 0, -3, 73416)] == [None] * 4  # 60: Excel's non-existent 29-02-1900
    path = write_table(
        tmp_path / "s.xlsx", ["Casusnummer", "Datum contact"], [["CIR-0001", 43831], ["CIR-0001", 60], ["CIR-0001", 2.5e6]]
    )
    table = read_table(path, "s.xlsx")
    form = CB.forms["contactformulier"]
    text = text_frame(MappedTable(table, form, {"case_number": 0, "date": 1}, "case_number"), CB)
    assert text["date"].tolist() == ["2020-01-01", "60", "2500000"]  # the last two: invalid dates
    csv = write_table(tmp_path / "s.csv", ["Casusnummer", "Datum contact"], [["CIR-0001", 43831]])
    text = text_frame(MappedTable(read_table(csv, "s.csv"), form, {"case_number": 0, "date": 1}, "case_number"), CB)
    assert parse_dates(text["date"], 2021).isna().all()  # a number in a csv date column is no date


def test_multiselect_split_trailing_semicolon_case_spaces_and_doubles():
    column = CB.forms["startformulier"].columns["problems"]
    lookup = code_lookup(CB, column)
    text = pd.Series(["Huiselijk geweld; verslaving ;", "  HUISVESTING;;Huisvesting", None], dtype=object)
    flags = parse_multi(text, lookup, CB.codes("problem_area"))
    assert flags.loc[0, ["domestic_violence", "addiction"]].tolist() == [True, True]
    assert flags.loc[1].sum() == 1 and flags.loc[1, "housing"]
    assert flags.loc[2].sum() == 0


def test_discover_suffixes_and_two_files_for_one_form(tmp_path):
    assert form_of("startformulier_export_2021-01-04", ["startformulier", "eindformulier"]) == "startformulier"
    assert form_of("startformulieren", ["startformulier"]) is None
    write_table(tmp_path / "casuslijst.xlsx", ["Casusnummer"], [])
    write_table(tmp_path / "2019" / "startformulier_export.csv", ["Casusnummer"], [])
    write_table(tmp_path / "notes" / "startformulier.csv", ["Casusnummer"], [])  # not a year folder
    found = discover(tmp_path, CB)
    assert [f.rel for f in found.exports] == ["casuslijst.xlsx", "2019/startformulier_export.csv"]
    assert ("notes/", "geen jaarmap (jjjj)") in found.ignored
    write_table(tmp_path / "2019" / "startformulier.xlsx", ["Casusnummer"], [])
    with pytest.raises(StructuralError, match="twee bestanden"):
        discover(tmp_path, CB)


# ----------------------------------------------------------------------------- properties

_cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='";\r\n'), max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(_cell_text, min_size=2, max_size=2), min_size=1, max_size=8),
    encoding=st.sampled_from(["utf-8", "utf-8-sig"]),
)
def test_csv_reader_returns_every_nonblank_row_trimmed(tmp_path_factory, rows, encoding):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    write_table(path, ["A", "B"], rows, encoding=encoding)
    table = read_table(path, "t.csv")
    expected = [[c.strip() or None for c in row] for row in rows]
    expected_rows = [i + 2 for i, row in enumerate(expected) if any(c is not None for c in row)]
    assert list(table.rows) == expected_rows
    assert table.cells.values.tolist() == [row for row in expected if any(c is not None for c in row)]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=40))
def test_csv_decoding_is_utf8_else_cp1252(data):
    head = data[:4096]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 8 and head.count(0) * 4 >= len(head)):
        with pytest.raises(StructuralError, match="UTF-16"):  # "Unicode-tekst": stops, says how to save it
            decode_csv_bytes(data, "t.csv")
        return
    try:
        expected = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            expected = data.decode("cp1252")
        except UnicodeDecodeError:  # bytes undefined in cp1252: the file is unreadable
            with pytest.raises(StructuralError, match="UTF-8 of Windows-1252"):
                decode_csv_bytes(data, "t.csv")
            return
    assert decode_csv_bytes(data) == expected


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abcëéïöüÉ€ –;", max_size=15))
def test_cp1252_text_roundtrips(text):
    data = text.encode("cp1252")
    try:  # the contract's rule: bytes that are valid UTF-8 are UTF-8 ("É–" in cp1252 happens to be)
        data.decode("utf-8")
        assume(not any(ord(c) > 127 for c in text))
    except UnicodeDecodeError:
        pass
    assert decode_csv_bytes(data) == text


def test_undecodable_csv_is_a_structural_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"A;B\n\x81\x8d;x\n")
    with pytest.raises(StructuralError, match="geen tekstbestand in UTF-8 of Windows-1252") as caught:
        read_table(path, "t.csv")
    assert caught.value.file == "t.csv"


def test_empty_or_comma_separated_csv_says_what_is_wrong(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(StructuralError, match="leeg") as caught:
        read_table(empty, "2019/empty.csv")
    assert caught.value.file == "2019/empty.csv" and caught.value.row == 1
    comma = tmp_path / "comma.csv"
    comma.write_text("Casusnummer,Datum interview\nCIR-0001,01-02-2020\n", encoding="utf-8")
    with pytest.raises(StructuralError, match="gescheiden door komma's") as caught:
        read_table(comma, "2019/comma.csv", CB.forms["clientervaring"])
    assert caught.value.row == 1


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_real_date_parses_in_every_format(day):
    text = pd.Series([day.strftime("%d-%m-%Y"), f"{day.day}-{day.month}-{day.year}", day.isoformat()], dtype=object)
    assert parse_dates(text, 2021).tolist() == [pd.Timestamp(day)] * 3
