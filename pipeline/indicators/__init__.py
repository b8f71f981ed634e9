"""Indicators per knowledge question, and the key figures (``kerncijfers.json``).

Every definition is that of docs/definitions.md (the project's copy of the indicator contract).
All figures are over analysed cases and their kept forms, except the flow and the non-case
contacts. :func:`compute_indicators` returns the key figures (a nested dict with exactly the
contract's keys, unrounded, ``None`` where a denominator is 0) and the tidy tables (one per
report table or figure, long format: group columns, ``measure``, ``value``, ``n``). Nothing here
is suppressed: suppression of small cells belongs to the report.

One module per group of knowledge questions, over :mod:`~pipeline.indicators.tidy`:

- :mod:`~pipeline.indicators.cases`: registrations, cases, background, experts (questions 1, 8);
- :mod:`~pipeline.indicators.timing`: lead time and duration with Kaplan-Meier (questions 7, 9);
- :mod:`~pipeline.indicators.contacts`: contacts, hours, contact type, network (question 1);
- :mod:`~pipeline.indicators.outcomes`: problems, closure, aftercare, safety (questions 10, 11);
- :mod:`~pipeline.indicators.experience`: client interviews and open answers (questions 2, 3);
- :mod:`~pipeline.indicators.noncase`: contacts with people not in a case (question 12).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import atomic
from pipeline.codebook import Codebook, load_codebook
from pipeline.indicators.analysed import Analysed, analysed_view, large_export
from pipeline.indicators.cases import background_figures, case_figures, expert_figures, flow_figures
from pipeline.indicators.contacts import contact_figures
from pipeline.indicators.experience import open_answer_tables, survey_figures
from pipeline.indicators.noncase import noncase_figures
from pipeline.indicators.outcomes import closure_figures, problem_figures, safety_figures
from pipeline.indicators.tidy import plain
from pipeline.indicators.timing import duration_figures, lead_time_figures
from pipeline.load import CleanData
from pipeline.parallel import Background, in_background


@dataclass
class Indicators:
    """The indicator stage's result: key figures and tidy tables."""

    kerncijfers: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


# Tables the report does not show, written for analysts (data/indicators/tables/<name>.csv);
# every other table is read by the report or a figure (a test keeps the two lists complete).
ANALYST_TABLES = {
    "aftercare": "aftercare after closure (end form or case list), by doelgroep (question 11)",
    "background": "client background at the start (sex, age band, children), by doelgroep",
    "contact_partner": "with whom the contacts were (client, professional, both), from the year the question exists",
    "experts": "experts of analysed cases per start year, and cases per expert",
    "noncase_by_year": "conversations with people not in a case, per year",
    "organisations_network_forms": "organisations and network as % of contact forms (the 2018-2020 report's base)",
    "registrations_by_year": "kept forms per kind and year folder",
}

# Columns of the clean tables that no indicator reads: the indicators stage does not load them.
# The contact forms are read batch by batch, only their columns of ``contacts.contact_columns``.
NOT_READ = {
    "noncase_contacts": ["source_file", "source_row", "expert_id", "date", "advised_help_text"],
}

KEY_ORDER = [
    "flow",
    "forms",
    "cases",
    "background",
    "lead_time_days",
    "duration_days",
    "contacts",
    "problems",
    "closure",
    "safety",
    "aftercare",
    "experts",
    "survey",
    "noncase",
]


def compute_indicators(
    clean: CleanData,
    peildatum: dt.date,
    min_group_n: int = 5,
    forms_unlinked: int = 0,
    codebook: Codebook | None = None,
    coded_sheet: Path | None = None,
) -> Indicators:
    """Every indicator of docs/definitions.md from the clean tables.

    ``forms_unlinked`` is the number of form rows dropped by rule ``unknown_case`` (the ingest
    stage's manifest holds it). ``coded_sheet``: the researchers' coded open answers (optional;
    see :mod:`pipeline.coding`). ``min_group_n`` is not applied here (the key figures are
    unsuppressed); it is recorded with the tables so that the report suppresses consistently.
    """
    cb = codebook or load_codebook()
    a = analysed_view(clean, cb)  # may fork a worker for the contact forms
    # the open answers of a large export in another worker meanwhile (they read only the clean
    # tables); both fork before the scipy thread below starts (the first worker's pool runs two
    # threads of its own, which only pass its messages)
    open_answers = in_background(lambda: open_answer_tables(clean, cb, coded_sheet), enabled=large_export(clean))
    try:
        return _compute(clean, cb, a, open_answers, peildatum, forms_unlinked)
    finally:  # after an error nobody asks for the workers' results: they stop
        for task in (a.contacts_given, open_answers):
            if isinstance(task, Background):
                task.close()


def _compute(
    clean: CleanData, cb: Codebook, a: Analysed, open_answers: Background, peildatum: dt.date, forms_unlinked: int
) -> Indicators:
    """The parts of :func:`compute_indicators`, in the order of the key figures and tables."""
    # scipy.stats takes about half a second to import: in a thread while the first parts are
    # computed (its first use waits for it).
    threading.Thread(target=importlib.import_module, args=("scipy.stats",), daemon=True).start()
    parts = {
        "flow": lambda: flow_figures(clean, a, forms_unlinked),
        "cases": lambda: case_figures(a, cb),
        "background": lambda: background_figures(a, cb),
        "lead_time": lambda: lead_time_figures(a, cb),
        "duration": lambda: duration_figures(a, cb, peildatum),
        "contacts": lambda: contact_figures(a, cb),
        "problems": lambda: problem_figures(a, cb),
        "closure": lambda: closure_figures(a, cb),
        "safety": lambda: safety_figures(a, cb),
        "experts": lambda: expert_figures(a),
        "survey": lambda: survey_figures(a, cb),
        "noncase": lambda: noncase_figures(clean, cb),
        "open_answers": lambda: ({}, open_answers()),
    }
    # What waits for a worker process (the contact forms' sums, the open answers) comes last.
    last = ("flow", "contacts", "open_answers")
    done = {name: part() for name, part in parts.items() if name not in last}
    done.update({name: parts[name]() for name in last})
    kerncijfers: dict = {}
    tables: dict[str, pd.DataFrame] = {}
    for name in parts:
        figures, part_tables = done[name]
        kerncijfers.update(figures)
        tables.update(part_tables)
    kerncijfers = {key: kerncijfers[key] for key in KEY_ORDER}
    return Indicators(kerncijfers=_jsonable(kerncijfers), tables=tables)


def _jsonable(value: object) -> object:
    """Nested dict with plain Python numbers; NaN becomes ``None``."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return plain(value)


def kerncijfers_json(kerncijfers: dict) -> str:
    """The key figures as JSON text (stable key order, no NaN)."""
    return json.dumps(kerncijfers, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_indicators(result: Indicators, tables_dir: Path, kerncijfers_path: Path) -> None:
    """Write the tidy tables (csv, one per table) and ``kerncijfers.json``, each atomically."""
    with atomic.replace_dir(Path(tables_dir)) as staging:
        for name, frame in sorted(result.tables.items()):
            frame.to_csv(staging / f"{name}.csv", index=False, lineterminator="\n")
    atomic.write_text(Path(kerncijfers_path), kerncijfers_json(result.kerncijfers))
