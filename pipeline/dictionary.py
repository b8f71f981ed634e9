"""The clean-data dictionary (``docs/clean-data.md``), generated from the codebook.

Every column of every clean table with its pandas type, its Dutch label (as in the SPSS files),
its SPSS measurement level and, for codes, the keys of its code list: so the dictionary cannot
drift from what the ingest writes. ``python -m pipeline data-dictionary`` rewrites the file; a
test checks that the committed file is what the codebook gives.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from pipeline.codebook import Codebook, Column, SpssVariable
from pipeline.spss import FORM_TABLES, case_variables, form_variables

TEMPLATE = Path(__file__).parent / "templates" / "clean-data.md.j2"

# The pandas type of a clean column, by its SPSS type (see pipeline/clean_tables.py).
PANDAS_TYPE = {
    "pseudonym": "str",
    "string": "str",
    "text": "str",
    "code": "str",
    "yes_no": "boolean",
    "integer": "Int64",
    "number": "Float64",
    "safety": "Int64",
    "date": "date",
    "year": "Int64",
}


def _values(variable: SpssVariable, column: Column | None, codebook: Codebook) -> str:
    if variable.type == "code" and variable.code_list:
        return "keys of `" + variable.code_list + "`: " + ", ".join(f"`{c}`" for c in codebook.codes(variable.code_list))
    if variable.type == "safety":
        return "0-10; 99 (unknown) and values out of range are blank"
    if column is not None and variable.type in ("integer", "number") and (column.min is not None or column.max is not None):
        low = "" if column.min is None else f"{column.min:g}"
        high = "" if column.max is None else f"{column.max:g}"
        return f"{low}–{high}"
    if variable.type == "text":
        return "redacted free text"
    return ""


def _rows(variables: dict[str, SpssVariable], codebook: Codebook, form: str | None) -> list[dict[str, str]]:
    from pipeline.clean_tables import TEMPORARY_COLUMNS  # used to derive a column, never written

    variables = {name: v for name, v in variables.items() if name not in TEMPORARY_COLUMNS}
    columns = codebook.forms[form].columns if form else {}
    multi = {f"{c.prefix}{code}": c for c in columns.values() if c.type == "multi" for code in codebook.codes(c.code_list)}
    rows = []
    for name, variable in variables.items():
        kind = PANDAS_TYPE.get(variable.type, "str")
        if name in multi or name.endswith("_asked"):
            kind = "bool"
        elif name.endswith("_n") and name[:-2] in columns and columns[name[:-2]].type == "multi":
            kind = "int"
        elif name.endswith("_forms") or name in ("n_interviews", "source_row"):  # counts that are never missing
            kind = "int"
        elif variable.type == "yes_no" and form is None:
            kind = "bool" if name in {"analysed", "closed", "aftercare"} else "boolean"
        column = columns.get(name)
        rows.append(
            {
                "name": name,
                "type": kind,
                "label": variable.label,
                "level": codebook.spss.level(variable.type),
                "allowed": _values(variable, column, codebook),
                "doc": variable.doc,
                "header": column.header if column is not None else "",
            }
        )
    return rows


def clean_data_dictionary(codebook: Codebook) -> str:
    """The Markdown of ``docs/clean-data.md``."""
    tables = [{"name": "cases", "form": None, "rows": _rows(case_variables(codebook), codebook, None)}]
    for table, form in FORM_TABLES.items():
        tables.append(
            {"name": table, "form": codebook.forms[form].label_nl, "rows": _rows(form_variables(form, codebook), codebook, form)}
        )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent), keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template(TEMPLATE.name).render(tables=tables, version=codebook.version)
