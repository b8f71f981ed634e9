"""The demo generator's settings: the configuration folder's ``demo.yaml`` (years, sizes, how often
each answer occurs, the case-number form) and the package's invented people and free text
(``people.yaml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.codebook import Codebook
from pipeline.config import parse_yaml
from pipeline.errors import ConfigurationError

DEMO_FILE = "demo.yaml"
PEOPLE_FILE = Path(__file__).with_name("people.yaml")


def parse_years(text: str) -> list[int]:
    """``2018-2020`` → [2018, 2019, 2020]; ``2018,2020`` → [2018, 2020]."""
    years: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", part)
        if match:
            first, last = int(match.group(1)), int(match.group(2))
            if last < first:
                raise ValueError(f"jaren: {part!r} loopt achteruit")
            years.update(range(first, last + 1))
        elif re.fullmatch(r"\d{4}", part):
            years.add(int(part))
        else:
            raise ValueError(f"jaren: {part!r} is geen jaar of bereik zoals 2018-2020")
    return sorted(years)


@dataclass(frozen=True)
class People:
    """Invented names and free-text templates (``people.yaml``)."""

    first_names_female: list[str]
    first_names_male: list[str]
    surnames: list[str]
    experts: list[str]
    texts: dict[str, Any]


@dataclass(frozen=True)
class DemoSettings:
    """``demo.yaml`` of a configuration folder (see the comments in that file)."""

    years: list[int]
    seed: int
    case_number: str
    cases_per_year: int
    fewer_in_first_year: int
    noncase_contacts_per_year: int
    experts: int
    weights: dict[str, dict[str | None, float]]
    development_unjudged: list[str | None]
    problem_probability: dict[str, float]
    survey_yes_percent: dict[str, float]
    leaflet: dict[str, Any]
    network_none: str
    closure_other: str
    header_variants: dict[str, str] = field(default_factory=dict)

    def number(self, i: int) -> str:
        """The ``i``-th case number."""
        return self.case_number.format(number=i)

    def draw_weights(self, code_list: str, codebook: Codebook) -> tuple[list[str | None], list[float]]:
        """(codes, weights) of a code list: the configured weights, else every code equally."""
        weights = self.weights.get(code_list)
        if not weights:
            codes = codebook.codes(code_list)
            return list(codes), [1.0] * len(codes)
        return list(weights), list(weights.values())


def load_people(path: Path = PEOPLE_FILE) -> People:
    data = parse_yaml(Path(path).read_text(encoding="utf-8"))
    return People(**data)


def load_demo_settings(config_folder: Path, codebook: Codebook) -> DemoSettings:
    """``demo.yaml`` of ``config_folder``, checked against the codebook (every weighted code must exist)."""
    from pipeline.config import read_config_yaml

    path = Path(config_folder) / DEMO_FILE
    data = read_config_yaml(path)
    try:
        settings = DemoSettings(
            years=parse_years(str(data["years"])),
            seed=int(data["seed"]),
            case_number=str(data["case_number"]),
            cases_per_year=int(data["cases_per_year"]),
            fewer_in_first_year=int(data.get("fewer_in_first_year", 0)),
            noncase_contacts_per_year=int(data["noncase_contacts_per_year"]),
            experts=int(data["experts"]),
            weights={
                str(k): {(None if c is None else str(c)): float(w) for c, w in v.items()} for k, v in data["weights"].items()
            },
            development_unjudged=[None if c is None else str(c) for c in data["development_unjudged"]],
            problem_probability={str(k): float(v) for k, v in data["problem_probability"].items()},
            survey_yes_percent={str(k): float(v) for k, v in data["survey_yes_percent"].items()},
            leaflet=dict(data["leaflet"]),
            network_none=str(data["network_none"]),
            closure_other=str(data["closure_other"]),
            header_variants={str(k): str(v) for k, v in (data.get("header_variants") or {}).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"{path}: onvolledig of onjuist ({exc}); zie de toelichting bovenin het bestand") from None
    missing_codes = {"unknown"}  # the answer "unknown" is written as the code list's missing label
    for code_list, weights in settings.weights.items():
        if code_list not in codebook.code_lists:
            raise ConfigurationError(f"{path}: weights noemt codelijst '{code_list}', die niet in het codeboek staat")
        unknown = [c for c in weights if c is not None and c not in codebook.codes(code_list) and c not in missing_codes]
        if unknown:
            raise ConfigurationError(
                f"{path}: weights.{code_list} noemt codes die niet in het codeboek staan: {', '.join(unknown)}"
            )
    return settings
