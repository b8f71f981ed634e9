"""The report's standard Dutch wording of tables and figures (``report/templates/wording.yaml``).

No Python module holds a sentence a reader sees: the table and figure functions ask
:class:`Wording` for their captions, headings, row labels, notes and alt texts by key, and fill in
the numbers (``w.tables.flow("caption")``, ``w.common("n_label", label=..., n=...)``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.config import read_yaml
from pipeline.errors import ConfigurationError
from pipeline.paths import REPORT_DIR

WORDING_FILE = REPORT_DIR / "templates" / "wording.yaml"


class Words:
    """One section of the wording: ``words("key", **fields)`` is the text with its fields filled in,
    ``words.key`` a subsection, ``words.list("key")`` a list, ``words.map("key")`` a mapping."""

    def __init__(self, data: dict[str, Any], where: str):
        self._data = data
        self._where = where

    def _get(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise ConfigurationError(f"{WORDING_FILE}: '{self._where}.{key}' ontbreekt") from None

    def __call__(self, key: str, **fields: object) -> str:
        text = self._get(key)
        if not isinstance(text, str):
            raise ConfigurationError(f"{WORDING_FILE}: '{self._where}.{key}' is geen tekst")
        try:
            return text.format(**fields) if fields else text
        except (KeyError, IndexError) as exc:
            raise ConfigurationError(f"{WORDING_FILE}: '{self._where}.{key}' gebruikt een onbekend veld {exc}") from None

    def __getattr__(self, key: str) -> Words:
        if key.startswith("_"):
            raise AttributeError(key)
        value = self._get(key)
        if not isinstance(value, dict):
            raise ConfigurationError(f"{WORDING_FILE}: '{self._where}.{key}' is geen onderdeel met teksten")
        return Words(value, f"{self._where}.{key}")

    def list(self, key: str) -> list[str]:
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigurationError(f"{WORDING_FILE}: '{self._where}.{key}' is geen lijst van teksten "
                                     "(zet een tekst met ': ' erin tussen aanhalingstekens)")
        return list(value)

    def map(self, key: str) -> dict[str, str]:
        value = self._get(key)
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigurationError(f"{WORDING_FILE}: '{self._where}.{key}' is geen lijst van sleutels en teksten")
        return {str(k): v for k, v in value.items()}

    def get(self, key: str, default: str = "") -> str:
        return str(self._data.get(key, default))


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    return read_yaml(Path(path))


def load_wording(path: Path | None = None) -> Words:
    """The whole wording file (``report/templates/wording.yaml``, or the file at ``path``)."""
    return Words(_load(str(path or WORDING_FILE)), "")
