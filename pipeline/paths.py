"""Every path of the project, resolved from the project root (one place; no ./ paths).

The root is ``$CIRKEL_ROOT`` if set, else the nearest folder at or above the working directory
that holds both ``dvc.yaml`` and ``params.yaml`` (DVC runs every stage from there), else the
folder above this package.
"""

from __future__ import annotations

import os
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    if os.environ.get("CIRKEL_ROOT"):
        return Path(os.environ["CIRKEL_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "dvc.yaml").is_file() and (folder / "params.yaml").is_file():
            return folder
    return Path(__file__).resolve().parent.parent


ROOT = find_root()
PARAMS_FILE = ROOT / "params.yaml"
DATA_DIR = ROOT / "data"
CLEAN_DIR = DATA_DIR / "clean"
INDICATORS_DIR = DATA_DIR / "indicators"
CODING_DIR = DATA_DIR / "coding"
SPSS_DIR = DATA_DIR / "spss"
INDICATOR_TABLES_DIR = INDICATORS_DIR / "tables"
KERNCIJFERS_FILE = INDICATORS_DIR / "kerncijfers.json"
REPORT_DIR = ROOT / "report"
FIGURES_DIR = REPORT_DIR / "figures"
DEMO_DIR = DATA_DIR / "demo"
