"""Sanity of the hand-labelled free-text corpus and of its scorer (not of the redaction itself)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from free_text_corpus import (
    ALL_IDENTIFIERS,
    ALL_KEEPS,
    CORPUS_PATH,
    HELDOUT_MARKER,
    IDENTIFIER_KINDS,
    KEEP_KINDS,
    NAME_KINDS,
    PLACEHOLDERS,
    Answer,
    Span,
    fold,
    format_misses,
    format_table,
    has_identifying_tokens,
    identifier_removed,
    identifying_tokens,
    keep_kept,
    keep_words,
    label_redactor,
    leftovers,
    load_corpus,
    name_words,
    output_words,
    parse_line,
    perfect_redaction,
    score,
)

ANSWERS = load_corpus()
DEV = load_corpus("dev")
HELDOUT = load_corpus("heldout")

MIN_IDENTIFIERS = {kind: 25 for kind in IDENTIFIER_KINDS} | {"naam": 80, "naam_los": 150}
MIN_KEEPS = {kind: 40 for kind in KEEP_KINDS}
# Words for a person or a title: a name right after one of these is a `naam`, otherwise `naam_los`.
CUES = set(
    """
    mevrouw meneer mw mevr dhr hr mr heer zoon zoontje dochter dochtertje kind baby vader moeder
    stiefvader stiefmoeder pleegvader pleegmoeder partner ex-partner ex echtgenoot echtgenote man vrouw
    vriend vriendin buurman buurvrouw oma opa tante oom neef nicht broer zus broertje zusje
    schoonmoeder schoonvader schoonzus zwager collega pleger slachtoffer wijkagent agent dokter dr
    huisarts psycholoog mentor juf meester bewindvoerder casusregisseur hulpverlener advocaat jurist
    tolk coach begeleider jeugdbeschermer gezinsvoogd voogd leerkracht docent verpleegkundige
    ervaringsdeskundige ed cliënt cliënte client regisseur mama papa drs prof ir ing
""".split()
)
_CUE_BEFORE = re.compile(r"(?:^|(?<=[\s(\[\"'/]))([^\W\d_][\w\-]*)\.?\s+$")


def _cue_before(answer: Answer, span: Span) -> str | None:
    match = _CUE_BEFORE.search(answer.text[: span.start])
    return match.group(1).lower() if match and match.group(1).lower() in CUES else None


def _kinds(answers: list[Answer]) -> Counter:
    return Counter(s.kind for a in answers for s in a.identifiers + a.keeps)


# --- the markup and the sizes -------------------------------------------------------------


def test_markup_parses_into_consistent_spans():
    assert ANSWERS and len({a.index for a in ANSWERS}) == len(ANSWERS)
    texts = Counter(a.text for a in ANSWERS)
    assert [t for t, n in texts.items() if n > 1] == []
    for a in ANSWERS:
        spans = sorted(a.identifiers + a.keeps + a.unscored, key=lambda s: s.start)
        for span in spans:
            assert a.text[span.start : span.end] == span.text, (a.line, span)
            before = a.text[span.start - 1] if span.start else " "
            after = a.text[span.end] if span.end < len(a.text) else " "
            assert not before.isalnum() and not after.isalnum(), (a.line, span, "span cuts a word")
        for left, right in zip(spans, spans[1:]):
            assert left.end <= right.start, (a.line, left, right)
        for token in ("[[", "]]", "{{", "}}"):
            assert token not in a.text


def test_parse_line_examples():
    a = parse_line("doel|Zoon [[naam:Ömer]] en {{instelling:Veilig Thuis}}; bel [[telefoon:06-12345678]].")
    assert a.field == "doel" and a.text == "Zoon Ömer en Veilig Thuis; bel 06-12345678."
    assert a.identifiers == [Span(5, 9, "naam", "Ömer"), Span(31, 42, "telefoon", "06-12345678")]
    assert a.keeps == [Span(13, 25, "instelling", "Veilig Thuis")]
    assert parse_line("geen veld (0800-2000) [x]").field == "toelichting"
    with pytest.raises(ValueError):
        parse_line("[[voornaam:Piet]]")
    with pytest.raises(ValueError):
        parse_line("[[naam:Piet]")


def test_sizes_and_parts():
    assert len(ANSWERS) >= 450
    assert HELDOUT_MARKER in CORPUS_PATH.read_text(encoding="utf-8")
    assert len(DEV) + len(HELDOUT) == len(ANSWERS)
    assert 0.55 <= len(DEV) / len(ANSWERS) <= 0.65
    assert all(a.part == "dev" for a in DEV) and all(a.part == "heldout" for a in HELDOUT)
    assert max(a.index for a in DEV) < min(a.index for a in HELDOUT)
    words = [len(a.text.split()) for a in ANSWERS]
    assert sum(5 <= n <= 60 for n in words) / len(words) >= 0.75
    assert max(words) <= 120 and sum(n > 60 for n in words) >= 2
    assert set(a.field for a in ANSWERS) == {
        "toelichting",
        "opmerkingen",
        "doel",
        "resultaten",
        "nog_nodig",
        "reden_anders",
        "goed",
        "beter",
        "advies",
    }


def test_every_kind_reaches_its_minimum_in_the_corpus_and_appears_in_both_parts():
    counts = _kinds(ANSWERS)
    for kind, minimum in (MIN_IDENTIFIERS | MIN_KEEPS).items():
        assert counts[kind] >= minimum, (kind, counts[kind])
    for part in (DEV, HELDOUT):
        part_counts = _kinds(part)
        for kind in IDENTIFIER_KINDS + KEEP_KINDS:
            assert part_counts[kind] >= 8, (kind, part_counts[kind], part[0].part)


def test_the_mix_of_answers():
    n = len(ANSWERS)
    none = sum(not a.identifiers for a in ANSWERS)
    one_kind_only = sum(len({s.kind for s in a.identifiers + a.keeps}) == 1 and bool(a.identifiers) for a in ANSWERS)
    mixed = sum(len({s.kind for s in a.identifiers + a.keeps}) >= 2 for a in ANSWERS)
    assert 0.07 <= none / n <= 0.15, none / n
    assert 0.10 <= one_kind_only / n <= 0.25, one_kind_only / n
    assert mixed / n >= 0.5, mixed / n


def test_names_with_and_without_a_cue_are_labelled_as_such():
    for a in ANSWERS:
        for span in a.identifiers:
            if span.kind == "naam":
                assert _cue_before(a, span), (a.line, span.text, "naam without a cue word right before it")
            elif span.kind == "naam_los":
                assert not _cue_before(a, span), (a.line, span.text, "naam_los right after a cue word")
            if span.kind in NAME_KINDS:
                first = span.text.split()[0].rstrip(".").lower()
                assert first not in CUES - {"ed"}, (a.line, span.text, "role word inside the name span")


def test_the_names_are_varied():
    names = [s.text for a in ANSWERS for s in a.identifiers if s.kind in NAME_KINDS]
    assert sum(bool(re.search(r"[\u0600-\u06FF]", n)) for n in names) >= 3  # Arabic script
    assert sum(bool(re.search(r"[\u1200-\u137F]", n)) for n in names) >= 3  # Ge'ez script
    assert sum(n.isupper() and len(n) > 3 for n in names) >= 8  # JAN DE VRIES
    assert sum(n.islower() and n.isascii() for n in names) >= 8  # jan de vries
    assert sum(bool(re.search(r"[a-z][A-Z]", n)) for n in names) >= 4  # JanDeVries
    assert sum(bool(re.match(r"([A-Z]\.)+\s", n)) for n in names) >= 5  # J. de Vries
    assert sum(bool(re.search(r"\w-\w", n)) for n in names) >= 8  # Pronk-Zwanenburg
    assert sum(bool(re.search(r"[ÖöŞşÇçğıİłżŻéëüÜńśąęćź]", n)) for n in names) >= 25
    particles = r"(?i)(?<![\w'])(van|de|der|den|ter|ten|'t|el|al|ben|bin|abu)(?![\w'])"
    assert sum(bool(re.search(particles, n)) for n in names) >= 30


def test_postcodes_and_phones_come_in_many_forms():
    postcodes = [s.text for a in ANSWERS for s in a.identifiers if s.kind == "postcode"]
    assert any(re.fullmatch(r"\d{4} [A-Z]{2}", p) for p in postcodes)
    assert any(re.fullmatch(r"\d{4}[A-Z]{2}", p) for p in postcodes)
    assert any(re.fullmatch(r"\d{4} ?[a-z]{2}", p) for p in postcodes)
    assert any(re.fullmatch(r"\d{4}-[A-Za-z]{2}", p) for p in postcodes)
    words = {"en", "ik", "je", "de", "ze", "al", "in", "op", "is", "er", "om", "te", "nu", "ja"}
    assert sum(p[-2:].lower() in words for p in postcodes) >= 8
    phones = [s.text for a in ANSWERS for s in a.identifiers if s.kind == "telefoon"]
    for prefix in ("+31", "0031", "+32", "+90", "+212", "+48", "+597", "(0"):
        assert any(p.startswith(prefix) for p in phones), prefix


# --- the corpus is judged soundly ------------------------------------------------------------


def test_every_identifier_has_identifying_tokens():
    for a in ANSWERS:
        for span in a.identifiers:
            assert has_identifying_tokens(span), (a.line, span)
            if span.kind == "datum":
                assert len(identifying_tokens(span).digits) >= 3, (a.line, span)


def test_an_identifiers_tokens_occur_only_inside_it():
    """Replacing just that span by its placeholder removes it; the raw text still holds it."""
    for a in ANSWERS:
        for span in a.identifiers:
            assert not identifier_removed(span, a, a.text), (a.line, span)
            only = a.text[: span.start] + PLACEHOLDERS[span.kind] + a.text[span.end :]
            assert leftovers(span, only) == [], (a.line, span.text, leftovers(span, only))


def test_a_keep_spans_words_occur_only_inside_it_and_are_no_identifier_token():
    for a in ANSWERS:
        tokens = set()
        for span in a.identifiers:
            tokens.update(identifying_tokens(span).words)
            tokens.update(name_words(span.text))
        for span in a.keeps:
            words = [w for w in keep_words(span) if w not in {"de", "het", "op", "van", "voor", "der", "den"}]
            assert words, (a.line, span)
            rest = a.text[: span.start] + " " + a.text[span.end :]
            assert not set(words) & output_words(rest), (a.line, span.text, set(words) & output_words(rest))
            assert not set(words) & tokens, (a.line, span.text)


def test_heldout_names_are_fresh():
    dev = {w for a in DEV for s in a.identifiers if s.kind in NAME_KINDS for w in name_words(s.text)}
    held = {w for a in HELDOUT for s in a.identifiers if s.kind in NAME_KINDS for w in name_words(s.text)}
    assert sorted(dev & held) == []


# --- the scorer -------------------------------------------------------------------------------


def test_a_redactor_that_knows_the_labels_scores_100_percent():
    table = score(label_redactor(ANSWERS))
    assert table.rows[ALL_IDENTIFIERS].total == sum(len(a.identifiers) for a in ANSWERS)
    for kind, row in table.rows.items():
        assert row.hits == row.total > 0, (kind, row, format_misses(table, 5))
    assert table.misses == []


def test_the_identity_removes_nothing_and_keeps_everything():
    table = score(lambda text: text)
    for kind in IDENTIFIER_KINDS + (ALL_IDENTIFIERS,):
        assert table.rows[kind].hits == 0 and table.rows[kind].total > 0, kind
    for kind in KEEP_KINDS + (ALL_KEEPS,):
        assert table.rows[kind].rate == 1.0, kind
    assert len(table.misses) == table.rows[ALL_IDENTIFIERS].total


def test_parts_add_up():
    total = score(lambda text: text).rows
    dev, held = score(lambda text: text, "dev").rows, score(lambda text: text, "heldout").rows
    for kind in total:
        assert total[kind].total == dev[kind].total + held[kind].total


def _judge(markup: str, output: str) -> list[bool]:
    a = parse_line(markup)
    return [identifier_removed(s, a, output) for s in a.identifiers] + [keep_kept(s, a, output) for s in a.keeps]


def test_the_judging_rules():
    # names: any remaining name word, case and diacritics ignored; particles and initials never count
    assert _judge("mw. [[naam:A.B. van der Öztürk-Kaya]] belde", "mw. A.B. van der [naam] belde") == [True]
    assert _judge("mw. [[naam:A.B. van der Öztürk-Kaya]] belde", "mw. [naam]-KAYA belde") == [False]
    assert _judge("[[naam_los:Ömer]] belde", "OMER belde") == [False]
    assert _judge("[[naam_los:Yılmaz]] belde", "YILMAZ belde") == [False]
    assert _judge("[[naam_los:JanDeVries]] belde", "JanDeVries belde") == [False]
    assert _judge("[[naam_los:Jan de Vries]] belde", "JanDeVries belde") == [False]
    assert _judge("[[naam_los:Jan de Vries]] belde", "Jansen belde") == [True]  # whole words only
    # numbers: 4 consecutive digits of the span in a digit group of the output, whatever the format
    assert _judge("bel [[telefoon:+31 6 12345678]]", "bel 06-12 34 56 78") == [False]
    assert _judge("bel [[telefoon:+31 6 12345678]]", "bel 06-12[telefoon]") == [True]
    assert _judge("bel [[telefoon:(076) 5123456]]", "bel (076) 512[x]") == [False]
    assert _judge("bsn [[bsn:123 456 782]]", "bsn [bsn]") == [True]
    assert _judge("[[iban:NL91 ABNA 0417 1643 00]]", "NL91ABNA[iban]") == [True]
    assert _judge("[[iban:NL91 ABNA 0417 1643 00]]", "nl91abna0417164300") == [False]
    # dates: month words count as their number after a day; the month alone does not identify
    assert _judge("op [[datum:3 april 1985]]", "op [datum]") == [True]
    assert _judge("op [[datum:3 april 1985]]", "op 3-4-1985") == [False]
    assert _judge("op [[datum:3 april 1985]]", "in april") == [True]
    assert _judge("op [[datum:14 februari]]", "op 14 feb.") == [False]
    assert _judge("op [[datum:14 februari]]", "op [datum], 14 keer") == [True]
    # postcodes by digits, and by letters right after digits
    assert _judge("[[postcode:4818 EN]] en", "[postcode] en") == [True]
    assert _judge("[[postcode:4818 EN]] en", "48.. 18EN") == [False]
    # case numbers: 3 consecutive digits (or all of them when shorter), in groups of 2+ digits
    assert _judge("[[casusnummer:cir 42]] open", "[casusnummer] open") == [True]
    assert _judge("[[casusnummer:cir 42]] open", "casus 42 open") == [False]
    assert _judge("[[casusnummer:CIR-0042]] open", "cir 42 open") == [True]  # 42 alone: no 3-digit run
    # addresses by the street words (and a house number of 3+ digits)
    assert _judge("[[adres:Lange Brugstraat 12]]", "[adres] 12") == [True]
    assert _judge("[[adres:Lange Brugstraat 12]]", "Lange [adres]") == [False]
    assert _judge("[[adres:Ginnekenweg 123-B]]", "[straat] 123-B") == [False]
    # e-mail and accounts by the local part / handle as a whole token
    assert _judge("[[email:j.devries@gmail.com]]", "[e-mail]") == [True]
    assert _judge("[[email:j.devries@gmail.com]]", "j.devries@[domein]") == [False]
    assert _judge("[[email:j.devries@gmail.com]]", "j.devries.nl") == [True]
    assert _judge("insta [[account:@sanne_88]]", "insta sanne_88.") == [False]
    assert _judge("insta [[account:@sanne_88]]", "insta [account]") == [True]
    # keeps: every word must stay a whole word
    assert _judge("collega {{instelling:Veilig Thuis}} belde", "collega [naam] belde") == [False]
    assert _judge("collega {{instelling:Veilig Thuis}} belde", "collega VEILIG THUIS belde") == [True]


def test_format_table_text_and_markdown():
    table = score(label_redactor(ANSWERS), "dev")
    text = format_table(table)
    markdown = format_table(table, markdown=True)
    for kind in IDENTIFIER_KINDS + KEEP_KINDS + (ALL_IDENTIFIERS, ALL_KEEPS):
        assert kind in text and f"| {kind} |" in markdown
    assert "100.0%" in text and "|---|" in markdown
    assert format_misses(score(lambda t: t, "dev"), 3).count("\n") == 2


def test_perfect_redaction_puts_placeholders():
    a = parse_line("Zoon [[naam:Ömer]] belt [[telefoon:06-12345678]] uit {{plaats:Breda}}")
    assert perfect_redaction(a) == "Zoon [naam] belt [telefoon] uit Breda"
    assert fold("ÖMER Yılmaz") == "omer yilmaz"
