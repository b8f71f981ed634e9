"""Command line: ``python -m pipeline <command>`` (also installed as ``cirkel``).

Every stage of ``dvc.yaml`` is a command here; ``--help`` on each says what it reads and writes.
Problems in the exports or the settings end with one message on stderr and a non-zero exit
code (1: a structural problem in the exports; 2: settings, key or paths), never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.errors import ConfigurationError, StructuralError

log = logging.getLogger("pipeline")

EXIT_STRUCTURAL = 1
EXIT_CONFIGURATION = 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is geen datum jjjj-mm-dd") from exc


def _params():
    from pipeline.params import load_params

    return load_params()


# --------------------------------------------------------------------------- commands


def cmd_ingest(args: argparse.Namespace) -> int:
    from pipeline.paths import CLEAN_DIR
    from pipeline.stages import run_ingest

    params = _params()
    raw_dir = Path(args.raw_dir) if args.raw_dir else params.raw_dir
    peildatum = args.peildatum or params.peildatum
    run_ingest(raw_dir, peildatum, Path(args.out) if args.out else CLEAN_DIR)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pipeline.validate import validate_exports

    peildatum = args.peildatum or _params().peildatum
    result = validate_exports(Path(args.raw_dir), peildatum)
    print(result.text)
    return 0 if result.ok else EXIT_STRUCTURAL


def cmd_indicators(args: argparse.Namespace) -> int:
    from pipeline.paths import CLEAN_DIR
    from pipeline.stages import run_indicators

    params = _params()
    run_indicators(
        args.peildatum or params.peildatum,
        params.min_group_n if args.min_group_n is None else args.min_group_n,
        clean_dir=Path(args.clean_dir) if args.clean_dir else CLEAN_DIR,
        out_dir=args.out,
        coding_dir=args.coding_dir,
    )
    return 0


def cmd_spss(args: argparse.Namespace) -> int:
    from pipeline.params import load_params
    from pipeline.stages import run_spss

    run_spss(load_params().peildatum, out_dir=Path(args.out) if args.out else None)
    return 0


def cmd_figures(args: argparse.Namespace) -> int:
    from pipeline.report.figures import run_figures

    run_figures()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.report.stage import run_report

    run_report(engine=args.engine)
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from pipeline.demo import parse_years, write_demo_export

    years = parse_years(args.years) if args.years else None
    summary = write_demo_export(
        Path(args.out_dir), seed=args.seed, years=years, scale=args.scale, config=Path(args.config) if args.config else None
    )
    log.info("demo-data: %d casussen, %d bestanden → %s", summary.n_cases, len(summary.files), args.out_dir)
    return 0


def cmd_data_dictionary(args: argparse.Namespace) -> int:
    from pipeline import atomic
    from pipeline.codebook import load_codebook
    from pipeline.dictionary import clean_data_dictionary
    from pipeline.paths import ROOT

    out = Path(args.out) if args.out else ROOT / "docs" / "clean-data.md"
    atomic.write_text(out, clean_data_dictionary(load_codebook()))
    log.info("data-dictionary: %s", out)
    return 0


def cmd_coding_sheet(args: argparse.Namespace) -> int:
    from pipeline.coding import export_coding_sheet
    from pipeline.load import clean_data
    from pipeline.paths import CODING_DIR

    out = Path(args.out) if args.out else CODING_DIR / "open_antwoorden_codeerblad.xlsx"
    n = export_coding_sheet(clean_data(), out)
    log.info("coding-sheet: %d open antwoorden → %s", n, out)
    print(f"Codeerblad met {n} open antwoorden geschreven naar {out}.")
    print(
        f"Vul de themakolommen in en bewaar het blad als {CODING_DIR.name}/<naam>_gecodeerd.xlsx; `dvc repro` telt dan de thema's."
    )
    return 0


def _count(text: str) -> int:
    """A whole number, 0 or more (for argparse)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"geen geheel getal van 0 of meer: {text!r}")
    return int(text)


def cmd_bench(args: argparse.Namespace) -> int:
    from pipeline.bench import DEFAULT_SCALES, markdown_table, run_bench
    from pipeline.paths import ROOT

    out = Path(args.out) if args.out else ROOT / "bench" / "results.json"
    results = run_bench(
        args.scale or DEFAULT_SCALES,
        out,
        Path(args.work_dir) if args.work_dir else None,
        keep=args.keep,
        reuse=args.reuse,
        pairs=args.pairs,
    )
    print(markdown_table(results))
    log.info("bench: resultaten → %s", out)
    return 0


def cmd_prepare_redaction(args: argparse.Namespace) -> int:
    from pipeline.deid import build_cache, default_cache_dir

    path = build_cache(Path(args.cache_dir) if args.cache_dir else default_cache_dir())
    log.info("prepare-redaction: opzoektabellen voor deduce → %s", path)
    return 0


def cmd_make_key(args: argparse.Namespace) -> int:
    from pipeline.pseudonym import make_key_file

    path = make_key_file(Path(args.file) if args.file else None, overwrite=args.force)
    print(f"Nieuwe pseudonimiseringssleutel geschreven naar {path} (alleen leesbaar voor u).")
    print(
        "Bewaar hem buiten git en maak een reservekopie: zonder dezelfde sleutel krijgen casussen volgend jaar andere pseudoniemen."
    )
    return 0


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description=(
            "Evaluatiepijplijn voor de inzet van ervaringsdeskundigen bij huiselijk geweld: registratie-exports → "
            "schone, gepseudonimiseerde data → "
            "indicatoren → figuren → rapport. Normaal draait u alles met `dvc repro`; deze commando's zijn de stappen."
        ),
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="alleen fouten tonen")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str, description: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=description)
        p.set_defaults(func=func)
        return p

    p = add(
        "ingest",
        cmd_ingest,
        "exports inlezen, controleren, koppelen, pseudonimiseren → data/clean/",
        "Leest de exports in raw_dir (params.yaml), controleert ze tegen het codeboek, koppelt formulieren aan "
        "casussen, pseudonimiseert en schrijft data/clean/ (parquet-tabellen, cases.sav, data_quality.csv, flow.csv, "
        "manifest.json). Een structureel probleem stopt de run zonder iets te vervangen.",
    )
    p.add_argument("--raw-dir", help="exportmap (standaard: raw_dir uit params.yaml)")
    p.add_argument("--peildatum", type=_date, help="peildatum jjjj-mm-dd (standaard: uit params.yaml)")
    p.add_argument("--out", help="uitvoermap (standaard: data/clean)")

    p = add(
        "validate",
        cmd_validate,
        "een exportmap controleren zonder iets te schrijven",
        "Leest en controleert een exportmap zoals ingest dat doet, maar schrijft niets en heeft geen sleutel nodig. "
        "Toont alle structurele problemen (bestand, tabblad, rij, kolom en hoe op te lossen), per bestand hoeveel rijen "
        "zijn gelezen en wat ermee gebeurt, elk waardeprobleem met bestand, rij, kolom en regel (per regel de eerste 20), "
        "en welke bestanden niet gelezen worden. Exitcode 0 zonder structureel probleem, 1 met. Voor de datamanager, "
        "vóór het aanleveren.",
    )
    p.add_argument("raw_dir", help="de exportmap (met casuslijst en jaarmappen)")
    p.add_argument("--peildatum", type=_date, help="peildatum jjjj-mm-dd (standaard: uit params.yaml)")

    p = add(
        "indicators",
        cmd_indicators,
        "indicatoren per kennisvraag → data/indicators/",
        "Berekent uit data/clean/ alle indicatoren (tabellen in data/indicators/tables/) en de kerncijfers "
        "(data/indicators/kerncijfers.json, de DVC-metrics). Met een gecodeerd blad in data/coding/ ook de thema's "
        "van de open antwoorden.",
    )
    p.add_argument("--clean-dir", help="map met de schone tabellen (standaard: data/clean)")
    p.add_argument("--peildatum", type=_date, help="peildatum jjjj-mm-dd (standaard: uit params.yaml)")
    p.add_argument("--min-group-n", type=int, help="kleinste groep die het rapport toont (standaard: uit params.yaml)")
    p.add_argument("--out", help="uitvoermap: tables/ en kerncijfers.json (standaard: data/indicators)")
    p.add_argument("--coding-dir", help="map met gecodeerde bladen (standaard: data/coding)")
    p = add(
        "spss",
        cmd_spss,
        "alle schone tabellen als SPSS-bestand (.sav) → data/spss/",
        "Schrijft de casustabel en elke formuliertabel uit data/clean/ als .sav met Nederlandse variabele- en "
        "waardelabels (codes 1..k in de volgorde van het codeboek, ja/nee als 1/0, datums als DATE11), voor wie in "
        "SPSS werkt. Lees terug met pyreadstat.read_sav(..., apply_value_formats=True).",
    )
    p.add_argument("--out", help="uitvoermap (standaard data/spss)")
    add(
        "figures",
        cmd_figures,
        "figuren voor het rapport → report/figures/",
        "Maakt de figuren (SVG en PNG) uit de indicatortabellen.",
    )
    p = add(
        "report",
        cmd_report,
        "het rapport → report/report.html en report.pdf",
        "Schrijft report/report.qmd uit de sjablonen en indicatoren en rendert het naar HTML en PDF: met Quarto als "
        "die op PATH staat, anders met pandoc en Typst.",
    )
    p.add_argument("--engine", choices=["auto", "quarto", "pandoc"], default="auto", help="renderer (standaard: auto)")

    p = add(
        "demo-data",
        cmd_demo_data,
        "synthetische exportmap maken (voor demo, tests en benchmark)",
        "Schrijft een volledige, synthetische exportmap in het formaat van het exportcontract: meerdere jaren, alle "
        "formulieren en formaten (xlsx, csv, sav), met realistische rommel en een paar waardeproblemen.",
    )
    p.add_argument("out_dir", help="doelmap")
    p.add_argument(
        "--config",
        help="configuratiemap waarvan het codeboek en demo.yaml de export bepalen "
        "(standaard: de map uit params.yaml, meestal config/)",
    )
    p.add_argument("--seed", type=int, default=None, help="startwaarde van de toevalsgenerator (standaard: seed uit demo.yaml)")
    p.add_argument("--years", default=None, help="jaren, bv. 2018-2020 of 2018,2019,2021 (standaard: years uit demo.yaml)")
    p.add_argument("--scale", type=float, default=1.0, help="vermenigvuldigt het aantal casussen (standaard 1)")

    p = add(
        "data-dictionary",
        cmd_data_dictionary,
        "de beschrijving van de schone tabellen (docs/clean-data.md) opnieuw maken uit het codeboek",
        "Schrijft docs/clean-data.md: elke kolom van elke schone tabel met type, Nederlands label (als in de SPSS-bestanden), "
        "meetniveau en de codes van de codelijst, uit het codeboek van de configuratiemap. Draai dit na een wijziging van het "
        "codeboek; een test controleert dat het bestand klopt.",
    )
    p.add_argument("--out", help="doelbestand (standaard: docs/clean-data.md)")

    p = add(
        "coding-sheet",
        cmd_coding_sheet,
        "open antwoorden (geredigeerd) naar een codeerblad (xlsx)",
        "Schrijft alle open antwoorden van geanalyseerde casussen (de vragen van open_answers in het codeboek), al "
        "geredigeerd, naar een xlsx-codeerblad: één rij per antwoord "
        "met een pseudoniem antwoord-id en lege themakolommen; het tweede tabblad geeft de thema's per vraag (uit het "
        "codeboek). Bewaar het ingevulde blad als data/coding/<naam>_gecodeerd.xlsx: de indicatorstap telt dan de "
        "thema's per vraag, doelgroep en startjaar.",
    )
    p.add_argument("--out", help="doelbestand (standaard: data/coding/open_antwoorden_codeerblad.xlsx)")

    p = add(
        "bench",
        cmd_bench,
        "snelheid en geheugen per stap meten, op meerdere schalen",
        "Maakt demo-exports op meerdere schalen (standaard 1×, 30× en 400×: ongeveer 135, 4.000 en 54.000 casussen; "
        "2000× met 6,8 miljoen rijen alleen op verzoek: --scale 2000), draait elke stap (ingest, indicators, figures, "
        "report) als eigen proces en `dvc repro` vanaf nul in een verse kopie (ingest en indicators; alle stappen; en "
        "een keer zonder werk), en meet tijd, piekgeheugen van de hele procesboom en rijen per seconde. Ernaast de "
        "ondergrens: alleen de ruwe bestanden inlezen met de snelste lezers. Schrijft een Markdown-tabel naar stdout en "
        "bench/results.json. 400× duurt enkele minuten, 2000× een half uur (het maken van de export: --reuse).",
    )
    p.add_argument("--scale", type=float, action="append", help="schaal (herhaalbaar; standaard 1, 30 en 400)")
    p.add_argument("--out", help="resultatenbestand (standaard bench/results.json)")
    p.add_argument("--work-dir", help="werkmap voor de exports (standaard een tijdelijke map)")
    p.add_argument("--keep", action="store_true", help="werkmap niet opruimen")
    p.add_argument(
        "--pairs",
        type=_count,
        help="zo vaak extra de ondergrens en daarna `dvc repro` van ingest en indicators na elkaar meten; de tabel "
        "geeft de mediaan van de paren (standaard 3; 0: niet)",
    )
    p.add_argument(
        "--reuse",
        action="store_true",
        help="een demo-export in de werkmap met dezelfde schaal en seed hergebruiken (scheelt bij 2000× minuten)",
    )

    p = add(
        "prepare-redaction",
        cmd_prepare_redaction,
        "de opzoektabellen van deduce bouwen (eenmalig, door make)",
        "Bouwt de opzoektabellen (namen, plaatsen) die de tweede redactieronde met deduce gebruikt, in "
        "~/.cache/cirkel/deduce-<versie> (of $CIRKEL_DEDUCE_CACHE), buiten de pakketmap. `make` doet dit bij de "
        "installatie; ontbreken ze, dan bouwt de ingest-stap ze de eerste keer zelf (enkele seconden).",
    )
    p.add_argument("--cache-dir", help="map voor de opzoektabellen (standaard ~/.cache/cirkel/deduce-<versie>)")

    p = add(
        "make-key",
        cmd_make_key,
        "een nieuwe pseudonimiseringssleutel maken",
        "Maakt een nieuwe geheime sleutel voor de pseudoniemen (HMAC-SHA256) en schrijft die naar "
        "~/.config/cirkel/pseudonym.key (of --file), buiten git. Gebruik elk jaar dezelfde sleutel.",
    )
    p.add_argument("--file", help="pad van het sleutelbestand")
    p.add_argument("--force", action="store_true", help="een bestaand sleutelbestand overschrijven")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="[%(name)s] %(message)s",
        stream=sys.stderr,
    )
    started = time.perf_counter()
    log.info("%s: gestart", args.command)
    try:
        code = args.func(args)
    except StructuralError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return EXIT_STRUCTURAL
    except ConfigurationError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return EXIT_CONFIGURATION
    log.info("%s: klaar in %.1f s", args.command, time.perf_counter() - started)
    return code
