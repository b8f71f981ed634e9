"""A complete synthetic export folder: the simulated rows written as the registration system would.

The cumulative ``casuslijst`` and per year the start, contact and end forms, the client
interviews and (from the year the form exists) the non-case contacts. The folder mixes every
format (xlsx, Dutch csv in UTF-8 with and without BOM and in cp1252, SPSS ``.sav`` with value
labels), writes some headers as variants (``demo.yaml``), some dates as text, and carries the
planted problems of :mod:`pipeline.demo.planted`, listed in its README.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from pipeline import atomic
from pipeline.codebook import Codebook, Column, load_codebook
from pipeline.demo import planted as plant
from pipeline.demo.settings import DemoSettings, load_demo_settings, load_people
from pipeline.demo.simulation import Simulation
from pipeline.demo.writers import csv_bytes, sav_bytes, xlsx_bytes
from pipeline.pseudonym import DEMO_KEY_FILE, DEMO_MANIFEST

XLSX_MAX_ROWS = 1_048_576 - 1  # data rows a worksheet holds below its header row
FORMS_BY_YEAR = ["startformulier", "contactformulier", "eindformulier", "clientervaring", "niet_casus_contacten"]


@dataclass
class DemoSummary:
    """What the generator wrote: files (relative to the folder), cases, and every planted identifier."""

    out_dir: Path
    files: list[str] = field(default_factory=list)
    n_cases: int = 0
    identifiers: list[str] = field(default_factory=list)
    planted: list[str] = field(default_factory=list)


def _file_plan(index: int, form: str) -> tuple[str, str]:
    """(extension, csv flavour) of a form in the ``index``-th year: every format occurs."""
    if form == "casuslijst" or index == 0:
        return "xlsx", ""
    pattern = {
        1: {
            "startformulier": ("csv", "cp1252"),
            "contactformulier": ("csv", "utf-8-sig"),
            "eindformulier": ("xlsx", ""),
            "clientervaring": ("csv", "utf-8"),
            "niet_casus_contacten": ("xlsx", ""),
        },
        0: {
            "startformulier": ("sav", ""),
            "contactformulier": ("csv", "utf-8-sig"),
            "eindformulier": ("xlsx", ""),
            "clientervaring": ("sav", ""),
            "niet_casus_contacten": ("csv", "utf-8-sig"),
        },
    }
    return pattern[index % 2][form]


def _headers(cb: Codebook, settings: DemoSettings, form: str, year: int, index: int, name_keyed: bool) -> list[tuple[str, str]]:
    """(column name, header) pairs of the form as exported in ``year``."""
    pairs = []
    for name, column in cb.forms[form].columns.items():
        if name == "case_number" and name_keyed and form != "clientervaring":
            continue
        if name == "client_name" and not name_keyed:
            continue
        if column.since is not None and year < column.since:
            continue
        header = column.header
        if index % 2 == 1 and name in settings.header_variants:
            header = settings.header_variants[name]
        elif index >= 2 and name in {"date_filled", "date_interview"}:
            header = header.upper() + ":"
        pairs.append((name, header))
    return pairs


def _unknown_label(cb: Codebook) -> str:
    """How an export writes "unknown" (the label of SPSS code 9 of a yes/no question)."""
    return cb.yes_no_sav_codes.get(9, "")


def _cell(cb: Codebook, column: Column, value: object, ext: str, rng: random.Random) -> object:
    """One value as the export writes it: labels for codes (sav: numeric codes), dates, numbers."""
    if value is None:
        return None
    kind = column.type
    if kind == "multi":
        return value  # already a label string (or None)
    if kind in {"code", "yes_no"}:
        if ext == "sav":
            return _sav_codes(cb, column)[1][value]
        if value == "unknown":
            return _unknown_label(cb)
        return cb.label(column.code_list or "yes_no", value)
    if kind == "date":
        if ext == "xlsx" and isinstance(value, dt.date) and rng.random() < 0.1:
            return value.strftime("%d-%m-%Y")  # a date typed as text
        return value
    return value


def _sav_codes(cb: Codebook, column: Column) -> tuple[dict[float, str], dict[str, float]]:
    """Value labels and code → number of a single-choice column in ``.sav`` exports."""
    if column.type == "yes_no":
        codes = cb.yes_no_sav_codes
        return {float(k): v for k, v in codes.items()}, {"yes": 1.0, "no": 0.0, "unknown": 9.0}
    codes = cb.codes(column.code_list)
    labels = {float(i + 1): cb.label(column.code_list, c) for i, c in enumerate(codes)}
    numbers = {c: float(i + 1) for i, c in enumerate(codes)}
    if cb.code_lists[column.code_list].missing_labels:
        labels[9.0] = cb.code_lists[column.code_list].missing_labels[0]
        numbers["unknown"] = 9.0
    return labels, numbers


def _readme(meta: dict, planted: list[tuple[str, str]], n_cases: int) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent), keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template("README.md.j2").render(meta=meta, planted=planted, n_cases=n_cases, key_file=DEMO_KEY_FILE)


def write_demo_export(
    out_dir: Path,
    seed: int | None = None,
    years: list[int] | tuple[int, ...] | None = None,
    scale: float = 1.0,
    peildatum: dt.date | None = None,
    config: Path | None = None,
) -> DemoSummary:
    """Write a synthetic export folder to ``out_dir`` (replaced as a whole) and say what is in it.

    ``config``: the configuration folder whose codebook and ``demo.yaml`` shape the export (default:
    the project's, ``params.yaml`` → ``config``). ``seed`` and ``years`` default to ``demo.yaml``'s;
    ``peildatum`` to 1 January after the last year. ``scale`` multiplies the number of cases and
    non-case contacts.
    """
    from pipeline.config import config_dir

    folder = Path(config) if config else config_dir()
    cb = load_codebook(folder / "codebook.yaml")
    settings = load_demo_settings(folder, cb)
    seed = settings.seed if seed is None else seed
    years = sorted(int(y) for y in (years if years is not None else settings.years))
    if not years:
        raise ValueError("demo: geen jaren")
    if scale <= 0:
        raise ValueError("demo: --scale moet groter dan 0 zijn")
    peil = peildatum or dt.date(years[-1] + 1, 1, 1)
    sim = Simulation(seed, years, scale, peil, cb, settings, load_people())
    rng = sim.rng
    cases = sim.make_cases()
    rows_by_file = sim.forms(cases)
    files: dict[str, bytes] = {}

    plant.plant_in_forms(sim, rows_by_file, years, peil, cb)
    plant.plant_in_cases(sim, cases)
    caselist_rows = []
    cl_columns = cb.forms["casuslijst"].columns
    for case in cases:
        target = cb.label("target", case.target)
        row = {
            "case_number": case.number,
            "client_name": case.name,
            "team": sim.team_label(case.team),
            "target": target if rng.random() < 0.9 else target.lower() + " ",
            "expert_1": case.experts[0],
            "expert_2": case.experts[1] if len(case.experts) > 1 else None,
            "professional_start": case.professional_start,
            "professional_end": case.professional_end,
            "expert_start": case.expert_start,
            "expert_end": case.expert_end,
            "aftercare_end": case.aftercare_end,
            "remarks": case.remarks,
        }
        caselist_rows.append(row)
    plant.plant_in_caselist_rows(sim, caselist_rows)
    headers = [c.header for c in cl_columns.values()]
    body = [
        [_cell(cb, cl_columns[n], r[n], "xlsx", rng) if n not in {"team", "target"} else r[n] for n in cl_columns]
        for r in caselist_rows
    ]
    files["casuslijst.xlsx"] = xlsx_bytes(headers, body)

    name_keyed_years = {y for y in years if cb.name_keyed_until is not None and y <= cb.name_keyed_until}
    for index, year in enumerate(years):
        name_keyed = year in name_keyed_years
        for form in FORMS_BY_YEAR:
            rows = rows_by_file.get((year, form))
            if not rows:
                continue
            ext, flavour = _file_plan(index, form)
            if ext == "xlsx" and len(rows) >= XLSX_MAX_ROWS:
                ext, flavour = "csv", "utf-8-sig"  # more rows than a sheet holds: exported as csv, as a real export would be
            pairs = _headers(cb, settings, form, year, index, name_keyed)
            columns = cb.forms[form].columns
            table = []
            for r in rows:
                line = []
                for name, _header in pairs:
                    column = columns[name]
                    if name == "case_number":
                        value = r.get("_number") or sim.key(r["_case"], year if form != "clientervaring" else years[-1])
                    elif name == "client_name":
                        value = sim.key(r["_case"], year)
                    elif column.type == "multi":
                        value = sim.multi(column.code_list, r.get(name) or [])
                    else:
                        value = _cell(cb, column, r.get(name), ext, rng)
                    line.append(value)
                table.append(line)
            headers = [h for _n, h in pairs]
            stem = form if not (form == "eindformulier" and index == len(years) - 1) else f"{form}_export_{peil.isoformat()}"
            rel = f"{year}/{stem}.{ext}"
            if ext == "xlsx":
                files[rel] = xlsx_bytes(headers, table)
            elif ext == "csv":
                files[rel] = csv_bytes(headers, table, flavour, ["dmy", "short", "iso"][index % 3])
            else:
                value_labels = {}
                for name, header in pairs:
                    column = columns[name]
                    if column.type in {"code", "yes_no"}:
                        value_labels[header] = _sav_codes(cb, column)[0]
                    elif column.type == "safety":
                        value_labels[header] = {99.0: _unknown_label(cb)}
                files[rel] = sav_bytes(headers, table, value_labels, peil)
    for case in cases:
        sim.identifiers.add(case.name)
    files[DEMO_KEY_FILE] = ("demo-" + "".join(rng.choice("0123456789abcdef") for _ in range(48)) + "\n").encode()
    meta = {"seed": seed, "years": years, "scale": scale, "peildatum": peil.isoformat()}
    # the sha256 of every data file: only an untouched generator output may use the demo key
    digests = {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(files.items()) if rel != DEMO_KEY_FILE}
    files[DEMO_MANIFEST] = (json.dumps(meta | {"files": digests}, indent=2) + "\n").encode()
    files["README.md"] = _readme(meta, sim.planted, len(cases)).encode("utf-8")

    out_dir = Path(out_dir)
    with atomic.replace_dir(out_dir) as staging:
        for rel, data in sorted(files.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return DemoSummary(
        out_dir=out_dir,
        files=sorted(files),
        n_cases=len(cases),
        identifiers=sorted(sim.identifiers),
        planted=[f"{problem}: {where}" for problem, where in sim.planted],
    )
