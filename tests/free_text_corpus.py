"""A hand-labelled corpus of free-text answers, and a scorer that measures a redaction on it.

The corpus (``tests/data/free_text_corpus.txt``) holds invented answers in the voice of the
forms' free-text fields, one answer a line (``#`` lines are comments, blank lines are ignored).
A line may start with a field code and ``|`` (``doel|...``); without one the field is
``toelichting``. Inside an answer:

- ``[[kind:text]]`` marks an identifier that a redaction must remove (:data:`IDENTIFIER_KINDS`);
- ``{{kind:text}}`` marks text that a redaction must keep (:data:`KEEP_KINDS`); the kind
  ``dienstnummer`` (public service numbers such as ``0800-2000``) is labelled but not scored.

The comment line ``# --- heldout ---`` splits the corpus in a development part (tune on it) and a
held-out part (written afterwards, with fresh names and phrasings; report it, do not tune on it).

How a span is judged -- on the redacted output alone
-----------------------------------------------------
The redaction may make the text shorter or longer and puts placeholders such as ``[naam]`` or
``[telefoon]`` where it removed something, so spans cannot be compared by offset. Instead each
span is reduced to its *identifying tokens*, and the output is searched for them. Text is
compared after :func:`fold` (Unicode NFKD, diacritics dropped, casefolded, and ``ı ł ø đ æ``
mapped to ``i l o d ae``) so that ``ÖMER`` = ``Ömer`` = ``omer``.

*Words of the output* are its runs of letters (any script), each also split at CamelCase humps
(``JanDeVries`` gives ``jandevries``, ``jan``, ``de``, ``vries``).

*Digit groups of the output* are its runs of digits joined across short separators: at most
three characters from `` .-/()'`` (so ``06 12 34 56 78``, ``(076) 5123456``,
``06 - 123 456 78`` and ``3-4-'85`` are one group each). The brief asked for single separators;
three are allowed because the phone forms ``(076) 5123456`` and ``06 - 123 456 78`` put two
or three characters between the digits, and joining more never makes a number disappear.
Before grouping, a month word right after a day number becomes its number
(``3 april 1985`` -> ``3-04 1985``, ``18 aug`` -> ``18-08``), in the span and in the output alike,
so a date written with a month word is compared by digits too and ``april`` alone never counts.

An identifier is **removed** when none of its identifying tokens is left in the output:

- ``naam``, ``naam_los``: every word of the name (CamelCase split, hyphenated parts separately)
  of 2+ letters that is not a particle (:data:`PARTICLES`: van, de, der, den, het, 't, ter, ten,
  te, el, al, ben, bin, abu, la, le, da, di, du, von, op, in) -- one-letter initials never count.
  Left = the word is one of the output's words. A title or role word is not part of the span.
- ``telefoon``, ``bsn``, ``iban``, ``datum``, ``postcode``, ``casusnummer``: the span's digit
  string D (all its digits, after the month-word step for dates). Left = some digit group of the
  output, of 3+ digits, contains 4 consecutive digits of D. For a date with fewer than 4 digits
  (``3 mei`` -> ``305``) and for ``casusnummer`` the run is min(3, len(D)); for ``casusnummer``
  digit groups of 2+ digits count (``cir 42``). A postcode is also left when its two letters
  stand right after a digit in the output (``48[..]11 AB`` is unlikely, ``4811AB`` is caught by
  its digits anyway; the letters alone, ``EN``, are an ordinary word and never count).
- ``adres``: the street-name words (words of 2+ letters, particles and additions such as
  ``bis``, ``hoog``, ``huis`` left out: ``Lange Brugstraat 12`` -> ``lange``, ``brugstraat``), and
  the house number when it has 3+ digits (by the digit rule, a run of min(4, its length)
  digits: ``123-B`` is left when ``123`` is). A house number of one or two digits left alone
  does not identify: ``[adres] 12`` counts as removed.
- ``email``: the whole address or its local part, as a whole *address token* of the output (a
  run of ``[\\w.+-@]`` with leading and trailing dots stripped, also split at ``@``).
- ``account``: the handle without a leading ``@`` (``@sanne_88`` -> ``sanne_88``), as a whole
  address token.

A keep span is **kept** when every one of its words (letters, folded) is still one of the
output's words; digits in a keep span are not judged (no scored keep has them).

For the judgement to be sound the corpus obeys two rules, checked by
``tests/test_free_text_corpus.py`` for every answer: an identifier's identifying tokens occur
nowhere in the answer outside that span (replacing just that span by its placeholder makes it
removed), and a keep span's content words occur nowhere else in the answer and are no
identifying token of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_PATH = Path(__file__).parent / "data" / "free_text_corpus.txt"
HELDOUT_MARKER = "# --- heldout ---"

IDENTIFIER_KINDS = (
    "naam",
    "naam_los",
    "adres",
    "postcode",
    "datum",
    "telefoon",
    "email",
    "account",
    "bsn",
    "iban",
    "casusnummer",
)
KEEP_KINDS = ("instelling", "beroep", "nationaliteit", "plaats", "woord")
UNSCORED_KINDS = ("dienstnummer",)  # labelled keep text that may be kept or removed
FIELDS = ("toelichting", "opmerkingen", "doel", "resultaten", "nog_nodig", "reden_anders", "goed", "beter", "advies")
PLACEHOLDERS = {
    "naam": "[naam]",
    "naam_los": "[naam]",
    "adres": "[adres]",
    "postcode": "[postcode]",
    "datum": "[datum]",
    "telefoon": "[telefoon]",
    "email": "[e-mail]",
    "account": "[account]",
    "bsn": "[bsn]",
    "iban": "[iban]",
    "casusnummer": "[casusnummer]",
}
PARTICLES = frozenset("van de der den het t ter ten te el al ben bin abu la le da di du von op in".split())
# Additions after a house number that are no part of the street name.
ADDRESS_ADDITIONS = frozenset("bis hoog huis hs zw rd bv boven beneden sous ter tot".split())
NAME_KINDS = ("naam", "naam_los")
DIGIT_KINDS = ("telefoon", "bsn", "iban", "datum", "postcode", "casusnummer")

MONTHS = {
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "augustus": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "febr": 2,
    "mrt": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_AFTER_DAY = re.compile(
    r"(?<!\d)(\d{1,2})\.?\s*(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?(?![^\W\d_])",
    re.IGNORECASE,
)
_DIGIT_GROUP = re.compile(r"\d+(?:[ .\-/()']{1,3}\d+)*")
_LETTERS = re.compile(r"[^\W\d_]+")
_ADDRESS_TOKEN = re.compile(r"[\w.+\-@]+")
_MARKUP = re.compile(r"\[\[([a-z_]+):(.+?)\]\]|\{\{([a-z_]+):(.+?)\}\}")
_FIELD = re.compile(r"^(" + "|".join(FIELDS) + r")\|")
_EXTRA_FOLD = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "æ": "ae", "ħ": "h"})


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A labelled stretch of an answer's plain text: ``text == answer.text[start:end]``."""

    start: int
    end: int
    kind: str
    text: str


@dataclass
class Answer:
    """One free-text answer with its labels (offsets into the plain text, markup removed)."""

    index: int
    field: str
    text: str
    identifiers: list[Span]
    keeps: list[Span]
    part: str
    unscored: list[Span] = field(default_factory=list)
    line: int = 0


def parse_line(raw: str, *, index: int = 0, part: str = "dev", line: int = 0) -> Answer:
    """One corpus line -> :class:`Answer` (raises ``ValueError`` on bad markup)."""
    answer_field = "toelichting"
    match = _FIELD.match(raw)
    if match:
        answer_field = match.group(1)
        raw = raw[match.end() :]
    raw = raw.strip()
    plain: list[str] = []
    identifiers: list[Span] = []
    keeps: list[Span] = []
    unscored: list[Span] = []
    length, last = 0, 0
    for m in _MARKUP.finditer(raw):
        before = raw[last : m.start()]
        plain.append(before)
        length += len(before)
        if m.group(1) is not None:
            kind, text, kinds, target = m.group(1), m.group(2), IDENTIFIER_KINDS, identifiers
        else:
            kind, text = m.group(3), m.group(4)
            kinds, target = KEEP_KINDS + UNSCORED_KINDS, keeps if m.group(3) in KEEP_KINDS else unscored
        if kind not in kinds:
            raise ValueError(f"line {line}: unknown kind {kind!r} for {m.group()!r}")
        if text != text.strip() or not text:
            raise ValueError(f"line {line}: span with outer blanks {m.group()!r}")
        target.append(Span(length, length + len(text), kind, text))
        plain.append(text)
        length += len(text)
        last = m.end()
    plain.append(raw[last:])
    text = "".join(plain)
    for token in ("[[", "]]", "{{", "}}"):
        if token in text:
            raise ValueError(f"line {line}: stray {token!r} in {raw!r}")
    return Answer(index, answer_field, text, identifiers, keeps, part, unscored, line)


def load_corpus(part: str = "all", path: Path | str = CORPUS_PATH) -> list[Answer]:
    """The answers of ``part`` (``all``, ``dev`` or ``heldout``), in corpus order.

    ``index`` numbers the answers of the whole corpus from 0, so it is the same in every part.
    """
    if part not in ("all", "dev", "heldout"):
        raise ValueError(part)
    answers: list[Answer] = []
    current = "dev"
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if raw.strip() == HELDOUT_MARKER:
            current = "heldout"
            continue
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        answers.append(parse_line(raw, index=len(answers), part=current, line=number))
    return [a for a in answers if part == "all" or a.part == part]


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form (NFKD, combining marks dropped, casefolded)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().translate(_EXTRA_FOLD)


def _camel_parts(word: str) -> list[str]:
    """``JanDeVries`` -> ``Jan``, ``De``, ``Vries`` (a word without inner capitals stays whole)."""
    parts, cut = [], 0
    for i in range(1, len(word)):
        if word[i - 1].islower() and word[i].isupper():
            parts.append(word[cut:i])
            cut = i
    parts.append(word[cut:])
    return parts


def output_words(text: str) -> set[str]:
    """The folded words of ``text``: letter runs, each also split at CamelCase humps."""
    words: set[str] = set()
    for word in _LETTERS.findall(unicodedata.normalize("NFC", text)):
        words.add(fold(word))
        for part in _camel_parts(word):
            words.add(fold(part))
    return words


def _months_to_numbers(text: str) -> str:
    return _MONTH_AFTER_DAY.sub(lambda m: f"{m.group(1)}-{MONTHS[m.group(2).lower()]:02d}", text)


def digit_groups(text: str, min_digits: int = 3) -> list[str]:
    """Runs of digits joined across short separators (month words after a day become numbers)."""
    groups = (re.sub(r"\D", "", g) for g in _DIGIT_GROUP.findall(_months_to_numbers(text)))
    return [g for g in groups if len(g) >= min_digits]


def address_tokens(text: str) -> set[str]:
    """Folded e-mail-like tokens of ``text``: whole ``[\\w.+-@]`` runs and their ``@`` parts."""
    tokens: set[str] = set()
    for token in _ADDRESS_TOKEN.findall(fold(text)):
        token = token.strip(".-+@")
        if token:
            tokens.add(token)
            tokens.update(p.strip(".-+") for p in token.split("@") if p.strip(".-+"))
    return tokens


def name_words(text: str) -> list[str]:
    """The identifying words of a name: 2+ letters, no particle (CamelCase and hyphens split)."""
    words = []
    for word in _LETTERS.findall(unicodedata.normalize("NFC", text)):
        for part in _camel_parts(word):
            folded = fold(part)
            if len(folded) >= 2 and folded not in PARTICLES:
                words.append(folded)
    return words


def span_digits(span: Span) -> str:
    """The span's digit string (for dates after the month-word step; for IBANs all digits)."""
    text = _months_to_numbers(span.text) if span.kind == "datum" else span.text
    return re.sub(r"\D", "", text)


def _run_length(span: Span, digits: str) -> int:
    """How many consecutive digits of the span must survive for it to count as left."""
    if span.kind == "casusnummer":
        return min(3, len(digits))
    if span.kind in ("datum", "adres"):
        return min(4, len(digits))
    return 4


@dataclass(frozen=True)
class Tokens:
    """What identifies a span: folded words, a digit string with its run length, address tokens."""

    words: tuple[str, ...] = ()
    digits: str = ""
    run: int = 4
    addresses: tuple[str, ...] = ()
    postcode_letters: str = ""


def identifying_tokens(span: Span) -> Tokens:
    """The identifying tokens of an identifier span (see the module docstring)."""
    kind = span.kind
    if kind in NAME_KINDS:
        return Tokens(words=tuple(dict.fromkeys(name_words(span.text))))
    if kind == "email":
        full = fold(span.text).strip(".")
        return Tokens(addresses=(full, full.split("@")[0]))
    if kind == "account":
        return Tokens(addresses=(fold(span.text).lstrip("@").strip("."),))
    if kind == "adres":
        street = re.split(r"\d", span.text, maxsplit=1)[0]
        words = tuple(w for w in name_words(street) if w not in ADDRESS_ADDITIONS)
        digits = re.sub(r"\D", "", span.text)
        digits = digits if len(digits) >= 3 else ""
        return Tokens(words=words, digits=digits, run=_run_length(span, digits))
    digits = span_digits(span)
    letters = ""
    if kind == "postcode":
        letters = fold("".join(_LETTERS.findall(span.text)))
    return Tokens(digits=digits, run=_run_length(span, digits), postcode_letters=letters)


def _digits_left(digits: str, run: int, groups: Iterable[str]) -> bool:
    if not digits or run <= 0:
        return False
    pieces = {digits[i : i + run] for i in range(len(digits) - run + 1)}
    return any(piece in group for group in groups for piece in pieces)


def leftovers(span: Span, output: str) -> list[str]:
    """The identifying tokens of ``span`` still present in ``output`` (empty: removed)."""
    tokens = identifying_tokens(span)
    left: list[str] = []
    if tokens.words:
        words = output_words(output)
        left += [w for w in tokens.words if w in words]
    if tokens.addresses:
        found = address_tokens(output)
        left += [a for a in tokens.addresses if a and a in found]
    if tokens.digits:
        groups = digit_groups(output, 2 if span.kind == "casusnummer" else 3)
        if _digits_left(tokens.digits, tokens.run, groups):
            left.append(tokens.digits)
    if tokens.postcode_letters:
        pattern = rf"\d[\s-]?{re.escape(tokens.postcode_letters)}(?![^\W\d_])"
        if re.search(pattern, fold(output)):
            left.append(tokens.postcode_letters)
    return left


def has_identifying_tokens(span: Span) -> bool:
    tokens = identifying_tokens(span)
    return bool(tokens.words or tokens.addresses or (tokens.digits and len(tokens.digits) >= 2))


def identifier_removed(span: Span, answer: Answer, output: str) -> bool:
    """Whether none of the span's identifying tokens is left in the redacted ``output``."""
    del answer  # judged on the output alone; the answer is in the signature for context
    return not leftovers(span, output)


def keep_words(span: Span) -> list[str]:
    """The folded words of a keep span."""
    return [fold(w) for w in _LETTERS.findall(unicodedata.normalize("NFC", span.text))]


def keep_kept(span: Span, answer: Answer, output: str) -> bool:
    """Whether every word of the keep span is still a word of the redacted ``output``."""
    del answer
    words = output_words(output)
    return all(w in words for w in keep_words(span))


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


@dataclass
class KindScore:
    kind: str
    group: str  # "identifier" or "keep"
    total: int = 0
    hits: int = 0  # removed (identifiers) or kept (keeps)

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else float("nan")


@dataclass
class Miss:
    index: int
    kind: str
    group: str  # "identifier" (not removed) or "keep" (over-redacted)
    span_text: str
    text: str
    output: str


@dataclass
class ScoreTable:
    part: str
    answers: int
    rows: dict[str, KindScore]  # per kind, plus the summary rows below
    misses: list[Miss]

    def rate(self, kind: str) -> float:
        return self.rows[kind].rate


ALL_IDENTIFIERS = "alle identifiers"
ALL_NAMES = "naam + naam_los"
ALL_KEEPS = "alle keeps"


def score(redact: Callable[[str], str], part: str = "all", answers: list[Answer] | None = None) -> ScoreTable:
    """Redact every answer of ``part`` once and count the identifiers removed and keeps kept."""
    answers = load_corpus(part) if answers is None else answers
    rows = {k: KindScore(k, "identifier") for k in IDENTIFIER_KINDS}
    rows[ALL_NAMES] = KindScore(ALL_NAMES, "identifier")
    rows[ALL_IDENTIFIERS] = KindScore(ALL_IDENTIFIERS, "identifier")
    rows.update({k: KindScore(k, "keep") for k in KEEP_KINDS})
    rows[ALL_KEEPS] = KindScore(ALL_KEEPS, "keep")
    misses: list[Miss] = []
    for answer in answers:
        output = redact(answer.text)
        output = "" if output is None else str(output)
        for span in answer.identifiers:
            hit = identifier_removed(span, answer, output)
            keys = [span.kind, ALL_IDENTIFIERS] + ([ALL_NAMES] if span.kind in NAME_KINDS else [])
            for key in keys:
                rows[key].total += 1
                rows[key].hits += hit
            if not hit:
                misses.append(Miss(answer.index, span.kind, "identifier", span.text, answer.text, output))
        for span in answer.keeps:
            hit = keep_kept(span, answer, output)
            for key in (span.kind, ALL_KEEPS):
                rows[key].total += 1
                rows[key].hits += hit
            if not hit:
                misses.append(Miss(answer.index, span.kind, "keep", span.text, answer.text, output))
    return ScoreTable(part, len(answers), rows, misses)


def _pct(rate: float) -> str:
    return "-" if rate != rate else f"{100 * rate:.1f}%"


def format_table(table: ScoreTable, markdown: bool = False) -> str:
    """The score per kind as a plain-text table (or as Markdown with ``markdown=True``)."""
    header = ["soort", "groep", "spans", "goed", "%"]
    body = []
    for row in table.rows.values():
        label = "verwijderd" if row.group == "identifier" else "behouden"
        body.append([row.kind, label, str(row.total), str(row.hits), _pct(row.rate)])
    title = f"Redactie op het vrije-tekstcorpus, deel {table.part} ({table.answers} antwoorden)"
    if markdown:
        lines = [
            f"**{title}**",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "|".join(["---", "---", "---:", "---:", "---:"]) + "|",
        ]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    rule = "-" * len(fmt(header))
    lines = [title, rule, fmt(header), rule]
    for r in body:
        lines.append(fmt(r))
        if r[0] in (ALL_IDENTIFIERS,):
            lines.append(rule)
    lines.append(rule)
    return "\n".join(lines)


def format_misses(table: ScoreTable, limit: int | None = None) -> str:
    """The misses, one a line: answer index, kind, span and the output."""
    lines = []
    for miss in table.misses[:limit]:
        what = "niet verwijderd" if miss.group == "identifier" else "niet behouden"
        lines.append(f"#{miss.index} {miss.kind} {what}: {miss.span_text!r} -> {miss.output!r}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Reference redactions (for the scorer's own tests)
# ---------------------------------------------------------------------------------------------


def perfect_redaction(answer: Answer) -> str:
    """The answer with every identifier span replaced by its placeholder, all else kept."""
    out, last = [], 0
    for span in sorted(answer.identifiers, key=lambda s: s.start):
        out.append(answer.text[last : span.start])
        out.append(PLACEHOLDERS[span.kind])
        last = span.end
    out.append(answer.text[last:])
    return "".join(out)


def label_redactor(answers: list[Answer]) -> Callable[[str], str]:
    """A redactor that knows the labels: ``perfect_redaction`` looked up by the answer's text."""
    by_text = {a.text: perfect_redaction(a) for a in answers}
    return lambda text: by_text[text]
