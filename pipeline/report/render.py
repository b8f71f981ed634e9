"""Render ``report.qmd`` to a self-contained HTML file and a PDF.

Two engines give the same document:

* ``quarto``: the Quarto CLI through the ``quarto`` Python wrapper, used when a ``quarto`` binary
  is on PATH (``--to html`` with embedded resources, ``--to typst`` for the PDF);
* ``pandoc``: the fallback that needs only wheels: pandoc (``pypandoc-binary``) writes the HTML
  (``--embed-resources``) and a Typst file, which the ``typst`` wheel compiles to PDF. The Lua
  filter ``report/filters/crossref.lua`` does what Quarto's crossref does (numbered "Tabel N" /
  "Figuur N" captions, ``@tbl-…`` references).

Both write to a staging folder and move the results into place only when both succeeded, so a
failed render leaves the previous HTML and PDF untouched. Outputs are reproducible: the PDF's
timestamp is the report's date (the publication date, else the peildatum); Typst uses only its embedded fonts
and matplotlib's DejaVu fonts, never the machine's.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import ConfigurationError

log = logging.getLogger("pipeline.render")

ASSETS = "assets"
FILTER = Path("filters") / "crossref.lua"


def available_engine() -> str:
    """``quarto`` when the Quarto CLI is on PATH, otherwise ``pandoc``."""
    return "quarto" if shutil.which("quarto") else "pandoc"


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ConfigurationError(f"renderen mislukt ({Path(args[0]).name}): {done.stderr.strip() or done.stdout.strip()}")
    for line in done.stderr.splitlines():
        if line.strip():
            log.warning("%s: %s", Path(args[0]).name, line.strip())


def _timestamp(stamp: dt.date) -> int:
    return int(dt.datetime(stamp.year, stamp.month, stamp.day, tzinfo=dt.timezone.utc).timestamp())


def figure_font_dir() -> str:
    """The folder of the DejaVu fonts that matplotlib ships: the figures' SVG text is set in DejaVu
    Sans, so the PDF embeds exactly the font the figures were measured with."""
    import matplotlib

    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")


def render_pandoc(qmd: Path, html: Path, pdf: Path, stamp: dt.date) -> None:
    """HTML with pandoc, PDF with pandoc → Typst (the project's template) → the ``typst`` wheel."""
    import typst

    base = qmd.parent
    pandoc = pandoc_path()
    common = [pandoc, qmd.name, "--from", "markdown", "--standalone", "--number-sections", "--toc", "--toc-depth=2",
              "--lua-filter", str(base / FILTER), "--metadata", "toc-title=Inhoud", "--columns=10000"]
    _run([*common, "--to", "html5", "--embed-resources", "--css", str(base / ASSETS / "report.css"),
          "--resource-path", str(base), "--output", str(html)], cwd=base)
    with tempfile.NamedTemporaryFile("w", suffix=".typ", dir=base, delete=False) as handle:
        typ = Path(handle.name)
    try:
        _run([*common, "--to", "typst", "--template", str(base / ASSETS / "report.typ"), "--output", str(typ)], cwd=base)
        typst.compile(str(typ), output=str(pdf), root=str(base), font_paths=[figure_font_dir()], ignore_system_fonts=True,
                      timestamp=_timestamp(stamp))
    finally:
        typ.unlink(missing_ok=True)


def render_quarto(qmd: Path, html: Path, pdf: Path) -> None:
    """The Quarto CLI (found as the ``quarto`` wrapper finds it: ``$QUARTO_PATH``, else PATH):
    HTML and Typst PDF, rendered from a copy of the report folder's sources in the staging folder
    of ``html``, so that a failed render can never leave last run's output in place. The wrapper's
    own ``render`` ignores Quarto's exit status; this runs the same command and checks it."""
    from quarto.quarto import find_quarto

    work = html.parent / "quarto"
    work.mkdir()
    for folder in (ASSETS, "filters", "figures"):
        if (qmd.parent / folder).is_dir():
            shutil.copytree(qmd.parent / folder, work / folder)
    source = work / qmd.name
    shutil.copy(qmd, source)
    for output_format in ("html", "typst"):
        _run([find_quarto(), "render", source.name, "--to", output_format, "--no-execute"], work)
    for produced, target in [(source.with_suffix(".html"), html), (source.with_suffix(".pdf"), pdf)]:
        if not produced.is_file():
            raise ConfigurationError(f"renderen mislukt (quarto): {produced.name} is niet gemaakt")
        shutil.move(str(produced), target)


def render_report(qmd: Path, html_out: Path, pdf_out: Path, stamp: dt.date, engine: str = "auto") -> str:
    """Render ``qmd`` to ``html_out`` and ``pdf_out`` (both or neither replaced); return the engine used."""
    qmd, html_out, pdf_out = Path(qmd), Path(html_out), Path(pdf_out)
    if engine == "auto":
        engine = available_engine()
    if engine == "quarto" and not shutil.which("quarto"):
        raise ConfigurationError("--engine quarto gevraagd, maar er staat geen `quarto` op PATH (gebruik --engine pandoc)")
    staging = Path(tempfile.mkdtemp(prefix=".render.", dir=qmd.parent))
    try:
        html_tmp, pdf_tmp = staging / html_out.name, staging / pdf_out.name
        if engine == "quarto":
            render_quarto(qmd, html_tmp, pdf_tmp)
        elif engine == "pandoc":
            render_pandoc(qmd, html_tmp, pdf_tmp, stamp)
        else:
            raise ConfigurationError(f"onbekende renderer {engine!r} (kies auto, quarto of pandoc)")
        for tmp, out in [(html_tmp, html_out), (pdf_tmp, pdf_out)]:
            os.chmod(tmp, 0o644)
            os.replace(tmp, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return engine
