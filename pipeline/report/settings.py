"""The report's settings from the configuration folder (``config/report.yaml``): the identity
(organisation, region, title, subtitle, period, contact line), the knowledge questions with their
indicators and where the report answers them, and the narrative texts the researchers write."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import config_dir, read_config_yaml
from pipeline.errors import ConfigurationError

REPORT_FILE = "report.yaml"


@dataclass(frozen=True)
class Identity:
    organisation: str
    region: str
    project: str
    title: str
    short_title: str
    subtitle: str  # may hold {periode}
    period: str  # empty: the start years of the analysed cases
    contact: str
    registration_since: str = ""


@dataclass(frozen=True)
class KnowledgeQuestion:
    number: int
    question: str
    indicators: tuple[str, ...]
    answered_in: tuple[str, ...]  # tbl-..., fig-..., text-<name>, sec-<id>


@dataclass(frozen=True)
class TextSpec:
    """A text no data can write: ``report/tekst/<name>.md``."""

    name: str
    heading: str
    holds: str  # what it should hold, for the editor while it is missing


@dataclass(frozen=True)
class ReportSettings:
    identity: Identity
    questions: tuple[KnowledgeQuestion, ...]
    texts: dict[str, TextSpec]

    def period(self, years: list[str]) -> str:
        """The period the report covers: the configured one, else the first and last start year."""
        if self.identity.period:
            return self.identity.period
        if not years:
            return ""
        return years[0] if len(years) == 1 else f"{years[0]}-{years[-1]}"

    def subtitle(self, years: list[str]) -> str:
        return self.identity.subtitle.replace("{periode}", self.period(years))


def load_report_settings(path: Path | None = None) -> ReportSettings:
    """``report.yaml`` of the configuration folder (or the file at ``path``)."""
    return _load(str(path or config_dir() / REPORT_FILE))


@lru_cache(maxsize=4)
def _load(path: str) -> ReportSettings:
    data = read_config_yaml(Path(path))
    try:
        identity = Identity(**{k: str(v or "") for k, v in data["identity"].items()})
        questions = tuple(
            KnowledgeQuestion(int(q["number"]), str(q["question"]), tuple(map(str, q.get("indicators", []))),
                              tuple(map(str, q.get("answered_in", []))))
            for q in data["knowledge_questions"]
        )
        texts = {name: TextSpec(name, str(spec["heading"]), str(spec["holds"])) for name, spec in data["texts"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"{path}: onvolledig of onjuist ({exc}); zie de toelichting bovenin het bestand") from None
    return ReportSettings(identity, questions, texts)
