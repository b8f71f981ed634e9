"""The organisation's configuration folder: everything an organisation chooses, outside the package.

``params.yaml`` names the folder (``config: config``; ``$CIRKEL_CONFIG`` overrides it). It holds:

- ``codebook.yaml``: the export contract as data: forms, columns, aliases, code lists with every
  label variant, and every label a reader sees (doelgroep singular and plural, raters, survey
  items, answer scales, duration bands, data-quality rule names, SPSS variable labels and
  measurement levels, figure colours per code), the open-answer themes and the organisations the
  redaction keeps;
- ``report.yaml``: the report's identity (organisation, region, title, subtitle, period, contact
  line), the knowledge questions with their indicators, and the narrative texts the researchers
  write.

- ``demo.yaml``: the demo generator's settings (years, sizes, how often each answer occurs).

A second region copies the folder, edits it and points ``params.yaml`` at it (README, "Een andere
regio"); no Python changes. A file may instead start from another folder's file and state only
what differs: ``extends: <path>`` (relative to the file) takes that file, then this file's keys
replace its keys; under ``code_lists``, ``forms``, ``data_quality_rules``, ``spss``, ``identity``,
``weights`` and ``texts`` a named entry replaces that one entry and leaves the others.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigurationError
from pipeline.paths import PARAMS_FILE, ROOT

ENV_CONFIG = "CIRKEL_CONFIG"
DEFAULT_CONFIG = "config"


def config_dir() -> Path:
    """``$CIRKEL_CONFIG``, else ``config`` from ``params.yaml``, else ``config/`` (relative to the project root)."""
    if os.environ.get(ENV_CONFIG):
        folder = Path(os.environ[ENV_CONFIG]).expanduser()
    else:
        folder = Path(DEFAULT_CONFIG)
        if PARAMS_FILE.is_file():
            try:
                data = parse_yaml(PARAMS_FILE.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                data = {}  # load_params says what is wrong with params.yaml
            folder = Path(str(data.get("config") or DEFAULT_CONFIG)).expanduser()
    return folder if folder.is_absolute() else ROOT / folder


MERGED_BY_ENTRY = frozenset({"code_lists", "forms", "data_quality_rules", "spss", "identity", "weights", "texts"})


def read_config_yaml(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A configuration file, with the file it ``extends`` (if any) underneath (see the module docstring)."""
    path = Path(path).resolve()
    if path in _seen:
        raise ConfigurationError(f"{path}: 'extends' verwijst in een kring terug naar dit bestand")
    data = read_yaml(path)
    base_ref = data.pop("extends", None)
    if not base_ref:
        return data
    base = read_config_yaml((path.parent / str(base_ref)), (*_seen, path))
    merged = dict(base)
    for key, value in data.items():
        if key in MERGED_BY_ENTRY and isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load``, through libyaml's parser when PyYAML was built with it: the same safe
    types, about ten times faster (the codebook alone took 0.3 s at every stage's start).

    The two parsers give the same data for every well-formed file, but libyaml accepts some
    malformed ones that PyYAML's own parser rejects (tabs as separators, which it reads as the
    writer meant) and may name another line in an error. So a text with a tab, and a text libyaml
    cannot read, go to PyYAML's parser: its message and line are the ones users get, as before.
    Left: libyaml reads a ``?`` inside a bracketed list (``[Weet niet?]``) as part of the answer,
    where PyYAML stops."""
    if _SAFE_LOADER is yaml.SafeLoader or "\t" in text:
        return yaml.safe_load(text)
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)  # raises, with PyYAML's own message


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file of the configuration folder; a missing or broken one is a clear Dutch error."""
    try:
        data = parse_yaml(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            f"configuratiebestand {path} ontbreekt (params.yaml → config wijst naar de configuratiemap)"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (regel {mark.line + 1})" if mark is not None else ""
        raise ConfigurationError(
            f"{path} is geen geldige YAML{where}: controleer inspringing, dubbele punten en aanhalingstekens"
        ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path} bevat geen YAML-mapping")
    return data
