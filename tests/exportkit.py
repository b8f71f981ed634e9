"""Tiny hand-made export folders for tests: write a table as xlsx, Dutch csv or .sav.

Tables are given as a header list and rows of cells; the file extension decides the format (the
writers are the demo generator's, :mod:`pipeline.demo.writers`).
Headers default to the codebook's full forms so a test only writes the columns it is about.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.codebook import load_codebook
from pipeline.demo import writers

CB = load_codebook()
DEV_HEADERS = [c.header for n, c in CB.forms["eindformulier"].columns.items() if n.startswith("dev_")]


def write_table(
    path: Path,
    headers: list[str],
    rows: list[list[object]],
    *,
    encoding: str = "utf-8-sig",
    value_labels: dict[str, dict] | None = None,
) -> Path:
    """Write one export table with the demo generator's writers; ``.csv`` uses ``;`` and the decimal comma."""
    return writers.write_table(path, headers, rows, encoding=encoding, value_labels=value_labels)


CASELIST_HEADERS = [c.header for c in CB.forms["casuslijst"].columns.values()]


def caselist_row(
    number: str,
    name: str,
    team: str = "SG Ambulant",
    target: str = "Slachtoffer",
    expert: str = "Anna Jansen",
    expert2: str | None = None,
    prof_start: object = "01-01-2019",
    prof_end: object = None,
    exp_start: object = "01-02-2019",
    exp_end: object = None,
    aftercare_end: object = None,
    remarks: str | None = None,
) -> list[object]:
    return [number, name, team, target, expert, expert2, prof_start, prof_end, exp_start, exp_end, aftercare_end, remarks]


START_HEADERS = [
    "Casusnummer",
    "Datum invullen",
    "Ervaringsdeskundige",
    "Geboortedatum cliënt",
    "Geslacht cliënt",
    "Kinderen betrokken",
    "Aantal kinderen",
    "Cliënt zwanger",
    "Problematiek",
    "Doel van de inzet",
    "Veiligheid volgens cliënt",
    "Veiligheid volgens ervaringsdeskundige",
    "Veiligheid volgens casusverantwoordelijke",
]


def start_row(
    key: str,
    date: object = "05-02-2019",
    birth: object = "06-05-1980",
    sex: str = "Vrouw",
    problems: str = "Huiselijk geweld",
    safety=(5, 6, 7),
    goal: str | None = None,
) -> list[object]:
    return [key, date, "Anna Jansen", birth, sex, "Ja", 2, "Nee", problems, goal, *safety]


CONTACT_HEADERS = [
    "Casusnummer",
    "Datum contact",
    "Ervaringsdeskundige",
    "Soort contact",
    "Duur contact (uren)",
    "Netwerk betrokken",
    "Toelichting",
]


def contact_row(
    key: str,
    date: object = "10-02-2019",
    kind: str = "Telefonisch",
    hours: object = 1.5,
    network: str = "Geen",
    note: str | None = None,
) -> list[object]:
    return [key, date, "Anna Jansen", kind, hours, network, note]


END_HEADERS = [
    "Casusnummer",
    "Datum invullen",
    "Ervaringsdeskundige",
    "Reden afsluiten",
    *DEV_HEADERS,
    "Veiligheid volgens cliënt",
    "Veiligheid volgens ervaringsdeskundige",
    "Veiligheid volgens casusverantwoordelijke",
]


def end_row(
    key: str, date: object = "01-12-2019", reasons: str = "Doel bereikt", dev: str = "Afgenomen", safety=(8, 8, 8)
) -> list[object]:
    return [key, date, "Anna Jansen", reasons, *([dev] * len(DEV_HEADERS)), *safety]


SURVEY_HEADERS = [c.header for n, c in CB.forms["clientervaring"].columns.items() if c.type != "text"]


def survey_row(
    key: str, date: object = "15-12-2019", answers=("Ja", "Ja", "Ja", "Nee", "Ja", "Ja", "Nee"), grade: object = 8
) -> list[object]:
    return [key, date, *answers, grade]


NONCASE_HEADERS = [c.header for n, c in CB.forms["niet_casus_contacten"].columns.items() if c.type != "text"]


def noncase_row(
    date: object = "01-03-2020",
    kind: str = "Telefonisch",
    conversation: str | None = "Eerste gesprek",
    minutes: object = 30,
    seeker: str = "Slachtoffer",
    via: str = "Website",
    support: str = "Luisterend oor",
) -> list[object]:
    return [date, "Anna Jansen", kind, conversation, minutes, seeker, via, support]


def minimal_export(root: Path) -> Path:
    """A valid three-case export: one analysed case per year form kind, one case without forms."""
    write_table(
        root / "casuslijst.xlsx",
        CASELIST_HEADERS,
        [
            caselist_row("CIR-0001", "Zoë de Wit", exp_start=dt.date(2019, 2, 1), exp_end=dt.date(2019, 12, 1)),
            caselist_row("CIR-0002", "Piet Bakker", team="VT Casusregie", target="Pleger", expert="Bram Vos"),
            caselist_row("CIR-0003", "Kees Smit"),
        ],
    )
    write_table(root / "2019" / "startformulier.csv", START_HEADERS, [start_row("CIR-0001"), start_row("CIR-0002")])
    write_table(
        root / "2019" / "contactformulier.csv", CONTACT_HEADERS, [contact_row("CIR-0001"), contact_row("CIR-0001", hours=2.0)]
    )
    write_table(root / "2019" / "eindformulier.csv", END_HEADERS, [end_row("CIR-0001")])
    return root
