"""Structural problems: the errors that stop a run (see docs/definitions.md, "Bad values")."""

from __future__ import annotations


class StructuralError(Exception):
    """A problem in an export that stops the run before any output is replaced.

    The message always names the file (relative to the raw folder), and where it applies the row
    (as the spreadsheet numbers it: header = row 1) and the column (its header in the file).
    """

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None):
        self.file = file
        self.row = row
        self.column = column
        self.detail = message
        super().__init__(self.format())

    def __reduce__(self):  # picklable, so a worker process can report it
        return (StructuralError, (self.file, self.detail, self.row, self.column))

    def format(self) -> str:
        where = [f"bestand {self.file}"]
        if self.row is not None:
            where.append(f"rij {self.row}")
        if self.column is not None:
            where.append(f"kolom '{self.column}'")
        return f"Structureel probleem in {', '.join(where)}: {self.detail}"


class ConfigurationError(Exception):
    """A problem with the run's settings (params.yaml, the pseudonymisation key, paths)."""
