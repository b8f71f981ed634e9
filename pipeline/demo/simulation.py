"""The simulated project: invented cases with their dates, experts and clients, and the rows of
every form they would have produced (as codes, not yet as an export writes them).

Deterministic for a seed: one :class:`random.Random` drives every draw, in a fixed order. How
often each answer occurs comes from the configuration's ``demo.yaml``; names and free text from
``people.yaml``. Every identifier the simulation writes (names, birth dates, phone numbers, e-mail
addresses, case numbers) is recorded, so that the tests can check none reaches the outputs.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass

from pipeline.codebook import Codebook
from pipeline.demo.settings import DemoSettings, People

FormRows = dict[tuple[int, str], list[dict]]  # (year, form) → rows as {column: value}


@dataclass
class Case:
    """One invented case as the project leader's case list holds it."""

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


class Simulation:
    """Cases and form rows for ``years`` at ``scale``, as of ``peildatum``."""

    def __init__(
        self,
        seed: int,
        years: list[int],
        scale: float,
        peildatum: dt.date,
        codebook: Codebook,
        settings: DemoSettings,
        people: People,
    ):
        self.rng = random.Random(seed)
        self.years = years
        self.scale = scale
        self.peil = peildatum
        self.cb = codebook
        self.settings = settings
        self.people = people
        self.identifiers: set[str] = set()
        self.planted: list[tuple[str, str]] = []  # (problem, where): see planted.py
        self.used_names: set[str] = set()
        n_experts = max(6, min(len(people.experts), round(settings.experts * scale**0.5)))
        self.experts = people.experts[:n_experts]
        self.identifiers.update(self.experts)

    # ---- helpers
    def day_in(self, first: dt.date, last: dt.date) -> dt.date:
        span = max(0, (last - first).days)
        return first + dt.timedelta(days=self.rng.randint(0, span))

    def draw(self, code_list: str) -> str | None:
        codes, weights = self.settings.draw_weights(code_list, self.cb)
        return self.rng.choices(codes, weights)[0]

    def client_name(self, sex: str) -> str:
        p = self.people
        pool = (
            p.first_names_female
            if sex == "female"
            else p.first_names_male
            if sex == "male"
            else p.first_names_female + p.first_names_male
        )
        for attempt in range(1000):
            name = f"{self.rng.choice(pool)} {self.rng.choice(p.surnames)}"
            if attempt > 20:
                name = f"{name}-{self.rng.choice(p.surnames).split()[-1]}"
            if attempt > 200:  # a very large export: two first names as well
                name = f"{self.rng.choice(pool)} {name}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("demo: no unique client name left")

    def team_label(self, key: str) -> str:
        """A team as the case list writes it: the full label, or now and then a variant."""
        cl = self.cb.code_lists["team"]
        options = [cl.labels[key], *cl.variants.get(key, ())]
        return options[0] if self.rng.random() < 0.6 else self.rng.choice(options[1:] or options)

    def multi(self, code_list: str, codes: list[str]) -> str | None:
        """A multi-select cell: labels joined by ``;``, sometimes with the mess real exports have."""
        if not codes:
            return None
        labels = [self.cb.label(code_list, c) for c in codes]
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
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
        address = ".".join(ascii_name.replace("-", " ").split()) + "@" + self.people.texts["email_domain"]
        self.identifiers.add(address)
        return address

    def free_text(self, case: Case, field: str) -> str | None:
        """A free-text answer for ``field`` (or None), from the templates of ``people.yaml``."""
        spec = self.people.texts[field]
        if self.rng.random() >= spec["p"]:
            return None
        first = case.name.split()[0]
        text = self.rng.choice(spec["templates"])
        low, high = self.people.texts["postcode_range"]
        return text.format(
            voornaam=first,
            naam=case.name,
            telefoon=self.phone() if "{telefoon}" in text else "",
            email=self.email(case.name) if "{email}" in text else "",
            ed=case.experts[0],
            postcode=f"{self.rng.randint(low, high)} {self.rng.choice(self.people.texts['postcode_letters'])}",
        )

    # ---- cases
    def make_cases(self) -> list[Case]:
        """The case list: cases per start year, two that start after the peildatum, three without
        any registration; numbered in order of start."""
        cases: list[Case] = []
        per_year = max(4, round(self.settings.cases_per_year * self.scale))
        first_year = self.years[0]
        for year in self.years:
            fewer = self.settings.fewer_in_first_year if year == first_year and per_year > 20 else 0
            n = per_year + self.rng.randint(-3, 3) - fewer
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
            case.number = self.settings.number(i)
            self.identifiers.add(case.number)
        candidates = [c for c in cases if c.has_forms]
        for case in self.rng.sample(candidates, min(3, len(candidates))):
            case.has_forms = False
            self.planted.append(("no_registration", case.number))
        return cases

    def make_case(self, year: int) -> Case:
        rng = self.rng
        sex = self.draw("sex")
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
        target = self.draw("target")
        team = self.draw("team")
        case = Case(
            "",
            name,
            team,
            target,
            experts,
            professional_start,
            professional_end,
            expert_start,
            expert_end,
            aftercare_end,
            birth,
            sex,
        )
        case.remarks = self.free_text(case, "remarks")
        return case

    # ---- forms
    def year_of(self, day: dt.date) -> int | None:
        """The year folder a form filled in on ``day`` is exported in (None: no such folder)."""
        return day.year if day.year in self.years else None

    def key(self, case: Case, year: int) -> str:
        """The link cell of a form of ``year``: the case number, or the client name in a name-keyed year."""
        if self.cb.name_keyed_until is not None and year <= self.cb.name_keyed_until:
            roll = self.rng.random()
            if roll < 0.1:
                return case.name.upper()
            if roll < 0.2:
                return "  " + case.name.replace(" ", "  ") + " "
            if roll < 0.3:
                return "".join(ch for ch in unicodedata.normalize("NFKD", case.name) if not unicodedata.combining(ch))
            return case.name
        roll = self.rng.random()
        if roll < 0.05:
            return f" {case.number.lower()} "
        return case.number

    def forms(self, cases: list[Case]) -> FormRows:
        """Rows per (year, form), as dicts of column name → value (codes, not labels yet)."""
        rng = self.rng
        s = self.settings
        out: FormRows = {}
        last_day = self.peil - dt.timedelta(days=1)

        def add(day: dt.date, form: str, row: dict) -> None:
            year = self.year_of(day)
            if year is not None:
                out.setdefault((year, form), []).append(row | {"_case": row.get("_case"), "_year": year})

        network = [c for c in self.cb.codes("network") if c != s.network_none]
        development = self.cb.codes("problem_area")
        for case in cases:
            if not case.has_forms or case.expert_start >= self.peil:
                continue
            stop = case.expert_end or last_day
            # start form
            if rng.random() < 0.96:
                day = min(case.expert_start + dt.timedelta(days=rng.randint(0, 12)), last_day)
                problems = [a for a, p in s.problem_probability.items() if rng.random() < p]
                s_client = rng.randint(2, 8)
                has_children = rng.random() < 0.62
                add(
                    day,
                    "startformulier",
                    {
                        "_case": case,
                        "date_filled": day,
                        "expert": case.experts[0],
                        "birth_date": case.birth,
                        "sex": case.sex,
                        "children_involved": "yes" if has_children else rng.choice(["no", "no", "unknown"]),
                        "n_children": rng.randint(1, 4) if has_children else 0,
                        "pregnant": "yes" if rng.random() < 0.05 else "no",
                        "problems": problems,
                        "goal_text": self.free_text(case, "goal_text"),
                        "safety_client": 99 if rng.random() < 0.05 else s_client,
                        "safety_expert": 99 if rng.random() < 0.05 else max(0, min(10, s_client + rng.randint(-2, 1))),
                        "safety_professional": 99 if rng.random() < 0.08 else max(0, min(10, s_client + rng.randint(-2, 2))),
                    },
                )
            # contacts
            span = max(1, (stop - case.expert_start).days)
            n_contacts = max(1, int(span / max(3.0, rng.gauss(9, 3))))
            for _ in range(n_contacts):
                day = self.day_in(case.expert_start, stop)
                n_net = rng.choices([0, 1, 2], [45, 40, 15])[0]
                named = rng.sample(network, n_net) if n_net else [s.network_none]
                orgs = rng.sample(self.cb.codes("organisation"), rng.choices([0, 1, 2, 3], [30, 40, 20, 10])[0])
                add(
                    day,
                    "contactformulier",
                    {
                        "_case": case,
                        "date": day,
                        "expert": rng.choice(case.experts),
                        "contact_type": self.draw("contact_type"),
                        "contact_with": self.draw("contact_partner"),
                        "hours": rng.choice([0.25, 0.5, 0.5, 0.75, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0]),
                        "organisations": orgs,
                        "network": named,
                        "aftercare_contact": "yes" if case.expert_end and day > case.expert_end else "no",
                        "note_text": self.free_text(case, "note_text"),
                    },
                )
            # end form
            if case.expert_end is not None and rng.random() < 0.95:
                day = min(case.expert_end + dt.timedelta(days=rng.randint(0, 10)), last_day)
                reasons = rng.sample(self.cb.codes("closure_reason"), rng.choices([1, 2], [80, 20])[0])
                row = {
                    "_case": case,
                    "date_filled": day,
                    "expert": case.experts[0],
                    "reasons": reasons,
                    "reason_other_text": self.people.texts["reason_other_text"] if s.closure_other in reasons else None,
                    "results_text": self.free_text(case, "results_text"),
                    "still_needed_text": None,
                    "aftercare": "yes" if case.aftercare_end else rng.choice(["no", "no", "no", "yes"]),
                }
                for area in development:
                    if rng.random() < 0.5:
                        value = self.draw("development")
                    else:
                        value = rng.choice(s.development_unjudged)
                    row[f"dev_{area}"] = value
                s_end = rng.randint(3, 10)
                row |= {
                    "safety_client": 99 if rng.random() < 0.06 else s_end,
                    "safety_expert": max(0, min(10, s_end + rng.randint(-2, 1))),
                    "safety_professional": 99 if rng.random() < 0.1 else max(0, min(10, s_end + rng.randint(-2, 1))),
                }
                add(day, "eindformulier", row)
                # client interview
                if rng.random() < 0.45:
                    iday = case.expert_end + dt.timedelta(days=rng.randint(20, 80))
                    if iday < self.peil:
                        leaflet = s.leaflet
                        received = rng.random() < leaflet["received_percent"] / 100
                        useful_w = leaflet["useful_percent"]
                        add(
                            iday,
                            "clientervaring",
                            {
                                "_case": case,
                                "date_interview": iday,
                                **{item: rng.choices(["yes", "no"], [w, 100 - w])[0] for item, w in s.survey_yes_percent.items()},
                                leaflet["received"]: "yes" if received else "no",
                                leaflet["useful"]: (rng.choices(["yes", "no"], [useful_w, 100 - useful_w])[0])
                                if received
                                else None,
                                "grade": None if rng.random() < 0.05 else rng.choices(range(5, 11), [3, 6, 20, 35, 25, 11])[0],
                                "liked_text": self.free_text(case, "liked_text"),
                                "improve_text": None,
                            },
                        )
        # non-case contacts, in the years the form exists
        since = self.cb.forms["niet_casus_contacten"].since or self.years[0]
        for year in self.years:
            if year < since:
                continue
            for _ in range(max(3, round(s.noncase_contacts_per_year * self.scale))):
                day = self.day_in(dt.date(year, 1, 1), min(dt.date(year, 12, 31), last_day))
                minutes = rng.choices([5, 10, 15, 20, 30, 45, 60, 90], [10, 15, 15, 15, 20, 10, 10, 5])[0]
                add(
                    day,
                    "niet_casus_contacten",
                    {
                        "date": day,
                        "expert": rng.choice(self.experts),
                        "contact_type": self.draw("nc_contact_type"),
                        "conversation": self.draw("conversation"),
                        "minutes": None if rng.random() < 0.04 else minutes,
                        "seeker": self.draw("seeker"),
                        "via": self.draw("via"),
                        "support": rng.sample(self.cb.codes("support"), rng.choices([1, 2, 3], [55, 35, 10])[0]),
                        "advised_help_text": rng.choice(self.people.texts["advised_help_text"]),
                    },
                )
        for rows in out.values():
            rows.sort(key=lambda r: r.get("date_filled") or r.get("date") or r.get("date_interview"))
        return out
