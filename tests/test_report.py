"""The report: suppression of small groups, the pandoc/Typst fallback render, Quarto when present."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline.fmt import fmt_date, fmt_int, fmt_number, fmt_pct
from pipeline.indicators import compute_indicators
from pipeline.params import Params
from pipeline.pseudonym import ENV_KEY, ENV_KEY_FILE
from pipeline.render import render_report
from pipeline.report import render_qmd
from pipeline.report_context import build_context
from pipeline.stages import clean_run
from test_indicators import PEIL, write_export

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("report")
    mp.setenv(ENV_KEY, "r" * 40)
    mp.setenv(ENV_KEY_FILE, str(root / "none.key"))
    try:
        result = clean_run(write_export(root / "raw"), PEIL)
        ind = compute_indicators(result.clean, PEIL, 5, forms_unlinked=result.forms_unlinked)
        params = Params(raw_dir=root / "raw", peildatum=PEIL, min_group_n=5)
        return build_context(ind.kerncijfers, ind.tables, [], params, result.manifest, result.data_quality, result.flow)
    finally:
        mp.undo()


def test_dutch_formatting():
    assert fmt_number(1234.56) == "1.234,6"
    assert fmt_number(2.5, 0) == "3"  # half away from zero
    assert fmt_pct(200 / 3) == "67%"
    assert fmt_int(1317) == "1.317"
    assert fmt_number(None) == "–"
    assert fmt_date(dt.date(2021, 1, 1)) == "1 januari 2021"


def _row(markdown: str, label: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(f"| {label}"))


def test_a_group_below_min_group_n_never_shows_its_mean(context):
    # Veilig Thuis Team Onderzoek has one case with a lead time of 30 days (min_group_n = 5)
    row = _row(context["t"]["dagen_tot_inzet"], "Veilig Thuis Team Onderzoek (n=1)")
    assert "30" not in row.split("|", 2)[2] and "–" in row
    assert "minder dan 5 casussen" in context["t"]["dagen_tot_inzet"]
    # the total is always shown: (10 + 0 + 30) / 3 = 13,3 → 13
    assert "**13**" in _row(context["t"]["dagen_tot_inzet"], "**Totaal (n=3)")
    row = _row(context["t"]["rapportcijfer_team"], "Safegroup Team Ambulant (n=1)")
    assert "8,0" not in row


def test_report_has_no_identifier_or_pseudonym(context):
    qmd = render_qmd(context)
    for identifier in ["CIR-000", "Zoë", "Anna Jansen", "Bram Vos", "C-", "E-"]:
        assert identifier not in qmd.replace("E-mail", "").replace("–", ""), identifier


def _render(context, out: Path, engine: str) -> tuple[Path, Path]:
    for folder in ["filters", "assets"]:
        shutil.copytree(ROOT / "report" / folder, out / folder, dirs_exist_ok=True)
    qmd = out / "report.qmd"
    qmd.write_text(render_qmd(context), encoding="utf-8")
    used = render_report(qmd, out / "report.html", out / "report.pdf", stamp=context["peildatum"], engine=engine)
    assert used == engine
    return out / "report.html", out / "report.pdf"


def test_fallback_render_numbers_captions_and_writes_a_pdf(context, tmp_path):
    html, pdf = _render(context, tmp_path, "pandoc")
    text = html.read_text(encoding="utf-8")
    assert "??" not in text, "an unresolved cross-reference"
    for n in range(2, 19):
        assert f"Tabel {n}:" in text, n
    assert 'lang="nl"' in text
    assert "Tekst ontbreekt nog" in text  # a missing narrative file is a visible placeholder
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert len(reader.pages) >= 6
    pdf_text = " ".join(page.extract_text() for page in reader.pages)
    for heading in ["Samenvatting", "Methode", "Contacten met personen niet in een casus", "Bijlage B", "Colofon"]:
        assert heading in pdf_text, heading
    k = context["k"]
    assert f"{k['flow']['cases_analysed']} casussen" in pdf_text
    assert "Tabel 18" in pdf_text and "1 januari 2021" in pdf_text


def test_fallback_render_is_byte_identical_on_rerun(context, tmp_path):
    first = [p.read_bytes() for p in _render(context, tmp_path / "a", "pandoc")]
    second = [p.read_bytes() for p in _render(context, tmp_path / "b", "pandoc")]
    assert first == second


def test_quarto_render_when_quarto_is_installed(context, tmp_path):
    if shutil.which("quarto") is None:
        pytest.skip("geen `quarto` op PATH: de Quarto-route is hier niet te testen (de pandoc-route wel, hierboven)")
    html, pdf = _render(context, tmp_path, "quarto")
    assert "Tabel 2" in html.read_text(encoding="utf-8") and pdf.stat().st_size > 0
