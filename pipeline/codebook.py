"""The codebook: the machine-readable copy of the export contract (``config/codebook.yaml``).

Everything that names a column, an answer label or a code lives in the YAML file of the
configuration folder; this module only loads it and offers lookups: header normalisation and
matching, label → code maps and the Dutch labels for the report and the SPSS export.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

CODEBOOK_FILE = "codebook.yaml"
FIELD_TYPES = {
    "case_number",
    "name",
    "date",
    "code",
    "multi",
    "yes_no",
    "integer",
    "number",
    "safety",
    "text",
}


def strip_diacritics(text: str) -> str:
    """Unicode NFKD decomposition with the combining marks removed (``Zoë`` → ``Zoe``)."""
    if text.isascii():  # nothing to decompose
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_SPACES = re.compile(r"\s+")
_BOM_AS_CP1252 = re.compile("^(?:\u00ef\u00bb\u00bf)+")


def normalise_header(header: object) -> str:
    """Header key for tolerant matching.

    Case, surrounding spaces, a trailing ``:``, runs of spaces and diacritics
    (``cliënt`` / ``client``) do not matter.
    """
    text = str(header).replace("\ufeff", "").strip()
    text = _BOM_AS_CP1252.sub("", text)  # a BOM decoded once too often ("ï»¿Casusnummer")
    text = strip_diacritics(text).casefold().strip()
    text = text.rstrip(":").strip()
    return _SPACES.sub(" ", text)


def normalise_label(label: object) -> str:
    """Answer-label key: trimmed, runs of spaces collapsed, without regard to case, in Unicode NFC
    (a Mac export writes ``ë`` as ``e`` and a combining diaeresis: the same label)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(label)).strip()).casefold()


@dataclass(frozen=True)
class Column:
    """One column of a form as the codebook describes it."""

    name: str
    header: str
    type: str
    required: bool | str
    label_nl: str
    aliases: tuple[str, ...] = ()
    code_list: str | None = None
    min: float | None = None
    max: float | None = None
    since: int | None = None
    prefix: str | None = None  # multi-select: prefix of the one-bool-per-code columns

    @property
    def header_keys(self) -> tuple[str, ...]:
        return tuple(normalise_header(h) for h in (self.header, *self.aliases))


@dataclass(frozen=True)
class CodeList:
    """A list of answer codes with their canonical Dutch labels and the variants seen in exports."""

    name: str
    label_nl: str
    labels: dict[str, str]  # code -> canonical label
    short: dict[str, str]  # code -> short label for tables (falls back to label)
    variants: dict[str, tuple[str, ...]]
    missing_labels: tuple[str, ...] = ()
    plural: dict[str, str] = field(default_factory=dict)  # code -> plural label ("Slachtoffers"), where the report needs one
    colour: dict[str, str] = field(default_factory=dict)  # code -> figure colour (one meaning per colour across figures)

    @property
    def codes(self) -> list[str]:
        return list(self.labels)

    @property
    def lookup(self) -> dict[str, str]:
        """Normalised label (canonical or variant) → code; missing labels map to ``""``."""
        table: dict[str, str] = {}
        for code, label in self.labels.items():
            table[normalise_label(label)] = code
            if code in self.short:
                table[normalise_label(self.short[code])] = code
            for variant in self.variants.get(code, ()):
                table[normalise_label(variant)] = code
        for label in self.missing_labels:
            table[normalise_label(label)] = ""
        return table


@dataclass(frozen=True)
class Form:
    """One export file kind (casuslijst or a registration form)."""

    name: str
    label_nl: str
    location: str  # "root" or "year"
    date_column: str | None
    one_per_case: bool
    counts_for_analysis: bool = False  # a kept form of this kind makes its case an analysed case
    columns: dict[str, Column] = field(default_factory=dict)
    since: int | None = None  # first year the form existed (documentation; used by the demo)

    @property
    def is_case_form(self) -> bool:
        """Start, contact and end forms and clientervaring: rows that belong to a case."""
        return self.location == "year" and "case_number" in self.columns

    def header_requirements(self) -> list[tuple[tuple[str, ...], frozenset[str]]]:
        """What a header row must hold: (the headers that will do, their header keys) per requirement.

        Every ``required: true`` column is one requirement; the link columns (``required: link``,
        ``Casusnummer`` / ``Naam cliënt``) together are one: either will do.
        """
        needs = [((c.header,), frozenset(c.header_keys)) for c in self.columns.values() if c.required is True]
        link = [c for c in self.columns.values() if c.required == "link"]
        if link:
            needs.insert(0, (tuple(c.header for c in link), frozenset(k for c in link for k in c.header_keys)))
        return needs


@dataclass(frozen=True)
class SpssVariable:
    """One variable of an SPSS file: its Dutch label, field type (which gives its measurement level
    and display format, see :class:`SpssSpec`) and, for a code, its code list."""

    label: str
    type: str
    code_list: str | None = None
    doc: str = ""  # what the column holds (case table), for docs/clean-data.md


@dataclass(frozen=True)
class SpssSpec:
    """The codebook's ``spss`` section: file labels, level and format per field type, the labels of
    the derived variables, and the variables of the case table and of every form table."""

    file_label: str = "{table}"
    case_table_label: str = "cases"
    types: dict[str, dict[str, str]] = field(default_factory=dict)  # field type -> {level, format}
    multi_count: SpssVariable = SpssVariable("{column}: n", "integer")  # label has {column}
    multi_asked: SpssVariable = SpssVariable("{column}: asked", "yes_no")
    multi_code: str = "{column}: {code}"
    redacted_text: str = "{column}"
    form_variables: dict[str, SpssVariable] = field(default_factory=dict)
    case_variables: dict[str, SpssVariable] = field(default_factory=dict)

    def level(self, field_type: str) -> str:
        return self.types.get(field_type, {}).get("level", "unknown")

    def format(self, field_type: str) -> str | None:
        return self.types.get(field_type, {}).get("format")


@dataclass(frozen=True)
class Codebook:
    version: int
    forms: dict[str, Form]
    code_lists: dict[str, CodeList]
    yes_no_sav_codes: dict[int, str]
    name_keyed_until: int | None = None  # form versions up to this year carry Naam cliënt
    open_answers: dict = field(default_factory=dict)  # questions coded by the researchers (see codebook.yaml)
    data_quality_rules: dict[str, dict[str, str]] = field(default_factory=dict)  # rule code -> {label, action}
    keep_organisations: tuple[str, ...] = ()  # organisations that the redaction of free text leaves in place
    spss: SpssSpec = field(default_factory=SpssSpec)  # labels, levels and formats of the SPSS files

    def codes(self, code_list: str) -> list[str]:
        return self.code_lists[code_list].codes

    def rule_label(self, rule: str) -> str:
        """The Dutch name of a data-quality rule (the code itself if the codebook has none)."""
        return self.data_quality_rules.get(rule, {}).get("label", rule)

    def rule_short(self, rule: str) -> str:
        """The short Dutch name of a data-quality rule, for table headers."""
        return self.data_quality_rules.get(rule, {}).get("short", rule)

    def rule_action(self, rule: str) -> str:
        """What was done on a data-quality rule, in Dutch."""
        return self.data_quality_rules.get(rule, {}).get("action", "")

    def label(self, code_list: str, code: str, short: bool = False) -> str:
        cl = self.code_lists[code_list]
        if short:
            return cl.short.get(code, cl.labels[code])
        return cl.labels[code]

    def heading(self, code_list: str) -> str:
        """The Dutch name of a code list, as a table's column heading ("Soort contact")."""
        return self.code_lists[code_list].label_nl

    def plural(self, code_list: str, code: str) -> str:
        """The plural label of a code ("Slachtoffers"), the label where the codebook gives none."""
        cl = self.code_lists[code_list]
        return cl.plural.get(code, cl.labels[code])

    def colour(self, code_list: str, code: str, default: str = "#999999") -> str:
        return self.code_lists[code_list].colour.get(code, default)

    def labels(self, code_list: str) -> dict[str, str]:
        """Code → label of a code list, in the codebook's order."""
        return dict(self.code_lists[code_list].labels)


def _column(name: str, spec: dict[str, Any]) -> Column:
    if spec["type"] not in FIELD_TYPES:
        raise ValueError(f"codebook: column {name} has unknown type {spec['type']!r}")
    return Column(
        name=name,
        header=spec["header"],
        type=spec["type"],
        required=spec.get("required", False),
        label_nl=spec.get("label_nl", spec["header"]),
        aliases=tuple(spec.get("aliases", ())),
        code_list=spec.get("code_list"),
        min=spec.get("min"),
        max=spec.get("max"),
        since=spec.get("since"),
        prefix=spec.get("prefix", f"{name}_" if spec["type"] == "multi" else None),
    )


def _spss(spec: dict[str, Any], code_lists: dict[str, CodeList]) -> SpssSpec:
    def variables(section: str) -> dict[str, SpssVariable]:
        out = {}
        for name, v in (spec.get(section) or {}).items():
            if v.get("code_list") and v["code_list"] not in code_lists:
                raise ValueError(f"codebook: spss.{section}.{name} names unknown code list {v['code_list']}")
            out[str(name)] = SpssVariable(str(v["label"]), str(v["type"]), v.get("code_list"), str(v.get("doc", "")))
        return out

    return SpssSpec(
        file_label=str(spec.get("file_label", "{table}")),
        case_table_label=str(spec.get("case_table_label", "cases")),
        types={str(t): {str(k): str(v) for k, v in d.items()} for t, d in (spec.get("types") or {}).items()},
        multi_count=SpssVariable(**{"label": "{column}: n", "type": "integer", **(spec.get("multi_count") or {})}),
        multi_asked=SpssVariable(**{"label": "{column}: asked", "type": "yes_no", **(spec.get("multi_asked") or {})}),
        multi_code=str(spec.get("multi_code", "{column}: {code}")),
        redacted_text=str(spec.get("redacted_text", "{column}")),
        form_variables=variables("form_variables"),
        case_variables=variables("case_variables"),
    )


def parse_codebook(data: dict[str, Any]) -> Codebook:
    """Build a :class:`Codebook` from the parsed YAML mapping."""
    code_lists = {}
    for name, spec in data["code_lists"].items():
        codes = spec["codes"]
        code_lists[name] = CodeList(
            name=name,
            label_nl=spec.get("label_nl", name),
            labels={str(c): v["label"] for c, v in codes.items()},
            short={str(c): v["short"] for c, v in codes.items() if "short" in v},
            variants={str(c): tuple(v.get("variants", ())) for c, v in codes.items()},
            missing_labels=tuple(spec.get("missing_labels", ())),
            plural={str(c): v["plural"] for c, v in codes.items() if "plural" in v},
            colour={str(c): v["colour"] for c, v in codes.items() if "colour" in v},
        )
    forms = {}
    for name, spec in data["forms"].items():
        columns = {c: _column(c, s) for c, s in spec["columns"].items()}
        for col in columns.values():
            if col.code_list and col.code_list not in code_lists:
                raise ValueError(f"codebook: {name}.{col.name} names unknown code list {col.code_list}")
        forms[name] = Form(
            name=name,
            label_nl=spec.get("label_nl", name),
            location=spec["location"],
            date_column=spec.get("date_column"),
            one_per_case=bool(spec.get("one_per_case", False)),
            counts_for_analysis=bool(spec.get("counts_for_analysis", False)),
            columns=columns,
            since=spec.get("since"),
        )
    return Codebook(
        version=int(data.get("version", 1)),
        forms=forms,
        code_lists=code_lists,
        yes_no_sav_codes={int(k): str(v) for k, v in data.get("yes_no_sav_codes", {}).items()},
        name_keyed_until=data.get("form_versions", {}).get("name_keyed_until"),
        open_answers=data.get("open_answers", {}),
        keep_organisations=tuple(str(o) for o in data.get("redaction", {}).get("keep_organisations", [])),
        spss=_spss(data.get("spss") or {}, code_lists),
        data_quality_rules={
            str(k): {"label": str(v["label"]), "short": str(v.get("short", v["label"])), "action": str(v["action"])}
            for k, v in data.get("data_quality_rules", {}).items()
        },
    )


def load_codebook(path: str | Path | None = None) -> Codebook:
    """The codebook of the configuration folder (``params.yaml`` → ``config``), or the YAML file at ``path``."""
    from pipeline.config import config_dir

    return _load_codebook(str(Path(path) if path else config_dir() / CODEBOOK_FILE))


@lru_cache(maxsize=8)
def _load_codebook(path: str) -> Codebook:
    from pipeline.config import read_config_yaml

    return parse_codebook(read_config_yaml(Path(path)))
