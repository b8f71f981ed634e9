"""Open answers: coding sheet out, coded sheet back in, theme counts; mismatches are clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.codebook import load_codebook
from pipeline.coding import export_coding_sheet, find_coded_sheet, open_answers, read_coded_sheet, sheet_names
from pipeline.errors import ConfigurationError
from pipeline.indicators import compute_indicators
from pipeline.pseudonym import ENV_KEY_FILE
from pipeline.stages import clean_run

SHEET_TAB, _THEMES_TAB = sheet_names(load_codebook())

ROOT = Path(__file__).resolve().parent.parent
PEIL = pd.Timestamp("2021-01-01").date()


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.delenv("CIRKEL_PSEUDONYM_KEY", raising=False)
    mp.setenv(ENV_KEY_FILE, str(tmp_path_factory.mktemp("k") / "none.key"))  # the demo's own key
    try:
        return clean_run(ROOT / "data" / "demo", PEIL).clean
    finally:
        mp.undo()


def _coded(clean, tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    sheet_path = tmp_path / "open_antwoorden_codeerblad.xlsx"
    n = export_coding_sheet(clean, sheet_path)
    sheet = pd.read_excel(sheet_path, sheet_name=SHEET_TAB, dtype=str, engine="calamine").fillna("")
    assert len(sheet) == n > 0
    assert list(sheet.columns[-3:]) == ["thema_1", "thema_2", "thema_3"]
    assert not sheet["tekst"].str.contains("@voorbeeld.nl|06-?\\d{8}", regex=True).any()  # redacted already
    goal = sheet.index[sheet["vraag_code"] == "goal"]
    sheet.loc[goal[:4], "thema_1"] = "Veiligheid"
    sheet.loc[goal[:2], "thema_2"] = "netwerk versterken"  # case does not matter
    sheet.loc[goal[4:5], "thema_1"] = "Anders"
    coded_path = tmp_path / "open_antwoorden_gecodeerd.xlsx"
    sheet.to_excel(coded_path, sheet_name=SHEET_TAB, index=False)
    return coded_path, sheet


def test_round_trip_counts_themes(clean, tmp_path):
    coded_path, _ = _coded(clean, tmp_path)
    assert find_coded_sheet(tmp_path) == coded_path
    result = compute_indicators(clean, PEIL, 5, coded_sheet=coded_path)
    themes = result.tables["open_answer_themes"]
    total = themes[(themes["question"] == "goal") & (themes["breakdown"] == "total")]
    count = total[total["measure"] == "count"].set_index("theme")["value"]
    assert (count["Veiligheid"], count["Netwerk versterken"], count["Anders"]) == (4, 2, 1)
    pct = total[total["measure"] == "pct"].set_index("theme")
    assert pct.loc["Veiligheid", "n"] == 5 and pct.loc["Veiligheid", "value"] == pytest.approx(80)
    summary = result.tables["open_answers"].set_index(["question", "measure"])["value"]
    assert summary[("goal", "coded")] == 5
    assert summary[("goal", "answers")] == (open_answers(clean)["vraag_code"] == "goal").sum()


def test_without_a_coded_sheet_nothing_is_coded(clean):
    result = compute_indicators(clean, PEIL, 5)
    assert result.tables["open_answer_themes"].empty
    assert (result.tables["open_answers"].query("measure == 'coded'")["value"] == 0).all()


def test_an_unknown_answer_id_is_a_clear_error(clean, tmp_path):
    coded_path, sheet = _coded(clean, tmp_path)
    sheet.loc[3, "antwoord_id"] = "A-000000000000"
    sheet.to_excel(coded_path, sheet_name=SHEET_TAB, index=False)
    with pytest.raises(ConfigurationError, match=r"rij 5: antwoord_id 'A-000000000000' hoort bij geen huidig open antwoord"):
        read_coded_sheet(coded_path, open_answers(clean))


def test_a_theme_not_in_the_list_is_a_clear_error(clean, tmp_path):
    coded_path, sheet = _coded(clean, tmp_path)
    goal = sheet.index[sheet["vraag_code"] == "goal"][0]
    sheet.loc[goal, "thema_3"] = "Iets nieuws"
    sheet.to_excel(coded_path, sheet_name=SHEET_TAB, index=False)
    with pytest.raises(ConfigurationError, match="thema 'Iets nieuws' staat niet in de lijst"):
        read_coded_sheet(coded_path, open_answers(clean))


def test_two_coded_sheets_are_an_error(tmp_path):
    (tmp_path / "a_gecodeerd.xlsx").write_bytes(b"")
    (tmp_path / "b_gecodeerd.xlsx").write_bytes(b"")
    with pytest.raises(ConfigurationError, match="meer dan één"):
        find_coded_sheet(tmp_path)
