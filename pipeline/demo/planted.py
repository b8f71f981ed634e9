"""The mess real exports carry, planted on purpose in the simulated rows (each once, where the
data allows it), so that every data-quality rule of the contract fires on the demo export.

Each planted problem is recorded as ``(problem, where)``; the demo folder's README describes them
in Dutch (``README.md.j2``).
"""

from __future__ import annotations

import datetime as dt

from pipeline.codebook import Codebook
from pipeline.demo.simulation import Case, FormRows, Simulation


def plant_in_forms(sim: Simulation, rows_by_file: FormRows, years: list[int], peil: dt.date, cb: Codebook) -> None:
    """Problems inside the forms: an unknown client, a second start form, an exact duplicate row,
    unreadable dates, a form dated after the peildatum, a safety score out of range and an
    interview with an unknown case number."""
    by_form = {form: [(y, r) for (y, f), rows in sorted(rows_by_file.items()) for r in rows if f == form] for form in cb.forms}
    planted = sim.planted
    name_keyed_years = [y for y in years if cb.name_keyed_until is not None and y <= cb.name_keyed_until]
    # a start form of a client who is not on the case list, in a name-keyed year
    if name_keyed_years and (name_keyed_years[0], "startformulier") in rows_by_file:
        year = name_keyed_years[0]
        ghost = Case(
            "",
            sim.client_name("female"),
            cb.codes("team")[0],
            cb.codes("target")[0],
            [sim.experts[0]],
            dt.date(year, 3, 1),
            None,
            dt.date(year, 3, 1),
            None,
            None,
            dt.date(1990, 4, 4),
            "female",
        )
        sim.identifiers.update({ghost.name, "04-04-1990", "1990-04-04"})
        template = dict(rows_by_file[(year, "startformulier")][0])
        template.update({"_case": ghost, "date_filled": dt.date(year, 3, 5), "birth_date": ghost.birth})
        rows_by_file[(year, "startformulier")].append(template)
        planted.append(("unknown_client", f"{year}/startformulier"))
    # a second start form for a case, filled in later
    starts = by_form["startformulier"]
    if len(starts) > 10:
        year, row = starts[len(starts) // 2]
        later = row["date_filled"] + dt.timedelta(days=30)
        if later.year == year and later < peil:
            rows_by_file[(year, "startformulier")].append(dict(row, date_filled=later, _second=True))
            planted.append(("second_form", f"{year}/startformulier"))
    contacts = by_form["contactformulier"]
    if len(contacts) > 20:
        year, row = contacts[5]
        rows_by_file[(year, "contactformulier")].insert(6, dict(row))
        planted.append(("duplicate_row", f"{year}/contactformulier"))
        year, row = contacts[len(contacts) // 3]
        row["date"] = "31-02-" + str(year)
        planted.append(("impossible_date", f"{year}/contactformulier"))
        year, row = contacts[len(contacts) // 2]
        row["date"] = "2 maart " + str(year)
        planted.append(("date_in_words", f"{year}/contactformulier"))
        last_year = years[-1]
        if (last_year, "contactformulier") in rows_by_file and peil.year == last_year + 1:
            template = dict(rows_by_file[(last_year, "contactformulier")][-1])
            template["date"] = peil + dt.timedelta(days=2)
            rows_by_file[(last_year, "contactformulier")].append(template)
            planted.append(("after_peildatum", f"{last_year}/contactformulier"))
    ends = by_form["eindformulier"]
    if len(ends) > 5:
        year, row = ends[2]
        row["safety_client"] = 12
        planted.append(("safety_out_of_range", f"{year}/eindformulier"))
    surveys = by_form["clientervaring"]
    if surveys:
        year, row = surveys[0]
        unknown = sim.settings.number(9999)
        rows_by_file[(year, "clientervaring")].append(dict(row, _case=None, _number=unknown))
        sim.identifiers.add(unknown)
        planted.append(("unknown_case_number", f"{year}/clientervaring"))


def plant_in_cases(sim: Simulation, cases: list[Case]) -> None:
    """Problems in the case list's dates: an end before the start, an expert before the professional."""
    analysed = [c for c in cases if c.has_forms and c.expert_end is not None]
    if len(analysed) > 10:
        bad = analysed[3]
        bad.expert_end = bad.expert_start - dt.timedelta(days=12)
        sim.planted.append(("end_before_start", bad.number))
        early = analysed[7]
        early.professional_start = early.expert_start + dt.timedelta(days=9)
        sim.planted.append(("expert_before_professional", early.number))


def plant_in_caselist_rows(sim: Simulation, rows: list[dict]) -> None:
    """Problems in the case list's rows: a date typed as a word, a case listed twice."""
    if len(rows) > 10:
        rows[4]["aftercare_end"] = "onbekend"
        sim.planted.append(("date_as_word", rows[4]["case_number"]))
        rows.insert(9, dict(rows[8]))
        sim.planted.append(("case_listed_twice", rows[8]["case_number"]))
