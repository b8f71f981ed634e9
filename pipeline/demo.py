"""Synthetic demo exports: a complete raw export folder in the contract's format.

``write_demo_export`` writes, deterministically for a given seed, years and scale, what the
project would export: the cumulative ``casuslijst`` and per year the start, contact and end forms,
the client-experience interviews and (from the year the form exists) the non-case contacts. The
folder mixes every format (xlsx, Dutch csv in UTF-8 with and without BOM and in cp1252, SPSS
``.sav`` with value labels) and carries the mess real exports carry, each planted on purpose and
listed in the folder's README: header variants, short team labels, forms of the name-keyed years
linked by client name written differently, a form of an unknown client, an exact duplicate row, a
second start form, dates that cannot be read, a safety score out of range, end before start, a
row dated after the peildatum, and names, phone numbers, e-mail addresses and postcodes in free
text. Every person is invented; the names come from short lists of common Dutch names.

The same arguments give the same bytes (xlsx zip entries and document properties, and the
``.sav`` header stamp, are fixed), so the committed ``data/demo`` folder can be regenerated and
compared. The folder holds its own pseudonymisation key (``demo_pseudonym.key``): demo data only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import atomic
from pipeline.codebook import Codebook, load_codebook
from pipeline.pseudonym import DEMO_KEY_FILE, DEMO_MANIFEST

FIRST_NAMES_F = ["Anouk", "Zoë", "Fatima", "Sanne", "Lotte", "Noëlle", "Eva", "Ilse", "Marloes", "Yasmina", "Chantal",
                 "Esther", "Mieke", "Renée", "Priya", "Joyce", "Kim", "Linda", "Naima", "Sevda", "Brenda", "Ingrid",
                 "Wendy", "Tamara", "Daniëlle", "Saskia", "Monique", "Hanneke", "Aïsha", "Petra"]
FIRST_NAMES_M = ["Daan", "Mohamed", "Sjoerd", "Bram", "Kevin", "Rachid", "Jeroen", "Mehmet", "Thijs", "Ruud", "Dennis",
                 "Joël", "Patrick", "Sven", "Erik", "Youssef", "Marco", "Niels", "René", "Gijs"]
LAST_NAMES = ["de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
              "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
              "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
              "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "Schouten", "Willems", "van Dijk",
              "Hoekstra", "Yilmaz", "El Amrani", "Koç", "Verhoeven", "Prins", "Huisman", "Peeters", "Martens",
              "van Dam", "Kuipers", "Timmermans", "Groen", "Koster", "Wouters", "Maas"]
EXPERT_NAMES = ["Marieke Claassen", "Hatice Demir", "Sabine Verbeek", "Jolanda Rijnders", "Tanja Oosterhout",
                "Ellen Beekman", "Khadija Bouzian", "Ria van Gool", "Anja Swinkels", "Patricia Mathijssen",
                "Bianca Hoeks", "Nicole van Hal", "Yvonne Lambregts", "Desiree Aarts", "Roos Vermunt",
                "Gerda Schellekens", "Marco Backx", "Frank van Ginneken", "Ilona Heijmans", "Karin Pijnenburg"]

# Team keys with weights (how often a case comes from the team) and the labels an export uses.
TEAM_WEIGHTS = {"sg_ambulant": 26, "sg_ambulant_wonen": 8, "vt_interventieteam": 14, "vt_casusregie": 20,
                "vt_ondersteuning": 12, "vt_onderzoek": 12, "vt_procesregie": 8}
PROBLEM_P = {"domestic_violence": 0.93, "mental_health": 0.55, "housing": 0.3, "work_income": 0.28,
             "social_participation": 0.35, "parenting": 0.45, "divorce_contact": 0.4, "physical_health": 0.15,
             "addiction": 0.12, "criminal_record": 0.08}
FIXED_STAMP = (2000, 1, 1, 0, 0, 0)


@dataclass
class DemoSummary:
    """What the generator wrote: files (relative to the folder), cases, and every planted identifier."""

    out_dir: Path
    files: list[str] = field(default_factory=list)
    n_cases: int = 0
    identifiers: list[str] = field(default_factory=list)
    planted: list[str] = field(default_factory=list)


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


# --------------------------------------------------------------------------------------------
# writers


def _xlsx_bytes(headers: list[str], rows: list[list[object]]) -> bytes:
    """An xlsx workbook with fixed document properties and zip timestamps (same rows, same bytes)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Blad1"
    ws.append(headers)
    for row in rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = openpyxl.styles.Font(bold=True)
    for column_cells in ws.iter_cols(min_row=2):
        for cell in column_cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD-MM-YYYY"
    fixed = dt.datetime(*FIXED_STAMP)
    wb.properties.creator = "demo"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED_STAMP), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _csv_cell(value: object, date_style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        if date_style == "iso":
            return value.isoformat()
        if date_style == "short":
            return f"{value.day}-{value.month}-{value.year}"
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float):
        text = f"{value:g}".replace(".", ",")
    else:
        text = str(value)
    if any(ch in text for ch in ';"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _csv_bytes(headers: list[str], rows: list[list[object]], encoding: str, date_style: str) -> bytes:
    lines = [";".join(_csv_cell(h, date_style) for h in headers)]
    lines += [";".join(_csv_cell(v, date_style) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _sav_bytes(headers: list[str], rows: list[list[object]], value_labels: dict[str, dict[float, str]], stamp: dt.date) -> bytes:
    """An SPSS file: headers as variable labels, codes with value labels, dates as DATE11."""
    import tempfile

    import pyreadstat

    from pipeline.spss import stamp_sav_header

    names = [f"V{i + 1}" for i in range(len(headers))]
    columns = list(zip(*rows)) if rows else [[] for _ in headers]
    frame = pd.DataFrame({n: list(c) for n, c in zip(names, columns)})
    formats, labels = {}, {}
    for name, header in zip(names, headers):
        values = [v for v in frame[name] if v is not None]
        if values and all(isinstance(v, dt.date) for v in values):
            formats[name] = "DATE11"
        elif values and all(isinstance(v, (int, float)) for v in values):
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        else:
            frame[name] = frame[name].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v)).astype(object)
        if header in value_labels:
            labels[name] = value_labels[header]
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.sav"
        pyreadstat.write_sav(frame, str(path), column_labels=dict(zip(names, headers)), variable_value_labels=labels,
                             variable_format=formats)
        return stamp_sav_header(path.read_bytes(), stamp)


# --------------------------------------------------------------------------------------------
# the synthetic cases


@dataclass
class _Case:
    number: str
    name: str
    team: str
    target: str
    experts: list[str]
    professional_start: dt.date
    professional_end: dt.date | None
    expert_start: dt.date
    expert_end: dt.date | None
    aftercare_end: dt.date | None
    birth: dt.date
    sex: str
    has_forms: bool = True
    remarks: str | None = None


class _Generator:
    def __init__(self, seed: int, years: list[int], scale: float, peildatum: dt.date, codebook: Codebook):
        self.rng = random.Random(seed)
        self.years = years
        self.scale = scale
        self.peil = peildatum
        self.cb = codebook
        self.identifiers: set[str] = set()
        self.planted: list[str] = []
        self.used_names: set[str] = set()
        n_experts = max(6, min(len(EXPERT_NAMES), round(12 * scale**0.5)))
        self.experts = EXPERT_NAMES[:n_experts]
        self.identifiers.update(self.experts)

    # ---- helpers
    def day_in(self, first: dt.date, last: dt.date) -> dt.date:
        span = max(0, (last - first).days)
        return first + dt.timedelta(days=self.rng.randint(0, span))

    def client_name(self, sex: str) -> str:
        pool = FIRST_NAMES_F if sex == "female" else FIRST_NAMES_M if sex == "male" else FIRST_NAMES_F + FIRST_NAMES_M
        for attempt in range(1000):
            name = f"{self.rng.choice(pool)} {self.rng.choice(LAST_NAMES)}"
            if attempt > 20:
                name = f"{name}-{self.rng.choice(LAST_NAMES).split()[-1]}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("demo: no unique client name left")

    def team_label(self, key: str) -> str:
        cl = self.cb.code_lists["team"]
        options = [cl.labels[key], *cl.variants.get(key, ())]
        return options[0] if self.rng.random() < 0.6 else self.rng.choice(options[1:] or options)

    def label(self, code_list: str, code: str) -> str:
        return self.cb.code_lists[code_list].labels[code]

    def multi(self, code_list: str, codes: list[str]) -> str | None:
        if not codes:
            return None
        labels = [self.label(code_list, c) for c in codes]
        text = ";".join(labels)
        roll = self.rng.random()
        if roll < 0.08:
            text += ";"  # Microsoft Forms' trailing separator
        elif roll < 0.12:
            text = " ; ".join(labels)  # stray spaces
        return text

    def phone(self) -> str:
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(8))
        form = self.rng.choice([f"06-{digits}", f"06{digits}", f"+31 6 {digits[:4]} {digits[4:]}"])
        self.identifiers.add(form)
        return form

    def email(self, name: str) -> str:
        import unicodedata

        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
        address = ".".join(ascii_name.replace("-", " ").split()) + "@voorbeeld.nl"
        self.identifiers.add(address)
        return address

    def free_text(self, case: _Case, templates: list[str], p: float) -> str | None:
        if self.rng.random() >= p:
            return None
        first = case.name.split()[0]
        text = self.rng.choice(templates)
        return text.format(voornaam=first, naam=case.name, telefoon=self.phone() if "{telefoon}" in text else "",
                           email=self.email(case.name) if "{email}" in text else "", ed=case.experts[0],
                           postcode=f"{self.rng.randint(4600, 4999)} {self.rng.choice(['AB', 'KL', 'RS', 'XT'])}")

    # ---- cases
    def make_cases(self) -> list[_Case]:
        cases: list[_Case] = []
        per_year = max(4, round(46 * self.scale))
        first_year = self.years[0]
        for year in self.years:
            n = per_year + self.rng.randint(-3, 3) - (10 if year == first_year and per_year > 20 else 0)
            for _ in range(n):
                cases.append(self.make_case(year))
        # two cases listed after the peildatum (started in the new year, no forms exported yet)
        for _ in range(2):
            case = self.make_case(self.peil.year)
            case.expert_start = self.day_in(self.peil, self.peil + dt.timedelta(days=20))
            case.professional_start = case.expert_start - dt.timedelta(days=10)
            case.expert_end = case.professional_end = case.aftercare_end = None
            case.has_forms = False
            cases.append(case)
        cases.sort(key=lambda c: (c.professional_start, c.expert_start))
        for i, case in enumerate(cases, start=1):
            case.number = f"CIR-{i:04d}"
            self.identifiers.add(case.number)
        # three analysed-looking cases without any registration
        candidates = [c for c in cases if c.has_forms]
        for case in self.rng.sample(candidates, min(3, len(candidates))):
            case.has_forms = False
            self.planted.append(f"casus zonder registratie ({case.number})")
        return cases

    def make_case(self, year: int) -> _Case:
        rng = self.rng
        sex = rng.choices(["female", "male", "other", "unknown"], [72, 25, 1, 2])[0]
        name = self.client_name(sex)
        self.identifiers.add(name)
        last = min(dt.date(year, 12, 31), self.peil - dt.timedelta(days=1))
        expert_start = self.day_in(dt.date(year, 1, 1), last)
        lead = 0 if rng.random() < 0.12 else min(300, int(rng.expovariate(1 / 38)))
        professional_start = expert_start - dt.timedelta(days=lead)
        duration = int(rng.gammavariate(2.2, 85)) + 10
        expert_end = expert_start + dt.timedelta(days=duration)
        if expert_end >= self.peil:
            expert_end = None
        professional_end = None
        if expert_end is not None and rng.random() < 0.85:
            candidate = expert_end + dt.timedelta(days=rng.randint(-20, 90))
            professional_end = candidate if candidate < self.peil else None
        aftercare_end = None
        if expert_end is not None and rng.random() < 0.2:
            candidate = expert_end + dt.timedelta(days=rng.randint(20, 120))
            aftercare_end = candidate if candidate < self.peil else None
        experts = [rng.choice(self.experts)]
        if rng.random() < 0.08:
            second = rng.choice(self.experts)
            if second != experts[0]:
                experts.append(second)
        birth = dt.date(rng.randint(1955, 2002), rng.randint(1, 12), rng.randint(1, 28))
        self.identifiers.update({birth.strftime("%d-%m-%Y"), birth.isoformat()})
        target = "victim" if rng.random() < 0.78 else "perpetrator"
        team = rng.choices(list(TEAM_WEIGHTS), list(TEAM_WEIGHTS.values()))[0]
        case = _Case("", name, team, target, experts, professional_start, professional_end, expert_start, expert_end,
                     aftercare_end, birth, sex)
        case.remarks = self.free_text(case, [
            "Aangemeld door {ed}, {voornaam} wil graag een vrouwelijke ervaringsdeskundige.",
            "Cliënt bereikbaar op {telefoon}.",
            "Let op: {naam} woont sinds kort in {postcode}.",
            "Overleg met {ed} over nazorg.",
        ], 0.25)
        return case

    # ---- forms
    def year_of(self, day: dt.date) -> int | None:
        """The year folder a form filled in on ``day`` is exported in (None: no such folder)."""
        return day.year if day.year in self.years else None

    def key(self, case: _Case, year: int) -> str:
        """The link cell of a form of ``year``: the case number, or the client name in a name-keyed year."""
        if self.cb.name_keyed_until is not None and year <= self.cb.name_keyed_until:
            roll = self.rng.random()
            if roll < 0.1:
                return case.name.upper()
            if roll < 0.2:
                return "  " + case.name.replace(" ", "  ") + " "
            if roll < 0.3:
                import unicodedata

                return "".join(ch for ch in unicodedata.normalize("NFKD", case.name) if not unicodedata.combining(ch))
            return case.name
        roll = self.rng.random()
        if roll < 0.05:
            return f" {case.number.lower()} "
        return case.number

    def forms(self, cases: list[_Case]) -> dict[tuple[int, str], list[dict]]:
        """Rows per (year, form), as dicts of column name → value (codes, not labels yet)."""
        rng = self.rng
        out: dict[tuple[int, str], list[dict]] = {}
        last_day = self.peil - dt.timedelta(days=1)

        def add(day: dt.date, form: str, row: dict) -> None:
            year = self.year_of(day)
            if year is not None:
                out.setdefault((year, form), []).append(row | {"_case": row.get("_case"), "_year": year})

        for case in cases:
            if not case.has_forms or case.expert_start >= self.peil:
                continue
            stop = case.expert_end or last_day
            # start form
            if rng.random() < 0.96:
                day = min(case.expert_start + dt.timedelta(days=rng.randint(0, 12)), last_day)
                problems = [a for a, p in PROBLEM_P.items() if rng.random() < p]
                s_client = rng.randint(2, 8)
                has_children = rng.random() < 0.62
                add(day, "startformulier", {
                    "_case": case, "date_filled": day, "expert": case.experts[0], "birth_date": case.birth,
                    "sex": case.sex, "children_involved": "yes" if has_children else rng.choice(["no", "no", "unknown"]),
                    "n_children": rng.randint(1, 4) if has_children else 0, "pregnant": "yes" if rng.random() < 0.05 else "no",
                    "problems": problems,
                    "goal_text": self.free_text(case, ["{voornaam} wil weer grip op haar leven.", "Steun bij gesprekken met de advocaat.",
                                                       "Samen met {voornaam} werken aan een veiligheidsplan.", "Netwerk versterken."], 0.6),
                    "safety_client": 99 if rng.random() < 0.05 else s_client,
                    "safety_expert": 99 if rng.random() < 0.05 else max(0, min(10, s_client + rng.randint(-2, 1))),
                    "safety_professional": 99 if rng.random() < 0.08 else max(0, min(10, s_client + rng.randint(-2, 2))),
                    "_s_client": s_client, "_problems": problems,
                })
            # contacts
            span = max(1, (stop - case.expert_start).days)
            n_contacts = max(1, int(span / max(3.0, rng.gauss(9, 3))))
            for _ in range(n_contacts):
                day = self.day_in(case.expert_start, stop)
                n_net = rng.choices([0, 1, 2], [45, 40, 15])[0]
                network = rng.sample(self.cb.codes("network")[:-1], n_net) if n_net else ["none"]
                orgs = rng.sample(self.cb.codes("organisation"), rng.choices([0, 1, 2, 3], [30, 40, 20, 10])[0])
                add(day, "contactformulier", {
                    "_case": case, "date": day, "expert": rng.choice(case.experts),
                    "contact_type": rng.choices(self.cb.codes("contact_type"), [38, 30, 5, 20, 3, 1, 3])[0],
                    "contact_with": rng.choices(["client", "professional", "both"], [70, 18, 12])[0],
                    "hours": rng.choice([0.25, 0.5, 0.5, 0.75, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0]),
                    "organisations": orgs, "network": network,
                    "aftercare_contact": "yes" if case.expert_end and day > case.expert_end else "no",
                    "note_text": self.free_text(case, ["Gesprek met {voornaam} over de zitting.", "{voornaam} gebeld op {telefoon}.",
                                                       "Mail gestuurd naar {email}.", "Samen naar het wijkteam.",
                                                       "Afspraak verzet, {voornaam} was ziek."], 0.3),
                })
            # end form
            if case.expert_end is not None and rng.random() < 0.95:
                day = min(case.expert_end + dt.timedelta(days=rng.randint(0, 10)), last_day)
                reasons = rng.sample(self.cb.codes("closure_reason"), rng.choices([1, 2], [80, 20])[0])
                row = {"_case": case, "date_filled": day, "expert": case.experts[0], "reasons": reasons,
                       "reason_other_text": "Cliënt is opgenomen." if "other" in reasons else None,
                       "results_text": self.free_text(case, ["{voornaam} voelt zich sterker.", "Contact met {ed} blijft.",
                                                              "Huisvesting geregeld in {postcode}."], 0.5),
                       "still_needed_text": None,
                       "aftercare": "yes" if case.aftercare_end else rng.choice(["no", "no", "no", "yes"])}
                for area in PROBLEM_P:
                    if rng.random() < 0.5:
                        value = rng.choices(["increased", "same", "decreased", "stopped"], [8, 30, 45, 17])[0]
                    else:
                        value = rng.choice(["not_applicable", "not_applicable", None])
                    row[f"dev_{area}"] = value
                s_end = rng.randint(3, 10)
                row |= {"safety_client": 99 if rng.random() < 0.06 else s_end,
                        "safety_expert": max(0, min(10, s_end + rng.randint(-2, 1))),
                        "safety_professional": 99 if rng.random() < 0.1 else max(0, min(10, s_end + rng.randint(-2, 1)))}
                add(day, "eindformulier", row)
                # client interview
                if rng.random() < 0.45:
                    iday = case.expert_end + dt.timedelta(days=rng.randint(20, 80))
                    if iday < self.peil:
                        received = rng.random() < 0.6
                        add(iday, "clientervaring", {
                            "_case": case, "date_interview": iday,
                            **{item: rng.choices(["yes", "no"], [w, 100 - w])[0] for item, w in
                               [("click", 90), ("reachable", 88), ("understood", 92), ("helped_solve", 75), ("would_recommend", 90)]},
                            "leaflet_received": "yes" if received else "no",
                            "leaflet_useful": (rng.choices(["yes", "no"], [75, 25])[0]) if received else None,
                            "grade": None if rng.random() < 0.05 else rng.choices(range(5, 11), [3, 6, 20, 35, 25, 11])[0],
                            "liked_text": self.free_text(case, ["{ed} begreep me echt.", "Dat ze altijd bereikbaar was."], 0.5),
                            "improve_text": None,
                        })
        # non-case contacts, in the years the form exists
        since = self.cb.forms["niet_casus_contacten"].since or self.years[0]
        for year in self.years:
            if year < since:
                continue
            for _ in range(max(3, round(42 * self.scale))):
                day = self.day_in(dt.date(year, 1, 1), min(dt.date(year, 12, 31), last_day))
                minutes = rng.choices([5, 10, 15, 20, 30, 45, 60, 90], [10, 15, 15, 15, 20, 10, 10, 5])[0]
                add(day, "niet_casus_contacten", {
                    "date": day, "expert": rng.choice(self.experts),
                    "contact_type": rng.choices(self.cb.codes("nc_contact_type"), [45, 25, 10, 10, 5, 5])[0],
                    "conversation": rng.choices(["first", "followup", None], [60, 35, 5])[0],
                    "minutes": None if rng.random() < 0.04 else minutes,
                    "seeker": rng.choices(self.cb.codes("seeker"), [60, 10, 10, 15, 5])[0],
                    "via": rng.choices(self.cb.codes("via"), [30, 30, 20, 15, 5])[0],
                    "support": rng.sample(self.cb.codes("support"), rng.choices([1, 2, 3], [55, 35, 10])[0]),
                    "advised_help_text": rng.choice([None, "Doorverwezen naar Veilig Thuis.", "Huisarts.", None]),
                })
        for rows in out.values():
            rows.sort(key=lambda r: r.get("date_filled") or r.get("date") or r.get("date_interview"))
        return out


# --------------------------------------------------------------------------------------------
# formatting rows as one export file


def _file_plan(years: list[int], index: int, form: str) -> tuple[str, str]:
    """(extension, csv flavour) of a form in the ``index``-th year: every format occurs."""
    if form == "casuslijst" or index == 0:
        return "xlsx", ""
    pattern = {
        1: {"startformulier": ("csv", "cp1252"), "contactformulier": ("csv", "utf-8-sig"), "eindformulier": ("xlsx", ""),
            "clientervaring": ("csv", "utf-8"), "niet_casus_contacten": ("xlsx", "")},
        0: {"startformulier": ("sav", ""), "contactformulier": ("csv", "utf-8-sig"), "eindformulier": ("xlsx", ""),
            "clientervaring": ("sav", ""), "niet_casus_contacten": ("csv", "utf-8-sig")},
    }
    return pattern[index % 2][form]


HEADER_VARIANTS = {  # written in some years instead of the canonical header (tolerant matching)
    "case_number": "Casusnr",
    "date_filled": "Datum ingevuld",
    "sex": "Geslacht client:",
    "hours": "Duur contact",
    "grade": "Cijfer",
}


def _headers(cb: Codebook, form: str, year: int, index: int, name_keyed: bool) -> list[tuple[str, str]]:
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
        if index % 2 == 1 and name in HEADER_VARIANTS:
            header = HEADER_VARIANTS[name]
        elif index >= 2 and name in {"date_filled", "date_interview"}:
            header = header.upper() + ":"
        pairs.append((name, header))
    return pairs


def _cell(cb: Codebook, column, value: object, ext: str, rng: random.Random) -> object:
    """One value as the export writes it: labels for codes (sav: numeric codes), dates, numbers."""
    if value is None:
        return None
    kind = column.type
    if kind == "multi":
        return value  # already a label string (or None)
    if kind in {"code", "yes_no"}:
        if ext == "sav":
            return _sav_codes(cb, column)[1][value]
        if kind == "yes_no":
            return {"yes": "Ja", "no": "Nee", "unknown": "Onbekend"}[value]
        if value == "unknown":
            return "Onbekend"
        return cb.label(column.code_list, value)
    if kind == "date":
        if ext == "xlsx" and isinstance(value, dt.date) and rng.random() < 0.1:
            return value.strftime("%d-%m-%Y")  # a date typed as text
        return value
    return value


def _sav_codes(cb: Codebook, column) -> tuple[dict[float, str], dict[str, float]]:
    """Value labels and code → number of a single-choice column in ``.sav`` exports."""
    if column.type == "yes_no":
        return {1.0: "Ja", 0.0: "Nee", 9.0: "Onbekend"}, {"yes": 1.0, "no": 0.0, "unknown": 9.0}
    codes = cb.codes(column.code_list)
    labels = {float(i + 1): cb.label(column.code_list, c) for i, c in enumerate(codes)}
    numbers = {c: float(i + 1) for i, c in enumerate(codes)}
    if column.code_list == "sex":
        labels[9.0] = "Onbekend"
        numbers["unknown"] = 9.0
    return labels, numbers


# --------------------------------------------------------------------------------------------


def write_demo_export(out_dir: Path, seed: int = 2021, years: list[int] | tuple[int, ...] = (2018, 2019, 2020),
                      scale: float = 1.0, peildatum: dt.date | None = None) -> DemoSummary:
    """Write a synthetic export folder to ``out_dir`` (replaced as a whole) and say what is in it.

    ``peildatum`` defaults to 1 January after the last year. ``scale`` multiplies the number of
    cases and non-case contacts (1.0 ≈ the 2018-2020 evaluation's size).
    """
    years = sorted(int(y) for y in years)
    if not years:
        raise ValueError("demo: geen jaren")
    if scale <= 0:
        raise ValueError("demo: --scale moet groter dan 0 zijn")
    peil = peildatum or dt.date(years[-1] + 1, 1, 1)
    cb = load_codebook()
    gen = _Generator(seed, years, scale, peil, cb)
    rng = gen.rng
    cases = gen.make_cases()
    rows_by_file = gen.forms(cases)
    files: dict[str, bytes] = {}

    # mess in the forms (each planted once where the data allows it)
    by_form = {form: [(y, r) for (y, f), rows in sorted(rows_by_file.items()) for r in rows if f == form]
               for form in cb.forms}
    planted = gen.planted
    name_keyed_years = [y for y in years if cb.name_keyed_until is not None and y <= cb.name_keyed_until]
    # a start form of a client who is not on the case list, in a name-keyed year
    if name_keyed_years and (name_keyed_years[0], "startformulier") in rows_by_file:
        ghost = _Case("CIR-XXXX", gen.client_name("female"), "sg_ambulant", "victim", [gen.experts[0]],
                      dt.date(name_keyed_years[0], 3, 1), None, dt.date(name_keyed_years[0], 3, 1), None, None,
                      dt.date(1990, 4, 4), "female")
        gen.identifiers.update({ghost.name, "04-04-1990", "1990-04-04"})
        template = dict(rows_by_file[(name_keyed_years[0], "startformulier")][0])
        template.update({"_case": ghost, "date_filled": dt.date(name_keyed_years[0], 3, 5), "birth_date": ghost.birth})
        rows_by_file[(name_keyed_years[0], "startformulier")].append(template)
        planted.append(f"{name_keyed_years[0]}/startformulier: formulier van een cliënt die niet op de casuslijst staat (unknown_case)")
    # a second start form for a case, filled in later
    starts = by_form["startformulier"]
    if len(starts) > 10:
        year, row = starts[len(starts) // 2]
        later = row["date_filled"] + dt.timedelta(days=30)
        if later.year == year and later < peil:
            rows_by_file[(year, "startformulier")].append(dict(row, date_filled=later, _second=True))
            planted.append(f"{year}/startformulier: tweede startformulier voor één casus (second_form)")
    contacts = by_form["contactformulier"]
    if len(contacts) > 20:
        year, row = contacts[5]
        rows_by_file[(year, "contactformulier")].insert(6, dict(row))
        planted.append(f"{year}/contactformulier: exact dubbele rij (duplicate_row)")
        year, row = contacts[len(contacts) // 3]
        row["date"] = "31-02-" + str(year)
        planted.append(f"{year}/contactformulier: onmogelijke datum 31-02 (invalid_date)")
        year, row = contacts[len(contacts) // 2]
        row["date"] = "2 maart " + str(year)
        planted.append(f"{year}/contactformulier: datum in woorden (invalid_date)")
        last_year = years[-1]
        if (last_year, "contactformulier") in rows_by_file and peil.year == last_year + 1:
            template = dict(rows_by_file[(last_year, "contactformulier")][-1])
            template["date"] = peil + dt.timedelta(days=2)
            rows_by_file[(last_year, "contactformulier")].append(template)
            planted.append(f"{last_year}/contactformulier: contact gedateerd na de peildatum (after_peildatum)")
    ends = by_form["eindformulier"]
    if len(ends) > 5:
        year, row = ends[2]
        row["safety_client"] = 12
        planted.append(f"{year}/eindformulier: veiligheidsscore 12 (safety_out_of_range)")
    surveys = by_form["clientervaring"]
    if surveys:
        year, row = surveys[0]
        ghost_row = dict(row, _case=None, _number="CIR-9999", date_interview=row["date_interview"])
        rows_by_file[(year, "clientervaring")].append(ghost_row)
        gen.identifiers.add("CIR-9999")
        planted.append(f"{year}/clientervaring: interview met onbekend casusnummer (unknown_case)")

    # casuslijst mess
    analysed = [c for c in cases if c.has_forms and c.expert_end is not None]
    if len(analysed) > 10:
        bad = analysed[3]
        bad.expert_end = bad.expert_start - dt.timedelta(days=12)
        planted.append(f"casuslijst: einde ervaringsdeskundige vóór start ({bad.number}, end_before_start)")
        early = analysed[7]
        early.professional_start = early.expert_start + dt.timedelta(days=9)
        planted.append(f"casuslijst: ervaringsdeskundige gestart vóór casusverantwoordelijke ({early.number}, expert_before_professional)")
    caselist_rows = []
    cl_columns = cb.forms["casuslijst"].columns
    for case in cases:
        row = {"case_number": case.number, "client_name": case.name, "team": gen.team_label(case.team),
               "target": cb.label("target", case.target) if rng.random() < 0.9 else cb.label("target", case.target).lower() + " ",
               "expert_1": case.experts[0], "expert_2": case.experts[1] if len(case.experts) > 1 else None,
               "professional_start": case.professional_start, "professional_end": case.professional_end,
               "expert_start": case.expert_start, "expert_end": case.expert_end, "aftercare_end": case.aftercare_end,
               "remarks": case.remarks}
        caselist_rows.append(row)
    if len(caselist_rows) > 10:
        caselist_rows[4]["aftercare_end"] = "onbekend"
        planted.append(f"casuslijst: 'onbekend' als einddatum nazorg (invalid_date, {caselist_rows[4]['case_number']})")
        caselist_rows.insert(9, dict(caselist_rows[8]))
        planted.append(f"casuslijst: dezelfde casus twee keer, identiek (duplicate_row, {caselist_rows[8]['case_number']})")
    headers = [c.header for c in cl_columns.values()]
    body = [[_cell(cb, cl_columns[n], r[n], "xlsx", rng) if n not in {"team", "target"} else r[n] for n in cl_columns] for r in caselist_rows]
    files["casuslijst.xlsx"] = _xlsx_bytes(headers, body)

    for index, year in enumerate(years):
        name_keyed = year in name_keyed_years
        for form in ["startformulier", "contactformulier", "eindformulier", "clientervaring", "niet_casus_contacten"]:
            rows = rows_by_file.get((year, form))
            if not rows:
                continue
            ext, flavour = _file_plan(years, index, form)
            pairs = _headers(cb, form, year, index, name_keyed)
            columns = cb.forms[form].columns
            table = []
            for r in rows:
                line = []
                for name, _header in pairs:
                    column = columns[name]
                    if name == "case_number":
                        value = r.get("_number") or gen.key(r["_case"], year if form != "clientervaring" else years[-1])
                    elif name == "client_name":
                        value = gen.key(r["_case"], year)
                    elif column.type == "multi":
                        value = gen.multi(column.code_list, r.get(name) or [])
                    else:
                        value = _cell(cb, column, r.get(name), ext, rng)
                    line.append(value)
                table.append(line)
            headers = [h for _n, h in pairs]
            stem = form if not (form == "eindformulier" and index == len(years) - 1) else f"{form}_export_{peil.isoformat()}"
            rel = f"{year}/{stem}.{ext}"
            if ext == "xlsx":
                files[rel] = _xlsx_bytes(headers, table)
            elif ext == "csv":
                style = ["dmy", "short", "iso"][index % 3]
                files[rel] = _csv_bytes(headers, table, flavour, style)
            else:
                value_labels = {}
                for name, header in pairs:
                    column = columns[name]
                    if column.type in {"code", "yes_no"}:
                        value_labels[header] = _sav_codes(cb, column)[0]
                    elif column.type == "safety":
                        value_labels[header] = {99.0: "Onbekend"}
                files[rel] = _sav_bytes(headers, table, value_labels, peil)
    # names in free text that the redaction must catch also count as identifiers (already added)
    for case in cases:
        gen.identifiers.add(case.name)
    files[DEMO_KEY_FILE] = ("demo-" + "".join(rng.choice("0123456789abcdef") for _ in range(48)) + "\n").encode()
    meta = {"seed": seed, "years": years, "scale": scale, "peildatum": peil.isoformat()}
    # the sha256 of every data file: only an untouched generator output may use the demo key
    digests = {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(files.items()) if rel != DEMO_KEY_FILE}
    files[DEMO_MANIFEST] = (json.dumps(meta | {"files": digests}, indent=2) + "\n").encode()
    files["README.md"] = _readme(meta, planted, len(cases)).encode("utf-8")

    out_dir = Path(out_dir)
    with atomic.replace_dir(out_dir) as staging:
        for rel, data in sorted(files.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return DemoSummary(out_dir=out_dir, files=sorted(files), n_cases=len(cases),
                       identifiers=sorted(gen.identifiers), planted=planted)


def _readme(meta: dict, planted: list[str], n_cases: int) -> str:
    lines = [
        "# Synthetische demo-export (geen echte personen)",
        "",
        "Gemaakt met `python -m pipeline demo-data` "
        f"(seed {meta['seed']}, jaren {meta['years'][0]}-{meta['years'][-1]}, schaal {meta['scale']}).",
        f"Alle namen, data en teksten zijn verzonnen. {n_cases} casussen op de casuslijst.",
        "",
        f"`{DEMO_KEY_FILE}` is de pseudonimiseringssleutel van deze demomap; echte exports krijgen een eigen",
        "sleutel buiten git (`python -m pipeline make-key`).",
        "",
        "Bewust ingebouwde rommel, zoals echte exports die hebben:",
        "",
        *[f"- {p}" for p in planted],
        "- kopvarianten (`Casusnr`, `Geslacht client:`, `DATUM INVULLEN:`), korte teamnamen, doelgroep in kleine letters",
        "- formulieren van de naamjaren gekoppeld via de naam (hoofdletters, dubbele spaties, zonder trema)",
        "- meerkeuzecellen met een `;` aan het eind of spaties rond `;`",
        "- 99 (onbekend) als veiligheidsscore; namen, telefoonnummers, e-mailadressen en postcodes in vrije tekst",
        "- csv in UTF-8 met en zonder BOM en in cp1252; .sav met waardelabels; een bestandsnaam met achtervoegsel",
        "",
    ]
    return "\n".join(lines)
