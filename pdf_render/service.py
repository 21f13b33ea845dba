"""The PDF service: request -> HTML (template or given) or URL -> PDF bytes -> artifact store -> result.

``build_services`` assembles the worker's per-process services (its Chromium, launched on first use, and the
service over it); ``pdf_render.app`` declares it in the ``WorkerSpec``, which closes the browser at shutdown.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from pdf_render.browser import BrowserHost
from pdf_render.config import PdfRenderSettings
from pdf_render.models import RenderRequest, RenderResult
from pdf_render.netpolicy import NetworkPolicy
from pdf_render.rendering import PdfRenderer, RenderedPdf, RenderLimits
from pdf_render.templates import TemplateRenderer
from shared.artifacts import ArtifactStore, artifact_store
from shared.errors import PayloadError

__all__ = ["PdfRenderServices", "PdfService", "build_host", "build_policy", "build_services", "close_services"]

log = structlog.get_logger(__name__)


def build_host(settings: PdfRenderSettings) -> BrowserHost:
    return BrowserHost(
        settings.chromium_path,
        pool_size=settings.pool_size,
        restart_after=settings.restart_after,
        launch_timeout=settings.launch_timeout,
    )


def build_policy(settings: PdfRenderSettings) -> NetworkPolicy:
    return NetworkPolicy(settings.url_allowlist, settings.trusted_networks, allow_http=settings.allow_http)


def build_limits(settings: PdfRenderSettings) -> RenderLimits:
    return RenderLimits(
        max_pdf_bytes=settings.max_pdf_bytes,
        max_pages=settings.max_pages,
        max_resource_bytes=settings.max_resource_bytes,
        max_total_resource_bytes=settings.max_total_resource_bytes,
        max_requests=settings.max_requests,
        max_redirects=settings.max_redirects,
        resource_timeout=settings.resource_timeout,
    )


@dataclass
class PdfService:
    settings: PdfRenderSettings
    renderer: PdfRenderer
    templates: TemplateRenderer
    store: ArtifactStore | None = None

    @classmethod
    def build(cls, settings: PdfRenderSettings, host: BrowserHost, store: ArtifactStore | None = None) -> PdfService:
        return cls(
            settings=settings,
            renderer=PdfRenderer(host, build_policy(settings), build_limits(settings)),
            templates=TemplateRenderer(settings.template_dir),
            store=store,
        )

    def html_for(self, request: RenderRequest) -> str | None:
        """The HTML to render (the template's output or the given HTML), None for URL mode; size-checked."""
        if request.template is not None:
            html = self.templates.render(request.template, request.data)
            loc = "template"
        elif request.html is not None:
            html, loc = request.html, "html"
        else:
            return None
        size = len(html.encode("utf-8"))
        if size > self.settings.max_html_bytes:
            raise PayloadError(
                "the HTML is too large",
                errors=[
                    {"loc": [loc], "msg": f"{size} bytes > limit {self.settings.max_html_bytes}", "type": "too_large"}
                ],
            )
        return html

    def timeout_for(self, request: RenderRequest) -> float:
        timeout = request.timeout or min(self.settings.default_timeout, self.settings.max_timeout)
        if timeout > self.settings.max_timeout:
            raise PayloadError(
                "timeout too long",
                errors=[
                    {"loc": ["timeout"], "msg": f"at most {self.settings.max_timeout:g} s", "type": "less_than_equal"}
                ],
            )
        return timeout

    def render_bytes(self, request: RenderRequest) -> RenderedPdf:
        """Render without storing (operator CLI, benchmarks)."""
        html = self.html_for(request)
        return self.renderer.render(
            html=html,
            url=request.url if html is None else None,
            options=request.options,
            javascript=request.javascript,
            timeout=self.timeout_for(request),
        )

    def render(self, request: RenderRequest) -> RenderResult:
        """Render and put the PDF into the artifact store."""
        rendered = self.render_bytes(request)
        store = self.store or artifact_store()
        ref = store.put(rendered.data, name=request.filename, content_type="application/pdf", kind="render")
        blocked = [{"url": v.url[:300], "reason": v.reason} for v in rendered.refused[:20]]
        log.info(
            "pdf rendered",
            key=ref.key,
            pages=rendered.pages,
            size=ref.size,
            ms=rendered.elapsed_ms,
            blocked=len(rendered.refused),
        )
        return RenderResult(
            key=ref.key,
            size=ref.size,
            sha256=ref.sha256,
            pages=rendered.pages,
            render_ms=rendered.elapsed_ms,
            blocked=blocked,
            url=ref.url,
            expires_at=ref.expires_at,
        )


@dataclass(frozen=True)
class PdfRenderServices:
    """What the worker's handler uses, built once per pool process (``build_services``)."""

    settings: PdfRenderSettings
    host: BrowserHost
    pdf: PdfService


def build_services(settings: PdfRenderSettings) -> PdfRenderServices:
    """The process's Chromium host (the browser starts with the first render) and the service over it."""
    host = build_host(settings)
    return PdfRenderServices(settings=settings, host=host, pdf=PdfService.build(settings, host, artifact_store()))


def close_services(services: PdfRenderServices) -> None:
    """Close the process's Chromium (worker process shutdown)."""
    services.host.close()
