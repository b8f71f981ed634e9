"""The report stage: indicators + figures → ``report/report.qmd`` → HTML and PDF.

The jinja2 template ``report/templates/report.qmd.j2`` holds the report's structure and standard
Dutch text; the organisation's identity, knowledge questions and texts come from the
configuration folder (``report.yaml``), every number from the key figures and indicator tables
(:mod:`pipeline.report.context`), formatted the Dutch way (:mod:`pipeline.fmt`). The report never
shows a pseudonym or any other identifier: only counts, means and percentages.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import jinja2
import pandas as pd

from pipeline import atomic
from pipeline.fmt import fmt_date, fmt_int, fmt_number, fmt_pct
from pipeline.paths import CLEAN_DIR, FIGURES_DIR, INDICATOR_TABLES_DIR, KERNCIJFERS_FILE, REPORT_DIR

log = logging.getLogger("pipeline.report")

TEMPLATE_DIR = REPORT_DIR / "templates"
TEXT_DIR = REPORT_DIR / "tekst"


def pipeline_version() -> str:
    """The version of this package (``pyproject.toml``), named in the report's colophon."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cirkel-pipeline")
    except PackageNotFoundError:
        return "onbekend"


def load_tables(tables_dir: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p) for p in sorted(Path(tables_dir).glob("*.csv"))}


def _env(template_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        comment_start_string="{##",  # "{#" opens Quarto/pandoc attributes such as {#tbl-x}
        comment_end_string="##}",
    )
    env.filters.update(num=fmt_number, int=fmt_int, pct=fmt_pct, date=fmt_date, nowrap=nowrap_hyphenated)
    return env


def nowrap_hyphenated(text: str) -> str:
    """Markdown in which no hyphenated word breaks at its hyphen (``[West-Brabant]{.nowrap}``)."""
    import re

    return re.sub(r"(?<![\w\[])(\w+(?:-\w+)+)(?![\w\]])", r"[\1]{.nowrap}", text)


def render_qmd(context: dict, template_dir: Path = TEMPLATE_DIR) -> str:
    return _env(Path(template_dir)).get_template("report.qmd.j2").render(**context)


def run_report(engine: str = "auto") -> None:
    """The report stage: write ``report/report.qmd``, then render HTML and PDF."""
    from pipeline.codebook import load_codebook
    from pipeline.params import load_params
    from pipeline.report.context import build_context
    from pipeline.report.render import render_report
    from pipeline.report.settings import load_report_settings

    params = load_params()
    context = build_context(
        json.loads(KERNCIJFERS_FILE.read_text(encoding="utf-8")),
        load_tables(INDICATOR_TABLES_DIR),
        json.loads((FIGURES_DIR / "figures.json").read_text(encoding="utf-8")),
        params,
        json.loads((CLEAN_DIR / "manifest.json").read_text(encoding="utf-8")),
        pd.read_csv(CLEAN_DIR / "data_quality.csv"),
        pd.read_csv(CLEAN_DIR / "flow.csv"),
        load_codebook(),
        load_report_settings(),
        TEXT_DIR,
        pipeline_version(),
    )
    for missing in context["missing_texts"]:
        log.warning("report: tekst ontbreekt nog: %s (report/tekst/%s.md)", missing.heading, missing.name)
    qmd = REPORT_DIR / "report.qmd"
    atomic.write_text(qmd, render_qmd(context))
    used = render_report(qmd, REPORT_DIR / "report.html", REPORT_DIR / "report.pdf", stamp=params.report_date, engine=engine)
    log.info("report: %s gerenderd met %s", qmd.name, used)
