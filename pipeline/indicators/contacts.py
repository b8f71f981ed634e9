"""Knowledge question 1 (time investment): contacts and hours per closed case, contact type and
partner, the organisations and the client's own network involved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import stats
from pipeline.codebook import Codebook
from pipeline.indicators.analysed import Analysed
from pipeline.indicators.tidy import TOTAL, Table


@dataclass
class ContactAggregates:
    """What the indicators need of the contact forms of analysed cases, summed as they are read:
    per case (rows in the order of ``cases``) and over all forms. Built from one table in memory
    or from the parquet file batch by batch, so that millions of contact rows never have to be
    in memory at once."""

    forms: np.ndarray  # per case: contact forms
    hours: np.ndarray  # per case: sum of the durations (a blank adds 0)
    types: np.ndarray  # per case × contact type: forms of that type
    network_any: np.ndarray  # per case × network code: any form names it
    asked: np.ndarray  # per case: forms that had the organisations question
    orgs_any: np.ndarray  # per case × organisation: any form that had the question names it
    partner: np.ndarray  # per contact partner: forms
    asked_orgs: np.ndarray  # per organisation: forms (that had the question) naming it
    network_answered: int = 0  # forms naming at least one network answer
    network_forms: np.ndarray | None = None  # per network code: forms naming it (of those)
    by_year_folder: dict[str, int] | None = None  # forms per year folder

    @property
    def total(self) -> int:
        return int(self.forms.sum())


CONTACT_COLUMNS = ["case_id", "year_folder", "contact_type", "contact_with", "hours", "organisations_asked", "network_n"]


def contact_columns(cb: Codebook) -> list[str]:
    """The columns of the contact forms the indicators read."""
    return [*CONTACT_COLUMNS, *(f"org_{c}" for c in cb.codes("organisation")), *(f"network_{c}" for c in cb.codes("network"))]


def _code_numbers(values: pd.Series, codes: list[str]) -> np.ndarray:
    """The number of each value's code in ``codes`` (0-based); -1 for a blank or another value."""
    found, distinct = pd.factorize(values)  # blank: -1
    number = {code: i for i, code in enumerate(codes)}
    lookup = np.array([number.get(value, -1) for value in distinct] + [-1], dtype=np.int64)
    return lookup[found]  # -1 picks the last entry: blank stays -1


def _positions(index: pd.Index, case_ids: pd.Series) -> np.ndarray:
    """The position in ``index`` of each form's case id, -1 where it is not there (a categorical
    column is looked up once per distinct id)."""
    if isinstance(case_ids.dtype, pd.CategoricalDtype):
        found = index.get_indexer(case_ids.cat.categories)
        codes = case_ids.cat.codes.to_numpy()
        return np.where(codes >= 0, found[np.maximum(codes, 0)] if len(found) else -1, -1)
    return index.get_indexer(case_ids)


def aggregate_contacts(batches: Iterable[pd.DataFrame], cases: pd.DataFrame, cb: Codebook) -> ContactAggregates:
    """:class:`ContactAggregates` of the forms in ``batches`` that belong to a case of ``cases``."""
    n = len(cases)
    index = pd.Index(cases["case_id"])
    types, partners = cb.codes("contact_type"), cb.codes("contact_partner")
    orgs, network = cb.codes("organisation"), cb.codes("network")
    a = ContactAggregates(
        forms=np.zeros(n, dtype=np.int64),
        hours=np.zeros(n, dtype=float),
        types=np.zeros((n, len(types)), dtype=np.int64),
        network_any=np.zeros((n, len(network)), dtype=bool),
        asked=np.zeros(n, dtype=np.int64),
        orgs_any=np.zeros((n, len(orgs)), dtype=bool),
        partner=np.zeros(len(partners), dtype=np.int64),
        asked_orgs=np.zeros(len(orgs), dtype=np.int64),
        network_forms=np.zeros(len(network), dtype=np.int64),
        by_year_folder={},
    )
    for batch in batches:
        position = _positions(index, batch["case_id"])
        mine = position >= 0
        if not mine.all():
            batch, position = batch[mine], position[mine]
        if not len(batch):
            continue
        a.forms += np.bincount(position, minlength=n)
        a.hours += np.bincount(position, weights=batch["hours"].astype("Float64").fillna(0).to_numpy(dtype=float), minlength=n)
        kind = _code_numbers(batch["contact_type"], types)
        known = kind >= 0
        cells = np.bincount(position[known] * len(types) + kind[known], minlength=n * len(types))
        a.types += cells.reshape(n, len(types))
        partner = _code_numbers(batch["contact_with"], partners)
        a.partner += np.bincount(partner[partner >= 0], minlength=len(partners))
        for j, code in enumerate(network):
            named = batch[f"network_{code}"].to_numpy(dtype=bool)
            a.network_any[position[named], j] = True
        answered = (batch["network_n"] > 0).to_numpy()
        a.network_answered += int(answered.sum())
        a.network_forms += [int(batch[f"network_{code}"].to_numpy(dtype=bool)[answered].sum()) for code in network]
        asked = (
            batch["organisations_asked"].to_numpy(dtype=bool) if "organisations_asked" in batch else np.zeros(len(batch), bool)
        )
        a.asked += np.bincount(position[asked], minlength=n)
        for j, code in enumerate(orgs):
            named = batch[f"org_{code}"].to_numpy(dtype=bool) & asked
            a.orgs_any[position[named], j] = True
            a.asked_orgs[j] += int(named.sum())
        for year, count in batch["year_folder"].value_counts().items():
            a.by_year_folder[str(year)] = a.by_year_folder.get(str(year), 0) + int(count)
    return a


def contact_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Contacts and hours per closed case, contact type, contact partner, organisations, network."""
    cases = a.cases
    agg = a.contacts
    has_forms = agg.forms > 0
    per_case = pd.DataFrame(
        {"contacts": agg.forms[has_forms], "hours": agg.hours[has_forms]},
        index=pd.Index(cases["case_id"].to_numpy()[has_forms], name="case_id"),
    )
    closed = cases[cases["closed"].astype(bool)].join(per_case, on="case_id", how="inner")

    def summary(frame: pd.DataFrame) -> dict:
        return {
            "closed_cases_n": int(len(frame)),
            "per_closed_case_mean": stats.mean(frame["contacts"]),
            "hours_per_closed_case_mean": stats.mean(frame["hours"]),
        }

    type_codes = cb.codes("contact_type")
    type_totals = agg.types.sum(axis=0)
    typed_n = int(type_totals.sum())
    partner_n = int(agg.partner.sum())
    figures = {
        **summary(closed),
        "type_pct": {k: stats.pct(int(type_totals[j]), typed_n) for j, k in enumerate(type_codes)},
        "by_target": {k: summary(closed[closed["target"] == k]) for k in cb.codes("target")},
        "by_start_year": {str(y): summary(closed[closed["start_year"] == y]) for y in a.years},
        "partner_pct": {k: stats.pct(int(agg.partner[j]), partner_n) for j, k in enumerate(cb.codes("contact_partner"))},
    }
    per_closed = Table(["breakdown", "group"])
    for breakdown, key, frame in [
        ("total", TOTAL, closed),
        *(("target", t, closed[closed["target"] == t]) for t in cb.codes("target")),
        *(("start_year", y, closed[closed["start_year"] == y]) for y in a.years),
    ]:
        n = int(len(frame))
        for measure, column in [("contacts", "contacts"), ("hours", "hours")]:
            ci = stats.mean_ci(frame[column])
            per_closed.add((breakdown, key), f"{measure}_mean", ci.mean, n)
            per_closed.add((breakdown, key), f"{measure}_ci_low", ci.low, n)
            per_closed.add((breakdown, key), f"{measure}_ci_high", ci.high, n)
            per_closed.add((breakdown, key), f"{measure}_median", stats.median(frame[column]), n)
            per_closed.add((breakdown, key), f"{measure}_sum", float(frame[column].sum()) if n else None, n)
    # report table 9: share of contact forms per type; by doelgroep and by the start year of the case
    kind = Table(["breakdown", "group", "contact_type"])
    target = cases["target"].to_numpy(dtype=object)
    everyone = np.ones(len(cases), dtype=bool)
    groups = [("total", TOTAL, everyone)]
    groups += [("target", t, cases["target"].eq(t).fillna(False).to_numpy(dtype=bool)) for t in cb.codes("target")]
    groups += [("start_year", y, cases["start_year"].eq(y).fillna(False).to_numpy(dtype=bool)) for y in a.years]
    for breakdown, group, members in groups:
        counts = agg.types[members].sum(axis=0)
        f_typed = int(counts.sum())
        n_cases = int((has_forms & members).sum())
        for j, k in enumerate(type_codes):
            kind.add((breakdown, group, k), "forms", int(counts[j]), f_typed)
            kind.add((breakdown, group, k), "pct", stats.pct(int(counts[j]), f_typed), f_typed)
        kind.add((breakdown, group, TOTAL), "cases_with_contact", n_cases, n_cases)
    partner_table = Table(["contact_with"])
    for k in cb.codes("contact_partner"):
        partner_table.add(k, "pct", figures["partner_pct"][k], partner_n)
    involved = Table(["question", "answer"])
    asked_n = int(agg.asked.sum())
    for j, code in enumerate(cb.codes("organisation")):
        involved.add(("organisations", code), "pct_forms", stats.pct(int(agg.asked_orgs[j]), asked_n), asked_n)
    for j, code in enumerate(cb.codes("network")):
        named = int(agg.network_forms[j])
        involved.add(("network", code), "pct_forms", stats.pct(named, agg.network_answered), agg.network_answered)
    # per case (report table 11): a case "has" a network member when any of its contact forms names
    # them; "none" = no contact form of the case names anyone but "none"
    network_codes = cb.codes("network")
    members = [j for j, c in enumerate(network_codes) if c != "none"]
    per_case_net = pd.DataFrame(
        {f"network_{network_codes[j]}": agg.network_any[has_forms, j] for j in members},
        index=cases["case_id"].to_numpy()[has_forms],
    )
    per_case_net["network_none"] = ~per_case_net.any(axis=1)
    per_case_net["target"] = target[has_forms]
    with_question = agg.asked > 0
    per_case_orgs = pd.DataFrame(
        {f"org_{code}": agg.orgs_any[with_question, j] for j, code in enumerate(cb.codes("organisation"))},
        index=cases["case_id"].to_numpy()[with_question],
    )
    per_case_orgs["target"] = target[with_question]
    by_case = {}
    for name, frame, codes, prefix in [
        ("network_by_case", per_case_net, cb.codes("network"), "network_"),
        ("organisations_by_case", per_case_orgs, cb.codes("organisation"), "org_"),
    ]:
        table = Table(["target", "answer"])  # report tables 10 and 11: cases whose contact forms name the answer
        for target_code, part in [(TOTAL, frame), *((t, frame[frame["target"] == t]) for t in cb.codes("target"))]:
            n = int(len(part))
            for code in codes:
                count = int(part[f"{prefix}{code}"].sum()) if n else 0
                table.add((target_code, code), "cases", count, n)
                table.add((target_code, code), "pct_cases", stats.pct(count, n), n)
        by_case[name] = table.frame()
    return {"contacts": figures}, {
        "contacts_per_closed_case": per_closed.frame(),
        "contact_type": kind.frame(),
        "contact_partner": partner_table.frame(),
        "organisations_network_forms": involved.frame(),
        **by_case,
    }
