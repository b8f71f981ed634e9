"""Every path of the project, resolved from the repository root (one place, no ./ paths)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("CIRKEL_ROOT", Path(__file__).resolve().parent.parent))
PARAMS_FILE = ROOT / "params.yaml"
DATA_DIR = ROOT / "data"
CLEAN_DIR = DATA_DIR / "clean"
INDICATORS_DIR = DATA_DIR / "indicators"
INDICATOR_TABLES_DIR = INDICATORS_DIR / "tables"
KERNCIJFERS_FILE = INDICATORS_DIR / "kerncijfers.json"
REPORT_DIR = ROOT / "report"
FIGURES_DIR = REPORT_DIR / "figures"
DEMO_DIR = DATA_DIR / "demo"
