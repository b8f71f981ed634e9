"""The analysed cases and the kept forms that belong to them: the base of nearly every indicator.

The contact forms are not kept as a table but summed per case as they are read
(:class:`~pipeline.indicators.contacts.ContactAggregates`): they are the one form with many rows
per case, and on a large export they are read from parquet batch by batch."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.codebook import Codebook
from pipeline.load import CleanData, LazyTable
from pipeline.vector import python_strings


def contact_batches(contact_forms: pd.DataFrame | LazyTable, codebook: Codebook):
    """The contact forms as batches: the table in memory, or the parquet file's row groups."""
    from pipeline.indicators.contacts import contact_columns

    if isinstance(contact_forms, LazyTable):
        return contact_forms.batches(contact_columns(codebook), categorical=("case_id",))
    return [contact_forms]


# Contact forms from which they are summed in a worker process beside the other indicators.
BACKGROUND_MIN_ROWS = 250_000


@dataclass
class Analysed:
    """Analysed cases and the kept forms that belong to them. ``contacts`` may be given as a
    function that returns them (summed in a worker process meanwhile): asked for, they are there."""

    cases: pd.DataFrame
    start_forms: pd.DataFrame
    contacts_given: object  # ContactAggregates, or a function returning them
    end_forms: pd.DataFrame
    client_survey: pd.DataFrame
    years: list[int]

    @property
    def contacts(self):
        """The :class:`~pipeline.indicators.contacts.ContactAggregates`."""
        if callable(self.contacts_given):
            self.contacts_given = self.contacts_given()
        return self.contacts_given


def large_export(clean: CleanData) -> bool:
    """Whether the contact forms are many enough for work beside the main process to pay
    (:data:`BACKGROUND_MIN_ROWS`; read lazily from parquet)."""
    forms = clean.contact_forms
    return isinstance(forms, LazyTable) and forms.num_rows() >= BACKGROUND_MIN_ROWS


def analysed_view(clean: CleanData, codebook: Codebook) -> Analysed:
    """Restrict the clean tables to analysed cases; forms carry their case's team, target, start year.
    The contact forms of a large export are summed in a worker process while the caller goes on
    (:data:`BACKGROUND_MIN_ROWS`)."""
    cases = clean.cases[clean.cases["analysed"].astype(bool)].copy()
    cases["case_id"] = python_strings(cases["case_id"])  # here and in the forms: aligned on many times
    case_info = cases.set_index("case_id")[["team", "target", "start_year", "closed"]]

    def of_analysed(forms: pd.DataFrame) -> pd.DataFrame:
        positions = case_info.index.get_indexer(forms["case_id"])
        linked = positions >= 0
        kept = forms if linked.all() else forms[linked]
        info = case_info.iloc[positions[linked]].set_axis(kept.index)
        out = kept.copy(deep=False)  # the case's columns are added; the form's own are shared, not copied
        out["case_id"] = python_strings(kept["case_id"])
        for column in case_info.columns:
            out[column] = info[column]
        return out

    from pipeline.indicators.contacts import aggregate_contacts
    from pipeline.parallel import in_background

    years = sorted(int(y) for y in cases["start_year"].dropna().unique())
    forms = clean.contact_forms
    start_forms, end_forms, client_survey = (of_analysed(f) for f in (clean.start_forms, clean.end_forms, clean.client_survey))
    contacts = in_background(  # last: nothing here can fail once the worker runs
        lambda: aggregate_contacts(contact_batches(forms, codebook), cases, codebook),
        enabled=large_export(clean),
    )
    return Analysed(cases, start_forms, contacts, end_forms, client_survey, years)
