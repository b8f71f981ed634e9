"""The report stage: indicators + figures → ``report/report.qmd`` → HTML and PDF.

The jinja2 template ``report/templates/report.qmd.j2`` holds the Dutch text; every number in it
comes from the key figures (``kerncijfers.json``), the indicator tables or the run's metadata,
formatted the Dutch way (:mod:`pipeline.fmt`). Tables are built here as Markdown pipe tables with
a caption line ``: Bijschrift {#tbl-…}``; breakdown cells on fewer than ``min_group_n`` cases are
shown as ``–`` with a footnote. Narrative parts that no data can write come from
``report/tekst/<naam>.md`` (a missing file gives a visible placeholder). The report never shows a
pseudonym or any other identifier: only counts, means and percentages.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from pipeline import atomic
from pipeline.codebook import Codebook, load_codebook
from pipeline.fmt import fmt_date, fmt_int, fmt_number, fmt_pct
from pipeline.paths import CLEAN_DIR, FIGURES_DIR, INDICATOR_TABLES_DIR, KERNCIJFERS_FILE, REPORT_DIR, ROOT

log = logging.getLogger("pipeline.report")

TEMPLATE_DIR = REPORT_DIR / "templates"
TEXT_DIR = REPORT_DIR / "tekst"
DASH = "–"

# Narrative files per edition (report/tekst/<name>.md) and what each should hold.
NARRATIVE = {
    "inleiding": "de inleiding: aanleiding, doel en opzet van de evaluatie",
    "project": "de beschrijving van het project (teams, ervaringsdeskundigen, uren, activiteiten)",
    "doel_van_de_inzet": "de meest genoemde doelen van de inzet (open antwoorden op het startformulier)",
    "resultaten": "de bereikte resultaten en wat nog nodig is (open antwoorden op het eindformulier)",
    "meerwaarde_clienten": "wat cliënten goed vonden en wat beter kan (open antwoorden cliëntervaringsonderzoek)",
    "ervaringen_ervaringsdeskundigen": "de bevindingen uit het groepsinterview met de ervaringsdeskundigen",
    "ervaringen_professionals": "de bevindingen uit de groepsinterviews met professionals",
    "casusbeschrijving": "de casusbeschrijving",
    "conclusies_kwalitatief": "de antwoorden op de kennisvragen die uit interviews komen (vragen 4 tot en met 6)",
    "vervolgadvies": "de aanbevelingen voor de doorontwikkeling",
}


def narrative(name: str, text_dir: Path = TEXT_DIR) -> str:
    """The researchers' text for one part of the report, or a visible placeholder."""
    path = Path(text_dir) / f"{name}.md"
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    return (
        f"> **Tekst ontbreekt nog.** Hier komt {NARRATIVE[name]}. "
        f"Schrijf deze tekst in `report/tekst/{name}.md`; de pijplijn zet hem op deze plek."
    )


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A Markdown pipe table with caption and id; ``notes`` become the line under it."""

    ident: str
    caption: str
    header: list[str]
    rows: list[list[str]]
    align: list[str] | None = None  # "l" or "r" per column
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        align = self.align or ["l"] + ["r"] * (len(self.header) - 1)
        rule = ["---:" if a == "r" else ":---" for a in align]
        lines = ["", "| " + " | ".join(self.header) + " |", "| " + " | ".join(rule) + " |"]  # a table starts a block
        lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in self.rows]
        lines += ["", f": {self.caption} {{#tbl-{self.ident}}}"]
        if self.notes:
            for note in self.notes:
                lines += ["", f"*{note}*"]
        return "\n".join(lines)


class Suppressor:
    """Breakdown cells on fewer than ``min_n`` cases are shown as ``–`` (totals always shown)."""

    def __init__(self, min_n: int):
        self.min_n = min_n
        self.used = False

    def note(self) -> str:
        return f"– = niet getoond: gebaseerd op minder dan {self.min_n} casussen (of geen gegevens)."

    def __call__(self, text: str, n: object, total: bool = False) -> str:
        if total:
            return text
        if n is None or (isinstance(n, float) and pd.isna(n)) or int(n) < self.min_n:
            self.used = True
            return DASH
        return text


def n_label(label: str, n: object) -> str:
    return f"{label} (n={fmt_int(n)})"


# --------------------------------------------------------------------------- context


def pipeline_version() -> str:
    """The version of this package (``pyproject.toml``), named in the report's colophon."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cirkel-pipeline")
    except PackageNotFoundError:
        return "onbekend"


def load_tables(tables_dir: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p) for p in sorted(Path(tables_dir).glob("*.csv"))}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        comment_start_string="{##",  # "{#" opens Quarto/pandoc attributes such as {#tbl-x}
        comment_end_string="##}",
    )
    env.filters.update(num=fmt_number, int=fmt_int, pct=fmt_pct, date=fmt_date)
    return env


def render_qmd(context: dict) -> str:
    return _env().get_template("report.qmd.j2").render(**context)


def run_report(engine: str = "auto") -> None:
    """The report stage: write ``report/report.qmd``, then render HTML and PDF."""
    from pipeline.params import load_params
    from pipeline.render import render_report
    from pipeline.report_context import build_context

    params = load_params()
    context = build_context(
        json.loads(KERNCIJFERS_FILE.read_text(encoding="utf-8")),
        load_tables(INDICATOR_TABLES_DIR),
        json.loads((FIGURES_DIR / "figures.json").read_text(encoding="utf-8")),
        params,
        json.loads((CLEAN_DIR / "manifest.json").read_text(encoding="utf-8")),
        pd.read_csv(CLEAN_DIR / "data_quality.csv"),
        pd.read_csv(CLEAN_DIR / "flow.csv"),
    )
    qmd = REPORT_DIR / "report.qmd"
    atomic.write_text(qmd, render_qmd(context))
    used = render_report(qmd, REPORT_DIR / "report.html", REPORT_DIR / "report.pdf", stamp=params.report_date, engine=engine)
    log.info("report: %s gerenderd met %s", qmd.name, used)
