"""The stage functions that ``dvc.yaml`` runs (through the CLI); callable from tests and notebooks."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline import atomic
from pipeline.codebook import load_codebook
from pipeline.errors import ConfigurationError
from pipeline.load import TABLE_FILES
from pipeline.paths import CLEAN_DIR

if TYPE_CHECKING:  # the ingest modules (pandera, ...) load only for the stages that need them
    from pipeline.clean_tables import CleanResult

log = logging.getLogger("pipeline")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV as the project writes it: UTF-8, ``\\n`` line ends, no index."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def clean_run(raw_dir: Path, peildatum: dt.date) -> CleanResult:
    """Process the exports under ``raw_dir`` and build the clean tables (writes nothing)."""
    from pipeline.clean_tables import build_clean_tables
    from pipeline.ingest import process_exports
    from pipeline.pseudonym import resolve_key

    key = resolve_key(raw_dir)  # before reading anything: no key, no run
    log.info("ingest: sleutel uit %s", key.source)
    processed = process_exports(raw_dir, peildatum)
    return build_clean_tables(processed, key)


def write_clean(result: CleanResult, out_dir: Path, peildatum: dt.date) -> None:
    """Replace ``out_dir`` as a whole with the clean tables (atomically: all or nothing)."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.spss import write_cases_sav

    codebook = load_codebook()
    with atomic.replace_dir(Path(out_dir)) as staging:
        # Parquet files are written by pyarrow, which releases the GIL: in threads, beside the rest.
        with ThreadPoolExecutor(max_workers=2) as pool:
            written = [
                pool.submit(getattr(result.clean, name).to_parquet, staging / file_name, index=False)
                for name, file_name in TABLE_FILES.items()
            ]
            write_cases_sav(result.clean.cases, staging / "cases.sav", codebook, peildatum)
            for future in written:
                future.result()  # re-raises a failed write: the staging folder is then discarded
        (staging / "data_quality.csv").write_bytes(csv_bytes(result.data_quality))
        (staging / "flow.csv").write_bytes(csv_bytes(result.flow))
        manifest = dict(result.manifest, forms_unlinked=result.forms_unlinked)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def run_ingest(raw_dir: Path, peildatum: dt.date, out_dir: Path = CLEAN_DIR):
    """The ingest stage: raw exports → ``data/clean``, with the large forms streamed in bounded
    memory (:mod:`pipeline.stream`; the same files as :func:`clean_run` + :func:`write_clean`)."""
    from pipeline.stream import stream_ingest

    result = stream_ingest(raw_dir, peildatum, out_dir)
    log.info(
        "ingest: %d casussen op de lijst, %d geanalyseerd; %d datakwaliteitsmeldingen → %s",
        result.listed,
        result.analysed,
        result.data_quality,
        out_dir,
    )
    return result


def run_spss(peildatum: dt.date, clean_dir: Path = CLEAN_DIR, out_dir: Path | None = None) -> None:
    """The spss stage: every clean table as ``.sav`` with Dutch labels in ``data/spss/``."""
    from pipeline.load import TABLE_FILES, require_clean
    from pipeline.paths import SPSS_DIR
    from pipeline.spss import FORM_TABLES, write_cases_sav, write_form_sav

    clean_dir = require_clean(clean_dir)
    codebook = load_codebook()
    with atomic.replace_dir(Path(out_dir or SPSS_DIR)) as staging:  # one table in memory at a time
        write_cases_sav(pd.read_parquet(clean_dir / TABLE_FILES["cases"]), staging / "cases.sav", codebook, peildatum)
        for table in FORM_TABLES:
            write_form_sav(table, pd.read_parquet(clean_dir / TABLE_FILES[table]), staging, codebook, peildatum)
    log.info("spss: %d SPSS-bestanden → %s", len(FORM_TABLES) + 1, out_dir or SPSS_DIR)


def run_indicators(
    peildatum: dt.date, min_group_n: int, clean_dir: Path = CLEAN_DIR, out_dir: Path | None = None, coding_dir: Path | None = None
) -> None:
    """The indicators stage: ``data/clean`` → ``<out_dir>/tables`` and ``<out_dir>/kerncijfers.json``
    (``out_dir``: ``data/indicators``); a coded sheet in ``coding_dir`` (``data/coding``) is used."""
    from pipeline.coding import find_coded_sheet
    from pipeline.indicators import NOT_READ, compute_indicators, write_indicators
    from pipeline.load import clean_data
    from pipeline.paths import CODING_DIR, INDICATORS_DIR

    out_dir = Path(out_dir or INDICATORS_DIR)
    manifest_file = Path(clean_dir) / "manifest.json"
    if not manifest_file.is_file():
        raise ConfigurationError(
            f"geen schone data in {clean_dir} (manifest.json ontbreekt): draai eerst `python -m pipeline ingest`"
        )
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    coded = find_coded_sheet(Path(coding_dir or CODING_DIR))
    if coded is not None:
        log.info("indicators: gecodeerde open antwoorden uit %s", coded.name)
    result = compute_indicators(
        clean_data(clean_dir, skip=NOT_READ, lazy=("contact_forms",)),
        peildatum,
        min_group_n,
        forms_unlinked=int(manifest["forms_unlinked"]),
        coded_sheet=coded,
    )
    kerncijfers = out_dir / "kerncijfers.json"
    write_indicators(result, out_dir / "tables", kerncijfers)
    log.info("indicators: %d tabellen, kerncijfers → %s", len(result.tables), kerncijfers)
