"""Finding the export files in a raw folder (the layout of the export contract).

``<raw_dir>/casuslijst.<ext>`` and ``<raw_dir>/<jaar>/<form>.<ext>``, where ``<ext>`` is xlsx,
csv or sav and a stem may carry a suffix (``startformulier_export_2021-01-04.xlsx``). Any set of
year folders; any year may lack any form. Two files for one form in one folder stop the run.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.codebook import Codebook
from pipeline.errors import ConfigurationError, StructuralError
from pipeline.readers import FORMATS

log = logging.getLogger("pipeline.ingest")

YEAR_FOLDER = re.compile(r"^\d{4}$")
_SUFFIX_SEPARATORS = ("_", "-", " ", ".")


@dataclass(frozen=True)
class ExportFile:
    form: str
    year: str | None  # the year folder's name; None for the casuslijst
    path: Path
    rel: str  # path relative to the raw folder, with forward slashes

    @property
    def year_number(self) -> int:
        return int(self.year) if self.year else 0


def form_of(stem: str, forms: list[str]) -> str | None:
    """The form a file stem belongs to: the form name itself, or followed by a suffix."""
    stem = stem.casefold().strip()
    for name in sorted(forms, key=len, reverse=True):
        if stem == name or any(stem.startswith(name + sep) for sep in _SUFFIX_SEPARATORS):
            return name
    return None


def _warn_other_format(path: Path, rel: str, forms: list[str]) -> None:
    """A file named like a form but in another format (``eindformulier.txt``) is named, not read."""
    if path.is_file() and not path.name.startswith((".", "~$")) and form_of(path.stem, forms):
        log.warning("genegeerd: %s (formaat .%s; verwacht xlsx, csv of sav)", rel, path.suffix.lower().lstrip("."))


def _is_export(path: Path) -> bool:
    return (
        path.is_file()
        and not path.name.startswith((".", "~$"))
        and path.suffix.lower().lstrip(".") in FORMATS
    )


def _claim(found: dict[str, ExportFile], export: ExportFile) -> None:
    if export.form in found:
        other = found[export.form]
        raise StructuralError(
            export.rel,
            f"twee bestanden voor het formulier '{export.form}' in één map: {other.rel} en {export.rel}; "
            "laat er één staan",
        )
    found[export.form] = export


def discover(raw_dir: Path, codebook: Codebook) -> list[ExportFile]:
    """Every export file under ``raw_dir``: the casuslijst first, then per year folder in order."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise ConfigurationError(f"de exportmap {raw_dir} bestaat niet (zet raw_dir in params.yaml)")
    root_forms = [n for n, f in codebook.forms.items() if f.location == "root"]
    year_forms = [n for n, f in codebook.forms.items() if f.location == "year"]
    exports: list[ExportFile] = []
    root: dict[str, ExportFile] = {}
    for path in sorted(raw_dir.iterdir()):
        if _is_export(path):
            form = form_of(path.stem, root_forms)
            if form:
                _claim(root, ExportFile(form, None, path, path.name))
            else:
                log.warning("genegeerd: %s (geen bestand van het exportcontract)", path.name)
        elif not path.is_dir():
            _warn_other_format(path, path.name, root_forms)
        elif not YEAR_FOLDER.match(path.name) and not path.name.startswith("."):
            log.warning("genegeerd: map %s/ (geen jaarmap jjjj)", path.name)
    for name in root_forms:
        if name not in root:
            raise StructuralError(name, f"de {name} ontbreekt: verwacht {raw_dir}/{name}.xlsx, .csv of .sav")
    exports.extend(root[name] for name in root_forms)
    years = sorted((p for p in raw_dir.iterdir() if p.is_dir() and YEAR_FOLDER.match(p.name)), key=lambda p: int(p.name))
    for folder in years:
        found: dict[str, ExportFile] = {}
        for path in sorted(folder.iterdir()):
            if _is_export(path):
                form = form_of(path.stem, year_forms)
                if form:
                    _claim(found, ExportFile(form, folder.name, path, f"{folder.name}/{path.name}"))
                else:
                    log.warning("genegeerd: %s/%s (geen formulier van het exportcontract)", folder.name, path.name)
            else:
                _warn_other_format(path, f"{folder.name}/{path.name}", year_forms)
        exports.extend(found[name] for name in year_forms if name in found)
    return exports
