"""Everything an organisation chooses lives in its configuration folder, and a second region runs
from configuration alone.

- No Python module of the package holds a label a reader sees (a code-list label, a column
  header, a data-quality rule name, an SPSS label, the report's identity or its standard wording),
  names the region, or names a year of the project: a scan of every string constant (docstrings
  aside) against the configuration's labels.
- ``extends`` in a configuration file starts from another folder's file and replaces what it names.
- The fictitious region in ``examples/veenhoven/config``: its demo export (``demo-data --config``)
  through the whole DVC pipeline with only ``params.yaml`` switched; the report shows its
  organisation, teams and extra closure reason and nothing of West-Brabant.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pipeline.config import parse_yaml, read_config_yaml, read_yaml
from pipeline.errors import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "veenhoven" / "config"
CONFIGS = [ROOT / "config", EXAMPLE]


def _strings(obj: object) -> Iterator[str]:
    if isinstance(obj, dict):
        for value in obj.values():
            yield from _strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _strings(value)
    elif isinstance(obj, str):
        yield obj


def _configuration_labels() -> set[str]:
    """Every label a reader sees that the configuration folders hold."""
    labels: set[str] = set()
    for folder in CONFIGS:
        codebook = read_config_yaml(folder / "codebook.yaml")
        report = read_config_yaml(folder / "report.yaml")
        for key in ("code_lists", "data_quality_rules", "spss", "open_answers"):
            labels |= set(_strings(codebook.get(key)))
        for form in codebook["forms"].values():
            labels.add(form.get("label_nl", ""))
            for column in form["columns"].values():
                labels |= {column.get("header", ""), column.get("label_nl", ""), *column.get("aliases", [])}
        labels |= set(_strings(report["identity"]))
        labels |= set(_strings(report["knowledge_questions"])) | set(_strings(report["texts"]))
    return {s.strip() for s in labels if _is_label(s)}


def _is_label(text: str) -> bool:
    """Words a reader reads: 4+ letters outside {placeholders}, not a code (lower_case) or a format (DATE11)."""
    bare = re.sub(r"\{[^}]*\}", "", text).strip()
    letters = sum(ch.isalpha() for ch in bare)
    return letters >= 4 and not re.fullmatch(r"[a-z0-9_]+", bare) and not re.fullmatch(r"[A-Z0-9.]+", bare)


def _wording() -> set[str]:
    data = yaml.safe_load((ROOT / "report" / "templates" / "wording.yaml").read_text(encoding="utf-8"))
    return {s.strip() for s in _strings(data) if _is_label(s)}


def _code_strings(path: Path) -> Iterator[ast.Constant]:
    """The string constants of a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


def test_no_python_module_holds_a_label_a_region_or_a_year():
    labels = _configuration_labels()
    wording = _wording()
    long_labels = [label for label in labels if len(label) >= 12 and " " in label]
    assert len(labels) > 300 and len(wording) > 100  # the scan sees the configuration
    hits = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        rel = path.relative_to(ROOT)
        for node in _code_strings(path):
            text = node.value.strip()
            if text in labels or text in wording:
                hits.append(f"{rel}:{node.lineno}: label {text!r}")
            elif any(label in node.value for label in long_labels):
                hits.append(f"{rel}:{node.lineno}: holds a label: {text[:60]!r}")
            if re.search(r"brabant|veenhoven|cirkel is rond", text, re.IGNORECASE):
                hits.append(f"{rel}:{node.lineno}: names a region or project: {text[:60]!r}")
            if re.fullmatch(r"20[1-3]\d", text):
                hits.append(f"{rel}:{node.lineno}: names a year: {text!r}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, int)
                and not isinstance(node.value, bool)
                and 2010 <= node.value <= 2039
            ):
                hits.append(f"{rel}:{node.lineno}: names a year: {node.value}")
    assert not hits, "\n".join(hits)


def test_the_scan_would_find_a_label(tmp_path):
    """The scan's own check: a module with a team label and a year is caught."""
    labels = _configuration_labels()
    module = tmp_path / "bad.py"
    module.write_text(
        '"""A docstring may say Veilig Thuis Team Casusregie."""\nTEAM = "Veilig Thuis Team Casusregie"\nYEAR = 2019\n'
    )
    found = [n.value for n in _code_strings(module) if n.value in labels]
    assert found == ["Veilig Thuis Team Casusregie"]


def test_extends_replaces_what_it_names_and_keeps_the_rest(tmp_path):
    base = tmp_path / "base"
    region = tmp_path / "region"
    base.mkdir()
    region.mkdir()
    (base / "codebook.yaml").write_text(
        "version: 1\ncode_lists:\n  team: {codes: {a: {label: A}}}\n  target: {codes: {v: {label: V}}}\nredaction: {keep_organisations: [X]}\n"
    )
    (region / "codebook.yaml").write_text(
        "extends: ../base/codebook.yaml\ncode_lists:\n  team: {codes: {b: {label: B}}}\nredaction: {keep_organisations: [Y]}\n"
    )
    merged = read_config_yaml(region / "codebook.yaml")
    assert merged["code_lists"] == {"team": {"codes": {"b": {"label": "B"}}}, "target": {"codes": {"v": {"label": "V"}}}}
    assert merged["redaction"] == {"keep_organisations": ["Y"]} and merged["version"] == 1 and "extends" not in merged
    (base / "codebook.yaml").write_text("extends: ../region/codebook.yaml\n")
    with pytest.raises(ConfigurationError, match="kring"):
        read_config_yaml(region / "codebook.yaml")


def test_the_fast_yaml_parser_reads_every_file_as_safe_load_does(tmp_path):
    """libyaml's parser, where PyYAML has it, gives the same data as ``yaml.safe_load`` for every
    YAML file of the project, and a broken file still stops with its line."""
    files = [p for p in ROOT.rglob("*.yaml") if ".venv" not in p.parts and ".dvc" not in p.parts]
    assert len(files) >= 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert repr(parse_yaml(text)) == repr(yaml.safe_load(text)), path
    broken = tmp_path / "codebook.yaml"
    broken.write_text("forms:\n  start:\n    label: [Start\n  end: {}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"geen geldige YAML \(regel 4\)"):
        read_yaml(broken)
    # a tab where YAML wants spaces: libyaml would read it, PyYAML stops, and so does the run
    broken.write_text("forms:\n  start:\n    label:\tStart\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"geen geldige YAML \(regel 3\)"):
        read_yaml(broken)


def test_a_demo_weight_for_a_code_the_codebook_lacks_is_a_clear_error(tmp_path):
    from pipeline.codebook import load_codebook
    from pipeline.demo import load_demo_settings

    (tmp_path / "demo.yaml").write_text(f"extends: {ROOT / 'config' / 'demo.yaml'}\nweights:\n  team: {{geen_team: 1}}\n")
    with pytest.raises(ConfigurationError, match="geen_team"):
        load_demo_settings(tmp_path, load_codebook(ROOT / "config" / "codebook.yaml"))


# --------------------------------------------------------------------------- the second region


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    """The project as a clone has it, with the example region's demo export and only params.yaml switched."""
    from test_dvc_pipeline import _tracked_files

    work = tmp_path_factory.mktemp("region")
    project = work / "project"
    for rel in _tracked_files():
        if rel.startswith(("data/demo/", "tests/", "notebooks/")):
            continue
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, project / rel)
    env = {k: v for k, v in os.environ.items() if k not in {"CIRKEL_ROOT", "CIRKEL_PSEUDONYM_KEY", "CIRKEL_CONFIG"}}
    env["CIRKEL_PSEUDONYM_KEY_FILE"] = str(work / "no.key")  # the demo folder's own key
    raw = work / "raw"
    subprocess.run(
        [sys.executable, "-m", "pipeline", "-q", "demo-data", "--config", "examples/veenhoven/config", str(raw)],
        cwd=project,
        env=dict(env, CIRKEL_ROOT=str(project)),
        check=True,
        capture_output=True,
        text=True,
    )
    params = (project / "params.yaml").read_text(encoding="utf-8")
    params = re.sub(r"(?m)^config: .*$", "config: examples/veenhoven/config", params)
    params = re.sub(r"(?m)^raw_dir: .*$", f"raw_dir: {raw}", params)
    params = re.sub(r"(?m)^peildatum: .*$", 'peildatum: "2022-01-01"', params)
    (project / "params.yaml").write_text(params, encoding="utf-8")
    (project / "dvc.lock").unlink()
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / ".venv").symlink_to(Path(sys.prefix))  # as `make` leaves it: bin/cirkel finds the project's Python
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dvc"), "repro"], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return project


def _report_text(project: Path) -> str:
    from pypdf import PdfReader

    html = (project / "report" / "report.html").read_text(encoding="utf-8")
    pdf = " ".join(page.extract_text() for page in PdfReader(project / "report" / "report.pdf").pages)
    return re.sub(r"\s+", " ", html + " " + pdf)


@pytest.mark.slow
def test_the_second_region_runs_from_configuration_alone(region):
    from pipeline.codebook import load_codebook

    text = _report_text(region)
    own = load_codebook(EXAMPLE / "codebook.yaml")
    assert "GGD Veenhoven" in text and "Samen Sterker" in text
    for team in own.codes("team"):
        assert own.label("team", team) in text, team
    assert own.label("closure_reason", "peer_group") in text
    west_brabant = load_codebook(ROOT / "config" / "codebook.yaml")
    foreign = [
        "West-Brabant",
        "Brabant",
        "De Cirkel is Rond",
        "Safegroup",
        *(west_brabant.label("team", t) for t in west_brabant.codes("team")),
    ]
    for word in foreign:
        assert word.casefold() not in text.casefold(), word


@pytest.mark.slow
def test_the_second_regions_spss_files_carry_its_labels(region):
    import pyreadstat

    _, meta = pyreadstat.read_sav(str(region / "data" / "spss" / "cases.sav"))
    assert meta.file_label == "Samen Sterker - casussen"
    assert "Sociaal Wijkteam Veenhoven-Noord" in meta.variable_value_labels["team"].values()


def test_the_clean_data_dictionary_is_what_the_codebook_gives():
    from pipeline.codebook import load_codebook
    from pipeline.dictionary import clean_data_dictionary

    committed = (ROOT / "docs" / "clean-data.md").read_text(encoding="utf-8")
    assert committed == clean_data_dictionary(load_codebook(ROOT / "config" / "codebook.yaml")), (
        "docs/clean-data.md is out of date: run `python -m pipeline data-dictionary`"
    )


def test_every_indicator_table_is_read_by_the_report_or_listed_for_analysts(tmp_path, test_key):
    """A table nothing reads is either shown or documented as an analyst output."""
    import datetime as dt

    from pipeline.indicators import ANALYST_TABLES, compute_indicators
    from pipeline.stages import clean_run

    peildatum = dt.date(2021, 1, 1)
    with test_key(tmp_path):
        result = clean_run(ROOT / "data" / "demo", peildatum)
    written = set(compute_indicators(result.clean, peildatum, 5, forms_unlinked=result.forms_unlinked).tables)
    report_code = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "pipeline" / "report").glob("*.py"))
    read = {name for name in written if re.search(rf"[\"']{name}[\"']", report_code)}
    assert len(written) > 20
    assert written - read == set(ANALYST_TABLES), "tables neither read nor listed (or listed but read): update ANALYST_TABLES"
