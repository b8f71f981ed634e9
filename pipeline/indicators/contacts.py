"""Knowledge question 1 (time investment): contacts and hours per closed case, contact type and
partner, the organisations and the client's own network involved."""

from __future__ import annotations

import pandas as pd

from pipeline import stats
from pipeline.codebook import Codebook
from pipeline.indicators.analysed import Analysed
from pipeline.indicators.tidy import TOTAL, Table


def contact_figures(a: Analysed, cb: Codebook) -> tuple[dict, dict]:
    """Contacts and hours per closed case, contact type, contact partner, organisations, network."""
    cases = a.cases
    contacts = a.contact_forms
    per_case = (
        contacts.assign(hours_filled=contacts["hours"].astype("Float64").fillna(0).astype(float))
        .groupby("case_id")
        .agg(contacts=("case_id", "size"), hours=("hours_filled", "sum"))
    )  # a blank duration adds 0
    closed = cases[cases["closed"].astype(bool)].join(per_case, on="case_id", how="inner")

    def summary(frame: pd.DataFrame) -> dict:
        return {
            "closed_cases_n": int(len(frame)),
            "per_closed_case_mean": stats.mean(frame["contacts"]),
            "hours_per_closed_case_mean": stats.mean(frame["hours"]),
        }

    typed = contacts["contact_type"].dropna()
    partner = contacts["contact_with"].dropna()
    figures = {
        **summary(closed),
        "type_pct": {k: stats.pct(int((typed == k).sum()), len(typed)) for k in cb.codes("contact_type")},
        "by_target": {k: summary(closed[closed["target"] == k]) for k in cb.codes("target")},
        "by_start_year": {str(y): summary(closed[closed["start_year"] == y]) for y in a.years},
        "partner_pct": {k: stats.pct(int((partner == k).sum()), len(partner)) for k in cb.codes("contact_partner")},
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
    typed_contacts = contacts[["case_id", "target", "start_year", "contact_type"]]
    groups = [("total", TOTAL, typed_contacts)]
    groups += [("target", t, typed_contacts[typed_contacts["target"] == t]) for t in cb.codes("target")]
    groups += [("start_year", y, typed_contacts[typed_contacts["start_year"] == y]) for y in a.years]
    for breakdown, group, frame in groups:
        f_typed = frame["contact_type"].dropna()
        n_cases = int(frame["case_id"].nunique())
        for k in cb.codes("contact_type"):
            kind.add((breakdown, group, k), "forms", int((f_typed == k).sum()), len(f_typed))
            kind.add((breakdown, group, k), "pct", stats.pct(int((f_typed == k).sum()), len(f_typed)), len(f_typed))
        kind.add((breakdown, group, TOTAL), "cases_with_contact", n_cases, n_cases)
    partner_table = Table(["contact_with"])
    for k in cb.codes("contact_partner"):
        partner_table.add(k, "pct", figures["partner_pct"][k], len(partner))
    involved = Table(["question", "answer"])
    asked = contacts[contacts["organisations_asked"].astype(bool)] if "organisations_asked" in contacts else contacts.iloc[0:0]
    for code in cb.codes("organisation"):
        n = int(asked[f"org_{code}"].sum()) if len(asked) else 0
        involved.add(("organisations", code), "pct_forms", stats.pct(n, len(asked)), len(asked))
    network_answered = contacts[contacts["network_n"] > 0]
    for code in cb.codes("network"):
        n = int(network_answered[f"network_{code}"].sum())
        involved.add(("network", code), "pct_forms", stats.pct(n, len(network_answered)), len(network_answered))
    # per case (report table 11): a case "has" a network member when any of its contact forms names
    # them; "none" = no contact form of the case names anyone other than "Geen"
    members = [c for c in cb.codes("network") if c != "none"]
    per_case_net = contacts.groupby("case_id")[[f"network_{c}" for c in members]].any()
    per_case_net["network_none"] = ~per_case_net.any(axis=1)
    per_case_net = per_case_net.join(cases.set_index("case_id")["target"])
    per_case_orgs = (
        contacts[contacts["organisations_asked"].astype(bool)]
        .groupby("case_id")[[f"org_{c}" for c in cb.codes("organisation")]]
        .any()
        .join(cases.set_index("case_id")["target"])
    )
    by_case = {}
    for name, frame, codes, prefix in [
        ("network_by_case", per_case_net, cb.codes("network"), "network_"),
        ("organisations_by_case", per_case_orgs, cb.codes("organisation"), "org_"),
    ]:
        table = Table(["target", "answer"])  # report tables 10 and 11: cases whose contact forms name the answer
        for target, part in [(TOTAL, frame), *((t, frame[frame["target"] == t]) for t in cb.codes("target"))]:
            n = int(len(part))
            for code in codes:
                count = int(part[f"{prefix}{code}"].sum()) if n else 0
                table.add((target, code), "cases", count, n)
                table.add((target, code), "pct_cases", stats.pct(count, n), n)
        by_case[name] = table.frame()
    return {"contacts": figures}, {
        "contacts_per_closed_case": per_closed.frame(),
        "contact_type": kind.frame(),
        "contact_partner": partner_table.frame(),
        "organisations_network_forms": involved.frame(),
        **by_case,
    }
