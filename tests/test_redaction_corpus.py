"""The whole redaction (project rules + deduce) measured on the labelled corpus, against fixed thresholds.

The corpus (``tests/data/free_text_corpus.txt``) holds 550 hand-written Dutch answers with every
identifier and every word that must stay labelled. The redactor knows no name from a case list
here (the hard case: every name is one the run does not know). Thresholds: at least 97% of all
identifiers removed, 95% of each kind (names with and without a cue word together are one kind),
90% of names without a cue word; at most 5% of
institutions and 1% of ordinary words removed. The score table is printed with the test output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from free_text_corpus import ALL_IDENTIFIERS, ALL_NAMES, IDENTIFIER_KINDS, NAME_KINDS, format_misses, format_table, score

from pipeline.codebook import load_codebook

MIN_ALL = 0.97
MIN_PER_KIND = 0.95
MIN_NAMES_WITHOUT_CUE = 0.90
MAX_INSTITUTIONS_REMOVED = 0.05
MAX_WORDS_REMOVED = 0.01


@pytest.fixture(scope="module")
def redactor():
    from pipeline.deid import DeduceAnnotator
    from pipeline.redact import Redactor

    organisations = load_codebook().keep_organisations
    return Redactor(
        names=[], case_numbers=["CIR-0001"], organisations=organisations, second_pass=DeduceAnnotator(organisations).redact
    )


def test_the_redaction_meets_the_thresholds_on_the_corpus(redactor, capsys):
    table = score(redactor.redact, "all")
    with capsys.disabled():
        print()
        for part in ("dev", "heldout"):
            print(format_table(score(redactor.redact, part)))
        print(format_table(table))
        print("Gemist of te veel weggehaald:")
        print(format_misses(table))
    failures = []
    if table.rate(ALL_IDENTIFIERS) < MIN_ALL:
        failures.append(f"alle identifiers {table.rate(ALL_IDENTIFIERS):.1%} < {MIN_ALL:.0%}")
    for kind in [ALL_NAMES, *(k for k in IDENTIFIER_KINDS if k not in NAME_KINDS)]:
        if table.rate(kind) < MIN_PER_KIND:
            failures.append(f"{kind} {table.rate(kind):.1%} < {MIN_PER_KIND:.0%}")
    if table.rate("naam_los") < MIN_NAMES_WITHOUT_CUE:
        failures.append(f"naam_los {table.rate('naam_los'):.1%} < {MIN_NAMES_WITHOUT_CUE:.0%}")
    if 1 - table.rate("instelling") > MAX_INSTITUTIONS_REMOVED:
        failures.append(f"instellingen weggehaald {1 - table.rate('instelling'):.1%} > {MAX_INSTITUTIONS_REMOVED:.0%}")
    if 1 - table.rate("woord") > MAX_WORDS_REMOVED:
        failures.append(f"gewone woorden weggehaald {1 - table.rate('woord'):.1%} > {MAX_WORDS_REMOVED:.0%}")
    assert not failures, "; ".join(failures)


# (all identifiers, names) floors per set: a regression floor, since the sets were written blind to
# the code and each was then used once to fix what it found. Set 3 (150 answers) keeps hard cases
# that are left unfixed on purpose (Chinese two-part names, a surname that is also a word at the
# start of a sentence, a surname in capitals): its name floor is lower.
BLIND_SETS = {
    "free_text_corpus_blind.txt": (0.95, 0.95),
    "free_text_corpus_blind2.txt": (0.95, 0.95),
    "free_text_corpus_blind3.txt": (0.95, 0.92),
}


@pytest.mark.parametrize("name", BLIND_SETS)
def test_the_blind_sets_stay_above_a_floor(redactor, capsys, name):
    """Three further sets (200, 200 and 150 answers), each written by someone who had not seen the
    redactor (see their headers). Their first scores are the honest measure of how the redaction
    generalises (README, privacy); since then each has been used to fix what it found, so here they
    guard against regressions, at a lower floor than the main corpus."""
    from free_text_corpus import load_corpus

    table = score(redactor.redact, answers=load_corpus("all", path=Path(__file__).parent / "data" / name))
    with capsys.disabled():
        print(f"\n{name}")
        print(format_table(table))
        print(format_misses(table))
    min_all, min_names = BLIND_SETS[name]
    assert table.rate(ALL_IDENTIFIERS) >= min_all, f"{table.rate(ALL_IDENTIFIERS):.1%}"
    assert table.rate(ALL_NAMES) >= min_names, f"{table.rate(ALL_NAMES):.1%}"
    assert 1 - table.rate("instelling") <= MAX_INSTITUTIONS_REMOVED


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mw. Öztürk gebeld, zoon Ömer was er ook bij", "Mw. [naam] gebeld, zoon [naam] was er ook bij"),
        ("vader Şahin belde", "vader [naam] belde"),
        ("Vader Pools, moeder Nederlands.", "Vader Pools, moeder Nederlands."),
        (
            "collega Veilig Thuis belde, melding doorgezet naar Safegroup",
            "collega Veilig Thuis belde, melding doorgezet naar Safegroup",
        ),
        ("Hij is bakker.", "Hij is bakker."),
        ("Meer dan 10 keer gebeld.", "Meer dan 10 keer gebeld."),
        ("Postcode nieuwe woning 4818 EN", "Postcode nieuwe woning [postcode]"),
        ("tussen 2019 en 2020 drie keer verhuisd", "tussen 2019 en 2020 drie keer verhuisd"),
        ("contactgegevens: 06.12.34.56.78", "contactgegevens: [telefoon]"),
        ("Huisbezoek Lange Brugstraat 12, Breda.", "Huisbezoek [adres], Breda."),
        ("Samen met pleger Dennis en wijkagent ter Borg, dr. Ramdin en psycholoog Van Gils", None),
        ("bewindvoerder Hereijgers en pleegmoeder Wilma", "bewindvoerder [naam] en pleegmoeder [naam]"),
        ("Gesprek met [naam] over [adres], zie [casusnummer]", "Gesprek met [naam] over [adres], zie [casusnummer]"),
        # found by the third blind set
        ("buurman heet Hoop, heeft de ruzie gehoord", "buurman heet [naam], heeft de ruzie gehoord"),
        ("Moeder heet eigenlijk Nazira, iedereen noemt haar Zira.", "Moeder heet eigenlijk [naam], iedereen noemt haar [naam]."),
        (
            "Bekend bij Safegroup onder SG-23-1187 en bij VT onder VT-24-008815.",
            "Bekend bij Safegroup onder [casusnummer] en bij VT onder [casusnummer].",
        ),
        ("registratie politie PL2000-2024187356", "registratie politie [casusnummer]"),
        ("Zus in Marokko: 00212 661 234 578", "Zus in Marokko: [telefoon]"),
        ("Maatregelen rond COVID-19 en ISO-9001.", "Maatregelen rond COVID-19 en ISO-9001."),
        ("Zij woont in Den Bosch, vlakbij het station.", "Zij woont in Den Bosch, vlakbij het station."),
    ],
)
def test_the_known_leaks_and_over_redactions_are_fixed(redactor, text, expected):
    result = redactor.redact(text)
    if expected is None:  # every name after a cue word is gone
        for name in ("Dennis", "Borg", "Ramdin", "Gils"):
            assert name not in result, result
    else:
        assert result == expected
