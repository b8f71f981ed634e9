"""The redaction's two caches on disk: deduce's lookup tables (told current by a stamp, so that
the file is read once, by deduce) and the project's vocabulary (stored under a digest of what
it is built from, so that a stale one is never read)."""

from __future__ import annotations

import json
import pickle

import pytest

from pipeline import deid, redact


def test_the_deduce_cache_is_current_only_with_its_stamp_and_unchanged(tmp_path):
    path = tmp_path / "cache" / "lookup_structs.pickle"
    path.parent.mkdir()
    path.write_bytes(pickle.dumps({"lookup_structs": "tables"}))
    assert not deid._cache_is_current(path)  # no stamp: built again
    deid._stamp_path(path).write_text(json.dumps(deid._stamp(path)), encoding="utf-8")
    assert deid._cache_is_current(path)
    path.write_bytes(pickle.dumps({"lookup_structs": "deduce's own, full tables"}))  # rewritten by deduce
    assert not deid._cache_is_current(path)
    deid._stamp_path(path).write_text(json.dumps({**deid._stamp(path), "cirkel_names": "another list"}), encoding="utf-8")
    assert not deid._cache_is_current(path)  # built from another name list
    deid._stamp_path(path).write_text("{not json", encoding="utf-8")
    assert not deid._cache_is_current(path)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(deid.ENV_CACHE, str(tmp_path))
    redact.load_vocabulary.cache_clear()
    yield tmp_path
    redact.load_vocabulary.cache_clear()


def test_the_vocabulary_is_kept_and_read_back_the_same(cache_dir):
    built = redact.load_vocabulary(("Stichting Testlicht",))
    files = list(cache_dir.glob("vocabulary-*.pickle"))
    assert len(files) == 1
    redact.load_vocabulary.cache_clear()
    assert redact.load_vocabulary(("Stichting Testlicht",)) == built == redact.build_vocabulary(("Stichting Testlicht",))
    assert "stichting testlicht" in built.organisations


def test_other_inputs_give_another_file_and_the_old_one_goes(cache_dir):
    redact.load_vocabulary(("Stichting Testlicht",))
    (first,) = cache_dir.glob("vocabulary-*.pickle")
    other = redact.load_vocabulary(("Hulpteam Voorbeeld",))
    (second,) = cache_dir.glob("vocabulary-*.pickle")
    assert second != first and "hulpteam voorbeeld" in other.organisations and "stichting testlicht" not in other.organisations


def test_a_damaged_or_foreign_vocabulary_file_is_built_again(cache_dir):
    built = redact.load_vocabulary(())
    (path,) = cache_dir.glob("vocabulary-*.pickle")
    for damage in (b"not a pickle", pickle.dumps({"first_names": {"jan"}})):
        path.write_bytes(damage)
        redact.load_vocabulary.cache_clear()
        assert redact.load_vocabulary(()) == built
        assert pickle.loads(path.read_bytes()) == built  # written again


def test_without_a_usable_cache_folder_the_vocabulary_is_built(cache_dir, monkeypatch):
    built = redact.build_vocabulary(())
    (cache_dir / "vocabulary-x").mkdir()
    monkeypatch.setattr(redact, "_vocabulary_cache", lambda organisations: cache_dir / "vocabulary-x")  # a folder
    assert redact.load_vocabulary(()) == built
    redact.load_vocabulary.cache_clear()

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.undo()
    monkeypatch.setenv(deid.ENV_CACHE, "")
    monkeypatch.setattr(deid, "default_cache_dir", no_home)
    assert redact._vocabulary_cache(()) is None
    assert redact.load_vocabulary(()) == built
