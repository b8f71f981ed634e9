"""Keyed pseudonyms: stable for one key, different for another, not recomputable without it."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ConfigurationError
from pipeline.link import normalise_case_number, normalise_name
from pipeline.pseudonym import (
    DEMO_KEY_FILE,
    DEMO_MANIFEST,
    ENV_KEY,
    ENV_KEY_FILE,
    PseudonymKey,
    file_sha256,
    make_key_file,
    pseudonym,
    pseudonymise,
    resolve_key,
)

KEY_A = PseudonymKey(b"a" * 32, "test")
KEY_B = PseudonymKey(b"b" * 32, "test")
identifiers = st.text(min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(identifiers)
def test_same_key_same_pseudonym_other_key_other_pseudonym(value):
    assert pseudonym(KEY_A, "case", value) == pseudonym(KEY_A, "case", value)
    assert pseudonym(KEY_A, "case", value) != pseudonym(KEY_B, "case", value)
    assert pseudonym(KEY_A, "case", value) != pseudonym(KEY_A, "expert", value)


@settings(max_examples=200, deadline=None)
@given(identifiers)
def test_pseudonym_is_not_a_plain_hash_and_does_not_contain_the_value(value):
    p = pseudonym(KEY_A, "case", value)
    assert p.startswith("C-") and len(p) == 18
    for plain in (hashlib.sha256(value.encode()).hexdigest(), hashlib.sha256(f"case:{value}".encode()).hexdigest()):
        assert plain[:16] != p[2:]
    if len(value) >= 4:
        assert value not in p


@settings(max_examples=100, deadline=None)
@given(st.lists(identifiers, min_size=2, max_size=20, unique=True))
def test_distinct_values_get_distinct_pseudonyms(values):
    out = pseudonymise(KEY_A, "case", pd.Series(values, dtype=object))
    assert out.nunique() == len(values)


def test_normalised_variants_share_a_pseudonym():
    same = [normalise_case_number(v) for v in ("CIR-0042", " cir-0042 ")]
    assert pseudonym(KEY_A, "case", same[0]) == pseudonym(KEY_A, "case", same[1])
    names = [normalise_name(v) for v in ("  ZOË  de  Wit", "Zoe de Wit")]
    assert names[0] == names[1] == "zoe de wit"


def test_missing_stays_missing():
    out = pseudonymise(KEY_A, "expert", pd.Series(["anna", None], dtype=object))
    assert out.isna().tolist() == [False, True]


def test_key_resolution_order_and_errors(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "none.key"))
    raw = tmp_path / "raw"
    raw.mkdir()
    with pytest.raises(ConfigurationError, match="make-key"):
        resolve_key(raw)
    (raw / DEMO_KEY_FILE).write_text("d" * 40)
    with pytest.raises(ConfigurationError, match="echte gegevens"):  # a copy of a demo key does not make data a demo
        resolve_key(raw)
    (raw / "casuslijst.csv").write_text("Casusnummer\nCIR-0001\n")
    (raw / DEMO_MANIFEST).write_text(json.dumps({"files": {"casuslijst.csv": file_sha256(raw / "casuslijst.csv")}}))
    assert resolve_key(raw).secret == b"d" * 40  # exactly what the generator listed: synthetic by construction
    (raw / "2019").mkdir()
    (raw / "2019" / "startformulier.csv").write_text("Casusnummer\nCIR-0001\n")  # one file more: real data
    with pytest.raises(ConfigurationError, match="echte gegevens"):
        resolve_key(raw)
    (raw / "2019" / "startformulier.csv").unlink()
    (raw / "casuslijst.csv").write_text("Casusnummer\nCIR-0002\n")  # a file changed: real data
    with pytest.raises(ConfigurationError, match="echte gegevens"):
        resolve_key(raw)
    (raw / "casuslijst.csv").write_text("Casusnummer\nCIR-0001\n")
    key_file = make_key_file(tmp_path / "k" / "pseudonym.key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with pytest.raises(ConfigurationError, match="bestaat al"):
        make_key_file(key_file)
    monkeypatch.setenv(ENV_KEY_FILE, str(key_file))
    assert resolve_key(raw).secret == key_file.read_text().strip().encode()
    monkeypatch.setenv(ENV_KEY, "x" * 32)
    assert resolve_key(raw).secret == b"x" * 32
    monkeypatch.setenv(ENV_KEY, "short")
    with pytest.raises(ConfigurationError, match="te kort"):
        resolve_key(raw)


def test_a_file_is_hashed_once_in_a_run_unless_it_changed(tmp_path):
    """The demo-key check and the manifest hash the same raw files: once per run, and again when a
    file changed in between (another size or modification time) or in a new run."""
    import hashlib
    import os

    from pipeline import pseudonym

    path = tmp_path / "export.csv"
    path.write_bytes(b"a;b\n1;2\n")
    pseudonym.forget_digests()
    assert pseudonym.file_sha256(path) == hashlib.sha256(b"a;b\n1;2\n").hexdigest()
    assert pseudonym.file_sha256(path) == hashlib.sha256(b"a;b\n1;2\n").hexdigest()
    assert len(pseudonym._DIGESTS) == 1
    path.write_bytes(b"a;b\n1;2\n3;4\n")
    assert pseudonym.file_sha256(path) == hashlib.sha256(b"a;b\n1;2\n3;4\n").hexdigest()
    stat = path.stat()
    path.write_bytes(b"a;b\n1;2\n3;5\n")  # same size: told apart by its modification time
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert pseudonym.file_sha256(path) == hashlib.sha256(b"a;b\n1;2\n3;5\n").hexdigest()
    pseudonym.forget_digests()
    assert pseudonym._DIGESTS == {}
