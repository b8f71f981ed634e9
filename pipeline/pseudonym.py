"""Keyed pseudonyms (HMAC-SHA256) for case numbers and expert names.

The same key gives the same pseudonym in every run and every year; without the key a
pseudonym can be neither reversed nor recomputed. The key is read from the environment variable
``CIRKEL_PSEUDONYM_KEY`` or from the key file (default ``~/.config/cirkel/pseudonym.key``, or the
path in ``CIRKEL_PSEUDONYM_KEY_FILE``), never from the repository. Synthetic demo exports carry
their own key in ``demo_pseudonym.key`` inside the export folder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import ConfigurationError
from pipeline.vector import map_distinct

ENV_KEY = "CIRKEL_PSEUDONYM_KEY"
ENV_KEY_FILE = "CIRKEL_PSEUDONYM_KEY_FILE"
DEFAULT_KEY_FILE = Path("~/.config/cirkel/pseudonym.key")
DEMO_KEY_FILE = "demo_pseudonym.key"
DEMO_MANIFEST = "demo.json"  # written by the demo generator: the sha256 of every file it wrote
DEMO_META_FILES = {DEMO_KEY_FILE, DEMO_MANIFEST, "README.md"}
MIN_KEY_LENGTH = 32
DIGEST_CHARS = 16  # 64 bits of the HMAC: collisions are negligible at a million cases


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes
    source: str  # where it came from, for the log (never the key itself)


def key_file_path() -> Path:
    return Path(os.environ.get(ENV_KEY_FILE, str(DEFAULT_KEY_FILE))).expanduser()


def _checked(text: str, source: str) -> PseudonymKey:
    text = text.strip()
    if len(text) < MIN_KEY_LENGTH:
        raise ConfigurationError(
            f"de pseudonimiseringssleutel uit {source} is te kort ({len(text)} tekens; minimaal {MIN_KEY_LENGTH})"
        )
    return PseudonymKey(secret=text.encode("utf-8"), source=source)


def resolve_key(raw_dir: Path) -> PseudonymKey:
    """The key for a run on ``raw_dir``: environment, then key file, then a demo folder's own key.
    A run starts here: the file digests of an earlier run are forgotten."""
    forget_digests()
    if os.environ.get(ENV_KEY):
        return _checked(os.environ[ENV_KEY], f"${ENV_KEY}")
    path = key_file_path()
    if path.is_file():
        return _checked(path.read_text(encoding="utf-8"), str(path))
    demo = Path(raw_dir) / DEMO_KEY_FILE
    if demo.is_file() and pristine_demo(Path(raw_dir)):
        return _checked(demo.read_text(encoding="utf-8"), f"de demosleutel {demo.name}")
    why = (
        (
            f"De map bevat wel een demosleutel ({DEMO_KEY_FILE}), maar ook bestanden die de demo-generator niet zo heeft "
            "geschreven: dan gaat het om echte gegevens, en die krijgen nooit de (openbare) demosleutel. "
        )
        if demo.is_file()
        else ""
    )
    raise ConfigurationError(
        f"geen pseudonimiseringssleutel gevonden. {why}Maak een sleutel met `python -m pipeline make-key` "
        f"(schrijft {DEFAULT_KEY_FILE}, buiten git) of zet de omgevingsvariabele {ENV_KEY} "
        f"(minimaal {MIN_KEY_LENGTH} tekens). Bewaar de sleutel veilig: met een andere sleutel krijgen "
        "dezelfde casussen andere pseudoniemen."
    )


_DIGESTS: dict[tuple, str] = {}  # (file, size, modification and change times, inode) → sha256, within a run


def forget_digests() -> None:
    """Start a run without the file digests of an earlier one (a run hashes each file once)."""
    _DIGESTS.clear()


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes (a file read twice in a run, as a demo folder is for its key
    and for the manifest, is hashed once unless it changed in between)."""
    info = os.stat(path)
    key = (os.path.realpath(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def pristine_demo(raw_dir: Path) -> bool:
    """Whether ``raw_dir`` holds exactly what the demo generator wrote: every file in it (but its
    key, README and manifest) is listed in ``demo.json`` with the same sha256, and every listed
    file is there. Only such a folder, synthetic by construction, may use the demo key."""
    try:
        listed = json.loads((raw_dir / DEMO_MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    present = {
        path.relative_to(raw_dir).as_posix()
        for path in raw_dir.rglob("*")
        if path.is_file() and path.relative_to(raw_dir).as_posix() not in DEMO_META_FILES
    }
    if not isinstance(listed, dict) or present != set(listed):
        return False
    return all(file_sha256(raw_dir / rel) == digest for rel, digest in listed.items())


def make_key_file(path: Path | None = None, overwrite: bool = False) -> Path:
    """Write a new random key (384 bits, URL-safe text) to ``path`` with mode 600."""
    path = Path(path or key_file_path()).expanduser()
    if path.exists() and not overwrite:
        raise ConfigurationError(f"{path} bestaat al; een nieuwe sleutel geeft andere pseudoniemen (gebruik --force)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return path


def pseudonym(key: PseudonymKey, kind: str, value: str) -> str:
    """``<K>-<16 hex>``: HMAC-SHA256 of ``kind:value`` under the key (``kind`` separates namespaces)."""
    digest = hmac.digest(key.secret, f"{kind}:{value}".encode(), "sha256").hex()[:DIGEST_CHARS]
    return f"{kind[0].upper()}-{digest}"


def pseudonymise(key: PseudonymKey, kind: str, normalised: pd.Series) -> pd.Series:
    """Pseudonyms for a column of normalised identifiers (NA stays NA); each distinct value hashed once."""
    return map_distinct(normalised, lambda value: pseudonym(key, kind, value))
