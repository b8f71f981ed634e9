"""Public loading API for the clean data (used by the indicators stage, notebooks and tests).

>>> from pipeline import load
>>> clean = load.clean_data()          # everything under data/clean/
>>> cases = load.cases()               # just the case table
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from pipeline.paths import CLEAN_DIR

TABLE_FILES = {
    "cases": "cases.parquet",
    "start_forms": "start_forms.parquet",
    "contact_forms": "contact_forms.parquet",
    "end_forms": "end_forms.parquet",
    "client_survey": "client_survey.parquet",
    "noncase_contacts": "noncase_contacts.parquet",
}


class LazyTable:
    """A clean table left on disk and read in batches of whole parquet row groups, only the
    columns asked for: for a table too large to hold (the contact forms of a national export)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def num_rows(self) -> int:
        """Rows of the table (from the parquet footer)."""
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.path).metadata.num_rows

    def batches(self, columns: list[str], categorical: tuple[str, ...] = ()):
        """The row groups as data frames; ``categorical`` columns come as pandas categoricals
        (parquet keeps them dictionary-encoded: each distinct value is read once per row group)."""
        import pyarrow.parquet as pq

        source = pq.ParquetFile(self.path)
        if categorical:
            wanted = [c for c in categorical if c in source.schema_arrow.names]
            source = pq.ParquetFile(self.path, read_dictionary=wanted)
        present = [c for c in columns if c in source.schema_arrow.names]
        metadata = source.schema_arrow.metadata  # the pandas types (Int64, boolean, string, ...)
        for group in range(source.num_row_groups):
            yield source.read_row_group(group, columns=present).replace_schema_metadata(metadata).to_pandas()


@dataclass
class CleanData:
    """The clean tables that the ingest stage writes (see docs/clean-data.md)."""

    cases: pd.DataFrame
    start_forms: pd.DataFrame
    contact_forms: pd.DataFrame
    end_forms: pd.DataFrame
    client_survey: pd.DataFrame
    noncase_contacts: pd.DataFrame

    @classmethod
    def table_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def require_clean(clean_dir: Path | str) -> Path:
    """``clean_dir`` as a path, or a stop naming the clean tables that are not there."""
    clean_dir = Path(clean_dir)
    missing = [name for name in TABLE_FILES.values() if not (clean_dir / name).exists()]
    if missing:
        raise FileNotFoundError(
            f"{clean_dir} mist {', '.join(missing)}: voer eerst `python -m pipeline ingest` uit (of `dvc repro`)"
        )
    return clean_dir


def clean_data(
    clean_dir: Path | str = CLEAN_DIR, skip: dict[str, list[str]] | None = None, lazy: tuple[str, ...] = ()
) -> CleanData:
    """Read every clean table from ``clean_dir`` (``skip``: columns per table not to read at all:
    parquet is read column by column, so what is skipped costs neither time nor memory; ``lazy``:
    tables left on disk as a :class:`LazyTable`)."""
    clean_dir = require_clean(clean_dir)
    skip = skip or {}
    tables = {}
    for key, name in TABLE_FILES.items():
        if key in lazy:
            tables[key] = LazyTable(clean_dir / name)
            continue
        columns = None
        if skip.get(key):
            import pyarrow.parquet as pq

            columns = [c for c in pq.read_schema(clean_dir / name).names if c not in set(skip[key])]
        tables[key] = pd.read_parquet(clean_dir / name, columns=columns)
    return CleanData(**tables)


def cases(clean_dir: Path | str = CLEAN_DIR) -> pd.DataFrame:
    """The case table: one row per listed case."""
    return pd.read_parquet(Path(clean_dir) / TABLE_FILES["cases"])


def data_quality(clean_dir: Path | str = CLEAN_DIR) -> pd.DataFrame:
    """The data-quality table (one row per value problem)."""
    return pd.read_csv(Path(clean_dir) / "data_quality.csv", dtype={"row": "Int64"})


def flow(clean_dir: Path | str = CLEAN_DIR) -> pd.DataFrame:
    """The flow table (rows read and what became of them, per file)."""
    return pd.read_csv(Path(clean_dir) / "flow.csv")
