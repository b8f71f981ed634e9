"""Structural problems: the errors that stop a run (see docs/definitions.md, "Bad values")."""

from __future__ import annotations


class StructuralError(Exception):
    """A problem in an export that stops the run before any output is replaced.

    The message always names the file (relative to the raw folder) or folder, and
    where it applies the worksheet, the row (as the spreadsheet numbers it) and the column (its
    header as written in the file). ``detail`` says, in Dutch, what was found, what is expected
    and how to fix it.
    """

    def __init__(
        self,
        file: str,
        message: str,
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
        folder: bool = False,
    ):
        self.file = file
        self.row = row
        self.column = column
        self.sheet = sheet
        self.folder = folder  # ``file`` names a folder (a year folder), not a file
        self.detail = message
        super().__init__(self.format())

    def __reduce__(self):  # picklable, so a worker process can report it
        return (StructuralError, (self.file, self.detail, self.row, self.column, self.sheet, self.folder))

    def where(self) -> str:
        """``bestand X, tabblad 'Y', rij N, kolom 'Z'`` (the parts that apply; ``map X/`` for a folder)."""
        parts = [f"map {self.file}/" if self.folder else f"bestand {self.file}"]
        if self.sheet is not None:
            parts.append(f"tabblad '{self.sheet}'")
        if self.row is not None:
            parts.append(f"rij {self.row}")
        if self.column is not None:
            parts.append(f"kolom '{self.column}'")
        return ", ".join(parts)

    def format(self) -> str:
        return f"Structureel probleem in {self.where()}: {self.detail}"


class ConfigurationError(Exception):
    """A problem with the run's settings (params.yaml, the pseudonymisation key, paths)."""
