"""The PDF service: request -> HTML (template or given) or URL -> PDF bytes -> artifact store -> result."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from pdf_render.browser import BrowserHost
from pdf_render.config import PdfSettings, get_pdf_settings
from pdf_render.models import RenderRequest, RenderResult
from pdf_render.netpolicy import NetworkPolicy
from pdf_render.rendering import PdfRenderer, RenderedPdf, RenderLimits
from pdf_render.templates import TemplateRenderer
from shared.artifacts import ArtifactStore, artifact_store
from shared.errors import PayloadError
from shared.resources import ProcessResource

__all__ = ["PdfService", "browser_host", "build_host", "build_policy", "get_pdf_service"]

log = structlog.get_logger(__name__)


def build_host(settings: PdfSettings) -> BrowserHost:
    return BrowserHost(
        settings.chromium_path, pool_size=settings.pool_size, restart_after=settings.restart_after,
        launch_timeout=settings.launch_timeout,
    )


def build_policy(settings: PdfSettings) -> NetworkPolicy:
    return NetworkPolicy(settings.url_allowlist, settings.trusted_networks, allow_http=settings.allow_http)


def build_limits(settings: PdfSettings) -> RenderLimits:
    return RenderLimits(
        max_pdf_bytes=settings.max_pdf_bytes, max_pages=settings.max_pages,
        max_resource_bytes=settings.max_resource_bytes, max_total_resource_bytes=settings.max_total_resource_bytes,
        max_requests=settings.max_requests, max_redirects=settings.max_redirects,
        resource_timeout=settings.resource_timeout,
    )


#: The worker process' Chromium: launched on first use, closed at worker process shutdown.
browser_host: ProcessResource[BrowserHost] = ProcessResource(
    lambda: build_host(get_pdf_settings()), close=BrowserHost.close, name="chromium"
)


@dataclass
class PdfService:
    settings: PdfSettings
    renderer: PdfRenderer
    templates: TemplateRenderer
    store: ArtifactStore | None = None

    @classmethod
    def build(cls, settings: PdfSettings, host: BrowserHost, store: ArtifactStore | None = None) -> PdfService:
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
            raise PayloadError("the HTML is too large", errors=[
                {"loc": [loc], "msg": f"{size} bytes > limit {self.settings.max_html_bytes}", "type": "too_large"}])
        return html

    def timeout_for(self, request: RenderRequest) -> float:
        timeout = request.timeout or min(self.settings.default_timeout, self.settings.max_timeout)
        if timeout > self.settings.max_timeout:
            raise PayloadError("timeout too long", errors=[
                {"loc": ["timeout"], "msg": f"at most {self.settings.max_timeout:g} s", "type": "less_than_equal"}])
        return timeout

    def render_bytes(self, request: RenderRequest) -> RenderedPdf:
        """Render without storing (operator CLI, benchmarks)."""
        html = self.html_for(request)
        return self.renderer.render(
            html=html, url=request.url if html is None else None, options=request.options,
            javascript=request.javascript, timeout=self.timeout_for(request),
        )

    def render(self, request: RenderRequest) -> RenderResult:
        """Render and put the PDF into the artifact store."""
        rendered = self.render_bytes(request)
        store = self.store or artifact_store()
        ref = store.put(rendered.data, name=request.filename, content_type="application/pdf", kind="render")
        blocked = [{"url": v.url[:300], "reason": v.reason} for v in rendered.refused[:20]]
        log.info("pdf rendered", key=ref.key, pages=rendered.pages, size=ref.size, ms=rendered.elapsed_ms,
                 blocked=len(rendered.refused))
        return RenderResult(key=ref.key, size=ref.size, sha256=ref.sha256, pages=rendered.pages,
                            render_ms=rendered.elapsed_ms, blocked=blocked, url=ref.url, expires_at=ref.expires_at)


_service: ProcessResource[PdfService] = ProcessResource(
    lambda: PdfService.build(get_pdf_settings(), browser_host.get()), name="pdf-service"
)


def get_pdf_service() -> PdfService:
    return _service.get()
