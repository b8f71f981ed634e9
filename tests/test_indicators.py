"""Every indicator on a tiny hand-made export with answers computed by hand (docs/definitions.md).

The export (peildatum 1-1-2021):

case  team          doelgroep  experts      prof start  prof end    exp start   exp end     notes
C1    SG Ambulant   Slachtoffer Anna        01-01-2019  31-12-2019  11-01-2019  10-07-2019  lead 10, duration 180
C2    VT Casusregie Pleger     Bram + Anna  01-03-2019  –           01-03-2019  25-02-2020  lead 0, duration 361, nazorg
C3    SG Ambulant   Slachtoffer Anna        01-02-2020  –           20-01-2020  –           expert before professional; running
C4    VT Onderzoek  Slachtoffer Carla       01-03-2020  01-12-2020  31-03-2020  01-03-2020  end before start (closed, no duration)
C5    SG Ambulant   Slachtoffer Anna        01-05-2019  –           01-05-2019  –           no form: no registration
C6    SG Ambulant   Slachtoffer Anna        15-01-2021  –           01-02-2021  –           after peildatum
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from exportkit import (
    CASELIST_HEADERS,
    DEV_HEADERS,
    END_HEADERS,
    NONCASE_HEADERS,
    START_HEADERS,
    SURVEY_HEADERS,
    caselist_row,
    write_table,
)

from pipeline.indicators import compute_indicators, kerncijfers_json
from pipeline.stages import clean_run

PEIL = dt.date(2021, 1, 1)
CONTACT_2019 = [
    "Casusnummer",
    "Datum contact",
    "Ervaringsdeskundige",
    "Soort contact",
    "Duur contact (uren)",
    "Netwerk betrokken",
]
CONTACT_2020 = [*CONTACT_2019, "Contact met"]


def end(key, date, reasons, dev: dict, safety, aftercare=None):
    devs = [dev.get(h.removeprefix("Ontwikkeling ")) for h in DEV_HEADERS]
    row = [key, date, "Anna Jansen", reasons, *devs, *safety]
    return row if aftercare is None else [*row, aftercare]


def write_export(root):
    write_table(
        root / "casuslijst.xlsx",
        CASELIST_HEADERS,
        [
            caselist_row(
                "CIR-0001",
                "Zoë de Wit",
                "SG Ambulant",
                "Slachtoffer",
                "Anna Jansen",
                None,
                "01-01-2019",
                "31-12-2019",
                "11-01-2019",
                "10-07-2019",
            ),
            caselist_row(
                "CIR-0002",
                "Piet Bakker",
                "VT Casusregie",
                "Pleger",
                "Bram Vos",
                "anna  jansen",
                "01-03-2019",
                None,
                "01-03-2019",
                "25-02-2020",
                "01-06-2020",
            ),
            caselist_row(
                "CIR-0003", "Kees Smit", "SG Ambulant", "Slachtoffer", "Anna Jansen", None, "01-02-2020", None, "20-01-2020", None
            ),
            caselist_row(
                "CIR-0004",
                "Els Vos",
                "VT Onderzoek",
                "Slachtoffer",
                "Carla Dekker",
                None,
                "01-03-2020",
                "01-12-2020",
                "31-03-2020",
                "01-03-2020",
            ),
            caselist_row(
                "CIR-0005", "Jan Kok", "SG Ambulant", "Slachtoffer", "Anna Jansen", None, "01-05-2019", None, "01-05-2019", None
            ),
            caselist_row(
                "CIR-0006", "Lies Maas", "SG Ambulant", "Slachtoffer", "Anna Jansen", None, "15-01-2021", None, "01-02-2021", None
            ),
        ],
    )
    write_table(
        root / "2019" / "startformulier.csv",
        START_HEADERS,
        [
            [
                "CIR-0001",
                "12-01-2019",
                "Anna Jansen",
                "15-06-1980",
                "Vrouw",
                "Ja",
                2,
                "Nee",
                "Huiselijk geweld;Huisvesting;",
                None,
                4,
                5,
                6,
            ],
            ["CIR-0002", "02-03-2019", "Bram Vos", "11-01-1990", "Man", "Nee", 0, "Nee", None, None, 99, 7, 8],
        ],
    )
    write_table(
        root / "2020" / "startformulier.csv",
        START_HEADERS,
        [
            [
                "CIR-0003",
                "21-01-2020",
                "Anna Jansen",
                "20-01-2000",
                "Onbekend",
                "Onbekend",
                0,
                "Nee",
                "Huiselijk geweld",
                None,
                3,
                4,
                5,
            ],
            [
                "CIR-0004",
                "01-04-2020",
                "Carla Dekker",
                None,
                "Vrouw",
                "Ja",
                1,
                "Nee",
                "Verslaving ; huiselijk geweld",
                None,
                6,
                12,
                5,
            ],
        ],
    )
    write_table(
        root / "2019" / "contactformulier.csv",
        CONTACT_2019,
        [
            ["CIR-0001", "15-01-2019", "Anna Jansen", "Telefonisch", 1.5, "Geen"],
            ["CIR-0001", "01-02-2019", "Anna Jansen", "Face to face", 2.0, "Ouder(s)"],
            ["CIR-0001", "01-03-2019", "Anna Jansen", "Telefonisch", None, "Geen"],
            ["CIR-0098", "01-03-2019", "Anna Jansen", "Telefonisch", 1.0, "Geen"],  # unknown case
        ],
    )
    write_table(
        root / "2020" / "contactformulier.csv",
        CONTACT_2020,
        [
            ["CIR-0002", "10-01-2020", "Bram Vos", "WhatsApp", 1.0, "Geen", "Cliënt"],
            ["CIR-0002", "20-01-2020", "Bram Vos", "Telefonisch", 0.5, "Geen", "Instelling/professional"],
            ["CIR-0003", "25-01-2020", "Anna Jansen", None, 2.0, "Geen", "Cliënt"],
        ],
    )
    write_table(
        root / "2019" / "eindformulier.csv",
        END_HEADERS,
        [
            end(
                "CIR-0001",
                "11-07-2019",
                "Doel bereikt;Anders",
                {"Huiselijk geweld": "Afgenomen", "Huisvesting": "Gestopt", "Psychisch functioneren": "Niet van toepassing"},
                (8, 8, 9),
            ),
        ],
    )
    write_table(
        root / "2020" / "eindformulier.csv",
        [*END_HEADERS, "Nazorg"],
        [
            end("CIR-0002", "26-02-2020", "Doel bereikt", {"Huiselijk geweld": "Gelijk gebleven"}, (6, 7, 99), "Ja"),
            end("CIR-0004", "02-03-2020", None, {}, (7, 6, 5), "Nee"),
        ],
    )
    write_table(
        root / "2020" / "clientervaring.csv",
        SURVEY_HEADERS,
        [
            ["CIR-0001", "15-01-2020", "Ja", "Ja", "Ja", "Ja", "Ja", "Ja", "Nee", 8],
            ["CIR-0002", "01-05-2020", "Nee", "Ja", "Ja", "Ja", "Ja", "Nee", None, 6],
            ["CIR-0099", "01-05-2020", "Ja", "Ja", "Ja", "Ja", "Ja", "Ja", "Ja", 10],  # unknown case
        ],
    )
    write_table(
        root / "2020" / "niet_casus_contacten.csv",
        NONCASE_HEADERS,
        [
            ["01-02-2020", "Anna Jansen", "Telefonisch", "Eerste gesprek", 10, "Slachtoffer", "Website", "Luisterend oor"],
            [
                "02-02-2020",
                "Anna Jansen",
                "Telefonisch",
                "Vervolggesprek",
                15,
                "Slachtoffer",
                "Website",
                "Luisterend oor;Advies persoonlijk handelen",
            ],
            ["03-02-2020", "Anna Jansen", "WhatsApp", None, 45, "Slachtoffer", "Flyer slachtoffers", None],
            [
                "04-02-2020",
                "Bram Vos",
                "E-mail",
                "Eerste gesprek",
                None,
                "Pleger",
                "Anders",
                "Advies professionele hulp inschakelen",
            ],
        ],
    )
    return root


@pytest.fixture(scope="module")
def result(tmp_path_factory, test_key):
    root = tmp_path_factory.mktemp("indicators")
    with test_key(root):
        result = clean_run(write_export(root / "raw"), PEIL)
    return compute_indicators(result.clean, PEIL, 5, forms_unlinked=result.forms_unlinked)


@pytest.fixture(scope="module")
def k(result):
    return result.kerncijfers


def value(table, measure, **groups):
    rows = table[(table["measure"] == measure)]
    for column, wanted in groups.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, (measure, groups)
    return rows.iloc[0]["value"], rows.iloc[0]["n"]


def test_kaplan_meier_censors_the_running_case(result):
    # C1 closes at 180 days, C2 at 361; C3 runs (censored at peildatum − 20-01-2020 = 347 days);
    # C4's end before start is left out. S(180) = 2/3, S(361) = 0 → median 361 (closed-only mean 270.5).
    km = result.tables["duration_kaplan_meier"]
    assert value(km, "km_median_days", target="totaal") == (361, 3)
    assert value(km, "censored", target="totaal") == (1, 3)


def test_small_groups_are_not_suppressed_in_the_figures(result):
    # min_group_n = 5, yet a team with one case keeps its mean: suppression belongs to the report
    assert result.kerncijfers["lead_time_days"]["by_team"]["vt_onderzoek"] == {"mean": 30, "n": 1}
    lead = result.tables["lead_time"]
    assert value(lead, "mean", breakdown="team", group="vt_onderzoek") == (30, 1)


def test_paired_safety_per_rater(result):
    # expert: C1 5→8, C2 7→7 (C4's start 12 is blank) → n 2, change (3 + 0) / 2
    table = result.tables["safety_paired_by_rater"]
    assert value(table, "change_mean", rater="expert", target="totaal") == (1.5, 2)
    # professional: C1 6→9, C4 5→5 (C2's end is 99) → mean change 1.5
    assert value(table, "change_mean", rater="professional", target="totaal") == (1.5, 2)


def approx(value):
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def test_flow_and_forms(k):
    assert k["flow"] == {
        "cases_listed": 6,
        "cases_no_registration": 1,
        "cases_after_peildatum": 1,
        "cases_analysed": 4,
        "forms_unlinked": 2,
    }
    assert k["forms"] == {"start": 4, "contact": 6, "end": 3, "client_survey": 2, "noncase": 4}


def test_cases_and_status_per_year(k):
    c = k["cases"]
    assert c["by_start_year"] == {"2019": 2, "2020": 2}
    assert c["by_target"] == {"victim": 3, "perpetrator": 1}
    assert (c["closed"], c["running"]) == (3, 1)
    assert c["by_team"] == {
        "sg_ambulant": 2,
        "sg_ambulant_wonen": 0,
        "vt_interventieteam": 0,
        "vt_casusregie": 1,
        "vt_ondersteuning": 0,
        "vt_onderzoek": 1,
        "vt_procesregie": 0,
    }
    assert c["status_by_year"] == {
        "2019": {"started": 2, "closed": 1, "running_end": 1},
        "2020": {"started": 2, "closed": 2, "running_end": 1},
    }


def test_background(k):
    b = k["background"]
    assert b["age_mean"] == approx((38 + 29 + 20) / 3) and b["age_n"] == 3
    assert b["female_pct"] == approx(200 / 3)  # Onbekend left out of the denominator
    assert b["children_pct"] == approx(200 / 3)


def test_lead_time(k):
    lt = k["lead_time_days"]
    assert (lt["mean"], lt["median"], lt["min"], lt["max"], lt["n"]) == (approx(40 / 3), 10, 0, 30, 3)
    assert isinstance(lt["min"], int) and isinstance(lt["max"], int)
    assert lt["by_team"]["sg_ambulant"] == {"mean": 10, "n": 1}  # C3 (expert before professional) left out
    assert lt["by_team"]["vt_procesregie"] == {"mean": None, "n": 0}
    assert lt["by_start_year"] == {"2019": {"mean": 5, "n": 2}, "2020": {"mean": 30, "n": 1}}
    assert lt["by_target"] == {"victim": {"mean": 20, "n": 2}, "perpetrator": {"mean": 0, "n": 1}}


def test_durations(k):
    e = k["duration_days"]["expert"]
    assert (e["mean"], e["n"]) == (270.5, 2)  # C4's end before start is left out
    assert e["by_target"] == {"victim": {"mean": 180, "n": 1}, "perpetrator": {"mean": 361, "n": 1}}
    assert e["by_start_year"] == {"2019": {"mean": 270.5, "n": 2}, "2020": {"mean": None, "n": 0}}
    p = k["duration_days"]["professional"]
    assert (p["mean"], p["n"]) == (approx((364 + 275) / 2), 2)
    assert p["by_target"]["perpetrator"] == {"mean": None, "n": 0}


def test_contacts(k):
    c = k["contacts"]
    assert (c["closed_cases_n"], c["per_closed_case_mean"], c["hours_per_closed_case_mean"]) == (2, 2.5, 2.5)
    assert c["by_target"]["victim"] == {"closed_cases_n": 1, "per_closed_case_mean": 3, "hours_per_closed_case_mean": 3.5}
    assert c["by_start_year"]["2020"] == {"closed_cases_n": 0, "per_closed_case_mean": None, "hours_per_closed_case_mean": None}
    assert c["type_pct"]["phone"] == approx(60) and c["type_pct"]["whatsapp"] == approx(20) and c["type_pct"]["sms"] == 0
    assert c["partner_pct"] == {"client": approx(200 / 3), "professional": approx(100 / 3), "both": 0}


def test_problem_areas_and_development(k):
    p = k["problems"]
    assert p["start_forms_n"] == 4
    assert p["pct"]["domestic_violence"] == 75 and p["pct"]["housing"] == 25 and p["pct"]["addiction"] == 25
    assert p["pct"]["parenting"] == 0
    assert p["areas_count_pct"] == {"0": 25, "1": 25, "2+": 50}
    assert p["development"]["domestic_violence"] == {
        "n": 2,
        "increased_pct": 0,
        "same_pct": 50,
        "decreased_pct": 50,
        "stopped_pct": 0,
    }
    assert p["development"]["housing"]["stopped_pct"] == 100
    assert p["development"]["mental_health"] == {
        "n": 0,
        "increased_pct": None,
        "same_pct": None,
        "decreased_pct": None,
        "stopped_pct": None,
    }


def test_closure_and_aftercare(k):
    c = k["closure"]
    assert (c["forms_n"], c["mentions_n"]) == (2, 3)
    assert c["reasons"]["goal_reached"] == {"n": 2, "pct_mentions": approx(200 / 3), "pct_forms": 100}
    assert c["reasons"]["other"] == {"n": 1, "pct_mentions": approx(100 / 3), "pct_forms": 50}
    assert c["reasons"]["client_moved"] == {"n": 0, "pct_mentions": 0, "pct_forms": 0}
    assert k["aftercare"] == {"cases": 1}


def test_safety(k):
    m = k["safety"]["mean"]
    assert m["client"] == {"start": approx(13 / 3), "end": 7}
    assert m["expert"] == {"start": approx(16 / 3), "end": 7}  # 12 is out of range: blank
    assert m["professional"] == {"start": 6, "end": 7}  # 99 is unknown: blank
    p = k["safety"]["client_paired"]
    assert (p["n"], p["start_mean"], p["end_mean"], p["change_mean"]) == (2, 5, 7.5, 2.5)
    assert p["by_team"]["sg_ambulant"] == {"n": 1, "start_mean": 4, "end_mean": 8}
    assert p["by_team"]["vt_casusregie"] == {"n": 0, "start_mean": None, "end_mean": None}
    assert p["by_target"] == {"victim": {"n": 2, "change_mean": 2.5}, "perpetrator": {"n": 0, "change_mean": None}}


def test_experts(k):
    assert k["experts"] == {
        "distinct": 3,
        "by_start_year": {"2019": 2, "2020": 2},
        "cases_per_expert_min": 1,
        "cases_per_expert_max": 3,
    }


def test_survey(k):
    s = k["survey"]
    assert (s["n"], s["grade_mean"], s["grade_n"], s["grade_by_year"]) == (2, 7, 2, {"2020": 7})
    assert s["item_pct"] == {
        "click": 50,
        "reachable": 100,
        "understood": 100,
        "helped_solve": 100,
        "would_recommend": 100,
        "leaflet_received": 50,
        "leaflet_useful": 0,
    }
    assert s["grade_by_team"]["sg_ambulant"] == {"mean": 8, "n": 1}
    assert s["grade_by_team"]["vt_casusregie"] == {"mean": 6, "n": 1}
    assert s["grade_by_team"]["vt_onderzoek"] == {"mean": None, "n": 0}


def test_noncase(k):
    n = k["noncase"]
    assert (n["n"], n["duration_mean_min"]) == (4, approx(70 / 3))
    assert n["duration_band_pct"] == {"lt15": approx(100 / 3), "15_29": approx(100 / 3), "30_59": approx(100 / 3), "60plus": 0}
    assert n["first_pct"] == approx(200 / 3)
    assert n["type_pct"]["phone"] == 50 and n["type_pct"]["email"] == 25 and n["type_pct"]["website_chat"] == 0
    assert n["who_pct"] == {"victim": 75, "perpetrator": 25, "victim_parent": 0, "other_professional": 0, "other": 0}
    assert n["via_pct"]["website"] == 50 and n["via_pct"]["victim_flyer"] == 25 and n["via_pct"]["other"] == 25
    assert n["support_pct"] == {"listening_ear": 50, "advice_own_action": 25, "advice_professional_help": 25}


def test_json_is_strict_and_counts_are_integers(k):
    text = kerncijfers_json(k)
    assert "NaN" not in text
    again = json.loads(text)
    assert again == k
    assert isinstance(again["flow"]["cases_listed"], int)
    assert isinstance(again["experts"]["by_start_year"]["2019"], int)


# ---- the key-figures contract: exactly these keys (shared contract, docs/definitions.md) --------

TEAMS = [
    "sg_ambulant",
    "sg_ambulant_wonen",
    "vt_interventieteam",
    "vt_casusregie",
    "vt_ondersteuning",
    "vt_onderzoek",
    "vt_procesregie",
]
TARGETS = ["victim", "perpetrator"]
AREAS = [
    "domestic_violence",
    "mental_health",
    "housing",
    "work_income",
    "social_participation",
    "parenting",
    "divorce_contact",
    "physical_health",
    "addiction",
    "criminal_record",
]


def contract_keys(years: list[str], interview_years: list[str]) -> set[str]:
    """Every dotted key path the contract lists, for the given start years and interview years."""
    keys = {
        f"flow.{x}"
        for x in ["cases_listed", "cases_no_registration", "cases_after_peildatum", "cases_analysed", "forms_unlinked"]
    }
    keys |= {f"forms.{x}" for x in ["start", "contact", "end", "client_survey", "noncase"]}
    keys |= {f"cases.by_start_year.{y}" for y in years} | {f"cases.by_target.{t}" for t in TARGETS}
    keys |= {"cases.closed", "cases.running"} | {f"cases.by_team.{t}" for t in TEAMS}
    keys |= {f"cases.status_by_year.{y}.{m}" for y in years for m in ["started", "closed", "running_end"]}
    keys |= {f"background.{x}" for x in ["age_mean", "age_n", "female_pct", "children_pct"]}
    keys |= {f"lead_time_days.{x}" for x in ["mean", "median", "min", "max", "n"]}
    keys |= {f"lead_time_days.by_team.{t}.{m}" for t in TEAMS for m in ["mean", "n"]}
    keys |= {f"lead_time_days.by_start_year.{y}.{m}" for y in years for m in ["mean", "n"]}
    keys |= {f"lead_time_days.by_target.{t}.{m}" for t in TARGETS for m in ["mean", "n"]}
    for kind in ["expert", "professional"]:
        keys |= {f"duration_days.{kind}.mean", f"duration_days.{kind}.n"}
        keys |= {f"duration_days.{kind}.by_target.{t}.{m}" for t in TARGETS for m in ["mean", "n"]}
    keys |= {f"duration_days.expert.by_start_year.{y}.{m}" for y in years for m in ["mean", "n"]}
    per_case = ["closed_cases_n", "per_closed_case_mean", "hours_per_closed_case_mean"]
    keys |= {f"contacts.{m}" for m in per_case}
    keys |= {f"contacts.type_pct.{t}" for t in ["face_to_face", "phone", "sms", "whatsapp", "email", "social_media", "other"]}
    keys |= {f"contacts.by_target.{t}.{m}" for t in TARGETS for m in per_case}
    keys |= {f"contacts.by_start_year.{y}.{m}" for y in years for m in per_case}
    keys |= {f"contacts.partner_pct.{p}" for p in ["client", "professional", "both"]}
    keys |= {"problems.start_forms_n"} | {f"problems.pct.{a}" for a in AREAS}
    keys |= {f"problems.areas_count_pct.{b}" for b in ["0", "1", "2+"]}
    keys |= {
        f"problems.development.{a}.{m}" for a in AREAS for m in ["n", "increased_pct", "same_pct", "decreased_pct", "stopped_pct"]
    }
    keys |= {"closure.forms_n", "closure.mentions_n"}
    keys |= {
        f"closure.reasons.{r}.{m}"
        for r in ["goal_reached", "expert_stopped", "care_transferred", "client_moved", "client_declined", "other"]
        for m in ["n", "pct_mentions", "pct_forms"]
    }
    keys |= {f"safety.mean.{r}.{m}" for r in ["client", "expert", "professional"] for m in ["start", "end"]}
    keys |= {f"safety.client_paired.{m}" for m in ["n", "start_mean", "end_mean", "change_mean"]}
    keys |= {f"safety.client_paired.by_team.{t}.{m}" for t in TEAMS for m in ["n", "start_mean", "end_mean"]}
    keys |= {f"safety.client_paired.by_target.{t}.{m}" for t in TARGETS for m in ["n", "change_mean"]}
    keys |= {"aftercare.cases", "experts.distinct", "experts.cases_per_expert_min", "experts.cases_per_expert_max"}
    keys |= {f"experts.by_start_year.{y}" for y in years}
    keys |= {"survey.n", "survey.grade_mean", "survey.grade_n"} | {f"survey.grade_by_year.{y}" for y in interview_years}
    keys |= {
        f"survey.item_pct.{i}"
        for i in ["click", "reachable", "understood", "helped_solve", "would_recommend", "leaflet_received", "leaflet_useful"]
    }
    keys |= {f"survey.grade_by_team.{t}.{m}" for t in TEAMS for m in ["mean", "n"]}
    keys |= {"noncase.n", "noncase.duration_mean_min", "noncase.first_pct"}
    keys |= {f"noncase.duration_band_pct.{b}" for b in ["lt15", "15_29", "30_59", "60plus"]}
    keys |= {f"noncase.type_pct.{t}" for t in ["phone", "whatsapp", "website_chat", "face_to_face", "social_media", "email"]}
    keys |= {f"noncase.who_pct.{t}" for t in ["victim", "perpetrator", "victim_parent", "other_professional", "other"]}
    keys |= {f"noncase.via_pct.{t}" for t in ["victim_flyer", "professional_advice", "website", "acquaintances", "other"]}
    keys |= {f"noncase.support_pct.{t}" for t in ["listening_ear", "advice_own_action", "advice_professional_help"]}
    return keys


def flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    out = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= flatten(value, path + ".")
        else:
            out[path] = value
    return out


COUNT_SUFFIXES = (".n", "_n", ".cases", ".distinct", ".min", ".max", "cases_per_expert_min", "cases_per_expert_max")


def test_exactly_the_contract_keys_with_integer_counts(k):
    flat = flatten(k)
    assert set(flat) == contract_keys(["2019", "2020"], ["2020"])
    for path, value in flat.items():
        is_count = (
            path.startswith(("flow.", "forms.", "cases.", "experts.by_start_year."))
            or path.endswith(COUNT_SUFFIXES)
            or (path.startswith("closure.reasons.") and path.endswith(".n"))
        )
        if path in {"lead_time_days.min", "lead_time_days.max"} or is_count:
            assert value is None or type(value) is int, path
        else:
            assert value is None or type(value) is float or type(value) is int, path


def test_empty_export_gives_every_key_with_zero_or_null(tmp_path, monkeypatch, keyed):
    """No analysed case: the ingest gate stops such a run, but the indicators are defined for it."""
    from pipeline import ingest

    monkeypatch.setattr(ingest, "_analysed_gate", lambda *args: None)
    root = tmp_path / "raw"
    write_table(root / "casuslijst.csv", CASELIST_HEADERS, [caselist_row("CIR-0001", "Zoë de Wit")])
    result = clean_run(root, PEIL)
    k = compute_indicators(result.clean, PEIL, 5, forms_unlinked=result.forms_unlinked).kerncijfers
    flat = flatten(k)
    assert set(flat) == contract_keys([], [])
    assert k["flow"]["cases_no_registration"] == 1 and k["flow"]["cases_analysed"] == 0
    assert k["experts"]["cases_per_expert_min"] is None and k["lead_time_days"]["median"] is None
    assert k["closure"]["reasons"]["other"] == {"n": 0, "pct_mentions": None, "pct_forms": None}
    assert all(v in (0, None) for p, v in flat.items() if p != "flow.cases_listed" and p != "flow.cases_no_registration")
    json.loads(kerncijfers_json(k))


def test_contact_forms_read_lazily_give_the_figures_of_the_table_in_memory(tmp_path, keyed, monkeypatch):
    """The indicators stage reads the contact forms from parquet row group by row group, case ids
    as categoricals (looked up once per distinct id), in a worker process when there are many:
    the same key figures as the table in memory; a blank case id, or one that is not an analysed
    case, counts for no case."""
    import dataclasses
    from pathlib import Path

    import pandas as pd

    from pipeline.indicators.contacts import _positions
    from pipeline.load import LazyTable

    demo = Path(__file__).resolve().parent.parent / "data" / "demo"
    clean = clean_run(demo, PEIL).clean
    path = tmp_path / "contact_forms.parquet"
    clean.contact_forms.to_parquet(path, index=False, row_group_size=7)
    lazy = dataclasses.replace(clean, contact_forms=LazyTable(path))
    in_memory = compute_indicators(clean, PEIL)
    from_disk = compute_indicators(lazy, PEIL)
    import os

    import pipeline.indicators.analysed as analysed
    import pipeline.indicators.contacts as contacts
    import pipeline.parallel as parallel

    summed_in = tmp_path / "pid"
    aggregate = contacts.aggregate_contacts

    def recorded(*args):
        summed_in.write_text(str(os.getpid()))
        return aggregate(*args)

    monkeypatch.setattr(contacts, "aggregate_contacts", recorded)
    monkeypatch.setattr(analysed, "BACKGROUND_MIN_ROWS", 1)  # the demo's forms: summed in a worker
    monkeypatch.setattr(parallel, "available_workers", lambda: 2)
    in_worker = compute_indicators(lazy, PEIL)
    assert int(summed_in.read_text()) != os.getpid()
    for result in (from_disk, in_worker):
        assert kerncijfers_json(result.kerncijfers) == kerncijfers_json(in_memory.kerncijfers)
        assert list(result.tables) == list(in_memory.tables)
        for name, table in in_memory.tables.items():
            pd.testing.assert_frame_equal(result.tables[name], table, obj=name)
    index = pd.Index(["a", "b", "c"], dtype=object)
    ids = pd.Series(["c", None, "x", "a", "c"], dtype="string")
    assert _positions(index, ids.astype("category")).tolist() == [2, -1, -1, 0, 2]
    assert _positions(index, ids).tolist() == [2, -1, -1, 0, 2]
    assert _positions(index, ids.iloc[[1]].astype("category")).tolist() == [-1]
