"""Redaction of free text before it is stored.

Free-text answers can hold the very identifiers the pipeline never writes: names, phone
numbers, e-mail addresses, postcodes, case numbers and dates (a birth date). Every free-text
cell is redacted before it enters the clean data (the text is first put in Unicode NFC form):

- every name known to the run (clients and experts on the casuslijst, experts and clients
  named on the forms), as a whole and word by word (particles such as ``de``/``van`` excepted),
  compared without regard to case or diacritics, also inside CamelCase words (``EstherMartens``)
  and with a hyphenated second part (``Smit-Hoogendoorn``) → ``[naam]``. A name word that is also
  an ordinary Dutch word (``meer``, ``wit``, ``bos``; see :data:`COMMON_WORDS`) is taken for a
  name only when it is capitalised, follows a particle (``de wit``) or stands next to another
  name word, so that "er is meer steun nodig" stays readable; and any capitalised name after a
  word for a person (``zoon Jurre``, ``ex-partner Gerrit Wolters``, ``mevrouw El Idrissi``),
  known to the run or not;
- e-mail addresses → ``[e-mail]``; social-media handles (``@naam85``) → ``[account]``; IBANs →
  ``[iban]``; phone numbers and other long numbers (9 to 13 digits, with spaces, dashes, dots,
  slashes, brackets or a ``+31``/``0031`` prefix; a run of years such as ``2018 2019 2020`` is
  kept) → ``[telefoon]``; Dutch postcodes (``4811 AB``, ``4811ab``, ``4811-AB``; not ``2019 en``
  or ``2019 VT``) → ``[postcode]``; dates (``3-4-1985``, ``3-4-'85``, ``1985-04-03``,
  ``3 april 1985``, ``18 aug 1965``) → ``[datum]``; case numbers with the prefixes of the
  casuslijst (``CIR-0042``, ``cir 42``, ``CIR.0042``) and ``casus 0042`` → ``[casusnummer]``.

Names that the run does not know (a child's first name, a neighbour) cannot be found this way;
the report therefore never quotes free text, and the coding sheet for researchers is redacted
by the same function.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from pipeline.vector import map_distinct

PARTICLES = {
    "de", "den", "der", "des", "van", "vanden", "vander", "het", "ten", "ter", "te", "op", "in",
    "t", "s", "la", "le", "du", "da", "di", "del", "della", "von", "zu", "el", "al", "bin", "ben", "en",
}
MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
MONTHS_SHORT = "jan|feb|mrt|mar|apr|jun|jul|aug|sep|sept|okt|oct|nov|dec"
# Ordinary Dutch words that are also (parts of) common surnames: taken for a name only when
# capitalised, after a particle, or next to another name word (see the module docstring).
COMMON_WORDS = frozenset("""
    beek berg bos broek dam dijk groen groot hal hof hoek hoop jong kamp kerk klein kop laan lang
    meer molen post put rood steen veen ven wal water wit zee zwart
""".split())
# Two letters after four digits that are no postcode: Dutch words, units, the teams' abbreviations.
POSTCODE_STOP = frozenset("al as at da de du en er eu ik in is ja je km kg mg ml cm mm me na nu of om op sg te vt we ze zo".split())

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_.]{2,}[A-Za-z0-9_]")
_IBAN = re.compile(r"(?<!\w)[A-Z]{2}\d{2}\s?[A-Z]{4}(?:\s?\d){10}(?!\w)", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \t\-()./]{7,}\d(?!\w)")
_YEARS_ONLY = re.compile(r"(?:(?:19|20)\d\d[\s\-/]*)+")
_POSTCODE = re.compile(r"(?<!\w)[1-9]\d{3}(?: {0,2}|-)([A-Za-z]{2})(?!\w)")
_NUMERIC_DATE = re.compile(r"(?<!\w)(\d{1,2})([-/.])(\d{1,2})\2'?(\d{2}|\d{4})(?!\w)")
_DATE = re.compile(
    rf"(?<!\w)(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}\s+(?:{MONTHS}|(?:{MONTHS_SHORT})\.?)\s+'?(?:\d{{4}}|\d{{2}}))(?!\w)",
    re.IGNORECASE,
)
_GENERIC_CASE = re.compile(r"(?<!\w)casus(?:nummer|nr)?\.?\s*[:#]?\s*\d+(?!\w)", re.IGNORECASE)
# A capitalised name after a word for a person ("zoon Jurre", "ex-partner Gerrit Wolters",
# "mevrouw El Idrissi"): a name even when the run does not know it.
ROLE_WORDS = (
    "zoon|dochter|kind|baby|partner|ex-partner|ex|echtgenoot|echtgenote|man|vrouw|vriend|vriendin|buurman|buurvrouw|"
    "meneer|mevrouw|heer|vader|moeder|stiefvader|stiefmoeder|broer|zus|zusje|broertje|oma|opa|tante|oom|"
    "neef|nicht|schoonmoeder|schoonvader|collega|juf|meester"
)
ROLE_ABBREVIATIONS = "mevr|mw|dhr|hr|mr"  # may carry a dot: "Mw. van der Berg"
_ROLE_NAME = re.compile(
    rf"(?<![\w-])((?:(?i:{ROLE_ABBREVIATIONS})\.?|(?i:{ROLE_WORDS}))\s+)((?:(?:van|de|der|den|ter|ten|te|het)\s+)*[A-Z][^\W\d_]+(?:[-'’][A-Z]?[^\W\d_]+)*"
    rf"(?:\s+(?:(?:van|de|der|den|ter|ten|te|het|el|al|la|le)\s+)*[A-Z][^\W\d_]+(?:-[A-Z][^\W\d_]+)*)*)"
)
_LETTERS = re.compile(r"[^\W\d_]+")
_NAME_RUN_GAP = re.compile(r"^[\s\-'’.]*$")


def _fold_char(ch: str) -> str:
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).casefold()
    return decomposed if len(decomposed) == 1 else ch.casefold()[:1] or ch


class _FoldTable(dict):
    """``str.translate`` table: code point → folded char, filled on first use of each char."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Case- and diacritic-folded copy of ``text`` with the same length (one char per char)."""
    return text.translate(_FOLD_TABLE)


def name_tokens(names: Iterable[object]) -> set[str]:
    """The folded words of every name (particles and one-letter initials left out)."""
    tokens: set[str] = set()
    for name in names:
        if name is None or (isinstance(name, float) and pd.isna(name)):
            continue
        for word in _LETTERS.findall(fold(unicodedata.normalize("NFC", str(name)))):
            if len(word) >= 2 and word not in PARTICLES and not word.isdigit():
                tokens.add(word)
    return tokens


def _word_parts(text: str) -> Iterable[tuple[int, int]]:
    """Spans of the words of ``text`` (letters only), CamelCase words split (``EstherMartens``)."""
    for match in _LETTERS.finditer(text):
        word, cut = match.group(), match.start()
        if word[1:] == word[1:].lower():
            yield match.span()  # no capital after the first letter (the usual case)
            continue
        for i in range(1, len(word)):
            if word[i - 1].islower() and word[i].isupper():
                yield cut, match.start() + i
                cut = match.start() + i
        yield cut, match.end()


def _after_particle(folded: str, start: int) -> bool:
    """Whether the word before ``start`` is a name particle (``de wit``, ``van der meer``)."""
    before = _LETTERS.findall(folded[max(0, start - 12) : start])
    return bool(before) and before[-1] in PARTICLES and folded[:start].rstrip() != folded[:start]


def _hyphenated(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a name span over a hyphenated capitalised part (``Smit-Hoogendoorn``)."""
    while end + 1 < len(text) and text[end] == "-" and text[end + 1].isupper():
        match = _LETTERS.match(text, end + 1)
        if not match:
            break
        end = match.end()
    while start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
        match = re.search(r"[^\W\d_]+$", text[:start - 1])
        if not match or not match.group()[0].isupper():
            break
        start = match.start()
    return start, end


def _numeric_date(match: re.Match) -> str:
    """``d-m-jjjj`` (also ``/`` or ``.``, a 2-digit or ``'yy`` year) when day and month can be a date."""
    day, month = int(match.group(1)), int(match.group(3))
    return "[datum]" if 1 <= day <= 31 and 1 <= month <= 12 else match.group()


def _phone(match: re.Match) -> str:
    """9 to 13 digits: a phone number (or another personal number); a run of years is kept."""
    text = match.group()
    if _YEARS_ONLY.fullmatch(text.strip()):
        return text
    return "[telefoon]" if 9 <= sum(c.isdigit() for c in text) <= 13 else text


def _postcode(match: re.Match) -> str:
    return match.group() if match.group(1).casefold() in POSTCODE_STOP else "[postcode]"


def _present(values: Iterable[object]) -> Iterable[object]:
    """The values that are not blank (None, NaN, NA)."""
    return (v for v in values if not (v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))))


class Redactor:
    """Redacts free text given the names and case-number prefixes known to the run."""

    def __init__(self, names: Iterable[object] = (), case_numbers: Iterable[object] = ()):
        self.tokens = name_tokens(set(_present(names)))
        numbers = pd.Series(list(set(_present(case_numbers))), dtype=object).astype(str)
        found = numbers.str.extract(r"^\s*([A-Za-z]+)", expand=False).dropna()
        prefixes = {re.escape(p) for p in found}
        self.case_number = (
            re.compile(rf"(?<!\w)(?:{'|'.join(sorted(prefixes))})[\s\-_/.–—]?\d+(?!\w)", re.IGNORECASE) if prefixes else None
        )

    def _names(self, text: str) -> str:
        """Known names → ``[naam]`` (see the module docstring for the rules)."""
        folded = fold(text)
        found = []  # (start, end, strong)
        for start, end in _word_parts(text):
            token = folded[start:end]
            if len(token) >= 2 and token in self.tokens:
                strong = token not in COMMON_WORDS or text[start].isupper()
                found.append((start, end, strong))
        if not found:
            return text
        runs: list[list] = []  # [start, end, strong]
        for start, end, strong in found:  # "Zoë de Wit" → one [naam], not three
            if runs:
                gap = folded[runs[-1][1] : start]
                joins = _NAME_RUN_GAP.match(_LETTERS.sub("", gap)) is not None
                if joins and all(w in PARTICLES for w in _LETTERS.findall(gap)):
                    runs[-1][1] = end
                    runs[-1][2] = True  # two name words in a row: a name
                    continue
            runs.append([start, end, strong])
        out, last = [], 0
        for start, end, strong in runs:
            if not strong and not _after_particle(folded, start):
                continue  # an ordinary word ("er is meer steun")
            start, end = _hyphenated(text, start, end)
            out.append(text[last:start])
            out.append("[naam]")
            last = end
        out.append(text[last:])
        return "".join(out)

    def redact(self, text: object) -> object:
        """The redacted text (blank stays blank)."""
        if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
            return text
        result = unicodedata.normalize("NFC", str(text))
        if "@" in result:
            result = _EMAIL.sub("[e-mail]", result)
            result = _HANDLE.sub("[account]", result)
        result = _IBAN.sub("[iban]", result)
        if self.case_number is not None:
            result = self.case_number.sub("[casusnummer]", result)
        result = _GENERIC_CASE.sub("[casusnummer]", result)
        result = _NUMERIC_DATE.sub(_numeric_date, result)
        result = _DATE.sub("[datum]", result)
        result = _PHONE.sub(_phone, result)
        result = _POSTCODE.sub(_postcode, result)
        result = _ROLE_NAME.sub(lambda m: m.group(1) + "[naam]", result)
        return self._names(result)

    def redact_series(self, texts: pd.Series) -> pd.Series:
        """Vectorised over a column: each distinct non-blank text is redacted once."""
        return map_distinct(texts, self.redact)
