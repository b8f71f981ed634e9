"""Finding the export files in a raw folder (the layout of the export contract).

``<raw_dir>/casuslijst.<ext>`` and ``<raw_dir>/<jaar>/<form>.<ext>``, where ``<ext>`` is xlsx,
xls, csv or sav and a stem may carry a suffix (``startformulier_export_2021-01-04.xlsx``). Any
set of year folders; any year may lack any form.

Structural problems (they may hold data that would otherwise be skipped): two files for one form
in one folder; a folder whose name starts with a year but says more (``2019 (kopie)``,
``2019_oud``); a file named like a form in a format that is not read (``eindformulier.txt``,
``startformulier.ods``); a year form at the top of the folder. Everything else that is not an
export (an Excel lock file ``~$...``, a README, notes, other folders) is ignored and listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.codebook import Codebook
from pipeline.errors import ConfigurationError, StructuralError
from pipeline.readers import FORMATS

YEAR_FOLDER = re.compile(r"^\d{4}$")
YEAR_LIKE_FOLDER = re.compile(r"^(\d{4})\D")  # starts with a year but says more
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


@dataclass
class Discovery:
    """What a raw folder holds: the export files in reading order, and what is not read."""

    exports: list[ExportFile] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (path, why), for validate and the log
    year_folders: list[str] = field(default_factory=list)  # every year folder, also an empty one


def form_of(stem: str, forms: list[str]) -> str | None:
    """The form a file stem belongs to: the form name itself, or followed by a suffix."""
    stem = stem.casefold().strip()
    for name in sorted(forms, key=len, reverse=True):
        if stem == name or any(stem.startswith(name + sep) for sep in _SUFFIX_SEPARATORS):
            return name
    return None


def _format(path: Path) -> str:
    return path.suffix.lower().lstrip(".")


def _not_an_export(path: Path) -> str | None:
    """Why a file is never an export (hidden, an Excel lock file), or None."""
    if path.name.startswith("~$"):
        return "Excel-vergrendelingsbestand"
    if path.name.startswith("."):
        return "verborgen bestand"
    return None


def _other_format(rel: str, path: Path, form: str) -> StructuralError:
    return StructuralError(
        rel,
        f"dit bestand heet als het {form}, maar het formaat .{_format(path)} wordt niet gelezen (verwacht xlsx, xls, csv of "
        "sav); sla het op als .xlsx of als Nederlandse csv, of haal het uit de exportmap als het geen export is",
    )


def _problem(problems: list[StructuralError] | None, error: StructuralError) -> None:
    """Raise a structural problem, or collect it when ``problems`` is a list (validate)."""
    if problems is None:
        raise error
    problems.append(error)


def _claim(found: dict[str, ExportFile], export: ExportFile, problems: list[StructuralError] | None) -> None:
    if export.form in found:
        other = found[export.form]
        _problem(
            problems,
            StructuralError(
                export.rel,
                f"twee bestanden voor het formulier '{export.form}' in één map: {other.rel} en {export.rel}; laat er één staan",
            ),
        )
        return
    found[export.form] = export


def _scan_year_folder(
    folder: Path, year_forms: list[str], root_forms: list[str], found: Discovery, problems: list[StructuralError] | None
) -> None:
    files: dict[str, ExportFile] = {}
    for path in sorted(folder.iterdir()):
        rel = f"{folder.name}/{path.name}"
        if path.is_dir():
            found.ignored.append((rel + "/", "map binnen een jaarmap"))
            continue
        reason = _not_an_export(path)
        form = form_of(path.stem, year_forms)
        if reason:
            found.ignored.append((rel, reason))
        elif form and _format(path) not in FORMATS:
            _problem(problems, _other_format(rel, path, form))
        elif form:
            _claim(files, ExportFile(form, folder.name, path, rel), problems)
        elif form_of(path.stem, root_forms):
            found.ignored.append((rel, "kopie van de casuslijst in een jaarmap (de casuslijst bovenin de exportmap telt)"))
        else:
            found.ignored.append((rel, "geen formulier van het exportcontract"))
    found.exports.extend(files[name] for name in year_forms if name in files)


def discover(raw_dir: Path, codebook: Codebook, problems: list[StructuralError] | None = None) -> Discovery:
    """Every export file under ``raw_dir``: the casuslijst first, then per year folder in order.

    The first structural problem raises; with ``problems`` (a list) each is appended and the
    file or folder is skipped."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise ConfigurationError(f"de exportmap {raw_dir} bestaat niet (zet raw_dir in params.yaml)")
    root_forms = [n for n, f in codebook.forms.items() if f.location == "root"]
    year_forms = [n for n, f in codebook.forms.items() if f.location == "year"]
    found = Discovery()
    root: dict[str, ExportFile] = {}
    years: list[Path] = []
    for path in sorted(raw_dir.iterdir()):
        if path.is_dir():
            if YEAR_FOLDER.match(path.name):
                years.append(path)
            elif YEAR_LIKE_FOLDER.match(path.name):
                year = YEAR_LIKE_FOLDER.match(path.name).group(1)
                _problem(
                    problems,
                    StructuralError(
                        path.name,
                        f"de mapnaam begint met een jaar maar zegt meer; alleen een map met precies een jaartal wordt gelezen, "
                        f"dus deze formulieren zouden worden overgeslagen. Hernoem de map naar {year} (of haal hem weg als het "
                        "een oude kopie is)",
                        folder=True,
                    ),
                )
            elif not path.name.startswith("."):
                found.ignored.append((path.name + "/", "geen jaarmap (jjjj)"))
            continue
        reason = _not_an_export(path)
        form = form_of(path.stem, root_forms)
        year_form = form_of(path.stem, year_forms)
        if reason:
            found.ignored.append((path.name, reason))
        elif form and _format(path) not in FORMATS:
            _problem(problems, _other_format(path.name, path, form))
        elif form:
            _claim(root, ExportFile(form, None, path, path.name), problems)
        elif year_form:
            _problem(
                problems,
                StructuralError(
                    path.name,
                    f"het {year_form} staat bovenin de exportmap, niet in een jaarmap; zet het in de map van het jaar waarin de "
                    "formulieren zijn ingevuld (bijvoorbeeld 2019/)",
                ),
            )
        else:
            found.ignored.append((path.name, "geen bestand van het exportcontract"))
    for name in root_forms:
        if name not in root:
            _problem(
                problems,
                StructuralError(name, f"de {name} ontbreekt: verwacht {name}.xlsx, .xls, .csv of .sav bovenin de exportmap"),
            )
    found.exports.extend(root[name] for name in root_forms if name in root)
    for folder in sorted(years, key=lambda p: int(p.name)):
        found.year_folders.append(folder.name)
        _scan_year_folder(folder, year_forms, root_forms, found, problems)
    return found
