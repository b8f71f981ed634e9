"""The contract's value-problem rules (data-quality table) and structural problems (stop)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from exportkit import (
    CASELIST_HEADERS,
    CONTACT_HEADERS,
    END_HEADERS,
    START_HEADERS,
    SURVEY_HEADERS,
    caselist_row,
    contact_row,
    end_row,
    minimal_export,
    start_row,
    survey_row,
    write_table,
)
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import StructuralError
from pipeline.ingest import process_exports

PEIL = dt.date(2021, 1, 1)


def dq_lines(processed):
    return [tuple(r) for r in processed.data_quality[["file", "row", "column", "rule"]].itertuples(index=False)]


def statuses(processed, rel):
    parsed = next(f for f in [processed.caselist, *processed.forms] if f.export.rel == rel)
    return parsed.status.tolist()


def test_minimal_export_has_no_problems(tmp_path):
    processed = process_exports(minimal_export(tmp_path), PEIL)
    assert dq_lines(processed) == []
    assert statuses(processed, "2019/startformulier.csv") == ["kept", "kept"]


def test_cell_rules_blank_the_cell_and_keep_the_row(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "2019" / "startformulier.csv",
        START_HEADERS,
        [
            start_row("CIR-0001", date="31-02-2019", safety=(11, 99, "7,5")),
            start_row("CIR-0002", birth="onbekend", safety=(0, 10, "")),
        ],
    )
    processed = process_exports(tmp_path, PEIL)
    assert dq_lines(processed) == [
        ("2019/startformulier.csv", 2, "Datum invullen", "invalid_date"),
        ("2019/startformulier.csv", 2, "Veiligheid volgens cliënt", "safety_out_of_range"),
        ("2019/startformulier.csv", 2, "Veiligheid volgens casusverantwoordelijke", "safety_out_of_range"),
        ("2019/startformulier.csv", 3, "Geboortedatum cliënt", "invalid_date"),
    ]
    values = processed.files_of("startformulier")[0].values
    assert values["safety_client"].isna().tolist() == [True, False]  # 11 blanked; 0 kept
    assert values["safety_expert"].isna().tolist() == [True, False]  # 99 blank without a report line
    assert values["safety_professional"].tolist()[1] is not None
    assert statuses(processed, "2019/startformulier.csv") == ["kept", "kept"]


def test_duplicate_rows_are_compared_as_read_values_and_not_cell_checked(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "2019" / "contactformulier.csv",
        CONTACT_HEADERS,
        [
            contact_row("CIR-0001", date="05-02-2019", hours=1.5, network="Ouder(s);Geen"),
            contact_row("cir-0001 ", date="5-2-2019", hours="1,50", network="geen; OUDER(S);"),  # same as read
            contact_row("CIR-0001", date="31-02-2019"),
            contact_row("CIR-0001", date="31-02-2019"),  # duplicate of an invalid-date row: one report line
            contact_row("CIR-0001", date="05-02-2019", hours=2.5),  # differs
        ],
    )
    processed = process_exports(tmp_path, PEIL)
    assert dq_lines(processed) == [
        ("2019/contactformulier.csv", 3, "", "duplicate_row"),
        ("2019/contactformulier.csv", 4, "Datum contact", "invalid_date"),
        ("2019/contactformulier.csv", 5, "", "duplicate_row"),
    ]


def test_row_rules_in_order_unknown_after_peildatum_second_form(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "2019" / "startformulier.csv",
        START_HEADERS,
        [
            start_row("CIR-0001", date="10-02-2019"),
            start_row("CIR-9999"),  # unknown case
            start_row("", date="01-01-2019"),  # blank key: unknown case
            start_row("CIR-0001", date="01-02-2019"),  # earlier: this one stays
            start_row("CIR-0002", date="01-01-2021"),  # on peildatum: dropped
            start_row("CIR-0002", date=None),  # blank date: never after peildatum; the only one left
        ],
    )
    write_table(tmp_path / "2020" / "startformulier.xlsx", START_HEADERS, [start_row("CIR-0002", date=dt.date(2020, 5, 1))])
    processed = process_exports(tmp_path, PEIL)
    assert statuses(processed, "2019/startformulier.csv") == [
        "second_form",
        "unknown_case",
        "unknown_case",
        "kept",
        "after_peildatum",
        "second_form",
    ]
    assert statuses(processed, "2020/startformulier.xlsx") == ["kept"]  # dated, so before the blank-dated one
    assert ("2019/startformulier.csv", 3, "Casusnummer", "unknown_case") in dq_lines(processed)
    assert ("2019/startformulier.csv", 6, "Datum invullen", "after_peildatum") in dq_lines(processed)
    assert ("2019/startformulier.csv", 7, "Casusnummer", "second_form") in dq_lines(processed)


def test_second_form_ties_go_to_the_lower_year_folder_then_row(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "2019" / "eindformulier.csv",
        END_HEADERS,
        [end_row("CIR-0001", date="01-12-2019"), end_row("CIR-0001", date="01-12-2019", dev="Gestopt")],
    )
    write_table(tmp_path / "2018" / "eindformulier.csv", END_HEADERS, [end_row("CIR-0001", date="01-12-2019", dev="Toegenomen")])
    processed = process_exports(tmp_path, PEIL)
    assert statuses(processed, "2018/eindformulier.csv") == ["kept"]
    assert statuses(processed, "2019/eindformulier.csv") == ["second_form", "second_form"]


def test_first_year_forms_link_by_normalised_name(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "casuslijst.xlsx",
        CASELIST_HEADERS,
        [
            caselist_row("CIR-0001", "Zoë de Wit"),
            caselist_row("CIR-0002", "Jan Jansen"),
            caselist_row("CIR-0003", "jan  JANSEN"),  # same normalised name: ambiguous
            caselist_row("CIR-0004", "Kees Smit"),
        ],
    )
    headers = ["Naam cliënt"] + START_HEADERS[1:]
    write_table(
        tmp_path / "2018" / "startformulier.xlsx",
        headers,
        [start_row("  ZOE  de  wit "), start_row("Jan Jansen"), start_row("Onbekende Naam")],
    )
    processed = process_exports(tmp_path, PEIL)
    parsed = processed.files_of("startformulier")[0]
    assert parsed.mapped.link == "client_name"
    assert statuses(processed, "2018/startformulier.xlsx") == ["kept", "unknown_case", "unknown_case"]
    assert parsed.case_pos.tolist()[0] == 0
    assert ("2018/startformulier.xlsx", 3, "Naam cliënt", "unknown_case") in dq_lines(processed)


def test_caselist_date_rules(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "casuslijst.xlsx",
        CASELIST_HEADERS,
        [
            caselist_row(
                "CIR-0001", "A B", prof_start="01-03-2019", prof_end="01-02-2019", exp_start="01-02-2019", exp_end="01-01-2019"
            ),
            caselist_row("CIR-0002", "C D", exp_start="2 maart 2019"),
            caselist_row("CIR-0003", "E F"),
            caselist_row("CIR-0003", "E F"),  # exact duplicate
        ],
    )
    processed = process_exports(tmp_path, PEIL)
    assert dq_lines(processed) == [
        ("casuslijst.xlsx", 2, "Einde casusverantwoordelijke", "end_before_start"),
        ("casuslijst.xlsx", 2, "Einde ervaringsdeskundige", "end_before_start"),
        ("casuslijst.xlsx", 2, "Start ervaringsdeskundige", "expert_before_professional"),
        ("casuslijst.xlsx", 3, "Start ervaringsdeskundige", "invalid_date"),
        ("casuslijst.xlsx", 5, "", "duplicate_row"),
    ]


def test_survey_and_unknown_numbers(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "2019" / "clientervaring.csv",
        SURVEY_HEADERS,
        [survey_row("CIR-0001", grade=11), survey_row("CIR-0001", grade="8,5"), survey_row("CIR-0404")],
    )
    processed = process_exports(tmp_path, PEIL)
    assert dq_lines(processed) == [
        ("2019/clientervaring.csv", 2, "Rapportcijfer", "invalid_number"),
        ("2019/clientervaring.csv", 3, "Rapportcijfer", "invalid_number"),
        ("2019/clientervaring.csv", 4, "Casusnummer", "unknown_case"),
    ]


# ----------------------------------------------------------------------------- structural problems


def _expect_structural(root, file, row, column, match):
    with pytest.raises(StructuralError) as err:
        process_exports(root, PEIL)
    assert (err.value.file, err.value.row, err.value.column) == (file, row, column)
    assert match in str(err.value)
    return err.value


def test_label_not_in_code_list_stops(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "2019" / "contactformulier.csv",
        CONTACT_HEADERS,
        [contact_row("CIR-0001"), contact_row("CIR-0001", kind="Postduif")],
    )
    _expect_structural(tmp_path, "2019/contactformulier.csv", 3, "Soort contact", "Postduif")


def test_unknown_multiselect_part_stops(tmp_path):
    minimal_export(tmp_path)
    write_table(tmp_path / "2019" / "startformulier.csv", START_HEADERS, [start_row("CIR-0001", problems="Huisvesting; Gokken;")])
    _expect_structural(tmp_path, "2019/startformulier.csv", 2, "Problematiek", "Gokken")


def test_sav_code_without_value_label_stops(tmp_path):
    minimal_export(tmp_path)
    headers = ["Casusnummer", "Datum contact", "Ervaringsdeskundige", "Soort contact", "Duur contact (uren)", "Netwerk betrokken"]
    write_table(
        tmp_path / "2019" / "contactformulier.sav",
        headers,
        [
            ["CIR-0001", dt.date(2019, 3, 1), "Anna Jansen", 1.0, 1.0, "Geen"],
            ["CIR-0001", dt.date(2019, 3, 2), "Anna Jansen", 7.0, 1.0, "Geen"],
        ],
        value_labels={"Soort contact": {1: "Face to face", 2: "Telefonisch"}},
    )
    (tmp_path / "2019" / "contactformulier.csv").unlink()
    _expect_structural(tmp_path, "2019/contactformulier.sav", 3, "Soort contact", "'7'")


def test_missing_required_column_stops(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "2019" / "eindformulier.csv",
        [h for h in END_HEADERS if h != "Ontwikkeling Verslaving"],
        [end_row("CIR-0001")[:-4] + [8, 8, 8]],
    )
    _expect_structural(tmp_path, "2019/eindformulier.csv", 1, "Ontwikkeling Verslaving", "verplichte kolom ontbreekt")
    # a whole title row above does not hide it: the row that comes closest is named
    path = tmp_path / "2019" / "eindformulier.csv"
    path.write_bytes("\ufeffEindformulieren 2019\r\n".encode("utf-8") + path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    _expect_structural(tmp_path, "2019/eindformulier.csv", 2, "Ontwikkeling Verslaving", "verplichte kolom ontbreekt")


def test_form_without_any_link_column_stops(tmp_path):
    minimal_export(tmp_path)
    write_table(tmp_path / "2019" / "contactformulier.csv", CONTACT_HEADERS[1:], [contact_row("x")[1:]])
    _expect_structural(tmp_path, "2019/contactformulier.csv", 1, "Casusnummer", "Naam cliënt")


def test_duplicated_case_number_with_conflicting_content_stops(tmp_path):
    minimal_export(tmp_path)
    write_table(
        tmp_path / "casuslijst.xlsx",
        CASELIST_HEADERS,
        [caselist_row("CIR-0001", "A B"), caselist_row("CIR-0002", "C D"), caselist_row(" cir-0001", "A B", team="VT Onderzoek")],
    )
    _expect_structural(tmp_path, "casuslijst.xlsx", 4, "Casusnummer", "rij 2")


def test_two_files_for_one_form_and_unreadable_file_stop(tmp_path):
    minimal_export(tmp_path)
    (tmp_path / "2019" / "eindformulier_v2.xlsx").write_bytes(b"this is not a zip file")
    with pytest.raises(StructuralError, match="twee bestanden"):
        process_exports(tmp_path, PEIL)
    (tmp_path / "2019" / "eindformulier.csv").unlink()
    err = _expect_structural(tmp_path, "2019/eindformulier_v2.xlsx", None, None, "geen leesbare Excel-werkmap")
    assert "sla het opnieuw op" in str(err) and "zip" not in str(err).casefold()


def test_missing_caselist_stops(tmp_path):
    minimal_export(tmp_path)
    (tmp_path / "casuslijst.xlsx").unlink()
    with pytest.raises(StructuralError, match="casuslijst ontbreekt"):
        process_exports(tmp_path, PEIL)


# ----------------------------------------------------------------------------- real exports, real mess


def test_empty_rows_are_dropped_and_named_by_their_one_cell(tmp_path):
    minimal_export(tmp_path)
    rows = [
        caselist_row("CIR-0001", "Zoë de Wit", exp_start=dt.date(2019, 2, 1), exp_end=dt.date(2019, 12, 1)),
        caselist_row("CIR-0002", "Piet Bakker"),
        caselist_row("CIR-0003", "Kees Smit"),
        ["Totaal aantal casussen: 3"] + [None] * (len(CASELIST_HEADERS) - 1),
        [None] * len(CASELIST_HEADERS),  # no cell at all: not data, not reported
        [None, None, None, None, None, None, None, None, None, None, None, "alleen een opmerking"],
    ]
    write_table(tmp_path / "casuslijst.xlsx", CASELIST_HEADERS, rows)
    write_table(
        tmp_path / "2019" / "contactformulier.csv",
        CONTACT_HEADERS + ["Notitie"],
        [
            contact_row("CIR-0001") + [None],
            ["CIR-0001"] + [None] * 7,
            [None] * 7 + ["los"],
            [None, "31-02-2019", None, None, None, None, None, None],
        ],
    )  # one invalid date alone: an empty row
    processed = process_exports(tmp_path, PEIL)
    assert dq_lines(processed) == [
        ("casuslijst.xlsx", 5, "Casusnummer", "empty_row"),
        ("casuslijst.xlsx", 7, "Opmerkingen", "empty_row"),
        ("2019/contactformulier.csv", 3, "Casusnummer", "empty_row"),
        ("2019/contactformulier.csv", 4, "Notitie", "empty_row"),  # a column the codebook does not know: as written
        ("2019/contactformulier.csv", 5, "Datum contact", "empty_row"),
    ]
    assert statuses(processed, "casuslijst.xlsx") == ["kept", "kept", "kept", "empty_row", "empty_row"]
    assert processed.data_quality.loc[0, "action"] == "rij verwijderd"


def test_title_rows_and_an_explanation_sheet_are_not_data(tmp_path):
    import openpyxl

    minimal_export(tmp_path)
    wb = openpyxl.Workbook()
    wb.active.title = "Uitleg"
    wb.active["A1"] = "Toelichting bij de casuslijst: één rij per casus."
    wb.active["A3"] = "Casusnummer: het nummer uit de registratie"  # mentions a column: still not a header row
    sheet = wb.create_sheet("Casussen")
    sheet.append(["Casuslijst De Cirkel is Rond"])
    sheet.append([])
    sheet.append(CASELIST_HEADERS)
    sheet.append(caselist_row("CIR-0001", "Zoë de Wit", exp_start=dt.date(2019, 2, 1), exp_end=dt.date(2019, 12, 1)))
    sheet.append(
        caselist_row("CIR-0002", "Piet Bakker", team="VT Casusregie", target="Pleger", expert="Bram Vos", exp_end="31-02-2020")
    )
    sheet.append(caselist_row("CIR-0003", "Kees Smit"))
    wb.create_sheet("Leeg")
    wb.save(tmp_path / "casuslijst.xlsx")
    processed = process_exports(tmp_path, PEIL)
    assert processed.caselist.mapped.raw.sheet == "Casussen"
    assert processed.caselist.rows.tolist() == [4, 5, 6]  # the spreadsheet's own row numbers
    assert dq_lines(processed) == [("casuslijst.xlsx", 5, "Einde ervaringsdeskundige", "invalid_date")]


def test_header_below_row_10_or_on_no_sheet_names_the_closest_sheet_and_row(tmp_path):
    import openpyxl

    minimal_export(tmp_path)
    wb = openpyxl.Workbook()
    wb.active.title = "Uitleg"
    data = wb.create_sheet("Data")
    data.append(["Overzicht"])
    data.append([h for h in CASELIST_HEADERS if h != "Team"])
    wb.save(tmp_path / "casuslijst.xlsx")
    err = _expect_structural(tmp_path, "casuslijst.xlsx", 2, "Team", "verplichte kolom ontbreekt: 'Team'")
    assert err.sheet == "Data" and "tabblad 'Data'" in str(err)
    wb = openpyxl.Workbook()
    for _ in range(10):
        wb.active.append(["titel"])
    wb.active.append(CASELIST_HEADERS)
    wb.save(tmp_path / "casuslijst.xlsx")
    with pytest.raises(StructuralError, match="eerste 10 rijen"):
        process_exports(tmp_path, PEIL)


def test_formula_without_saved_value_stops_with_its_cell(tmp_path):
    import openpyxl

    minimal_export(tmp_path)
    wb = openpyxl.Workbook()
    wb.active.title = "Blad1"
    wb.active.append(CASELIST_HEADERS)
    wb.active.append(caselist_row("CIR-0001", "Zoë de Wit", exp_start="=DATE(2019,2,1)", exp_end=dt.date(2019, 12, 1)))
    wb.active.append(caselist_row("CIR-0002", "Piet Bakker"))
    wb.save(tmp_path / "casuslijst.xlsx")  # openpyxl saves formulas without their values, as any script does
    err = _expect_structural(tmp_path, "casuslijst.xlsx", 2, "Start ervaringsdeskundige", "formule zonder opgeslagen waarde")
    assert err.sheet == "Blad1" and "open het bestand in Excel en sla het opnieuw op" in str(err)


def test_a_column_mostly_in_an_unread_format_stops_but_a_few_bad_cells_do_not(tmp_path):
    minimal_export(tmp_path)
    rows = [contact_row("CIR-0001", date=f"2019/03/{d:02d}") for d in range(1, 6)] + [
        contact_row("CIR-0001", date=f"{d:02d}-04-2019") for d in range(1, 5)
    ]
    write_table(tmp_path / "2019" / "contactformulier.csv", CONTACT_HEADERS, rows)
    err = _expect_structural(tmp_path, "2019/contactformulier.csv", 2, "Datum contact", "'2019/03/01'")
    assert (
        "5 van de 9 ingevulde cellen zijn niet te lezen als een datum" in str(err)
        and "rijen 2, 3, 4, ..." in str(err)
        and "dd-mm-jjjj" in str(err)
    )
    rows[4] = contact_row("CIR-0001", date="07-05-2019")  # four bad cells: value problems, the run goes on
    write_table(tmp_path / "2019" / "contactformulier.csv", CONTACT_HEADERS, rows)
    assert [line[3] for line in dq_lines(process_exports(tmp_path, PEIL))].count("invalid_date") == 4
    rows = [contact_row("CIR-0001", date=f"{d:02d}-05-2019", hours="1 uur" if d <= 5 else 1.0) for d in range(1, 11)]
    write_table(tmp_path / "2019" / "contactformulier.csv", CONTACT_HEADERS, rows)
    err = _expect_structural(tmp_path, "2019/contactformulier.csv", 2, "Duur contact (uren)", "'1 uur'")
    assert "5 van de 10" in str(err)


def test_a_run_with_no_analysed_case_stops_with_the_likely_cause(tmp_path):
    minimal_export(tmp_path)
    rows = [caselist_row(f"CIR-000{i}", f"Naam {i}", exp_start="2019/02/01") for i in (1, 2, 3)]
    write_table(tmp_path / "casuslijst.xlsx", CASELIST_HEADERS, rows)
    err = _expect_structural(
        tmp_path, "casuslijst.xlsx", None, "Start ervaringsdeskundige", "geen enkele casus wordt geanalyseerd"
    )
    assert "leeg of onleesbaar" in str(err)
    rows = [caselist_row(f"CIR-000{i}", f"Naam {i}", exp_start="01-03-2021") for i in (1, 2, 3)]
    write_table(tmp_path / "casuslijst.xlsx", CASELIST_HEADERS, rows)
    _expect_structural(tmp_path, "casuslijst.xlsx", None, "Start ervaringsdeskundige", "gestart op of na de peildatum 01-01-2021")


def test_a_year_folder_without_any_kept_row_stops_with_the_likely_cause(tmp_path):
    minimal_export(tmp_path)
    write_table(tmp_path / "2020" / "contactformulier.csv", CONTACT_HEADERS, [contact_row("CIR-9001"), contact_row("CIR-9002")])
    err = _expect_structural(tmp_path, "2020", None, None, "geen rij is aan een casus op de casuslijst te koppelen")
    assert err.folder and "map 2020/" in str(err)
    assert "2 × niet te koppelen aan een casus" in str(err)
    write_table(tmp_path / "2020" / "contactformulier.csv", CONTACT_HEADERS, [contact_row("CIR-0001", date="02-01-2021")])
    _expect_structural(tmp_path, "2020", None, None, "op of na de peildatum 01-01-2021")
    (tmp_path / "2020" / "contactformulier.csv").unlink()  # an empty year folder is fine
    assert process_exports(tmp_path, PEIL).caselist is not None


@given(st.lists(st.sampled_from(["yes", "no", "unknown", None]), max_size=30))
def test_yes_no_answers_become_true_false_or_blank(codes):
    """A yes/no column's code keys: ``yes`` → True, ``no`` → False, anything else (unknown, blank) → NA."""
    from pipeline.ingest import _yes_no

    series = pd.Series(codes, dtype="string", index=range(10, 10 + len(codes)))
    expected = pd.Series(
        [True if c == "yes" else False if c == "no" else pd.NA for c in codes], dtype="boolean", index=series.index
    )
    pd.testing.assert_series_equal(_yes_no(series), expected)
