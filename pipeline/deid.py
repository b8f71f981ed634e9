"""The second redaction pass: ``deduce``, the de-identification method for Dutch text.

The project's own rules (:mod:`pipeline.redact`) run first; deduce then annotates what they
cannot know, above all names nobody announced ("Bernadette Pronk-Zwanenburg is de buurvrouw").
Its annotations, not its finished text, are used: each is mapped onto the project's placeholders
(``[naam]``, ``[adres]``, ``[postcode]``, ``[datum]``, ``[telefoon]``, ``[e-mail]``, ``[url]``,
``[bsn]``, ``[nummer]``); titles and words for a person are trimmed off name spans ("mevrouw
Öztürk" → "mevrouw [naam]"); an annotation that overlaps an existing placeholder, names an
organisation of the keep list or is a plain place name is dropped (place names alone stay: a
documented choice). Deduce's institution and age annotators are switched off.

Cost. Deduce builds its lookup structures from national lists on first use (about 80 s) and
loads them in 6-13 s with about 1.1 GB, nearly all of it for the street trie (29 MB pickled) and
the institution lists, which this project does not use: streets are matched by the project's
own address rule on deduce's street list, institutions are switched off. So the project keeps its
own, smaller cache (names, places, whitelists: about 3 MB, loaded in under half a second),
built once at set-up (``python -m pipeline prepare-redaction``, run by ``make``) outside the
package folder, or on first use when it is missing (a few seconds). One instance is loaded per
run, in the main process, and only when there is free text to redact.

Deduce configures logging when it is imported (the root logger to DEBUG on stdout) and changes
the warnings filters when it is constructed; both are undone here, so the pipeline's own progress
lines on stderr stay as they are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import pickle
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline import atomic
from pipeline.redact import _INSTITUTION_WORD, LETTERS, PLACEHOLDER, Vocabulary, extra_names, fold, load_vocabulary, plain

log = logging.getLogger("pipeline.redact")

ENV_CACHE = "CIRKEL_DEDUCE_CACHE"
# deduce's lookup structures and annotators that this project does not load (see the docstring)
SKIPPED_STRUCTURES = ("street", "hospital", "healthcare_institution")
SKIPPED_ANNOTATORS = ("hospital", "institution", "age", "street_lookup")
CACHE_FILE = Path("cache") / "lookup_structs.pickle"  # deduce's own layout under its cache_path

PLACEHOLDER_OF_TAG = {
    "persoon": "[naam]",
    "patient": "[naam]",
    "datum": "[datum]",
    "telefoonnummer": "[telefoon]",
    "emailadres": "[e-mail]",
    "url": "[url]",
    "bsn": "[bsn]",
    "id": "[nummer]",
}
_POSTCODE = re.compile(r"\b[1-9]\d{3}\s?[A-Za-z]{2}\b")
_LOCATIVE = (
    r"(?:^|\W)(?:in|uit|naar|te|vanuit|richting|nabij|buiten|binnen|rond|omgeving|regio|gemeente|provincie|stad|dorp|land|"
    r"(?:komt|kwam|komen|kwamen|afkomstig|gevlucht|verhuisd)\s+(?:van|uit))\s*$"
)


@contextlib.contextmanager
def _quiet_import() -> Iterator[None]:
    """Undo what importing and constructing deduce does to the process: a root logger at DEBUG
    writing to stdout (``logging.basicConfig`` in deduce) and a ``simplefilter("default")``."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with warnings.catch_warnings():
        try:
            yield
        finally:
            for handler in list(root.handlers):
                if handler not in handlers:
                    root.removeHandler(handler)
            root.setLevel(level)


def deduce_version() -> str:
    from importlib.metadata import version

    return version("deduce")


def default_cache_dir() -> Path:
    """``$CIRKEL_DEDUCE_CACHE``, else ``~/.cache/cirkel/deduce-<version>`` (never the package folder,
    which may be read-only)."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser()
    return base / "cirkel" / f"deduce-{deduce_version()}"


def build_cache(cache_dir: Path | None = None) -> Path:
    """Build the project's deduce lookup cache (deduce's structures without the street,
    hospital and institution lists) in deduce's cache format, atomically. Returns the file."""
    with _quiet_import():
        import docdeid as dd
        from deduce.data.lookup.src import all_lists
        from deduce.deduce import _LOOKUP_LIST_PATH, Deduce
        from deduce.lookup_structs import _LOOKUP_SET_LOADERS, _LOOKUP_TRIE_LOADERS, load_raw_itemsets

        cache_dir = Path(cache_dir or default_cache_dir())
        tokenizer = Deduce._initialize_tokenizer(_LOOKUP_LIST_PATH)
        lists = [name for name in all_lists if name.rsplit("lst_", 1)[-1] not in SKIPPED_STRUCTURES]
        items = load_raw_itemsets(base_path=_LOOKUP_LIST_PATH, subdirs=lists)
        first, surnames = extra_names()  # the project's names of migrant origin, written and without diacritics
        items["first_name"] |= first | {plain(n) for n in first}
        items["surname"] |= surnames | {plain(n) for n in surnames}
        structures = dd.ds.DsCollection()
        for name in set(items) - set(_LOOKUP_SET_LOADERS) - set(_LOOKUP_TRIE_LOADERS):
            lookup = dd.ds.LookupSet()
            lookup.add_items_from_iterable(items[name])
            structures[name] = lookup
        for name, loader in _LOOKUP_SET_LOADERS.items():
            structures[name] = loader(items)
        for name, loader in _LOOKUP_TRIE_LOADERS.items():
            if name not in SKIPPED_STRUCTURES:
                structures[name] = loader(items, tokenizer)
    cache = {
        "deduce_version": deduce_version(),
        "saved_datetime": dt.datetime.now().isoformat(),
        "lookup_structs": structures,
        "cirkel_names": names_digest(),
    }
    path = cache_dir / CACHE_FILE
    atomic.write_bytes(path, pickle.dumps(cache, protocol=pickle.HIGHEST_PROTOCOL))
    atomic.write_bytes(_stamp_path(path), json.dumps(_stamp(path)).encode("utf-8"))
    return path


def _config() -> dict:
    """deduce's base configuration without the annotators this project switches off."""
    import deduce

    config = json.loads((Path(deduce.__file__).parent / "base_config.json").read_text(encoding="utf-8"))
    for name in SKIPPED_ANNOTATORS:
        config["annotators"].pop(name, None)
    return config


def names_digest() -> str:
    """The sha256 of the project's extra name list: a cache built from another list is rebuilt."""
    import hashlib
    from importlib import resources

    return hashlib.sha256(resources.files("pipeline").joinpath("names_extra.txt").read_bytes()).hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".stamp.json")


def _stamp(path: Path) -> dict:
    """What the cache file at ``path`` was built from, and the file's size and modification time
    (deduce rewrites the file with its own full tables when it finds it out of date)."""
    stat = path.stat()
    return {
        "deduce_version": deduce_version(),
        "cirkel_names": names_digest(),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def _cache_is_current(path: Path) -> bool:
    """Whether the cache file was built by :func:`build_cache` from the present deduce and name
    list, told by its stamp (the file itself is read once, by deduce)."""
    try:
        return json.loads(_stamp_path(path).read_text(encoding="utf-8")) == _stamp(path)
    except (OSError, ValueError):
        return False


def load_deduce(cache_dir: Path | None = None):
    """The deduce instance with the project's configuration, from the project's cache (built first
    when it is missing, damaged or of another deduce version). Loaded once per process."""
    return _load_deduce(str(Path(cache_dir or default_cache_dir())))


@lru_cache(maxsize=2)
def _load_deduce(cache_dir_text: str):
    cache_dir = Path(cache_dir_text)
    path = cache_dir / CACHE_FILE
    if not _cache_is_current(path):
        log.info("redactie: opzoektabellen voor deduce bouwen in %s (eenmalig, enkele seconden)", cache_dir)
        build_cache(cache_dir)
    with _quiet_import():
        from deduce import Deduce

        return Deduce(load_base_config=False, config=_config(), cache_path=cache_dir)


@dataclass(frozen=True)
class Annotation:
    start: int
    end: int
    placeholder: str


class DeduceAnnotator:
    """Deduce's annotations of a text, mapped onto the project's placeholders."""

    def __init__(self, organisations: tuple[str, ...] | list[str] = (), cache_dir: Path | None = None, deduce=None):
        self.vocabulary: Vocabulary = load_vocabulary(tuple(sorted({str(o) for o in organisations})))
        self.deduce = deduce if deduce is not None else load_deduce(cache_dir)
        self.names = self.vocabulary.first_names | self.vocabulary.surnames

    # ------------------------------------------------------------------ input

    def _shadow(self, text: str) -> str:
        """The text as deduce should see it: a name in capitals or in lower case (``KAYA``,
        ``jan de vries``) in title case, so that deduce's name lists apply. Only words from the
        national name lists that are no ordinary Dutch word are changed; diacritics are dropped
        (``Gökhan`` → ``Gokhan``: deduce's lists are written without them); the length stays."""
        v = self.vocabulary
        chars = list(plain(text))
        previous_name = after_particle = lower_name = False
        last_end = 0
        for match in re.finditer(LETTERS + "+", text):
            word = match.group()
            folded = fold(word)
            adjacent = re.fullmatch(r"[ \t'’-]*", text[last_end : match.start()]) is not None
            last_end = match.end()
            if word[0].isupper() and not word.isupper():
                previous_name, after_particle, lower_name = folded in self.names, False, False
                continue
            if folded in v.particles and previous_name and adjacent:
                after_particle = True
                if word.isupper():  # "STIJN VAN DER HOEVEN": particles in lower case, as deduce expects them
                    for i in range(match.start(), match.end()):
                        chars[i] = chars[i].lower()
                continue
            ordinary = (
                folded in v.dutch_words
                or folded in v.not_names
                or folded in v.organisation_words
                or folded in v.common_surname_words
                or len(word) < 3
            )
            # a surname after a name, with or without a particle ("natalia boyko", "jan de vries")
            surname = (
                (after_particle or previous_name)
                and adjacent
                and folded not in v.not_names
                and folded not in v.dutch_words
                and folded not in v.organisation_words
                and len(word) >= 3
            )
            # a lower-case name and particles: the next word is the surname, also when it is a Dutch word ("jeroen van 't hek")
            surname = surname or (
                after_particle and lower_name and adjacent and folded not in v.function_words and len(word) >= 2
            )
            if (folded in self.names and not ordinary) or surname:
                chars[match.start()] = word[0].upper()
                for i in range(match.start() + 1, match.end()):
                    chars[i] = chars[i].lower()
                previous_name, lower_name = True, True
            else:
                previous_name = lower_name = False
            after_particle = False
        return "".join(chars)

    # ------------------------------------------------------------------ output

    def _name(self, text: str, start: int, end: int) -> Annotation | None:
        """A name span without its leading titles, words for a person and particles, cut before an
        organisation of the keep list ("Ruud ter Steege van de Gemeente Breda"); None when what is
        left is no name (an organisation, a nationality, an ordinary word, a word of an
        institution such as ``Belastingdienst``)."""
        v = self.vocabulary
        folded_span = fold(text[start:end])
        for org in v.organisations:  # cut at the first organisation inside the span
            hit = re.search(rf"(?<!\w){re.escape(org)}(?!\w)", folded_span)
            if hit:
                end = start + hit.start()
                folded_span = folded_span[: hit.start()]
        trimmed_title = False
        while True:
            match = re.match(r"\s*([^\s]+?)\.?(?:\s+|$)", text[start:end])
            if not match or match.end() == 0:
                break
            word = fold(match.group(1)).strip(".,:")
            more = bool(text[start + match.end() : end].strip())
            profession = (
                more
                and word not in v.common_surname_words
                and (word in v.professions or any(word.endswith(p) and len(word) >= len(p) + 3 for p in v.profession_heads))
            )
            if (
                word in v.titles
                or word in v.person_words
                or word in v.strong_titles
                or word in v.function_words
                or word == "heer"
                or profession
            ):  # "Zedenrechercheur Hans Kok": the profession stays, the name goes
                trimmed_title = trimmed_title or word in v.titles or word in v.strong_titles or word == "heer"
                start += match.end()
                continue
            break
        words_after = re.findall(r"\S+", text[start:end])
        while words_after and fold(words_after[-1]).strip(".,;:") in v.particles | v.function_words:
            end = start + text[start:end].rstrip().rfind(words_after.pop())
        while end > start and text[end - 1] in " .,;:(-":
            end -= 1
        if end <= start:
            return None
        folded = fold(text[start:end])
        words = re.findall(r"\w+", folded)
        content = [w for w in words if w not in v.particles]
        if not content or v.is_organisation(fold(text[start : start + 80])) or all(w in v.organisation_words for w in content):
            return None  # an organisation (also one whose name goes on after the span: "Jeroen Bosch Ziekenhuis")
        if all(w in v.not_names or (w in v.dutch_words or w in v.common_surname_words) and w not in self.names for w in content):
            return None
        sentence_start = not text[:start].strip() or text[:start].rstrip()[-1] in ".!?:;\n"
        if (
            len(content) == 1
            and sentence_start
            and content[0] in (v.common_surname_words | v.dutch_words)
            and content[0] not in v.first_names
        ):
            return None  # a capitalised ordinary word at the start of a sentence ("Groen licht van de rechter", "Zwart maken")
        if any(_INSTITUTION_WORD.search(w) for w in content):
            return None
        if len(content) == 1 and any(content[0].endswith(p) and len(content[0]) >= len(p) + 3 for p in v.profession_heads):
            return None  # a compound profession: "Zedenrechercheur", "Schoolmaatschappelijk werker"
        if len(words) == 1 and words[0] in v.very_frequent_words and words[0] not in v.first_names and not trimmed_title:
            return None  # "het gezin Groot houden": alone and without a title, a very common word is a word
        before = fold(text[max(0, start - 40) : start])
        if (folded in v.places or folded in v.world_places) and re.search(_LOCATIVE, before):
            return None  # "komt uit Santiago", "woont in Brugge": a place name alone stays
        led = re.search(r"(?:^|\W)(den|de|het)\s+$", before)  # "in Den Bosch": the article is part of the place
        if led and f"{led.group(1)} {folded}" in v.places and re.search(_LOCATIVE, before[: led.start(1)]):
            return None
        if any(re.search(rf"(?<!\w){re.escape(org)}\s*$", before) for org in v.organisations if len(org) >= 2):
            return None  # "GGD Hollands Noorden", "Veilig Thuis Zuid-Holland Zuid": the rest of an organisation's name
        return Annotation(start, end, "[naam]")

    def _location(self, text: str, start: int, end: int) -> list[Annotation]:
        """A location span: a postcode → ``[postcode]``; a street with a number → ``[adres]``; a
        place name alone stays."""
        span = text[start:end]
        found = [Annotation(start + m.start(), start + m.end(), "[postcode]") for m in _POSTCODE.finditer(span)]
        rest = _POSTCODE.sub(lambda m: " " * len(m.group()), span)
        for match in re.finditer(rf"{LETTERS}[\w'’.\- ]*?\s\d{{1,4}}\s?[A-Za-z]?\b(?:-\w{{1,3}})?", rest):
            found.append(Annotation(start + match.start(), start + match.end(), "[adres]"))
        return found

    _NAME_TAIL = re.compile(
        rf"(?:[ \t]+(?:(?i:van|de|der|den|ter|ten|el|al|ben|bin|abu|ibn|'t|’t)[ \t]+)*{LETTERS}+)?(?:-{LETTERS}+)+|"
        rf"(?:[ \t]+(?:(?i:van|de|der|den|ter|ten|el|al|ben|bin|abu|ibn|'t|’t)[ \t]+)+[A-Z]{LETTERS}+)|"
        rf"(?:[ \t]+(?i:o|d|mc|mac)['’][A-Z]{LETTERS}+)"
    )  # O'Brien, D'Souza

    def _extend_name(self, text: str, shadow: str, end: int) -> int:
        """A name span widened over what deduce leaves behind: a hyphenated part
        (``Kooijman-Park``, ``AL-SAADI``), particles with a capitalised surname (``Al Kassab``,
        also one the shadow text capitalised: ``jeroen van 't hek``) and an Irish or Romance
        surname with an apostrophe (``O'Brien``, ``D'Souza``)."""
        while True:
            match = self._NAME_TAIL.match(shadow, end)
            if not match or not match.group().strip():
                return end
            tail = fold(match.group()).split()[-1].strip("-")
            hyphenated = match.group().startswith("-") and match.group()[1:2].isupper()  # "Kooijman-Park": a double surname
            restored = text[match.end() - len(tail) : match.end()] != shadow[match.end() - len(tail) : match.end()]
            if tail in self.vocabulary.organisation_words or (
                tail in self.vocabulary.dutch_words and tail not in self.names and not hyphenated and not restored
            ):
                return end
            end = match.end()

    def annotations(self, text: str) -> list[Annotation]:
        """Deduce's annotations of ``text`` as placeholders (none over an existing placeholder)."""
        shadow = self._shadow(text)
        document = self.deduce.deidentify(shadow, disabled={"redactor"})
        taken = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
        out: list[Annotation] = []
        for annotation in sorted(document.annotations, key=lambda a: (a.start_char, -a.end_char)):
            start, end, tag = annotation.start_char, annotation.end_char, annotation.tag
            if any(start < b and a < end for a, b in taken):
                continue
            if tag == "locatie":
                found = self._location(text, start, end)
            elif tag in ("persoon", "patient"):
                end = self._extend_name(text, shadow, end)
                while start > 1 and text[start - 1] == "-" and text[start - 2].isalpha():  # "Mi-Rae": a hyphenated first part
                    start = re.search(LETTERS + "+-$", text[:start]).start()
                name = self._name(text, start, end)
                found = [name] if name else []
            elif tag in PLACEHOLDER_OF_TAG:
                found = [Annotation(start, end, PLACEHOLDER_OF_TAG[tag])]
            else:
                found = []
            for item in found:
                if not any(item.start < b and a < item.end for a, b in taken):
                    out.append(item)
                    taken.append((item.start, item.end))
        return sorted(out, key=lambda a: a.start)

    def redact(self, text: str) -> str:
        """``text`` with every annotation replaced by its placeholder."""
        if not text or not text.strip():
            return text
        parts, last = [], 0
        for annotation in self.annotations(text):
            parts.append(text[last : annotation.start])
            parts.append(annotation.placeholder)
            last = annotation.end
        parts.append(text[last:])
        return "".join(parts)
