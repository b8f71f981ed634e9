"""What the running text of the report needs besides the tables: the researchers' texts and the
breakdowns a sentence may name.

Narrative texts (``report/tekst/<name>.md``, listed in ``report.yaml``): in a concept report a
missing one shows a box that tells the editor, in plain Dutch, what belongs there; in a definitive
report a missing one stops the run and names it.

Breakdowns in sentences ("8,0 in 2019 (n=12)"): each is a list of :class:`Item` that holds only
the groups the one :class:`~pipeline.report.tables.Suppressor` lets through, each with its n, so
the text can never show what a table hides; the template joins them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigurationError
from pipeline.fmt import fmt_int, fmt_number, fmt_pct
from pipeline.report.numbered import ReportData
from pipeline.report.settings import ReportSettings
from pipeline.report.tables import TOTAL, lookup
from pipeline.report.wording import Words


@dataclass(frozen=True)
class Narrative:
    name: str
    heading: str
    text: str  # the researchers' Markdown, or the box for the editor
    missing: bool


def narratives(settings: ReportSettings, text_dir: Path, status: str, words: Words) -> dict[str, Narrative]:
    """Every text of ``report.yaml``: the file's Markdown, or (concept) a visible box saying what
    belongs there; in a definitive report a missing text stops the run."""
    out = {}
    for name, spec in settings.texts.items():
        path = Path(text_dir) / f"{name}.md"
        text = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
        # The file the text goes in is named in the appendix on how the report was made, not in the box.
        out[name] = Narrative(name, spec.heading, text or words.common("missing_text", holds=spec.holds), not text)
    missing = [n for n in out.values() if n.missing]
    if status == "definitief" and missing:
        listed = "; ".join(f"‘{n.heading}’ (report/tekst/{n.name}.md)" for n in missing)
        raise ConfigurationError(
            f"het rapport is op 'definitief' gezet (params.yaml, rapportstatus), maar deze teksten ontbreken nog: {listed}. "
            "Schrijf ze, of zet rapportstatus op 'concept'."
        )
    return out


@dataclass(frozen=True)
class Item:
    """One group of a breakdown in a sentence: its label, its value as text, its n."""

    label: str
    value: str
    n: int

    @property
    def n_text(self) -> str:
        return fmt_int(self.n)


def _items(d: ReportData, groups: list[tuple[str, object, object]], decimals: int = 1, pct: bool = False) -> list[Item]:
    """The groups ``(label, value, n)`` that may be shown, formatted."""
    out = []
    for label, value, n in groups:
        if value is None or not d.sup.keeps(n):
            continue
        out.append(Item(label, fmt_pct(value, decimals) if pct else fmt_number(value, decimals), int(n)))
    return out


def breakdowns(d: ReportData) -> dict[str, list[Item]]:
    """Every breakdown the running text names, suppressed as the tables are."""
    k = d.k
    targets = d.targets
    plural = {t: d.target_plural(t).lower() for t in targets}
    out: dict[str, list[Item]] = {}
    contacts = k["contacts"]["by_target"]
    out["contacts_by_target"] = _items(d, [(plural[t], contacts[t]["per_closed_case_mean"], contacts[t]["closed_cases_n"]) for t in targets], 0)
    out["hours_by_target"] = _items(d, [(plural[t], contacts[t]["hours_per_closed_case_mean"], contacts[t]["closed_cases_n"]) for t in targets], 1)
    lead = k["lead_time_days"]
    out["lead_time_by_year"] = _items(d, [(y, lead["by_start_year"][y]["mean"], lead["by_start_year"][y]["n"]) for y in d.years], 0)
    out["lead_time_by_target"] = _items(d, [(plural[t], lead["by_target"][t]["mean"], lead["by_target"][t]["n"]) for t in targets], 0)
    duration = k["duration_days"]["expert"]
    out["duration_by_target"] = _items(d, [(plural[t], duration["by_target"][t]["mean"], duration["by_target"][t]["n"]) for t in targets], 0)
    paired = k["safety"]["client_paired"]["by_target"]
    out["safety_change_by_target"] = _items(d, [(plural[t], paired[t]["change_mean"], paired[t]["n"]) for t in targets], 1)
    grades = d.t("survey_grades")
    years = sorted(k["survey"]["grade_by_year"])
    out["grade_by_year"] = _items(d, [(y, *lookup(grades, "mean", breakdown="interview_year", group=y)) for y in years], 1)
    means = d.t("safety_means")
    out["safety_start"] = _items(d, [(d.cb.label("rater", r).lower(), *lookup(means, "mean", rater=r, moment="start"))
                                     for r in d.cb.codes("rater")], 1)
    out["safety_end"] = _items(d, [(d.cb.label("rater", r).lower(), *lookup(means, "mean", rater=r, moment="end"))
                                   for r in d.cb.codes("rater")], 1)
    development = k["problems"]["development"]
    improved = [(d.cb.label("problem_area", a).lower(),
                 None if development[a]["n"] == 0 else (development[a]["decreased_pct"] or 0) + (development[a]["stopped_pct"] or 0),
                 development[a]["n"]) for a in d.cb.codes("problem_area")]
    out["improved_by_area"] = sorted(_items(d, improved, 0, pct=True), key=lambda item: -float(item.value.rstrip("%").replace(",", ".")))
    return out


def open_answer_summary(d: ReportData, top: int = 5) -> dict[str, dict]:
    """Per open question: answers, coded answers, and the most named themes with count, % and,
    per doelgroep, % with n (suppressed as the tables are)."""
    summary = d.t("open_answers")
    themes = d.t("open_answer_themes")
    out = {}
    for question, spec in d.cb.open_answers.get("questions", {}).items():
        answers, _ = lookup(summary, "answers", question=question)
        coded, _ = lookup(summary, "coded", question=question)
        items = []
        if themes is not None and len(themes) and coded:
            q = themes[(themes["question"] == question) & (themes["breakdown"] == "total") & (themes["measure"] == "count")]
            q = q[q["value"] > 0].sort_values(["value", "theme"], ascending=[False, True]).head(top)
            for theme, count in zip(q["theme"], q["value"]):
                pct, _n = lookup(themes, "pct", question=question, breakdown="total", group=TOTAL, theme=theme)
                by_target = _items(d, [(d.target_plural(t).lower(), *lookup(themes, "pct", question=question, breakdown="target",
                                                                                 group=t, theme=theme)) for t in d.targets], 0, pct=True)
                items.append({"theme": theme, "count": int(count), "pct": pct, "by_target": by_target})
        out[question] = {"label": spec["label_nl"], "answers": int(answers or 0), "coded": int(coded or 0), "top": items}
    return out
