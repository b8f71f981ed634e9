"""Everything the report template needs: formatted tables, sentences' numbers, run metadata.

Each ``table_*`` function builds one numbered table of the report from the key figures and the
indicator tables; the template only places them, in the order of the 2018-2020 report, so that
the tables keep its numbers (Tabel 2 … Tabel 18) and new tables follow in the appendices.
Breakdown cells on fewer than ``min_group_n`` cases are shown as ``–`` (see :class:`Suppressor`);
totals are always shown with their n. Nothing is typed in: every number comes from the data.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.codebook import Codebook, load_codebook
from pipeline.fmt import fmt_int, fmt_number, fmt_pct
from pipeline.params import Params
from pipeline.report import DASH, NARRATIVE, Suppressor, Table, n_label, narrative, pipeline_version

TOTAL = "totaal"
TARGETS = {"victim": "Slachtoffers", "perpetrator": "Plegers"}
RATERS_NL = {"client": "Cliënt", "expert": "Ervaringsdeskundige", "professional": "Casusverantwoordelijke"}
SURVEY_ITEMS = {
    "click": "Klik met ervaringsdeskundige",
    "reachable": "Ervaringsdeskundige goed bereikbaar",
    "understood": "Voelde zich begrepen",
    "helped_solve": "Inzet hielp problemen oplossen",
    "would_recommend": "Zou ervaringsdeskundige aanraden",
    "leaflet_received": "Folder ontvangen",
    "leaflet_useful": "Folder nuttig (van wie hem ontving)",
}
BANDS = {"lt15": "Korter dan 15 minuten", "15_29": "15 tot 30 minuten", "30_59": "30 minuten tot 1 uur", "60plus": "1 uur of langer"}
RULES_NL = {
    "duplicate_row": "dubbele rij",
    "unknown_case": "formulier niet te koppelen aan een casus",
    "after_peildatum": "formulier gedateerd op of na de peildatum",
    "second_form": "tweede start- of eindformulier van een casus",
    "invalid_date": "onleesbare datum",
    "safety_out_of_range": "veiligheidsscore buiten 0-10",
    "end_before_start": "einddatum vóór startdatum",
    "expert_before_professional": "ervaringsdeskundige gestart vóór casusverantwoordelijke",
}


def _pct(value: Any, decimals: int = 0) -> str:
    return fmt_pct(value, decimals)


def _bold(cells: list[str]) -> list[str]:
    return [f"**{c}**" if c else c for c in cells]


_INDEX: dict[int, tuple[pd.DataFrame, dict]] = {}


def _index(table: pd.DataFrame) -> dict:
    """(measure, {group column: value as text}) → (value, n) of a tidy table, built once per table."""
    cached = _INDEX.get(id(table))
    if cached is not None and cached[0] is table:
        return cached[1]
    groups = [c for c in table.columns if c not in ("measure", "value", "n")]
    index = {}
    for record in table.to_dict("records"):
        key = (record["measure"], frozenset((g, str(record[g])) for g in groups))
        value, n = record["value"], record["n"]
        index.setdefault(key, ((None if pd.isna(value) else float(value)), (None if pd.isna(n) else int(n))))
    _INDEX[id(table)] = (table, index)
    return index


def lookup(table: pd.DataFrame | None, measure: str, **groups: object) -> tuple[float | None, int | None]:
    """(value, n) of one row of a tidy indicator table; (None, None) when absent.

    ``groups`` must name every group column of the table.
    """
    if table is None:
        return None, None
    return _index(table).get((measure, frozenset((g, str(v)) for g, v in groups.items())), (None, None))


# ------------------------------------------------------------------------ chapter 3-4 tables


def table_registrations(k: dict, tables: dict) -> Table:
    """Tabel 2: from the case list to the analysed cases (a CONSORT-like flow) and the forms."""
    fl, f = k["flow"], k["forms"]
    with_contact, _ = lookup(tables.get("contact_type"), "cases_with_contact", target=TOTAL, contact_type=TOTAL)
    rows = [
        ["Casussen op de casuslijst", fmt_int(fl["cases_listed"])],
        ["– waarvan ervaringsdeskundige gestart op of na de peildatum (of zonder startdatum)", fmt_int(fl["cases_after_peildatum"])],
        ["– waarvan zonder enige registratie (geen start-, contact- of eindformulier)", fmt_int(fl["cases_no_registration"])],
        _bold(["Geanalyseerde casussen", fmt_int(fl["cases_analysed"])]),
        ["Startformulieren", fmt_int(f["start"])],
        ["Contactformulieren (los)", fmt_int(f["contact"])],
        ["Casussen met minstens één contactformulier", fmt_int(with_contact)],
        ["Eindformulieren", fmt_int(f["end"])],
        ["Interviews cliëntervaringsonderzoek", fmt_int(f["client_survey"])],
        ["Formulieren die aan geen casus op de lijst te koppelen waren", fmt_int(fl["forms_unlinked"])],
    ]
    return Table("registraties", "Van casuslijst tot analyse: casussen en registraties", ["", "Aantal"], rows)


def table_teams(k: dict, tables: dict, cb: Codebook) -> Table:
    """Tabel 3: cases by team and start year, counts and percentages (totals: no suppression needed)."""
    years = list(k["cases"]["by_start_year"])
    total = k["flow"]["cases_analysed"]
    cross = tables.get("cases_by_team_year")
    rows = []
    for team in cb.codes("team"):
        cells = [fmt_int(lookup(cross, "cases", team=team, start_year=y)[0] or 0) for y in years]
        n = k["cases"]["by_team"][team]
        rows.append([cb.label("team", team), *cells, fmt_int(n), _pct(100 * n / total if total else None)])
    rows.append(_bold(["Totaal", *[fmt_int(k["cases"]["by_start_year"][y]) for y in years], fmt_int(total), "100%" if total else DASH]))
    header = ["Team", *[f"{y} (n={fmt_int(k['cases']['by_start_year'][y])})" for y in years], f"Totaal (n={fmt_int(total)})", "%"]
    return Table("teams", "Afkomst van casussen naar startjaar, in aantallen en percentages", header, rows)


def table_status(k: dict) -> Table:
    """Tabel 4: started, closed and running at the end of each year."""
    rows = [[y, fmt_int(s["started"]), fmt_int(s["closed"]), fmt_int(s["running_end"])] for y, s in k["cases"]["status_by_year"].items()]
    return Table("status", "Status van de casussen naar jaar, in aantallen", ["Jaar", "Gestart", "Afgesloten", "Lopend op 31 december"], rows,
                 notes=["Gestart: jaar van de start van de ervaringsdeskundige. Afgesloten: jaar van het einde van de ervaringsdeskundige "
                        "(vóór de peildatum). Lopend: gestart en op 31 december nog niet afgesloten."])


def table_target_year(k: dict, tables: dict, cb: Codebook) -> Table:
    """Tabel 5: cases by doelgroep and start year."""
    years = list(k["cases"]["by_start_year"])
    table = tables.get("target_by_year")
    rows = []
    for target, label in TARGETS.items():
        cells = []
        for y in years:
            n, _ = lookup(table, "cases", target=target, start_year=y)
            share, _ = lookup(table, "pct", target=target, start_year=y)
            cells.append(f"{fmt_int(n or 0)} ({_pct(share)})")
        share, _ = lookup(table, "pct", target=target, start_year=TOTAL)
        rows.append([label, *cells, f"{fmt_int(k['cases']['by_target'][target])} ({_pct(share)})"])
    rows.append(_bold(["Totaal", *[fmt_int(k["cases"]["by_start_year"][y]) for y in years], fmt_int(k["flow"]["cases_analysed"])]))
    header = ["Doelgroep ondersteuning", *[f"{y}" for y in years], "Totaal"]
    return Table("doelgroep", "Aantal casussen naar doelgroep van de ondersteuning en startjaar (percentage van het jaar)", header, rows)


def table_problems(k: dict, tables: dict, cb: Codebook, sup: Suppressor) -> Table:
    """Tabel 6: problem areas at the start by doelgroep, % of start forms."""
    areas_table = tables.get("problem_areas")
    count_table = tables.get("problem_area_count")
    ns = {t: lookup(areas_table, "pct", target=t, area="domestic_violence")[1] or 0 for t in [TOTAL, *TARGETS]}
    rows = []
    order = sorted(cb.codes("problem_area"), key=lambda a: -(k["problems"]["pct"][a] or 0))
    for area in order:
        row = [cb.label("problem_area", area), _pct(k["problems"]["pct"][area])]
        for target in TARGETS:
            value, n = lookup(areas_table, "pct", target=target, area=area)
            row.append(sup(_pct(value), n))
        rows.append(row)
    for band, label in [("0", "Geen gebied aangekruist"), ("1", "Eén gebied"), ("2+", "Twee of meer gebieden")]:
        row = [f"*{label}*", _pct(k["problems"]["areas_count_pct"][band])]
        for target in TARGETS:
            value, n = lookup(count_table, "pct", target=target, areas_named=band)
            row.append(sup(_pct(value), n))
        rows.append(row)
    header = ["Soort problematiek", f"Totaal (n={fmt_int(ns[TOTAL])})", *[f"{label} (n={fmt_int(ns[t])})" for t, label in TARGETS.items()]]
    return Table("problematiek", "Soort problematiek bij de start naar doelgroep van de ondersteuning, in percentages van de startformulieren",
                 header, rows, notes=["Meerdere gebieden mogelijk; de percentages tellen daarom op tot meer dan 100%."])


def _stat_row(table: pd.DataFrame | None, label: str, sup: Suppressor, total: bool = False, decimals: int = 0, **groups) -> list[str]:
    mean, n = lookup(table, "mean", **groups)
    low, _ = lookup(table, "ci_low", **groups)
    high, _ = lookup(table, "ci_high", **groups)
    median, _ = lookup(table, "median", **groups)
    lo, _ = lookup(table, "min", **groups)
    hi, _ = lookup(table, "max", **groups)
    ci = f"{fmt_number(low, decimals)} – {fmt_number(high, decimals)}" if low is not None else DASH
    spread = f"{fmt_int(lo)} – {fmt_int(hi)}" if lo is not None else DASH
    cells = [fmt_number(mean, decimals), ci, fmt_number(median, decimals), spread]
    cells = [sup(c, n, total=total) for c in cells]
    row = [n_label(label, n), *cells]
    return _bold(row) if total else row


STAT_HEADER = ["Groep", "Gemiddeld", "95%-BI", "Mediaan", "Spreiding"]


def table_lead_time(k: dict, tables: dict, cb: Codebook, sup: Suppressor) -> Table:
    """Tabel 7: days until the expert is brought in, by team, start year and doelgroep."""
    table = tables.get("lead_time")
    rows = [_stat_row(table, cb.label("team", t), sup, breakdown="team", group=t) for t in cb.codes("team")]
    rows += [_stat_row(table, f"Gestart in {y}", sup, breakdown="start_year", group=y) for y in k["lead_time_days"]["by_start_year"]]
    rows += [_stat_row(table, label, sup, breakdown="target", group=t) for t, label in TARGETS.items()]
    rows.append(_stat_row(table, "Totaal", sup, total=True, breakdown="total", group=TOTAL))
    return Table("dagen-tot-inzet", "Aantal dagen tot de casusverantwoordelijke de ervaringsdeskundige inzet, naar team, startjaar en doelgroep",
                 STAT_HEADER, rows, notes=["95%-BI: 95%-betrouwbaarheidsinterval van het gemiddelde. Spreiding: kortste en langste."])


def table_durations(k: dict, tables: dict, sup: Suppressor) -> Table:
    """Tabel 8: duration of the professional's and the expert's involvement in closed cases."""
    table = tables.get("duration")
    km = tables.get("duration_kaplan_meier")
    rows = []
    for kind, label in [("professional", "Casusverantwoordelijke"), ("expert", "Ervaringsdeskundige")]:
        rows.append(_stat_row(table, label, sup, total=True, kind=kind, breakdown="total", group=TOTAL))
        rows += [_stat_row(table, f"– {tl}", sup, kind=kind, breakdown="target", group=t) for t, tl in TARGETS.items()]
        if kind == "expert":
            rows += [_stat_row(table, f"– gestart in {y}", sup, kind=kind, breakdown="start_year", group=y)
                     for y in k["duration_days"]["expert"]["by_start_year"]]
    km_median, km_n = lookup(km, "km_median_days", target=TOTAL)
    censored, _ = lookup(km, "censored", target=TOTAL)
    notes = [
        "Afgesloten casussen; een einddatum vóór de startdatum telt niet mee. Spreiding: kortste en langste duur.",
        f"Kaplan-Meier-mediaan van de inzet van de ervaringsdeskundige, met de {fmt_int(censored)} lopende casussen als nog niet beëindigd "
        f"(n={fmt_int(km_n)}): {fmt_number(km_median, 0)} dagen" + ("" if km_median is not None else " (nog niet bereikt)") + ".",
    ]
    return Table("duur", "Duur van de inzet van casusverantwoordelijke en ervaringsdeskundige in afgesloten casussen, in dagen",
                 STAT_HEADER, rows, notes=notes)


def table_contact_types(k: dict, tables: dict, cb: Codebook, sup: Suppressor) -> Table:
    """Tabel 9: contact type, % of contact forms, by doelgroep; n = cases with a contact form."""
    table = tables.get("contact_type")
    ns = {t: lookup(table, "cases_with_contact", target=t, contact_type=TOTAL)[0] for t in [TOTAL, *TARGETS]}
    rows = []
    for code in cb.codes("contact_type"):
        row = [cb.label("contact_type", code), _pct(k["contacts"]["type_pct"][code])]
        for target in TARGETS:
            value, _ = lookup(table, "pct", target=target, contact_type=code)
            row.append(sup(_pct(value), ns[target]))
        rows.append(row)
    header = ["Soort contact", f"Totaal (n={fmt_int(ns[TOTAL])})", *[f"{label} (n={fmt_int(ns[t])})" for t, label in TARGETS.items()]]
    return Table("soort-contact", "Soort contact van de ervaringsdeskundige met alle betrokkenen in de casus, percentage van de contactformulieren",
                 header, rows, notes=["n = aantal casussen met een contactformulier; percentages over de formulieren met een ingevulde soort contact."])


def _by_case_table(ident: str, caption: str, question: str, code_list: str, tables: dict, cb: Codebook, sup: Suppressor,
                   note: str) -> Table:
    table = tables.get("network_organisations_by_case")
    first = cb.codes(code_list)[0]
    ns = {t: lookup(table, "cases", question=question, target=t, answer=first)[1] or 0 for t in [TOTAL, *TARGETS]}
    rows = []
    for code in cb.codes(code_list):
        row = [cb.label(code_list, code)]
        for target in [TOTAL, *TARGETS]:
            count, n = lookup(table, "cases", question=question, target=target, answer=code)
            share, _ = lookup(table, "pct_cases", question=question, target=target, answer=code)
            cell = f"{fmt_int(count)} ({_pct(share)})" if n else DASH
            row.append(cell if target == TOTAL else sup(cell, n))
        rows.append(row)
    header = ["", f"Totaal (n={fmt_int(ns[TOTAL])})", *[f"{label} (n={fmt_int(ns[t])})" for t, label in TARGETS.items()]]
    return Table(ident, caption, header, rows, notes=[note])


def table_organisations(tables: dict, cb: Codebook, sup: Suppressor) -> Table:
    """Tabel 10: organisations involved (asked from 2020), cases with at least one mention."""
    return _by_case_table("organisaties", "Betrokken organisaties: aantal casussen (en percentage) waarin de organisatie op een contactformulier is genoemd",
                          "organisations", "organisation", tables, cb, sup,
                          "Alleen contactformulieren waarop de vraag stond (sinds 2020); n = casussen met zo'n formulier.")


def table_network(tables: dict, cb: Codebook, sup: Suppressor) -> Table:
    """Tabel 11: the client's own network, cases with at least one mention."""
    return _by_case_table("netwerk", "Inzet eigen netwerk van cliënten: aantal casussen (en percentage) waarin het netwerklid op een contactformulier is genoemd",
                          "network", "network", tables, cb, sup,
                          "‘Geen’: op geen enkel contactformulier van de casus is iemand uit het netwerk genoemd. n = casussen met een contactformulier.")


def table_closure(k: dict, tables: dict, cb: Codebook, sup: Suppressor) -> Table:
    """Tabel 12: closure reasons by doelgroep: count, % of mentions (as the report) and % of end forms."""
    c = k["closure"]
    by_target = tables.get("closure_reasons_by_target")
    rows = []
    for r in cb.codes("closure_reason"):
        row = [cb.label("closure_reason", r), fmt_int(c["reasons"][r]["n"]), _pct(c["reasons"][r]["pct_mentions"]), _pct(c["reasons"][r]["pct_forms"])]
        for target in TARGETS:
            value, n = lookup(by_target, "pct_forms", target=target, reason=r)
            row.append(sup(_pct(value), n))
        rows.append(row)
    rows.append(_bold(["Totaal", fmt_int(c["mentions_n"]), "100%" if c["mentions_n"] else DASH, "", "", ""]))
    t_n = {t: lookup(by_target, "pct_forms", target=t, reason="goal_reached")[1] for t in TARGETS}
    header = ["Reden afsluiten", "Aantal", "% van de redenen", f"% van de eindformulieren (n={fmt_int(c['forms_n'])})",
              *[f"{label}, % formulieren (n={fmt_int(t_n[t])})" for t, label in TARGETS.items()]]
    return Table("reden-afsluiten", "Reden van afsluiten van de casus, totaal en naar doelgroep van de ondersteuning", header, rows,
                 notes=["Meerdere redenen mogelijk. Het rapport over 2018-2020 gaf het percentage van alle genoemde redenen "
                        "(kolom 3); hier staat ook het percentage van de eindformulieren met een reden."])


def table_safety_teams(k: dict, cb: Codebook, sup: Suppressor) -> Table:
    """Tabel 13: client-rated safety at start and end by team (cases with both scores)."""
    p = k["safety"]["client_paired"]
    rows = []
    for team in cb.codes("team"):
        g = p["by_team"][team]
        rows.append([n_label(cb.label("team", team), g["n"]), sup(fmt_number(g["start_mean"]), g["n"]), sup(fmt_number(g["end_mean"]), g["n"])])
    rows.append(_bold([n_label("Totaal", p["n"]), fmt_number(p["start_mean"]), fmt_number(p["end_mean"])]))
    return Table("veiligheid-team", "Beoordeling van de veiligheid door de cliënt bij start en einde naar afkomst van de casus (gemiddelde 0-10)",
                 ["Team", "Start", "Einde"], rows, notes=["Alleen casussen met een score van de cliënt op zowel het start- als het eindformulier."])


def table_survey(k: dict, tables: dict) -> Table:
    """Tabel 14: client-experience items, % yes among yes + no."""
    s = k["survey"]
    items = tables.get("survey_items")
    rows = []
    for item, label in SURVEY_ITEMS.items():
        _, n = lookup(items, "pct_yes", item=item)
        rows.append([label, _pct(s["item_pct"][item]), fmt_int(n)])
    return Table("clientervaring", f"Begeleiding door de ervaringsdeskundige volgens cliënten (n={fmt_int(s['n'])} interviews)",
                 ["Vraag", "% ja", "n (antwoord ja of nee)"], rows)


def table_grades(k: dict, cb: Codebook, sup: Suppressor) -> Table:
    """Tabel 15: mean grade by team of the interviewed case."""
    s = k["survey"]
    rows = [[n_label(cb.label("team", t), s["grade_by_team"][t]["n"]), sup(fmt_number(s["grade_by_team"][t]["mean"]), s["grade_by_team"][t]["n"])]
            for t in cb.codes("team")]
    rows.append(_bold([n_label("Totaal", s["grade_n"]), fmt_number(s["grade_mean"])]))
    return Table("rapportcijfer-team", "Gemiddeld rapportcijfer van cliënten naar afkomst van de casus", ["Team", "Rapportcijfer"], rows)


def table_noncase_duration(k: dict, tables: dict) -> Table:
    """Tabel 16: duration bands of non-case conversations."""
    nc = k["noncase"]
    _, n = lookup(tables.get("noncase"), "pct", question="duration_band", answer="lt15")
    rows = [[label, _pct(nc["duration_band_pct"][band])] for band, label in BANDS.items()]
    return Table("nietcasus-duur", f"Tijdsduur van het gesprek met personen niet in een casus, in percentages (n={fmt_int(n)})", ["Tijdsduur", "%"], rows)


def table_noncase_type(k: dict, tables: dict, cb: Codebook) -> Table:
    """Tabel 17: contact type and who sought contact."""
    nc = k["noncase"]
    table = tables.get("noncase")
    _, n_type = lookup(table, "pct", question="type", answer=cb.codes("nc_contact_type")[0])
    _, n_who = lookup(table, "pct", question="who", answer=cb.codes("seeker")[0])
    rows = [[f"*Type contact (n={fmt_int(n_type)})*", ""]]
    rows += [[cb.label("nc_contact_type", t), _pct(nc["type_pct"][t])] for t in cb.codes("nc_contact_type")]
    rows += [[f"*Contactzoeker (n={fmt_int(n_who)})*", ""]]
    rows += [[cb.label("seeker", s), _pct(nc["who_pct"][s])] for s in cb.codes("seeker")]
    return Table("nietcasus-type", "Type contact tussen ervaringsdeskundige en contactzoeker, en wie contact zocht, in percentages", ["", "%"], rows)


def table_noncase_via(k: dict, tables: dict, cb: Codebook) -> Table:
    """Tabel 18: how the contact came about."""
    nc = k["noncase"]
    _, n = lookup(tables.get("noncase"), "pct", question="via", answer=cb.codes("via")[0])
    rows = [[cb.label("via", v), _pct(nc["via_pct"][v])] for v in cb.codes("via")]
    return Table("nietcasus-via", f"Manieren waarop contact is gezocht met de ervaringsdeskundige, in percentages (n={fmt_int(n)})",
                 ["Contact tot stand gekomen via", "%"], rows)


# ------------------------------------------------------------------------ appendix tables


def table_paired_tests(tables: dict, sup: Suppressor) -> Table:
    """Appendix: change in safety per rater (paired), Wilcoxon signed-rank test and effect size."""
    table = tables.get("safety_paired_by_rater")
    rows = []
    for rater, label in RATERS_NL.items():
        for target, tlabel in [(TOTAL, "alle casussen"), *TARGETS.items()]:
            start, n = lookup(table, "start_mean", rater=rater, target=target)
            end, _ = lookup(table, "end_mean", rater=rater, target=target)
            change, _ = lookup(table, "change_mean", rater=rater, target=target)
            p, _ = lookup(table, "wilcoxon_p", rater=rater, target=target)
            r, _ = lookup(table, "rank_biserial", rater=rater, target=target)
            total = target == TOTAL
            p_text = DASH if p is None else ("< 0,001" if p < 0.001 else fmt_number(p, 3))
            cells = [fmt_number(start), fmt_number(end), fmt_number(change), p_text, fmt_number(r, 2)]
            rows.append([f"{label}, {tlabel} (n={fmt_int(n)})", *[sup(c, n, total=total) for c in cells]])
    return Table("veiligheid-toets", "Verandering in veiligheid tussen start en einde per beoordelaar: gepaarde vergelijking",
                 ["Beoordelaar, groep", "Start", "Einde", "Verandering", "p (Wilcoxon)", "Effectgrootte r"], rows,
                 notes=["Casussen met een score van dezelfde beoordelaar bij start én einde. Effectgrootte: rang-biseriële correlatie "
                        "(−1 tot 1; positief = veiliger bij het einde)."])


def table_data_quality(dq: pd.DataFrame) -> Table:
    """Appendix: value problems per rule (counts only, no identifiers)."""
    if dq.empty:
        return Table("datakwaliteit", "Waardeproblemen in de exports per regel", ["Regel", "Wat er gebeurde", "Aantal"], [["geen", "", "0"]])
    counts = dq.groupby(["rule", "action"]).size().reset_index(name="n")
    rows = [[f"{RULES_NL.get(r, r)} (`{r}`)", a, fmt_int(n)] for r, a, n in counts.itertuples(index=False)]
    rows.append(_bold(["Totaal", "", fmt_int(len(dq))]))
    return Table("datakwaliteit", "Waardeproblemen in de exports per regel", ["Regel", "Wat er gebeurde", "Aantal"], rows,
                 notes=["Per bestand, rij en kolom staan ze in data/clean/data_quality.csv (zonder identificerende waarden)."])


def table_flow_files(flow: pd.DataFrame) -> Table:
    """Appendix: rows read and what became of them, per file."""
    columns = ["rows_read", "kept", "duplicate_row", "unknown_case", "after_peildatum", "second_form"]
    rows = [[f"`{r.file}`", *[fmt_int(getattr(r, c)) for c in columns]] for r in flow.itertuples(index=False)]
    totals = flow[columns].sum()
    rows.append(_bold(["Totaal", *[fmt_int(totals[c]) for c in columns]]))
    return Table("stroom-bestanden", "Gelezen rijen per bestand en wat ermee gebeurde",
                 ["Bestand", "Gelezen", "Behouden", "Dubbel", "Niet gekoppeld", "Na peildatum", "Tweede formulier"], rows)


def open_answer_summary(tables: dict, cb: Codebook, sup: Suppressor, top: int = 5) -> dict:
    """Per open question: answers, coded answers, and the most named themes with count, % and per doelgroep."""
    summary = tables.get("open_answers")
    themes = tables.get("open_answer_themes")
    out = {}
    for question, spec in cb.open_answers.get("questions", {}).items():
        answers, _ = lookup(summary, "answers", question=question)
        coded, _ = lookup(summary, "coded", question=question)
        items = []
        if themes is not None and len(themes) and coded:
            q = themes[(themes["question"] == question) & (themes["breakdown"] == "total") & (themes["measure"] == "count")]
            q = q[q["value"] > 0].sort_values(["value", "theme"], ascending=[False, True]).head(top)
            for theme, count in zip(q["theme"], q["value"]):
                pct, n = lookup(themes, "pct", question=question, breakdown="total", group=TOTAL, theme=theme)
                parts = []
                for target, label in TARGETS.items():
                    t_pct, t_n = lookup(themes, "pct", question=question, breakdown="target", group=target, theme=theme)
                    parts.append(f"{label.lower()} {sup(_pct(t_pct), t_n)} (n={fmt_int(t_n)})")
                items.append({"theme": theme, "count": count, "pct": pct, "by_target": "; ".join(parts)})
        out[question] = {"label": spec["label_nl"], "answers": answers or 0, "coded": coded or 0, "top": items}
    return out


# ------------------------------------------------------------------------ context


def build_context(k: dict, tables: dict[str, pd.DataFrame], figures: list[dict], params: Params, manifest: dict,
                  dq: pd.DataFrame, flow: pd.DataFrame, codebook: Codebook | None = None) -> dict:
    """The template's context: key figures, tables (Markdown), figures, narrative, colophon."""
    cb = codebook or load_codebook()
    sup = Suppressor(params.min_group_n)
    years = list(k["cases"]["by_start_year"])
    built = {
        "registraties": table_registrations(k, tables),
        "teams": table_teams(k, tables, cb),
        "status": table_status(k),
        "doelgroep": table_target_year(k, tables, cb),
        "problematiek": table_problems(k, tables, cb, sup),
        "dagen_tot_inzet": table_lead_time(k, tables, cb, sup),
        "duur": table_durations(k, tables, sup),
        "soort_contact": table_contact_types(k, tables, cb, sup),
        "organisaties": table_organisations(tables, cb, sup),
        "netwerk": table_network(tables, cb, sup),
        "reden_afsluiten": table_closure(k, tables, cb, sup),
        "veiligheid_team": table_safety_teams(k, cb, sup),
        "clientervaring": table_survey(k, tables),
        "rapportcijfer_team": table_grades(k, cb, sup),
        "nietcasus_duur": table_noncase_duration(k, tables),
        "nietcasus_type": table_noncase_type(k, tables, cb),
        "nietcasus_via": table_noncase_via(k, tables, cb),
        "veiligheid_toets": table_paired_tests(tables, sup),
        "datakwaliteit": table_data_quality(dq),
        "stroom_bestanden": table_flow_files(flow),
    }
    for table in built.values():
        if any(cell == DASH for row in table.rows[:-1] for cell in row[1:]):
            table.notes.append(sup.note())
    km_median, km_n = lookup(tables.get("duration_kaplan_meier"), "km_median_days", target=TOTAL)
    client_test = {m: lookup(tables.get("safety_paired_by_rater"), m, rater="client", target=TOTAL)[0]
                   for m in ["wilcoxon_p", "rank_biserial", "change_mean"]}
    return {
        "k": k,
        "cb": cb,
        "years": years,
        "years_label": f"{years[0]}-{years[-1]}" if len(years) > 1 else (years[0] if years else ""),
        "t": {name: table.markdown() for name, table in built.items()},
        "figures": {f["key"]: f for f in figures},
        "text": {name: narrative(name) for name in NARRATIVE},
        "params": params,
        "min_n": params.min_group_n,
        "peildatum": params.peildatum,
        "publicatiedatum": params.publicatiedatum,
        "version": pipeline_version(),
        "raw_sha256": manifest.get("raw_sha256", "onbekend"),
        "raw_files": manifest.get("files", []),
        "dq_n": len(dq),
        "targets": TARGETS,
        "raters": RATERS_NL,
        "open": open_answer_summary(tables, cb, sup),
        "km_median": km_median,
        "km_n": km_n,
        "client_test": client_test,
        "p_text": (DASH if client_test["wilcoxon_p"] is None else
                   ("kleiner dan 0,001" if client_test["wilcoxon_p"] < 0.001 else fmt_number(client_test["wilcoxon_p"], 3))),
    }
