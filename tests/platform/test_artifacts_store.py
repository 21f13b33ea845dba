"""The filesystem artifact store and the key scheme both stores share (no S3 server needed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from shared.artifacts import ArtifactIntegrityError, ArtifactNotFound, FilesystemArtifactStore
from shared.artifacts.model import check_key, kind_of, new_key
from shared.errors import PayloadError


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_put_and_put_file_round_trip_by_kind(tmp_path: Path) -> None:
    store = FilesystemArtifactStore(tmp_path / "art", max_bytes=1 << 20)
    ref = store.put(b"%PDF-1.7", name="factura 7/2026.pdf", content_type="application/pdf", kind="render")
    assert ref.key.startswith("render/") and ref.key.endswith("-factura_7_2026.pdf") and ref.kind == "render"
    assert ref.url is None and store.link(ref.key) is None and store.get(ref.key) == b"%PDF-1.7"

    source = tmp_path / "d406.xml"
    source.write_bytes(b"<AuditFile/>" * 5000)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    filed = store.put_file(source, name="D406.xml", content_type="application/xml", kind="saft", sha256=digest)
    assert filed.sha256 == digest and filed.size == source.stat().st_size and source.exists()
    with store.open(filed.key) as fh:
        assert fh.read() == source.read_bytes()

    listed = {o.key: o.size for o in store.objects()}
    assert listed == {ref.key: 8, filed.key: filed.size}
    assert [o.key for o in store.objects("saft")] == [filed.key]


def test_mismatch_or_oversize_keeps_nothing(tmp_path: Path) -> None:
    store = FilesystemArtifactStore(tmp_path / "art", max_bytes=1000)
    with pytest.raises(ArtifactIntegrityError):
        store.put(b"bytes", name="a", sha256=hashlib.sha256(b"other").hexdigest())
    with pytest.raises(ArtifactIntegrityError):
        store.put(b"bytes", name="a", sha256="not-a-digest")
    source = tmp_path / "x.bin"
    source.write_bytes(b"y" * 500)
    with pytest.raises(ArtifactIntegrityError):
        store.put_file(source, name="x", sha256="0" * 64)
    with pytest.raises(PayloadError, match="too large"):
        store.put(b"y" * 5000, name="x")
    assert _files(tmp_path / "art") == []  # no artifact, no temp file left behind

    source.write_bytes(b"y" * 5000)  # a file is streamed, never held in memory: max_bytes does not apply
    assert store.put_file(source, name="x").size == 5000


@pytest.mark.parametrize(
    "key", ["../x", "/etc/passwd", "a/../../b", "", "a//b", "a/b\n", "a\\b", ".hidden/x", "a/%2e%2e", "x" * 600]
)
def test_keys_cannot_leave_the_root(tmp_path: Path, key: str) -> None:
    store = FilesystemArtifactStore(tmp_path)
    for op in (store.get, store.exists, store.delete, store.open, store.link):
        with pytest.raises(PayloadError):
            op(key)
    with pytest.raises(PayloadError):
        store.key_for_url(f"file://{tmp_path}/general/x")


def test_key_scheme() -> None:
    key = new_key("efactura-archive", "../../ ZIP ș.zip")
    assert check_key(key) == key and kind_of(key) == "efactura-archive"
    assert kind_of("2026/01/01/abc-old.pdf") == "general"  # keys written before kinds existed
    with pytest.raises(PayloadError):
        new_key("Bad Kind", "x")
    with pytest.raises(ArtifactNotFound):
        FilesystemArtifactStore(Path("/nonexistent-root")).get("general/2026/01/01/missing")
