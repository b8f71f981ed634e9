"""Linking form rows to the cases of the casuslijst.

The link key is chosen per file: ``Casusnummer`` where the file has that column, otherwise
``Naam cliënt`` (the 2018 forms). A key that matches no listed case, or (names) more than one,
or a blank key links to no case (rule ``unknown_case``).
"""

from __future__ import annotations

import re

import pandas as pd

from pipeline.codebook import strip_diacritics
from pipeline.vector import per_distinct

_SPACES = re.compile(r"\s+")


def normalise_name(name: object) -> str | None:
    """A person's name for comparison: NFKD without combining marks, case-folded, trimmed,
    runs of spaces collapsed (``'  ZOË  de  Wit'`` = ``'Zoe de Wit'``). Blank → None."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return None
    text = _SPACES.sub(" ", strip_diacritics(str(name)).casefold()).strip()
    return text or None


def normalise_case_number(value: object) -> str | None:
    """A case number for comparison: trimmed, without regard to case. Blank → None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().casefold()
    return text or None


@per_distinct
def normalise_names(values: pd.Series) -> pd.Series:
    return values.map(normalise_name).astype(object)


@per_distinct
def normalise_case_numbers(values: pd.Series) -> pd.Series:
    return values.map(normalise_case_number).astype(object)


def link_lookup(listed: pd.Series) -> pd.Series:
    """Normalised key → listed case position, for the keys that name exactly one listed case."""
    counts = listed.value_counts()
    unique = listed[listed.map(counts) == 1]
    return pd.Series(unique.index, index=unique.to_numpy())


def link_keys(keys: pd.Series, lookup: pd.Series) -> pd.Series:
    """Map normalised form keys to the index label of the one listed case they name, through
    the listed cases' :func:`link_lookup` (a key that occurs on more than one listed case is
    ambiguous and links to none). Returns a Series aligned with ``keys`` holding the listed
    case's index label, NA where nothing links.
    """
    return keys.map(lookup).astype("Int64")
