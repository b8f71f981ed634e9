"""The report as a reviewer reads it: one suppression rule everywhere, appendices that add up, no
internals, a concept mark, a PDF with language, alt text and a cover, and reproducible bytes.

The demo export is rendered twice: with ``min_group_n`` 5, and with 1 (nothing suppressed), which
shows that the checks would find a small group's figure if it leaked. The demo's interviews of
2018 are the issue's own example: two grades (9 and 7), so "8,0 in 2018 (n=2)".
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.codebook import load_codebook
from pipeline.errors import ConfigurationError
from pipeline.fmt import fmt_date, fmt_int, fmt_number, fmt_pct
from pipeline.params import Params
from pipeline.report.context import build_context
from pipeline.report.render import available_engine, render_report
from pipeline.report.settings import load_report_settings
from pipeline.report.stage import pipeline_version, render_qmd
from pipeline.report.tables import Suppressor

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
PEIL = dt.date(2021, 1, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, test_key):
    """The demo export through ingest, indicators and figures, in process."""
    from pipeline.indicators import compute_indicators
    from pipeline.report.figures import make_figures
    from pipeline.stages import clean_run

    root = tmp_path_factory.mktemp("report")
    with test_key(root):
        result = clean_run(DEMO, PEIL)
    ind = compute_indicators(result.clean, PEIL, 5, forms_unlinked=result.forms_unlinked)
    figures = {}
    for min_n in (5, 1):
        out = root / f"figures-{min_n}"
        figures[min_n] = [f.__dict__ for f in make_figures(ind.kerncijfers, ind.tables, out, min_n)]
    return {"root": root, "result": result, "ind": ind, "figures": figures}


def _context(
    demo, min_n: int = 5, status: str = "concept", text_dir: Path | None = None, published: dt.date | None = None
) -> dict:
    params = Params(raw_dir=DEMO, peildatum=PEIL, min_group_n=min_n, rapportstatus=status, publicatiedatum=published)
    r = demo["result"]
    return build_context(
        demo["ind"].kerncijfers,
        demo["ind"].tables,
        demo["figures"].get(min_n, demo["figures"][5]),
        params,
        r.manifest,
        r.data_quality,
        r.flow,
        load_codebook(),
        load_report_settings(),
        text_dir or ROOT / "report" / "tekst",
        pipeline_version(),
    )


def _render(demo, context: dict, out: Path, min_n: int = 5, engine: str = "pandoc") -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    for folder in ["filters", "assets"]:
        shutil.copytree(ROOT / "report" / folder, out / folder, dirs_exist_ok=True)
    shutil.copytree(demo["root"] / f"figures-{min_n}", out / "figures", dirs_exist_ok=True)
    qmd = out / "report.qmd"
    qmd.write_text(render_qmd(context), encoding="utf-8")
    used = render_report(qmd, out / "report.html", out / "report.pdf", stamp=PEIL, engine=engine)
    assert used == (available_engine() if engine == "auto" else engine)
    return out / "report.html", out / "report.pdf"


class _Text(HTMLParser):
    """The visible text of an HTML page, paragraph by paragraph, and its tables as lists of rows."""

    def __init__(self):
        super().__init__()
        self.paragraphs: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.captions: list[str] = []
        self._stack: list[str] = []
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._stack.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        if tag in ("p", "td", "th", "li", "caption", "figcaption", "h1", "h2", "h3"):
            self._buffer = []

    def handle_endtag(self, tag):
        text = " ".join("".join(self._buffer).split())
        if tag in ("td", "th") and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(text)
        elif tag == "caption":
            self.captions.append(text)
        elif tag in ("p", "li", "figcaption", "h1", "h2", "h3") and "table" not in self._stack:
            self.paragraphs.append(text)
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        self._buffer.append(data)


def _parse(html: Path) -> _Text:
    parser = _Text()
    parser.feed(html.read_text(encoding="utf-8"))
    return parser


def _pdf_text(pdf: Path) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(pdf).pages)


@pytest.fixture(scope="module")
def rendered(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("rendered")
    html, pdf = _render(demo, _context(demo, 5), out / "min5", 5)
    html1, pdf1 = _render(demo, _context(demo, 1), out / "min1", 1)
    return {"html": html, "pdf": pdf, "html1": html1, "pdf1": pdf1}


# --------------------------------------------------------------------------- suppression


def test_dutch_formatting():
    assert fmt_number(1234.56) == "1.234,6"
    assert fmt_number(2.5, 0) == "3"  # half away from zero
    assert fmt_pct(200 / 3) == "67%"
    assert fmt_int(1317) == "1.317"
    assert fmt_number(None) == "–"
    assert fmt_date(dt.date(2021, 1, 1)) == "1 januari 2021"


def test_the_suppressor_is_the_one_rule():
    sup = Suppressor(5)
    assert sup("8,0", 2) == "–" and sup.used
    assert sup("8,0", 5) == "8,0" and sup("8,0", 2, total=True) == "8,0"
    assert not sup.keeps(None) and not sup.keeps(4) and sup.keeps(5)


def test_a_small_group_shows_no_figure_in_sentences_html_or_pdf(rendered):
    """The demo's 2018 interviews: two grades. Without suppression the sentence names them; with it,
    no sentence, table cell or figure label in the HTML or the PDF does."""
    planted = "8,0 in 2018 (n=2)"
    assert planted in rendered["html1"].read_text(encoding="utf-8")  # the check can see a leak
    assert planted in _pdf_text(rendered["pdf1"])
    for text in (rendered["html"].read_text(encoding="utf-8"), _pdf_text(rendered["pdf"])):
        assert "in 2018 (n=2)" not in text and planted not in text
        # no breakdown in a sentence rests on fewer than 5 cases: "value ... (n=k)" with k < 5
        for match in re.finditer(r"(\d+,\d|\d+%|\d+ dagen|\d+ contacten)[^().;]{0,20}\(n=(\d+)\)", text):
            assert int(match.group(2)) >= 5, match.group()


def test_table_cells_of_small_groups_are_dashes(demo):
    """With a threshold of 30 many teams, years and doelgroepen are small: a row or column whose
    label says n < 30 holds no mean and no percentage, only counts or –."""
    min_n = 30
    allowed = re.compile(r"^(–|\d[\d.]*( \(–\))?|–( – –)?|\*\*.*\*\*)$")
    checked = 0
    for name, markdown in _context(demo, min_n)["t"].items():
        lines = [line for line in markdown.splitlines() if line.startswith("|")]
        if name in (
            "knowledge_questions",
            "accountability",
            "flow_by_file",
            "data_quality",
            "cases_by_team_year",
            "status_by_year",
        ):
            continue  # no breakdown means or percentages
        rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines if not set(line) <= set("|-: ")]
        header, *body = rows
        small_columns = [i for i, h in enumerate(header) if (m := re.search(r"\(n=(\d+)\)", h)) and int(m.group(1)) < min_n]
        for row in body:
            label = re.search(r"\(n=(\d+)\)", row[0])
            cells = row[1:] if label and int(label.group(1)) < min_n else [row[i] for i in small_columns if i < len(row)]
            for cell in cells:
                checked += 1
                assert allowed.match(cell), (name, row[0], cell)
    assert checked > 50


def test_figures_leave_small_groups_out_and_say_so(demo):
    figures = {f["key"]: f for f in demo["figures"][5]}
    figures_all = {f["key"]: f for f in demo["figures"][1]}
    left_out = [f["caption"] for f in figures.values() if "Niet getoond" in f["caption"]]
    k = demo["ind"].kerncijfers
    small = [y for y, g in k["contacts"]["by_start_year"].items() if g["closed_cases_n"] < 5]
    if small:
        assert left_out
    assert all("Niet getoond" not in f["caption"] for f in figures_all.values())
    for key, figure in figures.items():
        assert figure["alt"] and figure["caption"], key


# --------------------------------------------------------------------------- structure and reconciliation


def test_every_table_and_figure_is_numbered_and_referenced(rendered):
    text = rendered["html"].read_text(encoding="utf-8")
    assert "??" not in text, "an unresolved cross-reference"
    for n in range(1, 23):
        assert f"Tabel {n}:" in text, n
    for n in range(1, 5):
        assert f"Figuur {n}:" in text, n
    assert 'lang="nl-NL"' in text


def test_appendix_b_adds_up_and_agrees_with_table_2(demo, rendered):
    page = _parse(rendered["html"])
    table = next(t for t, c in zip(page.tables, page.captions) if c.startswith("Tabel 20"))
    header, *rows = table
    assert header[:3] == ["Bestand", "Gelezen", "Geanalyseerd"]
    numbers = [[int(cell.strip("*").replace(".", "")) for cell in row[1:]] for row in rows]
    for row, values in zip(rows, numbers):
        assert values[0] == sum(values[1:]), row  # read = every way a row can go
    *files, total = numbers
    assert total == [sum(column) for column in zip(*files)]
    k = demo["ind"].kerncijfers
    caselist = numbers[0]
    assert caselist[1] == k["flow"]["cases_analysed"]
    assert caselist[2] == k["flow"]["cases_after_peildatum"] + k["flow"]["cases_no_registration"]
    assert total[header.index("Niet te koppelen") - 1] == k["flow"]["forms_unlinked"]


def test_the_reader_sees_no_internals(rendered):
    page = _parse(rendered["html"])
    body = " ".join(page.paragraphs[: next(i for i, p in enumerate(page.paragraphs) if p.startswith("Bijlage D"))])
    for internal in [
        "pijplijn",
        "report/tekst",
        ".md",
        "min_group_n",
        "dvc",
        "sha256",
        "git ",
        "kerncijfers",
        "rapport over 2018",
        "vorige rapport",
        "duplicate_row",
        "expert_before_professional",
        "Tekst ontbreekt",
    ]:
        assert internal not in body, internal
    quality = next(t for t, c in zip(page.tables, page.captions) if c.startswith("Tabel 19"))
    assert "Dubbele rij" in [row[0] for row in quality]


# --------------------------------------------------------------------------- concept and definitive


def test_a_concept_is_marked_and_lists_the_texts_still_to_write(rendered):
    html = rendered["html"].read_text(encoding="utf-8")
    assert "Concept." in html and "Nog te schrijven:" in html and "Tekst volgt." in html
    assert "CONCEPT" in _pdf_text(rendered["pdf"])


def test_a_definitive_report_with_a_missing_text_stops_and_names_it(demo, tmp_path):
    with pytest.raises(ConfigurationError, match="Inleiding") as caught:
        _context(demo, status="definitief", text_dir=tmp_path)
    assert "inleiding.md" in str(caught.value)
    for spec in load_report_settings().texts.values():
        (tmp_path / f"{spec.name}.md").write_text(f"Tekst over {spec.heading}.", encoding="utf-8")
    context = _context(demo, status="definitief", text_dir=tmp_path, published=dt.date(2021, 3, 15))
    html, pdf = _render(demo, context, tmp_path / "out")
    text = _pdf_text(pdf)
    assert "15 maart 2021" in text and "CONCEPT" not in text and "Nog te schrijven" not in html.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- PDF and HTML


def test_pdf_has_a_cover_language_alt_text_and_running_headers(rendered):
    from pypdf import PdfReader

    reader = PdfReader(rendered["pdf"])
    assert reader.trailer["/Root"].get("/Lang") == "nl-NL"
    assert rendered["pdf"].read_bytes().count(b"/Alt") >= 4  # the four figures' alt text
    cover = reader.pages[0].extract_text()
    settings = load_report_settings()
    assert settings.identity.organisation in cover and "Concept" in cover
    assert "West-\n" not in cover  # the title keeps West-Brabant together
    later = reader.pages[6].extract_text()
    assert settings.identity.short_title in later


def test_html_figures_keep_their_text_and_alt(rendered):
    html = rendered["html"].read_text(encoding="utf-8")
    svgs = [base64.b64decode(m) for m in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    assert len(svgs) == 4
    for svg in svgs:
        assert b"<text" in svg and b"DejaVu Sans" in svg  # text stays text (selectable, read aloud)
        # no data-frame column name reaches a reader as an axis or legend title
        words = {t.strip() for t in re.findall(r">([^<>]+)</text>", svg.decode("utf-8"))}
        internal = {"what", "group", "pair", "moment", "score", "n", "w", "target", "measure", "value", "year", "share"}
        assert not words & internal, words & internal
    assert html.count('alt="') >= 4


def test_fallback_render_is_byte_identical_on_rerun(demo, tmp_path):
    context = _context(demo)
    first = [p.read_bytes() for p in _render(demo, context, tmp_path / "a")]
    second = [p.read_bytes() for p in _render(demo, context, tmp_path / "b")]
    assert first == second


# The Quarto CLI is on no package registry, so it is not on this machine; its route is tested with a
# stand-in `quarto` on PATH that records its arguments and writes what `quarto render` writes (the
# real rendering of the same .qmd is tested through pandoc and Typst above).
FAKE_QUARTO = """#!/bin/sh
echo "$@" >> "$QUARTO_LOG"
[ -n "$QUARTO_FAIL" ] && exit 1
stem=$(basename "$2" .qmd)
case "$4" in
  html) echo "<html>gerenderd door quarto uit $2</html>" > "$stem.html" ;;
  typst) printf '%%PDF-1.7 quarto' > "$stem.pdf" ;;
esac
"""


def _fake_quarto(tmp_path: Path, monkeypatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "quarto").write_text(FAKE_QUARTO)
    (bin_dir / "quarto").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("QUARTO_PATH", raising=False)
    monkeypatch.setenv("QUARTO_LOG", str(tmp_path / "quarto.log"))
    return tmp_path / "quarto.log"


def test_with_quarto_on_path_the_report_is_rendered_by_quarto(demo, tmp_path, monkeypatch):
    log = _fake_quarto(tmp_path, monkeypatch)
    assert available_engine() == "quarto"
    html, pdf = _render(demo, _context(demo), tmp_path / "out", engine="auto")
    assert "gerenderd door quarto uit report.qmd" in html.read_text(encoding="utf-8")
    assert pdf.read_bytes().startswith(b"%PDF")
    calls = log.read_text().splitlines()
    assert calls == ["render report.qmd --to html --no-execute", "render report.qmd --to typst --no-execute"]


def test_a_failing_quarto_stops_and_leaves_the_last_report_in_place(demo, tmp_path, monkeypatch):
    _fake_quarto(tmp_path, monkeypatch)
    html, pdf = _render(demo, _context(demo), tmp_path / "out", engine="pandoc")
    before = html.read_bytes(), pdf.read_bytes()
    monkeypatch.setenv("QUARTO_FAIL", "1")
    with pytest.raises(ConfigurationError, match="quarto"):
        render_report(html.with_name("report.qmd"), html, pdf, PEIL, engine="quarto")
    assert (html.read_bytes(), pdf.read_bytes()) == before


def test_params_replace_keeps_the_report_date():
    params = Params(raw_dir=DEMO, peildatum=PEIL, min_group_n=5)
    assert params.report_date == PEIL and replace(params, publicatiedatum=dt.date(2021, 3, 1)).report_date == dt.date(2021, 3, 1)
