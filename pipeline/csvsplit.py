"""Where a Dutch csv file can be cut into pieces of whole records, without parsing it.

A streamed csv file is parsed in chunks of records by the worker processes; each worker reads
its own byte range of the file, so that the run's process does not parse every chunk and ship
it to a worker. A byte range may start only where pandas' csv parser (``quotechar='"'``, ``;``,
doubled quotes) starts a record. That is after a line feed outside a quoted field, and where
each quote is *structural* the quotes before a line feed tell exactly whether it is outside
one: an even number of quotes before it, and it is.

A quote is structural when it opens a field (it follows the file's start, a ``;``, a line end
or a closing quote: a doubled quote inside a quoted field) or closes one (it is followed by a
``;``, a line end, the file's end or an opening quote). A quote anywhere else (``5" scherm``
in a field without quotes) is text to the parser but would flip the count, and a lone carriage
return outside quotes ends a record for the parser but not here: in a file with either,
:func:`record_layout` gives None and the file is read from start to end as before. The file is
scanned in blocks (its memory does not grow with the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

BLOCK_BYTES = 1 << 24
_QUOTE, _LF, _CR, _SEP = ord('"'), ord("\n"), ord("\r"), ord(";")
_BOUNDARY = np.zeros(256, dtype=bool)  # what may stand beside a structural quote
_BOUNDARY[[_QUOTE, _LF, _CR, _SEP]] = True


@dataclass(frozen=True)
class Piece:
    """Records ``first_record`` (0-based, counted from the file's first record) onwards, in
    bytes ``start`` up to ``stop`` of the file (``stop`` None: to its end)."""

    start: int
    stop: int | None
    first_record: int


def record_layout(path: Path, skip: int, every: int, encoding: str = "utf-8-sig") -> list[Piece] | None:
    """The file cut after its first ``skip`` records, then after every ``every``-th record of
    the file (record ``every``, ``2 × every``, ...: the cuts of pandas' ``chunksize`` reader on
    the whole file); None where the quotes do not tell the records (see the module docstring),
    or when the file has no more than ``skip`` records. ``encoding``: the file's, as it is
    parsed (a UTF-8 byte-order mark is text in a file read as Windows-1252)."""
    cuts: list[int] = []  # byte offset just after each cut
    numbers: list[int] = []  # how many records lie before it
    records = 0  # record ends seen so far
    quotes = 0  # quotes seen so far
    start = 0
    previous = _LF  # the byte before the block (the file's start counts as a line end)
    with open(path, "rb") as handle:
        if handle.read(3) == b"\xef\xbb\xbf" and encoding == "utf-8-sig":  # the mark belongs to no field
            start = 3
        handle.seek(start)
        offset = start
        block = handle.read(BLOCK_BYTES)
        while block:
            following = handle.read(BLOCK_BYTES)
            data = np.frombuffer(block, dtype=np.uint8)
            after = np.empty_like(data)
            after[:-1] = data[1:]
            after[-1] = following[0] if following else _LF  # the file's end counts as a line end
            before = np.empty_like(data)
            before[1:] = data[:-1]
            before[0] = previous
            at = np.flatnonzero(data == _QUOTE)
            opening = (quotes + np.arange(len(at))) % 2 == 0
            if not (_BOUNDARY[before[at[opening]]].all() and _BOUNDARY[after[at[~opening]]].all()):
                return None
            returns = np.flatnonzero((data == _CR) & (after != _LF))
            if ((quotes + np.searchsorted(at, returns)) % 2 == 0).any():
                return None  # a lone carriage return outside quotes ends a record: an old Macintosh csv
            feeds = np.flatnonzero(data == _LF)
            record_ends = feeds[(quotes + np.searchsorted(at, feeds)) % 2 == 0]
            number = records + 1 + np.arange(len(record_ends))  # records up to and including this end
            cut = (number == skip) | ((number > skip) & (number % every == 0))
            cuts.extend((offset + record_ends[cut] + 1).tolist())
            numbers.extend(number[cut].tolist())
            records += len(record_ends)
            quotes += len(at)
            previous = int(data[-1])
            offset += len(block)
            block = following
    if cuts and cuts[-1] == offset:  # the last cut is the file's end: nothing after it
        cuts.pop()
        numbers.pop()
    if not numbers or numbers[0] != skip:
        return None  # nothing after the first ``skip`` records (the whole-file reader words that case)
    return [Piece(s, e, n) for s, e, n in zip(cuts, [*cuts[1:], None], numbers)]
