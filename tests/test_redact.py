"""Free-text redaction: known names, phone numbers, e-mail, postcodes, dates, case numbers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.redact import Redactor, fold

R = Redactor(names=["Zoë de Wit", "Anna Jansen", "Jan-Willem van der Berg"], case_numbers=["CIR-0042"])


def test_names_in_any_case_and_without_diacritics():
    assert R.redact("Zoe de Wit belde") == "[naam] belde"
    assert R.redact("ZOË is boos op anna") == "[naam] is boos op [naam]"
    assert R.redact("Jan-Willem van der Berg kwam") == "[naam] kwam"
    assert R.redact("de buurvrouw van de wit") == "de buurvrouw van de [naam]"  # particles stay


def test_contact_details_dates_postcodes_case_numbers():
    text = "Bel 06-12345678, 06 1234 5678, +31 6 12345678 of 076-5123456; mail a.b@c.nl; 4811 AB; 03-04-1985; 3 april 1985; CIR-0042"
    out = R.redact(text)
    assert out == "Bel [telefoon], [telefoon], [telefoon] of [telefoon]; mail [e-mail]; [postcode]; [datum]; [datum]; [casusnummer]"


def test_ordinary_numbers_and_words_survive():
    assert R.redact("3 keer contact, 2 uur, in 2020 veel gebeld") == "3 keer contact, 2 uur, in 2020 veel gebeld"


def test_blank_stays_blank():
    assert R.redact(None) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_fold_keeps_length(text):
    assert len(fold(text)) == len(text)


@settings(max_examples=150, deadline=None)
@given(prefix=st.text(alphabet="abc ,.", max_size=10), digits=st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_mobile_number_is_redacted(prefix, digits):
    out = R.redact(f"{prefix} 06-{digits} ")
    assert digits not in out and "[telefoon]" in out
