"""The run's parameters, read from ``params.yaml`` (the same file DVC tracks)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.errors import ConfigurationError
from pipeline.paths import PARAMS_FILE, ROOT

KNOWN_KEYS = {"raw_dir", "peildatum", "min_group_n"}


@dataclass(frozen=True)
class Params:
    raw_dir: Path  # absolute
    peildatum: dt.date
    min_group_n: int


def load_params(path: Path = PARAMS_FILE) -> Params:
    """Read and check ``params.yaml``; a relative ``raw_dir`` is relative to the repository root."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path} ontbreekt") from exc
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise ConfigurationError(f"{path}: onbekende sleutel(s) {', '.join(sorted(unknown))}")
    missing = KNOWN_KEYS - set(data)
    if missing:
        raise ConfigurationError(f"{path}: ontbrekende sleutel(s) {', '.join(sorted(missing))}")
    raw = Path(str(data["raw_dir"])).expanduser()
    try:
        peildatum = data["peildatum"]
        peildatum = peildatum if isinstance(peildatum, dt.date) else dt.date.fromisoformat(str(peildatum))
    except ValueError as exc:
        raise ConfigurationError(f"{path}: peildatum '{data['peildatum']}' is geen datum jjjj-mm-dd") from exc
    min_n = data["min_group_n"]
    if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
        raise ConfigurationError(f"{path}: min_group_n moet een geheel getal ≥ 1 zijn")
    return Params(raw_dir=raw if raw.is_absolute() else ROOT / raw, peildatum=peildatum, min_group_n=min_n)
