"""The report's numbered tables: one function per table, named after the indicator table it shows.

:data:`TABLES` lists them in the order of the report, so the numbering follows (Tabel 1-18 as in
the 2018-2020 report, then the appendices). Each function takes :class:`ReportData` and returns a
:class:`~pipeline.report.tables.Table` whose id is its name (``tbl-closure-reasons`` for
``closure_reasons``); the template places ``t.closure_reasons``. Every breakdown cell goes
through the one :class:`~pipeline.report.tables.Suppressor`; totals are shown with their n.
Labels come from the codebook and ``report.yaml``; captions, headings, row labels and notes
from the report's standard wording (``report/templates/wording.yaml``, :mod:`pipeline.report.wording`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from pipeline.codebook import Codebook
from pipeline.fmt import fmt_int, fmt_number, fmt_pct
from pipeline.params import Params
from pipeline.report.settings import ReportSettings
from pipeline.report.tables import DASH, TOTAL, Suppressor, Table, bold, count_pct, lookup, n_label
from pipeline.report.wording import Words


@dataclass
class ReportData:
    """Everything a report table is made from."""

    k: dict  # the key figures (kerncijfers.json)
    tables: dict[str, pd.DataFrame]  # the indicator tables
    cb: Codebook
    sup: Suppressor
    settings: ReportSettings
    params: Params
    manifest: dict
    dq: pd.DataFrame  # data_quality.csv
    flow: pd.DataFrame  # flow.csv
    words: Words  # the report's standard wording
    version: str = ""

    @property
    def years(self) -> list[str]:
        """The start years of the analysed cases."""
        return list(self.k["cases"]["by_start_year"])

    @property
    def targets(self) -> list[str]:
        return self.cb.codes("target")

    def target_plural(self, code: str) -> str:
        return self.cb.plural("target", code)

    def t(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def w(self, table: str) -> Words:
        """The wording of one numbered table (its caption, headings, notes)."""
        return getattr(self.words.tables, table)

    @property
    def total(self) -> str:
        return self.words.common("total")

    def started_in(self, year: str) -> str:
        return self.words.common("started_in", year=year)


def _pct(value: object, decimals: int = 0) -> str:
    return fmt_pct(value, decimals)


def _ref(ref: str, d: ReportData) -> str:
    """A cross-reference of ``report.yaml`` (tbl-…, fig-…, text-<name>, sec-<id>) as report text."""
    if ref.startswith(("tbl-", "fig-")):
        return f"@{ref}"
    if ref.startswith("text-"):
        spec = d.settings.texts.get(ref[5:])
        return f"‘{spec.heading}’" if spec else ref
    if ref.startswith("sec-"):
        return f"[{ref[4:].replace('-', ' ').capitalize()}](#{ref})"
    return ref


# --------------------------------------------------------------------------- chapter 3


def table_knowledge_questions(d: ReportData) -> Table:
    """Tabel 1: the knowledge questions, their indicators, and where the report answers them."""
    rows = [[f"{q.number}\\. {q.question}", "; ".join(q.indicators), ", ".join(_ref(r, d) for r in q.answered_in)]
            for q in d.settings.questions]
    w = d.w("knowledge_questions")
    return Table("knowledge-questions", w("caption"), w.list("header"), rows, align=["l", "l", "l"])


def table_flow(d: ReportData) -> Table:
    """Tabel 2: from the case list to the analysed cases (a CONSORT-like flow) and the forms."""
    fl, f = d.k["flow"], d.k["forms"]
    with_contact, _ = lookup(d.t("contact_type"), "cases_with_contact", breakdown="total", group=TOTAL, contact_type=TOTAL)
    w = d.w("flow")
    label = w.map("rows")
    rows = [
        [label["cases_listed"], fmt_int(fl["cases_listed"])],
        [label["cases_after_peildatum"], fmt_int(fl["cases_after_peildatum"])],
        [label["cases_no_registration"], fmt_int(fl["cases_no_registration"])],
        bold([label["cases_analysed"], fmt_int(fl["cases_analysed"])]),
        [label["start"], fmt_int(f["start"])],
        [label["contact"], fmt_int(f["contact"])],
        [label["cases_with_contact"], fmt_int(with_contact)],
        [label["end"], fmt_int(f["end"])],
        [label["client_survey"], fmt_int(f["client_survey"])],
        [label["noncase"], fmt_int(f["noncase"])],
        [label["forms_unlinked"], fmt_int(fl["forms_unlinked"])],
    ]
    return Table("flow", w("caption"), w.list("header"), rows, notes=w.list("notes"))


# --------------------------------------------------------------------------- chapter 4


def table_cases_by_team_year(d: ReportData) -> Table:
    """Tabel 3: cases by team and start year (counts), with each team's share of all cases."""
    cases = d.k["cases"]
    total = d.k["flow"]["cases_analysed"]
    cross = d.t("cases_by_team_year")
    rows = []
    for team in d.cb.codes("team"):
        cells = [fmt_int(lookup(cross, "cases", team=team, start_year=y)[0] or 0) for y in d.years]
        n = cases["by_team"][team]
        rows.append([d.cb.label("team", team), *cells, fmt_int(n), _pct(100 * n / total if total else None)])
    w = d.w("cases_by_team_year")
    rows.append(bold([d.total, *[fmt_int(cases["by_start_year"][y]) for y in d.years], fmt_int(total), _pct(100) if total else DASH]))
    header = [w("header_first"), *[n_label(y, cases["by_start_year"][y]) for y in d.years], n_label(d.total, total), w("header_share")]
    return Table("cases-by-team-year", w("caption"), header, rows, notes=w.list("notes"))


def table_status_by_year(d: ReportData) -> Table:
    """Tabel 4: started, closed and running at the end of each year (counts)."""
    rows = [[y, fmt_int(s["started"]), fmt_int(s["closed"]), fmt_int(s["running_end"])] for y, s in d.k["cases"]["status_by_year"].items()]
    w = d.w("status_by_year")
    return Table("status-by-year", w("caption"), w.list("header"), rows, notes=w.list("notes"))


def table_target_by_year(d: ReportData) -> Table:
    """Tabel 5: cases by doelgroep and start year, n (% of the year)."""
    table = d.t("target_by_year")
    rows = []
    for target in d.targets:
        cells = []
        for y in d.years:
            n, _ = lookup(table, "cases", target=target, start_year=y)
            share, base = lookup(table, "pct", target=target, start_year=y)
            cells.append(f"{fmt_int(n or 0)} ({d.sup(_pct(share), base)})")
        share, _ = lookup(table, "pct", target=target, start_year=TOTAL)
        rows.append([d.target_plural(target), *cells, count_pct(d.k["cases"]["by_target"][target], _pct(share))])
    w = d.w("target_by_year")
    rows.append(bold([d.total, *[fmt_int(d.k["cases"]["by_start_year"][y]) for y in d.years], fmt_int(d.k["flow"]["cases_analysed"])]))
    header = [w("header_first"), *d.years, d.total]
    return Table("target-by-year", w("caption"), header, rows)


def table_problem_areas(d: ReportData) -> Table:
    """Tabel 6: problem areas at the start by doelgroep, % of start forms."""
    areas = d.t("problem_areas")
    count = d.t("problem_area_count")
    first = d.cb.codes("problem_area")[0]
    ns = {t: lookup(areas, "pct", target=t, area=first)[1] or 0 for t in [TOTAL, *d.targets]}
    order = sorted(d.cb.codes("problem_area"), key=lambda a: -(d.k["problems"]["pct"][a] or 0))
    rows = []
    for area in order:
        row = [d.cb.label("problem_area", area), _pct(d.k["problems"]["pct"][area])]
        row += [d.sup(_pct(lookup(areas, "pct", target=t, area=area)[0]), ns[t]) for t in d.targets]
        rows.append(row)
    w = d.w("problem_areas")
    for band, label in w.map("areas_named").items():
        row = [f"*{label}*", _pct(d.k["problems"]["areas_count_pct"][band])]
        row += [d.sup(_pct(lookup(count, "pct", target=t, areas_named=band)[0]), ns[t]) for t in d.targets]
        rows.append(row)
    header = [w("header_first"), n_label(d.total, ns[TOTAL]), *[n_label(d.target_plural(t), ns[t]) for t in d.targets]]
    return Table("problem-areas", w("caption"), header, rows, notes=w.list("notes"))


def _stat_row(d: ReportData, table: pd.DataFrame | None, label: str, total: bool = False, decimals: int = 0, **groups) -> list[str]:
    mean, n = lookup(table, "mean", **groups)
    low, _ = lookup(table, "ci_low", **groups)
    high, _ = lookup(table, "ci_high", **groups)
    median, _ = lookup(table, "median", **groups)
    lo, _ = lookup(table, "min", **groups)
    hi, _ = lookup(table, "max", **groups)
    ci = f"{fmt_number(low, decimals)} – {fmt_number(high, decimals)}" if low is not None else DASH
    spread = f"{fmt_int(lo)} – {fmt_int(hi)}" if lo is not None else DASH
    cells = [d.sup(c, n, total=total) for c in [fmt_number(mean, decimals), ci, fmt_number(median, decimals), spread]]
    row = [n_label(label, n), *cells]
    return bold(row) if total else row


def table_lead_time(d: ReportData) -> Table:
    """Tabel 7: days until the expert is brought in, by team, start year and doelgroep."""
    table = d.t("lead_time")
    rows = [_stat_row(d, table, d.cb.label("team", t), breakdown="team", group=t) for t in d.cb.codes("team")]
    rows += [_stat_row(d, table, d.started_in(y), breakdown="start_year", group=y) for y in d.years]
    rows += [_stat_row(d, table, d.target_plural(t), breakdown="target", group=t) for t in d.targets]
    rows.append(_stat_row(d, table, d.total, total=True, breakdown="total", group=TOTAL))
    w = d.w("lead_time")
    return Table("lead-time", w("caption"), d.words.common.list("stat_header"), rows, notes=w.list("notes"))


def table_duration(d: ReportData) -> Table:
    """Tabel 8: duration of the professional's and the expert's involvement in closed cases."""
    table = d.t("duration")
    km = d.t("duration_kaplan_meier")
    w = d.w("duration")
    rows = []
    for kind in ("professional", "expert"):
        rows.append(_stat_row(d, table, d.cb.label("rater", kind), total=True, kind=kind, breakdown="total", group=TOTAL))
        rows += [_stat_row(d, table, w("subgroup", label=d.target_plural(t).lower()), kind=kind, breakdown="target", group=t)
                 for t in d.targets]
        if kind == "expert":
            rows += [_stat_row(d, table, w("started_in", year=y), kind=kind, breakdown="start_year", group=y) for y in d.years]
    km_median, km_n = lookup(km, "km_median_days", target=TOTAL)
    censored, _ = lookup(km, "censored", target=TOTAL)
    median = w("km_median", days=fmt_number(km_median, 0)) if km_median is not None else w("km_not_reached")
    notes = [*w.list("notes"), w("km_note", censored=fmt_int(censored), n=fmt_int(km_n), median=median)]
    return Table("duration", w("caption"), d.words.common.list("stat_header"), rows, notes=notes)


def table_contact_type(d: ReportData) -> Table:
    """Tabel 9: contact type, % of contact forms, overall, by doelgroep and by start year of the case."""
    table = d.t("contact_type")
    groups = [("total", TOTAL, d.total), *(("target", t, d.target_plural(t)) for t in d.targets),
              *(("start_year", y, d.started_in(y)) for y in d.years)]
    ns = {g: lookup(table, "cases_with_contact", breakdown=b, group=g, contact_type=TOTAL)[0] for b, g, _ in groups}
    rows = []
    for code in d.cb.codes("contact_type"):
        row = [d.cb.label("contact_type", code)]
        for breakdown, group, _label in groups:
            value, _ = lookup(table, "pct", breakdown=breakdown, group=group, contact_type=code)
            row.append(d.sup(_pct(value), ns[group], total=breakdown == "total"))
        rows.append(row)
    w = d.w("contact_type")
    header = [d.cb.heading("contact_type"), *[n_label(label, ns[g]) for _b, g, label in groups]]
    return Table("contact-type", w("caption"), header, rows, notes=w.list("notes"))


def _by_case(d: ReportData, name: str, code_list: str) -> Table:
    table = d.t(name)
    first = d.cb.codes(code_list)[0]
    ns = {t: lookup(table, "cases", target=t, answer=first)[1] or 0 for t in [TOTAL, *d.targets]}
    rows = []
    for code in d.cb.codes(code_list):
        row = [d.cb.label(code_list, code)]
        for target in [TOTAL, *d.targets]:
            count, n = lookup(table, "cases", target=target, answer=code)
            share, _ = lookup(table, "pct_cases", target=target, answer=code)
            row.append(d.sup(count_pct(count, _pct(share)), n, total=target == TOTAL) if n else DASH)
        rows.append(row)
    header = ["", n_label(d.total, ns[TOTAL]), *[n_label(d.target_plural(t), ns[t]) for t in d.targets]]
    w = d.w(name)
    return Table(name.replace("_", "-"), w("caption"), header, rows, notes=w.list("notes"))


def table_organisations_by_case(d: ReportData) -> Table:
    """Tabel 10: organisations involved (asked from 2020): cases with at least one mention, n (%)."""
    return _by_case(d, "organisations_by_case", "organisation")


def table_network_by_case(d: ReportData) -> Table:
    """Tabel 11: the client's own network: cases with at least one mention, n (%)."""
    return _by_case(d, "network_by_case", "network")


def table_closure_reasons(d: ReportData) -> Table:
    """Tabel 12: closure reasons, n (% of the end forms with a reason), overall and by doelgroep."""
    table = d.t("closure_reasons")
    ns = {t: lookup(table, "mentions", target=t, reason=TOTAL)[1] or 0 for t in [TOTAL, *d.targets]}
    rows = []
    for reason in d.cb.codes("closure_reason"):
        row = [d.cb.label("closure_reason", reason)]
        for target in [TOTAL, *d.targets]:
            count, n = lookup(table, "count", target=target, reason=reason)
            share, _ = lookup(table, "pct_forms", target=target, reason=reason)
            row.append(d.sup(count_pct(count or 0, _pct(share)), n, total=target == TOTAL))
        rows.append(row)
    w = d.w("closure_reasons")
    header = [w("header_first"), n_label(d.total, ns[TOTAL]), *[n_label(d.target_plural(t), ns[t]) for t in d.targets]]
    return Table("closure-reasons", w("caption"), header, rows, notes=w.list("notes"))


def table_safety_client_paired(d: ReportData) -> Table:
    """Tabel 13: client-rated safety at start and end by team (cases with both scores)."""
    p = d.k["safety"]["client_paired"]
    rows = []
    for team in d.cb.codes("team"):
        g = p["by_team"][team]
        rows.append([n_label(d.cb.label("team", team), g["n"]), d.sup(fmt_number(g["start_mean"]), g["n"]), d.sup(fmt_number(g["end_mean"]), g["n"])])
    rows.append(bold([n_label(d.total, p["n"]), fmt_number(p["start_mean"]), fmt_number(p["end_mean"])]))
    w = d.w("safety_client_paired")
    header = [w("header_first"), *[d.cb.label("moment", m) for m in d.cb.codes("moment")]]
    return Table("safety-client-paired", w("caption"), header, rows, notes=w.list("notes"))


def table_survey_items(d: ReportData) -> Table:
    """Tabel 14: client-experience items, n (%) yes among yes + no."""
    items = d.t("survey_items")
    rows = []
    for item in d.cb.codes("survey_item"):
        count, n = lookup(items, "count_yes", item=item)
        share, _ = lookup(items, "pct_yes", item=item)
        rows.append([d.cb.label("survey_item", item), count_pct(count or 0, _pct(share)), fmt_int(n)])
    w = d.w("survey_items")
    return Table("survey-items", w("caption", n=fmt_int(d.k["survey"]["n"])), w.list("header"), rows, notes=w.list("notes"))


def table_survey_grades(d: ReportData) -> Table:
    """Tabel 15: mean grade by team of the interviewed case."""
    s = d.k["survey"]
    rows = [[n_label(d.cb.label("team", t), s["grade_by_team"][t]["n"]), d.sup(fmt_number(s["grade_by_team"][t]["mean"]), s["grade_by_team"][t]["n"])]
            for t in d.cb.codes("team")]
    rows.append(bold([n_label(d.total, s["grade_n"]), fmt_number(s["grade_mean"])]))
    w = d.w("survey_grades")
    return Table("survey-grades", w("caption"), w.list("header"), rows, notes=w.list("notes"))


# --------------------------------------------------------------------------- chapter 5


def _noncase_rows(d: ReportData, question: str, code_list: str) -> tuple[list[list[str]], int | None]:
    table = d.t("noncase")
    rows, base = [], None
    for code in d.cb.codes(code_list):
        count, n = lookup(table, "count", question=question, answer=code)
        share, _ = lookup(table, "pct", question=question, answer=code)
        base = n
        rows.append([d.cb.label(code_list, code), count_pct(count or 0, _pct(share))])
    return rows, base


def table_noncase_duration(d: ReportData) -> Table:
    """Tabel 16: duration bands of non-case conversations, n (%)."""
    rows, n = _noncase_rows(d, "duration_band", "duration_band")
    w = d.w("noncase_duration")
    return Table("noncase-duration", w("caption", n=fmt_int(n)), w.list("header"), rows, notes=w.list("notes"))


def table_noncase_type(d: ReportData) -> Table:
    """Tabel 17: contact type and who sought contact, n (%)."""
    type_rows, n_type = _noncase_rows(d, "type", "nc_contact_type")
    who_rows, n_who = _noncase_rows(d, "who", "seeker")
    w = d.w("noncase_type")
    rows = [[w("section_type", n=fmt_int(n_type)), ""], *type_rows, [w("section_who", n=fmt_int(n_who)), ""], *who_rows]
    return Table("noncase-type", w("caption"), w.list("header"), rows, notes=w.list("notes"))


def table_noncase_via(d: ReportData) -> Table:
    """Tabel 18: how the contact came about, n (%)."""
    rows, n = _noncase_rows(d, "via", "via")
    w = d.w("noncase_via")
    return Table("noncase-via", w("caption", n=fmt_int(n)), w.list("header"), rows, notes=w.list("notes"))


# --------------------------------------------------------------------------- appendices


def table_data_quality(d: ReportData) -> Table:
    """Appendix B: value problems per rule (counts only, no identifiers), rules named in Dutch."""
    w = d.w("data_quality")
    header = w.list("header")
    align = ["l", "l", "r", "l"]
    if d.dq.empty:
        return Table("data-quality", w("caption"), header, [[w("none"), "", fmt_int(0), ""]], align)
    order = {rule: i for i, rule in enumerate(d.cb.data_quality_rules)}
    counts = d.dq.groupby("rule").size()
    rows = [[d.cb.rule_label(rule).capitalize(), d.cb.rule_action(rule), fmt_int(counts[rule]), f"`{rule}`"]
            for rule in sorted(counts.index, key=lambda r: order.get(r, len(order)))]
    rows.append(bold([d.total, "", fmt_int(len(d.dq)), ""]))
    return Table("data-quality", w("caption"), header, rows, align, notes=w.list("notes"))


def table_flow_by_file(d: ReportData) -> Table:
    """Appendix B: rows read per file and what became of each; every row and the total add up:
    read = analysed + not analysed + empty + duplicate + unlinked + after peildatum + second form."""
    w = d.w("flow_by_file")
    labels = w.map("columns")
    columns = list(labels)
    rows = [[f"`{r['file']}`", *[fmt_int(r[c]) for c in columns]] for r in d.flow.to_dict("records")]
    totals = d.flow[columns].sum()
    rows.append(bold([d.total, *[fmt_int(totals[c]) for c in columns]]))
    fl = d.k["flow"]
    note = w("note", after=fmt_int(fl["cases_after_peildatum"]), no_registration=fmt_int(fl["cases_no_registration"]))
    return Table("flow-by-file", w("caption"), [w("header_first"), *labels.values()], rows, notes=[note])


def table_safety_paired_by_rater(d: ReportData) -> Table:
    """Appendix C: change in safety per rater (paired), Wilcoxon signed-rank test and effect size."""
    table = d.t("safety_paired_by_rater")
    w = d.w("safety_paired_by_rater")
    rows = []
    for rater in d.cb.codes("rater"):
        for target, group in [(TOTAL, d.words.common("all_cases")), *((t, d.target_plural(t).lower()) for t in d.targets)]:
            start, n = lookup(table, "start_mean", rater=rater, target=target)
            end, _ = lookup(table, "end_mean", rater=rater, target=target)
            change, _ = lookup(table, "change_mean", rater=rater, target=target)
            p, _ = lookup(table, "wilcoxon_p", rater=rater, target=target)
            r, _ = lookup(table, "rank_biserial", rater=rater, target=target)
            p_text = DASH if p is None else (w("p_below") if p < 0.001 else fmt_number(p, 3))
            cells = [fmt_number(start), fmt_number(end), fmt_number(change), p_text, fmt_number(r, 2)]
            label = w("row", rater=d.cb.label("rater", rater), group=group, n=fmt_int(n))
            rows.append([label, *[d.sup(c, n, total=target == TOTAL) for c in cells]])
    return Table("safety-paired-by-rater", w("caption"), w.list("header"), rows, notes=w.list("notes"))


def table_accountability(d: ReportData) -> Table:
    """Appendix D (Verantwoording): the parameters and fingerprints that make the report reproducible."""
    p = d.params
    w = d.w("accountability")
    label = w.map("rows")
    unknown = d.words.common("not_available")
    rows = [
        [label["peildatum"], p.peildatum.strftime("%d-%m-%Y")],
        [label["min_group_n"], w.rows("min_group_n_value", n=fmt_int(p.min_group_n))],
        [label["status"], p.rapportstatus],
        [label["published"], p.publicatiedatum.strftime("%d-%m-%Y") if p.publicatiedatum else label["not_published"]],
        [label["version"], d.version],
        [label["codebook_version"], str(d.manifest.get("codebook_version", unknown))],
        [label["files"], fmt_int(len(d.manifest.get("files", [])))],
        [label["fingerprint"], f"`{d.manifest.get('raw_sha256', unknown)}`"],
    ]
    return Table("accountability", w("caption"), w.list("header"), rows, align=["l", "l"], notes=w.list("notes"))


TABLES: dict[str, Callable[[ReportData], Table]] = {
    "knowledge_questions": table_knowledge_questions,
    "flow": table_flow,
    "cases_by_team_year": table_cases_by_team_year,
    "status_by_year": table_status_by_year,
    "target_by_year": table_target_by_year,
    "problem_areas": table_problem_areas,
    "lead_time": table_lead_time,
    "duration": table_duration,
    "contact_type": table_contact_type,
    "organisations_by_case": table_organisations_by_case,
    "network_by_case": table_network_by_case,
    "closure_reasons": table_closure_reasons,
    "safety_client_paired": table_safety_client_paired,
    "survey_items": table_survey_items,
    "survey_grades": table_survey_grades,
    "noncase_duration": table_noncase_duration,
    "noncase_type": table_noncase_type,
    "noncase_via": table_noncase_via,
    "data_quality": table_data_quality,
    "flow_by_file": table_flow_by_file,
    "safety_paired_by_rater": table_safety_paired_by_rater,
    "accountability": table_accountability,
}
"""Every numbered table of the report, in the report's order (the template places them in this order)."""


def build_tables(d: ReportData) -> dict[str, Table]:
    """Every table of :data:`TABLES`, each with the suppression note where a cell was held back."""
    built = {}
    for name, function in TABLES.items():
        d.sup.used = False
        table = function(d)
        if d.sup.used:
            table.notes.append(d.words.common("suppressed", min_n=d.sup.min_n))
        built[name] = table
    return built
