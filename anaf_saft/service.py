"""``saft.generate`` without Celery: checks, streamed D406 segments, XSD and DUK validation, artifact storage."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import structlog

from anaf_saft.checks import Plan, check
from anaf_saft.duk import DukResult, DukValidator
from anaf_saft.errors import SaftConfigurationError, SaftInputError, SaftOutputRejectedError
from anaf_saft.models import DocumentSection, ExportSource, SaftRequest, SaftResult, SegmentRef
from anaf_saft.sources import KINDS, AccountingSource, ExportFiles, SqlSource
from anaf_saft.writer import namespace_for, write_segments
from anaf_saft.xsd import SaftSchema
from shared.artifacts import ArtifactStore, FilesystemArtifactStore
from shared.schemas import SchemasUnavailable
from shared.xml import Finding

__all__ = ["SaftGenerator"]

log = structlog.get_logger(__name__)


def _digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


def _errors(findings: list[Finding]) -> list[dict[str, Any]]:
    return [{"loc": [f.source, f.location], "msg": f.message, "type": f.rule} for f in findings if f.fatal]


class SaftGenerator:
    """Builds D406 files from a source; the pieces are injected so tests and the CLI share them."""

    def __init__(
        self,
        store: ArtifactStore,
        *,
        schema: SaftSchema | None,
        duk: DukValidator,
        allow_unvalidated: bool = False,
        max_lines_per_segment: int,
        software: tuple[str, str, str],
        engine_factory: Callable[[], Any] | None = None,
        on_close: Callable[[], None] | None = None,
    ):
        self.store = store
        self.schema = schema
        self.allow_unvalidated = allow_unvalidated  # only the CLI's explicit --allow-partial sets it
        self.duk = duk
        self.max_lines_per_segment = max_lines_per_segment
        self.software = software
        self.engine_factory = engine_factory
        self._on_close = on_close

    def close(self) -> None:
        """Release what the worker's process built for it (the SQL engine's pool)."""
        if self._on_close is not None:
            self._on_close()

    def source_for(self, req: SaftRequest) -> AccountingSource:
        spec = req.source
        if isinstance(spec, ExportSource):
            files: dict[str, Any] = {}
            for kind in KINDS:
                key = getattr(spec, kind)
                if key is None:
                    continue
                if not self.store.exists(key):
                    raise SaftInputError(
                        "export file not found",
                        errors=[{"loc": ["source", kind], "msg": f"no artifact {key}", "type": "not_found"}],
                    )
                files[kind] = lambda k=key: self.store.open(k)
            return ExportFiles(files, spec.format)
        if self.engine_factory is None:
            raise SaftConfigurationError(
                "SQL source not configured (set ANAF_SAFT_SOURCE_DATABASE_URL)", code="saft_sql_not_configured"
            )
        return SqlSource(self.engine_factory(), spec.company_id, req.period.first_day, req.period.last_day)

    def generate(self, req: SaftRequest, source: AccountingSource | None = None) -> SaftResult:
        if self.schema is None and not self.allow_unvalidated:
            raise SchemasUnavailable("the SAF-T XSD is not loaded: no D406 is produced without the full check")
        source = source or self.source_for(req)
        plan = check(req, source, max_lines_per_segment=self.max_lines_per_segment)
        if plan.fatal:
            raise SaftInputError(
                f"accounting data failed {len(plan.fatal)} check(s); nothing generated",
                errors=_errors(plan.findings),
                code="saft_checks_failed",
            )
        ns = namespace_for(req.test)
        name = f"D406{'T' if req.test else ''}_{req.company.registration_number}_{req.period.year}_{req.period.start_month:02d}-{req.period.end_month:02d}"
        scratch = self.store.root if isinstance(self.store, FilesystemArtifactStore) else None
        if scratch is not None:
            scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=scratch, prefix=".saft-") as tmp:
            tmpdir = Path(tmp)

            def open_segment(index: int) -> BinaryIO:
                return (tmpdir / f"{index}.xml").open("wb", buffering=1 << 20)

            write_segments(req, source, plan, open_segment, software=self.software)
            findings = list(plan.findings)
            xsd_findings, xsd_valid = self._check_xsd(tmpdir, plan, ns)
            findings += xsd_findings
            duk_results = self._check_duk(tmpdir, plan, req.test)
            for r in duk_results:
                findings += r.findings
            refs = self._store_segments(tmpdir, plan, name)
        duk = _duk_summary(duk_results)
        validated_with = self.schema.artefacts if self.schema is not None else []
        log.info("saft generated", segments=len(refs), lines=plan.lines, entries=plan.entries, namespace=ns)
        first = refs[0]
        return SaftResult(
            key=first.key,
            size=first.size,
            sha256=first.sha256,
            namespace=ns,
            header_comment=req.period_type,
            url=first.url,
            expires_at=first.expires_at,
            segments=refs,
            lines=plan.lines,
            entries=plan.entries,
            total_debit=f"{plan.debit:.2f}",
            total_credit=f"{plan.credit:.2f}",
            xsd_valid=xsd_valid,
            validated_with=validated_with,
            duk=duk,
            findings=findings,
            documents={
                kind: DocumentSection(
                    entries=d.entries, lines=d.lines, total_debit=f"{d.debit:.2f}", total_credit=f"{d.credit:.2f}"
                )
                for kind, d in plan.documents.items()
            },
        )

    def _check_duk(self, tmpdir: Path, plan: Plan, test: bool) -> list[Any]:
        """DUKIntegrator's verdict on every segment; a rejection ends the export (nothing is stored)."""
        results = [self.duk.validate(tmpdir / f"{seg.index}.xml", test=test) for seg in plan.segments]
        if any(r.valid is False for r in results):
            raise SaftOutputRejectedError(
                "DUKIntegrator rejected the D406",
                code="saft_duk_rejected",
                details={"findings": [f.to_dict() for r in results for f in r.findings][:50]},
            )
        return results

    def _check_xsd(self, tmpdir: Path, plan: Plan, ns: str) -> tuple[list[Finding], bool | None]:
        """The XSD's findings on every segment and its verdict (None when the XSD was not run)."""
        if self.schema is None:
            return [], None
        xsd_findings: list[Finding] = []
        for seg in plan.segments:
            xsd_findings += self.schema.validate_file(tmpdir / f"{seg.index}.xml", ns)
        if xsd_findings:
            raise SaftOutputRejectedError(
                "generated D406 is not valid against the XSD",
                code="saft_xsd_invalid",
                details={"findings": [f.to_dict() for f in xsd_findings[:50]]},
            )
        return xsd_findings, True

    def _store_segments(self, tmpdir: Path, plan: Plan, name: str) -> list[SegmentRef]:
        """Move each checked segment into the artifact store (one key per segment)."""
        refs: list[SegmentRef] = []
        for seg in plan.segments:
            suffix = f"_s{seg.index}of{len(plan.segments)}" if len(plan.segments) > 1 else ""
            _, sha = _digest(tmpdir / f"{seg.index}.xml")  # the validated bytes; the store checks its upload
            ref = self.store.put_file(
                tmpdir / f"{seg.index}.xml",
                name=f"{name}{suffix}.xml",
                content_type="application/xml",
                kind="saft",
                sha256=sha,
            )
            refs.append(
                SegmentRef(
                    index=seg.index,
                    key=ref.key,
                    size=ref.size,
                    sha256=ref.sha256,
                    lines=seg.lines,
                    entries=seg.entries,
                    url=ref.url,
                    expires_at=ref.expires_at,
                )
            )
        return refs


def _duk_summary(results: list[DukResult]) -> dict[str, Any]:
    """One segment: its verdict; several: the combined verdict plus each segment's."""
    if len(results) == 1:
        return results[0].to_dict()
    return {
        "configured": results[0].configured,
        "valid": None if any(r.valid is None for r in results) else all(r.valid for r in results),
        "detail": "; ".join(sorted({r.detail for r in results})),
        "segments": [r.to_dict() for r in results],
    }
