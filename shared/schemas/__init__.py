"""Official validation artefacts: the committed manifest, the installer and the store that resolves them."""

from shared.schemas.installer import MIRROR_ENV, InstallReport, SchemaInstallError, install
from shared.schemas.manifest import Artefact, Manifest, SchemaFile, load_manifest
from shared.schemas.store import ArtefactStatus, SchemaStore, SchemasUnavailable, default_schemas_dir, get_store

__all__ = [
    "MIRROR_ENV",
    "Artefact",
    "ArtefactStatus",
    "InstallReport",
    "Manifest",
    "SchemaFile",
    "SchemaInstallError",
    "SchemaStore",
    "SchemasUnavailable",
    "default_schemas_dir",
    "get_store",
    "install",
    "load_manifest",
]
