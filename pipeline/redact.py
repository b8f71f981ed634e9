"""Redaction of free text before it is stored.

Free-text answers can hold the very identifiers the pipeline never writes: names, phone
numbers, e-mail addresses, postcodes, case numbers and dates (a birth date). Every free-text
cell is redacted before it enters the clean data:

- every name known to the run (clients and experts on the casuslijst, experts and clients
  named on the forms), as a whole and word by word (particles such as ``de``/``van`` excepted),
  compared without regard to case or diacritics → ``[naam]``;
- e-mail addresses → ``[e-mail]``; phone numbers (9 to 13 digits, with spaces, dashes, dots,
  brackets or a ``+31``/``0031`` prefix) → ``[telefoon]``; Dutch postcodes (``4811 AB``) →
  ``[postcode]``; dates (``3-4-1985``, ``1985-04-03``, ``3 april 1985``) → ``[datum]``;
  case numbers with the prefixes of the casuslijst (``CIR-0042``) → ``[casusnummer]``.

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

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \t\-().]{7,}\d(?!\w)")
_POSTCODE = re.compile(r"(?<!\w)[1-9]\d{3} ?[A-Z]{2}(?!\w)")
_DATE = re.compile(
    rf"(?<!\w)(?:\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}\s+(?:{MONTHS})\s+\d{{4}})(?!\w)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
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
        for word in _WORD.findall(fold(str(name))):
            if len(word) >= 2 and word not in PARTICLES and not word.isdigit():
                tokens.add(word)
    return tokens


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
            re.compile(rf"(?<!\w)(?:{'|'.join(sorted(prefixes))})[\s\-_/]?\d+(?!\w)", re.IGNORECASE) if prefixes else None
        )

    def _names(self, text: str) -> str:
        folded = fold(text)
        spans = [m.span() for m in _WORD.finditer(folded) if m.group() in self.tokens]
        if not spans:
            return text
        merged: list[list[int]] = []
        for start, end in spans:  # "Zoë de Wit" → one [naam], not three
            if merged:
                gap = folded[merged[-1][1] : start]
                joins = _NAME_RUN_GAP.match(_WORD.sub("", gap)) is not None
                if joins and all(w in PARTICLES for w in _WORD.findall(gap)):
                    merged[-1][1] = end
                    continue
            merged.append([start, end])
        out, last = [], 0
        for start, end in merged:
            out.append(text[last:start])
            out.append("[naam]")
            last = end
        out.append(text[last:])
        return "".join(out)

    def redact(self, text: object) -> object:
        """The redacted text (blank stays blank)."""
        if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
            return text
        result = _EMAIL.sub("[e-mail]", str(text))
        if self.case_number is not None:
            result = self.case_number.sub("[casusnummer]", result)
        result = _DATE.sub("[datum]", result)
        result = _PHONE.sub(lambda m: "[telefoon]" if 9 <= sum(c.isdigit() for c in m.group()) <= 13 else m.group(), result)
        result = _POSTCODE.sub("[postcode]", result)
        return self._names(result)

    def redact_series(self, texts: pd.Series) -> pd.Series:
        """Vectorised over a column: each distinct non-blank text is redacted once."""
        return map_distinct(texts, self.redact)
