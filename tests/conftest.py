"""Fixtures shared by the test modules.

- ``keyed``: a test pseudonymisation key for one test (and no key file, so no real key is read);
- ``test_key``: the same as a context manager, for module-scoped fixtures that run the ingest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from pipeline.pseudonym import ENV_KEY, ENV_KEY_FILE

TEST_KEY = "k" * 40


@contextmanager
def _test_key(folder: Path, key: str = TEST_KEY) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_KEY, key)
        mp.setenv(ENV_KEY_FILE, str(Path(folder) / "no-such.key"))
        yield


@pytest.fixture()
def keyed(monkeypatch, tmp_path) -> str:
    """A test key for this test; returns it."""
    monkeypatch.setenv(ENV_KEY, TEST_KEY)
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "no-such.key"))
    return TEST_KEY


@pytest.fixture(scope="session")
def test_key() -> Callable[..., AbstractContextManager[None]]:
    """``with test_key(folder):`` runs with a test key (``key=`` another one) and no key file."""
    return _test_key
