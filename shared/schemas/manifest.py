"""The committed manifest of official validation artefacts (``manifest.toml``): names, versions, sources, hashes.

An *artefact* is one published thing we validate against (the UBL 2.1 XSD set, the CIUS-RO Schematron, ...).
It lives in one directory of the schemas directory (``dir``) and lists every file of that directory it owns,
each with its SHA-256 and size. Several artefacts may share a directory (the e-Transport XSD and its
Schematron are both in ``etransport/``); a file under a managed directory that no artefact lists is a
foreign file, which the installer refuses (a different version dropped in by hand).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import quote

__all__ = ["MANIFEST_PATH", "RAW_BASE", "Artefact", "Manifest", "SchemaFile", "load_manifest"]

MANIFEST_PATH = Path(__file__).with_name("manifest.toml")
#: Where pinned mirror files are downloaded from (a caching proxy with the same layout may replace it).
RAW_BASE = "https://raw.githubusercontent.com"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,40}$")

Role = Literal["validation", "example"]


@dataclass(frozen=True)
class SchemaFile:
    """One file of an artefact: where it goes (``dir/path``), its hash and size, and where it comes from."""

    path: str  # relative to the artefact's directory, POSIX separators
    sha256: str
    size: int
    mirror_path: str  # path inside the mirror repository at the pinned commit
    official_url: str | None

    def relpath(self, artefact: Artefact) -> str:
        """Path relative to the schemas directory (and to a local mirror directory)."""
        return f"{artefact.dir}/{self.path}"


@dataclass(frozen=True)
class Artefact:
    """One published artefact at one version."""

    name: str
    title: str
    version: str
    role: Role
    publisher: str
    official_url: str
    licence: str
    dir: str
    mirror_repo: str
    mirror_commit: str
    files: tuple[SchemaFile, ...]
    notes: str = ""

    def file(self, path: str) -> SchemaFile:
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(f"artefact {self.name} has no file {path!r}")

    def mirror_url(self, f: SchemaFile, base: str = RAW_BASE) -> str:
        """The pinned download URL of ``f``: the mirror repository at a fixed commit (``base`` for a proxy)."""
        return f"{base.rstrip('/')}/{self.mirror_repo}/{self.mirror_commit}/{quote(f.mirror_path)}"

    @property
    def ref(self) -> dict[str, str]:
        """What a result records about the artefact that validated it."""
        return {"name": self.name, "version": self.version}


@dataclass(frozen=True)
class Manifest:
    artefacts: tuple[Artefact, ...]

    def __getitem__(self, name: str) -> Artefact:
        for a in self.artefacts:
            if a.name == name:
                return a
        raise KeyError(f"no artefact {name!r} in the schema manifest; known: {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.artefacts]

    @property
    def dirs(self) -> set[str]:
        return {a.dir for a in self.artefacts}

    def expected(self, directory: str) -> set[str]:
        """Every relative path the manifest puts under ``directory``."""
        return {f.relpath(a) for a in self.artefacts if a.dir == directory for f in a.files}


def _safe_relpath(value: str, what: str) -> str:
    p = PurePosixPath(value)
    if p.is_absolute() or ".." in p.parts or not p.parts or "\\" in value:
        raise ValueError(f"manifest: {what} {value!r} is not a safe relative path")
    return str(p)


def _file(raw: dict[str, Any], artefact: str) -> SchemaFile:
    sha = str(raw["sha256"]).lower()
    if not _SHA256.match(sha):
        raise ValueError(f"manifest: {artefact}/{raw.get('path')}: sha256 must be 64 hex digits")
    return SchemaFile(
        path=_safe_relpath(str(raw["path"]), "path"),
        sha256=sha,
        size=int(raw["size"]),
        mirror_path=_safe_relpath(str(raw["mirror_path"]), "mirror_path"),
        official_url=raw.get("official_url"),
    )


def _artefact(raw: dict[str, Any]) -> Artefact:
    name = str(raw["name"])
    if not _NAME.match(name):
        raise ValueError(f"manifest: bad artefact name {name!r}")
    commit = str(raw["mirror_commit"])
    if not _COMMIT.match(commit):
        raise ValueError(f"manifest: {name}: mirror_commit must be a full 40-hex commit")
    role = raw.get("role", "validation")
    if role not in ("validation", "example"):
        raise ValueError(f"manifest: {name}: role must be validation or example")
    files = tuple(_file(f, name) for f in raw["file"])
    if len({f.path for f in files}) != len(files):
        raise ValueError(f"manifest: {name}: duplicate file path")
    return Artefact(
        name=name,
        title=str(raw["title"]),
        version=str(raw["version"]),
        role=role,
        publisher=str(raw["publisher"]),
        official_url=str(raw["official_url"]),
        licence=str(raw["licence"]),
        dir=_safe_relpath(str(raw["dir"]), "dir"),
        mirror_repo=str(raw["mirror_repo"]),
        mirror_commit=commit,
        files=files,
        notes=str(raw.get("notes", "")),
    )


def parse_manifest(text: str) -> Manifest:
    """Parse and check manifest TOML (names unique, hashes and commits well-formed, paths relative)."""
    data = tomllib.loads(text)
    artefacts = tuple(_artefact(a) for a in data["artefact"])
    if len({a.name for a in artefacts}) != len(artefacts):
        raise ValueError("manifest: duplicate artefact name")
    paths = [f.relpath(a) for a in artefacts for f in a.files]
    if len(set(paths)) != len(paths):
        raise ValueError("manifest: two artefacts claim the same file")
    return Manifest(artefacts)


@lru_cache(maxsize=1)
def load_manifest() -> Manifest:
    """The product's committed manifest."""
    return parse_manifest(MANIFEST_PATH.read_text(encoding="utf-8"))
