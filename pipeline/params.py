"""The run's parameters, read from ``params.yaml`` (the same file DVC tracks)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.config import parse_yaml
from pipeline.errors import ConfigurationError
from pipeline.paths import PARAMS_FILE, ROOT

REQUIRED_KEYS = {"raw_dir", "peildatum", "min_group_n"}
OPTIONAL_KEYS = {"publicatiedatum", "rapportstatus", "config"}
REPORT_STATUSES = ("concept", "definitief")


@dataclass(frozen=True)
class Params:
    raw_dir: Path  # absolute
    peildatum: dt.date
    min_group_n: int
    publicatiedatum: dt.date | None = None  # the report's publication date; none while it is a draft
    rapportstatus: str = "concept"  # concept: marked as draft, missing texts listed; definitief: complete or stop
    config_dir: Path | None = None  # the organisation's configuration folder (absolute); None: config/

    @property
    def report_date(self) -> dt.date:
        """The one date the report's files carry (PDF timestamp): the publication date, else the
        peildatum. Never the day of the run, so a rerun of the same inputs gives the same bytes."""
        return self.publicatiedatum or self.peildatum


def _date(path: Path, key: str, value: object) -> dt.date:
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigurationError(f"{path}: {key} '{value}' is geen datum jjjj-mm-dd") from exc


def load_params(path: Path = PARAMS_FILE) -> Params:
    """Read and check ``params.yaml``; a relative ``raw_dir`` is relative to the repository root."""
    try:
        data = parse_yaml(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path} ontbreekt") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (regel {mark.line + 1})" if mark is not None else ""
        raise ConfigurationError(
            f"{path} is geen geldige YAML{where}: controleer inspringing, dubbele punten en aanhalingstekens"
        ) from None
    unknown = set(data) - REQUIRED_KEYS - OPTIONAL_KEYS
    if unknown:
        raise ConfigurationError(f"{path}: onbekende sleutel(s) {', '.join(sorted(unknown))}")
    missing = REQUIRED_KEYS - set(data)
    if missing:
        raise ConfigurationError(f"{path}: ontbrekende sleutel(s) {', '.join(sorted(missing))}")
    raw = Path(str(data["raw_dir"])).expanduser()
    peildatum = _date(path, "peildatum", data["peildatum"])
    min_n = data["min_group_n"]
    if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
        raise ConfigurationError(f"{path}: min_group_n moet een geheel getal ≥ 1 zijn")
    published = data.get("publicatiedatum")
    status = data.get("rapportstatus") or "concept"
    if status not in REPORT_STATUSES:
        raise ConfigurationError(f"{path}: rapportstatus '{status}' moet 'concept' of 'definitief' zijn")
    config = Path(str(data.get("config") or "config")).expanduser()
    return Params(
        raw_dir=raw if raw.is_absolute() else ROOT / raw,
        peildatum=peildatum,
        min_group_n=min_n,
        publicatiedatum=_date(path, "publicatiedatum", published) if published else None,
        rapportstatus=status,
        config_dir=config if config.is_absolute() else ROOT / config,
    )
