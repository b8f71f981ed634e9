"""Redaction of free text before it is stored.

Free-text answers can hold the very identifiers the pipeline never writes: names, addresses,
phone numbers, e-mail addresses, postcodes, case numbers, dates (a birth date). Every free-text
cell is redacted before it enters the clean data, in two passes over the text (in Unicode NFC):

1. The project's own rules, which know this project's forms and the run's exports:
   e-mail addresses → ``[e-mail]``; social-media accounts (``@naam85``, ``insta: lotte.vd.berg``)
   → ``[account]``; web addresses → ``[url]``; IBANs → ``[iban]``; a BSN after its name → ``[bsn]``;
   case numbers with the casuslijst's prefixes (``CIR-0042``, ``cir 42``) and ``casus 0042`` →
   ``[casusnummer]``; dates (``3-4-1985``, ``3/4/'85``, ``1985-04-03``, ``3 april 1985``,
   ``14 februari``) → ``[datum]``; phone and other long numbers (9 to 13 digits in any Dutch or
   international form, ``06.12.34.56.78`` included; a run of years is kept) → ``[telefoon]``;
   Dutch postcodes → ``[postcode]`` (``4818 EN`` too; only a lower-case or year-like form such as
   ``2019 en`` or ``2019 VT`` is kept); street addresses (a street from the national street list
   or with a street ending, and a house number: ``Lange Brugstraat 12``, ``Markt 3``) → ``[adres]``;
   every name known to the run (clients and experts on the casuslijst and the forms), as a whole
   and word by word, also inside CamelCase and hyphenated; and a name after a word for a person
   (``zoon Ömer``, ``mentor Van Gils``, ``mw. el idrissi``), known to the run or not → ``[naam]``.
   A nationality, language, profession, ordinary word or organisation after such a word is no
   name ("Vader Pools", "collega Veilig Thuis", "Hij is bakker", "Meer dan 10 keer").
2. The Dutch de-identification method ``deduce`` (:mod:`pipeline.deid`) on the result, for what
   the rules cannot know: names nobody announced ("Bernadette Pronk-Zwanenburg is de buurvrouw"),
   and further addresses, dates, phone numbers and identifiers. Its annotations are mapped onto
   the same placeholders; existing placeholders and the organisations of the codebook's keep list
   are never touched; place names alone stay (a documented choice).

The word lists are data: ``pipeline/lexicon.yaml`` (Dutch words), the codebook's ``redaction``
section (the organisations a region works with) and the national name and street lists shipped
with deduce. The report never quotes free text; the coding sheet for researchers is redacted by
the same function.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from pipeline.config import parse_yaml
from pipeline.vector import map_distinct

SECOND_PASS_MEMO = 200_000  # distinct texts the second pass remembers (then it starts afresh)
PARALLEL_MIN_TEXTS = 5_000  # distinct texts per worker process, at least

PLACEHOLDER = re.compile(r"\[(?:naam|adres|postcode|datum|telefoon|e-mail|account|url|iban|bsn|casusnummer|nummer)\]")


# --------------------------------------------------------------------------- folding


# Letters without a decomposition that stand for a plain Latin letter (Turkish, Polish, Nordic, ...).
_PLAIN_LETTERS = {
    "ı": "i",
    "İ": "I",
    "ł": "l",
    "Ł": "L",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ħ": "h",
    "Ħ": "H",
    "ŀ": "l",
    "Ŀ": "L",
    "ŧ": "t",
    "Ŧ": "T",
}


def plain_char(ch: str) -> str:
    """One character without its diacritics, case kept (``Ö`` → ``O``, ``ł`` → ``l``); length 1."""
    if ch in _PLAIN_LETTERS:
        return _PLAIN_LETTERS[ch]
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return decomposed if len(decomposed) == 1 else ch


def plain(text: str) -> str:
    """``text`` without diacritics, case and length kept (``Gökhan Kılıç`` → ``Gokhan Kilic``)."""
    return "".join(plain_char(ch) if not ch.isascii() else ch for ch in text)


def _fold_char(ch: str) -> str:
    folded = plain_char(ch).casefold()
    return folded if len(folded) == 1 else ch.casefold()[:1] or ch


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


def _present(values: Iterable[object]) -> Iterable[object]:
    """The values that are not blank (None, NaN, NA)."""
    return (v for v in values if not (v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))))


# --------------------------------------------------------------------------- vocabulary


def _name_initial_chars() -> str:
    """Letters that can start a name: capitals of every script, and letters of scripts without
    case (Arabic, Ge'ez, Hebrew, ...)."""
    chars = (chr(c) for c in range(0x41, 0x3000))
    return "".join(ch for ch in chars if ch.isalpha() and (ch.isupper() or ch.lower() == ch.upper() == ch and not ch.isascii()))


NAME_START = "[" + re.escape(_name_initial_chars()) + "]"
LETTERS = r"[^\W\d_]"


@dataclass(frozen=True)
class Vocabulary:
    """The word lists of the redaction (folded): see ``pipeline/lexicon.yaml``."""

    person_words: frozenset[str]
    titles: frozenset[str]
    strong_titles: frozenset[str]
    particles: frozenset[str]
    not_names: frozenset[str]  # nationalities, languages, function words, months, person words: never a name
    professions: frozenset[str]  # ordinary words in lower case ("Hij is bakker"); a name when capitalised after a person word
    profession_heads: tuple[str, ...]  # professions of 5+ letters that end a compound profession ("zedenrechercheur")
    common_surname_words: frozenset[str]
    months: tuple[str, ...]
    months_short: tuple[str, ...]
    postcode_stop_words: frozenset[str]
    platforms: frozenset[str]
    function_words: frozenset[str]
    organisations: tuple[str, ...] = ()  # folded organisation names that must stay (longest first)
    first_names: frozenset[str] = frozenset()
    surnames: frozenset[str] = frozenset()
    dutch_words: frozenset[str] = frozenset()  # ordinary Dutch words (deduce's common and stop words)
    streets: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()  # Dutch place names (deduce's list of municipalities and residences)
    world_places: frozenset[str] = frozenset()  # places abroad and the Dutch names of countries (pipeline/places_world.txt)
    very_frequent_words: frozenset[str] = frozenset()  # see DUTCH_VERY_FREQUENT
    organisation_words: frozenset[str] = field(default=frozenset())  # the organisations that are one word (Moviera, UWV)

    def is_organisation(self, folded: str) -> bool:
        """Whether a folded text starts with an organisation of the keep list (whole words)."""
        return any(folded == org or folded.startswith(org + " ") or folded.startswith(org + "-") for org in self.organisations)


def _folded(words: Iterable[object]) -> frozenset[str]:
    return frozenset(fold(str(w)).strip() for w in words if str(w).strip())


def _deduce_list(*parts: str) -> set[str]:
    """A word list shipped with deduce (``data/lookup/src/...``), as read from its items.txt."""
    from importlib.util import find_spec

    spec = find_spec("deduce")  # found, not imported: importing deduce reconfigures logging (see pipeline.deid)
    if spec is None or spec.origin is None:  # pragma: no cover - deduce is a dependency
        return set()
    path = Path(spec.origin).parent / "data" / "lookup" / "src" / Path(*parts) / "items.txt"
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def extra_names() -> tuple[set[str], set[str]]:
    """(first names, surnames) of ``pipeline/names_extra.txt``: names of migrant origin and recent
    Dutch names that deduce's national lists lack (sections headed ``# ... first names`` and
    ``# ... surnames``)."""
    first: set[str] = set()
    surnames: set[str] = set()
    target = first
    for line in resources.files("pipeline").joinpath("names_extra.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            target = surnames if "surname" in line.casefold() else first
        elif line.strip():
            target.add(line.strip())
    return first, surnames


DUTCH_MIN_FREQUENCY = 250  # a word this frequent in Dutch text is an ordinary word (``broos``, ``zwart``), not a name
DUTCH_VERY_FREQUENT = 10_000  # so frequent that, alone and without a title, it is a word even when it is a surname (``Groot``)


@lru_cache(maxsize=1)
def _dutch_frequencies() -> dict[str, int]:
    """pyspellchecker's Dutch word-frequency list (MIT): word → count in a Dutch text corpus."""
    import gzip
    import json
    from importlib.util import find_spec

    spec = find_spec("spellchecker")
    if spec is None or spec.origin is None:  # pragma: no cover - a dependency
        return {}
    path = Path(spec.origin).parent / "resources" / "nl.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return {word: count for word, count in json.load(handle).items() if count >= DUTCH_MIN_FREQUENCY}


@lru_cache(maxsize=4)
def load_vocabulary(organisations: tuple[str, ...] = ()) -> Vocabulary:
    """The lexicon, deduce's national lists of first names, surnames, ordinary words and streets,
    and the organisations that must stay. Kept in the project's cache folder (beside deduce's
    lookup tables) under a digest of everything it is built from: this module, the package's
    word lists, the versions of deduce, pyspellchecker and Python, and ``organisations``; any
    change gives another digest, so a stale vocabulary is never read."""
    import pickle

    path = _vocabulary_cache(organisations)
    if path is not None:
        try:
            found = pickle.loads(path.read_bytes())
            if isinstance(found, Vocabulary):
                return found
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            pass  # missing, unreadable or damaged: built again
    vocabulary = build_vocabulary(organisations)
    if path is not None:
        from pipeline import atomic

        try:
            atomic.write_bytes(path, pickle.dumps(vocabulary, protocol=pickle.HIGHEST_PROTOCOL))
            for old in path.parent.glob(f"{VOCABULARY_CACHE_PREFIX}*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError:  # a read-only cache folder: built each time
            pass
    return vocabulary


VOCABULARY_CACHE_PREFIX = "vocabulary-"


def _vocabulary_cache(organisations: tuple[str, ...]) -> Path | None:
    """The cache file of the vocabulary built from the present inputs (None: no cache folder)."""
    import hashlib
    import sys
    from importlib.metadata import PackageNotFoundError, version

    from pipeline.deid import default_cache_dir

    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    for name in ("lexicon.yaml", "names_extra.txt", "places_world.txt"):
        digest.update(resources.files("pipeline").joinpath(name).read_bytes())
    for package in ("deduce", "pyspellchecker"):
        try:
            digest.update(f"{package}={version(package)}".encode())
        except PackageNotFoundError:
            digest.update(f"{package}=-".encode())
    digest.update(sys.version.encode())
    digest.update("\x1f".join(organisations).encode("utf-8"))
    try:
        return default_cache_dir() / f"{VOCABULARY_CACHE_PREFIX}{digest.hexdigest()[:32]}.pickle"
    except (OSError, RuntimeError):  # no home folder to find the cache folder in: no cache
        return None


def build_vocabulary(organisations: tuple[str, ...] = ()) -> Vocabulary:
    """:func:`load_vocabulary` without the cache."""
    lexicon = parse_yaml(resources.files("pipeline").joinpath("lexicon.yaml").read_text(encoding="utf-8"))
    not_names = _folded(
        [
            *lexicon["nationalities"],
            *lexicon["function_words"],
            *lexicon["months"],
            *lexicon["months_short"],
            *lexicon["person_words"],
        ]
    )
    extra_first, extra_surnames = extra_names()
    dutch_words = _folded(
        _deduce_list("whitelist", "lst_common_word") | _deduce_list("whitelist", "lst_stop_word") | set(_dutch_frequencies())
    )
    orgs = sorted(
        {fold(str(o)).strip() for o in [*organisations, *lexicon["organisations"]] if str(o).strip()}, key=len, reverse=True
    )
    return Vocabulary(
        person_words=_folded(lexicon["person_words"]),
        titles=_folded(lexicon["titles"]),
        strong_titles=_folded(lexicon["strong_titles"]),
        particles=_folded(lexicon["particles"]),
        not_names=not_names,
        professions=_folded(lexicon["professions"]),
        profession_heads=tuple(sorted(p for p in _folded(lexicon["professions"]) if len(p) >= 5 and " " not in p)),
        common_surname_words=_folded(lexicon["common_surname_words"]),
        months=tuple(lexicon["months"]),
        months_short=tuple(lexicon["months_short"]),
        postcode_stop_words=_folded(lexicon["postcode_stop_words"]),
        platforms=_folded(lexicon["platforms"]),
        function_words=_folded(lexicon["function_words"]),
        organisations=tuple(orgs),
        first_names=_folded(_deduce_list("names", "lst_first_name") | extra_first),
        surnames=_folded(_deduce_list("names", "lst_surname") | extra_surnames),
        dutch_words=dutch_words,
        streets=_folded(_deduce_list("locations", "lst_street")),
        places=_folded(
            _deduce_list("locations", "lst_placename", "lst_municipality")
            | _deduce_list("locations", "lst_placename", "lst_residence")
            | set(lexicon.get("places_extra", []))
        ),
        world_places=_folded(
            line
            for line in resources.files("pipeline").joinpath("places_world.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ),
        very_frequent_words=_folded(w for w, n in _dutch_frequencies().items() if n >= DUTCH_VERY_FREQUENT),
        organisation_words=frozenset(o for o in orgs if re.fullmatch(r"[\w-]+", o)),
    )


# --------------------------------------------------------------------------- rules without names

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w.@])@[\w.]{2,}\w")
# A user name without a platform named: a token with an underscore, letters mixed with digits and a
# dot, or three or more dotted parts ("boyy_2009", "tr4pking.076", "Goede.Vader.Strijdt").
_USER_NAME = re.compile(
    r"(?<![\w@./-])(?=[\w.]*[^\W\d_])(?:[^\W_][\w]*_[\w.]*[^\W_]|[^\W\d_]+\d+[^\W_]*\.[\w.]*[^\W_]|"
    r"[^\W\d_]{2,}\d+[^\W\d_]+\w*|[^\W_]{2,}\.[^\W_]{2,}(?:\.[^\W_]{2,})+)(?![\w@]|\.\w)"
)
_DIGIT = re.compile(r"\d")
_LETTER_DIGIT = re.compile(r"[^\W\d_]\d")  # a letter (as the user-name pattern has it) right before a digit
_CASE_PREFIX = re.compile(r"\s*([A-Za-z]+)")  # the letters a case number starts with ("CIR" of "CIR-0042")
_WORDS = re.compile(r"\w+")
_LETTER_RUNS = re.compile(LETTERS + "+")


def _first_words(cues: Iterable[str]) -> frozenset[str] | None:
    """The lower-cased first word of each cue; None when a cue is not ASCII or does not start
    with a word character (then no text is screened by it)."""
    firsts = set()
    for cue in cues:
        found = re.match(r"\w+", cue)
        if not cue.isascii() or not found:
            return None
        firsts.add(found.group().lower())
    return frozenset(firsts)


_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
_IBAN = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w])", re.IGNORECASE)
_BSN = re.compile(
    r"(?i)\b(?:bsn|burgerservicenummer|sofinummer|sofi-nummer)\b\.?[\s:#.-]*(?:is\s+|nr\.?\s*)?(\d[\d .]{7,11}\d)(?!\d)"
)
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \t\-()./]{7,}\d(?!\w)")
_YEARS_ONLY = re.compile(r"(?:(?:19|20)\d\d[\s\-/]*)+")
_GENERIC_CASE = re.compile(r"(?<!\w)casus(?:nummer|nr)?\.?\s*[:#]?\s*\d+(?!\w)", re.IGNORECASE)
# Another organisation's case or file number without a cue: two to four capitals (and digits),
# then digit groups joined by dashes or slashes, five digits or more in all ("SG-23-1187",
# "VT-24-008815", "PL2000-2024187356"); "COVID-19" and "ISO-9001" have too few digits.
_ORG_CASE = re.compile(r"(?<![\w\-/])[A-Z]{2,4}\d{0,6}(?:[\-/]\d{2,}){1,3}(?![\w\-/])")


def _org_case(match: re.Match) -> str:
    return "[casusnummer]" if sum(c.isdigit() for c in match.group()) >= 5 else match.group()


# A numeric date, not part of a longer chain of digit groups (06.12.34.56.78 is a phone number).
_NUMERIC_DATE = re.compile(r"(?<![\w.\-/])(\d{1,2})([-/.])(\d{1,2})\2('?\d{2}|\d{4})(?![\w]|[.\-/]\d)")
# A day and month without a year: "19/4", "di 28/11", and "per 01-09" (a dash form only after a word for when).
_SHORT_DATE = re.compile(
    r"(?<![\w.\-/])(?:(?i:ma|di|wo|do|vr|za|zo|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\.?\s+)?"
    r"(\d{1,2})/(\d{1,2})(?![\w/]|[.\-]\d)"
)
_SHORT_DATE_DASH = re.compile(
    r"(?<![\w-])((?i:per|op|tot|vanaf|t/m|voor|na|sinds|datum|om|ma|di|wo|do|vr|za|zo)\.?\s)(\d{2})-(\d{2})(?![\w\-/]|\.\d)"
)
# After a day of the week the day and month may have one digit each ("do 7-12"); after other words
# for when only two ("per 01-09"), since "voor 2-3 weken" is a range.
_WEEKDAY_DATE_DASH = re.compile(
    r"(?<![\w-])((?i:ma|di|wo|do|vr|za|zo|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\.?\s)(\d{1,2})-(\d{1,2})(?![\w\-/]|\.\d)"
)
# A number after a word that says what it numbers ("zaaknr PL0600-2024118734", "dossier 2023-0412",
# "zaak C/16/551204", "kenmerk GT-552190"): the whole code, letters and separators included, if it
# holds at least three digits. Case and file words give [casusnummer], the others [nummer].
_CASE_CUES = r"casus|dossier|zaak|zaken"
_NUMBER_CUES = (
    r"opdracht|registratie|referentie|aangifte|klant|cli[eë]nt|polis|debiteur|relatie|ticket|melding|meld|"
    r"factuur|order|contract|lidmaatschap|pv|bvh"
)
_CUED_NUMBER = re.compile(
    rf"(?i)(?<![\w])((?:(?:{_CASE_CUES})|(?:{_NUMBER_CUES}))(?:-?nummer|-?nr)?\.?|kenmerk|ref\.?|proces-verbaal)"
    r"(\s*(?:nummer|nr\.?|no\.?)?\s*[:#]?\s*)"
    r"((?!(?:19|20)\d\d(?![\w/.\-]))(?=(?:[^\d\s]*\d){3})[A-Za-z0-9][\w]*(?:[/.\-][\w]+)*)"
)


def _cued_number(match: re.Match) -> str:
    cue = fold(match.group(1)).casefold()
    placeholder = "[casusnummer]" if re.match(_CASE_CUES, cue) else "[nummer]"
    return match.group(1) + match.group(2) + placeholder


_ISO_DATE = re.compile(r"(?<![\w.\-/])(?:19|20)\d\d-\d{1,2}-\d{1,2}(?![\w]|[.\-/]\d)")
_POSTCODE = re.compile(r"(?<![\w-])([1-9]\d{3})(?: {0,2}|-)([A-Za-z]{2})(?!\w)")
_HOUSE_NUMBER = re.compile(
    r"(?<![\w,.:/-])(\d{1,4})((?:-?[A-Za-z]\b|-\d{1,3}\b|-[A-Za-z]{2}\b)?(?:\s(?:bis|hoog|huis|boven|beneden|zw|rd|a|b|c)\b)?)(?!\d|[,.:]\d)"
)
# Letters of scripts other than Latin (Arabic, Hebrew, Ge'ez, Cyrillic, Greek, Armenian, Georgian,
# Devanagari, Thai, CJK): in these Dutch notes such words are names (or addresses).
_OTHER_SCRIPT = (
    "\u0370-\u03ff\u0400-\u052f\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\u0900-\u097f"
    "\u0e00-\u0e7f\u10a0-\u10ff\u1200-\u139f\u2d80-\u2ddf\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af\ufb50-\ufdff\ufe70-\ufeff"
)
_OTHER_SCRIPT_WORDS = re.compile(f"[{_OTHER_SCRIPT}][{_OTHER_SCRIPT}\\w'’-]*(?:\\s+[{_OTHER_SCRIPT}][{_OTHER_SCRIPT}\\w'’-]*)*")
_CAMEL = re.compile(r"(?<![\w@])([A-Z][a-z\u00df-\u00ff]+)((?:[A-Z][a-z\u00df-\u00ff]*)+)(?![\w@])")
# Word endings of institutions, not of names (``Belastingdienst``, ``Jeugdzorg``, ``Wijkcentrum``).
_INSTITUTION_WORD = re.compile(
    r"(?:dienst|centrum|stichting|zorg|team|praktijk|bureau|loket|kantoor|instituut|kliniek|"
    r"ziekenhuis|rechtbank|gemeente|politie|raad|bank|groep|school|college|vereniging|fonds)$"
)
# Particles that join two known name words into one name ("Zoë de Wit", "van der Meer"); not the
# prepositions "in", "op", "te", which join words far more often than names.
NAME_PARTICLES = frozenset("de den der des van vanden vander het t ten ter la le du da di del von el al ben bin abu ibn".split())
_STREET_PREFIXES = frozenset(
    """
    lange korte oude nieuwe hoge lage grote kleine sint st noord zuid oost west binnen buiten achter voor boven beneden
    mgr monseigneur dr prof burg burgemeester pater pastoor koning koningin prins prinses graaf gravin hertog generaal
    kapitein admiraal kardinaal van de den der het ter ten
""".split()
)
# "[naam]" and then particles and one word: the candidate rest of a surname (see Redactor._name_tails)
_NAME_TAIL = re.compile(
    r"\[naam\]((?:[ \t]+(?:van|von|de|der|den|ter|ten|vande|vander|vanden))+)[ \t]+"
    r"([^\W\d_][^\W\d_]*(?:[-'’][^\W\d_]+)*)(?![\w\[])"
)
# Words after which a capitalised word is a name whatever else it could be: titles and "heet" (is called).
_NAMING_WORDS = frozenset("mevrouw meneer mijnheer heer heet heette genaamd genoemd alias bijnaam roepnaam".split())
_STREET_KINDS = frozenset("laan plein kade weg dijk singel gracht hof markt straat steeg pad dreef park ring burgwal".split())
_STREET_ENDING = re.compile(
    r"(?i)(?:straat|str|laan|weg|plein|pln|singel|gracht|kade|dijk|dreef|hof|park|plantsoen|steeg|pad|baan|markt|"
    r"boulevard|dam|haven|wal|veld|akker|erf|hoeve|wijk|ring|poort|burcht|heuvel|dal|bos|oord|oever|berg|pleintje)$"
)


def iban_valid(text: str) -> bool:
    """The ISO 13616 check: the IBAN (spaces removed) with its first four characters moved to the
    end, letters as numbers (A = 10 ... Z = 35), is 1 modulo 97."""
    compact = re.sub(r"\s", "", text).upper()
    if not 15 <= len(compact) <= 34:
        return False
    try:
        digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    except ValueError:  # a letter outside A-Z that the case-insensitive pattern lets in ("İ", "K")
        return False
    return int(digits) % 97 == 1


def _iban(match: re.Match) -> str:
    """An IBAN of any country, checked; a candidate that fails the check loses its last group."""
    text = match.group()
    while text:
        if iban_valid(text):
            return "[iban]" + match.group()[len(text) :]
        cut = text.rfind(" ")
        if cut <= 4:
            break
        text = text[:cut]
    compact = re.sub(r"\s", "", match.group())
    return "[iban]" if re.fullmatch(r"(?i)NL\d{2}[A-Z]{4}\d{10}", compact) else match.group()  # a Dutch IBAN with a typo


def _numeric_date(match: re.Match) -> str:
    """``d-m-jjjj`` (also ``/`` or ``.``, a 2-digit or ``'yy`` year) when day and month can be a date."""
    day, month = int(match.group(1)), int(match.group(3))
    return "[datum]" if 1 <= day <= 31 and 1 <= month <= 12 else match.group()


def _short_date(match: re.Match) -> str:
    day, month = int(match.group(1)), int(match.group(2))
    return "[datum]" if 1 <= day <= 31 and 1 <= month <= 12 else match.group()


def _short_date_dash(match: re.Match) -> str:
    day, month = int(match.group(2)), int(match.group(3))
    return match.group(1) + "[datum]" if 1 <= day <= 31 and 1 <= month <= 12 else match.group()


def passes_eleven_test(digits: str) -> bool:
    """The BSN check ("elfproef"): 8 or 9 digits, weights 9..2 and -1, sum divisible by 11 and not 0."""
    if not digits.isdigit() or len(digits) not in (8, 9):
        return False
    padded = digits.zfill(9)
    total = sum(int(d) * w for d, w in zip(padded, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return total != 0 and total % 11 == 0


def _phone(match: re.Match) -> str:
    """9 to 13 digits: a phone number (or another personal number); 8 or 9 digits that pass the
    BSN check: a BSN (an 8-digit BSN is one with its leading zero dropped); a run of years is kept."""
    text = match.group()
    if _YEARS_ONLY.fullmatch(text.strip()):
        return text
    digits = "".join(c for c in text if c.isdigit())
    if passes_eleven_test(digits) and not digits.startswith("0"):
        return "[bsn]"
    if text.lstrip().startswith(("00", "+")):  # international: a country code and up to 15 digits in all
        return "[telefoon]" if 9 <= len(digits.removeprefix("00")) <= 15 else text
    return "[telefoon]" if 9 <= len(digits) <= 13 else text


class Redactor:
    """Redacts free text given the names and case-number prefixes known to the run.

    ``organisations``: names of organisations that must stay (the codebook's keep list).
    ``second_pass``: a function ``text → text`` run after the project's rules (the deduce pass of
    :mod:`pipeline.deid`), or None.

    ``screens``: skip a rule when a cheap test shows it cannot match (no digit, no word that
    starts a cue, no known name word, no ``-`` or ``/`` for the date and case-number forms that
    need one, no month word, no ``http``/``www.``, no underscore, two dots or letter before a
    digit for a user name); the result is the same either way (a property test compares both),
    only sooner.
    """

    screens: bool = True

    def __init__(
        self,
        names: Iterable[object] = (),
        case_numbers: Iterable[object] = (),
        organisations: Iterable[str] = (),
        second_pass: Callable[[str], str] | None = None,
    ):
        self.vocabulary = load_vocabulary(tuple(sorted({str(o) for o in organisations})))
        self.tokens = self._name_tokens(set(_present(set(names))))  # names recur: distinct first
        numbers = {str(number) for number in _present(set(case_numbers))}
        found = {match.group(1) for match in map(_CASE_PREFIX.match, numbers) if match}
        prefixes = {r"\.?".join(re.escape(ch) for ch in p) + r"\.?" for p in set(found)}  # "CIR", also "C.I.R."
        self.case_number = (
            re.compile(rf"(?<!\w)(?:{'|'.join(sorted(prefixes))})[\s\-_/.–—]?\d+(?:[\-/.]\d+)*(?!\w)", re.IGNORECASE)
            if prefixes
            else None
        )
        self.second_pass = second_pass
        self._memo: dict[str, str] = {}
        self._done: dict[str, str] = {}  # text → redacted, bounded like the second pass's memo
        self._compile()

    # ------------------------------------------------------------------ set-up

    def _name_tokens(self, names: Iterable[object]) -> set[str]:
        """The folded words of every known name (particles and one-letter initials left out)."""
        # All names at once: a line feed between them composes with no character and is no
        # letter, so the words found are those of each name apart.
        joined = fold(unicodedata.normalize("NFC", "\n".join(str(name) for name in names)))
        words = set(re.findall(LETTERS + "+", joined))
        return {word for word in words if len(word) >= 2 and word not in self.vocabulary.particles}

    def _compile(self) -> None:
        v = self.vocabulary
        months = "|".join(sorted(v.months, key=len, reverse=True))
        short = "|".join(sorted(v.months_short, key=len, reverse=True))
        self._date_words = re.compile(
            rf"(?i)(?<![\w])\d{{1,2}}\s*(?:{months}|(?:{short})\.?)(?:\s+'?(?:\d{{4}}|\d{{2}})(?!\w))?(?![\w])"
        )
        self._date_words_ymd = re.compile(rf"(?i)(?<![\w])(?:19|20)\d\d\s+(?:{months})\s+\d{{1,2}}(?![\w])")
        person = "|".join(sorted((re.escape(w) for w in v.person_words), key=len, reverse=True))
        titles = "|".join(sorted((re.escape(w) for w in v.titles), key=len, reverse=True))
        particle = r"(?:(?i:van|de|der|den|ter|ten|te|het|'t|el|al|ben|bin|abu|ibn|la|le|da|di|du|von|dos)\s+)"
        word = rf"(?:{NAME_START}{LETTERS}*(?:['’\-]{LETTERS}+)*\.?)"
        lower_word = rf"(?:{LETTERS}+(?:['’\-]{LETTERS}+)*)"
        # a word for a person (or a title), then the name: particles, capitalised words
        # (the name does not start with another such word: in "buurman heet Hoop" the cue for
        # "Hoop" is "heet"; "heet eigenlijk Nazira": a filler word may stand between)
        self._role_name = re.compile(
            rf"(?<![\w-])((?i:{person})|(?i:{titles})\.?)"
            rf"(\s*[:,]?\s+(?:(?i:eigenlijk|officieel|voluit|echt)\s+)?|\s*:\s*|\.\s*)"
            rf"(?!(?i:{person})(?![\w-]))"
            rf"((?:{particle}*{word})(?:[ \t]+{particle}*{word}){{0,3}}|{particle}+{lower_word}|{lower_word})"
        )
        # The first word of every cue: an ASCII text none of whose words is one has no match of
        # the cue patterns (each cue starts a word and is followed by a non-word character or
        # its next word), and skips them.
        self._role_first = _first_words([*v.person_words, *v.titles])
        self._platform_first = _first_words(v.platforms)
        # A month in the date patterns is a whole run of letters (a digit or space before it, no
        # letter after it): an ASCII text none of whose letter runs is a month has no match.
        month_words = [*v.months, *v.months_short]
        plain_words = all(w.isascii() and w.isalpha() and w.islower() for w in month_words)
        self._month_words = frozenset(month_words) if plain_words else None
        platforms = "|".join(sorted((re.escape(w) for w in v.platforms), key=len, reverse=True))
        self._platform_handle = re.compile(
            rf"(?i)(?<![\w])(?:{platforms})\b(?:[\s:,-]+(?:als|is|met|naam|account|van|moeder|vader|dochter|zoon|heet|:)){{0,3}}[\s:,-]+"
            rf"(@?[\w][\w.]*[\w])"
        )

    # ------------------------------------------------------------------ rules

    def _postcode(self, match: re.Match) -> str:
        """A Dutch postcode; a lower-case or year-like form of a Dutch word is kept ("2019 en",
        "2019 VT", "1500 op de rekening"), an upper-case one is not ("4818 EN"), nor one after the
        word "postcode", in the hyphenated form or after an address ("[adres], 7822 ik")."""
        digits, letters = match.group(1), match.group(2)
        if re.search(r"(?i)\bpostcode\W*$", match.string[max(0, match.start() - 14) : match.start()]):
            return "[postcode]"  # after the word "postcode" any two letters do
        stop = letters.casefold() in self.vocabulary.postcode_stop_words
        year_like = digits[:2] in ("19", "20")
        sentence = re.split(r"[.!?\n]", match.string[: match.start()])[-1]
        address_form = "-" in match.group() or "[adres]" in sentence  # "6862-op", "[adres], 1056 de"
        if stop and (not letters.isupper() or year_like) and not (address_form and not year_like):
            return match.group()
        return "[postcode]"

    def _handle(self, match: re.Match) -> str:
        handle = match.group(1)
        folded = fold(handle.lstrip("@"))
        if folded in self.vocabulary.dutch_words or folded in self.vocabulary.function_words or len(folded) < 3:
            return match.group()
        return match.group()[: match.start(1) - match.start()] + "[account]"

    def _addresses(self, text: str) -> str:
        """A street (from the national street list, or with a street ending) and a house number → ``[adres]``."""
        v = self.vocabulary
        out, last = [], 0
        for match in _HOUSE_NUMBER.finditer(text):
            before = text[last : match.start()]
            words = list(re.finditer(rf"{LETTERS}[\w'’.\-]*", before))[-5:]
            start = None
            for k in range(len(words), 0, -1):
                phrase = before[words[-k].start() : words[-1].end()].rstrip(".")
                if before[words[-1].end() :].strip():
                    break  # something other than a space between street and number
                folded = fold(re.sub(r"\s+", " ", phrase))
                lead = phrase[0]
                is_street = folded in v.streets and (lead.isupper() or _STREET_ENDING.search(folded) is not None)
                is_street = is_street or (
                    _STREET_ENDING.search(folded.split()[-1]) is not None
                    and len(folded.split()[-1]) > 5
                    and folded.split()[-1] not in v.dutch_words
                    and k == 1
                )
                # "Laan van Nieuw Oost-Indië 402", "Kade Zuid 3": a street that starts with its kind
                first, *rest = phrase.split()
                is_street = is_street or (
                    k >= 2
                    and first[0].isupper()
                    and fold(first) in _STREET_KINDS
                    and all(w[0].isupper() or fold(w) in NAME_PARTICLES for w in rest)
                )
                if is_street and folded.split()[0] not in v.function_words:
                    start = last + words[-k].start()
                    break
            if start is None:
                continue
            while True:  # "Lange Brugstraat", "Mgr. Nolensplein", "Burg. de Raadtsingel": words before the street
                prior = re.search(rf"({LETTERS}+\.?)\s+$", text[last:start])
                if not prior or fold(prior.group(1).rstrip(".")) not in _STREET_PREFIXES:
                    break
                start = last + prior.start(1)
            out.append(text[last:start])
            out.append("[adres]")
            last = match.end()
        out.append(text[last:])
        return "".join(out)

    def _role_names(self, text: str) -> str:
        """A name after a word for a person or a title → ``[naam]``, unless it is an ordinary
        word, a nationality or profession, or an organisation of the keep list."""
        v = self.vocabulary

        def replace(match: re.Match) -> str:
            cue, gap, name = match.group(1), match.group(2), match.group(3)
            cue_folded = fold(cue.rstrip(".")).casefold()
            if "." in gap and cue_folded not in v.titles:
                return match.group()  # a word for a person that ends a sentence: the next word starts a new one
            words = list(re.finditer(r"\S+", name))
            kept: list[re.Match] = []
            for i, w in enumerate(words):
                core = fold(w.group().strip(".,;:!?()'’\""))
                if i and v.is_organisation(fold(name[w.start() :])):
                    break  # "Psycholoog Van Dongen-Maas van Amarant": the name ends before the organisation
                if i and core in v.particles and i + 1 < len(words):
                    kept.append(w)
                    continue
                if i and (core in v.function_words or core in v.not_names or core in v.dutch_words and w.group().isupper()):
                    break
                if i and w.group().isupper() and len(core) > 1 and not words[0].group().isupper():
                    break
                kept.append(w)
            while kept and fold(kept[-1].group()) in v.particles:
                kept.pop()
            if not kept:
                return match.group()
            rest = fold(" ".join(w.group() for w in kept)).strip(".,;:!?")
            first = rest.split()[0].strip(".,;:!?()'’\"")
            is_title = cue_folded in v.titles  # "mw De Hoop": after a title it is a person, whatever else it names
            if not is_title and (v.is_organisation(rest) or first in v.organisation_words and not name[0].isupper()):
                return match.group()
            content = [fold(w.group().strip(".,;:!?()")) for w in kept if fold(w.group().strip(".,;:!?()")) not in v.particles]
            if not content or PLACEHOLDER.fullmatch(kept[0].group().strip(".,")):
                return match.group()
            head = content[0]
            named = head in self.tokens or head in v.first_names or head in v.surnames
            if head in v.not_names or head in v.organisation_words or _INSTITUTION_WORD.search(head):
                return match.group()
            titled = cue_folded in v.strong_titles or cue_folded in v.titles
            if not any(c.isupper() for c in name[: kept[-1].end()]) and head.isascii():  # all lower case
                ordinary = head in v.dutch_words or head in v.professions or head in v.common_surname_words
                particle_led = fold(kept[0].group()) in v.particles
                if not ((named and not ordinary) or (titled and particle_led)):
                    return match.group()
            else:
                real_title = cue_folded in v.titles or cue_folded in _NAMING_WORDS
                particle_led = fold(kept[0].group()) in v.particles  # "van der Berg": a surname
                if head in v.dutch_words and not (named or real_title or particle_led):
                    return match.group()
                if head in v.very_frequent_words and len(content) == 1 and not (real_title or particle_led):
                    return match.group()  # "het gezin Groot houden": a very common word, unless a title precedes it
            end = kept[-1].end()
            trailing = name[:end]
            stripped = trailing.rstrip(".,;:!?")
            return cue + gap + "[naam]" + trailing[len(stripped) :] + name[end:]

        if (
            self.screens
            and self._role_first is not None
            and text.isascii()
            and self._role_first.isdisjoint(_WORDS.findall(text.lower()))
        ):
            return text
        return self._role_name.sub(replace, text)

    def _word_parts(self, text: str) -> Iterable[tuple[int, int]]:
        """Spans of the words of ``text`` (letters only), CamelCase words split (``EstherMartens``)."""
        for match in re.finditer(LETTERS + "+", text):
            word, cut = match.group(), match.start()
            if word[1:] == word[1:].lower():
                yield match.span()
                continue
            for i in range(1, len(word)):
                if word[i - 1].islower() and word[i].isupper():
                    yield cut, match.start() + i
                    cut = match.start() + i
            yield cut, match.end()

    def _unannounced_names(self, text: str) -> str:
        """Names that need no cue: words in a non-Latin script (``محمد العلي``, ``ሰናይት``), and a
        CamelCase word that starts with a first name or surname (``EstherMartens``, ``RonnieB``)."""
        v = self.vocabulary
        if not (self.screens and text.isascii()):
            text = _OTHER_SCRIPT_WORDS.sub("[naam]", text)

        def camel(match: re.Match) -> str:
            folded = fold(match.group())
            head = fold(match.group(1))
            if v.is_organisation(folded) or folded in v.organisation_words or head in v.dutch_words:
                return match.group()
            named = {head, folded} & (v.first_names | v.surnames | self.tokens)  # "EstherMartens", "LaToya"
            return "[naam]" if named else match.group()

        return _CAMEL.sub(camel, text)

    def _known_names(self, text: str) -> str:
        """Known names → ``[naam]``, word by word and as runs ("Zoë de Wit" is one ``[naam]``).

        A known name word that is also an ordinary word (``meer``, ``bakker``, ``bos``) is a name
        only when it is capitalised inside a sentence or stands next to another name word, so that
        "er is meer steun nodig", "Meer dan 10 keer" and "brood halen bij de bakker" stay; a known
        name word that is a Dutch place name (an expert called Oosterhout) is a name only next to
        another name word: place names alone stay.
        """
        if not self.tokens:
            return text
        if self.screens:
            for word in _LETTER_RUNS.findall(text):  # no word (nor CamelCase part) is a known name word: nothing to do
                if word[1:] != word[1:].lower() or fold(word) in self.tokens:
                    break
            else:
                return text
        v = self.vocabulary
        folded = fold(text)
        found = []  # [start, end, strong, joinable]
        for start, end in self._word_parts(text):
            token = folded[start:end]
            if len(token) >= 2 and token in self.tokens:
                ordinary = token in v.common_surname_words or token in v.not_names or token in v.dutch_words
                capital = text[start].isupper()
                sentence_start = not text[:start].strip() or text[:start].rstrip()[-1:] in ".!?:;\n"
                strong = not ordinary or (capital and not sentence_start and not text[start:end].isupper())
                strong = strong and not (token in v.places and not ordinary)  # "woont in Oosterhout": a place
                found.append([start, end, strong, capital or not ordinary])
        if not found:
            return text
        runs: list[list] = []
        for start, end, strong, joinable in found:  # "Zoë de Wit" → one [naam], not three
            if runs and joinable and runs[-1][3]:
                gap = folded[runs[-1][1] : start]
                letters = re.findall(LETTERS + "+", gap)
                if re.fullmatch(r"[\s\-'’.]*", re.sub(LETTERS + "+", "", gap)) and all(w in NAME_PARTICLES for w in letters):
                    runs[-1][1] = end
                    runs[-1][2] = True  # two name words in a row: a name
                    continue
            runs.append([start, end, strong, joinable])
        out, last = [], 0
        for start, end, strong, _joinable in runs:
            if not strong:
                continue
            start, end = _hyphenated(text, start, end)
            out.append(text[last:start])
            out.append("[naam]")
            last = end
        out.append(text[last:])
        return "".join(out)

    # ------------------------------------------------------------------ the whole

    def rules(self, text: str) -> str:
        """The project's own rules (pass 1)."""
        result = unicodedata.normalize("NFC", text)
        screens = self.screens
        # Case-insensitive cues are screened on ASCII texts only (a few other letters match ASCII
        # ones without case: "ſ" an "s", "K" a "k"); the placeholders are ASCII, so an ASCII text
        # stays one. Each screen is a test of the text as it is when its rule runs.
        ascii = screens and result.isascii()
        if "@" in result:
            result = _EMAIL.sub("[e-mail]", result)
            result = _HANDLE.sub("[account]", result)
        if not ascii or "www." in (lower := result.lower()) or "http" in lower:
            result = _URL.sub("[url]", result)
        ascii_words = set(_WORDS.findall(result.lower())) if ascii else None
        if ascii_words is None or self._platform_first is None or not self._platform_first.isdisjoint(ascii_words):
            result = self._platform_handle.sub(self._handle, result)
        # Every rule from here to the postcodes needs a digit, and no rule adds one: a text
        # without digits skips them (the same result, sooner). Some need a "-" or "/" besides.
        digits = not screens or _DIGIT.search(result) is not None
        if digits:
            result = _IBAN.sub(_iban, result)
            if not ascii or any(cue in result.lower() for cue in ("bsn", "burgerservicenummer", "sofi")):
                result = _BSN.sub(lambda m: m.group()[: m.start(1) - m.start()] + "[bsn]", result)
            if self.case_number is not None:
                result = self.case_number.sub("[casusnummer]", result)
            result = _CUED_NUMBER.sub(_cued_number, result)
            if not ascii or "casus" in result.lower():
                result = _GENERIC_CASE.sub("[casusnummer]", result)
            if not screens or "-" in result or "/" in result:
                result = _ORG_CASE.sub(_org_case, result)
        # each form of a user name needs an underscore, two dots, or a letter right before a digit
        if not screens or "_" in result or result.count(".") >= 2 or digits and _LETTER_DIGIT.search(result):
            result = _USER_NAME.sub("[account]", result)
        if digits:
            result = _NUMERIC_DATE.sub(_numeric_date, result)
            if not screens or "-" in result:
                result = _ISO_DATE.sub("[datum]", result)
            if not ascii or self._month_words is None or not self._month_words.isdisjoint(_LETTER_RUNS.findall(result.lower())):
                result = self._date_words.sub("[datum]", result)
                result = self._date_words_ymd.sub("[datum]", result)
            result = _PHONE.sub(_phone, result)
            if not screens or "/" in result:
                result = _SHORT_DATE.sub(_short_date, result)
            if not screens or "-" in result:
                result = _SHORT_DATE_DASH.sub(_short_date_dash, result)
                result = _WEEKDAY_DATE_DASH.sub(_short_date_dash, result)
            result = self._addresses(result)
            result = _POSTCODE.sub(self._postcode, result)
        result = self._role_names(result)
        result = self._unannounced_names(result)
        return self._name_tails(self._known_names(result))

    def _name_tails(self, text: str) -> str:
        """A surname with particles after a name already found joins it: "[naam] van den
        oetelaar" → "[naam]" (a known first name found first would leave the rest for no other
        rule to see). Not when the word is an ordinary Dutch word ("[naam] de vader"), a
        nationality, function word, profession or an organisation ("[naam] van Safegroup")."""
        if "[naam]" not in text:
            return text
        v = self.vocabulary

        def tail(match: re.Match) -> str:
            word = match.group(2)
            folded = fold(word).casefold()
            parts = [p for p in re.split(r"[-'’]", folded) if p]
            if (
                word.isupper()
                or v.is_organisation(fold(text[match.start(2) :]).casefold())
                or all(p in v.dutch_words or p in v.not_names or p in v.professions or p in v.very_frequent_words for p in parts)
            ):
                return match.group()
            return "[naam]"

        return _NAME_TAIL.sub(tail, text)

    def redact(self, text: object) -> object:
        """The redacted text (blank stays blank)."""
        if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
            return text
        text = str(text)
        found = self._done.get(text)
        if found is None:
            found = self.rules(text)
            if self.second_pass is not None:
                found = self._second(found)
            if len(self._done) >= SECOND_PASS_MEMO:
                self._done.clear()
            self._done[text] = found
        return found

    def _second(self, text: str) -> str:
        """The second pass, once per distinct text it is given: after the project's rules many
        answers are the same ("gebeld op [telefoon]"), and the second pass is the costly part.
        The memo is bounded; it changes no result (the pass is a function of its input)."""
        found = self._memo.get(text)
        if found is None:
            found = self.second_pass(text)
            if len(self._memo) >= SECOND_PASS_MEMO:
                self._memo.clear()
            self._memo[text] = found
        return found

    def redact_series(self, texts: pd.Series) -> pd.Series:
        """Vectorised over a column: each distinct non-blank text is redacted once."""
        return map_distinct(texts, self.redact)

    def redact_distinct(self, texts: Iterable[str], workers: int = 1) -> dict[str, str]:
        """``{text: redacted}`` for distinct texts, in ``workers`` forked worker processes when
        there are many (each inherits this redactor, the second pass included, without pickling)."""
        from pipeline.parallel import run_tasks

        unique = list(dict.fromkeys(t for t in texts if isinstance(t, str)))
        parts = max(1, min(workers, len(unique) // PARALLEL_MIN_TEXTS))
        if parts <= 1:
            return {t: self.redact(t) for t in unique}
        size = -(-len(unique) // parts)
        chunks = [unique[i : i + size] for i in range(0, len(unique), size)]
        results = run_tasks([functools.partial(_redact_list, self, chunk) for chunk in chunks], parts)
        return {t: r for chunk, done in zip(chunks, results) for t, r in zip(chunk, done)}


def _redact_list(redactor: Redactor, texts: list[str]) -> list[str]:
    return [redactor.redact(t) for t in texts]


def _hyphenated(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a name span over a hyphenated capitalised part (``Smit-Hoogendoorn``)."""
    while end + 1 < len(text) and text[end] == "-" and text[end + 1].isupper():
        match = re.match(LETTERS + "+", text[end + 1 :])
        if not match:
            break
        end = end + 1 + match.end()
    while start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
        match = re.search(LETTERS + "+$", text[: start - 1])
        if not match or not match.group()[0].isupper():
            break
        start = match.start()
    return start, end
